#!/bin/bash
# Bad input at the edges: a broken configuration stops remgated with
# FILE:LINE:COL and exit status 2; bad approve requests write nothing;
# the token is alone on stdout.
. "$(dirname "$0")/lib.sh"

start_target
write_config

log "--check accepts the test config"
"$REMGATED" --check -c "$CONFIG" >"$WORK/check.out" 2>&1 || fail "--check refused a valid config: $(cat "$WORK/check.out")"
assert_contains "--check output" "$(cat "$WORK/check.out")" "configuration OK"

bad_config() {	# WHY SED-EXPR EXPECTED-TEXT
	sed "$2" "$CONFIG" >"$WORK/bad.yaml"
	out=$("$REMGATED" -c "$WORK/bad.yaml" 2>&1); rc=$?
	assert_eq "$1: exit status" 2 "$rc"
	case "$out" in
	*"$WORK/bad.yaml:"[0-9]*:[0-9]*": "*) ;;
	*) fail "$1: no FILE:LINE:COL in: $out" ;;
	esac
	assert_contains "$1: message" "$out" "$3"
	out=$("$REMGATED" --check -c "$WORK/bad.yaml" 2>&1); rc=$?
	assert_eq "$1: --check exit status" 2 "$rc"
}
bad_config "unknown key" 's/^log_level:/log_levle:/' "unknown key 'log_levle'"
bad_config "wrong type" 's/^listen: .*/listen: {a: b}/' "'listen' must be a string"
bad_config "a listen list entry" 's/^listen: .*/listen: [1]/' "'listen': expected \"host:port\""
bad_config "duplicate target" 's/name: router2/name: router1/' "duplicate target name 'router1'"
bad_config "bad pin" 's/host_key: "SHA256:AAAA.*/host_key: "nope"/' "SHA256 fingerprint"
mkdir -p "$WORK/state" && echo "garbage" >"$WORK/state/router1_ed25519"
bad_config "unreadable key file" 's/^x//' "is not an unencrypted OpenSSH/PEM private key"
rm -f "$WORK/state/router1_ed25519"
out=$("$REMGATED" -c "$WORK/missing.yaml" 2>&1); rc=$?
assert_eq "missing file: exit status" 2 "$rc"
assert_contains "missing file: message" "$out" "cannot open"
[ -e "$WORK/state/remgate.db" ] && fail "a refused config created the store"

log "approve: bad requests write nothing"
approve_fails() {	# WHY EXPECTED-TEXT ARGS...
	why=$1 text=$2; shift 2
	out=$(ctl approve "$@" 2>"$WORK/approve.err"); rc=$?
	[ "$rc" != 0 ] || fail "$why: approve succeeded"
	assert_eq "$why: stdout" "" "$out"
	assert_contains "$why: message" "$(cat "$WORK/approve.err")" "$text"
}
base="--ticket T-9 --approver wang --method phone"
approve_fails "unknown engineer" "unknown engineer 'eve'" --engineer eve --target router1 $base --level 1 --valid 1h
approve_fails "unknown target" "unknown target 'fridge'" --engineer alice --target fridge $base --level 1 --valid 1h
approve_fails "bad level" "--level must be 1, 2 or 3" --engineer alice --target router1 $base --level 7 --valid 1h
approve_fails "bad duration" "bad duration '4 hours'" --engineer alice --target router1 $base --level 1 --valid "4 hours"
approve_fails "bad method" "--method must be" --engineer alice --target router1 --ticket T-9 --approver wang \
    --method carrier-pigeon --level 1 --valid 1h
approve_fails "missing options" "approve needs" --engineer alice
assert_eq "approvals after bad requests" "[]" "$(ctl approvals list --json)"

log "approve: the token alone on stdout"
tok=$(ctl approve --engineer alice --target router1 $base --level 1 --valid 4h --phase implement --note "swap PSU" 2>/dev/null)
[[ "$tok" =~ ^rg-1-[a-z2-7]{28}$ ]] || fail "approve printed '$tok'"
ctl approvals list --json | python3 -c "
import json,sys
a = json.load(sys.stdin)[0]
assert a['phase'] == 'implement' and a['note'] == 'swap PSU' and a['status'] == 'active', a
assert a['created_by'].startswith('local:'), a
" || fail "approval fields are wrong"
out=$(ctl approvals revoke 99 2>&1); rc=$?
[ "$rc" != 0 ] || fail "revoking a missing approval succeeded"
assert_contains "revoke missing" "$out" "no approval 99"
ctl approvals revoke 1 >/dev/null || fail "revoke 1"
out=$(ctl approvals revoke 1 2>&1) && fail "revoking twice succeeded"
assert_contains "revoke twice" "$out" "already revoked"
out=$(ctl frobnicate 2>&1); rc=$?
assert_eq "unknown command exit status" 2 "$rc"
done_ok
