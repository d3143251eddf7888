#!/bin/bash
# The command guard's reviews and its judging of terminal lines
# (docs/policy.md), with real ssh, bash and sshd. A review rule holds the
# command until an administrator decides with remgatectl: approved it runs
# exactly once; denied, timed out, cancelled with Ctrl-C or abandoned by a
# disconnect it never runs (a marker file it would have appended to). In a
# terminal each line is judged at Enter, line by line for a paste in one
# packet, whole for a bracketed paste, as the shell shows it for an edited
# history line. The judgements are in the command list and the report.
. "$(dirname "$0")/lib.sh"
HERE=$(dirname "$0")

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
  - name: append-marker
    major: true
    match: { raw: 'tee -a .*/ran-' }
    action: review
  - name: forbidden
    match: { program: touch, args: 'forbidden-marker' }
    action: deny
YAML
echo 'policy_file: "./policy.yaml"' >>"$CONFIG"
echo 'review_timeout: 60s' >>"$CONFIG"
ctl targets pubkey router1 >>"$WORK/target_authorized_keys" || fail "targets pubkey"
start_gateway

# Decide the one pending review (waits, bounded, until it is there).
cat >"$WORK/decide" <<SH
#!/bin/bash
# decide approve|deny
for _ in \$(seq 150); do
	id=\$("$REMGATECTL" -c "$CONFIG" review list --json | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r[0]["id"] if r else "")')
	[ -n "\$id" ] && break
	sleep 0.1
done
[ -n "\$id" ] || { echo "no pending review" >&2; exit 1; }
if [ "\$1" = approve ]; then
	"$REMGATECTL" -c "$CONFIG" review approve "\$id" --approver "admin wang" --method phone --note "change window"
else
	"$REMGATECTL" -c "$CONFIG" review deny "\$id" --reason "not now"
fi
SH
chmod +x "$WORK/decide"
ran() { [ -e "$DEVICE_DIR/ran-$1" ] && wc -l <"$DEVICE_DIR/ran-$1" || echo 0; }

log "the login banner names the approval, its phase and that the session is recorded"
TOKEN=$(new_token --phase implement --max-sessions 20) || fail approve
export TOKEN
out=$(gw_ssh alice alice+router1 'echo hi' 2>&1) || fail "allowed exec: $out"
assert_contains "banner: approval" "$out" "remgate: approval "
assert_contains "banner: phase" "$out" "phase implement"
assert_contains "banner: recorded" "$out" "this session is recorded"

log "exec, review approved: held until the admin decides, then runs exactly once"
gw_ssh alice alice+router1 "echo x | tee -a $DEVICE_DIR/ran-exec" >"$WORK/exec.out" 2>&1 &
pid=$!
"$WORK/decide" approve >"$WORK/decide.out" || fail "approve the review: $(cat "$WORK/decide.out")"
wait "$pid" || fail "the approved exec failed: $(cat "$WORK/exec.out")"
assert_eq "runs once" 1 "$(ran exec)"
assert_contains "the engineer read the wait" "$(cat "$WORK/exec.out")" "waiting for the customer to approve \"append-marker\""
assert_contains "the engineer read the decision" "$(cat "$WORK/exec.out")" "approved by admin wang (phone)"
sid_exec=$(last_sid)
ctl commands list "$sid_exec" --json | grep -q '"guard":"review [0-9]* append-marker: approved by admin wang' ||
	fail "commands list lacks the judgement: $(ctl commands list "$sid_exec" --json)"

log "exec, review denied: never runs, exit 126"
gw_ssh alice alice+router1 "echo x | tee -a $DEVICE_DIR/ran-denied" >"$WORK/exec.out" 2>&1 &
pid=$!
"$WORK/decide" deny >/dev/null || fail "deny the review"
wait "$pid"; rc=$?
assert_eq "denied exec exit" 126 "$rc"
assert_eq "denied exec never ran" 0 "$(ran denied)"

log "two racing decisions: exactly one wins"
gw_ssh alice alice+router1 "echo x | tee -a $DEVICE_DIR/ran-race" >"$WORK/exec.out" 2>&1 &
pid=$!
for _ in $(seq 150); do
	id=$(ctl review list --json | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r[0]["id"] if r else "")')
	[ -n "$id" ] && break
	sleep 0.1
done
[ -n "$id" ] || fail "no pending review for the race"
ctl review approve "$id" --approver a1 --method phone >"$WORK/r1" 2>&1 & p1=$!
ctl review deny "$id" --reason r2 --approver a2 >"$WORK/r2" 2>&1 & p2=$!
wait "$p1"; rc1=$?; wait "$p2"; rc2=$?
assert_eq "one decision won" 1 "$(( (rc1 == 0) + (rc2 == 0) ))"
wait "$pid"; rc=$?
if [ "$rc1" = 0 ]; then assert_eq "approved: ran once" 1 "$(ran race)"; else assert_eq "denied: never" 0 "$(ran race)"; fi
out=$(ctl review approve "$id" --approver a3 --method phone 2>&1) && fail "a decided review was decided again"
assert_contains "a second decision is refused" "$out" "is not pending"

log "exec, review timeout: never runs"
sed -i 's/^review_timeout: .*/review_timeout: 2s/' "$CONFIG"
ctl reload >/dev/null || fail reload
out=$(gw_ssh alice alice+router1 "echo x | tee -a $DEVICE_DIR/ran-timeout" 2>&1); rc=$?
assert_eq "timed-out exec exit" 126 "$rc"
assert_contains "the engineer reads it expired" "$out" "expired"
assert_eq "timed-out exec never ran" 0 "$(ran timeout)"
sed -i 's/^review_timeout: .*/review_timeout: 60s/' "$CONFIG"
ctl reload >/dev/null || fail reload

