#!/bin/bash
# Flow control: 200 MB from the device arrive whole and identical, and a
# large upload too, while the session process's memory stays bounded.
. "$(dirname "$0")/lib.sh"

MB=${BULK_MB:-200}
# The relay holds at most about two SSH windows a direction (see relaybuf.h);
# the rest of a session process is libraries and the store.
RSS_LIMIT_KB=${RSS_LIMIT_KB:-24576}
SLOW_RSS_LIMIT_KB=${SLOW_RSS_LIMIT_KB:-24576}

setup_all
TOKEN=$(new_token --phase implement --max-sessions 5) || fail approve
export TOKEN

log "download: head -c ${MB}M /dev/urandom on the device, hashed at both ends"
start=$(date +%s.%N)
# (the device keeps a copy of what it sent; its /bin/sh has no >(...))
gw_ssh alice alice+router1 "head -c ${MB}M /dev/urandom | tee $DEVICE_DIR/sent.bin" \
    2>"$WORK/remote.err" | sha256sum | cut -d' ' -f1 >"$WORK/local.sum" &
pipe_pid=$!
peak=$(watch_rss "$pipe_pid")
wait "$pipe_pid"
secs=$(echo "$(date +%s.%N) - $start" | bc 2>/dev/null || echo "?")
remote=$(sha256sum "$DEVICE_DIR/sent.bin" | cut -d' ' -f1)
rm -f "$DEVICE_DIR/sent.bin"
assert_eq "SHA-256 of what arrived vs what the device sent" "$remote" "$(cat "$WORK/local.sum")"
log "download ${MB} MB in ${secs}s; session process peak RSS ${peak} kB"
if [ -z "${REMGATE_SANITIZED:-}" ]; then
	[ "$peak" -gt 0 ] && [ "$peak" -lt "$RSS_LIMIT_KB" ] || fail "session RSS ${peak} kB (limit ${RSS_LIMIT_KB} kB)"
fi

log "upload: 64 MB from the engineer, hashed on the device"
head -c 64M /dev/urandom >"$WORK/up.bin"
local_sum=$(sha256sum <"$WORK/up.bin" | cut -d' ' -f1)
gw_ssh alice alice+router1 'sha256sum | cut -d" " -f1' <"$WORK/up.bin" >"$WORK/up.sum" &
pipe_pid=$!
peak=$(watch_rss "$pipe_pid")
wait "$pipe_pid"
assert_eq "SHA-256 of the upload on the device" "$local_sum" "$(cat "$WORK/up.sum")"
log "upload peak RSS ${peak} kB"
if [ -z "${REMGATE_SANITIZED:-}" ]; then
	[ "$peak" -lt "$RSS_LIMIT_KB" ] || fail "session RSS ${peak} kB on upload (limit ${RSS_LIMIT_KB} kB)"
fi

# A reader that takes at most RATE bytes a second: the gateway must hold
# back the fast side instead of buffering the difference.
cat >"$WORK/slow_reader.py" <<'PY'
import hashlib, sys, time
rate = int(sys.argv[1]); h = hashlib.sha256(); start = time.time(); total = 0
while True:
    chunk = sys.stdin.buffer.read(65536)
    if not chunk:
        break
    h.update(chunk); total += len(chunk)
    ahead = total / rate - (time.time() - start)
    if ahead > 0:
        time.sleep(ahead)
print(h.hexdigest())
PY

# slow_run WHAT COMMAND: run a pipeline through a slow reader, check the
# SHA-256 of 48 MB of zeros at the far end and the session's memory.
ZERO48=$(head -c 48M /dev/zero | sha256sum | cut -d' ' -f1)
slow_run() {
	log "$1"
	bash -c "$2" >"$WORK/slow.sum" &
	pipe_pid=$!
	peak=$(watch_rss "$pipe_pid")
	wait "$pipe_pid"
	assert_eq "$1: SHA-256 at the far end" "$ZERO48" "$(cat "$WORK/slow.sum")"
	log "$1: peak RSS ${peak} kB"
	if [ -z "${REMGATE_SANITIZED:-}" ]; then
		[ "$peak" -lt "$SLOW_RSS_LIMIT_KB" ] || fail "$1: session RSS ${peak} kB (limit ${SLOW_RSS_LIMIT_KB} kB)"
	fi
}
export -f gw_ssh
export WORK GW_PORT TOKEN
slow_run "slow engineer: 48 MB from the device read at 12 MB/s" \
    "gw_ssh alice alice+router1 'head -c 48M /dev/zero' | python3 $WORK/slow_reader.py 12000000"
slow_run "slow device: 48 MB uploaded to a reader taking 12 MB/s" \
    "head -c 48M /dev/zero | gw_ssh alice alice+router1 'python3 $WORK/slow_reader.py 12000000'"

log "byte counts in the session rows"
ctl sessions list --json | python3 -c "
import json, sys
rows = {r['command']: r for r in json.load(sys.stdin)}
down = [r for c, r in rows.items() if c and c.startswith('head -c ${MB}M /dev/urandom')][0]
up = [r for c, r in rows.items() if c and c.startswith('sha256sum')][0]
assert down['bytes_out'] >= $MB * 1048576, down
assert up['bytes_in'] == 64 * 1048576, up
" || fail "byte counts are wrong"
done_ok
