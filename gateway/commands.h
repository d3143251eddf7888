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
	const char *engineer;	/* from the session, for searches */
	const char *target;
};

int commands_add(struct store *st, const char *sid, int seq, const struct cmd_entry *e);

/* One session's commands in order, or (sid NULL) those whose text contains needle. */
int commands_list(struct store *st, const char *sid, int (*cb)(const struct command_row *, void *), void *arg);
int commands_search(struct store *st, const char *needle, int (*cb)(const struct command_row *, void *), void *arg);

#endif
