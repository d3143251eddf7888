/* Access requests (request.h): checks, the approval a decision makes, the one hand-over of its token. */
#include "request.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "approval.h"
#include "config.h"
#include "guard.h"
#include "strbuf.h"
#include "token.h"
#include "util.h"

static int
printable(const char *s, size_t max)
{
	size_t n = 0;

	if (s == NULL || *s == '\0')
		return 0;
	for (; *s; s++, n++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f || n >= max)
			return 0;
	return 1;
}

int
request_check(const struct config *cfg, const struct request_row *r, char *err, size_t errlen)
{
	if (config_target(cfg, r->target) == NULL) {
		snprintf(err, errlen, "no target '%.64s' on this gateway", r->target);
		return -1;
	}
	if (!printable(r->ticket, 128)) {
		snprintf(err, errlen, "--ticket must be 1-128 printable characters");
		return -1;
	}
	if (r->level < 1 || r->level > 3) {
		snprintf(err, errlen, "--level must be 1, 2 or 3 (1 critical, 2 major, 3 minor)");
		return -1;
	}
	if (!printable(r->reason, 2000)) {
		snprintf(err, errlen, "--reason must be 1-2000 printable characters (what the fault is, why access)");
		return -1;
	}
	if (!approval_phase_valid(r->phase)) {
		snprintf(err, errlen, "--phase must be diagnose or implement");
		return -1;
	}
	if (r->valid_secs < 60 || r->valid_secs > REQUEST_MAX_VALID) {
		snprintf(err, errlen, "--valid must be from 1m to 7d");
		return -1;
	}
	if (r->sessions < 1 || r->sessions > REQUEST_MAX_SESSIONS) {
		snprintf(err, errlen, "--sessions must be from 1 to %d", REQUEST_MAX_SESSIONS);
		return -1;
	}
	if (r->ops != NULL && *r->ops) {
		char ops[APPROVAL_MAX_OPS * 66];
		const char *op[APPROVAL_MAX_OPS + 1];
		size_t n;

		if (strlen(r->ops) >= sizeof(ops)) {
			snprintf(err, errlen, "too many --op");
			return -1;
		}
		snprintf(ops, sizeof(ops), "%s", r->ops);
		n = guard_split_ops(ops, op, APPROVAL_MAX_OPS + 1);
		if (n > APPROVAL_MAX_OPS) {
			snprintf(err, errlen, "at most %d --op", APPROVAL_MAX_OPS);
			return -1;
		}
		for (size_t i = 0; i < n; i++) {
			if (!guard_is_major_rule(cfg->guard, op[i])) {
				snprintf(err, errlen, "--op '%.64s' is not a major operation of the command guard's policy",
				    op[i]);
				return -1;
			}
		}
		if (strcmp(r->phase, "implement") != 0) {
			snprintf(err, errlen, "--op needs --phase implement (a diagnose approval allows no major operation)");
			return -1;
		}
	}
	return 0;
}

struct got {
	int found;
	char engineer[80], target[80], ticket[130], phase[16], ops[APPROVAL_MAX_OPS * 66], status[16];
	int level, sessions;
	int64_t valid_secs, expires_at;
};

static int
take(const struct request_row *r, void *arg)
{
	struct got *g = arg;

	g->found = 1;
	snprintf(g->engineer, sizeof(g->engineer), "%s", r->engineer);
	snprintf(g->target, sizeof(g->target), "%s", r->target);
	snprintf(g->ticket, sizeof(g->ticket), "%s", r->ticket);
	snprintf(g->phase, sizeof(g->phase), "%s", r->phase);
	snprintf(g->ops, sizeof(g->ops), "%s", r->ops ? r->ops : "");
	snprintf(g->status, sizeof(g->status), "%s", r->status);
	g->level = r->level;
	g->sessions = r->sessions;
	g->valid_secs = r->valid_secs;
	g->expires_at = r->expires_at;
	return 0;
}

