/*
 * Delivery state over the events table: one cursor per destination. A
 * notify destination's is an event id (notify.h); a SIEM destination's,
 * under "siem:NAME", an event seq (siem.h).
 */
#include "sqlite_private.h"
#include "audit.h"

#include <string.h>

int
notify_state_get(struct store *st, const char *dest, int (*cb)(const struct notify_state *, void *), void *arg)
{
	return delivery_state_get(st, dest, 0, cb, arg);
}

int
delivery_state_get(struct store *st, const char *dest, int from_start,
    int (*cb)(const struct notify_state *, void *), void *arg)
{
	sqlite3_stmt *s = store_prepare(st, from_start ? "INSERT OR IGNORE INTO notify_state (dest, cursor) VALUES (?1, 0)" :
	    "INSERT OR IGNORE INTO notify_state (dest, cursor) VALUES (?1, (SELECT coalesce(max(id), 0) FROM events))");
	int rc, r = -1;

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, dest, -1, SQLITE_STATIC);
	if (store_step_done(s) != 0)
		return -1;
	if ((s = store_prepare(st, "SELECT cursor, attempts, next_at, last_error, last_ok_at, delivered"
	    " FROM notify_state WHERE dest = ?")) == NULL)
		return -1;
	sqlite3_bind_text(s, 1, dest, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct notify_state ns = {
			.cursor = sqlite3_column_int64(s, 0),
			.attempts = sqlite3_column_int(s, 1),
			.next_at = sqlite3_column_int64(s, 2),
			.last_error = (const char *)sqlite3_column_text(s, 3),
			.last_ok_at = sqlite3_column_int64(s, 4),
			.delivered = sqlite3_column_int64(s, 5),
		};
		r = cb(&ns, arg);
	}
	sqlite3_finalize(s);
	return r;
}

int
notify_state_done(struct store *st, const char *dest, int64_t event_id, int64_t now)
{
	return delivery_state_done(st, dest, event_id, 1, now);
}

int
delivery_state_done(struct store *st, const char *dest, int64_t cursor, int count, int64_t now)
{
	sqlite3_stmt *s = store_prepare(st, "UPDATE notify_state SET cursor = ?1, attempts = 0, next_at = 0,"
	    " last_ok_at = ?2, delivered = delivered + ?4 WHERE dest = ?3 AND cursor < ?1");

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, cursor);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_text(s, 3, dest, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 4, count);
	return store_step_done(s);
}

int
notify_state_failed(struct store *st, const char *dest, int64_t next_at, const char *why)
{
	sqlite3_stmt *s = store_prepare(st, "UPDATE notify_state SET attempts = attempts + 1, next_at = ?1,"
	    " last_error = ?2 WHERE dest = ?3");

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, next_at);
	sqlite3_bind_text(s, 2, why, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, dest, -1, SQLITE_STATIC);
	return store_step_done(s);
}


int
notify_state_skip(struct store *st, const char *dest, int64_t upto)
{
	sqlite3_stmt *s = store_prepare(st, "UPDATE notify_state SET cursor = ?1 WHERE dest = ?2 AND cursor < ?1");

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, upto);
	sqlite3_bind_text(s, 2, dest, -1, SQLITE_STATIC);
	return store_step_done(s);
}
