#!/bin/bash
# The event log forwarded to a SIEM without loss (docs/events.md): a real
# rsyslog on loopback receives RFC 5424 syslog over TCP with octet
# counting, and a file gets JSON lines. Every event arrives, in order; an
# rsyslog outage, a kill -9 of the forwarding process and a kill -9 of the
# gateway leave no gap: delivery resumes at each destination's cursor.
. "$(dirname "$0")/lib.sh"
PY3=/usr/bin/python3
RSYSLOGD=/usr/sbin/rsyslogd
[ -x "$RSYSLOGD" ] || skip "rsyslog is not installed (scripts/install-deps installs it)"

RS_PORT=$(free_port)
mkdir -p "$WORK/rsyslog"
cat >"$WORK/rsyslog.conf" <<CONF
global(workDirectory="$WORK/rsyslog")
module(load="imtcp")
template(name="remgate" type="string" string="%msgid% %structured-data%\n")
input(type="imtcp" address="127.0.0.1" port="$RS_PORT" ruleset="remgate")
ruleset(name="remgate") { action(type="omfile" file="$WORK/siem.log" template="remgate") }
CONF
RS_PID=""
start_rsyslog() {
	"$RSYSLOGD" -n -f "$WORK/rsyslog.conf" -i "$WORK/rsyslog/pid" >>"$WORK/rsyslog.out" 2>&1 &
	RS_PID=$!
	PIDS="$PIDS $RS_PID"
	wait_port "$RS_PORT" || fail "rsyslogd did not start: $(cat "$WORK/rsyslog.out")"
}
stop_rsyslog() {
	kill "$RS_PID"
	for _ in $(seq 100); do kill -0 "$RS_PID" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$RS_PID" 2>/dev/null && fail "rsyslogd did not stop"
}

# TLS (RFC 5425 framing): openssl s_server with a certificate from a throwaway CA for 127.0.0.1;
# a second destination trusts another CA and must refuse the server.
# s_server ends a connection when its stdin ends: it reads a fifo this shell holds open.
mkfifo "$WORK/s_server.in"
exec 9<>"$WORK/s_server.in"
tls_server() {	# PORT OUTFILE
	openssl s_server -accept "127.0.0.1:$1" -cert "$WORK/srv.pem" -key "$WORK/srv.key" -quiet -naccept 100 \
	    <&9 >"$2" 2>>"$WORK/s_server.err" &
	PIDS="$PIDS $!"
	wait_port "$1" || fail "openssl s_server did not start: $(cat "$WORK/s_server.err")"
}
for ca in ca other_ca; do
	openssl req -x509 -newkey ed25519 -nodes -keyout "$WORK/$ca.key" -out "$WORK/$ca.pem" -days 1 -subj "/CN=$ca" \
	    2>/dev/null || fail "openssl: a CA"
done
openssl req -newkey ed25519 -nodes -keyout "$WORK/srv.key" -out "$WORK/srv.csr" -subj "/CN=127.0.0.1" 2>/dev/null &&
    printf 'subjectAltName=IP:127.0.0.1\n' >"$WORK/san.ext" &&
    openssl x509 -req -in "$WORK/srv.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" -CAcreateserial -days 1 \
    -extfile "$WORK/san.ext" -out "$WORK/srv.pem" 2>/dev/null || fail "openssl: the server certificate"
TLS_PORT=$(free_port)
BAD_PORT=$(free_port)
tls_server "$TLS_PORT" "$WORK/tls.out"
tls_server "$BAD_PORT" "$WORK/tls_bad.out"

start_target
write_config
cat >>"$CONFIG" <<CFG
siem:
  - name: soc
    url: "syslog+tcp://127.0.0.1:$RS_PORT"
  - name: archive
    url: "file://$WORK/events.jsonl"
  - name: soc_tls
    url: "syslog+tls://127.0.0.1:$TLS_PORT"
    ca_file: "$WORK/ca.pem"
  - name: wrong_ca
    url: "syslog+tls://127.0.0.1:$BAD_PORT"
    ca_file: "$WORK/other_ca.pem"
CFG
for t in router1 router2 dead; do
	ctl targets pubkey "$t" >>"$WORK/target_authorized_keys" || fail "targets pubkey $t"
done
start_rsyslog
start_gateway

head_seq() { ctl events list --json | $PY3 -c 'import json,sys; e=json.load(sys.stdin); print(max([x["seq"] or 0 for x in e] or [0]))'; }
# seqs_in FILE: the seq of each line, as the receiver has them
seqs_in() {
	case "$1" in
	*.jsonl) $PY3 -c 'import json,sys; [print(json.loads(l)["event"]["sequence"]) for l in open(sys.argv[1])]' "$1" ;;
	*) sed -n 's/.*\[remgate@32473 seq="\([0-9]*\)".*/\1/p' "$1" ;;
	esac
}
# complete FILE N: every event 1..N there, first seen in order (re-deliveries after a failure may repeat some)
complete() {
	[ -f "$1" ] || return 1
	seqs_in "$1" | $PY3 -c '
import sys
n = int(sys.argv[1])
first = []
seen = set()
for l in sys.stdin:
    s = int(l)
    if s not in seen:
        seen.add(s)
        first.append(s)
sys.exit(0 if first == list(range(1, n + 1)) else 1)' "$2"
}
# wait_complete FILE WHAT: bounded wait until the receiver holds every event so far
wait_complete() {
	n=$(head_seq)
	for _ in $(seq 300); do complete "$1" "$n" && return 0; sleep 0.1; done
	fail "$2: $1 does not hold events 1..$n in order (has $(seqs_in "$1" | sort -nu | wc -l), last lines: $(tail -3 "$1"))"
}
some_events() {	# N: N access events from remgatectl itself
	for _ in $(seq "$1"); do ctl commands search nothing >/dev/null; done
}

