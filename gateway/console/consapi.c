/*
 * The console's API: what the CLI answers is the CLI's own output
 * (consrun.h), so each JSON endpoint is `remgatectl ... --json` for that
 * administrator; live output and report bundles are read here.
 *
 *   GET  /api/me                              who is signed in, the CSRF token
 *   GET  /api/requests | reviews | approvals | sessions | tickets | events | targets
 *   GET  /api/reports[?q=TEXT]   /api/reports/ID   /api/reports/ID/bundle (tar)
 *   GET  /api/sessions/SID/commands | transfers | verify | cast | live?from=N
 *   POST /api/approvals                       approve --engineer ... (form fields)
 *   POST /api/approvals/ID/revoke
 *   POST /api/requests/ID/approve | deny      /api/reviews/ID/approve | deny
 *   POST /api/sessions/SID/kill
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "audit.h"
#include "consform.h"
#include "console_int.h"
#include "conslive.h"
#include "consrun.h"
#include "constar.h"
#include "json.h"
#include "log.h"
#include "report.h"
#include "store.h"
#include "util.h"

static enum MHD_Result
me(struct MHD_Connection *c, const struct who *w)
{
	struct json_reply r;

	if (json_reply_begin(&r) != 0)
		return MHD_NO;
	json_key_str(&r.j, "admin", w->admin);
	json_key_str(&r.j, "role", config_role_name(w->role));
	json_key_str(&r.j, "csrf", w->csrf);
	json_key_str(&r.j, "gateway", g.cfg->gateway_name);
	json_key_int(&r.j, "idle_timeout", g.cfg->console.idle_timeout);
	return json_reply_send(c, 200, &r);
}

/* A read the CLI answers: its stdout as it is; its stderr as the error if it wrote nothing. */
static enum MHD_Result
run_read(struct MHD_Connection *c, const struct who *w, const char *type, int argc, char **argv)
{
	struct consrun_result r;
	enum MHD_Result rc;
	char status[16];

	if (consrun(g.cfg, w->admin, w->role, argc, argv, &r) != 0 || (r.out.len == 0 && r.status != 0)) {
		const char *e = r.err.len ? (const char *)r.err.data : "the command failed";

		rc = send_error_json(c, r.status == 2 ? 400 : 422, strncmp(e, "remgatectl: ", 12) == 0 ? e + 12 : e);
		consrun_free(&r);
		return rc;
	}
	{
		struct MHD_Response *resp = MHD_create_response_from_buffer(r.out.len, r.out.data, MHD_RESPMEM_MUST_FREE);

		if (resp == NULL) {
			consrun_free(&r);
			return MHD_NO;
		}
		r.out.data = NULL;	/* the response owns it */
		security_headers(resp);
		MHD_add_response_header(resp, "Content-Type", type);
		snprintf(status, sizeof(status), "%d", r.status);
		MHD_add_response_header(resp, "X-Remgate-Exit-Status", status);	/* verify: 0 sealed, 1 tampered, 3 unsealed */
		rc = MHD_queue_response(c, 200, resp);
		MHD_destroy_response(resp);
	}
	consrun_free(&r);
	return rc;
}

/* A change the CLI makes: {"status": N, "out": "...", "error": "..."}. */
static enum MHD_Result
run_change(struct MHD_Connection *c, const struct who *w, int argc, char **argv)
{
	struct consrun_result res;
	struct json_reply r;
	enum MHD_Result rc;
	const char *e;

	if (consrun(g.cfg, w->admin, w->role, argc, argv, &res) != 0 || json_reply_begin(&r) != 0) {
		consrun_free(&res);
		return send_error_json(c, 500, "the command could not run");
	}
	e = (const char *)res.err.data;
	json_key_int(&r.j, "status", res.status);
	json_key_str(&r.j, "out", res.out.len ? (const char *)res.out.data : "");
	json_key_str(&r.j, "error", e == NULL ? "" : strncmp(e, "remgatectl: ", 12) == 0 ? e + 12 : e);
	rc = json_reply_send(c, res.status == 0 ? 200 : 422, &r);
	consrun_free(&res);
	return rc;
}

struct sess_row {
	char path[4096];
	int found, ended;
};

