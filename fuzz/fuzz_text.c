/*
 * libFuzzer target: the text paths that take hostile strings. The input's
 * first byte picks a split; the rest becomes a transfer row's fields (so
 * paths of any length reach transfers_text, the code that once smashed the
 * stack), a log line's values, an escaped copy, and a terminal stream fed
 * to the command extractor both ways. No overrun, no leak, no crash.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmdlog.h"
#include "log.h"
#include "strbuf.h"
#include "transfers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
on_entry(void *arg, const struct cmd_entry *e)
{
	size_t *n = arg;

	*n += strlen(e->text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, *parts[4] = { "", "", "", "" }, line[1024];
	size_t count = 0;
	struct transfer_row t;
	struct cmdlog_hooks hooks = { .arg = &count, .entry = on_entry };
	struct cmdlog *c;
	int np = 0;

	if (size < 1 || (s = malloc(size)) == NULL)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	/* Fields split at NUL bytes: path, path2, flags, status. */
	for (char *p = s; np < 4 && p < s + size - 1; p += strlen(p) + 1)
		parts[np++] = p;
	memset(&t, 0, sizeof(t));
	t.protocol = data[0] & 1 ? "sftp" : "scp";
	t.op = "rename";
	t.path = parts[0];
	t.path2 = data[0] & 2 ? parts[1] : NULL;
	t.flags = data[0] & 4 ? parts[2] : NULL;
	t.status = parts[3];
	t.bytes_read = data[0] & 8 ? (int64_t)size : -1;
	t.bytes_written = data[0] & 16 ? (int64_t)size * 1000 : -1;
	char *text = transfers_text(&t);
	free(text);
	char *vis = strbuf_vis_dup(parts[0]);
	free(vis);
	log_format(line, sizeof(line), "event=x user=%s detail=\"%s\" n=%zu", parts[0], parts[1], size);

	if ((c = cmdlog_new(&hooks)) != NULL) {
		size_t half = (size - 1) / 2;

		cmdlog_output(c, data + 1, half, 1);
		cmdlog_input(c, data + 1 + half, size - 1 - half, 2, NULL, NULL);
		cmdlog_output(c, data + 1, size - 1, 3);
		cmdlog_finish(c, 4);
		cmdlog_free(c);
	}
	free(s);
	return 0;
}
