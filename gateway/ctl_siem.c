/* remgatectl siem status: each siem: destination's cursor, lag and last error (siem.h). */
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "ctl.h"
#include "evexport.h"
#include "siem.h"

struct siem_row {
	struct notify_state ns;
	char last_error[400];
};

static int
take(const struct notify_state *ns, void *arg)
{
	struct siem_row *r = arg;

	r->ns = *ns;
	snprintf(r->last_error, sizeof(r->last_error), "%s", ns->last_error ? ns->last_error : "");
	r->ns.last_error = NULL;
	return 0;
}

static int
fill(struct ctl *c, struct list_ctx *l)
{
	int64_t head = 0;

	if (audit_events_head(c->st, &head) != 0)
		return -1;
	for (size_t i = 0; i < c->cfg->nsiem; i++) {
		const struct siem_dest *d = &c->cfg->siem[i];
		struct siem_row r = { 0 };
		char name[128], next[32], ok[32];

		siem_state_name(d, name, sizeof(name));
		if (delivery_state_get(c->st, name, 1, take, &r) != 0)
			return -1;
		l->rows++;
		if (!l->json) {
			struct ctl_vis v = { 0 };

			ctl_time(r.ns.next_at, next, sizeof(next));
			ctl_time(r.ns.last_ok_at, ok, sizeof(ok));
			printf("%-12s %-32s %8lld %6lld %8d %-20s %-20s %s\n", d->name, ctl_vis(&v, d->url, ""),
			    (long long)r.ns.cursor, (long long)(head - r.ns.cursor), r.ns.attempts,
			    r.ns.attempts ? next : "-", r.ns.last_ok_at ? ok : "-",
			    ctl_vis(&v, r.ns.attempts ? r.last_error : "", "-"));
			ctl_vis_free(&v);
			continue;
		}
		json_begin_object(&l->j);
		json_key_str(&l->j, "destination", d->name);
		json_key_str(&l->j, "url", d->url);
		json_key_int(&l->j, "cursor", r.ns.cursor);
		json_key_int(&l->j, "head", head);
		json_key_int(&l->j, "lag", head - r.ns.cursor);
		json_key_int(&l->j, "delivered", r.ns.delivered);
		json_key_int(&l->j, "failed_attempts", r.ns.attempts);
		if (r.ns.attempts > 0) {
			ctl_json_time(&l->j, "next_try", r.ns.next_at);
			json_key_str(&l->j, "last_error", r.last_error);
		}
		if (r.ns.last_ok_at > 0)
			ctl_json_time(&l->j, "last_delivered", r.ns.last_ok_at);
		json_end_object(&l->j);
	}
	return 0;
}

int
cmd_siem_status(struct ctl *c, int argc, char **argv)
{
	char header[200];

	snprintf(header, sizeof(header), "%-12s %-32s %8s %6s %8s %-20s %-20s %s\n", "DESTINATION", "URL", "CURSOR", "LAG",
	    "FAILURES", "NEXT TRY", "LAST DELIVERED", "LAST ERROR");
	return ctl_run_list_flag(c, argc, argv, "siem status [--json]", header, NULL,
	    c->cfg->nsiem ? NULL : "(no siem: destinations in the configuration)", fill);
}