static int
sess_found(const struct audit_session *a, void *arg)
{
	struct sess_row *s = arg;

	s->found = 1;
	s->ended = a->ended_at > 0;
	snprintf(s->path, sizeof(s->path), "%s", a->recording ? a->recording : "");
	return 0;
}

/* Live output: {"next": N, "ended": bool, "sealed": bool, "damaged": bool, "data": base64}. */
static enum MHD_Result
live(struct MHD_Connection *c, const struct who *w, const char *sid)
{
	const char *from_s = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "from");
	long long from = 0;
	struct sess_row s = { 0 };
	struct store *st;
	struct conslive lv;
	void *map = NULL;
	size_t maplen = 0, i;
	char err[512], *b64 = NULL;
	struct json_reply r;

	if (from_s != NULL && util_parse_int(from_s, 0, INT64_MAX / 2, &from) != 0)
		return send_error_json(c, 400, "from must be a byte offset");
	if (store_open_readonly(g.cfg->db_path, &st, err, sizeof(err)) != 0)
		return send_error_json(c, 503, "the store cannot be opened");
	audit_session_get(st, sid, sess_found, &s);
	store_close(st);
	if (!s.found || s.path[0] == '\0')
		return send_error_json(c, 404, "no recorded session with that id");
	/* The first read of a session's output by this browser session is on record, like `sessions watch`. */
	for (i = 0; i < g.nwatched; i++)
		if (strcmp(g.watched[i].who, w->id_hash) == 0 && strcmp(g.watched[i].sid, sid) == 0)
			break;
	if (i == g.nwatched) {
		char detail[120];

		snprintf(detail, sizeof(detail), "sessions watch %.16s (console)", sid);
		event("access", w->admin, "sessions_watch", detail, sid, w->addr);
		if (g.nwatched == MAX_WATCHED)
			g.nwatched = 0;	/* forget the oldest pairs: at worst one more event */
		snprintf(g.watched[g.nwatched].who, sizeof(g.watched[0].who), "%s", w->id_hash);
		snprintf(g.watched[g.nwatched].sid, sizeof(g.watched[0].sid), "%.16s", sid);
		g.nwatched++;
	}
	if (util_map_file(s.path, 0, &map, &maplen) != 0)
		return send_error_json(c, 404, "the recording cannot be read");
	if (conslive_read(map, maplen, (uint64_t)from, &lv) != 0) {
		util_unmap_file(map, maplen);
		return send_error_json(c, 422, "not a remgate recording");
	}
	util_unmap_file(map, maplen);
	if ((b64 = malloc(4 * ((lv.out.len + 2) / 3) + 1)) == NULL || json_reply_begin(&r) != 0) {
		free(b64);
		recbuf_free(&lv.out);
		return MHD_NO;
	}
	EVP_EncodeBlock((unsigned char *)b64, lv.out.data ? lv.out.data : (const unsigned char *)"", (int)lv.out.len);
	json_key_int(&r.j, "next", (int64_t)lv.next);
	json_key_bool(&r.j, "ended", s.ended);
	json_key_bool(&r.j, "sealed", lv.sealed);
	json_key_bool(&r.j, "damaged", lv.damaged);
	json_key_str(&r.j, "data", b64);
	free(b64);
	recbuf_free(&lv.out);
	return json_reply_send(c, 200, &r);
}

static ssize_t
tar_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	ssize_t n = constar_read(cls, pos, buf, max);

	return n > 0 ? n : n == 0 ? MHD_CONTENT_READER_END_OF_STREAM : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void
tar_free(void *cls)
{
	constar_close(cls);
}

struct report_dir {
	char dir[4096];
	int found;
};

static int
report_found(const struct report_row *r, void *arg)
{
	struct report_dir *d = arg;

	d->found = 1;
	snprintf(d->dir, sizeof(d->dir), "%s", r->bundle_dir ? r->bundle_dir : "");
	return 0;
}

