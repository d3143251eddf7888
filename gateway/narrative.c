/* Reading the engineer's narrative (narrative.h) with libyaml. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <yaml.h>

#include "narrative.h"
#include "util.h"
#include "yamlerr.h"

/*
 * A report, not a novel, and never a multiplier: the narrative comes from
 * an engineer over SSH, and what it says is copied into every bundle file.
 */
#define NARRATIVE_MAX (64 * 1024)
#define FIELD_MAX (16 * 1024)	/* one field, a list's lines together */
#define LIST_MAX 200		/* steps in one list */

struct reader {
	const char *name;
	yaml_document_t doc;
	char *err;
	size_t errlen;
};

static int __attribute__((format(printf, 3, 4)))
fail_at(struct reader *rd, const yaml_node_t *node, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return yamlerr_at(rd->err, rd->errlen, rd->name, node, msg);
}

int
narrative_result_valid(const char *r)
{
	return r != NULL && (strcmp(r, "restored") == 0 || strcmp(r, "repaired") == 0 ||
	    strcmp(r, "workaround") == 0 || strcmp(r, "unresolved") == 0);
}

static int
scalar(struct reader *rd, const yaml_node_t *n, const char *key, const char **out)
{
	if (n->type != YAML_SCALAR_NODE)
		return fail_at(rd, n, "'%s' must be text", key);
	*out = (const char *)n->data.scalar.value;
	if (strlen(*out) != n->data.scalar.length)
		return fail_at(rd, n, "'%s' contains a NUL byte", key);
	if (n->data.scalar.length > FIELD_MAX)
		return fail_at(rd, n, "'%s' is too long (%zu bytes, at most %d)", key, n->data.scalar.length, FIELD_MAX);
	return 0;
}

/* Text, or a list of texts kept as "- item" lines. Empty is an error. */
static int
text_or_list(struct reader *rd, const yaml_node_t *n, const char *key, char **out)
{
	const char *s;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (n->type == YAML_SCALAR_NODE) {
		if (scalar(rd, n, key, &s) != 0)
			return -1;
		while (*s == ' ' || *s == '\n')
			s++;
		if (*s == '\0')
			return fail_at(rd, n, "'%s' must not be empty", key);
		if ((*out = strdup(s)) == NULL)
			return fail_at(rd, n, "out of memory");
		for (size_t i = strlen(*out); i > 0 && ((*out)[i - 1] == '\n' || (*out)[i - 1] == ' '); i--)
			(*out)[i - 1] = '\0';
		return 0;
	}
	if (n->type != YAML_SEQUENCE_NODE)
		return fail_at(rd, n, "'%s' must be text or a list of texts", key);
	if (n->data.sequence.items.start == n->data.sequence.items.top)
		return fail_at(rd, n, "'%s' must not be an empty list", key);
	if (n->data.sequence.items.top - n->data.sequence.items.start > LIST_MAX)
		return fail_at(rd, n, "'%s' has too many steps (at most %d)", key, LIST_MAX);
	if ((f = open_memstream(&buf, &len)) == NULL)
		return fail_at(rd, n, "out of memory");
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		yaml_node_t *item = yaml_document_get_node(&rd->doc, *it);

		if (scalar(rd, item, key, &s) != 0) {
			fclose(f);
			free(buf);
			return -1;
		}
		fprintf(f, "%s- %s", it == n->data.sequence.items.start ? "" : "\n", s);
	}
	fclose(f);
	if (len > FIELD_MAX) {
		free(buf);
		return fail_at(rd, n, "'%s' is too long (%zu bytes as a list, at most %d)", key, len, FIELD_MAX);
	}
	*out = buf;
	return 0;
}

/*
 * Anchors and aliases are refused before the document is built: an alias
 * repeats a whole subtree, and a few hundred bytes of them became 96 MB of
 * bundle. A narrative has no use for them.
 */
