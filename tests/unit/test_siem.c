/* SIEM destinations' URLs (siemurl.c) and the export formats (evexport.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "evexport.h"
#include "siemurl.h"
#include "tap.h"

static char out[8192];

/* ev in format f, into out. */
static const char *
fmt(enum evexport_format f, const struct audit_event *ev)
{
	FILE *m = fmemopen(out, sizeof(out), "w");

	evexport_write(m, f, "gw1", ev);
	fclose(m);
	return out;
}

int
main(void)
{
	struct siem_url u;
	char err[200];
	struct audit_event ev = { .seq = 42, .ts = 1796000000, .kind = "session_refused", .session_id = "0123456789abcdef",
		.engineer = "ev\"il]|=\\\nx", .target = "router1", .approval_id = 7, .client_addr = "[::1]:40022",
		.reason = "token_wrong", .detail = "the token\ndoes not match", .hash = "ab", .prev_hash = "cd" };

	ok(siem_url_parse("syslog+tcp://10.0.0.5:6514", &u, err, sizeof(err)) == 0 && u.transport == SIEM_SYSLOG_TCP &&
	    strcmp(u.host, "10.0.0.5") == 0 && u.port == 6514, "syslog+tcp host and port");
	ok(siem_url_parse("syslog+tls://[2001:db8::1]:6514", &u, err, sizeof(err)) == 0 && u.transport == SIEM_SYSLOG_TLS &&
	    strcmp(u.host, "2001:db8::1") == 0, "syslog+tls with an IPv6 address in brackets");
	ok(siem_url_parse("file:///var/log/remgate/events.jsonl", &u, err, sizeof(err)) == 0 && u.transport == SIEM_FILE &&
	    strcmp(u.path, "/var/log/remgate/events.jsonl") == 0, "file:// with an absolute path");
	ok(siem_url_parse("file://relative.jsonl", &u, err, sizeof(err)) != 0, "a relative path is refused");
	ok(siem_url_parse("syslog+tcp://host:0", &u, err, sizeof(err)) != 0, "port 0 is refused");
	ok(siem_url_parse("syslog+tcp://host:65536", &u, err, sizeof(err)) != 0, "port 65536 is refused");
	ok(siem_url_parse("syslog+tcp://2001:db8::1:6514", &u, err, sizeof(err)) != 0, "IPv6 without brackets is refused");
	ok(siem_url_parse("syslog+udp://host:514", &u, err, sizeof(err)) != 0, "UDP is refused (it drops)");
	contains(err, "syslog+tcp://HOST:PORT", "the error says what is expected");
	ok(siem_url_parse("syslog+tcp://ho st:514", &u, err, sizeof(err)) != 0, "a space in the host is refused");

	is_str(evexport_outcome("session_refused"), "failure", "a refusal is a failure");
	is_str(evexport_outcome("privsep_violation"), "failure", "a violation is a failure");
	is_str(evexport_outcome("session_start"), "success", "a start is a success");

	fmt(EVEXPORT_JSONL, &ev);
	contains(out, "\"@timestamp\":\"2026-11-30T", "jsonl: @timestamp");
	contains(out, "\"event\":{\"sequence\":42,\"action\":\"session_refused\",\"outcome\":\"failure\"", "jsonl: ECS event");
	contains(out, "\"source\":{\"ip\":\"::1\",\"port\":40022}", "jsonl: source.ip and port from [::1]:40022");
	contains(out, "\"user\":{\"name\":\"ev\\\"il]|=\\\\\\nx\"}", "jsonl: user.name escaped as JSON");
	ok(strchr(out, '\n') == out + strlen(out) - 1, "jsonl: one line");

	fmt(EVEXPORT_SYSLOG, &ev);
	contains(out, "<84>1 2026-11-30T", "syslog: authpriv.warning for a refusal, version 1");
	contains(out, " gw1 remgate - session_refused [remgate@32473 seq=\"42\" hash=\"ab\"", "syslog: host, app, msgid, SD");
	contains(out, "engineer=\"ev\\\"il\\]|=\\\\\\x0ax\"", "syslog: \", ] and \\ escaped in a param, the newline as \\x0a");
	contains(out, "] the token\\ndoes not match\n", "syslog: the message on the same line");
	ok(strchr(out, '\n') == out + strlen(out) - 1, "syslog: one line");

	fmt(EVEXPORT_CEF, &ev);
	contains(out, "CEF:0|remgate|remgate|1|session_refused|session_refused|6|rt=1796000000000 externalId=42",
	    "cef: header, severity 6 for a refusal, rt in ms, externalId the seq");
	contains(out, " suser=ev\"il]|\\=\\\\\\nx", "cef: = and \\ escaped, the newline as \\n");
	contains(out, " src=::1 spt=40022", "cef: src and spt");
	ok(strchr(out, '\n') == out + strlen(out) - 1, "cef: one line");
	ev.kind = "a|b";
	fmt(EVEXPORT_CEF, &ev);
	contains(out, "|a\\|b|a\\|b|", "cef: a pipe in a header field is escaped");
	return done();
}
