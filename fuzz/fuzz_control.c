/*
 * libFuzzer target: the control socket's request parser (control.c). Its
 * peers are root or the daemon's own user, but a parser is a parser: any
 * line is split into at most a verb and four fields, each free of control
 * characters, or refused. No crash, no read past the line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct control_req req;
	size_t n = size < CONTROL_MAX_LINE ? size : CONTROL_MAX_LINE;

	memset(&req, 0, sizeof(req));
	memcpy(req.line, data, n);
	req.line[n] = '\0';
	if (control_parse(&req) == 0) {
		if (req.nargs < 0 || req.nargs > CONTROL_MAX_FIELDS || !control_field_ok(req.verb))
			abort();
		for (int i = 0; i < req.nargs; i++)
			if (req.arg[i] == NULL || !control_field_ok(req.arg[i]))
				abort();
	}
	return 0;
}
