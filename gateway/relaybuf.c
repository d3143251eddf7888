/* Bounded hand-over of channel data; see relaybuf.h for the window rules. */
#include "relaybuf.h"

#include <stdlib.h>
#include <string.h>

/*
 * Room for extra more bytes after the pending ones. Pending bytes are only
 * moved to the front when the end is full, so a large backlog drained a
 * packet at a time is not copied over and over.
 */
static int
reserve(struct relaybuf *b, size_t extra)
{
	size_t need = b->len + extra, cap;
	char *p;

	if (b->off + b->len + extra <= b->cap)
		return 0;
	if (b->off > 0) {
		memmove(b->data, b->data + b->off, b->len);
		b->off = 0;
	}
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 32768;
	while (cap < need)
		cap *= 2;
	if ((p = realloc(b->data, cap)) == NULL)
		return -1;
	b->data = p;
	b->cap = cap;
	return 0;
}

static int
write_some(struct relaybuf *b, ssh_channel dst, const char *data, uint32_t len)
{
	uint32_t room = ssh_channel_window_size(dst);
	int n;

	if (room == 0 || len == 0)
		return 0;
	if (len > room)
		len = room;
	n = b->is_stderr ? ssh_channel_write_stderr(dst, data, len) : ssh_channel_write(dst, data, len);
	if (n < 0)
		return -1;
	b->moved += n;
	if (n > 0 && b->tap != NULL)
		b->tap(b->tap_arg, b, data, (size_t)n);
	return n;
}

/* New bytes arrived at the end: let the filter say how many may go out. */
static void
arrived(struct relaybuf *b)
{
	long more;

	if (b->filter == NULL) {
		b->ready = b->len;
		return;
	}
	if (b->broken)
		return;
	more = b->filter(b->filter_arg, b, b->data + b->off + b->ready, b->len - b->ready);
	if (more < 0)
		b->broken = 1;
	else
		b->ready += (size_t)more;
}

static int
flush(struct relaybuf *b, ssh_channel dst)
{
	int r = 0;

	b->busy = 1;
	while (b->ready > 0) {
		int n = write_some(b, dst, b->data + b->off, (uint32_t)b->ready);

		if (n < 0) {
			r = -1;
			break;
		}
		if (n == 0)
			break;
		b->off += (size_t)n;
		b->len -= (size_t)n;
		b->ready -= (size_t)n;
	}
	if (b->len == 0)
		b->off = 0;
	b->busy = 0;
	return r;
}

uint32_t
relaybuf_intake(struct relaybuf *b, ssh_channel dst, const void *data, uint32_t len)
{
	size_t limit = (size_t)ssh_channel_window_size(dst) + RELAYBUF_INTAKE;
	uint32_t take;

	if (b->busy || b->broken) {
		b->held = !b->broken;	/* reentered from our own read or write: later */
		return b->broken ? len : 0;	/* a broken stream: nothing more goes anywhere */
	}
	/*
	 * Copy before writing: a write may run callbacks that move libssh's
	 * buffer, and with it the bytes data points at.
	 */
	take = b->len >= limit ? 0 : (uint32_t)(limit - b->len < len ? limit - b->len : len);
	if (take > 0 && reserve(b, take) == 0) {
		memcpy(b->data + b->off + b->len, data, take);
		b->len += take;
		arrived(b);
	} else {
		take = 0;
	}
	b->held = take < len;
	flush(b, dst);
	return take;
}

int
relaybuf_pump(struct relaybuf *b, ssh_channel src, ssh_channel dst)
{
	int avail, n;

	/* A filter may have held a message back until it could answer it. */
	if (b->filter != NULL && b->len > b->ready && !b->busy)
		arrived(b);
	if (flush(b, dst) != 0)
		return -1;
	/*
	 * Only what the filter holds back (an incomplete message, whose rest
	 * is in that backlog) may still be here; anything ready goes first.
	 */
	if (!b->held || b->ready > 0 || b->broken)
		return 0;
	/* With bytes buffered, polling only counts them; it reads no packets. */
	avail = ssh_channel_poll(src, b->is_stderr);
	if (avail <= 0) {
		b->held = 0;
		return 0;
	}
	if (b->ready > 0)
		return 0;	/* a callback ran inside the poll and took its share */
	if (reserve(b, (size_t)avail) != 0)
		return 0;	/* try again next round */
	b->busy = 1;
	n = ssh_channel_read_nonblocking(src, b->data + b->off + b->len, (uint32_t)avail, b->is_stderr);
	b->busy = 0;
	if (n > 0) {
		b->len += (size_t)n;
		arrived(b);
		b->held = 1;	/* the next round's poll says whether more came */
	} else {
		b->held = 0;
	}
	return flush(b, dst);
}

void
relaybuf_drop(struct relaybuf *b, size_t at, size_t n)
{
	char *p = b->data + b->off + b->ready + at;
	size_t after = b->len - b->ready - at - n;

	memmove(p, p + n, after);
	b->len -= n;
}

int
relaybuf_inject(struct relaybuf *b, const void *data, size_t len)
{
	char *p;
	size_t unready = b->len - b->ready;

	if (reserve(b, len) != 0)
		return -1;
	p = b->data + b->off + b->ready;
	memmove(p + len, p, unready);
	memcpy(p, data, len);
	b->len += len;
	b->ready += len;
	return 0;
}

void
relaybuf_release(struct relaybuf *b, size_t n)
{
	size_t unready = b->len - b->ready;

	b->ready += n < unready ? n : unready;
}

size_t
relaybuf_unready(const struct relaybuf *b)
{
	return b->len - b->ready;
}

int
relaybuf_empty(const struct relaybuf *b)
{
	return b->len == 0 && !b->held;
}

void
relaybuf_free(struct relaybuf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}
