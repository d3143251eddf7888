/* Approval records: create, list, revoke, and the token check at login. */
#include "approval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "util.h"

static const struct {
	const char *code;
	const char *text;
} verdicts[] = {
	[APPROVAL_OK] = { "ok", "approved" },
	[APPROVAL_TOKEN_MISSING] = { "token_missing", "no approval token was given" },
	[APPROVAL_TOKEN_WRONG] = { "token_wrong", "the approval token is not valid" },
	[APPROVAL_OTHER_ENGINEER] = { "token_other_engineer", "the approval token was issued to another engineer" },
	[APPROVAL_OTHER_TARGET] = { "token_other_target", "the approval token is for another target" },
	[APPROVAL_REVOKED] = { "token_revoked", "the approval was revoked" },
	[APPROVAL_NOT_YET_VALID] = { "token_not_yet_valid", "the approval window has not started yet" },
	[APPROVAL_EXPIRED] = { "token_expired", "the approval has expired" },
	[APPROVAL_USED_UP] = { "token_used_up", "the approval has no sessions left" },
	[APPROVAL_STORE_ERROR] = { "store_error", "the gateway could not read its approval store" },
};

const char *
approval_verdict_code(enum approval_verdict v)
{
	return verdicts[v].code;
}

const char *
approval_verdict_text(enum approval_verdict v)
{
	return verdicts[v].text;
}

int
approval_method_valid(const char *m)
{
	static const char *const methods[] = { "written", "email", "fax", "phone", "console" };

	for (size_t i = 0; m && i < ARRAY_LEN(methods); i++)
		if (strcmp(m, methods[i]) == 0)
			return 1;
	return 0;
}

int
approval_phase_valid(const char *p)
{
	return p && (strcmp(p, "diagnose") == 0 || strcmp(p, "implement") == 0);
}

static int
text_ok(const char *s, size_t max)
{
	size_t n;

	if (s == NULL || (n = strlen(s)) == 0 || n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 && s[i] != '\t')
			return 0;
	return 1;
}

