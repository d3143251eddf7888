/*
 * File transfers in a session: the sftp subsystem (or an exec of
 * sftp-server) and legacy scp (an exec of "scp -t" / "scp -f"). The relay
 * moves the bytes; this file puts the SFTP parser (sftp.c) in the path of
 * both directions as a relaybuf filter, feeds the scp parser (scp.c) from
 * the recording tap, applies the target's transfer policy, and writes each
 * file operation to the transfers table, the events, the recording and the
 * session's command list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "monclient.h"
#include "policy.h"
#include "transfers.h"
#include "xfer.h"

/* One file operation: the monitor writes the row, the event, the command and the record. */
/* The session's transfers: the parsers and what the loop must say and do. */
struct xfer_state {
	struct sftp_audit *sftp;
	struct scp_audit *scp;
	enum scp_mode scp_mode;
	char error[300];	/* why the SFTP stream was cut */
	char notice[600];	/* a policy refusal to tell the engineer from the loop */
	int refused;		/* the channel's transfer was refused: tell, exit 1, close */
	int failed;
	const char *tool;	/* an rsync or git exec: one transfer row at the end (xfer_finish) */
	int tool_write;
	char *tool_command;
};

/* The state, made on first use; an allocation failure ends the process (nothing to relay unaudited). */
static struct xfer_state *
xs(struct session *s)
{
	if (s->xfer == NULL && (s->xfer = calloc(1, sizeof(*s->xfer))) == NULL) {
		log_error("event=internal error=\"out of memory\"");
		exit(1);
	}
	return s->xfer;
}

static void
record_op(struct session *s, struct transfer_row *t)
{
	char *text;

	t->session_id = s->sid;
	mc_transfer(t);
	if ((text = transfers_text(t)) != NULL)
		log_info("event=transfer detail=%s", text);
	free(text);
}

static void
on_sftp_op(void *arg, const struct sftp_op *op)
{
	struct session *s = arg;

	/* SFTP clients show only "Permission denied": say why on stderr too, from the loop. */
	if (op->by_gateway && xs(s)->notice[0] == '\0')
		snprintf(xs(s)->notice, sizeof(xs(s)->notice), "%s %s refused: %s", op->op, op->path ? op->path : "",
		    s->target->transfers == TRANSFERS_READ_ONLY ? "the target is read-only for file transfers" :
		    "changing files needs an implement approval (this one is for diagnosis)");
	int close = strcmp(op->op, "close") == 0;
	struct transfer_row o = { .protocol = "sftp", .op = op->op, .path = op->path, .path2 = op->path2,
		.flags = op->flags, .status = op->status, .message = op->message, .sha256 = op->sha256,
		.bytes_read = close ? (int64_t)op->bytes_read : -1, .bytes_written = close ? (int64_t)op->bytes_written : -1,
		.by_gateway = op->by_gateway };

	record_op(arg, &o);
}

static void
on_scp_op(void *arg, const struct scp_op *op)
{
	int up = strcmp(op->op, "upload") == 0, down = strcmp(op->op, "download") == 0;
	struct transfer_row o = { .protocol = "scp", .op = op->op, .path = op->path, .status = op->status,
		.message = op->message, .sha256 = op->sha256, .bytes_read = down ? (int64_t)op->size : -1,
		.bytes_written = up ? (int64_t)op->size : -1 };

	record_op(arg, &o);
}

/* ---- SFTP in the data path ------------------------------------------- */

static long
malformed(struct session *s, const char *side, const char *why)
{
	snprintf(xs(s)->error, sizeof(xs(s)->error), "malformed SFTP packet from the %s: %s", side, why);
	return -1;
}

/* Engineer to device: pass, or drop and answer for the device (policy). */
static long
filter_requests(void *arg, struct relaybuf *b, const char *data, size_t len)
{
	struct session *s = arg;
	uint8_t reply[SFTP_MAX_REPLY];
	size_t pos = 0, pkt, rl;
	char err[200];

	/* An answer goes into the other buffer: not while a write of it runs. */
	if (s->to_engineer.busy)
		return 0;
	while (pos < len) {
		const uint8_t *p = (const uint8_t *)data + pos;
		int r = sftp_frame(p, len - pos, &pkt, err, sizeof(err));

		if (r == 0)
			break;
		if (r < 0)
			return malformed(s, "client", err);
		switch (sftp_request(xs(s)->sftp, p, pkt, reply, &rl, err, sizeof(err))) {
		case SFTP_PASS:
			pos += pkt;
			break;
		case SFTP_DENY:
			relaybuf_drop(b, pos, pkt);
			len -= pkt;
			if (relaybuf_inject(&s->to_engineer, reply, rl) != 0)
				return malformed(s, "gateway", "out of memory");
			break;
		default:
			return malformed(s, "client", err);
		}
	}
	return (long)pos;
}

