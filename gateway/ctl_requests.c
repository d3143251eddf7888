/*
 * remgatectl requests: the administrators' side of access requests
 * (request.h). Engineers file them over SSH (ssh ENGINEER@gateway request
 * ...); an approval made here is scoped as asked or narrower, and its token
 * goes only to the requesting engineer (request wait), never to this
 * terminal.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "approval.h"
#include "audit.h"
#include "ctl.h"
#include "duration.h"
#include "request.h"
#include "util.h"

static int
print_request(const struct request_row *r, void *arg)
{
	struct list_ctx *l = arg;
	char when[32], sum[1200];
	struct ctl_vis v = { 0 };

	l->rows++;
	if (!l->json) {
		ctl_time(r->requested_at, when, sizeof(when));
		printf("%-6lld %-9s %-12s %-12s %-14s %-5d %-9s %-20s %s\n", (long long)r->id, r->status, r->engineer,
		    r->target, ctl_vis(&v, r->ticket, ""), r->level, r->phase, when, ctl_vis(&v, r->reason, ""));
		request_summary(r, l->now, sum, sizeof(sum));
		printf("       %s\n", sum);
		ctl_vis_free(&v);
		return 0;
	}
	json_begin_object(&l->j);
	json_key_int(&l->j, "id", r->id);
	json_key_str(&l->j, "status", r->status);
	json_key_str(&l->j, "engineer", r->engineer);
	json_key_str(&l->j, "target", r->target);
	json_key_str(&l->j, "ticket", r->ticket);
	json_key_int(&l->j, "level", r->level);
	json_key_str(&l->j, "phase", r->phase);
	json_key_str(&l->j, "ops", r->ops);
	json_key_str(&l->j, "reason", r->reason);
	json_key_int(&l->j, "valid_secs", r->valid_secs);
	json_key_int(&l->j, "sessions", r->sessions);
	ctl_json_time(&l->j, "requested_at", r->requested_at);
	ctl_json_time(&l->j, "expires_at", r->expires_at);
	if (r->decided_at > 0) {
		ctl_json_time(&l->j, "decided_at", r->decided_at);
		json_key_str(&l->j, "decided_by", r->decided_by);
		json_key_str(&l->j, "method", r->method);
		json_key_str(&l->j, "note", r->note);
	}
	if (r->approval_id > 0)
		json_key_int(&l->j, "approval_id", r->approval_id);
	json_key_bool(&l->j, "token_collected", r->collected_at > 0);
	json_end_object(&l->j);
	return 0;
}

static int
fill_requests(struct ctl *c, struct list_ctx *l)
{
	return request_store_list(c->st, l->flag, NULL, print_request, l);
}

/* requests list [--pending] [--json] */
int
cmd_requests_list(struct ctl *c, int argc, char **argv)
{
	char header[200];

	snprintf(header, sizeof(header), "%-6s %-9s %-12s %-12s %-14s %-5s %-9s %-20s %s\n", "ID", "STATUS", "ENGINEER",
	    "TARGET", "TICKET", "LEVEL", "PHASE", "REQUESTED", "REASON");
	return ctl_run_list_flag(c, argc, argv, "requests list [--pending] [--json]", header, "--pending", "(none)",
	    fill_requests);
}

static int
say_row(const struct request_row *r, void *arg)
{
	char sum[1200];

	request_summary(r, *(int64_t *)arg, sum, sizeof(sum));
	printf("%s\n", sum);
	return 0;
}

static void
decided_event(struct ctl *c, const char *kind, int64_t id, int64_t approval_id, const char *by)
{
	char detail[300], who[160];
	struct audit_event ev = { .kind = kind, .approval_id = approval_id, .reason = "request_decided",
		.detail = detail, .actor = who };

	snprintf(detail, sizeof(detail), "request %lld, by %s", (long long)id, by);
	ctl_who_am_i(who, sizeof(who));
	(void)audit_event_add(c->st, &ev, (int64_t)time(NULL));
}

static int
request_engineer(const struct request_row *r, void *arg)
{
	snprintf(arg, 80, "%s", r->engineer);
	return 0;
}

/* The certificate of the approval a decision made, for --cert-key. 0, or -1 said. */
static int
say_cert(struct ctl *c, int64_t aid, const char *key_line)
{
	struct approval a;
	char *cert = NULL;
	int r;

	if (approval_get(c->st, aid, &a) != 0)
		return ctl_fail("approval %lld: cannot read it back for its certificate", (long long)aid);
	r = ctl_approval_cert(c, a.engineer, a.target, a.id, a.ticket, a.valid_from, a.valid_until, key_line, &cert);
	if (r == 0)
		printf("%s\n", cert);
	free(cert);
	approval_clear(&a);
	return r;
}

