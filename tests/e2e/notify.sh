#!/bin/bash
# Notifications (issue 13, docs/notify.md): events go to each notify:
# destination's command as JSON on stdin, at least once and in order per
# destination; a failing command is retried with backoff and shows in
# `remgatectl notify status`; after kill -9 of the daemon mid-backlog,
# nothing is missing once it starts again.
. "$(dirname "$0")/lib.sh"
export SSH_LOG_LEVEL=ERROR
start_target
write_config
cat >>"$CONFIG" <<CFG
notify:
  - name: log
    events: [request_created, request_decided]
    command: [sh, -c, 'cat >>"$WORK/log.out"']
  - name: flaky
    events: ["*"]
    command: [sh, -c, 'test -e "$WORK/flaky.ok" && cat >>"$WORK/flaky.out"']
  - name: slow
    events: [request_created]
    command: [sh, -c, 'read -r line; printf "%s\n" "\$line" >>"$WORK/slow.out"; sleep 0.3']
CFG
for t in router1 router2 dead; do
	ctl targets pubkey "$t" >>"$WORK/target_authorized_keys" || fail "targets pubkey $t"
done
start_gateway
# The notifier takes its starting point (the newest event) on its first look.
for _ in $(seq 100); do ctl notify status --json | grep -q '"destination":"slow"' && break; sleep 0.1; done

request() {	# TICKET: a request from alice; prints its id
	gw_ssh alice alice request --target router1 --ticket "$1" --level 3 --reason r --valid 1h 2>&1 |
		sed -n 's/^request \([0-9]*\) filed.*/\1/p'
}
wait_lines() {	# FILE N: until FILE has N lines (bounded)
	for _ in $(seq 300); do [ "$(wc -l <"$1" 2>/dev/null || echo 0)" -ge "$2" ] && return 0; sleep 0.1; done
	return 1
}
ids_of() { python3 -c 'import json,sys; print(" ".join(str(json.loads(l)["id"]) for l in open(sys.argv[1]) if l.strip()))' "$1"; }

log "request_created and the decision reach the destination, as JSON"
id=$(request N-1)
ctl requests approve "$id" --approver wang --method phone >/dev/null || fail approve
wait_lines "$WORK/log.out" 2 || fail "log got: $(cat "$WORK/log.out" 2>/dev/null)"
python3 - "$WORK/log.out" <<'PY' || fail "log.out: $(cat "$WORK/log.out")"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
assert [e["kind"] for e in ev] == ["request_created", "request_approved"], ev
assert ev[0]["engineer"] == "alice" and ev[0]["gateway"], ev[0]
PY

log "a failing command: retried with backoff, shown in notify status, then delivered in order"
ctl notify status --json | python3 -c '
import json, sys
d = {x["destination"]: x for x in json.load(sys.stdin)}["flaky"]
assert d["failed_attempts"] >= 1 and d["backlog"] >= 1 and "exited 1" in d["last_error"], d' ||
	fail "notify status does not show the failure: $(ctl notify status)"
touch "$WORK/flaky.ok"
for _ in $(seq 300); do
	ctl notify status --json | python3 -c 'import json,sys; d={x["destination"]:x for x in json.load(sys.stdin)}["flaky"]; sys.exit(d["backlog"] != 0)' && break
	sleep 0.1
done
ids=$(ids_of "$WORK/flaky.out")
python3 -c 'import sys; i=list(map(int,sys.argv[1].split())); assert i == sorted(i) and len(i) == len(set(i)) and len(i) >= 2, i' "$ids" ||
	fail "flaky got ids out of order or twice: $ids"

log "kill -9 of the daemon mid-backlog: nothing missing after the restart"
for n in $(seq 8); do request "K-$n" >/dev/null; done
wait_lines "$WORK/slow.out" 2 || fail "the slow destination did not start"
for child in $(pgrep -P "$GW_PID"); do kill -9 "$child"; done
kill -9 "$GW_PID"
start_gateway
want=$(ctl events list --json | python3 -c '
import json, sys
first = int(sys.argv[1])
print(" ".join(str(e["id"]) for e in json.load(sys.stdin) if e["kind"] == "request_created" and e["id"] >= first))' \
	"$(ids_of "$WORK/slow.out" | cut -d" " -f1)")
for _ in $(seq 300); do
	python3 -c 'import sys; sys.exit(not set(sys.argv[1].split()) <= set(sys.argv[2].split()))' "$want" "$(ids_of "$WORK/slow.out")" && break
	sleep 0.1
done
got=$(ids_of "$WORK/slow.out")
python3 -c '
import sys
want, got = sys.argv[1].split(), sys.argv[2].split()
assert set(want) <= set(got), ("missing", set(want) - set(got))
g = list(map(int, got)); assert g == sorted(g), ("out of order", g)' "$want" "$got" || fail "after kill -9: want $want, got $got"
assert_contains "status after the restart" "$(ctl notify status)" "slow"
done_ok
