/*
 * Access requests (issue 13): an engineer asks for an approval
 * (ssh ENGINEER@gateway request ...), a customer administrator decides
 * (remgatectl requests approve|deny), and the engineer collects the token
 * once (request wait). An engineer never approves their own request; of
 * two racing decisions exactly one stands; an undecided request expires
 * after request_ttl.
 */
#ifndef REMGATE_REQUEST_H
#define REMGATE_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct config;

struct request_row {
	int64_t id;
	const char *engineer, *target, *ticket;
	int level;
	const char *phase;	/* diagnose | implement */
	const char *ops;	/* space-separated major rules asked for, or NULL */
	const char *reason;
	int64_t valid_secs;
	int sessions;
	int64_t requested_at, expires_at;
	const char *status;	/* pending | approved | denied | expired | cancelled */
	int64_t decided_at;
	const char *decided_by, *method, *note;
	int64_t approval_id;	/* approved: the approval made for it */
	int64_t collected_at;	/* the token was handed out (0: not yet) */
};

#define REQUEST_MAX_VALID (7 * 24 * 3600)
#define REQUEST_MAX_SESSIONS 100

/* Check a new request against the configuration (target known, fields sane). 0, or -1 with why in err. */
int request_check(const struct config *cfg, const struct request_row *r, char *err, size_t errlen);

/* The admin's decision to approve, narrowing what was asked (0: as asked). */
struct request_grant {
	const char *approver, *method, *note;
	int64_t valid_secs;	/* at most what was asked */
	int sessions;		/* at most what was asked */
	const char *created_by;	/* who ran the command, for the approval row */
};

/*
 * Approve request id: the approval is created and the request points at
 * it, in one transaction. 0 done (*approval_id set), 1 not pending any
 * more (or expired), 2 self-approval, 3 wider than asked, -1 error (err).
 */
int request_approve(struct store *st, int64_t id, const struct request_grant *g, int64_t now, int64_t *approval_id,
    char *err, size_t errlen);

/*
 * The requesting engineer takes the token of approved request id, once:
 * a fresh secret is made for its approval now. 0 and token, 1 not
 * approved or already taken or not theirs, -1 error.
 */
int request_collect(struct store *st, int64_t id, const char *engineer, int64_t now, char *token, size_t toklen);

/* One line on where request id stands, for the engineer and the admin. */
void request_summary(const struct request_row *r, int64_t now, char *out, size_t outlen);

#endif
