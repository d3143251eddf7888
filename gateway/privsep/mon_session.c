/*
 * What the monitor does for each request (monitor_int.h): approvals, the
 * recording, events, commands, transfers, reports, the session's limits
 * and its end. The child's bytes arrive here already decoded and checked.
 */
#include "monitor.h"
#include "monitor_int.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "agent.h"
#include "approval.h"
#include "audit.h"
#include "cmdlog.h"
#include "commands.h"
#include "duration.h"
#include "endreason.h"
#include "json.h"
#include "log.h"
#include "monwire.h"
#include "recorder.h"
#include "report.h"
#include "sshcert.h"
#include "store.h"
#include "transfers.h"
#include "strbuf.h"
#include "util.h"

struct store *
mon_store(struct monitor *m)
{
	char err[512];

	if (m->store == NULL && store_open(m->cfg->db_path, &m->store, err, sizeof(err)) != 0)
		log_error("event=store_failed error=\"%s\"", err);
	return m->store;
}

/* who and what: the names the client gave, for a connection that never proved one. */
void
mon_event_as(struct monitor *m, const char *who, const char *what, const char *kind, const char *reason,
    const char *detail)
{
	struct audit_event ev = {
		.kind = kind,
		.session_id = m->sid,
		.engineer = m->engineer ? m->engineer->name : who,
		.target = m->target ? m->target->name : what,
		.approval_id = m->approval.id,
		.client_addr = m->client_addr,
		.reason = reason,
		.detail = detail,
	};

	if (mon_store(m) == NULL || audit_event_add(m->store, &ev, mon_now()) != 0)
		log_error("event=store_failed op=event kind=%s", kind);
	if (m->rec != NULL) {
		char *json = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&json, &len);
		struct json j;

		if (f != NULL) {
			json_init(&j, f);
			json_begin_object(&j);
			json_key_str(&j, "kind", kind);
			json_key_str(&j, "reason", reason);
			json_key_str(&j, "detail", detail);
			json_end_object(&j);
			fclose(f);
			(void)recorder_add(m->rec, REC_EVENT, json, len);
		}
		free(json);
	}
}

void
mon_event(struct monitor *m, const char *kind, const char *reason, const char *detail)
{
	mon_event_as(m, NULL, NULL, kind, reason, detail);
}

int
mon_send_frame(struct monitor *m)
{
	if (mbuf_end(&m->out) != 0 || mbuf_flush(&m->out, m->fd) != 0) {
		m->out.len = m->out.frame = 0;
		return -1;
	}
	return 0;
}

/* Tell the child to end the session; the reason is the monitor's, whatever the child says later. */
void
mon_stop(struct monitor *m, enum end_reason why, const char *line)
{
	if (m->stop_reason != END_NONE)
		return;
	m->stop_reason = why;
	m->stop_sent_at = mon_now();
	mbuf_begin(&m->out, MON_STOP);
	mbuf_str(&m->out, end_reason_name(why));
	mbuf_str(&m->out, line);
	(void)mon_send_frame(m);
}

static void
mon_tell(struct monitor *m, const char *line)
{
	mbuf_begin(&m->out, MON_TELL);
	mbuf_str(&m->out, line);
	(void)mon_send_frame(m);
}

/* ---- recording and the session row ---- */

