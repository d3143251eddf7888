/*
 * The console process: TLS (libmicrohttpd with GnuTLS), one thread, the
 * server's own loop. Routes:
 *
 *   /static/NAME              the compiled-in files (no session needed)
 *   GET  /login?t=SECRET      a page with one button; POST /login takes the link
 *   GET  / /approvals /sessions[/SID] /tickets /reports[/ID] /events
 *                             the page shell; console.js fills it from /api
 *   GET  /api/...             the CLI's --json (consrun.h), live output, bundles
 *   POST /api/...             decisions, approvals, kills: CSRF token required
 *   POST /logout
 *
 * Every page view, login, logout, download and decision is an event naming
 * the admin ("console:NAME"); reads of evidence are the CLI's `access`
 * events.
 */
#include "console.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include <microhttpd.h>

#include "audit.h"
#include "certgen.h"
#include "consassets.h"
#include "consauth.h"
#include "console_int.h"
#include "consform.h"
#include "json.h"
#include "log.h"
#include "session.h"
#include "store.h"
#include "strbuf.h"
#include "util.h"

#define COOKIE "remgate_session"

struct console_state g;

static volatile sig_atomic_t stop_flag;

static void
on_term(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void
client_addr(struct MHD_Connection *c, char *out, size_t len)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(out, len, "?");
	if (sa != NULL && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out, (socklen_t)len);
	else if (sa != NULL && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out, (socklen_t)len);
}

/* An event naming the admin; the store opened and closed around it. */
void
event(const char *kind, const char *admin, const char *reason, const char *detail, const char *sid, const char *addr)
{
	struct store *st;
	char err[512], actor[160];
	struct audit_event ev = { .kind = kind, .reason = reason, .detail = detail, .session_id = sid,
		.client_addr = addr };

	snprintf(actor, sizeof(actor), "console:%s", admin ? admin : "-");
	ev.actor = actor;
	if (store_open(g.cfg->db_path, &st, err, sizeof(err)) != 0) {
		log_error("event=store_failed op=console_event error=\"%s\"", err);
		return;
	}
	if (audit_event_add(st, &ev, (int64_t)time(NULL)) != 0)
		log_error("event=store_failed op=console_event error=\"%s\"", store_errmsg(st));
	store_close(st);
}

/* ---- responses ----------------------------------------------------------- */

void
security_headers(struct MHD_Response *r)
{
	/* The player runs its terminal in WebAssembly and a worker; nothing comes from elsewhere. */
	MHD_add_response_header(r, "Content-Security-Policy",
	    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; "
	    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
	    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000");
	MHD_add_response_header(r, "Cache-Control", "no-store");
}

enum MHD_Result
send_buf(struct MHD_Connection *c, unsigned code, const char *type, const void *data, size_t len, int copy,
    const char *cookie, const char *location)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)(uintptr_t)data,
	    copy ? MHD_RESPMEM_MUST_COPY : MHD_RESPMEM_PERSISTENT);
	enum MHD_Result rc;

	if (r == NULL)
		return MHD_NO;
	security_headers(r);
	MHD_add_response_header(r, "Content-Type", type);
	if (cookie != NULL)
		MHD_add_response_header(r, "Set-Cookie", cookie);
	if (location != NULL)
		MHD_add_response_header(r, "Location", location);
	rc = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return rc;
}

int
json_reply_begin(struct json_reply *r)
{
	memset(r, 0, sizeof(*r));
	if ((r->f = open_memstream(&r->buf, &r->len)) == NULL)
		return -1;
	json_init(&r->j, r->f);
	json_begin_object(&r->j);
	return 0;
}

enum MHD_Result
json_reply_send(struct MHD_Connection *c, unsigned code, struct json_reply *r)
{
	enum MHD_Result rc;

	json_end_object(&r->j);
	fputc('\n', r->f);
	if (fclose(r->f) != 0) {
		free(r->buf);
		return MHD_NO;
	}
	rc = send_buf(c, code, "application/json", r->buf, r->len, 1, NULL, NULL);
	free(r->buf);
	return rc;
}

/* A JSON object {"error": text} (an API refusal). */
enum MHD_Result
send_error_json(struct MHD_Connection *c, unsigned code, const char *text)
{
	struct json_reply r;

	if (json_reply_begin(&r) != 0)
		return MHD_NO;
	json_key_str(&r.j, "error", text);
	return json_reply_send(c, code, &r);
}

