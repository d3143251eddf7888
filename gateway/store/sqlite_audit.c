/* Session rows and audit events in the store. */
#include "sqlite_private.h"
#include "audit.h"
#include "evchain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *
col_text(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

static void
bind_id_or_null(sqlite3_stmt *s, int i, int64_t v)
{
	if (v > 0)
		sqlite3_bind_int64(s, i, v);
	else
		sqlite3_bind_null(s, i);
}

#define EVENT_COLUMNS "SELECT id, ts, kind, session_id, engineer, target, approval_id, client_addr, reason, detail," \
	" actor, seq, prev_hash, hash FROM events"

static struct audit_event
event_of(sqlite3_stmt *s)
{
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
		.actor = col_text(s, 10),
		.seq = sqlite3_column_int64(s, 11),
		.prev_hash = col_text(s, 12),
		.hash = col_text(s, 13),
	};

	return ev;
}

/* The newest chained event: its seq and hash (0 and "" when there is none). 0 or -1. */
static int
chain_head(struct store *st, int64_t *seq, char hash[EVCHAIN_HEX_LEN + 1])
{
	sqlite3_stmt *s = store_prepare(st, "SELECT seq, hash FROM events WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1");
	int rc;

	*seq = 0;
	hash[0] = '\0';
	if (s == NULL)
		return -1;
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*seq = sqlite3_column_int64(s, 0);
		snprintf(hash, EVCHAIN_HEX_LEN + 1, "%s", col_text(s, 1) ? col_text(s, 1) : "");
	}
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/*
 * The rows from before the chain (migration 013) are chained once, in id
 * order, by the first event after it. Later unchained rows were written
 * outside the gateway and stay so: events verify names them.
 */
static int
chain_legacy(struct store *st, int64_t *seq, char hash[EVCHAIN_HEX_LEN + 1])
{
	for (;;) {
		sqlite3_stmt *s = store_prepare(st, EVENT_COLUMNS " WHERE seq IS NULL ORDER BY id LIMIT 1"), *u;
		struct audit_event ev;
		char h[EVCHAIN_HEX_LEN + 1];
		int rc;

		if (s == NULL)
			return -1;
		if ((rc = sqlite3_step(s)) != SQLITE_ROW) {
			sqlite3_finalize(s);
			return rc == SQLITE_DONE ? 0 : -1;
		}
		ev = event_of(s);
		ev.seq = *seq + 1;
		if (evchain_hash(hash, &ev, h) != 0 ||
		    (u = store_prepare(st, "UPDATE events SET seq = ?, prev_hash = ?, hash = ? WHERE id = ?")) == NULL) {
			sqlite3_finalize(s);
			return -1;
		}
		sqlite3_bind_int64(u, 1, ev.seq);
		store_bind_text_or_null(u, 2, *hash ? hash : NULL);
		sqlite3_bind_text(u, 3, h, -1, SQLITE_STATIC);
		sqlite3_bind_int64(u, 4, ev.id);
		sqlite3_finalize(s);
		if (store_step_done(u) != 0)
			return -1;
		*seq = ev.seq;
		snprintf(hash, EVCHAIN_HEX_LEN + 1, "%s", h);
	}
}

static int
event_insert(struct store *st, const struct audit_event *ev, int64_t ts)
{
	struct audit_event e = *ev;
	char prev[EVCHAIN_HEX_LEN + 1], h[EVCHAIN_HEX_LEN + 1];
	sqlite3_stmt *s;

	if (chain_head(st, &e.seq, prev) != 0 || (e.seq == 0 && chain_legacy(st, &e.seq, prev) != 0))
		return -1;
	e.seq++;
	e.ts = ts;
	if (e.approval_id < 0)
		e.approval_id = 0;	/* stored as NULL, read back as 0 */
	if (evchain_hash(prev, &e, h) != 0)
		return -1;
	s = store_prepare(st,
	    "INSERT INTO events (ts, kind, session_id, engineer, target, approval_id, client_addr, reason, detail,"
	    " actor, seq, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, ts);
	sqlite3_bind_text(s, 2, e.kind, -1, SQLITE_STATIC);
	store_bind_text_or_null(s, 3, e.session_id);
	store_bind_text_or_null(s, 4, e.engineer);
	store_bind_text_or_null(s, 5, e.target);
	bind_id_or_null(s, 6, e.approval_id);
	store_bind_text_or_null(s, 7, e.client_addr);
	store_bind_text_or_null(s, 8, e.reason);
	store_bind_text_or_null(s, 9, e.detail);
	store_bind_text_or_null(s, 10, e.actor);
	sqlite3_bind_int64(s, 11, e.seq);
	store_bind_text_or_null(s, 12, *prev ? prev : NULL);
	sqlite3_bind_text(s, 13, h, -1, SQLITE_STATIC);
	return store_step_done(s);
}

int
audit_events_head(struct store *st, int64_t *seq)
{
	char hash[EVCHAIN_HEX_LEN + 1];

	return chain_head(st, seq, hash);
}

/* Read the head and append under one write lock: the caller's transaction, or one of its own. */
int
audit_event_add(struct store *st, const struct audit_event *ev, int64_t ts)
{
	int own = sqlite3_get_autocommit(store_db(st)), r;

	if (own && store_exec(st, "BEGIN IMMEDIATE") != 0)
		return -1;
	r = event_insert(st, ev, ts);
	if (own) {
		if (r == 0 && store_exec(st, "COMMIT") != 0)
			r = -1;
		if (r != 0)
			(void)store_exec(st, "ROLLBACK");
	}
	return r;
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

static int
each_event(sqlite3_stmt *s, int (*cb)(const struct audit_event *, void *), void *arg)
{
	int rc, r = 0;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct audit_event ev = event_of(s);

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

/* Events after `after` in the order of key (id or seq, the only two), at most limit. */
static int
events_after(struct store *st, int by_seq, int64_t after, int limit, int (*cb)(const struct audit_event *, void *),
    void *arg)
{
	sqlite3_stmt *s = store_prepare(st, by_seq ? EVENT_COLUMNS " WHERE seq > ? ORDER BY seq LIMIT ?" :
	    EVENT_COLUMNS " WHERE id > ? ORDER BY id LIMIT ?");

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, after);
	sqlite3_bind_int(s, 2, limit);
	return each_event(s, cb, arg);
}

int
audit_events_since_seq(struct store *st, int64_t after_seq, int limit, int (*cb)(const struct audit_event *, void *),
    void *arg)
{
	return events_after(st, 1, after_seq, limit, cb, arg);
}

int
audit_events_after(struct store *st, int64_t after_id, int limit, int (*cb)(const struct audit_event *, void *),
    void *arg)
{
	return events_after(st, 0, after_id, limit, cb, arg);
}