static int
open_recording(struct monitor *m, char *err, size_t errlen)
{
	char *json = NULL, started[32], fp[80] = "";
	uint8_t pub[SIGKEY_PUB_LEN];
	size_t len = 0;
	FILE *f = open_memstream(&json, &len);
	struct json j;
	int r;

	if (f == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	util_time_iso(mon_now(), started, sizeof(started));
	sigkey_public(m->sigkey, pub);
	sigkey_fingerprint(pub, fp, sizeof(fp));
	json_init(&j, f);
	json_begin_object(&j);
	json_key_str(&j, "format", "remgate-recording");
	json_key_int(&j, "version", 1);
	json_key_str(&j, "session", m->sid);
	json_key_str(&j, "engineer", m->engineer->name);
	json_key_str(&j, "target", m->target->name);
	json_key_int(&j, "approval", m->approval.id);
	json_key_str(&j, "ticket", m->approval.ticket);
	json_key_str(&j, "client", m->client_addr);
	json_key_str(&j, "started", started);
	json_key_str(&j, "signing_key", fp);
	json_end_object(&j);
	fclose(f);
	r = recorder_open(m->cfg->recordings_dir, m->sid, json, m->sigkey, m->cfg->recording_flush_ms,
	    &m->rec, err, errlen);
	free(json);
	return r;
}

static void
seal_recording(struct monitor *m)
{
	uint8_t head[RECFILE_HASH_LEN];
	char hex[2 * RECFILE_HASH_LEN + 1];
	uint32_t count;

	if (m->rec == NULL)
		return;
	if (recorder_seal(m->rec, head, &count) != 0) {
		log_error("event=recording_failed op=seal path=\"%s\" error=\"%s\"", recorder_path(m->rec),
		    recorder_error(m->rec));
	} else {
		util_hex(head, sizeof(head), hex);
		if (audit_session_sealed(m->store, m->sid, count, hex) != 0)
			log_error("event=store_failed op=session_sealed error=\"%s\"", store_errmsg(m->store));
		log_info("event=recording_sealed path=\"%s\" records=%u head=%s", recorder_path(m->rec), count, hex);
	}
	recorder_free(m->rec);	/* the next session on the connection has its own */
	m->rec = NULL;
}

void
mon_finish_session(struct monitor *m, enum end_reason why, int exit_status, const char *exit_signal,
    int64_t bytes_in, int64_t bytes_out)
{
	struct audit_session row = {
		.id = m->sid,
		.ended_at = mon_now(),
		.exit_status = exit_status,
		.exit_signal = exit_signal && *exit_signal ? exit_signal : NULL,
		.end_reason = end_reason_name(why),
		.bytes_in = bytes_in,
		.bytes_out = bytes_out,
	};
	char detail[200];

	if (m->phase != PH_SESSION)
		return;
	mon_abandon_review(m);
	/* Another session may follow on this connection, unless the monitor ended this one. */
	m->phase = m->stop_reason == END_NONE ? PH_BETWEEN : PH_ENDED;
	m->last_activity = mon_now();
	if (audit_session_end(m->store, &row) != 0)
		log_error("event=store_failed op=session_end error=\"%s\"", store_errmsg(m->store));
	if (row.exit_signal)
		snprintf(detail, sizeof(detail), "signal %s, %lld bytes in, %lld bytes out", row.exit_signal,
		    (long long)bytes_in, (long long)bytes_out);
	else
		snprintf(detail, sizeof(detail), "exit status %d, %lld bytes in, %lld bytes out", exit_status,
		    (long long)bytes_in, (long long)bytes_out);
	mon_event(m, "session_end", row.end_reason, detail);
	seal_recording(m);
	log_info("event=session_end reason=%s exit_status=%d exit_signal=%s bytes_in=%lld bytes_out=%lld"
	    " duration=%llds", row.end_reason, exit_status, row.exit_signal ? row.exit_signal : "-",
	    (long long)bytes_in, (long long)bytes_out, (long long)(row.ended_at - m->started_at));
}

/* ---- handlers ---- */

int
mon_h_pubkey(struct monitor *m, struct mon_req *q)
{
	const struct principal *p = config_engineer(m->cfg, q->u.pubkey.engineer);
	const struct target *t = *q->u.pubkey.target ? config_target(m->cfg, q->u.pubkey.target) : NULL;
	/* A plain name that is no engineer's may be an administrator's (never both: config.c). */
	const struct principal *admin = p == NULL && *q->u.pubkey.target == '\0' ?
	    config_admin(m->cfg, q->u.pubkey.engineer) : NULL;
	char type[64];
	const char *sp = strchr(q->u.pubkey.key, ' ');
	ssh_key key = NULL;
	int ok = 0;

	if (admin != NULL)
		p = admin;
	if (p != NULL && sp != NULL && (size_t)(sp - q->u.pubkey.key) < sizeof(type) &&
	    (*q->u.pubkey.target == '\0' || t != NULL)) {
		memcpy(type, q->u.pubkey.key, (size_t)(sp - q->u.pubkey.key));
		type[sp - q->u.pubkey.key] = '\0';
		if (sshcert_is_cert_type(type)) {
			/* Only toward a device, for an engineer: an approval certificate. */
			ok = t != NULL && admin == NULL && mon_cert_offered(m, p, t, q->u.pubkey.key);
		} else if (ssh_pki_import_pubkey_base64(sp + 1, ssh_key_type_from_name(type), &key) == SSH_OK &&
		    config_key_authorized(p, key)) {
			ok = 1;
		}
		ssh_key_free(key);
	}
	if (ok && admin != NULL) {
		char detail[200];

		m->admin = admin;
		m->phase = PH_ADMIN;
		m->started_at = mon_now();
		snprintf(detail, sizeof(detail), "administrator %s (%s) logged in over SSH", admin->name,
		    config_role_name(admin->role));
		mon_event_as(m, admin->name, NULL, "admin_login", NULL, detail);
	} else if (ok) {
		m->engineer = p;
		m->target = t;
		m->phase = t ? PH_KEYED : PH_COMMAND;
		if (t == NULL)
			m->started_at = mon_now();
	}
	if (!ok)
		m->cert_state = MON_CERT_NONE;
	mbuf_begin(&m->out, MON_R_PUBKEY);
	mbuf_u8(&m->out, (uint8_t)ok);
	mbuf_u8(&m->out, (uint8_t)m->cert_state);
	mbuf_str(&m->out, m->cert_state == MON_CERT_REFUSED ? approval_verdict_code(m->cert_verdict) : "");
	mbuf_str(&m->out, m->cert_state == MON_CERT_REFUSED ? m->cert_why : "");
	return mon_send_frame(m);
}

int
mon_h_refused(struct monitor *m, struct mon_req *q)
{
	mon_event_as(m, *q->u.refused.engineer ? q->u.refused.engineer : NULL,
	    *q->u.refused.target ? q->u.refused.target : NULL, "session_refused", q->u.refused.reason,
	    q->u.refused.detail);
	m->phase = PH_REFUSED;
	return 0;
}

static void
reply_token(struct monitor *m, int ok, const char *code, const char *text)
{
	mbuf_begin(&m->out, MON_R_TOKEN);
	mbuf_u8(&m->out, (uint8_t)ok);
	mbuf_str(&m->out, code);
	mbuf_str(&m->out, text);
	mbuf_str(&m->out, ok && m->approval.phase ? m->approval.phase : "");	/* the command guard's phase */
	mbuf_str(&m->out, ok && m->approval.allow_ops ? m->approval.allow_ops : "");	/* and pre-approved operations */
}

/*
 * What the engineer reads on login (the SSH banner, before the shell):
 * the approval the session runs under, in the store's words, not the
 * engineer's, and that it is recorded.
 */
static void
login_banner(struct monitor *m, char *out, size_t outlen)
{
	const struct approval *a = &m->approval;
	char until[40];
	struct strbuf b;

	util_time_iso(a->valid_until, until, sizeof(until));
	strbuf_init_fixed(&b, out, outlen);
	strbuf_addf(&b, "remgate: approval %lld%s, ticket %s, phase %s, valid until %s\r\n", (long long)a->id,
	    m->cert_state == MON_CERT_ADMITS ? " (approval certificate)" : "", a->ticket, a->phase ? a->phase : "diagnose",
	    until);
	if (a->phase == NULL || strcmp(a->phase, "implement") != 0)
		strbuf_addf(&b, "remgate: diagnosis only: major operations and file uploads need an implement approval\r\n");
	else
		strbuf_addf(&b, "remgate: pre-approved major operations: %s\r\n",
		    a->allow_ops && *a->allow_ops ? a->allow_ops : "none (each waits for the customer's review)");
	strbuf_addf(&b, "remgate: this session is recorded (session %s)\r\n", m->sid);
}

/* A refusal (of the token, or of a session channel): on record here, the child only says it. */
static int
refused_with(struct monitor *m, void (*reply)(struct monitor *, int, const char *, const char *), const char *code,
    const char *text, const char *detail)
{
	mon_event(m, "session_refused", code, detail ? detail : text);
	m->phase = PH_REFUSED;
	reply(m, 0, code, text);
	return mon_send_frame(m);
}

static int
token_refused(struct monitor *m, const char *code, const char *text, const char *detail)
{
	return refused_with(m, reply_token, code, text, detail);
}

/* A TCP connection to the target, made here so the child needs no socket() and no resolver. */
static int
connect_target(const struct target *t, int64_t timeout, char *detail, size_t detail_len)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG }, *res = NULL, *ai;
	char port[16];
	int fd = -1, e;

	snprintf(port, sizeof(port), "%d", t->port);
	if ((e = getaddrinfo(t->host, port, &hints, &res)) != 0) {
		snprintf(detail, detail_len, "cannot resolve target %s (%s): %s", t->name, t->host, gai_strerror(e));
		return -1;
	}
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
		struct pollfd pfd;
		int err = 0;
		socklen_t elen = sizeof(err);

		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK, ai->ai_protocol)) < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
			err = errno;
		} else {
			pfd = (struct pollfd){ .fd = fd, .events = POLLOUT };
			if (poll(&pfd, 1, (int)(timeout * 1000)) != 1)
				err = ETIMEDOUT;
			else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0)
				err = errno;
		}
		if (err != 0) {
			snprintf(detail, detail_len, "cannot connect to target %s: %s", t->name, strerror(err));
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd >= 0) {
		(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	}
	return fd;
}

