/*
 * The command guard in a session (guardgate.h): judging, telling the
 * engineer, putting the judgement on record, holding for reviews.
 */
#include "guardgate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approval.h"
#include "cmdlog.h"
#include "guard.h"
#include "linegate.h"
#include "log.h"
#include "monclient.h"
#include "recorder.h"
#include "relaybuf.h"
#include "session.h"
#include "strbuf.h"

_Static_assert(GUARD_MAX_ALLOW_OPS == APPROVAL_MAX_OPS, "the guard reads every operation an approval may pre-approve");

/* After a refused line the device's line is emptied and a fresh prompt asked for: ^E ^U Enter. */
static const char CLEAR_LINE[] = "\x05\x15\r";

struct gate_state {
	struct linegate lg;
	int64_t review_id;		/* the held line or exec waits on this review (0: none) */
	char held_text[CMDLOG_GUARD_MAX];	/* the line as judged, for its entry if it never runs */
	int held_certain;
	uint64_t held_us;
};

static struct gate_state *
gs(struct session *s)
{
	if (s->gate == NULL && (s->gate = calloc(1, sizeof(*s->gate))) == NULL) {
		log_error("event=internal error=\"out of memory\"");
		exit(1);
	}
	return s->gate;
}

void
guardgate_free(struct session *s)
{
	free(s->gate);
	s->gate = NULL;
}

/* The session's approval as the guard sees it, and one line judged. -1 out of memory. */
static int
judge(struct session *s, const char *text, struct guard_verdict *v)
{
	if (guard_judge_approval(s->cfg->guard, s->engineer->name, s->target->name, s->implement, s->allow_ops, text,
	    v) == 0)
		return 0;
	v->action = GUARD_DENY;
	snprintf(v->rule, sizeof(v->rule), "internal");
	snprintf(v->reason, sizeof(v->reason), "the gateway could not judge the command (out of memory)");
	return -1;
}

/* "deny reboot: why" and the like: the judgement as the command list shows it. */
static void
judgement_text(const struct guard_verdict *v, const char *what, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s %s: %s", what ? what : guard_action_name(v->action), v->rule, v->reason);
}

/* The event of a judgement, with the command made safe for a log line. */
static void
judgement_event(struct session *s, const char *kind, const struct guard_verdict *v, const char *command)
{
	char detail[CMDLOG_GUARD_MAX + 400];
	struct strbuf b;

	strbuf_init_fixed(&b, detail, sizeof(detail));
	strbuf_add_vis(&b, command, strlen(command), 0);
	strbuf_addf(&b, ": %s", v->reason);
	session_event(s, kind, v->rule, detail);
	log_info("event=%s rule=%s action=%s", kind, v->rule, guard_action_name(v->action));
}

/* ---- exec ---------------------------------------------------------- */

enum gate_result
guardgate_exec(struct session *s, const char *command, char *guard_out, size_t guard_len, char *why_out,
    size_t why_len)
{
	struct guard_verdict v;
	char line[600];
	int64_t id;

	guard_out[0] = why_out[0] = '\0';
	judge(s, command, &v);
	switch (v.action) {
	case GUARD_ALLOW:
		return GATE_RUN;
	case GUARD_WARN:
		judgement_event(s, "command_flagged", &v, command);
		judgement_text(&v, NULL, guard_out, guard_len);
		return GATE_RUN;
	case GUARD_DENY:
		judgement_event(s, "command_refused", &v, command);
		judgement_text(&v, "refused", guard_out, guard_len);
		snprintf(why_out, why_len, "refused: %s", v.reason);
		return GATE_REFUSED;
	case GUARD_REVIEW:
		break;
	}
	id = mc_review("exec", v.rule, command, line, sizeof(line));
	if (id <= 0) {
		snprintf(why_out, why_len, "%s", id < 0 ? "refused: the gateway's monitor could not be asked" : line);
		return GATE_REFUSED;
	}
	gs(s)->review_id = id;
	tell_engineer(s, line);
	return GATE_WAIT;
}

int
guardgate_exec_decided(struct session *s, char *guard_out, size_t guard_len, char *why_out, size_t why_len)
{
	char summary[600];
	int approved;

	if (s->gate == NULL || s->gate->review_id == 0 ||
	    !mc_take_decision(s->gate->review_id, &approved, summary, sizeof(summary)))
		return 0;
	s->gate->review_id = 0;
	snprintf(guard_out, guard_len, "%s", summary);
	tell_engineer(s, summary);
	if (approved)
		return 1;
	snprintf(why_out, why_len, "refused: %s; the command did not run", summary);
	return -1;
}

/* ---- terminal lines ------------------------------------------------ */

