/*
 * remgatectl console: a one-time login link to the web console
 * (docs/console.md). Over SSH it is the administrator's own
 * (`ssh wang@gateway console`); root on the gateway names the admin.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "consauth.h"
#include "ctl.h"

int
cmd_console(struct ctl *c, int argc, char **argv)
{
	const char *admin;
	char url[1024], err[512], who[160], detail[300];
	int64_t now = (int64_t)time(NULL);
	struct audit_event ev = { .kind = "console_link" };

	if (c->remote_admin != NULL && c->via != NULL && strcmp(c->via, "console") == 0)
		return ctl_fail("you are in the console already");
	if (c->remote_admin != NULL) {
		if (argc != 1)
			return ctl_fail("over SSH the link is for you (%s): 'console' takes no argument", c->remote_admin);
		admin = c->remote_admin;
	} else {
		if (argc != 2) {
			fprintf(stderr, "usage: remgatectl console ADMIN\n");
			return EXIT_USAGE;
		}
		admin = argv[1];
		if (config_admin(c->cfg, admin) == NULL)
			return ctl_fail("no admin '%s' in the configuration (admins: log in with their key)", admin);
	}
	if (consauth_link_new(c->st, c->cfg, admin, now, url, sizeof(url), err, sizeof(err)) != 0)
		return ctl_fail("%s", err);
	ctl_who_am_i(who, sizeof(who));
	snprintf(detail, sizeof(detail), "one-time login link for %s, good for %llds", admin,
	    (long long)c->cfg->console.login_ttl);
	ev.actor = who;
	ev.reason = "issued";
	ev.detail = detail;
	if (audit_event_add(c->st, &ev, now) != 0)
		return ctl_fail("cannot record the link in the store (%s): do not use it", store_errmsg(c->st));
	printf("%s\n", url);
	fprintf(stderr, "remgatectl: a login link for %s: it works once, within %lld seconds, and only in a browser "
	    "that trusts the console's certificate\n", admin, (long long)c->cfg->console.login_ttl);
	return 0;
}
