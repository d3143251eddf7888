/*
 * remgatectl recording verify|export|play, sessions watch|kill: reading
 * recording files (recfile.h, recexport.h) and acting on running sessions.
 */
#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "audit.h"
#include "cmdlog.h"
#include "control.h"
#include "ctl.h"
#include "escrow.h"
#include "keyhistory.h"
#include "recexport.h"
#include "recfile.h"
#include "report.h"
#include "strbuf.h"
#include "util.h"

/* ---- finding and mapping a recording -------------------------------- */

struct recording {
	char path[4096];
	char sid[64];
	const uint8_t *data;
	void *map;		/* the mapping behind data */
	size_t len;
	/* From the store, when the session is known there. */
	int have_row;
	int ended;
	char end_reason[64];
	int64_t rec_records;
	char rec_head[2 * RECFILE_HASH_LEN + 1];
};

static int
row_found(const struct audit_session *a, void *arg)
{
	struct recording *r = arg;

	r->have_row = 1;
	r->ended = a->ended_at > 0;
	snprintf(r->end_reason, sizeof(r->end_reason), "%s", a->end_reason ? a->end_reason : "");
	snprintf(r->sid, sizeof(r->sid), "%s", a->id);
	if (a->recording != NULL && r->path[0] == '\0')
		snprintf(r->path, sizeof(r->path), "%s", a->recording);
	r->rec_records = a->rec_records;
	snprintf(r->rec_head, sizeof(r->rec_head), "%s", a->rec_head ? a->rec_head : "");
	return 0;
}

/* SESSION_ID or FILE: find the file and (if any) its session row, map it. */
static int
recording_open(struct ctl *c, const char *arg, struct recording *r)
{
	const char *base;

	memset(r, 0, sizeof(*r));
	if (arg == NULL)
		return EXIT_USAGE;
	/* Over SSH a recording is named by its session only: no file of the gateway's is read by name. */
	if (c->remote_admin != NULL && (c->st == NULL || audit_session_get(c->st, arg, row_found, r) != 0))
		return ctl_fail("no session '%s' (over SSH a recording is named by its session id)", arg);
	if (c->remote_admin != NULL) {
		/* found above */
	} else if (strchr(arg, '/') != NULL || access(arg, F_OK) == 0) {
		const char *slash = strrchr(arg, '/');

		snprintf(r->path, sizeof(r->path), "%s", arg);
		base = slash != NULL ? slash + 1 : arg;
		snprintf(r->sid, sizeof(r->sid), "%.*s", (int)strcspn(base, "."), base);
		if (c->st != NULL)
			audit_session_get(c->st, r->sid, row_found, r);
	} else if (c->st == NULL || audit_session_get(c->st, arg, row_found, r) != 0) {
		return ctl_fail("no session '%s' (and no such file)", arg);
	}
	if (r->path[0] == '\0')
		return ctl_fail("session %s has no recording", arg);
	if (util_map_file(r->path, 0, &r->map, &r->len) != 0)
		return ctl_fail("%s: %s", r->path, strerror(errno));
	r->data = r->map;
	return 0;
}

static void
recording_close(struct recording *r)
{
	util_unmap_file(r->map, r->len);
	r->map = NULL;
	r->data = NULL;
}

/* ---- verify --------------------------------------------------------- */

static void
fmt_us(uint64_t us, char *buf, size_t len)
{
	util_time_iso((int64_t)(us / 1000000u), buf, len);
}

/* The verdict for programs (the console shows it beside the player). */
static void
verify_json(const struct rec_check *chk, const char *head, const char *fp, const char *path)
{
	struct json j;

	json_init(&j, stdout);
	json_begin_object(&j);
	json_key_str(&j, "session", chk->session[0] ? chk->session : path);
	json_key_str(&j, "verdict", chk->verdict == REC_SEALED ? "sealed" : chk->verdict == REC_UNSEALED ? "unsealed" :
	    "tampered");
	json_key_int(&j, "records", chk->records);
	ctl_json_time(&j, "first", (int64_t)(chk->first_us / 1000000));
	ctl_json_time(&j, "last", (int64_t)(chk->last_us / 1000000));
	json_key_int(&j, "first_us", (int64_t)chk->first_us);	/* a replay's time 0 (recording export) */
	json_key_str(&j, "head", head);
	if (chk->verdict == REC_SEALED)
		json_key_str(&j, "signed_by", fp);
	else
		json_key_null(&j, "signed_by");
	if (chk->verdict == REC_TAMPERED) {
		json_key_int(&j, "bad_record", chk->bad_record);
		json_key_int(&j, "bad_offset", (int64_t)chk->bad_offset);
		json_key_str(&j, "reason", chk->reason);
	} else if (chk->verdict == REC_UNSEALED) {
		json_key_bool(&j, "truncated_tail", chk->truncated_tail);
	}
	json_end_object(&j);
	putchar('\n');
}

