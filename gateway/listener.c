/*
 * The parent process. It never touches engineer traffic: it accepts,
 * forks, and keeps the books on its children, so a child that crashes
 * takes only its own connection with it.
 */
#include "listener.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "audit.h"
#include "control.h"
#include "keyhistory.h"
#include "log.h"
#include "console.h"
#include "notify.h"
#include "monitor.h"
#include "session.h"
#include "startups.h"

#define MAX_LISTEN 8

static int sig_pipe[2] = { -1, -1 };

/* remgatectl sessions watch: a connection told "ended" when the session's process is reaped. */
struct watcher {
	int fd;
	pid_t pid;
};

static struct {
	int fd;			/* the control socket, -1 without */
	struct watcher w[32];
	size_t nw;
} control = { .fd = -1 };

static void
on_signal(int sig)
{
	unsigned char c = (unsigned char)sig;
	int saved = errno;

	(void)!write(sig_pipe[1], &c, 1);
	errno = saved;
}

static int
set_cloexec_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return -1;
	return 0;
}

/* Bind one "host:port" (every address it resolves to) into fds[*n...]. */
static int
open_one(const char *host, int portnum, int *fds, int maxfds, int *n, char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL, *ai;
	char port[16];
	int rc, one = 1, last_errno = 0, before = *n;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%d", portnum);
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		snprintf(err, errlen, "listen %s:%d: %s", host, portnum, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL && *n < maxfds; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);

		if (fd < 0) {
			last_errno = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (ai->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 128) != 0 ||
		    set_cloexec_nonblock(fd) != 0) {
			last_errno = errno;
			close(fd);
			continue;
		}
		fds[(*n)++] = fd;
	}
	freeaddrinfo(res);
	if (*n == before) {
		snprintf(err, errlen, "listen %s:%d: %s", host, portnum, strerror(last_errno ? last_errno : EADDRNOTAVAIL));
		return -1;
	}
	return 0;
}

int
listener_open(const struct config *cfg, int *fds, int maxfds, char *err, size_t errlen)
{
	int n = 0;

	for (size_t i = 0; i < cfg->nlisten; i++) {
		if (open_one(cfg->listen[i].host, cfg->listen[i].port, fds, maxfds, &n, err, errlen) != 0) {
			while (n > 0)
				close(fds[--n]);
			return -1;
		}
	}
	return n;
}

/* "host:port" (IPv6 as "[host]:port") into out, and the host alone into host. */
static void
peer_name(int fd, char *out, size_t outlen, char *host, size_t hostlen)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int port = 0;

	snprintf(out, outlen, "unknown");
	snprintf(host, hostlen, "unknown");
	if (getpeername(fd, (struct sockaddr *)&ss, &len) != 0)
		return;
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		inet_ntop(AF_INET, &in->sin_addr, host, (socklen_t)hostlen);
		port = ntohs(in->sin_port);
		snprintf(out, outlen, "%s:%d", host, port);
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		inet_ntop(AF_INET6, &in6->sin6_addr, host, (socklen_t)hostlen);
		port = ntohs(in6->sin6_port);
		snprintf(out, outlen, "[%s]:%d", host, port);
	}
}

/*
 * The children, each with the read end of its startup pipe while it has
 * not authenticated yet: the child closes its end once the engineer is in
 * (or it ends), which the parent sees as EOF. As in OpenSSH's sshd.
 */
struct child {
	pid_t pid;
	int startup_fd;		/* -1: authenticated or gone */
	char source[64];	/* the peer's address without the port */
};

struct children {
	struct child *c;
	size_t n, cap;
	size_t startups;	/* children with startup_fd >= 0 */
	struct pollfd *pfd;	/* the parent's poll set, kept here so a child can free it */
	size_t pfd_cap;
};

static int
children_add(struct children *k, pid_t pid, int startup_fd, const char *source)
{
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 64;
		struct child *p = realloc(k->c, cap * sizeof(*p));

		if (p == NULL)
			return -1;
		k->c = p;
		k->cap = cap;
	}
	k->c[k->n].pid = pid;
	k->c[k->n].startup_fd = startup_fd;
	snprintf(k->c[k->n].source, sizeof(k->c[k->n].source), "%s", source);
	k->n++;
	if (startup_fd >= 0)
		k->startups++;
	return 0;
}

static void
startup_done(struct children *k, struct child *c)
{
	if (c->startup_fd < 0)
		return;
	close(c->startup_fd);
	c->startup_fd = -1;
	k->startups--;
}

