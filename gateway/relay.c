/*
 * The relay between the engineer's session channel and the target's.
 * Requests (pty, env, window-change, signal, shell, exec) are forwarded as
 * they come; data goes through relaybuf.c, which honours both SSH windows
 * so a fast sender facing a slow receiver cannot grow our memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engcmd.h"
#include "escrow.h"
#include "approval.h"
#include "guardgate.h"
#include "cmdlog.h"
#include "json.h"
#include "log.h"
#include "monclient.h"
#include "policy.h"
#include "recorder.h"
#include "session.h"
#include "xfer.h"

/* What only the relay keeps: the channels' callbacks and how the end was passed on. */
struct relay_state {
	struct ssh_channel_callbacks_struct eng_cb;
	struct ssh_channel_callbacks_struct tgt_cb;
	int exit_sent, exit_recorded;	/* exit status/signal passed on, and recorded */
	int settled;			/* the evidence so far is in the store (settle_evidence) */
	int exit_core;
	int64_t closing_since;		/* we began closing (0: not yet); the peer gets 5 s to answer */
	int pty;
	int asked;			/* shell, exec or a subsystem was asked for (a refused open answers then) */
	char refused[700];		/* the command guard refused the exec, or the session could not begin: this line, then exit 126 */
	char *held_exec;		/* an exec waiting for its review (guardgate.c) */
};

/* Made on first use; an allocation failure ends the process (nothing is relayed unrecorded). */
static struct relay_state *
rs(struct session *s)
{
	if (s->relay == NULL && (s->relay = calloc(1, sizeof(*s->relay))) == NULL) {
		log_error("event=internal error=\"out of memory\"");
		exit(1);
	}
	return s->relay;
}

void
relay_free(struct session *s)
{
	if (s->relay != NULL)
		free(s->relay->held_exec);
	guardgate_free(s);
	free(s->relay);
	s->relay = NULL;
}

/* ---- into the recording -------------------------------------------- */

static void
record_json(struct session *s, uint8_t type, const char *k1, const char *v1, const char *k2, int v2,
    const char *k3, int v3)
{
	char *json = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&json, &len);
	struct json j;

	if (f == NULL)
		return;
	json_init(&j, f);
	json_begin_object(&j);
	if (k1 != NULL)
		json_key_str(&j, k1, v1);
	if (k2 != NULL)
		json_key_int(&j, k2, v2);
	if (k3 != NULL)
		json_key_int(&j, k3, v3);
	json_end_object(&j);
	fclose(f);
	session_record(s, type, json, len);
	free(json);
}

static void
record_input_run(void *arg, int masked, int ends, const uint8_t *data, size_t len)
{
	struct session *s = arg;
	uint8_t m[5];

	if (!masked) {
		session_record(s, REC_INPUT, data, len);
		return;
	}
	if (s->escrow != NULL) {
		uint8_t *sealed = NULL;
		size_t slen = 0;

		if (escrow_seal(s->escrow, ends, data, len, &sealed, &slen) == 0) {
			session_record(s, REC_INPUT_ESCROWED, sealed, slen);
			free(sealed);
			return;
		}
		log_error("event=escrow_failed note=\"hidden input recorded by length only\"");
	}
	m[0] = (uint8_t)(len >> 24);
	m[1] = (uint8_t)(len >> 16);
	m[2] = (uint8_t)(len >> 8);
	m[3] = (uint8_t)len;
	m[4] = (uint8_t)(ends ? 1 : 0);
	session_record(s, REC_INPUT_MASKED, m, sizeof(m));
}

/* Every byte as it is handed on: recorded, and read for commands in a pty. */
static void
tap(void *arg, struct relaybuf *b, const void *data, size_t len)
{
	struct session *s = arg;
	uint64_t now = recorder_now_us();

	s->last_activity = (int64_t)(now / 1000000);
	if (b == &s->to_target) {
		if (rs(s)->pty)
			cmdlog_input(s->cmds, data, len, now, record_input_run, s);
		else
			session_record(s, REC_INPUT, data, len);
	} else if (b == &s->to_engineer) {
		session_record(s, REC_OUTPUT, data, len);
		if (rs(s)->pty) {
			cmdlog_output(s->cmds, data, len, now);
			guardgate_output(s);
		}
	} else {
		session_record(s, REC_STDERR, data, len);
	}
	xfer_tap(s, b, data, len);
}