/* An approval that no longer admits: the engineer's sentence for verdict v. */
static void
verdict_text(const struct approval *a, enum approval_verdict v, char *text, size_t len)
{
	char when[32];

	if (v == APPROVAL_EXPIRED) {
		util_time_iso(a->valid_until, when, sizeof(when));
		snprintf(text, len, "%s (approval %lld ended %s)", approval_verdict_text(v), (long long)a->id, when);
	} else if (v == APPROVAL_NOT_YET_VALID) {
		util_time_iso(a->valid_from, when, sizeof(when));
		snprintf(text, len, "%s (approval %lld starts %s)", approval_verdict_text(v), (long long)a->id, when);
	} else if (v == APPROVAL_USED_UP || v == APPROVAL_REVOKED) {
		snprintf(text, len, "%s (approval %lld)", approval_verdict_text(v), (long long)a->id);
	} else {
		snprintf(text, len, "%s", approval_verdict_text(v));
	}
}

/*
 * The token (or the approval certificate) is checked here and the
 * approval remembered; nothing is used or touched until a session channel
 * opens (mon_h_open): `ssh -N` costs no approval use and no device login.
 */
int
mon_h_token(struct monitor *m, struct mon_req *q)
{
	enum approval_verdict v;
	char text[512];

	if (mon_store(m) == NULL)
		return token_refused(m, "store_failed", "the gateway cannot read its store; no session was opened", NULL);
	approval_clear(&m->approval);
	if (m->cert_state == MON_CERT_ADMITS)	/* judged again now: revoked or used up since publickey counts */
		v = approval_check_id(m->store, m->cert_serial, m->engineer->name, m->target->name, mon_now(),
		    &m->approval);
	else
		v = approval_check(m->store, q->u.token.answer, m->engineer->name, m->target->name, mon_now(),
		    &m->approval);
	if (v != APPROVAL_OK) {
		verdict_text(&m->approval, v, text, sizeof(text));
		return token_refused(m, approval_verdict_code(v), text, NULL);
	}
	m->phase = PH_ADMITTED;
	m->last_activity = mon_now();	/* a connection with no channel counts as idle from here */
	m->next_approval_check = m->last_activity + APPROVAL_RECHECK_SECONDS;
	login_banner(m, text, sizeof(text));
	reply_token(m, 1, "ok", text);
	return mon_send_frame(m);
}

