/*
 * The event log's hash chain: the encoding keeps fields apart, and a real
 * store's chain catches an edited, deleted, reordered or foreign row, and
 * chains the rows from before the chain once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/sqlite_private.h"
#include "audit.h"
#include "evchain.h"
#include "store.h"
#include "tap.h"

static int
feed(const struct audit_event *e, void *arg)
{
	(void)evchain_check_row(arg, e);
	return 0;
}

/* Check the whole log; the id of the first bad row (0: intact), why in why. */
static int64_t
verify(struct store *st, char *why, size_t whylen)
{
	struct evchain_check c;

	evchain_check_init(&c);
	if (audit_event_list(st, feed, &c) != 0)
		return -1;
	snprintf(why, whylen, "%s", c.why);
	return c.broken ? c.bad_id : 0;
}

static void
sql(struct store *st, const char *q)
{
	if (store_exec(st, q) != 0)
		printf("# sql failed: %s\n", q);
}

static void
add(struct store *st, const char *kind, const char *detail, int64_t ts)
{
	struct audit_event ev = { .kind = kind, .engineer = "alice", .target = "router1", .approval_id = 3,
		.detail = detail };

	if (audit_event_add(st, &ev, ts) != 0)
		printf("# add failed: %s\n", store_errmsg(st));
}

/* A fresh store with five chained events. */
static struct store *
fresh(const char *dir, int n)
{
	char path[300], err[256];
	struct store *st = NULL;

	snprintf(path, sizeof(path), "%s/remgate-%d.db", dir, n);
	if (store_open(path, &st, err, sizeof(err)) != 0) {
		printf("# %s\n", err);
		exit(1);
	}
	for (int i = 1; i <= 5; i++) {
		char d[32];

		snprintf(d, sizeof(d), "event %d", i);
		add(st, "session_start", d, 1000 + i);
	}
	return st;
}

int
main(void)
{
	char dir[] = "/tmp/remgate-test-evchain.XXXXXX", why[300], a[EVCHAIN_HEX_LEN + 1], b[EVCHAIN_HEX_LEN + 1];
	struct store *st;

	if (mkdtemp(dir) == NULL)
		return 99;

	/* The encoding. */
	{
		struct audit_event e1 = { .seq = 1, .ts = 5, .kind = "k", .reason = "ab", .detail = "c" };
		struct audit_event e2 = { .seq = 1, .ts = 5, .kind = "k", .reason = "a", .detail = "bc" };
		struct audit_event e3 = { .seq = 1, .ts = 5, .kind = "k", .reason = "", .detail = "c" };
		struct audit_event e4 = { .seq = 1, .ts = 5, .kind = "k", .reason = NULL, .detail = "c" };

		ok(evchain_hash("", &e1, a) == 0 && evchain_hash("", &e2, b) == 0 && strcmp(a, b) != 0,
		    "a byte moved from one field to the next changes the hash");
		ok(evchain_hash("", &e3, a) == 0 && evchain_hash("", &e4, b) == 0 && strcmp(a, b) != 0,
		    "an empty field and a missing one hash apart");
		ok(evchain_hash("", &e1, a) == 0 && evchain_hash("", &e1, b) == 0 && strcmp(a, b) == 0 &&
		    strlen(a) == EVCHAIN_HEX_LEN, "the same event, the same 64-hex hash");
		ok(evchain_hash("00", &e1, b) == 0 && strcmp(a, b) != 0, "the hash before it is part of it");
	}

	st = fresh(dir, 1);
	is_int(verify(st, why, sizeof(why)), 0, "five events: the chain is intact");
	sql(st, "UPDATE events SET detail = 'event 3, nothing happened' WHERE seq = 3");
	is_int(verify(st, why, sizeof(why)), 3, "an edited detail is caught at its row");
	contains(why, "edited", "and said so");
	store_close(st);

	st = fresh(dir, 2);
	sql(st, "DELETE FROM events WHERE seq = 2");
	is_int(verify(st, why, sizeof(why)), 3, "a deleted row is caught at the row after it");
	contains(why, "events 2 to 2 are missing", "named by its number");
	store_close(st);

	st = fresh(dir, 3);
	/* Swap two rows' contents, chain columns and all: the order in the log is the ids'. */
	sql(st, "UPDATE events SET id = 100 WHERE seq = 2");
	sql(st, "UPDATE events SET id = 2 WHERE seq = 4");
	sql(st, "UPDATE events SET id = 4 WHERE seq = 2 AND id = 100");
	is_int(verify(st, why, sizeof(why)), 2, "two rows swapped: caught at the first");
	store_close(st);

	st = fresh(dir, 4);
	sql(st, "INSERT INTO events (ts, kind, detail) VALUES (1010, 'session_end', 'made up')");
	add(st, "session_end", "real", 1011);
	is_int(verify(st, why, sizeof(why)), 6, "a row written outside the gateway is not chained in later");
	contains(why, "outside the gateway", "and said so");
	store_close(st);

	st = fresh(dir, 5);
	sql(st, "UPDATE events SET hash = (SELECT hash FROM events WHERE seq = 1) WHERE seq = 4");
	is_int(verify(st, why, sizeof(why)), 4, "a replaced hash is caught");
	store_close(st);

	/* Rows from before the chain (migration 013) are chained once by the next event. */
	{
		char path[300], err[256];

		snprintf(path, sizeof(path), "%s/legacy.db", dir);
		if (store_open(path, &st, err, sizeof(err)) != 0)
			return 1;
		sql(st, "INSERT INTO events (ts, kind, detail) VALUES (900, 'gateway_start', 'old 1')");
		sql(st, "INSERT INTO events (ts, kind, detail) VALUES (901, 'session_start', 'old 2')");
		add(st, "session_end", "new", 902);
		is_int(verify(st, why, sizeof(why)), 0, "old rows chained in id order, then the new one");
		{
			sqlite3_stmt *s = store_prepare(st, "SELECT group_concat(seq) FROM (SELECT seq FROM events ORDER BY id)");

			ok(s && sqlite3_step(s) == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(s, 0), "1,2,3") == 0,
			    "numbered 1, 2, 3");
			sqlite3_finalize(s);
		}
		store_close(st);
	}

	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
	}
	return done();
}
