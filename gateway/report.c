/*
 * Building a fault-handling report bundle (report.h, docs/reports.md):
 * gather the facts of the sessions from the store, check their recordings,
 * write report.md, commands.log, the recordings, allowed_signers and
 * VERIFY.md, then report.json with the digests of them all, and sign each
 * file in OpenSSH's SSHSIG format.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "approval.h"
#include "audit.h"
#include "cmdlog.h"
#include "commands.h"
#include "escrow.h"
#include "json.h"
#include "keyhistory.h"
#include "recexport.h"
#include "report.h"
#include "review.h"
#include "sshsig.h"
#include "strbuf.h"
#include "util.h"

struct rcmd {
	int seq;
	int64_t ts_us;
	char *kind;
	char *text;
	int certain;
	char *guard;	/* the command guard's judgement, or NULL */
};

/* A command the guard held for the customer's review (review.h). */
struct rop {
	int64_t id, requested_at, decided_at;
	char *rule, *command, *status, *decided_by, *method, *note;
};

struct rsession {
	char *id, *engineer, *target, *client_addr, *kind, *command, *exit_signal, *end_reason, *recording;
	int64_t approval_id, started_at, ended_at, bytes_in, bytes_out, rec_records;
	int exit_status;
	char *rec_head;
	/* The recording as checked and copied into the bundle. */
	char file[64];
	const char *rec_state;	/* sealed | unsealed | missing */
	uint32_t records;
	char head_hex[2 * RECFILE_HASH_LEN + 1];
	char sealed_by[80];
	void *map;
	size_t len;
	struct rcmd *cmds;
	size_t ncmds;
	struct rop *ops;	/* its reviews, oldest first */
	size_t nops;
	/* Hidden input (kind "masked" commands) and whether it was escrowed. */
	int masked_entries;
	int64_t masked_bytes, masked_largest;
	char escrow_fp[80];	/* the customer's key it is sealed to; "" when kept by length only */
};

struct bundle_file {
	char name[80];
	char sha256[65];
	uint64_t size;
};

struct builder {
	struct store *st;
	const struct config *cfg;
	const struct sigkey *key;
	const struct report_request *req;
	char *err;
	size_t errlen;
	struct rsession s[REPORT_MAX_SESSIONS];
	size_t ns;
	struct approval a[REPORT_MAX_SESSIONS];
	size_t na;
	int level;
	const char *level_source;	/* always "approval": the customer's word */
	int proposed_level;		/* a narrative's other level, shown as the engineer's statement; 0: none */
	const char *reported_source;	/* approval | engineer | approval_created */
	int64_t id, reported_at, first_start, last_end, response, handling;
	int response_over, handling_over, escalate;
	char principal[200], key_fp[80], created[32];
	char dir[4096];
	struct bundle_file files[REPORT_MAX_SESSIONS + 8];
	size_t nfiles;
	char targets[1024], engineers[1024];
	struct keyring ring;	/* every key this gateway has had: old recordings stay valid */
};

static int __attribute__((format(printf, 2, 3)))
fail(struct builder *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b->err, b->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

void
report_principal(const struct config *cfg, char *out, size_t outlen)
{
	snprintf(out, outlen, "remgate@%s", cfg->gateway_name);
}

const char *
report_level_name(int level)
{
	switch (level) {
	case 1: return "critical";
	case 2: return "major";
	case 3: return "minor";
	default: return "unknown";
	}
}

const char *
report_level_meaning(int level)
{
	switch (level) {
	case 1: return "system down or service interrupted, basic functions lost; any outage over one hour; "
		    "loss of key business data";
	case 2: return "business directly affected or partly degraded; a risk of outage (e.g. one side of a "
		    "redundant pair down); an outage under one hour such as a system reset";
	case 3: return "function or performance affected, key business not";
	default: return "";
	}
}

void
report_check_recording(const struct keyring *kr, const uint8_t *data, size_t len, struct rec_check *chk,
    char *signer, size_t signerlen)
{
	signer[0] = '\0';
	/* One pass over the chain; then only the seal's signature, key by key. */
	recfile_check(data, len, NULL, chk);
	if (chk->verdict != REC_SEALED)
		return;
	for (size_t i = 0; i < kr->n; i++) {
		if (recfile_seal_signed_by(chk, kr->k[i].pub)) {
			snprintf(signer, signerlen, "%s", kr->k[i].fingerprint);
			return;
		}
	}
	chk->verdict = REC_TAMPERED;
	snprintf(chk->reason, sizeof(chk->reason), "the seal's signature does not verify with any trusted signing key");
}

/* ---- gathering the facts -------------------------------------------- */

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

static int
session_found(const struct audit_session *a, void *arg)
{
	struct rsession *s = arg;

	s->id = strdup(a->id);
	s->engineer = strdup(a->engineer);
	s->target = strdup(a->target);
	s->client_addr = strdup(a->client_addr);
	s->kind = dup_or_null(a->kind);
	s->command = dup_or_null(a->command);
	s->exit_signal = dup_or_null(a->exit_signal);
	s->end_reason = dup_or_null(a->end_reason);
	s->recording = dup_or_null(a->recording);
	s->rec_head = dup_or_null(a->rec_head);
	s->approval_id = a->approval_id;
	s->started_at = a->started_at;
	s->ended_at = a->ended_at;
	s->bytes_in = a->bytes_in;
	s->bytes_out = a->bytes_out;
	s->rec_records = a->rec_records;
	s->exit_status = a->exit_status;
	return 0;
}

static int
command_found(const struct command_row *r, void *arg)
{
	struct rsession *s = arg;
	struct rcmd *grown;

	if ((grown = realloc(s->cmds, (s->ncmds + 1) * sizeof(*s->cmds))) == NULL)
		return -1;
	s->cmds = grown;
	s->cmds[s->ncmds++] = (struct rcmd){ r->seq, r->ts_us, strdup(r->kind), strdup(r->text), r->certain,
		dup_or_null(r->guard) };
	return 0;
}

static int
review_found(const struct review_row *r, void *arg)
{
	struct rsession *s = arg;
	struct rop *grown;

	if ((grown = realloc(s->ops, (s->nops + 1) * sizeof(*s->ops))) == NULL)
		return -1;
	s->ops = grown;
	s->ops[s->nops++] = (struct rop){ r->id, r->requested_at, r->decided_at, dup_or_null(r->rule),
		dup_or_null(r->command), dup_or_null(r->status), dup_or_null(r->decided_by), dup_or_null(r->method),
		dup_or_null(r->note) };
	return 0;
}

static int
by_start(const void *x, const void *y)
{
	const struct rsession *a = x, *b = y;

	return a->started_at < b->started_at ? -1 : a->started_at > b->started_at ? 1 : strcmp(a->id, b->id);
}

/* Append w to a space-separated list unless it is in it already. */
static void
add_word(char *list, size_t len, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = list; *p != '\0';) {
		size_t k = strcspn(p, " ");

		if (k == n && strncmp(p, w, n) == 0)
			return;
		p += k + (p[k] == ' ');
	}
	if (list[0] != '\0')
		strncat(list, " ", len - strlen(list) - 1);
	strncat(list, w, len - strlen(list) - 1);
}