static void
reply_open(struct monitor *m, int ok, const char *code, const char *text)
{
	mbuf_begin(&m->out, MON_R_OPEN);
	mbuf_u8(&m->out, (uint8_t)ok);
	mbuf_str(&m->out, code);
	mbuf_str(&m->out, text);
	mbuf_str(&m->out, ok ? m->sid : "");
}

/* A channel that cannot have its session: the child says it on the channel and hangs up. */
static int
open_refused(struct monitor *m, const char *code, const char *text, const char *detail)
{
	return refused_with(m, reply_open, code, text, detail);
}

/* A later session on the connection gets its own id (the first has the connection's). */
static int
next_session_id(struct monitor *m)
{
	unsigned char rnd[SESSION_ID_LEN / 2];

	if (util_random(rnd, sizeof(rnd)) != 0)
		return -1;
	util_hex(rnd, sizeof(rnd), m->sid);
	log_set_sid(m->sid);
	m->ncmds = 0;
	m->masked_entries = m->masked_alarmed = 0;
	m->rec_failed = 0;
	m->once_seen &= ~((1u << MON_TARGET_RESULT) | (1u << MON_KIND) | (1u << MON_END));
	return 0;
}

/*
 * A session channel opened. The first takes the approval's use, the
 * recording, the TCP connection and the one signed device login; each
 * later one (up to max_channels_per_connection) is a new session on the
 * same login: its own id, row and recording, the approval checked again
 * (revoked or ended stops it) but not used again.
 */
int
mon_h_open(struct monitor *m, struct mon_req *q)
{
	enum approval_verdict v;
	char text[512], detail[512];
	int sv[2] = { -1, -1 }, tcp, fds[2], rc;
	int64_t now = mon_now();

	(void)q;
	m->started_at = now;	/* the login backstop (tick) counts from here */
	if (mon_store(m) == NULL)
		return open_refused(m, "store_failed", "the gateway cannot read its store; no session was opened", NULL);
	if (m->nsessions >= m->cfg->max_channels_per_connection) {
		snprintf(text, sizeof(text), "this connection already had %d sessions (max_channels_per_connection); "
		    "connect again", m->nsessions);
		return open_refused(m, "too_many_channels", text, NULL);
	}
	if (m->nsessions == 0) {
		struct approval again;

		/* Used up, revoked or ended since the token was checked counts: the store decides now. */
		v = approval_check_id(m->store, m->approval.id, m->engineer->name, m->target->name, now, &again);
		if (v == APPROVAL_OK)
			v = approval_consume(m->store, again.id, now);	/* reserved before the target is touched */
		approval_clear(&m->approval);
		m->approval = again;
	} else {
		v = approval_recheck(m->store, m->approval.id, now);
		if (v == APPROVAL_OK && next_session_id(m) != 0)
			return open_refused(m, "internal_error", "the gateway could not open a session", "no random bytes");
	}
	if (v != APPROVAL_OK) {
		verdict_text(&m->approval, v, text, sizeof(text));
		return open_refused(m, approval_verdict_code(v), text, NULL);
	}
	/* Nothing is relayed unrecorded: no recording, no session. */
	if (open_recording(m, detail, sizeof(detail)) != 0) {
		if (m->nsessions == 0)
			(void)approval_release(m->store, m->approval.id);
		return open_refused(m, "recording_failed", "the gateway cannot record this session; no session was opened",
		    detail);
	}
	m->phase = PH_LOGIN;
	if (m->nsessions > 0) {
		/* The device login is the child's already: it opens a channel on it. */
		reply_open(m, 1, "ok", "");
		return mon_send_frame(m);
	}
	if ((m->agent = agent_new(m->target->identity_file, m->target->user, detail, sizeof(detail))) == NULL ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		char d2[600];

		snprintf(d2, sizeof(d2), "target %s: %s", m->target->name, m->agent ? strerror(errno) : detail);
		mon_abandon_login(m);
		return open_refused(m, "target_internal_error", "the gateway could not open a session on the target", d2);
	}
	if ((tcp = connect_target(m->target, m->cfg->target_connect_timeout, detail, sizeof(detail))) < 0) {
		close(sv[0]);
		close(sv[1]);
		mon_abandon_login(m);
		return open_refused(m, "target_unreachable", "the target is unreachable from the gateway", detail);
	}
	m->agent_fd = sv[0];
	(void)fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);
	reply_open(m, 1, "ok", "");
	fds[0] = tcp;
	fds[1] = sv[1];
	rc = mbuf_end(&m->out) == 0 ? mbuf_flush_fds(&m->out, m->fd, fds, 2) : -1;
	close(tcp);
	close(sv[1]);
	return rc;
}

