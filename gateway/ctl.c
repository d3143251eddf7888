/*
 * remgatectl: the administrator's command line. Records approvals, and
 * reads sessions and events from the same store the daemon writes.
 * Commands are a table; each handler parses its own options.
 */
#include <getopt.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/stat.h>

#include <openssl/crypto.h>

#include "approval.h"
#include "control.h"
#include "ctl.h"
#include "guard.h"
#include "audit.h"
#include "config.h"
#include "duration.h"
#include "json.h"
#include "keys.h"
#include "log.h"
#include "state.h"
#include "session.h"
#include "store.h"
#include "strbuf.h"
#include "target.h"
#include "util.h"

/*
 * What a command needs: the store to write, the store to read (opened
 * read-only, nothing created), the configuration, or nothing. EVIDENCE
 * reads what an auditor guards (recordings, command lists, transfers,
 * reports): the store is opened to write, and an `access` event naming who
 * goes in before the command shows anything (docs/events.md).
 */
enum { NOTHING = -1, CONFIG_ONLY = 0, STORE_RO = 1, STORE_RW = 2, EVIDENCE = 3 };

struct ctl_cmd {
	const char *name;
	const char *sub;	/* NULL: a one-word command */
	const char *usage;
	int needs_store;	/* EVIDENCE, STORE_RW, STORE_RO, CONFIG_ONLY or NOTHING */
	int (*run)(struct ctl *, int, char **);
	int remote;		/* over SSH (an admin): 0 never, REMOTE_READ any admin, REMOTE_DECIDE approvers */
};

#define REMOTE_READ 1
#define REMOTE_DECIDE 2

/* Set for an administrator's command over SSH or from the console (ctl_run): who is asking, and how. */
static const char *remote_admin, *remote_via;

int
ctl_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("remgatectl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_FAIL;
}

void
ctl_who_am_i(char *out, size_t outlen)
{
	const char *sudo = getenv("SUDO_USER");
	struct passwd *pw;

	if (remote_admin != NULL) {
		snprintf(out, outlen, "%s:%s", remote_via ? remote_via : "ssh", remote_admin);
		return;
	}
	pw = getpwuid(getuid());
	if (sudo != NULL && sudo[0] != '\0')
		snprintf(out, outlen, "local:%s", sudo);
	else
		snprintf(out, outlen, "local:%s", pw ? pw->pw_name : "unknown");
}

/* "--json" is the only option of the list commands. */
int
ctl_want_json(int argc, char **argv, const char *usage)
{
	if (argc == 2 && strcmp(argv[1], "--json") == 0)
		return 1;
	if (argc == 1)
		return 0;
	fprintf(stderr, "usage: remgatectl %s\n", usage);
	return -1;
}

const char *
ctl_vis(struct ctl_vis *v, const char *s, const char *dflt)
{
	char *e;

	if (s == NULL)
		return dflt;
	if (v->n >= (int)(sizeof(v->p) / sizeof(v->p[0])) || (e = strbuf_vis_dup(s)) == NULL)
		return "?";	/* never the raw text */
	v->p[v->n++] = e;
	return e;
}

void
ctl_put_text(FILE *f, const char *s)
{
	char *vis;

	if (s == NULL)
		return;
	vis = strbuf_vis_dup_lines(s, '\n');
	fputs(vis ? vis : "?", f);	/* never the raw text */
	free(vis);
}

void
ctl_vis_free(struct ctl_vis *v)
{
	for (int i = 0; i < v->n; i++)
		free(v->p[i]);
	v->n = 0;
}

void
ctl_time(int64_t t, char *buf, size_t len)
{
	if (t <= 0)
		snprintf(buf, len, "-");
	else
		util_time_iso(t, buf, len);
}

/* ---- approvals --------------------------------------------------------- */

