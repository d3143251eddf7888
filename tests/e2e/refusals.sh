#!/bin/bash
# Every way in that must fail: each gives the engineer a one-line reason,
# writes an audit event with that reason, uses nothing of the approval,
# and never logs in to the target (its sshd log shows no accepted login).
. "$(dirname "$0")/lib.sh"

setup_all

# refused WHY KEY USER REASON TEXT: try, and check all four promises.
refused() {
	why=$1 key=$2 user=$3 reason=$4 text=$5
	before=$(target_logins)
	events_before=$(event_count session_refused "$reason")
	out=$(gw_ssh "$key" "$user" 'echo SHOULD-NOT-RUN' 2>&1); rc=$?
	[ "$rc" != 0 ] || fail "$why: ssh succeeded"
	case "$out" in *SHOULD-NOT-RUN*) fail "$why: the command ran" ;; esac
	assert_contains "$why: message to the engineer" "$out" "$text"
	assert_eq "$why: target logins" "$before" "$(target_logins)"
	assert_eq "$why: refusal events with reason $reason" "$((events_before + 1))" "$(event_count session_refused "$reason")"
	log "refused ok: $why -> $reason"
}

uses_of() {	# APPROVAL_ID
	ctl approvals list --json | python3 -c "import json,sys; print([a['uses'] for a in json.load(sys.stdin) if a['id']==$1][0])"
}

TOKEN=$(new_token --max-sessions 5) || fail approve
export TOKEN
ALICE_ID=$(echo "$TOKEN" | cut -d- -f2)

refused "unknown engineer" mallory mallory+router1 unknown_engineer "is not authorized for mallory+router1"
refused "no target in the user name" alice "alice+" bad_username "log in as ENGINEER+TARGET"
refused "wrong key" bob alice+router1 key_not_authorized "is not authorized for alice+router1"
refused "unknown target" alice alice+nosuch unknown_target "access refused: unknown target 'nosuch'"

TOKEN= refused "missing token" alice alice+router1 token_missing "no approval token was given"
# A client that cannot answer the token prompt (BatchMode) and leaves: still a refusal on record.
before=$(event_count session_refused token_missing)
gw_ssh alice alice+router1 -o BatchMode=yes 'echo SHOULD-NOT-RUN' >/dev/null 2>&1 && fail "BatchMode got in without a token"
for _ in $(seq 1 50); do [ "$(event_count session_refused token_missing)" -gt "$before" ] && break; sleep 0.1; done
assert_eq "an abandoned login is a token_missing refusal" "$((before + 1))" "$(event_count session_refused token_missing)"
TOKEN=letmein refused "malformed token" alice alice+router1 token_wrong "the approval token is not valid"
TOKEN="${TOKEN%?}$( [ "${TOKEN: -1}" = a ] && echo b || echo a)" \
    refused "wrong token" alice alice+router1 token_wrong "the approval token is not valid"

BOB_TOKEN=$(ENGINEER=bob new_token) || fail approve
TOKEN=$BOB_TOKEN refused "another engineer's token" alice alice+router1 token_other_engineer "issued to another engineer"
R2_TOKEN=$(TARGET=router2 new_token) || fail approve
TOKEN=$R2_TOKEN refused "a token for another target" alice alice+router1 token_other_target "for another target"

REV_TOKEN=$(new_token) || fail approve
ctl approvals revoke "$(echo "$REV_TOKEN" | cut -d- -f2)" >/dev/null || fail "revoke"
TOKEN=$REV_TOKEN refused "revoked approval" alice alice+router1 token_revoked "the approval was revoked"

EXP_TOKEN=$(VALID=1s new_token) || fail approve
sleep 2
TOKEN=$EXP_TOKEN refused "expired approval" alice alice+router1 token_expired "the approval has expired"

ONE_TOKEN=$(new_token --max-sessions 1) || fail approve
TOKEN=$ONE_TOKEN gw_ssh alice alice+router1 true || fail "the one-session token did not work once"
TOKEN=$ONE_TOKEN refused "used-up approval" alice alice+router1 token_used_up "the approval has no sessions left"

MM_TOKEN=$(TARGET=router2 new_token) || fail approve
TOKEN=$MM_TOKEN refused "target host key mismatch" alice alice+router2 target_hostkey_mismatch \
    "host key does not match the pinned key"
assert_eq "a mismatch uses nothing of the approval" 0 "$(uses_of "$(echo "$MM_TOKEN" | cut -d- -f2)")"
DEAD_TOKEN=$(TARGET=dead new_token) || fail approve
TOKEN=$DEAD_TOKEN refused "target unreachable" alice alice+dead target_unreachable "the target is unreachable"
assert_eq "an unreachable target uses nothing of the approval" 0 "$(uses_of "$(echo "$DEAD_TOKEN" | cut -d- -f2)")"
assert_eq "no refusal used alice's approval" 0 "$(uses_of "$ALICE_ID")"

log "two racing logins on a one-session approval: exactly one gets in"
RACE_TOKEN=$(new_token --max-sessions 1) || fail approve
before=$(target_logins)
for i in 1 2 3 4; do
	TOKEN=$RACE_TOKEN gw_ssh alice alice+router1 'echo IN' >"$WORK/race.$i" 2>&1 &
	eval "race_pid_$i=$!"
done
wins=0
for i in 1 2 3 4; do
	eval "wait \$race_pid_$i"
	grep -q '^IN' "$WORK/race.$i" && wins=$((wins + 1))
done
assert_eq "racing logins that got in" 1 "$wins"
assert_eq "target logins during the race" "$((before + 1))" "$(target_logins)"

log "the event list shows refusals with reasons"
ctl events list | grep -q "session_refused .*token_expired" || fail "events list table lacks the expired refusal"
[ "$(grep -c 'event=session_refused' "$WORK/gateway.log")" -ge 14 ] || fail "refusals are not in the gateway log"
grep -q "$TOKEN" "$WORK/gateway.log" && fail "a token appears in the gateway log"
sqlite3 "$WORK/state/remgate.db" .dump 2>/dev/null | grep -q "${TOKEN#rg-*-}" && fail "a token secret is in the store"
done_ok