static long
filter_responses(void *arg, struct relaybuf *b, const char *data, size_t len)
{
	struct session *s = arg;
	size_t pos = 0, pkt;
	char err[200];

	(void)b;
	while (pos < len) {
		const uint8_t *p = (const uint8_t *)data + pos;
		int r = sftp_frame(p, len - pos, &pkt, err, sizeof(err));

		if (r == 0)
			break;
		if (r < 0 || sftp_response(xs(s)->sftp, p, pkt, err, sizeof(err)) != SFTP_PASS)
			return malformed(s, "device", err);
		pos += pkt;
	}
	return (long)pos;
}

/* A refused transfer: recorded now; the engineer reads notice once the loop closes the channel. */
static int
refuse_with(struct session *s, const char *reason, const char *detail, const char *notice)
{
	session_event(s, "request_refused", reason, detail);
	snprintf(xs(s)->notice, sizeof(xs(s)->notice), "%s", notice);
	xs(s)->refused = 1;
	log_info("event=request_refused reason=%s detail=\"%s\"", reason, detail);
	return -1;
}

/* Refused by the target's transfer policy. */
static int
refuse(struct session *s, const char *reason, const char *what)
{
	char detail[600], notice[sizeof(((struct xfer_state *)0)->notice)];

	snprintf(detail, sizeof(detail), "%s refused: transfers to %s are %s", what, s->target->name,
	    policy_transfers_name(s->target->transfers));
	snprintf(notice, sizeof(notice), "%s refused: file transfers to %s are %s by policy", what,
	    s->target->name, s->target->transfers == TRANSFERS_OFF ? "off" : "read-only (downloads only)");
	return refuse_with(s, reason, detail, notice);
}

int
xfer_sftp_allowed(struct session *s, ssh_channel channel)
{
	const char *why = policy_transfer_refusal(s->target->transfers, 0);

	(void)channel;
	return why == NULL ? 0 : refuse(s, why, "sftp");
}

int
xfer_start_sftp(struct session *s)
{
	struct sftp_hooks h = { s, on_sftp_op };

	/* A diagnose approval reads files but changes none (docs/policy.md). */
	xs(s)->sftp = sftp_audit_new(s->target->transfers == TRANSFERS_READ_ONLY ? SFTP_READ_ONLY :
	    !s->implement ? SFTP_DIAGNOSE : SFTP_FULL, &h);
	if (xs(s)->sftp == NULL)
		return -1;
	s->to_target.filter = filter_requests;
	s->to_target.filter_arg = s;
	s->to_engineer.filter = filter_responses;
	s->to_engineer.filter_arg = s;
	return 0;
}

/* An exec that is a transfer: check it against the policy and audit it. */
int
xfer_exec(struct session *s, ssh_channel channel, const char *command, int *is_sftp)
{
	char *path = NULL, detail[600], notice[sizeof(((struct xfer_state *)0)->notice)];
	enum scp_mode mode;
	enum exec_form form = scp_exec_form(command);
	const char *why;

	*is_sftp = 0;
	switch (form) {
	case EXEC_PLAIN:
		return 0;
	case EXEC_UNPARSED:
		snprintf(detail, sizeof(detail), "exec refused: '%.400s' names a file transfer tool in a form the "
		    "gateway does not audit", command);
		snprintf(notice, sizeof(notice), "%.500s; use sftp or scp as they are", detail);
		return refuse_with(s, "exec_refused", detail, notice);
	case EXEC_SFTP_SERVER:
		/* sftp -s /usr/lib/openssh/sftp-server: the same protocol, the same rules */
		if (xfer_sftp_allowed(s, channel) != 0)
			return -1;
		*is_sftp = 1;
		return 0;
	case EXEC_SCP:
		break;
	case EXEC_TOOL_READ:
	case EXEC_TOOL_WRITE: {
		int write = form == EXEC_TOOL_WRITE;
		const char *tool = scp_exec_tool(command);
		char what[40];

		snprintf(what, sizeof(what), "%s %s", tool, write ? "upload" : "download");
		if ((why = policy_transfer_refusal(s->target->transfers, write)) != NULL)
			return refuse(s, why, what);
		if (write && !s->implement) {
			snprintf(detail, sizeof(detail), "%s refused: approval phase diagnose", what);
			snprintf(notice, sizeof(notice), "%s refused: changing files needs an implement approval "
			    "(this one is for diagnosis)", what);
			return refuse_with(s, "needs_implement", detail, notice);
		}
		xs(s)->tool = tool;
		xs(s)->tool_write = write;
		return (xs(s)->tool_command = strdup(command)) != NULL ? 0 : -1;
	}
	}
	if ((mode = scp_command(command, &path)) == SCP_NONE)
		return 0;
	if ((why = policy_transfer_refusal(s->target->transfers, mode == SCP_UPLOAD)) != NULL) {
		free(path);
		return refuse(s, why, mode == SCP_UPLOAD ? "scp upload" : "scp download");
	}
	if (mode == SCP_UPLOAD && !s->implement) {
		free(path);
		snprintf(detail, sizeof(detail), "scp upload refused: approval phase diagnose");
		return refuse_with(s, "needs_implement", detail,
		    "scp upload refused: changing files needs an implement approval (this one is for diagnosis)");
	}
	struct scp_hooks h = { s, on_scp_op };
	xs(s)->scp = scp_audit_new(mode, path, &h);
	xs(s)->scp_mode = mode;
	free(path);
	return xs(s)->scp != NULL ? 0 : -1;
}