/* The signed bundle as report-ID.tar; the download is on record before a byte leaves. */
static enum MHD_Result
bundle(struct MHD_Connection *c, const struct who *w, const char *id)
{
	struct report_dir d = { .found = 0 };
	struct store *st;
	struct constar *t;
	struct MHD_Response *r;
	char err[512], prefix[40], disp[80], detail[200];
	long long n;
	enum MHD_Result rc;

	if (util_parse_int(id, 1, INT64_MAX, &n) != 0)
		return send_error_json(c, 400, "not a report id");
	if (store_open_readonly(g.cfg->db_path, &st, err, sizeof(err)) != 0)
		return send_error_json(c, 503, "the store cannot be opened");
	report_store_get(st, (int64_t)n, report_found, &d);
	store_close(st);
	if (!d.found || d.dir[0] == '\0')
		return send_error_json(c, 404, "no such report");
	snprintf(prefix, sizeof(prefix), "report-%lld", n);
	if ((t = constar_open(d.dir, prefix, err, sizeof(err))) == NULL)
		return send_error_json(c, 404, err);
	snprintf(detail, sizeof(detail), "downloaded the signed bundle of report %lld", n);
	event("console_download", w->admin, "report_bundle", detail, NULL, w->addr);
	if ((r = MHD_create_response_from_callback(constar_size(t), 64 * 1024, tar_reader, t, tar_free)) == NULL) {
		constar_close(t);
		return MHD_NO;
	}
	security_headers(r);
	MHD_add_response_header(r, "Content-Type", "application/x-tar");
	snprintf(disp, sizeof(disp), "attachment; filename=\"report-%lld.tar\"", n);
	MHD_add_response_header(r, "Content-Disposition", disp);
	rc = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return rc;
}

/* GET /api/...: which CLI command answers it. */
enum MHD_Result
api_get(struct MHD_Connection *c, const struct who *w, const char *path)
{
	char *argv[8];
	char copy[256];
	const char *q;

	if (strcmp(path, "me") == 0)
		return me(c, w);
	if (strlen(path) >= sizeof(copy))
		return send_error_json(c, 404, "no such endpoint");
	snprintf(copy, sizeof(copy), "%s", path);
#define RUN(type, ...) do { \
		char *a_[] = { __VA_ARGS__ }; \
		memcpy(argv, a_, sizeof(a_)); \
		return run_read(c, w, type, (int)(sizeof(a_) / sizeof(a_[0])), argv); \
	} while (0)
	if (strcmp(copy, "requests") == 0)
		RUN("application/json", "requests", "list", "--json");
	if (strcmp(copy, "reviews") == 0)
		RUN("application/json", "review", "list", "--all", "--json");
	if (strcmp(copy, "approvals") == 0)
		RUN("application/json", "approvals", "list", "--json");
	if (strcmp(copy, "sessions") == 0)
		RUN("application/json", "sessions", "list", "--json");
	if (strcmp(copy, "tickets") == 0)
		RUN("application/json", "tickets", "list", "--json");
	if (strcmp(copy, "events") == 0)
		RUN("application/json", "events", "list", "--json");
	if (strcmp(copy, "targets") == 0)
		RUN("application/json", "targets", "list", "--json");
	if (strcmp(copy, "reports") == 0) {
		if ((q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "q")) != NULL && q[0] != '\0') {
			char qc[512];

			if (strlen(q) >= sizeof(qc))
				return send_error_json(c, 400, "the search text is too long");
			snprintf(qc, sizeof(qc), "%s", q);
			RUN("application/json", "report", "search", "--json", qc);
		}
		RUN("application/json", "report", "list", "--json");
	}
	if (strncmp(copy, "reports/", 8) == 0) {
		char *id = copy + 8, *rest = strchr(id, '/');

		if (rest != NULL)
			*rest++ = '\0';
		if (!is_id(id))
			return send_error_json(c, 404, "no such endpoint");
		if (rest == NULL)
			RUN("application/json", "report", "show", id, "--json");
		if (strcmp(rest, "bundle") == 0)
			return bundle(c, w, id);
	}
	if (strncmp(copy, "sessions/", 9) == 0) {
		char *sid = copy + 9, *rest = strchr(sid, '/');

		if (rest == NULL)
			return send_error_json(c, 404, "no such endpoint");
		*rest++ = '\0';
		if (!is_sid(sid))
			return send_error_json(c, 404, "not a session id");
		if (strcmp(rest, "commands") == 0)
			RUN("application/json", "commands", "list", sid, "--json");
		if (strcmp(rest, "transfers") == 0)
			RUN("application/json", "transfers", "list", sid, "--json");
		if (strcmp(rest, "verify") == 0)
			RUN("application/json", "recording", "verify", sid, "--json");
		if (strcmp(rest, "cast") == 0)
			RUN("application/x-asciicast", "recording", "export", sid, "--format", "asciicast");
		if (strcmp(rest, "live") == 0)
			return live(c, w, sid);
	}
	return send_error_json(c, 404, "no such endpoint");
}