void
mon_drop_agent(struct monitor *m)
{
	if (m->agent_fd >= 0)
		close(m->agent_fd);
	m->agent_fd = -1;
	agent_free(m->agent);
	m->agent = NULL;
}

static int
target_code_valid(const char *code)
{
	static const char *const codes[] = { "target_unreachable", "target_hostkey_mismatch", "target_auth_failed",
		"target_channel_failed", "target_internal_error" };

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(code, codes[i]) == 0)
			return 1;
	return 0;
}

/* No session after all: the file goes; the use comes back unless an earlier session on the connection had it. */
void
mon_abandon_login(struct monitor *m)
{
	mon_drop_agent(m);
	recorder_discard(m->rec);
	m->rec = NULL;
	if (m->nsessions == 0 && approval_release(m->store, m->approval.id) != 0)
		log_error("event=store_failed op=approval_release approval=%lld", (long long)m->approval.id);
	m->phase = PH_REFUSED;
}

int
mon_h_target(struct monitor *m, struct mon_req *q)
{
	if (strcmp(q->u.target.code, "ok") != 0) {
		if (!target_code_valid(q->u.target.code))
			return -1;
		mon_abandon_login(m);
		mon_event(m, "session_refused", q->u.target.code, q->u.target.detail);
		return 0;
	}
	/* The first: a login the agent never signed for did not happen. Later ones need no signature. */
	if (m->nsessions == 0 ? m->agent == NULL || agent_signatures(m->agent) != 1 : m->agent != NULL)
		return -1;
	mon_drop_agent(m);
	struct audit_session row = {
		.id = m->sid,
		.engineer = m->engineer->name,
		.target = m->target->name,
		.approval_id = m->approval.id,
		.client_addr = m->client_addr,
		.pid = (int64_t)getpid(),
		.started_at = mon_now(),
	};
	char detail[256];

	m->phase = PH_SESSION;
	m->started_at = m->last_activity = row.started_at;
	if (m->nsessions++ == 0)
		m->first_started_at = row.started_at;
	m->next_approval_check = row.started_at + APPROVAL_RECHECK_SECONDS;
	if (audit_session_begin(m->store, &row) != 0 ||
	    audit_session_recording(m->store, m->sid, recorder_path(m->rec)) != 0)
		log_error("event=store_failed op=session_begin error=\"%s\"", store_errmsg(m->store));
	if (m->nsessions > 1)
		snprintf(detail, sizeof(detail), "ticket %s, level %d, phase %s, session %d on the connection (one approval use)",
		    m->approval.ticket, m->approval.level, m->approval.phase, m->nsessions);
	else
		snprintf(detail, sizeof(detail), "ticket %s, level %d, phase %s%s", m->approval.ticket, m->approval.level,
		    m->approval.phase, m->cert_state == MON_CERT_ADMITS ? ", by approval certificate" : "");
	mon_event(m, "session_start", NULL, detail);
	log_info("event=session_start engineer=%s target=%s approval=%lld ticket=%s client=%s",
	    m->engineer->name, m->target->name, (long long)m->approval.id, m->approval.ticket, m->client_addr);
	return 0;
}

/* The recording cannot be written: the session ends (once said, once logged). */
void
mon_recording_failed(struct monitor *m)
{
	char why[300];

	if (m->rec_failed)
		return;
	m->rec_failed = 1;
	snprintf(why, sizeof(why), "the recording failed (%s); session ended", recorder_error(m->rec));
	log_error("event=recording_failed path=\"%s\" error=\"%s\"", recorder_path(m->rec), recorder_error(m->rec));
	mon_stop(m, END_RECORDING_FAILED, why);
}

int
mon_h_record(struct monitor *m, struct mon_req *q)
{
	uint8_t t = q->u.record.type;

	if (t == REC_INPUT || t == REC_OUTPUT || t == REC_STDERR || t == REC_INPUT_MASKED || t == REC_INPUT_ESCROWED)
		m->last_activity = mon_now();
	if (recorder_add(m->rec, t, q->u.record.data, q->u.record.len) != 0)
		mon_recording_failed(m);
	return 0;
}