/* Text into HTML: the five characters that mean something there, escaped. */
static void
html(struct strbuf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': strbuf_adds(b, "&lt;"); break;
		case '>': strbuf_adds(b, "&gt;"); break;
		case '&': strbuf_adds(b, "&amp;"); break;
		case '"': strbuf_adds(b, "&quot;"); break;
		case '\'': strbuf_adds(b, "&#39;"); break;
		default: strbuf_addc(b, *s);
		}
	}
}

/* A small page of its own (login, logged out, refusals): text is escaped here. */
static enum MHD_Result
send_page(struct MHD_Connection *c, unsigned code, const char *title, const char *text, const char *form_secret,
    const char *cookie)
{
	struct strbuf b;
	enum MHD_Result rc;

	strbuf_init_heap(&b, 64 * 1024);
	strbuf_adds(&b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width\"><title>remgate console</title><link rel=\"icon\" href=\"data:,\">"
	    "<link rel=\"stylesheet\" href=\"/static/console.css\"></head>\n<body class=\"plain\"><main><h1>");
	html(&b, title);
	strbuf_adds(&b, "</h1>\n<p id=\"message\">");
	html(&b, text);
	strbuf_adds(&b, "</p>\n");
	if (form_secret != NULL) {
		/* The link is taken by a POST: a mail scanner that follows the link does not use it up. */
		strbuf_adds(&b, "<form method=\"post\" action=\"/login\"><input type=\"hidden\" name=\"t\" value=\"");
		html(&b, form_secret);
		strbuf_adds(&b, "\"><button id=\"signin\" type=\"submit\">Sign in</button></form>\n");
	}
	strbuf_adds(&b, "</main></body></html>\n");
	rc = b.failed ? MHD_NO : send_buf(c, code, "text/html; charset=utf-8", strbuf_str(&b), b.len, 1, cookie, NULL);
	strbuf_free(&b);
	return rc;
}

static enum MHD_Result
redirect(struct MHD_Connection *c, const char *to, const char *cookie)
{
	return send_buf(c, 303, "text/plain", "", 0, 0, cookie, to);
}

/* ---- the browser session ---------------------------------------------------- */

static const char *
check_reason(int r)
{
	return r == CONSOLE_IDLE ? "your console session ended after a time without use" :
	    r == CONSOLE_EXPIRED ? "your console session reached its lifetime" :
	    r == CONSOLE_USED ? "you logged out" : "no console session";
}

/* 0 and w filled, or the CONSOLE_* code (an ended session is an event once, here). */
static int
session_of(struct MHD_Connection *c, struct who *w)
{
	const char *cookie = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, COOKIE);
	struct console_session cs;
	const struct principal *p;
	struct store *st;
	char err[512];
	int r;

	memset(w, 0, sizeof(*w));
	client_addr(c, w->addr, sizeof(w->addr));
	if (!consauth_secret_valid(cookie))
		return CONSOLE_UNKNOWN;
	consauth_hash(cookie, w->id_hash);
	if (store_open(g.cfg->db_path, &st, err, sizeof(err)) != 0) {
		log_error("event=store_failed op=console_session error=\"%s\"", err);
		return -1;
	}
	r = console_session_check(st, w->id_hash, (int64_t)time(NULL), g.cfg->console.idle_timeout,
	    g.cfg->console.lifetime, &cs);
	store_close(st);
	if (r == CONSOLE_IDLE || r == CONSOLE_EXPIRED)
		event("console_logout", cs.admin, r == CONSOLE_IDLE ? "idle" : "lifetime", check_reason(r), NULL, w->addr);
	if (r != CONSOLE_OK)
		return r;
	/* An admin taken out of the configuration is out of the console too. */
	if ((p = config_admin(g.cfg, cs.admin)) == NULL)
		return CONSOLE_UNKNOWN;
	snprintf(w->admin, sizeof(w->admin), "%s", cs.admin);
	snprintf(w->csrf, sizeof(w->csrf), "%s", cs.csrf);
	w->role = p->role;
	return CONSOLE_OK;
}

/*
 * A change must carry the session's CSRF token, and a browser that says
 * where the request came from must say it came from this console.
 */
static int
change_allowed(struct MHD_Connection *c, const struct who *w)
{
	const char *tok = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-CSRF-Token");
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");

	if (tok == NULL || !consauth_equal(tok, w->csrf))
		return 0;
	if (origin != NULL) {
		if (host == NULL || strncmp(origin, "https://", 8) != 0 || strcmp(origin + 8, host) != 0)
			return 0;
	}
	return 1;
}

