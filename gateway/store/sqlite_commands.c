/* Command rows: written by the session as cmdlog finds them, read by remgatectl. */
#include "sqlite_private.h"
#include "commands.h"

#include <string.h>

int
commands_add(struct store *st, const char *sid, int seq, const struct cmd_entry *e)
{
	sqlite3_stmt *s = store_prepare(st,
	    "INSERT INTO commands (session_id, seq, ts_us, kind, text, certain, guard) VALUES (?,?,?,?,?,?,?)");
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, sid, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, seq);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)e->time_us);
	sqlite3_bind_text(s, 4, cmdlog_kind_name(e->kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, e->text, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 6, e->certain ? 1 : 0);
	store_bind_text_or_null(s, 7, e->guard);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
each_row(sqlite3_stmt *s, int (*cb)(const struct command_row *, void *), void *arg)
{
	int rc, r = 0;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct command_row row = {
			.session_id = (const char *)sqlite3_column_text(s, 0),
			.seq = sqlite3_column_int(s, 1),
			.ts_us = sqlite3_column_int64(s, 2),
			.kind = (const char *)sqlite3_column_text(s, 3),
			.text = (const char *)sqlite3_column_text(s, 4),
			.certain = sqlite3_column_int(s, 5),
			.engineer = (const char *)sqlite3_column_text(s, 6),
			.target = (const char *)sqlite3_column_text(s, 7),
			.guard = (const char *)sqlite3_column_text(s, 8),
		};
		if ((r = cb(&row, arg)) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = -1;
	sqlite3_finalize(s);
	return r;
}

#define COMMAND_COLUMNS \
	"SELECT c.session_id, c.seq, c.ts_us, c.kind, c.text, c.certain, s.engineer, s.target, c.guard" \
	" FROM commands c JOIN sessions s ON s.id = c.session_id"

int
commands_list(struct store *st, const char *sid, int (*cb)(const struct command_row *, void *), void *arg)
{
	sqlite3_stmt *s = store_prepare(st, COMMAND_COLUMNS " WHERE c.session_id = ? ORDER BY c.seq");

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, sid, -1, SQLITE_STATIC);
	return each_row(s, cb, arg);
}

int
commands_search(struct store *st, const char *needle, int (*cb)(const struct command_row *, void *), void *arg)
{
	/* instr, not LIKE: the text is matched as given, % and _ included. */
	sqlite3_stmt *s = store_prepare(st, COMMAND_COLUMNS " WHERE instr(c.text, ?) > 0 ORDER BY c.ts_us, c.seq");

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, needle, -1, SQLITE_STATIC);
	return each_row(s, cb, arg);
}
