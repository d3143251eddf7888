/*
 * The store: every record the gateway keeps, behind one typed API. Domain
 * code (approvals, sessions, reports, the daemon, remgatectl) calls these
 * functions and never SQL; the SQLite implementation is in gateway/store/
 * (WAL, the numbered migrations from logs-schema/ applied at open), so a
 * second backend is another implementation of this file, not a rewrite.
 * Each process opens its own handle (never across fork).
 */
#ifndef REMGATE_STORE_H
#define REMGATE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "sigkey.h"	/* SIGKEY_PUB_LEN */

struct store;
struct approval;
struct approval_request;
struct audit_event;
struct audit_session;
struct cmd_entry;
struct command_row;
struct transfer_row;
struct report_facts;
struct report_row;
struct keyhistory_row;
struct review_row;
struct request_row;

struct store_migration {
	int version;
	const char *name;
	const char *sql;
};

extern const struct store_migration store_migrations[];
extern const int store_migrations_count;

/* ---- opening ---- */

/* Open (creating if needed) and migrate. On failure -1 and err filled. */
int store_open(const char *path, struct store **out, char *err, size_t errlen);
/*
 * Open an existing store for reading only: creates nothing, migrates
 * nothing, and refuses a store whose schema is not this build's.
 */
int store_open_readonly(const char *path, struct store **out, char *err, size_t errlen);
void store_close(struct store *st);
/* Highest applied migration version, or -1. */
int store_schema_version(struct store *st);
/* Last error text of the handle, for messages. */
const char *store_errmsg(struct store *st);
/* Group the writes that follow into one transaction (the monitor's rows of one read). 0 or -1. */
int store_batch_begin(struct store *st);
/* Commit them (on failure they are rolled back and -1 returned). */
int store_batch_commit(struct store *st);

/* ---- approvals (approval.h has the checks and the token) ---- */

/* The token's salt and hash as stored, for the check at login. */
struct approval_secret {
	uint8_t salt[32], hash[64];
	size_t salt_len, hash_len;
};

int store_approval_insert(struct store *st, const struct approval_request *req, const uint8_t *salt,
    size_t salt_len, const uint8_t *hash, size_t hash_len, int64_t now, int64_t *id);
/* 0 revoked now, 2 already revoked, -1 error. */
int store_approval_revoke(struct store *st, int64_t id, const char *by, int64_t now);
/* 0 found (sec filled unless NULL), 1 not found, -1 error. */
int store_approval_get(struct store *st, int64_t id, struct approval *out, struct approval_secret *sec);
/* Newest first; stops when cb returns non-zero. */
int store_approval_list(struct store *st, int (*cb)(const struct approval *, void *), void *arg);
/* Take one use if the approval is in its window, not revoked, not used up: 1 taken, 0 not, -1 error. */
int store_approval_take_use(struct store *st, int64_t id, int64_t now);
/* Give back a use taken for a session that never opened. 0 or -1. */
int store_approval_give_back(struct store *st, int64_t id);
/* A new token for approval id (its salt and hash replace the old ones). 0 or -1. */
int store_approval_set_token(struct store *st, int64_t id, const uint8_t *salt, size_t salt_len, const uint8_t *hash,
    size_t hash_len);

/* ---- sessions and events (audit.h has the rows) ---- */

/* Record ev at time ts (ev->ts ignored). 0 or -1. */
int audit_event_add(struct store *st, const struct audit_event *ev, int64_t ts);
/* One session by id: 0 found, 1 not found, -1 error. cb is called once. */
int audit_session_get(struct store *st, const char *id, int (*cb)(const struct audit_session *, void *), void *arg);
int audit_session_begin(struct store *st, const struct audit_session *s);
int audit_session_kind(struct store *st, const char *id, const char *kind, const char *command);
int audit_session_end(struct store *st, const struct audit_session *s);
/*
 * Close rows left open by a process that died: pid > 0 for one child,
 * pid == 0 for every open row (at daemon start). Returns rows closed or -1.
 */