static int
gather(struct builder *b)
{
	const struct report_request *req = b->req;

	if (req->nsessions == 0)
		return fail(b, "name at least one session");
	if (req->nsessions > REPORT_MAX_SESSIONS)
		return fail(b, "a report covers at most %d sessions", REPORT_MAX_SESSIONS);
	for (size_t i = 0; i < req->nsessions; i++) {
		struct rsession *s = &b->s[b->ns];
		int r;

		for (size_t k = 0; k < i; k++)
			if (strcmp(req->session_ids[k], req->session_ids[i]) == 0)
				return fail(b, "session %s is named twice", req->session_ids[i]);
		if ((r = audit_session_get(b->st, req->session_ids[i], session_found, s)) < 0)
			return fail(b, "cannot read the store: %s", store_errmsg(b->st));
		if (r == 1)
			return fail(b, "no session '%s'", req->session_ids[i]);
		b->ns++;
		if (s->id == NULL || s->engineer == NULL || s->target == NULL || s->client_addr == NULL)
			return fail(b, "out of memory");
		if (req->only_engineer != NULL && strcmp(s->engineer, req->only_engineer) != 0)
			return fail(b, "session %s is not one of your sessions", s->id);
		if (s->ended_at <= 0)
			return fail(b, "session %s is still running; a report covers ended sessions "
			    "(wait for it to end, or end it with: remgatectl sessions kill %s)", s->id, s->id);
		if (commands_list(b->st, s->id, command_found, s) != 0)
			return fail(b, "cannot read the commands of session %s", s->id);
		if (review_store_list(b->st, 0, s->id, review_found, s) != 0)
			return fail(b, "cannot read the reviews of session %s", s->id);
	}
	qsort(b->s, b->ns, sizeof(b->s[0]), by_start);

	for (size_t i = 0; i < b->ns; i++) {
		size_t k;
		int r;

		for (k = 0; k < b->na && b->a[k].id != b->s[i].approval_id; k++)
			;
		if (k < b->na)
			continue;
		if ((r = approval_get(b->st, b->s[i].approval_id, &b->a[b->na])) != 0)
			return fail(b, "session %s: its approval %lld is %s", b->s[i].id, (long long)b->s[i].approval_id,
			    r > 0 ? "missing from the store" : "unreadable");
		b->na++;
	}
	for (size_t k = 1; k < b->na; k++)
		if (strcmp(b->a[k].ticket, b->a[0].ticket) != 0)
			return fail(b, "the sessions belong to different tickets (%s, %s); a report covers one ticket",
			    b->a[0].ticket, b->a[k].ticket);
	for (size_t i = 0; i < b->ns; i++) {
		add_word(b->targets, sizeof(b->targets), b->s[i].target);
		add_word(b->engineers, sizeof(b->engineers), b->s[i].engineer);
	}
	return 0;
}

/* Check each recording against the key history; refuse a tampered one. */
/* An escrow key record names the key by its SHA-256: match it against the configured key. */
static int
find_escrow(const struct rec *rec, void *arg)
{
	int *found = arg;

	if (rec->type == REC_ESCROW_KEY && rec->len == ESCROW_HEADER_LEN) {
		*found = 1;
		return 1;	/* stop */
	}
	return 0;
}

static void
hidden_input(const struct config *cfg, struct rsession *s)
{
	int escrowed = 0;

	for (size_t c = 0; c < s->ncmds; c++) {
		size_t n = 0;

		if (strcmp(s->cmds[c].kind, "masked") != 0)
			continue;
		s->masked_entries++;
		if (cmdlog_masked_len(s->cmds[c].text, &n) == 0) {
			s->masked_bytes += (int64_t)n;
			if ((int64_t)n > s->masked_largest)
				s->masked_largest = (int64_t)n;
		}
	}
	(void)recfile_each(s->map, s->len, find_escrow, &escrowed);
	s->escrow_fp[0] = '\0';
	if (escrowed && cfg->have_escrow)
		escrow_fingerprint(cfg->escrow_pub, s->escrow_fp, sizeof(s->escrow_fp));
	else if (escrowed)
		snprintf(s->escrow_fp, sizeof(s->escrow_fp), "a key no longer configured");
}

static int
hidden_unusual(const struct rsession *s)
{
	return cmdlog_masked_unusual((size_t)s->masked_largest, s->masked_entries);
}

