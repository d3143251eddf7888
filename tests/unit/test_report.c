/*
 * Reports: the JSON reader, the narrative parser, and the builder and
 * verifier over a real store, recording and signing key: what the report
 * states, every refusal, a tampered bundle, the FTS search, a key rotation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "approval.h"
#include "audit.h"
#include "commands.h"
#include "config.h"
#include "jsonparse.h"
#include "keyhistory.h"
#include "narrative.h"
#include "recorder.h"
#include "report.h"
#include "sigkey.h"
#include "store.h"
#include "tap.h"
#include "util.h"

static void
test_json(void)
{
	char err[200];
	struct jv *v;
	const char *deep;
	char *bomb;

	const char *doc = " {\"a\": \"x\\u00e9\\ud83d\\ude00\\n\", \"n\": -42, \"t\": true, \"z\": null,"
	    " \"l\": [1, {\"k\": []}]} ";

	v = jv_parse(doc, strlen(doc), err, sizeof(err));
	if (!ok(v != NULL, "a valid document parses: %s", v ? "" : err))
		return;
	is_str(jv_get_str(v, "a"), "x\xc3\xa9\xf0\x9f\x98\x80\n", "escapes and a surrogate pair decode to UTF-8");
	is_int(jv_get_int(v, "n", 0), -42, "a negative integer");
	is_int(jv_get(v, "t")->num, 1, "true");
	is_int(jv_get(v, "z")->type, JV_NULL, "null");
	is_int(jv_get(v, "l")->child->next->child->type, JV_ARRAY, "nesting");
	ok(jv_get(v, "missing") == NULL && jv_get_int(v, "a", 7) == 7, "a missing key, a wrong type");
	jv_free(v);

	static const char *const bad[] = { "", "{", "{\"a\":}", "[1,]", "{\"a\" 1}", "\"abc", "\"\\x\"", "\"\\ud800\"",
		"\"\\u12\"", "01", "1.5", "99999999999999999999", "{} x", "\"a\x01\"", "tru", "\"\\u0000\"", "[\"\\" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = jv_parse(bad[i], strlen(bad[i]), err, sizeof(err));
		ok(v == NULL && strstr(err, "JSON error at byte") != NULL, "refused: '%s' (%s)", bad[i], err);
		jv_free(v);
	}
	bomb = malloc(2001);
	memset(bomb, '[', 1000);
	memset(bomb + 1000, ']', 1000);
	bomb[2000] = '\0';
	v = jv_parse(bomb, 2000, err, sizeof(err));
	deep = err;
	ok(v == NULL, "1000 nested arrays are refused, not recursed into");
	contains(deep, "nested too deeply", "and say why");
	free(bomb);
}

static void
test_narrative(void)
{
	struct narrative n;
	char err[300];
	const char *good = "fault: \"Link flaps\"\nlevel: 1\nreported_at: 2026-11-28T09:40:00Z\ncause: duplex\n"
	    "actions:\n  - one\n  - two\nresult: workaround\nprevention: |\n  pin duplex\n";

	ok(narrative_parse("n.yaml", good, strlen(good), &n, err, sizeof(err)) == 0, "a narrative parses: %s", err);
	is_str(n.actions, "- one\n- two", "a list of actions becomes lines");
	is_str(n.prevention, "pin duplex", "a block text is trimmed");
	is_int(n.level, 1, "level");
	is_int(n.reported_at, 1795858800, "reported_at is UTC");
	ok(n.followup == NULL, "followup is optional");
	narrative_clear(&n);

	static const struct { const char *yaml, *want; } bad[] = {
		{ "fault: x\ncause: y\nactions: z\nresult: fixed\nprevention: p\n",
		  "n.yaml:4:9: 'result' must be restored, repaired, workaround or unresolved, found 'fixed'" },
		{ "fault: x\ncause: y\nactions: z\nresult: restored\n", "n.yaml:1:1: missing 'prevention'" },
		{ "fault: x\nlevel: 4\n", "n.yaml:2:8: 'level' must be 1 (critical), 2 (major) or 3 (minor), found '4'" },
		{ "fault: x\nseverity: 1\n", "n.yaml:2:1: unknown key 'severity'" },
		{ "fault: x\nfault: y\n", "n.yaml:2:1: duplicate key 'fault'" },
		{ "fault: \"\"\n", "n.yaml:1:8: 'fault' must not be empty" },
		{ "actions: []\n", "n.yaml:1:10: 'actions' must not be an empty list" },
		{ "fault: {a: b}\n", "n.yaml:1:8: 'fault' must be text or a list of texts" },
		{ "- a\n", "n.yaml:1:1: the narrative must be a mapping" },
		{ "fault: [unclosed\n", "n.yaml:2:1: YAML syntax error" },
		{ "reported_at: yesterday\n", "n.yaml:1:14: 'reported_at' must be a UTC time" },
		{ "", "n.yaml: empty narrative" },
		{ "a: &x [\"lol\", \"lol\"]\nfault: *x\n", "n.yaml:1:4: YAML anchors (&name) are not allowed in a narrative" },
		{ "fault: x\ncause: *undefined\n", "n.yaml:2:8: YAML aliases (*name) are not allowed" },
		{ "fault: &f x\n", "n.yaml:1:8: YAML anchors (&name) are not allowed" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ok(narrative_parse("n.yaml", bad[i].yaml, strlen(bad[i].yaml), &n, err, sizeof(err)) != 0,
		    "refused: %s", bad[i].want);
		contains(err, bad[i].want, "  with file:line:col and what was expected");
	}

	/* Caps: one field, a list's steps, the whole narrative. */
	{
		size_t big = 17 * 1024;
		char *y = malloc(big + 200);

		if (y == NULL)
			return;
		memcpy(y, "fault: \"", 8);
		memset(y + 8, 'x', big);
		memcpy(y + 8 + big, "\"\n", 3);
		ok(narrative_parse("n.yaml", y, strlen(y), &n, err, sizeof(err)) != 0, "a 17 KiB field is refused");
		contains(err, "n.yaml:1:8: 'fault' is too long", "  and says which");
		free(y);
	}
	{
		char *y = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&y, &len);

		if (f == NULL)
			return;
		fputs("actions:\n", f);
		for (int i = 0; i < 201; i++)
			fputs("  - s\n", f);
		fclose(f);
		ok(narrative_parse("n.yaml", y, len, &n, err, sizeof(err)) != 0, "201 steps are refused");
		contains(err, "'actions' has too many steps", "  and says so");
		free(y);
	}
	{
		size_t big = 65 * 1024;
		char *y = calloc(1, big + 1);

		if (y == NULL)
			return;
		memset(y, '#', big);
		ok(narrative_parse("n.yaml", y, big, &n, err, sizeof(err)) != 0, "a 65 KiB narrative is refused");
		contains(err, "too long", "  as too long");
		free(y);
	}
}

