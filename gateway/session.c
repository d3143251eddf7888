/*
 * Lifecycle of one engineer connection in its forked child: key exchange,
 * the authentication phase (auth.c), the relay loop (relay.c) and the
 * session row that says how it all ended.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "audit.h"
#include "commands.h"
#include "duration.h"
#include "engcmd.h"
#include "escrow.h"
#include "json.h"
#include "log.h"
#include "session.h"
#include "util.h"
#include "xfer.h"

/* How often a running session re-reads its approval for a revocation. */
#define APPROVAL_RECHECK_SECONDS 3

volatile sig_atomic_t session_stop_requested;
static volatile sig_atomic_t kill_requested;	/* SIGUSR1 from remgatectl sessions kill */
static volatile sig_atomic_t grace_expired;
static volatile sig_atomic_t in_handshake;	/* libssh would retry its poll: just go */

static void
on_term(int sig)
{
	(void)sig;
	session_stop_requested = 1;
}

static void
on_kill(int sig)
{
	(void)sig;
	kill_requested = 1;
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
	sa.sa_handler = on_kill;
	sigaction(SIGUSR1, &sa, NULL);
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
	struct audit_event ev = {
		.kind = kind,
		.session_id = s->sid,
		.engineer = s->engineer ? s->engineer->name : (s->user[0] ? s->user : NULL),
		.target = s->target ? s->target->name : (s->want_target[0] ? s->want_target : NULL),
		.approval_id = s->approval.id,
		.client_addr = s->client_addr,
		.reason = reason,
		.detail = detail,
	};

	if (s->store == NULL || audit_event_add(s->store, &ev, (int64_t)time(NULL)) != 0)
		log_error("event=store_failed op=event kind=%s", kind);
	if (s->rec != NULL) {
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
			session_record(s, REC_EVENT, json, len);
		}
		free(json);
	}
}

void
session_record(struct session *s, uint8_t type, const void *data, size_t len)
{
	if (s->rec != NULL && recorder_add(s->rec, type, data, len) != 0 && s->end_reason == NULL)
		log_error("event=recording_failed error=\"%s\"", recorder_error(s->rec));
}

/* Hidden input is for passwords: long or frequent hidden input is flagged, once. */
static void
check_masked(struct session *s, const struct cmd_entry *e)
{
	char detail[200];
	size_t n = 0;

	if (e->kind != CMD_MASKED || s->masked_alarmed)
		return;
	s->masked_entries++;
	(void)cmdlog_masked_len(e->text, &n);
	if (!cmdlog_masked_unusual(n, s->masked_entries))
		return;
	s->masked_alarmed = 1;
	if (n > CMDLOG_MASKED_UNUSUAL_BYTES)
		snprintf(detail, sizeof(detail), "a hidden input of %zu bytes (passwords are rarely over %d)%s", n,
		    CMDLOG_MASKED_UNUSUAL_BYTES, s->escrow ? "; escrowed" : "; not escrowed: no escrow key");
	else
		snprintf(detail, sizeof(detail), "%d hidden inputs in one session (more than %d)%s", s->masked_entries,
		    CMDLOG_MASKED_UNUSUAL_COUNT, s->escrow ? "; escrowed" : "; not escrowed: no escrow key");
	session_event(s, "masked_input_unusual", "masked_input_unusual", detail);
	log_warn("event=masked_input_unusual detail=\"%s\"", detail);
}

static void
command_found(void *arg, const struct cmd_entry *e)
{
	struct session *s = arg;

	check_masked(s, e);
	if (commands_add(s->store, s->sid, s->ncmds++, e) != 0)
		log_error("event=store_failed op=command error=\"%s\"", store_errmsg(s->store));
}

