/*
 * Structured key=value logging. The settings are written once at start
 * (and in each session child for the sid) and only read afterwards.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static struct {
	const char *prog;
	int use_syslog;
	enum log_level min_level;
	char sid[64];
} log_cfg = { "remgate", 0, LOG_LVL_INFO, "" };

static const char *const level_names[] = { "error", "warn", "info", "debug" };

void
log_init(const char *prog, int use_syslog, enum log_level min_level)
{
	log_cfg.prog = prog;
	log_cfg.use_syslog = use_syslog;
	log_cfg.min_level = min_level;
	if (use_syslog)
		openlog(prog, LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
}

void
log_set_sid(const char *sid)
{
	snprintf(log_cfg.sid, sizeof(log_cfg.sid), "%s", sid ? sid : "");
}

int
log_level_parse(const char *name, enum log_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

const char *
log_quote(char *buf, size_t buflen, const char *s)
{
	size_t o = 0;

	if (buflen < 3) {
		if (buflen > 0)
			buf[0] = '\0';
		return buf;
	}
	buf[o++] = '"';
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		char esc[5];
		size_t n;

		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			n = 2;
		} else if (*p < 0x20 || *p == 0x7f) {
			snprintf(esc, sizeof(esc), "\\x%02x", *p);
			n = 4;
		} else {
			esc[0] = (char)*p;
			n = 1;
		}
		if (o + n + 2 > buflen)
			break;	/* truncate, keep the closing quote */
		memcpy(buf + o, esc, n);
		o += n;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

void
log_msg(enum log_level level, const char *func, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	if (level > log_cfg.min_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	if (log_cfg.use_syslog) {
		static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
		syslog(prio[level], "level=%s%s%s func=%s %s", level_names[level],
		    log_cfg.sid[0] ? " sid=" : "", log_cfg.sid, func, msg);
		return;
	}

	char ts[32];
	struct tm tm;
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "ts=%s.%03ldZ level=%s prog=%s pid=%ld%s%s func=%s %s\n",
	    ts, now.tv_nsec / 1000000L, level_names[level], log_cfg.prog,
	    (long)getpid(), log_cfg.sid[0] ? " sid=" : "", log_cfg.sid, func, msg);
	fflush(stderr);
}