/* ---- the builder over a real store ---- */

struct fixture {
	char dir[64];
	struct config *cfg;
	struct store *st;
	struct sigkey *key;
	int64_t approval;
};

static int
fixture_open(struct fixture *f)
{
	char path[256], err[512];
	FILE *c;

	snprintf(f->dir, sizeof(f->dir), "/tmp/remgate-test-report.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/config.yaml", f->dir);
	if ((c = fopen(path, "w")) == NULL)
		return -1;
	fprintf(c, "listen: \"127.0.0.1:1\"\nstate_dir: \"./state\"\ngateway_name: gw1\n"
	    "fault_levels:\n  2: {respond: 10m, restore: 1h}\n");
	fclose(c);
	if (config_load(path, &f->cfg, err, sizeof(err)) != 0) {
		printf("# %s\n", err);
		return -1;
	}
	if (util_mkdirs(f->cfg->recordings_dir, 0700) != 0 || store_open(f->cfg->db_path, &f->st, err, sizeof(err)) != 0 ||
	    sigkey_load_or_generate(f->cfg->signing_key, &f->key, &(int){ 0 }, err, sizeof(err)) != 0) {
		printf("# %s\n", err);
		return -1;
	}
	return keyhistory_note_key(f->st, f->key, 1700000000);
}

static void
fixture_close(struct fixture *f)
{
	sigkey_free(f->key);
	store_close(f->st);
	config_free(f->cfg);
	rmtree(f->dir);
}