int
session_open_recording(struct session *s, char *err, size_t errlen)
{
	struct cmdlog_hooks hooks = { .arg = s, .entry = command_found };
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
	util_time_iso((int64_t)time(NULL), started, sizeof(started));
	sigkey_public(s->sigkey, pub);
	sigkey_fingerprint(pub, fp, sizeof(fp));
	json_init(&j, f);
	json_begin_object(&j);
	json_key_str(&j, "format", "remgate-recording");
	json_key_int(&j, "version", 1);
	json_key_str(&j, "session", s->sid);
	json_key_str(&j, "engineer", s->engineer->name);
	json_key_str(&j, "target", s->target->name);
	json_key_int(&j, "approval", s->approval.id);
	json_key_str(&j, "ticket", s->approval.ticket);
	json_key_str(&j, "client", s->client_addr);
	json_key_str(&j, "started", started);
	json_key_str(&j, "signing_key", fp);
	json_end_object(&j);
	fclose(f);
	r = recorder_open(s->cfg->recordings_dir, s->sid, json, s->sigkey, s->cfg->recording_flush_ms,
	    &s->rec, err, errlen);
	free(json);
	if (r != 0)
		return -1;
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

/* Close the recording with a signed seal and note it on the session row. */
static void
seal_recording(struct session *s)
{
	uint8_t head[RECFILE_HASH_LEN];
	char hex[2 * RECFILE_HASH_LEN + 1];
	uint32_t count;

	if (s->rec == NULL)
		return;
	if (recorder_seal(s->rec, head, &count) != 0) {
		log_error("event=recording_failed op=seal path=\"%s\" error=\"%s\"", recorder_path(s->rec),
		    recorder_error(s->rec));
		return;
	}
	util_hex(head, sizeof(head), hex);
	if (audit_session_sealed(s->store, s->sid, count, hex) != 0)
		log_error("event=store_failed op=session_sealed error=\"%s\"", store_errmsg(s->store));
	log_info("event=recording_sealed path=\"%s\" records=%u head=%s", recorder_path(s->rec), count, hex);
}

static void
end_session(struct session *s)
{
	int64_t bytes_in = s->to_target.moved;
	int64_t bytes_out = s->to_engineer.moved + s->to_engineer_err.moved;
	struct audit_session row = {
		.id = s->sid,
		.ended_at = (int64_t)time(NULL),
		.exit_status = s->exit_status,
		.exit_signal = s->exit_signal[0] ? s->exit_signal : NULL,
		.end_reason = s->end_reason ? s->end_reason : "closed",
		.bytes_in = bytes_in,
		.bytes_out = bytes_out,
	};
	char detail[200];

	xfer_finish(s);	/* files still open are recorded as incomplete */
	if (s->cmds != NULL)
		cmdlog_finish(s->cmds, recorder_now_us());
	if (audit_session_end(s->store, &row) != 0)
		log_error("event=store_failed op=session_end error=\"%s\"", store_errmsg(s->store));
	if (s->exit_signal[0])
		snprintf(detail, sizeof(detail), "signal %s, %lld bytes in, %lld bytes out", s->exit_signal,
		    (long long)bytes_in, (long long)bytes_out);
	else
		snprintf(detail, sizeof(detail), "exit status %d, %lld bytes in, %lld bytes out", s->exit_status,
		    (long long)bytes_in, (long long)bytes_out);
	session_event(s, "session_end", row.end_reason, detail);
	seal_recording(s);
	log_info("event=session_end reason=%s exit_status=%d exit_signal=%s bytes_in=%lld bytes_out=%lld"
	    " duration=%llds", row.end_reason, s->exit_status, s->exit_signal[0] ? s->exit_signal : "-",
	    (long long)bytes_in, (long long)bytes_out, (long long)(row.ended_at - s->started_at));
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

/* remgatectl sessions kill: say who and why, to the engineer and the record. */
static void
kill_session(struct session *s)
{
	char *by = NULL, *reason = NULL, line[400], detail[400];

	kill_requested = 0;
	if (audit_session_kill_request(s->store, s->sid, &by, &reason) != 0)
		by = NULL;
	snprintf(line, sizeof(line), "session ended by %s%s%s", by ? by : "an administrator",
	    reason ? ": " : "", reason ? reason : "");
	snprintf(detail, sizeof(detail), "killed by %s%s%s", by ? by : "unknown", reason ? ": " : "",
	    reason ? reason : "");
	session_event(s, "session_killed", "killed", detail);
	log_info("event=session_killed by=%s", by ? by : "unknown");
	s->end_reason = "killed";
	tell_engineer(s, line);
	ssh_blocking_flush(s->eng, 2000);
	free(by);
	free(reason);
}

/*
 * A session lives no longer than what allows it: the approval's window, the
 * approval itself (revoked: re-read every few seconds), the target's
 * max_session_time and idle_timeout. Returns the end reason, with the
 * engineer's last line in line, or NULL; warns once before the window ends.
 */
static const char *
limit_reached(struct session *s, int64_t now, char *line, size_t linelen)
{
	int64_t max = config_max_session_time(s->cfg, s->target), idle = config_idle_timeout(s->cfg, s->target);
	int64_t left = s->approval.valid_until - now;
	char when[32], span[32];

	/* Called every loop turn: text is made only when something is to be said. */
	if (left <= 0) {
		util_time_iso(s->approval.valid_until, when, sizeof(when));
		snprintf(line, linelen, "approval %lld ended %s: session closed", (long long)s->approval.id, when);
		return "approval_expired";
	}
	if (now >= s->next_approval_check) {
		struct approval a;

		s->next_approval_check = now + APPROVAL_RECHECK_SECONDS;
		if (approval_get(s->store, s->approval.id, &a) == 0) {
			int revoked = a.revoked_at != 0;

			if (revoked) {
				util_time_iso(a.revoked_at, when, sizeof(when));
				snprintf(line, linelen, "approval %lld was revoked by %s at %s: session closed",
				    (long long)a.id, a.revoked_by ? a.revoked_by : "an administrator", when);
			}
			approval_clear(&a);
			if (revoked)
				return "approval_revoked";
		}
	}
	if (max > 0 && now - s->started_at >= max) {
		duration_format(max, span, sizeof(span));
		snprintf(line, linelen, "the session reached the time limit of %s for %s: session closed", span,
		    s->target->name);
		return "max_session_time";
	}
	if (idle > 0 && s->last_activity > 0 && now - s->last_activity >= idle) {
		duration_format(idle, span, sizeof(span));
		snprintf(line, linelen, "no input or output for %s: session closed", span);
		return "idle_timeout";
	}
	if (!s->approval_warned && s->cfg->approval_warning > 0 && left <= s->cfg->approval_warning) {
		char warn[300];

		s->approval_warned = 1;
		util_time_iso(s->approval.valid_until, when, sizeof(when));
		duration_format(left, span, sizeof(span));
		snprintf(warn, sizeof(warn), "approval %lld ends %s (in %s): the session will be closed then; "
		    "ask the customer for more time if you need it", (long long)s->approval.id, when, span);
		session_event(s, "session_warning", "approval_ending", warn);
		tell_engineer(s, warn);
	}
	return NULL;
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
	while (!s->done) {
		int due = recorder_due_ms(s->rec);

		/* An error here means one side broke; the checks below say which. */
		(void)ssh_event_dopoll(s->event, due >= 0 && due < 1000 ? (due > 0 ? due : 1) : 1000);
		if (s->authenticated && ssh_broken(s->eng)) {
			char detail[300];

			snprintf(detail, sizeof(detail), "the engineer's connection broke: %s", ssh_get_error(s->eng));
			if (!s->command_mode) {
				if (s->end_reason == NULL)
					s->end_reason = "protocol_error";
				session_event(s, "protocol_error", "ssh_protocol_error", detail);
			}
			log_warn("event=protocol_error side=engineer detail=\"%s\"", detail);
			break;
		}
		if (s->authenticated && s->startup_fd >= 0) {
			close(s->startup_fd);	/* no longer a startup: the parent admits others */
			s->startup_fd = -1;
		}
		if (s->refused) {
			ssh_blocking_flush(s->eng, 2000);	/* the banner first */
			break;
		}
		if (!s->authenticated && grace_expired) {
			/* Still there but never answered the token prompt: that is the time limit's refusal. */
			if (s->pending_reason == NULL || strcmp(s->pending_reason, "token_missing") == 0)
				s->pending_reason = "login_timeout";
			if (strcmp(s->pending_reason, "login_timeout") == 0)
				snprintf(s->pending_detail, sizeof(s->pending_detail),
				    "no login within %llds", (long long)s->cfg->login_grace_time);
			break;
		}
		if (s->started && !s->target_in_event && join_target(s) != 0) {
			s->end_reason = "internal_error";
			tell_engineer(s, "internal error; session ended");
			break;
		}
		if (s->authenticated && s->command_mode)
			engcmd_pump(s);
		else if (s->authenticated)
			relay_pump(s);
		if (s->rec != NULL && recorder_tick(s->rec) != 0) {
			/* Never relay unrecorded: stop here, and say why. */
			char why[200];

			snprintf(why, sizeof(why), "the recording failed (%s); session ended", recorder_error(s->rec));
			log_error("event=recording_failed path=\"%s\" error=\"%s\"", recorder_path(s->rec),
			    recorder_error(s->rec));
			s->end_reason = "recording_failed";
			tell_engineer(s, why);
			ssh_blocking_flush(s->eng, 2000);
			break;
		}
		if (s->cmds != NULL)
			cmdlog_tick(s->cmds, recorder_now_us());
		if (kill_requested && s->authenticated) {
			kill_session(s);
			break;
		}
		if (s->authenticated && !s->command_mode && s->target != NULL) {
			char line[400];
			const char *why = limit_reached(s, (int64_t)time(NULL), line, sizeof(line));

			if (why != NULL) {
				s->end_reason = why;
				session_event(s, "session_ended", why, line);
				log_info("event=session_limit reason=%s detail=\"%s\"", why, line);
				tell_engineer(s, line);
				ssh_blocking_flush(s->eng, 2000);
				break;
			}
		}
		if (!ssh_is_connected(s->eng)) {
			if (s->authenticated && s->end_reason == NULL)
				s->end_reason = "engineer_disconnected";
			break;
		}
		if (s->tc.session != NULL && s->target_in_event &&
		    (!ssh_is_connected(s->tc.session) || ssh_get_error_code(s->tc.session) == SSH_FATAL)) {
			if (s->end_reason == NULL)
				s->end_reason = "target_disconnected";
			tell_engineer(s, "the target connection was lost");
			ssh_blocking_flush(s->eng, 2000);
			break;
		}
		if (session_stop_requested) {
			if (s->authenticated) {
				s->end_reason = "gateway_shutdown";
				tell_engineer(s, "the gateway is shutting down; session ended");
				ssh_blocking_flush(s->eng, 2000);
			}
			break;
		}
		if (s->authenticated && s->chan == NULL && s->started_at > 0 &&
		    (int64_t)time(NULL) - s->started_at > s->cfg->login_grace_time) {
			s->end_reason = "no_channel";
			break;
		}
	}
}

int
session_run(const struct config *cfg, const struct sigkey *sigkey, ssh_bind bind, int fd, int startup_fd,
    const char *client_addr)
{
	struct session *s;
	unsigned char rnd[SESSION_ID_LEN / 2];
	char err[512];
	int rc = 1;

	install_signals();
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		close(fd);
		return 1;
	}
	s->cfg = cfg;
	s->sigkey = sigkey;
	s->startup_fd = startup_fd;
	s->exit_status = -1;
	s->eng_end.side = "engineer";
	s->dev_end.side = "device";
	s->to_engineer_err.is_stderr = 1;
	snprintf(s->client_addr, sizeof(s->client_addr), "%s", client_addr);
	if (util_random(rnd, sizeof(rnd)) != 0) {
		close(fd);
		free(s);
		return 1;
	}
	util_hex(rnd, sizeof(rnd), s->sid);
	log_set_sid(s->sid);

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
	auth_setup(s);
	if (ssh_handle_key_exchange(s->eng) != SSH_OK) {
		/* Scanners and port checks end here; not a failure of ours. */
		log_info("event=kex_failed client=%s error=\"%s\"", client_addr, ssh_get_error(s->eng));
		rc = 0;
		goto out;
	}
	in_handshake = 0;
	/* The store only now: a connection that never finishes key exchange costs it nothing. */
	if (store_open(cfg->db_path, &s->store, err, sizeof(err)) != 0) {
		log_error("event=store_failed error=\"%s\"", err);
		goto out;
	}
	ssh_set_blocking(s->eng, 0);
	if ((s->event = ssh_event_new()) == NULL || ssh_event_add_session(s->event, s->eng) != SSH_OK) {
		log_error("event=internal error=\"cannot create the event loop\"");
		goto out;
	}
	run_loop(s);
	alarm(0);
	auth_finish_refused(s);
	if (s->authenticated && !s->command_mode)
		end_session(s);
	rc = 0;
out:
	if (s->event != NULL) {
		if (s->target_in_event)
			ssh_event_remove_session(s->event, s->tc.session);
		if (s->eng != NULL)
			ssh_event_remove_session(s->event, s->eng);
		ssh_event_free(s->event);
	}
	if (s->chan != NULL)
		ssh_channel_free(s->chan);
	target_conn_close(&s->tc);
	if (s->eng != NULL) {
		ssh_disconnect(s->eng);
		ssh_free(s->eng);
	}
	recorder_free(s->rec);
	escrow_free(s->escrow);
	cmdlog_free(s->cmds);
	engcmd_free(s);
	relaybuf_free(&s->to_target);
	relaybuf_free(&s->to_engineer);
	relaybuf_free(&s->to_engineer_err);
	approval_clear(&s->approval);
	store_close(s->store);
	if (s->startup_fd >= 0)
		close(s->startup_fd);
	free(s);
	return rc;
}
