/*
 * A small, strict JSON reader (RFC 8259) for the files remgate reads back,
 * report.json above all. The input is untrusted: depth and size are
 * bounded and every error names its byte offset.
 */
#ifndef REMGATE_JSONPARSE_H
#define REMGATE_JSONPARSE_H
#include <stddef.h>
#include <stdint.h>

enum jv_type { JV_NULL, JV_BOOL, JV_NUMBER, JV_STRING, JV_ARRAY, JV_OBJECT };

struct jv {
	enum jv_type type;
	char *key;		/* the member name, inside an object */
	char *str;		/* JV_STRING (NUL-terminated; strings with NUL bytes are refused) */
	int64_t num;		/* JV_NUMBER: integers only; JV_BOOL: 0 or 1 */
	struct jv *child;	/* JV_ARRAY, JV_OBJECT: first element */
	struct jv *next;	/* the next sibling */
};

/* Parse one JSON value (whitespace around it allowed). NULL with err on failure. */
struct jv *jv_parse(const char *buf, size_t len, char *err, size_t errlen);
void jv_free(struct jv *v);
/* Member of an object, or NULL. */
const struct jv *jv_get(const struct jv *obj, const char *key);
/* The member's string / integer, or NULL / dflt when missing or of another type. */
const char *jv_get_str(const struct jv *obj, const char *key);
int64_t jv_get_int(const struct jv *obj, const char *key, int64_t dflt);
#endif
