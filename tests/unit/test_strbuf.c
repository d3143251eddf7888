/* strbuf.c: bounded appends never overrun, cut text is marked, escaping is total. */
#include <stdint.h>

#include "strbuf.h"
#include "tap.h"
#include "transfers.h"

static void
test_fixed(void)
{
	char guard_before[8] = "GUARD01", buf[16], guard_after[8] = "GUARD02";
	struct strbuf b;
	char big[5000];

	strbuf_init_fixed(&b, buf, sizeof(buf));
	strbuf_adds(&b, "sftp ");
	strbuf_addf(&b, "%s %d", "rename", 42);
	is_str(strbuf_str(&b), "sftp rename 42", "fixed: appends in order");
	ok(!b.cut, "fixed: nothing cut yet");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (int i = 0; i < 10; i++)
		strbuf_addf(&b, " %s", big);	/* the shape that smashed the stack */
	is_int(b.len, sizeof(buf) - 1, "fixed: filled to the last byte, no further");
	ok(b.cut, "fixed: the cut is marked");
	is_int(strlen(buf), sizeof(buf) - 1, "fixed: still NUL-terminated");
	is_str(guard_before, "GUARD01", "fixed: the bytes before are untouched");
	is_str(guard_after, "GUARD02", "fixed: the bytes after are untouched");
}

static void
test_heap(void)
{
	struct strbuf b;
	char path[4097];

	strbuf_init_heap(&b, 10000);
	is_str(strbuf_str(&b), "", "heap: empty reads as \"\"");
	memset(path, 'p', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	strbuf_addf(&b, "%s %s", path, path);
	is_int(b.len, 2 * 4096 + 1, "heap: two 4096-byte paths kept whole");
	strbuf_adds(&b, path);
	is_int(b.len, 10000, "heap: stops at its limit");
	ok(b.cut, "heap: the cut is marked");
	strbuf_free(&b);
	strbuf_free(&b);	/* twice is harmless */
}

static void
test_vis(void)
{
	char buf[200];
	struct strbuf b;
	char *d;

	strbuf_init_fixed(&b, buf, sizeof(buf));
	strbuf_add_vis(&b, "a\nb\r\x1b[2J\"q\\\x7f", 12, 1);
	is_str(buf, "a\\nb\\r\\e[2J\\\"q\\\\\\x7f", "vis: newline, CR, ESC, quote, backslash, DEL");
	d = strbuf_vis_dup("caf\xc3\xa9 \xe4\xbd\xa0\xe5\xa5\xbd");
	is_str(d, "caf\xc3\xa9 \xe4\xbd\xa0\xe5\xa5\xbd", "vis: valid UTF-8 passes");
	free(d);
	d = strbuf_vis_dup("\xc2\x9b" "31m \xff \xc3");
	is_str(d, "\\xc2\\x9b31m \\xff \\xc3", "vis: C1 CSI, a stray byte and a cut sequence are escaped");
	free(d);
	d = strbuf_vis_dup_lines("step 1\n\x1b[2Jstep 2\n", '\n');
	is_str(d, "step 1\n\\e[2Jstep 2\n", "vis lines: newlines kept, ESC escaped");
	free(d);
	d = strbuf_vis_dup_lines("a\nb", ' ');
	is_str(d, "a b", "vis lines: newlines folded to a space");
	free(d);
	d = strbuf_vis_dup("\xed\xa0\x80");
	is_str(d, "\\xed\\xa0\\x80", "vis: a UTF-16 surrogate is no character");
	free(d);
}

static void
test_transfer_text(void)
{
	static char p1[4097], p2[4097];
	struct transfer_row t = { .protocol = "sftp", .op = "rename", .path = p1, .path2 = p2, .status = "OK",
		.bytes_read = -1, .bytes_written = -1 };
	char *text;

	memset(p1, 'd', sizeof(p1) - 1);
	memset(p2, 'e', sizeof(p2) - 1);
	text = transfers_text(&t);
	ok(text != NULL, "transfer text: built for two 4096-byte paths");
	is_int(strlen(text), strlen("sftp rename ") + 4096 + 1 + 4096 + strlen(": OK"), "transfer text: both paths whole");
	free(text);
	t.path = NULL;
	t.path2 = NULL;
	t.op = "close";
	t.flags = "write,create,truncate";
	t.bytes_written = 3000000;
	t.sha256 = "6979";
	text = transfers_text(&t);
	is_str(text, "sftp close ? (write,create,truncate), 3000000 bytes written, sha256 6979: OK",
	    "transfer text: the close line");
	free(text);
}

int
main(void)
{
	test_fixed();
	test_heap();
	test_vis();
	test_transfer_text();
	return done();
}
