/*
 * The fault database: reports in the store (logs-schema/003_reports.sql)
 * with an FTS5 index over ticket, targets, engineers, the narrative and the
 * commands, so the next engineer finds how a similar fault was fixed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_private.h"
#include "log.h"
#include "report.h"

int
report_store_reserve(struct store *st, const struct report_facts *f, int64_t *id)
{
	const struct narrative *n = f->narrative;
	sqlite3_stmt *q = store_prepare(st, "INSERT INTO reports (created_at, created_by, ticket, level, targets, "
	    "engineers, fault, cause, actions, result, prevention, followup, escalate, bundle_dir, report_json, "
	    "signing_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?)");
	int rc;

	if (q == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, f->created_at);
	sqlite3_bind_text(q, 2, f->created_by, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, f->ticket, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 4, f->level);
	sqlite3_bind_text(q, 5, f->targets, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 6, f->engineers, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 7, n->fault, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 8, n->cause, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 9, n->actions, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 10, n->result, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 11, n->prevention, -1, SQLITE_STATIC);
	if (n->followup != NULL)
		sqlite3_bind_text(q, 12, n->followup, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 13, f->escalate ? 1 : 0);
	sqlite3_bind_text(q, 14, f->bundle_dir, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 15, f->signing_key, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		log_error("event=store_error op=report_reserve error=\"%s\"", store_errmsg(st));
		return -1;
	}
	*id = sqlite3_last_insert_rowid(store_db(st));
	return 0;
}

int
report_store_finish(struct store *st, int64_t id, const char *bundle_dir, const char *report_json,
    const struct report_facts *f, const char *const *session_ids, size_t nsessions, const char *commands_text)
{
	const struct narrative *n = f->narrative;
	sqlite3_stmt *q;

	if (store_exec(st, "BEGIN IMMEDIATE") != 0)
		return -1;
	q = store_prepare(st, "UPDATE reports SET report_json = ?, bundle_dir = ? WHERE id = ?");
	if (q != NULL) {
		sqlite3_bind_text(q, 1, report_json, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, bundle_dir, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 3, id);
	}
	if (store_step_done(q) != 0)
		goto fail;
	for (size_t i = 0; i < nsessions; i++) {
		q = store_prepare(st, "INSERT INTO report_sessions (report_id, session_id) VALUES (?, ?)");
		if (q != NULL) {
			sqlite3_bind_int64(q, 1, id);
			sqlite3_bind_text(q, 2, session_ids[i], -1, SQLITE_STATIC);
		}
		if (store_step_done(q) != 0)
			goto fail;
	}
	q = store_prepare(st, "INSERT INTO reports_fts (rowid, ticket, targets, engineers, fault, cause, actions, "
	    "prevention, followup, commands) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	if (q != NULL) {
		sqlite3_bind_int64(q, 1, id);
		sqlite3_bind_text(q, 2, f->ticket, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 3, f->targets, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 4, f->engineers, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 5, n->fault, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 6, n->cause, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 7, n->actions, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 8, n->prevention, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 9, n->followup ? n->followup : "", -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 10, commands_text, -1, SQLITE_STATIC);
	}
	if (store_step_done(q) != 0)
		goto fail;
	if (store_exec(st, "COMMIT") != 0)
		goto fail;
	return 0;
fail:
	log_error("event=store_error op=report_finish error=\"%s\"", store_errmsg(st));
	store_exec(st, "ROLLBACK");
	return -1;
}

void
report_store_abandon(struct store *st, int64_t id)
{
	sqlite3_stmt *q = store_prepare(st, "DELETE FROM reports WHERE id = ? AND report_json = ''");

	if (q != NULL) {
		sqlite3_bind_int64(q, 1, id);
		store_step_done(q);
	}
}

int
report_store_count_for_session(struct store *st, const char *sid, const char *created_by, int *n)
{
	sqlite3_stmt *q = store_prepare(st, "SELECT count(*) FROM reports r JOIN report_sessions rs ON rs.report_id = r.id "
	    "WHERE rs.session_id = ? AND r.created_by = ?");
	int rc;

	if (q == NULL)
		return -1;
	sqlite3_bind_text(q, 1, sid, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, created_by, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	*n = rc == SQLITE_ROW ? sqlite3_column_int(q, 0) : 0;
	sqlite3_finalize(q);
	return rc == SQLITE_ROW ? 0 : -1;
}

#define REPORT_COLUMNS "SELECT r.id, r.created_at, r.created_by, r.ticket, r.level, r.targets, r.engineers, " \
	"r.fault, r.cause, r.actions, r.result, r.prevention, r.followup, r.escalate, r.bundle_dir, " \
	"r.report_json, r.signing_key"

static int
each_report(sqlite3_stmt *q, int with_snippet, int (*cb)(const struct report_row *, void *), void *arg)
{
	int rc, n = 0;

	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct report_row r = {
			.id = sqlite3_column_int64(q, 0),
			.created_at = sqlite3_column_int64(q, 1),
			.created_by = (const char *)sqlite3_column_text(q, 2),
			.ticket = (const char *)sqlite3_column_text(q, 3),
			.level = sqlite3_column_int(q, 4),
			.targets = (const char *)sqlite3_column_text(q, 5),
			.engineers = (const char *)sqlite3_column_text(q, 6),
			.fault = (const char *)sqlite3_column_text(q, 7),
			.cause = (const char *)sqlite3_column_text(q, 8),
			.actions = (const char *)sqlite3_column_text(q, 9),
			.result = (const char *)sqlite3_column_text(q, 10),
			.prevention = (const char *)sqlite3_column_text(q, 11),
			.followup = (const char *)sqlite3_column_text(q, 12),
			.escalate = sqlite3_column_int(q, 13),
			.bundle_dir = (const char *)sqlite3_column_text(q, 14),
			.report_json = (const char *)sqlite3_column_text(q, 15),
			.signing_key = (const char *)sqlite3_column_text(q, 16),
			.snippet = with_snippet ? (const char *)sqlite3_column_text(q, 17) : NULL,
		};
		n++;
		if (cb(&r, arg) != 0)
			break;
	}
	sqlite3_finalize(q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? n : -1;
}

int
report_store_list(struct store *st, int (*cb)(const struct report_row *, void *), void *arg)
{
	sqlite3_stmt *q = store_prepare(st, REPORT_COLUMNS " FROM reports r WHERE r.report_json <> '' ORDER BY r.id DESC");

	if (q == NULL)
		return -1;
	return each_report(q, 0, cb, arg) < 0 ? -1 : 0;
}

int
report_store_get(struct store *st, int64_t id, int (*cb)(const struct report_row *, void *), void *arg)
{
	sqlite3_stmt *q = store_prepare(st, REPORT_COLUMNS " FROM reports r WHERE r.id = ? AND r.report_json <> ''");
	int n;

	if (q == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, id);
	n = each_report(q, 0, cb, arg);
	return n < 0 ? -1 : n == 0 ? 1 : 0;
}

/*
 * The user's words as an FTS5 query: each word a quoted string (so
 * operators and punctuation are plain text), all of them required.
 */
