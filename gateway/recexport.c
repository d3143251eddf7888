/*
 * Rendering a recording for people and players: asciicast v2 (what
 * asciinema plays) and the text command log (each command with its time,
 * then what the device echoed). Used by remgatectl recording export and
 * by the report bundle's commands.log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdlog.h"
#include "json.h"
#include "escrow.h"
#include "recexport.h"
#include "recfile.h"
#include "scp.h"
#include "util.h"

/* An exec of scp -t/-f or of sftp-server: the gateway audits it as a transfer (xfer.c). */
static int
exec_is_transfer(const struct rec *rec)
{
	char cmd[4096], *path = NULL;
	int yes;

	snprintf(cmd, sizeof(cmd), "%.*s", (int)rec->len, (const char *)rec->data);
	yes = scp_command(cmd, &path) != SCP_NONE || strstr(cmd, "sftp-server") != NULL;
	free(path);
	return yes;
}

static void
fmt_us(uint64_t us, char *buf, size_t len)
{
	util_time_iso((int64_t)(us / 1000000u), buf, len);
}

/* Incremental UTF-8 clean-up: asciicast strings must be valid UTF-8. */
struct utf8_stream {
	uint8_t carry[4];
	size_t ncarry;
};

static size_t
utf8_seq_len(uint8_t b)
{
	return b < 0x80 ? 1 : (b & 0xe0) == 0xc0 ? 2 : (b & 0xf0) == 0xe0 ? 3 : (b & 0xf8) == 0xf0 ? 4 : 0;
}

/* Valid UTF-8 of carry+data into out (malloc'd); an incomplete tail is kept for next time. */
static char *
utf8_clean(struct utf8_stream *u, const uint8_t *data, size_t len)
{
	size_t total = u->ncarry + len, o = 0, i = 0;
	uint8_t *in = malloc(total + 1);
	char *out = malloc(total * 3 + 1);

	if (in == NULL || out == NULL) {
		free(in);
		free(out);
		return NULL;
	}
	memcpy(in, u->carry, u->ncarry);
	memcpy(in + u->ncarry, data, len);
	u->ncarry = 0;
	while (i < total) {
		size_t n = utf8_seq_len(in[i]), k;

		if (n == 0) {
			memcpy(out + o, "\xef\xbf\xbd", 3);	/* U+FFFD */
			o += 3;
			i++;
			continue;
		}
		if (i + n > total) {
			u->ncarry = total - i;	/* wait for the rest */
			memcpy(u->carry, in + i, u->ncarry);
			break;
		}
		for (k = 1; k < n && (in[i + k] & 0xc0) == 0x80; k++)
			;
		if (k < n) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
			continue;
		}
		memcpy(out + o, in + i, n);
		o += n;
		i += n;
	}
	out[o] = '\0';
	free(in);
	return out;
}

/* A small JSON value from a record ("cols", "term"): good enough for our own records. */
static int
json_int_field(const struct rec *rec, const char *key, int dflt)
{
	char pat[40], buf[512];
	const char *p;
	size_t n = rec->len < sizeof(buf) - 1 ? rec->len : sizeof(buf) - 1;

	memcpy(buf, rec->data, n);
	buf[n] = '\0';
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	if ((p = strstr(buf, pat)) == NULL)
		return dflt;
	return atoi(p + strlen(pat));
}

static void
json_str_field(const struct rec *rec, const char *key, char *out, size_t outlen)
{
	char pat[40], buf[1024];
	const char *p;
	size_t n = rec->len < sizeof(buf) - 1 ? rec->len : sizeof(buf) - 1, i = 0;

	out[0] = '\0';
	memcpy(buf, rec->data, n);
	buf[n] = '\0';
	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	if ((p = strstr(buf, pat)) == NULL)
		return;
	for (p += strlen(pat); *p && *p != '"' && i + 1 < outlen; p++)
		out[i++] = *p;
	out[i] = '\0';
}

struct cast_ctx {
	FILE *out;
	uint64_t start_us;
	int header_done;
	int pty;		/* a terminal was asked for: the device's tty already turned \n into \r\n */
	char last;		/* the last output character, across records */
	int cols, rows;
	char term[64];
	char title[300];
	struct utf8_stream o, i;
};

/*
 * Output of a session without a terminal (an exec) has bare \n line ends;
 * a player is a terminal and would draw them as a staircase. Do what a
 * tty's ONLCR does: \n becomes \r\n (unless a \r came just before). Frees
 * text; NULL on no memory.
 */
