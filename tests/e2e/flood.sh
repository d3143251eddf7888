#!/bin/bash
# A pre-authentication flood does not lock engineers out: 1,000 idle TCP
# connections from one source (::1) while an engineer logs in from another
# (127.0.0.1). Per-source and MaxStartups limits drop the excess before any
# fork or store work, the engineer's login works, and the drops become one
# aggregated event, not a thousand rows.
. "$(dirname "$0")/lib.sh"

/usr/bin/python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null ||
    skip "no IPv6 loopback here"
ulimit -n 4096 2>/dev/null
setup_all
kill "$GW_PID"; wait "$GW_PID" 2>/dev/null
sed -i "s|^listen: .*|listen: [\"127.0.0.1:$GW_PORT\", \"[::1]:$GW_PORT\"]|" "$CONFIG"
start_gateway
TOKEN=$(new_token --max-sessions 5) || fail approve
export TOKEN

cat >"$WORK/flood.py" <<'PY'
import socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
held, refused = [], 0
for _ in range(n):                       # bounded: n connections, 5 s each at most
    s = socket.socket(socket.AF_INET6)
    s.settimeout(5)
    try:
        s.connect(("::1", port))
        held.append(s)
    except OSError:
        refused += 1
print("connected %d refused %d" % (len(held), refused), flush=True)
sys.stdin.readline()                     # hold them, idle, until told
PY
mkfifo "$WORK/flood.in"
python3 "$WORK/flood.py" "$GW_PORT" 1000 <"$WORK/flood.in" >"$WORK/flood.out" 2>&1 &
flood=$!
PIDS="$PIDS $flood"
exec 9>"$WORK/flood.in"
for _ in $(seq 1 300); do grep -q connected "$WORK/flood.out" && break; sleep 0.1; done
grep -q connected "$WORK/flood.out" || fail "the flood did not finish connecting: $(cat "$WORK/flood.out")"
log "flood: $(cat "$WORK/flood.out")"
children=$(pgrep -P "$GW_PID" | wc -l)
log "session processes during the flood: $children"
[ "$children" -le 12 ] || fail "the flood got $children session processes (per-source limit 10)"

out=$(gw_ssh alice alice+router1 'echo engineer-in' 2>&1) || fail "the engineer could not log in during the flood: $out"
assert_contains "the engineer's session" "$out" "engineer-in"
log "the engineer logged in during the flood"

echo >&9; exec 9>&-
wait "$flood"
kill -TERM "$GW_PID"; wait "$GW_PID"
n=$(ctl events list --json | python3 -c "import json,sys; print(sum(1 for e in json.load(sys.stdin) if e['kind']=='connections_dropped'))")
[ "$n" -ge 1 ] && [ "$n" -le 2 ] || fail "expected one or two aggregated drop events, got $n"
detail=$(ctl events list --json | python3 -c "import json,sys; print([e['detail'] for e in json.load(sys.stdin) if e['kind']=='connections_dropped'][0])")
log "event: $detail"
assert_contains "the flooding source is named" "$detail" "from ::1 "
total=$(ctl events list --json | python3 -c "import json,sys; print(len(json.load(sys.stdin)))")
[ "$total" -lt 50 ] || fail "the flood grew the events table to $total rows"
done_ok
