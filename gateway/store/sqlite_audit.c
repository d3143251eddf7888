/* Session rows and audit events in the store. */
#include "sqlite_private.h"
#include "audit.h"

#include <stdlib.h>
#include <string.h>

static void
bind_id_or_null(sqlite3_stmt *s, int i, int64_t v)
{
	if (v > 0)
		sqlite3_bind_int64(s, i, v);
	else
		sqlite3_bind_null(s, i);
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
	store_bind_text_or_null(s, 3, ev->session_id);
	store_bind_text_or_null(s, 4, ev->engineer);
	store_bind_text_or_null(s, 5, ev->target);
	bind_id_or_null(s, 6, ev->approval_id);
	store_bind_text_or_null(s, 7, ev->client_addr);
	store_bind_text_or_null(s, 8, ev->reason);
	store_bind_text_or_null(s, 9, ev->detail);
	return store_step_done(s);
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
	return store_step_done(s);
}

int
audit_session_kind(struct store *st, const char *id, const char *kind, const char *command)
{
	sqlite3_stmt *s = store_prepare(st, "UPDATE sessions SET kind = ?, command = ? WHERE id = ?");

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
	store_bind_text_or_null(s, 2, command);
	sqlite3_bind_text(s, 3, id, -1, SQLITE_STATIC);
	return store_step_done(s);
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
	store_bind_text_or_null(s, 3, a->exit_signal);
	store_bind_text_or_null(s, 4, a->end_reason);
	sqlite3_bind_int64(s, 5, a->bytes_in);
	sqlite3_bind_int64(s, 6, a->bytes_out);
	sqlite3_bind_text(s, 7, a->id, -1, SQLITE_STATIC);
	return store_step_done(s);
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

#define SESSION_COLUMNS \
	"SELECT id, engineer, target, approval_id, client_addr, pid, kind, command, started_at," \
	" ended_at, exit_status, exit_signal, end_reason, bytes_in, bytes_out, recording, rec_records, rec_head" \
	" FROM sessions"

static int
each_session(sqlite3_stmt *s, int (*cb)(const struct audit_session *, void *), void *arg)
{
	int rc, r = 0;

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
			.recording = col_text(s, 15),
			.rec_records = sqlite3_column_type(s, 16) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, 16),
			.rec_head = col_text(s, 17),
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
audit_session_list(struct store *st, int (*cb)(const struct audit_session *, void *), void *arg)
{
	sqlite3_stmt *s = store_prepare(st, SESSION_COLUMNS " ORDER BY started_at DESC, rowid DESC");

	return s == NULL ? -1 : each_session(s, cb, arg);
}

struct get_ctx {
	int found;
	int (*cb)(const struct audit_session *, void *);
	void *arg;
};

static int
get_one(const struct audit_session *a, void *arg)
{
	struct get_ctx *g = arg;

	g->found = 1;
	return g->cb(a, g->arg);
}

int
audit_session_get(struct store *st, const char *id, int (*cb)(const struct audit_session *, void *), void *arg)
{
	sqlite3_stmt *s = store_prepare(st, SESSION_COLUMNS " WHERE id = ?");
	struct get_ctx g = { 0, cb, arg };

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	if (each_session(s, get_one, &g) < 0)
		return -1;
	return g.found ? 0 : 1;
}

int
audit_session_recording(struct store *st, const char *id, const char *path)
{
	sqlite3_stmt *s = store_prepare(st, "UPDATE sessions SET recording = ? WHERE id = ?");

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, path, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
	return store_step_done(s);
}

int
audit_session_sealed(struct store *st, const char *id, uint32_t records, const char *head_hex)
{
	sqlite3_stmt *s = store_prepare(st, "UPDATE sessions SET rec_records = ?, rec_head = ? WHERE id = ?");

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, records);
	sqlite3_bind_text(s, 2, head_hex, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, id, -1, SQLITE_STATIC);
	return store_step_done(s);
}

int
audit_session_request_kill(struct store *st, const char *id, const char *by, const char *reason, int64_t now)
{
	sqlite3_stmt *s = store_prepare(st,
	    "UPDATE sessions SET kill_requested_at = ?, kill_requested_by = ?, kill_reason = ?"
	    " WHERE id = ? AND ended_at IS NULL");
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_text(s, 2, by, -1, SQLITE_STATIC);
	store_bind_text_or_null(s, 3, reason);
	sqlite3_bind_text(s, 4, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return -1;
	return sqlite3_changes(store_db(st)) == 1 ? 0 : 1;
}

int
audit_session_kill_request(struct store *st, const char *id, char **by, char **reason)
{
	sqlite3_stmt *s = store_prepare(st,
	    "SELECT kill_requested_by, kill_reason FROM sessions WHERE id = ? AND kill_requested_at IS NOT NULL");
	int rc, r = 1;

	*by = *reason = NULL;
	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*by = strdup(col_text(s, 0) ? col_text(s, 0) : "unknown");
		*reason = col_text(s, 1) ? strdup(col_text(s, 1)) : NULL;
		r = *by ? 0 : -1;
	} else if (rc != SQLITE_DONE) {
		r = -1;
	}
	sqlite3_finalize(s);
	return r;
}

#define EVENT_COLUMNS "SELECT id, ts, kind, session_id, engineer, target, approval_id, client_addr, reason, detail FROM events"

static int
each_event(sqlite3_stmt *s, int (*cb)(const struct audit_event *, void *), void *arg)
{
	int rc, r = 0;

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

int
audit_event_list(struct store *st, int (*cb)(const struct audit_event *, void *), void *arg)
{
	sqlite3_stmt *s = store_prepare(st, EVENT_COLUMNS " ORDER BY id");

	return s == NULL ? -1 : each_event(s, cb, arg);
}

int
audit_events_after(struct store *st, int64_t after_id, int limit, int (*cb)(const struct audit_event *, void *),
    void *arg)
{
	sqlite3_stmt *s = store_prepare(st, EVENT_COLUMNS " WHERE id > ? ORDER BY id LIMIT ?");

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, after_id);
	sqlite3_bind_int(s, 2, limit);
	return each_event(s, cb, arg);
}
