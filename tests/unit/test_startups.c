/* startups.c: MaxStartups arithmetic, the per-source cap, parsing, and the aggregated tally. */
#include "startups.h"
#include "tap.h"

int
main(void)
{
	struct startups_policy p = { .per_source = 10 };
	struct startups_tally t = { 0 };
	const char *why = NULL;
	char text[400];
	int drops;

	ok(startups_parse("10:30:100", &p, &why) == 0, "10:30:100 parses");
	is_int(p.start, 10, "start");
	is_int(p.rate, 30, "rate");
	is_int(p.full, 100, "full");
	is_int(p.per_source, 10, "per_source is kept");
	ok(startups_parse("50", &p, &why) == 0 && p.start == 50 && p.full == 50 && p.rate == 100, "one number: start = full");
	ok(startups_parse("100:30:10", &p, &why) != 0, "start above full is refused");
	ok(startups_parse("10:130:100", &p, &why) != 0, "a rate above 100 is refused");
	ok(startups_parse("10:30", &p, &why) != 0 && why != NULL, "two numbers are refused with a reason");
	ok(startups_parse("10:30:100x", &p, &why) != 0, "trailing text is refused");
	startups_parse("10:30:100", &p, &why);

	is_int(startups_decide(&p, 9, 0, 0), STARTUP_ACCEPT, "below start: always accepted");
	is_int(startups_decide(&p, 100, 0, 99), STARTUP_DROP_FULL, "at full: always dropped");
	is_int(startups_decide(&p, 10, 0, 29), STARTUP_DROP_RANDOM, "at start: 30%% are dropped (rnd 29)");
	is_int(startups_decide(&p, 10, 0, 30), STARTUP_ACCEPT, "at start: 70%% pass (rnd 30)");
	is_int(startups_decide(&p, 55, 0, 64), STARTUP_DROP_RANDOM, "half way: 65%% are dropped (rnd 64)");
	is_int(startups_decide(&p, 55, 0, 65), STARTUP_ACCEPT, "half way: 35%% pass (rnd 65)");
	is_int(startups_decide(&p, 0, 10, 99), STARTUP_DROP_SOURCE, "one source at its cap is dropped first");
	drops = 0;
	for (unsigned r = 0; r < 100; r++)
		drops += startups_decide(&p, 40, 0, r) != STARTUP_ACCEPT;
	is_int(drops, 30 + 70 * 30 / 90, "the drop rate at 40 of 10:30:100 is OpenSSH's");
	p.per_source = 0;
	is_int(startups_decide(&p, 0, 1000, 99), STARTUP_ACCEPT, "per_source 0: no per-source cap");

	ok(!startups_tally_flush(&t, 100, 60, 1, text, sizeof(text)), "nothing dropped: no event");
	for (int i = 0; i < 990; i++)
		startups_tally_add(&t, "::1", STARTUP_DROP_SOURCE, 100);
	for (int i = 0; i < 20; i++) {
		char a[32];

		snprintf(a, sizeof(a), "192.0.2.%d", i);
		startups_tally_add(&t, a, STARTUP_DROP_FULL, 101);
	}
	ok(!startups_tally_flush(&t, 130, 60, 0, text, sizeof(text)), "no event before the interval");
	ok(startups_tally_flush(&t, 160, 60, 0, text, sizeof(text)), "one event after it");
	contains(text, "1010 unauthenticated connection(s) dropped in 60s", "counts them all");
	contains(text, "::1 990", "names the flooding source");
	contains(text, "others 13", "folds the rest");
	ok(!startups_tally_flush(&t, 300, 60, 1, text, sizeof(text)), "the tally started again");
	return done();
}