int
cmd_recording_verify(struct ctl *c, int argc, char **argv)
{
	struct recording r;
	struct rec_check chk;
	struct sigkey *key = NULL;
	struct keyring ring;
	uint8_t pub[SIGKEY_PUB_LEN];
	char err[512], hex[2 * RECFILE_HASH_LEN + 1], from[32], to[32], fp[80];
	int rc;

	int want_json = argc == 3 && strcmp(argv[2], "--json") == 0;

	if (argc != 2 && !want_json) {
		fprintf(stderr, "usage: remgatectl recording verify SESSION_ID|FILE [--json]\n");
		return EXIT_USAGE;
	}
	/*
	 * Seals made before a key rotation verify with the key of their time.
	 * The console reads no key file: the history the daemon wrote at start
	 * lists the key in use.
	 */
	if (!c->keyless) {
		if (sigkey_load(c->cfg->signing_key, &key, err, sizeof(err)) != 0)
			return ctl_fail("cannot load the signing key: %s", err);
		sigkey_public(key, pub);
		sigkey_free(key);
	}
	if (keyring_from_store(c->st, &ring) != 0 || (!c->keyless && keyring_add_current(&ring, pub) != 0))
		return ctl_fail("cannot read the signing key history: %s", store_errmsg(c->st));
	if ((rc = recording_open(c, argv[1], &r)) != 0)
		return rc;
	report_check_recording(&ring, r.data, r.len, &chk, fp, sizeof(fp));
	util_hex(chk.head, sizeof(chk.head), hex);
	fmt_us(chk.first_us, from, sizeof(from));
	fmt_us(chk.last_us, to, sizeof(to));

	/* The store keeps the seal too: a file that disagrees was changed. */
	if (chk.verdict == REC_SEALED && r.rec_head[0] != '\0' &&
	    (strcmp(r.rec_head, hex) != 0 || r.rec_records != (int64_t)chk.records)) {
		chk.verdict = REC_TAMPERED;
		chk.bad_record = chk.records;
		chk.bad_offset = r.len;
		snprintf(chk.reason, sizeof(chk.reason), "the seal differs from the one the store recorded (%lld records, head %.16s…)",
		    (long long)r.rec_records, r.rec_head);
	} else if (chk.verdict == REC_UNSEALED && r.rec_head[0] != '\0') {
		chk.verdict = REC_TAMPERED;
		chk.bad_record = chk.records;
		chk.bad_offset = chk.truncated_tail ? chk.bad_offset : r.len;
		snprintf(chk.reason, sizeof(chk.reason), "the store recorded a seal after %lld records; the file has none (cut short?)",
		    (long long)r.rec_records);
	}
	recording_close(&r);

	if (want_json) {
		verify_json(&chk, hex, fp, r.path);
		return chk.verdict == REC_SEALED ? 0 : (int)chk.verdict;
	}
	switch (chk.verdict) {
	case REC_SEALED:
		printf("OK: %s intact and sealed: %u records, %s to %s, head %s, signed by %s\n",
		    chk.session[0] ? chk.session : r.path, chk.records, from, to, hex, fp);
		return 0;
	case REC_UNSEALED:
		if (chk.truncated_tail)
			printf("UNSEALED: %s: %u records intact, then an incomplete record at byte offset %llu "
			    "(the session was cut off before the gateway could seal it)\n",
			    chk.session[0] ? chk.session : r.path, chk.records, (unsigned long long)chk.bad_offset);
		else
			printf("UNSEALED: %s: %u records intact, no seal (the session was cut off before the gateway "
			    "could seal it)\n", chk.session[0] ? chk.session : r.path, chk.records);
		return REC_UNSEALED;
	case REC_TAMPERED:
		break;
	}
	printf("TAMPERED: %s: record %u at byte offset %llu: %s (%u records before it are intact)\n",
	    chk.session[0] ? chk.session : r.path, chk.bad_record, (unsigned long long)chk.bad_offset, chk.reason,
	    chk.records);
	return REC_TAMPERED;
}

