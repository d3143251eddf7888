/*
 * SQLite store: open in WAL mode with defensive settings, and bring the
 * schema up to date from the embedded migrations, each in its own
 * transaction together with its row in schema_migrations.
 */
#include "sqlite_private.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <sys/stat.h>

#include "log.h"

struct store {
	sqlite3 *db;
	int64_t busy_since_us;	/* when the current wait for the write lock began */
};

/*
 * How long a writer waits for the lock before its write fails. Evidence
 * rows must not be lost to a burst: 500 sessions ending at once (a
 * network outage drops every client) queue up 500 monitors' writes.
 */
#define BUSY_WAIT_S 60

/*
 * Waiting for the lock: short random sleeps, not SQLite's default back-off
 * (up to 100 ms a sleep), with which some of hundreds of waiters starve
 * past any timeout while others take turns.
 */
static int
busy_wait(void *arg, int count)
{
	struct store *st = arg;
	struct timespec ts;
	int64_t now;
	unsigned r = 0;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	if (count == 0)
		st->busy_since_us = now;
	if (now - st->busy_since_us >= (int64_t)BUSY_WAIT_S * 1000000)
		return 0;	/* SQLITE_BUSY: the caller says what it could not write */
	(void)util_random(&r, sizeof(r));
	sqlite3_sleep(1 + (int)(r % 4));	/* 1-4 ms */
	return 1;
}

static int
exec_sql(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s", msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int
migrate(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	char why[512];

	if (exec_sql(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
	    why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s: cannot create schema_migrations: %s", path, why);
		return -1;
	}
	for (int i = 0; i < store_migrations_count; i++) {
		const struct store_migration *m = &store_migrations[i];
		sqlite3_stmt *st = NULL;
		int applied = 0;

		/* IMMEDIATE: two processes starting at once must not both apply it. */
		if (exec_sql(db, "BEGIN IMMEDIATE", why, sizeof(why)) != 0) {
			snprintf(err, errlen, "%s: %s", path, why);
			return -1;
		}
		if (sqlite3_prepare_v2(db, "SELECT 1 FROM schema_migrations WHERE version = ?", -1, &st, NULL) != SQLITE_OK)
			goto fail_db;
		sqlite3_bind_int(st, 1, m->version);
		applied = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
		st = NULL;
		if (applied) {
			exec_sql(db, "COMMIT", why, sizeof(why));
			continue;
		}
		if (exec_sql(db, m->sql, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "%s: migration %s failed: %s", path, m->name, why);
			exec_sql(db, "ROLLBACK", why, sizeof(why));
			return -1;
		}
		if (sqlite3_prepare_v2(db, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
		    -1, &st, NULL) != SQLITE_OK)
			goto fail_db;
		sqlite3_bind_int(st, 1, m->version);
		sqlite3_bind_text(st, 2, m->name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_finalize(st);
			goto fail_db;
		}
		sqlite3_finalize(st);
		if (exec_sql(db, "COMMIT", why, sizeof(why)) != 0) {
			snprintf(err, errlen, "%s: %s", path, why);
			return -1;
		}
		log_info("event=migration_applied version=%d name=%s", m->version, m->name);
	}
	return 0;
fail_db:
	snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
	exec_sql(db, "ROLLBACK", why, sizeof(why));
	return -1;
}

int
store_open(const char *path, struct store **out, char *err, size_t errlen)
{
	struct store *st;
	char why[512];
	int on = 1;

	*out = NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open store: %s", path,
		    st->db ? sqlite3_errmsg(st->db) : "out of memory");
		goto fail;
	}
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 1, &on);
	sqlite3_busy_handler(st->db, busy_wait, st);
	if (exec_sql(st->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
	    "PRAGMA foreign_keys=ON;", why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s: cannot set up store: %s", path, why);
		goto fail;
	}
	if (migrate(st->db, path, err, errlen) != 0)
		goto fail;
	*out = st;
	return 0;
fail:
	store_close(st);
	return -1;
}

int
store_open_readonly(const char *path, struct store **out, char *err, size_t errlen)
{
	struct store *st;
	struct stat sb;
	int want = store_migrations[store_migrations_count - 1].version, have;

	*out = NULL;
	if (stat(path, &sb) != 0) {
		snprintf(err, errlen, "%s: no store here yet (remgated creates it on its first start)", path);
		return -1;
	}
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open store: %s", path,
		    st->db ? sqlite3_errmsg(st->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_handler(st->db, busy_wait, st);
	if ((have = store_schema_version(st)) != want) {
		snprintf(err, errlen, "%s: the store is at schema version %d and this build reads %d; start remgated "
		    "(it migrates at start) or use the remgatectl that matches it", path, have, want);
		goto fail;
	}
	*out = st;
	return 0;
fail:
	store_close(st);
	return -1;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	sqlite3_close_v2(st->db);
	free(st);
}

sqlite3 *
store_db(struct store *st)
{
	return st->db;
}

const char *
store_errmsg(struct store *st)
{
	return sqlite3_errmsg(st->db);
}

sqlite3_stmt *
store_prepare(struct store *st, const char *sql)
{
	sqlite3_stmt *stmt = NULL;

	if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		log_error("event=sql_prepare_failed error=\"%s\"", sqlite3_errmsg(st->db));
		return NULL;
	}
	return stmt;
}

int
store_schema_version(struct store *st)
{
	sqlite3_stmt *stmt = store_prepare(st, "SELECT MAX(version) FROM schema_migrations");
	int v = -1;

	if (stmt == NULL)
		return -1;
	if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_type(stmt, 0) != SQLITE_NULL)
		v = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return v;
}

void
store_bind_text_or_null(sqlite3_stmt *s, int i, const char *v)
{
	if (v != NULL)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

int
store_step_done(sqlite3_stmt *s)
{
	int rc;

	if (s == NULL)
		return -1;
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_exec(struct store *st, const char *sql)
{
	return sqlite3_exec(store_db(st), sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

int
store_batch_begin(struct store *st)
{
	return store_exec(st, "BEGIN IMMEDIATE");
}

int
store_batch_commit(struct store *st)
{
	if (store_exec(st, "COMMIT") == 0)
		return 0;
	(void)store_exec(st, "ROLLBACK");
	return -1;
}
