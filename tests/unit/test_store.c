/* The store: migrations applied once and recorded, WAL mode, audit rows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/sqlite_private.h"
#include "approval.h"
#include "audit.h"
#include "store.h"
#include "tap.h"

static int
count_rows(struct store *st, const char *sql)
{
	sqlite3_stmt *s = store_prepare(st, sql);
	int n = -1;

	if (s != NULL && sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return n;
}

static int
count_session(const struct audit_session *a, void *arg)
{
	int *n = arg;

	if (strcmp(a->id, "s1") == 0 && a->ended_at > 0 && a->exit_status == 3 && a->bytes_out == 99)
		*n += 1;
	return 0;
}

int
main(void)
{
	char dir[] = "/tmp/remgate-test-store.XXXXXX", path[256], err[256];
	struct store *st = NULL;
	sqlite3_stmt *s;

	if (mkdtemp(dir) == NULL)
		return 99;
	snprintf(path, sizeof(path), "%s/remgate.db", dir);

	is_int(store_open(path, &st, err, sizeof(err)), 0, "a new store opens");
	is_int(store_schema_version(st), store_migrations_count, "every migration is applied");
	is_int(count_rows(st, "SELECT count(*) FROM schema_migrations"), store_migrations_count,
	    "each migration is recorded once");
	s = store_prepare(st, "PRAGMA journal_mode");
	ok(s && sqlite3_step(s) == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(s, 0), "wal") == 0,
	    "the journal is WAL");
	sqlite3_finalize(s);
	is_int(count_rows(st, "SELECT count(*) FROM sqlite_master WHERE name IN ('approvals','sessions','events')"), 3,
	    "approvals, sessions and events exist");

	{
		struct approval_request req = { .engineer = "alice", .target = "router1", .ticket = "T-1", .level = 1,
			.phase = "diagnose", .approver = "wang", .method = "phone", .valid_from = 1000,
			.valid_until = 5000, .max_sessions = 2, .created_by = "local:test" };
		char tok[TOKEN_MAX_LEN + 1];
		int64_t aid = 0;

		is_int(approval_create(st, &req, 1000, &aid, tok, sizeof(tok), err, sizeof(err)), 0,
		    "an approval for the sessions to point at");
		struct audit_session row = { .id = "s1", .engineer = "alice", .target = "router1", .approval_id = aid,
			.client_addr = "127.0.0.1:1", .pid = 4242, .started_at = 1000 };
		struct audit_session end = { .id = "s1", .ended_at = 1010, .exit_status = 3, .end_reason = "target_closed",
			.bytes_in = 5, .bytes_out = 99 };
		struct audit_session other = { .id = "s2", .engineer = "bob", .target = "router1", .approval_id = aid,
			.client_addr = "127.0.0.1:2", .pid = 4343, .started_at = 1001 };
		struct audit_event ev = { .kind = "session_refused", .engineer = "mallory", .reason = "unknown_engineer",
			.detail = "unknown engineer 'mallory'" };
		int n = 0;

		is_int(audit_session_begin(st, &row), 0, "a session row is written");
		row.id = "s9";
		row.approval_id = aid + 100;
		is_int(audit_session_begin(st, &row), -1, "a session naming no approval is refused (foreign key)");
		is_int(audit_session_kind(st, "s1", "exec", "uptime"), 0, "its kind is recorded");
		is_int(audit_session_end(st, &end), 0, "and its end");
		audit_session_list(st, count_session, &n);
		is_int(n, 1, "the ended session reads back with exit status and byte counts");
		is_int(audit_session_begin(st, &other), 0, "a second session row is written");
		is_int(audit_sessions_close_abnormal(st, 9999, "gateway_process_died", 1100), 0,
		    "a pid with no open rows closes nothing");
		is_int(audit_sessions_close_abnormal(st, 4343, "gateway_process_died", 1100), 1,
		    "the dead child's open row is closed");
		is_int(count_rows(st, "SELECT count(*) FROM sessions WHERE id='s2' AND end_reason='gateway_process_died'"
		    " AND ended_at=1100"), 1, "with the abnormal reason");
		is_int(audit_sessions_close_abnormal(st, 0, "gateway_restarted", 1200), 0,
		    "nothing is left open afterwards");
		is_int(audit_event_add(st, &ev, 1000), 0, "an event is written");
		is_int(count_rows(st, "SELECT count(*) FROM events WHERE reason='unknown_engineer'"), 1,
		    "and reads back");
	}
	store_close(st);

	/* Reopening must not reapply anything. */
	st = NULL;
	is_int(store_open(path, &st, err, sizeof(err)), 0, "the store reopens");
	is_int(count_rows(st, "SELECT count(*) FROM schema_migrations"), store_migrations_count,
	    "no migration is applied twice");
	is_int(count_rows(st, "SELECT count(*) FROM sessions"), 2, "rows survive reopening");
	store_close(st);

	/* Read-only: what remgatectl's reading commands open. */
	{
		char missing[300];
		struct stat sb;
		struct audit_event ev = { .kind = "x" };

		st = NULL;
		is_int(store_open_readonly(path, &st, err, sizeof(err)), 0, "an existing store opens read-only");
		is_int(count_rows(st, "SELECT count(*) FROM sessions"), 2, "and reads");
		is_int(audit_event_add(st, &ev, 1), -1, "but does not write");
		store_close(st);
		snprintf(missing, sizeof(missing), "%s/none.db", dir);
		st = NULL;
		is_int(store_open_readonly(missing, &st, err, sizeof(err)), -1, "a missing store is an error");
		contains(err, "no store here yet", "that says so");
		ok(stat(missing, &sb) != 0, "and nothing was created");
		s = NULL;
		st = NULL;
		store_open(path, &st, err, sizeof(err));
		/* A store a newer remgated migrated further than this build knows. */
		store_exec(st, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)");
		store_close(st);
		st = NULL;
		is_int(store_open_readonly(path, &st, err, sizeof(err)), -1, "a store at another schema version is refused");
		contains(err, "start remgated", "with what to do");
		st = NULL;
		store_open(path, &st, err, sizeof(err));
		store_exec(st, "DELETE FROM schema_migrations WHERE version = 999");
		store_close(st);
	}

	/* A file that is not a database is an error, not a crash. */
	{
		char bad[300];
		FILE *f;

		snprintf(bad, sizeof(bad), "%s/bad.db", dir);
		f = fopen(bad, "w");
		fputs("this is not an SQLite database, just text that is long enough to look like a header......", f);
		fclose(f);
		st = NULL;
		err[0] = '\0';
		is_int(store_open(bad, &st, err, sizeof(err)), -1, "a damaged file is refused");
		ok(err[0] != '\0', "with a reason (%s)", err);
		unlink(bad);
	}
	if (rmtree(dir) != 0)
		return 99;
	return done();
}
