/* Frames and typed fields between the network child and its monitor (monwire.h). */
#include "monwire.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/socket.h>

static const char *const type_names[] = {
	[MON_PUBKEY] = "pubkey", [MON_REFUSED] = "refused", [MON_TOKEN] = "token",
	[MON_TARGET_RESULT] = "target_result", [MON_RECORD] = "record", [MON_EVENT] = "event",
	[MON_COMMAND] = "command", [MON_TRANSFER] = "transfer", [MON_KIND] = "kind", [MON_REPORT] = "report",
	[MON_END] = "end", [MON_R_PUBKEY] = "r_pubkey", [MON_R_TOKEN] = "r_token", [MON_R_REPORT] = "r_report",
	[MON_R_END] = "r_end", [MON_STOP] = "stop", [MON_TELL] = "tell", [MON_REVIEW] = "review",
	[MON_REVIEW_CANCEL] = "review_cancel", [MON_R_REVIEW] = "r_review", [MON_DECISION] = "decision",
	[MON_ENGREQ] = "engreq", [MON_R_ENGREQ] = "r_engreq", [MON_ADMIN_CMD] = "admin_cmd",
	[MON_ADMIN_OUT] = "admin_out", [MON_ADMIN_END] = "admin_end", [MON_SYNC] = "sync", [MON_R_SYNC] = "r_sync",
	[MON_OPEN] = "open", [MON_R_OPEN] = "r_open",
};

const char *
mon_type_name(int type)
{
	if (type > 0 && (size_t)type < sizeof(type_names) / sizeof(type_names[0]) && type_names[type] != NULL)
		return type_names[type];
	return "unknown";
}

void
mbuf_init(struct mbuf *b)
{
	memset(b, 0, sizeof(*b));
}

void
mbuf_free(struct mbuf *b)
{
	free(b->p);
	mbuf_init(b);
}

static void
put(struct mbuf *b, const void *p, size_t n)
{
	if (b->failed)
		return;
	if (b->len - b->frame + n > MON_MAX_FRAME + 4) {
		b->failed = 1;
		return;
	}
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		uint8_t *np;

		while (cap < b->len + n)
			cap *= 2;
		if ((np = realloc(b->p, cap)) == NULL) {
			b->failed = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

void
mbuf_begin(struct mbuf *b, uint8_t type)
{
	uint8_t hdr[MON_HEADER_LEN] = { 0, 0, 0, 0, type };

	b->failed = 0;
	b->frame = b->len;
	put(b, hdr, sizeof(hdr));
}

void
mbuf_u8(struct mbuf *b, uint8_t v)
{
	put(b, &v, 1);
}

void
mbuf_u32(struct mbuf *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	put(b, x, 4);
}

void
mbuf_i64(struct mbuf *b, int64_t v)
{
	uint64_t u = (uint64_t)v;

	mbuf_u32(b, (uint32_t)(u >> 32));
	mbuf_u32(b, (uint32_t)u);
}

void
mbuf_bytes(struct mbuf *b, const void *p, size_t n)
{
	if (n > MON_MAX_FRAME) {
		b->failed = 1;
		return;
	}
	mbuf_u32(b, (uint32_t)n);
	put(b, p, n);
}

void
mbuf_str(struct mbuf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n >= MON_MAX_FRAME) {
		b->failed = 1;
		return;
	}
	mbuf_u32(b, (uint32_t)n);
	put(b, s ? s : "", n);
	put(b, "", 1);
}

int
mbuf_end(struct mbuf *b)
{
	size_t n;

	if (b->failed) {
		b->len = b->frame;	/* drop what was built */
		return -1;
	}
	n = b->len - b->frame - 4;	/* type and payload */
	b->p[b->frame] = (uint8_t)(n >> 24);
	b->p[b->frame + 1] = (uint8_t)(n >> 16);
	b->p[b->frame + 2] = (uint8_t)(n >> 8);
	b->p[b->frame + 3] = (uint8_t)n;
	b->frame = b->len;
	return 0;
}

void
mreader_init(struct mreader *r, const uint8_t *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
	r->bad = 0;
}

static const uint8_t *
take(struct mreader *r, size_t n)
{
	const uint8_t *p;

	if (r->bad || n > r->len - r->off) {
		r->bad = 1;
		return NULL;
	}
	p = r->p + r->off;
	r->off += n;
	return p;
}

uint8_t
mr_u8(struct mreader *r)
{
	const uint8_t *p = take(r, 1);

	return p ? p[0] : 0;
}

uint32_t
mr_u32(struct mreader *r)
{
	const uint8_t *p = take(r, 4);

	return p ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3] : 0;
}

