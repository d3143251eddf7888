/* The network child's end of the monitor protocol (monclient.h). */
#include "monclient.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/socket.h>

#include "log.h"
#include "monwire.h"
#include "narrative.h"
#include "session.h"

#define FLUSH_AT (64 * 1024)
#define MAX_FDS 4
#define MAX_TELLS 8

static struct {
	int fd;
	int failed;
	struct mbuf out;
	uint8_t *in;
	size_t inlen, incap;
	int fds[MAX_FDS];
	int nfds;
	char stop_reason[64];
	char *stop_line;
	int stop_taken;
	char *tells[MAX_TELLS];
	int ntells;
	/* an administrator's command: its output not yet written, and its end */
	uint8_t *aout;
	size_t aout_len, aout_cap;
	int admin_ended, admin_status;
	/* the last review decision, until the relay takes it */
	int64_t decision_id;
	int decision_approved;
	char decision_summary[600];
	/* the answer being waited for */
	int want;
	uint8_t *reply;
	size_t replylen;
	int have_reply;
} mc = { .fd = -1 };

static int await(int want, struct mreader *r);

void
mc_init(int fd)
{
	mc.fd = fd;
	mbuf_init(&mc.out);
}

int
mc_fd(void)
{
	return mc.fd;
}

int
mc_failed(void)
{
	return mc.failed;
}

int
mc_flush(void)
{
	if (mc.failed)
		return -1;
	if (mc.out.len > 0 && mbuf_flush(&mc.out, mc.fd) != 0) {
		log_error("event=monitor_lost error=\"%s\"", strerror(errno));
		mc.failed = 1;
		return -1;
	}
	return 0;
}

static void
queued(void)
{
	if (mbuf_end(&mc.out) != 0) {
		/* Too large to send is a bug on our side: say so and stop, never relay unrecorded. */
		log_error("event=monitor_lost error=\"a request too large for the monitor\"");
		mc.failed = 1;
		return;
	}
	if (mc.out.len >= FLUSH_AT)
		(void)mc_flush();
}

void
mc_record(uint8_t type, const void *data, size_t len)
{
	/* Large writes go in pieces; the monitor timestamps each. */
	do {
		size_t n = len > FLUSH_AT ? FLUSH_AT : len;

		mbuf_begin(&mc.out, MON_RECORD);
		mbuf_u8(&mc.out, type);
		mbuf_bytes(&mc.out, data, n);
		queued();
		data = (const uint8_t *)data + n;
		len -= n;
	} while (len > 0 && !mc.failed);
}

void
mc_event(const char *kind, const char *reason, const char *detail)
{
	mbuf_begin(&mc.out, MON_EVENT);
	mbuf_str(&mc.out, kind);
	mbuf_str(&mc.out, reason);
	mbuf_str(&mc.out, detail);
	queued();
}

void
mc_command(const struct cmd_entry *e)
{
	mbuf_begin(&mc.out, MON_COMMAND);
	mbuf_u8(&mc.out, (uint8_t)e->kind);
	mbuf_u8(&mc.out, (uint8_t)(e->certain != 0));
	mbuf_i64(&mc.out, (int64_t)e->time_us);
	mbuf_str(&mc.out, e->text);
	mbuf_str(&mc.out, e->guard);
	queued();
}

void
mc_transfer(const struct transfer_row *t)
{
	mbuf_begin(&mc.out, MON_TRANSFER);
	mbuf_str(&mc.out, t->protocol);
	mbuf_str(&mc.out, t->op);
	mbuf_str(&mc.out, t->path);
	mbuf_str(&mc.out, t->path2);
	mbuf_str(&mc.out, t->flags);
	mbuf_i64(&mc.out, t->bytes_read);
	mbuf_i64(&mc.out, t->bytes_written);
	mbuf_str(&mc.out, t->sha256);
	mbuf_str(&mc.out, t->status);
	mbuf_u8(&mc.out, (uint8_t)(t->by_gateway != 0));
	mbuf_str(&mc.out, t->message);
	queued();
}

void
mc_kind(const char *kind, const char *command, const char *guard)
{
	mbuf_begin(&mc.out, MON_KIND);
	mbuf_str(&mc.out, kind);
	mbuf_str(&mc.out, command);
	mbuf_str(&mc.out, guard);
	queued();
}

int64_t
mc_review(const char *kind, const char *rule, const char *command, char *line, size_t linelen)
{
	struct mreader r;
	int64_t id;
	const char *text;

	mbuf_begin(&mc.out, MON_REVIEW);
	mbuf_str(&mc.out, kind);
	mbuf_str(&mc.out, rule);
	mbuf_str(&mc.out, command);
	queued();
	if (await(MON_R_REVIEW, &r) != 0)
		return -1;
	id = mr_i64(&r);
	text = mr_str(&r, 2000);
	if (mr_done(&r) != 0 || id < 0)
		return -1;
	snprintf(line, linelen, "%s", text);
	return id;
}

