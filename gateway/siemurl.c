/* A SIEM destination's address (siemurl.h). */
#include "siemurl.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

static int
host_port(const char *hp, struct siem_url *out, char *err, size_t errlen)
{
	const char *colon;
	size_t hlen;
	long long port;

	if (hp[0] == '[') {
		const char *close = strchr(hp, ']');

		if (close == NULL || close[1] != ':') {
			snprintf(err, errlen, "an IPv6 address goes in brackets before the port: [::1]:6514");
			return -1;
		}
		hlen = (size_t)(close - hp - 1);
		colon = close + 1;
		hp++;
	} else {
		if ((colon = strrchr(hp, ':')) == NULL || strchr(hp, ':') != colon) {
			snprintf(err, errlen, "expected HOST:PORT after the scheme");
			return -1;
		}
		hlen = (size_t)(colon - hp);
	}
	if (hlen == 0 || hlen >= sizeof(out->host)) {
		snprintf(err, errlen, "the host is empty or too long");
		return -1;
	}
	memcpy(out->host, hp, hlen);
	out->host[hlen] = '\0';
	for (size_t i = 0; i < hlen; i++) {
		unsigned char c = (unsigned char)out->host[i];

		if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') && !strchr(".-:_", c)) {
			snprintf(err, errlen, "the host may hold letters, digits, '.', '-', '_' and ':' only");
			return -1;
		}
	}
	if (util_parse_int(colon + 1, 1, 65535, &port) != 0) {
		snprintf(err, errlen, "the port must be a number from 1 to 65535");
		return -1;
	}
	out->port = (int)port;
	return 0;
}

int
siem_url_parse(const char *url, struct siem_url *out, char *err, size_t errlen)
{
	static const char tcp[] = "syslog+tcp://", tls[] = "syslog+tls://", file[] = "file://";

	memset(out, 0, sizeof(*out));
	if (strncmp(url, tcp, sizeof(tcp) - 1) == 0) {
		out->transport = SIEM_SYSLOG_TCP;
		return host_port(url + sizeof(tcp) - 1, out, err, errlen);
	}
	if (strncmp(url, tls, sizeof(tls) - 1) == 0) {
		out->transport = SIEM_SYSLOG_TLS;
		return host_port(url + sizeof(tls) - 1, out, err, errlen);
	}
	if (strncmp(url, file, sizeof(file) - 1) == 0) {
		const char *p = url + sizeof(file) - 1;

		out->transport = SIEM_FILE;
		if (p[0] != '/' || strlen(p) >= sizeof(out->path) || strstr(p, "/../") != NULL) {
			snprintf(err, errlen, "file:// takes an absolute path, e.g. file:///var/log/remgate/events.jsonl");
			return -1;
		}
		for (const unsigned char *c = (const unsigned char *)p; *c; c++) {
			if (*c < 0x20 || *c == 0x7f) {
				snprintf(err, errlen, "the path holds a control character");
				return -1;
			}
		}
		snprintf(out->path, sizeof(out->path), "%s", p);
		return 0;
	}
	snprintf(err, errlen, "expected syslog+tcp://HOST:PORT, syslog+tls://HOST:PORT or file:///PATH");
	return -1;
}
