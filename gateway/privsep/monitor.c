/*
 * The monitor (monitor.h): one per connection, root, holding the store,
 * the signing key and the vaulted keys; its network child holds none.
 * This file is the loop: the request table (which request, in which
 * phase, how often), violations, timers, signals, and the fork.
 */
#include "monitor.h"
#include "monitor_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/socket.h>
#include <sys/wait.h>

#include "agent.h"
#include "endreason.h"
#include "log.h"
#include "monwire.h"
#include "recorder.h"
#include "sandbox.h"
#include "session.h"
#include "util.h"

struct mon_dispatch {
	int type;
	unsigned phases;
	unsigned flags;
	int (*handle)(struct monitor *, struct mon_req *);
};

static volatile sig_atomic_t term_requested, kill_requested;

static void
on_term(int sig)
{
	(void)sig;
	term_requested = 1;
}

static void
on_usr1(int sig)
{
	(void)sig;
	kill_requested = 1;
}

/* Every request the network child may make: when, how often, decoder, handler. */
static const struct mon_dispatch dispatch[] = {
	{ MON_PUBKEY, PH_PREAUTH, MON_ONCE, mon_h_pubkey },
	{ MON_REFUSED, PH_PREAUTH | PH_KEYED, MON_ONCE, mon_h_refused },
	{ MON_TOKEN, PH_KEYED, MON_ONCE, mon_h_token },
	{ MON_TARGET_RESULT, PH_LOGIN, MON_ONCE, mon_h_target },
	{ MON_RECORD, PH_SESSION, 0, mon_h_record },
	{ MON_EVENT, PH_SESSION | PH_COMMAND | PH_ADMITTED | PH_BETWEEN | PH_REFUSED, 0, mon_h_event },
	{ MON_COMMAND, PH_SESSION, 0, mon_h_command },
	{ MON_TRANSFER, PH_SESSION, 0, mon_h_transfer },
	{ MON_KIND, PH_SESSION, MON_ONCE, mon_h_kind },
	{ MON_REPORT, PH_COMMAND, MON_ONCE, mon_h_report },
	{ MON_END, PH_SESSION, MON_ONCE, mon_h_end },
	{ MON_REVIEW, PH_SESSION, 0, mon_h_review },
	{ MON_REVIEW_CANCEL, PH_SESSION, 0, mon_h_review_cancel },
	{ MON_ENGREQ, PH_COMMAND, 0, mon_h_engreq },
	{ MON_ADMIN_CMD, PH_ADMIN, MON_ONCE, mon_h_admin_cmd },
	{ MON_SYNC, PH_SESSION | PH_ADMITTED | PH_BETWEEN | PH_REFUSED, 0, mon_h_sync },
	/* MON_TARGET_RESULT, MON_KIND and MON_END come once per session: mon_h_open clears their bits. */
	{ MON_OPEN, PH_ADMITTED | PH_BETWEEN, 0, mon_h_open },
};

static const struct mon_dispatch *
find_dispatch(int type)
{
	for (size_t i = 0; i < sizeof(dispatch) / sizeof(dispatch[0]); i++)
		if (dispatch[i].type == type)
			return &dispatch[i];
	return NULL;
}

static void
violation(struct monitor *m, const char *what)
{
	char detail[400];

	if (m->killed)
		return;
	m->killed = 1;
	snprintf(m->violation, sizeof(m->violation), "%s", what);
	kill(m->child, SIGKILL);
	snprintf(detail, sizeof(detail), "the network child was killed: %s", what);
	log_error("event=privsep_violation detail=\"%s\"", detail);
	mon_event(m, "privsep_violation", "privsep_violation", detail);
	if (m->phase == PH_SESSION)
		mon_finish_session(m, END_PRIVSEP_VIOLATION, -1, NULL, 0, 0);
	else if (m->phase == PH_LOGIN)
		mon_abandon_login(m);
}

static void
dispatch_frame(struct monitor *m, uint8_t type, const uint8_t *payload, size_t len)
{
	const struct mon_dispatch *d = find_dispatch(type);
	struct mreader r;
	struct mon_req q;
	char what[200];
	int rc;

	if (d == NULL) {
		snprintf(what, sizeof(what), "unknown request type %u", type);
		violation(m, what);
		return;
	}
	if (!(d->phases & m->phase) || ((d->flags & MON_ONCE) && (m->once_seen & (1u << type)))) {
		snprintf(what, sizeof(what), "request %s out of order (phase %#x%s)", mon_type_name(type),
		    (unsigned)m->phase, (m->once_seen & (1u << type)) ? ", already made" : "");
		violation(m, what);
		return;
	}
	m->once_seen |= 1u << type;
	memset(&q, 0, sizeof(q));
	mreader_init(&r, payload, len);
	if (mon_decoder_for(type)(&r, &q) != 0) {
		snprintf(what, sizeof(what), "malformed request %s (%zu bytes)", mon_type_name(type), len);
		violation(m, what);
		return;
	}
	rc = d->handle(m, &q);
	mon_req_clear(type, &q);
	if (rc != 0) {
		snprintf(what, sizeof(what), "request %s refused", mon_type_name(type));
		violation(m, what);
	}
}

