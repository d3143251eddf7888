#!/bin/bash
# The gateway offers engineers only sound algorithms (ssh-audit finds no
# failure: no NIST curves, no encrypt-and-MAC, Ed25519 host key, no library
# version in the banner), still serves stock OpenSSH, and a target's own
# algorithm list is checked at load.
. "$(dirname "$0")/lib.sh"

command -v ssh-audit >/dev/null || skip "ssh-audit is not installed (scripts/install-deps installs it)"
setup_all
timeout 120 ssh-audit -n -p "$GW_PORT" 127.0.0.1 >"$WORK/audit.out" 2>&1
log "$(grep -cE '^\((kex|key|enc|mac)\)' "$WORK/audit.out") algorithms listed"
grep -E '\[fail\]' "$WORK/audit.out" && fail "ssh-audit reports a failure"
grep -q 'banner: SSH-2.0-remgate$' "$WORK/audit.out" || fail "the banner names the library: $(grep banner "$WORK/audit.out")"
for bad in ecdh-sha2-nistp256 hmac-sha2-256$ diffie-hellman-group-exchange; do
	grep -qE "^\((kex|mac)\) $bad" "$WORK/audit.out" && fail "offered: $bad"
done
TOKEN=$(new_token) || fail approve
out=$(TOKEN=$TOKEN gw_ssh alice alice+router1 'echo algorithms-ok' 2>&1) || fail "stock ssh: $out"
assert_contains "stock ssh still gets in" "$out" "algorithms-ok"

# A target's own list: checked when the configuration is read.
cp "$CONFIG" "$WORK/bad.yaml"
printf '    kex: "no-such-kex"\n' >>"$WORK/bad.yaml"
out=$("$REMGATED" --check -c "$WORK/bad.yaml" 2>&1) && fail "an unknown kex is accepted"
assert_contains "the error names the key" "$out" "'kex': this libssh supports none of \"no-such-kex\""
cp "$CONFIG" "$WORK/wide.yaml"
printf '    kex: "curve25519-sha256,diffie-hellman-group14-sha256"\n    macs: "hmac-sha2-256-etm@openssh.com,hmac-sha2-256"\n' >>"$WORK/wide.yaml"
"$REMGATED" --check -c "$WORK/wide.yaml" >/dev/null || fail "a widened device side is refused"
done_ok
