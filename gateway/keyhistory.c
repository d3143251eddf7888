/* The signing keys' history in the store (logs-schema/003_reports.sql). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keyhistory.h"
#include "log.h"
#include "util.h"

int
keyhistory_note_key(struct store *st, const struct sigkey *key, int64_t now)
{
	uint8_t pub[SIGKEY_PUB_LEN];

	sigkey_public(key, pub);
	return keyhistory_note(st, pub, now);
}

/* ssh-keygen reads these times as UTC when they end in Z. */
static void
signer_time(int64_t t, char *out, size_t outlen)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, outlen, "%Y%m%d%H%M%SZ", &tm);
}

int
keyhistory_allowed_signers_line(const char *principal, const char *namespaces,
    const uint8_t pub[SIGKEY_PUB_LEN], int64_t valid_after, int64_t valid_before, char *out, size_t outlen)
{
	char line[200], after[40] = "", before[40] = "", t[24];
	int n;

	if (sigkey_public_line(pub, NULL, line, sizeof(line)) != 0)
		return -1;
	if (valid_after > 0) {
		signer_time(valid_after, t, sizeof(t));
		snprintf(after, sizeof(after), ",valid-after=\"%s\"", t);
	}
	if (valid_before > 0) {
		signer_time(valid_before, t, sizeof(t));
		snprintf(before, sizeof(before), ",valid-before=\"%s\"", t);
	}
	n = snprintf(out, outlen, "%s namespaces=\"%s\"%s%s %s", principal, namespaces, after, before, line);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

static int
add_to_ring(const struct keyhistory_row *r, void *arg)
{
	struct keyring *kr = arg;

	if (kr->n == KEYRING_MAX)
		return 1;
	memcpy(kr->k[kr->n].pub, r->pub, SIGKEY_PUB_LEN);
	snprintf(kr->k[kr->n].fingerprint, sizeof(kr->k[kr->n].fingerprint), "%s", r->fingerprint);
	kr->k[kr->n].valid_after = r->valid_after;
	kr->k[kr->n].valid_before = r->valid_before;
	kr->n++;
	return 0;
}

int
keyring_from_store(struct store *st, struct keyring *kr)
{
	kr->n = 0;
	return keyhistory_list(st, add_to_ring, kr);
}

int
keyring_add_current(struct keyring *kr, const uint8_t pub[SIGKEY_PUB_LEN])
{
	for (size_t i = 0; i < kr->n; i++)
		if (memcmp(kr->k[i].pub, pub, SIGKEY_PUB_LEN) == 0)
			return 0;
	if (kr->n == KEYRING_MAX)
		return -1;
	memcpy(kr->k[kr->n].pub, pub, SIGKEY_PUB_LEN);
	if (sigkey_fingerprint(pub, kr->k[kr->n].fingerprint, sizeof(kr->k[kr->n].fingerprint)) != 0)
		return -1;
	kr->k[kr->n].valid_after = kr->k[kr->n].valid_before = 0;
	kr->n++;
	return 0;
}

/* namespaces="a,b" among the options before the key: is ns one of them? No option: any. */
static int
namespace_allowed(const char *opts, size_t len, const char *ns)
{
	const char *p = opts, *end = opts + len;
	size_t nslen = strlen(ns);

	while (p < end && (p = strstr(p, "namespaces=\"")) != NULL && p < end) {
		const char *v = p + 12, *close = memchr(v, '"', (size_t)(end - v));

		if (close == NULL)
			return 0;
		for (const char *t = v; t < close;) {
			const char *comma = memchr(t, ',', (size_t)(close - t));
			const char *te = comma ? comma : close;
			if ((size_t)(te - t) == nslen && memcmp(t, ns, nslen) == 0)
				return 1;
			t = te + 1;
		}
		return 0;
	}
	return 1;
}

int
keyring_from_allowed_signers(const char *path, const char *ns, struct keyring *kr)
{
	char *buf = NULL, *line, *save = NULL;
	size_t len;

	kr->n = 0;
	if (util_read_file(path, 1 << 20, &buf, &len) != 0)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *key = strstr(line, "ssh-ed25519 ");

		if (line[0] == '#' || key == NULL || kr->n == KEYRING_MAX)
			continue;
		if (!namespace_allowed(line, (size_t)(key - line), ns))
			continue;
		if (sigkey_parse_public_line(key, kr->k[kr->n].pub) != 0)
			continue;
		sigkey_fingerprint(kr->k[kr->n].pub, kr->k[kr->n].fingerprint, sizeof(kr->k[kr->n].fingerprint));
		kr->k[kr->n].valid_after = kr->k[kr->n].valid_before = 0;
		kr->n++;
	}
	free(buf);
	if (kr->n == 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}