static int
cmd_approve(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "engineer", required_argument, NULL, 'e' },
		{ "target", required_argument, NULL, 't' },
		{ "ticket", required_argument, NULL, 'k' },
		{ "level", required_argument, NULL, 'l' },
		{ "approver", required_argument, NULL, 'a' },
		{ "method", required_argument, NULL, 'm' },
		{ "valid", required_argument, NULL, 'v' },
		{ "max-sessions", required_argument, NULL, 'n' },
		{ "phase", required_argument, NULL, 'p' },
		{ "note", required_argument, NULL, 'N' },
		{ "reported-at", required_argument, NULL, 'R' },
		{ "allow-op", required_argument, NULL, 'o' },
		{ "cert-for", required_argument, NULL, 'C' },
		{ "cert-key", required_argument, NULL, 'K' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cert_for = NULL, *cert_key = NULL;
	char key_line[16384], *cert = NULL, cert_path[4096], key_type[64];
	char ops[APPROVAL_MAX_OPS * 66] = "";
	struct strbuf opsb;
	int nops = 0;
	struct approval_request req = { .phase = "diagnose", .max_sessions = 1 };
	const char *valid = NULL, *why = NULL;
	char by[128], err[512], token[TOKEN_MAX_LEN + 1];
	long long n;
	int64_t secs = 0, id = 0, now = (int64_t)time(NULL);
	int o;

	strbuf_init_fixed(&opsb, ops, sizeof(ops));
	optind = 0;	/* 0: glibc re-reads its mode, so options may follow operands */
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'e': req.engineer = optarg; break;
		case 't': req.target = optarg; break;
		case 'k': req.ticket = optarg; break;
		case 'a': req.approver = optarg; break;
		case 'm': req.method = optarg; break;
		case 'v': valid = optarg; break;
		case 'p': req.phase = optarg; break;
		case 'N': req.note = optarg; break;
		case 'C': cert_for = optarg; break;
		case 'K': cert_key = optarg; break;
		case 'o':
			/* Only a major operation of the policy in force can be pre-approved. */
			if (!util_name_valid(optarg) || !guard_is_major_rule(c->cfg->guard, optarg))
				return ctl_fail("--allow-op '%s' is not a major operation of the command guard's policy "
				    "(remgatectl policy check shows which rule a command meets)", optarg);
			if (++nops > APPROVAL_MAX_OPS)
				return ctl_fail("at most %d --allow-op", APPROVAL_MAX_OPS);
			strbuf_adds(&opsb, nops > 1 ? " " : "");
			strbuf_adds(&opsb, optarg);
			req.allow_ops = strbuf_str(&opsb);
			break;
		case 'R':
			if (util_parse_time(optarg, &req.reported_at) != 0)
				return ctl_fail("--reported-at must be a UTC time like 2026-11-28T09:40:00Z (found '%s')", optarg);
			break;
		case 'l':
			if (util_parse_int(optarg, 1, 3, &n) != 0)
				return ctl_fail("--level must be 1, 2 or 3 (found '%s')", optarg);
			req.level = (int)n;
			break;
		case 'n':
			if (util_parse_int(optarg, 1, 10000, &n) != 0)
				return ctl_fail("--max-sessions must be a number from 1 to 10000 (found '%s')", optarg);
			req.max_sessions = (int)n;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc)
		return ctl_fail("unexpected argument '%s'", argv[optind]);
	if (c->remote_admin != NULL && (req.approver = ctl_decider(c, req.approver)) == NULL)
		return EXIT_FAIL;
	if (cert_for != NULL && c->remote_admin != NULL)
		return ctl_fail("%s", "--cert-for reads a file on the gateway; over SSH give the engineer's public key "
		    "with --cert-key 'ssh-ed25519 AAAA...'");
	if (cert_for != NULL && cert_key != NULL)
		return ctl_fail("%s", "--cert-for and --cert-key: one or the other");
	if (cert_for != NULL && ctl_read_key_file(cert_for, key_line, sizeof(key_line)) != 0)
		return EXIT_FAIL;
	if (cert_key != NULL)
		snprintf(key_line, sizeof(key_line), "%s", cert_key);
	if (!req.engineer || !req.target || !req.ticket || !req.level || !req.approver || !req.method || !valid)
		return ctl_fail("%s", "approve needs --engineer, --target, --ticket, --level, --approver, --method and --valid");
	if (config_engineer(c->cfg, req.engineer) == NULL)
		return ctl_fail("unknown engineer '%s' (not in the configuration)", req.engineer);
	if (config_target(c->cfg, req.target) == NULL)
		return ctl_fail("unknown target '%s' (not in the configuration)", req.target);
	if (duration_parse(valid, &secs, &why) != 0) {
		fprintf(stderr, "remgatectl: --valid: bad duration '%s': %s\n", valid, why);
		return EXIT_FAIL;
	}
	ctl_who_am_i(by, sizeof(by));
	req.created_by = by;
	req.valid_from = now;
	req.valid_until = now + secs;
	if ((cert_for != NULL || cert_key != NULL) &&
	    ctl_cert_key_check(c, req.engineer, key_line, key_type, sizeof(key_type), NULL, NULL) != 0)
		return EXIT_FAIL;	/* checked before the approval exists: a bad key leaves nothing behind */
	if (approval_create(c->st, &req, now, &id, token, sizeof(token), err, sizeof(err)) != 0)
		return ctl_fail("%s", err);
	if ((cert_for != NULL || cert_key != NULL) &&
	    ctl_approval_cert(c, req.engineer, req.target, id, req.ticket, req.valid_from, req.valid_until, key_line,
	    &cert) != 0)
		return EXIT_FAIL;
	{
		char who[160];
		struct audit_event ev = { .kind = "approval_created", .engineer = req.engineer,
			.target = req.target, .approval_id = id, .detail = req.ticket, .actor = who };

		ctl_who_am_i(who, sizeof(who));	/* "console:wang" when it came from the console */
		audit_event_add(c->st, &ev, now);
	}
	/* The token alone on stdout, so TOKEN=$(remgatectl approve …) works; --cert-key's certificate after it. */
	printf("%s\n", token);
	if (cert_key != NULL)
		printf("%s\n", cert);
	fflush(stdout);
	OPENSSL_cleanse(token, sizeof(token));
	if (cert_for != NULL) {
		if (ctl_write_cert(cert_for, cert, cert_path, sizeof(cert_path)) != 0) {
			free(cert);
			return EXIT_FAIL;
		}
		fprintf(stderr, "approval certificate for approval %lld: %s\n", (long long)id, cert_path);
	}
	free(cert);
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "approval %lld recorded: %s may reach %s for %s (%d session%s); "
		    "the token is shown only once\n", (long long)id, req.engineer, req.target, valid,
		    req.max_sessions, req.max_sessions == 1 ? "" : "s");
	return 0;
}