void
mc_admin_cmd(int argc, char **argv)
{
	mbuf_begin(&mc.out, MON_ADMIN_CMD);
	mbuf_u32(&mc.out, (uint32_t)argc);
	for (int i = 0; i < argc; i++)
		mbuf_str(&mc.out, argv[i]);
	queued();
}

int
mc_admin_take(void (*put)(void *arg, int to_stderr, const void *data, size_t len), void *arg, int *status)
{
	/* Detached first: put may wait on the channel and so read more frames, which start a new queue. */
	uint8_t *q = mc.aout;
	size_t len = mc.aout_len, off = 0;

	mc.aout = NULL;
	mc.aout_len = mc.aout_cap = 0;
	while (off + 5 <= len) {
		uint32_t n;

		memcpy(&n, q + off + 1, 4);
		put(arg, q[off], q + off + 5, n);
		off += 5 + n;
	}
	free(q);
	if (!mc.admin_ended || mc.aout_len > 0)
		return 0;
	*status = mc.admin_status;
	return 1;
}

int
mc_engreq(const struct mc_engreq *q, char *out, size_t outlen)
{
	struct mreader r;
	uint32_t status;
	const char *text;

	mbuf_begin(&mc.out, MON_ENGREQ);
	mbuf_u8(&mc.out, (uint8_t)q->op);
	mbuf_i64(&mc.out, q->id);
	mbuf_str(&mc.out, q->target);
	mbuf_str(&mc.out, q->ticket);
	mbuf_u32(&mc.out, (uint32_t)q->level);
	mbuf_str(&mc.out, q->phase);
	mbuf_str(&mc.out, q->ops);
	mbuf_str(&mc.out, q->reason);
	mbuf_i64(&mc.out, q->valid);
	mbuf_u32(&mc.out, (uint32_t)q->sessions);
	queued();
	if (await(MON_R_ENGREQ, &r) != 0)
		return -1;
	status = mr_u32(&r);
	text = mr_str(&r, 20000);
	if (mr_done(&r) != 0)
		return -1;
	snprintf(out, outlen, "%s", text);
	return (int)status;
}

void
mc_review_cancel(int64_t id)
{
	mbuf_begin(&mc.out, MON_REVIEW_CANCEL);
	mbuf_i64(&mc.out, id);
	queued();
}

int
mc_take_decision(int64_t id, int *approved, char *summary, size_t summarylen)
{
	if (mc.decision_id != id || id == 0)
		return 0;
	*approved = mc.decision_approved;
	snprintf(summary, summarylen, "%s", mc.decision_summary);
	mc.decision_id = 0;
	return 1;
}

void
mc_refused(const char *engineer, const char *target, const char *reason, const char *detail)
{
	mbuf_begin(&mc.out, MON_REFUSED);
	mbuf_str(&mc.out, engineer);
	mbuf_str(&mc.out, target);
	mbuf_str(&mc.out, reason);
	mbuf_str(&mc.out, detail);
	queued();
	(void)mc_flush();
}

void
mc_target_result(const char *code, const char *detail)
{
	mbuf_begin(&mc.out, MON_TARGET_RESULT);
	mbuf_str(&mc.out, code);
	mbuf_str(&mc.out, detail);
	queued();
	(void)mc_flush();
}

/* ---- reading ---- */

static void
take_fds(struct msghdr *m)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c != NULL; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (mc.nfds < MAX_FDS)
				mc.fds[mc.nfds++] = fd;
			else
				close(fd);
		}
	}
}

