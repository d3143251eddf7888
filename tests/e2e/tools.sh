#!/bin/bash
# rsync and git through the gateway (issue 14): their execs are classified
# as reads or writes, the target's transfers policy and the approval's phase
# apply (a diagnose approval or a read-only target never receives files),
# and each is a row in `transfers list` (what ran, bytes each way).
. "$(dirname "$0")/lib.sh"
command -v rsync >/dev/null || skip "rsync is not installed (scripts/install-deps installs it)"
command -v git >/dev/null || skip "git is not installed (scripts/install-deps installs it)"
export SSH_LOG_LEVEL=ERROR
start_target
write_config
cat >>"$CONFIG" <<CFG
  - name: ro1
    address: "127.0.0.1:$TARGET_PORT"
    user: $TARGET_USER
    identity_file: "./state/ro1_ed25519"
    host_key: "$TARGET_FP"
    transfers: read-only
CFG
for t in router1 ro1; do
	ctl targets pubkey "$t" >>"$WORK/target_authorized_keys" || fail "targets pubkey $t"
done
start_gateway
mkdir -p "$DEVICE_DIR"
dev_own "$DEVICE_DIR"
# The ssh that rsync and git run: the stock client through the gateway, token by askpass.
cat >"$WORK/gwssh" <<SH
#!/bin/sh
exec env ASKPASS_LOG="$WORK/askpass.log" SSH_ASKPASS="$WORK/askpass" SSH_ASKPASS_REQUIRE=force DISPLAY= \\
    ssh -F /dev/null -p "$GW_PORT" -i "$WORK/alice" -o IdentitiesOnly=yes -o UserKnownHostsFile="$WORK/known_hosts" \\
    -o StrictHostKeyChecking=accept-new -o LogLevel=ERROR "\$@"
SH
chmod +x "$WORK/gwssh"
head -c 200000 /dev/urandom >"$WORK/payload.bin"
rows() {	# SESSION: its transfer rows as "protocol op status"
	ctl transfers list "$1" --json | python3 -c '
import json, sys
for t in json.load(sys.stdin): print(t["protocol"], t["op"], t["status"], t["bytes_written"], t["bytes_read"])'
}

log "implement: rsync writes, and the transfer is on record"
export TOKEN=$(new_token --phase implement --max-sessions 20) || fail approve
rsync -e "$WORK/gwssh" "$WORK/payload.bin" "alice+router1@127.0.0.1:$DEVICE_DIR/up.bin" 2>"$WORK/rsync.err" ||
	fail "rsync upload: $(cat "$WORK/rsync.err")"
cmp -s "$WORK/payload.bin" "$DEVICE_DIR/up.bin" || fail "the uploaded file differs"
row=$(rows "$(last_sid)")
case "$row" in "rsync upload OK "*) ;; *) fail "no rsync upload row: $row" ;; esac
[ "$(echo "$row" | cut -d' ' -f4)" -gt 100000 ] || fail "the row does not count the bytes written: $row"

log "diagnose: rsync reads, never writes"
export TOKEN=$(new_token --max-sessions 20) || fail approve
rsync -e "$WORK/gwssh" "alice+router1@127.0.0.1:$DEVICE_DIR/up.bin" "$WORK/down.bin" 2>"$WORK/rsync.err" ||
	fail "rsync download on diagnose: $(cat "$WORK/rsync.err")"
cmp -s "$WORK/payload.bin" "$WORK/down.bin" || fail "the downloaded file differs"
out=$(rsync -e "$WORK/gwssh" "$WORK/payload.bin" "alice+router1@127.0.0.1:$DEVICE_DIR/diag.bin" 2>&1) &&
	fail "rsync upload on diagnose succeeded"
assert_contains "rsync upload on diagnose" "$out" "needs an implement approval"
[ ! -e "$DEVICE_DIR/diag.bin" ] || fail "the refused rsync wrote the file"

log "a read-only target: rsync upload refused even on implement"
export TOKEN=$(TARGET=ro1 new_token --phase implement --max-sessions 20) || fail approve
out=$(rsync -e "$WORK/gwssh" "$WORK/payload.bin" "alice+ro1@127.0.0.1:$DEVICE_DIR/ro.bin" 2>&1) &&
	fail "rsync upload to a read-only target succeeded"