static int
check_recordings(struct builder *b)
{
	for (size_t i = 0; i < b->ns; i++) {
		struct rsession *s = &b->s[i];
		struct rec_check chk;

		s->rec_state = "missing";
		if (s->recording == NULL)
			continue;
		if (util_map_file(s->recording, 0, &s->map, &s->len) != 0)
			return fail(b, "session %s: its recording %s: %s", s->id, s->recording, strerror(errno));
		report_check_recording(&b->ring, s->map, s->len, &chk, s->sealed_by, sizeof(s->sealed_by));
		if (chk.verdict == REC_TAMPERED)
			return fail(b, "session %s: the recording %s fails its check: %s (record %u, byte %llu); "
			    "investigate before reporting", s->id, s->recording, chk.reason, chk.bad_record,
			    (unsigned long long)chk.bad_offset);
		util_hex(chk.head, RECFILE_HASH_LEN, s->head_hex);
		if (chk.verdict == REC_SEALED && s->rec_head != NULL && strcmp(s->rec_head, s->head_hex) != 0)
			return fail(b, "session %s: the recording's chain head differs from the one the store "
			    "recorded at the seal", s->id);
		if (chk.verdict == REC_UNSEALED && s->rec_head != NULL)
			return fail(b, "session %s: the store recorded a seal but the recording has none "
			    "(cut short?)", s->id);
		s->rec_state = chk.verdict == REC_SEALED ? "sealed" : "unsealed";
		s->records = chk.records;
		hidden_input(b->cfg, s);
		snprintf(s->file, sizeof(s->file), "session-%s.rgrec", s->id);
	}
	return 0;
}

/*
 * Levels, response and handling times against the configured limits. The
 * level and the fault's reported time are the customer's word (the
 * approvals); an engineer's narrative may only propose another level, and
 * states the reported time only where no approval recorded one, marked so.
 * A stated time after the first session or in the future is refused.
 */
static int
compute_timing(struct builder *b)
{
	const struct narrative *n = b->req->narrative;
	int64_t approved = b->a[0].created_at, recorded = 0;
	char t1[32], t2[32];

	b->level = 3;
	for (size_t k = 0; k < b->na; k++) {
		if (b->a[k].level < b->level)
			b->level = b->a[k].level;
		if (b->a[k].created_at < approved)
			approved = b->a[k].created_at;
		if (b->a[k].reported_at > 0 && (recorded == 0 || b->a[k].reported_at < recorded))
			recorded = b->a[k].reported_at;
	}
	b->level_source = "approval";
	b->proposed_level = n->level != 0 && n->level != b->level ? n->level : 0;
	b->first_start = b->s[0].started_at;
	b->last_end = 0;
	for (size_t i = 0; i < b->ns; i++) {
		if (b->s[i].started_at < b->first_start)
			b->first_start = b->s[i].started_at;
		if (b->s[i].ended_at > b->last_end)
			b->last_end = b->s[i].ended_at;
	}
	if (n->reported_at != 0 && n->reported_at > b->req->now) {
		util_time_iso(n->reported_at, t1, sizeof(t1));
		return fail(b, "the narrative's reported_at %s is in the future", t1);
	}
	if (n->reported_at != 0 && n->reported_at > b->first_start) {
		util_time_iso(n->reported_at, t1, sizeof(t1));
		util_time_iso(b->first_start, t2, sizeof(t2));
		return fail(b, "the narrative's reported_at %s is after the first session (%s): a fault is reported "
		    "before it is handled", t1, t2);
	}
	if (recorded != 0) {
		b->reported_at = recorded;
		b->reported_source = "approval";
	} else if (n->reported_at != 0) {
		b->reported_at = n->reported_at;
		b->reported_source = "engineer";
	} else {
		b->reported_at = approved;
		b->reported_source = "approval_created";
	}
	b->response = b->first_start - approved;
	/* An unresolved fault is still being handled: count up to now. */
	b->handling = (strcmp(n->result, "unresolved") == 0 ? b->req->now : b->last_end) - b->reported_at;
	b->response_over = b->response > b->cfg->levels[b->level].respond;
	b->handling_over = b->handling > b->cfg->levels[b->level].restore;
	b->escalate = b->response_over || b->handling_over;
	return 0;
}

/* ---- writing the bundle --------------------------------------------- */

static void
iso(int64_t t, char *buf, size_t len)
{
	util_time_iso(t, buf, len);
}

static void
span(int64_t secs, char *buf, size_t len)
{
	int64_t s = secs < 0 ? 0 : secs;

	if (s >= 3600)
		snprintf(buf, len, "%lldh %02lldm %02llds", (long long)(s / 3600), (long long)(s / 60 % 60),
		    (long long)(s % 60));
	else if (s >= 60)
		snprintf(buf, len, "%lldm %02llds", (long long)(s / 60), (long long)(s % 60));
	else
		snprintf(buf, len, "%llds", (long long)s);
}

/* Write data as a new bundle file and list its digest. */
/* A file now in the bundle: its name, size and digest for report.json. */
static void
note_file(struct builder *b, const char *name, const void *data, size_t len)
{
	struct bundle_file *f = &b->files[b->nfiles];

	snprintf(f->name, sizeof(f->name), "%s", name);
	util_sha256_hex(data, len, f->sha256);
	f->size = len;
	b->nfiles++;
}

static int
put_file(struct builder *b, const char *name, const void *data, size_t len)
{
	char *path = util_path_join(b->dir, name);

	if (path == NULL)
		return fail(b, "out of memory");
	if (util_write_new_file(path, data, len) != 0) {
		int e = errno;
		free(path);
		return fail(b, "%s/%s: %s", b->dir, name, strerror(e));
	}
	free(path);
	note_file(b, name, data, len);
	return 0;
}

static int
sign_file(struct builder *b, const char *name, const void *data, size_t len)
{
	char signame[100], *armored = NULL, *path;
	int r;

	snprintf(signame, sizeof(signame), "%s.sig", name);
	if (sshsig_sign(b->key, REPORT_NAMESPACE, data, len, &armored) != 0)
		return fail(b, "cannot sign %s", name);
	if ((path = util_path_join(b->dir, signame)) == NULL) {
		free(armored);
		return fail(b, "out of memory");
	}
	r = util_write_new_file(path, armored, strlen(armored));
	if (r != 0)
		fail(b, "%s: %s", path, strerror(errno));
	free(path);
	free(armored);
	return r;
}

