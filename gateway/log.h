/*
 * Structured logging: one line per event, key=value pairs, carrying the
 * program, pid and (in a session child) the session id, so one session can
 * be followed with grep. Goes to stderr, or to syslog when configured.
 */
#ifndef REMGATE_LOG_H
#define REMGATE_LOG_H

#include <stddef.h>

enum log_level { LOG_LVL_ERROR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_init(const char *prog, int use_syslog, enum log_level min_level);
void log_set_sid(const char *sid);
int log_level_parse(const char *name, enum log_level *out);

/*
 * fmt carries further key=value pairs. Every %s value is escaped here, once:
 * inside the format's own quotes ("%s") control bytes, '"' and '\\' are
 * escaped; elsewhere a value that could start a new field (a space, '=',
 * a quote, a control byte) is quoted and escaped. Callers pass raw text.
 * Conversions: %d %i %u %x %c %s with l, ll or z, flags, width, precision.
 */
void log_msg(enum log_level level, const char *func, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The message part of a line as log_msg builds it (for tests). */
void log_format(char *out, size_t outlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define log_error(...) log_msg(LOG_LVL_ERROR, __func__, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __func__, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __func__, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __func__, __VA_ARGS__)

#endif
