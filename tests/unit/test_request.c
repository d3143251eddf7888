/*
 * request.c and the request rows: checks against the configuration, an
 * approval as asked or narrower and never wider, no self-approval, one
 * decision between racing processes, the token handed out once and
 * working, denial, cancel, expiry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "approval.h"
#include "config.h"
#include "request.h"
#include "store.h"
#include "tap.h"
#include "token.h"

static char status[32];
static int64_t approval_of;

static int
take(const struct request_row *r, void *arg)
{
	(void)arg;
	snprintf(status, sizeof(status), "%s", r->status);
	approval_of = r->approval_id;
	return 0;
}

static const char *
status_of(struct store *st, int64_t id)
{
	status[0] = '\0';
	(void)request_store_get(st, id, take, NULL);
	return status;
}

static pid_t
racer(const char *path, int64_t id, const char *who)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct store *st;
		struct request_grant g = { .approver = who, .method = "phone", .created_by = "test" };
		char err[256];
		int64_t aid;
		int r;

		if (store_open(path, &st, err, sizeof(err)) != 0)
			_exit(3);
		r = request_approve(st, id, &g, 1100, &aid, err, sizeof(err));
		store_close(st);
		_exit(r == 0 ? 0 : r == 1 ? 1 : 2);
	}
	return pid;
}

int
main(void)
{
	char dir[] = "/tmp/remgate-test-request.XXXXXX", path[300], cfgpath[300], err[600], tok[TOKEN_MAX_LEN + 1];
	struct store *st = NULL;
	struct config *cfg = NULL;
	struct request_row r = { .engineer = "alice", .target = "router1", .ticket = "INC-9", .level = 2,
		.phase = "diagnose", .reason = "link down", .valid_secs = 4 * 3600, .sessions = 3,
		.requested_at = 1000, .expires_at = 1000 + 3600 };
	struct request_grant g = { .approver = "wang", .method = "phone", .created_by = "test" };
	struct approval a;
	int64_t id, aid = 0;
	int wins = 0;
	FILE *f;

	if (mkdtemp(dir) == NULL)
		return 99;
	snprintf(path, sizeof(path), "%s/remgate.db", dir);
	snprintf(cfgpath, sizeof(cfgpath), "%s/remgate.yaml", dir);
	if ((f = fopen(cfgpath, "w")) == NULL)
		return 99;
	fprintf(f, "listen: \"127.0.0.1:2222\"\nstate_dir: \"%s\"\nengineers: []\ntargets:\n"
	    "  - { name: router1, address: \"127.0.0.1:22\", user: x, identity_file: \"%s/id\", host_key: \"SHA256:ZEVbKPlGHgsWz6KHlkVMROyJjaOl2KVzPn+nJWUFedQ\" }\n", dir, dir);
	fclose(f);
	ok(config_load(cfgpath, &cfg, err, sizeof(err)) == 0, "a configuration");
	if (cfg == NULL) {
		printf("# %s\n", err);
		return done();
	}
	if (store_open(path, &st, err, sizeof(err)) != 0)
		return 99;

	is_int(request_check(cfg, &r, err, sizeof(err)), 0, "a sane request passes");
	r.target = "nowhere";
	ok(request_check(cfg, &r, err, sizeof(err)) != 0 && strstr(err, "no target") != NULL, "an unknown target");
	r.target = "router1";
	r.ops = "reboot";
	ok(request_check(cfg, &r, err, sizeof(err)) != 0 && strstr(err, "--phase implement") != NULL,
	    "an operation on a diagnose request");
	r.phase = "implement";
	is_int(request_check(cfg, &r, err, sizeof(err)), 0, "a major operation on an implement request");
	r.ops = "not-a-rule";
	ok(request_check(cfg, &r, err, sizeof(err)) != 0, "an operation the policy does not name");
	r.ops = NULL;
	r.phase = "diagnose";
	r.reason = "bad\x1b[2J";
	ok(request_check(cfg, &r, err, sizeof(err)) != 0, "control bytes in the reason");
	r.reason = "link down";

	is_int(request_store_open(st, &r, &id), 0, "filed");
	is_str(status_of(st, id), "pending", "pending");
	g.approver = "alice";
	is_int(request_approve(st, id, &g, 1100, &aid, err, sizeof(err)), 2, "the engineer cannot approve it");
	g.approver = "wang";
	g.valid_secs = 5 * 3600;
	is_int(request_approve(st, id, &g, 1100, &aid, err, sizeof(err)), 3, "never wider than asked");
	g.valid_secs = 3600;
	g.sessions = 1;
	is_int(request_approve(st, id, &g, 1100, &aid, err, sizeof(err)), 0, "approved, narrower");
	is_str(status_of(st, id), "approved", "approved");
	ok(approval_get(st, aid, &a) == 0 && a.valid_until == 1100 + 3600 && a.max_sessions == 1 &&
	    strcmp(a.approver, "wang") == 0 && strcmp(a.ticket, "INC-9") == 0, "the approval is what was granted");
	approval_clear(&a);
	is_int(request_approve(st, id, &g, 1101, &aid, err, sizeof(err)), 1, "a second decision loses");
	is_int(request_store_decide(st, id, "denied", "li", "late", 1102), 0, "a late denial loses too");

	is_int(request_collect(st, id, "bob", 1200, tok, sizeof(tok)), 1, "another engineer cannot take the token");
	is_int(request_collect(st, id, "alice", 1200, tok, sizeof(tok)), 0, "the requesting engineer takes it");
	is_int(approval_check(st, tok, "alice", "router1", 1300, &a), APPROVAL_OK, "and it opens the approval");
	approval_clear(&a);
	is_int(request_collect(st, id, "alice", 1201, tok, sizeof(tok)), 1, "once only");

	/* Racing approvers in two processes: exactly one approval stands. */
	for (int round = 0; round < 10; round++) {
		int64_t rid;
		pid_t p1, p2;
		int s1, s2;

		if (request_store_open(st, &r, &rid) != 0)
			break;
		p1 = racer(path, rid, "wang");
		p2 = racer(path, rid, "li");
		waitpid(p1, &s1, 0);
		waitpid(p2, &s2, 0);
		if ((WEXITSTATUS(s1) == 0) + (WEXITSTATUS(s2) == 0) == 1 && WEXITSTATUS(s1) < 2 && WEXITSTATUS(s2) < 2)
			wins++;
	}
	is_int(wins, 10, "10 races: one decision each");

	is_int(request_store_open(st, &r, &id), 0, "another request");
	is_int(request_store_decide(st, id, "denied", "wang", "not today", 1100), 1, "denied");
	is_int(request_collect(st, id, "alice", 1200, tok, sizeof(tok)), 1, "a denied request has no token");
	is_int(request_store_open(st, &r, &id), 0, "another request");
	is_int(request_store_decide(st, id, "cancelled", "alice", NULL, 1100), 1, "cancelled by the engineer");
	is_int(request_store_open(st, &r, &id), 0, "another request");
	is_int(request_store_expire(st, 1000 + 3599), 0, "nothing expires early");
	is_int(request_store_expire(st, 1000 + 3600), 1, "expired at its time");
	is_str(status_of(st, id), "expired", "expired");
	is_int(request_approve(st, id, &g, 1000 + 3600, &aid, err, sizeof(err)), 1, "an expired request cannot be approved");

	store_close(st);
	config_free(cfg);
	{
		char cmd[400];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
	}
	return done();
}