void
relay_setup_recording(struct session *s)
{
	struct relaybuf *bufs[] = { &s->to_target, &s->to_engineer, &s->to_engineer_err };

	for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++) {
		bufs[i]->tap = tap;
		bufs[i]->tap_arg = s;
	}
}

/* ---- engineer channel ---------------------------------------------- */

static int
eng_data(ssh_session session, ssh_channel channel, void *data, uint32_t len, int is_stderr, void *userdata)
{
	struct session *s = userdata;

	(void)session;
	(void)channel;
	(void)is_stderr;	/* a client's "stderr" has no meaning to a server */
	if (chan_in_closed(&s->dev_end))
		return (int)len;	/* nobody to deliver to */
	if (!s->started) {
		s->to_target.held = 1;	/* keep it in libssh until shell/exec */
		return 0;
	}
	return (int)relaybuf_intake(&s->to_target, s->tc.channel, data, len);
}

static void
eng_eof(ssh_session session, ssh_channel channel, void *userdata)
{
	struct session *s = userdata;

	(void)session;
	(void)channel;
	chan_set_in(&s->eng_end, CHAN_EOF);
}

static void
eng_close(ssh_session session, ssh_channel channel, void *userdata)
{
	struct session *s = userdata;

	(void)session;
	(void)channel;
	chan_set_in(&s->eng_end, CHAN_CLOSED);
	log_debug("event=channel_close side=engineer");
}

static int
eng_pty(ssh_session session, ssh_channel channel, const char *term, int cols, int rows,
    int px, int py, void *userdata)
{
	struct session *s = userdata;

	(void)session;
	(void)channel;
	(void)px;
	(void)py;
	if (s->tc.channel == NULL)
		return 0;	/* no session: the refusal follows the shell or exec request */
	if (s->started)
		return -1;
	if (ssh_channel_request_pty_size(s->tc.channel, term, cols, rows) != SSH_OK) {
		log_warn("event=pty_refused term=%s error=%s", term,
		    ssh_get_error(s->tc.session));
		return -1;
	}
	log_debug("event=pty term=%s cols=%d rows=%d", term, cols, rows);
	rs(s)->pty = 1;
	record_json(s, REC_PTY, "term", term, "cols", cols, "rows", rows);
	return 0;
}

static int
eng_window_change(ssh_session session, ssh_channel channel, int cols, int rows,
    int px, int py, void *userdata)
{
	struct session *s = userdata;

	(void)session;
	(void)channel;
	(void)px;
	(void)py;
	if (s->tc.channel == NULL)
		return 0;
	record_json(s, REC_RESIZE, NULL, NULL, "cols", cols, "rows", rows);
	return ssh_channel_change_pty_size(s->tc.channel, cols, rows) == SSH_OK ? 0 : -1;
}

static int
eng_env(ssh_session session, ssh_channel channel, const char *name, const char *value, void *userdata)
{
	struct session *s = userdata;

	(void)session;
	(void)channel;
	if (s->tc.channel == NULL)
		return 0;
	if (s->started || !policy_env_allowed(name)) {
		log_debug("event=env_refused name=%s", name);
		return -1;
	}
	if (ssh_channel_request_env(s->tc.channel, name, value) != SSH_OK)
		return -1;
	{
		char *kv = NULL;
		int n = asprintf(&kv, "%s=%s", name, value);

		if (n >= 0) {
			session_record(s, REC_ENV, kv, (size_t)n);
			free(kv);
		}
	}
	return 0;
}

static void
eng_signal(ssh_session session, ssh_channel channel, const char *sig, void *userdata)
{
	struct session *s = userdata;

	(void)session;
	(void)channel;
	if (s->started && s->tc.channel != NULL)
		ssh_channel_request_send_signal(s->tc.channel, sig);
}

/* The target side joins the event loop only now, non-blocking. */
static void
mark_started(struct session *s, const char *kind, const char *command, const char *guard)
{
	s->started = 1;
	mc_kind(kind, command, guard);	/* an exec's command line is also the first command on record */
	if (rs(s)->pty && s->cmds != NULL)
		guardgate_attach(s, &s->to_target);	/* each line typed is judged at Enter */
}

