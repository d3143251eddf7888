#!/bin/bash
# The event log (docs/events.md): every event chained, `events verify`
# catching an edited and a deleted row; every read of evidence an `access`
# event naming who, exactly one per read, also over SSH, written before
# anything is shown.
. "$(dirname "$0")/lib.sh"
export SSH_LOG_LEVEL=ERROR
PY3=/usr/bin/python3

setup_all
TOKEN=$(new_token --max-sessions 2) || fail approve
out=$(gw_ssh alice alice+router1 'echo evidence' 2>&1) || fail "a session: $out"
SID=$(last_sid)
for _ in $(seq 100); do ctl recording verify "$SID" >/dev/null 2>&1 && break; sleep 0.1; done

log "the chain is intact and every event is in it"
out=$(ctl events verify) || fail "events verify on an untouched log: $out"
assert_contains "verify says so" "$out" "chain intact"
ctl events list --json | $PY3 -c "
import json,sys
ev=json.load(sys.stdin)
assert [e['seq'] for e in ev] == list(range(1, len(ev)+1)), 'seq not 1..n'
assert all(len(e['hash']) == 64 for e in ev), 'a hash missing'
" || fail "events list --json: seq or hash wrong"

# access_count REASON ACTOR
access_count() {
	ctl events list --json | $PY3 -c "
import json,sys
print(sum(1 for e in json.load(sys.stdin) if e['kind']=='access' and e['reason']=='$1' and e['actor']=='$2'))"
}
ME="local:${SUDO_USER:-$(id -un)}"
# read REASON COMMAND...: one access event per read, by this user
read_once() {
	reason=$1; shift
	before=$(access_count "$reason" "$ME")
	ctl "$@" >/dev/null 2>&1 </dev/null
	assert_eq "$* is one $reason access event by $ME" "$((before + 1))" "$(access_count "$reason" "$ME")"
}

log "each evidence read is one access event, locally"
read_once recording_play recording play "$SID" --speed 1000
read_once recording_export recording export "$SID" --format text -o "$WORK/rec.txt"
read_once recording_verify recording verify "$SID"
read_once commands_list commands list "$SID"
read_once commands_search commands search echo
read_once transfers_list transfers list
ctl events list --json | $PY3 -c "
import json,sys
e=[e for e in json.load(sys.stdin) if e['kind']=='access' and e['reason']=='commands_list'][-1]
assert e['session_id'] == '$SID', e
assert e['detail'] == 'commands list $SID', e
" || fail "the access event does not name the session and the command"
cat >"$WORK/narrative.yaml" <<'Y'
fault: "Disk full on router1"
cause: "Log rotation stopped"
actions:
  - "Cleaned /var/log"
