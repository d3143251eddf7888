/* The command list in the store: what each session's engineer ran. */
#ifndef REMGATE_COMMANDS_H
#define REMGATE_COMMANDS_H

#include <stdint.h>

#include "cmdlog.h"
#include "store.h"

struct command_row {
	const char *session_id;
	int seq;
	int64_t ts_us;
	const char *kind;
	const char *text;
	int certain;
	const char *guard;	/* the command guard's judgement, or NULL */
	const char *engineer;	/* from the session, for searches */
	const char *target;
};



#endif
