/*
 * remgatectl report create|list|show|search, verify DIR, keys show|rotate:
 * the signed fault-handling reports and the keys that sign them.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "ctl.h"
#include "keyhistory.h"
#include "narrative.h"
#include "report.h"
#include "sigkey.h"
#include "util.h"

static int
load_signing_key(struct ctl *c, struct sigkey **k)
{
	char err[512];

	if (c->keyless)
		return ctl_fail("the console reads no key: run this on the gateway or over SSH");
	if (sigkey_load(c->cfg->signing_key, k, err, sizeof(err)) != 0)
		return ctl_fail("%s", err);
	return 0;
}

int
cmd_report_create(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	static const char usage[] = "usage: remgatectl report create SESSION_ID [SESSION_ID...] --from NARRATIVE.yaml "
	    "[--out DIR]\n";
	const char *from = NULL, *outdir = NULL;
	struct narrative n;
	struct report_request req = { 0 };
	struct report_result res;
	struct sigkey *key = NULL;
	char err[1024], by[128];
	int o, r;

	optind = 0;
	while ((o = getopt_long(argc, argv, "f:o:", opts, NULL)) != -1) {
		switch (o) {
		case 'f': from = optarg; break;
		case 'o': outdir = optarg; break;
		default: fputs(usage, stderr); return EXIT_USAGE;
		}
	}
	if (from == NULL || optind >= argc) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	if (narrative_load(from, &n, err, sizeof(err)) != 0)
		return ctl_fail("%s", err);
	if ((r = load_signing_key(c, &key)) != 0) {
		narrative_clear(&n);
		return r;
	}
	ctl_who_am_i(by, sizeof(by));
	req.session_ids = (const char *const *)(argv + optind);
	req.nsessions = (size_t)(argc - optind);
	req.narrative = &n;
	req.out_dir = outdir;
	req.created_by = by;
	req.now = (int64_t)time(NULL);
	r = report_create(c->st, c->cfg, key, &req, &res, err, sizeof(err));
	sigkey_free(key);
	narrative_clear(&n);
	if (r != 0)
		return ctl_fail("%s", err);
	{
		char detail[4300];
		struct audit_event ev = { .kind = "report_created", .actor = by, .detail = detail };

		snprintf(detail, sizeof(detail), "report %lld for %zu session(s), bundle %s", (long long)res.id, req.nsessions,
		    res.dir);
		if (audit_event_add(c->st, &ev, req.now) != 0)
			fprintf(stderr, "remgatectl: the report is made, but its event could not be written: %s\n",
			    store_errmsg(c->st));
	}
	printf("report %lld: level %d%s, %zu files signed, in %s\n"
	    "verify: remgatectl verify %s\n"
	    "    or: cd %s && ssh-keygen -Y verify -f allowed_signers -I %s -n %s -s report.json.sig < report.json\n",
	    (long long)res.id, res.level, res.escalate ? " (time limit exceeded: escalate)" : "", res.nsigned,
	    res.dir, res.dir, res.dir, res.principal, REPORT_NAMESPACE);
	return 0;
}

static int
print_report_row(const struct report_row *r, void *arg)
{
	struct list_ctx *l = arg;
	char when[32];

	util_time_iso(r->created_at, when, sizeof(when));
	l->rows++;
	if (!l->json) {
		struct ctl_vis v = { .n = 0 };
		char fault[61];

		snprintf(fault, sizeof(fault), "%s", r->fault);
		for (char *p = fault; *p; p++)
			if (*p == '\n')
				*p = ' ';
		printf("%-5lld %-20s %-14s %-5d %-11s %-3s %-12s %s\n", (long long)r->id, when, ctl_vis(&v, r->ticket, "-"),
		    r->level, r->result, r->escalate ? "yes" : "-", r->targets, ctl_vis(&v, fault, ""));
		if (r->snippet != NULL)
			printf("      %s\n", ctl_vis(&v, r->snippet, ""));
		ctl_vis_free(&v);
		return 0;
	}
	json_begin_object(&l->j);
	json_key_int(&l->j, "id", r->id);
	json_key_str(&l->j, "created_at", when);
	json_key_str(&l->j, "created_by", r->created_by);
	json_key_str(&l->j, "ticket", r->ticket);
	json_key_int(&l->j, "level", r->level);
	json_key_str(&l->j, "targets", r->targets);
	json_key_str(&l->j, "engineers", r->engineers);
	json_key_str(&l->j, "fault", r->fault);
	json_key_str(&l->j, "cause", r->cause);
	json_key_str(&l->j, "actions", r->actions);
	json_key_str(&l->j, "result", r->result);
	json_key_str(&l->j, "prevention", r->prevention);
	json_key_str(&l->j, "followup", r->followup);
	json_key_bool(&l->j, "escalate", r->escalate);
	json_key_str(&l->j, "bundle_dir", r->bundle_dir);
	json_key_str(&l->j, "signing_key", r->signing_key);
	if (r->snippet != NULL)
		json_key_str(&l->j, "match", r->snippet);
	json_end_object(&l->j);
	return 0;
}

static const char report_header[] = "ID    CREATED              TICKET         LEVEL RESULT      ESC TARGETS      FAULT\n";

static int
fill_reports(struct ctl *c, struct list_ctx *l)
{
	return report_store_list(c->st, print_report_row, l);
}

int
cmd_report_list(struct ctl *c, int argc, char **argv)
{
	return ctl_run_list(c, argc, argv, "report list [--json]", report_header, fill_reports);
}

int
cmd_report_search(struct ctl *c, int argc, char **argv)
{
	struct list_ctx l = { 0 };
	char text[1024] = "", err[512];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			l.json = 1;
			continue;
		}
		if (text[0] != '\0')
			strncat(text, " ", sizeof(text) - strlen(text) - 1);
		strncat(text, argv[i], sizeof(text) - strlen(text) - 1);
	}
	if (text[0] == '\0') {
		fprintf(stderr, "usage: remgatectl report search TEXT... [--json]\n");
		return EXIT_USAGE;
	}
	if (l.json) {
		json_init(&l.j, stdout);
		json_begin_array(&l.j);
	} else {
		fputs(report_header, stdout);
	}
	if (report_store_search(c->st, text, print_report_row, &l, err, sizeof(err)) != 0)
		return ctl_fail("%s", err);
	if (l.json) {
		json_end_array(&l.j);
		putchar('\n');
	} else if (l.rows == 0) {
		printf("(no report matches every word of: %s)\n", text);
	}
	return 0;
}

struct show_ctx {
	int json;
};

static int
show_one(const struct report_row *r, void *arg)
{
	struct show_ctx *x = arg;
	char when[32];

	if (x->json) {
		fputs(r->report_json, stdout);
		return 0;
	}
	util_time_iso(r->created_at, when, sizeof(when));
	printf("report      %lld\nticket      %s\nlevel       %d (%s)\nresult      %s%s\ntargets     %s\n"
	    "engineers   %s\ncreated     %s by %s\nsigned by   %s\nbundle      %s\n",
	    (long long)r->id, r->ticket, r->level, report_level_name(r->level), r->result,
	    r->escalate ? " (time limit exceeded: escalate)" : "", r->targets, r->engineers, when, r->created_by,
	    r->signing_key, r->bundle_dir);
	{
		/* The narrative is the engineer's text: shown with control bytes escaped. */
		const char *titles[] = { "fault", "cause", "actions", "prevention", "follow-up" };
		const char *texts[] = { r->fault, r->cause, r->actions, r->prevention, r->followup };

		for (size_t i = 0; i < sizeof(titles) / sizeof(titles[0]); i++) {
			if (texts[i] == NULL)
				continue;
			printf("\n%s:\n", titles[i]);
			ctl_put_text(stdout, texts[i]);
			putchar('\n');
		}
	}
	return 0;
}