static int64_t
approve(struct fixture *f, const char *ticket, int64_t now)
{
	struct approval_request r = {
		.engineer = "alice", .target = "router1", .ticket = ticket, .level = 2, .phase = "diagnose",
		.approver = "wang", .method = "email", .valid_from = now, .valid_until = now + 7200,
		.max_sessions = 5, .created_by = "local:test",
	};
	char tok[TOKEN_MAX_LEN + 1], err[200];
	int64_t id = 0;

	approval_create(f->st, &r, now, &id, tok, sizeof(tok), err, sizeof(err));
	return id;
}

/* A session as the gateway leaves it: row, sealed recording, commands. */
static void
session(struct fixture *f, const char *sid, int64_t approval, int64_t start, int64_t end, const char *cmd)
{
	struct audit_session row = { .id = sid, .engineer = "alice", .target = "router1", .approval_id = approval,
		.client_addr = "127.0.0.1:5000", .pid = 1, .started_at = start };
	struct cmd_entry e = { .kind = CMD_LINE, .text = cmd, .certain = 1, .time_us = (uint64_t)(start + 1) * 1000000u };
	struct recorder *rec;
	uint8_t head[RECFILE_HASH_LEN];
	uint32_t count;
	char hex[65], err[200];

	audit_session_begin(f->st, &row);
	recorder_open(f->cfg->recordings_dir, sid, "{\"session\":\"x\"}", f->key, 1000, &rec, err, sizeof(err));
	recorder_add(rec, REC_OUTPUT, "$ ", 2);
	recorder_add(rec, REC_INPUT, cmd, strlen(cmd));
	recorder_add(rec, REC_OUTPUT, "ok\r\n", 4);
	audit_session_recording(f->st, sid, recorder_path(rec));
	if (end > 0) {
		recorder_seal(rec, head, &count);
		util_hex(head, sizeof(head), hex);
		audit_session_sealed(f->st, sid, count, hex);
		row.ended_at = end;
		row.exit_status = 0;
		row.end_reason = "target_closed";
		audit_session_end(f->st, &row);
	} else {
		recorder_tick(rec);
	}
	recorder_free(rec);
	commands_add(f->st, sid, 0, &e);
}

struct tally {
	int ok, warn, fail;
	char first_fail[400];
};

static void
count_item(void *arg, enum verify_status s, const char *what, const char *detail)
{
	struct tally *t = arg;

	if (s == VERIFY_OK)
		t->ok++;
	else if (s == VERIFY_WARN)
		t->warn++;
	else if (t->fail++ == 0)
		snprintf(t->first_fail, sizeof(t->first_fail), "%s: %s", what, detail);
}

static int
verify(struct fixture *f, const char *dir, const char *trusted, struct tally *t)
{
	struct verify_hooks h = { t, count_item };

	memset(t, 0, sizeof(*t));
	return report_verify(f->st, dir, trusted, &h);
}

static int
count_rows(const struct report_row *r, void *arg)
{
	(void)r;
	++*(int *)arg;
	return 0;
}

static struct jv *
read_json(const char *dir)
{
	char path[400], *buf, err[200];
	size_t len;
	struct jv *v;

	snprintf(path, sizeof(path), "%s/report.json", dir);
	if (util_read_file(path, 1 << 20, &buf, &len) != 0)
		return NULL;
	v = jv_parse(buf, len, err, sizeof(err));
	free(buf);
	return v;
}

