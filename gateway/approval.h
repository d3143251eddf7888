/*
 * Approvals: the customer's recorded consent for one engineer to reach one
 * target for one fault ticket, within a time window and a number of
 * sessions. Checking a token never consumes it; consuming is one atomic
 * UPDATE that re-checks every condition, so racing logins cannot overrun.
 */
#ifndef REMGATE_APPROVAL_H
#define REMGATE_APPROVAL_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "token.h"

struct approval {
	int64_t id;
	char *engineer;
	char *target;
	char *ticket;
	int level;
	char *phase;
	char *approver;
	char *method;
	char *note;		/* may be NULL */
	int64_t valid_from;
	int64_t valid_until;
	int max_sessions;
	int uses;
	int64_t created_at;
	char *created_by;
	int64_t revoked_at;	/* 0: not revoked */
	char *revoked_by;	/* may be NULL */
	int64_t reported_at;	/* when the fault was reported, as the admin recorded it; 0: not given */
	char *allow_ops;	/* pre-approved major operations, space-separated rule names; may be NULL */
};

/* Major operations an approval may pre-approve (approve --allow-op). */
#define APPROVAL_MAX_OPS 32

struct approval_request {
	const char *engineer;
	const char *target;
	const char *ticket;
	int level;		/* 1..3 */
	const char *phase;	/* diagnose | implement */
	const char *approver;
	const char *method;	/* written | email | fax | phone | console */
	const char *note;	/* optional */
	int64_t valid_from;
	int64_t valid_until;
	int max_sessions;
	const char *created_by;
	int64_t reported_at;	/* 0: not given; never after now */
	const char *allow_ops;	/* space-separated rule names, or NULL */
};

enum approval_verdict {
	APPROVAL_OK = 0,
	APPROVAL_TOKEN_MISSING,
	APPROVAL_TOKEN_WRONG,
	APPROVAL_OTHER_ENGINEER,
	APPROVAL_OTHER_TARGET,
	APPROVAL_REVOKED,
	APPROVAL_NOT_YET_VALID,
	APPROVAL_EXPIRED,
	APPROVAL_USED_UP,
	APPROVAL_STORE_ERROR,
	APPROVAL_CERT_UNTRUSTED,
};

/* Short machine code ("token_expired") and a sentence for the engineer. */
const char *approval_verdict_code(enum approval_verdict v);
const char *approval_verdict_text(enum approval_verdict v);

int approval_method_valid(const char *m);
int approval_phase_valid(const char *p);

/*
 * Validate and store req. On success writes the one-time token
 * "rg-ID-SECRET" into token (TOKEN_MAX_LEN+1) and returns 0; on a bad
 * request returns -1 with a reason in err; nothing is written.
 */
int approval_create(struct store *st, const struct approval_request *req, int64_t now,
    int64_t *id, char *token, size_t token_len, char *err, size_t errlen);

/* 0 revoked, 1 no such approval, 2 already revoked, -1 store error. */
int approval_revoke(struct store *st, int64_t id, const char *by, int64_t now);

/* 0 found, 1 not found, -1 error. Fill *out (release with approval_clear). */
int approval_get(struct store *st, int64_t id, struct approval *out);
void approval_clear(struct approval *a);

/* Calls cb for each approval, newest first; stops if cb returns non-zero. */
int approval_list(struct store *st, int (*cb)(const struct approval *, void *), void *arg);

/* The same for approval id, named by an approval certificate's serial (its CA signature already checked). */
enum approval_verdict approval_check_id(struct store *st, int64_t id, const char *engineer, const char *target,
    int64_t now, struct approval *out);

/*
 * Does token admit engineer to target at time now? Never consumes. On
 * APPROVAL_OK, or a refusal that names an approval, *out is filled.
 */
enum approval_verdict approval_check(struct store *st, const char *token,
    const char *engineer, const char *target, int64_t now, struct approval *out);

/* Atomically take one use of approval id if it is still valid at now. */
/* A later session under a use already taken: revoked, not yet or no longer valid; the count is not looked at. */
enum approval_verdict approval_recheck(struct store *st, int64_t id, int64_t now);
enum approval_verdict approval_consume(struct store *st, int64_t id, int64_t now);

/* Give back a use taken by approval_consume when the session never opened. 0 or -1. */
int approval_release(struct store *st, int64_t id);

/*
 * A fresh token for approval id: the old one stops working. For a token
 * handed to its engineer only when collected (request.h). 0 or -1.
 */
int approval_new_token(struct store *st, int64_t id, char *token, size_t token_len);

#endif