int audit_sessions_close_abnormal(struct store *st, int64_t pid, const char *reason, int64_t now);
/* The recording file of a session, and its seal once written. */
int audit_session_recording(struct store *st, const char *id, const char *path);
int audit_session_sealed(struct store *st, const char *id, uint32_t records, const char *head_hex);
/* remgatectl asks a running session to end; the session reads who and why. */
int audit_session_request_kill(struct store *st, const char *id, const char *by, const char *reason, int64_t now);
/* 0 found (strings malloc'd), 1 none, -1 error. */
int audit_session_kill_request(struct store *st, const char *id, char **by, char **reason);
int audit_session_list(struct store *st, int (*cb)(const struct audit_session *, void *), void *arg);
int audit_event_list(struct store *st, int (*cb)(const struct audit_event *, void *), void *arg);

/* ---- commands (commands.h) ---- */

int commands_add(struct store *st, const char *sid, int seq, const struct cmd_entry *e);
/* One session's commands in order, or (sid NULL) those whose text contains needle. */
int commands_list(struct store *st, const char *sid, int (*cb)(const struct command_row *, void *), void *arg);
int commands_search(struct store *st, const char *needle, int (*cb)(const struct command_row *, void *), void *arg);

/* ---- reviews: the command guard's queue (review.h) ---- */

/* A new pending review (r->id, status, decided_* ignored). 0 and *id, or -1. */
int review_store_open(struct store *st, const struct review_row *r, int64_t *id);
/*
 * Decide a pending review whose time has not run out (expired: the time
 * has run out, now >= expires_at): 1 decided by this call, 0 it was not
 * pending any more (or out of time for approved/denied), -1 error. Two
 * racing callers: exactly one gets 1.
 */
int review_store_decide(struct store *st, int64_t id, const char *status, const char *by, const char *method,
    const char *note, int64_t now);
/* 0 found (cb called once), 1 not found, -1 error. */
int review_store_get(struct store *st, int64_t id, int (*cb)(const struct review_row *, void *), void *arg);
/* Newest first: every review (pending_only 0) or the pending ones; or one session's (sid) oldest first. */
int review_store_list(struct store *st, int pending_only, const char *sid, int (*cb)(const struct review_row *, void *),
    void *arg);

/* ---- access requests (request.h) ---- */

int request_store_open(struct store *st, const struct request_row *r, int64_t *id);
/* pending -> status (denied | cancelled | expired; approved goes through request_approve): 1 moved, 0 not, -1. */
int request_store_decide(struct store *st, int64_t id, const char *status, const char *by, const char *note,
    int64_t now);
int request_store_set_approved(struct store *st, int64_t id, const char *by, const char *method, const char *note,
    int64_t approval_id, int64_t now);
/* approved and not collected, for engineer: mark collected. 1 marked, 0 not, -1. */
int request_store_mark_collected(struct store *st, int64_t id, const char *engineer, int64_t now);
/* 0 found (cb called once), 1 not found, -1 error. */
int request_store_get(struct store *st, int64_t id, int (*cb)(const struct request_row *, void *), void *arg);
/* Newest first; pending_only; engineer NULL for everyone's. */
int request_store_list(struct store *st, int pending_only, const char *engineer,
    int (*cb)(const struct request_row *, void *), void *arg);
/* Mark every pending request whose time ran out as expired. Rows moved, or -1. */
int request_store_expire(struct store *st, int64_t now);

/* ---- notification delivery (notify.h) ---- */

struct notify_state {
	int64_t cursor;		/* the last event id this destination is done with */
	int attempts;		/* failed tries of the next event */
	int64_t next_at;	/* no try before */
	const char *last_error;	/* NULL: none */
	int64_t last_ok_at;
	int64_t delivered;
};

/* The destination's state; a new one starts at the newest event (no history replay). 0 or -1. */
int notify_state_get(struct store *st, const char *dest, int (*cb)(const struct notify_state *, void *), void *arg);
/* The same for any delivery (a SIEM's: "siem:NAME"); from_start: a new one starts at 0, not the newest. */
int delivery_state_get(struct store *st, const char *dest, int from_start,
    int (*cb)(const struct notify_state *, void *), void *arg);
/* Delivered event id: the cursor moves, the failure count clears. 0 or -1. */
int notify_state_done(struct store *st, const char *dest, int64_t event_id, int64_t now);
/* count events delivered up to cursor (an id or a seq, as the destination counts). 0 or -1. */
int delivery_state_done(struct store *st, const char *dest, int64_t cursor, int count, int64_t now);
/* Events up to upto are none of this destination's: the cursor passes them. 0 or -1. */
int notify_state_skip(struct store *st, const char *dest, int64_t upto);
/* A failed try: attempts + 1, next try at next_at, why. 0 or -1. */
int notify_state_failed(struct store *st, const char *dest, int64_t next_at, const char *why);
/* Events after id, oldest first, at most limit. */
/* The newest event's seq (0: none chained yet). 0 or -1. */
int audit_events_head(struct store *st, int64_t *seq);
/* Chained events after seq after_seq, in seq order, at most limit. 0, the callback's non-zero, or -1. */
int audit_events_since_seq(struct store *st, int64_t after_seq, int limit, int (*cb)(const struct audit_event *, void *),
    void *arg);
