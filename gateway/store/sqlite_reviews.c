/* Review rows (review.h): opened and watched by the monitor, decided by remgatectl. */
#include "sqlite_private.h"
#include "review.h"

#include <stdio.h>
#include <string.h>

int
review_store_open(struct store *st, const struct review_row *r, int64_t *id)
{
	sqlite3_stmt *s = store_prepare(st,
	    "INSERT INTO reviews (session_id, approval_id, engineer, target, kind, rule, command, requested_at, expires_at)"
	    " VALUES (?,?,?,?,?,?,?,?,?)");

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, r->session_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, r->approval_id);
	sqlite3_bind_text(s, 3, r->engineer, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, r->target, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, r->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, r->rule, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, r->command, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 8, r->requested_at);
	sqlite3_bind_int64(s, 9, r->expires_at);
	if (store_step_done(s) != 0)
		return -1;
	*id = sqlite3_last_insert_rowid(store_db(st));
	return 0;
}

int
review_store_decide(struct store *st, int64_t id, const char *status, const char *by, const char *method,
    const char *note, int64_t now)
{
	/*
	 * One statement, guarded by status = 'pending': SQLite serialises
	 * writers, so of two racing decisions exactly one changes the row.
	 * A decision by a person must come in time; an expiry only after it.
	 */
	static const char base[] = "UPDATE reviews SET status = ?1, decided_at = ?2, decided_by = ?3, method = ?4, note = ?5"
	    " WHERE id = ?6 AND status = 'pending' AND ";
	const char *when = strcmp(status, "expired") == 0 ? "expires_at <= ?7" :
	    strcmp(status, "approved") == 0 || strcmp(status, "denied") == 0 ? "?7 < expires_at" : "?7 = ?7";
	char sql[sizeof(base) + 32];
	sqlite3_stmt *s;

	snprintf(sql, sizeof(sql), "%s%s", base, when);
	s = store_prepare(st, sql);
	if (s == NULL || !review_status_final(status)) {
		sqlite3_finalize(s);
		return -1;
	}
	sqlite3_bind_text(s, 1, status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_text(s, 3, by, -1, SQLITE_STATIC);
	store_bind_text_or_null(s, 4, method);
	store_bind_text_or_null(s, 5, note);
	sqlite3_bind_int64(s, 6, id);
	sqlite3_bind_int64(s, 7, now);
	if (store_step_done(s) != 0)
		return -1;
	return sqlite3_changes(store_db(st)) == 1 ? 1 : 0;
}

#define REVIEW_COLUMNS \
	"SELECT id, session_id, approval_id, engineer, target, kind, rule, command, requested_at, expires_at, status," \
	" decided_at, decided_by, method, note FROM reviews"

static int
each_row(sqlite3_stmt *s, int (*cb)(const struct review_row *, void *), void *arg, int *seen)
{
	int rc, r = 0;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct review_row row = {
			.id = sqlite3_column_int64(s, 0),
			.session_id = (const char *)sqlite3_column_text(s, 1),
			.approval_id = sqlite3_column_int64(s, 2),
			.engineer = (const char *)sqlite3_column_text(s, 3),
			.target = (const char *)sqlite3_column_text(s, 4),
			.kind = (const char *)sqlite3_column_text(s, 5),
			.rule = (const char *)sqlite3_column_text(s, 6),
			.command = (const char *)sqlite3_column_text(s, 7),
			.requested_at = sqlite3_column_int64(s, 8),
			.expires_at = sqlite3_column_int64(s, 9),
			.status = (const char *)sqlite3_column_text(s, 10),
			.decided_at = sqlite3_column_int64(s, 11),
			.decided_by = (const char *)sqlite3_column_text(s, 12),
			.method = (const char *)sqlite3_column_text(s, 13),
			.note = (const char *)sqlite3_column_text(s, 14),
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
review_store_get(struct store *st, int64_t id, int (*cb)(const struct review_row *, void *), void *arg)
{
	sqlite3_stmt *s = store_prepare(st, REVIEW_COLUMNS " WHERE id = ?");
	int seen = 0, r;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	r = each_row(s, cb, arg, &seen);
	return r != 0 ? r : seen ? 0 : 1;
}

int
review_store_list(struct store *st, int pending_only, const char *sid, int (*cb)(const struct review_row *, void *),
    void *arg)
{
	sqlite3_stmt *s;

	if (sid != NULL) {
		if ((s = store_prepare(st, REVIEW_COLUMNS " WHERE session_id = ? ORDER BY id")) == NULL)
			return -1;
		sqlite3_bind_text(s, 1, sid, -1, SQLITE_STATIC);
	} else if ((s = store_prepare(st, pending_only ? REVIEW_COLUMNS " WHERE status = 'pending' ORDER BY id DESC" :
	    REVIEW_COLUMNS " ORDER BY id DESC")) == NULL) {
		return -1;
	}
	return each_row(s, cb, arg, NULL);
}
