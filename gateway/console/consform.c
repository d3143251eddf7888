#include "consform.h"

#include <stdlib.h>
#include <string.h>

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode in[0..n) into out (NUL-terminated); the length written, or -1. */
static long
decode(const char *in, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		int hi, lo;

		if (in[i] == '+') {
			out[o++] = ' ';
		} else if (in[i] == '%') {
			if (i + 2 >= n)
				return -1;
			if ((hi = hexval(in[i + 1])) < 0 || (lo = hexval(in[i + 2])) < 0 || (hi | lo) == 0)
				return -1;
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else if (in[i] == '\0') {
			return -1;
		} else {
			out[o++] = in[i];
		}
	}
	out[o] = '\0';
	return (long)o;
}

int
consform_parse(const char *body, size_t len, struct consform *f)
{
	size_t pos = 0, o = 0;

	memset(f, 0, sizeof(*f));
	if ((f->buf = malloc(len + 2 * CONSFORM_MAX + 2)) == NULL)
		return -1;
	while (pos < len) {
		const char *amp = memchr(body + pos, '&', len - pos);
		size_t end = amp ? (size_t)(amp - body) : len, eq;
		const char *eqp = memchr(body + pos, '=', end - pos);
		long nl, vl;

		if (f->n == CONSFORM_MAX || eqp == NULL || eqp == body + pos)
			goto bad;
		eq = (size_t)(eqp - body);
		if ((nl = decode(body + pos, eq - pos, f->buf + o)) <= 0)
			goto bad;
		f->name[f->n] = f->buf + o;
		o += (size_t)nl + 1;
		if ((vl = decode(body + eq + 1, end - eq - 1, f->buf + o)) < 0)
			goto bad;
		f->value[f->n] = f->buf + o;
		o += (size_t)vl + 1;
		if (consform_get(f, f->name[f->n]) != NULL)
			goto bad;	/* a repeated name: which one would count? */
		f->n++;
		pos = amp ? end + 1 : len;
	}
	return 0;
bad:
	consform_free(f);
	return -1;
}

const char *
consform_get(const struct consform *f, const char *name)
{
	for (int i = 0; i < f->n; i++)
		if (strcmp(f->name[i], name) == 0)
			return f->value[i];
	return NULL;
}

void
consform_free(struct consform *f)
{
	free(f->buf);
	memset(f, 0, sizeof(*f));
}