int
ctl_deny_args(struct ctl *c, int argc, char **argv, long long *id, const char **reason, const char **approver,
    char *by, size_t bylen)
{
	static const struct option opts[] = {
		{ "reason", required_argument, NULL, 'r' }, { "approver", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	int o;

	*reason = *approver = NULL;
	optind = 0;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'r': *reason = optarg; break;
		case 'a': *approver = optarg; break;
		default: return EXIT_USAGE;
		}
	}
	if (optind != argc - 1 || *reason == NULL || **reason == '\0' ||
	    util_parse_int(argv[optind], 1, INT64_MAX, id) != 0)
		return EXIT_USAGE;
	if (c->remote_admin != NULL && (*approver = ctl_decider(c, *approver)) == NULL)
		return EXIT_FAIL;
	if (*approver == NULL) {
		ctl_who_am_i(by, bylen);
		*approver = by;
	}
	return 0;
}

static const char *
approval_status(const struct approval *a, int64_t now)
{
	if (a->revoked_at > 0)
		return "revoked";
	if (now >= a->valid_until)
		return "expired";
	if (a->uses >= a->max_sessions)
		return "used-up";
	if (now < a->valid_from)
		return "pending";
	return "active";
}

/* A time as ISO 8601, or null when unset. */
void
ctl_json_time(struct json *j, const char *key, int64_t t)
{
	char buf[32];

	if (t <= 0) {
		json_key_null(j, key);
		return;
	}
	util_time_iso(t, buf, sizeof(buf));
	json_key_str(j, key, buf);
}

/*
 * The shape every "... list [--json]" shares: parse --json, print the
 * table header or open the array, let fill() emit the rows, close.
 */
int
ctl_run_list_flag(struct ctl *c, int argc, char **argv, const char *usage, const char *header, const char *flag,
    const char *empty, int (*fill)(struct ctl *, struct list_ctx *))
{
	struct list_ctx l = { .now = (int64_t)time(NULL) };

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			l.json = 1;
		} else if (flag != NULL && strcmp(argv[i], flag) == 0) {
			l.flag = 1;
		} else {
			fprintf(stderr, "usage: remgatectl %s\n", usage);
			return EXIT_USAGE;
		}
	}
	if (l.json) {
		json_init(&l.j, stdout);
		json_begin_array(&l.j);
	} else {
		fputs(header, stdout);
	}
	if (fill(c, &l) != 0)
		return ctl_fail("cannot read the store: %s", store_errmsg(c->st));
	if (l.json) {
		json_end_array(&l.j);
		putchar('\n');
	} else if (l.rows == 0 && empty != NULL) {
		printf("%s\n", empty);
	}
	return 0;
}

int
ctl_run_list(struct ctl *c, int argc, char **argv, const char *usage, const char *header,
    int (*fill)(struct ctl *, struct list_ctx *))
{
	return ctl_run_list_flag(c, argc, argv, usage, header, NULL, NULL, fill);
}

static int
print_approval(const struct approval *a, void *arg)
{
	struct list_ctx *l = arg;
	char until[32];

	ctl_time(a->valid_until, until, sizeof(until));
	l->rows++;
	if (!l->json) {
		printf("%-5lld %-12s %-12s %-14s %-5d %-9s %-8s %2d/%-3d %-20s %s\n", (long long)a->id,
		    a->engineer, a->target, a->ticket, a->level, a->phase, approval_status(a, l->now),
		    a->uses, a->max_sessions, until, a->approver);
		return 0;
	}
	json_begin_object(&l->j);
	json_key_int(&l->j, "id", a->id);
	json_key_str(&l->j, "engineer", a->engineer);
	json_key_str(&l->j, "target", a->target);
	json_key_str(&l->j, "ticket", a->ticket);
	json_key_int(&l->j, "level", a->level);
	json_key_str(&l->j, "phase", a->phase);
	json_key_str(&l->j, "approver", a->approver);
	json_key_str(&l->j, "method", a->method);
	json_key_str(&l->j, "note", a->note);
	ctl_json_time(&l->j, "valid_from", a->valid_from);
	ctl_json_time(&l->j, "valid_until", a->valid_until);
	json_key_int(&l->j, "max_sessions", a->max_sessions);
	json_key_int(&l->j, "uses", a->uses);
	json_key_str(&l->j, "status", approval_status(a, l->now));
	ctl_json_time(&l->j, "created_at", a->created_at);
	json_key_str(&l->j, "created_by", a->created_by);
	ctl_json_time(&l->j, "revoked_at", a->revoked_at);
	ctl_json_time(&l->j, "reported_at", a->reported_at);
	json_key_str(&l->j, "allow_ops", a->allow_ops);
	json_key_str(&l->j, "revoked_by", a->revoked_by);
	json_end_object(&l->j);
	return 0;
}

