#!/bin/bash
# The recorder with a real ssh client in a real terminal: the recording's
# output is exactly what the client received; commands come out as typed
# (editing, a password prompt, vi); verify passes, then fails after
# tampering; exports play in stock asciinema; kill -9 leaves a verifiable
# unsealed recording; sessions watch and sessions kill act on live sessions.
. "$(dirname "$0")/lib.sh"

setup_all
TOKEN=$(new_token --max-sessions 30) || fail approve
export TOKEN
HERE=$(cd "$(dirname "$0")" && pwd)
rec_of() { echo "$WORK/state/recordings/$1.rgrec"; }

log "an interactive session typed like a person"
# The device account's /bin/sh has no line editing: the editing is typed
# into a bash started clean (no start-up files, no inherited environment).
python3 "$HERE/pty_session.py" "$WORK" "$GW_PORT" alice+router1 "$WORK/alice" "$WORK/client.out" \
    "wait:$ " "send:exec env -i TERM=xterm PS1='rg\$ ' bash --norc --noprofile\r" "wait:2004hrg$ " \
    "send:echo one\r" "wait:one\r\n" "wait:rg$ " \
    "send:echo helo" "sleep:0.3" "send:\x1b[D" "sleep:0.2" "send:\x1b[D" "sleep:0.2" "send:l" "sleep:0.3" "send:\r" "wait:hello\r\n" "wait:rg$ " \
    "send:read -s -p 'Password: ' pw; echo; echo len=\${#pw}\r" "wait:\rPassword: " \
    "send:topsecret" "sleep:0.3" "send:\r" "wait:len=9" "wait:rg$ " \
    "send:vi /tmp/remgate-e2e-vi.txt\r" "wait:\x1b[?1049h" "send::q!\r" "wait:rg$ " "winsize:30x100" "sleep:0.5" \
    "send:exit\r" >/dev/null || fail "the interactive session failed"
SID=$(last_sid)
REC=$(rec_of "$SID")
[ -f "$REC" ] || fail "no recording at $REC"

log "the recording's output is exactly what the client received"
python3 "$HERE/read_recording.py" "$REC" output >"$WORK/rec.out" || fail "the independent reader rejects the file"
cmp "$WORK/rec.out" "$WORK/client.out" || fail "recorded output differs from what the client received \
($(stat -c %s "$WORK/rec.out") vs $(stat -c %s "$WORK/client.out") bytes)"
grep -q topsecret "$REC" && fail "the password is in the recording"
python3 "$HERE/read_recording.py" "$REC" input | grep -q "echo one" || fail "input is not recorded"
types=$(python3 "$HERE/read_recording.py" "$REC" types)
for t in 01 20 23 10 11 13 21 26 30 02; do
	case " $types " in *" $t "*) ;; *) fail "no record of type $t in: $types" ;; esac
done

log "verify: intact and sealed"
out=$(ctl recording verify "$SID"); rc=$?
assert_eq "verify exit status" 0 "$rc"
assert_contains "verify output" "$out" "OK: $SID intact and sealed"
log "$out"

log "the seal's key is the one remgatectl keys show prints, as ssh-keygen sees it"
ctl keys show | sed -n 's/^public key   //p' >"$WORK/signing.pub"
fp=$(ssh-keygen -lf "$WORK/signing.pub" | awk '{print $2}')
assert_contains "verify names the signing key" "$out" "signed by $fp"

log "the command list"
ctl commands list "$SID" --json >"$WORK/cmds.json" || fail "commands list"
python3 - "$WORK/cmds.json" <<'PY' || fail "the command list is wrong: $(cat "$WORK/cmds.json")"
import json, sys
got = [(c["kind"], c["text"], c["certain"]) for c in json.load(open(sys.argv[1]))]
want = [("line", "exec env -i TERM=xterm PS1='rg$ ' bash --norc --noprofile", True),
        ("line", "echo one", True), ("line", "echo hello", True),
        ("line", "read -s -p 'Password: ' pw; echo; echo len=${#pw}", True),
        ("masked", "[hidden input, 10 bytes]", True),
        ("fullscreen", "vi /tmp/remgate-e2e-vi.txt", True), ("line", "exit", True)]
assert got == want, "\n got %s\nwant %s" % (got, want)
PY
ctl commands search "echo hel" | grep -q "$SID" || fail "commands search does not find 'echo hel'"

