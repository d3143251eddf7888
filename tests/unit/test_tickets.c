/*
 * tickets.c and the ticket rows: a ticket opens with its first approval,
 * its deadlines come from fault_levels, an unmet deadline escalates once
 * (level one step up, an event), a session is the response and a report
 * restoring the service closes it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/sqlite_private.h"
#include "approval.h"
#include "audit.h"
#include "config.h"
#include "tickets.h"
#include "tap.h"
#include "token.h"

static struct ticket_row got;
static char history[600], name[64];

static int
take(const struct ticket_row *t, void *arg)
{
	if (strcmp(t->ticket, (const char *)arg) == 0) {
		got = *t;
		snprintf(history, sizeof(history), "%s", t->level_history);
		snprintf(name, sizeof(name), "%s", t->ticket);
		got.level_history = history;
		got.ticket = name;
	}
	return 0;
}

static int
escalation_events(struct store *st)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT count(*) FROM events WHERE kind = 'escalation'");
	int n = -1;

	if (s != NULL && sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return n;
}

int
main(void)
{
	char dir[] = "/tmp/remgate-test-tickets.XXXXXX", path[300], err[300], tok[TOKEN_MAX_LEN + 1];
	struct store *st = NULL;
	struct config cfg = { 0 };
	struct approval_request req = { .engineer = "alice", .target = "router1", .ticket = "T-1", .level = 3,
		.phase = "diagnose", .approver = "wang", .method = "phone", .valid_from = 1000, .valid_until = 90000,
		.max_sessions = 5, .created_by = "test", .reported_at = 900 };
	int64_t aid;

	if (mkdtemp(dir) == NULL)
		return 99;
	snprintf(path, sizeof(path), "%s/remgate.db", dir);
	if (store_open(path, &st, err, sizeof(err)) != 0)
		return 99;
	cfg.levels[3] = (struct fault_level){ .respond = 600, .restore = 3600 };
	cfg.levels[2] = (struct fault_level){ .respond = 300, .restore = 1800 };

	ok(approval_create(st, &req, 1000, &aid, tok, sizeof(tok), err, sizeof(err)) == 0, "an approval opens a ticket");
	req.level = 1;
	req.reported_at = 0;
	ok(approval_create(st, &req, 1100, &aid, tok, sizeof(tok), err, sizeof(err)) == 0, "a second approval, same ticket");
	is_int(tickets_sync(st, 1200), 0, "synced");
	ticket_store_list(st, take, "T-1");
	ok(got.opened_level == 3 && got.level == 3 && got.reported_at == 900, "the first approval's level and report time");
	is_int((int)ticket_response_due(&cfg, &got), 900 + 600, "response due: reported + respond");
	is_int((int)ticket_repair_due(&cfg, &got), 900 + 3600, "repair due: reported + restore");

	is_int(tickets_escalate(st, &cfg, 1499), 0, "nothing before the response limit");
	is_int(tickets_escalate(st, &cfg, 1500), 1, "the response limit escalates");
	is_int(tickets_escalate(st, &cfg, 1600), 0, "once");
	ticket_store_list(st, take, "T-1");
	ok(got.level == 2 && got.response_escalated_at == 1500, "level raised 3 -> 2");
	contains(history, "level 2 at", "the history says so");
	is_int(tickets_escalate(st, &cfg, 4500), 1, "the repair limit escalates");
	is_int(tickets_escalate(st, &cfg, 9000), 0, "once");
	ticket_store_list(st, take, "T-1");
	is_int(got.level, 1, "level raised 2 -> 1");
	is_int(escalation_events(st), 2, "two escalation events");

	/* A second ticket: a session in time, then a restoring report closes it. */
	req.ticket = "T-2";
	req.level = 2;
	req.reported_at = 0;
	ok(approval_create(st, &req, 10000, &aid, tok, sizeof(tok), err, sizeof(err)) == 0, "ticket T-2");
	{
		struct audit_session row = { .id = "s1", .engineer = "alice", .target = "router1", .approval_id = aid,
			.client_addr = "127.0.0.1:1", .pid = 1, .started_at = 10100 };

		ok(audit_session_begin(st, &row) == 0, "a session under it");
	}
	is_int(tickets_sync(st, 10200), 0, "synced");
	is_int(tickets_escalate(st, &cfg, 10000 + 300), 0, "the session answered the response limit");
	ok(store_exec(st, "INSERT INTO reports (created_at, created_by, ticket, level, targets, engineers, fault, cause,"
	    " actions, result, prevention, escalate, bundle_dir, report_json, signing_key) VALUES (10500, 't', 'T-2', 2,"
	    " 'router1', 'alice', 'f', 'c', 'a', 'restored', 'p', 0, '/x', '{}', 'k')") == 0, "a restoring report");
	is_int(tickets_sync(st, 10600), 0, "synced");
	ticket_store_list(st, take, "T-2");
	ok(got.response_done_at == 10100 && got.closed_at == 10500 && got.closed_by_report > 0, "responded and closed");
	is_int(tickets_escalate(st, &cfg, 10000 + 1800), 0, "a closed ticket does not escalate");
	is_int(escalation_events(st), 2, "still two escalation events");

	store_close(st);
	{
		char cmd[400];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
	}
	return done();
}
