#!/bin/bash
# The evidence names who really logged in. A client that passes publickey as
# one engineer and then asks (none, an unsigned probe, keyboard-interactive)
# under another name is cut off: the other engineer's approval stays
# untouched, no device login, an event says what was tried. A user name full
# of newlines, quotes, '=' and ESC cannot forge log lines or table rows, and
# an unknown engineer gets the same answer as a wrong key.
. "$(dirname "$0")/lib.sh"

PY3=/usr/bin/python3
$PY3 -c 'import paramiko' 2>/dev/null || skip "python3-paramiko is not installed (scripts/install-deps)"
setup_all

uses_of() { ctl approvals list --json | python3 -c "import json,sys; print([a['uses'] for a in json.load(sys.stdin) if a['id']==$1][0])"; }

BOB_TOKEN=$(ENGINEER=bob new_token --max-sessions 5) || fail approve
BOB_ID=$(echo "$BOB_TOKEN" | cut -d- -f2)
for mode in none probe kbd; do
	before=$(target_logins)
	ev_before=$(event_count session_refused username_changed)
	out=$($PY3 "$(dirname "$0")/auth_switch.py" "$GW_PORT" "$WORK/alice" alice+router1 bob+router1 "$BOB_TOKEN" $mode 2>&1)
	log "$mode: $out"
	assert_contains "$mode: the swap is refused" "$out" "refused:"
	assert_eq "$mode: bob's approval untouched" 0 "$(uses_of "$BOB_ID")"
	assert_eq "$mode: no device login" "$before" "$(target_logins)"
	assert_eq "$mode: one username_changed event" "$((ev_before + 1))" "$(event_count session_refused username_changed)"
done
ctl events list | grep -q "user name changed from 'alice+router1' to 'bob+router1'" || fail "the event names both user names"
assert_eq "no session was recorded for bob" 0 "$(ctl sessions list --json | python3 -c "import json,sys; print(sum(1 for s in json.load(sys.stdin) if s['engineer']=='bob'))")"
# Bob's own token still works for Bob.
out=$(TOKEN=$BOB_TOKEN gw_ssh bob bob+router1 'echo bob-ok' 2>&1) || fail "bob's own login: $out"
assert_contains "bob's own login" "$out" "bob-ok"

# The same answer for an unknown engineer and a known one with the wrong key.
unknown=$(gw_ssh mallory 'mallory+router1' true 2>&1 | grep remgate: | sed 's/SHA256:[^ ]*/KEY/; s/mallory+router1/USER/')
wrongkey=$(gw_ssh mallory 'alice+router1' true 2>&1 | grep remgate: | sed 's/SHA256:[^ ]*/KEY/; s/alice+router1/USER/')
assert_eq "unknown and known engineers read the same" "$wrongkey" "$unknown"
assert_contains "the answer names no engineer" "$unknown" "is not authorized for USER"

# A hostile user name: no new log line, no new field, no raw ESC in the tables.
evil=$(printf 'eve\nts=2026 level=error event=session_start engineer=alice\x1b[2J"=x+router1')
lines_before=$(wc -l <"$WORK/gateway.log")
# (stock ssh will not send such a name; paramiko will)
$PY3 - "$GW_PORT" "$WORK/alice" "$evil" <<'PYEOF' || fail "paramiko login with the hostile name"
import socket, sys, paramiko
port, keyfile, user = sys.argv[1:4]
t = paramiko.Transport(socket.create_connection(("127.0.0.1", int(port)), timeout=20))
t.start_client(timeout=20)
try:
    t.auth_publickey(user, paramiko.Ed25519Key.from_private_key_file(keyfile))
except Exception:
    pass
t.close()
PYEOF
for _ in $(seq 1 50); do grep -q 'reason=bad_username' "$WORK/gateway.log" && break; sleep 0.1; done
grep -q 'reason=bad_username' "$WORK/gateway.log" || fail "no refusal logged for the hostile name"
tail -n +"$((lines_before + 1))" "$WORK/gateway.log" | grep -v '^ts=' | grep . && fail "a log line does not start with ts="
grep -q '^ts=2026 level=error' "$WORK/gateway.log" && fail "a forged line reached the log"
grep -q $'\x1b' "$WORK/gateway.log" && fail "a raw ESC reached the log"
grep 'reason=bad_username' "$WORK/gateway.log" | grep -q 'user="eve\\nts=2026 level=error event=session_start engineer=alice\\e\[2J\\"=x+router1"' ||
    fail "the user name is not one quoted, escaped value: $(grep reason=bad_username "$WORK/gateway.log")"
ctl events list | grep -q $'\x1b' && fail "a raw ESC reached events list"
ctl events list | grep -q 'eve\\nts=2026' || fail "events list does not show the escaped name"
done_ok
