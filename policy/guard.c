/* The command guard's policy: loading its YAML and judging a line (guard.h). */
#include "guard.h"

#include <fnmatch.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "cmdsplit.h"
#include "util.h"
#include "yamlerr.h"

#define MAX_RULES 500
#define MAX_GLOBS 64

struct globs {
	char **v;
	size_t n;
};

struct rule {
	char *name;
	int major;
	struct globs programs;	/* empty: any program */
	regex_t args;		/* on the arguments */
	int have_args;
	regex_t raw;		/* on "program args" (and a whole unparsed line) */
	int have_raw;
	enum guard_action action;
	struct globs targets, engineers;	/* empty: all */
};

struct guard_policy {
	enum guard_action dflt;
	enum guard_action on_unparsed;
	struct rule *rules;
	size_t nrules;
};

static const char *const action_names[] = { "allow", "warn", "review", "deny" };

const char *
guard_action_name(enum guard_action a)
{
	return (unsigned)a <= GUARD_DENY ? action_names[a] : "?";
}

/* ---- loading ---- */

struct reader {
	const char *file;
	yaml_document_t doc;
	char *err;
	size_t errlen;
};

static int __attribute__((format(printf, 3, 4)))
fail_at(struct reader *rd, const yaml_node_t *node, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return yamlerr_at(rd->err, rd->errlen, rd->file, node, msg);
}

static yaml_node_t *
node(struct reader *rd, int id)
{
	return yaml_document_get_node(&rd->doc, id);
}

static int
scalar(struct reader *rd, const yaml_node_t *n, const char *key, const char **out)
{
	if (n == NULL || n->type != YAML_SCALAR_NODE)
		return fail_at(rd, n, "'%s' must be a string", key);
	*out = (const char *)n->data.scalar.value;
	if (strlen(*out) != n->data.scalar.length)
		return fail_at(rd, n, "'%s' contains a NUL byte", key);
	return 0;
}

static int
want_action(struct reader *rd, const yaml_node_t *n, const char *key, int allow_warn, enum guard_action *out)
{
	const char *s;

	if (scalar(rd, n, key, &s) != 0)
		return -1;
	for (int a = GUARD_ALLOW; a <= GUARD_DENY; a++) {
		if (strcmp(s, action_names[a]) == 0 && (allow_warn || a != GUARD_WARN)) {
			*out = (enum guard_action)a;
			return 0;
		}
	}
	return fail_at(rd, n, "'%s' must be %s, found '%s'", key, allow_warn ? "allow, deny, review or warn" :
	    "allow, deny or review", s);
}

/* A string or a list of strings, each a glob. */
static int
want_globs(struct reader *rd, const yaml_node_t *n, const char *key, struct globs *g)
{
	const char *s;

	if (n != NULL && n->type == YAML_SCALAR_NODE) {
		if (scalar(rd, n, key, &s) != 0 || (g->v = calloc(1, sizeof(char *))) == NULL ||
		    (g->v[0] = strdup(s)) == NULL)
			return fail_at(rd, n, "out of memory");
		g->n = 1;
		return 0;
	}
	if (n == NULL || n->type != YAML_SEQUENCE_NODE)
		return fail_at(rd, n, "'%s' must be a string or a list of strings", key);
	size_t count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);

	if (count == 0 || count > MAX_GLOBS)
		return fail_at(rd, n, "'%s' must list 1 to %d patterns", key, MAX_GLOBS);
	if ((g->v = calloc(count, sizeof(char *))) == NULL)
		return fail_at(rd, n, "out of memory");
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *it = node(rd, n->data.sequence.items.start[i]);

		if (scalar(rd, it, key, &s) != 0)
			return -1;
		if (*s == '\0')
			return fail_at(rd, it, "an empty pattern in '%s'", key);
		if ((g->v[g->n++] = strdup(s)) == NULL)
			return fail_at(rd, it, "out of memory");
	}
	return 0;
}

static int
want_regex(struct reader *rd, const yaml_node_t *n, const char *key, regex_t *re)
{
	const char *s;
	char why[200];
	int rc;

	if (scalar(rd, n, key, &s) != 0)
		return -1;
	if ((rc = regcomp(re, s, REG_EXTENDED | REG_NOSUB)) != 0) {
		regerror(rc, re, why, sizeof(why));
		return fail_at(rd, n, "'%s' is not a regular expression (%s): %s", key, why, s);
	}
	return 0;
}