/* Engineer-supplied text with control bytes made visible (\e, \xNN), lines kept if asked. */
static void
md_text(FILE *f, const char *s, int keep_lines)
{
	char *vis;

	if (s == NULL)
		return;
	vis = strbuf_vis_dup_lines(s, keep_lines ? '\n' : ' ');
	fputs(vis ? vis : "?", f);
	free(vis);
}

/* Text for a Markdown table cell: one line, pipes escaped, control bytes visible. */
static void
md_cell(FILE *f, const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (m == NULL)
		return;
	md_text(m, s, 0);
	fclose(m);
	for (const char *p = buf; p != NULL && *p; p++) {
		if (*p == '|')
			fputs("\\|", f);
		else
			fputc(*p, f);
	}
	free(buf);
}

static void
md_section(FILE *f, const char *title, const char *text)
{
	fprintf(f, "\n## %s\n\n", title);
	md_text(f, text, 1);
	fputc('\n', f);
}

static void
exit_text(const struct rsession *s, char *buf, size_t len)
{
	if (s->exit_signal != NULL)
		snprintf(buf, len, "signal %s", s->exit_signal);
	else if (s->exit_status >= 0)
		snprintf(buf, len, "%d", s->exit_status);
	else
		snprintf(buf, len, "-");
}

/* "Major operations": each command held for the customer's review, and how it ended. */
static void
write_major_operations(struct builder *b, FILE *f)
{
	size_t n = 0;

	fprintf(f, "\n## Major operations\n\n");
	for (size_t i = 0; i < b->ns; i++) {
		const struct rsession *s = &b->s[i];

		for (size_t k = 0; k < s->nops; k++) {
			const struct rop *o = &s->ops[k];
			char t1[32], t2[32];

			iso(o->requested_at, t1, sizeof(t1));
			iso(o->decided_at, t2, sizeof(t2));
			fprintf(f, "- %s (`", o->rule ? o->rule : "?");
			md_cell(f, o->command ? o->command : "");
			fprintf(f, "`) at %s, ", t1);
			if (o->status != NULL && (strcmp(o->status, "approved") == 0 || strcmp(o->status, "denied") == 0)) {
				fprintf(f, "%s by ", o->status);
				md_cell(f, o->decided_by ? o->decided_by : "?");
				if (o->method != NULL) {
					fprintf(f, " by ");
					md_cell(f, o->method);
				}
				fprintf(f, " at %s", t2);
			} else if (o->status != NULL && strcmp(o->status, "pending") != 0) {
				fprintf(f, "%s at %s (never ran)", o->status, t2);
			} else {
				fprintf(f, "never decided");
			}
			if (o->note != NULL && *o->note) {
				fprintf(f, ": ");
				md_cell(f, o->note);
			}
			fprintf(f, " (review %lld, session %s)\n", (long long)o->id, s->id);
			n++;
		}
	}
	if (n == 0)
		fprintf(f, "None: no command was held for the customer's review.\n");
}

