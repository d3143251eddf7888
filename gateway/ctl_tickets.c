/* remgatectl tickets list: each ticket's fault clock (tickets.h). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "tickets.h"

static const char *
status_of(const struct config *cfg, const struct ticket_row *t, int64_t now)
{
	int64_t rep = ticket_repair_due(cfg, t), resp = ticket_response_due(cfg, t);

	if (t->closed_at > 0)
		return "closed";
	if ((rep > 0 && now >= rep) || (resp > 0 && now >= resp && t->response_done_at == 0))
		return "late";
	return t->response_done_at > 0 ? "working" : "waiting";
}

static int
print_ticket(const struct ticket_row *t, void *arg)
{
	struct list_ctx *l = arg;
	const struct config *cfg = l->arg;
	int64_t resp = ticket_response_due(cfg, t), rep = ticket_repair_due(cfg, t);
	int esc = (t->response_escalated_at > 0) + (t->repair_escalated_at > 0);

	l->rows++;
	if (!l->json) {
		char a[32], b[32], c[32], d[32];
		struct ctl_vis v = { 0 };

		ctl_time(t->reported_at, a, sizeof(a));
		ctl_time(resp, b, sizeof(b));
		ctl_time(t->response_done_at, c, sizeof(c));
		ctl_time(rep, d, sizeof(d));
		printf("%-14s %-5d %-8s %-20s %-20s %-20s %-20s %d\n", ctl_vis(&v, t->ticket, ""), t->level,
		    status_of(cfg, t, l->now), a, resp ? b : "-", t->response_done_at ? c : "-", rep ? d : "-", esc);
		printf("%-14s %s\n", "", ctl_vis(&v, t->level_history, ""));
		ctl_vis_free(&v);
		return 0;
	}
	json_begin_object(&l->j);
	json_key_str(&l->j, "ticket", t->ticket);
	json_key_int(&l->j, "level", t->level);
	json_key_int(&l->j, "opened_level", t->opened_level);
	json_key_str(&l->j, "level_history", t->level_history);
	json_key_str(&l->j, "status", status_of(cfg, t, l->now));
	ctl_json_time(&l->j, "reported_at", t->reported_at);
	if (resp)
		ctl_json_time(&l->j, "response_due", resp);
	if (t->response_done_at)
		ctl_json_time(&l->j, "response_done", t->response_done_at);
	if (rep)
		ctl_json_time(&l->j, "repair_due", rep);
	if (t->closed_at) {
		ctl_json_time(&l->j, "closed_at", t->closed_at);
		json_key_int(&l->j, "closed_by_report", t->closed_by_report);
	}
	json_key_int(&l->j, "escalations", esc);
	json_end_object(&l->j);
	return 0;
}

static int
fill(struct ctl *c, struct list_ctx *l)
{
	l->arg = c->cfg;
	if (tickets_sync(c->st, l->now) != 0)
		return -1;
	return ticket_store_list(c->st, print_ticket, l);
}

/* tickets list [--json]: open tickets first, oldest report first. */
int
cmd_tickets_list(struct ctl *c, int argc, char **argv)
{
	char header[200];

	snprintf(header, sizeof(header), "%-14s %-5s %-8s %-20s %-20s %-20s %-20s %s\n", "TICKET", "LEVEL", "STATUS",
	    "REPORTED", "RESPONSE DUE", "RESPONDED", "REPAIR DUE", "ESCALATIONS");
	return ctl_run_list_flag(c, argc, argv, "tickets list [--json]", header, NULL, "(no tickets)", fill);
}
