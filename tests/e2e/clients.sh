#!/bin/bash
# Clients no one here wrote, and channel ends in every order. PuTTY's plink
# and dropbear's dbclient must get the device's exit status, with and
# without a pty, including when the device sends EOF long before it exits
# (a client that closes on EOF lost it); a channel the engineer and the
# device both close before the gateway acts must still end the session,
# answered with a CLOSE, recorded and sealed.
. "$(dirname "$0")/lib.sh"

PY3=/usr/bin/python3
GW_LOG_LEVEL=debug	# the device's CLOSE is a debug line the both-ends case waits for
setup_all
TOKEN=$(new_token --max-sessions 100 --phase implement) || fail approve
export TOKEN
HK=$(ssh-keygen -lf "$WORK/state/host_ed25519.pub" | awk '{print $2}')

# ---- both ends closed before the relay acts (paramiko, deterministic) ----
if $PY3 -c 'import paramiko' 2>/dev/null; then
	out=$($PY3 "$(dirname "$0")/channel_end.py" "$GW_PORT" "$WORK/alice" alice+router1 "$TOKEN" "$WORK/gateway.log" 2>&1)
	assert_eq "both ends closed: the gateway answers with CLOSE" "closed-by-gateway" "$out"
	sid=""
	for _ in $(seq 1 100); do
		sid=$(ctl sessions list --json | python3 -c "
import json,sys
s=[x for x in json.load(sys.stdin) if x['command']=='head -c 60000 /dev/zero']
print(s[0]['id'] if s and s[0]['ended_at'] else '')")
		[ -n "$sid" ] && break
		sleep 0.1
	done
	[ -n "$sid" ] || fail "both ends closed: the session row never ended"
	ctl recording verify "$sid" >/dev/null || fail "both ends closed: the recording is not sealed"
	log "both ends closed: session $sid ended and sealed"
else
	log "python3-paramiko missing: the both-ends-closed case is not run"
fi

# ---- a fatal protocol error after login ends the session at once ----
if $PY3 -c 'import paramiko' 2>/dev/null; then
	before_close=$(grep -c 'Close session' "$WORK/target.log")
	out=$($PY3 "$(dirname "$0")/big_request.py" "$GW_PORT" "$WORK/alice" alice+router1 "$TOKEN" 2>&1)
	assert_contains "a 300 KB exec request: the gateway drops the connection" "$out" "closed in"
	for _ in $(seq 1 100); do
		reason=$(ctl sessions list --json | python3 -c "import json,sys; print(json.load(sys.stdin)[0]['end_reason'] or '')")
		[ -n "$reason" ] && break
		sleep 0.1
	done
	assert_eq "the session's end reason" protocol_error "$reason"
	for _ in $(seq 1 100); do [ "$(grep -c 'Close session' "$WORK/target.log")" -gt "$before_close" ] && break; sleep 0.1; done
	[ "$(grep -c 'Close session' "$WORK/target.log")" -gt "$before_close" ] || fail "the device login stayed open"
	assert_eq "protocol_error events" 1 "$(event_count protocol_error ssh_protocol_error)"
	log "a fatal protocol error: $out, session ended and sealed, device login closed"
fi

# ---- exit status through PuTTY's plink ----
if command -v plink >/dev/null && command -v puttygen >/dev/null; then
	puttygen "$WORK/alice" -O private -o "$WORK/alice.ppk" >/dev/null 2>&1 || fail "puttygen"
	plink_run() {	# [-t] COMMAND
		timeout 30 plink -batch -ssh -P "$GW_PORT" -i "$WORK/alice.ppk" -hostkey "$HK" -pw "$TOKEN" \
		    "$@" </dev/null >/dev/null 2>&1
	}
	for i in 1 2 3 4 5; do
		plink_run -t alice+router1@127.0.0.1 'exit 7'; rc=$?
		assert_eq "plink -t exit status (run $i)" 7 "$rc"
		plink_run -T alice+router1@127.0.0.1 'exit 9'; rc=$?
		assert_eq "plink exec exit status (run $i)" 9 "$rc"
	done
	# The device's EOF comes a while before its exit status.
	plink_run -T alice+router1@127.0.0.1 'exec >/dev/null 2>&1 </dev/null; sleep 1; exit 5'; rc=$?
	assert_eq "plink: exit status after an early EOF" 5 "$rc"
	log "plink: exit statuses arrive"
	# pscp and psftp: the PuTTY family's file transfer (SFTP underneath).
	printf 'putty-file\n' >"$WORK/putty.txt"
	dev_own "$DEVICE_DIR"
	timeout 30 pscp -batch -P "$GW_PORT" -i "$WORK/alice.ppk" -hostkey "$HK" -pw "$TOKEN" "$WORK/putty.txt" \
	    "alice+router1@127.0.0.1:$DEVICE_DIR/putty.txt" </dev/null >"$WORK/pscp.out" 2>&1 ||
	    fail "pscp upload: $(cat "$WORK/pscp.out")"
	assert_eq "pscp upload arrived" putty-file "$(cat "$DEVICE_DIR/putty.txt")"
	printf 'get %s %s\n' "$DEVICE_DIR/putty.txt" "$WORK/putty.back" >"$WORK/psftp.batch"
	timeout 30 psftp -batch -P "$GW_PORT" -i "$WORK/alice.ppk" -hostkey "$HK" -pw "$TOKEN" -b "$WORK/psftp.batch" \
	    alice+router1@127.0.0.1 </dev/null >"$WORK/psftp.out" 2>&1 || fail "psftp get: $(cat "$WORK/psftp.out")"
	assert_eq "psftp download intact" putty-file "$(cat "$WORK/putty.back")"
	log "pscp and psftp: files both ways"
else
	log "putty-tools missing: plink is not run (scripts/install-deps installs it)"
fi

# ---- exit status through dropbear's dbclient ----
if command -v dbclient >/dev/null && command -v dropbearconvert >/dev/null; then
	dropbearconvert openssh dropbear "$WORK/alice" "$WORK/alice.db" >/dev/null 2>&1 || fail "dropbearconvert"
	for i in 1 2 3; do
		# dbclient -t wants a terminal: script(1) gives it one.
		DROPBEAR_PASSWORD=$TOKEN timeout 30 script -qec "dbclient -y -p $GW_PORT -i $WORK/alice.db -t \
		    alice+router1@127.0.0.1 'exit 7'" /dev/null </dev/null >/dev/null 2>&1; rc=$?
		assert_eq "dbclient -t exit status (run $i)" 7 "$rc"
		DROPBEAR_PASSWORD=$TOKEN timeout 30 dbclient -y -p "$GW_PORT" -i "$WORK/alice.db" \
		    alice+router1@127.0.0.1 'exit 3' </dev/null >/dev/null 2>&1; rc=$?
		assert_eq "dbclient exec exit status (run $i)" 3 "$rc"
	done
	log "dbclient: exit statuses arrive"
else
	log "dropbear-bin missing: dbclient is not run (scripts/install-deps installs it)"
fi

# ---- asyncssh: a keyboard-interactive handler, or the certificate alone ----
if $PY3 -c 'import asyncssh' 2>/dev/null; then
	out=$($PY3 "$(dirname "$0")/asyncssh_client.py" "$GW_PORT" "$WORK/alice" alice+router1 "$TOKEN" 2>&1)
	assert_eq "asyncssh with a token" "asyncssh-ok 4" "$out"
	CTOKEN=$(ctl approve --engineer alice --target router1 --ticket INC-AS --level 2 --approver wang --method phone \
	    --valid 1h --cert-for "$WORK/alice.pub" 2>/dev/null) || fail "approve --cert-for"
	out=$($PY3 "$(dirname "$0")/asyncssh_client.py" "$GW_PORT" "$WORK/alice" alice+router1 "" "$WORK/alice-cert.pub" 2>&1)
	assert_eq "asyncssh with a certificate" "asyncssh-ok 4" "$out"
	log "asyncssh: token and certificate, exit status kept"
else
	log "python3-asyncssh missing: asyncssh is not run (scripts/install-deps installs it)"
fi

# ---- curl sftp:// (libssh2 1.10): a token, keyboard-interactive after the key ----
if curl -V 2>/dev/null | grep -q libssh2; then
	# libssh2 1.10 has no encrypt-then-MAC: the operator widens the engineer side for it.
	kill "$GW_PID"; wait "$GW_PID" 2>/dev/null
	printf 'engineer_macs: "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha2-256"\n' >>"$CONFIG"
	start_gateway
	printf 'curl-file\n' >"$DEVICE_DIR/curl.txt"
	dev_own "$DEVICE_DIR"
	HK64=${HK#SHA256:}
	out=$(timeout 30 curl -sS --hostpubsha256 "$HK64" -u "alice+router1:$TOKEN" --key "$WORK/alice" \
	    --pubkey "$WORK/alice.pub" "sftp://127.0.0.1:$GW_PORT$DEVICE_DIR/curl.txt" 2>&1) || fail "curl sftp get: $out"
	assert_eq "curl sftp:// download" curl-file "$out"
	printf 'from-curl\n' >"$WORK/curl.up"
	timeout 30 curl -sS --hostpubsha256 "$HK64" -u "alice+router1:$TOKEN" --key "$WORK/alice" --pubkey "$WORK/alice.pub" \
	    -T "$WORK/curl.up" "sftp://127.0.0.1:$GW_PORT$DEVICE_DIR/curl.up" >"$WORK/curl.out" 2>&1 ||
	    fail "curl sftp put: $(cat "$WORK/curl.out")"
	assert_eq "curl sftp:// upload" from-curl "$(cat "$DEVICE_DIR/curl.up")"
	out=$(timeout 30 curl -sS --hostpubsha256 "$HK64" -u "alice+router1:rg-1-wrongwrongwrong" --key "$WORK/alice" \
	    --pubkey "$WORK/alice.pub" "sftp://127.0.0.1:$GW_PORT$DEVICE_DIR/curl.txt" 2>&1) && fail "curl with a wrong token"
	log "curl sftp:// both ways with a token; a wrong one: $(printf '%s' "$out" | head -1)"
else
	log "curl without libssh2: sftp:// is not run"
fi
done_ok
