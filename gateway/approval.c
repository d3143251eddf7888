/* Approval records: create, list, revoke, and the token check at login. */
#include "approval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "store.h"
#include "token.h"
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
	[APPROVAL_CERT_UNTRUSTED] = { "cert_untrusted", "the certificate is not an approval certificate of this gateway" },
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

/* Space-separated rule names, each valid, at most APPROVAL_MAX_OPS. */
static int
allow_ops_valid(const char *ops)
{
	char name[80];
	int n = 0;

	while (*ops) {
		size_t len = strcspn(ops, " ");

		if (len == 0 || len >= sizeof(name) || ++n > APPROVAL_MAX_OPS)
			return 0;
		memcpy(name, ops, len);
		name[len] = '\0';
		if (!util_name_valid(name))
			return 0;
		ops += len;
		if (*ops == ' ' && *++ops == '\0')
			return 0;
	}
	return 1;
}

int
approval_create(struct store *st, const struct approval_request *req, int64_t now,
    int64_t *id, char *token, size_t token_len, char *err, size_t errlen)
{
	char secret[TOKEN_SECRET_LEN + 1];
	unsigned char salt[TOKEN_SALT_LEN], hash[TOKEN_HASH_LEN];
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
	if (req->allow_ops != NULL && !allow_ops_valid(req->allow_ops)) {
		snprintf(err, errlen, "--allow-op names a rule of the command guard's policy (A-Z a-z 0-9 . _ -), "
		    "at most %d of them", APPROVAL_MAX_OPS);
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
	if (store_approval_insert(st, req, salt, sizeof(salt), hash, sizeof(hash), now, id) != 0) {
		snprintf(err, errlen, "store: %s", store_errmsg(st));
		goto out;
	}
	token_format(*id, secret, token, token_len);
	r = 0;
out:
	OPENSSL_cleanse(secret, sizeof(secret));
	return r;
}

int
approval_revoke(struct store *st, int64_t id, const char *by, int64_t now)
{
	struct approval a;
	int r = approval_get(st, id, &a);

	if (r != 0)
		return r;
	r = a.revoked_at ? 2 : 0;
	approval_clear(&a);
	if (r != 0)
		return r;
	return store_approval_revoke(st, id, by, now);
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
	free(a->allow_ops);
	memset(a, 0, sizeof(*a));
}

int
approval_get(struct store *st, int64_t id, struct approval *out)
{
	return store_approval_get(st, id, out, NULL);
}

int
approval_list(struct store *st, int (*cb)(const struct approval *, void *), void *arg)
{
	return store_approval_list(st, cb, arg);
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
	struct approval_secret sec;
	int64_t id;
	int r, match;

	memset(out, 0, sizeof(*out));
	if (token == NULL || token[strspn(token, " \t\r\n")] == '\0')
		return APPROVAL_TOKEN_MISSING;
	if (token_parse(token, &id, secret) != 0)
		return APPROVAL_TOKEN_WRONG;
	r = store_approval_get(st, id, out, &sec);
	if (r != 0) {
		OPENSSL_cleanse(secret, sizeof(secret));
		return r == 1 ? APPROVAL_TOKEN_WRONG : APPROVAL_STORE_ERROR;
	}
	match = token_matches(secret, sec.salt, sec.salt_len, sec.hash, sec.hash_len);
	OPENSSL_cleanse(secret, sizeof(secret));
	if (!match) {
		approval_clear(out);
		return APPROVAL_TOKEN_WRONG;
	}
	if (strcmp(out->engineer, engineer) != 0)
		return APPROVAL_OTHER_ENGINEER;
	if (strcmp(out->target, target) != 0)
		return APPROVAL_OTHER_TARGET;
	return approval_state(out, now);
}

enum approval_verdict
approval_recheck(struct store *st, int64_t id, int64_t now)
{
	struct approval a;
	enum approval_verdict v;
	int r;

	memset(&a, 0, sizeof(a));
	if ((r = store_approval_get(st, id, &a, NULL)) != 0)
		return r == 1 ? APPROVAL_TOKEN_WRONG : APPROVAL_STORE_ERROR;
	v = approval_state(&a, now);
	approval_clear(&a);
	return v == APPROVAL_USED_UP ? APPROVAL_OK : v;	/* its use is the one this connection took */
}

enum approval_verdict
approval_check_id(struct store *st, int64_t id, const char *engineer, const char *target, int64_t now,
    struct approval *out)
{
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = store_approval_get(st, id, out, NULL)) != 0)
		return r == 1 ? APPROVAL_TOKEN_WRONG : APPROVAL_STORE_ERROR;
	if (strcmp(out->engineer, engineer) != 0)
		return APPROVAL_OTHER_ENGINEER;
	if (strcmp(out->target, target) != 0)
		return APPROVAL_OTHER_TARGET;
	return approval_state(out, now);
}

enum approval_verdict
approval_consume(struct store *st, int64_t id, int64_t now)
{
	struct approval a;
	enum approval_verdict v;
	int r = store_approval_take_use(st, id, now);

	if (r < 0)
		return APPROVAL_STORE_ERROR;
	if (r == 1)
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
	return store_approval_give_back(st, id);
}

int
approval_new_token(struct store *st, int64_t id, char *token, size_t token_len)
{
	char secret[TOKEN_SECRET_LEN + 1];
	unsigned char salt[TOKEN_SALT_LEN], hash[TOKEN_HASH_LEN];
	int r = -1;

	if (token_secret_new(secret) == 0 && token_hash_new(secret, salt, hash) == 0 &&
	    store_approval_set_token(st, id, salt, sizeof(salt), hash, sizeof(hash)) == 0) {
		token_format(id, secret, token, token_len);
		r = 0;
	}
	OPENSSL_cleanse(secret, sizeof(secret));
	return r;
}
