/* The approvals table (logs-schema/001_init.sql): SQLite's side of approval.c. */
#include <stdlib.h>
#include <string.h>

#include "approval.h"
#include "sqlite_private.h"
#include "token.h"

int
store_approval_insert(struct store *st, const struct approval_request *req, const uint8_t *salt, size_t salt_len,
    const uint8_t *hash, size_t hash_len, int64_t now, int64_t *id)
{
	sqlite3_stmt *s = store_prepare(st,
	    "INSERT INTO approvals (engineer, target, ticket, level, phase, approver, method, note,"
	    " valid_from, valid_until, max_sessions, token_salt, token_hash, created_at, created_by, reported_at,"
	    " allow_ops) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
	int r;

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, req->engineer, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, req->target, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, req->ticket, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 4, req->level);
	sqlite3_bind_text(s, 5, req->phase, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, req->approver, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, req->method, -1, SQLITE_STATIC);
	store_bind_text_or_null(s, 8, req->note);
	sqlite3_bind_int64(s, 9, req->valid_from);
	sqlite3_bind_int64(s, 10, req->valid_until);
	sqlite3_bind_int(s, 11, req->max_sessions);
	sqlite3_bind_blob(s, 12, salt, (int)salt_len, SQLITE_STATIC);
	sqlite3_bind_blob(s, 13, hash, (int)hash_len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 14, now);
	sqlite3_bind_text(s, 15, req->created_by, -1, SQLITE_STATIC);
	if (req->reported_at > 0)
		sqlite3_bind_int64(s, 16, req->reported_at);
	else
		sqlite3_bind_null(s, 16);
	store_bind_text_or_null(s, 17, req->allow_ops && *req->allow_ops ? req->allow_ops : NULL);
	r = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
	if (r == 0)
		*id = sqlite3_last_insert_rowid(store_db(st));
	sqlite3_finalize(s);
	return r;
}

int
store_approval_revoke(struct store *st, int64_t id, const char *by, int64_t now)
{
	sqlite3_stmt *s = store_prepare(st, "UPDATE approvals SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL");
	int r;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_text(s, 2, by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, id);
	r = sqlite3_step(s) == SQLITE_DONE ? (sqlite3_changes(store_db(st)) == 1 ? 0 : 2) : -1;
	sqlite3_finalize(s);
	return r;
}

#define APPROVAL_COLUMNS \
	"id, engineer, target, ticket, level, phase, approver, method, note, valid_from," \
	" valid_until, max_sessions, uses, created_at, created_by, revoked_at, revoked_by," \
	" token_salt, token_hash, reported_at, allow_ops"

static char *
col_strdup(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	return t ? strdup((const char *)t) : NULL;
}

static int
row_to_approval(sqlite3_stmt *s, struct approval *a)
{
	memset(a, 0, sizeof(*a));
	a->id = sqlite3_column_int64(s, 0);
	a->engineer = col_strdup(s, 1);
	a->target = col_strdup(s, 2);
	a->ticket = col_strdup(s, 3);
	a->level = sqlite3_column_int(s, 4);
	a->phase = col_strdup(s, 5);
	a->approver = col_strdup(s, 6);
	a->method = col_strdup(s, 7);
	a->note = col_strdup(s, 8);
	a->valid_from = sqlite3_column_int64(s, 9);
	a->valid_until = sqlite3_column_int64(s, 10);
	a->max_sessions = sqlite3_column_int(s, 11);
	a->uses = sqlite3_column_int(s, 12);
	a->created_at = sqlite3_column_int64(s, 13);
	a->created_by = col_strdup(s, 14);
	a->revoked_at = sqlite3_column_int64(s, 15);
	a->revoked_by = col_strdup(s, 16);
	a->reported_at = sqlite3_column_int64(s, 19);	/* NULL reads as 0 */
	a->allow_ops = col_strdup(s, 20);
	if (!a->engineer || !a->target || !a->ticket || !a->phase || !a->approver ||
	    !a->method || !a->created_by) {
		approval_clear(a);
		return -1;
	}
	return 0;
}

static void
secret_of(sqlite3_stmt *s, struct approval_secret *sec)
{
	int n;

	memset(sec, 0, sizeof(*sec));
	if ((n = sqlite3_column_bytes(s, 17)) > 0 && (size_t)n <= sizeof(sec->salt)) {
		memcpy(sec->salt, sqlite3_column_blob(s, 17), (size_t)n);
		sec->salt_len = (size_t)n;
	}
	if ((n = sqlite3_column_bytes(s, 18)) > 0 && (size_t)n <= sizeof(sec->hash)) {
		memcpy(sec->hash, sqlite3_column_blob(s, 18), (size_t)n);
		sec->hash_len = (size_t)n;
	}
}

int
store_approval_get(struct store *st, int64_t id, struct approval *out, struct approval_secret *sec)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT " APPROVAL_COLUMNS " FROM approvals WHERE id = ?");
	int r, rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		r = row_to_approval(s, out);
		if (r == 0 && sec != NULL)
			secret_of(s, sec);
	} else {
		r = rc == SQLITE_DONE ? 1 : -1;
	}
	sqlite3_finalize(s);
	return r;
}

int
store_approval_list(struct store *st, int (*cb)(const struct approval *, void *), void *arg)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT " APPROVAL_COLUMNS " FROM approvals ORDER BY id DESC");
	int rc, r = 0;

	if (s == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct approval a;
		if (row_to_approval(s, &a) != 0) {
			r = -1;
			break;
		}
		r = cb(&a, arg);
		approval_clear(&a);
		if (r != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = -1;
	sqlite3_finalize(s);
	return r;
}

int
store_approval_take_use(struct store *st, int64_t id, int64_t now)
{
	/* One statement: the conditions and the increment are one atomic step. */
	sqlite3_stmt *s = store_prepare(st,
	    "UPDATE approvals SET uses = uses + 1 WHERE id = ? AND revoked_at IS NULL"
	    " AND valid_from <= ? AND valid_until > ? AND uses < max_sessions");
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int64(s, 3, now);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return -1;
	return sqlite3_changes(store_db(st)) == 1;
}

int
store_approval_give_back(struct store *st, int64_t id)
{
	sqlite3_stmt *s = store_prepare(st, "UPDATE approvals SET uses = uses - 1 WHERE id = ? AND uses > 0");
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_approval_set_token(struct store *st, int64_t id, const uint8_t *salt, size_t salt_len, const uint8_t *hash,
    size_t hash_len)
{
	sqlite3_stmt *s = store_prepare(st, "UPDATE approvals SET token_salt = ?, token_hash = ? WHERE id = ?");

	if (s == NULL)
		return -1;
	sqlite3_bind_blob(s, 1, salt, (int)salt_len, SQLITE_STATIC);
	sqlite3_bind_blob(s, 2, hash, (int)hash_len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, id);
	if (store_step_done(s) != 0)
		return -1;
	return sqlite3_changes(store_db(st)) == 1 ? 0 : -1;
}
