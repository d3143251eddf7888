/* File operations relayed over sftp and scp, in the store (004_transfers.sql). */
#ifndef REMGATE_TRANSFERS_H
#define REMGATE_TRANSFERS_H
#include <stdint.h>
#include "store.h"

struct transfer_row {
	int64_t id;
	const char *session_id;
	int64_t ts_us;
	const char *protocol;	/* sftp | scp */
	const char *op;
	const char *path, *path2, *flags;
	int64_t bytes_read, bytes_written;	/* -1: not applicable */
	const char *sha256;
	const char *status;
	int by_gateway;
	const char *message;
	const char *engineer, *target;	/* from the session, when listing */
};

/*
 * The one-line account of an operation, as the command list, the events and
 * the log show it: "sftp close /tmp/x (write,create,truncate), 1048576 bytes
 * written, sha256 ab12...: OK". Whole paths, however long (up to 256 KiB of
 * text, then cut with "..."); malloc'd, NULL on no memory.
 */
char *transfers_text(const struct transfer_row *t);

#endif