log "every event reaches rsyslog and the file, in order"
TOKEN=$(new_token --max-sessions 3) || fail approve
out=$(gw_ssh alice alice+router1 'echo to-the-siem' 2>&1) || fail "a session: $out"
some_events 5
wait_complete "$WORK/siem.log" "rsyslog"
wait_complete "$WORK/events.jsonl" "the file"
grep -q '^session_start \[remgate@32473 seq="[0-9]*" hash="[0-9a-f]\{64\}" outcome="success" session="[0-9a-f]\{16\}" engineer="alice"' \
    "$WORK/siem.log" || fail "rsyslog did not parse the session start as RFC 5424: $(grep session_start "$WORK/siem.log")"
log "over TLS: octet-counted frames, the server's certificate checked"
n=$(head_seq)
for _ in $(seq 300); do grep -q "seq=\"$n\"" "$WORK/tls.out" 2>/dev/null && break; sleep 0.1; done
grep -q "seq=\"$n\"" "$WORK/tls.out" || fail "the TLS destination did not get event $n: $(tail -c 300 "$WORK/tls.out")"
head -c 20 "$WORK/tls.out" | grep -q '^[0-9]* <8[0-9]>1 ' || fail "not RFC 6587 octet counting: $(head -c 80 "$WORK/tls.out")"
for _ in $(seq 300); do
	ctl siem status --json | grep -q '"destination":"wrong_ca".*certificate' && break
	sleep 0.1
done
ctl siem status --json | grep -q '"destination":"wrong_ca".*"last_error":"TLS handshake with 127.0.0.1:[0-9]*'\
' failed: .*certificate' || fail "a server the CA does not vouch for was not refused: $(ctl siem status)"
[ -s "$WORK/tls_bad.out" ] && fail "events went to a server whose certificate does not verify"

out=$(ctl siem status) || fail "siem status: $out"
assert_contains "siem status lists soc" "$out" "soc"
ctl siem status --json | $PY3 -c '
import json,sys
for d in json.load(sys.stdin):
    if d["destination"] != "wrong_ca":
        assert d["lag"] == 0 and d["failed_attempts"] == 0, d' || fail "siem status: lag or failures after delivery"

log "rsyslog down: events wait, the failure is shown; back up: no gap, no reorder"
stop_rsyslog
some_events 20
for _ in $(seq 300); do
	ctl siem status --json | $PY3 -c '
import json,sys
d=[d for d in json.load(sys.stdin) if d["destination"]=="soc"][0]
sys.exit(0 if d["failed_attempts"] > 0 and d["lag"] > 0 else 1)' && break
	sleep 0.1
done
ctl siem status --json | grep -q '"last_error"' || fail "siem status shows no error while rsyslog is down: $(ctl siem status)"
log "$(ctl siem status | sed -n 2p | tr -s ' ')"
wait_complete "$WORK/events.jsonl" "the file during the outage"
start_rsyslog
some_events 5
wait_complete "$WORK/siem.log" "rsyslog after its outage"

log "kill -9 of the forwarding process mid-stream: restarted, resumed at the cursor"
some_events 40 &
MAKER=$!
# The daemon's background process logs its start with its pid.
NOTIFIER=$(grep 'event=notifier_started' "$WORK/gateway.log" | tail -1 | sed -n 's/.* pid=\([0-9]*\) .*/\1/p')
[ -n "$NOTIFIER" ] || fail "no notifier_started line in the log"
kill -9 "$NOTIFIER" || fail "the forwarding process was not there to kill"
wait "$MAKER"
wait_complete "$WORK/siem.log" "rsyslog after the forwarder was killed"
wait_complete "$WORK/events.jsonl" "the file after the forwarder was killed"

log "kill -9 of the gateway: events written while it is down are delivered after its restart"
kill -9 "$GW_PID"
for _ in $(seq 100); do kill -0 "$GW_PID" 2>/dev/null || break; sleep 0.1; done
some_events 10
start_gateway
some_events 2
wait_complete "$WORK/siem.log" "rsyslog after the gateway's kill -9"
wait_complete "$WORK/events.jsonl" "the file after the gateway's kill -9"
n=$(head_seq)
log "rsyslog holds events 1..$n in order; $(seqs_in "$WORK/siem.log" | wc -l) lines (re-deliveries after failures included)"
ctl events verify >/dev/null || fail "the chain broke"

log "a bad siem url is refused at start with the line"
cp "$CONFIG" "$WORK/bad.yaml"
sed -i "s|url: \"file://$WORK/events.jsonl\"|url: \"ftp://example/x\"|" "$WORK/bad.yaml"
out=$("$REMGATED" -c "$WORK/bad.yaml" --check 2>&1) && fail "a bad siem url passed --check"
assert_contains "the error names the url" "$out" "expected syslog+tcp://HOST:PORT, syslog+tls://HOST:PORT or file:///PATH"

done_ok
