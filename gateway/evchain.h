/*
 * The event log's hash chain: each event's hash is SHA-256 over a fixed,
 * length-prefixed encoding of its fields and the hash of the event before
 * it, so an edited, deleted, inserted or reordered row breaks the chain
 * where it happened (docs/events.md). Pure functions: the store calls
 * them, `remgatectl events verify` and the unit test too.
 */
#ifndef REMGATE_EVCHAIN_H
#define REMGATE_EVCHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "audit.h"

#define EVCHAIN_HEX_LEN 64	/* a SHA-256 in lower-case hex */

/* The hash of ev (its seq, ts and fields) after prev_hex ("" for the first event), into out. 0 or -1. */
int evchain_hash(const char *prev_hex, const struct audit_event *ev, char out[EVCHAIN_HEX_LEN + 1]);

/* Walking the log in id order: feed every row; the first break is kept. */
struct evchain_check {
	int64_t count;			/* rows seen */
	int64_t last_seq;
	char last_hash[EVCHAIN_HEX_LEN + 1];
	int broken;
	int64_t bad_id, bad_seq;	/* the first row that does not fit */
	char why[300];
};

void evchain_check_init(struct evchain_check *c);
/* One row (ev->seq, ev->prev_hash, ev->hash set as stored). 0 while intact, -1 once broken. */
int evchain_check_row(struct evchain_check *c, const struct audit_event *ev);

#endif
