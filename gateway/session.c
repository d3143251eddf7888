/*
 * Lifecycle of one engineer connection in the sandboxed network child: key
 * exchange, the authentication phase (auth.c), the relay loop (relay.c),
 * and what the monitor is told along the way. The monitor decides when a
 * session must end (limits, kills, shutdown) and says so with a STOP.
 */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "engcmd.h"
#include "escrow.h"
#include "guardgate.h"
#include "log.h"
#include "monclient.h"
#include "recorder.h"
#include "session.h"
#include "util.h"
#include "xfer.h"

volatile sig_atomic_t session_stop_requested;
static volatile sig_atomic_t grace_expired;
static volatile sig_atomic_t in_handshake;	/* libssh would retry its poll: just go */

static void
on_term(int sig)
{
	(void)sig;
	if (in_handshake)
		_exit(0);	/* the monitor is gone or shutting down: nothing to record yet */
	session_stop_requested = 1;
}

static void
on_alarm(int sig)
{
	(void)sig;
	if (in_handshake)
		_exit(0);	/* nothing to record before key exchange */
	grace_expired = 1;
}

static void
install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	/* Ctrl-C at the daemon's terminal drains the parent; sessions go on. */
	sigaction(SIGINT, &sa, NULL);
}

void
session_event(struct session *s, const char *kind, const char *reason, const char *detail)
{
	(void)s;
	mc_event(kind, reason, detail);
}

void
session_record(struct session *s, uint8_t type, const void *data, size_t len)
{
	if (s->recording)
		mc_record(type, data, len);
}

static void
command_found(void *arg, const struct cmd_entry *e)
{
	(void)arg;
	mc_command(e);
}

