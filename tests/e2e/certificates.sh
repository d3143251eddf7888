#!/bin/bash
# Approval certificates: a client that cannot answer the token prompt
# (BatchMode, sftp -b, ansible, cron) logs in with the engineer's own key
# and an OpenSSH certificate from `remgatectl approve --cert-for`, or one
# made by stock `ssh-keygen -s` with the gateway's approval CA. The store
# still decides: another target, outside the window, revoked, used up, a
# key that is not the engineer's, another CA: refused with a token's reasons
# and events. A stale certificate does not lock out an engineer with a token.
. "$(dirname "$0")/lib.sh"

setup_all
CA="$WORK/state/approval_ca_ed25519.pem"
[ -f "$CA" ] || fail "the gateway made no approval CA at its start"
assert_eq "the approval CA is private" 600 "$(stat -c %a "$CA")"

# gw_batch KEY USER CERT COMMAND: ssh that can never answer a prompt.
gw_batch() {
	key=$1; user=$2; cert=$3; shift 3
	ssh -F /dev/null -p "$GW_PORT" -i "$WORK/$key" -o CertificateFile="$cert" -o IdentitiesOnly=yes \
	    -o BatchMode=yes -o UserKnownHostsFile="$WORK/known_hosts" -o StrictHostKeyChecking=accept-new \
	    -o ConnectTimeout=10 "$user@127.0.0.1" "$@"
}
# refused_cert WHY KEY USER CERT REASON TEXT
refused_cert() {
	before=$(target_logins)
	events_before=$(event_count session_refused "$5")
	out=$(gw_batch "$2" "$3" "$4" 'echo SHOULD-NOT-RUN' 2>&1) && fail "$1: ssh succeeded"
	case "$out" in *SHOULD-NOT-RUN*) fail "$1: the command ran" ;; esac
	assert_contains "$1: the engineer reads why" "$out" "$6"
	assert_eq "$1: no device login" "$before" "$(target_logins)"
	assert_eq "$1: refusal events with reason $5" "$((events_before + 1))" "$(event_count session_refused "$5")"
	log "refused ok: $1 -> $5"
}

log "approve --cert-for writes the certificate beside the key"
cp "$WORK/alice.pub" "$WORK/alice_copy.pub"
TOKEN=$(ctl approve --engineer alice --target router1 --ticket INC-C1 --level 2 --approver wang --method phone \
    --valid 1h --max-sessions 3 --phase implement --cert-for "$WORK/alice.pub" 2>"$WORK/approve.err") ||
    fail "approve --cert-for: $(cat "$WORK/approve.err")"
ID=$(echo "$TOKEN" | cut -d- -f2)
CERT="$WORK/alice-cert.pub"
assert_contains "the path is printed" "$(cat "$WORK/approve.err")" "$CERT"
ssh-keygen -L -f "$CERT" >"$WORK/L.out" || fail "ssh-keygen cannot read the certificate"
grep -q "Serial: $ID\$" "$WORK/L.out" || fail "serial is not the approval id: $(cat "$WORK/L.out")"
grep -q "alice+router1" "$WORK/L.out" || fail "principal: $(cat "$WORK/L.out")"

log "BatchMode ssh with the certificate: no token, a recorded session"
out=$(gw_batch alice alice+router1 "$CERT" 'echo cert-ok' 2>&1) || fail "BatchMode with a certificate: $out"
assert_contains "the command ran" "$out" "cert-ok"
assert_contains "the banner names the approval" "$out" "approval $ID (approval certificate)"
SID=$(last_sid)
ctl events list --json | grep -q "\"kind\":\"session_start\".*by approval certificate" ||
    fail "the session start does not say it came by certificate"
assert_eq "one use taken" 1 "$(ctl approvals list --json | python3 -c "import json,sys; print([a['uses'] for a in json.load(sys.stdin) if a['id']==$ID][0])")"
for _ in $(seq 100); do ctl recording verify "$SID" >/dev/null 2>&1 && break; sleep 0.1; done
ctl recording verify "$SID" >/dev/null || fail "the certificate session's recording does not verify"