int
cmd_report_show(struct ctl *c, int argc, char **argv)
{
	struct show_ctx x = { 0 };
	long long id;
	int r;

	if (argc == 3 && strcmp(argv[2], "--json") == 0)
		x.json = 1;
	if ((argc != 2 && !x.json) || util_parse_int(argv[1], 1, INT64_MAX, &id) != 0) {
		fprintf(stderr, "usage: remgatectl report show ID [--json]\n");
		return EXIT_USAGE;
	}
	if ((r = report_store_get(c->st, id, show_one, &x)) < 0)
		return ctl_fail("cannot read the store: %s", store_errmsg(c->st));
	if (r == 1)
		return ctl_fail("no report %lld", id);
	return 0;
}

/* ---- verify DIR ----------------------------------------------------- */

struct checklist {
	int ok, warn, fail;
};

static void
print_item(void *arg, enum verify_status st, const char *what, const char *detail)
{
	struct checklist *cl = arg;
	static const char *const mark[] = { "ok  ", "WARN", "FAIL" };

	if (st == VERIFY_OK)
		cl->ok++;
	else if (st == VERIFY_WARN)
		cl->warn++;
	else
		cl->fail++;
	{
		/* A bundle's file names and texts come from whoever handed it over. */
		struct ctl_vis v = { .n = 0 };

		printf("  %s  %-28s %s\n", mark[st], ctl_vis(&v, what, ""), ctl_vis(&v, detail, ""));
		ctl_vis_free(&v);
	}
}

int
cmd_verify(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "allowed-signers", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	const char *trusted = NULL;
	struct checklist cl = { 0 };
	struct verify_hooks h = { &cl, print_item };
	int o, failures;

	optind = 0;
	while ((o = getopt_long(argc, argv, "a:", opts, NULL)) != -1) {
		if (o != 'a') {
			fprintf(stderr, "usage: remgatectl verify DIR [--allowed-signers FILE]\n");
			return EXIT_USAGE;
		}
		trusted = optarg;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: remgatectl verify DIR [--allowed-signers FILE]\n");
		return EXIT_USAGE;
	}
	printf("verifying %s (trusting %s)\n", argv[optind], trusted ? trusted : "this gateway's signing keys");
	failures = report_verify(c->st, argv[optind], trusted, &h);
	if (failures > 0) {
		printf("FAILED: %d of %d checks failed\n", cl.fail, cl.ok + cl.warn + cl.fail);
		return EXIT_FAIL;
	}
	printf("OK: %d checks passed%s\n", cl.ok, cl.warn ? " (with warnings)" : "");
	return 0;
}

