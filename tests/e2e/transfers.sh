#!/bin/bash
# File transfer through the gateway with the stock clients: sftp, scp in
# its default SFTP mode and scp -O (legacy), files from 0 bytes to 1 GiB and
# a directory tree, hashes compared at both ends and in the audit rows;
# rename, rm, mkdir, ls, resume; a read-only and a transfers-off target;
# malformed SFTP from either side ends the channel with an event.
. "$(dirname "$0")/lib.sh"

setup_all
# Two more names for the same device, with transfer policies.
cat >>"$CONFIG" <<CFG
  - name: ro1
    address: "127.0.0.1:$TARGET_PORT"
    user: $TARGET_USER
    identity_file: "./state/ro1_ed25519"
    host_key: "$TARGET_FP"
    transfers: read-only
  - name: noxfer
    address: "127.0.0.1:$TARGET_PORT"
    user: $TARGET_USER
    identity_file: "./state/noxfer_ed25519"
    host_key: "$TARGET_FP"
    transfers: off
CFG
for t in ro1 noxfer; do
	ctl targets pubkey "$t" >>"$WORK/target_authorized_keys" || fail "targets pubkey $t"
done
kill -HUP "$GW_PID"
sleep 0.5
TOKEN=$(new_token --phase implement --max-sessions 100) || fail approve
export TOKEN
GW=alice+router1@127.0.0.1
R="$DEVICE_DIR/remote"	# the device's side (same machine, another directory)
L="$WORK/local"
mkdir -p "$R" "$L"
dev_own "$R"
sha() { sha256sum "$1" | cut -d' ' -f1; }
# transfers of the last session as "op path bytes_read bytes_written sha256 status" lines
rows() {
	ctl transfers list "$1" --json | python3 -c '
import json, sys
for t in json.load(sys.stdin):
    print(t["op"], t["path"], t["bytes_read"], t["bytes_written"], t["sha256"], t["status"], t["by_gateway"])'
}

if [ -n "${REMGATE_SANITIZED:-}" ]; then BIG_MB=64; else BIG_MB=1024; fi
log "files of 0 B, 1 B, 1 MiB + 1, and $BIG_MB MiB"
: >"$L/empty.bin"
printf x >"$L/one.bin"
head -c 1048577 /dev/urandom >"$L/mid.bin"
head -c $((BIG_MB * 1048576)) /dev/urandom >"$L/big.bin"

log "sftp put and get, with the gateway's memory watched"
cat >"$WORK/batch" <<B
put $L/empty.bin $R/empty.bin
put $L/one.bin $R/one.bin
put $L/mid.bin $R/mid.bin
put $L/big.bin $R/big.bin
get $R/big.bin $L/big.back
get $R/mid.bin $L/mid.back
get $R/empty.bin $L/empty.back
B
gw_sftp alice alice+router1 -b "$WORK/batch" >"$WORK/sftp.out" 2>&1 &
SFTP=$!
PEAK=$(watch_rss "$SFTP")
wait "$SFTP" || fail "sftp batch failed: $(cat "$WORK/sftp.out")"
SID=$(last_sid)
BIG_SID=$SID
for f in empty one mid big; do
	assert_eq "$f uploaded intact" "$(sha "$L/$f.bin")" "$(sha "$R/$f.bin")"
done
for f in empty mid big; do
	assert_eq "$f downloaded intact" "$(sha "$L/$f.bin")" "$(sha "$L/$f.back")"
done
log "session process peak RSS over a $BIG_MB MiB each way: $((PEAK / 1024)) MiB"
if [ -z "${REMGATE_SANITIZED:-}" ] && [ "$PEAK" -gt $((32 * 1024)) ]; then
	fail "the session process grew to $((PEAK / 1024)) MiB"
fi
rows "$SID" >"$WORK/rows"
grep -qx "close $R/big.bin 0 $((BIG_MB * 1048576)) $(sha "$L/big.bin") OK False" "$WORK/rows" ||
    fail "no close row for the big upload with its hash: $(cat "$WORK/rows")"
grep -qx "close $R/big.bin $((BIG_MB * 1048576)) 0 $(sha "$L/big.bin") OK False" "$WORK/rows" ||
    fail "no close row for the big download with its hash: $(cat "$WORK/rows")"
grep -qx "close $R/empty.bin 0 0 $(sha "$L/empty.bin") OK False" "$WORK/rows" ||
    fail "no close row for the empty file: $(cat "$WORK/rows")"
