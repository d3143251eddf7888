/*
 * A command line as an SSH client sends it ("request --reason 'link down'")
 * split into words the way a POSIX shell would split them, without any
 * expansion: blanks separate words; '...' is literal; "..." keeps blanks
 * and honours \" \\ \$ \`; a backslash outside quotes takes the next byte.
 * For the gateway's own commands (engcmd.c), never for a device's.
 */
#ifndef REMGATE_WORDS_H
#define REMGATE_WORDS_H

#include <stddef.h>

#define WORDS_MAX 64

/*
 * Split in into at most max words, their text in buf (buflen >= strlen(in)
 * + 1 is always enough). Returns the count, or -1 with why in *err: an
 * unbalanced quote, a trailing backslash, too many words, no room.
 */
int words_split(const char *in, char *buf, size_t buflen, char **argv, int max, const char **err);

#endif
