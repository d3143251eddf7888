/* Access request rows (request.h): filed by engineers, decided by administrators. */
#include "sqlite_private.h"
#include "request.h"

#include <string.h>

int
request_store_open(struct store *st, const struct request_row *r, int64_t *id)
{
	sqlite3_stmt *s = store_prepare(st,
	    "INSERT INTO requests (engineer, target, ticket, level, phase, ops, reason, valid_secs, sessions,"
	    " requested_at, expires_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)");

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, r->engineer, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, r->target, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, r->ticket, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 4, r->level);
	sqlite3_bind_text(s, 5, r->phase, -1, SQLITE_STATIC);
	store_bind_text_or_null(s, 6, r->ops && *r->ops ? r->ops : NULL);
	sqlite3_bind_text(s, 7, r->reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 8, r->valid_secs);
	sqlite3_bind_int(s, 9, r->sessions);
	sqlite3_bind_int64(s, 10, r->requested_at);
	sqlite3_bind_int64(s, 11, r->expires_at);
	if (store_step_done(s) != 0)
		return -1;
	*id = sqlite3_last_insert_rowid(store_db(st));
	return 0;
}

static int
changed(struct store *st, sqlite3_stmt *s)
{
	if (store_step_done(s) != 0)
		return -1;
	return sqlite3_changes(store_db(st)) == 1 ? 1 : 0;
}

int
request_store_decide(struct store *st, int64_t id, const char *status, const char *by, const char *note,
    int64_t now)
{
	/* Only from pending; an admin's denial in time, an expiry after it, a cancel whenever. */
	const char *sql = strcmp(status, "expired") == 0 ?
	    "UPDATE requests SET status = ?1, decided_at = ?2, decided_by = ?3, note = ?4"
	    " WHERE id = ?5 AND status = 'pending' AND expires_at <= ?2" :
	    strcmp(status, "denied") == 0 ?
	    "UPDATE requests SET status = ?1, decided_at = ?2, decided_by = ?3, note = ?4"
	    " WHERE id = ?5 AND status = 'pending' AND ?2 < expires_at" :
	    strcmp(status, "cancelled") == 0 ?
	    "UPDATE requests SET status = ?1, decided_at = ?2, decided_by = ?3, note = ?4"
	    " WHERE id = ?5 AND status = 'pending'" : NULL;
	sqlite3_stmt *s;

	if (sql == NULL || (s = store_prepare(st, sql)) == NULL)
		return -1;
	sqlite3_bind_text(s, 1, status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_text(s, 3, by, -1, SQLITE_STATIC);
	store_bind_text_or_null(s, 4, note);
	sqlite3_bind_int64(s, 5, id);
	return changed(st, s);
}

int
request_store_set_approved(struct store *st, int64_t id, const char *by, const char *method, const char *note,
    int64_t approval_id, int64_t now)
{
	sqlite3_stmt *s = store_prepare(st,
	    "UPDATE requests SET status = 'approved', decided_at = ?1, decided_by = ?2, method = ?3, note = ?4,"
	    " approval_id = ?5 WHERE id = ?6 AND status = 'pending' AND ?1 < expires_at");

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_text(s, 2, by, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, method, -1, SQLITE_STATIC);
	store_bind_text_or_null(s, 4, note);
	sqlite3_bind_int64(s, 5, approval_id);
	sqlite3_bind_int64(s, 6, id);
	return changed(st, s);
}

int
request_store_mark_collected(struct store *st, int64_t id, const char *engineer, int64_t now)
{
	sqlite3_stmt *s = store_prepare(st,
	    "UPDATE requests SET collected_at = ?1 WHERE id = ?2 AND engineer = ?3 AND status = 'approved'"
	    " AND collected_at IS NULL");

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, id);
	sqlite3_bind_text(s, 3, engineer, -1, SQLITE_STATIC);
	return changed(st, s);
}

int
request_store_expire(struct store *st, int64_t now)
{
	sqlite3_stmt *s = store_prepare(st,
	    "UPDATE requests SET status = 'expired', decided_at = ?1, decided_by = 'remgate',"
	    " note = 'nobody decided within request_ttl' WHERE status = 'pending' AND expires_at <= ?1");

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	if (store_step_done(s) != 0)
		return -1;
	return sqlite3_changes(store_db(st));
}

#define REQUEST_COLUMNS \
	"SELECT id, engineer, target, ticket, level, phase, ops, reason, valid_secs, sessions, requested_at," \
	" expires_at, status, decided_at, decided_by, method, note, approval_id, collected_at FROM requests"

static int
each_request(sqlite3_stmt *s, int (*cb)(const struct request_row *, void *), void *arg, int *seen)
{
	int rc, r = 0;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct request_row row = {
			.id = sqlite3_column_int64(s, 0),
			.engineer = (const char *)sqlite3_column_text(s, 1),
			.target = (const char *)sqlite3_column_text(s, 2),
			.ticket = (const char *)sqlite3_column_text(s, 3),
			.level = sqlite3_column_int(s, 4),
			.phase = (const char *)sqlite3_column_text(s, 5),
			.ops = (const char *)sqlite3_column_text(s, 6),
			.reason = (const char *)sqlite3_column_text(s, 7),
			.valid_secs = sqlite3_column_int64(s, 8),
			.sessions = sqlite3_column_int(s, 9),
			.requested_at = sqlite3_column_int64(s, 10),
			.expires_at = sqlite3_column_int64(s, 11),
			.status = (const char *)sqlite3_column_text(s, 12),
			.decided_at = sqlite3_column_int64(s, 13),
			.decided_by = (const char *)sqlite3_column_text(s, 14),
			.method = (const char *)sqlite3_column_text(s, 15),
			.note = (const char *)sqlite3_column_text(s, 16),
			.approval_id = sqlite3_column_int64(s, 17),
			.collected_at = sqlite3_column_int64(s, 18),
		};
		if (seen != NULL)
			(*seen)++;
		if ((r = cb(&row, arg)) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = -1;
	sqlite3_finalize(s);
	return r;
}

int
request_store_get(struct store *st, int64_t id, int (*cb)(const struct request_row *, void *), void *arg)
{
	sqlite3_stmt *s = store_prepare(st, REQUEST_COLUMNS " WHERE id = ?");
	int seen = 0, r;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	r = each_request(s, cb, arg, &seen);
	return r != 0 ? r : seen ? 0 : 1;
}

int
request_store_list(struct store *st, int pending_only, const char *engineer,
    int (*cb)(const struct request_row *, void *), void *arg)
{
	sqlite3_stmt *s = store_prepare(st, REQUEST_COLUMNS " WHERE (?1 = 0 OR status = 'pending')"
	    " AND (?2 IS NULL OR engineer = ?2) ORDER BY id DESC");

	if (s == NULL)
		return -1;
	sqlite3_bind_int(s, 1, pending_only);
	store_bind_text_or_null(s, 2, engineer);
	return each_request(s, cb, arg, NULL);
}
