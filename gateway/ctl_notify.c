/* remgatectl notify status: each notify: destination's delivery, backlog and last error (notify.h). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "ctl.h"
#include "notify.h"

struct dest_state {
	struct notify_state ns;
	char last_error[300];
	const struct notify_dest *d;
	int64_t backlog, oldest;
};

static int
take(const struct notify_state *ns, void *arg)
{
	struct dest_state *ds = arg;

	ds->ns = *ns;
	snprintf(ds->last_error, sizeof(ds->last_error), "%s", ns->last_error ? ns->last_error : "");
	ds->ns.last_error = NULL;
	return 0;
}

static int
count(const struct audit_event *ev, void *arg)
{
	struct dest_state *ds = arg;

	if (notify_wants(ds->d, ev->kind)) {
		if (ds->backlog++ == 0)
			ds->oldest = ev->ts;
	}
	return 0;
}

static int
fill(struct ctl *c, struct list_ctx *l)
{
	for (size_t i = 0; i < c->cfg->nnotify; i++) {
		struct dest_state ds = { .d = &c->cfg->notify[i] };
		char next[32], ok[32];

		if (notify_state_get(c->st, ds.d->name, take, &ds) != 0 ||
		    audit_events_after(c->st, ds.ns.cursor, 1000000, count, &ds) != 0)
			return -1;
		l->rows++;
		if (!l->json) {
			struct ctl_vis v = { 0 };

			ctl_time(ds.ns.next_at, next, sizeof(next));
			ctl_time(ds.ns.last_ok_at, ok, sizeof(ok));
			printf("%-12s %9lld %7lld %6lld %8d %-20s %-20s %s\n", ds.d->name, (long long)ds.ns.delivered,
			    (long long)ds.backlog, (long long)ds.ns.cursor, ds.ns.attempts,
			    ds.ns.attempts ? next : "-", ds.ns.last_ok_at ? ok : "-",
			    ctl_vis(&v, ds.ns.attempts ? ds.last_error : "", "-"));
			ctl_vis_free(&v);
			continue;
		}
		json_begin_object(&l->j);
		json_key_str(&l->j, "destination", ds.d->name);
		json_key_int(&l->j, "delivered", ds.ns.delivered);
		json_key_int(&l->j, "backlog", ds.backlog);
		if (ds.backlog > 0)
			ctl_json_time(&l->j, "oldest_waiting", ds.oldest);
		json_key_int(&l->j, "cursor", ds.ns.cursor);
		json_key_int(&l->j, "failed_attempts", ds.ns.attempts);
		if (ds.ns.attempts > 0) {
			ctl_json_time(&l->j, "next_try", ds.ns.next_at);
			json_key_str(&l->j, "last_error", ds.last_error);
		}
		if (ds.ns.last_ok_at > 0)
			ctl_json_time(&l->j, "last_delivered", ds.ns.last_ok_at);
		json_end_object(&l->j);
	}
	return 0;
}

int
cmd_notify_status(struct ctl *c, int argc, char **argv)
{
	char header[200];

	snprintf(header, sizeof(header), "%-12s %9s %7s %6s %8s %-20s %-20s %s\n", "DESTINATION", "DELIVERED", "BACKLOG",
	    "CURSOR", "FAILURES", "NEXT TRY", "LAST DELIVERED", "LAST ERROR");
	return ctl_run_list_flag(c, argc, argv, "notify status [--json]", header, NULL,
	    c->cfg->nnotify ? NULL : "(no notify: destinations in the configuration)", fill);
}