static int
eng_shell(ssh_session session, ssh_channel channel, void *userdata)
{
	struct session *s = userdata;

	(void)session;
	(void)channel;
	rs(s)->asked = 1;
	if (s->tc.channel == NULL)
		return 0;	/* the loop says why the session could not begin */
	if (s->started)
		return -1;
	if (ssh_channel_request_shell(s->tc.channel) != SSH_OK) {
		log_warn("event=shell_refused error=\"%s\"", ssh_get_error(s->tc.session));
		return -1;
	}
	mark_started(s, "shell", NULL, NULL);
	session_record(s, REC_SHELL, "", 0);
	log_info("event=shell");
	return 0;
}

/* Hand the exec to the device (now, or once its review approved it). 0, or -1 the device refused it. */
static int
start_exec(struct session *s, ssh_channel channel, const char *command, const char *guard)
{
	int is_sftp = 0;

	if (xfer_exec(s, channel, command, &is_sftp) != 0)
		return 0;	/* refused: the loop says why and closes */
	if (ssh_channel_request_exec(s->tc.channel, command) != SSH_OK) {
		log_warn("event=exec_refused error=\"%s\"", ssh_get_error(s->tc.session));
		return -1;
	}
	if (is_sftp && xfer_start_sftp(s) != 0)
		return -1;
	mark_started(s, "exec", command, guard);
	session_record(s, REC_EXEC, command, strlen(command));
	log_info("event=exec command=%s", command);
	return 0;
}

/*
 * The command guard judges the exec before the device sees anything
 * (docs/policy.md): refused, it never runs (exit status 126); held for a
 * review, the request is accepted and the device asked only if approved.
 */
static int
eng_exec(ssh_session session, ssh_channel channel, const char *command, void *userdata)
{
	struct session *s = userdata;
	char guard[CMDLOG_GUARD_MAX];

	(void)session;
	rs(s)->asked = 1;
	if (s->tc.channel == NULL)
		return 0;	/* the loop says why the session could not begin */
	if (s->started || rs(s)->held_exec != NULL)
		return -1;
	switch (guardgate_exec(s, command, guard, sizeof(guard), rs(s)->refused, sizeof(rs(s)->refused))) {
	case GATE_REFUSED:
		return 0;	/* the loop says why and closes */
	case GATE_WAIT:
		if ((rs(s)->held_exec = strdup(command)) == NULL)
			return -1;
		return 0;
	case GATE_RUN:
		break;
	}
	return start_exec(s, channel, command, guard);
}

/* An exec held for review: run it once approved, refuse it otherwise. */
static void
held_exec_decided(struct session *s)
{
	char guard[CMDLOG_GUARD_MAX];
	int r = guardgate_exec_decided(s, guard, sizeof(guard), rs(s)->refused, sizeof(rs(s)->refused));

	if (r == 0)
		return;
	if (r > 0 && start_exec(s, s->chan, rs(s)->held_exec, guard) != 0)
		snprintf(rs(s)->refused, sizeof(rs(s)->refused), "the device refused the command");
	free(rs(s)->held_exec);
	rs(s)->held_exec = NULL;
}

/* sftp is relayed and audited per file (xfer.c); other subsystems are refused. */
static int
eng_subsystem(ssh_session session, ssh_channel channel, const char *subsystem, void *userdata)
{
	struct session *s = userdata;
	char detail[200];

	(void)session;
	rs(s)->asked = 1;
	if (s->tc.channel == NULL)
		return 0;	/* the loop says why the session could not begin */
	if (strcmp(subsystem, "sftp") != 0) {
		snprintf(detail, sizeof(detail), "subsystem '%s' refused", subsystem);
		session_event(s, "request_refused", policy_refusal_reason("subsystem"), detail);
		return -1;
	}
	if (s->started)
		return -1;
	if (xfer_sftp_allowed(s, channel) != 0)
		return 0;	/* refused: the loop says why and closes */
	if (ssh_channel_request_subsystem(s->tc.channel, "sftp") != SSH_OK) {
		log_warn("event=subsystem_refused_by_target error=\"%s\"", ssh_get_error(s->tc.session));
		return -1;
	}
	if (xfer_start_sftp(s) != 0)
		return -1;
	mark_started(s, "sftp", NULL, NULL);
	session_record(s, REC_SUBSYSTEM, "sftp", 4);
	log_info("event=subsystem name=sftp transfers=%s", policy_transfers_name(s->target->transfers));
	return 0;
}

