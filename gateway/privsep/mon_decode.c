/*
 * The monitor's decoders (monitor_int.h): the only code in the privileged
 * process that reads the network child's bytes. Each checks every field's
 * size and shape; the policy (which request, when, how often) is
 * monitor.c's. Fuzzed by fuzz/fuzz_monitor.c.
 */
#include <stdint.h>
#include <string.h>

#include "cmdlog.h"
#include "monitor.h"
#include "monitor_int.h"
#include "report.h"
#include "util.h"

static const char *
want_name(struct mreader *r, int may_be_empty)
{
	const char *s = mr_str(r, 160);

	if (!r->bad && !(may_be_empty && *s == '\0') && !util_name_valid(s))
		r->bad = 1;
	return s;
}

static int
mon_dec_pubkey(struct mreader *r, struct mon_req *q)
{
	q->u.pubkey.engineer = want_name(r, 0);
	q->u.pubkey.target = want_name(r, 1);
	q->u.pubkey.key = mr_str(r, 16384);
	return mr_done(r);
}

static int
mon_dec_refused(struct mreader *r, struct mon_req *q)
{
	q->u.refused.engineer = mr_str(r, 400);
	q->u.refused.target = mr_str(r, 400);
	q->u.refused.reason = want_name(r, 0);
	q->u.refused.detail = mr_str(r, MAX_TEXT);
	return mr_done(r);
}

static int
mon_dec_token(struct mreader *r, struct mon_req *q)
{
	q->u.token.answer = mr_str(r, 1024);
	return mr_done(r);
}

static int
mon_dec_target(struct mreader *r, struct mon_req *q)
{
	q->u.target.code = want_name(r, 0);
	q->u.target.detail = mr_str(r, MAX_TEXT);
	return mr_done(r);
}

/* What the child may put in a recording; headers, seals and events are the monitor's. */
static int
child_record_type(uint8_t t)
{
	switch (t) {
	case REC_INPUT: case REC_OUTPUT: case REC_STDERR: case REC_INPUT_MASKED: case REC_INPUT_ESCROWED:
	case REC_PTY: case REC_RESIZE: case REC_EXEC: case REC_SHELL: case REC_ENV: case REC_EOF: case REC_EXIT:
	case REC_SUBSYSTEM: case REC_ESCROW_KEY:
		return 1;
	default:
		return 0;
	}
}

static int
mon_dec_record(struct mreader *r, struct mon_req *q)
{
	q->u.record.type = mr_u8(r);
	q->u.record.data = mr_bytes(r, MON_MAX_FRAME, &q->u.record.len);
	if (!r->bad && !child_record_type(q->u.record.type))
		return -1;
	return mr_done(r);
}

static int
mon_dec_event(struct mreader *r, struct mon_req *q)
{
	q->u.event.kind = want_name(r, 0);
	q->u.event.reason = want_name(r, 1);
	q->u.event.detail = mr_str(r, MAX_TEXT);
	return mr_done(r);
}

static int
mon_dec_command(struct mreader *r, struct mon_req *q)
{
	q->u.command.kind = mr_u8(r);
	q->u.command.certain = mr_u8(r);
	q->u.command.time_us = mr_i64(r);
	q->u.command.text = mr_str(r, MON_MAX_FRAME / 2);
	q->u.command.guard = mr_str(r, MAX_TEXT);
	/* Transfers are written by the monitor from MON_TRANSFER, never claimed. */
	if (q->u.command.kind > CMD_MASKED || q->u.command.certain > 1)
		return -1;
	return mr_done(r);
}

static int
mon_dec_transfer(struct mreader *r, struct mon_req *q)
{
	struct transfer_row *t = &q->u.transfer;

	memset(t, 0, sizeof(*t));
	t->protocol = mr_str(r, 8);
	t->op = mr_str(r, 32);
	t->path = mr_str(r, MAX_PATH_TEXT);
	t->path2 = mr_str(r, MAX_PATH_TEXT);
	t->flags = mr_str(r, 200);
	t->bytes_read = mr_i64(r);
	t->bytes_written = mr_i64(r);
	t->sha256 = mr_str(r, 64);
	t->status = mr_str(r, 64);
	t->by_gateway = mr_u8(r);
	t->message = mr_str(r, MAX_TEXT);
	if (r->bad || (strcmp(t->protocol, "sftp") != 0 && strcmp(t->protocol, "scp") != 0 &&
	    strcmp(t->protocol, "rsync") != 0 && strcmp(t->protocol, "git") != 0 &&
	    strcmp(t->protocol, "tar") != 0) || t->by_gateway > 1 ||
	    !util_name_valid(t->op) || t->bytes_read < -1 || t->bytes_written < -1)
		return -1;
	/* Empty optional fields are NULL in the store, as before. */
	if (*t->path2 == '\0')
		t->path2 = NULL;
	if (*t->flags == '\0')
		t->flags = NULL;
	if (*t->sha256 == '\0')
		t->sha256 = NULL;
	if (*t->message == '\0')
		t->message = NULL;
	return mr_done(r);
}

static int
mon_dec_kind(struct mreader *r, struct mon_req *q)
{
	q->u.kind.kind = want_name(r, 0);
	q->u.kind.command = mr_str(r, MON_MAX_FRAME / 2);
	q->u.kind.guard = mr_str(r, MAX_TEXT);
	return mr_done(r);
}

