/*
 * The command guard's reader of a shell line (issue 12): split a line as
 * the engineer submitted it into simple commands and name each one's
 * program, the way a reviewer would read it. Separators ; && || | & and
 * newlines, subshells and groups, $(...) and backticks each start a
 * command; quotes and backslashes are removed (r\eboot is reboot); leading
 * assignments and wrappers (sudo and its options, env, nohup, timeout N,
 * nice, exec, command, busybox, doas, time, stdbuf, ionice, chroot DIR) are
 * stripped; the program is matched by basename (/sbin/reboot is reboot).
 *
 * A line it cannot judge is marked unparsed with the reason: eval, a shell
 * given a script (sh -c, bash -c), a shell reading its script from a pipe,
 * source or '.', here-documents, process substitution, a program named by
 * a variable or a glob, unbalanced quotes or parentheses. The policy's
 * on_unparsed decides those.
 */
#ifndef REMGATE_CMDSPLIT_H
#define REMGATE_CMDSPLIT_H

#include <stddef.h>

#define CMDSPLIT_MAX_LINE (64 * 1024)
#define CMDSPLIT_MAX_CMDS 256

struct simple_cmd {
	char *program;		/* basename, unquoted */
	char *args;		/* the rest, unquoted words joined by single spaces ("" if none) */
};

struct cmd_split {
	struct simple_cmd *cmds;
	size_t n;
	const char *unparsed;	/* why the line cannot be judged, or NULL */
};

/*
 * 0, or -1 out of memory. A line it cannot judge is 0 with unparsed set.
 * Commands are listed in the order they start: a substitution's before the
 * command that uses its output.
 */
int cmdsplit(const char *line, size_t len, struct cmd_split *out);
void cmdsplit_free(struct cmd_split *s);

#endif