static int
refuse_aliases(const char *name, const char *buf, size_t len, char *err, size_t errlen)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	int r = 0, done = 0;

	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	while (!done && r == 0) {
		const yaml_char_t *anchor = NULL;

		if (!yaml_parser_parse(&parser, &ev)) {
			yamlerr_syntax(err, errlen, name, &parser);
			r = -1;
			break;
		}
		if (ev.type == YAML_SCALAR_EVENT)
			anchor = ev.data.scalar.anchor;
		else if (ev.type == YAML_SEQUENCE_START_EVENT)
			anchor = ev.data.sequence_start.anchor;
		else if (ev.type == YAML_MAPPING_START_EVENT)
			anchor = ev.data.mapping_start.anchor;
		if (ev.type == YAML_ALIAS_EVENT || anchor != NULL) {
			snprintf(err, errlen, "%s:%zu:%zu: YAML %s are not allowed in a narrative; write the text out",
			    name, ev.start_mark.line + 1, ev.start_mark.column + 1,
			    ev.type == YAML_ALIAS_EVENT ? "aliases (*name)" : "anchors (&name)");
			r = -1;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return r;
}

static int
parse_top(struct reader *rd, const yaml_node_t *root, struct narrative *n)
{
	static const char expected[] = "fault, level, reported_at, cause, actions, result, prevention, followup";

	if (root == NULL)
		return fail_at(rd, NULL, "empty narrative: expected a mapping with %s", expected);
	if (root->type != YAML_MAPPING_NODE)
		return fail_at(rd, root, "the narrative must be a mapping with %s", expected);
	for (yaml_node_pair_t *pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = yaml_document_get_node(&rd->doc, pr->key);
		yaml_node_t *v = yaml_document_get_node(&rd->doc, pr->value);
		const char *key, *s;
		char **field = NULL;
		long long ll;

		if (scalar(rd, k, "key", &key) != 0)
			return -1;
		if (strcmp(key, "fault") == 0)
			field = &n->fault;
		else if (strcmp(key, "cause") == 0)
			field = &n->cause;
		else if (strcmp(key, "actions") == 0)
			field = &n->actions;
		else if (strcmp(key, "prevention") == 0)
			field = &n->prevention;
		else if (strcmp(key, "followup") == 0)
			field = &n->followup;
		else if (strcmp(key, "result") == 0)
			field = &n->result;
		if (field != NULL) {
			if (*field != NULL)
				return fail_at(rd, k, "duplicate key '%s'", key);
			if (text_or_list(rd, v, key, field) != 0)
				return -1;
			if (field == &n->result && !narrative_result_valid(n->result))
				return fail_at(rd, v, "'result' must be restored, repaired, workaround or unresolved, found '%s'",
				    n->result);
		} else if (strcmp(key, "level") == 0) {
			if (scalar(rd, v, key, &s) != 0)
				return -1;
			if (util_parse_int(s, 1, 3, &ll) != 0)
				return fail_at(rd, v, "'level' must be 1 (critical), 2 (major) or 3 (minor), found '%s'", s);
			n->level = (int)ll;
		} else if (strcmp(key, "reported_at") == 0) {
			if (scalar(rd, v, key, &s) != 0)
				return -1;
			if (util_parse_time(s, &n->reported_at) != 0)
				return fail_at(rd, v, "'reported_at' must be a UTC time like 2026-11-28T09:40:00Z, found '%s'", s);
		} else {
			return fail_at(rd, k, "unknown key '%s' (expected %s)", key, expected);
		}
	}
	{
		static const char *const required[] = { "fault", "cause", "actions", "result", "prevention" };
		char *const values[] = { n->fault, n->cause, n->actions, n->result, n->prevention };

		for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
			if (values[i] == NULL)
				return fail_at(rd, root, "missing '%s' (required: fault, cause, actions, result, prevention)",
				    required[i]);
	}
	return 0;
}

int
narrative_parse(const char *name, const char *buf, size_t len, struct narrative *n, char *err, size_t errlen)
{
	struct reader rd = { .name = name, .err = err, .errlen = errlen };
	yaml_parser_t parser;
	int r;

	memset(n, 0, sizeof(*n));
	if (len > NARRATIVE_MAX) {
		snprintf(err, errlen, "%s: too long (%zu bytes, at most %d)", name, len, NARRATIVE_MAX);
		return -1;
	}
	if (refuse_aliases(name, buf, len, err, errlen) != 0)
		return -1;
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &rd.doc)) {
		yamlerr_syntax(err, errlen, name, &parser);
		yaml_parser_delete(&parser);
		return -1;
	}
	yaml_parser_delete(&parser);
	r = parse_top(&rd, yaml_document_get_root_node(&rd.doc), n);
	yaml_document_delete(&rd.doc);
	if (r != 0)
		narrative_clear(n);
	return r;
}

int
narrative_load(const char *path, struct narrative *n, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	memset(n, 0, sizeof(*n));
	if (util_read_file(path, NARRATIVE_MAX + 1, &buf, &len) != 0) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		return -1;
	}
	r = narrative_parse(path, buf, len, n, err, errlen);
	free(buf);
	return r;
}

void
narrative_clear(struct narrative *n)
{
	free(n->fault);
	free(n->cause);
	free(n->actions);
	free(n->result);
	free(n->prevention);
	free(n->followup);
	memset(n, 0, sizeof(*n));
}