static int
parse_match(struct reader *rd, const yaml_node_t *m, struct rule *r)
{
	if (m->type != YAML_MAPPING_NODE)
		return fail_at(rd, m, "'match' must be a mapping with program, args or raw");
	for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = node(rd, pr->key), *v = node(rd, pr->value);
		const char *key;
		int rc;

		if (scalar(rd, k, "match key", &key) != 0)
			return -1;
		if (strcmp(key, "program") == 0)
			rc = want_globs(rd, v, key, &r->programs);
		else if (strcmp(key, "args") == 0)
			rc = want_regex(rd, v, key, &r->args), r->have_args = rc == 0;
		else if (strcmp(key, "raw") == 0)
			rc = want_regex(rd, v, key, &r->raw), r->have_raw = rc == 0;
		else
			rc = fail_at(rd, k, "unknown key '%s' in match (expected program, args, raw)", key);
		if (rc != 0)
			return -1;
	}
	if (r->programs.n == 0 && !r->have_raw)
		return fail_at(rd, m, "'match' needs a program or a raw pattern");
	return 0;
}

static int
parse_rule(struct reader *rd, const yaml_node_t *n, struct rule *r)
{
	int have_action = 0, have_match = 0;

	if (n->type != YAML_MAPPING_NODE)
		return fail_at(rd, n, "a rule must be a mapping with name, match and action");
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = node(rd, pr->key), *v = node(rd, pr->value);
		const char *key, *s;
		int rc = 0;

		if (scalar(rd, k, "rule key", &key) != 0)
			return -1;
		if (strcmp(key, "name") == 0) {
			if ((rc = scalar(rd, v, key, &s)) == 0) {
				if (!util_name_valid(s))
					rc = fail_at(rd, v, "a rule name is 1 to 64 of A-Z a-z 0-9 . _ -, found '%s'", s);
				else if ((r->name = strdup(s)) == NULL)
					rc = fail_at(rd, v, "out of memory");
			}
		} else if (strcmp(key, "major") == 0) {
			if ((rc = scalar(rd, v, key, &s)) == 0) {
				if (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0)
					r->major = 1;
				else if (strcmp(s, "false") != 0 && strcmp(s, "no") != 0)
					rc = fail_at(rd, v, "'major' must be true or false, found '%s'", s);
			}
		} else if (strcmp(key, "match") == 0) {
			rc = parse_match(rd, v, r);
			have_match = 1;
		} else if (strcmp(key, "action") == 0) {
			rc = want_action(rd, v, key, 1, &r->action);
			have_action = 1;
		} else if (strcmp(key, "targets") == 0) {
			rc = want_globs(rd, v, key, &r->targets);
		} else if (strcmp(key, "engineers") == 0) {
			rc = want_globs(rd, v, key, &r->engineers);
		} else {
			rc = fail_at(rd, k, "unknown key '%s' in a rule (expected name, major, match, action, targets, "
			    "engineers)", key);
		}
		if (rc != 0)
			return -1;
	}
	if (r->name == NULL)
		return fail_at(rd, n, "a rule needs a 'name'");
	if (!have_match)
		return fail_at(rd, n, "rule '%s' needs 'match'", r->name);
	if (!have_action)
		return fail_at(rd, n, "rule '%s' needs 'action'", r->name);
	return 0;
}

static int
parse_top(struct reader *rd, struct guard_policy *p)
{
	yaml_node_t *root = yaml_document_get_root_node(&rd->doc);

	if (root == NULL || root->type != YAML_MAPPING_NODE)
		return fail_at(rd, root, "a policy is a mapping with default, on_unparsed and rules");
	for (yaml_node_pair_t *pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = node(rd, pr->key), *v = node(rd, pr->value);
		const char *key;
		int rc;

		if (scalar(rd, k, "key", &key) != 0)
			return -1;
		if (strcmp(key, "default") == 0) {
			rc = want_action(rd, v, key, 0, &p->dflt);
		} else if (strcmp(key, "on_unparsed") == 0) {
			rc = want_action(rd, v, key, 0, &p->on_unparsed);
		} else if (strcmp(key, "rules") == 0) {
			size_t count;

			if (v->type != YAML_SEQUENCE_NODE)
				return fail_at(rd, v, "'rules' must be a list");
			count = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
			if (count > MAX_RULES)
				return fail_at(rd, v, "at most %d rules", MAX_RULES);
			if ((p->rules = calloc(count ? count : 1, sizeof(*p->rules))) == NULL)
				return fail_at(rd, v, "out of memory");
			rc = 0;
			for (size_t i = 0; i < count && rc == 0; i++) {
				p->nrules = i + 1;
				rc = parse_rule(rd, node(rd, v->data.sequence.items.start[i]), &p->rules[i]);
				for (size_t j = 0; rc == 0 && j < i; j++)
					if (strcmp(p->rules[j].name, p->rules[i].name) == 0)
						rc = fail_at(rd, node(rd, v->data.sequence.items.start[i]),
						    "rule name '%s' is used twice", p->rules[i].name);
			}
		} else {
			rc = fail_at(rd, k, "unknown key '%s' (expected default, on_unparsed, rules)", key);
		}
		if (rc != 0)
			return -1;
	}
	return 0;
}

