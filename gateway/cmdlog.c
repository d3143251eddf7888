/*
 * Command reconstruction: a one-line terminal model plus the rules in
 * cmdlog.h. Only what a shell's line editor emits is modelled (cursor
 * moves within the line, erase, insert, delete); anything that moves to
 * another row while a command is being typed makes that command uncertain.
 */
#include "cmdlog.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_CELLS 4096
#define TEXT_MAX (LINE_CELLS * 4 + 1)
#define CSI_MAX 32
#define PENDING_US 1000000	/* a command not gone full screen within 1 s is plain */

enum esc_state { ST_TEXT, ST_ESC, ST_CSI, ST_OSC, ST_OSC_ESC, ST_CHARSET };

struct cmdlog {
	struct cmdlog_hooks hooks;

	/* The terminal line. */
	uint32_t cells[LINE_CELLS];
	size_t ncells, cursor;
	uint32_t utf8_cp;
	int utf8_left;
	enum esc_state st;
	char csi[CSI_MAX + 1];
	size_t ncsi;
	int alt_screen;

	/* The command being typed. */
	int typing;
	uint32_t prompt[LINE_CELLS];
	size_t nprompt;
	uint32_t last_prompt[LINE_CELLS];	/* the last prompt proven by a command */
	size_t nlast;
	int messy;		/* the editor left the line: not certain */
	int enter_pending;	/* Enter typed, its echo not yet seen */
	uint64_t enter_us;

	/* A command waiting to see whether it goes full screen. */
	int have_pending;
	char pending[TEXT_MAX];
	int pending_certain;
	uint64_t pending_us;
	char pending_guard[CMDLOG_GUARD_MAX];

	/* The command guard's judgement of the line whose Enter goes out next. */
	char next_guard[CMDLOG_GUARD_MAX];
	/* What the guard saw typed for that line, when known exactly (nothing edited). */
	char next_typed[CMDLOG_GUARD_MAX];

	/* Password input. */
	int masking;
	size_t masked;
	uint64_t masked_us;
};

const char *
cmdlog_kind_name(enum cmd_kind k)
{
	switch (k) {
	case CMD_EXEC: return "exec";
	case CMD_LINE: return "line";
	case CMD_FULLSCREEN: return "fullscreen";
	case CMD_MASKED: return "masked";
	case CMD_TRANSFER: return "transfer";
	}
	return "?";
}

struct cmdlog *
cmdlog_new(const struct cmdlog_hooks *hooks)
{
	struct cmdlog *c = calloc(1, sizeof(*c));

	if (c != NULL)
		c->hooks = *hooks;
	return c;
}

void
cmdlog_free(struct cmdlog *c)
{
	free(c);
}

static size_t
encode_utf8(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* cells[from, to) as UTF-8, trailing blanks dropped. */
static void
cells_text(const uint32_t *cells, size_t from, size_t to, char *out)
{
	size_t n = 0;

	while (to > from && (cells[to - 1] == ' ' || cells[to - 1] == 0))
		to--;
	while (from < to && cells[from] == ' ')
		from++;	/* the space after a prompt is not part of the command */
	for (size_t i = from; i < to; i++)
		n += encode_utf8(cells[i] ? cells[i] : ' ', out + n);
	out[n] = '\0';
}

static void
emit_guarded(struct cmdlog *c, enum cmd_kind kind, const char *text, int certain, uint64_t t, const char *guard)
{
	struct cmd_entry e = { .kind = kind, .text = text, .certain = certain, .time_us = t,
		.guard = guard != NULL && *guard ? guard : NULL };

	if (c->hooks.entry != NULL)
		c->hooks.entry(c->hooks.arg, &e);
}

static void
emit(struct cmdlog *c, enum cmd_kind kind, const char *text, int certain, uint64_t t)
{
	struct cmd_entry e = { .kind = kind, .text = text, .certain = certain, .time_us = t };

	if (c->hooks.entry != NULL)
		c->hooks.entry(c->hooks.arg, &e);
}

static void
release_pending(struct cmdlog *c, enum cmd_kind kind)
{
	if (!c->have_pending)
		return;
	c->have_pending = 0;
	emit_guarded(c, kind, c->pending, c->pending_certain, c->pending_us, c->pending_guard);
	c->pending_guard[0] = '\0';
}

static int
line_starts_with(const struct cmdlog *c, const uint32_t *p, size_t n)
{
	return n > 0 && c->ncells >= n && memcmp(c->cells, p, n * sizeof(uint32_t)) == 0;
}

/*
 * Enter's echo: the line now shows prompt + command. The prompt is what
 * stood on the line at the first keystroke; if nothing did (the engineer
 * typed ahead of the prompt), the last prompt a command proved is tried.
 */
/* The line as it stands minus its prompt, into text; 1 if the prompt is known (certain). */
static int
line_command(const struct cmdlog *c, char *text)
{
	size_t strip = 0;
	int certain = 0;

	if (!c->messy && line_starts_with(c, c->prompt, c->nprompt)) {
		certain = 1;
		strip = c->nprompt;
	} else if (!c->messy && c->nprompt == 0 && line_starts_with(c, c->last_prompt, c->nlast)) {
		certain = 1;
		strip = c->nlast;
	}
	cells_text(c->cells, strip, c->ncells, text);
	return certain;
}

static int
ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), k = strlen(tail);

	return k <= n && memcmp(s + n - k, tail, k) == 0;
}

