#!/bin/bash
# Signed fault-handling reports: real sessions through the gateway, a
# narrative, a bundle. Stock ssh-keygen -Y verify passes on every signed
# file; flipping a byte in any file makes both remgatectl verify and
# ssh-keygen fail; the fault database finds the report; bad input is
# refused clearly; a key rotation leaves old bundles verifiable; the
# engineer can submit the narrative over SSH for their own sessions.
. "$(dirname "$0")/lib.sh"

setup_all
TOKEN=$(new_token --max-sessions 20) || fail approve
export TOKEN
HERE=$(cd "$(dirname "$0")" && pwd)
sids() { ctl sessions list --json | python3 -c 'import json,sys; print(" ".join(s["id"] for s in json.load(sys.stdin) if s["ended_at"]))'; }
jget() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {"d": d}))' "$@"; }
flip() {	# FILE: change one byte in the middle (of a signature: in its signature bytes)
	python3 - "$1" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
i = len(b) - 40 if p.endswith(".sig") else len(b) // 2
b[i] ^= 0x01
open(p, "wb").write(bytes(b))
PY
}

log "two sessions of one ticket: an interactive shell and an exec"
python3 "$HERE/pty_session.py" "$WORK" "$GW_PORT" alice+router1 "$WORK/alice" "$WORK/client.out" \
    "wait:$ " "send:PS1='rg\$ '\r" "wait:\nrg$ " "send:ip_link_flaps=3; echo flaps=\$ip_link_flaps\r" "wait:flaps=3" \
    "wait:rg$ " "send:exit\r" >/dev/null || fail "the interactive session failed"