log "sftp -b with the certificate"
printf 'hello\n' >"$WORK/up.txt"
dev_own "$DEVICE_DIR"
printf 'put %s %s/up.txt\n' "$WORK/up.txt" "$DEVICE_DIR" >"$WORK/batch"
sftp -F /dev/null -P "$GW_PORT" -i "$WORK/alice" -o CertificateFile="$CERT" -o IdentitiesOnly=yes \
    -o UserKnownHostsFile="$WORK/known_hosts" -b "$WORK/batch" alice+router1@127.0.0.1 >"$WORK/sftp.out" 2>&1 ||
    fail "sftp -b with a certificate: $(cat "$WORK/sftp.out")"
assert_eq "the file arrived" hello "$(cat "$DEVICE_DIR/up.txt")"

log "refusals, with a token's reasons"
refused_cert "certificate for router1 on router2" alice alice+router2 "$CERT" token_other_target "another target"
out=$(gw_batch alice alice+router1 "$CERT" true 2>&1) || fail "third use: $out"
refused_cert "used up" alice alice+router1 "$CERT" token_used_up "no sessions left"

# The CA key in OpenSSH's format, for stock ssh-keygen -s (python3-cryptography converts it).
python3 -c "
from cryptography.hazmat.primitives import serialization as s
k = s.load_pem_private_key(open('$CA', 'rb').read(), None)
open('$WORK/ca_openssh', 'wb').write(k.private_bytes(s.Encoding.PEM, s.PrivateFormat.OpenSSH, s.NoEncryption()))
" || fail "cannot convert the CA for ssh-keygen"
chmod 600 "$WORK/ca_openssh"
TOKEN2=$(new_token --max-sessions 5) || fail approve
ID2=$(echo "$TOKEN2" | cut -d- -f2)
stock() {	# NAME KEY_PUB [ssh-keygen -s options]: a stock certificate WORK/NAME-cert.pub
	name=$1 pub=$2; shift 2
	cp "$pub" "$WORK/$name.pub"
	ssh-keygen -q -s "$WORK/ca_openssh" -I "stock $name" "$@" "$WORK/$name.pub" || fail "ssh-keygen -s $name"
}
stock stock "$WORK/alice.pub" -n alice+router1 -z "$ID2" -V -5m:+1h
out=$(gw_batch alice alice+router1 "$WORK/stock-cert.pub" 'echo stock-ok' 2>&1) || fail "stock certificate: $out"
assert_contains "a certificate made by ssh-keygen -s logs in" "$out" "stock-ok"

stock old "$WORK/alice.pub" -n alice+router1 -z "$ID2" -V 20200101:20200102
refused_cert "outside its window" alice alice+router1 "$WORK/old-cert.pub" token_expired "expired"
stock forced "$WORK/alice.pub" -n alice+router1 -z "$ID2" -O force-command=id
refused_cert "a critical option" alice alice+router1 "$WORK/forced-cert.pub" cert_untrusted "critical options"
ssh-keygen -q -t ed25519 -N '' -f "$WORK/other_ca"
cp "$WORK/alice.pub" "$WORK/foreign.pub"
ssh-keygen -q -s "$WORK/other_ca" -I foreign -n alice+router1 -z "$ID2" "$WORK/foreign.pub"
refused_cert "another CA" alice alice+router1 "$WORK/foreign-cert.pub" cert_untrusted "not signed by this gateway"
ssh-keygen -q -t ed25519 -N '' -f "$WORK/stranger"
stock strangers "$WORK/stranger.pub" -n alice+router1 -z "$ID2"
refused_cert "a key that is not the engineer's" stranger alice+router1 "$WORK/strangers-cert.pub" key_not_authorized \
    "is not authorized"
stock bobs "$WORK/bob.pub" -n bob+router1 -z "$ID2"
refused_cert "bob's certificate for alice's approval" bob bob+router1 "$WORK/bobs-cert.pub" token_other_engineer \
    "another engineer"
ctl approvals revoke "$ID2" >/dev/null || fail revoke
refused_cert "revoked" alice alice+router1 "$WORK/stock-cert.pub" token_revoked "revoked"