int
mon_h_event(struct monitor *m, struct mon_req *q)
{
	static const char *const kinds[] = { "request_refused", "protocol_error", "report_refused", "command_refused",
		"command_flagged" };
	size_t i;

	/* The child reports what it refused; starts, ends, kills and reports are the monitor's to say. */
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(q->u.event.kind, kinds[i]) == 0)
			break;
	if (i == sizeof(kinds) / sizeof(kinds[0]))
		return -1;
	mon_event(m, q->u.event.kind, *q->u.event.reason ? q->u.event.reason : NULL, q->u.event.detail);
	return 0;
}

/* Hidden input is for passwords: long or frequent hidden input is flagged, once. */
static void
check_masked(struct monitor *m, const char *text)
{
	char detail[200];
	size_t n = 0;

	if (m->masked_alarmed)
		return;
	m->masked_entries++;
	(void)cmdlog_masked_len(text, &n);
	if (!cmdlog_masked_unusual(n, m->masked_entries))
		return;
	m->masked_alarmed = 1;
	if (n > CMDLOG_MASKED_UNUSUAL_BYTES)
		snprintf(detail, sizeof(detail), "a hidden input of %zu bytes (passwords are rarely over %d)%s", n,
		    CMDLOG_MASKED_UNUSUAL_BYTES, m->cfg->have_escrow ? "; escrowed" : "; not escrowed: no escrow key");
	else
		snprintf(detail, sizeof(detail), "%d hidden inputs in one session (more than %d)%s", m->masked_entries,
		    CMDLOG_MASKED_UNUSUAL_COUNT, m->cfg->have_escrow ? "; escrowed" : "; not escrowed: no escrow key");
	mon_event(m, "masked_input_unusual", "masked_input_unusual", detail);
	log_warn("event=masked_input_unusual detail=\"%s\"", detail);
}

/* The child's clock is not the record's: a command's time stays inside the session. */
static uint64_t
clamp_time(const struct monitor *m, int64_t t_us)
{
	uint64_t now = recorder_now_us(), start = (uint64_t)m->started_at * 1000000u;

	if (t_us < 0 || (uint64_t)t_us > now)
		return now;
	return (uint64_t)t_us < start ? start : (uint64_t)t_us;
}

int
mon_h_command(struct monitor *m, struct mon_req *q)
{
	struct cmd_entry e = { .kind = (enum cmd_kind)q->u.command.kind, .text = q->u.command.text,
		.certain = q->u.command.certain, .time_us = clamp_time(m, q->u.command.time_us),
		.guard = *q->u.command.guard ? q->u.command.guard : NULL };

	if (e.kind == CMD_MASKED) {
		size_t n;

		if (cmdlog_masked_len(e.text, &n) != 0)
			return -1;
		check_masked(m, e.text);
	}
	if (commands_add(m->store, m->sid, m->ncmds++, &e) != 0)
		log_error("event=store_failed op=command error=\"%s\"", store_errmsg(m->store));
	return 0;
}

int
mon_h_transfer(struct monitor *m, struct mon_req *q)
{
	struct transfer_row *t = &q->u.transfer;
	char *text, *json = NULL;
	size_t len = 0;
	FILE *f;

	t->session_id = m->sid;
	t->ts_us = (int64_t)recorder_now_us();
	if ((text = transfers_text(t)) == NULL) {
		log_error("event=internal op=transfer error=\"out of memory\"");
		return 0;
	}
	if (transfers_add(m->store, t) != 0)
		log_error("event=store_failed op=transfer error=\"%s\"", store_errmsg(m->store));
	mon_event(m, t->by_gateway ? "transfer_refused" : "transfer", t->by_gateway ? "transfers_read_only" : NULL, text);
	/* The command list (and so the report) shows each operation but plain opens, which close sums up. */
	if (strcmp(t->op, "open") != 0 || strcmp(t->status, "OK") != 0) {
		struct cmd_entry e = { .kind = CMD_TRANSFER, .text = text, .certain = 1, .time_us = (uint64_t)t->ts_us };

		if (commands_add(m->store, m->sid, m->ncmds++, &e) != 0)
			log_error("event=store_failed op=command error=\"%s\"", store_errmsg(m->store));
	}
	if ((f = open_memstream(&json, &len)) != NULL) {
		struct json j;

		json_init(&j, f);
		json_begin_object(&j);
		json_key_str(&j, "protocol", t->protocol);
		json_key_str(&j, "op", t->op);
		json_key_str(&j, "path", t->path);
		json_key_str(&j, "path2", t->path2);
		json_key_str(&j, "flags", t->flags);
		if (t->bytes_read >= 0)
			json_key_int(&j, "bytes_read", t->bytes_read);
		if (t->bytes_written >= 0)
			json_key_int(&j, "bytes_written", t->bytes_written);
		json_key_str(&j, "sha256", t->sha256);
		json_key_str(&j, "status", t->status);
		json_key_bool(&j, "by_gateway", t->by_gateway);
		json_key_str(&j, "message", t->message);
		json_end_object(&j);
		fclose(f);
		(void)recorder_add(m->rec, REC_TRANSFER, json, len);
	}
	free(json);
	free(text);
	return 0;
}