int
request_approve(struct store *st, int64_t id, const struct request_grant *gr, int64_t now, int64_t *approval_id,
    char *err, size_t errlen)
{
	struct got g = { 0 };
	struct approval_request req = { 0 };
	char token[TOKEN_MAX_LEN + 1];
	int r;

	if (request_store_get(st, id, take, &g) < 0 || !g.found) {
		snprintf(err, errlen, "no request %lld", (long long)id);
		return -1;
	}
	if (strcmp(g.status, "pending") != 0 || now >= g.expires_at)
		return 1;
	if (strcmp(gr->approver, g.engineer) == 0)
		return 2;	/* nobody approves their own request */
	if ((gr->valid_secs > 0 && gr->valid_secs > g.valid_secs) || (gr->sessions > 0 && gr->sessions > g.sessions))
		return 3;
	req.engineer = g.engineer;
	req.target = g.target;
	req.ticket = g.ticket;
	req.level = g.level;
	req.phase = g.phase;
	req.approver = gr->approver;
	req.method = gr->method;
	req.note = gr->note;
	req.valid_from = now;
	req.valid_until = now + (gr->valid_secs > 0 ? gr->valid_secs : g.valid_secs);
	req.max_sessions = gr->sessions > 0 ? gr->sessions : g.sessions;
	req.created_by = gr->created_by;
	req.allow_ops = g.ops[0] ? g.ops : NULL;
	/* The approval and the request's move from pending stand or fall together. */
	if (store_batch_begin(st) != 0) {
		snprintf(err, errlen, "store: %s", store_errmsg(st));
		return -1;
	}
	if (approval_create(st, &req, now, approval_id, token, sizeof(token), err, errlen) != 0) {
		(void)store_batch_commit(st);	/* nothing was written */
		return -1;
	}
	OPENSSL_cleanse(token, sizeof(token));	/* the engineer gets a token of its own at collection */
	r = request_store_set_approved(st, id, gr->approver, gr->method, gr->note, *approval_id, now);
	if (r != 1) {
		/* Another decision came first: this approval must not exist. */
		(void)store_approval_revoke(st, *approval_id, "remgate: a racing decision on the request", now);
		if (store_batch_commit(st) != 0)
			return -1;
		return r < 0 ? -1 : 1;
	}
	if (store_batch_commit(st) != 0) {
		snprintf(err, errlen, "store: %s", store_errmsg(st));
		return -1;
	}
	return 0;
}

struct approval_of {
	int64_t approval_id;
};

static int
take_approval(const struct request_row *r, void *arg)
{
	((struct approval_of *)arg)->approval_id = r->approval_id;
	return 0;
}

int
request_collect(struct store *st, int64_t id, const char *engineer, int64_t now, char *token, size_t toklen)
{
	struct approval_of a = { 0 };
	int r;

	if (store_batch_begin(st) != 0)
		return -1;
	r = request_store_mark_collected(st, id, engineer, now);
	if (r == 1 && (request_store_get(st, id, take_approval, &a) != 0 || a.approval_id <= 0 ||
	    approval_new_token(st, a.approval_id, token, toklen) != 0))
		r = -1;
	if (store_batch_commit(st) != 0)
		return -1;
	return r == 1 ? 0 : r == 0 ? 1 : -1;
}

void
request_summary(const struct request_row *r, int64_t now, char *out, size_t outlen)
{
	struct strbuf b;
	char when[40];

	strbuf_init_fixed(&b, out, outlen);
	strbuf_addf(&b, "request %lld (%s on %s, ticket ", (long long)r->id, r->engineer, r->target);
	strbuf_add_vis(&b, r->ticket, strlen(r->ticket), 0);
	strbuf_addf(&b, ", level %d, %s): ", r->level, r->phase);
	if (strcmp(r->status, "pending") == 0) {
		strbuf_addf(&b, "pending, expires in %llds", (long long)(r->expires_at - now));
		return;
	}
	util_time_iso(r->decided_at, when, sizeof(when));
	strbuf_addf(&b, "%s", r->status);
	if (r->decided_by != NULL && strcmp(r->status, "expired") != 0) {
		strbuf_adds(&b, " by ");
		strbuf_add_vis(&b, r->decided_by, strlen(r->decided_by), 0);
	}
	if (r->method != NULL)
		strbuf_addf(&b, " (%s)", r->method);
	strbuf_addf(&b, " at %s", when);
	if (r->approval_id > 0)
		strbuf_addf(&b, ", approval %lld", (long long)r->approval_id);
	if (r->note != NULL && *r->note) {
		strbuf_adds(&b, ": ");
		strbuf_add_vis(&b, r->note, strlen(r->note), 0);
	}
}
