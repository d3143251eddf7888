/*
 * The event log for a SIEM: one event as one line of JSON (ECS field names
 * where one fits), RFC 5424 syslog or CEF, each with its own escaping, so
 * no client-supplied byte can split a line or forge a field
 * (docs/events.md lists every field).
 */
#ifndef REMGATE_EVEXPORT_H
#define REMGATE_EVEXPORT_H

#include <stdio.h>

#include "audit.h"

enum evexport_format { EVEXPORT_JSONL, EVEXPORT_SYSLOG, EVEXPORT_CEF };

/* "jsonl", "syslog" or "cef". 0, or -1 if name is none of them. */
int evexport_format_parse(const char *name, enum evexport_format *out);
/* "failure" for refusals, violations and failed reports; "success" otherwise. */
const char *evexport_outcome(const char *kind);
/* ev as one line, its '\n' included; host names the gateway (gateway_name). */
void evexport_write(FILE *f, enum evexport_format fmt, const char *host, const struct audit_event *ev);

#endif
