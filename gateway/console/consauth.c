#include "consauth.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

int
consauth_secret_new(char out[CONSAUTH_SECRET_LEN + 1])
{
	unsigned char raw[CONSAUTH_SECRET_LEN / 2];

	if (util_random(raw, sizeof(raw)) != 0)
		return -1;
	util_hex(raw, sizeof(raw), out);
	return 0;
}

int
consauth_secret_valid(const char *s)
{
	return s != NULL && strlen(s) == CONSAUTH_SECRET_LEN && strspn(s, "0123456789abcdef") == CONSAUTH_SECRET_LEN;
}

void
consauth_hash(const char *secret, char out[65])
{
	util_sha256_hex(secret, strlen(secret), out);
}

int
consauth_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d = la != lb;

	for (size_t i = 0; i < la && i < lb; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

int
consauth_link_new(struct store *st, const struct config *cfg, const char *admin, int64_t now, char *url,
    size_t urllen, char *err, size_t errlen)
{
	char secret[CONSAUTH_SECRET_LEN + 1], hash[65];
	const char *base = cfg->console.public_url;
	size_t blen;

	if (!cfg->console.enabled) {
		snprintf(err, errlen, "the web console is off: add a 'console:' section to the configuration");
		return -1;
	}
	if (consauth_secret_new(secret) != 0) {
		snprintf(err, errlen, "no randomness for a login link");
		return -1;
	}
	consauth_hash(secret, hash);
	if (console_login_add(st, hash, admin, now, now + cfg->console.login_ttl) != 0) {
		snprintf(err, errlen, "cannot store the login link: %s", store_errmsg(st));
		return -1;
	}
	blen = strlen(base);
	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	if ((size_t)snprintf(url, urllen, "%.*s/login?t=%s", (int)blen, base, secret) >= urllen) {
		snprintf(err, errlen, "the console's public_url is too long");
		return -1;
	}
	return 0;
}