static int
mon_dec_review(struct mreader *r, struct mon_req *q)
{
	q->u.review.kind = want_name(r, 0);
	q->u.review.rule = want_name(r, 0);
	q->u.review.command = mr_str(r, MAX_TEXT);
	if (!r->bad && strcmp(q->u.review.kind, "line") != 0 && strcmp(q->u.review.kind, "exec") != 0)
		return -1;
	return mr_done(r);
}

static int
mon_dec_engreq(struct mreader *r, struct mon_req *q)
{
	q->u.engreq.op = mr_u8(r);
	q->u.engreq.id = mr_i64(r);
	q->u.engreq.target = mr_str(r, 160);
	q->u.engreq.ticket = mr_str(r, 400);
	q->u.engreq.level = mr_u32(r);
	q->u.engreq.phase = mr_str(r, 40);
	q->u.engreq.ops = mr_str(r, 4096);
	q->u.engreq.reason = mr_str(r, 4096);
	q->u.engreq.valid = mr_i64(r);
	q->u.engreq.sessions = mr_u32(r);
	if (q->u.engreq.op < ENGREQ_CREATE || q->u.engreq.op > ENGREQ_COLLECT)
		return -1;
	return mr_done(r);
}

static int
mon_dec_admin_cmd(struct mreader *r, struct mon_req *q)
{
	uint32_t n = mr_u32(r);

	if (r->bad || n > MON_ADMIN_MAX_ARGS)
		return -1;
	q->u.admin.argc = (int)n;
	for (uint32_t i = 0; i < n; i++)
		q->u.admin.argv[i] = (char *)(uintptr_t)mr_str(r, 4096);
	q->u.admin.argv[n] = NULL;
	return mr_done(r);
}

static int
mon_dec_review_cancel(struct mreader *r, struct mon_req *q)
{
	q->u.review_cancel.id = mr_i64(r);
	return mr_done(r);
}

static char *
nar_field(struct mreader *r, int may_be_empty)
{
	const char *s = mr_str(r, 16 * 1024);

	if (r->bad || (!may_be_empty && *s == '\0'))
		return NULL;
	return *s ? strdup(s) : NULL;
}

static int
mon_dec_report(struct mreader *r, struct mon_req *q)
{
	struct narrative *n = &q->u.report.nar;

	memset(n, 0, sizeof(*n));
	q->u.report.ids = mr_str(r, REPORT_MAX_SESSIONS * (SESSION_ID_LEN + 1));
	n->fault = nar_field(r, 0);
	n->level = (int)mr_u32(r);
	n->reported_at = mr_i64(r);
	n->cause = nar_field(r, 0);
	n->actions = nar_field(r, 0);
	n->result = nar_field(r, 0);
	n->prevention = nar_field(r, 0);
	n->followup = nar_field(r, 1);
	if (mr_done(r) != 0 || n->fault == NULL || n->cause == NULL || n->actions == NULL || n->result == NULL ||
	    n->prevention == NULL || n->level < 0 || n->level > 3 || n->reported_at < 0 ||
	    !narrative_result_valid(n->result)) {
		narrative_clear(n);
		return -1;
	}
	return 0;
}

static int
mon_dec_end(struct mreader *r, struct mon_req *q)
{
	q->u.end.exit_status = (int32_t)mr_u32(r);
	q->u.end.exit_signal = mr_str(r, 32);
	q->u.end.reason = want_name(r, 0);
	q->u.end.bytes_in = mr_i64(r);
	q->u.end.bytes_out = mr_i64(r);
	if (q->u.end.exit_status < -1 || q->u.end.exit_status > 255 || q->u.end.bytes_in < 0 ||
	    q->u.end.bytes_out < 0)
		return -1;
	return mr_done(r);
}

/* MON_SYNC and MON_OPEN carry nothing. */
static int
mon_dec_empty(struct mreader *r, struct mon_req *q)
{
	(void)q;
	return mr_done(r);
}

static const struct {
	int type;
	mon_decoder decode;
} decoders[] = {
	{ MON_PUBKEY, mon_dec_pubkey }, { MON_REFUSED, mon_dec_refused }, { MON_TOKEN, mon_dec_token },
	{ MON_TARGET_RESULT, mon_dec_target }, { MON_RECORD, mon_dec_record }, { MON_EVENT, mon_dec_event },
	{ MON_COMMAND, mon_dec_command }, { MON_TRANSFER, mon_dec_transfer }, { MON_KIND, mon_dec_kind },
	{ MON_REPORT, mon_dec_report }, { MON_END, mon_dec_end }, { MON_REVIEW, mon_dec_review },
	{ MON_REVIEW_CANCEL, mon_dec_review_cancel }, { MON_ENGREQ, mon_dec_engreq },
	{ MON_ADMIN_CMD, mon_dec_admin_cmd }, { MON_SYNC, mon_dec_empty },
	{ MON_OPEN, mon_dec_empty },
};

mon_decoder
mon_decoder_for(int type)
{
	for (size_t i = 0; i < sizeof(decoders) / sizeof(decoders[0]); i++)
		if (decoders[i].type == type)
			return decoders[i].decode;
	return NULL;
}

void
mon_req_clear(int type, struct mon_req *q)
{
	if (type == MON_REPORT)
		narrative_clear(&q->u.report.nar);
}

int
monitor_decode(int type, const unsigned char *payload, size_t len)
{
	mon_decoder decode = mon_decoder_for(type);
	struct mreader r;
	struct mon_req q;
	int rc;

	if (decode == NULL)
		return -1;
	memset(&q, 0, sizeof(q));
	mreader_init(&r, payload, len);
	rc = decode(&r, &q);
	if (rc == 0)
		mon_req_clear(type, &q);
	return rc;
}
