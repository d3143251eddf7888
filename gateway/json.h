/* Minimal JSON writer for the CLI's --json output (objects, arrays, scalars). */
#ifndef REMGATE_JSON_H
#define REMGATE_JSON_H

#include <stdint.h>
#include <stdio.h>

struct json {
	FILE *out;
	int depth;
	int first[16];	/* per depth: no comma before the next member yet */
};

void json_init(struct json *j, FILE *out);
void json_begin_array(struct json *j);
void json_end_array(struct json *j);
void json_begin_object(struct json *j);
void json_end_object(struct json *j);
void json_key_str(struct json *j, const char *key, const char *val);	/* NULL -> null */
void json_key_int(struct json *j, const char *key, int64_t val);
void json_key_null(struct json *j, const char *key);
void json_key_bool(struct json *j, const char *key, int val);
void json_key_begin_object(struct json *j, const char *key);	/* "key":{ ... json_end_object */
void json_key_begin_array(struct json *j, const char *key);
void json_str(struct json *j, const char *val);	/* an array element */
void json_write_string(FILE *out, const char *s);

#endif
