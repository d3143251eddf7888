/*
 * Gateway commands for engineers: a login as plain ENGINEER (no +TARGET)
 * with the engineer's key reaches no device; it runs one command of the
 * gateway's own and ends. For now that is
 *
 *   ssh alice@gateway report SESSION_ID... < narrative.yaml
 *
 * which builds and signs the fault-handling report for the engineer's own
 * sessions (report.h), and the access requests (request.h):
 *
 *   ssh alice@gateway request --target T --ticket ID --level N --reason TEXT --valid D
 *                             [--sessions N] [--phase implement] [--op NAME]...
 *   ssh alice@gateway request wait|cancel ID
 *   ssh alice@gateway request list
 *
 * Everything else is refused with a sentence.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <getopt.h>

#include "duration.h"
#include "engcmd.h"
#include "log.h"
#include "monclient.h"
#include "monwire.h"
#include "recorder.h"
#include "narrative.h"
#include "report.h"
#include "strbuf.h"
#include "util.h"
#include "words.h"

#define ENGCMD_MAX_INPUT (64 * 1024)	/* the narrative's own limit (narrative.c) */
#define ENGCMD_USAGE "commands: report SESSION_ID... < narrative.yaml; request --target T --ticket ID --level N " \
	"--reason TEXT --valid D [--sessions N] [--phase implement] [--op NAME]...; request wait|cancel ID; " \
	"request list   (to reach a device, log in as %s+TARGET, e.g. ssh %s+router1@gateway)"
#define REQUEST_USAGE "usage: request --target T --ticket ID --level 1|2|3 --reason TEXT --valid DURATION " \
	"[--sessions N] [--phase diagnose|implement] [--op NAME]...\n       request wait ID | request cancel ID | request list\n"
#define WAIT_LINE_SECONDS 60

struct engcmd {
	char *command;		/* as the client sent it */
	char *input;
	size_t len;
	int too_long;
	int eof, closed, ran, pty;
	int64_t wait_id;		/* request wait: the request being waited on (0: none) */
	int admin_running;		/* an administrator's command runs in the monitor's helper */
	int64_t next_poll, next_line;
	struct ssh_channel_callbacks_struct cb;
};

static int
on_data(ssh_session session, ssh_channel channel, void *data, uint32_t len, int is_stderr, void *userdata)
{
	struct session *s = userdata;
	struct engcmd *e = s->ecmd;

	(void)session;
	(void)channel;
	(void)is_stderr;
	if (e->too_long || e->len + len > ENGCMD_MAX_INPUT) {
		e->too_long = 1;
		return (int)len;	/* read and dropped; the command fails with a sentence */
	}
	char *grown = realloc(e->input, e->len + len + 1);
	if (grown == NULL) {
		e->too_long = 1;
		return (int)len;
	}
	e->input = grown;
	memcpy(e->input + e->len, data, len);
	e->len += len;
	e->input[e->len] = '\0';
	return (int)len;
}

static void
on_eof(ssh_session session, ssh_channel channel, void *userdata)
{
	struct session *s = userdata;

	(void)session;
	(void)channel;
	s->ecmd->eof = 1;
}

static void
on_close(ssh_session session, ssh_channel channel, void *userdata)
{
	struct session *s = userdata;

	(void)session;
	(void)channel;
	s->ecmd->closed = 1;
	s->ecmd->eof = 1;
}

static int
on_pty(ssh_session session, ssh_channel channel, const char *term, int cols, int rows, int px, int py,
    void *userdata)
{
	struct session *s = userdata;

	(void)session;
	(void)channel;
	(void)term;
	(void)cols;
	(void)rows;
	(void)px;
	(void)py;
	s->ecmd->pty = 1;
	return 0;
}

static int
on_exec(ssh_session session, ssh_channel channel, const char *command, void *userdata)
{
	struct session *s = userdata;

	(void)session;
	(void)channel;
	if (s->ecmd->command != NULL)
		return -1;
	s->ecmd->command = strdup(command);
	return s->ecmd->command != NULL ? 0 : -1;
}

static int
on_shell(ssh_session session, ssh_channel channel, void *userdata)
{
	struct session *s = userdata;

	(void)session;
	(void)channel;
	if (s->ecmd->command != NULL)
		return -1;
	s->ecmd->command = strdup("");
	s->ecmd->eof = 1;	/* nothing to read: answer at once */
	return s->ecmd->command != NULL ? 0 : -1;
}

