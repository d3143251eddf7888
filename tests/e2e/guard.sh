#!/bin/bash
# The command guard on exec (docs/policy.md): on a diagnose approval a major
# operation never reaches the device; a deny rule refuses in any phase; the
# refused command provably did not run (a marker file it would have made);
# the engineer reads why and gets exit status 126; each judgement is an
# event. A broken policy file stops remgated --check with FILE:LINE:COL.
. "$(dirname "$0")/lib.sh"

start_target
write_config
mkdir -p "$DEVICE_DIR"
dev_own "$DEVICE_DIR"
cat >"$WORK/policy.yaml" <<YAML
default: allow
on_unparsed: review
rules:
  - name: marker-reboot
    major: true
    match: { program: touch, args: 'guard-marker' }
    action: review
  - name: forbidden
    match: { program: touch, args: 'forbidden-marker' }
    action: deny
YAML
echo 'policy_file: "./policy.yaml"' >>"$CONFIG"
for t in router1 router2 dead; do
	ctl targets pubkey "$t" >>"$WORK/target_authorized_keys" || fail "targets pubkey $t"
done
start_gateway

log "diagnose: a major operation is refused before the device sees it"
TOKEN=$(new_token --max-sessions 10) || fail approve
export TOKEN
out=$(gw_ssh alice alice+router1 "sudo touch $DEVICE_DIR/guard-marker" 2>&1); rc=$?
assert_eq "exit status of a refused command" 126 "$rc"
assert_contains "the engineer reads why" "$out" "needs an implement approval"
[ ! -e "$DEVICE_DIR/guard-marker" ] || fail "the refused command ran on the device"
assert_eq "command_refused events" 1 "$(event_count command_refused marker-reboot)"

log "ls;major: the strictest command of the line decides"
out=$(gw_ssh alice alice+router1 "ls >/dev/null; touch $DEVICE_DIR/guard-marker" 2>&1); rc=$?
assert_eq "exit status" 126 "$rc"
[ ! -e "$DEVICE_DIR/guard-marker" ] || fail "the second command of the line ran"
out=$(gw_ssh alice alice+router1 "echo \$(touch $DEVICE_DIR/guard-marker)" 2>&1); rc=$?
assert_eq "a major operation in a substitution" 126 "$rc"
[ ! -e "$DEVICE_DIR/guard-marker" ] || fail "the substitution ran"

log "diagnose: a line the guard cannot read is refused (it could hide a major operation)"
out=$(gw_ssh alice alice+router1 "sh -c 'touch $DEVICE_DIR/guard-marker'" 2>&1); rc=$?
assert_eq "sh -c on diagnose" 126 "$rc"
assert_contains "the engineer reads why" "$out" "cannot read this command"
[ ! -e "$DEVICE_DIR/guard-marker" ] || fail "sh -c ran the major operation"

log "a deny rule refuses in any phase; other commands run as before"
out=$(gw_ssh alice alice+router1 "touch $DEVICE_DIR/forbidden-marker" 2>&1); rc=$?
assert_eq "deny rule" 126 "$rc"
[ ! -e "$DEVICE_DIR/forbidden-marker" ] || fail "the denied command ran"
out=$(gw_ssh alice alice+router1 'echo allowed') || fail "an allowed command failed: $out"
assert_eq "an allowed command" allowed "$out"

log "implement: a deny rule still refuses (reviews: guard_review.sh)"
TOKEN=$(new_token --phase implement --max-sessions 5) || fail "approve implement"
out=$(TOKEN=$TOKEN gw_ssh alice alice+router1 "touch $DEVICE_DIR/forbidden-marker" 2>&1); rc=$?
assert_eq "deny rule on implement" 126 "$rc"

log "approve --allow-op: a pre-approved major operation runs without a review, on implement only"
out=$(new_token --phase implement --allow-op no-such-rule 2>&1) && fail "an unknown --allow-op was accepted"
assert_contains "an unknown operation is named" "$out" "not a major operation"
out=$(new_token --phase implement --allow-op forbidden 2>&1) && fail "a non-major rule was accepted as --allow-op"
TOKEN=$(new_token --phase implement --allow-op marker-reboot --max-sessions 5) || fail "approve --allow-op"
out=$(TOKEN=$TOKEN gw_ssh alice alice+router1 "touch $DEVICE_DIR/guard-marker-2 && echo done" 2>&1) || fail "allow-op: $out"
[ -e "$DEVICE_DIR/guard-marker-2" ] || fail "the pre-approved operation did not run"
assert_eq "no review for a pre-approved operation" 0 "$(event_count command_review marker-reboot)"
ctl approvals list --json | grep -q '"allow_ops":"marker-reboot"' || fail "approvals list does not show allow_ops"
TOKEN=$(new_token --allow-op marker-reboot --max-sessions 5) || fail "approve diagnose --allow-op"
out=$(TOKEN=$TOKEN gw_ssh alice alice+router1 "touch $DEVICE_DIR/guard-marker-3" 2>&1); rc=$?
assert_eq "a pre-approval does not lift the diagnose phase" 126 "$rc"
[ ! -e "$DEVICE_DIR/guard-marker-3" ] || fail "diagnose with --allow-op ran the major operation"

log "remgatectl policy check says the same, with exit 0/1/3"
out=$(ctl policy check --engineer alice --target router1 -- "sudo touch /x/guard-marker"); rc=$?
assert_eq "policy check exit (deny)" 1 "$rc"
assert_contains "policy check" "$out" "deny rule=marker-reboot"
ctl policy check --engineer alice --target router1 --phase implement -- "touch guard-marker" >/dev/null; rc=$?
assert_eq "policy check exit (review)" 3 "$rc"
ctl policy check --engineer alice --target router1 -- "uptime" >/dev/null || fail "policy check of uptime"

log "a broken policy file: remgated --check names FILE:LINE:COL"
printf 'rules:\n  - name: x\n    match: { program: ls, args: "a(" }\n    action: deny\n' >"$WORK/policy.yaml"
out=$("$REMGATED" --check -c "$CONFIG" 2>&1); rc=$?
assert_eq "--check exit" 2 "$rc"
assert_contains "--check names the policy file" "$out" "policy.yaml:3:"
done_ok
