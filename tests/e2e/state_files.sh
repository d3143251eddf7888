#!/bin/bash
# What the gateway keeps is private, and it will not keep it where others
# can write: state files 0600, directories 0700, no write through a
# symlink, and no start on a group- or world-writable state_dir.
. "$(dirname "$0")/lib.sh"

setup_all
TOKEN=$(new_token) || fail approve
out=$(TOKEN=$TOKEN gw_ssh alice alice+router1 'echo hi' 2>&1) || fail "session: $out"
sid=$(last_sid)
for _ in $(seq 1 100); do ctl recording verify "$sid" >/dev/null 2>&1 && break; sleep 0.1; done
printf 'fault: "x"\ncause: "y"\nactions: "z"\nresult: restored\nprevention: "p"\n' >"$WORK/n.yaml"
ctl report create "$sid" --from "$WORK/n.yaml" --out "$WORK/bundle" >/dev/null || fail "report create"
ctl recording export "$sid" --format text -o "$WORK/cmds.log" || fail "export"

mode() { stat -c %a "$1"; }
assert_eq "state_dir" 700 "$(mode "$WORK/state")"
assert_eq "recordings/" 700 "$(mode "$WORK/state/recordings")"
for f in "$WORK"/state/*.db* "$WORK/state/recordings/$sid.rgrec" "$WORK/state/signing_ed25519.pem" \
    "$WORK/state/host_ed25519" "$WORK"/bundle/* "$WORK/cmds.log"; do
	[ -e "$f" ] || continue
	assert_eq "mode of $f" 600 "$(mode "$f")"
done
assert_eq "bundle directory" 700 "$(mode "$WORK/bundle")"
log "state files 0600, directories 0700"

# remgatectl never writes through a symlink, nor over a file.
echo precious >"$WORK/precious"
ln -s "$WORK/precious" "$WORK/link.log"
ctl recording export "$sid" --format text -o "$WORK/link.log" 2>"$WORK/err" && fail "export wrote through a symlink"
assert_eq "the symlink's target is untouched" precious "$(cat "$WORK/precious")"
ctl recording export "$sid" --format text -o "$WORK/cmds.log" 2>"$WORK/err" && fail "export overwrote a file"
assert_contains "the reason" "$(cat "$WORK/err")" "File exists"
log "no write through a symlink or over a file"

# StrictModes: a world-writable state_dir stops the daemon with a clear line.
kill "$GW_PID"; wait "$GW_PID" 2>/dev/null
chmod 777 "$WORK/state"
"$REMGATED" -c "$CONFIG" >"$WORK/strict.log" 2>&1 && fail "remgated started on a world-writable state_dir"
assert_contains "the refusal" "$(cat "$WORK/strict.log")" "group- or world-writable"
chmod 700 "$WORK/state"
log "world-writable state_dir refused"
log "reading commands create nothing: a fresh configuration's state_dir stays absent"
sed 's|state_dir: "./state"|state_dir: "./fresh-state"|' "$CONFIG" >"$WORK/fresh.yaml"
for cmd in "sessions list" "approvals list" "events list" "report list" "keys show"; do
	# shellcheck disable=SC2086
	out=$("$REMGATECTL" -c "$WORK/fresh.yaml" $cmd 2>&1) && fail "$cmd succeeded without a store"
	assert_contains "$cmd without a store" "$out" "no store here yet"
done
[ ! -e "$WORK/fresh-state" ] || fail "a reading command created $(ls -R "$WORK/fresh-state")"
out=$(ctl sessions list) || fail "sessions list on the real store: $out"
done_ok