log "exports: text command log and asciicast v2"
ctl recording export "$SID" --format text -o "$WORK/commands.log" || fail "text export"
grep -q '^\[20[0-9-]*T[0-9:]*Z\] rg\$ echo hello$' "$WORK/commands.log" || fail "the command log lacks the timed 'echo hello'"
grep -q 'hidden input, 10 bytes' "$WORK/commands.log" || fail "the command log lacks the masked input"
ctl recording export "$SID" --format asciicast -o "$WORK/session.cast" || fail "asciicast export"
python3 - "$WORK/session.cast" <<'PY' || fail "the asciicast file is not valid v2"
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
head = json.loads(lines[0])
assert head["version"] == 2 and head["width"] == 80 and head["height"] == 24, head
events = [json.loads(l) for l in lines[1:]]
assert all(e[1] in ("o", "i", "r") for e in events)
assert any(e[1] == "o" and "one" in e[2] for e in events)
assert all(events[i][0] <= events[i + 1][0] for i in range(len(events) - 1)), "times go backwards"
PY
if command -v asciinema >/dev/null && command -v script >/dev/null; then
	# asciinema cat wants a terminal: script(1) gives it one.
	script -qec "asciinema cat '$WORK/session.cast'" /dev/null </dev/null >"$WORK/cast.out" 2>&1 ||
	    fail "asciinema cat refused the export: $(tail -5 "$WORK/cast.out")"
	grep -q "len=9" "$WORK/cast.out" || fail "asciinema cat does not show the session"
	grep -q "Traceback" "$WORK/cast.out" && fail "asciinema cat failed: $(tail -5 "$WORK/cast.out")"
else
	log "asciinema is not installed; skipping asciinema cat"
fi

log "recording play replays the output"
timeout 30 "$REMGATECTL" -c "$CONFIG" recording play "$SID" --speed 1000 >"$WORK/play.out" || fail "recording play"
cmp "$WORK/play.out" "$WORK/client.out" || fail "recording play differs from what the client received"

log "tampering is found and located"
cp "$REC" "$WORK/copy.rgrec"
python3 - "$WORK/copy.rgrec" <<'PY'
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read())
i = b.find(b"echo one")
b[i] ^= 0x20          # "echo one" -> "Echo one"
open(p, "wb").write(b)
PY
out=$(ctl recording verify "$WORK/copy.rgrec"); rc=$?
assert_eq "verify exit status on a flipped byte" 1 "$rc"
assert_contains "verify output on a flipped byte" "$out" "TAMPERED"
assert_contains "verify names the offset" "$out" "at byte offset"
log "$out"
head -c -200 "$REC" >"$WORK/cut.rgrec"
out=$(ctl recording verify "$WORK/cut.rgrec"); rc=$?
assert_eq "a recording cut short is unsealed" 3 "$rc"
cp "$REC" "$WORK/orig.rgrec"
head -c -200 "$WORK/orig.rgrec" >"$REC"
out=$(ctl recording verify "$SID"); rc=$?
assert_eq "cut short, while the store knows its seal: tampered" 1 "$rc"
assert_contains "the store's seal is named" "$out" "the store recorded a seal"
cp "$WORK/orig.rgrec" "$REC"

log "kill -9 of the network child: the monitor ends the session and seals what it recorded"
gw_ssh alice alice+router1 'for i in $(seq 1 100); do echo tick $i; sleep 0.1; done' >"$WORK/ticks.out" 2>&1 &
ticker=$!
PIDS="$PIDS $ticker"
for _ in $(seq 1 50); do grep -q "tick 5" "$WORK/ticks.out" 2>/dev/null && break; sleep 0.1; done
CSID=$(last_sid)
# The network child logs the exec; the monitor logs the session's start.
cpid=$(grep "sid=$CSID.*event=exec" "$WORK/gateway.log" | head -1 | sed 's/.* pid=\([0-9]*\) .*/\1/')
[ -n "$cpid" ] || fail "no network child pid for $CSID"
kill -9 "$cpid"
wait "$ticker" 2>/dev/null
for _ in $(seq 1 100); do grep -q "sid=$CSID.*event=recording_sealed" "$WORK/gateway.log" && break; sleep 0.1; done
grep -q "sid=$CSID.*event=recording_sealed" "$WORK/gateway.log" || fail "the monitor did not seal after the child died"
out=$(ctl recording verify "$CSID"); rc=$?
assert_eq "verify after the network child died" 0 "$rc"
out=$(ctl sessions list | grep "$CSID")
assert_contains "the end reason names the dead child" "$out" "network_child_died"

