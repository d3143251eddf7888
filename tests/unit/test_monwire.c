/* monwire.c: frames and typed fields between the network child and the monitor. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/socket.h>

#include "monwire.h"
#include "tap.h"

int
main(void)
{
	struct mbuf b;
	struct mreader r;
	uint8_t type;
	const uint8_t *payload, *bytes;
	size_t plen, used, n;
	char *big;

	mbuf_init(&b);
	mbuf_begin(&b, MON_EVENT);
	mbuf_u8(&b, 7);
	mbuf_u32(&b, 0xdeadbeef);
	mbuf_i64(&b, -42);
	mbuf_str(&b, "hello");
	mbuf_str(&b, NULL);
	mbuf_bytes(&b, "\0\1\2", 3);
	ok(mbuf_end(&b) == 0, "a frame is built");
	is_int(mon_frame_split(b.p, b.len - 1, &type, &payload, &plen, &used), 0, "one byte short: more is needed");
	is_int(mon_frame_split(b.p, b.len, &type, &payload, &plen, &used), 1, "the whole frame splits off");
	is_int(type, MON_EVENT, "its type");
	is_int(used, b.len, "all of it used");
	mreader_init(&r, payload, plen);
	is_int(mr_u8(&r), 7, "u8");
	ok(mr_u32(&r) == 0xdeadbeef, "u32");
	is_int(mr_i64(&r), -42, "i64 (negative)");
	is_str(mr_str(&r, 100), "hello", "string");
	is_str(mr_str(&r, 100), "", "NULL travels as the empty string");
	bytes = mr_bytes(&r, 10, &n);
	ok(bytes != NULL && n == 3 && memcmp(bytes, "\0\1\2", 3) == 0, "bytes, NULs included");
	is_int(mr_done(&r), 0, "the payload is used up exactly");

	/* Reads past the end, strings over their limit, a NUL inside a string. */
	mreader_init(&r, payload, plen);
	(void)mr_u8(&r);
	(void)mr_u32(&r);
	(void)mr_i64(&r);
	is_str(mr_str(&r, 3), "", "a string over its limit reads as empty");
	ok(r.bad, "and marks the reader bad");
	is_int(mr_done(&r), -1, "a bad reader is not done");
	mreader_init(&r, payload, 3);
	(void)mr_u32(&r);
	ok(r.bad, "a u32 past the end is bad");
	{
		uint8_t evil[] = { 0, 0, 0, 3, 'a', 0, 'b', 0 };	/* "a\0b" with its NUL */

		mreader_init(&r, evil, sizeof(evil));
		(void)mr_str(&r, 10);
		ok(r.bad, "a NUL inside a string is refused");
	}
	{
		uint8_t nonul[] = { 0, 0, 0, 1, 'a', 'x' };	/* no terminating NUL */

		mreader_init(&r, nonul, sizeof(nonul));
		(void)mr_str(&r, 10);
		ok(r.bad, "a string without its NUL is refused");
	}
	{
		uint8_t huge[] = { 0xff, 0xff, 0xff, 0xf0 };

		mreader_init(&r, huge, sizeof(huge));
		(void)mr_bytes(&r, (size_t)-1, &n);
		ok(r.bad, "a length past the payload is refused");
	}
	{
		uint8_t zero[] = { 0, 0, 0, 0, 1 }, over[] = { 0x00, 0x20, 0x00, 0x00, 1 };

		is_int(mon_frame_split(zero, sizeof(zero), &type, &payload, &plen, &used), -1, "a frame of length 0 is malformed");
		is_int(mon_frame_split(over, sizeof(over), &type, &payload, &plen, &used), -1, "a frame over the limit is malformed");
	}
	mbuf_free(&b);

	/* A frame too large to build is dropped whole, and the buffer stays usable. */
	mbuf_init(&b);
	big = malloc(MON_MAX_FRAME + 10);
	memset(big, 'x', MON_MAX_FRAME + 9);
	big[MON_MAX_FRAME + 9] = '\0';
	mbuf_begin(&b, MON_RECORD);
	mbuf_str(&b, big);
	is_int(mbuf_end(&b), -1, "an oversized frame is refused");
	is_int(b.len, 0, "and nothing of it is left");
	mbuf_begin(&b, MON_TELL);
	mbuf_str(&b, "after");
	is_int(mbuf_end(&b), 0, "the next frame builds");
	free(big);

	/* Frames and descriptors across a socketpair. */
	{
		int sv[2], p[2], got_fd = -1;
		uint8_t in[256];
		char cbuf[CMSG_SPACE(sizeof(int))];
		struct iovec iov = { in, sizeof(in) };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
		ssize_t k;

		ok(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0 && pipe(p) == 0, "a socketpair and a pipe");
		is_int(mbuf_flush_fds(&b, sv[0], &p[1], 1), 0, "a frame goes with a descriptor");
		is_int(b.len, 0, "the buffer is empty after the flush");
		k = recvmsg(sv[1], &m, 0);
		ok(k > 0 && mon_frame_split(in, (size_t)k, &type, &payload, &plen, &used) == 1 && type == MON_TELL,
		    "the frame arrives whole");
		if (CMSG_FIRSTHDR(&m) != NULL)
			memcpy(&got_fd, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof(int));
		ok(got_fd >= 0 && write(got_fd, "z", 1) == 1, "the descriptor arrives and works");
		ok(read(p[0], in, 1) == 1 && in[0] == 'z', "it is the pipe that was sent");
	}
	mbuf_free(&b);
	is_str(mon_type_name(MON_TOKEN), "token", "type names");
	is_str(mon_type_name(200), "unknown", "an unknown type has a name too");
	return done();
}
