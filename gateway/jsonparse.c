/* The JSON reader (jsonparse.h): recursive descent with a depth bound. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonparse.h"

#define JV_MAX_DEPTH 64

struct parser {
	const char *p, *start, *end;
	char *err;
	size_t errlen;
	int failed;
};

static void
fail(struct parser *ps, const char *what)
{
	if (!ps->failed)
		snprintf(ps->err, ps->errlen, "JSON error at byte %zu: %s", (size_t)(ps->p - ps->start), what);
	ps->failed = 1;
}

static void
skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static int
hex4(struct parser *ps, unsigned *out)
{
	*out = 0;
	if (ps->end - ps->p < 4) {
		fail(ps, "truncated \\u escape");
		return -1;
	}
	for (int i = 0; i < 4; i++) {
		char c = *ps->p++;
		*out <<= 4;
		if (c >= '0' && c <= '9')
			*out |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*out |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*out |= (unsigned)(c - 'A' + 10);
		else {
			fail(ps, "bad \\u escape");
			return -1;
		}
	}
	return 0;
}

static size_t
put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* At the opening quote. The decoded text is never longer than the source. */
static char *
parse_string(struct parser *ps)
{
	const char *s = ++ps->p;
	char *out, *o;

	while (ps->p < ps->end && *ps->p != '"') {
		if (*ps->p == '\\' && ps->p + 1 < ps->end)
			ps->p++;
		ps->p++;
	}
	if (ps->p >= ps->end) {
		fail(ps, "unterminated string");
		return NULL;
	}
	if ((out = malloc((size_t)(ps->p - s) + 1)) == NULL) {
		fail(ps, "out of memory");
		return NULL;
	}
	ps->p = s;
	o = out;
	while (*ps->p != '"') {
		unsigned char c = (unsigned char)*ps->p++;
		unsigned cp, lo;

		if (c < 0x20) {
			fail(ps, "control character in string");
			goto bad;
		}
		if (c != '\\') {
			*o++ = (char)c;
			continue;
		}
		switch (*ps->p++) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u':
			if (hex4(ps, &cp) != 0)
				goto bad;
			if (cp >= 0xd800 && cp < 0xdc00) {
				if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u') {
					fail(ps, "lone surrogate");
					goto bad;
				}
				ps->p += 2;
				if (hex4(ps, &lo) != 0 || lo < 0xdc00 || lo > 0xdfff) {
					fail(ps, "bad surrogate pair");
					goto bad;
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp < 0xe000) {
				fail(ps, "lone surrogate");
				goto bad;
			}
			if (cp == 0) {
				fail(ps, "NUL in string");
				goto bad;
			}
			/* \uXXXX is 6 source bytes, its UTF-8 at most 3 (4 for a 12-byte pair) */
			o += put_utf8(o, cp);
			break;
		default:
			fail(ps, "bad escape");
			goto bad;
		}
	}
	ps->p++;
	*o = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

static struct jv *parse_value(struct parser *ps, int depth);

static int
parse_number(struct parser *ps, struct jv *v)
{
	int neg = 0;
	uint64_t n = 0;

	if (*ps->p == '-') {
		neg = 1;
		ps->p++;
	}
	if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') {
		fail(ps, "bad number");
		return -1;
	}
	if (*ps->p == '0' && ps->p + 1 < ps->end && ps->p[1] >= '0' && ps->p[1] <= '9') {
		fail(ps, "leading zero");
		return -1;
	}
	while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
		if (n > (uint64_t)INT64_MAX / 10) {
			fail(ps, "number out of range");
			return -1;
		}
		n = n * 10 + (uint64_t)(*ps->p++ - '0');
		if (n > (uint64_t)INT64_MAX) {
			fail(ps, "number out of range");
			return -1;
		}
	}
	if (ps->p < ps->end && (*ps->p == '.' || *ps->p == 'e' || *ps->p == 'E')) {
		fail(ps, "only whole numbers are expected");
		return -1;
	}
	v->type = JV_NUMBER;
	v->num = neg ? -(int64_t)n : (int64_t)n;
	return 0;
}