int
cmd_recording_export(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *format = NULL, *outpath = NULL;
	struct recording r;
	FILE *out = stdout;
	int o, rc;

	optind = 0;	/* 0: glibc re-reads its mode, so options may follow operands */
	while ((o = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (o) {
		case 'f': format = optarg; break;
		case 'o': outpath = optarg; break;
		default: return EXIT_USAGE;
		}
	}
	if (optind != argc - 1 || format == NULL || (strcmp(format, "asciicast") != 0 && strcmp(format, "text") != 0)) {
		fprintf(stderr, "usage: remgatectl recording export SESSION_ID|FILE --format asciicast|text [-o FILE]\n");
		return EXIT_USAGE;
	}
	if (outpath != NULL && c->remote_admin != NULL)
		return ctl_fail("over SSH the export goes to your terminal: leave out -o and redirect it on your side");
	if ((rc = recording_open(c, argv[optind], &r)) != 0)
		return rc;
	if (outpath != NULL) {
		/* A new file only: never through a symlink, never over another file. */
		int fd = open(outpath, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

		if (fd < 0 || (out = fdopen(fd, "w")) == NULL) {
			int e = errno;

			if (fd >= 0)
				close(fd);
			recording_close(&r);
			return ctl_fail("%s: %s%s", outpath, strerror(e), e == EEXIST ? " (give a new file name)" : "");
		}
	}
	if (strcmp(format, "asciicast") == 0 && recexport_is_transfer(r.data, r.len))
		rc = ctl_fail("%s is a file transfer session (sftp or scp): nothing to play; "
		    "use --format text, or remgatectl transfers list %s", r.sid, r.sid);
	else if (strcmp(format, "asciicast") == 0)
		rc = recexport_asciicast(r.data, r.len, out);
	else
		rc = recexport_text(r.data, r.len, out);
	if (rc < 0)
		rc = ctl_fail("%s: not a remgate recording, or out of memory", r.path);
	recording_close(&r);
	if (out != stdout && fclose(out) != 0)
		return ctl_fail("%s: %s", outpath, strerror(errno));
	return rc;
}

/* ---- play and watch ------------------------------------------------- */

struct play_ctx {
	double speed;
	uint64_t last_us;
};

static void
sleep_us(uint64_t us)
{
	struct timespec ts = { (time_t)(us / 1000000u), (long)(us % 1000000u) * 1000 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int
play_record(const struct rec *rec, void *arg)
{
	struct play_ctx *p = arg;

	if (rec->type != REC_OUTPUT && rec->type != REC_STDERR)
		return 0;
	if (p->last_us != 0 && rec->time_us > p->last_us) {
		uint64_t gap = (uint64_t)((double)(rec->time_us - p->last_us) / p->speed);
		sleep_us(gap > 2000000u ? 2000000u : gap);	/* idle time is cut to 2 s */
	}
	p->last_us = rec->time_us;
	fwrite(rec->data, 1, rec->len, stdout);
	fflush(stdout);
	return 0;
}

int
cmd_recording_play(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = { { "speed", required_argument, NULL, 's' }, { NULL, 0, NULL, 0 } };
	struct play_ctx p = { .speed = 1.0 };
	struct recording r;
	int o, rc;

	optind = 0;	/* 0: glibc re-reads its mode, so options may follow operands */
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o != 's')
			return EXIT_USAGE;
		p.speed = strtod(optarg, NULL);
		if (!(p.speed > 0.0 && p.speed <= 1000.0))
			return ctl_fail("--speed must be a number above 0 (1 = real time), found '%s'", optarg);
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: remgatectl recording play SESSION_ID|FILE [--speed N]\n");
		return EXIT_USAGE;
	}
	if ((rc = recording_open(c, argv[optind], &r)) != 0)
		return rc;
	/* A transfer's data is protocol bytes, not a terminal: show what moved instead. */
	if (recexport_is_transfer(r.data, r.len))
		rc = recexport_text(r.data, r.len, stdout) == 0 ? 0 : ctl_fail("%s: not a remgate recording", r.path);
	else
		rc = recfile_each(r.data, r.len, play_record, &p) == 0 ? 0 :
		    ctl_fail("%s is not a remgate recording", r.path);
	recording_close(&r);
	return rc;
}

/* The daemon's word on a watched session: 1 while it runs, 0 once it said "ended" (or went away). */
static int
still_running(int ctl_fd)
{
	struct pollfd p = { .fd = ctl_fd, .events = POLLIN };

	return ctl_fd >= 0 && poll(&p, 1, 0) == 0;
}

/* Follow a running session's recording and copy its output to stdout. */
int
cmd_sessions_watch(struct ctl *c, int argc, char **argv)
{
	struct recording r;
	struct rec_reader rd;
	struct recbuf tail = { 0 };
	uint8_t chunk[65536];
	int fd, ctl_fd = -1, quiet = 0, magic_done = 0, sealed = 0;
	uint64_t offset = 0;
	ssize_t n;
	char reply[1200] = "", err[600] = "";
	const char *req[2] = { "watch", NULL };
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: remgatectl sessions watch SESSION_ID\n");
		return EXIT_USAGE;
	}
	memset(&r, 0, sizeof(r));
	if (audit_session_get(c->st, argv[1], row_found, &r) != 0 || r.path[0] == '\0')
		return ctl_fail("no recorded session '%s'", argv[1]);
	/*
	 * The daemon says the session is live, and says again when it ends.
	 * A session that already ended (or a daemon that is gone) is shown to
	 * the end of its recording.
	 */
	req[1] = argv[1];
	if ((rc = control_call(c->cfg->control_socket, req, 2, reply, sizeof(reply), &ctl_fd, err, sizeof(err))) != 0) {
		fprintf(stderr, "remgatectl: %s; showing what was recorded\n", rc == 1 ? reply : err);
		ctl_fd = -1;
	}
	if ((fd = open(r.path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (ctl_fd >= 0)
			close(ctl_fd);
		return ctl_fail("%s: %s", r.path, strerror(errno));
	}
	fprintf(stderr, "remgatectl: watching session %s (read-only); Ctrl-C to stop\n", argv[1]);
	rec_reader_init(&rd, NULL, 0, 0);
	while (!sealed) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			if (ctl_fd >= 0)
				close(ctl_fd);
			recbuf_free(&tail);
			return ctl_fail("%s: %s", r.path, strerror(errno));
		}
		if (n == 0) {
			/* Caught up: wait for more unless the daemon said it is over (then read to the end once more). */
			if (++quiet % 10 == 0 && !still_running(ctl_fd) && quiet > 20)
				break;
			sleep_us(100000);
			continue;
		}
		quiet = 0;
		if (recbuf_put(&tail, chunk, (size_t)n) != 0)
			break;
		if (!magic_done) {
			if (tail.len < RECFILE_MAGIC_LEN)
				continue;
			if (memcmp(tail.data, RECFILE_MAGIC, RECFILE_MAGIC_LEN) != 0) {
				close(fd);
				recbuf_free(&tail);
				return ctl_fail("%s is not a remgate recording", r.path);
			}
			memmove(tail.data, tail.data + RECFILE_MAGIC_LEN, tail.len - RECFILE_MAGIC_LEN);
			tail.len -= RECFILE_MAGIC_LEN;
			offset = RECFILE_MAGIC_LEN;
			magic_done = 1;
		}
		/* Parse the complete records; keep a partial one for the next read. */
		rd.buf = tail.data;
		rd.len = tail.len;
		rd.pos = 0;
		rd.base = offset;
		for (;;) {
			struct rec rec;
			enum rec_status st = rec_reader_next(&rd, &rec);

			if (st == REC_NEXT_OK) {
				if (rec.type == REC_OUTPUT || rec.type == REC_STDERR)
					fwrite(rec.data, 1, rec.len, stdout);
				else if (rec.type == REC_SEAL)
					sealed = 1;
				continue;
			}
			if (st != REC_NEXT_END && st != REC_NEXT_TRUNCATED) {
				fflush(stdout);
				close(fd);
				recbuf_free(&tail);
				return ctl_fail("%s: the recording is damaged at byte offset %llu", r.path,
				    (unsigned long long)rec.offset);
			}
			break;
		}
		fflush(stdout);
		memmove(tail.data, tail.data + rd.pos, tail.len - rd.pos);
		tail.len -= rd.pos;
		offset += rd.pos;
	}
	close(fd);
	if (ctl_fd >= 0)
		close(ctl_fd);
	recbuf_free(&tail);
	fprintf(stderr, "\r\nremgatectl: session %s has ended\n", argv[1]);
	return 0;
}

/* ---- kill ------------------------------------------------------------ */

struct kill_row {
	int found, running;
};

static int
kill_row_found(const struct audit_session *a, void *arg)
{
	struct kill_row *k = arg;

	k->found = 1;
	k->running = a->ended_at == 0;
	return 0;
}

int
cmd_sessions_kill(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = { { "reason", required_argument, NULL, 'r' }, { NULL, 0, NULL, 0 } };
	const char *reason = NULL, *sid;
	struct kill_row k = { 0 };
	char by[128];
	int o;

	optind = 0;	/* 0: glibc re-reads its mode, so options may follow operands */
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o != 'r')
			return EXIT_USAGE;
		reason = optarg;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: remgatectl sessions kill SESSION_ID [--reason TEXT]\n");
		return EXIT_USAGE;
	}
	sid = argv[optind];
	if (audit_session_get(c->st, sid, kill_row_found, &k) != 0 || !k.found)
		return ctl_fail("no session '%s'", sid);
	if (!k.running)
		return ctl_fail("session %s has already ended", sid);
	if (reason != NULL && !control_field_ok(reason))
		return ctl_fail("--reason may not contain tabs, line ends or other control characters");
	ctl_who_am_i(by, sizeof(by));
	{
		/* The daemon records the request and tells the session's monitor. */
		const char *req[4] = { "kill", sid, by, reason ? reason : "" };
		char reply[1200], err[600];

		switch (control_call(c->cfg->control_socket, req, 4, reply, sizeof(reply), NULL, err, sizeof(err))) {
		case 0: break;
		case 1: return ctl_fail("%s", reply);
		default: return ctl_fail("%s", err);
		}
	}
	for (int i = 0; i < 100; i++) {
		struct kill_row now = { 0 };

		if (audit_session_get(c->st, sid, kill_row_found, &now) == 0 && !now.running) {
			printf("session %s ended (killed by %s)\n", sid, by);
			return 0;
		}
		sleep_us(100000);
	}
	return ctl_fail("session %s did not end within 10 s", sid);
}