static enum MHD_Result
login_page(struct MHD_Connection *c)
{
	const char *t = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "t");

	if (!consauth_secret_valid(t))
		return send_page(c, 400, "Not a login link",
		    "This is not a whole login link. Ask for a new one with: ssh ADMIN@GATEWAY console", NULL, NULL);
	return send_page(c, 200, "remgate console", "Sign in with this one-time link.", t, NULL);
}

static enum MHD_Result
login_take(struct MHD_Connection *c, const struct req *rq)
{
	struct consform f;
	const char *t;
	char hash[65], admin[128] = "", sid_secret[CONSAUTH_SECRET_LEN + 1], csrf[CONSAUTH_SECRET_LEN + 1];
	char sid_hash[65], err[512], addr[INET6_ADDRSTRLEN + 8], cookie[300];
	struct store *st;
	int64_t now = (int64_t)time(NULL);
	int r;

	client_addr(c, addr, sizeof(addr));
	if (consform_parse((const char *)rq->body.data, rq->body.len, &f) != 0)
		return send_page(c, 400, "Not a login", "The form could not be read.", NULL, NULL);
	t = consform_get(&f, "t");
	if (!consauth_secret_valid(t)) {
		consform_free(&f);
		return send_page(c, 400, "Not a login link", "This is not a whole login link.", NULL, NULL);
	}
	consauth_hash(t, hash);
	consform_free(&f);
	if (store_open(g.cfg->db_path, &st, err, sizeof(err)) != 0) {
		log_error("event=store_failed op=console_login error=\"%s\"", err);
		return send_page(c, 503, "Unavailable", "The gateway's store cannot be opened; nobody is let in.", NULL, NULL);
	}
	r = console_login_use(st, hash, now, admin, sizeof(admin));
	if (r == CONSOLE_OK && config_admin(g.cfg, admin) == NULL)
		r = CONSOLE_UNKNOWN;	/* taken out of the configuration since */
	if (r == CONSOLE_OK) {
		if (consauth_secret_new(sid_secret) != 0 || consauth_secret_new(csrf) != 0)
			r = -1;
		else {
			consauth_hash(sid_secret, sid_hash);
			if (console_session_add(st, sid_hash, admin, csrf, now) != 0)
				r = -1;
		}
	}
	store_close(st);
	if (r != CONSOLE_OK) {
		const char *why = r == CONSOLE_USED ? "used" : r == CONSOLE_EXPIRED ? "expired" : r < 0 ? "store" : "unknown";
		const char *text = r == CONSOLE_USED ? "This login link was used already: a link works once. Ask for a new "
		    "one with: ssh ADMIN@GATEWAY console" : r == CONSOLE_EXPIRED ? "This login link has expired. Ask for a "
		    "new one with: ssh ADMIN@GATEWAY console" : r < 0 ? "The gateway could not record the login; nobody "
		    "is let in." : "This login link is not known. Ask for a new one with: ssh ADMIN@GATEWAY console";

		event("console_login_refused", admin[0] ? admin : NULL, why, text, NULL, addr);
		return send_page(c, r < 0 ? 503 : 403, "Not signed in", text, NULL, NULL);
	}
	event("console_login", admin, "link", "signed in with a one-time link", NULL, addr);
	snprintf(cookie, sizeof(cookie), COOKIE "=%s; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=%lld",
	    sid_secret, (long long)g.cfg->console.lifetime);
	return redirect(c, "/", cookie);
}

static enum MHD_Result
logout(struct MHD_Connection *c, const struct who *w)
{
	struct store *st;
	char err[512];

	if (store_open(g.cfg->db_path, &st, err, sizeof(err)) == 0) {
		console_session_end(st, w->id_hash, "logout", (int64_t)time(NULL));
		store_close(st);
	}
	event("console_logout", w->admin, "logout", "logged out", NULL, w->addr);
	return redirect(c, "/logged-out", COOKIE "=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0");
}

/* ---- pages ------------------------------------------------------------------ */

int
is_sid(const char *s)
{
	return strlen(s) == SESSION_ID_LEN && strspn(s, "0123456789abcdef") == SESSION_ID_LEN;
}

int
is_id(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < 19 && strspn(s, "0123456789") == n && s[0] != '0';
}

/* The page shell: console.js draws the page named by the path. */
static int
is_page(const char *url, const char **sid)
{
	static const char *const pages[] = { "/", "/approvals", "/sessions", "/tickets", "/reports", "/events" };

	*sid = NULL;
	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++)
		if (strcmp(url, pages[i]) == 0)
			return 1;
	if (strncmp(url, "/sessions/", 10) == 0 && is_sid(url + 10)) {
		*sid = url + 10;
		return 1;
	}
	return strncmp(url, "/reports/", 9) == 0 && is_id(url + 9);
}

