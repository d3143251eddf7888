/*
 * monitor.c against a hostile network child: a forked process that speaks
 * the monitor protocol and then forges or reorders requests. Each attempt
 * must kill the child, be an event, and leave approvals and recordings as
 * they should be.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <libssh/libssh.h>

#include "approval.h"
#include "audit.h"
#include "config.h"
#include "keys.h"
#include "monclient.h"
#include "monitor.h"
#include "monwire.h"
#include "recfile.h"
#include "sigkey.h"
#include "state.h"
#include "store.h"
#include "tap.h"

static char dir[] = "/tmp/test_monitor.XXXXXX";
static char alice_pub[2048], mallory_pub[2048], token[128];
static struct config *cfg;
static struct sigkey *sigkey;
static int64_t approval_id;

/* ---- the hostile child's moves ---- */

static void
send_raw(int fd, const void *p, size_t n)
{
	if (write(fd, p, n) != (ssize_t)n)
		_exit(80);
}

static void
frame(int fd, uint8_t type, void (*fill)(struct mbuf *, const void *), const void *arg)
{
	struct mbuf b;

	mbuf_init(&b);
	mbuf_begin(&b, type);
	if (fill)
		fill(&b, arg);
	if (mbuf_end(&b) != 0 || mbuf_flush(&b, fd) != 0)
		_exit(81);
	mbuf_free(&b);
}

static void
fill_record(struct mbuf *b, const void *arg)
{
	mbuf_u8(b, *(const uint8_t *)arg);
	mbuf_bytes(b, "forged", 6);
}

static void
fill_str(struct mbuf *b, const void *arg)
{
	mbuf_str(b, arg);
}

static void
fill_end_killed(struct mbuf *b, const void *arg)
{
	(void)arg;
	mbuf_u32(b, 0);
	mbuf_str(b, "");
	mbuf_str(b, "killed");
	mbuf_i64(b, 0);
	mbuf_i64(b, 0);
}

static void
fill_report(struct mbuf *b, const void *arg)
{
	(void)arg;
	mbuf_str(b, "0123456789abcdef");
	for (int i = 0; i < 7; i++) {
		if (i == 1) {
			mbuf_u32(b, 1);
			mbuf_i64(b, 0);
		}
		mbuf_str(b, i == 3 ? "restored" : "text");
	}
}

static void
fill_admin_cmd(struct mbuf *b, const void *arg)
{
	(void)arg;
	mbuf_u32(b, 3);
	mbuf_str(b, "approvals");
	mbuf_str(b, "revoke");
	mbuf_str(b, "1");
}

static void
fill_review(struct mbuf *b, const void *arg)
{
	(void)arg;
	mbuf_str(b, "line");
	mbuf_str(b, "reboot");
	mbuf_str(b, "ls -l");
}

