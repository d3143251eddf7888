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

/* fmt carries further key=value pairs; quote free text with log_quote(). */
void log_msg(enum log_level level, const char *func, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Quote s for a key=value line ("..." with \" \\ and control bytes escaped). */
const char *log_quote(char *buf, size_t buflen, const char *s);

#define log_error(...) log_msg(LOG_LVL_ERROR, __func__, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __func__, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __func__, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __func__, __VA_ARGS__)

#endif
