#!/bin/bash
# The daemon: SIGHUP reloads the configuration (a broken file keeps the
# running one), a killed session process takes no other session with it
# and its row is closed, SIGTERM stops accepting while sessions finish,
# kill -9 of the whole gateway is accounted for at the next start, and a
# login that never completes is cut off after login_grace_time.
. "$(dirname "$0")/lib.sh"
# Outputs are compared whole: the login banner (LogLevel INFO) is not wanted in them.
export SSH_LOG_LEVEL=ERROR

GW_GRACE=3s
setup_all
TOKEN=$(new_token --max-sessions 20) || fail approve
export TOKEN

session_field() {	# COMMAND FIELD
	ctl sessions list --json | python3 -c "
import json,sys
rows=[r for r in json.load(sys.stdin) if r['command']==sys.argv[1]]
print(rows[0][sys.argv[2]] if rows else 'missing')" "$1" "$2"
}

log "the daemon holds no store connection between uses (none may be inherited by what it forks)"
# A SQLite connection open across fork() leaves the child stale lock state: commits were lost under load.
for _ in $(seq 50); do
	ls -l "/proc/$GW_PID/fd" 2>/dev/null | grep -q 'remgate\.db' || break
	sleep 0.1
done
if ls -l "/proc/$GW_PID/fd" 2>/dev/null | grep -q 'remgate\.db'; then
	fail "the daemon keeps the store open: $(ls -l "/proc/$GW_PID/fd" | grep remgate)"
fi

log "SIGHUP: a new engineer is admitted after reload"
new_key carol
gw_ssh carol carol+router1 true 2>/dev/null && fail "carol got in before she was configured"
python3 - "$CONFIG" "$(cat "$WORK/carol.pub")" <<'PY'
import sys
p, key = sys.argv[1], sys.argv[2]
s = open(p).read().replace("admins:", '  - name: carol\n    authorized_keys: ["%s"]\nadmins:' % key, 1)
open(p, "w").write(s)
PY
kill -HUP "$GW_PID"
for _ in $(seq 1 50); do grep -q 'event=reload ' "$WORK/gateway.log" && break; sleep 0.1; done
CAROL_TOKEN=$(ENGINEER=carol new_token) || fail "approve for carol"
out=$(TOKEN=$CAROL_TOKEN gw_ssh carol carol+router1 'echo carol-in') || fail "carol was refused after the reload"
assert_eq "carol's session" "carol-in" "$out"

log "SIGHUP with a broken file keeps the running configuration"
cp "$CONFIG" "$WORK/good.yaml"
echo "bogus_key: 1" >>"$CONFIG"
kill -HUP "$GW_PID"
for _ in $(seq 1 50); do grep -q 'event=reload_failed' "$WORK/gateway.log" && break; sleep 0.1; done
grep -q 'event=reload_failed.*remgate.yaml:[0-9]*:[0-9]*: unknown key' "$WORK/gateway.log" || fail "no reload_failed line naming file:line:col"
out=$(gw_ssh alice alice+router1 'echo still-serving') || fail "the gateway stopped serving after a bad reload"
cp "$WORK/good.yaml" "$CONFIG"

log "the control socket: 0600, the daemon's; remgatectl reload says how it went"
SOCK="$WORK/state/control.sock"
[ -S "$SOCK" ] || fail "no control socket at $SOCK"
assert_eq "control socket mode and owner" "600 $(id -un)" "$(stat -c '%a %U' "$SOCK")"
out=$(ctl reload) || fail "remgatectl reload: $out"
assert_contains "reload reports what it loaded" "$out" "3 targets"
echo "bogus_key: 1" >>"$CONFIG"
out=$(ctl reload 2>&1); rc=$?
[ "$rc" != 0 ] || fail "a reload of a broken file exited 0"
assert_contains "a broken file is named with file:line:col" "$out" "remgate.yaml:"
out=$(gw_ssh alice alice+router1 'echo still-serving') || fail "the gateway stopped serving after a refused reload"
cp "$WORK/good.yaml" "$CONFIG"
out=$(ctl sessions kill 0000000000000000 2>&1) && fail "killing an unknown session succeeded"
assert_contains "an unknown session is named" "$out" "no session"
out=$(printf 'kill\tbad\n' | python3 -c '
import socket,sys
s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.stdin.buffer.read()); print(s.recv(200).decode().strip())' "$SOCK")
assert_contains "a malformed request gets a clear error" "$out" "error"
if id remgate-e2e >/dev/null 2>&1; then
	out=$(setpriv --reuid remgate-e2e --regid remgate-e2e --clear-groups "$REMGATECTL" -c "$CONFIG" reload 2>&1) &&
	    fail "another user could use the control socket"
fi

log "a killed session process takes nothing else with it"
gw_ssh alice alice+router1 'sleep 4; echo survivor-done' >"$WORK/survivor.out" 2>&1 &
survivor=$!
gw_ssh alice alice+router1 'sleep 30; echo victim-done' >"$WORK/victim.out" 2>&1 &
victim=$!
PIDS="$PIDS $survivor $victim"
for _ in $(seq 1 50); do
	[ "$(pgrep -P "$GW_PID" | wc -l)" -ge 2 ] && [ "$(session_field 'sleep 30; echo victim-done' id)" != missing ] && break
	sleep 0.1