/* A form field, or "" (the CLI then says what is missing). */
static char *
field(const struct consform *f, const char *name)
{
	const char *v = consform_get(f, name);

	return (char *)(uintptr_t)(v ? v : "");
}

/* POST /api/...: which CLI command makes the change. Approvers only. */
enum MHD_Result
api_post(struct MHD_Connection *c, const struct who *w, const char *path, const struct req *rq)
{
	struct consform f;
	char copy[256], *argv[32], *id, *verb;
	int argc = 0;
	enum MHD_Result rc;

	if (w->role != ROLE_APPROVER)
		return send_error_json(c, 403, "an auditor can read but not approve, revoke, decide or kill");
	if (strlen(path) >= sizeof(copy))
		return send_error_json(c, 404, "no such endpoint");
	snprintf(copy, sizeof(copy), "%s", path);
	if (consform_parse(rq->body.data ? (const char *)rq->body.data : "", rq->body.len, &f) != 0)
		return send_error_json(c, 400, "the form could not be read (application/x-www-form-urlencoded)");
#define ARG(s) do { argv[argc++] = (s); } while (0)
#define OPT(flag, name) do { if (consform_get(&f, name) != NULL && field(&f, name)[0] != '\0') { \
		ARG(flag); ARG(field(&f, name)); } } while (0)
	id = strchr(copy, '/');
	verb = id ? strchr(id + 1, '/') : NULL;
	if (id != NULL)
		*id++ = '\0';
	if (verb != NULL)
		*verb++ = '\0';
	if (strcmp(copy, "approvals") == 0 && id == NULL) {
		ARG("approve");
		ARG("--engineer"); ARG(field(&f, "engineer"));
		ARG("--target"); ARG(field(&f, "target"));
		ARG("--ticket"); ARG(field(&f, "ticket"));
		ARG("--level"); ARG(field(&f, "level"));
		ARG("--method"); ARG(field(&f, "method"));
		ARG("--valid"); ARG(field(&f, "valid"));
		OPT("--max-sessions", "max_sessions");
		OPT("--phase", "phase");
		OPT("--note", "note");
	} else if (id == NULL || verb == NULL) {
		argc = 0;
	} else if (strcmp(copy, "approvals") == 0 && is_id(id) && strcmp(verb, "revoke") == 0) {
		ARG("approvals"); ARG("revoke"); ARG(id);
	} else if ((strcmp(copy, "requests") == 0 || strcmp(copy, "reviews") == 0) && is_id(id) &&
	    (strcmp(verb, "approve") == 0 || strcmp(verb, "deny") == 0)) {
		ARG(copy[1] == 'e' && copy[2] == 'q' ? "requests" : "review");
		ARG(verb);
		ARG(id);
		if (verb[0] == 'a') {
			ARG("--method"); ARG(field(&f, "method"));
			OPT("--note", "note");
			if (copy[2] == 'q') {
				OPT("--valid", "valid");
				OPT("--sessions", "sessions");
			}
		} else {
			ARG("--reason"); ARG(field(&f, "reason"));
		}
	} else if (strcmp(copy, "sessions") == 0 && is_sid(id) && strcmp(verb, "kill") == 0) {
		ARG("sessions"); ARG("kill"); ARG(id);
		ARG("--reason"); ARG(field(&f, "reason"));
	}
#undef ARG
#undef OPT
	rc = argc == 0 ? send_error_json(c, 404, "no such endpoint") : run_change(c, w, argc, argv);
	consform_free(&f);
	return rc;
}