static void
write_markdown(struct builder *b, FILE *f)
{
	const struct narrative *n = b->req->narrative;
	const struct fault_level *lim = &b->cfg->levels[b->level];
	char t1[32], t2[32], d1[40], d2[40];

	fprintf(f, "# Fault-handling report %lld: ticket %s\n\n", (long long)b->id, b->a[0].ticket);
	fprintf(f, "| | |\n|---|---|\n");
	fprintf(f, "| Ticket | %s |\n", b->a[0].ticket);
	fprintf(f, "| Fault level | %d (%s): %s, as approved by the customer |\n", b->level,
	    report_level_name(b->level), report_level_meaning(b->level));
	if (b->proposed_level != 0)
		fprintf(f, "| Level proposed by the engineer | %d (%s): the engineer's statement, not the customer's "
		    "decision |\n", b->proposed_level, report_level_name(b->proposed_level));
	fprintf(f, "| Result | %s |\n", n->result);
	fprintf(f, "| Target | %s |\n| Engineer | %s |\n", b->targets, b->engineers);
	fprintf(f, "| Report created | %s by %s |\n", b->created, b->req->created_by);
	fprintf(f, "| Gateway | %s, signing key %s |\n", b->cfg->gateway_name, b->key_fp);

	md_section(f, "Fault", n->fault);
	md_section(f, "Cause", n->cause);
	md_section(f, "Actions taken", n->actions);
	md_section(f, "Result", n->result);
	md_section(f, "Preventive measures for daily maintenance", n->prevention);
	if (n->followup != NULL)
		md_section(f, "Follow-up", n->followup);

	fprintf(f, "\n## Time limits (level %d)\n\n| | actual | limit | |\n|---|---|---|---|\n", b->level);
	span(b->response, d1, sizeof(d1));
	span(lim->respond, d2, sizeof(d2));
	fprintf(f, "| Response (approval to first session) | %s | %s | %s |\n", d1, d2,
	    b->response_over ? "**exceeded**" : "within");
	span(b->handling, d1, sizeof(d1));
	span(lim->restore, d2, sizeof(d2));
	iso(b->reported_at, t1, sizeof(t1));
	fprintf(f, "| Handling (fault reported %s%s to %s) | %s | %s | %s |\n", t1,
	    strcmp(b->reported_source, "engineer") == 0 ? ", as stated by the engineer" :
	    strcmp(b->reported_source, "approval") == 0 ? ", as recorded on the approval" : ", the approval's creation",
	    strcmp(n->result, "unresolved") == 0 ? "this report" : "last session end", d1, d2,
	    b->handling_over ? "**exceeded**" : "within");
	if (b->escalate)
		fprintf(f, "\n**Exceeded: escalate** %s.\n", b->level > 1 ? (b->level == 3 ? "to level 2 (major)" :
		    "to level 1 (critical)") : "to management (already level 1)");

	fprintf(f, "\n## Approvals\n\n| id | engineer | target | phase | approved by | method | recorded | "
	    "window | sessions used | note |\n|---|---|---|---|---|---|---|---|---|---|\n");
	for (size_t k = 0; k < b->na; k++) {
		const struct approval *a = &b->a[k];
		iso(a->created_at, t1, sizeof(t1));
		iso(a->valid_from, d1, sizeof(d1));
		iso(a->valid_until, d2, sizeof(d2));
		fprintf(f, "| %lld | %s | %s | %s | ", (long long)a->id, a->engineer, a->target, a->phase);
		md_cell(f, a->approver);
		fprintf(f, " | %s | %s by %s | %s to %s | %d of %d | ", a->method, t1, a->created_by, d1, d2, a->uses,
		    a->max_sessions);
		md_cell(f, a->note ? a->note : "");
		fprintf(f, " |\n");
	}

	fprintf(f, "\n## Sessions\n\n| session | engineer | target | client | start | end | duration | exit | "
	    "end | recording |\n|---|---|---|---|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < b->ns; i++) {
		const struct rsession *s = &b->s[i];
		char ex[48];
		iso(s->started_at, t1, sizeof(t1));
		iso(s->ended_at, t2, sizeof(t2));
		span(s->ended_at - s->started_at, d1, sizeof(d1));
		exit_text(s, ex, sizeof(ex));
		fprintf(f, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s, %u records |\n", s->id, s->engineer,
		    s->target, s->client_addr, t1, t2, d1, ex, s->end_reason ? s->end_reason : "-", s->rec_state,
		    s->records);
	}

	fprintf(f, "\n## Hidden input\n\n");
	for (size_t i = 0; i < b->ns; i++) {
		const struct rsession *s = &b->s[i];

		if (s->masked_entries == 0) {
			fprintf(f, "- Session %s: none.\n", s->id);
			continue;
		}
		fprintf(f, "- Session %s: %d hidden input(s), %lld bytes in all, ", s->id, s->masked_entries,
		    (long long)s->masked_bytes);
		if (s->escrow_fp[0] != '\0')
			fprintf(f, "escrowed to the customer's key %s: the customer can read them with "
			    "`remgatectl recording reveal %s --escrow-key FILE`.\n", s->escrow_fp, s->id);
		else
			fprintf(f, "kept by length only: no escrow key was configured, so no one can read them.\n");
		if (hidden_unusual(s))
			fprintf(f, "  **Unusual hidden input**: %s.\n", s->masked_largest > CMDLOG_MASKED_UNUSUAL_BYTES ?
			    "one entry is longer than a password usually is" : "more hidden entries than password prompts usually need");
	}

	write_major_operations(b, f);

	fprintf(f, "\n## Commands\n");
	for (size_t i = 0; i < b->ns; i++) {
		const struct rsession *s = &b->s[i];
		fprintf(f, "\n### Session %s (%s on %s)\n\n", s->id, s->engineer, s->target);
		if (s->ncmds == 0 && s->command != NULL) {
			fprintf(f, "exec: `");
			md_cell(f, s->command);
			fprintf(f, "`\n");
			continue;
		}
		if (s->ncmds == 0) {
			fprintf(f, "(no commands)\n");
			continue;
		}
		fprintf(f, "| time (UTC) | kind | command | guard |\n|---|---|---|---|\n");
		for (size_t c = 0; c < s->ncmds; c++) {
			iso(s->cmds[c].ts_us / 1000000, t1, sizeof(t1));
			fprintf(f, "| %s | %s%s | ", t1, s->cmds[c].kind, s->cmds[c].certain ? "" : " (uncertain)");
			md_cell(f, s->cmds[c].text);
			fprintf(f, " | ");
			md_cell(f, s->cmds[c].guard ? s->cmds[c].guard : "");
			fprintf(f, " |\n");
		}
	}
	fprintf(f, "\nThe full command log with each command's output is in `commands.log`; the recordings "
	    "replay with `remgatectl recording play FILE`. How to verify this bundle: `VERIFY.md`.\n");
}

static void
write_verify_md(struct builder *b, FILE *f)
{
	char t[24];
	time_t tt = (time_t)b->req->now;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(t, sizeof(t), "%Y%m%d%H%M%SZ", &tm);
	fprintf(f, "# Verifying fault-handling report %lld\n\n"
	    "Every file here is signed by the remgate gateway `%s` with its Ed25519 key\n"
	    "`%s`, in OpenSSH's signature format. You need only OpenSSH 8.9 or later\n"
	    "(`ssh-keygen`); remgate need not be installed.\n\n"
	    "## 1. Is the key your gateway's?\n\n"
	    "Compare this fingerprint with the one your administrator got from\n"
	    "`remgatectl keys show` on the gateway (never trust the bundle alone):\n\n"
	    "```sh\nawk '{print $(NF-1), $NF}' allowed_signers | ssh-keygen -lf -\n```\n\n"
	    "## 2. Check the signatures\n\n"
	    "```sh\nssh-keygen -Y verify -f allowed_signers -I %s -n %s -s report.json.sig < report.json\n"
	    "for f in *.sig; do\n"
	    "  ssh-keygen -Y verify -f allowed_signers -I %s -n %s -s \"$f\" < \"${f%%.sig}\" || echo \"FAILED: ${f%%.sig}\"\n"
	    "done\n```\n\n"
	    "Each must print `Good \"%s\" signature for %s with ED25519 key ...`.\n"
	    "`report.json` lists the SHA-256 of every other file, so a changed, swapped or\n"
	    "missing file is caught twice:\n\n"
	    "```sh\ngrep -o '\"name\":\"[^\"]*\",\"sha256\":\"[0-9a-f]*\"' report.json |\n"
	    "  sed 's/\"name\":\"\\([^\"]*\\)\",\"sha256\":\"\\([0-9a-f]*\\)\"/\\2  \\1/' | sha256sum -c -\n```\n\n"
	    "If you keep a long-lived `allowed_signers` file with retired gateway keys\n"
	    "(`remgatectl keys show` lists them with `valid-before`), check at the time the\n"
	    "report was signed: add `-Overify-time=%s` to each `ssh-keygen -Y verify`.\n\n"
	    "## 3. With remgate\n\n"
	    "`remgatectl verify DIR` checks all of the above and also each recording's hash\n"
	    "chain and seal, and that every session was covered by the approval it names.\n"
	    "`remgatectl recording play session-ID.rgrec` replays a session;\n"
	    "`remgatectl recording export session-ID.rgrec --format asciicast -o s.cast` makes\n"
	    "a file for `asciinema play`.\n",
	    (long long)b->id, b->cfg->gateway_name, b->key_fp, b->principal, REPORT_NAMESPACE, b->principal,
	    REPORT_NAMESPACE, b->principal, REPORT_NAMESPACE, t);
}