done
victim_child=$(ctl sessions list --json | python3 -c "
import json,sys
print([r for r in json.load(sys.stdin) if r['command']=='sleep 30; echo victim-done'][0]['id'])")
# The session's monitor (the listener's child, which logs the start; the network child is its child).
victim_pid=$(grep "sid=$victim_child.*event=session_start" "$WORK/gateway.log" | head -1 | sed 's/.* pid=\([0-9]*\) .*/\1/')
[ -n "$victim_pid" ] || fail "cannot find the victim's session process"
kill -9 "$victim_pid"
wait "$victim"; rc=$?
[ "$rc" != 0 ] || fail "the killed session's client exited 0"
wait "$survivor" || fail "the other session failed"
assert_eq "the other session" "survivor-done" "$(cat "$WORK/survivor.out")"
for _ in $(seq 1 50); do
	[ "$(session_field 'sleep 30; echo victim-done' end_reason)" = gateway_process_died ] && break
	sleep 0.1
done
assert_eq "the killed session's row" gateway_process_died "$(session_field 'sleep 30; echo victim-done' end_reason)"
out=$(gw_ssh alice alice+router1 'echo after-kill') || fail "the gateway stopped serving after a child was killed"

log "login_grace_time cuts off a login that never answers"
cat >"$WORK/slow_askpass" <<'SH'
#!/bin/sh
sleep 10
SH
chmod 755 "$WORK/slow_askpass"
start=$(date +%s)
SSH_ASKPASS="$WORK/slow_askpass" SSH_ASKPASS_REQUIRE=force ssh -F /dev/null -p "$GW_PORT" -i "$WORK/alice" \
    -o IdentitiesOnly=yes -o UserKnownHostsFile="$WORK/known_hosts" -o StrictHostKeyChecking=accept-new \
    alice+router1@127.0.0.1 true >/dev/null 2>&1 &
slow=$!
PIDS="$PIDS $slow"
for _ in $(seq 1 100); do [ "$(event_count session_refused login_timeout)" = 1 ] && break; sleep 0.1; done
assert_eq "login timeout events" 1 "$(event_count session_refused login_timeout)"
[ $(( $(date +%s) - start )) -lt 9 ] || fail "the login was not cut off in time"
kill "$slow" 2>/dev/null

log "login_grace_time also cuts off a connection that never starts key exchange"
secs=$(python3 -c "
import socket, time
s = socket.create_connection(('127.0.0.1', $GW_PORT)); t = time.time(); s.settimeout(10)
s.recv(100)                      # the gateway's version line
print(int(time.time() - t) if s.recv(100) == b'' else 99)
") || fail "silent connection probe"
[ "$secs" -le 5 ] || fail "a silent connection stayed open ${secs}s with login_grace_time 3s"

log "SIGTERM: stop accepting, let the running session finish"
gw_ssh alice alice+router1 'sleep 3; echo drained' >"$WORK/drain.out" 2>&1 &
drain=$!
for _ in $(seq 1 50); do [ "$(session_field 'sleep 3; echo drained' id)" != missing ] && break; sleep 0.1; done
kill -TERM "$GW_PID"
for _ in $(seq 1 50); do grep -q 'event=stopping' "$WORK/gateway.log" && break; sleep 0.1; done
gw_ssh alice alice+router1 'echo should-not' >/dev/null 2>&1 && fail "a new connection was accepted while stopping"
wait "$drain" || fail "the running session did not finish"
assert_eq "the draining session" "drained" "$(cat "$WORK/drain.out")"
for _ in $(seq 1 50); do kill -0 "$GW_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$GW_PID" 2>/dev/null && fail "the gateway did not exit after its sessions finished"
wait "$GW_PID"; rc=$?
assert_eq "gateway exit status after SIGTERM" 0 "$rc"

log "kill -9 of the gateway parent alone: its running session goes on and closes its own row"
start_gateway
# The session waits for a file, not a clock, so a slow restart cannot outrun it.
GO=$DEVICE_DIR/outlive.go
gw_ssh alice alice+router1 "while [ ! -e $GO ]; do sleep 0.1; done; echo outlived" >"$WORK/outlive.out" 2>&1 &
outliver=$!
OUTLIVE_CMD="while [ ! -e $GO ]; do sleep 0.1; done; echo outlived"
for _ in $(seq 1 100); do [ "$(session_field "$OUTLIVE_CMD" id)" != missing ] && break; sleep 0.1; done
kill -9 "$GW_PID"
wait "$GW_PID" 2>/dev/null
start_gateway    # must not close the row of the session still running
assert_eq "the running session's row after the restart" "None" "$(session_field "$OUTLIVE_CMD" end_reason)"
touch "$GO"
wait "$outliver" || fail "the session did not outlive its gateway parent"
assert_eq "its output" "outlived" "$(cat "$WORK/outlive.out")"
for _ in $(seq 1 100); do [ "$(session_field "$OUTLIVE_CMD" end_reason)" = target_closed ] && break; sleep 0.1; done
assert_eq "the row it closed itself" target_closed "$(session_field "$OUTLIVE_CMD" end_reason)"
kill -TERM "$GW_PID"; wait "$GW_PID"

log "kill -9 of the whole gateway: the open row is closed at the next start"
start_gateway
gw_ssh alice alice+router1 'sleep 30; echo never' >/dev/null 2>&1 &
orphan=$!
PIDS="$PIDS $orphan"
for _ in $(seq 1 50); do [ "$(session_field 'sleep 30; echo never' id)" != missing ] && break; sleep 0.1; done
for child in $(pgrep -P "$GW_PID"); do kill -9 "$child"; done
kill -9 "$GW_PID"
wait "$orphan" 2>/dev/null
sleep 0.5
start_gateway
for _ in $(seq 1 50); do [ "$(session_field 'sleep 30; echo never' end_reason)" = gateway_restarted ] && break; sleep 0.1; done
assert_eq "the orphaned row" gateway_restarted "$(session_field 'sleep 30; echo never' end_reason)"
done_ok
