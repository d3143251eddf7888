/*
 * An engineer's access requests, the monitor's half (request.h): the
 * network child parsed `ssh ENGINEER@gateway request ...`; here the
 * engineer is the one the publickey proved, never a name the child sends,
 * and every field is checked against the configuration again.
 */
#include "monitor_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "log.h"
#include "request.h"
#include "strbuf.h"
#include "token.h"
#include "util.h"

#define REPLY_MAX 16000

static int
reply(struct monitor *m, int status, const char *text)
{
	mbuf_begin(&m->out, MON_R_ENGREQ);
	mbuf_u32(&m->out, (uint32_t)status);
	mbuf_str(&m->out, text);
	return mon_send_frame(m);
}

struct own {
	const char *engineer;
	int found, mine;
	char status[16];
	int64_t collected_at;
	char summary[1200];
	int64_t now;
};

static int
take(const struct request_row *r, void *arg)
{
	struct own *o = arg;

	o->found = 1;
	o->mine = strcmp(r->engineer, o->engineer) == 0;
	snprintf(o->status, sizeof(o->status), "%s", r->status);
	o->collected_at = r->collected_at;
	request_summary(r, o->now, o->summary, sizeof(o->summary));
	return 0;
}

/* Request id as its engineer may see it: 0 found and theirs, else a reply was sent. */
static int
own_request(struct monitor *m, int64_t id, struct own *o)
{
	char text[200];

	o->engineer = m->engineer->name;
	o->now = mon_now();
	(void)request_store_expire(m->store, o->now);
	if (request_store_get(m->store, id, take, o) < 0) {
		reply(m, 1, "remgate: the gateway cannot read its store\n");
		return -1;
	}
	if (!o->found || !o->mine) {
		/* The same words whether it does not exist or is someone else's. */
		snprintf(text, sizeof(text), "remgate: you have no request %lld\n", (long long)id);
		reply(m, 1, text);
		return -1;
	}
	return 0;
}

static int
print_line(const struct request_row *r, void *arg)
{
	struct strbuf *b = arg;
	char sum[1200];

	request_summary(r, mon_now(), sum, sizeof(sum));
	strbuf_adds(b, sum);
	strbuf_addc(b, '\n');
	return 0;
}

static int
create(struct monitor *m, struct mon_req *q)
{
	struct request_row r = { .engineer = m->engineer->name, .target = q->u.engreq.target,
		.ticket = q->u.engreq.ticket, .level = (int)q->u.engreq.level, .phase = q->u.engreq.phase,
		.ops = q->u.engreq.ops, .reason = q->u.engreq.reason, .valid_secs = q->u.engreq.valid,
		.sessions = (int)q->u.engreq.sessions, .requested_at = mon_now() };
	char err[600], text[1400], detail[3000];
	struct strbuf b;
	int64_t id;

	r.expires_at = r.requested_at + m->cfg->request_ttl;
	if (request_check(m->cfg, &r, err, sizeof(err)) != 0) {
		snprintf(text, sizeof(text), "remgate: no request: %s\n", err);
		return reply(m, 2, text);
	}
	if (request_store_open(m->store, &r, &id) != 0)
		return reply(m, 1, "remgate: no request: the gateway cannot write its store\n");
	strbuf_init_fixed(&b, detail, sizeof(detail));
	strbuf_addf(&b, "request %lld: %s on %s, ticket ", (long long)id, r.engineer, r.target);
	strbuf_add_vis(&b, r.ticket, strlen(r.ticket), 0);
	strbuf_addf(&b, ", level %d, %s, %llds, %d sessions: ", r.level, r.phase, (long long)r.valid_secs, r.sessions);
	strbuf_add_vis(&b, r.reason, strlen(r.reason), 0);
	mon_event_as(m, NULL, r.target, "request_created", NULL, detail);	/* the target asked for, though none is connected */
	log_info("event=request_created request=%lld engineer=%s target=%s", (long long)id, r.engineer, r.target);
	snprintf(text, sizeof(text), "request %lld filed; it expires in %llds unless an administrator decides.\n"
	    "wait for the decision (and your token) with: ssh %s@GATEWAY request wait %lld\n", (long long)id,
	    (long long)m->cfg->request_ttl, r.engineer, (long long)id);
	return reply(m, 0, text);
}

int
mon_h_engreq(struct monitor *m, struct mon_req *q)
{
	struct own o = { 0 };
	char text[1400], token[TOKEN_MAX_LEN + 1];
	int64_t id = q->u.engreq.id;

	if (mon_store(m) == NULL)
		return reply(m, 1, "remgate: the gateway cannot open its store\n");
	switch (q->u.engreq.op) {
	case ENGREQ_CREATE:
		return create(m, q);
	case ENGREQ_LIST: {
		char *out = malloc(REPLY_MAX);
		struct strbuf b;
		int rc;

		if (out == NULL)
			return reply(m, 1, "remgate: out of memory\n");
		strbuf_init_fixed(&b, out, REPLY_MAX);
		(void)request_store_expire(m->store, mon_now());
		if (request_store_list(m->store, 0, m->engineer->name, print_line, &b) != 0)
			strbuf_adds(&b, "remgate: the gateway cannot read its store\n");
		else if (b.len == 0)
			strbuf_adds(&b, "(no requests)\n");
		rc = reply(m, 0, strbuf_str(&b));
		free(out);
		return rc;
	}
	case ENGREQ_CANCEL:
		if (own_request(m, id, &o) != 0)
			return 0;
		if (request_store_decide(m->store, id, "cancelled", m->engineer->name, NULL, mon_now()) != 1) {
			snprintf(text, sizeof(text), "remgate: request %lld is not pending: %s\n", (long long)id, o.summary);
			return reply(m, 1, text);
		}
		snprintf(text, sizeof(text), "request %lld cancelled\n", (long long)id);
		mon_event(m, "request_cancelled", NULL, text);
		return reply(m, 0, text);
	case ENGREQ_STATUS:
		if (own_request(m, id, &o) != 0)
			return 0;
		snprintf(text, sizeof(text), "%s\n", o.summary);
		if (strcmp(o.status, "pending") == 0)
			return reply(m, ENGREQ_PENDING, text);
		if (strcmp(o.status, "approved") == 0 && o.collected_at == 0)
			return reply(m, ENGREQ_APPROVED, text);
		if (strcmp(o.status, "approved") == 0)
			snprintf(text, sizeof(text), "remgate: the token of request %lld was handed out already; "
			    "ask an administrator for a new approval if it is lost\n", (long long)id);
		return reply(m, ENGREQ_CLOSED, text);
	case ENGREQ_COLLECT:
		if (own_request(m, id, &o) != 0)
			return 0;
		if (request_collect(m->store, id, m->engineer->name, mon_now(), token, sizeof(token)) != 0) {
			snprintf(text, sizeof(text), "remgate: no token for request %lld: %s\n", (long long)id, o.summary);
			return reply(m, 1, text);
		}
		snprintf(text, sizeof(text), "request %lld: token handed to %s", (long long)id, m->engineer->name);
		mon_event(m, "request_token_collected", NULL, text);
		{
			int rc;

			snprintf(text, sizeof(text), "%s\n", token);
			OPENSSL_cleanse(token, sizeof(token));
			rc = reply(m, 0, text);
			OPENSSL_cleanse(text, sizeof(text));
			return rc;
		}
	}
	return -1;
}
