/* Approvals: creation checks, every refusal reason, atomic consumption. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/sqlite_private.h"
#include "approval.h"
#include "store.h"
#include "tap.h"

#define NOW 1800000000LL

static struct approval_request
request(const char *eng, const char *tgt)
{
	struct approval_request r = {
		.engineer = eng, .target = tgt, .ticket = "T-1", .level = 2, .phase = "diagnose",
		.approver = "wang", .method = "phone", .valid_from = NOW, .valid_until = NOW + 3600,
		.max_sessions = 1, .created_by = "local:test",
	};
	return r;
}

static int
count_approvals(const struct approval *a, void *arg)
{
	(void)a;
	++*(int *)arg;
	return 0;
}

static enum approval_verdict
check(struct store *st, const char *tok, const char *eng, const char *tgt, int64_t now)
{
	struct approval a;
	enum approval_verdict v = approval_check(st, tok, eng, tgt, now, &a);

	approval_clear(&a);
	return v;
}

int
main(void)
{
	char dir[] = "/tmp/remgate-test-approval.XXXXXX", path[256], err[256];
	char tok[TOKEN_MAX_LEN + 1], tok2[TOKEN_MAX_LEN + 1], tok3[TOKEN_MAX_LEN + 1], wrong[TOKEN_MAX_LEN + 1];
	struct store *st = NULL;
	struct approval_request r;
	struct approval got;
	int64_t id = 0, id2 = 0, id3 = 0;
	int n = 0;

	if (mkdtemp(dir) == NULL)
		return 99;
	snprintf(path, sizeof(path), "%s/remgate.db", dir);
	if (store_open(path, &st, err, sizeof(err)) != 0)
		return 99;

	/* Bad requests write nothing. */
	r = request("alice", "router1");
	r.level = 4;
	is_int(approval_create(st, &r, NOW, &id, tok, sizeof(tok), err, sizeof(err)), -1, "level 4 is refused");
	contains(err, "level", "the reason names the level");
	r = request("alice", "router1");
	r.method = "pigeon";
	is_int(approval_create(st, &r, NOW, &id, tok, sizeof(tok), err, sizeof(err)), -1, "an unknown method is refused");
	r = request("alice", "router1");
	r.phase = "party";
	is_int(approval_create(st, &r, NOW, &id, tok, sizeof(tok), err, sizeof(err)), -1, "an unknown phase is refused");
	r = request("alice", "router1");
	r.valid_until = r.valid_from;
	is_int(approval_create(st, &r, NOW, &id, tok, sizeof(tok), err, sizeof(err)), -1, "an empty window is refused");
	r = request("alice", "router1");
	r.max_sessions = 0;
	is_int(approval_create(st, &r, NOW, &id, tok, sizeof(tok), err, sizeof(err)), -1, "0 sessions is refused");
	approval_list(st, count_approvals, &n);
	is_int(n, 0, "nothing was written by the refused requests");

	/* A good one; only the hash is stored. */
	r = request("alice", "router1");
	is_int(approval_create(st, &r, NOW, &id, tok, sizeof(tok), err, sizeof(err)), 0, "an approval is created");
	{
		sqlite3_stmt *s = store_prepare(st, "SELECT count(*) FROM approvals WHERE instr(CAST(token_hash AS TEXT), ?) > 0"
		    " OR instr(ticket || note || approver, ?) > 0");
		const char *secret = strrchr(tok, '-') + 1;
		sqlite3_bind_text(s, 1, secret, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, secret, -1, SQLITE_STATIC);
		ok(sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0) == 0, "the token itself is not stored");
		sqlite3_finalize(s);
	}
	is_int(approval_get(st, id, &got), 0, "it reads back");
	is_str(got.engineer, "alice", "for alice");
	is_int(got.uses, 0, "unused");
	approval_clear(&got);

	/* Every refusal reason. */
	is_int(check(st, tok, "alice", "router1", NOW + 10), APPROVAL_OK, "the token admits alice to router1");
	is_int(check(st, NULL, "alice", "router1", NOW), APPROVAL_TOKEN_MISSING, "no answer: token missing");
	is_int(check(st, "  ", "alice", "router1", NOW), APPROVAL_TOKEN_MISSING, "blank answer: token missing");
	is_int(check(st, "letmein", "alice", "router1", NOW), APPROVAL_TOKEN_WRONG, "garbage: token wrong");
	snprintf(wrong, sizeof(wrong), "%s", tok);
	wrong[strlen(wrong) - 1] = wrong[strlen(wrong) - 1] == 'a' ? 'b' : 'a';
	is_int(check(st, wrong, "alice", "router1", NOW), APPROVAL_TOKEN_WRONG, "one changed character: token wrong");
	is_int(check(st, "rg-999-abcdefghijklmnopqrstuvwxyz23", "alice", "router1", NOW), APPROVAL_TOKEN_WRONG,
	    "an unknown approval id: token wrong");
	is_int(check(st, tok, "bob", "router1", NOW), APPROVAL_OTHER_ENGINEER, "bob cannot use alice's token");
	is_int(check(st, tok, "alice", "router2", NOW), APPROVAL_OTHER_TARGET, "nor can alice use it on router2");
	is_int(check(st, tok, "alice", "router1", NOW - 1), APPROVAL_NOT_YET_VALID, "before the window: not yet valid");
	is_int(check(st, tok, "alice", "router1", NOW + 3600), APPROVAL_EXPIRED, "at the window's end: expired");
	is_int(approval_consume(st, id, NOW + 3600), APPROVAL_EXPIRED, "an expired approval cannot be consumed");

	/* One session: the second consume fails, checks say used up. */
	is_int(approval_consume(st, id, NOW + 5), APPROVAL_OK, "the one session is taken");
	is_int(approval_consume(st, id, NOW + 6), APPROVAL_USED_UP, "a second is refused");
	is_int(check(st, tok, "alice", "router1", NOW + 7), APPROVAL_USED_UP, "the token is now used up");

	/* Revocation. */
	r = request("alice", "router1");
	r.max_sessions = 3;
	is_int(approval_create(st, &r, NOW, &id2, tok2, sizeof(tok2), err, sizeof(err)), 0, "a second approval");
	is_int(approval_revoke(st, id2, "local:test", NOW + 1), 0, "it is revoked");
	is_int(approval_revoke(st, id2, "local:test", NOW + 2), 2, "revoking twice says so");
	is_int(approval_revoke(st, 12345, "local:test", NOW + 2), 1, "revoking a missing approval says so");
	is_int(check(st, tok2, "alice", "router1", NOW + 3), APPROVAL_REVOKED, "a revoked token is refused");
	is_int(approval_consume(st, id2, NOW + 3), APPROVAL_REVOKED, "and cannot be consumed");

	/* Racing consumers in separate processes: exactly max_sessions win. */
	r = request("alice", "router1");
	r.max_sessions = 2;
	is_int(approval_create(st, &r, NOW, &id3, tok3, sizeof(tok3), err, sizeof(err)), 0, "a two-session approval");
	store_close(st);
	{
		pid_t pids[8];
		int wins = 0, status;

		for (int i = 0; i < 8; i++) {
			if ((pids[i] = fork()) == 0) {
				struct store *cs = NULL;
				int rc = 2;
				if (store_open(path, &cs, err, sizeof(err)) == 0)
					rc = approval_consume(cs, id3, NOW + 10) == APPROVAL_OK ? 0 : 1;
				store_close(cs);
				_exit(rc);
			}
		}
		for (int i = 0; i < 8; i++) {
			waitpid(pids[i], &status, 0);
			if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
				wins++;
		}
		is_int(wins, 2, "8 racing processes: exactly 2 sessions granted");
	}
	st = NULL;
	if (store_open(path, &st, err, sizeof(err)) != 0)
		return 99;
	is_int(approval_get(st, id3, &got), 0, "the raced approval reads back");
	is_int(got.uses, 2, "with 2 uses");
	approval_clear(&got);
	is_int(approval_release(st, id3), 0, "a use is given back (the target was unreachable)");
	is_int(approval_consume(st, id3, NOW + 11), APPROVAL_OK, "and can be taken again");
	is_int(approval_consume(st, id3, NOW + 12), APPROVAL_USED_UP, "but only once");
	store_close(st);
	if (rmtree(dir) != 0)
		return 99;
	return done();
}
