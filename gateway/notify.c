/* The notifier process (notify.h): one loop over the destinations, one command at a time. */
#include "notify.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/prctl.h>
#include <sys/wait.h>

#include "audit.h"
#include "json.h"
#include "siem.h"
#include "log.h"
#include "store.h"
#include "strbuf.h"
#include "tickets.h"

static volatile sig_atomic_t notifier_stop;

int
notify_wants(const struct notify_dest *d, const char *kind)
{
	for (size_t i = 0; i < d->nevents; i++) {
		const char *w = d->events[i];

		if (strcmp(w, "*") == 0 || strcmp(w, kind) == 0)
			return 1;
		/* The names the contract uses for groups of our kinds. */
		if (strcmp(w, "request_decided") == 0 &&
		    (strcmp(kind, "request_approved") == 0 || strcmp(kind, "request_denied") == 0))
			return 1;
		if (strcmp(w, "review_pending") == 0 && strcmp(kind, "command_review") == 0)
			return 1;
	}
	return 0;
}

void
notify_event_json(FILE *f, const struct config *cfg, const struct audit_event *ev)
{
	struct json j;
	char ts[40];
	time_t t = (time_t)ev->ts;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_init(&j, f);
	json_begin_object(&j);
	json_key_int(&j, "id", ev->id);
	json_key_str(&j, "time", ts);
	json_key_str(&j, "kind", ev->kind);
	json_key_str(&j, "gateway", cfg->gateway_name);
	json_key_str(&j, "session_id", ev->session_id);
	json_key_str(&j, "engineer", ev->engineer);
	json_key_str(&j, "target", ev->target);
	if (ev->approval_id > 0)
		json_key_int(&j, "approval_id", ev->approval_id);
	json_key_str(&j, "reason", ev->reason);
	json_key_str(&j, "detail", ev->detail);
	json_end_object(&j);
	fputc('\n', f);
}

int64_t
notify_backoff(int attempts)
{
	int64_t d = 1;

	for (int i = 0; i < attempts && d < NOTIFY_BACKOFF_MAX; i++)
		d *= 2;
	return d < NOTIFY_BACKOFF_MAX ? d : NOTIFY_BACKOFF_MAX;
}

