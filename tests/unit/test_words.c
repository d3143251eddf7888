/* words.c: an SSH command line split as a shell would, without expansion. */
#include <stdio.h>
#include <string.h>

#include "strbuf.h"
#include "words.h"
#include "tap.h"

static const char *
joined(const char *in)
{
	static char out[512];
	char buf[512], *argv[WORDS_MAX];
	const char *err;
	int n = words_split(in, buf, sizeof(buf), argv, WORDS_MAX, &err);

	if (n < 0) {
		snprintf(out, sizeof(out), "ERR %s", err);
		return out;
	}
	{
		struct strbuf b;

		strbuf_init_fixed(&b, out, sizeof(out));
		for (int i = 0; i < n; i++)
			strbuf_addf(&b, "[%s]", argv[i]);
	}
	return out;
}

int
main(void)
{
	char buf[8], *argv[2];
	const char *err;

	is_str(joined("request --target router1"), "[request][--target][router1]", "blanks separate words");
	is_str(joined("  a\t b \n"), "[a][b]", "leading, trailing and mixed blanks");
	is_str(joined(""), "", "nothing");
	is_str(joined("--reason 'link down'"), "[--reason][link down]", "single quotes keep blanks");
	is_str(joined("--reason \"it's \\\"down\\\" \\$x\""), "[--reason][it's \"down\" $x]", "double quotes and their escapes");
	is_str(joined("\"a\\b\""), "[a\\b]", "other backslashes in double quotes stay");
	is_str(joined("a\\ b c"), "[a b][c]", "a backslash outside quotes takes the next byte");
	is_str(joined("pre'mid dle'\"post\""), "[premid dlepost]", "quoted parts join their word");
	is_str(joined("''"), "[]", "an empty quoted word is a word");
	is_str(joined("$(reboot) `id` ~ *"), "[$(reboot)][`id`][~][*]", "nothing is expanded");
	is_str(joined("'open"), "ERR a ' is not closed", "unbalanced single quote");
	is_str(joined("\"open"), "ERR a \" is not closed", "unbalanced double quote");
	is_str(joined("end\\"), "ERR a \\ ends the command", "trailing backslash");
	ok(words_split("a b c", buf, sizeof(buf), argv, 2, &err) == -1 && strcmp(err, "too many words") == 0,
	    "too many words");
	ok(words_split("abcdefghijk", buf, sizeof(buf), argv, 2, &err) == -1, "no room");
	return done();
}