ssh_channel
engcmd_open_channel(struct session *s, ssh_session eng)
{
	if ((s->ecmd = calloc(1, sizeof(*s->ecmd))) == NULL)
		return NULL;
	if ((s->chan = ssh_channel_new(eng)) == NULL)
		return NULL;
	memset(&s->ecmd->cb, 0, sizeof(s->ecmd->cb));
	s->ecmd->cb.userdata = s;
	s->ecmd->cb.channel_data_function = on_data;
	s->ecmd->cb.channel_eof_function = on_eof;
	s->ecmd->cb.channel_close_function = on_close;
	s->ecmd->cb.channel_pty_request_function = on_pty;
	s->ecmd->cb.channel_exec_request_function = on_exec;
	s->ecmd->cb.channel_shell_request_function = on_shell;
	ssh_callbacks_init(&s->ecmd->cb);
	ssh_set_channel_callbacks(s->chan, &s->ecmd->cb);
	return s->chan;
}

static void
say(struct session *s, int to_stderr, const char *text)
{
	size_t len = strlen(text);
	char *crlf = NULL;

	/* With a pty the client's terminal wants CR LF. */
	if (s->ecmd->pty && (crlf = malloc(len * 2 + 1)) != NULL) {
		size_t o = 0;
		for (size_t i = 0; i < len; i++) {
			if (text[i] == '\n')
				crlf[o++] = '\r';
			crlf[o++] = text[i];
		}
		text = crlf;
		len = o;
	}
	/*
	 * The session is non-blocking: a write takes what the client's window
	 * allows. Wait for the window (30 s at most) rather than drop the rest
	 * of a long list.
	 */
	for (uint64_t until = recorder_now_us() + 30000000; len > 0 && recorder_now_us() < until;) {
		int n = to_stderr ? ssh_channel_write_stderr(s->chan, text, (uint32_t)len) :
		    ssh_channel_write(s->chan, text, (uint32_t)len);

		if (n < 0 || !ssh_is_connected(s->eng) || s->ecmd->closed)
			break;
		text += n;
		len -= (size_t)n;
		if (len > 0)
			(void)ssh_event_dopoll(s->event, 100);
	}
	free(crlf);
}

/* "report ID ID ...": the ids, split in place. */
static size_t
split_ids(char *args, const char **ids, size_t max)
{
	size_t n = 0;

	for (char *save = NULL, *t = strtok_r(args, " \t", &save); t != NULL; t = strtok_r(NULL, " \t", &save)) {
		if (n == max)
			return max + 1;
		ids[n++] = t;
	}
	return n;
}

/* The narrative is parsed here, in the sandbox; the monitor checks the quota, builds and signs. */
static int
run_report(struct session *s, char *args, char *out, size_t outlen)
{
	const char *ids[REPORT_MAX_SESSIONS];
	size_t n = split_ids(args, ids, REPORT_MAX_SESSIONS);
	struct narrative nar;
	struct strbuf list;
	char err[1024], listbuf[REPORT_MAX_SESSIONS * (SESSION_ID_LEN + 1) + 1];
	int status;

	if (n == 0 || n > REPORT_MAX_SESSIONS) {
		snprintf(out, outlen, "remgate: usage: report SESSION_ID... < narrative.yaml (1 to %d sessions)\n",
		    REPORT_MAX_SESSIONS);
		return 2;
	}
	if (s->ecmd->too_long) {
		snprintf(out, outlen, "remgate: the narrative is longer than %d bytes\n", ENGCMD_MAX_INPUT);
		return 1;
	}
	if (narrative_parse("narrative", s->ecmd->input ? s->ecmd->input : "", s->ecmd->len, &nar, err,
	    sizeof(err)) != 0) {
		snprintf(out, outlen, "remgate: %s\n", err);
		return 1;
	}
	strbuf_init_fixed(&list, listbuf, sizeof(listbuf));
	for (size_t i = 0; i < n; i++) {
		if (strlen(ids[i]) > SESSION_ID_LEN || !util_name_valid(ids[i])) {
			narrative_clear(&nar);
			snprintf(out, outlen, "remgate: no report: '%.40s' is not a session id\n", ids[i]);
			return 1;
		}
		strbuf_adds(&list, i ? " " : "");
		strbuf_adds(&list, ids[i]);
	}
	status = mc_report(strbuf_str(&list), &nar, out, outlen);
	narrative_clear(&nar);
	if (status < 0) {
		snprintf(out, outlen, "remgate: no report: the gateway's monitor could not be asked\n");
		return 1;
	}
	return status;
}

