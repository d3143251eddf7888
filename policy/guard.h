/*
 * The command guard's policy (issue 12): which commands an engineer may
 * run on a target, which are major operations that need an implement
 * approval, and which wait for the customer. A YAML file (policy_file in
 * the configuration; policy/major-operations.yaml is built in as the
 * default) of rules, first match wins per simple command (cmdsplit.h); the
 * strictest result among a line's commands decides. docs/policy.md.
 */
#ifndef REMGATE_GUARD_H
#define REMGATE_GUARD_H

#include <stddef.h>

/* In order of strictness: a line gets the strictest of its commands'. */
enum guard_action { GUARD_ALLOW = 0, GUARD_WARN, GUARD_REVIEW, GUARD_DENY };

const char *guard_action_name(enum guard_action a);

struct guard_policy;

/* Parse len bytes named name. NULL with "NAME:LINE:COL: what" in err. */
struct guard_policy *guard_parse(const char *name, const char *buf, size_t len, char *err, size_t errlen);
struct guard_policy *guard_load(const char *path, char *err, size_t errlen);
/* The built-in default (policy/major-operations.yaml as shipped). */
struct guard_policy *guard_default(char *err, size_t errlen);
void guard_free(struct guard_policy *p);
size_t guard_rule_count(const struct guard_policy *p);
/* Is name a major-operation rule of p (what approve --allow-op may name)? */
int guard_is_major_rule(const struct guard_policy *p, const char *name);

/* What the approval allows beyond the rules. */
struct guard_scope {
	const char *engineer, *target;
	int implement;			/* the approval's phase is implement (else diagnose) */
	const char *const *allow_ops;	/* major operations pre-approved for this approval */
	size_t nallow_ops;
};

struct guard_verdict {
	enum guard_action action;
	char rule[80];		/* the deciding rule's name; "default" or "on_unparsed" otherwise */
	int major;		/* the deciding rule is a major operation */
	char command[200];	/* the deciding simple command, as read */
	char reason[300];	/* one sentence for the engineer and the event */
};

/* Judge one submitted line (or an exec's command). 0, or -1 out of memory. */
int guard_judge(const struct guard_policy *p, const struct guard_scope *scope, const char *line, size_t len,
    struct guard_verdict *out);
/*
 * The same as a session applies it: on a diagnose approval a line the
 * guard cannot read (on_unparsed) is refused, not reviewed. 0 or -1.
 */
int guard_judge_session(const struct guard_policy *p, const struct guard_scope *scope, const char *line,
    size_t len, struct guard_verdict *out);
/* Split a copy of an approval's space-separated allow_ops in place into op[max]; returns the count. */
size_t guard_split_ops(char *ops, const char **op, size_t max);

/* An approval's pre-approved operations the guard reads (approve --allow-op takes as many: APPROVAL_MAX_OPS). */
#define GUARD_MAX_ALLOW_OPS 32

/*
 * guard_judge_session for one session's approval: its engineer, target,
 * phase and allow_ops as stored (space-separated, NULL: none). The network
 * child and the monitor judge through this one door. 0, or -1 out of memory.
 */
int guard_judge_approval(const struct guard_policy *p, const char *engineer, const char *target, int implement,
    const char *allow_ops, const char *line, struct guard_verdict *out);

#endif