/* ---- reveal: escrowed hidden input, with the customer's key -------- */

struct reveal {
	const struct escrow_key *key;
	const char *sid;
	struct escrow *e;
	struct strbuf run;	/* keystrokes of one hidden input so far */
	uint64_t run_us;
	int entries, failed, length_only;
	char err[300];
};

static void
reveal_flush(struct reveal *rv)
{
	char when[32];

	if (rv->run.len == 0 && rv->run_us == 0)
		return;
	fmt_us(rv->run_us, when, sizeof(when));
	printf("[%s] hidden input, %zu bytes: ", when, rv->run.len);
	{
		struct strbuf v;

		strbuf_init_heap(&v, 4 * rv->run.len + 16);
		strbuf_add_vis(&v, strbuf_str(&rv->run), rv->run.len, 1);
		printf("\"%s\"\n", strbuf_str(&v));
		OPENSSL_cleanse(v.buf, v.len);
		strbuf_free(&v);
	}
	if (rv->run.buf != NULL)
		OPENSSL_cleanse(rv->run.buf, rv->run.len);
	rv->run.len = 0;
	rv->run_us = 0;
	rv->entries++;
}

static int
reveal_record(const struct rec *rec, void *arg)
{
	struct reveal *rv = arg;
	uint8_t *plain = NULL;
	size_t n = 0;
	int ends = 0;

	if (rec->type == REC_INPUT_MASKED) {
		rv->length_only++;
		return 0;
	}
	if (rec->type == REC_ESCROW_KEY) {
		escrow_free(rv->e);
		rv->e = NULL;
		if (escrow_session_open(rv->key, rv->sid, rec->data, rec->len, &rv->e, rv->err, sizeof(rv->err)) != 0)
			return -1;
		return 0;
	}
	if (rec->type != REC_INPUT_ESCROWED)
		return 0;
	if (rv->e == NULL || escrow_open(rv->e, rec->data, rec->len, &plain, &n, &ends) != 0) {
		snprintf(rv->err, sizeof(rv->err), "record %u cannot be decrypted with this key", rec->seq);
		rv->failed++;
		return -1;
	}
	if (rv->run_us == 0)
		rv->run_us = rec->time_us;
	strbuf_add(&rv->run, (const char *)plain, n);
	OPENSSL_cleanse(plain, n);
	free(plain);
	if (ends)
		reveal_flush(rv);
	return 0;
}

