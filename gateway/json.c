/* Minimal JSON writer: strings are escaped per RFC 8259, nesting is tracked. */
#include "json.h"

void
json_write_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

void
json_init(struct json *j, FILE *out)
{
	j->out = out;
	j->depth = 0;
	j->first[0] = 1;
}

static void
json_sep(struct json *j)
{
	if (!j->first[j->depth])
		fputc(',', j->out);
	j->first[j->depth] = 0;
}

static void
json_open(struct json *j, char c)
{
	json_sep(j);
	fputc(c, j->out);
	if (j->depth < 15)
		j->depth++;
	j->first[j->depth] = 1;
}

static void
json_close(struct json *j, char c)
{
	if (j->depth > 0)
		j->depth--;
	fputc(c, j->out);
}

void json_begin_array(struct json *j) { json_open(j, '['); }
void json_end_array(struct json *j) { json_close(j, ']'); }
void json_begin_object(struct json *j) { json_open(j, '{'); }
void json_end_object(struct json *j) { json_close(j, '}'); }

static void
json_key(struct json *j, const char *key)
{
	json_sep(j);
	json_write_string(j->out, key);
	fputc(':', j->out);
}

void
json_key_str(struct json *j, const char *key, const char *val)
{
	json_key(j, key);
	if (val == NULL)
		fputs("null", j->out);
	else
		json_write_string(j->out, val);
}

void
json_key_int(struct json *j, const char *key, int64_t val)
{
	json_key(j, key);
	fprintf(j->out, "%lld", (long long)val);
}

void
json_key_null(struct json *j, const char *key)
{
	json_key(j, key);
	fputs("null", j->out);
}

void
json_key_bool(struct json *j, const char *key, int val)
{
	json_key(j, key);
	fputs(val ? "true" : "false", j->out);
}

void
json_key_begin_object(struct json *j, const char *key)
{
	json_key(j, key);
	j->first[j->depth] = 1;	/* json_open adds no comma after the key */
	json_begin_object(j);
}

void
json_key_begin_array(struct json *j, const char *key)
{
	json_key(j, key);
	j->first[j->depth] = 1;
	json_begin_array(j);
}

void
json_str(struct json *j, const char *val)
{
	json_sep(j);
	json_write_string(j->out, val);
}
