/* The signing keys' history (logs-schema/003_reports.sql): SQLite's side of keyhistory.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyhistory.h"
#include "log.h"
#include "sqlite_private.h"
#include "util.h"

int
keyhistory_note(struct store *st, const uint8_t pub[SIGKEY_PUB_LEN], int64_t now)
{
	char line[200], fp[80];
	sqlite3_stmt *q;

	if (sigkey_public_line(pub, NULL, line, sizeof(line)) != 0 || sigkey_fingerprint(pub, fp, sizeof(fp)) != 0)
		return -1;
	q = store_prepare(st, "INSERT OR IGNORE INTO signing_keys (fingerprint, public_key, valid_after) VALUES (?, ?, ?)");
	if (q == NULL)
		return -1;
	sqlite3_bind_text(q, 1, fp, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 2, line, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 3, now);
	if (store_step_done(q) != 0) {
		log_error("event=store_error op=keyhistory_note error=\"%s\"", store_errmsg(st));
		return -1;
	}
	return 0;
}

int
keyhistory_list(struct store *st, int (*cb)(const struct keyhistory_row *, void *), void *arg)
{
	sqlite3_stmt *q = store_prepare(st, "SELECT fingerprint, public_key, valid_after, valid_before, retired_by "
	    "FROM signing_keys ORDER BY valid_after, fingerprint");
	int rc;

	if (q == NULL)
		return -1;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct keyhistory_row r = {
			.fingerprint = (const char *)sqlite3_column_text(q, 0),
			.public_key = (const char *)sqlite3_column_text(q, 1),
			.valid_after = sqlite3_column_int64(q, 2),
			.valid_before = sqlite3_column_int64(q, 3),
			.retired_by = (const char *)sqlite3_column_text(q, 4),
		};
		if (r.public_key == NULL || sigkey_parse_public_line(r.public_key, r.pub) != 0)
			continue;
		if (cb(&r, arg) != 0)
			break;
	}
	sqlite3_finalize(q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int
keyhistory_find(struct store *st, const uint8_t pub[SIGKEY_PUB_LEN], int64_t *valid_after, int64_t *valid_before)
{
	char fp[80];
	sqlite3_stmt *q;
	int rc;

	if (sigkey_fingerprint(pub, fp, sizeof(fp)) != 0)
		return -1;
	if ((q = store_prepare(st, "SELECT valid_after, valid_before FROM signing_keys WHERE fingerprint = ?")) == NULL)
		return -1;
	sqlite3_bind_text(q, 1, fp, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		*valid_after = sqlite3_column_int64(q, 0);
		*valid_before = sqlite3_column_int64(q, 1);
	}
	sqlite3_finalize(q);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int
keyhistory_retire(struct store *st, const uint8_t pub[SIGKEY_PUB_LEN], int64_t now, const char *by)
{
	char fp[80];
	sqlite3_stmt *q;

	if (sigkey_fingerprint(pub, fp, sizeof(fp)) != 0)
		return -1;
	q = store_prepare(st, "UPDATE signing_keys SET valid_before = ?, retired_by = ? "
	    "WHERE fingerprint = ? AND valid_before IS NULL");
	if (q == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, now);
	sqlite3_bind_text(q, 2, by, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 3, fp, -1, SQLITE_TRANSIENT);
	return store_step_done(q);
}

