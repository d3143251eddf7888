/*
 * The web console's login links and browser sessions (docs/console.md),
 * by the hashes of their secrets.
 */
#include "sqlite_private.h"

#include <stdio.h>
#include <string.h>

int
console_login_add(struct store *st, const char *token_hash, const char *admin, int64_t now, int64_t expires_at)
{
	sqlite3_stmt *s = store_prepare(st, "INSERT INTO console_logins (token_hash, admin, created_at, expires_at)"
	    " VALUES (?1, ?2, ?3, ?4)");

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, token_hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, admin, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, now);
	sqlite3_bind_int64(s, 4, expires_at);
	return store_step_done(s);
}

/* Who the row names, whatever its state. */
static int
login_admin(struct store *st, const char *token_hash, char *admin, size_t len)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT admin FROM console_logins WHERE token_hash = ?");
	int r = CONSOLE_UNKNOWN;

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, token_hash, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		snprintf(admin, len, "%s", (const char *)sqlite3_column_text(s, 0));
		r = CONSOLE_OK;
	}
	sqlite3_finalize(s);
	return r;
}

int
console_login_use(struct store *st, const char *token_hash, int64_t now, char *admin, size_t len)
{
	/* One statement takes the link: two browsers racing with one link cannot both win. */
	sqlite3_stmt *s = store_prepare(st, "UPDATE console_logins SET used_at = ?2"
	    " WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2");
	int r;

	admin[0] = '\0';
	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, token_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now);
	if (store_step_done(s) != 0)
		return -1;
	r = sqlite3_changes(store_db(st)) == 1 ? CONSOLE_OK : CONSOLE_UNKNOWN;
	if (login_admin(st, token_hash, admin, len) != CONSOLE_OK)
		return CONSOLE_UNKNOWN;
	if (r == CONSOLE_OK)
		return CONSOLE_OK;
	if ((s = store_prepare(st, "SELECT used_at IS NOT NULL FROM console_logins WHERE token_hash = ?")) == NULL)
		return -1;
	sqlite3_bind_text(s, 1, token_hash, -1, SQLITE_STATIC);
	r = sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0) ? CONSOLE_USED : CONSOLE_EXPIRED;
	sqlite3_finalize(s);
	return r;
}

int
console_session_add(struct store *st, const char *id_hash, const char *admin, const char *csrf, int64_t now)
{
	sqlite3_stmt *s = store_prepare(st, "INSERT INTO console_sessions (id_hash, admin, csrf, created_at, last_seen)"
	    " VALUES (?1, ?2, ?3, ?4, ?4)");

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, id_hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, admin, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, csrf, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, now);
	return store_step_done(s);
}

int
console_session_end(struct store *st, const char *id_hash, const char *reason, int64_t now)
{
	sqlite3_stmt *s = store_prepare(st, "UPDATE console_sessions SET ended_at = ?2, end_reason = ?3"
	    " WHERE id_hash = ?1 AND ended_at IS NULL");

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, id_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_text(s, 3, reason, -1, SQLITE_STATIC);
	return store_step_done(s);
}

int
console_session_check(struct store *st, const char *id_hash, int64_t now, int64_t idle, int64_t lifetime,
    struct console_session *out)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT admin, csrf, created_at, last_seen, ended_at IS NOT NULL"
	    " FROM console_sessions WHERE id_hash = ?");
	int64_t created, seen;
	int ended, r;

	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, id_hash, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_finalize(s);
		return CONSOLE_UNKNOWN;
	}
	snprintf(out->admin, sizeof(out->admin), "%s", (const char *)sqlite3_column_text(s, 0));
	snprintf(out->csrf, sizeof(out->csrf), "%s", (const char *)sqlite3_column_text(s, 1));
	created = sqlite3_column_int64(s, 2);
	seen = sqlite3_column_int64(s, 3);
	ended = sqlite3_column_int(s, 4);
	sqlite3_finalize(s);
	if (ended)
		return CONSOLE_USED;
	if (now - created >= lifetime)
		r = CONSOLE_EXPIRED;
	else if (now - seen >= idle)
		r = CONSOLE_IDLE;
	else
		r = CONSOLE_OK;
	if (r != CONSOLE_OK)
		return console_session_end(st, id_hash, r == CONSOLE_IDLE ? "idle" : "lifetime", now) == 0 ? r : -1;
	if ((s = store_prepare(st, "UPDATE console_sessions SET last_seen = ?2 WHERE id_hash = ?1")) == NULL)
		return -1;
	sqlite3_bind_text(s, 1, id_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now);
	return store_step_done(s) == 0 ? CONSOLE_OK : -1;
}
