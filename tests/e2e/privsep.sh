#!/bin/bash
# Privilege separation: the process that parses the engineer's bytes (the
# network child) runs as privsep_user, chrooted to an empty directory, with
# no_new_privs and a seccomp filter, and holds no descriptor on the store,
# the signing key or a vaulted device key; its monitor holds those. Checked
# in /proc for a session in progress and for a connection still in key
# exchange.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || skip "privilege separation needs root (the gateway switches to privsep_user)"
getent passwd remgate >/dev/null || fail "the privsep account 'remgate' is missing (scripts/install-deps creates it)"
setup_all
TOKEN=$(new_token --max-sessions 5) || fail approve
export TOKEN
STATE=$(cd "$WORK/state" && pwd -P)
PRIV_UID=$(id -u remgate)
PRIV_GID=$(id -g remgate)

status_field() {	# PID FIELD: a line of /proc/PID/status, whitespace squeezed
	awk -v f="$2:" '$1 == f { $1 = ""; sub(/^ /, ""); print; exit }' "/proc/$1/status"
}

check_child() {	# WHAT PID: the network child's confinement
	what=$1; pid=$2
	assert_eq "$what: uid (real effective saved fs)" "$PRIV_UID $PRIV_UID $PRIV_UID $PRIV_UID" "$(status_field "$pid" Uid)"
	assert_eq "$what: gid" "$PRIV_GID $PRIV_GID $PRIV_GID $PRIV_GID" "$(status_field "$pid" Gid)"
	assert_eq "$what: supplementary groups" "$PRIV_GID" "$(status_field "$pid" Groups)"
	assert_eq "$what: NoNewPrivs" 1 "$(status_field "$pid" NoNewPrivs)"
	assert_eq "$what: Seccomp (filter mode)" 2 "$(status_field "$pid" Seccomp)"
	assert_eq "$what: CapEff" 0000000000000000 "$(status_field "$pid" CapEff)"
	assert_eq "$what: root directory" "$STATE/empty" "$(readlink "/proc/$pid/root")"
	[ -z "$(ls -A "$STATE/empty")" ] || fail "$what: the chroot directory is not empty"
	for fd in /proc/"$pid"/fd/*; do
		target=$(readlink "$fd") || continue
		case "$target" in
		"$STATE"/*) fail "$what: fd $(basename "$fd") is open on $target" ;;
		socket:*|pipe:*|anon_inode:*|/dev/null|"$WORK/gateway.log") ;;
		*) fail "$what: unexpected descriptor $(basename "$fd") -> $target" ;;
		esac
	done
	log "$what: pid $pid runs as remgate ($PRIV_UID), root $(readlink "/proc/$pid/root"), NoNewPrivs 1, Seccomp 2, $(ls /proc/"$pid"/fd | wc -l) descriptors, none on the state directory"
}

log "a session in progress: the network child is confined, the monitor holds the store"
gw_ssh alice alice+router1 'echo started; sleep 30' >"$WORK/session.out" 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 1 100); do grep -q started "$WORK/session.out" 2>/dev/null && break; sleep 0.1; done
grep -q started "$WORK/session.out" || fail "the session did not start: $(cat "$WORK/session.out")"
SID=$(last_sid)
MON=$(grep "sid=$SID.*event=session_start" "$WORK/gateway.log" | head -1 | sed 's/.* pid=\([0-9]*\) .*/\1/')
CHILD=$(grep "sid=$SID.*event=exec" "$WORK/gateway.log" | head -1 | sed 's/.* pid=\([0-9]*\) .*/\1/')
[ -n "$MON" ] && [ -n "$CHILD" ] || fail "cannot find the session's processes"
assert_eq "the monitor is the listener's child" "$GW_PID" "$(awk '{print $4}' "/proc/$MON/stat")"
assert_eq "the network child is the monitor's" "$MON" "$(awk '{print $4}' "/proc/$CHILD/stat")"
check_child "session" "$CHILD"
assert_eq "the monitor runs as root" "0 0 0 0" "$(status_field "$MON" Uid)"
ls -l /proc/"$MON"/fd 2>/dev/null | grep -q "$STATE/remgate.db" || fail "the monitor has no store handle (the check would prove nothing)"
ls -l /proc/"$MON"/fd 2>/dev/null | grep -q "$STATE/recordings/$SID.rgrec" || fail "the monitor does not hold the recording"

log "the vaulted key and the signing key are not readable by the privsep account"
for f in "$STATE/router1_ed25519" "$STATE/signing_ed25519.pem" "$STATE/remgate.db"; do
	if setpriv --reuid "$PRIV_UID" --regid "$PRIV_GID" --clear-groups cat "$f" >/dev/null 2>&1; then
		fail "the privsep account can read $f"
	fi
done

log "a connection still in key exchange is confined too"
python3 - "$GW_PORT" "$WORK/held" <<'PY' &
import socket, sys, time, os
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
open(sys.argv[2], "w").close()
time.sleep(20)
PY
HOLDER=$!
PIDS="$PIDS $HOLDER"
for _ in $(seq 1 50); do [ -f "$WORK/held" ] && break; sleep 0.1; done
PRE=""
for _ in $(seq 1 50); do
	for m in $(pgrep -P "$GW_PID"); do
		[ "$m" = "$MON" ] && continue
		PRE=$(pgrep -P "$m" | head -1)
		[ -n "$PRE" ] && break
	done
	[ -n "$PRE" ] && [ "$(status_field "$PRE" Uid | cut -d' ' -f1)" = "$PRIV_UID" ] && break
	sleep 0.1
done
[ -n "$PRE" ] || fail "no network child for the connection in key exchange"
check_child "pre-auth" "$PRE"
PRE_MON=$(awk '{print $4}' "/proc/$PRE/stat")
log "its monitor killed: the network child leaves at once instead of waiting on its own"
kill -9 "$PRE_MON"
for _ in $(seq 1 50); do kill -0 "$PRE" 2>/dev/null || break; sleep 0.1; done
kill -0 "$PRE" 2>/dev/null && fail "the network child $PRE outlived its monitor by 5 s"
kill "$HOLDER" 2>/dev/null

log "the session is unaffected and ends on record"
out=$(ctl sessions kill "$SID" --reason "privsep test done") || fail "sessions kill: $out"
for _ in $(seq 1 100); do ctl sessions list | grep "$SID" | grep -q killed && break; sleep 0.1; done
ctl sessions list | grep "$SID" | grep -q killed || fail "the session did not end as killed"
out=$(ctl recording verify "$SID"); rc=$?
assert_eq "the monitor sealed the recording" 0 "$rc"
[ "$(event_count privsep_violation privsep_violation)" = 0 ] || fail "a violation was recorded: $(ctl events list 2>/dev/null | grep privsep)"
done_ok