static void
take_command(struct cmdlog *c)
{
	char text[TEXT_MAX];
	int certain;

	c->enter_pending = 0;
	c->typing = 0;
	certain = line_command(c, text);
	if (certain && c->nprompt > 0 && line_starts_with(c, c->prompt, c->nprompt)) {
		memcpy(c->last_prompt, c->prompt, c->nprompt * sizeof(uint32_t));
		c->nlast = c->nprompt;
	}
	/*
	 * A line typed ahead of its prompt shows as "echo p3bash$ echo p3":
	 * the prompt is not where it was. The guard knows what was typed,
	 * byte for byte; when the line ends with exactly that, it is the command.
	 */
	if (!certain && c->next_typed[0] != '\0' && ends_with(text, c->next_typed)) {
		snprintf(text, sizeof(text), "%s", c->next_typed);
		certain = 1;
	}
	c->next_typed[0] = '\0';
	if (text[0] == '\0' && certain && c->next_guard[0] == '\0')
		return;	/* Enter on an empty prompt */
	release_pending(c, CMD_LINE);
	snprintf(c->pending, sizeof(c->pending), "%s", text);
	c->pending_certain = certain;
	c->pending_us = c->enter_us;
	snprintf(c->pending_guard, sizeof(c->pending_guard), "%s", c->next_guard);
	c->next_guard[0] = '\0';
	c->have_pending = 1;
}

static void
finish_line(struct cmdlog *c, uint64_t t)
{
	int is_command = c->enter_pending && !c->alt_screen;
	char text[TEXT_MAX];

	if (is_command)
		take_command(c);
	if (c->hooks.line != NULL && !c->alt_screen) {
		cells_text(c->cells, 0, c->ncells, text);
		c->hooks.line(c->hooks.arg, text, is_command, t);
	}
	c->ncells = 0;
	c->cursor = 0;
}

static void
put_cell(struct cmdlog *c, uint32_t cp)
{
	if (c->cursor >= LINE_CELLS)
		return;
	while (c->ncells < c->cursor)
		c->cells[c->ncells++] = ' ';
	c->cells[c->cursor++] = cp;
	if (c->cursor > c->ncells)
		c->ncells = c->cursor;
}

static unsigned
csi_param(const char *p, unsigned dflt)
{
	unsigned v = 0;
	int any = 0;

	for (; *p >= '0' && *p <= '9'; p++) {
		any = 1;
		v = v * 10 + (unsigned)(*p - '0');
		if (v > LINE_CELLS)
			v = LINE_CELLS;
	}
	return any && v > 0 ? v : dflt;
}