grep -qx "open $R/mid.bin None None None OK False" "$WORK/rows" || fail "no open row: $(cat "$WORK/rows")"
assert_eq "kind of session" sftp "$(ctl sessions list --json | python3 -c '
import json, sys
print(*[s["kind"] for s in json.load(sys.stdin) if s["id"] == sys.argv[1]])' "$SID")"
ctl commands list "$SID" | grep -q "transfer.*sftp close $R/big.bin (write,create,truncate), $((BIG_MB * 1048576)) bytes written, sha256 $(sha "$L/big.bin"): OK" ||
    fail "the command list lacks the upload: $(ctl commands list "$SID")"
ctl recording verify "$SID" >/dev/null || fail "the sftp session's recording does not verify"
python3 "$(dirname "$0")/read_recording.py" "$WORK/state/recordings/$SID.rgrec" types | grep -qw 31 ||
    fail "the recording has no transfer records"

log "rename, mkdir, ls, rm, rmdir, symlink, chmod"
cat >"$WORK/batch" <<B
mkdir $R/d
rename $R/one.bin $R/d/one.moved
ls -l $R/d
chmod 600 $R/d/one.moved
symlink $R/d/one.moved $R/d/link
rm $R/d/link
rm $R/d/one.moved
rmdir $R/d
B
gw_sftp alice alice+router1 -b "$WORK/batch" >"$WORK/sftp.out" 2>&1 || fail "sftp batch 2: $(cat "$WORK/sftp.out")"
grep -q "one.moved" "$WORK/sftp.out" || fail "ls did not list the moved file: $(cat "$WORK/sftp.out")"
[ -e "$R/d" ] && fail "rmdir did not remove $R/d"
SID=$(last_sid)
rows "$SID" >"$WORK/rows"
for want in "mkdir $R/d" "rename $R/one.bin" "opendir $R/d" "setstat $R/d/one.moved" "symlink" "remove $R/d/link" \
    "remove $R/d/one.moved" "rmdir $R/d"; do
	grep -q "^$want.* OK False$" "$WORK/rows" || fail "no '$want' row: $(cat "$WORK/rows")"
done
out=$(ctl recording play "$SID") || fail "recording play of an sftp session"
assert_contains "play shows the operations, not SFTP bytes" "$out" '"op":"rename"'
out=$(ctl recording export "$SID" --format asciicast 2>&1) && fail "an sftp session exported as a terminal cast"
assert_contains "asciicast refusal" "$out" "file transfer session"
ctl transfers list "$SID" --json | python3 -c '
import json, sys
t = [r for r in json.load(sys.stdin) if r["op"] == "rename"][0]
assert t["path2"].endswith("/d/one.moved"), t' || fail "rename's second path is not recorded"

log "failed operations are recorded with the device's status"
printf -- '-rm %s/nosuch\n-put %s/mid.bin %s/nodir/x\n' "$R" "$L" "$R" >"$WORK/batch"
gw_sftp alice alice+router1 -b "$WORK/batch" >/dev/null 2>&1
rows "$(last_sid)" >"$WORK/rows"
grep -qx "remove $R/nosuch None None None NO_SUCH_FILE False" "$WORK/rows" || fail "no failed remove row: $(cat "$WORK/rows")"
grep -qx "open $R/nodir/x None None None NO_SUCH_FILE False" "$WORK/rows" || fail "no failed open row: $(cat "$WORK/rows")"

log "resume: reput and reget"
head -c 3000000 /dev/urandom >"$L/resume.bin"
head -c 1000000 "$L/resume.bin" >"$R/resume.bin"
head -c 500000 "$L/resume.bin" >"$L/resume.back"
cp "$L/resume.bin" "$R/resume.full"
dev_own "$R"
printf 'reput %s/resume.bin %s/resume.bin\nreget %s/resume.full %s/resume.back\n' "$L" "$R" "$R" "$L" >"$WORK/batch"
gw_sftp alice alice+router1 -b "$WORK/batch" >"$WORK/sftp.out" 2>&1 || fail "reput/reget: $(cat "$WORK/sftp.out")"
assert_eq "reput completes the file" "$(sha "$L/resume.bin")" "$(sha "$R/resume.bin")"
assert_eq "reget completes the file" "$(sha "$L/resume.bin")" "$(sha "$L/resume.back")"
rows "$(last_sid)" >"$WORK/rows"
grep -qx "close $R/resume.bin 0 2000000 None OK False" "$WORK/rows" ||
    fail "a resumed upload is recorded with its bytes and without a whole-file hash: $(cat "$WORK/rows")"