static void
handle_frame(uint8_t type, const uint8_t *payload, size_t len)
{
	struct mreader r;

	mreader_init(&r, payload, len);
	if (type == MON_STOP) {
		const char *reason = mr_str(&r, 60), *line = mr_str(&r, 2000);

		if (mr_done(&r) == 0 && mc.stop_reason[0] == '\0') {
			snprintf(mc.stop_reason, sizeof(mc.stop_reason), "%s", reason);
			mc.stop_line = strdup(line);
		}
	} else if (type == MON_TELL) {
		const char *line = mr_str(&r, 2000);

		if (mr_done(&r) == 0 && mc.ntells < MAX_TELLS)
			mc.tells[mc.ntells++] = strdup(line);
	} else if (type == MON_ADMIN_OUT) {
		uint8_t to_err = mr_u8(&r);
		size_t n;
		const uint8_t *p = mr_bytes(&r, MON_MAX_FRAME, &n);

		/* Queued as (u8 stream, u32 length, bytes) records until the channel takes them. */
		if (mr_done(&r) == 0 && n > 0) {
			size_t need = mc.aout_len + 5 + n;

			if (need > mc.aout_cap) {
				uint8_t *g = realloc(mc.aout, need * 2);

				if (g == NULL) {
					mc.failed = 1;
					return;
				}
				mc.aout = g;
				mc.aout_cap = need * 2;
			}
			mc.aout[mc.aout_len] = to_err;
			memcpy(mc.aout + mc.aout_len + 1, &(uint32_t){ (uint32_t)n }, 4);
			memcpy(mc.aout + mc.aout_len + 5, p, n);
			mc.aout_len = need;
		}
	} else if (type == MON_ADMIN_END) {
		uint32_t st = mr_u32(&r);

		if (mr_done(&r) == 0) {
			mc.admin_ended = 1;
			mc.admin_status = (int)st;
		}
	} else if (type == MON_DECISION) {
		int64_t id = mr_i64(&r);
		int ok = mr_u8(&r);
		const char *summary = mr_str(&r, 2000);

		if (mr_done(&r) == 0 && id > 0) {
			mc.decision_id = id;
			mc.decision_approved = ok != 0;
			snprintf(mc.decision_summary, sizeof(mc.decision_summary), "%s", summary);
		}
	} else if (type == mc.want && !mc.have_reply) {
		free(mc.reply);
		mc.reply = malloc(len ? len : 1);
		if (mc.reply != NULL) {
			memcpy(mc.reply, payload, len);
			mc.replylen = len;
			mc.have_reply = 1;
		}
	} else {
		log_error("event=monitor_lost error=\"an unexpected answer from the monitor\"");
		mc.failed = 1;
	}
}

int
mc_read(void)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * MAX_FDS)];
	} cm;
	struct iovec iov;
	struct msghdr m;
	size_t off = 0;
	ssize_t got;

	if (mc.failed)
		return -1;
	if (mc.incap - mc.inlen < 4096) {
		size_t cap = mc.incap ? mc.incap * 2 : 16384;
		uint8_t *p = realloc(mc.in, cap);

		if (p == NULL)
			return -1;
		mc.in = p;
		mc.incap = cap;
	}
	memset(&m, 0, sizeof(m));
	iov.iov_base = mc.in + mc.inlen;
	iov.iov_len = mc.incap - mc.inlen;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = cm.buf;
	m.msg_controllen = sizeof(cm.buf);
	do
		got = recvmsg(mc.fd, &m, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	while (got < 0 && errno == EINTR);
	if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (got <= 0) {
		mc.failed = 1;
		return -1;
	}
	take_fds(&m);
	mc.inlen += (size_t)got;
	for (;;) {
		uint8_t type;
		const uint8_t *payload;
		size_t plen, used;
		int r = mon_frame_split(mc.in + off, mc.inlen - off, &type, &payload, &plen, &used);

		if (r < 0) {
			mc.failed = 1;
			return -1;
		}
		if (r == 0)
			break;
		handle_frame(type, payload, plen);
		off += used;
	}
	memmove(mc.in, mc.in + off, mc.inlen - off);
	mc.inlen -= off;
	return mc.failed ? -1 : 0;
}

/* Send the queue and wait for the answer of type want; the reader gets its payload. */
static int
await(int want, struct mreader *r)
{
	mc.want = want;
	mc.have_reply = 0;
	if (mc_flush() != 0)
		return -1;
	while (!mc.have_reply) {
		if (mc_read() != 0)
			return -1;
		if (!mc.have_reply) {
			struct pollfd p = { .fd = mc.fd, .events = POLLIN };

			if (poll(&p, 1, -1) < 0 && errno != EINTR) {
				mc.failed = 1;
				return -1;
			}
		}
	}
	mc.want = 0;
	mreader_init(r, mc.reply, mc.replylen);
	return 0;
}

int
mc_pubkey_cert(const char *engineer, const char *target, const char *key, struct mc_cert *cert)
{
	struct mreader r;
	const char *code, *why;
	int ok, state;

	mbuf_begin(&mc.out, MON_PUBKEY);
	mbuf_str(&mc.out, engineer);
	mbuf_str(&mc.out, target);
	mbuf_str(&mc.out, key);
	queued();
	if (await(MON_R_PUBKEY, &r) != 0)
		return -1;
	ok = mr_u8(&r);
	state = mr_u8(&r);
	code = mr_str(&r, 64);
	why = mr_str(&r, 300);
	if (mr_done(&r) != 0)
		return -1;
	if (cert != NULL) {
		cert->state = state;
		snprintf(cert->code, sizeof(cert->code), "%s", code);
		snprintf(cert->why, sizeof(cert->why), "%s", why);
	}
	return ok;
}

