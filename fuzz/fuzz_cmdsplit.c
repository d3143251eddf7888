/*
 * libFuzzer target: the command guard's reader of shell lines
 * (policy/cmdsplit.c). Every line the engineer submits reaches it. No
 * crash, no leak, no read past the line; every command it names has a
 * program and an argument string, at most CMDSPLIT_MAX_CMDS of them.
 */
#include <stdint.h>
#include <stdlib.h>

#include "cmdsplit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cmd_split s;

	if (cmdsplit((const char *)data, size, &s) != 0)
		return 0;	/* out of memory */
	if (s.n > CMDSPLIT_MAX_CMDS)
		abort();
	for (size_t i = 0; i < s.n; i++)
		if (s.cmds[i].program == NULL || s.cmds[i].args == NULL)
			abort();
	cmdsplit_free(&s);
	return 0;
}