/* Do the whole frames in buf hold anything but records, that is rows for the store? */
static int
writes_rows(const uint8_t *buf, size_t len)
{
	uint8_t type;
	const uint8_t *payload;
	size_t plen, used, off = 0;

	while (mon_frame_split(buf + off, len - off, &type, &payload, &plen, &used) == 1) {
		if (type != MON_RECORD)
			return 1;
		off += used;
	}
	return 0;
}

/*
 * Read what the child sent and act on each whole frame, the rows of one
 * read in one transaction. 0 go on, 1 the child is gone.
 */
static int
read_child(struct monitor *m)
{
	size_t off = 0;
	ssize_t got;
	int batch;

	if (m->incap - m->inlen < 65536) {
		size_t cap = m->incap ? m->incap * 2 : 262144;
		uint8_t *p;

		if (cap > 2 * (MON_MAX_FRAME + 8) && m->inlen + 65536 <= 2 * (MON_MAX_FRAME + 8))
			cap = 2 * (MON_MAX_FRAME + 8);
		if ((p = realloc(m->in, cap)) == NULL)
			return 1;
		m->in = p;
		m->incap = cap;
	}
	do
		got = read(m->fd, m->in + m->inlen, m->incap - m->inlen);
	while (got < 0 && errno == EINTR);
	if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (got <= 0)
		return 1;
	m->inlen += (size_t)got;
	batch = m->phase == PH_SESSION && writes_rows(m->in, m->inlen) && mon_batch_begin(m) == 0;
	while (!m->killed) {
		uint8_t type;
		const uint8_t *payload;
		size_t plen, used;
		int r = mon_frame_split(m->in + off, m->inlen - off, &type, &payload, &plen, &used);

		if (r < 0) {
			violation(m, "a malformed frame");
			break;
		}
		if (r == 0)
			break;
		dispatch_frame(m, type, payload, plen);
		off += used;
	}
	if (batch)
		mon_batch_end(m);
	if (m->sync_wanted) {
		/* Answered only now: the rows of this read are committed. */
		m->sync_wanted = 0;
		mbuf_begin(&m->out, MON_R_SYNC);
		(void)mon_send_frame(m);
	}
	memmove(m->in, m->in + off, m->inlen - off);
	m->inlen -= off;
	m->partial_since = m->inlen > 0 ? (m->partial_since ? m->partial_since : mon_now()) : 0;
	return 0;
}

static void
tick(struct monitor *m)
{
	int64_t now = mon_now();

	if (m->rec != NULL && m->phase == PH_SESSION && recorder_tick(m->rec) != 0)
		mon_recording_failed(m);
	if (kill_requested) {
		kill_requested = 0;
		if (m->phase == PH_SESSION)
			mon_kill_session(m);
	}
	if (term_requested) {
		term_requested = 0;
		if (m->phase == PH_SESSION)
			mon_stop(m, END_GATEWAY_SHUTDOWN, "the gateway is shutting down; session ended");
		else
			kill(m->child, SIGTERM);	/* it says nothing before login; a command run ends */
	}
	if ((m->phase & (PH_SESSION | PH_ADMITTED | PH_BETWEEN)) && m->stop_reason == END_NONE)
		mon_check_limits(m, now);
	if (m->phase == PH_SESSION && m->review_id != 0)
		mon_check_review(m, now, 0);
	if (m->stop_reason != END_NONE && (m->phase & (PH_SESSION | PH_ADMITTED | PH_BETWEEN)) &&
	    now - m->stop_sent_at >= STOP_GRACE_SECONDS) {
		violation(m, "the network child did not end the session when told to");
	}
	if (m->partial_since && now - m->partial_since >= PARTIAL_FRAME_SECONDS)
		violation(m, "a frame left half sent");
	/* The child enforces the login grace time; this is the backstop. */
	if ((m->phase & (PH_PREAUTH | PH_KEYED | PH_LOGIN)) && m->started_at == 0)
		m->started_at = now;
	if ((m->phase & (PH_PREAUTH | PH_KEYED | PH_LOGIN)) &&
	    now - m->started_at > m->cfg->login_grace_time + m->cfg->target_connect_timeout + STOP_GRACE_SECONDS)
		violation(m, "the login went on past the login grace time");
}

static void
install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

