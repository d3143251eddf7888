#!/bin/bash
# Live fault clocks (issue 13, docs/tickets.md): a ticket with second-scale
# limits escalates on time, once per limit, its level raised each time, the
# escalation an event that reaches notify:; a session answers the response
# limit and a report with result restored closes the ticket.
. "$(dirname "$0")/lib.sh"
export SSH_LOG_LEVEL=ERROR
start_target
write_config
cat >>"$CONFIG" <<CFG
fault_levels:
  3: { respond: 3s, restore: 20s }
  2: { respond: 1h, restore: 2h }
notify:
  - name: oncall
    events: [escalation]
    command: [sh, -c, 'cat >>"$WORK/oncall.out"']
CFG
for t in router1 router2 dead; do
	ctl targets pubkey "$t" >>"$WORK/target_authorized_keys" || fail "targets pubkey $t"
done
start_gateway
escalations() {	# TICKET: escalation events naming it
	ctl events list --json | python3 -c '
import json, sys
print(sum(1 for e in json.load(sys.stdin) if e["kind"] == "escalation" and ("ticket %s:" % sys.argv[1]) in e["detail"]))' "$1"
}
field() {	# TICKET FIELD
	ctl tickets list --json | python3 -c '
import json, sys
t = [x for x in json.load(sys.stdin) if x["ticket"] == sys.argv[1]]
print(t[0].get(sys.argv[2], "") if t else "missing")' "$1" "$2"
}
until_eq() {	# WANT COMMAND...: until the command prints WANT (bounded, 45 s)
	want=$1; shift
	for _ in $(seq 450); do [ "$("$@")" = "$want" ] && return 0; sleep 0.1; done
	return 1
}

log "a level 3 ticket with no session: the response limit escalates, then the repair limit, once each"
ctl approve --engineer alice --target router1 --ticket LATE-1 --level 3 --approver wang --method phone --valid 1h >/dev/null ||
	fail approve
until_eq 1 escalations LATE-1 || fail "no response escalation: $(ctl tickets list)"
assert_eq "level raised to 2" 2 "$(field LATE-1 level)"
until_eq 2 escalations LATE-1 || fail "no repair escalation: $(ctl tickets list)"
assert_eq "level raised to 1" 1 "$(field LATE-1 level)"
assert_contains "the history" "$(field LATE-1 level_history)" "response limit passed"
assert_eq "late" late "$(field LATE-1 status)"
assert_eq "once per limit (both limits raised, nothing twice)" 2 "$(escalations LATE-1)"
until_eq 2 sh -c "grep -c '\"kind\":\"escalation\"' '$WORK/oncall.out' 2>/dev/null" || fail "notify did not get both escalations"

log "a ticket answered by a session and closed by a report restoring the service"
TOKEN=$(ctl approve --engineer alice --target router1 --ticket OK-1 --level 2 --approver wang --method phone --valid 1h) ||
	fail approve
TOKEN=$TOKEN gw_ssh alice alice+router1 'echo fixed' >/dev/null || fail "session"
sid=$(last_sid)
until_eq working field OK-1 status || fail "the session did not count as the response: $(ctl tickets list)"
cat >"$WORK/n.yaml" <<Y
fault: "link down"
cause: "bad optic"
actions: "replaced the optic"
result: restored
prevention: "spares on site"
Y
ctl report create "$sid" --from "$WORK/n.yaml" --out "$WORK/bundle" >/dev/null || fail "report create"
until_eq closed field OK-1 status || fail "the report did not close the ticket: $(ctl tickets list)"
assert_eq "no escalation for a ticket done in time" 0 "$(escalations OK-1)"
done_ok