log "terminal: each line judged at Enter (bash with readline)"
steps=(
	"wait:$ " "send:exec bash --norc --noprofile\r" "wait:bash-"
	"send:echo one\r" "wait:one"
	# a review approved: the line runs once
	"send:echo x | tee -a $DEVICE_DIR/ran-line\r" "wait:(review " "shell:$WORK/decide approve" "wait:approved by"
	"wait:bash-"
	# denied: never
	"send:echo x | tee -a $DEVICE_DIR/ran-line-denied\r" "wait:(review " "shell:$WORK/decide deny" "wait:denied by"
	"wait:bash-"
	# Ctrl-C while waiting: cancelled, never
	"send:echo x | tee -a $DEVICE_DIR/ran-line-cancel\r" "wait:(review " "send:\x03" "wait:cancelled"
	# a deny rule: refused at once, never reaches the device
	"send:touch $DEVICE_DIR/forbidden-marker\r" "wait:refused"
	# three lines in one packet: each judged and listed on its own
	"send:echo p1\recho p2\recho p3\r" "wait:p3"
	# a bracketed paste is judged whole before any of it is sent
	"send:\x1b[200~touch $DEVICE_DIR/forbidden-marker\x1b[201~" "wait:refused"
	"send:echo after-paste\r" "wait:after-paste"
	# an edited history line: judged as the shell shows it
	# (the up arrow goes once the output and the next prompt are there: typed while the echo
	# runs, the tty would echo it raw and readline never see it)
	"send:echo touch $DEVICE_DIR/guard-marker-h\r" "wait:guard-marker-h\r\n\x1b[?2004hbash-"
	# (Enter once bash has drawn the edit: an edit the shell has not drawn yet is judged as it
	# stands then; docs/policy.md#honest-limits)
	"send:\x1b[A\x01\x04\x04\x04\x04\x04" "wait:\x1b[1P\x1b[1P\x1b[1P\x1b[1P\x1b[1P"
	"send:\r" "wait:(review " "send:\x03" "wait:cancelled"
	# the line is emptied and a fresh prompt comes (bracketed paste on again) before the next line
	"wait:\x1b[?2004hbash-"
	# a prompt faked to look like a password's cannot hide a major operation
	"send:PS1='Pass''word: '\r" "wait:Password: "
	"send:echo x | tee -a $DEVICE_DIR/ran-fake-prompt\r" "wait:without echo"
	"send:PS1='bash''-x$ '\r" "wait:bash-x$ "
	# a disconnect while waiting abandons the review
	"send:echo x | tee -a $DEVICE_DIR/ran-line-hangup\r" "wait:(review " "hangup"
)
python3 "$HERE/pty_session.py" "$WORK" "$GW_PORT" alice+router1 "$WORK/alice" "$WORK/pty.out" "${steps[@]}"
rc=$?
[ "$rc" -lt 90 ] || fail "the terminal session did not go as expected ($rc): $(tail -c 600 "$WORK/pty.out")"
assert_eq "approved line ran once" 1 "$(ran line)"
assert_eq "denied line never ran" 0 "$(ran line-denied)"
assert_eq "cancelled line never ran" 0 "$(ran line-cancel)"
assert_eq "a line behind a fake password prompt never ran" 0 "$(ran fake-prompt)"
[ ! -e "$DEVICE_DIR/forbidden-marker" ] || fail "a refused line or paste ran"
[ ! -e "$DEVICE_DIR/guard-marker-h" ] || fail "the edited history line ran"
# The monitor marks the review abandoned when the session ends.
for _ in $(seq 100); do
	ctl review list --all --json | grep -q '"status":"abandoned"' && break
	sleep 0.1
done
ctl review list --all --json | grep -q '"status":"abandoned"' || fail "the hung-up review is not abandoned"
assert_eq "abandoned line never ran" 0 "$(ran line-hangup)"
sid=$(last_sid)
cmds=$(ctl commands list "$sid" --json)
for line in "echo p1" "echo p2" "echo p3" "echo after-paste"; do
	assert_contains "every submitted line is listed" "$cmds" "\"text\":\"$line\""
done
assert_contains "refused line listed with why" "$cmds" "refused forbidden"
assert_contains "cancelled line listed" "$cmds" "cancelled"
assert_contains "the approved line's judgement" "$cmds" "approved by admin wang (phone)"

log "diagnose, in a terminal: a major operation is refused at Enter"
TOKEN=$(new_token --max-sessions 2) || fail approve
steps=("wait:$ " "send:touch $DEVICE_DIR/guard-marker-d\r" "wait:needs an implement approval" "send:exit\r")
TOKEN=$TOKEN python3 "$HERE/pty_session.py" "$WORK" "$GW_PORT" alice+router1 "$WORK/alice" "$WORK/pty2.out" "${steps[@]}"
rc=$?
[ "$rc" -lt 90 ] || fail "diagnose terminal ($rc): $(tail -c 600 "$WORK/pty2.out")"
[ ! -e "$DEVICE_DIR/guard-marker-d" ] || fail "the refused line ran on a diagnose approval"

log "the report names the major operation and its approval"
cat >"$WORK/narrative.yaml" <<YAML
fault: test
level: 2
cause: test
actions: test
result: restored
prevention: test
YAML
ctl report create "$sid_exec" --from "$WORK/narrative.yaml" --out "$WORK/bundle" >/dev/null || fail "report create"
grep -q "Major operations" "$WORK/bundle/report.md" || fail "the report has no Major operations section"
grep -q "append-marker.*approved by admin wang" "$WORK/bundle/report.md" || fail "the report does not name the approval: $(grep -A3 'Major' "$WORK/bundle/report.md")"
done_ok
