/*
 * Structured key=value logging. The settings are written once at start
 * (and in each session child for the sid) and only read afterwards.
 */
#include "log.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <sys/types.h>
#include <unistd.h>

#include "strbuf.h"

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

/* A value that can stand bare after key=: no space, quote, '=' or control byte. */
static int
bare_value(const char *v, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)v[i]) || v[i] == '\0') {
			if (v[i] == '\0' || strchr("._:/@+,-[]()%#", v[i]) == NULL)
				return 0;
		}
	return 1;
}

/*
 * One string argument. Inside quotes the format opened ("... %s ...") it is
 * escaped; anywhere else it stays bare only if it cannot start a new field,
 * else it is quoted and escaped. So no name, banner or path can add a field
 * or a line, whatever the caller remembered.
 */
static void
put_value(struct strbuf *b, const char *v, size_t n, int in_quotes)
{
	if (in_quotes) {
		strbuf_add_vis(b, v, n, 1);
		return;
	}
	if (bare_value(v, n)) {
		strbuf_add(b, v, n);
		return;
	}
	strbuf_addc(b, '"');
	strbuf_add_vis(b, v, n, 1);
	strbuf_addc(b, '"');
}

/*
 * The printf subset log lines use (%d %i %u %x %c %s with l, ll, z, and a
 * precision; flags and width are ignored; %%), with every %s going through put_value. The
 * format attribute keeps callers type-checked against this same subset.
 */
static void
format_line(struct strbuf *b, const char *fmt, va_list ap)
{
	int inq = 0;	/* inside a quote the format itself opened */

	for (const char *p = fmt; *p != '\0'; p++) {
		int lmod = 0, zmod = 0, prec = -1;

		if (*p != '%') {
			if (*p == '"')
				inq = !inq;
			strbuf_addc(b, *p);
			continue;
		}
		const char *start = p++;
		/* Flags and width are accepted and ignored: log lines are not padded. */
		while (*p != '\0' && strchr("-+ #0", *p) != NULL)
			p++;
		while (isdigit((unsigned char)*p))
			p++;
		if (*p == '.') {
			p++;
			if (*p == '*') {
				prec = va_arg(ap, int);
				p++;
			} else {
				prec = 0;
				while (isdigit((unsigned char)*p))
					prec = prec * 10 + (*p++ - '0');
			}
		}
		while (*p == 'l' && lmod < 2)
			lmod++, p++;
		if (*p == 'z')
			zmod = 1, p++;
		switch (*p) {
		case '%':
			strbuf_addc(b, '%');
			break;
		case 's': {
			const char *v = va_arg(ap, const char *);
			size_t n;
			if (v == NULL)
				v = "(null)";
			n = strlen(v);
			if (prec >= 0 && (size_t)prec < n)
				n = (size_t)prec;
			put_value(b, v, n, inq);
			break;
		}
		case 'c':
			strbuf_addc(b, (char)va_arg(ap, int));
			break;
		case 'd': case 'i': {
			long long v = zmod ? (long long)va_arg(ap, ssize_t) : lmod == 2 ? va_arg(ap, long long) :
			    lmod == 1 ? (long long)va_arg(ap, long) : (long long)va_arg(ap, int);
			strbuf_addf(b, "%lld", v);
			break;
		}
		case 'u': case 'x': {
			unsigned long long v = zmod ? (unsigned long long)va_arg(ap, size_t) :
			    lmod == 2 ? va_arg(ap, unsigned long long) :
			    lmod == 1 ? (unsigned long long)va_arg(ap, unsigned long) :
			    (unsigned long long)va_arg(ap, unsigned int);
			strbuf_addf(b, *p == 'x' ? "%llx" : "%llu", v);
			break;
		}
		default:
			/* Not in the subset: show the conversion, consume nothing. */
			strbuf_add(b, start, (size_t)(p - start) + (*p != '\0'));
			if (*p == '\0')
				return;
		}
	}
}

void
log_format(char *out, size_t outlen, const char *fmt, ...)
{
	struct strbuf b;
	va_list ap;

	strbuf_init_fixed(&b, out, outlen);
	va_start(ap, fmt);
	format_line(&b, fmt, ap);
	va_end(ap);
}

void
log_msg(enum log_level level, const char *func, const char *fmt, ...)
{
	char msg[2048];
	struct strbuf b;
	va_list ap;

	if (level > log_cfg.min_level)
		return;
	strbuf_init_fixed(&b, msg, sizeof(msg));
	va_start(ap, fmt);
	format_line(&b, fmt, ap);
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