static long
gate_filter(void *arg, struct relaybuf *b, const char *data, size_t len)
{
	struct session *s = arg;
	struct gate_state *g = gs(s);
	uint64_t now = recorder_now_us();

	(void)b;
	if (g->lg.state == LG_OPEN && !cmdlog_judged_here(s->cmds))
		return (long)linegate_scan_unjudged(&g->lg, (const uint8_t *)data, len, now);
	return (long)linegate_scan(&g->lg, (const uint8_t *)data, len, now);
}

void
guardgate_attach(struct session *s, struct relaybuf *to_device)
{
	linegate_init(&gs(s)->lg);
	to_device->filter = gate_filter;
	to_device->filter_arg = s;
}

void
guardgate_output(struct session *s)
{
	if (s->gate != NULL)
		linegate_output(&s->gate->lg, recorder_now_us());
}

/* The held Enter (or paste) goes to the device, its judgement with it into the command list. */
static void
let_go(struct session *s, struct relaybuf *b, const char *judgement)
{
	struct gate_state *g = s->gate;
	size_t n = g->lg.held_len;

	if (judgement != NULL && *judgement && !g->lg.paste)
		cmdlog_set_guard(s->cmds, judgement);
	linegate_release(&g->lg, recorder_now_us());
	relaybuf_release(b, n);
}

/* The held item never reaches the device: dropped, the device's line emptied, the line listed. */
static void
drop_held(struct session *s, struct relaybuf *b, size_t extra, const char *judgement)
{
	struct gate_state *g = s->gate;

	relaybuf_drop(b, 0, g->lg.held_len + extra);
	if (!g->lg.paste)
		(void)relaybuf_inject(b, CLEAR_LINE, sizeof(CLEAR_LINE) - 1);
	cmdlog_refused(s->cmds, g->held_text, g->held_certain, g->held_us, judgement);
	linegate_dropped(&g->lg, g->lg.paste ? LG_NEXT_AT_ONCE : LG_NEXT_AFTER_ECHO, recorder_now_us());
}

/* The text of a held paste, markers removed, CR as newline: what the guard reads. */
static void
paste_text(const struct relaybuf *b, size_t n, char *out, size_t outlen)
{
	const char *p = b->data + b->off + b->ready;
	size_t from = n >= 12 ? 6 : 0, to = n >= 12 ? n - 6 : n, k = 0;

	for (size_t i = from; i < to && k + 1 < outlen; i++)
		out[k++] = p[i] == '\r' ? '\n' : p[i];
	out[k] = '\0';
}

/*
 * An Enter typed where no command line shows (a password prompt, or a
 * prompt faked to look like one): the typed text is judged all the same,
 * so a fake prompt cannot hide a major operation. Its text is never put
 * in an event or a review (it may be a password; the recording has it,
 * escrowed); a match is refused, not reviewed.
 */
static void
judge_hidden(struct session *s, struct relaybuf *b)
{
	struct gate_state *g = s->gate;
	const char *typed = linegate_typed(&g->lg);
	struct guard_verdict v;
	char detail[400], line[400];

	if (typed == NULL || *typed == '\0' || (judge(s, typed, &v), v.action < GUARD_REVIEW)) {
		let_go(s, b, NULL);
		return;
	}
	snprintf(detail, sizeof(detail), "hidden input (no echo, its text withheld here; the recording has it) matches "
	    "rule %s (%s): refused", v.rule, guard_action_name(v.action));
	session_event(s, "command_refused", v.rule, detail);
	log_info("event=command_refused rule=%s hidden=yes", v.rule);
	snprintf(line, sizeof(line), "refused: input typed without echo matches the major operation rule \"%s\"; "
	    "type commands where the shell shows them", v.rule);
	tell_engineer(s, line);
	relaybuf_drop(b, 0, g->lg.held_len);
	(void)relaybuf_inject(b, "\x15\r", 2);	/* the input is killed; the prompt gets an empty line */
	linegate_dropped(&g->lg, LG_NEXT_AFTER_OUTPUT, recorder_now_us());
}

