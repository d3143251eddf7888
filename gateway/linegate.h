/*
 * The command guard's gate on a terminal's input (docs/policy.md): bytes
 * the engineer types go to the device as they come, until an Enter. The
 * Enter is held until the line is judged; bytes after it wait behind it,
 * so type-ahead and pastes are judged line by line. A bracketed paste is
 * held whole until its end marker and judged before any of it goes out.
 *
 * This file is the byte logic alone (no SSH, no store): which bytes may
 * go, what was typed since the last Enter, when the echo has settled.
 * relay.c drives it from the to-device buffer's filter and its loop.
 */
#ifndef REMGATE_LINEGATE_H
#define REMGATE_LINEGATE_H

#include <stddef.h>
#include <stdint.h>

#define LINEGATE_TYPED_MAX 4096
#define LINEGATE_QUIET_US 150000	/* an edited line: its echo is taken as settled after this quiet */
#define LINEGATE_SETTLE_MAX_US 2000000	/* and judged as it stands after this long, whatever the echo */
#define LINEGATE_ECHO_WAIT_US 2000000	/* bytes after an Enter wait for its echo at most this long */
#define LINEGATE_UNJUDGED_WAIT_US 300000	/* ...after an Enter not judged (a password, full screen) */

enum linegate_state {
	LG_OPEN,		/* bytes flow; the next Enter (or paste start) stops them */
	LG_HELD,		/* an Enter (or a paste) is first in line, waiting to be judged */
	LG_AFTER_ENTER,		/* the Enter went out; what follows waits for its echo */
};

struct linegate {
	enum linegate_state state;
	int paste;		/* the held item is a bracketed paste (held_len bytes), not an Enter */
	int hidden;		/* the held Enter ends input typed where nothing echoes a command line */
	size_t held_len;	/* bytes of the held item */
	/* What was typed since the last Enter, if it can be known exactly. */
	char typed[LINEGATE_TYPED_MAX];
	size_t ntyped;
	int edited;		/* a key we cannot replay (arrows, Tab, ^R...): only the echo tells */
	uint64_t held_us, last_out_us, last_in_us;
	int out_since_in;	/* the device said something after the last byte we let out */
	uint64_t entered_us;	/* LG_AFTER_ENTER: when the Enter went out */
	int unjudged;		/* LG_AFTER_ENTER: that Enter was not a command line's */
};

void linegate_init(struct linegate *g);

/*
 * The filter: data[0..len) are the bytes not yet let out, oldest first.
 * Returns how many of them may go now (and accounts them as typed).
 */
size_t linegate_scan(struct linegate *g, const uint8_t *data, size_t len, uint64_t now_us);

/*
 * The filter where no command line is shown (a password prompt, real or
 * faked, a full screen program): bytes go at once up to the first Enter,
 * which is held as "hidden" (settled at once: nothing echoes). Once let
 * go, what follows waits until the device answered, so a paste of
 * "password<Enter>reboot<Enter>" still has its second line judged.
 */
size_t linegate_scan_unjudged(struct linegate *g, const uint8_t *data, size_t len, uint64_t now_us);

/* The device's output (its echo) arrived. */
void linegate_output(struct linegate *g, uint64_t now_us);

/*
 * LG_HELD: has the echo of the line settled enough to judge it? echo is
 * the command as the line shows it (cmdlog_current_command).
 */
int linegate_settled(const struct linegate *g, const char *echo, uint64_t now_us);

/* The typed line when it is known exactly (nothing edited), else NULL. */
const char *linegate_typed(const struct linegate *g);

/* The held item may go: the next scan lets it out. */
void linegate_release(struct linegate *g, uint64_t now_us);
/* After a dropped item, what follows goes... */
enum linegate_after {
	LG_NEXT_AT_ONCE,	/* at once (a refused paste: nothing was sent in its place) */
	LG_NEXT_AFTER_ECHO,	/* after the echo of the Enter sent in its place (a refused line, cleared) */
	LG_NEXT_AFTER_OUTPUT,	/* after the device answered (a Ctrl-C let through) */
};
/* The held item was dropped (refused or cancelled): typing starts afresh. */
void linegate_dropped(struct linegate *g, enum linegate_after after, uint64_t now_us);
/* LG_AFTER_ENTER: the echo came (echo_pending 0) or it waited long enough. */
void linegate_echo_seen(struct linegate *g, int echo_pending, uint64_t now_us);

/* Offset of the first Ctrl-C after the held item in data[0..len), or -1. */
long linegate_interrupt_at(const struct linegate *g, const uint8_t *data, size_t len);

#endif