struct guard_policy *
guard_parse(const char *name, const char *buf, size_t len, char *err, size_t errlen)
{
	struct reader rd = { .file = name, .err = err, .errlen = errlen };
	struct guard_policy *p = calloc(1, sizeof(*p));
	yaml_parser_t parser;
	int ok = 0;

	if (p == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	p->dflt = GUARD_ALLOW;
	p->on_unparsed = GUARD_REVIEW;
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &rd.doc)) {
		yamlerr_syntax(err, errlen, name, &parser);
	} else {
		ok = parse_top(&rd, p) == 0;
		yaml_document_delete(&rd.doc);
	}
	yaml_parser_delete(&parser);
	if (!ok) {
		guard_free(p);
		return NULL;
	}
	return p;
}

struct guard_policy *
guard_load(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	struct guard_policy *p;

	if (f == NULL) {
		snprintf(err, errlen, "%s: cannot open the policy file", path);
		return NULL;
	}
	do {
		if (cap - len < 4096) {
			char *nb = cap > (1u << 20) ? NULL : realloc(buf, cap + 65536);

			if (nb == NULL) {
				free(buf);
				fclose(f);
				snprintf(err, errlen, "%s: a policy file is at most 1 MiB", path);
				return NULL;
			}
			buf = nb;
			cap += 65536;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	fclose(f);
	p = guard_parse(path, buf ? buf : "", len, err, errlen);
	free(buf);
	return p;
}

static void
globs_free(struct globs *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->v[i]);
	free(g->v);
}

void
guard_free(struct guard_policy *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->nrules; i++) {
		struct rule *r = &p->rules[i];

		free(r->name);
		globs_free(&r->programs);
		globs_free(&r->targets);
		globs_free(&r->engineers);
		if (r->have_args)
			regfree(&r->args);
		if (r->have_raw)
			regfree(&r->raw);
	}
	free(p->rules);
	free(p);
}

extern const char guard_default_yaml[];
extern const size_t guard_default_yaml_len;

struct guard_policy *
guard_default(char *err, size_t errlen)
{
	return guard_parse("policy/major-operations.yaml (built in)", guard_default_yaml, guard_default_yaml_len, err,
	    errlen);
}

size_t
guard_rule_count(const struct guard_policy *p)
{
	return p->nrules;
}

int
guard_is_major_rule(const struct guard_policy *p, const char *name)
{
	for (size_t i = 0; i < p->nrules; i++)
		if (strcmp(p->rules[i].name, name) == 0)
			return p->rules[i].major;
	return 0;
}

/* ---- judging ---- */

static int
any_glob(const struct globs *g, const char *s)
{
	if (g->n == 0)
		return 1;
	for (size_t i = 0; i < g->n; i++)
		if (fnmatch(g->v[i], s, 0) == 0)
			return 1;
	return 0;
}

static const struct rule *
first_match(const struct guard_policy *p, const struct guard_scope *sc, const char *program, const char *args,
    const char *text)
{
	for (size_t i = 0; i < p->nrules; i++) {
		const struct rule *r = &p->rules[i];

		if (!any_glob(&r->targets, sc->target ? sc->target : "") ||
		    !any_glob(&r->engineers, sc->engineer ? sc->engineer : ""))
			continue;
		if (r->programs.n > 0 && (program == NULL || !any_glob(&r->programs, program)))
			continue;
		if (r->have_args && regexec(&r->args, args ? args : "", 0, NULL, 0) != 0)
			continue;
		if (r->have_raw && regexec(&r->raw, text, 0, NULL, 0) != 0)
			continue;
		return r;
	}
	return NULL;
}

