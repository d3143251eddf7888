/* notify.c: which destination wants which event, the backoff, the JSON a command reads. */
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "notify.h"
#include "tap.h"

int
main(void)
{
	char *kinds[] = { "request_decided", "review_pending", "session_start", NULL }, *all[] = { "*", NULL };
	struct notify_dest d = { .name = "chat", .events = kinds, .nevents = 3 }, any = { .name = "all", .events = all,
		.nevents = 1 };
	struct config cfg = { .gateway_name = "gw1" };
	struct audit_event ev = { .id = 42, .ts = 1795983287, .kind = "request_created", .engineer = "alice",
		.detail = "reason: \"down\"\n\x1b[2J", .approval_id = 0 };
	char *json = NULL;
	size_t len = 0;
	FILE *f;

	ok(notify_wants(&d, "request_approved") && notify_wants(&d, "request_denied"), "request_decided: both decisions");
	ok(notify_wants(&d, "command_review"), "review_pending: a command held for review");
	ok(notify_wants(&d, "session_start") && !notify_wants(&d, "session_end"), "exact kinds");
	ok(notify_wants(&any, "anything_at_all"), "* takes every kind");
	is_int(notify_backoff(0), 1, "first retry after 1 s");
	is_int(notify_backoff(3), 8, "then doubling");
	is_int(notify_backoff(30), NOTIFY_BACKOFF_MAX, "at most NOTIFY_BACKOFF_MAX");
	if ((f = open_memstream(&json, &len)) == NULL)
		return 99;
	notify_event_json(f, &cfg, &ev);
	fclose(f);
	contains(json, "\"id\":42", "the event id");
	contains(json, "\"kind\":\"request_created\"", "its kind");
	contains(json, "\"gateway\":\"gw1\"", "which gateway");
	contains(json, "\"time\":\"2026-11-", "a UTC time");
	contains(json, "\\\"down\\\"\\n\\u001b[2J", "an engineer's text escaped: no raw quote, newline or ESC");
	ok(len > 0 && json[len - 1] == '\n' && strchr(json, '\n') == json + len - 1, "one line");
	free(json);
	return done();
}