static enum MHD_Result
page(struct MHD_Connection *c, const struct who *w, const char *url, const char *sid)
{
	char detail[300];
	const struct console_asset *shell = NULL;

	for (int i = 0; i < console_assets_count; i++)
		if (strcmp(console_assets[i].name, "console.html") == 0)
			shell = &console_assets[i];
	if (shell == NULL)
		return send_error_json(c, 500, "the console's page is missing from this build");
	snprintf(detail, sizeof(detail), "viewed %s", url);
	event("console_view", w->admin, "page", detail, sid, w->addr);
	return send_buf(c, 200, shell->type, shell->data, shell->len, 0, NULL, NULL);
}

static enum MHD_Result
static_file(struct MHD_Connection *c, const char *name)
{
	for (int i = 0; i < console_assets_count; i++)
		if (strcmp(console_assets[i].name, name) == 0 && strcmp(name, "console.html") != 0)
			return send_buf(c, 200, console_assets[i].type, console_assets[i].data, console_assets[i].len, 0,
			    NULL, NULL);
	return send_error_json(c, 404, "no such file");
}

/* ---- the handler -------------------------------------------------------------- */

static enum MHD_Result
dispatch(struct MHD_Connection *c, const char *url, const char *method, const struct req *rq)
{
	int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0, post = strcmp(method, "POST") == 0;
	const char *sid;
	struct who w;
	int r;

	if (!get && !post)
		return send_error_json(c, 405, "GET or POST only");
	if (rq->too_big)
		return send_error_json(c, 413, "the request body is too large");
	if (get && strncmp(url, "/static/", 8) == 0)
		return static_file(c, url + 8);
	if (get && strcmp(url, "/login") == 0)
		return login_page(c);
	if (post && strcmp(url, "/login") == 0) {
		const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
		const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");

		/* No session to hold a CSRF token yet: a browser's Origin must be this console's own. */
		if (origin != NULL && strcmp(origin, "null") != 0 &&
		    (host == NULL || strncmp(origin, "https://", 8) != 0 || strcmp(origin + 8, host) != 0))
			return send_page(c, 403, "Not signed in", "The sign-in came from another site.", NULL, NULL);
		return login_take(c, rq);
	}
	if (get && strcmp(url, "/logged-out") == 0)
		return send_page(c, 200, "Logged out", "You are logged out of the remgate console.", NULL, NULL);
	if ((r = session_of(c, &w)) != CONSOLE_OK) {
		const char *why = r < 0 ? "the gateway's store cannot be opened" : check_reason(r);
		char text[400];

		if (strncmp(url, "/api/", 5) == 0)
			return send_error_json(c, r < 0 ? 503 : 401, why);
		snprintf(text, sizeof(text), "Not signed in (%s). Get a one-time login link with: ssh ADMIN@GATEWAY "
		    "console", why);
		return send_page(c, r < 0 ? 503 : 401, "Not signed in", text, NULL, NULL);
	}
	if (post && !change_allowed(c, &w)) {
		event("console_refused", w.admin, "csrf", "a change without this session's CSRF token (or from another "
		    "origin) was refused", NULL, w.addr);
		return send_error_json(c, 403, "missing or wrong CSRF token");
	}
	if (post && strcmp(url, "/logout") == 0)
		return logout(c, &w);
	if (get && is_page(url, &sid))
		return page(c, &w, url, sid);
	if (strncmp(url, "/api/", 5) == 0)
		return get ? api_get(c, &w, url + 5) : api_post(c, &w, url + 5, rq);
	return send_error_json(c, 404, "no such page");
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url, const char *method, const char *version,
    const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct req *rq = *con_cls;

	(void)cls;
	(void)version;
	if (rq == NULL) {
		if ((rq = calloc(1, sizeof(*rq))) == NULL)
			return MHD_NO;
		*con_cls = rq;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (rq->body.len + *upload_data_size > MAX_BODY)
			rq->too_big = 1;
		else if (recbuf_put(&rq->body, upload_data, *upload_data_size) != 0)
			return MHD_NO;
		*upload_data_size = 0;
		return MHD_YES;
	}
	return dispatch(c, url, method, rq);
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct req *rq = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (rq != NULL) {
		recbuf_free(&rq->body);
		free(rq);
	}
	*con_cls = NULL;
}

