#!/bin/bash
# The web console in a real browser (issue 16): headless Chromium driven by
# Selenium signs in with a one-time link, approves a waiting request,
# watches a running session's output appear, replays it in
# asciinema-player, sees a tampered recording flagged, records and revokes
# an approval, filters the event log, and downloads a report bundle that
# remgatectl verify accepts. Screenshots go to $REMGATE_ARTIFACTS/console.
. "$(dirname "$0")/lib.sh"
export SSH_LOG_LEVEL=ERROR
HERE=$(cd "$(dirname "$0")" && pwd)
[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] || skip "chromium and chromium-driver are not installed (scripts/install-deps)"
/usr/bin/python3 -c 'import selenium' 2>/dev/null || skip "python3-selenium is not installed (scripts/install-deps)"
setup_console

log "a session whose recording is then altered on disk"
TOKEN=$(new_token | tail -n 1)
TOKEN=$TOKEN gw_ssh alice alice+router1 'echo tamper-me; echo second-line' >/dev/null || fail "session"
TSID=$(last_sid)
python3 - "$WORK/state/recordings/$TSID.rgrec" <<'PY' || fail "cannot alter the recording"
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read())
i = b.find(b"tamper-me")
assert i > 0
b[i] ^= 0x20
open(p, "wb").write(bytes(b))
PY

log "an access request waits for a decision"
out=$(gw_ssh alice alice request --target router1 --ticket INC-77 --level 2 --reason "'link flaps'" --valid 1h 2>&1) ||
	fail "request: $out"
RID=$(printf '%s\n' "$out" | sed -n 's/^request \([0-9]*\) filed.*/\1/p')

# What the browser script runs on the shell's side: the engineer's ssh and remgatectl.
cat >"$WORK/gw" <<SH
#!/bin/bash
key=\$1; user=\$2; shift 2
exec env ASKPASS_LOG="$WORK/askpass.log" SSH_ASKPASS="$WORK/askpass" SSH_ASKPASS_REQUIRE=force DISPLAY= \
  ssh -F /dev/null -p $GW_PORT -i "$WORK/\$key" -o IdentitiesOnly=yes -o UserKnownHostsFile="$WORK/known_hosts" \
  -o StrictHostKeyChecking=accept-new -o ConnectTimeout=10 -o LogLevel=ERROR "\$user@127.0.0.1" "\$@"
SH
chmod 755 "$WORK/gw"
ARTIFACTS=${REMGATE_ARTIFACTS:-$WORK/artifacts}/console
mkdir -p "$ARTIFACTS"
link=$(console_link mallory wang)
/usr/bin/python3 "$HERE/console_browser.py" --work "$WORK" --link "$link" --request "$RID" --tampered "$TSID" \
    --ctl "$REMGATECTL" --config "$CONFIG" --artifacts "$ARTIFACTS" || fail "the browser test failed (screenshots in $ARTIFACTS)"

log "the console's actions are on record, naming wang"
ctl events list --json | python3 -c '
import json, sys
ev = json.load(sys.stdin)
def has(kind, actor, **kw):
    return any(e["kind"] == kind and (actor is None or e["actor"] == actor) and
               all(k in (e.get(f) or "") for f, k in kw.items()) for e in ev)
assert has("console_login", "console:wang"), "login"
assert has("console_view", "console:wang", detail="viewed /sessions/"), "page view"
assert has("access", "console:wang", reason="recording_export"), "replay"
assert has("access", "console:wang", reason="sessions_watch"), "live watch"
assert has("console_download", "console:wang", reason="report_bundle"), "download"
assert has("request_approved", "console:wang", detail="by wang"), [e for e in ev if e["kind"].startswith("request")]
assert has("approval_created", "console:wang") and has("approval_revoked", "console:wang"), "approvals"
' || fail "the console's events"
done_ok
