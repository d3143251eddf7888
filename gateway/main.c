/*
 * remgated: the gateway daemon. Loads and checks the configuration,
 * prepares the state directory and store, then hands over to the listener.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/stat.h>

#include <libssh/libssh.h>
#include <libssh/server.h>

#include "algorithms.h"
#include "audit.h"
#include "config.h"
#include "console.h"
#include "control.h"
#include "listener.h"
#include "keyhistory.h"
#include "sigkey.h"
#include "log.h"
#include "sandbox.h"
#include "state.h"
#include "store.h"
#include "util.h"

#define EXIT_CONFIG 2

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: remgated -c FILE [--check]\n"
	    "  -c, --config FILE   configuration (YAML); see config.example.yaml\n"
	    "      --check         validate the configuration and exit (0 valid, 2 invalid)\n"
	    "      --console       (started by remgated itself) serve the web console\n"
	    "  -V, --version       print the version\n");
}

static void
report_generated(const char *path, const char *what)
{
	log_info("event=key_generated key=\"%s\" path=\"%s\"", what, path);
}

/* Keys are loaded once here; children inherit them and never reread. */
static ssh_bind
make_bind(const struct config *cfg)
{
	ssh_bind bind = ssh_bind_new();
	ssh_key key = NULL;
	int no = 0;

	if (bind == NULL)
		return NULL;
	/* No /etc/ssh/libssh_server_config: this file is the whole configuration. */
	if (ssh_bind_options_set(bind, SSH_BIND_OPTIONS_PROCESS_CONFIG, &no) != SSH_OK || algorithms_bind(bind, cfg->engineer_macs) != 0 ||
	    ssh_pki_import_privkey_file(cfg->host_key, NULL, NULL, NULL, &key) != SSH_OK ||
	    ssh_bind_options_set(bind, SSH_BIND_OPTIONS_IMPORT_KEY, key) != SSH_OK) {
		log_error("event=startup_failed error=\"cannot load host key %s\"", cfg->host_key);
		ssh_key_free(key);
		ssh_bind_free(bind);
		return NULL;
	}
	return bind;	/* the bind owns key now */
}

struct pid_list {
	int64_t *pids;
	size_t n, cap;
};

static int
collect_open(const struct audit_session *a, void *arg)
{
	struct pid_list *l = arg;

	if (a->ended_at != 0)
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		int64_t *p = realloc(l->pids, cap * sizeof(*p));

		if (p == NULL)
			return -1;
		l->pids = p;
		l->cap = cap;
	}
	l->pids[l->n++] = a->pid;
	return 0;
}

/*
 * Rows still open belong to a gateway that was killed. A session process
 * that outlived its parent is still running and will close its own row;
 * only rows whose process is gone are closed here.
 */
static int
close_orphaned_rows(struct store *st)
{
	struct pid_list l = { 0 };
	int closed = 0;

	if (audit_session_list(st, collect_open, &l) != 0) {
		free(l.pids);
		return -1;
	}
	for (size_t i = 0; i < l.n; i++) {
		int n;

		if (util_pid_runs(l.pids[i], "remgated"))
			continue;
		if ((n = audit_sessions_close_abnormal(st, l.pids[i], "gateway_restarted", (int64_t)time(NULL))) > 0)
			closed += n;
	}
	free(l.pids);
	return closed;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'C' },
		{ "console", no_argument, NULL, 'K' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = getenv("REMGATE_CONFIG");
	struct config *cfg = NULL;
	struct store *st = NULL;
	struct sigkey *sigkey = NULL;
	ssh_bind bind = NULL;
	char err[1024];
	int c, check = 0, console = 0, fds[8], nfds, rc = 1, closed, control_fd = -1;

	/* Store, WAL, recordings, keys: nothing the gateway writes is for other users. */
	umask(077);
	while ((c = getopt_long(argc, argv, "c:Vh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'C': check = 1; break;
		case 'K': console = 1; break;
		case 'V': printf("remgated %s\n", REMGATE_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_CONFIG;
		}
	}
	if (optind != argc || path == NULL) {
		usage(stderr);
		return EXIT_CONFIG;
	}
	/* The web console's own process (started by the daemon): it never loads a key. */
	if (console)
		return console_main(path);
	if (config_load(path, &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "remgated: %s\n", err);
		return EXIT_CONFIG;
	}
	if (check) {
		printf("%s: configuration OK (%zu engineers, %zu admins, %zu targets, listen %s:%d)\n", path,
		    cfg->nengineers, cfg->nadmins, cfg->ntargets, cfg->listen_host, cfg->listen_port);
		config_free(cfg);
		return 0;
	}
	log_init("remgated", cfg->use_syslog, cfg->log_level);

	if (state_prepare(cfg, report_generated, err, sizeof(err)) != 0) {
		log_error("event=startup_failed error=\"%s\"", err);
		goto out;
	}
	{
		const char *warn;

		if (sandbox_prepare(cfg->privsep_dir, cfg->privsep_user, &warn, err, sizeof(err)) != 0) {
			log_error("event=startup_failed error=\"%s\"", err);
			goto out;
		}
		if (warn != NULL)
			log_warn("event=privsep_degraded note=\"%s\"", warn);
	}
	if (store_open(cfg->db_path, &st, err, sizeof(err)) != 0 ||
	    sigkey_load(cfg->signing_key, &sigkey, err, sizeof(err)) != 0) {
		log_error("event=startup_failed error=\"%s\"", err);
		goto out;
	}
	keyhistory_note_key(st, sigkey, (int64_t)time(NULL));
	if ((closed = close_orphaned_rows(st)) > 0)
		log_warn("event=session_closed_abnormally sessions=%d note=\"left open by a previous run\"", closed);

	if ((nfds = listener_open(cfg, fds, (int)(sizeof(fds) / sizeof(fds[0])), err, sizeof(err))) < 0) {
		log_error("event=startup_failed error=\"%s\"", err);
		goto out;
	}
	if ((control_fd = control_listen(cfg->control_socket, err, sizeof(err))) < 0) {
		log_error("event=startup_failed error=\"%s\"", err);
		goto out;
	}
	ssh_init();
	if ((bind = make_bind(cfg)) == NULL)
		goto out;
	{
		struct audit_event ev = { .kind = "gateway_start", .detail = REMGATE_VERSION };
		audit_event_add(st, &ev, (int64_t)time(NULL));
	}
	log_info("event=listening address=%s:%d targets=%zu engineers=%zu version=%s", cfg->listen_host,
	    cfg->listen_port, cfg->ntargets, cfg->nengineers, REMGATE_VERSION);
	/* No SQLite connection may be open across the forks the listener makes (listener.c). */
	store_close(st);
	st = NULL;
	rc = listener_run(&cfg, &sigkey, bind, fds, nfds, control_fd);
	if (store_open(cfg->db_path, &st, err, sizeof(err)) == 0) {
		struct audit_event ev = { .kind = "gateway_stop" };
		audit_event_add(st, &ev, (int64_t)time(NULL));
	} else {
		log_error("event=store_failed op=gateway_stop error=\"%s\"", err);
	}
	log_info("event=stopped");
out:
	if (control_fd >= 0) {
		close(control_fd);
		unlink(cfg->control_socket);
	}
	if (bind != NULL)
		ssh_bind_free(bind);
	ssh_finalize();
	store_close(st);
	sigkey_free(sigkey);
	config_free(cfg);
	return rc;
}