/* ---- keys show|rotate ----------------------------------------------- */

struct key_print {
	const char *principal;
	const uint8_t *current;
};

static int
print_key(const struct keyhistory_row *r, void *arg)
{
	const struct key_print *p = arg;
	char line[400], after[32], before[32];

	util_time_iso(r->valid_after, after, sizeof(after));
	if (r->valid_before > 0)
		util_time_iso(r->valid_before, before, sizeof(before));
	else
		snprintf(before, sizeof(before), "%s", memcmp(r->pub, p->current, SIGKEY_PUB_LEN) == 0 ? "now (current)" :
		    "-");
	if (keyhistory_allowed_signers_line(p->principal, REPORT_NAMESPACE, r->pub, r->valid_after, r->valid_before,
	    line, sizeof(line)) != 0)
		return -1;
	printf("  %s  in use %s to %s\n    %s\n", r->fingerprint, after, before, line);
	return 0;
}

int
cmd_keys_show(struct ctl *c, int argc, char **argv)
{
	struct sigkey *k = NULL;
	uint8_t pub[SIGKEY_PUB_LEN];
	char line[200], fp[80], principal[200];
	struct key_print p = { principal, pub };
	int r;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: remgatectl keys show\n");
		return EXIT_USAGE;
	}
	if ((r = load_signing_key(c, &k)) != 0)
		return r;
	sigkey_public(k, pub);
	sigkey_free(k);
	report_principal(c->cfg, principal, sizeof(principal));
	if (sigkey_public_line(pub, "remgate-signing-key", line, sizeof(line)) != 0 ||
	    sigkey_fingerprint(pub, fp, sizeof(fp)) != 0)
		return ctl_fail("cannot format the public key");
	printf("signing key  %s (Ed25519)\nfingerprint  %s\npublic key   %s\nprincipal    %s\n\n"
	    "allowed_signers (every key this gateway has had; keep this file to verify old reports):\n",
	    c->cfg->signing_key, fp, line, principal);
	if (keyhistory_list(c->st, print_key, &p) != 0)
		return ctl_fail("cannot read the key history: %s", store_errmsg(c->st));
	return 0;
}

int
cmd_keys_rotate(struct ctl *c, int argc, char **argv)
{
	struct sigkey *old = NULL, *fresh = NULL;
	uint8_t oldpub[SIGKEY_PUB_LEN], newpub[SIGKEY_PUB_LEN];
	char err[512], tmp[4200], by[128], oldfp[80], newfp[80];
	int64_t now = (int64_t)time(NULL);
	int r;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: remgatectl keys rotate\n");
		return EXIT_USAGE;
	}
	if ((r = load_signing_key(c, &old)) != 0)
		return r;
	sigkey_public(old, oldpub);
	sigkey_free(old);
	/* The old key must be in the history before it is gone. */
	if (keyhistory_note(c->st, oldpub, now) != 0)
		return ctl_fail("cannot record the current key: %s", store_errmsg(c->st));
	snprintf(tmp, sizeof(tmp), "%s.new", c->cfg->signing_key);
	unlink(tmp);
	if (sigkey_generate(tmp, err, sizeof(err)) != 0)
		return ctl_fail("%s", err);
	if (sigkey_load(tmp, &fresh, err, sizeof(err)) != 0) {
		unlink(tmp);
		return ctl_fail("%s", err);
	}
	sigkey_public(fresh, newpub);
	sigkey_free(fresh);
	ctl_who_am_i(by, sizeof(by));
	if (keyhistory_retire(c->st, oldpub, now, by) != 0 || keyhistory_note(c->st, newpub, now) != 0) {
		unlink(tmp);
		return ctl_fail("cannot record the rotation: %s", store_errmsg(c->st));
	}
	if (rename(tmp, c->cfg->signing_key) != 0) {
		int e = errno;
		unlink(tmp);
		return ctl_fail("%s: %s", c->cfg->signing_key, strerror(e));
	}
	sigkey_fingerprint(oldpub, oldfp, sizeof(oldfp));
	sigkey_fingerprint(newpub, newfp, sizeof(newfp));
	{
		char detail[200];
		struct audit_event ev = { .kind = "keys_rotated", .actor = by, .detail = detail };

		snprintf(detail, sizeof(detail), "%s retired, %s now signs", oldfp, newfp);
		if (audit_event_add(c->st, &ev, now) != 0)
			fprintf(stderr, "remgatectl: the key is rotated, but its event could not be written: %s\n",
			    store_errmsg(c->st));
	}
	printf("rotated: %s retired, %s now signs.\n"
	    "Reload remgated (remgatectl reload) so new sessions seal with the new key.\n"
	    "Give customers the new allowed_signers lines from: remgatectl keys show\n", oldfp, newfp);
	return 0;
}