/* requests approve ID --approver NAME --method M [--valid D] [--sessions N] [--note T] [--cert-key LINE] */
int
cmd_requests_approve(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "approver", required_argument, NULL, 'a' }, { "method", required_argument, NULL, 'm' },
		{ "valid", required_argument, NULL, 'v' }, { "sessions", required_argument, NULL, 's' },
		{ "note", required_argument, NULL, 'n' }, { "cert-key", required_argument, NULL, 'K' },
		{ NULL, 0, NULL, 0 },
	};
	struct request_grant g = { 0 };
	const char *cert_key = NULL;
	char engineer[80] = "";
	const char *why;
	char err[600], by[128];
	long long id, n;
	int64_t aid = 0, now = (int64_t)time(NULL);
	int o, r;

	optind = 0;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'a': g.approver = optarg; break;
		case 'm': g.method = optarg; break;
		case 'n': g.note = optarg; break;
		case 'K': cert_key = optarg; break;
		case 'v':
			if (duration_parse(optarg, &g.valid_secs, &why) != 0 || g.valid_secs <= 0)
				return ctl_fail("--valid takes a duration such as 30m, 4h, 1d");
			break;
		case 's':
			if (util_parse_int(optarg, 1, REQUEST_MAX_SESSIONS, &n) != 0)
				return ctl_fail("--sessions must be from 1 to %d", REQUEST_MAX_SESSIONS);
			g.sessions = (int)n;
			break;
		default: goto usage;
		}
	}
	if (c->remote_admin != NULL && (g.approver = ctl_decider(c, g.approver)) == NULL)
		return EXIT_FAIL;
	if (optind != argc - 1 || g.approver == NULL || g.method == NULL ||
	    util_parse_int(argv[optind], 1, INT64_MAX, &id) != 0)
		goto usage;
	if (!approval_method_valid(g.method))
		return ctl_fail("--method must be written, email, fax, phone or console");
	if (cert_key != NULL) {
		/* The key is checked before anything is decided: a bad one leaves the request pending. */
		char type[64];

		if (request_store_get(c->st, id, request_engineer, engineer) != 0 || engineer[0] == '\0')
			return ctl_fail("no request %lld", id);
		if (ctl_cert_key_check(c, engineer, cert_key, type, sizeof(type), NULL, NULL) != 0)
			return EXIT_FAIL;
	}
	ctl_who_am_i(by, sizeof(by));
	g.created_by = by;
	switch ((r = request_approve(c->st, id, &g, now, &aid, err, sizeof(err)))) {
	case 0:
		decided_event(c, "request_approved", id, aid, g.approver);
		(void)request_store_get(c->st, id, say_row, &now);
		printf("the token goes to the requesting engineer only: ssh ENGINEER@gateway request wait %lld\n", id);
		if (cert_key != NULL)
			return say_cert(c, aid, cert_key) == 0 ? 0 : EXIT_FAIL;
		return 0;
	case 1:
		(void)request_store_get(c->st, id, say_row, &now);
		return ctl_fail("request %lld is not pending (decided, cancelled or expired)", id);
	case 2:
		return ctl_fail("an engineer cannot approve their own request");
	case 3:
		return ctl_fail("an approval may be narrower than the request, never wider (--valid, --sessions)");
	default:
		return ctl_fail("%s", err);
	}
usage:
	fprintf(stderr, "usage: remgatectl requests approve ID --approver NAME --method written|email|fax|phone|console\n"
	    "           [--valid DURATION] [--sessions N] [--note TEXT] [--cert-key 'ssh-ed25519 AAAA...']\n");
	return EXIT_USAGE;
}

/* requests deny ID --reason T [--approver NAME] */
int
cmd_requests_deny(struct ctl *c, int argc, char **argv)
{
	const char *reason, *approver;
	char by[128];
	long long id;
	int64_t now = (int64_t)time(NULL);
	int r;

	if ((r = ctl_deny_args(c, argc, argv, &id, &reason, &approver, by, sizeof(by))) != 0) {
		if (r == EXIT_USAGE)
			goto usage;
		return r;
	}
	if ((r = request_store_decide(c->st, id, "denied", approver, reason, now)) < 0)
		return ctl_fail("cannot record the decision: %s", store_errmsg(c->st));
	if (request_store_get(c->st, id, say_row, &now) == 1)
		return ctl_fail("no request %lld", id);
	if (r == 0)
		return ctl_fail("request %lld is not pending", id);
	decided_event(c, "request_denied", id, 0, approver);
	return 0;
usage:
	fprintf(stderr, "usage: remgatectl requests deny ID --reason TEXT [--approver NAME]\n");
	return EXIT_USAGE;
}
