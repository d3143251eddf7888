/* Durations as written in approvals and the config. */
#include <stdint.h>

#include "duration.h"
#include "tap.h"

static void
good(const char *s, int64_t want)
{
	int64_t got = -1;
	const char *why = NULL;

	is_int(duration_parse(s, &got, &why), 0, "'%s' parses", s);
	is_int(got, want, "'%s' is %lld seconds", s, (long long)want);
}

static void
bad(const char *s)
{
	int64_t got = 0;
	const char *why = NULL;

	is_int(duration_parse(s, &got, &why), -1, "'%s' is refused", s);
	ok(why != NULL && why[0] != '\0', "'%s' gets a reason (%s)", s, why ? why : "none");
}

int
main(void)
{
	char buf[32];

	good("90s", 90);
	good("30m", 1800);
	good("4h", 14400);
	good("1h30m", 5400);
	good("2d", 172800);
	good("1w", 604800);
	good("366d", 366LL * 86400);
	bad("");
	bad("5");
	bad("5x");
	bad("h");
	bad("-1h");
	bad("0s");
	bad("367d");
	bad("1h 30m");
	bad("99999999999999999999s");

	duration_format(5400, buf, sizeof(buf));
	is_str(buf, "1h30m", "5400 s formats as 1h30m");
	duration_format(45, buf, sizeof(buf));
	is_str(buf, "45s", "45 s formats as 45s");
	duration_format(0, buf, sizeof(buf));
	is_str(buf, "0s", "0 formats as 0s");
	return done();
}