static char *
onlcr(char *text, char *last)
{
	size_t n = 0, o = 0;
	char *out;

	for (const char *p = text; *p; p++)
		n += *p == '\n' ? 2 : 1;
	if ((out = malloc(n + 1)) != NULL) {
		for (const char *p = text; *p; p++) {
			if (*p == '\n' && (p == text ? *last : p[-1]) != '\r')
				out[o++] = '\r';
			out[o++] = *p;
		}
		out[o] = '\0';
		if (o > 0)
			*last = out[o - 1];
	}
	free(text);
	return out;
}

static void
cast_header(struct cast_ctx *x)
{
	struct json j;

	json_init(&j, x->out);
	json_begin_object(&j);
	json_key_int(&j, "version", 2);
	json_key_int(&j, "width", x->cols);
	json_key_int(&j, "height", x->rows);
	json_key_int(&j, "timestamp", (int64_t)(x->start_us / 1000000u));
	json_key_str(&j, "title", x->title);
	fputs(",\"env\":{\"TERM\":", x->out);
	json_write_string(x->out, x->term);
	fputs("}", x->out);
	json_end_object(&j);
	fputc('\n', x->out);
	x->header_done = 1;
}

static void
cast_event(struct cast_ctx *x, uint64_t t, const char *code, const char *text)
{
	uint64_t rel = t > x->start_us ? t - x->start_us : 0;

	fprintf(x->out, "[%llu.%06llu, \"%s\", ", (unsigned long long)(rel / 1000000u),
	    (unsigned long long)(rel % 1000000u), code);
	json_write_string(x->out, text);
	fputs("]\n", x->out);
}

static int
cast_record(const struct rec *rec, void *arg)
{
	struct cast_ctx *x = arg;
	char *text, size[32];

	switch (rec->type) {
	case REC_HEADER: {
		char sid[64], eng[80], tgt[80];

		x->start_us = rec->time_us;
		json_str_field(rec, "session", sid, sizeof(sid));
		json_str_field(rec, "engineer", eng, sizeof(eng));
		json_str_field(rec, "target", tgt, sizeof(tgt));
		snprintf(x->title, sizeof(x->title), "remgate session %s: %s on %s", sid, eng, tgt);
		return 0;
	}
	case REC_PTY:
		x->pty = 1;
		x->cols = json_int_field(rec, "cols", 80);
		x->rows = json_int_field(rec, "rows", 24);
		json_str_field(rec, "term", x->term, sizeof(x->term));
		return 0;
	case REC_RESIZE:
		if (!x->header_done)
			return 0;
		snprintf(size, sizeof(size), "%dx%d", json_int_field(rec, "cols", 80), json_int_field(rec, "rows", 24));
		cast_event(x, rec->time_us, "r", size);
		return 0;
	case REC_OUTPUT:
	case REC_STDERR:
	case REC_INPUT:
		if (!x->header_done)
			cast_header(x);
		text = utf8_clean(rec->type == REC_INPUT ? &x->i : &x->o, rec->data, rec->len);
		if (text != NULL && !x->pty && rec->type != REC_INPUT)
			text = onlcr(text, &x->last);
		if (text == NULL)
			return -1;
		if (text[0] != '\0')
			cast_event(x, rec->time_us, rec->type == REC_INPUT ? "i" : "o", text);
		free(text);
		return 0;
	default:
		return 0;
	}
}

/* The command log: each command with its time, then what the device showed. */
struct text_ctx {
	FILE *out;
	int pty;
	int transfer;	/* sftp or scp: the data is protocol bytes, shown as its transfer records */
	struct cmdlog *cl;
	int at_line_start;
};

static void
text_line(void *arg, const char *line, int is_command, uint64_t t)
{
	struct text_ctx *x = arg;
	char when[32];

	if (is_command) {
		fmt_us(t, when, sizeof(when));
		fprintf(x->out, "\n[%s] %s\n", when, line);
	} else {
		fprintf(x->out, "%s\n", line);
	}
}

static void
text_entry(void *arg, const struct cmd_entry *e)
{
	struct text_ctx *x = arg;
	char when[32];

	if (e->kind == CMD_MASKED) {
		fmt_us(e->time_us, when, sizeof(when));
		fprintf(x->out, "[%s] %s\n", when, e->text);
	}
}

