/*
 * Forwarding the event log to the customer's SIEM (config `siem:`,
 * docs/events.md): each destination has a cursor in the store (the seq of
 * the last event it has), moved only once a batch is delivered — written
 * and acknowledged by the peer's TCP, or written and synced to the file —
 * so delivery is at least once, in order, retried with backoff, and
 * resumes after an outage or a kill -9 of the gateway with no gap. Runs
 * in the daemon's background process (notify.h).
 */
#ifndef REMGATE_SIEM_H
#define REMGATE_SIEM_H

#include <stdint.h>

#include "config.h"

struct store;

#define SIEM_BATCH 500			/* events per delivery at most */
#define SIEM_IO_TIMEOUT_MS 10000	/* connect, handshake, write, acknowledgement */

/* The store's name for destination d's delivery state ("siem:NAME"). */
void siem_state_name(const struct siem_dest *d, char *out, size_t outlen);

/* One step for destination i: deliver its next batch if due. 1 if it moved events, 0 idle, -1 it failed. */
int siem_step(struct store *st, const struct config *cfg, size_t i);
/* Close every connection and file (the background process ends). */
void siem_close_all(void);

#endif
