/*
 * The command guard's review queue (docs/policy.md): a command a `review`
 * rule matched waits for a customer administrator's decision. The monitor
 * opens a review and watches it; remgatectl decides it; exactly one
 * decision wins, and a review nobody decided expires after review_timeout.
 */
#ifndef REMGATE_REVIEW_H
#define REMGATE_REVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct review_row {
	int64_t id;
	const char *session_id;
	int64_t approval_id;
	const char *engineer;
	const char *target;
	const char *kind;	/* line | exec */
	const char *rule;
	const char *command;
	int64_t requested_at;
	int64_t expires_at;
	const char *status;	/* pending | approved | denied | expired | cancelled | abandoned */
	int64_t decided_at;	/* 0: not yet */
	const char *decided_by;
	const char *method;
	const char *note;
};

#define REVIEW_BY_GATEWAY "remgate"	/* decided_by of an expired, cancelled or abandoned review */

/* Is status one a decision may set (approved, denied, expired, cancelled, abandoned)? */
int review_status_final(const char *status);

/*
 * The one line that says how a review ended, for the command list, the
 * engineer and the report: "review reboot: approved by wang (phone) at
 * 2026-11-29T12:04:00Z". Into out (always terminated).
 */
void review_summary(const struct review_row *r, char *out, size_t outlen);

#endif
