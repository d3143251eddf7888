#!/bin/bash
# Stock sftp with paths at the protocol's limits: cd into a 4,000-byte
# directory, put, rename to a 4,000-byte path, get back. The session must
# end normally and sealed, and the transfers table and command list must
# hold the whole paths (a 2,400-byte stack buffer once took these and
# smashed the session process's stack).
. "$(dirname "$0")/lib.sh"

setup_all
TOKEN=$(new_token --phase implement --max-sessions 10) || fail approve
export TOKEN

# A directory of 16 components of 240 bytes: about 3,870 bytes, under PATH_MAX.
comp=$(printf 'd%.0s' $(seq 1 240))
deep=$DEVICE_DIR/long
for _ in $(seq 1 16); do deep=$deep/$comp; done
mkdir -p "$deep" || fail "mkdir the deep directory"
dev_own "$DEVICE_DIR/long"
name1=$(printf 'a%.0s' $(seq 1 100))
name2=$(printf 'b%.0s' $(seq 1 200))
log "directory path: ${#deep} bytes; renamed path: $(( ${#deep} + 1 + ${#name2} )) bytes"
head -c 100000 /dev/urandom >"$WORK/$name1"
# sftp reads batch lines into 2,048 bytes: go down one component a line.
{ echo "cd $DEVICE_DIR/long"; for _ in $(seq 1 16); do echo "cd $comp"; done; } >"$WORK/batch"
cat >>"$WORK/batch" <<B
put $WORK/$name1 $name1
rename $name1 $name2
get $name2 $WORK/back.bin
B
gw_sftp alice alice+router1 -b "$WORK/batch" >"$WORK/sftp.out" 2>&1 || fail "sftp: $(tail -5 "$WORK/sftp.out")"
cmp -s "$WORK/$name1" "$WORK/back.bin" || fail "the file did not come back whole"
sid=$(last_sid)
for _ in $(seq 1 100); do
	reason=$(ctl sessions list --json | python3 -c "import json,sys; print(json.load(sys.stdin)[0]['end_reason'] or '')")
	[ -n "$reason" ] && break
	sleep 0.1
done
case "$reason" in engineer_closed|target_closed) ;; *) fail "the session ended with '$reason'" ;; esac
ctl recording verify "$sid" >/dev/null || fail "the recording is not intact and sealed"
ctl transfers list "$sid" --json | python3 -c "
import json,sys
deep, n1, n2 = sys.argv[1:4]
rows = json.load(sys.stdin)
ren = [r for r in rows if r['op'] == 'rename']
assert ren, rows
assert ren[0]['path'] == deep + '/' + n1 and ren[0]['path2'] == deep + '/' + n2, ren[0]
assert any(r['op'] == 'close' and r['path'] == deep + '/' + n2 for r in rows), 'no close of the renamed file'
" "$deep" "$name1" "$name2" || fail "the transfers table does not hold the whole paths"
ctl commands list "$sid" --json | python3 -c "
import json,sys
deep, n1, n2 = sys.argv[1:4]
t = [c['text'] for c in json.load(sys.stdin) if c['text'].startswith('sftp rename')]
assert t and t[0] == 'sftp rename %s/%s %s/%s: OK' % (deep, n1, deep, n2), t
" "$deep" "$name1" "$name2" || fail "the command list does not hold the whole rename"
log "long paths: relayed, recorded whole, sealed"

# Subsystem and exec forms the gateway does not parse are refused: an
# sftp-server reached with a trailing ';' or 'exec' would bypass the audit.
ro_ev=$(event_count request_refused exec_refused)
for cmd in '/usr/lib/openssh/sftp-server;' 'exec /usr/lib/openssh/sftp-server' '/usr/lib/openssh/sftp-server; touch /tmp/x'; do
	gw_sftp alice alice+router1 -s "$cmd" -b /dev/null >"$WORK/s.out" 2>&1 && fail "sftp -s '$cmd' was allowed"
done
assert_eq "each odd sftp-server form is an event" "$((ro_ev + 3))" "$(event_count request_refused exec_refused)"
out=$(gw_ssh alice alice+router1 "exec scp -t /tmp" 2>&1 </dev/null) && fail "exec scp -t was allowed"
assert_contains "the engineer reads why" "$out" "names a file transfer tool in a form the gateway does not audit"
log "odd sftp-server forms refused"
done_ok