static int
children_remove(struct children *k, pid_t pid)
{
	for (size_t i = 0; i < k->n; i++) {
		if (k->c[i].pid == pid) {
			startup_done(k, &k->c[i]);
			k->c[i] = k->c[--k->n];
			return 0;
		}
	}
	return -1;
}

static size_t
startups_from(const struct children *k, const char *source)
{
	size_t n = 0;

	for (size_t i = 0; i < k->n; i++)
		if (k->c[i].startup_fd >= 0 && strcmp(k->c[i].source, source) == 0)
			n++;
	return n;
}

/* Tell the watchers of pid (0: all) that the session is over. */
static void
watchers_end(pid_t pid)
{
	for (size_t i = 0; i < control.nw;) {
		if (pid == 0 || control.w[i].pid == pid) {
			(void)!write(control.w[i].fd, "ended\n", 6);
			close(control.w[i].fd);
			control.w[i] = control.w[--control.nw];
		} else {
			i++;
		}
	}
}

/* Collect finished children; a session row a dead child left open is closed. */
/*
 * The daemon's background processes: the notifier (notify.h) and the web
 * console (console.h). Each is started again 5 s after it dies, and at once
 * after we stopped it for a reload (to take the new configuration).
 */
struct bgproc {
	const char *name;
	pid_t pid;
	time_t restart_at;
	int stopping;		/* we told it to stop (reload): restart at once */
};

static struct bgproc notifier = { .name = "notifier" }, console = { .name = "console" };

static void
notifier_keep(const struct config *cfg, const int *fds, int nfds, int control_fd)
{
	int close_fds[MAX_LISTEN + 3];
	size_t n = 0;

	if (notifier.pid != 0 || time(NULL) < notifier.restart_at)
		return;
	for (int i = 0; i < nfds && n < MAX_LISTEN; i++)
		close_fds[n++] = fds[i];
	close_fds[n++] = control_fd;
	close_fds[n++] = sig_pipe[0];
	close_fds[n++] = sig_pipe[1];
	if ((notifier.pid = notify_start(cfg, close_fds, n)) < 0) {
		notifier.pid = 0;
		notifier.restart_at = time(NULL) + 5;
	}
}

static void
console_keep(const struct config *cfg)
{
	if (!cfg->console.enabled || console.pid != 0 || time(NULL) < console.restart_at)
		return;
	if ((console.pid = console_start(cfg)) < 0) {
		console.pid = 0;
		console.restart_at = time(NULL) + 5;
	}
}

static void
bgproc_stop(struct bgproc *p)
{
	if (p->pid > 0) {
		p->stopping = 1;
		kill(p->pid, SIGTERM);
	}
}

/* pid was one of them: note it, and when to start it again. 1 if it was, else 0. */
static int
bgproc_reaped(struct bgproc *p, pid_t pid, int status)
{
	if (pid != p->pid)
		return 0;
	p->pid = 0;
	p->restart_at = time(NULL) + (p->stopping ? 0 : 5);
	p->stopping = 0;
	if (WIFSIGNALED(status) || WEXITSTATUS(status) != 0)
		log_warn("event=%s_died status=%d note=\"restarting in 5 s\"", p->name,
		    WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status));
	return 1;
}

static void
bgproc_wait(struct bgproc *p)
{
	bgproc_stop(p);
	if (p->pid > 0)
		(void)waitpid(p->pid, NULL, 0);
	p->pid = 0;
}

/*
 * The daemon's store: open only while it is used, closed before anything
 * is forked. A SQLite connection open across fork() leaves the child
 * SQLite's per-process lock and shared-memory bookkeeping for the file,
 * with descriptors the sandbox then closes; the child's own connection
 * then takes its WAL locks on nothing, two processes write at once, and
 * commits are silently lost (sqlite.org/howtocorrupt.html, 2.6).
 */
static struct store *dstore;

static struct store *
ds(const struct config *cfg)
{
	char err[512];

	if (dstore == NULL && store_open(cfg->db_path, &dstore, err, sizeof(err)) != 0) {
		log_error("event=store_failed error=\"%s\"", err);
		dstore = NULL;
	}
	return dstore;
}

static void
ds_release(void)
{
	store_close(dstore);
	dstore = NULL;
}

