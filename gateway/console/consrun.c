#include "consrun.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "ctl.h"

#define CONSRUN_TIMEOUT_S 120

static void
say(struct recbuf *b, const char *s)
{
	(void)recbuf_put(b, s, strlen(s));
}

static void __attribute__((noreturn))
child(const struct config *cfg, const char *admin, enum admin_role role, int argc, char **argv, int out, int err)
{
	struct ctl c = { .cfg = (struct config *)(uintptr_t)cfg, .remote_admin = admin, .role = role, .via = "console",
		.keyless = 1 };
	int rc;

	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	if (dup2(out, STDOUT_FILENO) < 0 || dup2(err, STDERR_FILENO) < 0)
		_exit(EXIT_FAIL);
	/* Nothing of the server's (its listening socket, the TLS connections) stays open in the command. */
	close_range(3, ~0U, 0);
	rc = ctl_run(&c, argc, argv);
	fflush(stdout);
	fflush(stderr);
	_exit(rc);
}

int
consrun(const struct config *cfg, const char *admin, enum admin_role role, int argc, char **argv,
    struct consrun_result *r)
{
	int po[2], pe[2], open_fds = 2, status;
	struct pollfd p[2];
	time_t deadline = time(NULL) + CONSRUN_TIMEOUT_S;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	r->status = -1;
	if (pipe2(po, O_CLOEXEC) != 0)
		return say(&r->err, "no pipe"), -1;
	if (pipe2(pe, O_CLOEXEC) != 0) {
		close(po[0]);
		close(po[1]);
		return say(&r->err, "no pipe"), -1;
	}
	fflush(NULL);
	if ((pid = fork()) < 0) {
		close(po[0]); close(po[1]); close(pe[0]); close(pe[1]);
		return say(&r->err, "cannot fork"), -1;
	}
	if (pid == 0)
		child(cfg, admin, role, argc, argv, po[1], pe[1]);
	close(po[1]);
	close(pe[1]);
	p[0] = (struct pollfd){ .fd = po[0], .events = POLLIN };
	p[1] = (struct pollfd){ .fd = pe[0], .events = POLLIN };
	while (open_fds > 0) {
		int left = (int)(deadline - time(NULL));

		if (left <= 0 || r->out.len + r->err.len > CONSRUN_MAX_OUT) {
			kill(pid, SIGKILL);
			say(&r->err, left <= 0 ? "\nremgate console: the command took too long and was stopped" :
			    "\nremgate console: the answer is too large for the console; use remgatectl");
			break;
		}
		if (poll(p, 2, left * 1000) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < 2; i++) {
			char buf[65536];
			ssize_t n;

			if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if ((n = read(p[i].fd, buf, sizeof(buf))) > 0) {
				if (recbuf_put(i == 0 ? &r->out : &r->err, buf, (size_t)n) != 0)
					kill(pid, SIGKILL);
			} else if (n == 0 || errno != EINTR) {
				close(p[i].fd);
				p[i].fd = -1;
				open_fds--;
			}
		}
	}
	for (int i = 0; i < 2; i++)
		if (p[i].fd >= 0)
			close(p[i].fd);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (open_fds == 0 && WIFEXITED(status))
		r->status = WEXITSTATUS(status);
	/* The text stays a C string for whoever prints it. */
	if (recbuf_put(&r->out, "", 1) != 0 || recbuf_put(&r->err, "", 1) != 0)
		return -1;
	r->out.len--;
	r->err.len--;
	return 0;
}

void
consrun_free(struct consrun_result *r)
{
	recbuf_free(&r->out);
	recbuf_free(&r->err);
}
