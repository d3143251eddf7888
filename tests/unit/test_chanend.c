/* chanend.c: channel end states only move forward, and CLOSED implies EOF. */
#include "chanend.h"
#include "tap.h"

int
main(void)
{
	struct chan_end c = { .side = "engineer" };

	ok(!chan_in_eof(&c) && !chan_in_closed(&c) && !chan_out_eof(&c) && !chan_out_closed(&c), "starts open");
	chan_set_in(&c, CHAN_EOF);
	ok(chan_in_eof(&c) && !chan_in_closed(&c), "EOF in");
	chan_set_in(&c, CHAN_CLOSED);
	ok(chan_in_eof(&c) && chan_in_closed(&c), "CLOSE in: also past EOF");
	chan_set_in(&c, CHAN_EOF);
	ok(chan_in_closed(&c), "a step back is ignored");
	chan_set_out(&c, CHAN_CLOSED);
	ok(chan_out_eof(&c) && chan_out_closed(&c), "CLOSE out without EOF first: closed counts as past EOF");
	chan_set_out(&c, CHAN_OPEN);
	ok(chan_out_closed(&c), "never reopened");
	is_str(chan_state_name(CHAN_EOF), "eof", "state names");
	return done();
}
