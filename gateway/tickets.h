/*
 * Live fault clocks (issue 13, docs/tickets.md). A ticket is opened by its
 * first approval: its level and when the fault was reported set two
 * deadlines from fault_levels (respond: the first session; restore: a
 * report with result restored or repaired). The daemon's background
 * process syncs the clocks and, when a deadline passes unmet, raises one
 * `escalation` event per limit and raises the ticket's level one step
 * (3 -> 2 -> 1). A restoring report closes the ticket.
 */
#ifndef REMGATE_TICKETS_H
#define REMGATE_TICKETS_H

#include <stdint.h>

#include "config.h"
#include "store.h"

struct ticket_row {
	const char *ticket;
	int opened_level, level;
	const char *level_history;
	int64_t reported_at, opened_at;
	int64_t response_done_at, response_escalated_at, repair_escalated_at;
	int64_t closed_at, closed_by_report;
};

/* Deadlines of a ticket from the configuration (its opening level's limits; 0: none). */
int64_t ticket_response_due(const struct config *cfg, const struct ticket_row *t);
int64_t ticket_repair_due(const struct config *cfg, const struct ticket_row *t);

/* Open tickets for new approvals, note responses and closing reports. 0 or -1. */
int tickets_sync(struct store *st, int64_t now);
/* Raise the escalations that are due (each once). Their number, or -1. */
int tickets_escalate(struct store *st, const struct config *cfg, int64_t now);

/* ---- store (gateway/store/sqlite_tickets.c) ---- */
int ticket_store_sync(struct store *st, int64_t now);
int ticket_store_list(struct store *st, int (*cb)(const struct ticket_row *, void *), void *arg);
/*
 * Mark limit ("response" | "repair") escalated for ticket at now and raise
 * its level one step with why in the history: 1 done here, 0 done before, -1.
 */
int ticket_store_escalate(struct store *st, const char *ticket, const char *limit, int64_t now, const char *why);

#endif