void
xfer_tap(struct session *s, struct relaybuf *b, const void *data, size_t len)
{
	if (xs(s)->scp == NULL || b->is_stderr)
		return;
	/* The engineer's bytes come from the source of an upload, the sink of a download. */
	if ((b == &s->to_target) == (xs(s)->scp_mode == SCP_UPLOAD))
		scp_from_source(xs(s)->scp, data, len);
	else
		scp_from_sink(xs(s)->scp, data, len);
}

/* A malformed stream, or a message cut off by EOF: end the channel, say why. */
int
xfer_check(struct session *s)
{
	if (xs(s)->notice[0] != '\0' && s->chan != NULL) {
		tell_engineer(s, xs(s)->notice);
		xs(s)->notice[0] = '\0';
	}
	if (xs(s)->refused)
		return 1;
	if (xs(s)->sftp == NULL || xs(s)->failed)
		return 0;
	if (!s->to_target.broken && !s->to_engineer.broken) {
		size_t cut;
		if (chan_in_eof(&s->eng_end) && !s->to_target.held && (cut = relaybuf_unready(&s->to_target)) > 0)
			snprintf(xs(s)->error, sizeof(xs(s)->error), "malformed SFTP packet from the client: "
			    "its last packet is cut off by EOF (%zu bytes)", cut);
		else if (chan_in_eof(&s->dev_end) && !s->to_engineer.held && (cut = relaybuf_unready(&s->to_engineer)) > 0)
			snprintf(xs(s)->error, sizeof(xs(s)->error), "malformed SFTP packet from the device: "
			    "its last packet is cut off by EOF (%zu bytes)", cut);
		else
			return 0;
	}
	xs(s)->failed = 1;
	s->end_reason = END_PROTOCOL_ERROR;
	session_event(s, "protocol_error", "sftp_malformed", xs(s)->error);
	log_warn("event=protocol_error reason=sftp_malformed detail=\"%s\"", xs(s)->error);
	{
		char line[400];
		snprintf(line, sizeof(line), "%s; channel closed", xs(s)->error);
		tell_engineer(s, line);
	}
	return 1;
}

void
xfer_tool_done(struct session *s)
{
	char status[32];

	if (s->xfer == NULL || s->xfer->tool == NULL)
		return;
	/* rsync, git and tar: what was run and the bytes each way; their file lists are not parsed. */
	struct transfer_row t = { .protocol = s->xfer->tool, .op = s->xfer->tool_write ? "upload" : "download",
		.path = s->xfer->tool_command, .bytes_read = s->to_engineer.moved, .bytes_written = s->to_target.moved,
		.status = status, .message = "the tool's own protocol: files not listed" };

	if (s->exit_status >= 0)
		snprintf(status, sizeof(status), s->exit_status == 0 ? "OK" : "exit %d", s->exit_status);
	else
		snprintf(status, sizeof(status), "%s", s->exit_signal[0] ? s->exit_signal : "ended");
	record_op(s, &t);
	free(s->xfer->tool_command);
	s->xfer->tool_command = NULL;
	s->xfer->tool = NULL;
}

void
xfer_finish(struct session *s)
{
	if (s->xfer == NULL)
		return;
	xfer_tool_done(s);
	sftp_audit_free(s->xfer->sftp);	/* files still open are recorded as incomplete */
	scp_audit_free(s->xfer->scp);
	free(s->xfer);
	s->xfer = NULL;
}
