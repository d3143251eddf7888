/* Parsing and printing of human durations ("4h", "1h30m"). */
#include <stddef.h>
#include <stdio.h>

#include "duration.h"

static int64_t
unit_seconds(char u)
{
	switch (u) {
	case 's': return 1;
	case 'm': return 60;
	case 'h': return 3600;
	case 'd': return 86400;
	case 'w': return 7 * 86400;
	default: return 0;
	}
}

int
duration_parse(const char *s, int64_t *seconds, const char **err)
{
	int64_t total = 0;
	const char *p = s;

	if (s == NULL || *s == '\0') {
		*err = "empty duration";
		return -1;
	}
	while (*p) {
		int64_t n = 0;
		int digits = 0;

		while (*p >= '0' && *p <= '9') {
			n = n * 10 + (*p - '0');
			digits++;
			p++;
			if (n > DURATION_MAX_SECONDS) {
				*err = "duration too long (at most 366d)";
				return -1;
			}
		}
		if (digits == 0) {
			*err = "expected a number followed by a unit s, m, h, d or w (e.g. 4h, 1h30m)";
			return -1;
		}
		int64_t mult = unit_seconds(*p);
		if (mult == 0) {
			*err = *p ? "unknown unit: use s, m, h, d or w (e.g. 4h, 1h30m)"
			    : "missing unit: use s, m, h, d or w (e.g. 4h, 1h30m)";
			return -1;
		}
		p++;
		total += n * mult;
		if (total > DURATION_MAX_SECONDS) {
			*err = "duration too long (at most 366d)";
			return -1;
		}
	}
	if (total <= 0) {
		*err = "duration must be greater than zero";
		return -1;
	}
	*seconds = total;
	return 0;
}

void
duration_format(int64_t seconds, char *buf, size_t buflen)
{
	static const struct { char unit; int64_t secs; } parts[] = {
		{ 'd', 86400 }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 },
	};
	size_t o = 0;

	if (buflen == 0)
		return;
	buf[0] = '\0';
	if (seconds <= 0) {
		snprintf(buf, buflen, "%s0s", seconds < 0 ? "-" : "");
		return;
	}
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		int64_t n = seconds / parts[i].secs;
		if (n == 0)
			continue;
		seconds -= n * parts[i].secs;
		int w = snprintf(buf + o, buflen - o, "%lld%c", (long long)n, parts[i].unit);
		if (w < 0 || (size_t)w >= buflen - o)
			return;
		o += (size_t)w;
	}
}