assert_contains "read-only" "$out" "read-only"
[ ! -e "$DEVICE_DIR/ro.bin" ] || fail "the refused rsync wrote the file"

log "git: push is a write (implement only), fetch a read"
REPO="$DEVICE_DIR/repo.git"
git init -q --bare "$REPO" && dev_own "$REPO"
git init -q "$WORK/work" && (cd "$WORK/work" && git -c user.name=t -c user.email=t@t commit -q --allow-empty -m one) ||
	fail "a local repository"
export GIT_SSH_COMMAND="$WORK/gwssh"
export TOKEN=$(new_token --max-sessions 20) || fail approve
out=$(cd "$WORK/work" && git push -q "alice+router1@127.0.0.1:$REPO" HEAD:refs/heads/main 2>&1) &&
	fail "git push on diagnose succeeded"
assert_contains "git push on diagnose" "$out" "needs an implement approval"
export TOKEN=$(new_token --phase implement --max-sessions 20) || fail approve
(cd "$WORK/work" && git push -q "alice+router1@127.0.0.1:$REPO" HEAD:refs/heads/main) || fail "git push on implement"
row=$(rows "$(last_sid)")
case "$row" in "git upload OK "*) ;; *) fail "no git upload row: $row" ;; esac
export TOKEN=$(new_token --max-sessions 20) || fail approve
git clone -q "alice+router1@127.0.0.1:$REPO" "$WORK/clone" || fail "git clone on diagnose"
row=$(rows "$(last_sid)")
case "$row" in "git download OK "*) ;; *) fail "no git download row: $row" ;; esac

log "a tool in a form the gateway cannot classify is refused"
out=$("$WORK/gwssh" alice+router1@127.0.0.1 "cd /tmp && rsync --server . x" 2>&1) && fail "rsync in shell syntax ran"
assert_contains "unparsed" "$out" "does not audit"

log "tar over ssh: extract is a write, create a read"
mkdir -p "$WORK/tree/sub" && printf 'a\n' >"$WORK/tree/a.txt" && printf 'b\n' >"$WORK/tree/sub/b.txt"
mkdir -p "$DEVICE_DIR/untar" && dev_own "$DEVICE_DIR/untar"
export TOKEN=$(new_token --max-sessions 20) || fail approve
out=$(tar cf - -C "$WORK/tree" . | "$WORK/gwssh" alice+router1@127.0.0.1 "tar xf - -C $DEVICE_DIR/untar" 2>&1) &&
	fail "tar extract on diagnose succeeded"
assert_contains "tar x on diagnose" "$out" "needs an implement approval"
[ ! -e "$DEVICE_DIR/untar/a.txt" ] || fail "the refused tar wrote files"
export TOKEN=$(new_token --phase implement --max-sessions 20) || fail approve
tar cf - -C "$WORK/tree" . | "$WORK/gwssh" alice+router1@127.0.0.1 "tar xf - -C $DEVICE_DIR/untar" 2>"$WORK/tar.err" ||
	fail "tar extract on implement: $(cat "$WORK/tar.err")"
assert_eq "the tree arrived" b "$(cat "$DEVICE_DIR/untar/sub/b.txt")"
row=$(rows "$(last_sid)")
case "$row" in "tar upload OK "*) ;; *) fail "no tar upload row: $row" ;; esac
export TOKEN=$(new_token --max-sessions 20) || fail approve
"$WORK/gwssh" alice+router1@127.0.0.1 "tar cf - -C $DEVICE_DIR/untar ." 2>"$WORK/tar.err" | tar tf - >"$WORK/list" ||
	fail "tar create: $(cat "$WORK/tar.err")"
grep -q 'sub/b.txt' "$WORK/list" || fail "the archive lacks a file: $(cat "$WORK/list")"
row=$(rows "$(last_sid)")
case "$row" in "tar download OK "*) ;; *) fail "no tar download row: $row" ;; esac
export TOKEN=$(TARGET=ro1 new_token --phase implement --max-sessions 20) || fail approve
out=$(tar cf - -C "$WORK/tree" . | "$WORK/gwssh" alice+ro1@127.0.0.1 "tar xf - -C $DEVICE_DIR/untar" 2>&1) &&
	fail "tar extract to a read-only target succeeded"
assert_contains "tar x to read-only" "$out" "read-only"
done_ok
