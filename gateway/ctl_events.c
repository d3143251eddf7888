/*
 * remgatectl events verify (the hash chain, end to end: evchain.h) and
 * events export (the log for a SIEM: evexport.h).
 */
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "ctl.h"
#include "evchain.h"
#include "evexport.h"
#include "util.h"

static int
check_one(const struct audit_event *e, void *arg)
{
	(void)evchain_check_row(arg, e);
	return 0;	/* read on: the count says how far the log goes */
}

int
cmd_events_verify(struct ctl *c, int argc, char **argv)
{
	struct evchain_check chk;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: remgatectl events verify\n");
		return EXIT_USAGE;
	}
	evchain_check_init(&chk);
	if (audit_event_list(c->st, check_one, &chk) != 0)
		return ctl_fail("cannot read the events: %s", store_errmsg(c->st));
	if (chk.broken) {
		printf("events: chain BROKEN at event id %" PRId64 " (seq %" PRId64 "): %s\n", chk.bad_id, chk.bad_seq, chk.why);
		printf("events 1..%" PRId64 " are intact; %" PRId64 " rows in all\n", chk.last_seq, chk.count);
		return EXIT_FAIL;
	}
	printf("events: %" PRId64 " events, chain intact\n", chk.count);
	/* A chain cannot show rows cut from its end: compare the head with a copy kept elsewhere (a SIEM). */
	printf("head: seq %" PRId64 " hash %s\n", chk.last_seq, chk.last_seq ? chk.last_hash : "-");
	return 0;
}

struct export_ctx {
	enum evexport_format fmt;
	const char *host;
	int64_t last;
};

static int
export_one(const struct audit_event *e, void *arg)
{
	struct export_ctx *x = arg;

	evexport_write(stdout, x->fmt, x->host, e);
	x->last = e->seq;
	return ferror(stdout) ? -1 : 0;
}

/* events export --format jsonl|syslog|cef [--since SEQ] [--follow]: in seq order, from after SEQ. */
int
cmd_events_export(struct ctl *c, int argc, char **argv)
{
	static const char usage[] = "usage: remgatectl events export --format jsonl|syslog|cef [--since SEQ] [--follow]\n";
	struct export_ctx x = { .host = c->cfg->gateway_name };
	const char *format = NULL;
	long long since = 0;
	int follow = 0, r;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
			format = argv[++i];
		} else if (strcmp(argv[i], "--since") == 0 && i + 1 < argc) {
			if (util_parse_int(argv[++i], 0, INT64_MAX, &since) != 0) {
				fprintf(stderr, "remgatectl: --since: '%s' is not an event sequence number\n", argv[i]);
				return EXIT_USAGE;
			}
		} else if (strcmp(argv[i], "--follow") == 0) {
			follow = 1;
		} else {
			fputs(usage, stderr);
			return EXIT_USAGE;
		}
	}
	x.last = since;
	if (format == NULL || evexport_format_parse(format, &x.fmt) != 0) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	for (;;) {
		int64_t before;

		/* In batches, so a long log never sits in memory; each batch goes out as it is read. */
		do {
			before = x.last;
			r = audit_events_since_seq(c->st, x.last, 1000, export_one, &x);
			if (r == 0 && fflush(stdout) != 0)
				r = 1;
		} while (r == 0 && x.last != before);
		if (r != 0 || ferror(stdout))
			return r < 0 ? ctl_fail("cannot read the events: %s", store_errmsg(c->st)) : EXIT_FAIL;
		if (!follow)
			return 0;
		(void)poll(NULL, 0, 500);	/* --follow: new events are looked for twice a second */
	}
}