static void
reap(struct children *c, const struct config *cfg)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		/* The notifier resumes delivery at each cursor; the console's browser sessions live in the store. */
		if (bgproc_reaped(&notifier, pid, status) || bgproc_reaped(&console, pid, status))
			continue;
		if (children_remove(c, pid) != 0)
			continue;
		watchers_end(pid);
		if (WIFSIGNALED(status)) {
			log_warn("event=child_died child=%d signal=%d", (int)pid, WTERMSIG(status));
		} else if (WEXITSTATUS(status) != 0) {
			log_warn("event=child_failed child=%d status=%d", (int)pid, WEXITSTATUS(status));
		}
		if ((WIFSIGNALED(status) || WEXITSTATUS(status) != 0) && ds(cfg) != NULL) {
			int closed = audit_sessions_close_abnormal(dstore, (int64_t)pid, "gateway_process_died",
			    (int64_t)time(NULL));
			if (closed > 0)
				log_warn("event=session_closed_abnormally child=%d sessions=%d", (int)pid, closed);
		}
	}
}

struct reload_ctx {
	const struct config *cfg;
	const struct children *kids;
	struct store *st;
	int ended;
};

/* A running session of ours whose engineer or target the new configuration dropped. */
static int
end_if_dropped(const struct audit_session *a, void *arg)
{
	struct reload_ctx *r = arg;
	char reason[200];
	int ours = 0;

	if (a->ended_at != 0)
		return 0;
	for (size_t i = 0; i < r->kids->n && !ours; i++)
		ours = (int64_t)r->kids->c[i].pid == a->pid;
	if (!ours)
		return 0;
	if (config_engineer(r->cfg, a->engineer) == NULL)
		snprintf(reason, sizeof(reason), "engineer %s was removed from the configuration", a->engineer);
	else if (config_target(r->cfg, a->target) == NULL)
		snprintf(reason, sizeof(reason), "target %s was removed from the configuration", a->target);
	else
		return 0;
	if (audit_session_request_kill(r->st, a->id, "gateway", reason, (int64_t)time(NULL)) == 0 &&
	    kill((pid_t)a->pid, SIGUSR1) == 0) {
		log_info("event=session_ended_by_reload session=%s detail=\"%s\"", a->id, reason);
		r->ended++;
	}
	return 0;
}

/* Reload the configuration (SIGHUP or remgatectl reload). 0, or -1 with why in msg; msg says what was loaded. */
static int
reload(struct config **cfgp, struct sigkey **keyp, struct store *st, const struct children *kids, char *msg,
    size_t msglen)
{
	struct config *fresh = NULL;
	struct sigkey *key = NULL;
	char err[1024];

	if (config_load((*cfgp)->path, &fresh, err, sizeof(err)) != 0) {
		struct audit_event ev = { .kind = "config_reload_failed", .detail = err };

		log_error("event=reload_failed error=\"%s\" note=\"keeping the running configuration\"", err);
		snprintf(msg, msglen, "%s (the running configuration is kept)", err);
		(void)audit_event_add(st, &ev, (int64_t)time(NULL));
		return -1;
	}
	if (strcmp(fresh->listen_host, (*cfgp)->listen_host) != 0 || fresh->listen_port != (*cfgp)->listen_port ||
	    strcmp(fresh->state_dir, (*cfgp)->state_dir) != 0 || strcmp(fresh->host_key, (*cfgp)->host_key) != 0)
		log_warn("event=reload note=\"listen, state_dir and host_key changes take effect on restart\"");
	bgproc_stop(&notifier);	/* it starts again with the new destinations */
	bgproc_stop(&console);	/* and the console with the new admins and settings */
	log_info("event=reload engineers=%zu admins=%zu targets=%zu", fresh->nengineers, fresh->nadmins,
	    fresh->ntargets);
	{
		char detail[200];
		struct audit_event ev = { .kind = "config_reloaded", .detail = detail };

		snprintf(detail, sizeof(detail), "%s: %zu engineers, %zu admins, %zu targets, %zu siem destinations",
		    fresh->path, fresh->nengineers, fresh->nadmins, fresh->ntargets, fresh->nsiem);
		if (audit_event_add(st, &ev, (int64_t)time(NULL)) != 0)
			log_error("event=store_failed op=event kind=config_reloaded error=\"%s\"", store_errmsg(st));
	}
	config_free(*cfgp);
	*cfgp = fresh;
	{
		/* Who is no longer allowed in leaves now, not at the end of the session. */
		struct reload_ctx r = { .cfg = fresh, .kids = kids, .st = st };

		if (audit_session_list(st, end_if_dropped, &r) != 0)
			log_error("event=store_failed op=reload_sessions error=\"%s\"", store_errmsg(st));
	}
	/* After remgatectl keys rotate: new sessions seal with the new key. */
	if (sigkey_load(fresh->signing_key, &key, err, sizeof(err)) != 0) {
		log_error("event=reload_failed error=\"%s\" note=\"keeping the running signing key\"", err);
		snprintf(msg, msglen, "configuration reloaded, but %s (the running signing key is kept)", err);
		return -1;
	}
	sigkey_free(*keyp);
	*keyp = key;
	keyhistory_note_key(st, key, (int64_t)time(NULL));
	snprintf(msg, msglen, "reloaded %s: %zu engineers, %zu admins, %zu targets", fresh->path, fresh->nengineers,
	    fresh->nadmins, fresh->ntargets);
	return 0;
}

