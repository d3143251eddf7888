/*
 * The one bounded appender. Text is built into either a caller's fixed
 * buffer or a heap buffer that grows up to a limit; an append that does not
 * fit is cut and marks the buffer, it never writes past the end. Replaces
 * every `n += snprintf(out + n, ...)` chain (one of those smashed the stack).
 */
#ifndef REMGATE_STRBUF_H
#define REMGATE_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *buf;	/* always NUL-terminated once initialised */
	size_t len;
	size_t cap;	/* bytes available for text, not counting the NUL */
	size_t max;	/* heap mode: the most it may grow to; 0 in fixed mode */
	int cut;	/* something did not fit */
	int failed;	/* heap mode: out of memory */
};

/* Fixed mode: text goes into buf[size] (size >= 1). */
void strbuf_init_fixed(struct strbuf *b, char *buf, size_t size);
/* Heap mode: grows as needed up to max bytes of text; free with strbuf_free. */
void strbuf_init_heap(struct strbuf *b, size_t max);
void strbuf_free(struct strbuf *b);
/* The text so far ("" when empty or when a heap buffer could not be had). */
const char *strbuf_str(const struct strbuf *b);

void strbuf_add(struct strbuf *b, const char *s, size_t n);
void strbuf_adds(struct strbuf *b, const char *s);
void strbuf_addc(struct strbuf *b, char c);
void strbuf_addf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/*
 * Append s[0..n) made safe for a terminal or a log line: control bytes,
 * DEL, C1 controls and bytes that are not valid UTF-8 become \n, \r, \t,
 * \e or \xNN; a backslash becomes \\, and with quote != 0 a '"' becomes \".
 */
void strbuf_add_vis(struct strbuf *b, const char *s, size_t n, int quote);

/* A malloc'd copy of s made safe as above (quote off); NULL on no memory. */
char *strbuf_vis_dup(const char *s);
/* The same for text of several lines: each line made safe, each '\n' kept as newline ('\n', or ' ' to fold). */
char *strbuf_vis_dup_lines(const char *s, char newline);

#endif