static int
literal(struct parser *ps, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0) {
		fail(ps, "unexpected character");
		return -1;
	}
	ps->p += n;
	return 0;
}

/* Elements (or members) up to close; each appended to v's children. */
static int
parse_members(struct parser *ps, struct jv *v, char close, int depth)
{
	struct jv **tail = &v->child;

	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		return 0;
	}
	for (;;) {
		char *key = NULL;
		struct jv *item;

		skip_ws(ps);
		if (close == '}') {
			if (ps->p >= ps->end || *ps->p != '"') {
				fail(ps, "expected a member name");
				return -1;
			}
			if ((key = parse_string(ps)) == NULL)
				return -1;
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != ':') {
				free(key);
				fail(ps, "expected ':'");
				return -1;
			}
			ps->p++;
		}
		if ((item = parse_value(ps, depth + 1)) == NULL) {
			free(key);
			return -1;
		}
		item->key = key;
		*tail = item;
		tail = &item->next;
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == close) {
			ps->p++;
			return 0;
		}
		fail(ps, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
		return -1;
	}
}

static struct jv *
parse_value(struct parser *ps, int depth)
{
	struct jv *v;
	int r = -1;

	if (depth > JV_MAX_DEPTH) {
		fail(ps, "nested too deeply");
		return NULL;
	}
	skip_ws(ps);
	if (ps->p >= ps->end) {
		fail(ps, "unexpected end");
		return NULL;
	}
	if ((v = calloc(1, sizeof(*v))) == NULL) {
		fail(ps, "out of memory");
		return NULL;
	}
	switch (*ps->p) {
	case '{':
		v->type = JV_OBJECT;
		r = parse_members(ps, v, '}', depth);
		break;
	case '[':
		v->type = JV_ARRAY;
		r = parse_members(ps, v, ']', depth);
		break;
	case '"':
		v->type = JV_STRING;
		r = (v->str = parse_string(ps)) != NULL ? 0 : -1;
		break;
	case 't':
		v->type = JV_BOOL;
		v->num = 1;
		r = literal(ps, "true");
		break;
	case 'f':
		v->type = JV_BOOL;
		r = literal(ps, "false");
		break;
	case 'n':
		v->type = JV_NULL;
		r = literal(ps, "null");
		break;
	default:
		r = parse_number(ps, v);
	}
	if (r != 0) {
		jv_free(v);
		return NULL;
	}
	return v;
}

struct jv *
jv_parse(const char *buf, size_t len, char *err, size_t errlen)
{
	struct parser ps = { .p = buf, .start = buf, .end = buf + len, .err = err, .errlen = errlen };
	struct jv *v = parse_value(&ps, 0);

	if (v == NULL)
		return NULL;
	skip_ws(&ps);
	if (ps.p != ps.end) {
		fail(&ps, "data after the value");
		jv_free(v);
		return NULL;
	}
	return v;
}

void
jv_free(struct jv *v)
{
	while (v != NULL) {
		struct jv *next = v->next;

		jv_free(v->child);
		free(v->key);
		free(v->str);
		free(v);
		v = next;
	}
}

const struct jv *
jv_get(const struct jv *obj, const char *key)
{
	if (obj == NULL || obj->type != JV_OBJECT)
		return NULL;
	for (const struct jv *m = obj->child; m != NULL; m = m->next)
		if (m->key != NULL && strcmp(m->key, key) == 0)
			return m;
	return NULL;
}

const char *
jv_get_str(const struct jv *obj, const char *key)
{
	const struct jv *m = jv_get(obj, key);

	return m != NULL && m->type == JV_STRING ? m->str : NULL;
}

int64_t
jv_get_int(const struct jv *obj, const char *key, int64_t dflt)
{
	const struct jv *m = jv_get(obj, key);

	return m != NULL && m->type == JV_NUMBER ? m->num : dflt;
}
