/* The guard's gate on terminal input: the byte logic (linegate.h). */
#include "linegate.h"

#include <string.h>

#define PASTE_START "\x1b[200~"
#define PASTE_END "\x1b[201~"
#define PASTE_MARK_LEN 6
#define PASTE_MAX (64 * 1024)	/* a paste longer than this is judged as far as it came */

void
linegate_init(struct linegate *g)
{
	memset(g, 0, sizeof(*g));
}

static void
typed_reset(struct linegate *g)
{
	g->ntyped = 0;
	g->typed[0] = '\0';
	g->edited = 0;
}

/* One byte let out: what the line now holds, if a plain line editor would show it. */
static void
account(struct linegate *g, uint8_t b)
{
	if (b == 0x7f || b == 0x08) {		/* erase one character (UTF-8 continuation bytes with it) */
		while (g->ntyped > 0 && ((uint8_t)g->typed[g->ntyped - 1] & 0xc0) == 0x80)
			g->ntyped--;
		if (g->ntyped > 0)
			g->ntyped--;
	} else if (b == 0x15 || b == 0x03) {	/* ^U kills the line, ^C abandons it */
		typed_reset(g);
	} else if (b == 0x17) {			/* ^W: the word before the cursor */
		while (g->ntyped > 0 && g->typed[g->ntyped - 1] == ' ')
			g->ntyped--;
		while (g->ntyped > 0 && g->typed[g->ntyped - 1] != ' ')
			g->ntyped--;
	} else if (b >= 0x20 || b == '\t') {
		if (b == '\t')
			g->edited = 1;	/* completion: only the echo says what it became */
		else if (g->ntyped + 1 < sizeof(g->typed))
			g->typed[g->ntyped++] = (char)b;
		else
			g->edited = 1;
	} else {
		g->edited = 1;		/* ESC sequences (arrows, history), ^R, ^A, ^K...: the echo decides */
	}
	g->typed[g->ntyped] = '\0';
}

/* Does data[0..len) begin a paste marker that is not complete yet? */
static int
partial_mark(const uint8_t *data, size_t len)
{
	return len < PASTE_MARK_LEN && memcmp(data, PASTE_START, len) == 0;
}

static long
find_paste_end(const uint8_t *data, size_t len)
{
	for (size_t i = PASTE_MARK_LEN; i + PASTE_MARK_LEN <= len; i++)
		if (memcmp(data + i, PASTE_END, PASTE_MARK_LEN) == 0)
			return (long)(i + PASTE_MARK_LEN);
	return -1;
}

static void
hold(struct linegate *g, int paste, size_t n, uint64_t now_us)
{
	g->state = LG_HELD;
	g->hidden = 0;
	g->paste = paste;
	g->held_len = n;
	g->held_us = now_us;
}

/* Up to the first Enter (held), or a bracketed paste's start when pastes are read. */
static size_t
scan(struct linegate *g, const uint8_t *data, size_t len, uint64_t now_us, int pastes)
{
	size_t i;

	if (g->state != LG_OPEN)
		return 0;
	for (i = 0; i < len; i++) {
		uint8_t b = data[i];

		if (pastes && b == 0x1b && (len - i >= PASTE_MARK_LEN ?
		    memcmp(data + i, PASTE_START, PASTE_MARK_LEN) == 0 : partial_mark(data + i, len - i))) {
			long end;

			if (i > 0)
				break;	/* what came before goes first */
			if (len < PASTE_MARK_LEN)
				return 0;	/* the marker's rest is on its way */
			if ((end = find_paste_end(data, len)) < 0 && len < PASTE_MAX)
				return 0;	/* the paste's end is on its way */
			hold(g, 1, end < 0 ? len : (size_t)end, now_us);
			return 0;
		}
		if (b == '\r' || b == '\n') {
			hold(g, 0, 1, now_us);
			break;
		}
		account(g, b);
	}
	if (i > 0) {
		g->last_in_us = now_us;
		g->out_since_in = 0;
	}
	return i;
}

size_t
linegate_scan(struct linegate *g, const uint8_t *data, size_t len, uint64_t now_us)
{
	return scan(g, data, len, now_us, 1);
}

size_t
linegate_scan_unjudged(struct linegate *g, const uint8_t *data, size_t len, uint64_t now_us)
{
	size_t n;

	if (g->state != LG_OPEN)
		return 0;
	n = scan(g, data, len, now_us, 0);
	g->hidden = g->state == LG_HELD;
	return n;
}

void
linegate_output(struct linegate *g, uint64_t now_us)
{
	g->last_out_us = now_us;
	g->out_since_in = 1;
}

int
linegate_settled(const struct linegate *g, const char *echo, uint64_t now_us)
{
	size_t n = strlen(echo);
	uint64_t last = g->last_out_us > g->last_in_us ? g->last_out_us : g->last_in_us;

	if (g->state != LG_HELD)
		return 0;
	if (g->paste || g->hidden || now_us - g->held_us >= LINEGATE_SETTLE_MAX_US)
		return 1;	/* hidden input has no echo to wait for */
	if (!g->edited)	/* the echo shows all that was typed: it is complete */
		return g->ntyped == 0 || (n >= g->ntyped && memcmp(echo + n - g->ntyped, g->typed, g->ntyped) == 0);
	/* An edited line: the editor answered the last key and has been quiet since. */
	return g->out_since_in && now_us - last >= LINEGATE_QUIET_US;
}

const char *
linegate_typed(const struct linegate *g)
{
	return g->edited ? NULL : g->typed;
}

void
linegate_release(struct linegate *g, uint64_t now_us)
{
	if (g->state != LG_HELD)
		return;
	/* The held item is let out by the next scan, as if it had just arrived. */
	g->state = g->paste ? LG_OPEN : LG_AFTER_ENTER;
	g->unjudged = g->hidden;
	g->hidden = 0;
	g->entered_us = now_us;
	g->last_in_us = now_us;
	g->out_since_in = 0;
	if (g->paste) {
		g->edited = 1;	/* the pasted text is in the editor now: its echo decides the line */
	} else {
		typed_reset(g);
	}
}

void
linegate_dropped(struct linegate *g, enum linegate_after after, uint64_t now_us)
{
	g->paste = 0;
	g->hidden = 0;
	g->held_len = 0;
	typed_reset(g);
	g->state = after == LG_NEXT_AT_ONCE ? LG_OPEN : LG_AFTER_ENTER;
	g->unjudged = after == LG_NEXT_AFTER_OUTPUT;
	g->entered_us = g->last_in_us = now_us;
	g->out_since_in = 0;
}

void
linegate_echo_seen(struct linegate *g, int echo_pending, uint64_t now_us)
{
	if (g->state != LG_AFTER_ENTER)
		return;
	if (g->unjudged ? g->out_since_in || now_us - g->entered_us >= LINEGATE_UNJUDGED_WAIT_US :
	    !echo_pending || now_us - g->entered_us >= LINEGATE_ECHO_WAIT_US)
		g->state = LG_OPEN;
}

long
linegate_interrupt_at(const struct linegate *g, const uint8_t *data, size_t len)
{
	for (size_t i = g->held_len; i < len; i++)
		if (data[i] == 0x03)
			return (long)i;
	return -1;
}
