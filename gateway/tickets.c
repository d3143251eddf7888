/* Live fault clocks (tickets.h): deadlines, and the escalations raised when they pass unmet. */
#include "tickets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "log.h"
#include "util.h"

int64_t
ticket_response_due(const struct config *cfg, const struct ticket_row *t)
{
	int64_t limit = cfg->levels[t->opened_level].respond;

	return limit > 0 ? t->reported_at + limit : 0;
}

int64_t
ticket_repair_due(const struct config *cfg, const struct ticket_row *t)
{
	int64_t limit = cfg->levels[t->opened_level].restore;

	return limit > 0 ? t->reported_at + limit : 0;
}

int
tickets_sync(struct store *st, int64_t now)
{
	return ticket_store_sync(st, now);
}

#define MAX_DUE 64	/* escalations raised per pass; the rest on the next */

struct due {
	char ticket[130];
	int level;
	const char *limit;
	int64_t deadline;
};

struct due_list {
	const struct config *cfg;
	int64_t now;
	struct due d[MAX_DUE];
	int n;
};

static int
find_due(const struct ticket_row *t, void *arg)
{
	struct due_list *l = arg;
	int64_t resp = ticket_response_due(l->cfg, t), rep = ticket_repair_due(l->cfg, t);

	if (t->closed_at > 0)
		return 0;
	if (resp > 0 && l->now >= resp && t->response_done_at == 0 && t->response_escalated_at == 0 && l->n < MAX_DUE)
		l->d[l->n++] = (struct due){ .level = t->level, .limit = "response", .deadline = resp };
	else if (rep > 0 && l->now >= rep && t->repair_escalated_at == 0 && l->n < MAX_DUE)
		l->d[l->n++] = (struct due){ .level = t->level, .limit = "repair", .deadline = rep };
	else
		return 0;
	snprintf(l->d[l->n - 1].ticket, sizeof(l->d[0].ticket), "%s", t->ticket);
	return 0;
}

int
tickets_escalate(struct store *st, const struct config *cfg, int64_t now)
{
	struct due_list *l = calloc(1, sizeof(*l));
	int raised = 0;

	if (l == NULL)
		return -1;
	l->cfg = cfg;
	l->now = now;
	if (ticket_store_list(st, find_due, l) != 0) {
		free(l);
		return -1;
	}
	for (int i = 0; i < l->n; i++) {
		struct due *d = &l->d[i];
		int to = d->level > 1 ? d->level - 1 : 1;
		char due[40], when[40], why[200], detail[600];
		struct audit_event ev = { .kind = "escalation", .detail = detail };

		util_time_iso(d->deadline, due, sizeof(due));
		util_time_iso(now, when, sizeof(when));
		snprintf(why, sizeof(why), "level %d at %s: %s limit passed (due %s)", to, when, d->limit, due);
		if (ticket_store_escalate(st, d->ticket, d->limit, now, why) != 1)
			continue;	/* raised before: once per limit */
		snprintf(detail, sizeof(detail), "ticket %s: %s (due %s) passed; level %d raised to %d", d->ticket,
		    strcmp(d->limit, "response") == 0 ? "no session within the response limit" :
		    "no report restoring the service within the repair limit", due, d->level, to);
		ev.reason = strcmp(d->limit, "response") == 0 ? "response_limit" : "repair_limit";
		if (audit_event_add(st, &ev, now) != 0)
			log_error("event=store_failed op=escalation ticket=%s", d->ticket);
		log_warn("event=escalation ticket=%s limit=%s level=%d", d->ticket, d->limit, to);
		raised++;
	}
	free(l);
	return raised;
}
