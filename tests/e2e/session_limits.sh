#!/bin/bash
# Sessions end with what allows them: the approval's window (with a warning
# first), a revocation, the engineer's removal from the configuration, the
# target's max_session_time and idle_timeout. Each time the engineer reads
# one clear last line, and the end is an event and a record in the sealed
# recording.
. "$(dirname "$0")/lib.sh"

setup_all
kill "$GW_PID"; wait "$GW_PID" 2>/dev/null
cat >>"$CONFIG" <<CFG
  - name: short
    address: "127.0.0.1:$TARGET_PORT"
    user: $TARGET_USER
    identity_file: "./state/router1_ed25519"
    host_key: "$TARGET_FP"
    max_session_time: 3s
    idle_timeout: off
  - name: quiet
    address: "127.0.0.1:$TARGET_PORT"
    user: $TARGET_USER
    identity_file: "./state/router1_ed25519"
    host_key: "$TARGET_FP"
    idle_timeout: 2s
approval_warning: 4s
CFG
start_gateway

# ended SID REASON: the row's end reason, once the session process has closed it.
ended() {
	for _ in $(seq 1 150); do
		got=$(ctl sessions list --json | python3 -c "import json,sys; print([s['end_reason'] or '' for s in json.load(sys.stdin) if s['id']=='$1'][0])")
		[ -n "$got" ] && break
		sleep 0.1
	done
	assert_eq "end reason of $1" "$2" "$got"
	ctl recording verify "$1" >/dev/null || fail "the recording of $1 is not sealed"
	python3 "$(dirname "$0")/read_recording.py" "$WORK/state/recordings/$1.rgrec" events | grep -q "$2" ||
	    fail "the recording of $1 has no event with $2"
}
running_sid() {	# COMMAND: the id of the running session with that command (waits)
	for _ in $(seq 1 150); do
		sid=$(ctl sessions list --json | python3 -c "
import json,sys
r=[s['id'] for s in json.load(sys.stdin) if s['command']==sys.argv[1] and not s['ended_at']]
print(r[0] if r else '')" "$1")
		[ -n "$sid" ] && { echo "$sid"; return; }
		sleep 0.1
	done
}

log "the approval's window ends: a warning, then the last line"
TOKEN=$(VALID=6s new_token) || fail approve
AID=$(echo "$TOKEN" | cut -d- -f2)
out=$(TOKEN=$TOKEN gw_ssh alice alice+router1 'sleep 60' 2>&1); rc=$?
[ "$rc" != 0 ] || fail "the session outlived its approval with exit 0"
assert_contains "the warning" "$out" "remgate: approval $AID ends"
assert_contains "the last line" "$out" "remgate: approval $AID ended"
assert_contains "the last line" "$out" ": session closed"
SID=$(last_sid)
ended "$SID" approval_expired
assert_eq "session_warning events" 1 "$(event_count session_warning approval_ending)"

log "a revocation ends the running session"
TOKEN=$(new_token) || fail approve
AID=$(echo "$TOKEN" | cut -d- -f2)
TOKEN=$TOKEN gw_ssh alice alice+router1 'sleep 61' >"$WORK/revoked.out" 2>&1 &
client=$!
SID=$(running_sid 'sleep 61')
[ -n "$SID" ] || fail "the session did not start"
ctl approvals revoke "$AID" >/dev/null || fail revoke
wait "$client"
assert_contains "the last line" "$(cat "$WORK/revoked.out")" "approval $AID was revoked by local:"
ended "$SID" approval_revoked

log "an engineer removed from the configuration by SIGHUP is disconnected"
TOKEN=$(ENGINEER=bob new_token) || fail approve
TOKEN=$TOKEN gw_ssh bob bob+router1 'sleep 62' >"$WORK/removed.out" 2>&1 &
client=$!
SID=$(running_sid 'sleep 62')
[ -n "$SID" ] || fail "bob's session did not start"
python3 - "$CONFIG" <<'PY'
import sys
p = sys.argv[1]
lines = open(p).read().split("\n")
i = lines.index("  - name: bob")
del lines[i:i + 2]
open(p, "w").write("\n".join(lines))
PY
kill -HUP "$GW_PID"
wait "$client"
assert_contains "the last line" "$(cat "$WORK/removed.out")" "engineer bob was removed from the configuration"
ended "$SID" killed

log "max_session_time on a target"
TOKEN=$(TARGET=short new_token) || fail approve
out=$(TOKEN=$TOKEN gw_ssh alice alice+short 'while :; do echo tick; sleep 0.5; done' 2>&1)
assert_contains "the last line" "$out" "the session reached the time limit of 3s for short: session closed"
SID=$(last_sid)
ended "$SID" max_session_time

log "idle_timeout on a target"
TOKEN=$(TARGET=quiet new_token) || fail approve
out=$(TOKEN=$TOKEN gw_ssh alice alice+quiet 'sleep 63' 2>&1)
assert_contains "the last line" "$out" "no input or output for 2s: session closed"
SID=$(last_sid)
ended "$SID" idle_timeout
done_ok
