/*
 * The embedded store: SQLite in WAL mode. Opening it applies the numbered
 * migrations from logs-schema/ that are not yet recorded in
 * schema_migrations. Each process opens its own handle (never across fork).
 */
#ifndef REMGATE_STORE_H
#define REMGATE_STORE_H

#include <stddef.h>

#include <sqlite3.h>

struct store_migration {
	int version;
	const char *name;
	const char *sql;
};

extern const struct store_migration store_migrations[];
extern const int store_migrations_count;

struct store;

/* Open (creating if needed) and migrate. On failure -1 and err filled. */
int store_open(const char *path, struct store **out, char *err, size_t errlen);
void store_close(struct store *st);
sqlite3 *store_db(struct store *st);

/* Highest applied migration version, or -1. */
int store_schema_version(struct store *st);

/* Prepare sql; on failure logs and returns NULL. */
sqlite3_stmt *store_prepare(struct store *st, const char *sql);

/* Bind text, or NULL when v is NULL (the statement keeps the pointer: SQLITE_STATIC). */
void store_bind_text_or_null(sqlite3_stmt *s, int i, const char *v);
/* Step a statement that returns no rows, and finalize it (NULL: a failed prepare). 0 or -1. */
int store_step_done(sqlite3_stmt *s);
/* Run sql (no rows, no parameters): BEGIN, COMMIT, ROLLBACK. 0 or -1. */
int store_exec(struct store *st, const char *sql);

/* Last error text of the handle, for messages. */
const char *store_errmsg(struct store *st);

#endif