/* OpenSSH asks without wanting a reply; we just never open agent channels. */
static void
eng_agent(ssh_session session, ssh_channel channel, void *userdata)
{
	(void)session;
	(void)channel;
	session_event(userdata, "request_refused", policy_refusal_reason("auth-agent-req@openssh.com"),
	    "agent forwarding refused");
}

/* A session channel open that cannot be taken: said in the log and the events (libssh sends no reason text). */
static ssh_channel
refuse_open(struct session *s, const char *reason, const char *detail)
{
	log_info("event=channel_refused reason=%s detail=\"%s\"", reason, detail);
	if (s->authenticated && !s->command_mode)
		session_event(s, "request_refused", reason, detail);
	return NULL;
}

/*
 * A session channel: each is its own session, one at a time. A client
 * that closed its last channel may open the next before the relay has
 * seen both ends out: that one's end goes on record first.
 */
ssh_channel
relay_open_channel(ssh_session eng, void *userdata)
{
	struct session *s = userdata;
	struct ssh_channel_callbacks_struct *cb;
	char why[700], detail[200];

	if (!s->authenticated)
		return refuse_open(s, "not_authenticated", "a channel before authentication");
	if (s->command_mode)
		return s->chan == NULL ? engcmd_open_channel(s, eng) :
		    refuse_open(s, "one_channel_per_command", "a second channel on a gateway command login");
	if (s->chan != NULL && (s->last_channel || !chan_in_closed(&s->eng_end)))
		return refuse_open(s, "one_session_at_a_time", "a session channel while another is open on this connection");
	if (s->nchannels >= s->cfg->max_channels_per_connection) {
		snprintf(detail, sizeof(detail), "session channel %d on one connection (max_channels_per_connection %d)",
		    s->nchannels + 1, s->cfg->max_channels_per_connection);
		return refuse_open(s, "too_many_channels", detail);
	}
	if (s->chan != NULL) {
		if (s->end_reason == END_NONE)
			s->end_reason = END_ENGINEER_CLOSED;
		session_channel_end(s);
	}
	if ((s->chan = ssh_channel_new(eng)) == NULL)
		return NULL;
	cb = &rs(s)->eng_cb;
	memset(cb, 0, sizeof(*cb));
	cb->userdata = s;
	cb->channel_data_function = eng_data;
	cb->channel_eof_function = eng_eof;
	cb->channel_close_function = eng_close;
	cb->channel_pty_request_function = eng_pty;
	cb->channel_pty_window_change_function = eng_window_change;
	cb->channel_env_request_function = eng_env;
	cb->channel_signal_function = eng_signal;
	cb->channel_shell_request_function = eng_shell;
	cb->channel_exec_request_function = eng_exec;
	cb->channel_subsystem_request_function = eng_subsystem;
	cb->channel_auth_agent_req_function = eng_agent;
	/* x11-req has no callback on purpose: the message handler refuses it. */
	ssh_callbacks_init(cb);
	ssh_set_channel_callbacks(s->chan, cb);
	/* The channel is answered either way: a session that cannot begin says why on it, then exit 126. */
	if (session_begin(s, why, sizeof(why)) != 0)
		snprintf(rs(s)->refused, sizeof(rs(s)->refused), "%s", why);
	return s->chan;
}

void
relay_end_channel(struct session *s)
{
	if (s->chan != NULL) {
		if (s->relay != NULL)
			ssh_remove_channel_callbacks(s->chan, &s->relay->eng_cb);
		ssh_channel_free(s->chan);
		s->chan = NULL;
	}
	if (s->tc.channel != NULL) {
		if (s->relay != NULL)
			ssh_remove_channel_callbacks(s->tc.channel, &s->relay->tgt_cb);
		ssh_channel_free(s->tc.channel);
		s->tc.channel = NULL;
	}
	relay_free(s);
}

/* ---- target channel ------------------------------------------------ */

static int
tgt_data(ssh_session session, ssh_channel channel, void *data, uint32_t len, int is_stderr, void *userdata)
{
	struct session *s = userdata;

	(void)session;
	(void)channel;
	if (s->chan == NULL || chan_in_closed(&s->eng_end)) {
		/* Nobody to deliver to: let it go rather than stall the target. */
		return (int)len;
	}
	return (int)relaybuf_intake(is_stderr ? &s->to_engineer_err : &s->to_engineer, s->chan, data, len);
}

static void
tgt_eof(ssh_session session, ssh_channel channel, void *userdata)
{
	struct session *s = userdata;

	(void)session;
	(void)channel;
	chan_set_in(&s->dev_end, CHAN_EOF);
}

