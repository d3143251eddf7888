/*
 * Unauthenticated connections ("startups"), limited the way OpenSSH's
 * MaxStartups start:rate:full and PerSourceMaxStartups do it: from start
 * on, a new connection is dropped with a probability rising from rate% to
 * 100% at full; one source may hold at most per_source of them. Drops are
 * counted and written as one aggregated event a minute, so a flood cannot
 * grow the store.
 */
#ifndef REMGATE_STARTUPS_H
#define REMGATE_STARTUPS_H

#include <stddef.h>
#include <stdint.h>

struct startups_policy {
	int start, rate, full;	/* 20:30:100 by default (config.c) */
	int per_source;		/* 0: no per-source limit */
};

/* "10:30:100" or "100" (start = full). 0, or -1 with why. */
int startups_parse(const char *s, struct startups_policy *p, const char **why);

enum startups_verdict {
	STARTUP_ACCEPT = 0,
	STARTUP_DROP_RANDOM,	/* random early drop between start and full */
	STARTUP_DROP_FULL,	/* full reached */
	STARTUP_DROP_SOURCE,	/* this source holds per_source already */
};
const char *startups_verdict_name(enum startups_verdict v);

/* total/from_source: startups open now; rnd: a uniform number in [0, 100). */
enum startups_verdict startups_decide(const struct startups_policy *p, size_t total, size_t from_source,
    unsigned rnd);

/* The tally of drops since the last flush, by source (the first few named). */
#define STARTUPS_TALLY_SOURCES 8
struct startups_tally {
	uint64_t dropped;
	uint64_t by_verdict[4];
	struct {
		char addr[64];
		uint64_t n;
	} src[STARTUPS_TALLY_SOURCES];
	uint64_t others;
	int64_t since;
};

void startups_tally_add(struct startups_tally *t, const char *addr, enum startups_verdict v, int64_t now);
/*
 * If there is anything to say and at least interval seconds have passed
 * since the first uncounted drop (or force): the text of one event, and
 * the tally starts again. Returns 1 with text filled, else 0.
 */
int startups_tally_flush(struct startups_tally *t, int64_t now, int64_t interval, int force, char *text,
    size_t textlen);

#endif