int
approval_create(struct store *st, const struct approval_request *req, int64_t now,
    int64_t *id, char *token, size_t token_len, char *err, size_t errlen)
{
	char secret[TOKEN_SECRET_LEN + 1];
	unsigned char salt[TOKEN_SALT_LEN], hash[TOKEN_HASH_LEN];
	sqlite3_stmt *s = NULL;
	int r = -1;

	if (!util_name_valid(req->engineer) || !util_name_valid(req->target)) {
		snprintf(err, errlen, "engineer and target must be names of 1-64 characters of A-Z a-z 0-9 . _ -");
		return -1;
	}
	if (!text_ok(req->ticket, 128)) {
		snprintf(err, errlen, "--ticket must be 1-128 printable characters");
		return -1;
	}
	if (req->level < 1 || req->level > 3) {
		snprintf(err, errlen, "--level must be 1, 2 or 3 (1 critical, 2 major, 3 minor)");
		return -1;
	}
	if (!approval_phase_valid(req->phase)) {
		snprintf(err, errlen, "--phase must be diagnose or implement");
		return -1;
	}
	if (!text_ok(req->approver, 128)) {
		snprintf(err, errlen, "--approver must be 1-128 printable characters");
		return -1;
	}
	if (!approval_method_valid(req->method)) {
		snprintf(err, errlen, "--method must be written, email, fax, phone or console");
		return -1;
	}
	if (req->note != NULL && !text_ok(req->note, 2000)) {
		snprintf(err, errlen, "--note must be 1-2000 printable characters");
		return -1;
	}
	if (req->valid_until <= req->valid_from) {
		snprintf(err, errlen, "the approval window must end after it starts");
		return -1;
	}
	if (req->reported_at > now) {
		snprintf(err, errlen, "--reported-at must not be in the future");
		return -1;
	}
	if (req->max_sessions < 1 || req->max_sessions > 10000) {
		snprintf(err, errlen, "--max-sessions must be from 1 to 10000");
		return -1;
	}
	if (token_secret_new(secret) != 0 || token_hash_new(secret, salt, hash) != 0) {
		snprintf(err, errlen, "cannot generate a token: no randomness");
		goto out;
	}
	s = store_prepare(st,
	    "INSERT INTO approvals (engineer, target, ticket, level, phase, approver, method, note,"
	    " valid_from, valid_until, max_sessions, token_salt, token_hash, created_at, created_by, reported_at)"
	    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
	if (s == NULL) {
		snprintf(err, errlen, "store: %s", store_errmsg(st));
		goto out;
	}
	sqlite3_bind_text(s, 1, req->engineer, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, req->target, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, req->ticket, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 4, req->level);
	sqlite3_bind_text(s, 5, req->phase, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, req->approver, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, req->method, -1, SQLITE_STATIC);
	if (req->note)
		sqlite3_bind_text(s, 8, req->note, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 8);
	sqlite3_bind_int64(s, 9, req->valid_from);
	sqlite3_bind_int64(s, 10, req->valid_until);
	sqlite3_bind_int(s, 11, req->max_sessions);
	sqlite3_bind_blob(s, 12, salt, sizeof(salt), SQLITE_STATIC);
	sqlite3_bind_blob(s, 13, hash, sizeof(hash), SQLITE_STATIC);
	sqlite3_bind_int64(s, 14, now);
	sqlite3_bind_text(s, 15, req->created_by, -1, SQLITE_STATIC);
	if (req->reported_at > 0)
		sqlite3_bind_int64(s, 16, req->reported_at);
	else
		sqlite3_bind_null(s, 16);
	if (sqlite3_step(s) != SQLITE_DONE) {
		snprintf(err, errlen, "store: %s", store_errmsg(st));
		goto out;
	}
	*id = sqlite3_last_insert_rowid(store_db(st));
	token_format(*id, secret, token, token_len);
	r = 0;
out:
	sqlite3_finalize(s);
	OPENSSL_cleanse(secret, sizeof(secret));
	return r;
}

int
approval_revoke(struct store *st, int64_t id, const char *by, int64_t now)
{
	sqlite3_stmt *s;
	struct approval a;
	int r = approval_get(st, id, &a);

	if (r != 0)
		return r;
	r = a.revoked_at ? 2 : 0;
	approval_clear(&a);
	if (r != 0)
		return r;
	s = store_prepare(st, "UPDATE approvals SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL");
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
	" token_salt, token_hash, reported_at"

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
	if (!a->engineer || !a->target || !a->ticket || !a->phase || !a->approver ||
	    !a->method || !a->created_by) {
		approval_clear(a);
		return -1;
	}
	return 0;
}

void
approval_clear(struct approval *a)
{
	if (a == NULL)
		return;
	free(a->engineer);
	free(a->target);
	free(a->ticket);
	free(a->phase);
	free(a->approver);
	free(a->method);
	free(a->note);
	free(a->created_by);
	free(a->revoked_by);
	memset(a, 0, sizeof(*a));
}

int
approval_get(struct store *st, int64_t id, struct approval *out)
{
	sqlite3_stmt *s = store_prepare(st, "SELECT " APPROVAL_COLUMNS " FROM approvals WHERE id = ?");
	int r, rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		r = row_to_approval(s, out);
	else
		r = rc == SQLITE_DONE ? 1 : -1;
	sqlite3_finalize(s);
	return r;
}

int
approval_list(struct store *st, int (*cb)(const struct approval *, void *), void *arg)
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

/* Time and use checks shared by check and consume's refusal reason. */
static enum approval_verdict
approval_state(const struct approval *a, int64_t now)
{
	if (a->revoked_at)
		return APPROVAL_REVOKED;
	if (now < a->valid_from)
		return APPROVAL_NOT_YET_VALID;
	if (now >= a->valid_until)
		return APPROVAL_EXPIRED;
	if (a->uses >= a->max_sessions)
		return APPROVAL_USED_UP;
	return APPROVAL_OK;
}

enum approval_verdict
approval_check(struct store *st, const char *token, const char *engineer,
    const char *target, int64_t now, struct approval *out)
{
	char secret[TOKEN_SECRET_LEN + 1];
	sqlite3_stmt *s;
	enum approval_verdict v;
	int64_t id;
	int rc, match;

	memset(out, 0, sizeof(*out));
	if (token == NULL || token[strspn(token, " \t\r\n")] == '\0')
		return APPROVAL_TOKEN_MISSING;
	if (token_parse(token, &id, secret) != 0)
		return APPROVAL_TOKEN_WRONG;
	if ((s = store_prepare(st, "SELECT " APPROVAL_COLUMNS " FROM approvals WHERE id = ?")) == NULL) {
		OPENSSL_cleanse(secret, sizeof(secret));
		return APPROVAL_STORE_ERROR;
	}
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(s);
		OPENSSL_cleanse(secret, sizeof(secret));
		return rc == SQLITE_DONE ? APPROVAL_TOKEN_WRONG : APPROVAL_STORE_ERROR;
	}
	match = token_matches(secret, sqlite3_column_blob(s, 17), (size_t)sqlite3_column_bytes(s, 17),
	    sqlite3_column_blob(s, 18), (size_t)sqlite3_column_bytes(s, 18));
	OPENSSL_cleanse(secret, sizeof(secret));
	if (!match) {
		sqlite3_finalize(s);
		return APPROVAL_TOKEN_WRONG;
	}
	rc = row_to_approval(s, out);
	sqlite3_finalize(s);
	if (rc != 0)
		return APPROVAL_STORE_ERROR;
	if (strcmp(out->engineer, engineer) != 0)
		return APPROVAL_OTHER_ENGINEER;
	if (strcmp(out->target, target) != 0)
		return APPROVAL_OTHER_TARGET;
	v = approval_state(out, now);
	return v;
}

enum approval_verdict
approval_consume(struct store *st, int64_t id, int64_t now)
{
	/* One statement: the conditions and the increment are one atomic step. */
	sqlite3_stmt *s = store_prepare(st,
	    "UPDATE approvals SET uses = uses + 1 WHERE id = ? AND revoked_at IS NULL"
	    " AND valid_from <= ? AND valid_until > ? AND uses < max_sessions");
	struct approval a;
	enum approval_verdict v;
	int rc;

	if (s == NULL)
		return APPROVAL_STORE_ERROR;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int64(s, 3, now);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return APPROVAL_STORE_ERROR;
	if (sqlite3_changes(store_db(st)) == 1)
		return APPROVAL_OK;
	/* Lost a race or changed meanwhile: say which condition failed. */
	if (approval_get(st, id, &a) != 0)
		return APPROVAL_STORE_ERROR;
	v = approval_state(&a, now);
	approval_clear(&a);
	return v == APPROVAL_OK ? APPROVAL_USED_UP : v;
}

int
approval_release(struct store *st, int64_t id)
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
