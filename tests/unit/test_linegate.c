/*
 * linegate.c: which typed bytes may go to the device before the guard has
 * judged the line. An Enter stops everything behind it; a paste in one
 * packet is judged line by line; a bracketed paste is held whole; the
 * echo must show what was typed before the line is judged.
 */
#include <string.h>

#include "linegate.h"
#include "tap.h"

#define S(x) (const uint8_t *)(x), strlen(x)

int
main(void)
{
	struct linegate g;
	const char *three = "echo p1\recho p2\recho p3\r";
	size_t n;

	linegate_init(&g);
	ok(linegate_scan(&g, S("ls -l"), 1) == 5 && g.state == LG_OPEN, "plain typing goes at once");
	ok(linegate_scan(&g, S("\r"), 2) == 0 && g.state == LG_HELD && g.held_len == 1, "the Enter is held");
	is_str(linegate_typed(&g), "ls -l", "what was typed is known");
	ok(!linegate_settled(&g, "ls -", 3), "an echo that lags is not settled");
	ok(linegate_settled(&g, "ls -l", 3), "the echo shows all that was typed: settled");
	linegate_release(&g, 4);
	ok(g.state == LG_AFTER_ENTER, "after the Enter, bytes wait for its echo");
	ok(linegate_scan(&g, S("next"), 5) == 0, "type-ahead waits");
	linegate_echo_seen(&g, 1, 6);
	ok(g.state == LG_AFTER_ENTER, "the echo is still pending");
	linegate_echo_seen(&g, 0, 7);
	ok(g.state == LG_OPEN, "the echo came: typing goes on");
	linegate_init(&g);
	linegate_release(&g, 1);
	linegate_echo_seen(&g, 1, 1);
	g.state = LG_AFTER_ENTER;
	g.entered_us = 0;
	linegate_echo_seen(&g, 1, LINEGATE_ECHO_WAIT_US);
	ok(g.state == LG_OPEN, "an echo that never comes is waited for only so long");

	/* Three lines in one packet: the first line goes, its Enter is held, the rest waits. */
	linegate_init(&g);
	n = linegate_scan(&g, S(three), 10);
	ok(n == 7 && g.state == LG_HELD, "a paste in one packet stops at its first Enter");
	is_str(linegate_typed(&g), "echo p1", "the first line alone");
	linegate_release(&g, 11);
	linegate_echo_seen(&g, 0, 12);
	n = linegate_scan(&g, S(three + 8), 13);
	ok(n == 7 && g.state == LG_HELD, "then the second line, on its own");
	is_str(linegate_typed(&g), "echo p2", "the second line as typed");

	/* Editing keys: erase, kill, word, Ctrl-C. */
	linegate_init(&g);
	linegate_scan(&g, S("rebooX\x7ft"), 1);
	is_str(linegate_typed(&g), "reboot", "backspace erases");
	linegate_scan(&g, S("\x15" "ls"), 1);
	is_str(linegate_typed(&g), "ls", "^U kills the line");
	linegate_scan(&g, S(" -l /tmp\x17"), 1);
	is_str(linegate_typed(&g), "ls -l ", "^W erases a word");
	linegate_scan(&g, S("\x1b[A"), 1);
	ok(linegate_typed(&g) == NULL, "a history key: only the echo can tell");
	linegate_scan(&g, S("\r"), 100);
	ok(!linegate_settled(&g, "sudo reboot", 100 + LINEGATE_QUIET_US), "edited: no answer from the device yet");
	linegate_output(&g, 200);
	ok(!linegate_settled(&g, "sudo reboot", 200 + LINEGATE_QUIET_US / 2), "edited: the device is still talking");
	ok(linegate_settled(&g, "sudo reboot", 200 + LINEGATE_QUIET_US), "edited: quiet after the answer");
	ok(linegate_settled(&g, "", 100 + LINEGATE_SETTLE_MAX_US), "judged after the longest wait whatever the echo");

	/* A Ctrl-C typed while a line waits. */
	linegate_init(&g);
	linegate_scan(&g, S("x\r"), 1);
	ok(linegate_interrupt_at(&g, S("\rabc\x03z")) == 4, "Ctrl-C after the held Enter is found");
	ok(linegate_interrupt_at(&g, S("\rabc")) == -1, "none typed");
	linegate_dropped(&g, LG_NEXT_AFTER_OUTPUT, 5);
	ok(g.state == LG_AFTER_ENTER && g.unjudged, "after a cancel: wait for the device's answer");
	linegate_output(&g, 6);
	linegate_echo_seen(&g, 0, 6);
	ok(g.state == LG_OPEN, "it answered");

	/* Bracketed paste: held whole until its end marker, whatever comes before it goes first. */
	linegate_init(&g);
	ok(linegate_scan(&g, S("ab\x1b[200~reboot\r"), 1) == 2, "bytes before a paste go first");
	ok(linegate_scan(&g, S("\x1b[200~reboot\r"), 1) == 0 && g.state == LG_OPEN, "an unfinished paste waits");
	ok(linegate_scan(&g, S("\x1b[20"), 1) == 0, "half a paste marker waits");
	ok(linegate_scan(&g, S("\x1b[200~reboot\rls\x1b[201~z"), 1) == 0 && g.state == LG_HELD && g.paste &&
	    g.held_len == strlen("\x1b[200~reboot\rls\x1b[201~"), "a whole paste is held as one item, Enters and all");
	linegate_release(&g, 2);
	ok(g.state == LG_OPEN && linegate_typed(&g) == NULL, "released: its text is in the editor, the echo decides");
	ok(linegate_scan(&g, S("\x1b[A"), 3) == 3, "other escape sequences go as typed");

	/* Where no command line is typed (a password): up to the Enter, then wait for the device. */
	linegate_init(&g);
	ok(linegate_scan_unjudged(&g, S("secret\rreboot\r"), 1) == 6 && g.state == LG_HELD && g.hidden,
	    "hidden input goes at once, its Enter is held");
	ok(linegate_settled(&g, "", 1), "no echo to wait for");
	is_str(linegate_typed(&g), "secret", "what was typed is known (a faked prompt cannot hide a command)");
	linegate_release(&g, 1);
	ok(g.state == LG_AFTER_ENTER && g.unjudged, "let go: what follows waits for the device");
	linegate_echo_seen(&g, 0, 2);
	ok(g.state == LG_AFTER_ENTER, "not before the device answered");
	linegate_echo_seen(&g, 0, 1 + LINEGATE_UNJUDGED_WAIT_US);
	ok(g.state == LG_OPEN, "or a short while passed");
	return done();
}
