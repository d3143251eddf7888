/*
 * Bounded appends (strbuf.h): the length is checked before every copy, so
 * a long path or a hostile name can cut a line but never overrun it.
 */
#include "strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char empty[1] = "";

void
strbuf_init_fixed(struct strbuf *b, char *buf, size_t size)
{
	memset(b, 0, sizeof(*b));
	b->buf = buf;
	b->cap = size > 0 ? size - 1 : 0;
	if (size > 0)
		buf[0] = '\0';
	else
		b->buf = NULL, b->failed = 1;
}

void
strbuf_init_heap(struct strbuf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max > 0 ? max : 1;
}

void
strbuf_free(struct strbuf *b)
{
	if (b->max > 0)
		free(b->buf);
	b->buf = NULL;
	b->len = b->cap = 0;
}

const char *
strbuf_str(const struct strbuf *b)
{
	return b->buf != NULL ? b->buf : empty;
}

/* Room for want more bytes, growing a heap buffer; returns what fits. */
static size_t
room(struct strbuf *b, size_t want)
{
	if (b->failed)
		return 0;
	if (b->max > 0 && b->len + want > b->cap && b->cap < b->max) {
		size_t ncap = b->cap ? b->cap : 64;
		char *n;

		while (ncap < b->len + want && ncap < b->max)
			ncap = ncap > b->max / 2 ? b->max : ncap * 2;
		if ((n = realloc(b->buf, ncap + 1)) == NULL) {
			b->failed = 1;
			return 0;
		}
		if (b->buf == NULL)
			n[0] = '\0';
		b->buf = n;
		b->cap = ncap;
	}
	if (b->len + want <= b->cap)
		return want;
	b->cut = 1;
	return b->cap - b->len;
}

void
strbuf_add(struct strbuf *b, const char *s, size_t n)
{
	size_t fit = room(b, n);

	if (fit == 0)
		return;
	memcpy(b->buf + b->len, s, fit);
	b->len += fit;
	b->buf[b->len] = '\0';
}

void
strbuf_adds(struct strbuf *b, const char *s)
{
	strbuf_add(b, s, strlen(s));
}

void
strbuf_addc(struct strbuf *b, char c)
{
	strbuf_add(b, &c, 1);
}

void
strbuf_vaddf(struct strbuf *b, const char *fmt, va_list ap)
{
	char small[256], *big = NULL;
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(small, sizeof(small), fmt, aq);
	va_end(aq);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		strbuf_add(b, small, (size_t)n);
		return;
	}
	if ((big = malloc((size_t)n + 1)) == NULL) {
		b->cut = 1;
		return;
	}
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	strbuf_add(b, big, (size_t)n);
	free(big);
}

void
strbuf_addf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(b, fmt, ap);
	va_end(ap);
}

/* Length of a valid UTF-8 sequence at p (n bytes left) that is no C1 control, else 0. */
static size_t
utf8_ok(const unsigned char *p, size_t n)
{
	size_t need;
	unsigned cp;

	if (p[0] < 0xc2 || p[0] > 0xf4)
		return 0;
	need = p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : 4;
	if (n < need)
		return 0;
	cp = p[0] & (0x7f >> need);
	for (size_t i = 1; i < need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((need == 3 && cp < 0x800) || (need == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
		return 0;
	return need;
}

void
strbuf_add_vis(struct strbuf *b, const char *s, size_t n, int quote)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		unsigned char c = p[i];
		size_t u;
		char esc[5];

		if (c >= 0x20 && c < 0x7f) {
			if (c == '\\' || (quote && c == '"'))
				strbuf_addc(b, '\\');
			strbuf_addc(b, (char)c);
			i++;
			continue;
		}
		if (c >= 0x80 && (u = utf8_ok(p + i, n - i)) > 0) {
			strbuf_add(b, s + i, u);
			i += u;
			continue;
		}
		switch (c) {
		case '\n': strbuf_add(b, "\\n", 2); break;
		case '\r': strbuf_add(b, "\\r", 2); break;
		case '\t': strbuf_add(b, "\\t", 2); break;
		case 0x1b: strbuf_add(b, "\\e", 2); break;
		default:
			snprintf(esc, sizeof(esc), "\\x%02x", c);
			strbuf_add(b, esc, 4);
		}
		i++;
	}
}

char *
strbuf_vis_dup_lines(const char *s, char newline)
{
	struct strbuf b;

	strbuf_init_heap(&b, 4 * strlen(s) + 1);
	while (*s) {
		size_t n = strcspn(s, "\n");

		strbuf_add_vis(&b, s, n, 0);
		s += n;
		if (*s == '\n') {
			strbuf_addc(&b, newline);
			s++;
		}
	}
	if (b.failed)
		return NULL;
	return b.buf != NULL ? b.buf : strdup("");
}

char *
strbuf_vis_dup(const char *s)
{
	struct strbuf b;
	char *out;

	strbuf_init_heap(&b, 4 * strlen(s) + 1);
	strbuf_add_vis(&b, s, strlen(s), 0);
	if (b.failed)
		return NULL;
	out = b.buf != NULL ? b.buf : strdup("");
	return out;
}