int
monitor_serve(const struct config *cfg, const struct sigkey *sigkey, pid_t child, int fd, const char *sid,
    const char *client_addr, int *child_status)
{
	struct monitor *m = calloc(1, sizeof(*m));
	int status = 0, gone = 0;

	if (m == NULL) {
		kill(child, SIGKILL);
		waitpid(child, child_status, 0);
		return 1;
	}
	m->cfg = cfg;
	m->sigkey = sigkey;
	m->child = child;
	m->fd = fd;
	m->agent_fd = -1;
	m->helper_out = m->helper_err = -1;
	m->phase = PH_PREAUTH;
	snprintf(m->sid, sizeof(m->sid), "%s", sid);
	snprintf(m->client_addr, sizeof(m->client_addr), "%s", client_addr);
	mbuf_init(&m->out);
	(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);

	while (!gone) {
		/* The child; the device login's agent; an administrator's command's stdout and stderr. */
		struct pollfd pfd[4] = { { .fd = fd, .events = POLLIN }, { .fd = m->agent_fd, .events = POLLIN },
			{ .fd = m->helper_out, .events = POLLIN }, { .fd = m->helper_err, .events = POLLIN } };
		int due = m->rec ? recorder_due_ms(m->rec) : -1;
		int timeout = due >= 0 && due < 1000 ? (due > 0 ? due : 1) : 1000;
		int n = poll(pfd, 4, timeout);	/* fd -1 entries are skipped */

		for (int h = 2; h < 4 && n > 0; h++)
			if (pfd[h].fd >= 0 && (pfd[h].revents & (POLLIN | POLLHUP | POLLERR)))
				mon_admin_pump(m, pfd[h].fd);

		if (n > 0 && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)))
			gone = read_child(m);
		if (n > 0 && m->agent_fd >= 0 && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			char why[200];
			int r = agent_serve(m->agent, m->agent_fd, why, sizeof(why));

			if (r < 0)
				violation(m, why);
			else if (r > 0)
				mon_drop_agent(m);
		}
		tick(m);
		if (m->killed)
			gone = 1;
	}
	mon_admin_stop(m);	/* the administrator left: their command goes too */
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	if (m->phase == PH_LOGIN) {
		log_info("event=login_abandoned detail=\"the network child ended during the target login\"");
		mon_abandon_login(m);
	}
	if (m->phase == PH_SESSION) {
		char detail[200];

		/* The child died with the session open: say how, and seal what was recorded. */
		if (WIFSIGNALED(status))
			snprintf(detail, sizeof(detail), "the network child died of signal %d", WTERMSIG(status));
		else
			snprintf(detail, sizeof(detail), "the network child exited (%d) without ending the session",
			    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		log_error("event=network_child_died detail=\"%s\"", detail);
		mon_event(m, "network_child_died", "network_child_died", detail);
		mon_finish_session(m, m->stop_reason != END_NONE ? m->stop_reason : END_NETWORK_CHILD_DIED, -1, NULL, 0, 0);
	}
	if (child_status != NULL)
		*child_status = status;
	mon_drop_agent(m);
	recorder_free(m->rec);
	approval_clear(&m->approval);
	store_close(m->store);
	mbuf_free(&m->out);
	free(m->in);
	free(m);
	return 0;
}

int
monitor_run(const struct config *cfg, const struct sigkey *sigkey, ssh_bind bind, int fd, int startup_fd,
    const char *client_addr)
{
	unsigned char rnd[SESSION_ID_LEN / 2];
	char sid[SESSION_ID_LEN + 1], err[512];
	struct sandbox_user u;
	int sv[2], rc;
	pid_t pid, self;

	install_signals();
	{
		int keep[2] = { fd, startup_fd };

		/* The daemon's store handle and the like stay with the daemon. */
		sandbox_close_inherited(keep, 2);
	}
	if (util_random(rnd, sizeof(rnd)) != 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		close(fd);
		return 1;
	}
	util_hex(rnd, sizeof(rnd), sid);
	log_set_sid(sid);
	/* Room for a few relay chunks each way, so neither side waits on the other per chunk. */
	(void)setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &(int){ 1 << 20 }, sizeof(int));
	(void)setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &(int){ 1 << 20 }, sizeof(int));
	if (sandbox_lookup(cfg->privsep_user, &u, err, sizeof(err)) != 0) {
		log_error("event=privsep_failed error=\"%s\"", err);
		close(fd);
		return 1;
	}
	self = getpid();
	if ((pid = fork()) < 0) {
		log_error("event=fork_failed error=\"%s\"", strerror(errno));
		close(fd);
		return 1;
	}
	if (pid == 0) {
		int keep[3] = { fd, startup_fd, sv[1] };

		close(sv[0]);
		sandbox_close_inherited(keep, 3);
		if (sandbox_enter(cfg->privsep_dir, &u, self, err, sizeof(err)) != 0) {
			log_error("event=privsep_failed error=\"%s\"", err);
			_exit(1);
		}
		/* exit, not _exit: the sanitizer build checks the child for leaks too. */
		exit(session_run(cfg, bind, fd, startup_fd, client_addr, sid, sv[1]));
	}
	/* The connection and the startup slot are the child's alone. */
	close(sv[1]);
	close(fd);
	if (startup_fd >= 0)
		close(startup_fd);
	rc = monitor_serve(cfg, sigkey, pid, sv[0], sid, client_addr, NULL);
	close(sv[0]);
	return rc;
}