static int
session_start_recording(struct session *s, char *err, size_t errlen)
{
	struct cmdlog_hooks hooks = { .arg = s, .entry = command_found };

	s->recording = 1;
	if (s->cfg->have_escrow) {
		uint8_t header[ESCROW_HEADER_LEN];

		if (escrow_session_new(s->cfg->escrow_pub, s->sid, &s->escrow, header) != 0) {
			snprintf(err, errlen, "cannot set up the escrow of hidden input");
			return -1;
		}
		session_record(s, REC_ESCROW_KEY, header, sizeof(header));
	}
	if ((s->cmds = cmdlog_new(&hooks)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	relay_setup_recording(s);
	return 0;
}

/* Say one line to the engineer on the channel's stderr before we close. */
void
tell_engineer(struct session *s, const char *line)
{
	char msg[1100];
	int n;

	if (s->chan == NULL || chan_in_closed(&s->eng_end))
		return;
	/* A long line is cut, not lost. */
	n = snprintf(msg, sizeof(msg), "\r\nremgate: %.1000s\r\n", line);
	if (n > 0)
		ssh_channel_write_stderr(s->chan, msg, (uint32_t)n);
}

/* Tell the monitor how it ended; it writes the row and the event and seals the recording. */
static void
end_session(struct session *s)
{
	int64_t bytes_in = s->to_target.moved;
	int64_t bytes_out = s->to_engineer.moved + s->to_engineer_err.moved;
	enum end_reason why = s->end_reason != END_NONE ? s->end_reason : END_CLOSED;

	if (!s->session_open)
		return;
	s->session_open = 0;
	xfer_finish(s);	/* files still open are recorded as incomplete */
	if (s->cmds != NULL)
		cmdlog_finish(s->cmds, recorder_now_us());
	if (mc_end(s->exit_status, s->exit_signal, end_reason_name(why), bytes_in, bytes_out) != 0)
		log_error("event=monitor_lost op=session_end");
}

int
session_begin(struct session *s, char *why, size_t whylen)
{
	char code[100], text[600], detail[512], sid[SESSION_ID_LEN + 1];
	int tcp = -1, agent = -1, r;
	enum target_result tr;

	s->nchannels++;
	r = mc_open(sid, sizeof(sid), code, sizeof(code), text, sizeof(text), &tcp, &agent);
	if (r <= 0) {
		snprintf(why, whylen, "%s", r < 0 ? "the gateway's monitor could not be asked; no session was opened" : text);
		log_info("event=session_refused reason=%s detail=\"%s\"", r < 0 ? "internal_error" : code, why);
		s->last_channel = 1;
		return -1;
	}
	snprintf(s->sid, sizeof(s->sid), "%s", sid);
	log_set_sid(sid);
	if (s->tc.session == NULL) {
		tr = target_connect_fd(s->target, tcp, agent, s->cfg->target_connect_timeout, &s->tc, detail,
		    sizeof(detail));
	} else {
		/* A later session: a channel on the device login, opened blocking like the first. */
		if (s->target_in_event)
			ssh_event_remove_session(s->event, s->tc.session);
		s->target_in_event = 0;
		ssh_set_blocking(s->tc.session, 1);
		tr = target_open_channel(&s->tc, s->target, detail, sizeof(detail));
	}
	if (tr != TARGET_OK) {
		/* No session: the monitor records the refusal and drops the file (and gives the use back if it was this one's). */
		mc_target_result(target_result_code(tr), detail);
		snprintf(why, whylen, "%s", target_result_text(tr));
		log_info("event=session_refused reason=%s detail=\"%s\"", target_result_code(tr), detail);
		s->last_channel = 1;
		return -1;
	}
	mc_target_result("ok", "");
	s->session_open = 1;
	relay_setup_target_callbacks(s);
	if (session_start_recording(s, detail, sizeof(detail)) != 0) {
		snprintf(why, whylen, "%s", detail);
		s->end_reason = END_RECORDING_FAILED;
		s->last_channel = 1;
		return -1;
	}
	return 0;
}

/* What one session channel holds (both channels, the relay's state, the recording's, the transfers'), freed. */
static void
channel_state_free(struct session *s)
{
	relay_end_channel(s);
	escrow_free(s->escrow);
	s->escrow = NULL;
	cmdlog_free(s->cmds);
	s->cmds = NULL;
	xfer_finish(s);
	relaybuf_free(&s->to_target);
	relaybuf_free(&s->to_engineer);
	relaybuf_free(&s->to_engineer_err);
}

void
session_channel_end(struct session *s)
{
	end_session(s);
	channel_state_free(s);
	memset(&s->to_target, 0, sizeof(s->to_target));
	memset(&s->to_engineer, 0, sizeof(s->to_engineer));
	memset(&s->to_engineer_err, 0, sizeof(s->to_engineer_err));
	s->to_engineer_err.is_stderr = 1;
	memset(&s->eng_end, 0, sizeof(s->eng_end));
	memset(&s->dev_end, 0, sizeof(s->dev_end));
	s->eng_end.side = "engineer";
	s->dev_end.side = "device";
	s->started = 0;
	s->exit_status = -1;
	s->exit_signal[0] = '\0';
	s->end_reason = END_NONE;
	s->done = 0;
	s->recording = 0;
	s->ncmds = 0;
}

/* Once shell or exec runs, the target's packets are read by the same loop. */
static int
join_target(struct session *s)
{
	ssh_set_blocking(s->tc.session, 0);
	if (ssh_event_add_session(s->event, s->tc.session) != SSH_OK) {
		log_error("event=internal error=\"cannot poll the target session\"");
		return -1;
	}
	s->target_in_event = 1;
	return 0;
}

/*
 * The last line, then EOF and CLOSE, and a moment for the client to read
 * it and hang up first: closing on a client that is still sending (window
 * adjustments during bulk output) resets the connection, and a reset loses
 * what it had not read yet, the line included.
 */
static void
say_and_close(struct session *s, const char *line)
{
	tell_engineer(s, line);
	if (s->chan != NULL && !chan_out_closed(&s->eng_end)) {
		ssh_channel_send_eof(s->chan);
		ssh_channel_close(s->chan);
		chan_set_out(&s->eng_end, CHAN_CLOSED);
	}
	ssh_blocking_flush(s->eng, 2000);
	/*
	 * Up to 5 s by the clock (a poll returns at once while the device still
	 * sends): a client reading a large backlog answers late; the monitor allows 10.
	 */
	for (uint64_t until = recorder_now_us() + 5000000; recorder_now_us() < until && ssh_is_connected(s->eng) &&
	    s->chan != NULL && !chan_in_closed(&s->eng_end);)
		(void)ssh_event_dopoll(s->event, 100);
}

/* The monitor ended the session (a limit, a kill, shutdown, a failed recording): say why and go. */
static int
stopped_by_monitor(struct session *s)
{
	const char *line, *why = mc_stop(&line);
	char *tell;

	while ((tell = mc_take_tell()) != NULL) {
		tell_engineer(s, tell);
		free(tell);
	}
	if (why == NULL)
		return 0;
	s->end_reason = end_reason_parse(why);
	if (s->end_reason == END_NONE)
		s->end_reason = END_INTERNAL_ERROR;
	say_and_close(s, line);
	return 1;
}

static int
on_monitor(socket_t fd, int revents, void *userdata)
{
	(void)fd;
	(void)revents;
	(void)userdata;
	(void)mc_read();
	return 0;
}

/*
 * A fatal protocol error (a packet over the size limit, a bad MAC...)
 * leaves a session that still counts as connected but can never move
 * again; libssh reports it while returning SSH_OK. A plain disconnect is
 * not this: ssh_is_connected() says so, and the loop treats it as such.
 */
static int
ssh_broken(ssh_session sess)
{
	return sess != NULL && ssh_is_connected(sess) && ssh_get_error_code(sess) == SSH_FATAL;
}

static void
run_loop(struct session *s)
{
	for (;;) {
		int wait = guardgate_wait_ms(s);

		/* An error here means one side broke; the checks below say which. */
		(void)ssh_event_dopoll(s->event, wait >= 0 && wait < 1000 ? wait : 1000);
		if (mc_failed()) {
			/* The monitor is gone: nothing can be recorded or decided any more. */
			if (s->authenticated && !s->command_mode && s->end_reason == END_NONE) {
				s->end_reason = END_RECORDING_FAILED;
				tell_engineer(s, "the recording failed (the gateway's monitor is gone); session ended");
				ssh_blocking_flush(s->eng, 2000);
			}
			log_error("event=monitor_lost note=\"ending the connection\"");
			break;
		}
		if (s->authenticated && ssh_broken(s->eng)) {
			char detail[300];

			snprintf(detail, sizeof(detail), "the engineer's connection broke: %s", ssh_get_error(s->eng));
			if (!s->command_mode) {
				if (s->end_reason == END_NONE)
					s->end_reason = END_PROTOCOL_ERROR;
				session_event(s, "protocol_error", "ssh_protocol_error", detail);
			}
			log_warn("event=protocol_error side=engineer detail=\"%s\"", detail);
			break;
		}
		if (s->authenticated && s->startup_fd >= 0) {
			close(s->startup_fd);	/* no longer a startup: the parent admits others */
			s->startup_fd = -1;
		}
		if (auth_refused(s)) {
			ssh_blocking_flush(s->eng, 2000);	/* the banner first */
			break;
		}
		if (!s->authenticated && grace_expired) {
			auth_grace_expired(s);
			break;
		}
		if (s->started && !s->target_in_event && join_target(s) != 0) {
			s->end_reason = END_INTERNAL_ERROR;
			tell_engineer(s, "internal error; session ended");
			break;
		}
		if (s->authenticated && s->command_mode)
			engcmd_pump(s);
		else if (s->authenticated)
			relay_pump(s);
		if (s->done) {
			/*
			 * One session channel ended; the client may open another on this
			 * connection. After the last one allowed the connection ends, so a
			 * multiplexing master (ControlPersist) is replaced by a new one,
			 * rather than living on and refusing every client.
			 */
			if (s->command_mode || s->last_channel)
				break;
			if (s->nchannels >= s->cfg->max_channels_per_connection) {
				log_info("event=connection_end reason=max_channels_per_connection sessions=%d", s->nchannels);
				break;
			}
			session_channel_end(s);
		}
		if (s->cmds != NULL)
			cmdlog_tick(s->cmds, recorder_now_us());
		/* Never relay unrecorded: what was recorded this turn reaches the monitor now. */
		if (s->recording && (mc_flush() != 0 || mc_failed())) {
			s->end_reason = END_RECORDING_FAILED;
			tell_engineer(s, "the recording failed (the gateway's monitor is gone); session ended");
			ssh_blocking_flush(s->eng, 2000);
			break;
		}
		if (s->authenticated && stopped_by_monitor(s))
			break;
		if (!ssh_is_connected(s->eng)) {
			if (s->authenticated && s->end_reason == END_NONE)
				s->end_reason = END_ENGINEER_DISCONNECTED;
			break;
		}
		if (s->tc.session != NULL && s->target_in_event &&
		    (!ssh_is_connected(s->tc.session) || ssh_get_error_code(s->tc.session) == SSH_FATAL)) {
			if (s->end_reason == END_NONE)
				s->end_reason = END_TARGET_DISCONNECTED;
			tell_engineer(s, "the target connection was lost");
			ssh_blocking_flush(s->eng, 2000);
			break;
		}
		if (session_stop_requested)
			break;	/* the monitor asks before login or during a gateway command; sessions get a STOP */
		/* Without a channel, an engineer's connection is ended by the monitor (idle_timeout); a command login here. */
		if (s->authenticated && s->command_mode && s->chan == NULL && s->started_at > 0 &&
		    (int64_t)time(NULL) - s->started_at > s->cfg->login_grace_time)
			break;
	}
}

int
session_run(const struct config *cfg, ssh_bind bind, int fd, int startup_fd, const char *client_addr,
    const char *sid, int monitor_fd)
{
	struct session *s;
	int rc = 1;

	install_signals();
	mc_init(monitor_fd);
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		close(fd);
		return 1;
	}
	s->cfg = cfg;
	s->startup_fd = startup_fd;
	s->exit_status = -1;
	s->eng_end.side = "engineer";
	s->dev_end.side = "device";
	s->to_engineer_err.is_stderr = 1;
	snprintf(s->client_addr, sizeof(s->client_addr), "%s", client_addr);
	snprintf(s->sid, sizeof(s->sid), "%s", sid);

	if ((s->eng = ssh_new()) == NULL) {
		close(fd);
		goto out;
	}
	in_handshake = 1;
	alarm((unsigned int)cfg->login_grace_time);
	/* As towards the target: no Nagle delay on small packets (SFTP requests, echo). */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	if (ssh_bind_accept_fd(bind, s->eng, fd) != SSH_OK) {
		log_warn("event=accept_failed client=%s error=\"%s\"", client_addr, ssh_get_error(bind));
		close(fd);
		goto out;
	}
	if (auth_setup(s) != 0) {
		log_error("event=internal error=\"out of memory\"");
		goto out;
	}
	if (ssh_handle_key_exchange(s->eng) != SSH_OK) {
		/* Scanners and port checks end here; not a failure of ours. */
		log_info("event=kex_failed client=%s error=\"%s\"", client_addr, ssh_get_error(s->eng));
		rc = 0;
		goto out;
	}
	in_handshake = 0;
	ssh_set_blocking(s->eng, 0);
	if ((s->event = ssh_event_new()) == NULL || ssh_event_add_session(s->event, s->eng) != SSH_OK ||
	    ssh_event_add_fd(s->event, monitor_fd, POLLIN, on_monitor, s) != SSH_OK) {
		log_error("event=internal error=\"cannot create the event loop\"");
		goto out;
	}
	run_loop(s);
	alarm(0);
	auth_finish_refused(s);
	end_session(s);
	rc = 0;
out:
	if (s->event != NULL) {
		ssh_event_remove_fd(s->event, monitor_fd);
		if (s->target_in_event)
			ssh_event_remove_session(s->event, s->tc.session);
		if (s->eng != NULL)
			ssh_event_remove_session(s->event, s->eng);
		ssh_event_free(s->event);
	}
	channel_state_free(s);	/* the channels before the device login they run on */
	target_conn_close(&s->tc);
	if (s->eng != NULL) {
		ssh_disconnect(s->eng);
		ssh_free(s->eng);
	}
	(void)mc_flush();
	engcmd_free(s);
	auth_free(s);
	free(s->allow_ops);
	if (s->startup_fd >= 0)
		close(s->startup_fd);
	free(s);
	return rc;
}