static int
fill_approvals(struct ctl *c, struct list_ctx *l)
{
	return approval_list(c->st, print_approval, l);
}

static int
cmd_approvals_list(struct ctl *c, int argc, char **argv)
{
	char header[200];

	snprintf(header, sizeof(header), "%-5s %-12s %-12s %-14s %-5s %-9s %-8s %-6s %-20s %s\n", "ID", "ENGINEER",
	    "TARGET", "TICKET", "LEVEL", "PHASE", "STATUS", "USES", "VALID UNTIL", "APPROVER");
	return ctl_run_list(c, argc, argv, "approvals list [--json]", header, fill_approvals);
}

static int
cmd_approvals_revoke(struct ctl *c, int argc, char **argv)
{
	char by[128];
	long long id;
	int r;

	if (argc != 2 || util_parse_int(argv[1], 1, INT64_MAX, &id) != 0) {
		fprintf(stderr, "usage: remgatectl approvals revoke ID\n");
		return EXIT_USAGE;
	}
	ctl_who_am_i(by, sizeof(by));
	r = approval_revoke(c->st, id, by, (int64_t)time(NULL));
	if (r == 1)
		return ctl_fail("no approval %s", argv[1]);
	if (r == 2)
		return ctl_fail("approval %s is already revoked", argv[1]);
	if (r != 0)
		return ctl_fail("cannot revoke: %s", store_errmsg(c->st));
	{
		char who[160];
		struct audit_event ev = { .kind = "approval_revoked", .approval_id = id, .detail = by, .actor = who };

		ctl_who_am_i(who, sizeof(who));
		audit_event_add(c->st, &ev, (int64_t)time(NULL));
	}
	printf("approval %lld revoked\n", id);
	return 0;
}

/* ---- sessions and events ---------------------------------------------- */

static int
print_session(const struct audit_session *a, void *arg)
{
	struct list_ctx *l = arg;
	char start[32], end[32], status[48];

	ctl_time(a->started_at, start, sizeof(start));
	ctl_time(a->ended_at, end, sizeof(end));
	l->rows++;
	if (!l->json) {
		if (a->exit_signal)
			snprintf(status, sizeof(status), "sig %s", a->exit_signal);
		else if (a->exit_status >= 0)
			snprintf(status, sizeof(status), "%d", a->exit_status);
		else
			snprintf(status, sizeof(status), "-");
		struct ctl_vis v = { .n = 0 };

		printf("%-16s %-10s %-10s %-5lld %-5s %-20s %-20s %-7s %10lld %12lld %-22s %s\n", a->id,
		    ctl_vis(&v, a->engineer, "-"), ctl_vis(&v, a->target, "-"), (long long)a->approval_id,
		    a->kind ? a->kind : "-", start, a->ended_at ? end : "(running)", ctl_vis(&v, status, "-"),
		    (long long)a->bytes_in, (long long)a->bytes_out, ctl_vis(&v, a->end_reason, "-"),
		    ctl_vis(&v, a->client_addr, "-"));
		ctl_vis_free(&v);
		return 0;
	}
	json_begin_object(&l->j);
	json_key_str(&l->j, "id", a->id);
	json_key_str(&l->j, "engineer", a->engineer);
	json_key_str(&l->j, "target", a->target);
	json_key_int(&l->j, "approval_id", a->approval_id);
	json_key_str(&l->j, "client_addr", a->client_addr);
	json_key_str(&l->j, "kind", a->kind);
	json_key_str(&l->j, "command", a->command);
	ctl_json_time(&l->j, "started_at", a->started_at);
	ctl_json_time(&l->j, "ended_at", a->ended_at);
	if (a->exit_status >= 0)
		json_key_int(&l->j, "exit_status", a->exit_status);
	else
		json_key_null(&l->j, "exit_status");
	json_key_str(&l->j, "exit_signal", a->exit_signal);
	json_key_str(&l->j, "end_reason", a->end_reason);
	json_key_int(&l->j, "bytes_in", a->bytes_in);
	json_key_int(&l->j, "bytes_out", a->bytes_out);
	json_end_object(&l->j);
	return 0;
}

static int
fill_sessions(struct ctl *c, struct list_ctx *l)
{
	return audit_session_list(c->st, print_session, l);
}

static int
print_running(const struct audit_session *a, void *arg)
{
	char start[32];
	struct ctl_vis v = { .n = 0 };

	if (a->ended_at > 0)
		return 0;
	ctl_time(a->started_at, start, sizeof(start));
	printf("%-16s %-10s %-10s approval %-5lld since %s from %s\n", a->id, a->engineer, a->target,
	    (long long)a->approval_id, start, ctl_vis(&v, a->client_addr, "-"));
	ctl_vis_free(&v);
	(*(int *)arg)++;
	return 0;
}

int
ctl_print_running(struct ctl *c)
{
	int n = 0, r = audit_session_list(c->st, print_running, &n);

	if (r == 0 && n == 0)
		printf("(none)\n");
	return r;
}