/* Private modes that switch to or from the alternate (full-screen) buffer. */
static void
csi_private_mode(struct cmdlog *c, const char *params, int on, uint64_t t)
{
	const char *p = params + 1;	/* past '?' */

	while (*p) {
		unsigned mode = (unsigned)strtoul(p, NULL, 10);

		if (mode == 1049 || mode == 1047 || mode == 47) {
			if (on && !c->alt_screen) {
				c->alt_screen = 1;
				release_pending(c, CMD_FULLSCREEN);
				(void)t;
			} else if (!on && c->alt_screen) {
				c->alt_screen = 0;
				c->typing = 0;
				c->enter_pending = 0;
			}
		}
		while (*p && *p != ';')
			p++;
		if (*p == ';')
			p++;
	}
}

static void
csi_final(struct cmdlog *c, char final, uint64_t t)
{
	const char *p = c->csi;
	unsigned n;

	if (p[0] == '?') {
		if (final == 'h' || final == 'l')
			csi_private_mode(c, p, final == 'h', t);
		return;
	}
	if (c->alt_screen)
		return;
	n = csi_param(p, 1);
	switch (final) {
	case 'K':
		if (csi_param(p, 0) == 0) {
			if (c->cursor < c->ncells)
				c->ncells = c->cursor;
		} else if (csi_param(p, 0) == 1) {
			for (size_t i = 0; i < c->cursor && i < c->ncells; i++)
				c->cells[i] = ' ';
		} else {
			c->ncells = 0;
		}
		break;
	case 'D':
		c->cursor = c->cursor > n ? c->cursor - n : 0;
		break;
	case 'C':
		c->cursor = c->cursor + n < LINE_CELLS ? c->cursor + n : LINE_CELLS - 1;
		break;
	case 'G':
		c->cursor = n - 1;
		break;
	case 'P':
		if (c->cursor < c->ncells) {
			size_t del = n < c->ncells - c->cursor ? n : c->ncells - c->cursor;
			memmove(c->cells + c->cursor, c->cells + c->cursor + del,
			    (c->ncells - c->cursor - del) * sizeof(uint32_t));
			c->ncells -= del;
		}
		break;
	case '@':
		if (c->cursor < c->ncells) {
			size_t ins = n;
			if (c->ncells + ins > LINE_CELLS)
				ins = LINE_CELLS - c->ncells;
			memmove(c->cells + c->cursor + ins, c->cells + c->cursor,
			    (c->ncells - c->cursor) * sizeof(uint32_t));
			for (size_t i = 0; i < ins; i++)
				c->cells[c->cursor + i] = ' ';
			c->ncells += ins;
		}
		break;
	case 'X':
		for (size_t i = c->cursor; i < c->cursor + n && i < c->ncells; i++)
			c->cells[i] = ' ';
		break;
	case 'J':
		if (csi_param(p, 0) >= 2) {
			c->ncells = 0;
			c->cursor = 0;
		}
		break;
	case 'H':
	case 'f': {
		const char *semi = strchr(p, ';');
		c->cursor = semi ? csi_param(semi + 1, 1) - 1 : 0;
		if (c->typing)
			c->messy = 1;
		break;
	}
	case 'A':
	case 'B':
		if (c->typing)
			c->messy = 1;	/* a multi-line edit: we only see one row */
		break;
	default:
		break;	/* colours, modes, scrolling regions: no effect on the text */
	}
}

