/* The event log's hash chain (evchain.h). */
#include "evchain.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "util.h"

/* One field: a tag, then "-" for none or its length, ':' and its bytes; nothing can run into the next. */
static int
put_text(EVP_MD_CTX *md, char tag, const char *v)
{
	char head[40];
	int n = v == NULL ? snprintf(head, sizeof(head), "%c-\n", tag) :
	    snprintf(head, sizeof(head), "%c%zu:", tag, strlen(v));

	if (EVP_DigestUpdate(md, head, (size_t)n) != 1)
		return -1;
	if (v != NULL && (EVP_DigestUpdate(md, v, strlen(v)) != 1 || EVP_DigestUpdate(md, "\n", 1) != 1))
		return -1;
	return 0;
}

static int
put_int(EVP_MD_CTX *md, char tag, int64_t v)
{
	char buf[40];
	int n = snprintf(buf, sizeof(buf), "%c%" PRId64 "\n", tag, v);

	return EVP_DigestUpdate(md, buf, (size_t)n) == 1 ? 0 : -1;
}

int
evchain_hash(const char *prev_hex, const struct audit_event *ev, char out[EVCHAIN_HEX_LEN + 1])
{
	static const char domain[] = "remgate-event-v1\n";
	unsigned char h[32];
	unsigned int hlen = 0;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int r = -1;

	if (md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(md, domain, sizeof(domain) - 1) == 1 && put_text(md, 'p', prev_hex) == 0 &&
	    put_int(md, 'n', ev->seq) == 0 && put_int(md, 't', ev->ts) == 0 && put_text(md, 'k', ev->kind) == 0 &&
	    put_text(md, 's', ev->session_id) == 0 && put_text(md, 'e', ev->engineer) == 0 &&
	    put_text(md, 'g', ev->target) == 0 && put_int(md, 'a', ev->approval_id) == 0 &&
	    put_text(md, 'c', ev->client_addr) == 0 && put_text(md, 'r', ev->reason) == 0 &&
	    put_text(md, 'd', ev->detail) == 0 && put_text(md, 'w', ev->actor) == 0 &&
	    EVP_DigestFinal_ex(md, h, &hlen) == 1 && hlen == sizeof(h)) {
		util_hex(h, sizeof(h), out);
		r = 0;
	}
	EVP_MD_CTX_free(md);
	return r;
}

void
evchain_check_init(struct evchain_check *c)
{
	memset(c, 0, sizeof(*c));
}

static int
broken(struct evchain_check *c, const struct audit_event *ev, const char *why)
{
	c->broken = 1;
	c->bad_id = ev->id;
	c->bad_seq = ev->seq;
	snprintf(c->why, sizeof(c->why), "%s", why);
	return -1;
}

int
evchain_check_row(struct evchain_check *c, const struct audit_event *ev)
{
	char want[EVCHAIN_HEX_LEN + 1], why[300];

	c->count++;	/* every row, so the verdict can say how many there are */
	if (c->broken)
		return -1;
	if (ev->seq <= 0 || ev->hash == NULL)
		return broken(c, ev, "not chained: written outside the gateway");
	if (ev->seq != c->last_seq + 1) {
		if (ev->seq > c->last_seq + 1)
			snprintf(why, sizeof(why), "events %" PRId64 " to %" PRId64 " are missing (deleted)", c->last_seq + 1,
			    ev->seq - 1);
		else
			snprintf(why, sizeof(why), "sequence number %" PRId64 " after %" PRId64 " (reordered or copied)",
			    ev->seq, c->last_seq);
		return broken(c, ev, why);
	}
	if (strcmp(ev->prev_hash ? ev->prev_hash : "", c->last_hash) != 0)
		return broken(c, ev, "its link to the event before it does not match (that one was replaced)");
	if (evchain_hash(c->last_hash, ev, want) != 0)
		return broken(c, ev, "cannot compute the hash");
	if (strcmp(want, ev->hash) != 0)
		return broken(c, ev, "its fields do not match its hash (edited)");
	c->last_seq = ev->seq;
	snprintf(c->last_hash, sizeof(c->last_hash), "%s", ev->hash);
	return 0;
}