log "a directory tree, recursively, with sftp, scp and scp -O"
mkdir -p "$L/tree/a/b" "$L/tree/c"
for f in tree/top.txt tree/a/one.bin tree/a/b/two.bin tree/c/three.bin; do head -c $((RANDOM * 10)) /dev/urandom >"$L/$f"; done
: >"$L/tree/c/empty"
printf 'put -r %s/tree %s/tree_sftp\nget -r %s/tree_sftp %s/tree_sftp_back\n' "$L" "$R" "$R" "$L" >"$WORK/batch"
gw_sftp alice alice+router1 -b "$WORK/batch" >"$WORK/sftp.out" 2>&1 || fail "sftp -r: $(cat "$WORK/sftp.out")"
gw_scp alice -r "$L/tree" "$GW:$R/tree_scp" || fail "scp -r up"
gw_scp alice -r "$GW:$R/tree_scp" "$L/tree_scp_back" || fail "scp -r down"
mkdir "$R/tree_legacy"	# an existing directory: the tree goes into it
dev_own "$R/tree_legacy"
gw_scp alice -O -r "$L/tree" "$GW:$R/tree_legacy" || fail "scp -O -r up"
gw_scp alice -O -r "$GW:$R/tree_legacy/tree" "$L/tree_legacy_back" || fail "scp -O -r down"
tree_sums() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum); }
for t in "$R/tree_sftp" "$L/tree_sftp_back" "$R/tree_scp" "$L/tree_scp_back" "$R/tree_legacy/tree" "$L/tree_legacy_back"; do
	[ "$(tree_sums "$L/tree")" = "$(tree_sums "$t")" ] || fail "$t differs from the source tree"
done
LEGACY_UP=$(ctl sessions list --json | python3 -c 'import json,sys; print([s["id"] for s in json.load(sys.stdin) if "-t" in (s["command"] or "") and "-r" in (s["command"] or "")][0])')
rows "$LEGACY_UP" >"$WORK/rows"
assert_eq "scp -O -r: one row per file" 5 "$(grep -c '^upload ' "$WORK/rows")"
grep -qx "upload $R/tree_legacy/tree/a/b/two.bin None $(stat -c %s "$L/tree/a/b/two.bin") $(sha "$L/tree/a/b/two.bin") OK False" "$WORK/rows" ||
    fail "scp -O row for a nested file: $(cat "$WORK/rows")"
LEGACY_DOWN=$(ctl sessions list --json | python3 -c 'import json,sys; print([s["id"] for s in json.load(sys.stdin) if "-f" in (s["command"] or "") and "-r" in (s["command"] or "")][0])')
rows "$LEGACY_DOWN" | grep -qx "download $R/tree_legacy/tree/a/b/two.bin $(stat -c %s "$L/tree/a/b/two.bin") None $(sha "$L/tree/a/b/two.bin") OK False" ||
    fail "scp -O download row for a nested file: $(rows "$LEGACY_DOWN")"

log "scp in both modes, single files: the audit hash is the file's"
gw_scp alice "$L/mid.bin" "$GW:$R/scp_sftp_mode.bin" || fail "scp up"
rows "$(last_sid)" | grep -qx "close $R/scp_sftp_mode.bin 0 1048577 $(sha "$L/mid.bin") OK False" || fail "scp (SFTP mode) row"
gw_scp alice -O "$L/mid.bin" "$GW:$R/scp_legacy.bin" || fail "scp -O up"
rows "$(last_sid)" | grep -qx "upload $R/scp_legacy.bin None 1048577 $(sha "$L/mid.bin") OK False" || fail "scp -O up row: $(rows "$(last_sid)")"
gw_scp alice -O "$GW:$R/scp_legacy.bin" "$L/scp_legacy.back" || fail "scp -O down"
rows "$(last_sid)" | grep -qx "download $R/scp_legacy.bin 1048577 None $(sha "$L/mid.bin") OK False" || fail "scp -O down row: $(rows "$(last_sid)")"
assert_eq "scp -O down intact" "$(sha "$L/mid.bin")" "$(sha "$L/scp_legacy.back")"
out=$(gw_scp alice -O "$GW:$R/nosuch" "$L/x" 2>&1) && fail "scp -O of a missing file succeeded"
rows "$(last_sid)" | grep -q "^error $R/nosuch .* FAILED False$" || fail "scp -O error row: $(rows "$(last_sid)")"

