/*
 * guard.c: the command guard's policy file and its judgement of lines,
 * with the shipped default (policy/major-operations.yaml) and small files
 * of the test's own: phases, pre-approved operations, first match, the
 * strictest command of a line, on_unparsed, scopes, and FILE:LINE:COL
 * errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guard.h"
#include "tap.h"

static struct guard_verdict
judge(const struct guard_policy *p, int implement, const char *const *ops, size_t nops, const char *line)
{
	struct guard_scope sc = { .engineer = "alice", .target = "router1", .implement = implement,
		.allow_ops = ops, .nallow_ops = nops };
	struct guard_verdict v;

	if (guard_judge(p, &sc, line, strlen(line), &v) != 0)
		memset(&v, 0, sizeof(v));
	return v;
}

static const char *
act(const struct guard_policy *p, int implement, const char *line)
{
	return guard_action_name(judge(p, implement, NULL, 0, line).action);
}

static struct guard_policy *
parse(const char *yaml, char *err, size_t errlen)
{
	return guard_parse("test.yaml", yaml, strlen(yaml), err, errlen);
}

int
main(void)
{
	char err[600];
	struct guard_policy *d = guard_default(err, sizeof(err)), *p;
	struct guard_verdict v;

	ok(d != NULL, "the built-in default policy parses (%s)", d ? "ok" : err);
	if (d == NULL)
		return done();
	ok(guard_rule_count(d) >= 10, "with its rules (%zu)", guard_rule_count(d));

	/* Diagnose: every major operation is refused, whatever its action. */
	v = judge(d, 0, NULL, 0, "sudo reboot");
	is_str(guard_action_name(v.action), "deny", "diagnose: sudo reboot is refused");
	is_str(v.rule, "reboot", "by the reboot rule");
	ok(v.major, "a major operation");
	contains(v.reason, "needs an implement approval", "and the engineer reads why");
	is_str(act(d, 0, "ls -la /etc"), "allow", "diagnose: ls is allowed");
	is_str(act(d, 0, "systemctl status sshd"), "allow", "diagnose: systemctl status is allowed");
	is_str(act(d, 0, "systemctl"), "allow", "diagnose: systemctl alone lists units");
	is_str(act(d, 0, "systemctl restart sshd"), "deny", "diagnose: a service restart is refused");
	is_str(act(d, 0, "systemctl reboot"), "deny", "diagnose: systemctl reboot is refused");
	is_str(act(d, 0, "apt-get install -y vim"), "deny", "diagnose: a package install is refused");
	is_str(act(d, 0, "apt list --installed"), "allow", "diagnose: listing packages is allowed");
	is_str(act(d, 0, "dpkg -l"), "allow", "diagnose: dpkg -l is allowed");
	is_str(act(d, 0, "dpkg -i x.deb"), "deny", "diagnose: dpkg -i is refused");
	is_str(act(d, 0, "mkfs.ext4 /dev/sdb1"), "deny", "diagnose: mkfs.ext4 is refused");
	is_str(act(d, 0, "dd if=/dev/zero of=/dev/sda bs=1M"), "deny", "diagnose: dd to a device is refused");
	is_str(act(d, 0, "dd if=/dev/sda of=/tmp/mbr bs=512 count=1"), "allow", "diagnose: dd from a device is allowed");
	is_str(act(d, 0, "init 6"), "deny", "diagnose: init 6 is refused");
	is_str(act(d, 0, "ls;reboot"), "deny", "ls;reboot: the strictest command decides");
	is_str(act(d, 0, "echo $(/sbin/reboot)"), "deny", "a reboot in a substitution is found");
	is_str(act(d, 0, "r\\eboot"), "deny", "r\\eboot is reboot");
	is_str(act(d, 0, "reload"), "deny", "network gear: reload");
	is_str(act(d, 0, "request system reboot"), "deny", "network gear: request system reboot");
	is_str(act(d, 0, "configure replace flash:backup"), "deny", "network gear: configure replace");
	is_str(act(d, 0, "configure terminal"), "allow", "network gear: configure terminal is not a rollback");
	is_str(act(d, 0, "copy startup-config running-config"), "deny", "network gear: startup over running");
	is_str(act(d, 0, "write erase"), "deny", "network gear: write erase");
	is_str(act(d, 0, "write memory"), "allow", "network gear: write memory is allowed");

	/* Implement: the rule's action applies; pre-approved operations run. */
	is_str(act(d, 1, "sudo reboot"), "review", "implement: sudo reboot waits for the customer");
	{
		const char *ops[] = { "reboot" };

		v = judge(d, 1, ops, 1, "sudo reboot");
		is_str(guard_action_name(v.action), "allow", "implement with --allow-op reboot: it runs");
		contains(v.reason, "pre-approved", "and says it was pre-approved");
		v = judge(d, 0, ops, 1, "sudo reboot");
		is_str(guard_action_name(v.action), "deny", "a pre-approval does not lift the diagnose phase");
		v = judge(d, 1, ops, 1, "apt-get remove nginx");
		is_str(guard_action_name(v.action), "review", "a pre-approval names one operation only");
	}

	/* What the guard cannot judge: on_unparsed (review in the default). */
	v = judge(d, 1, NULL, 0, "bash -c 'reboot'");
	is_str(guard_action_name(v.action), "review", "sh -c: on_unparsed");
	is_str(v.rule, "on_unparsed", "named so");
	contains(v.reason, "cannot judge", "with the reason");
	is_str(act(d, 0, "eval $X"), "review", "eval: on_unparsed");

	/* A policy of the test's own. */
	p = parse("default: deny\non_unparsed: deny\nrules:\n"
	    "  - name: read-only\n    match: { program: [ls, cat, 'show*'] }\n    action: allow\n"
	    "  - name: shutdown-core\n    major: true\n    match: { raw: '^init +[06]$' }\n    action: review\n"
	    "    targets: ['core-*']\n"
	    "  - name: warn-vi\n    match: { program: vi }\n    action: warn\n    engineers: [alice]\n",
	    err, sizeof(err));
	ok(p != NULL, "a policy file parses (%s)", p ? "ok" : err);
	if (p != NULL) {
		is_str(act(p, 1, "ls /"), "allow", "first match: allow");
		is_str(act(p, 1, "show running-config"), "allow", "program globs");
		is_str(act(p, 1, "rm -rf /"), "deny", "no rule: the default (deny)");
		is_str(act(p, 1, "init 6"), "deny", "a rule scoped to other targets does not apply (router1 is not core-*)");
		is_str(act(p, 1, "vi /etc/hosts"), "warn", "an engineer-scoped rule applies to alice");
		is_str(act(p, 1, "ls; vi x"), "warn", "ls then vi: warn is stricter than allow");
		is_str(act(p, 1, "sh -c ls"), "deny", "on_unparsed deny");
		{
			struct guard_scope sc = { .engineer = "bob", .target = "core-1", .implement = 1 };

			guard_judge(p, &sc, "init 6", 6, &v);
			is_str(guard_action_name(v.action), "review", "the raw rule applies on core-1");
			guard_judge(p, &sc, "vi x", 4, &v);
			is_str(guard_action_name(v.action), "deny", "the vi rule does not apply to bob: default");
		}
		guard_free(p);
	}

	/* Errors name FILE:LINE:COL. */
	p = parse("default: maybe\n", err, sizeof(err));
	ok(p == NULL, "a bad default is refused");
	contains(err, "test.yaml:1:10", "at its line and column");
	contains(err, "allow, deny or review", "saying what is allowed");
	p = parse("rules:\n  - name: x\n    match: { program: ls }\n", err, sizeof(err));
	ok(p == NULL, "a rule without an action is refused");
	contains(err, "needs 'action'", "saying so");
	p = parse("rules:\n  - name: x\n    match: { args: 'a(' }\n    action: deny\n", err, sizeof(err));
	ok(p == NULL, "a broken regular expression is refused");
	p = parse("rules:\n  - name: x\n    match: { program: ls, args: 'a(' }\n    action: deny\n", err, sizeof(err));
	ok(p == NULL, "a broken regular expression is refused");
	contains(err, "not a regular expression", "saying so");
	contains(err, "test.yaml:3:", "on its line");
	p = parse("rules:\n  - name: x\n    match: { program: ls }\n    action: deny\n"
	    "  - name: x\n    match: { program: cat }\n    action: deny\n", err, sizeof(err));
	ok(p == NULL, "a rule name used twice is refused");
	contains(err, "used twice", "saying so");
	p = parse("rules:\n  - name: x\n    match: { program: ls }\n    action: deny\n    colour: red\n", err, sizeof(err));
	ok(p == NULL, "an unknown key is refused");
	contains(err, "unknown key 'colour'", "naming it");
	p = parse("rules: [\n", err, sizeof(err));
	ok(p == NULL, "a YAML syntax error is refused");
	contains(err, "test.yaml:", "with the file");
	p = parse("default: review\nrules:\n  - name: x\n    match: { program: ls }\n    action: warn\n", err, sizeof(err));
	ok(p != NULL, "default review is allowed (warn only per rule)");
	guard_free(p);
	p = parse("default: warn\n", err, sizeof(err));
	ok(p == NULL, "default warn is refused: a default must decide");
	{
		struct guard_verdict av;

		/* One session's approval as stored: its phase and its allow_ops string. */
		ok(guard_judge_approval(d, "alice", "router1", 1, "mkfs reboot", "sudo reboot", &av) == 0 &&
		    av.action == GUARD_ALLOW, "an approval's stored allow_ops pre-approve its operations");
		ok(guard_judge_approval(d, "alice", "router1", 1, NULL, "sudo reboot", &av) == 0 &&
		    av.action == GUARD_REVIEW, "none stored: the review stands");
		ok(guard_judge_approval(d, "alice", "router1", 0, "reboot", "sh -c x", &av) == 0 && av.action == GUARD_DENY,
		    "diagnose: an unreadable line is refused, as a session judges it");
	}
	guard_free(d);
	return done();
}