static int
cmd_sessions_list(struct ctl *c, int argc, char **argv)
{
	char header[300];

	snprintf(header, sizeof(header), "%-16s %-10s %-10s %-5s %-5s %-20s %-20s %-7s %10s %12s %-22s %s\n",
	    "SESSION", "ENGINEER", "TARGET", "APPR", "KIND", "STARTED", "ENDED", "EXIT", "BYTES IN", "BYTES OUT",
	    "END REASON", "CLIENT");
	return ctl_run_list(c, argc, argv, "sessions list [--json]", header, fill_sessions);
}

static int
print_event(const struct audit_event *e, void *arg)
{
	struct list_ctx *l = arg;
	char ts[32];

	ctl_time(e->ts, ts, sizeof(ts));
	l->rows++;
	if (!l->json) {
		struct ctl_vis v = { .n = 0 };

		printf("%-6lld %-20s %-18s %-16s %-10s %-10s %-24s %s%s%s%s\n", (long long)e->id, ts,
		    ctl_vis(&v, e->kind, "-"), ctl_vis(&v, e->session_id, "-"), ctl_vis(&v, e->engineer, "-"),
		    ctl_vis(&v, e->target, "-"), ctl_vis(&v, e->reason, "-"), e->actor ? "[" : "",
		    ctl_vis(&v, e->actor, ""), e->actor ? "] " : "", ctl_vis(&v, e->detail, ""));
		ctl_vis_free(&v);
		return 0;
	}
	json_begin_object(&l->j);
	json_key_int(&l->j, "id", e->id);
	ctl_json_time(&l->j, "ts", e->ts);
	json_key_str(&l->j, "kind", e->kind);
	json_key_str(&l->j, "session_id", e->session_id);
	json_key_str(&l->j, "engineer", e->engineer);
	json_key_str(&l->j, "target", e->target);
	if (e->approval_id > 0)
		json_key_int(&l->j, "approval_id", e->approval_id);
	else
		json_key_null(&l->j, "approval_id");
	json_key_str(&l->j, "client_addr", e->client_addr);
	json_key_str(&l->j, "reason", e->reason);
	json_key_str(&l->j, "detail", e->detail);
	json_key_str(&l->j, "actor", e->actor);
	if (e->seq > 0)
		json_key_int(&l->j, "seq", e->seq);
	else
		json_key_null(&l->j, "seq");
	json_key_str(&l->j, "hash", e->hash);
	json_end_object(&l->j);
	return 0;
}

static int
fill_events(struct ctl *c, struct list_ctx *l)
{
	return audit_event_list(c->st, print_event, l);
}

static int
cmd_events_list(struct ctl *c, int argc, char **argv)
{
	char header[200];

	snprintf(header, sizeof(header), "%-6s %-20s %-18s %-16s %-10s %-10s %-24s %s\n", "ID", "TIME", "KIND",
	    "SESSION", "ENGINEER", "TARGET", "REASON", "DETAIL");
	return ctl_run_list(c, argc, argv, "events list [--json]", header, fill_events);
}

/* ---- targets ----------------------------------------------------------- */

static int
cmd_targets_list(struct ctl *c, int argc, char **argv)
{
	int json;

	if ((json = ctl_want_json(argc, argv, "targets list [--json]")) < 0)
		return EXIT_USAGE;
	if (json) {
		struct json j;

		json_init(&j, stdout);
		json_begin_array(&j);
		for (size_t i = 0; i < c->cfg->ntargets; i++) {
			const struct target *t = &c->cfg->targets[i];

			json_begin_object(&j);
			json_key_str(&j, "name", t->name);
			json_key_str(&j, "host", t->host);
			json_key_int(&j, "port", t->port);
			json_key_str(&j, "user", t->user);
			json_key_str(&j, "host_key", t->host_key);
			json_end_object(&j);
		}
		json_end_array(&j);
		putchar('\n');
		return 0;
	}
	printf("%-16s %-28s %-12s %s\n", "TARGET", "ADDRESS", "USER", "PINNED HOST KEY");
	for (size_t i = 0; i < c->cfg->ntargets; i++) {
		const struct target *t = &c->cfg->targets[i];
		char addr[300];

		snprintf(addr, sizeof(addr), strchr(t->host, ':') ? "[%s]:%d" : "%s:%d", t->host, t->port);
		printf("%-16s %-28s %-12s %s\n", t->name, addr, t->user, t->host_key);
	}
	return 0;
}

/* The line to put in the device's authorized_keys for the vaulted identity. */
static int
cmd_targets_pubkey(struct ctl *c, int argc, char **argv)
{
	const struct target *t;
	ssh_key key = NULL;
	char line[1024], comment[160], err[512];
	int generated;

	if (argc != 2) {
		fprintf(stderr, "usage: remgatectl targets pubkey TARGET\n");
		return EXIT_USAGE;
	}
	if ((t = config_target(c->cfg, argv[1])) == NULL)
		return ctl_fail("unknown target '%s'", argv[1]);
	if (keys_load_or_generate(t->identity_file, &key, &generated, err, sizeof(err)) != 0)
		return ctl_fail("%s", err);
	snprintf(comment, sizeof(comment), "remgate@%s", t->name);
	if (keys_public_line(key, comment, line, sizeof(line)) != 0) {
		ssh_key_free(key);
		return ctl_fail("%s", "cannot export the public key");
	}
	ssh_key_free(key);
	printf("%s\n", line);
	return 0;
}