static void
tgt_close(ssh_session session, ssh_channel channel, void *userdata)
{
	struct session *s = userdata;

	(void)session;
	(void)channel;
	chan_set_in(&s->dev_end, CHAN_CLOSED);
	log_debug("event=channel_close side=device");
}

static void
tgt_exit_status(ssh_session session, ssh_channel channel, int status, void *userdata)
{
	struct session *s = userdata;

	(void)session;
	(void)channel;
	s->exit_status = status;
}

static void
tgt_exit_signal(ssh_session session, ssh_channel channel, const char *sig, int core,
    const char *errmsg, const char *lang, void *userdata)
{
	struct session *s = userdata;

	(void)session;
	(void)channel;
	(void)errmsg;
	(void)lang;
	snprintf(s->exit_signal, sizeof(s->exit_signal), "%s", sig ? sig : "");
	rs(s)->exit_core = core;
}

void
relay_setup_target_callbacks(struct session *s)
{
	struct ssh_channel_callbacks_struct *cb = &rs(s)->tgt_cb;

	memset(cb, 0, sizeof(*cb));
	cb->userdata = s;
	cb->channel_data_function = tgt_data;
	cb->channel_eof_function = tgt_eof;
	cb->channel_close_function = tgt_close;
	cb->channel_exit_status_function = tgt_exit_status;
	cb->channel_exit_signal_function = tgt_exit_signal;
	ssh_callbacks_init(cb);
	ssh_set_channel_callbacks(s->tc.channel, cb);
}

/* ---- moving what the callbacks left behind, and ending ------------- */

/* How the command ended, into the recording (once). */
static void
record_exit(struct session *s)
{
	if (rs(s)->exit_recorded)
		return;
	rs(s)->exit_recorded = 1;
	if (s->exit_signal[0] != '\0')
		record_json(s, REC_EXIT, "signal", s->exit_signal, "core", rs(s)->exit_core ? 1 : 0, NULL, 0);
	else
		record_json(s, REC_EXIT, NULL, NULL, "status", s->exit_status, NULL, 0);
}

/*
 * Before the engineer's client hears that the session ended: the rows so
 * far (the exec tool's transfer, the last command) are committed, so when
 * the client returns, the store already says what it did.
 */
static void
settle_evidence(struct session *s)
{
	if (rs(s)->settled)
		return;
	rs(s)->settled = 1;
	xfer_tool_done(s);
	if (s->cmds != NULL)
		cmdlog_finish(s->cmds, recorder_now_us());
	if (mc_sync() != 0)
		log_error("event=monitor_lost op=sync");
}

/* ...and to the engineer. */
static void
send_exit(struct session *s)
{
	settle_evidence(s);
	rs(s)->exit_sent = 1;
	if (s->exit_signal[0] != '\0')
		ssh_channel_request_send_exit_signal(s->chan, s->exit_signal, rs(s)->exit_core, "", "");
	else if (s->exit_status >= 0)
		ssh_channel_request_send_exit_status(s->chan, s->exit_status);
	else
		return;
	record_exit(s);
}

/* Our EOF to one peer, once, and into the recording (0: to the device, 1: to the engineer). */
static void
send_eof(struct session *s, struct chan_end *c, ssh_channel ch, const char *rec)
{
	if (chan_out_eof(c))
		return;
	if (ch == s->chan)
		settle_evidence(s);
	ssh_channel_send_eof(ch);
	chan_set_out(c, CHAN_EOF);
	session_record(s, REC_EOF, rec, 1);
}

/* Our CLOSE to one peer, once; the first one starts the 5 s wait for the answers. */
static void
send_close(struct session *s, struct chan_end *c, ssh_channel ch, int64_t now)
{
	if (chan_out_closed(c))
		return;
	if (ch == s->chan)
		settle_evidence(s);
	ssh_channel_close(ch);
	chan_set_out(c, CHAN_CLOSED);
	if (rs(s)->closing_since == 0)
		rs(s)->closing_since = now;
}

