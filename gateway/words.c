/* Shell-like word splitting without expansion (words.h). */
#include "words.h"

#include <string.h>

int
words_split(const char *in, char *buf, size_t buflen, char **argv, int max, const char **err)
{
	size_t o = 0;
	int n = 0;
	const char *p = in;

	*err = NULL;
	if (buflen < strlen(in) + 1) {
		*err = "the command is too long";
		return -1;
	}
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (*p == '\0')
			return n;
		if (n == max) {
			*err = "too many words";
			return -1;
		}
		argv[n++] = buf + o;
		while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\n') {
			if (*p == '\'') {
				const char *end = strchr(p + 1, '\'');

				if (end == NULL) {
					*err = "a ' is not closed";
					return -1;
				}
				memcpy(buf + o, p + 1, (size_t)(end - p - 1));
				o += (size_t)(end - p - 1);
				p = end + 1;
			} else if (*p == '"') {
				for (p++; *p != '"'; p++) {
					if (*p == '\0') {
						*err = "a \" is not closed";
						return -1;
					}
					if (*p == '\\' && strchr("\"\\$`", p[1]) != NULL && p[1] != '\0')
						p++;
					buf[o++] = *p;
				}
				p++;
			} else if (*p == '\\') {
				if (p[1] == '\0') {
					*err = "a \\ ends the command";
					return -1;
				}
				buf[o++] = p[1];
				p += 2;
			} else {
				buf[o++] = *p++;
			}
		}
		buf[o++] = '\0';
	}
}