/* What to pin: the fingerprint the gateway sees for a target (or HOST:PORT). */
static int
cmd_targets_hostkey(struct ctl *c, int argc, char **argv)
{
	const struct target *t;
	char fp[128], detail[512], host[256];
	const char *colon;
	long long port = 22;

	if (argc != 2) {
		fprintf(stderr, "usage: remgatectl targets hostkey TARGET|HOST:PORT\n");
		return EXIT_USAGE;
	}
	if ((t = config_target(c->cfg, argv[1])) != NULL) {
		snprintf(host, sizeof(host), "%s", t->host);
		port = t->port;
	} else if ((colon = strrchr(argv[1], ':')) != NULL && (size_t)(colon - argv[1]) < sizeof(host) &&
	    util_parse_int(colon + 1, 1, 65535, &port) == 0) {
		snprintf(host, sizeof(host), "%.*s", (int)(colon - argv[1]), argv[1]);
	} else {
		return ctl_fail("'%s' is neither a configured target nor HOST:PORT", argv[1]);
	}
	if (target_probe_hostkey(host, (int)port, c->cfg->target_connect_timeout, fp, sizeof(fp),
	    detail, sizeof(detail)) != TARGET_OK)
		return ctl_fail("%s", detail);
	printf("%s\n", fp);
	if (t != NULL && strcmp(fp, t->host_key) != 0)
		fprintf(stderr, "remgatectl: note: target %s is pinned to %s\n", t->name, t->host_key);
	return 0;
}

/* Ask the running daemon to read its configuration (and signing key) again, and say how it went. */
static int
cmd_reload(struct ctl *c, int argc, char **argv)
{
	const char *req[1] = { "reload" };
	char reply[1200], err[600];

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: remgatectl reload\n");
		return EXIT_USAGE;
	}
	switch (control_call(c->cfg->control_socket, req, 1, reply, sizeof(reply), NULL, err, sizeof(err))) {
	case 0:
		printf("%s\n", reply);
		return 0;
	case 1:
		return ctl_fail("reload failed: %s", reply);
	default:
		return ctl_fail("%s", err);
	}
}