log "a read-only target: downloads pass, uploads and changes are refused"
RO=alice+ro1@127.0.0.1
TOKEN=$(TARGET=ro1 new_token --max-sessions 20) || fail "approve ro1"
gw_scp alice "$RO:$R/mid.bin" "$L/ro.back" || fail "a download from a read-only target failed"
assert_eq "read-only download intact" "$(sha "$L/mid.bin")" "$(sha "$L/ro.back")"
out=$(gw_scp alice "$L/mid.bin" "$RO:$R/ro_upload.bin" 2>&1) && fail "an upload to a read-only target succeeded"
assert_contains "sftp-mode scp refusal" "$out" "read-only"
[ -e "$R/ro_upload.bin" ] && fail "the refused upload created the file"
rows "$(last_sid)" | grep -q "^open $R/ro_upload.bin None None None PERMISSION_DENIED True$" ||
    fail "no refused-open row: $(rows "$(last_sid)")"
printf -- '-mkdir %s/ro_dir\n-rm %s/mid.bin\n-rename %s/mid.bin %s/x\n' "$R" "$R" "$R" "$R" >"$WORK/batch"
gw_sftp alice alice+ro1 -b "$WORK/batch" >"$WORK/sftp.out" 2>&1
rows "$(last_sid)" >"$WORK/rows"
for op in mkdir remove rename; do
	grep -q "^$op .* PERMISSION_DENIED True$" "$WORK/rows" || fail "no refused $op row: $(cat "$WORK/rows")"
done
[ -e "$R/ro_dir" ] || [ ! -e "$R/mid.bin" ] && fail "a refused change reached the device"
assert_contains "the client is told" "$(cat "$WORK/sftp.out")" "read-only"
out=$(gw_scp alice -O "$L/mid.bin" "$RO:$R/ro_legacy.bin" 2>&1) && fail "scp -O upload to a read-only target succeeded"
assert_contains "scp -O refusal" "$out" "read-only"
gw_scp alice -O "$RO:$R/mid.bin" "$L/ro_legacy.back" || fail "scp -O download from a read-only target"
n=$(ctl events list --json | python3 -c 'import json,sys; print(sum(1 for e in json.load(sys.stdin) if e["kind"] in ("transfer_refused", "request_refused") and e["target"] == "ro1"))')
[ "$n" -ge 3 ] || fail "refusals on ro1 are not all events ($n)"

log "a target with transfers off"
TOKEN=$(TARGET=noxfer new_token --max-sessions 20) || fail "approve noxfer"
out=$(gw_scp alice "alice+noxfer@127.0.0.1:$R/mid.bin" "$L/x" 2>&1) && fail "sftp on a transfers-off target succeeded"
assert_contains "sftp refusal" "$out" "off"
out=$(gw_scp alice -O "alice+noxfer@127.0.0.1:$R/mid.bin" "$L/x" 2>&1) && fail "scp -O on a transfers-off target succeeded"
ctl events list --json | python3 -c 'import json,sys; assert any(e["reason"] == "transfers_off" for e in json.load(sys.stdin))' ||
    fail "no transfers_off event"
gw_ssh alice alice+noxfer 'echo shell-ok' | grep -q shell-ok ||
    fail "transfers off must not stop commands"

log "a diagnose approval: downloads pass, every upload and change is refused"
TOKEN=$(new_token --max-sessions 20) || fail "approve diagnose"
gw_scp alice "alice+router1@127.0.0.1:$R/mid.bin" "$L/diag.back" || fail "a download on a diagnose approval failed"
out=$(gw_scp alice "$L/mid.bin" "alice+router1@127.0.0.1:$R/diag_upload.bin" 2>&1) && fail "an sftp-mode upload on diagnose succeeded"
assert_contains "sftp upload on diagnose" "$out" "needs an implement approval"
[ -e "$R/diag_upload.bin" ] && fail "the refused upload created the file"
out=$(gw_scp alice -O "$L/mid.bin" "alice+router1@127.0.0.1:$R/diag_legacy.bin" 2>&1) && fail "scp -O upload on diagnose succeeded"
assert_contains "scp -O upload on diagnose" "$out" "needs an implement approval"
[ -e "$R/diag_legacy.bin" ] && fail "the refused scp -O upload created the file"
printf -- '-mkdir %s/diag_dir\n-rm %s/mid.bin\n' "$R" "$R" >"$WORK/batch"
gw_sftp alice alice+router1 -b "$WORK/batch" >"$WORK/sftp.out" 2>&1
[ -e "$R/diag_dir" ] || [ ! -e "$R/mid.bin" ] && fail "a change on a diagnose approval reached the device"