/* ---- the control socket ---- */

struct live_row {
	int found, running;
	int64_t pid;
};

static int
live_row_found(const struct audit_session *a, void *arg)
{
	struct live_row *r = arg;

	r->found = 1;
	r->running = a->ended_at == 0;
	r->pid = a->pid;
	return 0;
}

/* The process serving sid, if it is one of ours and running: its pid, else 0 with why. */
static pid_t
session_process(struct store *st, const struct children *kids, const char *sid, char *why, size_t whylen)
{
	struct live_row r = { 0 };

	if (audit_session_get(st, sid, live_row_found, &r) != 0 || !r.found) {
		snprintf(why, whylen, "no session '%.40s'", sid);
		return 0;
	}
	if (!r.running) {
		snprintf(why, whylen, "session %.40s has already ended", sid);
		return 0;
	}
	/* The row names a pid; only our own child table says it is this session's process. */
	for (size_t i = 0; i < kids->n; i++)
		if ((int64_t)kids->c[i].pid == r.pid)
			return kids->c[i].pid;
	snprintf(why, whylen, "session %.40s is not running in this remgated", sid);
	return 0;
}

static void
control_request(struct config **cfgp, struct sigkey **keyp, struct store *st, const struct children *kids)
{
	struct control_req req;
	char msg[1200];
	pid_t pid;
	int fd = control_accept(control.fd, &req), keep = 0;

	if (fd < 0)
		return;
	if (strcmp(req.verb, "kill") == 0 && (req.nargs == 2 || req.nargs == 3)) {
		/*
		 * Root may name the person (sudo's user, an administrator over SSH or
		 * in the console: remgatectl runs as root for them); anyone else is who
		 * the kernel says.
		 */
		const char *by = req.uid == 0 && (strncmp(req.arg[1], "local:", 6) == 0 || strncmp(req.arg[1], "ssh:", 4) == 0 ||
		    strncmp(req.arg[1], "console:", 8) == 0) ? req.arg[1] : req.who;
		const char *reason = req.nargs == 3 && req.arg[2][0] ? req.arg[2] : NULL;

		if ((pid = session_process(st, kids, req.arg[0], msg, sizeof(msg))) == 0) {
			(void)control_reply(fd, 0, msg);
		} else if (audit_session_request_kill(st, req.arg[0], by, reason, (int64_t)time(NULL)) != 0) {
			(void)control_reply(fd, 0, "cannot record the kill request in the store");
		} else {
			kill(pid, SIGUSR1);
			log_info("event=kill_requested session=%s by=%s", req.arg[0], by);
			(void)control_reply(fd, 1, NULL);
		}
	} else if (strcmp(req.verb, "watch") == 0 && req.nargs == 1) {
		if ((pid = session_process(st, kids, req.arg[0], msg, sizeof(msg))) == 0) {
			(void)control_reply(fd, 0, msg);
		} else if (control.nw == sizeof(control.w) / sizeof(control.w[0])) {
			(void)control_reply(fd, 0, "too many sessions are being watched");
		} else if (control_reply(fd, 1, NULL) == 0) {
			control.w[control.nw++] = (struct watcher){ .fd = fd, .pid = pid };
			keep = 1;
		}
	} else if (strcmp(req.verb, "reload") == 0 && req.nargs == 0) {
		int r = reload(cfgp, keyp, st, kids, msg, sizeof(msg));

		log_info("event=reload_requested by=%s ok=%s", req.who, r == 0 ? "yes" : "no");
		(void)control_reply(fd, r == 0, msg);
	} else {
		(void)control_reply(fd, 0, "unknown request (expected kill, watch or reload)");
	}
	if (!keep)
		close(fd);
}