/* The signing key's public half, to check seals and signatures elsewhere. */
static const struct ctl_cmd commands[] = {
	{ "approve", NULL, "approve --engineer E --target T --ticket ID --level 1|2|3 --approver NAME\n"
	  "           --method written|email|fax|phone|console --valid DURATION\n"
	  "           [--max-sessions N] [--phase diagnose|implement] [--note TEXT]\n"
	  "           [--cert-for KEY.pub | --cert-key 'ssh-ed25519 AAAA...']", STORE_RW, cmd_approve, REMOTE_DECIDE },
	{ "approvals", "list", "approvals list [--json]", STORE_RO, cmd_approvals_list, REMOTE_READ },
	{ "approvals", "revoke", "approvals revoke ID", STORE_RW, cmd_approvals_revoke, REMOTE_DECIDE },
	{ "sessions", "list", "sessions list [--json]", STORE_RO, cmd_sessions_list, REMOTE_READ },
	{ "events", "list", "events list [--json]", STORE_RO, cmd_events_list, REMOTE_READ },
	{ "events", "verify", "events verify", STORE_RO, cmd_events_verify, REMOTE_READ },
	{ "events", "export", "events export --format jsonl|syslog|cef [--since SEQ] [--follow]", STORE_RO,
	  cmd_events_export, REMOTE_READ },
	{ "sessions", "watch", "sessions watch SESSION_ID", EVIDENCE, cmd_sessions_watch, REMOTE_READ },
	{ "sessions", "kill", "sessions kill SESSION_ID [--reason TEXT]", STORE_RO, cmd_sessions_kill, REMOTE_DECIDE },
	{ "recording", "verify", "recording verify SESSION_ID|FILE [--json]", EVIDENCE, cmd_recording_verify, REMOTE_READ },
	{ "recording", "export", "recording export SESSION_ID|FILE --format asciicast|text [-o FILE]", EVIDENCE,
	  cmd_recording_export, REMOTE_READ },
	{ "recording", "play", "recording play SESSION_ID|FILE [--speed N]", EVIDENCE, cmd_recording_play, REMOTE_READ },
	{ "recording", "reveal", "recording reveal SESSION_ID|FILE --escrow-key FILE", STORE_RW, cmd_recording_reveal, 0 },
	{ "escrow", "keygen", "escrow keygen --out FILE", NOTHING, cmd_escrow_keygen, 0 },
	{ "commands", "list", "commands list SESSION_ID [--json]", EVIDENCE, cmd_commands_list, REMOTE_READ },
	{ "commands", "search", "commands search TEXT [--json]", EVIDENCE, cmd_commands_search, REMOTE_READ },
	{ "transfers", "list", "transfers list [SESSION_ID] [--json]", EVIDENCE, cmd_transfers_list, REMOTE_READ },
	{ "report", "create", "report create SESSION_ID [SESSION_ID...] --from NARRATIVE.yaml [--out DIR]", EVIDENCE,
	  cmd_report_create, 0 },
	{ "report", "list", "report list [--json]", STORE_RO, cmd_report_list, REMOTE_READ },
	{ "report", "show", "report show ID [--json]", EVIDENCE, cmd_report_show, REMOTE_READ },
	{ "report", "search", "report search TEXT... [--json]", STORE_RO, cmd_report_search, REMOTE_READ },
	{ "verify", NULL, "verify DIR [--allowed-signers FILE]", EVIDENCE, cmd_verify, 0 },
	{ "keys", "show", "keys show", STORE_RO, cmd_keys_show, REMOTE_READ },
	{ "keys", "rotate", "keys rotate", STORE_RW, cmd_keys_rotate, 0 },
	{ "reload", NULL, "reload", CONFIG_ONLY, cmd_reload, 0 },
	{ "policy", "check", "policy check --engineer E --target T [--phase P] [--allow-op NAME]... [--json] -- 'COMMAND'",
	  CONFIG_ONLY, cmd_policy_check, REMOTE_READ },
	{ "tickets", "list", "tickets list [--json]", STORE_RW, cmd_tickets_list, REMOTE_READ },
	{ "notify", "status", "notify status [--json]", STORE_RW, cmd_notify_status, REMOTE_READ },
	{ "siem", "status", "siem status [--json]", STORE_RW, cmd_siem_status, REMOTE_READ },
	{ "requests", "list", "requests list [--pending] [--json]", STORE_RO, cmd_requests_list, REMOTE_READ },
	{ "requests", "approve", "requests approve ID --approver NAME --method written|email|fax|phone|console\n"
	  "           [--valid DURATION] [--sessions N] [--note TEXT] [--cert-key 'ssh-ed25519 AAAA...']", STORE_RW,
	  cmd_requests_approve, REMOTE_DECIDE },
	{ "requests", "deny", "requests deny ID --reason TEXT [--approver NAME]", STORE_RW, cmd_requests_deny, REMOTE_DECIDE },
	{ "review", "list", "review list [--all] [--json]", STORE_RO, cmd_review_list, REMOTE_READ },
	{ "review", "approve", "review approve ID --approver NAME --method written|email|fax|phone|console [--note TEXT]",
	  STORE_RW, cmd_review_approve, REMOTE_DECIDE },
	{ "review", "deny", "review deny ID --reason TEXT [--approver NAME]", STORE_RW, cmd_review_deny, REMOTE_DECIDE },
	{ "targets", "list", "targets list [--json]", CONFIG_ONLY, cmd_targets_list, REMOTE_READ },
	{ "targets", "pubkey", "targets pubkey TARGET", CONFIG_ONLY, cmd_targets_pubkey, REMOTE_READ },
	{ "targets", "hostkey", "targets hostkey TARGET|HOST:PORT", CONFIG_ONLY, cmd_targets_hostkey, 0 },
	{ "console", NULL, "console [ADMIN]   (a one-time login link to the web console)", STORE_RW, cmd_console, REMOTE_READ },
};

void
ctl_usage(FILE *f)
{
	fprintf(f, "usage: remgatectl [-c FILE] COMMAND ...\n"
	    "  -c, --config FILE   the gateway configuration (default: $REMGATE_CONFIG)\n"
	    "commands:\n");
	for (size_t i = 0; i < ARRAY_LEN(commands); i++)
		fprintf(f, "  %s\n", commands[i].usage);
}

static const struct ctl_cmd *
find_cmd(int argc, char **argv)
{
	for (size_t i = 0; i < ARRAY_LEN(commands); i++) {
		if (strcmp(commands[i].name, argv[0]) != 0)
			continue;
		if (commands[i].sub == NULL || (argc >= 2 && strcmp(commands[i].sub, argv[1]) == 0))
			return &commands[i];
	}
	return NULL;
}

const char *
ctl_decider(struct ctl *c, const char *given)
{
	if (c->remote_admin == NULL)
		return given;
	if (given != NULL) {
		ctl_fail("over SSH the approver is you (%s): leave out --approver", c->remote_admin);
		return NULL;
	}
	return c->remote_admin;
}

/* What an administrator over SSH sees first: what waits for them. */
static int
overview(struct ctl *c)
{
	char *req[] = { "list", "--pending" }, *rev[] = { "list" };
	int r;

	printf("remgate: %s (%s) on %s\n\nAccess requests waiting for a decision:\n", c->remote_admin,
	    config_role_name(c->role), c->cfg->gateway_name ? c->cfg->gateway_name : "this gateway");
	r = cmd_requests_list(c, 2, req);
	printf("\nCommands waiting for a review:\n");
	r |= cmd_review_list(c, 1, rev);
	printf("\nRunning sessions:\n");
	r |= ctl_print_running(c);
	printf("\nCommands: ssh %s@GATEWAY COMMAND ... with the remgatectl commands for approvals, requests, reviews,\n"
	    "sessions, events, commands, transfers and reports (add --json); `ssh %s@GATEWAY help` lists them.\n",
	    c->remote_admin, c->remote_admin);
	return r ? EXIT_FAIL : 0;
}