/* The command's answer and exit status; the channel and the connection end. */
static void
finish(struct session *s, int status, const char *out)
{
	say(s, status != 0, out);
	ssh_channel_request_send_exit_status(s->chan, status);
	ssh_channel_send_eof(s->chan);
	ssh_channel_close(s->chan);
	ssh_blocking_flush(s->eng, 2000);
	/* The client's CLOSE before we hang up (5 s at most), so it reads everything and no "closed by remote host". */
	for (uint64_t until = recorder_now_us() + 5000000; recorder_now_us() < until && ssh_is_connected(s->eng) &&
	    !s->ecmd->closed;)
		(void)ssh_event_dopoll(s->event, 100);
	s->done = 1;
}

static int
ask(struct mc_engreq *q, char *out, size_t outlen)
{
	int r = mc_engreq(q, out, outlen);

	if (r < 0)
		snprintf(out, outlen, "remgate: the gateway's monitor could not be asked\n");
	return r < 0 ? 1 : r;
}

/* "request --target ...": the options read here, in the sandbox; the monitor checks them again. */
static int
request_create(int argc, char **argv, char *out, size_t outlen)
{
	static const struct option opts[] = {
		{ "target", required_argument, NULL, 't' }, { "ticket", required_argument, NULL, 'k' },
		{ "level", required_argument, NULL, 'l' }, { "reason", required_argument, NULL, 'r' },
		{ "valid", required_argument, NULL, 'v' }, { "sessions", required_argument, NULL, 's' },
		{ "phase", required_argument, NULL, 'p' }, { "op", required_argument, NULL, 'o' }, { NULL, 0, NULL, 0 },
	};
	struct mc_engreq q = { .op = ENGREQ_CREATE, .phase = "diagnose", .sessions = 1 };
	char ops[2048] = "";
	struct strbuf ob;
	const char *why;
	long long n;
	int o;

	strbuf_init_fixed(&ob, ops, sizeof(ops));
	optind = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 't': q.target = optarg; break;
		case 'k': q.ticket = optarg; break;
		case 'r': q.reason = optarg; break;
		case 'p': q.phase = optarg; break;
		case 'l':
			if (util_parse_int(optarg, 1, 3, &n) != 0)
				goto usage;
			q.level = (int)n;
			break;
		case 's':
			if (util_parse_int(optarg, 1, 1000, &n) != 0)
				goto usage;
			q.sessions = (int)n;
			break;
		case 'v':
			if (duration_parse(optarg, &q.valid, &why) != 0) {
				snprintf(out, outlen, "remgate: --valid: %s\n", why);
				return 2;
			}
			break;
		case 'o':
			strbuf_adds(&ob, ob.len ? " " : "");
			strbuf_adds(&ob, optarg);
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc || !q.target || !q.ticket || !q.level || !q.reason || !q.valid || ob.cut)
		goto usage;
	q.ops = ops;
	return ask(&q, out, outlen);
usage:
	snprintf(out, outlen, "remgate: %s", REQUEST_USAGE);
	return 2;
}

/* "request ...": list, cancel ID, wait ID (which stays), or a new request. */
static int
run_request(struct session *s, char *args, char *out, size_t outlen)
{
	char buf[4096], *argv[WORDS_MAX + 1];
	const char *err;
	int argc = words_split(args, buf + 0, sizeof(buf), argv + 1, WORDS_MAX, &err);
	long long id = 0;

	if (argc < 0) {
		snprintf(out, outlen, "remgate: %s\n", err);
		return 2;
	}
	argv[0] = "request";
	argc++;
	if (argc == 2 && strcmp(argv[1], "list") == 0) {
		struct mc_engreq q = { .op = ENGREQ_LIST };

		return ask(&q, out, outlen);
	}
	if (argc >= 2 && (strcmp(argv[1], "wait") == 0 || strcmp(argv[1], "cancel") == 0)) {
		if (argc != 3 || util_parse_int(argv[2], 1, INT64_MAX, &id) != 0) {
			snprintf(out, outlen, "remgate: %s", REQUEST_USAGE);
			return 2;
		}
		if (argv[1][0] == 'c') {
			struct mc_engreq q = { .op = ENGREQ_CANCEL, .id = id };

			return ask(&q, out, outlen);
		}
		s->ecmd->wait_id = id;	/* the loop polls it (engcmd_pump) */
		return -1;
	}
	return request_create(argc, argv, out, outlen);
}