/* One command's verdict under the approval's phase and pre-approved operations. */
static void
judge_one(const struct guard_policy *p, const struct guard_scope *sc, const char *program, const char *args,
    const char *text, struct guard_verdict *v)
{
	const struct rule *r = first_match(p, sc, program, args, text);

	memset(v, 0, sizeof(*v));
	snprintf(v->command, sizeof(v->command), "%s", text);
	if (r == NULL) {
		v->action = p->dflt;
		snprintf(v->rule, sizeof(v->rule), "default");
		snprintf(v->reason, sizeof(v->reason), "no rule names '%.60s': the policy's default", program ? program : text);
		return;
	}
	snprintf(v->rule, sizeof(v->rule), "%s", r->name);
	v->major = r->major;
	v->action = r->action;
	if (r->major && !sc->implement) {
		v->action = GUARD_DENY;
		snprintf(v->reason, sizeof(v->reason), "'%s' is a major operation (%s): it needs an implement approval, "
		    "this one is for diagnosis", v->command, r->name);
		return;
	}
	if (r->major) {
		for (size_t i = 0; i < sc->nallow_ops; i++) {
			if (strcmp(sc->allow_ops[i], r->name) == 0) {
				v->action = GUARD_ALLOW;
				snprintf(v->reason, sizeof(v->reason), "'%s' is the major operation %s, pre-approved for "
				    "this approval", v->command, r->name);
				return;
			}
		}
	}
	snprintf(v->reason, sizeof(v->reason), "'%s' matches rule %s: %s", v->command, r->name,
	    guard_action_name(v->action));
}

int
guard_judge(const struct guard_policy *p, const struct guard_scope *sc, const char *line, size_t len,
    struct guard_verdict *out)
{
	struct cmd_split split;
	struct guard_verdict v;

	memset(out, 0, sizeof(*out));
	if (cmdsplit(line, len, &split) != 0)
		return -1;
	out->action = GUARD_ALLOW;
	snprintf(out->rule, sizeof(out->rule), "default");
	if (split.unparsed != NULL) {
		/* A raw rule may still name the whole line (a known script form); otherwise on_unparsed decides. */
		char *whole = strndup(line, len);

		if (whole == NULL) {
			cmdsplit_free(&split);
			return -1;
		}
		judge_one(p, sc, NULL, NULL, whole, &v);
		free(whole);
		if (strcmp(v.rule, "default") == 0) {
			v.action = p->on_unparsed;
			snprintf(v.rule, sizeof(v.rule), "on_unparsed");
			snprintf(v.reason, sizeof(v.reason), "the guard cannot judge this line (%s): the policy's on_unparsed",
			    split.unparsed);
		}
		*out = v;
	}
	for (size_t i = 0; i < split.n; i++) {
		char text[CMDSPLIT_MAX_LINE / 16];

		snprintf(text, sizeof(text), "%s%s%s", split.cmds[i].program, split.cmds[i].args[0] ? " " : "",
		    split.cmds[i].args);
		judge_one(p, sc, split.cmds[i].program, split.cmds[i].args, text, &v);
		if (v.action > out->action || (i == 0 && split.unparsed == NULL))
			*out = v;
	}
	cmdsplit_free(&split);
	return 0;
}

int
guard_judge_session(const struct guard_policy *p, const struct guard_scope *sc, const char *line, size_t len,
    struct guard_verdict *out)
{
	if (guard_judge(p, sc, line, len, out) != 0)
		return -1;
	/*
	 * A line the guard cannot read may hide a major operation, which a
	 * diagnose approval never allows: refused there rather than reviewed.
	 */
	if (!sc->implement && out->action == GUARD_REVIEW && strcmp(out->rule, "on_unparsed") == 0) {
		out->action = GUARD_DENY;
		snprintf(out->reason, sizeof(out->reason), "the guard cannot read this command, and a diagnose approval "
		    "allows no major operation it might hide");
	}
	return 0;
}

size_t
guard_split_ops(char *ops, const char **op, size_t max)
{
	size_t n = 0;

	for (char *save = NULL, *t = strtok_r(ops, " ", &save); t != NULL && n < max; t = strtok_r(NULL, " ", &save))
		op[n++] = t;
	return n;
}

int
guard_judge_approval(const struct guard_policy *p, const char *engineer, const char *target, int implement,
    const char *allow_ops, const char *line, struct guard_verdict *out)
{
	const char *op[GUARD_MAX_ALLOW_OPS];
	char *ops = strdup(allow_ops ? allow_ops : "");
	struct guard_scope sc = { .engineer = engineer, .target = target, .implement = implement, .allow_ops = op };
	int r;

	if (ops == NULL)
		return -1;
	sc.nallow_ops = guard_split_ops(ops, op, GUARD_MAX_ALLOW_OPS);
	r = guard_judge_session(p, &sc, line, strlen(line), out);
	free(ops);
	return r;
}
