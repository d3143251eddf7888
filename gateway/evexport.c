/* The event log in a SIEM's formats (evexport.h). */
#include "evexport.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"

#define PRODUCT_VERSION "1"
/* RFC 5424 SD-ID: name@PEN; 32473 is the number IANA reserves for examples and documentation (RFC 5612). */
#define SD_ID "remgate@32473"

int
evexport_format_parse(const char *name, enum evexport_format *out)
{
	if (strcmp(name, "jsonl") == 0)
		*out = EVEXPORT_JSONL;
	else if (strcmp(name, "syslog") == 0)
		*out = EVEXPORT_SYSLOG;
	else if (strcmp(name, "cef") == 0)
		*out = EVEXPORT_CEF;
	else
		return -1;
	return 0;
}

const char *
evexport_outcome(const char *kind)
{
	size_t n = strlen(kind);

	if ((n > 8 && strcmp(kind + n - 8, "_refused") == 0) || strcmp(kind, "privsep_violation") == 0 ||
	    strcmp(kind, "network_child_died") == 0 || strcmp(kind, "protocol_error") == 0)
		return "failure";
	return "success";
}

/* Syslog severity: a refusal or a violation is a warning, the rest notices. */
static int
severity(const char *kind)
{
	if (strcmp(kind, "privsep_violation") == 0 || strcmp(kind, "network_child_died") == 0)
		return 3;	/* error */
	return strcmp(evexport_outcome(kind), "failure") == 0 ? 4 : 5;
}

static void
iso_ms(int64_t ts, char *out, size_t outlen)
{
	struct tm tm;
	time_t t = (time_t)ts;

	gmtime_r(&t, &tm);
	strftime(out, outlen, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
}

/* "1.2.3.4:22" or "[::1]:22" into the address and the port (0 if none). */
static void
split_addr(const char *a, char *ip, size_t iplen, int *port)
{
	const char *colon;

	*port = 0;
	ip[0] = '\0';
	if (a == NULL)
		return;
	if (a[0] == '[' && (colon = strstr(a, "]:")) != NULL) {
		snprintf(ip, iplen, "%.*s", (int)(colon - a - 1), a + 1);
		*port = atoi(colon + 2);
	} else if ((colon = strrchr(a, ':')) != NULL && strchr(a, ':') == colon) {
		snprintf(ip, iplen, "%.*s", (int)(colon - a), a);
		*port = atoi(colon + 1);
	} else {
		snprintf(ip, iplen, "%s", a);
	}
}

/*
 * Text with every byte a line or a field could be split on escaped:
 * control bytes as \xNN (or \n and \r when named_newlines), the
 * backslash doubled, and each of specials after a backslash.
 */
static void
put_escaped(FILE *f, const char *s, const char *specials, int named_newlines)
{
	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
		if (*p == '\\')
			fputs("\\\\", f);
		else if (*p == '\n' && named_newlines)
			fputs("\\n", f);
		else if (*p == '\r' && named_newlines)
			fputs("\\r", f);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\x%02x", *p);
		else if (strchr(specials, *p))
			fprintf(f, "\\%c", *p);
		else
			fputc(*p, f);
	}
}

static void
key_opt(struct json *j, const char *key, const char *v)
{
	if (v != NULL)
		json_key_str(j, key, v);
}

static void
write_json(FILE *f, const char *host, const struct audit_event *ev)
{
	struct json j;
	char ts[40], ip[80];
	int port;

	iso_ms(ev->ts, ts, sizeof(ts));
	split_addr(ev->client_addr, ip, sizeof(ip), &port);
	json_init(&j, f);
	json_begin_object(&j);
	json_key_str(&j, "@timestamp", ts);
	json_key_begin_object(&j, "event");
	json_key_int(&j, "sequence", ev->seq);
	json_key_str(&j, "action", ev->kind);
	json_key_str(&j, "outcome", evexport_outcome(ev->kind));
	key_opt(&j, "reason", ev->reason);
	json_key_str(&j, "hash", ev->hash);
	key_opt(&j, "prev_hash", ev->prev_hash);
	json_end_object(&j);
	if (ev->engineer != NULL || ev->actor != NULL) {
		json_key_begin_object(&j, "user");
		json_key_str(&j, "name", ev->actor ? ev->actor : ev->engineer);
		json_end_object(&j);
	}
	if (ip[0] != '\0') {
		json_key_begin_object(&j, "source");
		json_key_str(&j, "ip", ip);
		if (port > 0)
			json_key_int(&j, "port", port);
		json_end_object(&j);
	}
	if (strcmp(ev->kind, "access") == 0 && ev->detail != NULL) {
		json_key_begin_object(&j, "process");
		json_key_str(&j, "command_line", ev->detail);
		json_end_object(&j);
	}
	json_key_begin_object(&j, "host");
	json_key_str(&j, "name", host);
	json_end_object(&j);
	key_opt(&j, "message", ev->detail);
	json_key_begin_object(&j, "remgate");
	key_opt(&j, "session_id", ev->session_id);
	key_opt(&j, "engineer", ev->engineer);
	key_opt(&j, "target", ev->target);
	if (ev->approval_id > 0)
		json_key_int(&j, "approval_id", ev->approval_id);
	key_opt(&j, "actor", ev->actor);
	json_end_object(&j);
	json_end_object(&j);
	fputc('\n', f);
}

