#!/bin/bash
# Several session channels on one connection (OpenSSH ControlMaster, ansible's
# ControlPersist, paramiko), one after another: each is its own recorded
# session (row, recording, commands) under the one approval use and the one
# device login the first took. `ssh -N` takes neither until a session
# channel opens. A second channel while one runs, or one past
# max_channels_per_connection, is refused; the approval is checked again
# for each (revoked in between: refused on the channel, exit 126).
. "$(dirname "$0")/lib.sh"
PY3=/usr/bin/python3

setup_all

# Sessions of approval $1, as "id<TAB>ended_at<TAB>command" lines, oldest first (ended_at None while running).
sessions_of() {
	ctl sessions list --json | $PY3 -c "
import json,sys
for s in reversed(json.load(sys.stdin)):  # the store lists newest first
    if s['approval_id'] == $1:
        print(s['id'], s['ended_at'] or 'None', s['command'], sep='\t')"
}
uses_of() {
	ctl approvals list --json | $PY3 -c "import json,sys; print([a['uses'] for a in json.load(sys.stdin) if a['id']==$1][0])"
}
# Wait (bounded) until every session of approval $1 has ended; prints how many there are.
ended_sessions() {
	for _ in $(seq 100); do
		sessions_of "$1" | cut -f2 | grep -qx None || break
		sleep 0.1
	done
	sessions_of "$1" | cut -f2 | grep -vcx None
}
# The master's pid, for cleanup by PID.
master_pid() { gw_ssh alice alice+router1 -o ControlPath="$1" -O check 2>&1 | sed -n 's/.*pid=\([0-9]*\).*/\1/p'; }

log "ControlMaster: three commands over one connection are three sessions, one approval use, one device login"
TOKEN=$(new_token --max-sessions 1) || fail approve
ID=$(echo "$TOKEN" | cut -d- -f2)
CP="$WORK/cm-a"
logins=$(target_logins)
out=$(TOKEN=$TOKEN gw_ssh alice alice+router1 -o ControlMaster=auto -o ControlPath="$CP" -o ControlPersist=60 \
    'echo first; exit 3' 2>&1)
assert_eq "the first command's exit status" 3 "$?"
assert_contains "the first command ran" "$out" "first"
MPID=$(master_pid "$CP")
[ -n "$MPID" ] || fail "no ControlMaster is running"
PIDS="$PIDS $MPID"
out=$(gw_ssh alice alice+router1 -o ControlPath="$CP" 'echo second' 2>&1) || fail "second command over the master: $out"
assert_contains "the second command ran" "$out" "second"
out=$(gw_ssh alice alice+router1 -o ControlPath="$CP" 'echo third; exit 5' 2>&1)
assert_eq "the third command's exit status (a mux client)" 5 "$?"
assert_contains "the third command ran" "$out" "third"
assert_eq "three sessions on record, each ended" 3 "$(ended_sessions "$ID")"
assert_eq "their commands, in order" "echo first; exit 3|echo second|echo third; exit 5" \
    "$(sessions_of "$ID" | cut -f3 | paste -sd'|')"
assert_eq "three session ids" 3 "$(sessions_of "$ID" | cut -f1 | sort -u | wc -l)"
assert_eq "one approval use (of one)" 1 "$(uses_of "$ID")"
assert_eq "one device login" "$((logins + 1))" "$(target_logins)"
for sid in $(sessions_of "$ID" | cut -f1); do
	ctl recording verify "$sid" >/dev/null || fail "the recording of $sid does not verify"
	ctl recording play "$sid" 2>/dev/null | grep -q . || fail "the recording of $sid is empty"
done
ctl commands list "$(sessions_of "$ID" | sed -n 2p | cut -f1)" | grep -q 'echo second' ||
    fail "the second session's command list does not hold its command"
gw_ssh alice alice+router1 -o ControlPath="$CP" -O exit 2>/dev/null

log "ssh -N: no approval use, no device login until a session channel opens"
TOKEN=$(new_token --max-sessions 1) || fail approve
ID=$(echo "$TOKEN" | cut -d- -f2)
CP="$WORK/cm-n"
logins=$(target_logins)
TOKEN=$TOKEN gw_ssh alice alice+router1 -N -f -o ControlMaster=yes -o ControlPath="$CP" ||
    fail "ssh -N -f did not log in"
MPID=$(master_pid "$CP")
[ -n "$MPID" ] || fail "the -N master is not running"
PIDS="$PIDS $MPID"
assert_eq "ssh -N took no approval use" 0 "$(uses_of "$ID")"
assert_eq "ssh -N made no device login" "$logins" "$(target_logins)"
assert_eq "ssh -N has no session row" "" "$(sessions_of "$ID")"
out=$(gw_ssh alice alice+router1 -o ControlPath="$CP" 'echo via-master' 2>&1) || fail "a command over the -N master: $out"
assert_contains "the command ran" "$out" "via-master"
assert_eq "the first session channel took the use" 1 "$(uses_of "$ID")"
assert_eq "and made the device login" "$((logins + 1))" "$(target_logins)"

log "revoked between two sessions: the next channel is refused, exit 126, nothing runs"
ctl approvals revoke "$ID" >/dev/null || fail revoke
before=$(event_count session_refused token_revoked)
out=$(gw_ssh alice alice+router1 -o ControlPath="$CP" 'echo SHOULD-NOT-RUN' 2>&1)
assert_eq "exit status of a refused session" 126 "$?"
case "$out" in *SHOULD-NOT-RUN*) fail "the command ran after the revocation" ;; esac
assert_contains "the engineer reads why" "$out" "revoked"
assert_eq "a refusal event" "$((before + 1))" "$(event_count session_refused token_revoked)"
assert_eq "still one session" 1 "$(sessions_of "$ID" | wc -l)"
gw_ssh alice alice+router1 -o ControlPath="$CP" -O exit 2>/dev/null

log "paramiko: channels one after another up to max_channels_per_connection; one at a time"
if $PY3 -c 'import paramiko' 2>/dev/null; then
	TOKEN=$(new_token --max-sessions 2) || fail approve
	ID=$(echo "$TOKEN" | cut -d- -f2)
	at_once=$(event_count request_refused one_session_at_a_time)
	out=$($PY3 "$(dirname "$0")/channels_client.py" "$GW_PORT" "$WORK/alice" alice+router1 "$TOKEN" 2>&1) ||
	    fail "channels_client.py: $out"
	printf '%s\n' "$out" | sed 's/^/#   /'
	for i in 1 5 10; do
		assert_contains "sequential channel $i" "$out" "sequential $i: seq-$i status $i"
	done
	assert_contains "the connection ends after ten sessions (max_channels_per_connection 10)" "$out" "sequential connection ended after 10"
	assert_contains "a second channel while one runs is refused" "$out" "concurrent second refused"
	assert_contains "the running one is undisturbed" "$out" "concurrent first: first got hello status 4"
	assert_contains "a channel after it works" "$out" "after the first: after status 0"
	assert_eq "two connections, two approval uses" 2 "$(uses_of "$ID")"
	assert_eq "each its own session" 12 "$(ended_sessions "$ID")"
	assert_eq "the refusal of a second at once is an event" "$((at_once + 1))" "$(event_count request_refused one_session_at_a_time)"
else
	log "python3-paramiko missing: the paramiko channels are not run"
fi

done_ok