log "a stale certificate and a token: the token still opens the session"
TOKEN=$(new_token) || fail approve
out=$(TOKEN=$TOKEN gw_ssh alice alice+router1 -o CertificateFile="$WORK/old-cert.pub" 'echo token-after-cert' 2>&1) ||
    fail "token after a refused certificate: $out"
assert_contains "the session ran" "$out" "token-after-cert"
assert_contains "the engineer was told about the certificate" "$out" "approval certificate refused"

log "approve refuses a key that is not the engineer's, before any approval exists"
n_before=$(ctl approvals list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
out=$(ctl approve --engineer alice --target router1 --ticket INC-C2 --level 2 --approver wang --method phone \
    --valid 1h --cert-for "$WORK/stranger.pub" 2>&1) && fail "a certificate for a stranger's key was made"
assert_contains "the error says whose key" "$out" "not one of alice's authorized keys"
assert_eq "no approval left behind" "$n_before" "$(ctl approvals list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
out=$(ctl approve --engineer alice --target router1 --ticket INC-C3 --level 2 --approver wang --method phone \
    --valid 1h --cert-key "$(cat "$WORK/alice.pub")" 2>/dev/null) || fail "approve --cert-key"
assert_eq "--cert-key: token and certificate on stdout" 2 "$(printf '%s\n' "$out" | wc -l)"
printf '%s\n' "$out" | tail -1 | grep -q '^ssh-ed25519-cert-v01@openssh.com ' || fail "--cert-key line: $out"

log "an approver over SSH: --cert-key, the certificate on stdout; --cert-for (a gateway path) refused"
python3 - "$CONFIG" <<'PY'
import sys
path = sys.argv[1]
s = open(path).read()
s = s.replace("admins:\n  - name: wang\n", "admins:\n  - name: wang\n    role: approver\n", 1)
open(path, "w").write(s)
PY
ctl reload >/dev/null || fail reload
out=$(gw_ssh mallory wang approve --engineer alice --target router1 --ticket INC-C4 --level 2 --method phone \
    --valid 1h "--cert-key '$(cat "$WORK/alice.pub")'" 2>&1) || fail "approve --cert-key over SSH: $out"
printf '%s\n' "$out" | grep '^ssh-ed25519-cert-v01@openssh.com ' >"$WORK/remote-cert.pub" ||
    fail "no certificate over SSH: $out"
out=$(gw_batch alice alice+router1 "$WORK/remote-cert.pub" 'echo remote-cert-ok' 2>&1) ||
    fail "the certificate made over SSH: $out"
assert_contains "it opens a session" "$out" "remote-cert-ok"
out=$(gw_ssh mallory wang approve --engineer alice --target router1 --ticket INC-C5 --level 2 --method phone \
    --valid 1h --cert-for /etc/passwd 2>&1) && fail "--cert-for over SSH was accepted"
assert_contains "--cert-for over SSH names the way" "$out" "--cert-key"

log "a request decided over SSH with --cert-key"
out=$(gw_ssh alice alice request --target router1 --ticket INC-C6 --level 2 --reason "'batch job'" --valid 1h 2>&1) ||
    fail "request: $out"
rid=$(printf '%s\n' "$out" | sed -n 's/^request \([0-9]*\) filed.*/\1/p')
[ -n "$rid" ] || fail "no request id: $out"
out=$(gw_ssh mallory wang requests approve "$rid" --method phone "--cert-key '$(cat "$WORK/stranger.pub")'" 2>&1) &&
    fail "requests approve made a certificate for a stranger's key"
ctl requests list --json | grep -q "\"id\":$rid,.*\"status\":\"pending\"" ||
    fail "a refused --cert-key decided the request: $(ctl requests list --json)"
out=$(gw_ssh mallory wang requests approve "$rid" --method phone "--cert-key '$(cat "$WORK/alice.pub")'" 2>&1) ||
    fail "requests approve --cert-key: $out"
printf '%s\n' "$out" | grep '^ssh-ed25519-cert-v01@openssh.com ' >"$WORK/req-cert.pub" || fail "no certificate: $out"
out=$(gw_batch alice alice+router1 "$WORK/req-cert.pub" 'echo request-cert-ok' 2>&1) || fail "request certificate: $out"
assert_contains "the request's certificate opens a session" "$out" "request-cert-ok"
done_ok
