/*
 * The command guard's reviews, the monitor's half (docs/policy.md): the
 * network child holds a command a review rule matched and asks here; the
 * monitor judges the command again itself (the child's word is not
 * enough to open a review in the customer's queue), opens the row, and
 * watches it: a decision by remgatectl, or review_timeout, goes back to
 * the child as MON_DECISION. One review at a time per session.
 */
#include "monitor_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guard.h"
#include "log.h"
#include "review.h"
#include "strbuf.h"

#define REVIEW_CHECK_SECONDS 1

static void
reply_review(struct monitor *m, int64_t id, const char *line)
{
	mbuf_begin(&m->out, MON_R_REVIEW);
	mbuf_i64(&m->out, id);
	mbuf_str(&m->out, line);
	(void)mon_send_frame(m);
}

/* The judgement the session's own approval gives command, as the child must have found it. */
static int
judge(struct monitor *m, const char *command, struct guard_verdict *v)
{
	int implement = m->approval.phase != NULL && strcmp(m->approval.phase, "implement") == 0;

	return guard_judge_approval(m->cfg->guard, m->engineer->name, m->target->name, implement, m->approval.allow_ops,
	    command, v);
}

int
mon_h_review(struct monitor *m, struct mon_req *q)
{
	struct review_row r = { .session_id = m->sid, .approval_id = m->approval.id, .engineer = m->engineer->name,
		.target = m->target->name, .kind = q->u.review.kind, .rule = q->u.review.rule,
		.command = q->u.review.command, .requested_at = mon_now() };
	struct guard_verdict v;
	char line[600], detail[MAX_TEXT + 200];
	struct strbuf b;
	int64_t id;

	if (judge(m, q->u.review.command, &v) != 0) {
		reply_review(m, 0, "refused: the gateway could not judge the command (out of memory)");
		return 0;
	}
	/* A review only for what the policy sends to review: anything else is a forged request. */
	if (v.action != GUARD_REVIEW || strcmp(v.rule, q->u.review.rule) != 0)
		return -1;
	if (m->review_id != 0)
		return -1;	/* the child holds one command at a time */
	r.expires_at = r.requested_at + m->cfg->review_timeout;
	if (mon_store(m) == NULL || review_store_open(m->store, &r, &id) != 0) {
		log_error("event=store_failed op=review error=\"%s\"", m->store ? store_errmsg(m->store) : "no store");
		reply_review(m, 0, "refused: the gateway cannot open a review (its store failed); the command did not run");
		return 0;
	}
	m->review_id = id;
	m->review_expires = r.expires_at;
	m->next_review_check = r.requested_at + REVIEW_CHECK_SECONDS;
	strbuf_init_fixed(&b, detail, sizeof(detail));
	strbuf_addf(&b, "review %lld (%s, %s): ", (long long)id, r.rule, r.kind);
	strbuf_add_vis(&b, r.command, strlen(r.command), 0);
	mon_event(m, "command_review", r.rule, detail);
	log_info("event=command_review review=%lld rule=%s kind=%s", (long long)id, r.rule, r.kind);
	snprintf(line, sizeof(line), "waiting for the customer to approve \"%s\" (review %lld)%s", r.rule, (long long)id,
	    strcmp(r.kind, "line") == 0 ? "; Ctrl-C cancels" : "");
	reply_review(m, id, line);
	return 0;
}

struct got_review {
	char status[16];
	char summary[600];
	char command[MAX_TEXT];
	char rule[80];
};

static int
take_row(const struct review_row *r, void *arg)
{
	struct got_review *g = arg;

	snprintf(g->status, sizeof(g->status), "%s", r->status);
	snprintf(g->rule, sizeof(g->rule), "%s", r->rule);
	snprintf(g->command, sizeof(g->command), "%s", r->command);
	review_summary(r, g->summary, sizeof(g->summary));
	return 0;
}

/* The review ended (status final): its event, and the child told. */
static void
ended(struct monitor *m, int tell_child)
{
	struct got_review g;
	char kind[40], detail[MAX_TEXT + 700];
	struct strbuf b;
	int64_t id = m->review_id;

	m->review_id = 0;
	if (review_store_get(m->store, id, take_row, &g) != 0) {
		snprintf(g.status, sizeof(g.status), "denied");
		snprintf(g.summary, sizeof(g.summary), "review %lld: the gateway could not read it", (long long)id);
		g.rule[0] = g.command[0] = '\0';
	}
	snprintf(kind, sizeof(kind), "review_%s", g.status);
	strbuf_init_fixed(&b, detail, sizeof(detail));
	strbuf_adds(&b, g.summary);
	strbuf_adds(&b, ": ");
	strbuf_add_vis(&b, g.command, strlen(g.command), 0);
	mon_event(m, kind, g.rule[0] ? g.rule : NULL, detail);
	log_info("event=%s review=%lld", kind, (long long)id);
	if (!tell_child)
		return;
	mbuf_begin(&m->out, MON_DECISION);
	mbuf_i64(&m->out, id);
	mbuf_u8(&m->out, strcmp(g.status, "approved") == 0);
	mbuf_str(&m->out, g.summary);
	(void)mon_send_frame(m);
}

void
mon_check_review(struct monitor *m, int64_t now, int force)
{
	struct got_review g;

	if (m->review_id == 0 || (!force && now < m->next_review_check) || mon_store(m) == NULL)
		return;
	m->next_review_check = now + REVIEW_CHECK_SECONDS;
	if (now >= m->review_expires)
		(void)review_store_decide(m->store, m->review_id, "expired", REVIEW_BY_GATEWAY, NULL,
		    "nobody decided within review_timeout", now);
	if (review_store_get(m->store, m->review_id, take_row, &g) != 0 || strcmp(g.status, "pending") == 0)
		return;
	ended(m, 1);
}

int
mon_h_review_cancel(struct monitor *m, struct mon_req *q)
{
	if (q->u.review_cancel.id != m->review_id || m->review_id == 0)
		return 0;	/* decided meanwhile: the decision is on its way to the child */
	if (review_store_decide(m->store, m->review_id, "cancelled", REVIEW_BY_GATEWAY, NULL,
	    "the engineer cancelled (Ctrl-C)", mon_now()) == 1)
		ended(m, 0);
	else
		mon_check_review(m, mon_now(), 1);	/* an admin was quicker: the child learns which way */
	return 0;
}

void
mon_abandon_review(struct monitor *m)
{
	if (m->review_id == 0 || mon_store(m) == NULL)
		return;
	/* Decided or not meanwhile, the command never runs now: the event says how the review ended. */
	(void)review_store_decide(m->store, m->review_id, "abandoned", REVIEW_BY_GATEWAY, NULL,
	    "the session ended while the command waited", mon_now());
	ended(m, 0);
}
