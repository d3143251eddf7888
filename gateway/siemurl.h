/*
 * A SIEM destination's address (config `siem:`): syslog+tcp://HOST:PORT,
 * syslog+tls://HOST:PORT (RFC 6587 octet counting, RFC 5425 over TLS) or
 * file:///ABSOLUTE/PATH (JSON lines). HOST is a name, an IPv4 address or
 * an IPv6 address in brackets.
 */
#ifndef REMGATE_SIEMURL_H
#define REMGATE_SIEMURL_H

#include <stddef.h>

enum siem_transport { SIEM_SYSLOG_TCP = 1, SIEM_SYSLOG_TLS, SIEM_FILE };

struct siem_url {
	enum siem_transport transport;
	char host[256];		/* syslog: without brackets */
	int port;
	char path[1024];	/* file */
};

/* 0, or -1 with a sentence in err. */
int siem_url_parse(const char *url, struct siem_url *out, char *err, size_t errlen);

#endif