static char *
fts_query(const char *text)
{
	size_t len = strlen(text), o = 0;
	char *q = malloc(len * 2 + 3 * (len + 1) + 1);
	int inword = 0;

	if (q == NULL)
		return NULL;
	for (const char *p = text; *p; p++) {
		int space = *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r';

		if (space) {
			if (inword)
				q[o++] = '"';
			inword = 0;
			continue;
		}
		if (!inword) {
			if (o > 0)
				q[o++] = ' ';
			q[o++] = '"';
			inword = 1;
		}
		if (*p == '"')
			q[o++] = '"';
		q[o++] = *p;
	}
	if (inword)
		q[o++] = '"';
	q[o] = '\0';
	return q;
}

int
report_store_search(struct store *st, const char *text, int (*cb)(const struct report_row *, void *),
    void *arg, char *err, size_t errlen)
{
	char *match = fts_query(text);
	sqlite3_stmt *q;
	int n;

	if (match == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (match[0] == '\0') {
		free(match);
		snprintf(err, errlen, "give some words to search for");
		return -1;
	}
	q = store_prepare(st, REPORT_COLUMNS ", snippet(reports_fts, -1, '[', ']', '...', 12) "
	    "FROM reports_fts JOIN reports r ON r.id = reports_fts.rowid "
	    "WHERE reports_fts MATCH ? AND r.report_json <> '' ORDER BY bm25(reports_fts), r.id DESC");
	if (q == NULL) {
		free(match);
		snprintf(err, errlen, "%s", store_errmsg(st));
		return -1;
	}
	sqlite3_bind_text(q, 1, match, -1, SQLITE_TRANSIENT);
	free(match);
	if ((n = each_report(q, 1, cb, arg)) < 0) {
		snprintf(err, errlen, "search failed: %s", store_errmsg(st));
		return -1;
	}
	return 0;
}