void
relay_pump(struct session *s)
{
	struct chan_end *eng = &s->eng_end, *dev = &s->dev_end;
	int64_t now = (int64_t)time(NULL);
	int out_done, in_done, ended;

	if (s->chan == NULL)
		return;
	if (s->tc.channel == NULL) {
		/* The session could not begin: said when the client asks for a shell or command, or it leaves. */
		if (rs(s)->closing_since == 0 && (rs(s)->asked || chan_in_closed(eng))) {
			if (!chan_in_closed(eng)) {
				tell_engineer(s, rs(s)->refused);
				settle_evidence(s);
				ssh_channel_request_send_exit_status(s->chan, 126);
				send_eof(s, eng, s->chan, "\1");
			}
			send_close(s, eng, s->chan, now);
		}
		if (chan_in_closed(eng) || (rs(s)->closing_since > 0 && now - rs(s)->closing_since >= 5))
			s->done = 1;
		return;
	}
	if (rs(s)->held_exec != NULL && !chan_in_closed(eng))
		held_exec_decided(s);
	if (s->started && rs(s)->pty)
		guardgate_step(s, &s->to_target);
	if (s->started && !chan_in_closed(dev))
		relaybuf_pump(&s->to_target, s->chan, s->tc.channel);
	if (!chan_in_closed(eng)) {
		relaybuf_pump(&s->to_engineer, s->tc.channel, s->chan);
		relaybuf_pump(&s->to_engineer_err, s->tc.channel, s->chan);
	}
	if (rs(s)->closing_since == 0 && (rs(s)->refused[0] || xfer_check(s))) {
		/* A refused command or transfer, or a malformed SFTP stream: nothing more passes either way. */
		int status = rs(s)->refused[0] ? 126 : 1;

		if (rs(s)->refused[0])
			tell_engineer(s, rs(s)->refused);
		if (s->end_reason == END_NONE)
			s->end_reason = END_REQUEST_REFUSED;
		if (!chan_in_closed(eng)) {
			settle_evidence(s);
			ssh_channel_request_send_exit_status(s->chan, status);
			send_eof(s, eng, s->chan, "\1");
		}
		send_close(s, eng, s->chan, now);
		send_close(s, dev, s->tc.channel, now);
		return;
	}
	in_done = relaybuf_empty(&s->to_target);
	out_done = relaybuf_empty(&s->to_engineer) && relaybuf_empty(&s->to_engineer_err);

	if (chan_in_eof(eng) && in_done && s->started && !chan_in_closed(dev))
		send_eof(s, dev, s->tc.channel, "\0");
	/*
	 * The device's EOF, exit status and CLOSE go out together, as sshd
	 * sends them: EOF waits until how the command ended is known, so a
	 * client that closes as soon as it reads EOF (PuTTY, dropbear, mux
	 * clients) has the exit status by then.
	 */
	ended = s->exit_signal[0] != '\0' || s->exit_status >= 0 || chan_in_closed(dev);
	if (chan_in_eof(dev) && out_done && ended && !chan_in_closed(eng))
		send_eof(s, eng, s->chan, "\1");
	if (ended && out_done && (chan_out_eof(eng) || chan_in_closed(dev)) && !rs(s)->exit_sent && !chan_in_closed(eng))
		send_exit(s);
	/* The device is done and all it said is delivered: close the engineer's channel. */
	if (chan_in_closed(dev) && out_done && !chan_in_closed(eng)) {
		if (s->end_reason == END_NONE && !chan_out_closed(eng))
			s->end_reason = END_TARGET_CLOSED;
		send_close(s, eng, s->chan, now);
	}
	/* The engineer left: close the device's channel. */
	if (chan_in_closed(eng) && !chan_in_closed(dev)) {
		if (s->end_reason == END_NONE && !chan_out_closed(dev))
			s->end_reason = END_ENGINEER_CLOSED;
		send_close(s, dev, s->tc.channel, now);
	}
	/*
	 * Both ends closed, whatever the order and whether or not we acted in
	 * between: every CLOSE gets its CLOSE, and the session ends.
	 */
	if (chan_in_closed(eng) && chan_in_closed(dev)) {
		if (s->exit_signal[0] != '\0' || s->exit_status >= 0)
			record_exit(s);
		if (s->end_reason == END_NONE)
			s->end_reason = END_ENGINEER_CLOSED;
		send_close(s, eng, s->chan, now);
		send_close(s, dev, s->tc.channel, now);
		s->done = 1;
		return;
	}
	if (rs(s)->closing_since > 0) {
		if (chan_in_closed(eng) && !s->started)
			s->done = 1;
		else if (now - rs(s)->closing_since >= 5)
			s->done = 1;	/* the peer never acknowledged; do not hang on it */
	}
}
