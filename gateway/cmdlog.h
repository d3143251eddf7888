/*
 * Commands out of a terminal byte stream. A one-line terminal model is
 * fed the device's output; the prompt is the line as it stood at the
 * engineer's first keystroke, and when Enter is echoed the command is the
 * echoed line minus that prompt. So line editing, completion and history
 * recall come out as the shell displayed them. Lines we cannot tie to the
 * prompt are marked uncertain instead of guessed. Full-screen programs
 * (alternate screen) are one entry, the command that started them.
 * Input typed at a password prompt is reported as masked, by length only.
 * The raw bytes stay the evidence; this is an index into them.
 */
#ifndef REMGATE_CMDLOG_H
#define REMGATE_CMDLOG_H

#include <stddef.h>
#include <stdint.h>

enum cmd_kind { CMD_EXEC, CMD_LINE, CMD_FULLSCREEN, CMD_MASKED, CMD_TRANSFER };

/* Hidden input that is not a password's: one entry this long, or this many in a session. */
#define CMDLOG_MASKED_UNUSUAL_BYTES 64
#define CMDLOG_MASKED_UNUSUAL_COUNT 10

struct cmd_entry {
	enum cmd_kind kind;
	const char *text;	/* UTF-8; for CMD_MASKED "[hidden input, N bytes]" */
	int certain;
	uint64_t time_us;	/* when Enter was pressed */
	const char *guard;	/* the command guard's judgement; NULL: no rule spoke */
};

const char *cmdlog_kind_name(enum cmd_kind k);

/* The byte count a CMD_MASKED entry's text states. 0, or -1 if text is not such an entry. */
int cmdlog_masked_len(const char *text, size_t *n);
/* Hidden input unlike a password's: an entry over ..._BYTES, or more than ..._COUNT entries. */
int cmdlog_masked_unusual(size_t largest, int entries);

struct cmdlog_hooks {
	void *arg;
	/* A command, once it is known whether it went full screen. */
	void (*entry)(void *arg, const struct cmd_entry *e);
	/* A finished screen line (escape sequences applied), for transcripts. */
	void (*line)(void *arg, const char *text, int is_command, uint64_t time_us);
};

struct cmdlog;

struct cmdlog *cmdlog_new(const struct cmdlog_hooks *hooks);
void cmdlog_free(struct cmdlog *c);

/* Bytes the device showed the engineer (a pty session's stdout). */
void cmdlog_output(struct cmdlog *c, const uint8_t *data, size_t len, uint64_t time_us);

/*
 * Bytes the engineer typed. seg is called for consecutive runs, with
 * masked = 1 for bytes typed at a password prompt (to be withheld) and
 * ends = 1 on the run whose last byte finished that hidden input.
 */
void cmdlog_input(struct cmdlog *c, const uint8_t *data, size_t len, uint64_t time_us,
    void (*seg)(void *arg, int masked, int ends, const uint8_t *data, size_t len), void *seg_arg);

/* Replaying a recording: input that was withheld when it was recorded. */
void cmdlog_input_masked(struct cmdlog *c, size_t len, int ends, uint64_t time_us);

/* ---- for the command guard (relay.c): judging a line before its Enter goes out ---- */

#define CMDLOG_GUARD_MAX 600

/* Would an Enter typed now submit a command line (not a password, not full screen)? */
int cmdlog_judged_here(const struct cmdlog *c);
/* The command as the line shows it now (prompt removed when known): 1 certain, 0 not. */
int cmdlog_current_command(const struct cmdlog *c, char *out, size_t outlen);
/* An Enter went out and its echo has not been seen yet. */
int cmdlog_enter_pending(const struct cmdlog *c);
/* The guard's judgement, for the entry of the line whose Enter goes out next. */
void cmdlog_set_guard(struct cmdlog *c, const char *judgement);
/*
 * What was typed for the line whose Enter goes out next, known exactly:
 * listed (as certain) when the screen line is unclear but ends with it.
 */
void cmdlog_set_typed(struct cmdlog *c, const char *typed);
/* A line the guard refused: it never ran, but it is listed, with why. */
void cmdlog_refused(struct cmdlog *c, const char *text, int certain, uint64_t time_us, const char *judgement);

/* Time passes: a command waiting to see if it goes full screen is let out. */
void cmdlog_tick(struct cmdlog *c, uint64_t now_us);

/* End of session: report what is still pending. */
void cmdlog_finish(struct cmdlog *c, uint64_t time_us);

#endif