/* request wait: ask once a second, say so once a minute, end with the token or why not. */
static void
wait_step(struct session *s)
{
	struct engcmd *e = s->ecmd;
	struct mc_engreq q = { .op = ENGREQ_STATUS, .id = e->wait_id };
	int64_t now = (int64_t)time(NULL);
	char out[2000];
	int r;

	if (now < e->next_poll)
		return;
	e->next_poll = now + 1;
	r = ask(&q, out, sizeof(out));
	if (r == ENGREQ_PENDING) {
		if (now >= e->next_line) {
			e->next_line = now + WAIT_LINE_SECONDS;
			say(s, 1, out);
		}
		return;
	}
	if (r == ENGREQ_APPROVED) {
		say(s, 1, out);
		q.op = ENGREQ_COLLECT;
		r = ask(&q, out, sizeof(out));
	}
	finish(s, r, out);
}

/* The administrator's command's output, as it comes (CR LF with a pty). */
static void
admin_put(void *arg, int to_stderr, const void *data, size_t len)
{
	struct session *s = arg;
	char *text = malloc(len + 1);

	if (text == NULL)
		return;
	memcpy(text, data, len);
	text[len] = '\0';
	/* NUL bytes in the output end the text early; remgatectl writes none. */
	say(s, to_stderr, text);
	free(text);
}

/* ssh ADMIN@gateway [COMMAND ...]: split here, run by the monitor as remgatectl (mon_admin.c). */
static void
admin_step(struct session *s)
{
	struct engcmd *e = s->ecmd;
	char buf[4096], *argv[WORDS_MAX + 1], out[300];
	const char *err;
	int argc, status;

	if (!e->admin_running) {
		e->ran = 1;
		if ((argc = words_split(e->command, buf, sizeof(buf), argv, WORDS_MAX, &err)) < 0) {
			snprintf(out, sizeof(out), "remgate: %s\n", err);
			finish(s, 2, out);
			return;
		}
		e->admin_running = 1;
		mc_admin_cmd(argc, argv);
		(void)mc_flush();
		return;
	}
	if (mc_admin_take(admin_put, s, &status))
		finish(s, status, "");
}

void
engcmd_pump(struct session *s)
{
	struct engcmd *e = s->ecmd;
	char out[6000], *cmd;
	int status;

	if (e == NULL)
		return;
	if (e->closed) {
		s->done = 1;
		return;
	}
	if (e->wait_id != 0) {
		wait_step(s);
		return;
	}
	if (s->admin != NULL && e->command != NULL && (!e->ran || e->admin_running)) {
		admin_step(s);
		return;
	}
	if (e->ran || e->command == NULL)
		return;
	cmd = e->command;
	while (*cmd == ' ')
		cmd++;
	/* A request reads no input: it runs at once; a report waits for its narrative's end. */
	if (strncmp(cmd, "request", 7) == 0 && (cmd[7] == ' ' || cmd[7] == '\0')) {
		e->ran = 1;
		if ((status = run_request(s, cmd + 7, out, sizeof(out))) < 0)
			return;	/* request wait: the loop goes on */
		finish(s, status, out);
		return;
	}
	if (!e->eof)
		return;
	e->ran = 1;
	if (strncmp(cmd, "report", 6) == 0 && (cmd[6] == ' ' || cmd[6] == '\0')) {
		status = run_report(s, cmd + 6, out, sizeof(out));
	} else if (*cmd == '\0') {
		snprintf(out, sizeof(out), "remgate: this login reaches no device.\n" ENGCMD_USAGE "\n",
		    s->engineer->name, s->engineer->name);
		status = 2;
	} else {
		snprintf(out, sizeof(out), "remgate: unknown command '%.80s'\n" ENGCMD_USAGE "\n", cmd,
		    s->engineer->name, s->engineer->name);
		session_event(s, "request_refused", "unknown_command", cmd);
		log_info("event=request_refused reason=unknown_command engineer=%s command=%s", s->engineer->name,
		    cmd);
		status = 2;
	}
	finish(s, status, out);
}

void
engcmd_free(struct session *s)
{
	if (s->ecmd == NULL)
		return;
	free(s->ecmd->command);
	free(s->ecmd->input);
	free(s->ecmd);
	s->ecmd = NULL;
}
