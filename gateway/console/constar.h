/*
 * A report bundle as one download: the bundle directory's regular files
 * as a POSIX ustar archive, streamed (a bundle may carry a 1 GiB
 * recording). `tar xf` unpacks it; `remgatectl verify DIR` checks it.
 */
#ifndef REMGATE_CONSTAR_H
#define REMGATE_CONSTAR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct constar;

/* The archive of dir's regular files (sorted by name), under prefix/. NULL, said in err. */
struct constar *constar_open(const char *dir, const char *prefix, char *err, size_t errlen);
/* Its exact size in bytes. */
uint64_t constar_size(const struct constar *t);
/* Up to max bytes at pos (reads are sequential): the count, 0 at the end, -1 on an error (a file changed). */
ssize_t constar_read(struct constar *t, uint64_t pos, char *buf, size_t max);
void constar_close(struct constar *t);

#endif