int
mon_h_kind(struct monitor *m, struct mon_req *q)
{
	static const char *const kinds[] = { "shell", "exec", "sftp", "scp" };
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(q->u.kind.kind, kinds[i]) == 0)
			break;
	if (i == sizeof(kinds) / sizeof(kinds[0]))
		return -1;
	if (audit_session_kind(m->store, m->sid, q->u.kind.kind, *q->u.kind.command ? q->u.kind.command : NULL) != 0)
		log_error("event=store_failed op=session_kind error=\"%s\"", store_errmsg(m->store));
	if (strcmp(q->u.kind.kind, "exec") == 0) {
		struct cmd_entry e = { .kind = CMD_EXEC, .text = q->u.kind.command, .certain = 1,
			.time_us = recorder_now_us(), .guard = *q->u.kind.guard ? q->u.kind.guard : NULL };

		if (commands_add(m->store, m->sid, m->ncmds++, &e) != 0)
			log_error("event=store_failed op=command error=\"%s\"", store_errmsg(m->store));
	}
	return 0;
}

static void
reply_report(struct monitor *m, int status, const char *text)
{
	mbuf_begin(&m->out, MON_R_REPORT);
	mbuf_u32(&m->out, (uint32_t)status);
	mbuf_str(&m->out, text);
	(void)mon_send_frame(m);
}

/* "report ID ...": the engineer's own sessions only, within the per-session quota. */
int
mon_h_report(struct monitor *m, struct mon_req *q)
{
	const char *ids[REPORT_MAX_SESSIONS];
	char *list = strdup(q->u.report.ids), *save = NULL, err[1024], by[128], detail[4300], out[6000];
	struct report_request req = { 0 };
	struct report_result res;
	size_t n = 0;

	if (list == NULL || mon_store(m) == NULL) {
		free(list);
		reply_report(m, 1, "remgate: no report: the store cannot be read\n");
		return 0;
	}
	for (char *t = strtok_r(list, " ", &save); t != NULL; t = strtok_r(NULL, " ", &save)) {
		if (n == REPORT_MAX_SESSIONS) {
			free(list);
			return -1;
		}
		ids[n++] = t;
	}
	if (n == 0) {
		free(list);
		return -1;
	}
	snprintf(by, sizeof(by), "engineer:%s", m->engineer->name);
	/* Each report copies its sessions' recordings: an engineer may not repeat that without end. */
	for (size_t i = 0; i < n; i++) {
		int count = 0;

		if (report_store_count_for_session(m->store, ids[i], by, &count) != 0) {
			free(list);
			reply_report(m, 1, "remgate: no report: the store cannot be read\n");
			return 0;
		}
		if (count >= m->cfg->engineer_reports_per_session) {
			snprintf(detail, sizeof(detail), "session %.20s is already in %d of your reports (at most %d); "
			    "ask the customer's administrator for another", ids[i], count,
			    m->cfg->engineer_reports_per_session);
			snprintf(out, sizeof(out), "remgate: no report: %s\n", detail);
			mon_event(m, "report_refused", "report_quota", detail);
			free(list);
			reply_report(m, 1, out);
			return 0;
		}
	}
	req.session_ids = ids;
	req.nsessions = n;
	req.narrative = &q->u.report.nar;
	req.created_by = by;
	req.only_engineer = m->engineer->name;
	req.now = mon_now();
	if (report_create(m->store, m->cfg, m->sigkey, &req, &res, err, sizeof(err)) != 0) {
		snprintf(out, sizeof(out), "remgate: no report: %s\n", err);
		mon_event(m, "report_refused", "report_failed", err);
		free(list);
		reply_report(m, 1, out);
		return 0;
	}
	snprintf(detail, sizeof(detail), "report %lld for %zu session(s), bundle %s", (long long)res.id, n, res.dir);
	mon_event(m, "report_created", NULL, detail);
	log_info("event=report_created engineer=%s report=%lld sessions=%zu", m->engineer->name, (long long)res.id, n);
	snprintf(out, sizeof(out), "report %lld: level %d%s, signed and stored on the gateway.\n"
	    "The customer's administrator verifies it with: remgatectl verify %s\n",
	    (long long)res.id, res.level, res.escalate ? " (time limit exceeded: escalate)" : "", res.dir);
	free(list);
	reply_report(m, 0, out);
	return 0;
}

