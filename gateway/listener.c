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
#include "keyhistory.h"
#include "log.h"
#include "session.h"

#define MAX_LISTEN 8

static int sig_pipe[2] = { -1, -1 };

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

int
listener_open(const struct config *cfg, int *fds, int maxfds, char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL, *ai;
	char port[16];
	int n = 0, rc, one = 1, last_errno = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%d", cfg->listen_port);
	if ((rc = getaddrinfo(cfg->listen_host, port, &hints, &res)) != 0) {
		snprintf(err, errlen, "listen %s:%d: %s", cfg->listen_host, cfg->listen_port, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL && n < maxfds; ai = ai->ai_next) {
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
		fds[n++] = fd;
	}
	freeaddrinfo(res);
	if (n == 0) {
		snprintf(err, errlen, "listen %s:%d: %s", cfg->listen_host, cfg->listen_port,
		    strerror(last_errno ? last_errno : EADDRNOTAVAIL));
		return -1;
	}
	return n;
}

static void
peer_name(int fd, char *out, size_t outlen)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[INET6_ADDRSTRLEN] = "?";
	int port = 0;

	snprintf(out, outlen, "unknown");
	if (getpeername(fd, (struct sockaddr *)&ss, &len) != 0)
		return;
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
		snprintf(out, outlen, "%s:%d", host, port);
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
		snprintf(out, outlen, "[%s]:%d", host, port);
	}
}

struct children {
	pid_t *pids;
	size_t n, cap;
};

static int
children_add(struct children *c, pid_t pid)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		pid_t *p = realloc(c->pids, cap * sizeof(*p));

		if (p == NULL)
			return -1;
		c->pids = p;
		c->cap = cap;
	}
	c->pids[c->n++] = pid;
	return 0;
}

static int
children_remove(struct children *c, pid_t pid)
{
	for (size_t i = 0; i < c->n; i++) {
		if (c->pids[i] == pid) {
			c->pids[i] = c->pids[--c->n];
			return 0;
		}
	}
	return -1;
}

/* Collect finished children; a session row a dead child left open is closed. */
static void
reap(struct children *c, struct store *st)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (children_remove(c, pid) != 0)
			continue;
		if (WIFSIGNALED(status)) {
			log_warn("event=child_died child=%d signal=%d", (int)pid, WTERMSIG(status));
		} else if (WEXITSTATUS(status) != 0) {
			log_warn("event=child_failed child=%d status=%d", (int)pid, WEXITSTATUS(status));
		}
		if (WIFSIGNALED(status) || WEXITSTATUS(status) != 0) {
			int closed = audit_sessions_close_abnormal(st, (int64_t)pid, "gateway_process_died",
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
		ours = (int64_t)r->kids->pids[i] == a->pid;
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

static void
reload(struct config **cfgp, struct sigkey **keyp, struct store *st, const struct children *kids)
{
	struct config *fresh = NULL;
	struct sigkey *key = NULL;
	char err[1024];

	if (config_load((*cfgp)->path, &fresh, err, sizeof(err)) != 0) {
		log_error("event=reload_failed error=\"%s\" note=\"keeping the running configuration\"", err);
		return;
	}
	if (strcmp(fresh->listen_host, (*cfgp)->listen_host) != 0 || fresh->listen_port != (*cfgp)->listen_port ||
	    strcmp(fresh->state_dir, (*cfgp)->state_dir) != 0 || strcmp(fresh->host_key, (*cfgp)->host_key) != 0)
		log_warn("event=reload note=\"listen, state_dir and host_key changes take effect on restart\"");
	log_info("event=reload engineers=%zu admins=%zu targets=%zu", fresh->nengineers, fresh->nadmins,
	    fresh->ntargets);
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
		return;
	}
	sigkey_free(*keyp);
	*keyp = key;
	keyhistory_note_key(st, key, (int64_t)time(NULL));
}

static void
child_main(const struct config *cfg, const struct sigkey *sigkey, ssh_bind bind, int *fds, int nfds, int fd,
    const char *client)
{
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	close(sig_pipe[0]);
	close(sig_pipe[1]);
	/* exit, not _exit: the sanitizer build checks the child for leaks too. */
	exit(session_run(cfg, sigkey, bind, fd, client));
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

static void
accept_one(struct config *cfg, const struct sigkey *sigkey, ssh_bind bind, struct store *st,
    struct children *kids, int *fds, int nfds, int lfd)
{
	char client[96];
	pid_t pid;
	int fd = accept(lfd, NULL, NULL);

	if (fd < 0)
		return;
	peer_name(fd, client, sizeof(client));
	if ((long)kids->n >= cfg->max_connections) {
		struct audit_event ev = { .kind = "connection_refused", .client_addr = client,
			.reason = "too_many_connections", .detail = "max_connections reached" };
		log_warn("event=connection_refused client=%s reason=too_many_connections max=%ld", client,
		    cfg->max_connections);
		audit_event_add(st, &ev, (int64_t)time(NULL));
		close(fd);
		return;
	}
	if ((pid = fork()) < 0) {
		log_error("event=fork_failed client=%s error=\"%s\"", client, strerror(errno));
		close(fd);
		return;
	}
	if (pid == 0)
		child_main(cfg, sigkey, bind, fds, nfds, fd, client);
	close(fd);
	if (children_add(kids, pid) != 0)
		log_error("event=internal error=\"out of memory tracking child %d\"", (int)pid);
	log_debug("event=connection client=%s child=%d", client, (int)pid);
}

int
listener_run(struct config **cfgp, struct sigkey **sigkeyp, ssh_bind bind, struct store *st,
    int *fds, int nfds)
{
	struct children kids = { 0 };
	struct pollfd pfd[MAX_LISTEN + 1];
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

	for (;;) {
		int n = 0;

		pfd[n].fd = sig_pipe[0];
		pfd[n++].events = POLLIN;
		for (int i = 0; !stopping && i < nfds; i++) {
			pfd[n].fd = fds[i];
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
					reload(cfgp, sigkeyp, st, &kids);
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
							kill(kids.pids[i], SIGTERM);
					}
				}
			}
		}
		reap(&kids, st);
		for (int i = 1; !stopping && i < n; i++)
			if (pfd[i].revents & POLLIN)
				accept_one(*cfgp, *sigkeyp, bind, st, &kids, fds, nfds, pfd[i].fd);
		if (stopping && kids.n == 0)
			break;
	}
	free(kids.pids);
	close(sig_pipe[0]);
	close(sig_pipe[1]);
	return 0;
}
