/*
 * review.c and the review rows: a review opens pending; exactly one
 * decision wins, also between two processes racing on the same store; an
 * admin's decision must come before expires_at, the expiry only after;
 * the summary line says who, how and when, made safe for a terminal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "approval.h"
#include "audit.h"
#include "review.h"
#include "store.h"
#include "tap.h"
#include "token.h"

static int
copy_status(const struct review_row *r, void *arg)
{
	snprintf(arg, 32, "%s", r->status);
	return 0;
}

static int
count(const struct review_row *r, void *arg)
{
	(void)r;
	(*(int *)arg)++;
	return 0;
}

/* A child process that decides review id its way; exits 0 if its decision won. */
static pid_t
racer(const char *path, int64_t id, const char *status)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct store *st;
		char err[256];
		int r;

		if (store_open(path, &st, err, sizeof(err)) != 0)
			_exit(3);
		r = review_store_decide(st, id, status, "racer", status[0] == 'a' ? "phone" : NULL, NULL, 1500);
		store_close(st);
		_exit(r == 1 ? 0 : r == 0 ? 1 : 2);
	}
	return pid;
}

int
main(void)
{
	char dir[] = "/tmp/remgate-test-review.XXXXXX", path[256], err[256], tok[TOKEN_MAX_LEN + 1], status[32], sum[600];
	struct store *st = NULL;
	int64_t aid, id, id2;
	int wins = 0, n = 0;

	if (mkdtemp(dir) == NULL)
		return 99;
	snprintf(path, sizeof(path), "%s/remgate.db", dir);
	if (store_open(path, &st, err, sizeof(err)) != 0)
		return 99;
	{
		struct approval_request req = { .engineer = "alice", .target = "router1", .ticket = "T-1", .level = 1,
			.phase = "implement", .approver = "wang", .method = "phone", .valid_from = 1000,
			.valid_until = 9000, .max_sessions = 5, .created_by = "test" };
		struct audit_session row = { .id = "s1", .engineer = "alice", .target = "router1",
			.client_addr = "127.0.0.1:1", .pid = 1, .started_at = 1000 };

		if (approval_create(st, &req, 1000, &aid, tok, sizeof(tok), err, sizeof(err)) != 0)
			return 99;
		row.approval_id = aid;
		if (audit_session_begin(st, &row) != 0)
			return 99;
	}
	struct review_row r = { .session_id = "s1", .approval_id = aid, .engineer = "alice", .target = "router1",
		.kind = "line", .rule = "reboot", .command = "sudo reboot", .requested_at = 1000, .expires_at = 1900 };

	is_int(review_store_open(st, &r, &id), 0, "a review opens");
	review_store_get(st, id, copy_status, status);
	is_str(status, "pending", "pending");
	review_store_list(st, 1, NULL, count, &n);
	is_int(n, 1, "it is in the pending list");
	is_int(review_store_decide(st, id, "approved", "wang", "phone", NULL, 1900), 0,
	    "an admin's decision at expires_at is too late");
	is_int(review_store_decide(st, id, "expired", "remgate", NULL, NULL, 1899), 0, "no expiry before its time");
	is_int(review_store_decide(st, id, "bogus", "wang", NULL, NULL, 1000), -1, "an unknown status is an error");
	is_int(review_store_decide(st, id, "pending", "wang", NULL, NULL, 1000), -1, "pending is not a decision");

	/* Two processes decide at once: exactly one wins. */
	for (int round = 0; round < 20; round++) {
		pid_t a, b;
		int sa, sb;
		int64_t rid;

		if (review_store_open(st, &r, &rid) != 0)
			break;
		a = racer(path, rid, "approved");
		b = racer(path, rid, "denied");
		waitpid(a, &sa, 0);
		waitpid(b, &sb, 0);
		if ((WEXITSTATUS(sa) == 0) + (WEXITSTATUS(sb) == 0) == 1 && WEXITSTATUS(sa) <= 1 && WEXITSTATUS(sb) <= 1)
			wins++;
	}
	is_int(wins, 20, "20 races: each has exactly one winner");

	is_int(review_store_decide(st, id, "approved", "wang <x>\x1b[2J", "phone", "window\n2", 1500), 1, "approved in time");
	is_int(review_store_decide(st, id, "denied", "li", NULL, "late", 1501), 0, "a second decision loses");
	review_store_get(st, id, copy_status, status);
	is_str(status, "approved", "the first decision stands");
	{
		struct review_row got = r;

		got.id = id;
		got.status = "approved";
		got.decided_at = 1500;
		got.decided_by = "wang <x>\x1b[2J";
		got.method = "phone";
		got.note = "window\n2";
		review_summary(&got, sum, sizeof(sum));
		is_str(sum, "review 1 reboot: approved by wang <x>\\e[2J (phone) at 1970-01-01T00:25:00Z: window\\n2",
		    "the summary: who, how, when, escaped");
	}
	is_int(review_store_open(st, &r, &id2), 0, "another review");
	is_int(review_store_decide(st, id2, "expired", "remgate", NULL, NULL, 1900), 1, "it expires at its time");
	is_int(review_store_open(st, &r, &id2), 0, "another review");
	is_int(review_store_decide(st, id2, "abandoned", "remgate", NULL, NULL, 5000), 1, "abandoned whenever");
	n = 0;
	review_store_list(st, 0, "s1", count, &n);
	is_int(n, 23, "the session's reviews, all of them");
	ok(review_status_final("cancelled") && !review_status_final("pending") && !review_status_final(NULL),
	    "final statuses");

	store_close(st);
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "# could not remove %s\n", dir);
	}
	return done();
}