int audit_events_after(struct store *st, int64_t after_id, int limit, int (*cb)(const struct audit_event *, void *),
    void *arg);

/* ---- transfers (transfers.h) ---- */

int transfers_add(struct store *st, const struct transfer_row *t);
/* One session's operations in order, or every session's (sid NULL), oldest first. */
int transfers_list(struct store *st, const char *sid, int (*cb)(const struct transfer_row *, void *), void *arg);

/* ---- reports: the fault database (report.h) ---- */

/* Reserve a report id (a row without its signed JSON yet). 0 or -1. */
int report_store_reserve(struct store *st, const struct report_facts *f, int64_t *id);
/* Complete it: the signed JSON, the sessions it covers, the search index. 0 or -1. */
int report_store_finish(struct store *st, int64_t id, const char *bundle_dir, const char *report_json,
    const struct report_facts *f, const char *const *session_ids, size_t nsessions, const char *commands_text);
/* Drop a reserved row whose bundle failed. */
void report_store_abandon(struct store *st, int64_t id);
/* How many reports made by created_by include session sid (for the engineers' quota). 0 or -1. */
int report_store_count_for_session(struct store *st, const char *sid, const char *created_by, int *n);
/* Completed reports, newest first. */
int report_store_list(struct store *st, int (*cb)(const struct report_row *, void *), void *arg);
/* 0 found, 1 not found, -1 error. */
int report_store_get(struct store *st, int64_t id, int (*cb)(const struct report_row *, void *), void *arg);
/* Full-text search (every word must match, best first). -1 with err on a bad query. */
int report_store_search(struct store *st, const char *text, int (*cb)(const struct report_row *, void *),
    void *arg, char *err, size_t errlen);

/* ---- signing keys (keyhistory.h) ---- */

int keyhistory_note(struct store *st, const uint8_t pub[SIGKEY_PUB_LEN], int64_t now);
/* Every key, oldest first. */
int keyhistory_list(struct store *st, int (*cb)(const struct keyhistory_row *, void *), void *arg);
/* 0 known (span filled), 1 never a key of this gateway, -1 error. */
int keyhistory_find(struct store *st, const uint8_t pub[SIGKEY_PUB_LEN], int64_t *valid_after,
    int64_t *valid_before);
/* Mark pub as out of use from now. 0 or -1. */
int keyhistory_retire(struct store *st, const uint8_t pub[SIGKEY_PUB_LEN], int64_t now, const char *by);

/* ---- the web console (docs/console.md): secrets are kept as hex SHA-256 only ---- */

enum { CONSOLE_OK = 0, CONSOLE_UNKNOWN = 1, CONSOLE_EXPIRED = 2, CONSOLE_USED = 3, CONSOLE_IDLE = 4 };

int console_login_add(struct store *st, const char *token_hash, const char *admin, int64_t now, int64_t expires_at);
/*
 * Take a one-time login link: CONSOLE_OK (admin set), CONSOLE_UNKNOWN,
 * CONSOLE_EXPIRED or CONSOLE_USED (admin set when the link exists), -1.
 */
int console_login_use(struct store *st, const char *token_hash, int64_t now, char *admin, size_t len);

struct console_session {
	char admin[128];
	char csrf[72];
};
int console_session_add(struct store *st, const char *id_hash, const char *admin, const char *csrf, int64_t now);
/*
 * A browser session's cookie: CONSOLE_OK (out filled, last_seen moved to
 * now), CONSOLE_UNKNOWN, CONSOLE_USED (ended), CONSOLE_IDLE or
 * CONSOLE_EXPIRED (ended now, out filled), -1.
 */
int console_session_check(struct store *st, const char *id_hash, int64_t now, int64_t idle, int64_t lifetime,
    struct console_session *out);
int console_session_end(struct store *st, const char *id_hash, const char *reason, int64_t now);

#endif
