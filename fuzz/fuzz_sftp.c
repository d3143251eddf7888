/*
 * libFuzzer target: the SFTP parser (gateway/sftp.c) on both directions.
 * The input is a client stream and a device stream (split at the offset in
 * the first two bytes; policy from the third), fed packet by packet in
 * turn the way the relay frames them. Whatever the bytes, no out-of-bounds
 * access, no leak, no crash.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sftp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
on_op(void *arg, const struct sftp_op *op)
{
	/* Touch every string the parser hands out. */
	size_t *n = arg;
	const char *s[] = { op->op, op->path, op->path2, op->flags, op->status, op->message, op->sha256 };

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		if (s[i] != NULL)
			*n += strlen(s[i]);
}

/* The next whole packet of a stream, or 0 when it ends or turns malformed. */
static size_t
next(const uint8_t *buf, size_t len, size_t *pos)
{
	size_t pkt;
	char err[200];

	if (*pos >= len || sftp_frame(buf + *pos, len - *pos, &pkt, err, sizeof(err)) != 1)
		return 0;
	*pos += pkt;
	return pkt;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t seen = 0, split, cpos = 0, dpos = 0, n, rl;
	struct sftp_hooks h = { &seen, on_op };
	struct sftp_audit *a;
	uint8_t reply[SFTP_MAX_REPLY];
	char err[200];
	int more = 1;

	if (size < 3)
		return 0;
	split = ((size_t)data[0] << 8 | data[1]) % (size - 2);
	a = sftp_audit_new(data[2] & 1 ? SFTP_READ_ONLY : SFTP_FULL, &h);
	if (a == NULL)
		return 0;
	data += 3;
	size -= 3;
	while (more) {
		more = 0;
		if ((n = next(data, split, &cpos)) > 0) {
			more = 1;
			if (sftp_request(a, data + cpos - n, n, reply, &rl, err, sizeof(err)) == SFTP_MALFORMED)
				cpos = split;
		}
		if ((n = next(data + split, size - split, &dpos)) > 0) {
			more = 1;
			if (sftp_response(a, data + split + dpos - n, n, err, sizeof(err)) == SFTP_MALFORMED)
				dpos = size - split;
		}
	}
	sftp_audit_free(a);
	return 0;
}
