/*
 * The hand-over between two SSH channels, one per direction and stream,
 * with memory bounded whatever the speeds of the two sides.
 *
 * libssh 0.10 keeps received data that a data callback leaves unconsumed
 * and stops granting window while that backlog is large, which bounds it;
 * but reading the backlog with ssh_channel_read() re-grants a full window
 * however much is still buffered. So a backlog is only ever read whole
 * (into this buffer), never piecemeal, and the callback takes at most
 * RELAYBUF_INTAKE bytes beyond what the destination's window accepts.
 * Worst case per direction: RELAYBUF_INTAKE + about two libssh windows.
 *
 * libssh may run callbacks from inside a write (it flushes, and so reads
 * packets) or a read, so a callback can reach a buffer that is in the
 * middle of being written from; "busy" makes it leave the bytes in libssh.
 */
#ifndef REMGATE_RELAYBUF_H
#define REMGATE_RELAYBUF_H

#include <stddef.h>
#include <stdint.h>

#include <libssh/libssh.h>

#define RELAYBUF_INTAKE (256 * 1024)

struct relaybuf {
	char *data;
	size_t off, len, cap;	/* bytes [off, off + len) are buffered */
	size_t ready;		/* of which the first ready may go out (all, unless filtered) */
	int held;		/* libssh still holds bytes we have not taken */
	int busy;		/* inside a libssh read or write of ours */
	int is_stderr;		/* extended data on both sides */
	int64_t moved;		/* bytes written to the destination */
	/* Told of every byte as it is handed to the destination (the recorder). */
	void (*tap)(void *arg, struct relaybuf *b, const void *data, size_t len);
	void *tap_arg;
	/*
	 * A protocol filter (SFTP): called after bytes arrive, it looks at the
	 * bytes after the ready ones, may drop whole messages there
	 * (relaybuf_drop) and returns how many more bytes are ready, or -1 if
	 * the stream is malformed (then nothing more is taken or released).
	 */
	long (*filter)(void *arg, struct relaybuf *b, const char *data, size_t len);
	void *filter_arg;
	int broken;		/* the filter found the stream malformed */
};

/*
 * From a data callback: take what dst's window accepts plus a bounded
 * amount more, write what the window allows, and return the bytes taken.
 */
uint32_t relaybuf_intake(struct relaybuf *b, ssh_channel dst, const void *data, uint32_t len);

/*
 * From the poll loop: write what the window takes, then take a backlog
 * that libssh holds for src (whole) once this buffer is empty.
 * Returns -1 if writing to dst failed.
 */
int relaybuf_pump(struct relaybuf *b, ssh_channel src, ssh_channel dst);

/* From a filter: remove n bytes at offset at (from the first not-ready byte). */
void relaybuf_drop(struct relaybuf *b, size_t at, size_t n);

/* Put len bytes of our own out next, after the ready ones (a filter's answer). 0 or -1. */
int relaybuf_inject(struct relaybuf *b, const void *data, size_t len);

/* Let n more of the held-back bytes go (a filter's later decision). */
void relaybuf_release(struct relaybuf *b, size_t n);

/* Bytes held back by the filter (an incomplete message). */
size_t relaybuf_unready(const struct relaybuf *b);

/* Nothing waiting here or in libssh: EOF and close may follow. */
int relaybuf_empty(const struct relaybuf *b);

void relaybuf_free(struct relaybuf *b);

#endif