static void
output_byte(struct cmdlog *c, uint8_t b, uint64_t t)
{
	switch (c->st) {
	case ST_ESC:
		if (b == '[') {
			c->st = ST_CSI;
			c->ncsi = 0;
			c->csi[0] = '\0';
		} else if (b == ']') {
			c->st = ST_OSC;
		} else if (b == '(' || b == ')' || b == '*' || b == '+' || b == '#') {
			c->st = ST_CHARSET;
		} else {
			c->st = ST_TEXT;	/* two-byte sequences: keypad modes, save/restore */
		}
		return;
	case ST_CHARSET:
		c->st = ST_TEXT;
		return;
	case ST_CSI:
		if (b >= 0x40 && b <= 0x7e) {
			c->st = ST_TEXT;
			csi_final(c, (char)b, t);
		} else if (c->ncsi < CSI_MAX) {
			c->csi[c->ncsi++] = (char)b;
			c->csi[c->ncsi] = '\0';
		}
		return;
	case ST_OSC:
		if (b == 0x07)
			c->st = ST_TEXT;
		else if (b == 0x1b)
			c->st = ST_OSC_ESC;
		return;
	case ST_OSC_ESC:
		c->st = b == '\\' ? ST_TEXT : ST_OSC;
		return;
	case ST_TEXT:
		break;
	}

	/* UTF-8 continuation. */
	if (c->utf8_left > 0) {
		if ((b & 0xc0) == 0x80) {
			c->utf8_cp = c->utf8_cp << 6 | (b & 0x3f);
			if (--c->utf8_left == 0 && !c->alt_screen)
				put_cell(c, c->utf8_cp);
			return;
		}
		c->utf8_left = 0;	/* broken sequence: drop it, read b afresh */
	}
	if (b >= 0xc0 && b < 0xf8) {
		c->utf8_left = b >= 0xf0 ? 3 : b >= 0xe0 ? 2 : 1;
		c->utf8_cp = b & (b >= 0xf0 ? 0x07 : b >= 0xe0 ? 0x0f : 0x1f);
		return;
	}
	switch (b) {
	case 0x1b:
		c->st = ST_ESC;
		return;
	case '\r':
		c->cursor = 0;
		return;
	case '\n':
		if (!c->alt_screen)
			finish_line(c, t);
		return;
	case '\b':
		if (c->cursor > 0)
			c->cursor--;
		return;
	case '\t':
		c->cursor = (c->cursor / 8 + 1) * 8;
		if (c->cursor >= LINE_CELLS)
			c->cursor = LINE_CELLS - 1;
		return;
	default:
		if (b < 0x20 || b == 0x7f || b >= 0x80 || c->alt_screen)
			return;
		put_cell(c, b);
	}
}

void
cmdlog_output(struct cmdlog *c, const uint8_t *data, size_t len, uint64_t time_us)
{
	for (size_t i = 0; i < len; i++)
		output_byte(c, data[i], time_us);
}

/* Does the line end like a password prompt ("Password:", "[sudo] password for x: ")? */
static int
at_password_prompt(const struct cmdlog *c)
{
	static const char *const words[] = { "password", "passphrase", "pass phrase", "passcode", "pin" };
	char text[TEXT_MAX];
	size_t n;

	cells_text(c->cells, 0, c->ncells, text);
	n = strlen(text);
	if (n == 0 || text[n - 1] != ':')
		return 0;
	for (size_t i = 0; i < n; i++)
		text[i] = (char)tolower((unsigned char)text[i]);
	/* Whole words only: "pin:" is a prompt, "shipping:" and "spinner:" are not. */
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		size_t wl = strlen(words[i]);

		for (const char *p = strstr(text, words[i]); p != NULL; p = strstr(p + 1, words[i])) {
			if ((p == text || !isalnum((unsigned char)p[-1])) && !isalnum((unsigned char)p[wl]))
				return 1;
		}
	}
	return 0;
}

/* The one format of a hidden input's entry; cmdlog_masked_len() reads it back. */
#define MASKED_TEXT_FMT "[hidden input, %zu bytes]"

int
cmdlog_masked_len(const char *text, size_t *n)
{
	return text != NULL && sscanf(text, "[hidden input, %zu bytes]", n) == 1 ? 0 : -1;
}

int
cmdlog_masked_unusual(size_t largest, int entries)
{
	return largest > CMDLOG_MASKED_UNUSUAL_BYTES || entries > CMDLOG_MASKED_UNUSUAL_COUNT;
}

static void
end_masking(struct cmdlog *c)
{
	char text[64];

	c->masking = 0;
	snprintf(text, sizeof(text), MASKED_TEXT_FMT, c->masked);
	emit(c, CMD_MASKED, text, 1, c->masked_us);
	c->masked = 0;
}

#define IN_MASKED 1	/* withhold this byte */
#define IN_ENDS 2	/* it ended a hidden input (Enter, ^C, ^D) */