log "malformed SFTP from the client ends the channel with an event"
TOKEN=$(new_token --phase implement --max-sessions 20) || fail approve
export TOKEN
bad_client() {	# NAME BYTES(python expr): send them as an sftp client would
	python3 -c "import sys; sys.stdout.buffer.write($2)" >"$WORK/bad.bin"
	out=$(gw_ssh alice alice+router1 -s sftp <"$WORK/bad.bin" 2>&1 >/dev/null)
	assert_contains "$1: the engineer is told" "$out" "malformed SFTP packet from the client"
	ctl events list --json | python3 -c '
import json, sys
e = [e for e in json.load(sys.stdin) if e["kind"] == "protocol_error"][-1]
assert e["reason"] == "sftp_malformed", e
print(e["detail"])' >"$WORK/ev" || fail "$1: no protocol_error event"
	log "$1: $(cat "$WORK/ev")"
}
INIT='b"\x00\x00\x00\x05\x01\x00\x00\x00\x03"'
bad_client "absurd length" "$INIT"' + b"\xff\xff\xff\xff\x03"'
assert_contains "absurd length detail" "$(cat "$WORK/ev")" "4294967295"
bad_client "zero length" "$INIT"' + b"\x00\x00\x00\x00"'
bad_client "a field overrunning its packet" "$INIT"' + b"\x00\x00\x00\x0d\x03\x00\x00\x00\x01\x00\x00\x10\x00/tmp"'
assert_contains "overrun detail" "$(cat "$WORK/ev")" "overrun"
bad_client "a packet cut off by EOF" "$INIT"' + b"\x00\x00\x00\x40\x03\x00\x00\x00\x01"'
assert_contains "cut off detail" "$(cat "$WORK/ev")" "cut off by EOF"

log "malformed SFTP from the device too"
mkdir -p "$WORK/bin"
printf '#!/bin/sh\nhead -c 9 >/dev/null\nprintf "\\000\\000\\000\\005\\002\\000\\000\\000\\003"\nprintf "\\377\\377\\377\\377"\nsleep 1\n' >"$WORK/bin/sftp-server"
chmod 755 "$WORK/bin/sftp-server"
python3 -c "import sys; sys.stdout.buffer.write($INIT)" >"$WORK/init.bin"
out=$(gw_ssh alice alice+router1 "$WORK/bin/sftp-server" <"$WORK/init.bin" 2>&1 >/dev/null)
assert_contains "device side" "$out" "malformed SFTP packet from the device"
ps -o pid= -p "$GW_PID" >/dev/null || fail "the gateway died"

log "a report over a transfer session lists the files, and its command log is text"
printf 'fault: "patch needed"\ncause: "bug 4711"\nactions: "uploaded the patch"\nresult: repaired\nprevention: "update"\n' >"$WORK/n.yaml"
ctl report create "$BIG_SID" --from "$WORK/n.yaml" --out "$WORK/report" >/dev/null || fail "report over an sftp session"
grep -q "sftp close $R/big.bin (write,create,truncate), $((BIG_MB * 1048576)) bytes written, sha256 $(sha "$L/big.bin"): OK" \
    "$WORK/report/report.md" || fail "report.md does not list the upload"
grep -q '"op":"close"' "$WORK/report/commands.log" || fail "commands.log does not show the transfers"
[ "$(stat -c %s "$WORK/report/commands.log")" -lt 20000 ] || fail "commands.log holds the SFTP bytes"
ctl verify "$WORK/report" >/dev/null || fail "the report over an sftp session does not verify"

log "transfers list for everything"
ctl transfers list >"$WORK/all" || fail "transfers list"
assert_contains "transfers list" "$(cat "$WORK/all")" "$(sha "$L/big.bin" | cut -c1-12)"
log "$(head -n 4 "$WORK/all")"
log "OK"
