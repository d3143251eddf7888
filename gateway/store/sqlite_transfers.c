/* The transfers table (logs-schema/004_transfers.sql): SQLite's side of transfers.h. */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "sqlite_private.h"
#include "transfers.h"

static void
bind_count(sqlite3_stmt *q, int i, int64_t n)
{
	if (n >= 0)
		sqlite3_bind_int64(q, i, n);
	else
		sqlite3_bind_null(q, i);
}

int
transfers_add(struct store *st, const struct transfer_row *t)
{
	sqlite3_stmt *q = store_prepare(st, "INSERT INTO transfers (session_id, ts_us, protocol, op, path, path2, "
	    "flags, bytes_read, bytes_written, sha256, status, by_gateway, message) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	int rc;

	if (q == NULL)
		return -1;
	sqlite3_bind_text(q, 1, t->session_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, t->ts_us);
	sqlite3_bind_text(q, 3, t->protocol, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, t->op, -1, SQLITE_STATIC);
	store_bind_text_or_null(q, 5, t->path);
	store_bind_text_or_null(q, 6, t->path2);
	store_bind_text_or_null(q, 7, t->flags);
	bind_count(q, 8, t->bytes_read);
	bind_count(q, 9, t->bytes_written);
	store_bind_text_or_null(q, 10, t->sha256);
	sqlite3_bind_text(q, 11, t->status, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 12, t->by_gateway ? 1 : 0);
	store_bind_text_or_null(q, 13, t->message);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		log_error("event=store_error op=transfers_add error=\"%s\"", store_errmsg(st));
		return -1;
	}
	return 0;
}

static int64_t
count_or_minus(sqlite3_stmt *q, int i)
{
	return sqlite3_column_type(q, i) == SQLITE_NULL ? -1 : sqlite3_column_int64(q, i);
}

int
transfers_list(struct store *st, const char *sid, int (*cb)(const struct transfer_row *, void *), void *arg)
{
	sqlite3_stmt *q = store_prepare(st, "SELECT t.id, t.session_id, t.ts_us, t.protocol, t.op, t.path, t.path2, "
	    "t.flags, t.bytes_read, t.bytes_written, t.sha256, t.status, t.by_gateway, t.message, s.engineer, s.target "
	    "FROM transfers t JOIN sessions s ON s.id = t.session_id WHERE ?1 IS NULL OR t.session_id = ?1 "
	    "ORDER BY t.id");
	int rc;

	if (q == NULL)
		return -1;
	store_bind_text_or_null(q, 1, sid);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct transfer_row t = {
			.id = sqlite3_column_int64(q, 0),
			.session_id = (const char *)sqlite3_column_text(q, 1),
			.ts_us = sqlite3_column_int64(q, 2),
			.protocol = (const char *)sqlite3_column_text(q, 3),
			.op = (const char *)sqlite3_column_text(q, 4),
			.path = (const char *)sqlite3_column_text(q, 5),
			.path2 = (const char *)sqlite3_column_text(q, 6),
			.flags = (const char *)sqlite3_column_text(q, 7),
			.bytes_read = count_or_minus(q, 8),
			.bytes_written = count_or_minus(q, 9),
			.sha256 = (const char *)sqlite3_column_text(q, 10),
			.status = (const char *)sqlite3_column_text(q, 11),
			.by_gateway = sqlite3_column_int(q, 12),
			.message = (const char *)sqlite3_column_text(q, 13),
			.engineer = (const char *)sqlite3_column_text(q, 14),
			.target = (const char *)sqlite3_column_text(q, 15),
		};
		if (cb(&t, arg) != 0)
			break;
	}
	sqlite3_finalize(q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}