/* Judge the held line: what the device shows, and what was typed when that is known exactly. */
static void
judge_held(struct session *s, struct relaybuf *b, const char *echo, int certain)
{
	struct gate_state *g = s->gate;
	struct guard_verdict v, vt;
	const char *typed = linegate_typed(&g->lg);
	char text[CMDLOG_GUARD_MAX], judgement[CMDLOG_GUARD_MAX], line[700];
	int64_t id;

	if (g->lg.paste)
		paste_text(b, g->lg.held_len, text, sizeof(text));
	else
		snprintf(text, sizeof(text), "%s", echo);
	judge(s, text, &v);
	/* The strictest of the two: a slow echo or a misread prompt cannot let a typed line through. */
	if (!g->lg.paste && typed != NULL && *typed && strcmp(typed, text) != 0) {
		judge(s, typed, &vt);
		if (vt.action > v.action) {
			v = vt;
			snprintf(text, sizeof(text), "%s", typed);
		}
	}
	/* Listed as the shell showed it; as typed when the echo was not readable (a wrapped line). */
	if (!g->lg.paste && !certain && typed != NULL && *typed)
		echo = typed, certain = 1;
	snprintf(g->held_text, sizeof(g->held_text), "%s", g->lg.paste ? text : echo);
	g->held_certain = g->lg.paste ? 1 : certain;
	g->held_us = recorder_now_us();
	if (!g->lg.paste)
		cmdlog_set_typed(s->cmds, typed);	/* for the entry, if the echo comes back unclear */
	switch (v.action) {
	case GUARD_ALLOW:
		let_go(s, b, NULL);
		return;
	case GUARD_WARN:
		judgement_event(s, "command_flagged", &v, text);
		judgement_text(&v, NULL, judgement, sizeof(judgement));
		let_go(s, b, judgement);
		return;
	case GUARD_DENY:
		judgement_event(s, "command_refused", &v, text);
		judgement_text(&v, "refused", judgement, sizeof(judgement));
		snprintf(line, sizeof(line), "refused: %s", v.reason);
		tell_engineer(s, line);
		drop_held(s, b, 0, judgement);
		return;
	case GUARD_REVIEW:
		break;
	}
	id = mc_review("line", v.rule, text, line, sizeof(line));
	tell_engineer(s, id < 0 ? "refused: the gateway's monitor could not be asked" : line);
	if (id <= 0) {
		judgement_text(&v, "refused", judgement, sizeof(judgement));
		drop_held(s, b, 0, judgement);
		return;
	}
	g->review_id = id;
}

/* A held line waits on its review: Ctrl-C gives up, a decision lets it go or drops it. */
static void
await_review(struct session *s, struct relaybuf *b)
{
	struct gate_state *g = s->gate;
	char summary[600], line[700];
	long ctrl_c = linegate_interrupt_at(&g->lg, (const uint8_t *)b->data + b->off + b->ready, relaybuf_unready(b));
	int approved;

	if (mc_take_decision(g->review_id, &approved, summary, sizeof(summary))) {
		g->review_id = 0;
		tell_engineer(s, summary);
		if (approved) {
			let_go(s, b, summary);
		} else {
			snprintf(line, sizeof(line), "refused: %s", summary);
			drop_held(s, b, 0, summary);
		}
		return;
	}
	if (ctrl_c >= 0) {
		/*
		 * Cancelled: the Enter, what was typed while waiting and the
		 * Ctrl-C itself are dropped and the device's line emptied as for
		 * a refusal. Passing the Ctrl-C on would race the shell's own
		 * signal handling (bash sometimes kept the old line, or drew no
		 * new prompt) and kill a program that reads the line (cat).
		 */
		mc_review_cancel(g->review_id);
		snprintf(summary, sizeof(summary), "review %lld cancelled: the line did not run", (long long)g->review_id);
		g->review_id = 0;
		tell_engineer(s, summary);
		drop_held(s, b, (size_t)ctrl_c + 1 - g->lg.held_len, summary);
	}
}

void
guardgate_step(struct session *s, struct relaybuf *b)
{
	struct gate_state *g = s->gate;
	uint64_t now = recorder_now_us();
	char echo[CMDLOG_GUARD_MAX];
	int certain;

	if (g == NULL || s->cmds == NULL)
		return;
	if (g->lg.state == LG_AFTER_ENTER && b->ready == 0)
		linegate_echo_seen(&g->lg, cmdlog_enter_pending(s->cmds), now);
	if (g->lg.state != LG_HELD || b->ready > 0)
		return;	/* what goes before the held item must be out (and echoed) first */
	if (g->review_id != 0) {
		await_review(s, b);
		return;
	}
	if (g->lg.hidden) {
		judge_hidden(s, b);
		return;
	}
	certain = cmdlog_current_command(s->cmds, echo, sizeof(echo));
	if (g->lg.paste || linegate_settled(&g->lg, echo, now))
		judge_held(s, b, echo, certain);
}

int
guardgate_wait_ms(const struct session *s)
{
	const struct gate_state *g = s->gate;

	if (g == NULL)
		return -1;
	if (g->review_id != 0)
		return 1000;	/* decisions come with the monitor's frames; Ctrl-C with the engineer's */
	return g->lg.state == LG_HELD || g->lg.state == LG_AFTER_ENTER ? 50 : -1;
}
