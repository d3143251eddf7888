/* Approval token generation, salted hashing and constant-time matching. */
#include "token.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "util.h"

static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";

int
token_secret_new(char secret[TOKEN_SECRET_LEN + 1])
{
	unsigned char raw[17];
	unsigned int acc = 0, bits = 0;
	size_t o = 0;

	if (util_random(raw, sizeof(raw)) != 0)
		return -1;
	for (size_t i = 0; i < sizeof(raw) && o < TOKEN_SECRET_LEN; i++) {
		acc = (acc << 8) | raw[i];
		bits += 8;
		while (bits >= 5 && o < TOKEN_SECRET_LEN) {
			secret[o++] = b32[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0 && o < TOKEN_SECRET_LEN)
		secret[o++] = b32[(acc << (5 - bits)) & 31];
	secret[o] = '\0';
	OPENSSL_cleanse(raw, sizeof(raw));
	return o == TOKEN_SECRET_LEN ? 0 : -1;
}

static int
hash_secret(const char *secret, const unsigned char *salt, size_t salt_len,
    unsigned char out[TOKEN_HASH_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int len = 0;
	int ok;

	if (ctx == NULL)
		return -1;
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(ctx, salt, salt_len) == 1 &&
	    EVP_DigestUpdate(ctx, secret, strlen(secret)) == 1 &&
	    EVP_DigestFinal_ex(ctx, out, &len) == 1 && len == TOKEN_HASH_LEN;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

int
token_hash_new(const char *secret, unsigned char salt[TOKEN_SALT_LEN],
    unsigned char hash[TOKEN_HASH_LEN])
{
	if (util_random(salt, TOKEN_SALT_LEN) != 0)
		return -1;
	return hash_secret(secret, salt, TOKEN_SALT_LEN, hash);
}

int
token_matches(const char *secret, const unsigned char *salt, size_t salt_len,
    const unsigned char *hash, size_t hash_len)
{
	unsigned char h[TOKEN_HASH_LEN];
	int ok;

	if (hash_len != TOKEN_HASH_LEN || hash_secret(secret, salt, salt_len, h) != 0)
		return 0;
	ok = CRYPTO_memcmp(h, hash, TOKEN_HASH_LEN) == 0;
	OPENSSL_cleanse(h, sizeof(h));
	return ok;
}

void
token_format(int64_t approval_id, const char *secret, char *out, size_t outlen)
{
	snprintf(out, outlen, "rg-%lld-%s", (long long)approval_id, secret);
}

int
token_parse(const char *tok, int64_t *approval_id, char secret[TOKEN_SECRET_LEN + 1])
{
	const char *p = tok, *dash;
	size_t len;
	long long id;
	char num[21];

	while (isspace((unsigned char)*p))
		p++;
	len = strlen(p);
	while (len > 0 && isspace((unsigned char)p[len - 1]))
		len--;
	if (len < 3 || len > TOKEN_MAX_LEN || strncmp(p, "rg-", 3) != 0)
		return -1;
	p += 3;
	len -= 3;
	if ((dash = memchr(p, '-', len)) == NULL || dash == p || (size_t)(dash - p) >= sizeof(num))
		return -1;
	memcpy(num, p, (size_t)(dash - p));
	num[dash - p] = '\0';
	if (util_parse_int(num, 1, INT64_MAX, &id) != 0)
		return -1;
	len -= (size_t)(dash - p) + 1;
	p = dash + 1;
	if (len != TOKEN_SECRET_LEN)
		return -1;
	for (size_t i = 0; i < len; i++) {
		char c = (char)tolower((unsigned char)p[i]);
		if (strchr(b32, c) == NULL || c == '\0')
			return -1;
		secret[i] = c;
	}
	secret[len] = '\0';
	*approval_id = id;
	return 0;
}