static void
child_main(const struct config *cfg, const struct sigkey *sigkey, ssh_bind bind, int *fds, int nfds,
    struct children *kids, int fd, int startup_fd, const char *client)
{
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	/* The parent's books are not the child's business. */
	for (size_t i = 0; i < kids->n; i++)
		if (kids->c[i].startup_fd >= 0)
			close(kids->c[i].startup_fd);
	free(kids->c);
	free(kids->pfd);
	memset(kids, 0, sizeof(*kids));
	close(sig_pipe[0]);
	close(sig_pipe[1]);
	if (control.fd >= 0)
		close(control.fd);
	for (size_t i = 0; i < control.nw; i++)
		close(control.w[i].fd);
	control.nw = 0;
	/* exit, not _exit: the sanitizer build checks the child for leaks too. */
	exit(monitor_run(cfg, sigkey, bind, fd, startup_fd, client));
}

static void
install(int sig, void (*handler)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = handler;
	sa.sa_flags = SA_RESTART;
	sigaction(sig, &sa, NULL);
}

/*
 * Admit or drop one new connection before any fork or store work: the
 * global limit, then MaxStartups and the per-source limit over the
 * connections not yet authenticated. A drop is one line to the peer and a
 * count in the tally; the event is written once a minute for all of them.
 */
static void
accept_one(struct config *cfg, const struct sigkey *sigkey, ssh_bind bind, struct children *kids,
    struct startups_tally *tally, int *fds, int nfds, int lfd)
{
	static const char busy[] = "remgate: too many connections waiting to log in; try again shortly\r\n";
	char client[96], host[64];
	enum startups_verdict v;
	int sp[2];
	pid_t pid;
	int fd = accept(lfd, NULL, NULL);

	if (fd < 0)
		return;
	peer_name(fd, client, sizeof(client), host, sizeof(host));
	if ((long)kids->n >= cfg->max_connections)
		v = STARTUP_DROP_FULL;
	else
		v = startups_decide(&cfg->startups, kids->startups, startups_from(kids, host), arc4random_uniform(100));
	if (v != STARTUP_ACCEPT) {
		(void)!write(fd, busy, sizeof(busy) - 1);
		close(fd);
		startups_tally_add(tally, host, v, (int64_t)time(NULL));
		log_debug("event=connection_dropped client=%s reason=%s", client, startups_verdict_name(v));
		return;
	}
	if (pipe(sp) != 0) {
		log_error("event=pipe_failed client=%s error=\"%s\"", client, strerror(errno));
		close(fd);
		return;
	}
	if ((pid = fork()) < 0) {
		log_error("event=fork_failed client=%s error=\"%s\"", client, strerror(errno));
		close(fd);
		close(sp[0]);
		close(sp[1]);
		return;
	}
	if (pid == 0) {
		close(sp[0]);
		child_main(cfg, sigkey, bind, fds, nfds, kids, fd, sp[1], client);
	}
	close(fd);
	close(sp[1]);
	if (set_cloexec_nonblock(sp[0]) != 0 || children_add(kids, pid, sp[0], host) != 0) {
		log_error("event=internal error=\"cannot track child %d\"", (int)pid);
		close(sp[0]);
	}
	log_debug("event=connection client=%s child=%d startups=%zu", client, (int)pid, kids->startups);
}

/* One aggregated event and log line for the connections dropped lately. */
static void
flush_drops(const struct config *cfg, struct startups_tally *tally, int force)
{
	char text[1024];

	if (!startups_tally_flush(tally, (int64_t)time(NULL), 60, force, text, sizeof(text)))
		return;
	struct audit_event ev = { .kind = "connections_dropped", .reason = "max_startups", .detail = text };
	log_warn("event=connections_dropped detail=\"%s\"", text);
	if (ds(cfg) != NULL)
		audit_event_add(dstore, &ev, (int64_t)time(NULL));
}

