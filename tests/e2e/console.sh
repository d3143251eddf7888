#!/bin/bash
# The web console's security, with curl (issue 16): TLS only; no page or
# API without a session; a login link works once, for one admin, before it
# expires; cookies are HttpOnly, Secure, SameSite=Strict; a change needs
# the session's CSRF token (and this origin); an auditor cannot decide;
# idle and absolute timeouts and logout end a session; the JSON is the
# CLI's; kills and bundle downloads work and are on record naming the
# admin; and the process serving HTTP holds no signing key.
. "$(dirname "$0")/lib.sh"
export SSH_LOG_LEVEL=ERROR
setup_console
DB="$WORK/state/remgate.db"

# curl against the console: -k because the certificate is the self-signed one
# (its fingerprint is checked below); the status code on the last line.
c() { curl -sk --max-time 30 -w '\n%{http_code}' "$@"; }
code() { printf '%s\n' "$1" | tail -n 1; }
body() { printf '%s\n' "$1" | sed '$d'; }
secret_of() { printf '%s\n' "${1#*t=}"; }
sha() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
jf() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

log "TLS only: plain HTTP on the console's port gets no answer"
out=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$CONSOLE_PORT/" 2>&1); rc=$?
[ "$rc" != 0 ] || fail "plain http was answered: $out"
assert_eq "plain http status" "000" "$out"

log "the self-signed certificate is the one made on first start, its fingerprint in the log"
[ "$(stat -c %a "$WORK/state/console_key.pem")" = 600 ] || fail "console_key.pem is not 0600"
fp=$(openssl x509 -in "$WORK/state/console_cert.pem" -noout -fingerprint -sha256 | cut -d= -f2)
served=$(openssl s_client -connect "127.0.0.1:$CONSOLE_PORT" </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256 | cut -d= -f2)
assert_eq "served certificate" "$fp" "$served"
grep -q "event=console_listening .*certificate=SHA256:$fp" "$WORK/gateway.log" || fail "the fingerprint is not in the log"
openssl x509 -in "$WORK/state/console_cert.pem" -noout -ext subjectAltName | grep -q "IP Address:127.0.0.1" ||
	fail "the certificate does not name 127.0.0.1"

log "no page and no API without a session"
for p in / /approvals /sessions /tickets /reports /events /sessions/0123456789abcdef /api/me /api/sessions \
    /api/approvals /api/events /api/reports/1/bundle; do
	r=$(c "$CONSOLE$p")
	assert_eq "GET $p without a session" 401 "$(code "$r")"
done
r=$(c -b "remgate_session=$(openssl rand -hex 32)" "$CONSOLE/api/me")
assert_eq "a made-up cookie" 401 "$(code "$r")"
r=$(c -X POST -d 'engineer=alice' "$CONSOLE/api/approvals")
assert_eq "POST without a session" 401 "$(code "$r")"
r=$(c "$CONSOLE/static/console.js")
assert_eq "the static files need no session" 200 "$(code "$r")"

log "a login link: a page with one button; the POST signs in, once"
link=$(console_link mallory wang)
assert_contains "the link" "$link" "$CONSOLE/login?t="
t1=$(secret_of "$link")
r=$(c "$link")
assert_eq "GET the link" 200 "$(code "$r")"
assert_contains "the sign-in form" "$r" 'id="signin"'
[ "$(event_count console_login link)" = 0 ] || fail "GET alone signed in"
hdr=$(curl -sk -D - -o /dev/null -c "$WORK/wang.jar" -d "t=$t1" "$CONSOLE/login")
assert_contains "303 to /" "$hdr" "303"
cookie=$(printf '%s\n' "$hdr" | grep -i '^set-cookie:')
for attr in HttpOnly Secure SameSite=Strict Path=/; do
	assert_contains "cookie attribute $attr" "$cookie" "$attr"
done
me=$(curl -sk -b "$WORK/wang.jar" "$CONSOLE/api/me")
assert_eq "the link's admin" wang "$(printf '%s' "$me" | jf "['admin']")"
assert_eq "wang's role" approver "$(printf '%s' "$me" | jf "['role']")"
CSRF=$(printf '%s' "$me" | jf "['csrf']")
sqlite3 "$DB" .dump | grep -q "$t1" && fail "the link's secret is in the store"
sqlite3 "$DB" "SELECT count(*) FROM console_logins WHERE token_hash = '$(sha "$t1")'" | grep -qx 1 ||
	fail "the store does not keep the link's hash"

log "a used link is refused"
r=$(c -d "t=$t1" "$CONSOLE/login")
assert_eq "the link again" 403 "$(code "$r")"
assert_contains "said so" "$r" "used already"
[ "$(event_count console_login_refused used)" = 1 ] || fail "no console_login_refused used event"