log "kill -9 of the monitor: an unsealed recording that verifies"
gw_ssh alice alice+router1 'for i in $(seq 1 100); do echo tick $i; sleep 0.1; done' >"$WORK/ticks.out" 2>&1 &
ticker=$!
PIDS="$PIDS $ticker"
for _ in $(seq 1 50); do [ "$(last_sid)" != "$CSID" ] && break; sleep 0.1; done
for _ in $(seq 1 50); do grep -q "tick 5" "$WORK/ticks.out" 2>/dev/null && break; sleep 0.1; done
KSID=$(last_sid)
kpid=$(grep "sid=$KSID.*event=session_start" "$WORK/gateway.log" | head -1 | sed 's/.* pid=\([0-9]*\) .*/\1/')
# What reached the file survives kill -9: wait until tick 5 is there.
for _ in $(seq 1 100); do grep -aq "tick 5" "$(rec_of "$KSID")" 2>/dev/null && break; sleep 0.1; done
kill -9 "$kpid"
wait "$ticker" 2>/dev/null
out=$(ctl recording verify "$KSID"); rc=$?
assert_eq "verify exit status after kill -9" 3 "$rc"
assert_contains "verify after kill -9" "$out" "UNSEALED"
log "$out"
n=$(echo "$out" | sed -n 's/.*: \([0-9]*\) records intact.*/\1/p')
[ "${n:-0}" -ge 5 ] || fail "too few records survived kill -9: $out"

log "sessions watch follows a live session"
gw_ssh alice alice+router1 'sleep 1; for i in $(seq 1 15); do echo watched $i; sleep 0.1; done' >/dev/null 2>&1 &
watched=$!
for _ in $(seq 1 50); do [ "$(last_sid)" != "$KSID" ] && break; sleep 0.1; done
WSID=$(last_sid)
timeout 20 "$REMGATECTL" -c "$CONFIG" sessions watch "$WSID" >"$WORK/watch.out" 2>"$WORK/watch.err" || fail "sessions watch failed: $(cat "$WORK/watch.err")"
wait "$watched"
grep -q "watched 15" "$WORK/watch.out" || fail "sessions watch did not show the output"

log "sessions kill ends a live session and says why"
gw_ssh alice alice+router1 'sleep 30' >"$WORK/killed.out" 2>&1 &
victim=$!
for _ in $(seq 1 50); do [ "$(last_sid)" != "$WSID" ] && break; sleep 0.1; done
VSID=$(last_sid)
out=$(ctl sessions kill "$VSID" --reason "maintenance window over") || fail "sessions kill: $out"
wait "$victim"; rc=$?
[ "$rc" != 0 ] || fail "the killed session's client exited 0"
assert_contains "the engineer is told" "$(cat "$WORK/killed.out")" "session ended by local:"
assert_contains "with the reason" "$(cat "$WORK/killed.out")" "maintenance window over"
assert_eq "session_killed events" 1 "$(event_count session_killed killed)"
out=$(ctl recording verify "$VSID") || fail "a killed session's recording does not verify: $out"
ctl sessions kill "$VSID" >/dev/null 2>&1 && fail "killing an ended session succeeded"

log "a recording that cannot be written refuses the session"
if mount -t tmpfs -o size=64k tmpfs "$WORK/state/recordings" 2>/dev/null; then
	MOUNTED="$WORK/state/recordings"
	trap 'umount "$MOUNTED" 2>/dev/null; cleanup' EXIT
	head -c 60k /dev/zero >"$WORK/state/recordings/filler" 2>/dev/null
	head -c 8k /dev/zero >>"$WORK/state/recordings/filler" 2>/dev/null
	before=$(target_logins)
	out=$(gw_ssh alice alice+router1 'echo should-not' 2>&1) && fail "a session opened with a full disk"
	assert_contains "refusal text" "$out" "cannot record this session"
	assert_eq "no target login on a full disk" "$before" "$(target_logins)"
	rm -f "$WORK/state/recordings/filler"
	out=$(gw_ssh alice alice+router1 'head -c 4M /dev/urandom | base64' 2>"$WORK/full.err" | wc -c); rc=$?
	assert_contains "the engineer is told the recording failed" "$(cat "$WORK/full.err")" "the recording failed"
	[ "$out" -lt 5000000 ] || fail "the session went on relaying after the recording failed ($out bytes)"
	assert_eq "recording_failed refusals" 1 "$(event_count session_refused recording_failed)"
	umount "$MOUNTED"
else
	log "cannot mount a tmpfs here (not root?); skipping the full-disk checks"
fi
done_ok
