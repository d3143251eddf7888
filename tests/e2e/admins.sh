#!/bin/bash
# Customer administrators over SSH (issue 13): an admin from `admins:`
# runs remgatectl's commands with their own key, never root on the gateway.
# An approver decides as themselves (no free-text --approver); an auditor
# reads but cannot decide; commands that take gateway paths are refused;
# `ssh admin@gateway` alone shows what waits; each command is an event.
. "$(dirname "$0")/lib.sh"
export SSH_LOG_LEVEL=ERROR
start_target
write_config
new_key li
python3 - "$CONFIG" "$(cat "$WORK/li.pub")" <<'PY'
import sys
path, li = sys.argv[1], sys.argv[2]
s = open(path).read()
s = s.replace("admins:\n  - name: wang\n", "admins:\n  - name: wang\n    role: approver\n", 1)
s = s.replace("targets:\n", "  - name: li\n    role: auditor\n    authorized_keys: [\"%s\"]\ntargets:\n" % li, 1)
open(path, "w").write(s)
PY
for t in router1 router2 dead; do
	ctl targets pubkey "$t" >>"$WORK/target_authorized_keys" || fail "targets pubkey $t"
done
start_gateway
wang() { gw_ssh mallory wang "$@"; }	# wang's key is the one lib.sh calls mallory
li() { gw_ssh li li "$@"; }

log "an engineer files a request; ssh wang@gateway alone shows it waiting"
out=$(gw_ssh alice alice request --target router1 --ticket INC-20 --level 2 --reason "'fan alarm'" --valid 1h 2>&1) ||
	fail "request: $out"
id=$(printf '%s\n' "$out" | sed -n 's/^request \([0-9]*\) filed.*/\1/p')
out=$(wang 2>&1) || fail "the overview failed: $out"
assert_contains "overview: who" "$out" "wang (approver)"
assert_contains "overview: the pending request" "$out" "request $id (alice on router1, ticket INC-20"
assert_contains "overview: reviews" "$out" "Commands waiting for a review"
assert_contains "the help line" "$(wang help 2>&1)" "requests approve ID"
out=$(li help 2>&1)
case "$out" in *"requests approve"*) fail "an auditor's help offers decisions" ;; esac

log "the same commands and --json as remgatectl"
wang requests list --pending --json | python3 -c "import json,sys; r=json.load(sys.stdin); assert r[0]['id'] == $id" ||
	fail "requests list --json over ssh"

log "an auditor reads but does not decide"
li approvals list >/dev/null || fail "an auditor could not read approvals"
out=$(li requests approve "$id" --method phone 2>&1); rc=$?
assert_eq "auditor's approve exit" 1 "$rc"
assert_contains "auditor refused" "$out" "an auditor can read but not approve"

log "an approver decides as themselves"
out=$(wang requests approve "$id" --method phone --approver bob 2>&1) && fail "a free-text --approver was accepted over ssh"
assert_contains "no --approver over ssh" "$out" "the approver is you (wang)"
gw_ssh alice alice request wait "$id" >"$WORK/wait.out" 2>&1 &
wpid=$!
out=$(wang requests approve "$id" --method phone --note "'fan swap approved'" 2>&1) || fail "approve over ssh: $out"
assert_contains "approved by wang" "$out" "approved by wang (phone)"
wait "$wpid" || fail "request wait: $(cat "$WORK/wait.out")"
TOKEN=$(tail -n 1 "$WORK/wait.out")
out=$(TOKEN=$TOKEN gw_ssh alice alice+router1 'echo via-admin-approval') || fail "the token did not open a session: $out"
ctl approvals list --json | python3 -c '
import json, sys
a = [x for x in json.load(sys.stdin) if x["ticket"] == "INC-20"][0]
assert a["approver"] == "wang" and a["created_by"] == "ssh:wang", a' || fail "the approval does not name wang"

log "recordings by session id; nothing that names a file on the gateway"
sid=$(last_sid)
wang recording verify "$sid" >"$WORK/verify.out" 2>&1 || fail "recording verify SESSION over ssh: $(cat "$WORK/verify.out")"
wang recording export "$sid" --format text | grep -q via-admin-approval || fail "recording export over ssh"
out=$(wang recording verify /etc/shadow 2>&1) && fail "recording verify FILE ran over ssh"
assert_contains "files refused" "$out" "named by its session id"
out=$(wang recording export "$sid" --format text -o /tmp/remgate-admin-export 2>&1) && fail "export -o ran over ssh"
[ ! -e /tmp/remgate-admin-export ] || fail "an admin wrote a file on the gateway"
assert_contains "-o refused" "$out" "leave out -o"
out=$(wang keys rotate 2>&1) && fail "keys rotate ran over ssh"
assert_contains "root only" "$out" "not over SSH"
out=$(wang 'requests list --pending "unclosed' 2>&1) && fail "an unbalanced quote ran"
assert_contains "a clear error" "$out" "is not closed"

log "every command an administrator ran is an event"
n=$(ctl events list --json | python3 -c 'import json,sys; print(sum(1 for e in json.load(sys.stdin) if e["kind"] == "admin_command"))')
[ "$n" -ge 8 ] || fail "admin_command events: $n"
ctl events list --json | grep -q '"kind":"admin_command".*requests approve' || fail "the approval command is not an event"

log "a wrong key for an admin name is refused like any other"
out=$(gw_ssh alice wang approvals list 2>&1) && fail "alice's key opened wang's account"
done_ok