/* Run d's command with json on stdin: 0 done, else why in why. */
static int
deliver(const struct notify_dest *d, const char *json, size_t len, char *why, size_t whylen)
{
	int in[2], status = 0;
	pid_t pid;
	size_t off = 0;
	time_t until = time(NULL) + NOTIFY_TIMEOUT_SECONDS;

	if (pipe2(in, O_CLOEXEC) != 0) {
		snprintf(why, whylen, "cannot make a pipe: %s", strerror(errno));
		return -1;
	}
	if ((pid = fork()) < 0) {
		close(in[0]);
		close(in[1]);
		snprintf(why, whylen, "cannot fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		dup2(in[0], STDIN_FILENO);
		if (devnull >= 0) {
			dup2(devnull, STDOUT_FILENO);	/* the notifier's log is not the command's to fill */
		}
		signal(SIGPIPE, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execvp(d->argv[0], d->argv);
		_exit(127);
	}
	close(in[0]);
	(void)fcntl(in[1], F_SETFL, fcntl(in[1], F_GETFL) | O_NONBLOCK);
	while (off < len && time(NULL) < until) {
		struct pollfd p = { .fd = in[1], .events = POLLOUT };
		ssize_t n;

		if (poll(&p, 1, 200) <= 0)
			continue;
		if ((n = write(in[1], json + off, len - off)) < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			break;	/* the command does not read it all: its exit status decides */
		}
		off += (size_t)n;
	}
	close(in[1]);
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			snprintf(why, whylen, "lost the command: %s", strerror(errno));
			return -1;
		}
		if (time(NULL) >= until || notifier_stop) {
			kill(pid, SIGKILL);
			(void)waitpid(pid, &status, 0);
			snprintf(why, whylen, notifier_stop ? "the gateway stopped during the delivery" :
			    "the command ran over %d s and was killed", NOTIFY_TIMEOUT_SECONDS);
			return -1;
		}
		usleep(20000);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		snprintf(why, whylen, "cannot run %s (exit 127)", d->argv[0]);
	else if (WIFEXITED(status))
		snprintf(why, whylen, "%s exited %d", d->argv[0], WEXITSTATUS(status));
	else
		snprintf(why, whylen, "%s died of signal %d", d->argv[0], WTERMSIG(status));
	return -1;
}

struct next {
	const struct notify_dest *d;
	const struct config *cfg;
	int64_t last_seen;	/* the newest event looked at (wanted or not) */
	char *json;		/* the first wanted one, as JSON */
	size_t len;
	int64_t id;
};

static int
pick(const struct audit_event *ev, void *arg)
{
	struct next *n = arg;
	FILE *f;

	n->last_seen = ev->id;
	if (!notify_wants(n->d, ev->kind))
		return 0;
	if ((f = open_memstream(&n->json, &n->len)) == NULL)
		return -1;
	notify_event_json(f, n->cfg, ev);
	fclose(f);
	n->id = ev->id;
	return 1;	/* one at a time: in order */
}

static int
take_state(const struct notify_state *ns, void *arg)
{
	struct notify_state *out = arg;

	*out = *ns;
	out->last_error = NULL;
	return 0;
}

/* One step for one destination: deliver its next event if due. 1 if it did work. */
static int
step(struct store *st, const struct config *cfg, const struct notify_dest *d)
{
	struct notify_state ns = { 0 };
	struct next n = { .d = d, .cfg = cfg };
	int64_t now = (int64_t)time(NULL);
	char why[300];
	int r;

	if (notify_state_get(st, d->name, take_state, &ns) != 0 || now < ns.next_at)
		return 0;
	if ((r = audit_events_after(st, ns.cursor, 200, pick, &n)) < 0)
		return 0;
	if (n.json == NULL) {
		/* None wanted among these: skip them (the cursor marks them looked at). */
		if (n.last_seen > ns.cursor && notify_state_skip(st, d->name, n.last_seen) == 0)
			return 1;
		return 0;
	}
	if (deliver(d, n.json, n.len, why, sizeof(why)) == 0) {
		(void)notify_state_done(st, d->name, n.id, now);
		log_info("event=notified dest=%s event=%lld", d->name, (long long)n.id);
	} else {
		(void)notify_state_failed(st, d->name, now + notify_backoff(ns.attempts), why);
		log_warn("event=notify_failed dest=%s event=%lld attempt=%d error=\"%s\"", d->name, (long long)n.id,
		    ns.attempts + 1, why);
	}
	free(n.json);
	return 1;
}

static void
on_term(int sig)
{
	(void)sig;
	notifier_stop = 1;
}

static void __attribute__((noreturn))
notifier_main(const struct config *cfg)
{
	struct store *st = NULL;
	char err[512];
	struct sigaction sa;
	time_t last_clock = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM);	/* the daemon gone: so are we (resumed at the cursors) */
	if (store_open(cfg->db_path, &st, err, sizeof(err)) != 0) {
		log_error("event=notify_failed error=\"%s\"", err);
		_exit(1);
	}
	log_info("event=notifier_started destinations=%zu siem=%zu", cfg->nnotify, cfg->nsiem);
	while (!notifier_stop) {
		int busy = 0;
		time_t now = time(NULL);

		/* The fault clocks (tickets.h): once a second is on time for limits of minutes. */
		if (now != last_clock) {
			last_clock = now;
			if (tickets_sync(st, (int64_t)now) != 0 || tickets_escalate(st, cfg, (int64_t)now) < 0)
				log_error("event=store_failed op=fault_clocks error=\"%s\"", store_errmsg(st));
		}

		for (size_t i = 0; i < cfg->nnotify && !notifier_stop; i++)
			busy |= step(st, cfg, &cfg->notify[i]);
		for (size_t i = 0; i < cfg->nsiem && !notifier_stop; i++)
			busy |= siem_step(st, cfg, i) > 0;
		if (!busy)
			usleep(300000);	/* new events are looked for three times a second */
	}
	siem_close_all();
	store_close(st);
	_exit(0);
}

pid_t
notify_start(const struct config *cfg, const int *close_fds, size_t nclose)
{
	pid_t pid;

	if ((pid = fork()) < 0) {
		log_error("event=notify_failed error=\"cannot fork the notifier: %s\"", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		for (size_t i = 0; i < nclose; i++)
			if (close_fds[i] >= 0)
				close(close_fds[i]);
		notifier_main(cfg);
	}
	return pid;
}