int
cmd_recording_reveal(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "escrow-key", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	const char *keypath = NULL;
	struct escrow_key *key = NULL;
	struct recording r;
	struct rec_check chk;
	struct reveal rv;
	char err[512], by[128], fp[80], detail[1200];
	int o, rc;

	optind = 0;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o == 'k')
			keypath = optarg;
		else
			return EXIT_USAGE;
	}
	if (optind != argc - 1 || keypath == NULL) {
		fprintf(stderr, "usage: remgatectl recording reveal SESSION_ID|FILE --escrow-key FILE\n");
		return EXIT_USAGE;
	}
	if (escrow_key_load(keypath, &key, err, sizeof(err)) != 0)
		return ctl_fail("%s", err);
	if ((rc = recording_open(c, argv[optind], &r)) != 0) {
		escrow_key_free(key);
		return rc;
	}
	/* Only what the chain vouches for is shown. */
	recfile_check(r.data, r.len, NULL, &chk);
	if (chk.verdict == REC_TAMPERED) {
		recording_close(&r);
		escrow_key_free(key);
		return ctl_fail("%s is damaged (record %u: %s); run recording verify", r.path, chk.bad_record, chk.reason);
	}
	memset(&rv, 0, sizeof(rv));
	rv.key = key;
	rv.sid = chk.session;
	strbuf_init_heap(&rv.run, 1 << 20);
	rc = recfile_each(r.data, r.len, reveal_record, &rv);
	if (rc == 0)
		reveal_flush(&rv);
	recording_close(&r);
	escrow_free(rv.e);
	if (rv.run.buf != NULL)
		OPENSSL_cleanse(rv.run.buf, rv.run.len);
	strbuf_free(&rv.run);
	ctl_who_am_i(by, sizeof(by));
	{
		uint8_t pub[ESCROW_PUB_LEN];

		memset(pub, 0, sizeof(pub));
		escrow_key_public(key, pub);
		escrow_fingerprint(pub, fp, sizeof(fp));
	}
	escrow_key_free(key);
	snprintf(detail, sizeof(detail), "hidden input of session %s revealed by %s with escrow key %s: %d entries%s%s",
	    chk.session, by, fp, rv.entries, rc != 0 ? "; stopped: " : "", rc != 0 ? rv.err : "");
	{
		struct audit_event ev = { .kind = "escrow_reveal", .session_id = chk.session, .reason = "escrow_reveal",
			.detail = detail };

		if (audit_event_add(c->st, &ev, (int64_t)time(NULL)) != 0)
			return ctl_fail("cannot record the reveal: %s", store_errmsg(c->st));
	}
	if (rc != 0)
		return ctl_fail("%s", rv.err);
	if (rv.entries == 0 && rv.length_only > 0)
		printf("no escrowed input: this session's hidden input (%d records) was kept by length only "
		    "(no escrow key was configured then)\n", rv.length_only);
	else if (rv.entries == 0)
		printf("no hidden input in this session\n");
	fprintf(stderr, "remgatectl: %d hidden input(s) revealed; the reveal is recorded as an escrow_reveal event\n",
	    rv.entries);
	return 0;
}