static void
test_builder(void)
{
	struct fixture f;
	struct narrative n = { .fault = "Link flaps", .cause = "duplex mismatch", .actions = "- forced duplex",
		.result = "restored", .prevention = "pin duplex" };
	const char *ids[] = { "aaaaaaaaaaaaaaa1", "aaaaaaaaaaaaaaa2" };
	struct report_request req = { .session_ids = ids, .nsessions = 2, .narrative = &n, .created_by = "local:test",
		.now = 1800010000 };
	struct report_result res;
	struct tally t;
	char err[1024], out[300], path[1400];
	struct jv *j;
	int rows = 0;
	int64_t a;

	if (!ok(fixture_open(&f) == 0, "a store, a config and a signing key"))
		return;
	a = approve(&f, "T-42", 1800000000);
	session(&f, ids[0], a, 1800000300, 1800000900, "show interfaces");
	session(&f, ids[1], a, 1800003000, 1800005000, "set duplex full");

	snprintf(out, sizeof(out), "%s/bundle", f.dir);
	req.out_dir = out;
	ok(report_create(f.st, f.cfg, f.key, &req, &res, err, sizeof(err)) == 0, "report_create: %s", err);
	is_int(res.id, 1, "the first report");
	is_int(res.nsigned, 6, "two recordings, commands.log, report.md, VERIFY.md and report.json signed");
	is_str(res.principal, "remgate@gw1", "signed as remgate@gateway_name");

	j = read_json(out);
	ok(j != NULL, "report.json reads back");
	is_str(jv_get_str(j, "ticket"), "T-42", "the ticket is the approval's");
	is_int(jv_get_int(jv_get(j, "level"), "level", 0), 2, "the level is the approval's");
	is_int(jv_get_int(jv_get(j, "timing"), "response_seconds", 0), 300, "response: approval to first session");
	is_int(jv_get_int(jv_get(j, "timing"), "response_limit_seconds", 0), 600, "the configured level 2 limit");
	is_int(jv_get_int(jv_get(j, "timing"), "handling_seconds", 0), 5000, "handling: approval to last session end");
	is_int(jv_get(jv_get(j, "timing"), "escalate")->num, 1, "over the 1h restore limit: escalate");
	is_int(jv_get_int(jv_get(j, "timing"), "escalate_to_level", 0), 1, "to level 1");
	is_str(jv_get_str(jv_get(j, "approvals")->child, "method"), "email", "the approval's method");
	is_str(jv_get_str(jv_get(j, "sessions")->child, "id"), ids[0], "sessions in order of start");
	is_str(jv_get_str(jv_get(jv_get(j, "sessions")->child->next, "commands")->child, "text"), "set duplex full",
	    "each session's commands");
	is_str(jv_get_str(jv_get(jv_get(j, "sessions")->child, "recording"), "state"), "sealed", "the recording's state");
	jv_free(j);

	is_int(verify(&f, out, NULL, &t), 0, "the bundle verifies: %s", t.first_fail);
	ok(t.ok >= 12 && t.warn == 0, "%d checks passed, %d warnings", t.ok, t.warn);

	/* Tampering: one byte of the report, then an extra file. */
	snprintf(path, sizeof(path), "cp -r %s %s/t && sed -i 's/duplex mismatch/duplex  mismatch/' %s/t/report.json",
	    out, f.dir, f.dir);
	ok(system(path) == 0, "a copy with an edited cause");
	snprintf(path, sizeof(path), "%s/t", f.dir);
	ok(verify(&f, path, NULL, &t) > 0, "is refused");
	contains(t.first_fail, "report.json signature", "at the signature");
	snprintf(path, sizeof(path), "rm -rf %s/t && cp -r %s %s/t && echo x >> %s/t/commands.log", f.dir, out, f.dir, f.dir);
	ok(system(path) == 0, "a copy with a longer command log");
	snprintf(path, sizeof(path), "%s/t", f.dir);
	ok(verify(&f, path, NULL, &t) > 0, "is refused");
	contains(t.first_fail, "commands.log: SHA-256", "at the file's digest");

	/* The fault database. */
	ok(report_store_search(f.st, "DUPLEX", count_rows, &rows, err, sizeof(err)) == 0 && rows == 1,
	    "FTS finds the cause, any case (%d)", rows);
	rows = 0;
	ok(report_store_search(f.st, "set duplex", count_rows, &rows, err, sizeof(err)) == 0 && rows == 1,
	    "and the commands");
	rows = 0;
	ok(report_store_search(f.st, "T-42 router1", count_rows, &rows, err, sizeof(err)) == 0 && rows == 1,
	    "and ticket with target");
	rows = 0;
	ok(report_store_search(f.st, "duplex nothere", count_rows, &rows, err, sizeof(err)) == 0 && rows == 0,
	    "every word must match");
	ok(report_store_search(f.st, "\"* OR ( NEAR", count_rows, &rows, err, sizeof(err)) == 0,
	    "FTS syntax in the words is plain text");
	ok(report_store_search(f.st, "  ", count_rows, &rows, err, sizeof(err)) != 0, "no words: an error");

	/* Refusals leave nothing behind. */
	snprintf(out, sizeof(out), "%s/b2", f.dir);
	req.out_dir = out;
	session(&f, "aaaaaaaaaaaaaaa3", a, 1800006000, 0, "top");
	ids[1] = "aaaaaaaaaaaaaaa3";
	ok(report_create(f.st, f.cfg, f.key, &req, &res, err, sizeof(err)) != 0, "a running session is refused");
	contains(err, "session aaaaaaaaaaaaaaa3 is still running", "  saying which");
	session(&f, "bbbbbbbbbbbbbbb1", approve(&f, "T-43", 1800000000), 1800000100, 1800000200, "ls");
	ids[1] = "bbbbbbbbbbbbbbb1";
	ok(report_create(f.st, f.cfg, f.key, &req, &res, err, sizeof(err)) != 0, "two tickets are refused");
	contains(err, "different tickets (T-43, T-42)", "  naming them");
	ids[1] = ids[0];
	ok(report_create(f.st, f.cfg, f.key, &req, &res, err, sizeof(err)) != 0, "a session named twice is refused");
	req.nsessions = 1;
	req.only_engineer = "bob";
	ok(report_create(f.st, f.cfg, f.key, &req, &res, err, sizeof(err)) != 0, "another engineer's session is refused");
	contains(err, "not one of your sessions", "  as not theirs");
	req.only_engineer = NULL;
	ok(access(out, F_OK) != 0, "no bundle directory was left");
	rows = 0;
	report_store_list(f.st, count_rows, &rows);
	is_int(rows, 1, "and no report row");

	/* A tampered recording is not reported over. */
	{
		char rec[300];
		FILE *r;
		snprintf(rec, sizeof(rec), "%s/aaaaaaaaaaaaaaa1.rgrec", f.cfg->recordings_dir);
		int ch;

		/* Flip a byte (writing a fixed one left the file unchanged when it was already that byte). */
		r = fopen(rec, "r+b");
		fseek(r, 30, SEEK_SET);
		ch = fgetc(r);
		fseek(r, 30, SEEK_SET);
		fputc(ch ^ 0xff, r);
		fclose(r);
		ok(report_create(f.st, f.cfg, f.key, &req, &res, err, sizeof(err)) != 0, "a tampered recording is refused");
		contains(err, "fails its check", "  saying so");
	}

	/* Rotation: the old bundle still verifies with the history. */
	{
		struct sigkey *fresh = NULL;
		uint8_t oldpub[SIGKEY_PUB_LEN];
		char newpath[300];

		sigkey_public(f.key, oldpub);
		snprintf(newpath, sizeof(newpath), "%s/new.pem", f.dir);
		sigkey_generate(newpath, err, sizeof(err));
		sigkey_load(newpath, &fresh, err, sizeof(err));
		keyhistory_retire(f.st, oldpub, 1800020000, "local:test");
		keyhistory_note_key(f.st, fresh, 1800020000);
		snprintf(out, sizeof(out), "%s/bundle", f.dir);
		is_int(verify(&f, out, NULL, &t), 0, "after a rotation the old bundle verifies: %s", t.first_fail);
		snprintf(path, sizeof(path), "%s/b3", f.dir);
		req.out_dir = path;
		ids[0] = "bbbbbbbbbbbbbbb1";
		req.now = 1800030000;
		ok(report_create(f.st, f.cfg, fresh, &req, &res, err, sizeof(err)) == 0, "a report with the new key: %s", err);
		is_int(verify(&f, path, NULL, &t), 0, "verifies: %s", t.first_fail);
		snprintf(newpath, sizeof(newpath), "%s/b3/allowed_signers", f.dir);
		ok(verify(&f, out, newpath, &t) > 0, "the old bundle does not verify with only the new key");
		sigkey_free(fresh);
	}
	fixture_close(&f);
}

int
main(void)
{
	test_json();
	test_narrative();
	test_builder();
	return done();
}