int
mon_h_end(struct monitor *m, struct mon_req *q)
{
	enum end_reason why = end_reason_parse(q->u.end.reason);

	/* The monitor's own reasons are not the child's to claim, only to echo back. */
	if (why == END_NONE || (why >= END_KILLED && why != m->stop_reason))
		return -1;
	if (m->stop_reason != END_NONE)
		why = m->stop_reason;
	mon_finish_session(m, why, q->u.end.exit_status, q->u.end.exit_signal, q->u.end.bytes_in, q->u.end.bytes_out);
	mbuf_begin(&m->out, MON_R_END);
	return mon_send_frame(m);
}

int
mon_h_sync(struct monitor *m, struct mon_req *q)
{
	(void)q;
	m->sync_wanted = 1;
	return 0;
}

void
mon_check_limits(struct monitor *m, int64_t now)
{
	int64_t max = config_max_session_time(m->cfg, m->target), idle = config_idle_timeout(m->cfg, m->target);
	int64_t left = m->approval.valid_until - now;
	/* Between sessions the device login is still held; before the first there is none. */
	int64_t since = m->first_started_at != 0 ? m->first_started_at : m->started_at;
	int in_session = m->phase == PH_SESSION;
	char line[400], when[32], span[32];
	enum end_reason why = END_NONE;

	if (left <= 0) {
		util_time_iso(m->approval.valid_until, when, sizeof(when));
		snprintf(line, sizeof(line), "approval %lld ended %s: session closed", (long long)m->approval.id, when);
		why = END_APPROVAL_EXPIRED;
	} else if (now >= m->next_approval_check) {
		struct approval a;

		m->next_approval_check = now + APPROVAL_RECHECK_SECONDS;
		if (approval_get(m->store, m->approval.id, &a) == 0) {
			if (a.revoked_at != 0) {
				util_time_iso(a.revoked_at, when, sizeof(when));
				snprintf(line, sizeof(line), "approval %lld was revoked by %s at %s: session closed",
				    (long long)a.id, a.revoked_by ? a.revoked_by : "an administrator", when);
				why = END_APPROVAL_REVOKED;
			}
			approval_clear(&a);
		}
	}
	/* Counted from the connection's first session: opening another does not restart the clock. */
	if (why == END_NONE && max > 0 && m->first_started_at != 0 && now - since >= max) {
		duration_format(max, span, sizeof(span));
		snprintf(line, sizeof(line), "the session reached the time limit of %s for %s: session closed", span,
		    m->target->name);
		why = END_MAX_SESSION_TIME;
	}
	if (why == END_NONE && idle > 0 && now - m->last_activity >= idle) {
		duration_format(idle, span, sizeof(span));
		if (in_session)
			snprintf(line, sizeof(line), "no input or output for %s: session closed", span);
		else
			snprintf(line, sizeof(line), "no session opened for %s: connection closed", span);
		why = END_IDLE_TIMEOUT;
	}
	if (why != END_NONE) {
		mon_event(m, "session_ended", end_reason_name(why), line);
		log_info("event=session_limit reason=%s detail=\"%s\"", end_reason_name(why), line);
		mon_stop(m, why, line);
		return;
	}
	if (in_session && !m->approval_warned && m->cfg->approval_warning > 0 && left <= m->cfg->approval_warning) {
		char warn[300];

		m->approval_warned = 1;
		util_time_iso(m->approval.valid_until, when, sizeof(when));
		duration_format(left, span, sizeof(span));
		snprintf(warn, sizeof(warn), "approval %lld ends %s (in %s): the session will be closed then; "
		    "ask the customer for more time if you need it", (long long)m->approval.id, when, span);
		mon_event(m, "session_warning", "approval_ending", warn);
		mon_tell(m, warn);
	}
}

/* remgatectl sessions kill: who and why are read from the store, said to the engineer and recorded. */
void
mon_kill_session(struct monitor *m)
{
	char *by = NULL, *reason = NULL, line[400], detail[400];

	if (audit_session_kill_request(m->store, m->sid, &by, &reason) != 0)
		by = NULL;
	snprintf(line, sizeof(line), "session ended by %s%s%s", by ? by : "an administrator", reason ? ": " : "",
	    reason ? reason : "");
	snprintf(detail, sizeof(detail), "killed by %s%s%s", by ? by : "unknown", reason ? ": " : "",
	    reason ? reason : "");
	mon_event(m, "session_killed", "killed", detail);
	log_info("event=session_killed by=%s", by ? by : "unknown");
	mon_stop(m, END_KILLED, line);
	free(by);
	free(reason);
}

int
mon_batch_begin(struct monitor *m)
{
	if (mon_store(m) == NULL)
		return -1;
	if (store_batch_begin(m->store) != 0) {
		/* Each row then commits on its own: slower, nothing lost. */
		log_warn("event=store_failed op=begin error=\"%s\"", store_errmsg(m->store));
		return -1;
	}
	return 0;
}

void
mon_batch_end(struct monitor *m)
{
	if (store_batch_commit(m->store) != 0)
		log_error("event=store_failed op=commit error=\"%s\"", store_errmsg(m->store));
}
