/*
 * An administrator's command over SSH (ssh wang@gateway COMMAND ...), the
 * monitor's half. The network child split the command line into words; a
 * helper process forked here runs it as remgatectl would (ctl_run), with
 * the administrator as the one who decides and their role as the limit,
 * its own store handle, and its output on two pipes that the monitor's
 * loop forwards to the child as it comes (sessions watch streams). The
 * command and its exit status are events.
 */
#include "monitor_int.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/wait.h>

#include "ctl.h"
#include "log.h"
#include "strbuf.h"

#define CHUNK 32768

static void
command_event(struct monitor *m, const char *kind, int argc, char **argv, const char *tail)
{
	char detail[MAX_TEXT];
	struct strbuf b;

	strbuf_init_fixed(&b, detail, sizeof(detail));
	for (int i = 0; i < argc; i++) {
		strbuf_adds(&b, i ? " " : "");
		strbuf_add_vis(&b, argv[i], strlen(argv[i]), 0);
	}
	if (argc == 0)
		strbuf_adds(&b, "(overview)");
	if (tail != NULL)
		strbuf_adds(&b, tail);
	mon_event_as(m, m->admin->name, NULL, kind, config_role_name(m->admin->role), detail);
}

static void
end(struct monitor *m, int status)
{
	mbuf_begin(&m->out, MON_ADMIN_END);
	mbuf_u32(&m->out, (uint32_t)status);
	(void)mon_send_frame(m);
}

/* In the helper: become remgatectl for this administrator, write to the pipes, exit. */
static void __attribute__((noreturn))
run_helper(struct monitor *m, int out, int err, int argc, char **argv)
{
	struct ctl c = { .cfg = (struct config *)(uintptr_t)m->cfg, .remote_admin = m->admin->name,
		.role = m->admin->role };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	if (dup2(out, STDOUT_FILENO) < 0 || dup2(err, STDERR_FILENO) < 0)
		_exit(1);
	close(out);
	close(err);
	close(m->fd);	/* the child's socket is the monitor's */
	/* The monitor's store handle is not this process's (never across fork): ctl_run opens its own. */
	log_init("remgatectl", 0, LOG_LVL_WARN);
	exit(ctl_run(&c, argc, argv));	/* exit: stdio flushed */
}

int
mon_h_admin_cmd(struct monitor *m, struct mon_req *q)
{
	int out[2], err[2];
	pid_t pid;

	command_event(m, "admin_command", q->u.admin.argc, q->u.admin.argv, NULL);
	log_info("event=admin_command admin=%s role=%s", m->admin->name, config_role_name(m->admin->role));
	if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
		end(m, 1);
		return 0;
	}
	fflush(NULL);
	/* Never a SQLite connection across fork (listener.c): the helper opens its own, the monitor reopens. */
	store_close(m->store);
	m->store = NULL;
	if ((pid = fork()) < 0) {
		close(out[0]);
		close(out[1]);
		close(err[0]);
		close(err[1]);
		end(m, 1);
		return 0;
	}
	if (pid == 0) {
		close(out[0]);
		close(err[0]);
		run_helper(m, out[1], err[1], q->u.admin.argc, q->u.admin.argv);
	}
	close(out[1]);
	close(err[1]);
	m->helper = pid;
	m->helper_out = out[0];
	m->helper_err = err[0];
	return 0;
}

void
mon_admin_pump(struct monitor *m, int fd)
{
	char buf[CHUNK];
	ssize_t n;
	int status = 0;

	do
		n = read(fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		mbuf_begin(&m->out, MON_ADMIN_OUT);
		mbuf_u8(&m->out, fd == m->helper_err);
		mbuf_bytes(&m->out, buf, (size_t)n);
		(void)mon_send_frame(m);
		return;
	}
	/* EOF (or an error): this stream is done. */
	close(fd);
	if (fd == m->helper_out)
		m->helper_out = -1;
	else
		m->helper_err = -1;
	if (m->helper_out >= 0 || m->helper_err >= 0)
		return;
	while (waitpid(m->helper, &status, 0) < 0 && errno == EINTR)
		;
	m->helper = 0;
	status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	end(m, status);
}

void
mon_admin_stop(struct monitor *m)
{
	if (m->helper_out >= 0)
		close(m->helper_out);
	if (m->helper_err >= 0)
		close(m->helper_err);
	m->helper_out = m->helper_err = -1;
	if (m->helper > 0) {
		kill(m->helper, SIGTERM);
		while (waitpid(m->helper, NULL, 0) < 0 && errno == EINTR)
			;
		m->helper = 0;
	}
}
