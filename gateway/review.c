/* The review queue's words (review.h); the rows are in gateway/store/sqlite_reviews.c. */
#include "review.h"

#include <string.h>

#include "strbuf.h"
#include "util.h"

int
review_status_final(const char *status)
{
	static const char *const final[] = { "approved", "denied", "expired", "cancelled", "abandoned" };

	for (size_t i = 0; i < sizeof(final) / sizeof(final[0]); i++)
		if (status != NULL && strcmp(status, final[i]) == 0)
			return 1;
	return 0;
}

void
review_summary(const struct review_row *r, char *out, size_t outlen)
{
	struct strbuf b;
	char when[40];
	const char *st = r->status ? r->status : "pending";

	strbuf_init_fixed(&b, out, outlen);
	strbuf_addf(&b, "review %lld %s: ", (long long)r->id, r->rule ? r->rule : "?");
	if (strcmp(st, "pending") == 0) {
		strbuf_adds(&b, "waiting");
		return;
	}
	util_time_iso(r->decided_at, when, sizeof(when));
	strbuf_adds(&b, st);
	if (strcmp(st, "approved") == 0 || strcmp(st, "denied") == 0) {
		strbuf_adds(&b, " by ");
		strbuf_add_vis(&b, r->decided_by ? r->decided_by : "?", strlen(r->decided_by ? r->decided_by : "?"), 0);
		if (r->method != NULL) {
			strbuf_adds(&b, " (");
			strbuf_add_vis(&b, r->method, strlen(r->method), 0);
			strbuf_adds(&b, ")");
		}
	}
	strbuf_addf(&b, " at %s", when);
	if (r->note != NULL && *r->note) {
		strbuf_adds(&b, ": ");
		strbuf_add_vis(&b, r->note, strlen(r->note), 0);
	}
}
