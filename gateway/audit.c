/* Session rows and audit events in the store. */
#include "audit.h"

#include <string.h>

static void
bind_text_or_null(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

static void
bind_id_or_null(sqlite3_stmt *s, int i, int64_t v)
{
	if (v > 0)
		sqlite3_bind_int64(s, i, v);
	else
		sqlite3_bind_null(s, i);
}

static int
step_done(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
audit_event_add(struct store *st, const struct audit_event *ev, int64_t ts)
{
	sqlite3_stmt *s = store_prepare(st,
	    "INSERT INTO events (ts, kind, session_id, engineer, target, approval_id, client_addr, reason, detail)"
	    " VALUES (?,?,?,?,?,?,?,?,?)");

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, ts);
	sqlite3_bind_text(s, 2, ev->kind, -1, SQLITE_STATIC);
	bind_text_or_null(s, 3, ev->session_id);
	bind_text_or_null(s, 4, ev->engineer);
	bind_text_or_null(s, 5, ev->target);
	bind_id_or_null(s, 6, ev->approval_id);
	bind_text_or_null(s, 7, ev->client_addr);
	bind_text_or_null(s, 8, ev->reason);
	bind_text_or_null(s, 9, ev->detail);
	return step_done(s);
}

int
audit_session_begin(struct store *st, const struct audit_session *a)
{
	sqlite3_stmt *s = store_prepare(st,
	    "INSERT INTO sessions (id, engineer, target, approval_id, client_addr, pid, started_at)"
	    " VALUES (?,?,?,?,?,?,?)");

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, a->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, a->engineer, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, a->target, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, a->approval_id);
	sqlite3_bind_text(s, 5, a->client_addr, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, a->pid);
	sqlite3_bind_int64(s, 7, a->started_at);
	return step_done(s);
}

int
audit_session_kind(struct store *st, const char *id, const char *kind, const char *command)
{
	sqlite3_stmt *s = store_prepare(st, "UPDATE sessions SET kind = ?, command = ? WHERE id = ?");

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
	bind_text_or_null(s, 2, command);
	sqlite3_bind_text(s, 3, id, -1, SQLITE_STATIC);
	return step_done(s);
}

int
audit_session_end(struct store *st, const struct audit_session *a)
{
	sqlite3_stmt *s = store_prepare(st,
	    "UPDATE sessions SET ended_at = ?, exit_status = ?, exit_signal = ?, end_reason = ?,"
	    " bytes_in = ?, bytes_out = ? WHERE id = ?");

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, a->ended_at);
	if (a->exit_status >= 0)
		sqlite3_bind_int(s, 2, a->exit_status);
	else
		sqlite3_bind_null(s, 2);
	bind_text_or_null(s, 3, a->exit_signal);
	bind_text_or_null(s, 4, a->end_reason);
	sqlite3_bind_int64(s, 5, a->bytes_in);
	sqlite3_bind_int64(s, 6, a->bytes_out);
	sqlite3_bind_text(s, 7, a->id, -1, SQLITE_STATIC);
	return step_done(s);
}

int
audit_sessions_close_abnormal(struct store *st, int64_t pid, const char *reason, int64_t now)
{
	sqlite3_stmt *s = store_prepare(st,
	    "UPDATE sessions SET ended_at = ?, end_reason = ? WHERE ended_at IS NULL AND (? = 0 OR pid = ?)");
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_text(s, 2, reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, pid);
	sqlite3_bind_int64(s, 4, pid);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? sqlite3_changes(store_db(st)) : -1;
}

static const char *
col_text(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

int
audit_session_list(struct store *st, int (*cb)(const struct audit_session *, void *), void *arg)
{
	sqlite3_stmt *s = store_prepare(st,
	    "SELECT id, engineer, target, approval_id, client_addr, pid, kind, command, started_at,"
	    " ended_at, exit_status, exit_signal, end_reason, bytes_in, bytes_out"
	    " FROM sessions ORDER BY started_at DESC, rowid DESC");
	int rc, r = 0;

	if (s == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct audit_session a = {
			.id = col_text(s, 0),
			.engineer = col_text(s, 1),
			.target = col_text(s, 2),
			.approval_id = sqlite3_column_int64(s, 3),
			.client_addr = col_text(s, 4),
			.pid = sqlite3_column_int64(s, 5),
			.kind = col_text(s, 6),
			.command = col_text(s, 7),
			.started_at = sqlite3_column_int64(s, 8),
			.ended_at = sqlite3_column_int64(s, 9),
			.exit_status = sqlite3_column_type(s, 10) == SQLITE_NULL ? -1 : sqlite3_column_int(s, 10),
			.exit_signal = col_text(s, 11),
			.end_reason = col_text(s, 12),
			.bytes_in = sqlite3_column_int64(s, 13),
			.bytes_out = sqlite3_column_int64(s, 14),
		};
		if ((r = cb(&a, arg)) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = -1;
	sqlite3_finalize(s);
	return r;
}

int
audit_event_list(struct store *st, int (*cb)(const struct audit_event *, void *), void *arg)
{
	sqlite3_stmt *s = store_prepare(st,
	    "SELECT id, ts, kind, session_id, engineer, target, approval_id, client_addr, reason, detail"
	    " FROM events ORDER BY id");
	int rc, r = 0;

	if (s == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct audit_event ev = {
			.id = sqlite3_column_int64(s, 0),
			.ts = sqlite3_column_int64(s, 1),
			.kind = col_text(s, 2),
			.session_id = col_text(s, 3),
			.engineer = col_text(s, 4),
			.target = col_text(s, 5),
			.approval_id = sqlite3_column_int64(s, 6),
			.client_addr = col_text(s, 7),
			.reason = col_text(s, 8),
			.detail = col_text(s, 9),
		};
		if ((r = cb(&ev, arg)) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = -1;
	sqlite3_finalize(s);
	return r;
}
