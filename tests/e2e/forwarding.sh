#!/bin/bash
# No tunnels yet: local and remote port forwarding, agent and X11
# forwarding and subsystems other than sftp are refused cleanly, each as an audit
# event, while the session itself goes on.
. "$(dirname "$0")/lib.sh"

setup_all
TOKEN=$(new_token --max-sessions 10) || fail approve
export TOKEN

log "local port forwarding (-L) is refused"
LPORT=$(free_port)
gw_ssh alice alice+router1 -L "$LPORT:127.0.0.1:$TARGET_PORT" 'sleep 3; echo session-ok' >"$WORK/L.out" 2>"$WORK/L.err" &
ssh_pid=$!
PIDS="$PIDS $ssh_pid"
wait_port "$LPORT" || fail "ssh did not open the local forward port"
got=$(python3 -c "
import socket
s = socket.create_connection(('127.0.0.1', $LPORT), timeout=5)
s.settimeout(5)
try:
    print(repr(s.recv(100)))
except Exception as e:
    print('error', e)
")
case "$got" in *SSH-2.0*) fail "a tunnel reached the target's sshd: $got" ;; esac
wait "$ssh_pid"
assert_eq "the session goes on" "session-ok" "$(cat "$WORK/L.out")"
# wait_port's probe was a forwarded connection too: one event per attempt.
n_local=$(event_count request_refused port_forwarding_refused)
[ "$n_local" -ge 1 ] || fail "no port forwarding event"

log "remote port forwarding (-R) is refused"
out=$(gw_ssh alice alice+router1 -o ExitOnForwardFailure=yes -R "0:127.0.0.1:$TARGET_PORT" 'echo session-ok' 2>&1); rc=$?
[ "$rc" != 0 ] || fail "remote forwarding was accepted: $out"
assert_contains "ssh reports the refusal" "$out" "forwarding failed"
assert_eq "port forwarding events" "$((n_local + 1))" "$(event_count request_refused port_forwarding_refused)"

log "agent forwarding (-A) is refused"
eval "$(ssh-agent -s)" >/dev/null
PIDS="$PIDS $SSH_AGENT_PID"
ssh-add -q "$WORK/alice" 2>/dev/null
out=$(gw_ssh alice alice+router1 -A 'echo "sock=${SSH_AUTH_SOCK:-none}"' 2>&1)
assert_contains "no agent socket on the device" "$out" "sock=none"
assert_eq "agent forwarding events" 1 "$(event_count request_refused agent_forwarding_refused)"

log "X11 forwarding (-X) is refused"
out=$(DISPLAY=:99 gw_ssh alice alice+router1 -X -o ForwardX11Trusted=yes 'echo "display=${DISPLAY:-none}"' 2>&1)
assert_contains "no X11 display on the device" "$out" "display=none"
assert_eq "x11 forwarding events" 1 "$(event_count request_refused x11_forwarding_refused)"

log "subsystems other than sftp (relayed and audited: transfers.sh) are refused"
out=$(echo "hello" | gw_ssh alice alice+router1 -s netconf 2>&1); rc=$?
[ "$rc" != 0 ] || fail "the netconf subsystem was accepted"
assert_eq "subsystem events" 1 "$(event_count request_refused subsystem_refused)"
done_ok
