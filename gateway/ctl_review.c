/*
 * remgatectl review: the customer's side of the command guard's queue
 * (docs/policy.md). A command a review rule matched waits in its session
 * until an administrator approves or denies it here; the session's monitor
 * sees the decision within a second.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "approval.h"
#include "ctl.h"
#include "review.h"
#include "util.h"

static int
print_review(const struct review_row *r, void *arg)
{
	struct list_ctx *l = arg;
	char when[32], summary[600];
	struct ctl_vis v = { 0 };

	l->rows++;
	review_summary(r, summary, sizeof(summary));
	if (!l->json) {
		ctl_time(r->requested_at, when, sizeof(when));
		printf("%-6lld %-9s %-12s %-12s %-14s %-20s %s\n", (long long)r->id, r->status, r->engineer, r->target,
		    r->rule, when, ctl_vis(&v, r->command, ""));
		if (strcmp(r->status, "pending") == 0)
			printf("       expires in %llds; session %s\n", (long long)(r->expires_at - l->now), r->session_id);
		else
			printf("       %s\n", summary);
		ctl_vis_free(&v);
		return 0;
	}
	json_begin_object(&l->j);
	json_key_int(&l->j, "id", r->id);
	json_key_str(&l->j, "status", r->status);
	json_key_str(&l->j, "session_id", r->session_id);
	json_key_int(&l->j, "approval_id", r->approval_id);
	json_key_str(&l->j, "engineer", r->engineer);
	json_key_str(&l->j, "target", r->target);
	json_key_str(&l->j, "kind", r->kind);
	json_key_str(&l->j, "rule", r->rule);
	json_key_str(&l->j, "command", r->command);
	ctl_json_time(&l->j, "requested_at", r->requested_at);
	ctl_json_time(&l->j, "expires_at", r->expires_at);
	if (r->decided_at > 0) {
		ctl_json_time(&l->j, "decided_at", r->decided_at);
		json_key_str(&l->j, "decided_by", r->decided_by);
		if (r->method != NULL)
			json_key_str(&l->j, "method", r->method);
		if (r->note != NULL)
			json_key_str(&l->j, "note", r->note);
	}
	json_end_object(&l->j);
	return 0;
}

static int
fill_reviews(struct ctl *c, struct list_ctx *l)
{
	return review_store_list(c->st, !l->flag, NULL, print_review, l);
}

/* review list [--all] [--json]: the pending reviews (every review with --all), newest first. */
int
cmd_review_list(struct ctl *c, int argc, char **argv)
{
	char header[200];

	snprintf(header, sizeof(header), "%-6s %-9s %-12s %-12s %-14s %-20s %s\n", "ID", "STATUS", "ENGINEER", "TARGET",
	    "RULE", "REQUESTED", "COMMAND");
	return ctl_run_list_flag(c, argc, argv, "review list [--all] [--json]", header, "--all", "(none)", fill_reviews);
}

static int
copy_row(const struct review_row *r, void *arg)
{
	review_summary(r, arg, 600);
	return 0;
}

/* The decision, or why it could not be taken (decided already, out of time, unknown). */
static int
decide(struct ctl *c, long long id, const char *status, const char *by, const char *method, const char *note)
{
	char summary[600];
	int r = review_store_decide(c->st, id, status, by, method, note, (int64_t)time(NULL));

	if (r < 0)
		return ctl_fail("cannot record the decision: %s", store_errmsg(c->st));
	if (review_store_get(c->st, id, copy_row, summary) != 0)
		return ctl_fail("no review %lld", id);
	if (r == 0)
		return ctl_fail("review %lld is not pending: %s", id, summary);
	printf("%s\n", summary);
	return 0;
}

/* review approve ID --approver NAME --method M [--note T] */
int
cmd_review_approve(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "approver", required_argument, NULL, 'a' }, { "method", required_argument, NULL, 'm' },
		{ "note", required_argument, NULL, 'n' }, { NULL, 0, NULL, 0 },
	};
	const char *approver = NULL, *method = NULL, *note = NULL;
	long long id;
	int o;

	optind = 0;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'a': approver = optarg; break;
		case 'm': method = optarg; break;
		case 'n': note = optarg; break;
		default: goto usage;
		}
	}
	if (c->remote_admin != NULL && (approver = ctl_decider(c, approver)) == NULL)
		return EXIT_FAIL;
	if (optind != argc - 1 || approver == NULL || method == NULL || util_parse_int(argv[optind], 1, INT64_MAX, &id) != 0)
		goto usage;
	if (!approval_method_valid(method))
		return ctl_fail("--method must be written, email, fax, phone or console");
	if (*approver == '\0' || strlen(approver) > 200)
		return ctl_fail("--approver names the customer's administrator (1-200 characters)");
	return decide(c, id, "approved", approver, method, note);
usage:
	fprintf(stderr, "usage: remgatectl review approve ID --approver NAME --method written|email|fax|phone|console "
	    "[--note TEXT]\n");
	return EXIT_USAGE;
}

/* review deny ID --reason T [--approver NAME] */
int
cmd_review_deny(struct ctl *c, int argc, char **argv)
{
	const char *reason, *approver;
	char by[128];
	long long id;
	int r;

	if ((r = ctl_deny_args(c, argc, argv, &id, &reason, &approver, by, sizeof(by))) != 0) {
		if (r == EXIT_USAGE)
			goto usage;
		return r;
	}
	return decide(c, id, "denied", approver, NULL, reason);
usage:
	fprintf(stderr, "usage: remgatectl review deny ID --reason TEXT [--approver NAME]\n");
	return EXIT_USAGE;
}
