/*
 * The SQLite implementation's own helpers, for gateway/store/ alone (and
 * the tests that look at the tables): nothing outside calls SQLite.
 */
#ifndef REMGATE_SQLITE_PRIVATE_H
#define REMGATE_SQLITE_PRIVATE_H

#include <sqlite3.h>

#include "store.h"

sqlite3 *store_db(struct store *st);
/* Prepare sql; on failure logs and returns NULL. */
sqlite3_stmt *store_prepare(struct store *st, const char *sql);
/* Bind text, or NULL when v is NULL (the statement keeps the pointer: SQLITE_STATIC). */
void store_bind_text_or_null(sqlite3_stmt *s, int i, const char *v);
/* Step a statement that returns no rows, and finalize it (NULL: a failed prepare). 0 or -1. */
int store_step_done(sqlite3_stmt *s);
/* Run sql (no rows, no parameters): BEGIN, COMMIT, ROLLBACK. 0 or -1. */
int store_exec(struct store *st, const char *sql);

#endif
