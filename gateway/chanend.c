/* Channel end states (chanend.h): forward-only transitions, each logged. */
#include "chanend.h"

#include "log.h"

const char *
chan_state_name(enum chan_state st)
{
	switch (st) {
	case CHAN_OPEN: return "open";
	case CHAN_EOF: return "eof";
	case CHAN_CLOSED: return "closed";
	}
	return "?";
}

static void
step(const struct chan_end *c, const char *dir, enum chan_state *cur, enum chan_state st)
{
	if (st < *cur) {
		log_warn("event=channel_state_backwards side=%s dir=%s from=%s to=%s", c->side, dir,
		    chan_state_name(*cur), chan_state_name(st));
		return;
	}
	if (st == *cur)
		return;
	log_debug("event=channel_state side=%s dir=%s from=%s to=%s", c->side, dir, chan_state_name(*cur),
	    chan_state_name(st));
	*cur = st;
}

void
chan_set_in(struct chan_end *c, enum chan_state st)
{
	step(c, "in", &c->in, st);
}

void
chan_set_out(struct chan_end *c, enum chan_state st)
{
	step(c, "out", &c->out, st);
}