/* Agent request/answer on the agent socket. */
static size_t
agent_ask(int fd, const uint8_t *req, size_t n, uint8_t *ans, size_t anscap)
{
	uint8_t len[4] = { (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n };
	size_t got = 0, want;
	ssize_t k;

	send_raw(fd, len, 4);
	send_raw(fd, req, n);
	while (got < 4 && (k = read(fd, ans + got, 4 - got)) > 0)
		got += (size_t)k;
	if (got < 4)
		return 0;
	want = (size_t)ans[0] << 24 | (size_t)ans[1] << 16 | (size_t)ans[2] << 8 | ans[3];
	if (want + 4 > anscap)
		return 0;
	while (got < want + 4 && (k = read(fd, ans + got, want + 4 - got)) > 0)
		got += (size_t)k;
	return got;
}

static void
w32(uint8_t *p, size_t *n, uint32_t v)
{
	p[(*n)++] = (uint8_t)(v >> 24);
	p[(*n)++] = (uint8_t)(v >> 16);
	p[(*n)++] = (uint8_t)(v >> 8);
	p[(*n)++] = (uint8_t)v;
}

static void
wstr(uint8_t *p, size_t *n, const void *s, size_t len)
{
	w32(p, n, (uint32_t)len);
	memcpy(p + *n, s, len);
	*n += len;
}

/* A login the way libssh does it: the identity, then one signature of a userauth request. */
static int
agent_login(int fd, int honest)
{
	uint8_t ans[4096], req[4096], data[2048];
	size_t n, dn = 0, rn = 0, bloblen;
	const uint8_t *blob;

	req[0] = 11;
	if ((n = agent_ask(fd, req, 1, ans, sizeof(ans))) < 13 || ans[4] != 12)
		return -1;
	bloblen = (size_t)ans[9] << 24 | (size_t)ans[10] << 16 | (size_t)ans[11] << 8 | ans[12];
	blob = ans + 13;
	if (honest) {
		wstr(data, &dn, "0123456789abcdef0123456789abcdef", 32);
		data[dn++] = 50;
		wstr(data, &dn, "deviceuser", 10);
		wstr(data, &dn, "ssh-connection", 14);
		wstr(data, &dn, "publickey", 9);
		data[dn++] = 1;
		wstr(data, &dn, "ssh-ed25519", 11);
		wstr(data, &dn, blob, bloblen);
	} else {
		wstr(data, &dn, "a firmware image to sign", 24);
	}
	req[rn++] = 13;
	wstr(req, &rn, blob, bloblen);
	wstr(req, &rn, data, dn);
	w32(req, &rn, 0);
	n = agent_ask(fd, req, rn, ans, sizeof(ans));
	return n > 4 && ans[4] == 14 ? 0 : -1;
}

enum scenario {
	PREAUTH_RECORD,		/* a record before any login */
	FORGED_KEY,		/* mallory's key for alice, then the token anyway */
	SECOND_TOKEN,		/* a second approval reservation */
	AGENT_FORGERY,		/* the device key asked to sign something else */
	LOGIN_UNSIGNED,		/* "target login ok" without the agent's signature */
	SEAL_RECORD,		/* a seal record of its own in the recording */
	END_AS_KILLED,		/* a monitor-only end reason */
	REPORT_IN_SESSION,	/* a report request from a device session */
	BAD_FRAME,		/* a frame of length 0 */
	UNKNOWN_TYPE,		/* a request type that does not exist */
	FORGED_REVIEW,		/* a review for a command the policy lets run (a fake entry in the customer's queue) */
	ADMIN_AS_ENGINEER,	/* an engineer's command login asks for an administrator's command */
	OPEN_BEFORE_TOKEN,	/* a session channel before the approval token */
	NO_CHANNEL,		/* token accepted, then gone without a session channel (ssh -N) */
	SESSIONS,		/* session channels one after another until the monitor says no more */
	HONEST,			/* the whole protocol, done right */
};

static void
hostile(int fd, enum scenario sc)
{
	char code[100], text[2000], sid[20], sid2[20];
	int tcp = -1, agent = -1, implement = 0;
	char *ops = NULL;
	uint8_t t;

	mc_init(fd);
	alarm(20);	/* never outlive the test */
	if (sc == PREAUTH_RECORD) {
		t = REC_OUTPUT;
		frame(fd, MON_RECORD, fill_record, &t);
		pause();
	}
	if (sc == BAD_FRAME) {
		send_raw(fd, "\0\0\0\0\1", 5);
		pause();
	}
	if (sc == UNKNOWN_TYPE) {
		frame(fd, 99, NULL, NULL);
		pause();
	}
	if (sc == FORGED_KEY) {
		if (mc_pubkey("alice", "router1", mallory_pub) != 0)
			_exit(70);	/* must be refused */
		frame(fd, MON_TOKEN, fill_str, token);
		pause();
	}
	if (sc == ADMIN_AS_ENGINEER) {
		if (mc_pubkey("alice", "", alice_pub) != 1)
			_exit(75);
		frame(fd, MON_ADMIN_CMD, fill_admin_cmd, NULL);
		pause();
	}
	if (mc_pubkey("alice", "router1", alice_pub) != 1)
		_exit(71);
	if (sc == OPEN_BEFORE_TOKEN) {
		frame(fd, MON_OPEN, NULL, NULL);
		pause();
	}
	if (mc_token(token, code, sizeof(code), text, sizeof(text), &implement, &ops) != 1)
		_exit(72);
	free(ops);
	if (sc == SECOND_TOKEN) {
		frame(fd, MON_TOKEN, fill_str, token);
		pause();
	}
	if (sc == NO_CHANNEL)
		_exit(0);
	if (mc_open(sid, sizeof(sid), code, sizeof(code), text, sizeof(text), &tcp, &agent) != 1 || agent < 0)
		_exit(76);
	if (sc == AGENT_FORGERY) {
		(void)agent_login(agent, 0);
		pause();
	}
	if (sc != LOGIN_UNSIGNED && agent_login(agent, 1) != 0)
		_exit(73);
	mc_target_result("ok", "");
	if (sc == LOGIN_UNSIGNED)
		pause();
	mc_record(REC_OUTPUT, "real output\n", 12);
	(void)mc_flush();
	if (sc == SEAL_RECORD) {
		t = REC_SEAL;
		frame(fd, MON_RECORD, fill_record, &t);
		pause();
	}
	if (sc == END_AS_KILLED) {
		frame(fd, MON_END, fill_end_killed, NULL);
		pause();
	}
	if (sc == REPORT_IN_SESSION) {
		frame(fd, MON_REPORT, fill_report, NULL);
		pause();
	}
	if (sc == FORGED_REVIEW) {
		frame(fd, MON_REVIEW, fill_review, NULL);
		pause();
	}
	if (mc_end(0, "", "closed", 0, 12) != 0)
		_exit(74);
	if (sc == SESSIONS) {
		int n = 1, r;

		/* Later sessions: a new id each, no second login (no sockets), until max_channels_per_connection. */
		while ((r = mc_open(sid2, sizeof(sid2), code, sizeof(code), text, sizeof(text), &tcp, &agent)) == 1) {
			if (tcp >= 0 || agent >= 0 || strcmp(sid2, sid) == 0)
				_exit(77);
			mc_target_result("ok", "");
			mc_record(REC_OUTPUT, "more\n", 5);
			if (mc_end(0, "", "closed", 0, 5) != 0)
				_exit(74);
			n++;
		}
		_exit(r == 0 && strcmp(code, "too_many_channels") == 0 ? n : 78);
	}
	_exit(0);
}

/* ---- the test's side ---- */

struct event_query {
	const char *kind, *needle;
	int n;
};

static int
count_cb(const struct audit_event *e, void *arg)
{
	struct event_query *c = arg;

	if (strcmp(e->kind, c->kind) == 0 && (c->needle == NULL || (e->detail && strstr(e->detail, c->needle))))
		c->n++;
	return 0;
}

/* Events of kind whose detail contains needle (NULL: any). */
static int
count_events(const char *kind, const char *needle)
{
	struct event_query c = { kind, needle, 0 };
	struct store *st;
	char err[200];

	if (store_open(cfg->db_path, &st, err, sizeof(err)) != 0)
		return -1;
	audit_event_list(st, count_cb, &c);
	store_close(st);
	return c.n;
}

static int
approval_uses(void)
{
	struct store *st;
	struct approval a;
	char err[200];
	int uses = -1;

	if (store_open(cfg->db_path, &st, err, sizeof(err)) != 0)
		return -1;
	if (approval_get(st, approval_id, &a) == 0) {
		uses = a.uses;
		approval_clear(&a);
	}
	store_close(st);
	return uses;
}

static int
run(enum scenario sc, int *status)
{
	int sv[2];
	pid_t pid;
	char sid[17];

	snprintf(sid, sizeof(sid), "%016x", (unsigned)sc + 0xa0);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0 || (pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		close(sv[0]);
		hostile(sv[1], sc);
		_exit(0);
	}
	close(sv[1]);
	monitor_serve(cfg, sigkey, pid, sv[0], sid, "127.0.0.1:4242", status);
	close(sv[0]);
	return 0;
}

static int
killed(int status)
{
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

static void
write_config(int port)
{
	char path[300], idpath[300], err[300];
	ssh_key k = NULL;
	int gen;
	FILE *f;

	snprintf(idpath, sizeof(idpath), "%s/router1_id", dir);
	keys_load_or_generate(idpath, &k, &gen, err, sizeof(err));
	ssh_key_free(k);
	snprintf(path, sizeof(path), "%s/config.yaml", dir);
	f = fopen(path, "w");
	fprintf(f, "listen: \"127.0.0.1:1\"\nstate_dir: \"%s/state\"\nlog_level: error\n"
	    "engineers:\n  - name: alice\n    authorized_keys: [\"%s\"]\n"
	    "targets:\n  - name: router1\n    address: \"127.0.0.1:%d\"\n    user: deviceuser\n"
	    "    identity_file: \"%s\"\n    host_key: \"SHA256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"\n",
	    dir, alice_pub, port, idpath);
	fclose(f);
	if (config_load(path, &cfg, err, sizeof(err)) != 0) {
		printf("# config: %s\n", err);
		exit(1);
	}
}

static void
make_key(const char *name, char *line, size_t linelen)
{
	ssh_key k = NULL;

	ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &k);
	keys_public_line(k, name, line, linelen);
	line[strcspn(line, " ")] = ' ';
	/* "ssh-ed25519 AAAA…": drop the comment, the monitor wants TYPE BASE64. */
	{
		char *sp = strchr(line, ' ');

		if (sp && (sp = strchr(sp + 1, ' ')) != NULL)
			*sp = '\0';
	}
	ssh_key_free(k);
}

int
main(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t slen = sizeof(sin);
	char err[300], path[300];
	struct store *st;
	int lfd, status, gen, uses, ends;
	struct approval_request req = { .engineer = "alice", .target = "router1", .ticket = "INC-1", .level = 2,
		.phase = "diagnose", .approver = "wang", .method = "written", .max_sessions = 10, .created_by = "test" };

	signal(SIGPIPE, SIG_IGN);
	ok(mkdtemp(dir) != NULL, "a temporary directory");
	/* The "target": something that accepts TCP connections on loopback. */
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	ok(lfd >= 0 && bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == 0 && listen(lfd, 16) == 0 &&
	    getsockname(lfd, (struct sockaddr *)&sin, &slen) == 0, "a listening target port");
	make_key("alice", alice_pub, sizeof(alice_pub));
	make_key("mallory", mallory_pub, sizeof(mallory_pub));
	write_config(ntohs(sin.sin_port));
	ok(state_prepare(cfg, NULL, err, sizeof(err)) == 0, "state prepared");
	snprintf(path, sizeof(path), "%s/state/signing.pem", dir);
	ok(sigkey_load_or_generate(path, &sigkey, &gen, err, sizeof(err)) == 0, "a signing key");
	ok(store_open(cfg->db_path, &st, err, sizeof(err)) == 0, "the store");
	req.valid_from = time(NULL) - 60;
	req.valid_until = time(NULL) + 3600;
	ok(approval_create(st, &req, time(NULL), &approval_id, token, sizeof(token), err, sizeof(err)) == 0,
	    "an approval for alice on router1");
	store_close(st);

	run(PREAUTH_RECORD, &status);
	ok(killed(status), "a record before login: the child is killed");
	is_int(count_events("privsep_violation", "request record out of order"), 1, "and it is an event");

	run(FORGED_KEY, &status);
	ok(killed(status), "another engineer's key, then the token: killed");
	is_int(count_events("privsep_violation", "request token out of order"), 1, "the token before a proven key is an event");
	is_int(approval_uses(), 0, "the approval is untouched");

	run(SECOND_TOKEN, &status);
	ok(killed(status), "a second approval reservation: killed");
	is_int(count_events("privsep_violation", "request token out of order"), 2, "it is an event");
	is_int(approval_uses(), 0, "the token only checks: nothing is used before a session channel");

	run(AGENT_FORGERY, &status);
	ok(killed(status), "the device key asked to sign other data: killed");
	is_int(count_events("privsep_violation", "not an SSH userauth request"), 1, "it is an event");
	is_int(approval_uses(), 0, "the use is given back");

	run(LOGIN_UNSIGNED, &status);
	ok(killed(status), "a target login claimed without the agent's signature: killed");
	is_int(count_events("privsep_violation", "request target_result refused"), 1, "it is an event");

	run(SEAL_RECORD, &status);
	ok(killed(status), "a seal record of the child's own: killed");
	is_int(count_events("privsep_violation", "malformed request record"), 1, "it is an event");
	is_int(approval_uses(), 1, "the session had opened: its use stays taken");
	{
		char rec[400];
		uint8_t *data = NULL;
		size_t len = 0;
		FILE *f;
		struct rec_check chk;
		uint8_t pub[SIGKEY_PUB_LEN];

		snprintf(rec, sizeof(rec), "%s/state/recordings/%016x.rgrec", dir, (unsigned)SEAL_RECORD + 0xa0);
		if ((f = fopen(rec, "rb")) != NULL) {
			data = malloc(1 << 20);
			len = fread(data, 1, 1 << 20, f);
			fclose(f);
		}
		sigkey_public(sigkey, pub);
		if (data != NULL)
			recfile_check(data, len, pub, &chk);
		ok(data != NULL && chk.verdict == REC_SEALED, "the monitor sealed the recording itself");
		free(data);
	}
	is_int(count_events("session_end", NULL), 1, "and ended the session on record");

	run(END_AS_KILLED, &status);
	ok(killed(status), "an end reason only the monitor may give: killed");
	is_int(count_events("privsep_violation", "request end refused"), 1, "it is an event");

	run(REPORT_IN_SESSION, &status);
	ok(killed(status), "a report request from a device session: killed");
	is_int(count_events("privsep_violation", "request report out of order"), 1, "it is an event");

	run(BAD_FRAME, &status);
	ok(killed(status), "a frame of length 0: killed");
	is_int(count_events("privsep_violation", "a malformed frame"), 1, "it is an event");

	run(UNKNOWN_TYPE, &status);
	ok(killed(status), "an unknown request type: killed");
	is_int(count_events("privsep_violation", "unknown request type 99"), 1, "it is an event");

	run(FORGED_REVIEW, &status);
	ok(killed(status), "a review of a command the policy allows: killed");
	is_int(count_events("privsep_violation", "request review refused"), 1, "it is an event");
	is_int(count_events("command_review", NULL), 0, "no review reached the customer's queue");

	run(ADMIN_AS_ENGINEER, &status);
	ok(killed(status), "an engineer's login asking for an administrator's command: killed");
	is_int(count_events("privsep_violation", "request admin_cmd out of order"), 1, "it is an event");
	is_int(count_events("admin_command", NULL), 0, "nothing ran");

	run(OPEN_BEFORE_TOKEN, &status);
	ok(killed(status), "a session channel before the approval token: killed");
	is_int(count_events("privsep_violation", "request open out of order"), 1, "it is an event");

	uses = approval_uses();
	ends = count_events("session_end", NULL);
	run(NO_CHANNEL, &status);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "token accepted, no session channel: the child leaves");
	is_int(approval_uses(), uses, "no channel, no approval use (ssh -N)");
	is_int(count_events("session_end", NULL), ends, "and no session");

	run(SESSIONS, &status);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 10, "ten sessions on one connection, the eleventh refused");
	is_int(approval_uses(), uses + 1, "all under one approval use");
	is_int(count_events("session_end", NULL), ends + 10, "each ended on record");
	is_int(count_events("session_refused", "max_channels_per_connection"), 1, "the eleventh is a refusal on record");
	is_int(count_events("session_start", "session 10 on the connection"), 1, "a later session says which it is");

	run(HONEST, &status);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the whole protocol done right: the child exits 0");
	is_int(count_events("privsep_violation", NULL), 13, "and no new violation");
	is_int(count_events("session_end", NULL), ends + 11, "its end is on record");

	close(lfd);
	sigkey_free(sigkey);
	config_free(cfg);
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
	}
	return done();
}
