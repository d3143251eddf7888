#!/bin/bash
# An engineer with an approval reaches the device: exec with exit codes and
# signals, stdin and EOF, environment filtering, an interactive pty shell,
# and the session rows and events an auditor reads afterwards.
. "$(dirname "$0")/lib.sh"

setup_all
TOKEN=$(new_token --max-sessions 20) || fail "approve"
case "$TOKEN" in rg-*) ;; *) fail "approve printed '$TOKEN', not a token" ;; esac
export TOKEN

log "exec, output and exit status"
out=$(gw_ssh alice alice+router1 'echo hello from $(hostname); exit 3' 2>"$WORK/err"); rc=$?
assert_eq "exit status of 'exit 3'" 3 "$rc"
assert_contains "exec output" "$out" "hello from"
grep -q "Approval token for router1:" "$WORK/askpass.log" || fail "no token prompt was shown"
grep -qi "token" "$WORK/askpass.log" || fail "the prompt does not mention the token"
out=$(gw_ssh alice alice+router1 true); rc=$?
assert_eq "exit status of 'true'" 0 "$rc"

log "stdout and stderr stay apart"
# LogLevel ERROR: the login banner (which approval, recorded) is not the command's stderr.
out=$(SSH_LOG_LEVEL=ERROR gw_ssh alice alice+router1 'echo out; echo err >&2' 2>"$WORK/err")
assert_eq "stdout" "out" "$out"
assert_eq "stderr" "err" "$(cat "$WORK/err")"

log "stdin and EOF reach the device"
out=$(printf 'line1\nline2\n' | gw_ssh alice alice+router1 'wc -l')
assert_eq "lines counted on the device" 2 "$(echo $out)"
sum_local=$(head -c 3000000 /dev/zero | tr '\0' 'x' | sha256sum | cut -d' ' -f1)
sum_remote=$(head -c 3000000 /dev/zero | tr '\0' 'x' | gw_ssh alice alice+router1 'sha256sum' | cut -d' ' -f1)
assert_eq "3 MB upload hash" "$sum_local" "$sum_remote"

log "exit signal"
gw_ssh alice alice+router1 'kill -TERM $$' 2>/dev/null; rc=$?
assert_eq "ssh exit status after the remote shell is killed" 255 "$rc"

log "only LANG and LC_* pass"
out=$(LANG=C.UTF-8 LC_TIME=C FOO=leak gw_ssh alice alice+router1 -o SendEnv=LANG -o SendEnv='LC_*' -o SendEnv=FOO \
    'echo "$LANG|$LC_TIME|${FOO:-unset}"')
assert_eq "environment on the device" "C.UTF-8|C|unset" "$out"

log "interactive shell with a pty"
out=$(printf 'echo "sum=$((40+2))"; tty; echo "term=$TERM"; stty size; exit 5\n' | \
    TERM=xterm-256color gw_ssh alice alice+router1 -tt 2>&1); rc=$?
assert_eq "exit status of the shell" 5 "$rc"
assert_contains "shell output" "$out" "sum=42"
assert_contains "a pty was allocated" "$out" "/dev/pts/"
assert_contains "terminal type passed" "$out" "term=xterm-256color"

log "pty size and a window change pass (ssh driven through a real pseudo-terminal)"
PTY_SIZE=33x101 python3 "$(dirname "$0")/pty_session.py" "$WORK" "$GW_PORT" alice+router1 "$WORK/alice" \
    "$WORK/winsize.out" "wait:$ " "send:PS1='$ '; echo READY\r" "wait:READY\r\n" \
    "send:stty size\r" "wait:33 101" \
    "winsize:40x120" "sleep:0.5" "send:stty size\r" "wait:40 120" \
    "send:exit 7\r" >/dev/null
rc=$?
[ "$rc" != 90 ] || fail "window size was not relayed: $(tail -c 300 "$WORK/winsize.out")"
assert_eq "exit status of the pty session" 7 "$rc"

log "session rows"
ctl sessions list --json >"$WORK/sessions.json" || fail "sessions list"
python3 - "$WORK/sessions.json" <<'PY' || fail "session rows are wrong"
import json, sys
rows = json.load(open(sys.argv[1]))
assert len(rows) >= 9, len(rows)
by_cmd = {r["command"]: r for r in rows if r["command"]}
r = by_cmd["echo hello from $(hostname); exit 3"]
assert r["engineer"] == "alice" and r["target"] == "router1", r
assert r["exit_status"] == 3 and r["kind"] == "exec" and r["ended_at"], r
assert r["client_addr"].startswith("127.0.0.1:"), r
assert r["approval_id"] >= 1 and r["bytes_out"] > 10, r
up = by_cmd["sha256sum"]
assert up["bytes_in"] == 3000000, up
sig = by_cmd["kill -TERM $$"]
assert sig["exit_signal"] == "TERM" and sig["exit_status"] is None, sig
shells = [r for r in rows if r["kind"] == "shell"]
assert shells and shells[-1]["exit_status"] == 5, shells
assert all(r["ended_at"] for r in rows), "a session is left open"
PY
ctl sessions list | grep -q "alice" || fail "sessions list (table) shows nothing"

log "approval uses counted"
uses=$(ctl approvals list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["uses"])')
n=$(ctl sessions list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
assert_eq "uses equal sessions" "$n" "$uses"
[ "$(event_count session_start '')" = "$n" ] || fail "one session_start event per session"
done_ok
