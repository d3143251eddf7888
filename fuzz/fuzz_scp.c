/*
 * libFuzzer target: the scp protocol reader (gateway/scp.c). The first
 * byte picks upload or download, then chunks (a length byte, then that
 * many bytes) alternate between the source and the sink; the rest of the
 * input is also tried as an exec command line.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
on_op(void *arg, const struct scp_op *op)
{
	size_t *n = arg;

	*n += strlen(op->op) + (op->path ? strlen(op->path) : 0) + strlen(op->status) + strlen(op->message) +
	    (op->sha256 ? strlen(op->sha256) : 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t seen = 0, pos = 1;
	struct scp_hooks h = { &seen, on_op };
	struct scp_audit *a;
	char *cmd, *path = NULL;
	int turn = 0;

	if (size < 1)
		return 0;
	if ((cmd = malloc(size)) != NULL) {
		memcpy(cmd, data + 1, size - 1);
		cmd[size - 1] = '\0';
		scp_command(cmd, &path);
		free(path);
		free(cmd);
	}
	if ((a = scp_audit_new(data[0] & 1 ? SCP_UPLOAD : SCP_DOWNLOAD, data[0] & 2 ? "/tmp/dir/" : "/tmp/f", &h)) == NULL)
		return 0;
	while (pos < size) {
		size_t n = data[pos++];

		if (n > size - pos)
			n = size - pos;
		if (turn++ % 2 == 0)
			scp_from_source(a, data + pos, n);
		else
			scp_from_sink(a, data + pos, n);
		pos += n;
	}
	scp_audit_free(a);
	return 0;
}
