/*
 * Watching a running session in the console: the output (stdout and
 * stderr records) of a recording from a byte offset on, the chain checked
 * from the start on every read, so nothing shown was altered on disk.
 */
#ifndef REMGATE_CONSLIVE_H
#define REMGATE_CONSLIVE_H

#include <stddef.h>
#include <stdint.h>

#include "recfile.h"

#define CONSLIVE_MAX_CHUNK (1u << 20)	/* output bytes per answer; the browser asks again */

struct conslive {
	struct recbuf out;	/* the output bytes of records at or after from */
	uint64_t next;		/* ask again from here */
	int sealed;		/* the seal was read: nothing more will come */
	int damaged;		/* the chain broke: nothing after the break is shown */
};

/* Read file[0..len) from offset from. 0, or -1 (not a recording, or no memory). */
int conslive_read(const uint8_t *file, size_t len, uint64_t from, struct conslive *out);

#endif
