/*
 * remgatectl policy check: how the command guard would judge a command
 * for an engineer on a target, so an administrator can test a policy file
 * before the engineers meet it (docs/policy.md).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "ctl.h"
#include "guard.h"
#include "json.h"
#include "util.h"

#define MAX_OPS 32

int
cmd_policy_check(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "engineer", required_argument, NULL, 'e' }, { "target", required_argument, NULL, 't' },
		{ "phase", required_argument, NULL, 'p' }, { "allow-op", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' }, { NULL, 0, NULL, 0 },
	};
	const char *ops[MAX_OPS];
	struct guard_scope sc = { .allow_ops = ops };
	struct guard_verdict v;
	const char *command;
	int o, json = 0;

	optind = 0;
	while ((o = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (o) {
		case 'e': sc.engineer = optarg; break;
		case 't': sc.target = optarg; break;
		case 'p':
			if (strcmp(optarg, "implement") != 0 && strcmp(optarg, "diagnose") != 0)
				return ctl_fail("--phase must be diagnose or implement");
			sc.implement = strcmp(optarg, "implement") == 0;
			break;
		case 'o':
			if (sc.nallow_ops == MAX_OPS)
				return ctl_fail("at most %d --allow-op", MAX_OPS);
			ops[sc.nallow_ops++] = optarg;
			break;
		case 'j': json = 1; break;
		default: goto usage;
		}
	}
	if (sc.engineer == NULL || sc.target == NULL || optind != argc - 1)
		goto usage;
	if (!util_name_valid(sc.engineer) || !util_name_valid(sc.target))
		return ctl_fail("--engineer and --target are names of 1-64 characters of A-Z a-z 0-9 . _ -");
	command = argv[optind];
	if (guard_judge_session(c->cfg->guard, &sc, command, strlen(command), &v) != 0)
		return ctl_fail("out of memory");
	if (json) {
		struct json j;

		json_init(&j, stdout);
		json_begin_object(&j);
		json_key_str(&j, "action", guard_action_name(v.action));
		json_key_str(&j, "rule", v.rule);
		json_key_bool(&j, "major", v.major);
		json_key_str(&j, "command", v.command);
		json_key_str(&j, "reason", v.reason);
		json_key_str(&j, "phase", sc.implement ? "implement" : "diagnose");
		json_end_object(&j);
		putchar('\n');
	} else {
		struct ctl_vis vis = { 0 };

		printf("%s rule=%s: %s\n", guard_action_name(v.action), v.rule, ctl_vis(&vis, v.reason, ""));
		ctl_vis_free(&vis);
	}
	return v.action == GUARD_DENY ? 1 : v.action == GUARD_REVIEW ? 3 : 0;
usage:
	fprintf(stderr, "usage: remgatectl policy check --engineer E --target T [--phase diagnose|implement]\n"
	    "           [--allow-op NAME]... [--json] -- 'COMMAND'\n");
	return EXIT_USAGE;
}
