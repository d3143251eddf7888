/*
 * The two ends of a relayed channel, the engineer's and the device's, as
 * states rather than flags (after OpenSSH's nchan.c): what the peer told
 * us (in) and what we told the peer (out) each only move forward, OPEN ->
 * EOF -> CLOSED, through one function that logs the step. The relay asks
 * these questions; the two bugs that left sessions open for ever came from
 * flag combinations no branch covered.
 */
#ifndef REMGATE_CHANEND_H
#define REMGATE_CHANEND_H

enum chan_state { CHAN_OPEN = 0, CHAN_EOF, CHAN_CLOSED };

struct chan_end {
	const char *side;	/* "engineer" or "device", for the log */
	enum chan_state in;	/* the peer sent EOF / CLOSE */
	enum chan_state out;	/* we sent EOF / CLOSE */
};

const char *chan_state_name(enum chan_state st);

/* Move forward to st (CLOSED implies EOF); a step backwards is ignored and logged. */
void chan_set_in(struct chan_end *c, enum chan_state st);
void chan_set_out(struct chan_end *c, enum chan_state st);

static inline int chan_in_eof(const struct chan_end *c) { return c->in >= CHAN_EOF; }
static inline int chan_in_closed(const struct chan_end *c) { return c->in == CHAN_CLOSED; }
static inline int chan_out_eof(const struct chan_end *c) { return c->out >= CHAN_EOF; }
static inline int chan_out_closed(const struct chan_end *c) { return c->out == CHAN_CLOSED; }

#endif
