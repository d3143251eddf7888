/* Ticket rows (tickets.h): derived from approvals, sessions and reports, escalated once per limit. */
#include "sqlite_private.h"
#include "tickets.h"

#include <string.h>

int
ticket_store_sync(struct store *st, int64_t now)
{
	static const char *const sql[] = {
		/* A ticket opens with its first approval: that approval's level and reported time. */
		"INSERT OR IGNORE INTO tickets (ticket, opened_level, level, level_history, reported_at, opened_at)"
		" SELECT a.ticket, a.level, a.level, 'level ' || a.level || ' opened', coalesce(a.reported_at, a.created_at),"
		" a.created_at FROM approvals a WHERE a.id = (SELECT min(id) FROM approvals b WHERE b.ticket = a.ticket)",
		/* The response: the first session under any approval of the ticket. */
		"UPDATE tickets SET response_done_at = (SELECT min(s.started_at) FROM sessions s JOIN approvals a"
		" ON a.id = s.approval_id WHERE a.ticket = tickets.ticket) WHERE response_done_at IS NULL",
		/* Closed by the first report that restored or repaired the service. */
		"UPDATE tickets SET closed_at = (SELECT min(r.created_at) FROM reports r WHERE r.ticket = tickets.ticket"
		" AND r.result IN ('restored', 'repaired') AND r.report_json != ''),"
		" closed_by_report = (SELECT r.id FROM reports r WHERE r.ticket = tickets.ticket"
		" AND r.result IN ('restored', 'repaired') AND r.report_json != '' ORDER BY r.created_at, r.id LIMIT 1)"
		" WHERE closed_at IS NULL",
	};

	(void)now;
	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++)
		if (store_exec(st, sql[i]) != 0)
			return -1;
	return 0;
}

int
ticket_store_list(struct store *st, int (*cb)(const struct ticket_row *, void *), void *arg)
{
	sqlite3_stmt *s = store_prepare(st,
	    "SELECT ticket, opened_level, level, level_history, reported_at, opened_at, response_done_at,"
	    " response_escalated_at, repair_escalated_at, closed_at, closed_by_report FROM tickets"
	    " ORDER BY closed_at IS NOT NULL, reported_at");
	int rc, r = 0;

	if (s == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct ticket_row t = {
			.ticket = (const char *)sqlite3_column_text(s, 0),
			.opened_level = sqlite3_column_int(s, 1),
			.level = sqlite3_column_int(s, 2),
			.level_history = (const char *)sqlite3_column_text(s, 3),
			.reported_at = sqlite3_column_int64(s, 4),
			.opened_at = sqlite3_column_int64(s, 5),
			.response_done_at = sqlite3_column_int64(s, 6),
			.response_escalated_at = sqlite3_column_int64(s, 7),
			.repair_escalated_at = sqlite3_column_int64(s, 8),
			.closed_at = sqlite3_column_int64(s, 9),
			.closed_by_report = sqlite3_column_int64(s, 10),
		};
		if ((r = cb(&t, arg)) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = -1;
	sqlite3_finalize(s);
	return r;
}

int
ticket_store_escalate(struct store *st, const char *ticket, const char *limit, int64_t now, const char *why)
{
	int response = strcmp(limit, "response") == 0;
	sqlite3_stmt *s = store_prepare(st, response ?
	    "UPDATE tickets SET response_escalated_at = ?1, level = max(1, level - 1),"
	    " level_history = level_history || '; ' || ?2 WHERE ticket = ?3 AND response_escalated_at IS NULL" :
	    "UPDATE tickets SET repair_escalated_at = ?1, level = max(1, level - 1),"
	    " level_history = level_history || '; ' || ?2 WHERE ticket = ?3 AND repair_escalated_at IS NULL");

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_text(s, 2, why, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, ticket, -1, SQLITE_STATIC);
	if (store_step_done(s) != 0)
		return -1;
	return sqlite3_changes(store_db(st)) == 1 ? 1 : 0;
}