gw_ssh alice alice+router1 'uname -s; echo duplex-forced' >/dev/null || fail "the exec session failed"
SIDS=$(sids)
set -- $SIDS
[ $# = 2 ] || fail "expected 2 ended sessions, got: $SIDS"

cat >"$WORK/narrative.yaml" <<'Y'
fault: "Core link to switch sw2 flaps every few minutes"
cause: "Duplex mismatch on ge-0/0/1 after the switch firmware update"
actions:
  - "Read the interface counters: late collisions"
  - "Forced full duplex on ge-0/0/1"
result: restored
prevention: "Pin speed and duplex on every uplink; check them after each firmware update"
followup: "Customer to schedule the firmware update on sw3"
Y

log "report create"
out=$(ctl report create $SIDS --from "$WORK/narrative.yaml" --out "$WORK/bundle") || fail "report create: $out"
log "$out"
B="$WORK/bundle"
PRINCIPAL=$(jget "$B/report.json" 'd["gateway"]["principal"]')
for f in report.json report.md commands.log allowed_signers VERIFY.md; do
	[ -s "$B/$f" ] || fail "the bundle has no $f"
done
for s in $SIDS; do
	[ -s "$B/session-$s.rgrec" ] || fail "the bundle has no recording of $s"
done

log "what the report states comes from the store"
python3 - "$B/report.json" $SIDS <<'PY' || fail "report.json is wrong"
import json, sys, hashlib, os
d = json.load(open(sys.argv[1]))
sids = sys.argv[2:]
assert d["format"] == "remgate-report 1"
assert d["ticket"].startswith("T-"), d["ticket"]
assert d["level"]["level"] == 2 and d["level"]["source"] == "approval", d["level"]
assert d["result"] == "restored"
assert d["actions"] == "- Read the interface counters: late collisions\n- Forced full duplex on ge-0/0/1"
assert [s["id"] for s in d["sessions"]] == sids[::-1] or sorted(s["id"] for s in d["sessions"]) == sorted(sids)
a = d["approvals"][0]
assert a["approver"] == "wang" and a["method"] == "phone" and a["engineer"] == "alice", a
t = d["timing"]
assert t["response_limit_seconds"] == 7200 and t["handling_limit_seconds"] == 86400, t
assert t["escalate"] is False and t["response_seconds"] >= 0, t
cmds = [c["text"] for s in d["sessions"] for c in s["commands"]]
assert "ip_link_flaps=3; echo flaps=$ip_link_flaps" in cmds, cmds
assert "uname -s; echo duplex-forced" in cmds, cmds
for s in d["sessions"]:
    r = s["recording"]
    assert r["state"] == "sealed" and r["records"] > 3 and len(r["chain_head"]) == 64, r
    assert s["exit_status"] == 0 and s["client_addr"].startswith("127.0.0.1"), s
names = {f["name"] for f in d["files"]}
want = {"report.md", "commands.log", "allowed_signers", "VERIFY.md"} | {"session-%s.rgrec" % s for s in sids}
assert names == want, names
base = os.path.dirname(sys.argv[1])
for f in d["files"]:
    data = open(os.path.join(base, f["name"]), "rb").read()
    assert hashlib.sha256(data).hexdigest() == f["sha256"] and len(data) == f["size"], f["name"]
PY
grep -q "flaps=3" "$B/commands.log" || fail "commands.log lacks the echoed output"
grep -q "duplex-forced" "$B/commands.log" || fail "commands.log lacks the exec output"
grep -q "Duplex mismatch" "$B/report.md" || fail "report.md lacks the cause"

log "stock ssh-keygen verifies every signed file, as VERIFY.md says"
n=0
for sig in "$B"/*.sig; do
	f=${sig%.sig}
	out=$(ssh-keygen -Y verify -f "$B/allowed_signers" -I "$PRINCIPAL" -n remgate-report -s "$sig" <"$f" 2>&1) ||
	    fail "ssh-keygen rejects $(basename "$f"): $out"
	assert_contains "ssh-keygen on $(basename "$f")" "$out" "Good \"remgate-report\" signature for $PRINCIPAL"
	n=$((n + 1))
done
assert_eq "signed files" 6 "$n"
log "e.g. $(ssh-keygen -Y verify -f "$B/allowed_signers" -I "$PRINCIPAL" -n remgate-report -s "$B/report.json.sig" <"$B/report.json" 2>&1)"
( cd "$B" && bash -c "$(sed -n '/^```sh$/,/^```$/p' VERIFY.md | grep -v '^```')" ) >"$WORK/verify_md.out" 2>&1 ||
    fail "the commands in VERIFY.md fail: $(cat "$WORK/verify_md.out")"
grep -q FAILED "$WORK/verify_md.out" && fail "VERIFY.md's loop reports a failure: $(cat "$WORK/verify_md.out")"
grep -c ': OK$' "$WORK/verify_md.out" | grep -qx 6 || fail "VERIFY.md's sha256sum check: $(cat "$WORK/verify_md.out")"

log "remgatectl verify passes"
out=$(ctl verify "$B"); rc=$?
assert_eq "verify exit status" 0 "$rc"
assert_contains "verify summary" "$out" "OK: "
for s in $SIDS; do
	assert_contains "coverage of $s" "$out" "approval of $s covered by approval 1"
done
log "$(printf '%s\n' "$out" | tail -n 4)"

log "a changed byte in any file fails both remgatectl verify and ssh-keygen"
for f in $(cd "$B" && ls); do
	rm -rf "$WORK/t"
	cp -r "$B" "$WORK/t"
	flip "$WORK/t/$f"
	out=$(ctl verify "$WORK/t"); rc=$?
	assert_eq "verify exit status after changing $f" 1 "$rc"
	case "$out" in *FAIL*) ;; *) fail "verify after changing $f shows no FAIL: $out" ;; esac
	case $f in
	*.sig) g=${f%.sig} ;;
	*) g=$f ;;
	esac
	if [ -f "$WORK/t/$g.sig" ] || [ "$f" = allowed_signers ]; then
		sig="$WORK/t/$g.sig"
		[ "$f" = allowed_signers ] && sig="$WORK/t/report.json.sig" g=report.json
		ssh-keygen -Y verify -f "$WORK/t/allowed_signers" -I "$PRINCIPAL" -n remgate-report -s "$sig" \
		    <"$WORK/t/$g" >/dev/null 2>&1 && fail "ssh-keygen still verifies $g after $f was changed"
	fi
	log "changed $f: $(printf '%s\n' "$out" | grep FAIL | head -n 1 | sed 's/  */ /g')"
done
rm -rf "$WORK/t"; cp -r "$B" "$WORK/t"; echo extra >"$WORK/t/notes.txt"
out=$(ctl verify "$WORK/t") && fail "verify passes with an unlisted file"
assert_contains "unlisted file" "$out" "notes.txt"
rm -rf "$WORK/t"; cp -r "$B" "$WORK/t"; rm "$WORK/t/commands.log"
out=$(ctl verify "$WORK/t") && fail "verify passes with a file missing"
assert_contains "missing file" "$out" "commands.log"

log "the fault database"
out=$(ctl report search duplex firmware) || fail "report search"
assert_contains "search by cause" "$out" "Core link to switch sw2"
TICKET=$(jget "$B/report.json" 'd["ticket"]')
ctl report search "$TICKET" --json >"$WORK/s.json" || fail "search --json"
assert_eq "search by ticket" 1 "$(jget "$WORK/s.json" 'len(d)')"
assert_eq "search by target" 1 "$(ctl report search router1 --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
assert_eq "search by a command" 1 "$(ctl report search ip_link_flaps --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
assert_contains "no match" "$(ctl report search 'nonexistent-word')" "no report matches"
ctl report search 'AND OR "(' >/dev/null || fail "search with FTS syntax characters fails"
assert_contains "report list" "$(ctl report list)" "$TICKET"
assert_contains "report show" "$(ctl report show 1)" "Pin speed and duplex"
ctl report show 1 --json | cmp - "$B/report.json" || fail "report show --json differs from the bundle's report.json"

log "bad input is refused clearly and leaves nothing"
printf 'fault: "x"\nresult: fixed\n' >"$WORK/bad.yaml"
out=$(ctl report create $SIDS --from "$WORK/bad.yaml" --out "$WORK/b2" 2>&1) && fail "a bad result is accepted"
assert_contains "bad result" "$out" "bad.yaml:2:9: 'result' must be restored, repaired, workaround or unresolved"
printf 'fault: "x"\nresult: restored\n' >"$WORK/bad.yaml"
out=$(ctl report create $SIDS --from "$WORK/bad.yaml" --out "$WORK/b2" 2>&1) && fail "a narrative without cause is accepted"
assert_contains "missing field" "$out" "missing 'cause'"
out=$(ctl report create 0123456789abcdef --from "$WORK/narrative.yaml" --out "$WORK/b2" 2>&1) && fail "an unknown session is accepted"
assert_contains "unknown session" "$out" "no session '0123456789abcdef'"
out=$(ctl report create $SIDS --from "$WORK/narrative.yaml" --out "$B" 2>&1) && fail "a full directory is overwritten"
assert_contains "full directory" "$out" "not an empty directory"
[ -e "$WORK/b2" ] && fail "a refused report left $WORK/b2 behind"
gw_ssh alice alice+router1 'sleep 6' >/dev/null 2>&1 &
SLEEPER=$!
for _ in $(seq 1 50); do
	RUNNING=$(ctl sessions list --json | python3 -c 'import json,sys; print(" ".join(s["id"] for s in json.load(sys.stdin) if not s["ended_at"]))')
	[ -n "$RUNNING" ] && break
	sleep 0.1
done
[ -n "$RUNNING" ] || fail "the sleeping session did not start"
# Anchors and aliases (a few hundred bytes that once made a 96 MB bundle) are refused.
python3 - >"$WORK/bomb.yaml" <<'PY'
print('a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]')
for x, y in zip("bcdefgh", "abcdefg"):
    print('%s: &%s [%s]' % (x, x, ",".join(["*" + y] * 9)))
print('fault: "x"\ncause: *h\nactions: "z"\nresult: restored\nprevention: "p"')
PY
out=$(ctl report create $SIDS --from "$WORK/bomb.yaml" --out "$WORK/b2" 2>&1) && fail "an alias bomb is accepted"
assert_contains "alias bomb" "$out" "bomb.yaml:1:4: YAML anchors (&name) are not allowed in a narrative"
out=$(ctl report create $RUNNING --from "$WORK/narrative.yaml" --out "$WORK/b2" 2>&1) && fail "a running session is reported"
assert_contains "running session" "$out" "still running"
OTHER=$(TOKEN=$(new_token) gw_ssh alice alice+router1 true && last_sid)
out=$(ctl report create $SIDS $OTHER --from "$WORK/narrative.yaml" --out "$WORK/b2" 2>&1) && fail "two tickets in one report"
assert_contains "two tickets" "$out" "different tickets"
assert_eq "reports stored" 1 "$(ctl report list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
wait "$SLEEPER"

log "over the time limit: escalate"
cat >"$WORK/late.yaml" <<'Y'
fault: "Alarm LED on"
level: 3
reported_at: 2020-01-01T00:00:00Z
cause: "Fan tray failing"
actions: "Checked the fan speeds"
result: unresolved
prevention: "Replace fan trays at five years"
Y
out=$(ctl report create $OTHER --from "$WORK/late.yaml" --out "$WORK/late") || fail "late report: $out"
assert_contains "escalation in the summary" "$out" "escalate"
# The level stays the approval's (2); the narrative's 3 is the engineer's proposal, and its
# reported_at is marked as the engineer's statement.
assert_eq "escalate" "True 1 approval 3 engineer" "$(jget "$WORK/late/report.json" '" ".join(str(x) for x in (d["timing"]["escalate"], d["timing"]["escalate_to_level"], d["level"]["source"], d["level"]["proposed_by_engineer"], d["timing"]["fault_reported_source"]))')"
grep -q 'Exceeded: escalate' "$WORK/late/report.md" || fail "report.md does not flag the escalation"
grep -q 'Level proposed by the engineer | 3' "$WORK/late/report.md" || fail "report.md does not mark the proposed level"
grep -q 'as stated by the engineer' "$WORK/late/report.md" || fail "report.md does not mark the engineer's reported time"

log "the engineer cannot move the clock"
sed 's/^reported_at: .*/reported_at: 2099-01-01T00:00:00Z/' "$WORK/late.yaml" >"$WORK/future.yaml"
out=$(ctl report create $OTHER --from "$WORK/future.yaml" --out "$WORK/b3" 2>&1) && fail "a reported_at in the future is accepted"
assert_contains "future reported_at" "$out" "is in the future"
OTHER_START=$(ctl sessions list --json | python3 -c "import json,sys; print([s['started_at'] for s in json.load(sys.stdin) if s['id']=='$OTHER'][0])")
OTHER_AFTER=$(date -u -d "@$(( $(date -u -d "$OTHER_START" +%s) + 1 ))" +%Y-%m-%dT%H:%M:%SZ)
sed "s/^reported_at: .*/reported_at: $OTHER_AFTER/" "$WORK/late.yaml" >"$WORK/after.yaml"
out=$(ctl report create $OTHER --from "$WORK/after.yaml" --out "$WORK/b3" 2>&1) && fail "a reported_at after the first session is accepted"
assert_contains "reported_at after the session" "$out" "is after the first session"
RTOKEN=$(new_token --reported-at 2026-01-02T03:04:05Z) || fail "approve --reported-at"
out=$(ctl approve --engineer alice --target router1 --ticket T-F --level 2 --approver wang --method phone --valid 1h \
    --reported-at 2099-01-01T00:00:00Z 2>&1) && fail "approve --reported-at in the future is accepted"
assert_contains "approve --reported-at in the future" "$out" "must not be in the future"
TOKEN=$RTOKEN gw_ssh alice alice+router1 true || fail "the session under the reported-at approval"
RSID=$(last_sid)
out=$(ctl report create $RSID --from "$WORK/late.yaml" --out "$WORK/rep_at") || fail "report with an approval's reported_at: $out"
assert_eq "the approval's reported time wins" "2026-01-02T03:04:05Z approval" "$(jget "$WORK/rep_at/report.json" '" ".join((d["timing"]["fault_reported_at"], d["timing"]["fault_reported_source"]))')"
grep -q 'as recorded on the approval' "$WORK/rep_at/report.md" || fail "report.md does not say the time is the approval's"

log "key rotation keeps old reports verifiable"
OLD_FP=$(jget "$B/report.json" 'd["gateway"]["signing_key"]')
ctl keys rotate || fail "keys rotate"
kill -HUP "$GW_PID"
sleep 0.5
gw_ssh alice alice+router1 'echo after rotation' >/dev/null || fail "a session after the rotation"
NEW_SID=$(last_sid)
ctl report create "$NEW_SID" --from "$WORK/narrative.yaml" --out "$WORK/new" >/dev/null || fail "a report after rotation"
NEW_FP=$(jget "$WORK/new/report.json" 'd["gateway"]["signing_key"]')
[ "$NEW_FP" != "$OLD_FP" ] || fail "the new report is signed with the old key"
ctl recording verify "$NEW_SID" | grep -q "signed by $NEW_FP" || fail "the new session is not sealed with the new key"
ctl verify "$B" >/dev/null || fail "the old bundle fails after rotation: $(ctl verify "$B")"
ctl verify "$WORK/new" >/dev/null || fail "the new bundle fails: $(ctl verify "$WORK/new")"
keys=$(ctl keys show)
assert_contains "keys show lists the retired key" "$keys" "$OLD_FP  in use"
assert_contains "with its end" "$keys" "valid-before="
# A customer's long-lived allowed_signers: every key with its dates.
printf '%s\n' "$keys" | grep '^    remgate@' | sed 's/^    //' >"$WORK/customer_signers"
assert_eq "keys in the customer's file" 2 "$(wc -l <"$WORK/customer_signers")"
VT=$(grep -o 'verify-time=[0-9]*Z' "$B/VERIFY.md" | head -n 1)
ssh-keygen -Y verify -f "$WORK/customer_signers" -I "$PRINCIPAL" -n remgate-report -O "$VT" \
    -s "$B/report.json.sig" <"$B/report.json" >/dev/null 2>&1 || fail "the old report fails with the customer's file and -O $VT"
ssh-keygen -Y verify -f "$WORK/customer_signers" -I "$PRINCIPAL" -n remgate-report \
    -s "$B/report.json.sig" <"$B/report.json" >/dev/null 2>&1 && fail "a retired key verifies without verify-time"
ssh-keygen -Y verify -f "$WORK/customer_signers" -I "$PRINCIPAL" -n remgate-report \
    -s "$WORK/new/report.json.sig" <"$WORK/new/report.json" >/dev/null 2>&1 || fail "the new report fails with the customer's file"
out=$(ctl verify "$B" --allowed-signers "$WORK/new/allowed_signers") && fail "the old bundle verifies with only the new key"

log "the engineer submits the narrative over SSH, for their own sessions only"
REPORTS_BEFORE_ENGINEER=$(ctl report list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
ENG_REPORT=$((REPORTS_BEFORE_ENGINEER + 1))
out=$(gw_ssh alice alice report "$NEW_SID" <"$WORK/narrative.yaml" 2>&1) || fail "report over ssh: $out"

assert_contains "report over ssh" "$out" "report $ENG_REPORT"
BUNDLE4=$(ctl report show "$ENG_REPORT" | sed -n 's/^bundle *//p')
ctl verify "$BUNDLE4" >/dev/null || fail "the bundle made over ssh does not verify"
assert_contains "created by" "$(ctl report show "$ENG_REPORT")" "engineer:alice"
BOB_TOKEN=$(ENGINEER=bob new_token) || fail "approve bob"
TOKEN=$BOB_TOKEN gw_ssh bob bob+router1 true || fail "bob's session"
BOB_SID=$(last_sid)
out=$(gw_ssh alice alice report "$BOB_SID" <"$WORK/narrative.yaml" 2>&1) && fail "alice reports bob's session"
assert_contains "not yours" "$out" "not one of your sessions"
out=$(gw_ssh alice alice report "$NEW_SID" <"$WORK/bad.yaml" 2>&1) && fail "a bad narrative over ssh"
assert_contains "bad narrative over ssh" "$out" "missing 'cause'"
out=$(gw_ssh alice alice 'rm -rf /' 2>&1) && fail "an arbitrary command is run"
assert_contains "unknown command" "$out" "unknown command"
out=$(gw_ssh alice alice 2>&1 </dev/null) && fail "a shell without a target"
assert_contains "no shell" "$out" "alice+TARGET"
assert_eq "reports stored" "$((REPORTS_BEFORE_ENGINEER + 1))" "$(ctl report list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"

log "an engineer's reports of one session are capped (the bundle copies its recording each time)"
for i in 2 3; do
	out=$(gw_ssh alice alice report "$NEW_SID" <"$WORK/narrative.yaml" 2>&1) || fail "report $i over ssh: $out"
done
out=$(gw_ssh alice alice report "$NEW_SID" <"$WORK/narrative.yaml" 2>&1) && fail "a fourth report of one session"
assert_contains "quota" "$out" "is already in 3 of your reports (at most 3)"
assert_eq "report_quota events" 1 "$(event_count report_refused report_quota)"

log "the engineer's text cannot drive the reader's terminal"
printf 'fault: "screen \\e[2J cleared"\ncause: "a \\x1b]0;title\\x07 set"\nactions: "x"\nresult: restored\nprevention: "p"\n' >"$WORK/esc.yaml"
out=$(ctl report create $RSID --from "$WORK/esc.yaml" --out "$WORK/esc") || fail "report with control bytes: $out"
ESC_ID=$(ctl report list --json | python3 -c 'import json,sys; print(max(r["id"] for r in json.load(sys.stdin)))')
ctl report show "$ESC_ID" | grep -q $'\x1b' && fail "report show prints a raw ESC"
ctl report show "$ESC_ID" | grep -qF 'screen \e[2J cleared' || fail "report show does not show the escaped text"
ctl report list | grep -q $'\x1b' && fail "report list prints a raw ESC"
grep -q $'\x1b' "$WORK/esc/report.md" && fail "report.md holds a raw ESC"
grep -qF 'a \e]0;title\x07 set' "$WORK/esc/report.md" || fail "report.md does not show the escaped text"

log "OK"
