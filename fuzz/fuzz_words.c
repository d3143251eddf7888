/*
 * libFuzzer target: the splitter of gateway commands an engineer or an
 * administrator sends over SSH (gateway/words.c). No crash, no write past
 * the buffer, every word inside it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "words.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = malloc(size + 1), *buf = malloc(size + 1), *argv[WORDS_MAX];
	const char *err;
	int n;

	if (in == NULL || buf == NULL) {
		free(in);
		free(buf);
		return 0;
	}
	memcpy(in, data, size);
	in[size] = '\0';
	n = words_split(in, buf, size + 1, argv, WORDS_MAX, &err);
	for (int i = 0; i < n; i++)
		if (argv[i] < buf || argv[i] + strlen(argv[i]) >= buf + size + 1)
			abort();
	if (n < 0 && err == NULL)
		abort();
	free(in);
	free(buf);
	return 0;
}
