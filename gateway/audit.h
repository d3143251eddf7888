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
	const char *actor;	/* who did it, when not the engineer: "ssh:ADMIN", "local:USER"; NULL */
	/* The chain (evchain.h): set by the store when the event is added, read back as stored. */
	int64_t seq;		/* 1, 2, 3 … without gaps; 0 not chained */
	const char *prev_hash;
	const char *hash;
};


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







#endif