result: restored
prevention: "Alert at 80%"
followup: "none"
Y
read_once report_create report create "$SID" --from "$WORK/narrative.yaml" --out "$WORK/bundle"
RID=$(ctl report list --json | $PY3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
read_once report_show report show "$RID"
read_once verify verify "$WORK/bundle"
read_once sessions_watch sessions watch "$SID"

log "over SSH: the administrator is named"
before=$(access_count commands_list ssh:wang)
out=$(gw_ssh mallory wang commands list "$SID" 2>&1) || fail "wang commands list: $out"
assert_contains "the list is shown" "$out" "echo evidence"
assert_eq "one access event by ssh:wang" "$((before + 1))" "$(access_count commands_list ssh:wang)"

log "export: jsonl, syslog and cef, one line per event whatever the client sent"
# A user name with a newline, quotes, brackets, pipes and equals signs (paramiko sends it as given).
EVIL='ev"il]|=\\x
name+router1'
$PY3 - "$GW_PORT" "$WORK/alice" "$EVIL" <<'PYEOF' || fail "paramiko login with the hostile name"
import socket, sys, paramiko
port, keyfile, user = sys.argv[1:4]
t = paramiko.Transport(socket.create_connection(("127.0.0.1", int(port)), timeout=20))
t.start_client(timeout=20)
try:
    t.auth_publickey(user, paramiko.Ed25519Key.from_private_key_file(keyfile))
except paramiko.SSHException:
    pass
t.close()
PYEOF
for _ in $(seq 100); do ctl events list --json | grep -q 'ev\\"il' && break; sleep 0.1; done
N=$(ctl events list --json | $PY3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
for f in jsonl syslog cef; do
	ctl events export --format $f >"$WORK/export.$f" || fail "events export --format $f"
	assert_eq "$f: one line per event" "$N" "$(wc -l <"$WORK/export.$f")"
done
$PY3 - "$WORK/export.jsonl" "$EVIL" <<'PYEOF' || fail "the jsonl export is wrong"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert [l["event"]["sequence"] for l in lines] == list(range(1, len(lines) + 1)), "not in seq order"
assert all(l["@timestamp"].endswith("Z") and len(l["event"]["hash"]) == 64 for l in lines)
assert any(l.get("remgate", {}).get("engineer") == sys.argv[2] for l in lines), "the hostile name did not survive"
acc = [l for l in lines if l["event"].get("reason") == "recording_play"][0]
assert acc["user"]["name"].startswith("local:") and acc["process"]["command_line"].startswith("recording play")
ref = [l for l in lines if l["event"]["action"] == "session_refused"]
assert ref and all(l["event"]["outcome"] == "failure" for l in ref)
PYEOF
grep -q '^<85>1 [0-9T:.-]*Z [^ ]* remgate - session_start \[remgate@32473 seq="[0-9]*" hash="[0-9a-f]\{64\}"' "$WORK/export.syslog" ||
    fail "no RFC 5424 session_start line: $(head -3 "$WORK/export.syslog")"
grep -qF 'engineer="ev\"il\]|=\\\\x\x0aname+router1"' "$WORK/export.syslog" ||
    fail "the hostile name is not escaped in syslog: $(grep -a 'ev' "$WORK/export.syslog" | head -2)"
grep -q '^CEF:0|remgate|remgate|1|session_refused|session_refused|6|rt=[0-9]*000 externalId=[0-9]*' "$WORK/export.cef" ||
    fail "no CEF refusal line: $(head -3 "$WORK/export.cef")"
grep -qF 'cs3=ev"il]|\=\\\\x\nname+router1' "$WORK/export.cef" ||
    fail "the hostile name is not escaped in CEF: $(grep -a 'ev' "$WORK/export.cef" | head -2)"
last=$(tail -1 "$WORK/export.jsonl" | $PY3 -c 'import json,sys; print(json.load(sys.stdin)["event"]["sequence"])')
assert_eq "--since the last: nothing" 0 "$(ctl events export --format jsonl --since "$last" | wc -l)"
assert_eq "--since one before the last: one" 1 "$(ctl events export --format jsonl --since "$((last - 1))" | wc -l)"

log "export --follow: a new event arrives without a new command"
ctl events export --format jsonl --since "$last" --follow >"$WORK/follow.jsonl" 2>&1 &
FOLLOW=$!
PIDS="$PIDS $FOLLOW"
ctl approvals revoke 1 >/dev/null || fail revoke
for _ in $(seq 100); do grep -q approval_revoked "$WORK/follow.jsonl" && break; sleep 0.1; done
grep -q '"action":"approval_revoked"' "$WORK/follow.jsonl" || fail "--follow did not pass the new event on"
kill "$FOLLOW"

log "tampering: an edited row, then a deleted one, named by events verify"
ctl events verify >/dev/null || fail "the chain broke by itself"
sqlite3 "$WORK/state/remgate.db" "UPDATE events SET detail = 'nothing happened' WHERE seq = 3" || fail sqlite3
out=$(ctl events verify) && fail "an edited row passed: $out"
assert_contains "the edit is named" "$out" "(seq 3): its fields do not match its hash (edited)"
sqlite3 "$WORK/state/remgate.db" "DELETE FROM events WHERE seq = 3" || fail sqlite3
out=$(ctl events verify) && fail "a deleted row passed: $out"
assert_contains "the deletion is named" "$out" "(seq 4): events 3 to 3 are missing (deleted)"
assert_contains "what is still intact" "$out" "events 1..2 are intact"

done_ok