int
mc_pubkey(const char *engineer, const char *target, const char *key)
{
	return mc_pubkey_cert(engineer, target, key, NULL);
}

int
mc_token(const char *answer, char *code, size_t codelen, char *text, size_t textlen, int *implement, char **allow_ops)
{
	struct mreader r;
	const char *c, *t, *ph, *ops;
	int ok;

	mbuf_begin(&mc.out, MON_TOKEN);
	mbuf_str(&mc.out, answer);
	queued();
	if (await(MON_R_TOKEN, &r) != 0)
		return -1;
	ok = mr_u8(&r);
	c = mr_str(&r, 100);
	t = mr_str(&r, 2000);
	ph = mr_str(&r, 40);
	ops = mr_str(&r, 4096);
	if (mr_done(&r) != 0)
		return -1;
	*implement = strcmp(ph, "implement") == 0;
	if (ok && *ops && (*allow_ops = strdup(ops)) == NULL)
		return -1;
	snprintf(code, codelen, "%s", c);
	snprintf(text, textlen, "%s", t);
	return ok;
}

int
mc_open(char *sid, size_t sidlen, char *code, size_t codelen, char *text, size_t textlen, int *tcp_fd, int *agent_fd)
{
	struct mreader r;
	const char *c, *t, *id;
	int ok;

	*tcp_fd = *agent_fd = -1;
	mc.nfds = 0;
	mbuf_begin(&mc.out, MON_OPEN);
	queued();
	if (await(MON_R_OPEN, &r) != 0)
		return -1;
	ok = mr_u8(&r);
	c = mr_str(&r, 100);
	t = mr_str(&r, 2000);
	id = mr_str(&r, 64);
	if (mr_done(&r) != 0 || (ok && strlen(id) != SESSION_ID_LEN) || (mc.nfds != 0 && mc.nfds != 2))
		return -1;
	snprintf(code, codelen, "%s", c);
	snprintf(text, textlen, "%s", t);
	snprintf(sid, sidlen, "%s", id);
	if (ok && mc.nfds == 2) {
		*tcp_fd = mc.fds[0];
		*agent_fd = mc.fds[1];
	}
	mc.nfds = 0;
	return ok;
}

int
mc_report(const char *ids, const struct narrative *n, char *out, size_t outlen)
{
	struct mreader r;
	uint32_t status;
	const char *text;

	mbuf_begin(&mc.out, MON_REPORT);
	mbuf_str(&mc.out, ids);
	mbuf_str(&mc.out, n->fault);
	mbuf_u32(&mc.out, (uint32_t)n->level);
	mbuf_i64(&mc.out, n->reported_at);
	mbuf_str(&mc.out, n->cause);
	mbuf_str(&mc.out, n->actions);
	mbuf_str(&mc.out, n->result);
	mbuf_str(&mc.out, n->prevention);
	mbuf_str(&mc.out, n->followup);
	queued();
	if (await(MON_R_REPORT, &r) != 0)
		return -1;
	status = mr_u32(&r);
	text = mr_str(&r, 8000);
	if (mr_done(&r) != 0)
		return -1;
	snprintf(out, outlen, "%s", text);
	return (int)status;
}

int
mc_end(int exit_status, const char *exit_signal, const char *end_reason, int64_t bytes_in, int64_t bytes_out)
{
	struct mreader r;

	mbuf_begin(&mc.out, MON_END);
	mbuf_u32(&mc.out, (uint32_t)exit_status);
	mbuf_str(&mc.out, exit_signal);
	mbuf_str(&mc.out, end_reason);
	mbuf_i64(&mc.out, bytes_in);
	mbuf_i64(&mc.out, bytes_out);
	queued();
	if (await(MON_R_END, &r) != 0)
		return -1;
	return mr_done(&r);
}

int
mc_sync(void)
{
	struct mreader r;

	mbuf_begin(&mc.out, MON_SYNC);
	queued();
	if (await(MON_R_SYNC, &r) != 0)
		return -1;
	return mr_done(&r);
}

const char *
mc_stop(const char **line)
{
	if (mc.stop_reason[0] == '\0' || mc.stop_taken)
		return NULL;
	mc.stop_taken = 1;
	*line = mc.stop_line ? mc.stop_line : "";
	return mc.stop_reason;
}

char *
mc_take_tell(void)
{
	char *t;

	if (mc.ntells == 0)
		return NULL;
	t = mc.tells[0];
	memmove(mc.tells, mc.tells + 1, sizeof(mc.tells[0]) * (size_t)(mc.ntells - 1));
	mc.ntells--;
	return t;
}
