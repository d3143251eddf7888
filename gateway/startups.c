/* MaxStartups-style admission of unauthenticated connections (startups.h). */
#include "startups.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "util.h"

int
startups_parse(const char *s, struct startups_policy *p, const char **why)
{
	long long a, b, c;
	char one[16], two[16], three[16];
	int per = p->per_source;

	if (sscanf(s, "%15[0-9]:%15[0-9]:%15[0-9]", one, two, three) == 3 && strlen(s) ==
	    strlen(one) + strlen(two) + strlen(three) + 2) {
		if (util_parse_int(one, 1, 100000, &a) != 0 || util_parse_int(two, 0, 100, &b) != 0 ||
		    util_parse_int(three, 1, 100000, &c) != 0) {
			*why = "start and full must be from 1 to 100000, rate from 0 to 100";
			return -1;
		}
		if (a > c) {
			*why = "start must not be greater than full";
			return -1;
		}
	} else if (util_parse_int(s, 1, 100000, &a) == 0) {
		b = 100;
		c = a;
	} else {
		*why = "expected start:rate:full (like 10:30:100) or one number";
		return -1;
	}
	p->start = (int)a;
	p->rate = (int)b;
	p->full = (int)c;
	p->per_source = per;
	return 0;
}

const char *
startups_verdict_name(enum startups_verdict v)
{
	switch (v) {
	case STARTUP_ACCEPT: return "accepted";
	case STARTUP_DROP_RANDOM: return "max_startups_random_drop";
	case STARTUP_DROP_FULL: return "max_startups_full";
	case STARTUP_DROP_SOURCE: return "per_source_max_startups";
	}
	return "?";
}

enum startups_verdict
startups_decide(const struct startups_policy *p, size_t total, size_t from_source, unsigned rnd)
{
	unsigned chance;

	if (p->per_source > 0 && from_source >= (size_t)p->per_source)
		return STARTUP_DROP_SOURCE;
	if (total >= (size_t)p->full)
		return STARTUP_DROP_FULL;
	if (total < (size_t)p->start)
		return STARTUP_ACCEPT;
	/* OpenSSH's drop_connection(): rate% at start, rising linearly to 100% at full. */
	chance = (unsigned)p->rate + (unsigned)((100 - p->rate) * (total - (size_t)p->start) /
	    (size_t)(p->full - p->start));
	return rnd < chance ? STARTUP_DROP_RANDOM : STARTUP_ACCEPT;
}

void
startups_tally_add(struct startups_tally *t, const char *addr, enum startups_verdict v, int64_t now)
{
	if (t->dropped == 0)
		t->since = now;
	t->dropped++;
	t->by_verdict[v]++;
	for (int i = 0; i < STARTUPS_TALLY_SOURCES; i++) {
		if (t->src[i].n > 0 && strcmp(t->src[i].addr, addr) == 0) {
			t->src[i].n++;
			return;
		}
		if (t->src[i].n == 0) {
			snprintf(t->src[i].addr, sizeof(t->src[i].addr), "%s", addr);
			t->src[i].n = 1;
			return;
		}
	}
	t->others++;
}

int
startups_tally_flush(struct startups_tally *t, int64_t now, int64_t interval, int force, char *text,
    size_t textlen)
{
	struct strbuf b;

	if (t->dropped == 0 || (!force && now - t->since < interval))
		return 0;
	strbuf_init_fixed(&b, text, textlen);
	strbuf_addf(&b, "%llu unauthenticated connection(s) dropped in %llds (full %llu, random %llu, "
	    "per source %llu); from", (unsigned long long)t->dropped, (long long)(now - t->since),
	    (unsigned long long)t->by_verdict[STARTUP_DROP_FULL], (unsigned long long)t->by_verdict[STARTUP_DROP_RANDOM],
	    (unsigned long long)t->by_verdict[STARTUP_DROP_SOURCE]);
	for (int i = 0; i < STARTUPS_TALLY_SOURCES && t->src[i].n > 0; i++)
		strbuf_addf(&b, "%s %s %llu", i ? "," : "", t->src[i].addr, (unsigned long long)t->src[i].n);
	if (t->others > 0)
		strbuf_addf(&b, ", others %llu", (unsigned long long)t->others);
	memset(t, 0, sizeof(*t));
	return 1;
}