/* One typed byte; returns IN_* flags. */
static int
input_byte(struct cmdlog *c, uint8_t b, uint64_t t)
{
	int end = b == '\r' || b == '\n' || b == 0x03 || b == 0x04;

	if (c->alt_screen)
		return 0;
	if (!c->masking && !c->typing && at_password_prompt(c)) {
		release_pending(c, CMD_LINE);
		c->masking = 1;
		c->masked = 0;
		c->masked_us = t;
	}
	if (c->masking) {
		c->masked++;
		if (!end)
			return IN_MASKED;
		end_masking(c);
		return IN_MASKED | IN_ENDS;
	}
	if (!c->typing) {
		/* The first keystroke at a prompt: the line so far is the prompt. */
		release_pending(c, CMD_LINE);
		c->nprompt = c->cursor < c->ncells ? c->cursor : c->ncells;
		memcpy(c->prompt, c->cells, c->nprompt * sizeof(uint32_t));
		c->typing = 1;
		c->messy = 0;
	}
	if (b == '\r' || b == '\n') {
		c->enter_pending = 1;
		c->enter_us = t;
	} else if (b == 0x03) {
		c->typing = 0;	/* ^C abandons the line */
		c->enter_pending = 0;
	}
	return 0;
}

void
cmdlog_input(struct cmdlog *c, const uint8_t *data, size_t len, uint64_t time_us,
    void (*seg)(void *arg, int masked, int ends, const uint8_t *data, size_t len), void *seg_arg)
{
	size_t start = 0;
	int run = -1;

	if (seg == NULL) {
		for (size_t i = 0; i < len; i++)
			input_byte(c, data[i], time_us);
		return;
	}
	for (size_t i = 0; i < len; i++) {
		int f = input_byte(c, data[i], time_us), m = f & IN_MASKED;

		if (run != -1 && m != run) {
			seg(seg_arg, run, 0, data + start, i - start);
			start = i;
		}
		run = m;
		if (f & IN_ENDS) {
			seg(seg_arg, 1, 1, data + start, i + 1 - start);
			start = i + 1;
			run = -1;
		}
	}
	if (len > start && run != -1)
		seg(seg_arg, run, 0, data + start, len - start);
}

void
cmdlog_input_masked(struct cmdlog *c, size_t len, int ends, uint64_t time_us)
{
	if (c->alt_screen)
		return;
	if (!c->masking) {
		release_pending(c, CMD_LINE);
		c->masking = 1;
		c->masked = 0;
		c->masked_us = time_us;
	}
	c->masked += len;
	if (ends)
		end_masking(c);
}

void
cmdlog_tick(struct cmdlog *c, uint64_t now_us)
{
	if (c->have_pending && now_us - c->pending_us >= PENDING_US)
		release_pending(c, CMD_LINE);
}

void
cmdlog_finish(struct cmdlog *c, uint64_t time_us)
{
	(void)time_us;
	if (c->masking && c->masked > 0)
		end_masking(c);
	release_pending(c, CMD_LINE);
}

int
cmdlog_judged_here(const struct cmdlog *c)
{
	if (c->alt_screen || c->masking)
		return 0;
	return c->typing || !at_password_prompt(c);
}

int
cmdlog_current_command(const struct cmdlog *c, char *out, size_t outlen)
{
	char text[TEXT_MAX];
	int certain = line_command(c, text);

	snprintf(out, outlen, "%s", text);
	return certain;
}

int
cmdlog_enter_pending(const struct cmdlog *c)
{
	return c->enter_pending && !c->alt_screen;
}

void
cmdlog_set_guard(struct cmdlog *c, const char *judgement)
{
	snprintf(c->next_guard, sizeof(c->next_guard), "%s", judgement ? judgement : "");
}

void
cmdlog_set_typed(struct cmdlog *c, const char *typed)
{
	snprintf(c->next_typed, sizeof(c->next_typed), "%s", typed ? typed : "");
}

void
cmdlog_refused(struct cmdlog *c, const char *text, int certain, uint64_t time_us, const char *judgement)
{
	c->next_typed[0] = '\0';
	release_pending(c, CMD_LINE);
	emit_guarded(c, CMD_LINE, text, certain, time_us, judgement);
}