int64_t
mr_i64(struct mreader *r)
{
	uint64_t hi = mr_u32(r), lo = mr_u32(r);

	return (int64_t)(hi << 32 | lo);
}

const uint8_t *
mr_bytes(struct mreader *r, size_t max, size_t *n)
{
	uint32_t len = mr_u32(r);
	const uint8_t *p;

	*n = 0;
	if (r->bad || len > max) {
		r->bad = 1;
		return NULL;
	}
	if ((p = take(r, len)) == NULL)
		return NULL;
	*n = len;
	return p;
}

const char *
mr_str(struct mreader *r, size_t max)
{
	size_t n;
	const uint8_t *p = mr_bytes(r, max, &n);
	const uint8_t *nul = take(r, 1);

	if (p == NULL || nul == NULL || *nul != '\0' || memchr(p, '\0', n) != NULL) {
		r->bad = 1;
		return "";
	}
	return (const char *)p;	/* the NUL that follows was checked */
}

int
mr_done(const struct mreader *r)
{
	return r->bad || r->off != r->len ? -1 : 0;
}

int
mon_frame_split(const uint8_t *buf, size_t len, uint8_t *type, const uint8_t **payload, size_t *plen,
    size_t *used)
{
	uint32_t n;

	if (len < 4)
		return 0;
	n = (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 | (uint32_t)buf[2] << 8 | buf[3];
	if (n < 1 || n > MON_MAX_FRAME)
		return -1;
	if (len - 4 < n)
		return 0;
	*type = buf[4];
	*payload = buf + MON_HEADER_LEN;
	*plen = n - 1;
	*used = 4 + (size_t)n;
	return 1;
}

int
mbuf_flush(struct mbuf *b, int fd)
{
	size_t off = 0;

	while (off < b->len) {
		ssize_t w = write(fd, b->p + off, b->len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		off += (size_t)w;
	}
	b->len = b->frame = 0;
	return 0;
}

int
mbuf_flush_fds(struct mbuf *b, int fd, const int *fds, int nfds)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * 4)];
	} cm;
	struct iovec iov;
	struct msghdr m;
	ssize_t w;

	if (b->len == 0 || nfds < 1 || nfds > 4)
		return -1;
	memset(&m, 0, sizeof(m));
	memset(&cm, 0, sizeof(cm));
	iov.iov_base = b->p;
	iov.iov_len = b->len;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = cm.buf;
	m.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
	cm.h.cmsg_level = SOL_SOCKET;
	cm.h.cmsg_type = SCM_RIGHTS;
	cm.h.cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
	memcpy(CMSG_DATA(&cm.h), fds, sizeof(int) * (size_t)nfds);
	do
		w = sendmsg(fd, &m, 0);
	while (w < 0 && errno == EINTR);
	if (w <= 0)
		return -1;
	/* The fds went with the first byte; the rest of the frame follows plainly. */
	if ((size_t)w < b->len) {
		memmove(b->p, b->p + w, b->len - (size_t)w);
		b->len -= (size_t)w;
		b->frame = b->len;
		return mbuf_flush(b, fd);
	}
	b->len = b->frame = 0;
	return 0;
}