int
listener_run(struct config **cfgp, struct sigkey **sigkeyp, ssh_bind bind, int *fds, int nfds, int control_fd)
{
	struct children kids = { 0 };
	struct startups_tally tally = { 0 };
	struct pollfd *pfd = NULL;
	int stopping = 0, term_count = 0;

	if (nfds > MAX_LISTEN)
		nfds = MAX_LISTEN;
	if (pipe(sig_pipe) != 0 || set_cloexec_nonblock(sig_pipe[0]) != 0 ||
	    set_cloexec_nonblock(sig_pipe[1]) != 0) {
		log_error("event=internal error=\"cannot create the signal pipe\"");
		return 1;
	}
	install(SIGCHLD, on_signal);
	install(SIGTERM, on_signal);
	install(SIGINT, on_signal);
	install(SIGHUP, on_signal);
	install(SIGPIPE, SIG_IGN);
	control.fd = control_fd;

	for (;;) {
		int n = 0, nlisten;

		if (kids.pfd_cap < 2 + (size_t)nfds + kids.n) {
			size_t cap = 2 + (size_t)nfds + kids.n + 64;
			struct pollfd *p = realloc(kids.pfd, cap * sizeof(*p));

			if (p == NULL) {
				log_error("event=internal error=\"out of memory\"");
				break;
			}
			kids.pfd = p;
			kids.pfd_cap = cap;
		}
		pfd = kids.pfd;
		pfd[n].fd = sig_pipe[0];
		pfd[n++].events = POLLIN;
		for (int i = 0; !stopping && i < nfds; i++) {
			pfd[n].fd = fds[i];
			pfd[n++].events = POLLIN;
		}
		nlisten = n;
		if (control.fd >= 0) {
			pfd[n].fd = control.fd;
			pfd[n++].events = POLLIN;
		}
		for (size_t i = 0; i < kids.n; i++) {
			if (kids.c[i].startup_fd < 0)
				continue;
			pfd[n].fd = kids.c[i].startup_fd;
			pfd[n++].events = POLLIN;
		}
		if (poll(pfd, (nfds_t)n, 1000) < 0 && errno != EINTR) {
			log_error("event=poll_failed error=\"%s\"", strerror(errno));
			break;
		}
		if (pfd[0].revents & POLLIN) {
			unsigned char sig;

			while (read(sig_pipe[0], &sig, 1) == 1) {
				if (sig == SIGHUP) {
					char msg[1200];

					if (ds(*cfgp) != NULL)
						(void)reload(cfgp, sigkeyp, dstore, &kids, msg, sizeof(msg));
				} else if (sig == SIGTERM || sig == SIGINT) {
					term_count++;
					if (!stopping) {
						log_info("event=stopping children=%zu note=\"not accepting; waiting for "
						    "sessions to finish (signal again to end them)\"", kids.n);
						for (int i = 0; i < nfds; i++)
							close(fds[i]);
						stopping = 1;
					} else if (term_count == 2) {
						log_info("event=stopping_sessions children=%zu", kids.n);
						for (size_t i = 0; i < kids.n; i++)
							kill(kids.c[i].pid, SIGTERM);
					}
				}
			}
		}
		if (control.fd >= 0 && (pfd[nlisten].revents & POLLIN) && ds(*cfgp) != NULL)
			control_request(cfgp, sigkeyp, dstore, &kids);
		/* A child that authenticated (or ended) closed its startup pipe. */
		for (int i = nlisten + (control.fd >= 0); i < n; i++) {
			if (pfd[i].revents == 0)
				continue;
			for (size_t j = 0; j < kids.n; j++)
				if (kids.c[j].startup_fd == pfd[i].fd)
					startup_done(&kids, &kids.c[j]);
		}
		reap(&kids, *cfgp);
		ds_release();	/* before any fork below */
		if (!stopping) {
			notifier_keep(*cfgp, fds, nfds, control.fd);
			console_keep(*cfgp);
		}
		for (int i = 1; !stopping && i < nlisten; i++)
			if (pfd[i].revents & POLLIN)
				accept_one(*cfgp, *sigkeyp, bind, &kids, &tally, fds, nfds, pfd[i].fd);
		flush_drops(*cfgp, &tally, 0);
		ds_release();
		if (stopping && kids.n == 0)
			break;
	}
	flush_drops(*cfgp, &tally, 1);
	ds_release();
	bgproc_wait(&notifier);
	bgproc_wait(&console);
	watchers_end(0);
	for (size_t i = 0; i < kids.n; i++)
		startup_done(&kids, &kids.c[i]);
	free(kids.c);
	free(kids.pfd);
	close(sig_pipe[0]);
	close(sig_pipe[1]);
	return 0;
}