static void
json_time(struct json *j, const char *key, int64_t t)
{
	char buf[32];

	iso(t, buf, sizeof(buf));
	json_key_str(j, key, buf);
}

static void
write_json(struct builder *b, FILE *f)
{
	const struct narrative *n = b->req->narrative;
	struct json j;

	json_init(&j, f);
	json_begin_object(&j);
	json_key_str(&j, "format", REPORT_FORMAT);
	json_key_int(&j, "report_id", b->id);
	json_key_str(&j, "created_at", b->created);
	json_key_str(&j, "created_by", b->req->created_by);
	json_key_begin_object(&j, "gateway");
	json_key_str(&j, "name", b->cfg->gateway_name);
	json_key_str(&j, "principal", b->principal);
	json_key_str(&j, "signing_key", b->key_fp);
	json_key_str(&j, "namespace", REPORT_NAMESPACE);
	json_end_object(&j);
	json_key_str(&j, "ticket", b->a[0].ticket);
	json_key_begin_object(&j, "level");
	json_key_int(&j, "level", b->level);
	json_key_str(&j, "name", report_level_name(b->level));
	json_key_str(&j, "meaning", report_level_meaning(b->level));
	json_key_str(&j, "source", b->level_source);
	if (b->proposed_level != 0)
		json_key_int(&j, "proposed_by_engineer", b->proposed_level);
	else
		json_key_null(&j, "proposed_by_engineer");
	json_end_object(&j);
	json_key_str(&j, "fault", n->fault);
	json_key_str(&j, "cause", n->cause);
	json_key_str(&j, "actions", n->actions);
	json_key_str(&j, "result", n->result);
	json_key_str(&j, "prevention", n->prevention);
	json_key_str(&j, "followup", n->followup);

	json_key_begin_object(&j, "timing");
	json_time(&j, "fault_reported_at", b->reported_at);
	json_key_str(&j, "fault_reported_source", b->reported_source);
	json_time(&j, "first_session_at", b->first_start);
	json_time(&j, "last_session_end", b->last_end);
	json_key_int(&j, "response_seconds", b->response);
	json_key_int(&j, "response_limit_seconds", b->cfg->levels[b->level].respond);
	json_key_bool(&j, "response_exceeded", b->response_over);
	json_key_int(&j, "handling_seconds", b->handling);
	json_key_int(&j, "handling_limit_seconds", b->cfg->levels[b->level].restore);
	json_key_bool(&j, "handling_exceeded", b->handling_over);
	json_key_bool(&j, "escalate", b->escalate);
	if (b->escalate)
		json_key_int(&j, "escalate_to_level", b->level > 1 ? b->level - 1 : 1);
	else
		json_key_null(&j, "escalate_to_level");
	json_end_object(&j);

	json_key_begin_array(&j, "approvals");
	for (size_t k = 0; k < b->na; k++) {
		const struct approval *a = &b->a[k];
		json_begin_object(&j);
		json_key_int(&j, "id", a->id);
		json_key_str(&j, "engineer", a->engineer);
		json_key_str(&j, "target", a->target);
		json_key_str(&j, "ticket", a->ticket);
		json_key_int(&j, "level", a->level);
		json_key_str(&j, "phase", a->phase);
		json_key_str(&j, "approver", a->approver);
		json_key_str(&j, "method", a->method);
		json_key_str(&j, "note", a->note);
		json_time(&j, "created_at", a->created_at);
		json_key_str(&j, "created_by", a->created_by);
		json_time(&j, "valid_from", a->valid_from);
		json_time(&j, "valid_until", a->valid_until);
		json_key_int(&j, "max_sessions", a->max_sessions);
		json_key_int(&j, "uses", a->uses);
		if (a->revoked_at > 0)
			json_time(&j, "revoked_at", a->revoked_at);
		else
			json_key_null(&j, "revoked_at");
		json_end_object(&j);
	}
	json_end_array(&j);

	json_key_begin_array(&j, "sessions");
	for (size_t i = 0; i < b->ns; i++) {
		const struct rsession *s = &b->s[i];
		json_begin_object(&j);
		json_key_str(&j, "id", s->id);
		json_key_int(&j, "approval_id", s->approval_id);
		json_key_str(&j, "engineer", s->engineer);
		json_key_str(&j, "target", s->target);
		json_key_str(&j, "client_addr", s->client_addr);
		json_key_str(&j, "kind", s->kind);
		json_key_str(&j, "command", s->command);
		json_time(&j, "started_at", s->started_at);
		json_time(&j, "ended_at", s->ended_at);
		json_key_int(&j, "duration_seconds", s->ended_at - s->started_at);
		if (s->exit_status >= 0)
			json_key_int(&j, "exit_status", s->exit_status);
		else
			json_key_null(&j, "exit_status");
		json_key_str(&j, "exit_signal", s->exit_signal);
		json_key_str(&j, "end_reason", s->end_reason);
		json_key_int(&j, "bytes_in", s->bytes_in);
		json_key_int(&j, "bytes_out", s->bytes_out);
		json_key_begin_object(&j, "recording");
		json_key_str(&j, "file", s->file[0] ? s->file : NULL);
		json_key_str(&j, "state", s->rec_state);
		json_key_int(&j, "records", s->records);
		json_key_str(&j, "chain_head", s->file[0] ? s->head_hex : NULL);
		json_key_str(&j, "sealed_by", s->sealed_by[0] ? s->sealed_by : NULL);
		json_end_object(&j);
		json_key_begin_object(&j, "hidden_input");
		json_key_int(&j, "entries", s->masked_entries);
		json_key_int(&j, "bytes", s->masked_bytes);
		json_key_bool(&j, "escrowed", s->escrow_fp[0] != '\0');
		json_key_str(&j, "escrow_key", s->escrow_fp[0] ? s->escrow_fp : NULL);
		json_key_bool(&j, "unusual", hidden_unusual(s));
		json_end_object(&j);
		json_key_begin_array(&j, "commands");
		for (size_t c = 0; c < s->ncmds; c++) {
			json_begin_object(&j);
			json_key_int(&j, "seq", s->cmds[c].seq);
			json_time(&j, "time", s->cmds[c].ts_us / 1000000);
			json_key_int(&j, "time_us", s->cmds[c].ts_us);
			json_key_str(&j, "kind", s->cmds[c].kind);
			json_key_str(&j, "text", s->cmds[c].text);
			json_key_bool(&j, "certain", s->cmds[c].certain);
			if (s->cmds[c].guard != NULL)
				json_key_str(&j, "guard", s->cmds[c].guard);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_key_begin_array(&j, "major_operations");
		for (size_t k = 0; k < s->nops; k++) {
			const struct rop *o = &s->ops[k];

			json_begin_object(&j);
			json_key_int(&j, "review", o->id);
			json_key_str(&j, "rule", o->rule);
			json_key_str(&j, "command", o->command);
			json_time(&j, "requested_at", o->requested_at);
			json_key_str(&j, "status", o->status);
			if (o->decided_at > 0)
				json_time(&j, "decided_at", o->decided_at);
			json_key_str(&j, "decided_by", o->decided_by);
			json_key_str(&j, "method", o->method);
			json_key_str(&j, "note", o->note);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_end_object(&j);
	}
	json_end_array(&j);

	json_key_begin_array(&j, "files");
	for (size_t i = 0; i < b->nfiles; i++) {
		json_begin_object(&j);
		json_key_str(&j, "name", b->files[i].name);
		json_key_str(&j, "sha256", b->files[i].sha256);
		json_key_int(&j, "size", (int64_t)b->files[i].size);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_end_object(&j);
	fputc('\n', f);
}

/* Render with fn into memory, then put it in the bundle. */
static int
put_rendered(struct builder *b, const char *name, void (*fn)(struct builder *, FILE *), char **keep, size_t *keeplen)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int r;

	if (f == NULL)
		return fail(b, "out of memory");
	fn(b, f);
	if (fclose(f) != 0) {
		free(buf);
		return fail(b, "out of memory");
	}
	r = put_file(b, name, buf, len);
	if (r == 0)
		r = sign_file(b, name, buf, len);
	if (r == 0 && keep != NULL) {
		*keep = buf;
		*keeplen = len;
	} else {
		free(buf);
	}
	return r;
}

/*
 * commands.log, written straight into the bundle (a session's exec output
 * can be a gigabyte: no copy in memory), then read back mapped to be
 * digested and signed.
 */
static int
put_commands_log(struct builder *b)
{
	char *path = util_path_join(b->dir, "commands.log");
	FILE *f = NULL;
	void *map = NULL;
	size_t len = 0;
	int fd = -1, r = -1;

	if (path == NULL)
		return fail(b, "out of memory");
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0 ||
	    (f = fdopen(fd, "w")) == NULL) {
		r = fail(b, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(path);
		return r;
	}
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	for (size_t i = 0; i < b->ns; i++) {
		const struct rsession *s = &b->s[i];

		if (i > 0)
			fputs("\n\f\n", f);	/* a page break between sessions */
		if (s->map == NULL) {
			fprintf(f, "session %s: no recording\n", s->id);
			continue;
		}
		if (recexport_text(s->map, s->len, f) != 0) {
			fclose(f);
			free(path);
			return fail(b, "session %s: cannot render the command log", s->id);
		}
	}
	if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
		r = fail(b, "%s: %s", path, strerror(errno));
		fclose(f);
		free(path);
		return r;
	}
	if (fclose(f) != 0 || util_map_file(path, 1, &map, &len) != 0) {
		r = fail(b, "%s: %s", path, strerror(errno));
		free(path);
		return r;
	}
	free(path);
	note_file(b, "commands.log", map ? map : "", len);
	r = sign_file(b, "commands.log", map ? map : "", len);
	util_unmap_file(map, len);
	return r;
}

static int
put_allowed_signers(struct builder *b)
{
	uint8_t pub[SIGKEY_PUB_LEN];
	int64_t after = 0, before = 0;
	char line[400];

	sigkey_public(b->key, pub);
	if (keyhistory_find(b->st, pub, &after, &before) != 0)
		after = 0;
	/* No valid-before: this key is current, and the file must verify today. */
	if (keyhistory_allowed_signers_line(b->principal, REPORT_NAMESPACE, pub, after, 0, line, sizeof(line) - 1) != 0)
		return fail(b, "cannot format allowed_signers");
	{
		size_t n = strlen(line);	/* sizeof(line) - 1 above leaves room for the newline */

		line[n] = '\n';
		line[n + 1] = '\0';
	}
	return put_file(b, "allowed_signers", line, strlen(line));
}

static int
dir_is_empty(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int empty = 1;

	if (d == NULL)
		return 0;
	while (empty && (de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			empty = 0;
	closedir(d);
	return empty;
}

/* The bundle goes in a new or empty directory: nothing of anyone else's is touched. */
static int
make_dir(struct builder *b)
{
	char *dflt = NULL, resolved[4096];
	const char *dir = b->req->out_dir;
	int r = -1;

	if (dir == NULL) {
		char rel[64];
		snprintf(rel, sizeof(rel), "reports/report-%lld", (long long)b->id);
		if ((dflt = util_path_join(b->cfg->state_dir, rel)) == NULL)
			return fail(b, "out of memory");
		dir = dflt;
	}
	if (access(dir, F_OK) == 0) {
		if (!dir_is_empty(dir)) {
			fail(b, "%s exists and is not an empty directory; give a new or empty directory", dir);
			goto out;
		}
	} else if (util_mkdirs(dir, 0700) != 0) {
		fail(b, "%s: %s", dir, strerror(errno));
		goto out;
	}
	if (realpath(dir, resolved) == NULL) {
		fail(b, "%s: %s", dir, strerror(errno));
		goto out;
	}
	snprintf(b->dir, sizeof(b->dir), "%s", resolved);
	r = 0;
out:
	free(dflt);
	return r;
}

/* Take away what a failed build wrote; the directory was ours (new or empty). */
static void
remove_bundle(struct builder *b)
{
	char path[4200];

	if (b->dir[0] == '\0')
		return;
	for (size_t i = 0; i < b->nfiles; i++) {
		snprintf(path, sizeof(path), "%s/%s", b->dir, b->files[i].name);
		unlink(path);
		snprintf(path, sizeof(path), "%s/%s.sig", b->dir, b->files[i].name);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/report.json", b->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/report.json.sig", b->dir);
	unlink(path);
	rmdir(b->dir);
}

static int
write_bundle(struct builder *b, char **json, size_t *jsonlen)
{
	for (size_t i = 0; i < b->ns; i++) {
		struct rsession *s = &b->s[i];

		if (s->file[0] == '\0')
			continue;
		if (put_file(b, s->file, s->map, s->len) != 0 || sign_file(b, s->file, s->map, s->len) != 0)
			return -1;
	}
	if (put_commands_log(b) != 0 ||
	    put_rendered(b, "report.md", write_markdown, NULL, NULL) != 0 ||
	    put_allowed_signers(b) != 0 ||
	    put_rendered(b, "VERIFY.md", write_verify_md, NULL, NULL) != 0)
		return -1;
	/* Last: it lists the digests of everything above. */
	return put_rendered(b, "report.json", write_json, json, jsonlen);
}

static char *
commands_text(const struct builder *b)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return NULL;
	for (size_t i = 0; i < b->ns; i++) {
		if (b->s[i].command != NULL)
			fprintf(f, "%s\n", b->s[i].command);
		for (size_t c = 0; c < b->s[i].ncmds; c++)
			fprintf(f, "%s\n", b->s[i].cmds[c].text);
	}
	fclose(f);
	return buf;
}

static void
builder_free(struct builder *b)
{
	for (size_t i = 0; i < b->ns; i++) {
		struct rsession *s = &b->s[i];
		free(s->id);
		free(s->engineer);
		free(s->target);
		free(s->client_addr);
		free(s->kind);
		free(s->command);
		free(s->exit_signal);
		free(s->end_reason);
		free(s->recording);
		free(s->rec_head);
		util_unmap_file(s->map, s->len);
		for (size_t c = 0; c < s->ncmds; c++) {
			free(s->cmds[c].kind);
			free(s->cmds[c].text);
			free(s->cmds[c].guard);
		}
		free(s->cmds);
		for (size_t k = 0; k < s->nops; k++) {
			struct rop *o = &s->ops[k];

			free(o->rule);
			free(o->command);
			free(o->status);
			free(o->decided_by);
			free(o->method);
			free(o->note);
		}
		free(s->ops);
	}
	for (size_t k = 0; k < b->na; k++)
		approval_clear(&b->a[k]);
}

int
report_create(struct store *st, const struct config *cfg, const struct sigkey *key,
    const struct report_request *req, struct report_result *out, char *err, size_t errlen)
{
	struct builder *b = calloc(1, sizeof(*b));
	struct report_facts facts;
	uint8_t pub[SIGKEY_PUB_LEN];
	char *json = NULL, *cmds = NULL;
	size_t jsonlen = 0;
	int reserved = 0, r = -1;

	memset(out, 0, sizeof(*out));
	if (b == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	*b = (struct builder){ .st = st, .cfg = cfg, .key = key, .req = req, .err = err, .errlen = errlen };
	sigkey_public(key, pub);
	sigkey_fingerprint(pub, b->key_fp, sizeof(b->key_fp));
	report_principal(cfg, b->principal, sizeof(b->principal));
	iso(req->now, b->created, sizeof(b->created));
	if (keyhistory_note(st, pub, req->now) != 0) {
		fail(b, "cannot record the signing key in the store: %s", store_errmsg(st));
		goto out;
	}
	if (keyring_from_store(st, &b->ring) != 0) {
		fail(b, "cannot read the signing key history: %s", store_errmsg(st));
		goto out;
	}
	if (gather(b) != 0 || check_recordings(b) != 0 || compute_timing(b) != 0)
		goto out;

	facts = (struct report_facts){ .created_at = req->now, .created_by = req->created_by, .ticket = b->a[0].ticket,
		.targets = b->targets, .engineers = b->engineers, .level = b->level, .escalate = b->escalate,
		.narrative = req->narrative, .bundle_dir = req->out_dir ? req->out_dir : "", .signing_key = b->key_fp };
	if (report_store_reserve(st, &facts, &b->id) != 0) {
		fail(b, "cannot store the report: %s", store_errmsg(st));
		goto out;
	}
	reserved = 1;
	if (make_dir(b) != 0 || write_bundle(b, &json, &jsonlen) != 0)
		goto out;
	if ((cmds = commands_text(b)) == NULL) {
		fail(b, "out of memory");
		goto out;
	}
	if (report_store_finish(st, b->id, b->dir, json, &facts, req->session_ids, req->nsessions, cmds) != 0) {
		fail(b, "cannot store the report: %s", store_errmsg(st));
		goto out;
	}
	out->id = b->id;
	snprintf(out->dir, sizeof(out->dir), "%s", b->dir);
	snprintf(out->principal, sizeof(out->principal), "%s", b->principal);
	out->level = b->level;
	out->escalate = b->escalate;
	out->nsigned = b->nfiles - 1;	/* all but allowed_signers */
	r = 0;
out:
	if (r != 0) {
		remove_bundle(b);
		if (reserved)
			report_store_abandon(st, b->id);
	}
	free(json);
	free(cmds);
	builder_free(b);
	free(b);
	return r;
}
