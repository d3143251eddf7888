/*
 * The body of a console change: application/x-www-form-urlencoded, parsed
 * into at most CONSFORM_MAX fields. Anything malformed (a bad %XX, a NUL,
 * a repeated or empty name, too many fields) is refused whole.
 */
#ifndef REMGATE_CONSFORM_H
#define REMGATE_CONSFORM_H

#include <stddef.h>

#define CONSFORM_MAX 16

struct consform {
	char *buf;		/* the decoded names and values, NUL-separated */
	const char *name[CONSFORM_MAX];
	const char *value[CONSFORM_MAX];
	int n;
};

/* 0, or -1 (malformed or out of memory) with f empty. */
int consform_parse(const char *body, size_t len, struct consform *f);
/* The value of name, or NULL. */
const char *consform_get(const struct consform *f, const char *name);
void consform_free(struct consform *f);

#endif
