#!/bin/bash
# Hidden input is escrowed, not dropped. An engineer who sets PS1='pin: '
# and stty -echo hides a command from the terminal: without an escrow key
# the report says only its length was kept; with the customer's key
# configured it is sealed to that key, the recording still verifies, the
# plaintext is nowhere on the gateway, `recording reveal` with the
# customer's key shows the command (and is itself an event), another key
# cannot, and the unusual hidden input is flagged.
. "$(dirname "$0")/lib.sh"

setup_all
TOKEN=$(new_token --max-sessions 10) || fail approve
export TOKEN
HERE=$(cd "$(dirname "$0")" && pwd)

# hide_session MARK: a pty session that runs a command typed with echo off at a "pin: " prompt.
hide_session() {
	PAD=$(printf 'x%.0s' $(seq 1 40))
	python3 "$HERE/pty_session.py" "$WORK" "$GW_PORT" alice+router1 "$WORK/alice" "$WORK/client.out" \
	    "wait:$ " "send:PS1='pin: '; stty -echo\r" "wait:\npin: " \
	    "send:echo $1 $PAD > $DEVICE_DIR/$1\r" "wait:pin: " \
	    "send:stty echo\r" "wait:pin: " "send:exit\r" >/dev/null || fail "the hiding session failed"
	[ -f "$DEVICE_DIR/$1" ] || fail "the hidden command did not run on the device"
}
rec_of() { echo "$WORK/state/recordings/$1.rgrec"; }

log "without an escrow key: kept by length only, and the report says so"
hide_session plain-hidden
SID1=$(last_sid)
grep -aq "plain-hidden" "$(rec_of "$SID1")" && fail "the hidden command is in the recording in clear"
ctl commands list "$SID1" | grep -q "hidden input" || fail "no masked entry in the command list"
printf 'fault: "x"\ncause: "y"\nactions: "z"\nresult: restored\nprevention: "p"\n' >"$WORK/n.yaml"
ctl report create "$SID1" --from "$WORK/n.yaml" --out "$WORK/r1" >/dev/null || fail "report 1"
grep -q "kept by length only: no escrow key was configured" "$WORK/r1/report.md" || fail "the report does not say the input is lost"

log "the customer's escrow key, made on the customer's side (no gateway configuration)"
out=$("$REMGATECTL" escrow keygen --out "$WORK/customer.key") || fail "escrow keygen: $out"
assert_eq "the private key's mode" 600 "$(stat -c %a "$WORK/customer.key")"
echo "$out" >>"$CONFIG"
"$REMGATECTL" escrow keygen --out "$WORK/other.key" >/dev/null || fail "a second key"
kill -HUP "$GW_PID"
for _ in $(seq 1 50); do grep -q 'event=reload ' "$WORK/gateway.log" && break; sleep 0.1; done

log "with it: sealed, verifiable, revealed only with that key"
hide_session escrowed-hidden
SID2=$(last_sid)
grep -aq "escrowed-hidden" "$(rec_of "$SID2")" && fail "the hidden command is in the recording in clear"
grep -rqa "escrowed-hidden" "$WORK/state" && fail "the hidden command is somewhere in state_dir in clear"
ctl recording verify "$SID2" >/dev/null || fail "the escrowed recording does not verify without the key"
types=$(python3 "$HERE/read_recording.py" "$(rec_of "$SID2")" types)
case " $types " in *" 28 "*) ;; *) fail "no escrow key record: $types" ;; esac
case " $types " in *" 14 "*) ;; *) fail "no escrowed input record: $types" ;; esac
out=$(ctl recording reveal "$SID2" --escrow-key "$WORK/customer.key" 2>"$WORK/reveal.err") || fail "reveal: $(cat "$WORK/reveal.err")"
log "$out"
assert_contains "the revealed command" "$out" "echo escrowed-hidden "
assert_contains "the reveal is announced" "$(cat "$WORK/reveal.err")" "recorded as an escrow_reveal event"
assert_eq "escrow_reveal events" 1 "$(event_count escrow_reveal escrow_reveal)"
out=$(ctl recording reveal "$SID2" --escrow-key "$WORK/other.key" 2>&1) && fail "another key revealed it"
assert_contains "another key" "$out" "escrowed to another key"
out=$(ctl recording reveal "$SID1" --escrow-key "$WORK/customer.key" 2>/dev/null) || fail "reveal of the old session"
assert_contains "an old session" "$out" "kept by length only"
assert_eq "unusual hidden input events" 2 "$(event_count masked_input_unusual masked_input_unusual)"
ctl report create "$SID2" --from "$WORK/n.yaml" --out "$WORK/r2" >/dev/null || fail "report 2"
grep -q "escrowed to the customer's key SHA256:" "$WORK/r2/report.md" || fail "the report does not name the escrow"
grep -q "Unusual hidden input" "$WORK/r2/report.md" || fail "the report does not flag the unusual hidden input"
python3 -c "
import json,sys
h=json.load(open('$WORK/r2/report.json'))['sessions'][0]['hidden_input']
assert h['escrowed'] and h['unusual'] and h['entries'] >= 1, h
" || fail "report.json hidden_input"
ctl verify "$WORK/r2" >/dev/null || fail "the bundle does not verify"
done_ok
