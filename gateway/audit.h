/*
 * The audit trail in the store: one row per relayed session, and events
 * for everything an auditor asks about afterwards, refusals above all.
 */
#ifndef REMGATE_AUDIT_H
#define REMGATE_AUDIT_H

#include <stdint.h>

#include "store.h"

struct audit_event {
	int64_t id;
	int64_t ts;
	const char *kind;
	const char *session_id;
	const char *engineer;
	const char *target;
	int64_t approval_id;	/* 0: none */
	const char *client_addr;
	const char *reason;	/* machine-readable code */
	const char *detail;	/* human text */
};

/* Record ev at time ts (ev->ts ignored). 0 or -1. */
int audit_event_add(struct store *st, const struct audit_event *ev, int64_t ts);

struct audit_session {
	const char *id;
	const char *engineer;
	const char *target;
	int64_t approval_id;
	const char *client_addr;
	int64_t pid;
	const char *kind;
	const char *command;
	int64_t started_at;
	int64_t ended_at;	/* 0: still open */
	int exit_status;	/* -1: none */
	const char *exit_signal;
	const char *end_reason;
	int64_t bytes_in;
	int64_t bytes_out;
	const char *recording;	/* path, or NULL */
	int64_t rec_records;	/* -1 until sealed */
	const char *rec_head;	/* hex, or NULL until sealed */
};

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

#endif