static void
remote_usage(const struct ctl *c)
{
	printf("commands over SSH for %s (%s):\n", c->remote_admin, config_role_name(c->role));
	for (size_t i = 0; i < ARRAY_LEN(commands); i++)
		if (commands[i].remote == REMOTE_READ || (commands[i].remote == REMOTE_DECIDE && c->role == ROLE_APPROVER))
			printf("  %s\n", commands[i].usage);
	printf("(over SSH the approver is you: no --approver)\n");
}

/*
 * An evidence read, on record before anything is shown: who (ctl_who_am_i),
 * the command and its arguments, and the session it names if one does.
 */
static int
record_access(struct ctl *c, const struct ctl_cmd *cmd, int argc, char **argv)
{
	char who[160], action[64], what[1024], sid[SESSION_ID_LEN + 1] = "";
	struct strbuf b;
	struct audit_event ev = { .kind = "access" };

	ctl_who_am_i(who, sizeof(who));
	snprintf(action, sizeof(action), "%s%s%s", cmd->name, cmd->sub ? "_" : "", cmd->sub ? cmd->sub : "");
	strbuf_init_fixed(&b, what, sizeof(what));
	strbuf_addf(&b, "%s%s%s", cmd->name, cmd->sub ? " " : "", cmd->sub ? cmd->sub : "");
	for (int i = 0; i < argc; i++) {
		strbuf_addf(&b, " %s", argv[i]);
		/* The first argument that looks like a session id names the session read. */
		if (sid[0] == '\0' && strlen(argv[i]) == SESSION_ID_LEN && strspn(argv[i], "0123456789abcdef") == SESSION_ID_LEN)
			snprintf(sid, sizeof(sid), "%s", argv[i]);
	}
	ev.reason = action;
	ev.actor = who;
	ev.detail = what;
	ev.session_id = sid[0] ? sid : NULL;
	return audit_event_add(c->st, &ev, (int64_t)time(NULL));
}

int
ctl_run(struct ctl *c, int argc, char **argv)
{
	const struct ctl_cmd *cmd;
	char err[1024];
	int rc, skip;

	remote_admin = c->remote_admin;
	remote_via = c->via;
	if (c->remote_admin != NULL && argc == 0) {
		if (store_open_readonly(c->cfg->db_path, &c->st, err, sizeof(err)) != 0)
			return ctl_fail("%s", err);
		rc = overview(c);
		store_close(c->st);
		c->st = NULL;
		return rc;
	}
	if (c->remote_admin != NULL && argc == 1 && strcmp(argv[0], "help") == 0) {
		remote_usage(c);
		return 0;
	}
	if (argc < 1 || (cmd = find_cmd(argc, argv)) == NULL) {
		fprintf(stderr, "remgatectl: unknown command '%s%s%s'\n", argc ? argv[0] : "", argc >= 2 ? " " : "",
		    argc >= 2 ? argv[1] : "");
		if (c->remote_admin != NULL)
			remote_usage(c);
		else
			ctl_usage(stderr);
		return EXIT_USAGE;
	}
	if (c->remote_admin != NULL && cmd->remote == 0)
		return ctl_fail("'%s%s%s' is for root on the gateway, not over SSH", cmd->name, cmd->sub ? " " : "",
		    cmd->sub ? cmd->sub : "");
	if (c->remote_admin != NULL && cmd->remote == REMOTE_DECIDE && c->role != ROLE_APPROVER)
		return ctl_fail("%s is an auditor: an auditor can read but not approve, revoke, decide or kill",
		    c->remote_admin);
	if (cmd->needs_store == STORE_RO || cmd->needs_store == STORE_RW || cmd->needs_store == EVIDENCE) {
		int r = cmd->needs_store == STORE_RO ? store_open_readonly(c->cfg->db_path, &c->st, err, sizeof(err)) :
		    !c->keyless && state_prepare(c->cfg, NULL, err, sizeof(err)) != 0 ? -1 :
		    store_open(c->cfg->db_path, &c->st, err, sizeof(err));

		if (r != 0)
			return ctl_fail("%s", err);
	}
	skip = cmd->sub ? 1 : 0;	/* handlers see their own name as argv[0] */
	if (cmd->needs_store == EVIDENCE && record_access(c, cmd, argc - skip - 1, argv + skip + 1) != 0) {
		rc = ctl_fail("cannot record this access in the store (%s): nothing is shown", store_errmsg(c->st));
		store_close(c->st);
		c->st = NULL;
		return rc;
	}
	rc = cmd->run(c, argc - skip, argv + skip);
	store_close(c->st);
	c->st = NULL;
	return rc;
}

int
ctl_is_config_free(int argc, char **argv)
{
	const struct ctl_cmd *cmd = argc >= 1 ? find_cmd(argc, argv) : NULL;

	return cmd != NULL && cmd->needs_store == NOTHING;
}