static int
text_record(const struct rec *rec, void *arg)
{
	struct text_ctx *x = arg;
	char when[32];

	fmt_us(rec->time_us, when, sizeof(when));
	switch (rec->type) {
	case REC_HEADER: {
		char sid[64], eng[80], tgt[80], ticket[80], client[100], fp[80];

		json_str_field(rec, "session", sid, sizeof(sid));
		json_str_field(rec, "engineer", eng, sizeof(eng));
		json_str_field(rec, "target", tgt, sizeof(tgt));
		json_str_field(rec, "ticket", ticket, sizeof(ticket));
		json_str_field(rec, "client", client, sizeof(client));
		json_str_field(rec, "signing_key", fp, sizeof(fp));
		fprintf(x->out, "remgate command log\n"
		    "session   %s\nengineer  %s\ntarget    %s\napproval  %d (ticket %s)\nclient    %s\n"
		    "started   %s\nsealed by %s\n\n", sid, eng, tgt, json_int_field(rec, "approval", 0), ticket,
		    client, when, fp);
		return 0;
	}
	case REC_PTY:
		x->pty = 1;
		return 0;
	case REC_EXEC:
		fprintf(x->out, "[%s] exec: %.*s\n", when, (int)rec->len, (const char *)rec->data);
		x->transfer = exec_is_transfer(rec);
		return 0;
	case REC_SUBSYSTEM:
		fprintf(x->out, "[%s] subsystem: %.*s\n", when, (int)rec->len, (const char *)rec->data);
		x->transfer = 1;
		return 0;
	case REC_TRANSFER:
		fprintf(x->out, "[%s] transfer %.*s\n", when, (int)rec->len, (const char *)rec->data);
		return 0;
	case REC_OUTPUT:
		if (x->transfer)
			return 0;	/* binary protocol; the transfer records say what moved */
		if (x->pty) {
			cmdlog_output(x->cl, rec->data, rec->len, rec->time_us);
			return 0;
		}
		/* exec output is shown as it came */
		__attribute__((fallthrough));
	case REC_STDERR: {
		/* The bytes as they came, without the \r of line ends: whole runs at a time (a 1 GiB download is one session's output). */
		const uint8_t *p = rec->data, *end = rec->data + rec->len, *cr;

		while (p < end) {
			cr = memchr(p, '\r', (size_t)(end - p));
			fwrite(p, 1, (size_t)((cr ? cr : end) - p), x->out);
			p = cr ? cr + 1 : end;
		}
		return 0;
	}
	case REC_INPUT:
		if (x->pty)
			cmdlog_input(x->cl, rec->data, rec->len, rec->time_us, NULL, NULL);
		return 0;
	case REC_INPUT_MASKED:
		if (x->pty && rec->len == 5)
			cmdlog_input_masked(x->cl, (size_t)rec->data[0] << 24 | (size_t)rec->data[1] << 16 |
			    (size_t)rec->data[2] << 8 | rec->data[3], rec->data[4], rec->time_us);
		return 0;
	case REC_INPUT_ESCROWED: {
		size_t n;
		int ends;

		if (x->pty && escrow_peek(rec->data, rec->len, &n, &ends) == 0)
			cmdlog_input_masked(x->cl, n, ends, rec->time_us);
		return 0;
	}
	case REC_EXIT:
	case REC_EVENT:
		fprintf(x->out, "[%s] %s %.*s\n", when, recfile_type_name(rec->type), (int)rec->len,
		    (const char *)rec->data);
		return 0;
	default:
		return 0;
	}
}

int
recexport_asciicast(const uint8_t *file, size_t len, FILE *out)
{
	struct cast_ctx x = { .out = out, .cols = 80, .rows = 24, .term = "xterm" };
	int rc = recfile_each(file, len, cast_record, &x);

	if (rc == 0 && !x.header_done)
		cast_header(&x);
	return rc;
}

int
recexport_text(const uint8_t *file, size_t len, FILE *out)
{
	struct text_ctx x = { .out = out };
	struct cmdlog_hooks hooks = { .arg = &x, .line = text_line, .entry = text_entry };
	int rc;

	if ((x.cl = cmdlog_new(&hooks)) == NULL)
		return -1;
	rc = recfile_each(file, len, text_record, &x);
	cmdlog_finish(x.cl, 0);
	cmdlog_free(x.cl);
	return rc;
}

static int
find_transfer(const struct rec *rec, void *arg)
{
	int *yes = arg;

	if (rec->type == REC_SUBSYSTEM || (rec->type == REC_EXEC && exec_is_transfer(rec))) {
		*yes = 1;
		return 1;	/* found: stop */
	}
	/* The session's kind is set before any data flows. */
	return rec->type == REC_INPUT || rec->type == REC_OUTPUT || rec->type == REC_SHELL;
}

int
recexport_is_transfer(const uint8_t *file, size_t len)
{
	int yes = 0;

	recfile_each(file, len, find_transfer, &yes);
	return yes;
}
