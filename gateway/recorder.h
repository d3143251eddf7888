/*
 * The session recorder: appends hash-chained records (recfile.h) to
 * state_dir/recordings/SESSION.rgrec as the session happens. Records are
 * written to the file within 20 ms (or at 256 KiB) and synced to disk every
 * flush interval; on close the chain head is sealed with the signing key.
 * Any write failure is sticky: the session must then end.
 */
#ifndef REMGATE_RECORDER_H
#define REMGATE_RECORDER_H

#include <stddef.h>
#include <stdint.h>

#include "recfile.h"
#include "sigkey.h"

struct recorder;

/* Create the file and write and sync its header (JSON). 0, or -1 with err. */
int recorder_open(const char *dir, const char *sid, const char *header_json, const struct sigkey *key,
    int flush_ms, struct recorder **out, char *err, size_t errlen);

/* Buffer a record (split if large). -1 once the recorder has failed. */
int recorder_add(struct recorder *r, uint8_t type, const void *data, size_t len);

/* Write buffered records; sync if the flush interval has passed. -1 on failure. */
int recorder_tick(struct recorder *r);

/* Milliseconds until the next tick is due, or -1 if nothing is waiting. */
int recorder_due_ms(const struct recorder *r);

/* Why it failed ("No space left on device"), or NULL. */
const char *recorder_error(const struct recorder *r);

const char *recorder_path(const struct recorder *r);
uint32_t recorder_count(const struct recorder *r);

/*
 * Seal and close: a seal record over the chain so far, written and synced.
 * head/count receive what was sealed. 0 or -1.
 */
int recorder_seal(struct recorder *r, uint8_t head[RECFILE_HASH_LEN], uint32_t *count);

/* Close and delete: for a session that never opened (the target refused). */
void recorder_discard(struct recorder *r);

/* Free (closing the file unsealed if it was not sealed). */
void recorder_free(struct recorder *r);

/* Microseconds since the epoch, the recordings' clock. */
uint64_t recorder_now_us(void);

#endif
