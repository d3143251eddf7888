/*
 * Fault-handling reports (requirements points 5 and 6): built from the
 * store's facts and the engineer's narrative into a bundle directory that
 * a customer verifies with stock OpenSSH (docs/reports.md), kept in the
 * store's fault database with full-text search.
 *
 * report.c builds bundles, report_store.c is the fault database,
 * report_verify.c checks a bundle.
 */
#ifndef REMGATE_REPORT_H
#define REMGATE_REPORT_H
#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "narrative.h"
#include "recfile.h"
#include "sigkey.h"
#include "store.h"

#define REPORT_NAMESPACE "remgate-report"
#define REPORT_FORMAT "remgate-report 1"
#define REPORT_MAX_SESSIONS 64

struct report_request {
	const char *const *session_ids;
	size_t nsessions;
	const struct narrative *narrative;
	const char *out_dir;		/* NULL: state_dir/reports/report-ID; must not exist or be empty */
	const char *created_by;		/* local:USER or engineer:NAME */
	const char *only_engineer;	/* non-NULL: every session must be this engineer's */
	int64_t now;
};

struct report_result {
	int64_t id;
	char dir[4096];
	char principal[200];
	int level;
	int escalate;
	size_t nsigned;		/* files with a .sig, report.json included */
};

/* Build, sign and store a report. 0, or -1 with a sentence in err; nothing is kept on failure. */
int report_create(struct store *st, const struct config *cfg, const struct sigkey *key,
    const struct report_request *req, struct report_result *out, char *err, size_t errlen);

/* "remgate@GATEWAY_NAME": the signer's name in allowed_signers. */
void report_principal(const struct config *cfg, char *out, size_t outlen);

/* The meaning of a fault level (1..3) in the service plan's words, and its short name. */
const char *report_level_name(int level);
const char *report_level_meaning(int level);

/*
 * Check a recording's chain and seal against each key of kr, e.g. every
 * signing key this gateway has had (a rotation must not orphan old recordings).
 * signer gets the fingerprint that verified the seal, or "".
 */
struct keyring;
void report_check_recording(const struct keyring *kr, const uint8_t *data, size_t len, struct rec_check *chk,
    char *signer, size_t signerlen);

/* ---- the fault database (its rows; the functions are in store.h) ---- */

struct report_row {
	int64_t id;
	int64_t created_at;
	const char *created_by;
	const char *ticket;
	int level;
	const char *targets;
	const char *engineers;
	const char *fault;
	const char *cause;
	const char *actions;
	const char *result;
	const char *prevention;
	const char *followup;
	int escalate;
	const char *bundle_dir;
	const char *report_json;
	const char *signing_key;
	const char *snippet;	/* search results only */
};

struct report_facts {
	int64_t created_at;
	const char *created_by, *ticket, *targets, *engineers;
	int level, escalate;
	const struct narrative *narrative;
	const char *bundle_dir;
	const char *signing_key;
};


/* ---- checking a bundle (report_verify.c) ---- */

enum verify_status { VERIFY_OK, VERIFY_WARN, VERIFY_FAIL };

struct verify_hooks {
	void *arg;
	/* One line of the checklist. */
	void (*item)(void *arg, enum verify_status st, const char *what, const char *detail);
};

/*
 * Check the bundle in dir: signatures, digests, recordings, approval
 * coverage, and (st non-NULL) agreement with this gateway's store.
 * trusted_signers: an allowed_signers file to trust instead of the
 * store's key history (NULL: the store's). Returns the number of failures.
 */
int report_verify(struct store *st, const char *dir, const char *trusted_signers, const struct verify_hooks *h);
#endif