static void
sd_param(FILE *f, const char *name, const char *v)
{
	if (v == NULL)
		return;
	fprintf(f, " %s=\"", name);
	put_escaped(f, v, "\"]", 0);
	fputc('"', f);
}

/* RFC 5424: <PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG; facility authpriv (10). */
static void
write_syslog(FILE *f, const char *host, const struct audit_event *ev)
{
	char ts[40], num[32];

	iso_ms(ev->ts, ts, sizeof(ts));
	fprintf(f, "<%d>1 %s ", 10 * 8 + severity(ev->kind), ts);
	put_escaped(f, host, " ", 0);
	fputs(" remgate - ", f);
	put_escaped(f, ev->kind, " ", 0);
	fprintf(f, " [" SD_ID " seq=\"%" PRId64 "\"", ev->seq);
	sd_param(f, "hash", ev->hash);
	sd_param(f, "outcome", evexport_outcome(ev->kind));
	sd_param(f, "session", ev->session_id);
	sd_param(f, "engineer", ev->engineer);
	sd_param(f, "target", ev->target);
	if (ev->approval_id > 0) {
		snprintf(num, sizeof(num), "%" PRId64, ev->approval_id);
		sd_param(f, "approval", num);
	}
	sd_param(f, "client", ev->client_addr);
	sd_param(f, "reason", ev->reason);
	sd_param(f, "actor", ev->actor);
	fputs("] ", f);
	put_escaped(f, ev->detail ? ev->detail : "", "", 1);
	fputc('\n', f);
}

static void
cef_ext(FILE *f, const char *key, const char *v)
{
	if (v == NULL)
		return;
	fprintf(f, " %s=", key);
	put_escaped(f, v, "=", 1);
}

/* CEF:0|Vendor|Product|Version|SignatureID|Name|Severity|Extension */
static void
write_cef(FILE *f, const struct audit_event *ev)
{
	char num[32], ip[80];
	int port, sev = severity(ev->kind);

	split_addr(ev->client_addr, ip, sizeof(ip), &port);
	fputs("CEF:0|remgate|remgate|" PRODUCT_VERSION "|", f);
	put_escaped(f, ev->kind, "|", 0);
	fputc('|', f);
	put_escaped(f, ev->kind, "|", 0);
	fprintf(f, "|%d|rt=%" PRId64 "000 externalId=%" PRId64, sev == 3 ? 8 : sev == 4 ? 6 : 3, ev->ts, ev->seq);
	cef_ext(f, "outcome", evexport_outcome(ev->kind));
	cef_ext(f, "suser", ev->actor ? ev->actor : ev->engineer);
	if (ip[0] != '\0') {
		cef_ext(f, "src", ip);
		if (port > 0)
			fprintf(f, " spt=%d", port);
	}
	cef_ext(f, "dhost", ev->target);
	cef_ext(f, "reason", ev->reason);
	cef_ext(f, "msg", ev->detail);
	cef_ext(f, "cs1Label", "session");
	cef_ext(f, "cs1", ev->session_id);
	if (ev->approval_id > 0) {
		snprintf(num, sizeof(num), "%" PRId64, ev->approval_id);
		cef_ext(f, "cs2Label", "approval");
		cef_ext(f, "cs2", num);
	}
	cef_ext(f, "cs3Label", "engineer");
	cef_ext(f, "cs3", ev->engineer);
	cef_ext(f, "cs4Label", "hash");
	cef_ext(f, "cs4", ev->hash);
	fputc('\n', f);
}

void
evexport_write(FILE *f, enum evexport_format fmt, const char *host, const struct audit_event *ev)
{
	switch (fmt) {
	case EVEXPORT_JSONL:
		write_json(f, host, ev);
		break;
	case EVEXPORT_SYSLOG:
		write_syslog(f, host, ev);
		break;
	case EVEXPORT_CEF:
		write_cef(f, ev);
		break;
	}
}
