/*
 * A few lines of TAP for the unit tests: ok(), is_int(), is_str(),
 * contains(), then done() prints the plan and sets the exit status.
 */
#ifndef REMGATE_TAP_H
#define REMGATE_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

static int __attribute__((unused, format(printf, 2, 3)))
ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	printf("%s %d - ", cond ? "ok" : "not ok", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!cond)
		tap_failed++;
	return cond;
}

#define is_int(got, want, ...) do { \
	long long g_ = (long long)(got), w_ = (long long)(want); \
	if (!ok(g_ == w_, __VA_ARGS__)) \
		printf("#   got %lld, want %lld\n", g_, w_); \
} while (0)

#define is_str(got, want, ...) do { \
	const char *g_ = (got), *w_ = (want); \
	if (!ok(g_ && w_ && strcmp(g_, w_) == 0, __VA_ARGS__)) \
		printf("#   got '%s', want '%s'\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
} while (0)

#define contains(got, want, ...) do { \
	const char *g_ = (got), *w_ = (want); \
	if (!ok(g_ && strstr(g_, w_) != NULL, __VA_ARGS__)) \
		printf("#   '%s' does not contain '%s'\n", g_ ? g_ : "(null)", w_); \
} while (0)

/* rm -rf a test's scratch directory (made by mkdtemp, so no quoting issues). */
static int __attribute__((unused))
rmtree(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int __attribute__((unused))
done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
