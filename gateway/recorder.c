/* Writing a session's recording file; see recorder.h for the guarantees. */
#include "recorder.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define WRITE_AT (256 * 1024)	/* write early when this much is buffered */
#define WRITE_MS 20		/* otherwise write at least this often (for sessions watch) */

struct recorder {
	int fd;
	char *path;
	struct recbuf buf;
	uint8_t prev[RECFILE_HASH_LEN];
	uint32_t seq;
	const struct sigkey *key;
	int flush_ms;
	uint64_t synced_us;	/* last fdatasync */
	uint64_t written_us;	/* last write */
	int dirty;		/* written since */
	int err;		/* errno of the first failure, 0 if none */
	int sealed;
};

uint64_t
recorder_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int
write_all(struct recorder *r)
{
	size_t off = 0;

	if (r->err)
		return -1;
	while (off < r->buf.len) {
		ssize_t n = write(r->fd, r->buf.data + off, r->buf.len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r->err = n < 0 ? errno : EIO;
			return -1;
		}
		off += (size_t)n;
	}
	if (off > 0)
		r->dirty = 1;
	r->buf.len = 0;
	r->written_us = recorder_now_us();
	return 0;
}

static int
sync_now(struct recorder *r)
{
	if (write_all(r) != 0)
		return -1;
	if (r->dirty && fdatasync(r->fd) != 0) {
		r->err = errno;
		return -1;
	}
	r->dirty = 0;
	r->synced_us = recorder_now_us();
	return 0;
}

int
recorder_open(const char *dir, const char *sid, const char *header_json, const struct sigkey *key,
    int flush_ms, struct recorder **out, char *err, size_t errlen)
{
	struct recorder *r;
	int dfd;

	*out = NULL;
	if (util_mkdirs(dir, 0700) != 0) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL || (r->path = malloc(strlen(dir) + strlen(sid) + 8)) == NULL) {
		snprintf(err, errlen, "out of memory");
		free(r);
		return -1;
	}
	snprintf(r->path, strlen(dir) + strlen(sid) + 8, "%s/%s.rgrec", dir, sid);
	r->key = key;
	r->flush_ms = flush_ms;
	r->fd = open(r->path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
	if (r->fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s", r->path, strerror(errno));
		free(r->path);
		free(r);
		return -1;
	}
	if (recbuf_put(&r->buf, RECFILE_MAGIC, RECFILE_MAGIC_LEN) != 0 ||
	    recorder_add(r, REC_HEADER, header_json, strlen(header_json)) != 0 || sync_now(r) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", r->path, strerror(r->err ? r->err : ENOMEM));
		unlink(r->path);
		recorder_free(r);
		return -1;
	}
	/* The new name itself must survive a crash too. */
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(dfd);
		close(dfd);
	}
	*out = r;
	return 0;
}

int
recorder_add(struct recorder *r, uint8_t type, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t now = recorder_now_us();

	if (r->err || r->sealed)
		return -1;
	do {
		uint32_t n = len > RECFILE_MAX_DATA ? RECFILE_MAX_DATA : (uint32_t)len;

		if (recfile_encode(&r->buf, r->prev, type, now, r->seq, p, n) != 0) {
			r->err = ENOMEM;
			return -1;
		}
		r->seq++;
		p += n;
		len -= n;
	} while (len > 0);
	if (r->buf.len >= WRITE_AT)
		return write_all(r);
	return 0;
}

int
recorder_tick(struct recorder *r)
{
	uint64_t now;

	if (r->err)
		return -1;
	if (r->buf.len == 0 && !r->dirty)
		return 0;
	/* One write per WRITE_MS, not per loop turn: a bulk transfer turns often. */
	now = recorder_now_us();
	if (r->buf.len > 0 && now - r->written_us >= WRITE_MS * 1000u && write_all(r) != 0)
		return -1;
	if (r->dirty && now - r->synced_us >= (uint64_t)r->flush_ms * 1000u)
		return sync_now(r);
	return 0;
}

int
recorder_due_ms(const struct recorder *r)
{
	uint64_t now, due;

	if (r == NULL || r->err || (!r->dirty && r->buf.len == 0))
		return -1;
	now = recorder_now_us();
	due = r->buf.len > 0 ? r->written_us + WRITE_MS * 1000u : r->synced_us + (uint64_t)r->flush_ms * 1000u;
	return now >= due ? 0 : (int)((due - now + 999) / 1000);
}

const char *
recorder_error(const struct recorder *r)
{
	return r != NULL && r->err ? strerror(r->err) : NULL;
}

const char *
recorder_path(const struct recorder *r)
{
	return r->path;
}

uint32_t
recorder_count(const struct recorder *r)
{
	return r->seq;
}

int
recorder_seal(struct recorder *r, uint8_t head[RECFILE_HASH_LEN], uint32_t *count)
{
	if (r->err || r->sealed)
		return -1;
	memcpy(head, r->prev, RECFILE_HASH_LEN);
	*count = r->seq;
	if (recfile_encode_seal(&r->buf, r->prev, r->seq, recorder_now_us(), r->key) != 0) {
		r->err = EINVAL;
		return -1;
	}
	r->seq++;
	if (sync_now(r) != 0)
		return -1;
	r->sealed = 1;
	return 0;
}

void
recorder_free(struct recorder *r)
{
	if (r == NULL)
		return;
	if (r->fd >= 0) {
		if (!r->err)
			sync_now(r);
		close(r->fd);
	}
	recbuf_free(&r->buf);
	free(r->path);
	free(r);
}

void
recorder_discard(struct recorder *r)
{
	if (r == NULL)
		return;
	unlink(r->path);
	r->err = ECANCELED;	/* nothing more to write */
	recorder_free(r);
}