/* libmicrohttpd's own messages (its format strings), at debug level. */
static void __attribute__((format(printf, 2, 0)))
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_debug("event=console_http note=\"%s\"", msg);
}

static char *
read_file(const char *path, char *err, size_t errlen)
{
	void *map;
	size_t len;
	char *s;

	if (util_map_file(path, 0, &map, &len) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if ((s = malloc(len + 1)) != NULL) {
		memcpy(s, map, len);
		s[len] = '\0';
	}
	util_unmap_file(map, len);
	return s;
}

int
console_main(const char *config_path)
{
	struct config *cfg = NULL;
	struct MHD_Daemon *d = NULL;
	struct sigaction sa;
	struct sockaddr_storage ss;
	char err[1024] = "", fp[160], *cert = NULL, *key = NULL;
	int made = 0;
	unsigned flags = MHD_USE_TLS | MHD_USE_ERROR_LOG;
	int rc = 1;

	umask(077);
	if (config_load_keyless(config_path, &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "remgated --console: %s\n", err);
		return 2;
	}
	log_init("remgated-console", cfg->use_syslog, cfg->log_level);
	g.cfg = cfg;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM);	/* the daemon gone: so is its console */
	if (!cfg->console.enabled) {
		log_error("event=console_failed error=\"no console section in %s\"", config_path);
		goto out;
	}
	if (certgen_ensure(cfg->console.tls_cert, cfg->console.tls_key, cfg->console.host, &made, err, sizeof(err)) != 0 ||
	    certgen_fingerprint(cfg->console.tls_cert, fp, sizeof(fp)) != 0) {
		log_error("event=console_failed error=\"no usable TLS certificate %s: %s\"", cfg->console.tls_cert,
		    err[0] ? err : "not a PEM certificate");
		goto out;
	}
	if (made > 0)
		log_info("event=key_generated key=\"console certificate (self-signed)\" path=\"%s\"", cfg->console.tls_cert);
	if ((cert = read_file(cfg->console.tls_cert, err, sizeof(err))) == NULL ||
	    (key = read_file(cfg->console.tls_key, err, sizeof(err))) == NULL) {
		log_error("event=console_failed error=\"cannot read the TLS certificate or key: %s\"", err);
		goto out;
	}
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, cfg->console.host, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)cfg->console.port);
	} else if (inet_pton(AF_INET6, cfg->console.host, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)cfg->console.port);
		flags |= MHD_USE_IPv6;
	} else {
		log_error("event=console_failed error=\"console listen must be an IP address, found %s\"", cfg->console.host);
		goto out;
	}
	d = MHD_start_daemon(flags, (uint16_t)cfg->console.port, NULL, NULL, handler, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_HTTPS_MEM_CERT, cert,
	    MHD_OPTION_HTTPS_MEM_KEY, key,
	    MHD_OPTION_HTTPS_PRIORITIES, "SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:%SERVER_PRECEDENCE",
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)32,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024),
	    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	    MHD_OPTION_END);
	if (d == NULL) {
		log_error("event=console_failed error=\"cannot serve https on %s:%d (in use, or a bad certificate or key)\"",
		    cfg->console.host, cfg->console.port);
		goto out;
	}
	OPENSSL_cleanse(key, strlen(key));	/* GnuTLS keeps its own copy */
	log_info("event=console_listening url=%s certificate=%s", cfg->console.public_url, fp);
	while (!stop_flag)
		MHD_run_wait(d, 1000);
	log_info("event=console_stopped");
	rc = 0;
out:
	if (d != NULL)
		MHD_stop_daemon(d);
	free(cert);
	free(key);
	config_free(cfg);
	return rc;
}

pid_t
console_start(const struct config *cfg)
{
	char exe[4096];
	ssize_t n;
	pid_t pid;

	/* This very program: the console is remgated itself, in its console mode. */
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0) {
		log_error("event=console_failed error=\"cannot find this program (/proc/self/exe): %s\"", strerror(errno));
		return -1;
	}
	exe[n] = '\0';

	if ((pid = fork()) < 0) {
		log_error("event=console_failed error=\"cannot fork the console: %s\"", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		char *argv[] = { "remgated", "--console", "-c", cfg->path, NULL };

		/* Nothing of the daemon's (listening sockets, connections' pipes, the control socket) comes along. */
		close_range(3, ~0U, 0);
		/* A fresh image: nothing of the daemon's memory (its signing key) comes along. */
		execv(exe, argv);
		log_error("event=console_failed error=\"cannot run %s --console: %s\"", exe, strerror(errno));
		_exit(127);
	}
	return pid;
}