log "an expired link is refused"
t2=$(secret_of "$(console_link mallory wang)")
sqlite3 "$DB" "UPDATE console_logins SET expires_at = 1 WHERE token_hash = '$(sha "$t2")'" || fail sqlite3
r=$(c -d "t=$t2" "$CONSOLE/login")
assert_eq "expired link" 403 "$(code "$r")"
assert_contains "said so" "$r" "has expired"
r=$(c -d "t=$(openssl rand -hex 32)" "$CONSOLE/login")
assert_eq "unknown link" 403 "$(code "$r")"
r=$(c -d "t=../../etc/passwd" "$CONSOLE/login")
assert_eq "not a link" 400 "$(code "$r")"
r=$(c -H "Origin: https://evil.example" -d "t=$(secret_of "$(console_link mallory wang)")" "$CONSOLE/login")
assert_eq "a sign-in posted from another site" 403 "$(code "$r")"

log "the console's JSON is the CLI's --json"
TOKEN=$(new_token | tail -n 1)
TOKEN=$TOKEN gw_ssh alice alice+router1 'echo console-e2e' >/dev/null || fail "a session through the gateway failed"
for ep in approvals:"approvals list --json" sessions:"sessions list --json" targets:"targets list --json" \
    tickets:"tickets list --json"; do
	# shellcheck disable=SC2086
	diff <(curl -sk -b "$WORK/wang.jar" "$CONSOLE/api/${ep%%:*}") <(ctl ${ep#*:}) >/dev/null ||
		fail "/api/${ep%%:*} differs from remgatectl ${ep#*:}"
done
SID=$(last_sid)
v=$(curl -sk -b "$WORK/wang.jar" "$CONSOLE/api/sessions/$SID/verify")
assert_eq "verify" sealed "$(printf '%s' "$v" | jf "['verdict']")"
diff <(printf '%s\n' "$v") <(ctl recording verify "$SID" --json) >/dev/null || fail "verify differs from the CLI's"
ctl events list --json | python3 -c '
import json, sys
ev = json.load(sys.stdin)
acc = [e for e in ev if e["kind"] == "access" and e["actor"] == "console:wang" and e["reason"] == "recording_verify"]
assert acc and acc[-1]["session_id"] == sys.argv[1], "no access event naming console:wang"
views = [e for e in ev if e["kind"] == "console_login" and e["actor"] == "console:wang"]
assert len(views) == 1, views
' "$SID" || fail "the console's reads are not on record naming the admin"

log "a change needs the session's CSRF token, from this origin"
out=$(gw_ssh alice alice request --target router1 --ticket INC-C1 --level 2 --reason "'console csrf'" --valid 1h 2>&1) ||
	fail "request: $out"
rid=$(printf '%s\n' "$out" | sed -n 's/^request \([0-9]*\) filed.*/\1/p')
r=$(c -b "$WORK/wang.jar" -d "reason=nope" "$CONSOLE/api/requests/$rid/deny")
assert_eq "no CSRF token" 403 "$(code "$r")"
r=$(c -b "$WORK/wang.jar" -H "X-CSRF-Token: $(openssl rand -hex 32)" -d "reason=nope" "$CONSOLE/api/requests/$rid/deny")
assert_eq "a wrong CSRF token" 403 "$(code "$r")"
r=$(c -b "$WORK/wang.jar" -H "X-CSRF-Token: $CSRF" -H "Origin: https://evil.example" -d "reason=nope" \
    "$CONSOLE/api/requests/$rid/deny")
assert_eq "another origin" 403 "$(code "$r")"
[ "$(event_count console_refused csrf)" = 3 ] || fail "the refused changes are not on record"
ctl requests list --json | python3 -c "import json,sys; r=[x for x in json.load(sys.stdin) if x['id']==$rid][0]; assert r['status']=='pending', r" ||
	fail "a refused change changed the request"
r=$(c -b "$WORK/wang.jar" -H "X-CSRF-Token: $CSRF" --data-urlencode "reason=not today" "$CONSOLE/api/requests/$rid/deny")
assert_eq "deny with the token" 200 "$(code "$r")"
ctl requests list --json | python3 -c "import json,sys; r=[x for x in json.load(sys.stdin) if x['id']==$rid][0]; assert r['status']=='denied' and r['decided_by']=='wang', r" ||
	fail "the console's denial is not wang's"
r=$(c -b "$WORK/wang.jar" -H "X-CSRF-Token: $CSRF" -d "reason=x&reason=y" "$CONSOLE/api/requests/$rid/deny")
assert_eq "a repeated form field" 400 "$(code "$r")"

log "a command held for review is released from the console"
TOKEN=$(new_token --phase implement | tail -n 1)
(TOKEN=$TOKEN gw_ssh alice alice+router1 'apt-get install remgate-console-no-such-package' >"$WORK/held_cmd.out" 2>&1
 echo "$?" >"$WORK/held_cmd.rc") &
for _ in $(seq 1 150); do
	rvid=$(curl -sk -b "$WORK/wang.jar" "$CONSOLE/api/reviews" |
	    python3 -c 'import json,sys; r=[x for x in json.load(sys.stdin) if x["status"]=="pending"]; print(r[0]["id"] if r else "")')
	[ -n "$rvid" ] && break
	sleep 0.1
done
[ -n "$rvid" ] || fail "the held command did not show in /api/reviews"
r=$(c -b "$WORK/wang.jar" -H "X-CSRF-Token: $CSRF" --data-urlencode "method=phone" \
    --data-urlencode "note=change window 14:00" "$CONSOLE/api/reviews/$rvid/approve")
assert_eq "approve the review" 200 "$(code "$r")"
for _ in $(seq 1 150); do [ -s "$WORK/held_cmd.rc" ] && break; sleep 0.1; done
[ -s "$WORK/held_cmd.rc" ] || fail "the approved command did not go on"
assert_contains "the engineer read the decision" "$(cat "$WORK/held_cmd.out")" "approved by wang (phone)"

log "an auditor reads but cannot decide"
out=$(gw_ssh alice alice request --target router1 --ticket INC-C2 --level 2 --reason "'auditor'" --valid 1h 2>&1) ||
	fail "request: $out"
rid2=$(printf '%s\n' "$out" | sed -n 's/^request \([0-9]*\) filed.*/\1/p')
curl -sk -o /dev/null -c "$WORK/li.jar" -d "t=$(secret_of "$(console_link li li)")" "$CONSOLE/login"
me=$(curl -sk -b "$WORK/li.jar" "$CONSOLE/api/me")
assert_eq "li's role" auditor "$(printf '%s' "$me" | jf "['role']")"
LI_CSRF=$(printf '%s' "$me" | jf "['csrf']")
r=$(c -b "$WORK/li.jar" "$CONSOLE/api/requests")
assert_eq "an auditor reads" 200 "$(code "$r")"
r=$(c -b "$WORK/li.jar" -H "X-CSRF-Token: $LI_CSRF" -d "method=phone" "$CONSOLE/api/requests/$rid2/approve")
assert_eq "an auditor's approve" 403 "$(code "$r")"
assert_contains "said so" "$r" "an auditor can read but not approve"
ctl requests list --json | python3 -c "import json,sys; r=[x for x in json.load(sys.stdin) if x['id']==$rid2][0]; assert r['status']=='pending', r" ||
	fail "an auditor's approve changed the request"

log "idle and absolute timeouts end a session"
li_hash=$(sha "$(awk '$6 == "remgate_session" {print $7}' "$WORK/li.jar")")
sqlite3 "$DB" "UPDATE console_sessions SET last_seen = last_seen - 100000 WHERE id_hash = '$li_hash'" || fail sqlite3
r=$(c -b "$WORK/li.jar" "$CONSOLE/api/me")
assert_eq "idle session" 401 "$(code "$r")"
assert_contains "said so" "$r" "without use"
[ "$(event_count console_logout idle)" = 1 ] || fail "no idle logout event"
curl -sk -o /dev/null -c "$WORK/li2.jar" -d "t=$(secret_of "$(console_link li li)")" "$CONSOLE/login"
li2_hash=$(sha "$(awk '$6 == "remgate_session" {print $7}' "$WORK/li2.jar")")
sqlite3 "$DB" "UPDATE console_sessions SET created_at = created_at - 100000 WHERE id_hash = '$li2_hash'" || fail sqlite3
r=$(c -b "$WORK/li2.jar" "$CONSOLE/api/me")
assert_eq "a session past its lifetime" 401 "$(code "$r")"
[ "$(event_count console_logout lifetime)" = 1 ] || fail "no lifetime logout event"

log "kill a running session with a reason"
TOKEN=$(new_token | tail -n 1)
mkfifo "$WORK/hold"
(TOKEN=$TOKEN gw_ssh alice alice+router1 'echo held; read x; echo never' <"$WORK/hold" >"$WORK/held.out" 2>&1; echo "$?" >"$WORK/held.rc") &
exec 7>"$WORK/hold"
for _ in $(seq 1 100); do grep -q held "$WORK/held.out" 2>/dev/null && break; sleep 0.1; done
grep -q held "$WORK/held.out" || fail "the session to kill did not start"
KSID=$(last_sid)
r=$(c -b "$WORK/wang.jar" -H "X-CSRF-Token: $CSRF" --data-urlencode "reason=console test: stop now" \
    "$CONSOLE/api/sessions/$KSID/kill")
assert_eq "kill" 200 "$(code "$r")"
for _ in $(seq 1 100); do [ -s "$WORK/held.rc" ] && break; sleep 0.1; done
[ -s "$WORK/held.rc" ] || fail "the killed session did not end"
exec 7>&-
ctl sessions list --json | python3 -c "
import json,sys
s=[x for x in json.load(sys.stdin) if x['id']=='$KSID'][0]
assert s['ended_at'] and s['end_reason'] == 'killed', s" || fail "the session was not ended as killed"
ctl events list --json | python3 -c "
import json,sys
ev=json.load(sys.stdin)
assert any(e['kind']=='session_killed' and e['detail']=='killed by console:wang: console test: stop now' for e in ev), \
    [e for e in ev if 'kill' in e['kind']]" ||
	fail "the kill is not on record with wang and the reason"

log "a report's signed bundle downloads as a tar that remgatectl verify accepts"
cat >"$WORK/narrative.yaml" <<'Y'
fault: "Console test fault"
cause: "A test"
actions: "Killed from the console"
result: restored
prevention: "None needed"
Y
ctl report create "$KSID" --from "$WORK/narrative.yaml" --out "$WORK/bundle" >/dev/null || fail "report create"
RID=$(ctl report list --json | jf "[0]['id']")
curl -sk -b "$WORK/wang.jar" -D "$WORK/bundle.hdr" -o "$WORK/report.tar" "$CONSOLE/api/reports/$RID/bundle" ||
	fail "bundle download"
grep -qi "content-disposition: attachment; filename=\"report-$RID.tar\"" "$WORK/bundle.hdr" || fail "no attachment header"
mkdir "$WORK/unpacked" && tar -xf "$WORK/report.tar" -C "$WORK/unpacked" || fail "the bundle is not a tar"
out=$(ctl verify "$WORK/unpacked/report-$RID" 2>&1) || fail "remgatectl verify refused the downloaded bundle: $out"
assert_contains "verify" "$out" "OK:"
[ "$(event_count console_download report_bundle)" = 1 ] || fail "the download is not on record"

log "logout ends the session; its cookie is dead"
hdr=$(curl -sk -D - -o /dev/null -b "$WORK/wang.jar" -H "X-CSRF-Token: $CSRF" -X POST "$CONSOLE/logout")
assert_contains "logout redirects" "$hdr" "/logged-out"
assert_contains "the cookie is cleared" "$hdr" "Max-Age=0"
r=$(c -b "$WORK/wang.jar" "$CONSOLE/api/me")
assert_eq "the old cookie after logout" 401 "$(code "$r")"
[ "$(event_count console_logout logout)" = 1 ] || fail "no logout event"

log "the process that serves HTTP holds no signing key (and the daemon, as a control, does)"
CPID=$(pgrep -P "$GW_PID" -f -- '--console' | head -n 1)
[ -n "$CPID" ] || fail "no console process"
python3 - "$WORK/state/signing_ed25519.pem" "$CPID" "$GW_PID" <<'PY' || fail "key scan"
import base64, re, sys
pem = open(sys.argv[1]).read()
der = base64.b64decode("".join(l for l in pem.splitlines() if not l.startswith("-----")))
seed = der[-32:]		# PKCS#8 Ed25519: the 32-byte private key ends the structure
def holds(pid):
    found = False
    with open("/proc/%s/maps" % pid) as maps, open("/proc/%s/mem" % pid, "rb", 0) as mem:
        for line in maps:
            m = re.match(r"([0-9a-f]+)-([0-9a-f]+) (\S+)", line)
            if not m or m.group(3)[0] != "r" or "[vvar]" in line or "[vsyscall]" in line:
                continue
            start, end = int(m.group(1), 16), int(m.group(2), 16)
            if end - start > (1 << 30):
                continue	# a sanitizer's shadow reservation, not data
            pos = start
            while pos < end:	# in pieces, each overlapping the last by the seed's length
                n = min(16 << 20, end - pos)
                try:
                    mem.seek(pos)
                    if seed in mem.read(n + len(seed)):
                        found = True
                except (OSError, ValueError, OverflowError):
                    pass
                pos += n
    return found
assert holds(sys.argv[3]), "the control failed: the daemon's memory shows no signing key"
assert not holds(sys.argv[2]), "the console process holds the signing key"
PY
grep -q console "/proc/$CPID/cmdline" || fail "the console is not its own program image"
ls -l "/proc/$CPID/fd" | grep -q 'signing_ed25519\|_ed25519' && fail "the console has a key file open"

done_ok
