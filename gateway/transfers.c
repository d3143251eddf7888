/* The transfers table: one row per file operation the gateway relayed. */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "strbuf.h"
#include "transfers.h"

#define TEXT_MAX (256 * 1024)

char *
transfers_text(const struct transfer_row *t)
{
	struct strbuf b;

	strbuf_init_heap(&b, TEXT_MAX);
	strbuf_addf(&b, "%s %s %s", t->protocol, t->op, t->path ? t->path : "?");
	if (t->path2 != NULL)
		strbuf_addf(&b, " %s", t->path2);
	if (t->flags != NULL)
		strbuf_addf(&b, " (%s)", t->flags);
	if (t->bytes_read > 0)
		strbuf_addf(&b, ", %lld bytes read", (long long)t->bytes_read);
	if (t->bytes_written > 0)
		strbuf_addf(&b, ", %lld bytes written", (long long)t->bytes_written);
	if (t->sha256 != NULL)
		strbuf_addf(&b, ", sha256 %s", t->sha256);
	strbuf_addf(&b, ": %s%s", t->status ? t->status : "?", t->by_gateway ? " (refused by the gateway)" : "");
	if (b.failed) {
		strbuf_free(&b);
		return NULL;
	}
	if (b.cut && b.len >= 3)
		memcpy(b.buf + b.len - 3, "...", 3);
	return b.buf;
}
