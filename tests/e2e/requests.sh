#!/bin/bash
# Access requests (issue 13, docs/requests.md), with real ssh: an engineer
# files a request over SSH and waits; an administrator approves it
# (narrower than asked); the engineer's `request wait` prints a token, once,
# that opens a session. Self-approval, another engineer's request, denial,
# cancel, expiry (request_ttl) and two racing administrators.
. "$(dirname "$0")/lib.sh"
export SSH_LOG_LEVEL=ERROR
setup_all

req() { gw_ssh alice alice request "$@"; }
id_of() { sed -n 's/^request \([0-9]*\) filed.*/\1/p'; }

log "an engineer files a request over ssh"
out=$(req --target router1 --ticket INC-9 --level 2 --reason "'core link down'" --valid 1h --sessions 3 2>&1) ||
	fail "request: $out"
id=$(printf '%s\n' "$out" | id_of)
[ -n "$id" ] || fail "no request id in: $out"
assert_contains "request list" "$(req list 2>&1)" "request $id (alice on router1, ticket INC-9, level 2, diagnose): pending"
assert_eq "request_created events" 1 "$(ctl events list --json | grep -o '"kind":"request_created"' | wc -l)"

log "a bad request gets a clear error and files nothing"
out=$(req --target nowhere --ticket X --level 2 --reason r --valid 1h 2>&1) && fail "an unknown target was accepted"
assert_contains "unknown target" "$out" "no target 'nowhere'"
out=$(req --target router1 --ticket X --level 2 --reason r --valid 1h --op reboot 2>&1) && fail "--op on diagnose accepted"
assert_contains "--op needs implement" "$out" "--phase implement"
out=$(req --target router1 --ticket "'x" 2>&1) && fail "an unbalanced quote was accepted"
assert_contains "unbalanced quote" "$out" "is not closed"

log "the engineer waits; an administrator approves, narrower than asked"
req wait "$id" >"$WORK/wait.out" 2>"$WORK/wait.err" &
wpid=$!
out=$(ctl requests approve "$id" --approver alice --method phone 2>&1) && fail "self-approval was accepted"
assert_contains "self-approval" "$out" "cannot approve their own request"
out=$(ctl requests approve "$id" --approver wang --method phone --valid 2h 2>&1) && fail "a wider approval was accepted"
ctl requests approve "$id" --approver wang --method phone --valid 30m --sessions 2 --note "bridge call" >"$WORK/approve.out" ||
	fail "approve: $(cat "$WORK/approve.out")"
wait "$wpid" || fail "request wait failed: $(cat "$WORK/wait.err")"
TOKEN=$(tail -n 1 "$WORK/wait.out")
case "$TOKEN" in rg-*) ;; *) fail "request wait printed no token: $(cat "$WORK/wait.out")" ;; esac
grep -q "$TOKEN" "$WORK/approve.out" && fail "the administrator's terminal saw the token"
out=$(TOKEN=$TOKEN gw_ssh alice alice+router1 'echo via-request') || fail "the requested token did not open a session: $out"
assert_eq "a session under the requested approval" via-request "$out"
ctl approvals list --json | python3 -c '
import json, sys
a = [x for x in json.load(sys.stdin) if x["ticket"] == "INC-9"][0]
assert a["approver"] == "wang" and a["max_sessions"] == 2, a' || fail "the approval is not what was granted"
out=$(req wait "$id" 2>&1) && fail "the token was handed out twice"
assert_contains "once only" "$out" "handed out already"
out=$(gw_ssh bob bob request wait "$id" 2>&1) && fail "another engineer waited on alice's request"
assert_contains "not bob's" "$out" "you have no request $id"

log "denied: request wait ends with the reason"
id=$(req --target router1 --ticket INC-10 --level 3 --reason r --valid 1h 2>&1 | id_of)
ctl requests deny "$id" --reason "use the change window" >/dev/null || fail deny
out=$(req wait "$id" 2>&1) && fail "wait on a denied request succeeded"
assert_contains "denied" "$out" "denied by"
assert_contains "with the reason" "$out" "use the change window"

log "cancelled by the engineer: nobody can approve it any more"
id=$(req --target router1 --ticket INC-11 --level 3 --reason r --valid 1h 2>&1 | id_of)
assert_contains "cancel" "$(req cancel "$id" 2>&1)" "request $id cancelled"
out=$(ctl requests approve "$id" --approver wang --method phone 2>&1) && fail "a cancelled request was approved"

log "two administrators decide at once: exactly one stands"
id=$(req --target router1 --ticket INC-12 --level 3 --reason r --valid 1h 2>&1 | id_of)
ctl requests approve "$id" --approver wang --method phone >/dev/null 2>&1 & p1=$!
ctl requests deny "$id" --reason no --approver li >/dev/null 2>&1 & p2=$!
wait "$p1"; r1=$?; wait "$p2"; r2=$?
assert_eq "one decision" 1 "$(( (r1 == 0) + (r2 == 0) ))"

log "undecided: expires after request_ttl"
echo 'request_ttl: 2s' >>"$CONFIG"
ctl reload >/dev/null || fail reload
id=$(req --target router1 --ticket INC-13 --level 3 --reason r --valid 1h 2>&1 | id_of)
out=$(req wait "$id" 2>&1) && fail "wait on an expired request succeeded"
assert_contains "expired" "$out" "expired"
ctl requests list --json | grep -q '"status":"expired"' || fail "requests list shows no expired request"
done_ok
