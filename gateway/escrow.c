/* Escrow of hidden input (escrow.h) with OpenSSL 3: X25519, HKDF-SHA256, ChaCha20-Poly1305. */
#include "escrow.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>

#include "util.h"

#define INFO "remgate-escrow v1"

struct escrow {
	uint8_t key[32];
	char sid[64];
	uint64_t counter;
};

struct escrow_key {
	EVP_PKEY *pkey;
	uint8_t pub[ESCROW_PUB_LEN];
};

int
escrow_parse_public(const char *text, uint8_t pub[ESCROW_PUB_LEN], char *err, size_t errlen)
{
	uint8_t buf[48];
	size_t b64len;
	int n;

	if (strncmp(text, "x25519:", 7) != 0) {
		snprintf(err, errlen, "expected \"x25519:\" and 44 base64 characters (remgatectl escrow keygen prints it)");
		return -1;
	}
	text += 7;
	b64len = strlen(text);
	if (b64len != 44 || text[43] != '=' || (n = EVP_DecodeBlock(buf, (const unsigned char *)text, 44)) != 33) {
		snprintf(err, errlen, "the key after \"x25519:\" must be 32 bytes in base64 (44 characters)");
		return -1;
	}
	memcpy(pub, buf, ESCROW_PUB_LEN);
	return 0;
}

void
escrow_fingerprint(const uint8_t pub[ESCROW_PUB_LEN], char *out, size_t outlen)
{
	uint8_t d[32];
	char b64[48];
	unsigned int dl = 0;
	int n;

	EVP_Digest(pub, ESCROW_PUB_LEN, d, &dl, EVP_sha256(), NULL);
	n = EVP_EncodeBlock((unsigned char *)b64, d, 32);
	while (n > 0 && b64[n - 1] == '=')
		b64[--n] = '\0';
	snprintf(out, outlen, "SHA256:%s", b64);
}

/* HKDF-SHA256(shared, salt = eph_pub || escrow_pub, info = INFO || sid) -> key. */
static int
derive(EVP_PKEY *mine, EVP_PKEY *peer, const uint8_t eph_pub[32], const uint8_t escrow_pub[32], const char *sid,
    uint8_t key[32])
{
	EVP_PKEY_CTX *dc = EVP_PKEY_CTX_new(mine, NULL);
	EVP_KDF *kdf = NULL;
	EVP_KDF_CTX *kc = NULL;
	uint8_t shared[32], salt[64], info[128];
	size_t slen = sizeof(shared), ilen = strlen(INFO) + strlen(sid);
	OSSL_PARAM params[5], *p = params;
	int r = -1;

	if (dc == NULL || ilen > sizeof(info) || EVP_PKEY_derive_init(dc) <= 0 || EVP_PKEY_derive_set_peer(dc, peer) <= 0 ||
	    EVP_PKEY_derive(dc, shared, &slen) <= 0 || slen != 32)
		goto out;
	memcpy(salt, eph_pub, 32);
	memcpy(salt + 32, escrow_pub, 32);
	memcpy(info, INFO, strlen(INFO));
	memcpy(info + strlen(INFO), sid, strlen(sid));
	if ((kdf = EVP_KDF_fetch(NULL, "HKDF", NULL)) == NULL || (kc = EVP_KDF_CTX_new(kdf)) == NULL)
		goto out;
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)(uintptr_t)"SHA256", 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, shared, sizeof(shared));
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt, sizeof(salt));
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, ilen);
	*p = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(kc, key, 32, params) > 0)
		r = 0;
out:
	OPENSSL_cleanse(shared, sizeof(shared));
	EVP_KDF_CTX_free(kc);
	EVP_KDF_free(kdf);
	EVP_PKEY_CTX_free(dc);
	return r;
}

static void
fp_raw(const uint8_t pub[32], uint8_t out[32])
{
	unsigned int dl = 0;

	EVP_Digest(pub, 32, out, &dl, EVP_sha256(), NULL);
}

int
escrow_session_new(const uint8_t escrow_pub[ESCROW_PUB_LEN], const char *sid, struct escrow **out,
    uint8_t header[ESCROW_HEADER_LEN])
{
	EVP_PKEY *eph = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	EVP_PKEY *peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, escrow_pub, ESCROW_PUB_LEN);
	struct escrow *e = calloc(1, sizeof(*e));
	size_t plen = 32;
	int r = -1;

	*out = NULL;
	if (eph == NULL || peer == NULL || e == NULL || EVP_PKEY_get_raw_public_key(eph, header, &plen) <= 0 ||
	    derive(eph, peer, header, escrow_pub, sid, e->key) != 0)
		goto out;
	fp_raw(escrow_pub, header + 32);
	snprintf(e->sid, sizeof(e->sid), "%s", sid);
	*out = e;
	e = NULL;
	r = 0;
out:
	escrow_free(e);
	EVP_PKEY_free(eph);	/* the ephemeral private key goes with it: the gateway cannot decrypt */
	EVP_PKEY_free(peer);
	return r;
}

static void
put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* ChaCha20-Poly1305 over payload[13..13+n); aad = payload[0..13) || sid. */
static int
aead(const struct escrow *e, int enc, uint8_t *payload, size_t n)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	uint8_t nonce[12] = { 0 };
	int outl = 0, r = -1;

	memcpy(nonce + 4, payload + 5, 8);
	if (c == NULL || EVP_CipherInit_ex(c, EVP_chacha20_poly1305(), NULL, NULL, NULL, enc) <= 0 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) <= 0 ||
	    EVP_CipherInit_ex(c, NULL, NULL, e->key, nonce, enc) <= 0 ||
	    EVP_CipherUpdate(c, NULL, &outl, payload, 13) <= 0 ||
	    EVP_CipherUpdate(c, NULL, &outl, (const uint8_t *)e->sid, (int)strlen(e->sid)) <= 0)
		goto out;
	if (n > 0 && EVP_CipherUpdate(c, payload + 13, &outl, payload + 13, (int)n) <= 0)
		goto out;
	if (!enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, 16, payload + 13 + n) <= 0)
		goto out;
	if (EVP_CipherFinal_ex(c, payload + 13 + n, &outl) <= 0)
		goto out;
	if (enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, payload + 13 + n) <= 0)
		goto out;
	r = 0;
out:
	EVP_CIPHER_CTX_free(c);
	return r;
}

int
escrow_seal(struct escrow *e, int ends, const uint8_t *data, size_t len, uint8_t **out, size_t *outlen)
{
	uint8_t *p;

	*out = NULL;
	if (len > 0x100000 || (p = malloc(len + ESCROW_OVERHEAD)) == NULL)
		return -1;
	put_u32(p, (uint32_t)len);
	p[4] = ends ? 1 : 0;
	for (int i = 0; i < 8; i++)
		p[5 + i] = (uint8_t)(e->counter >> (56 - 8 * i));
	e->counter++;	/* never the same nonce twice under one key */
	memcpy(p + 13, data, len);
	if (aead(e, 1, p, len) != 0) {
		OPENSSL_cleanse(p, len + ESCROW_OVERHEAD);
		free(p);
		return -1;
	}
	*out = p;
	*outlen = len + ESCROW_OVERHEAD;
	return 0;
}

void
escrow_free(struct escrow *e)
{
	if (e == NULL)
		return;
	OPENSSL_cleanse(e, sizeof(*e));
	free(e);
}

int
escrow_peek(const uint8_t *payload, size_t len, size_t *n, int *ends)
{
	if (len < ESCROW_OVERHEAD)
		return -1;
	*n = (size_t)payload[0] << 24 | (size_t)payload[1] << 16 | (size_t)payload[2] << 8 | payload[3];
	*ends = payload[4] != 0;
	return *n == len - ESCROW_OVERHEAD ? 0 : -1;
}

int
escrow_key_load(const char *path, struct escrow_key **out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	struct escrow_key *k;
	size_t plen = ESCROW_PUB_LEN;

	*out = NULL;
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	k->pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (k->pkey == NULL || EVP_PKEY_get_id(k->pkey) != EVP_PKEY_X25519 ||
	    EVP_PKEY_get_raw_public_key(k->pkey, k->pub, &plen) <= 0) {
		snprintf(err, errlen, "%s is not an X25519 private key in PEM (remgatectl escrow keygen makes one)", path);
		escrow_key_free(k);
		return -1;
	}
	*out = k;
	return 0;
}

void
escrow_key_public(const struct escrow_key *k, uint8_t pub[ESCROW_PUB_LEN])
{
	memcpy(pub, k->pub, ESCROW_PUB_LEN);
}

void
escrow_key_free(struct escrow_key *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}

int
escrow_session_open(const struct escrow_key *k, const char *sid, const uint8_t *header, size_t hlen,
    struct escrow **out, char *err, size_t errlen)
{
	EVP_PKEY *eph = NULL;
	struct escrow *e = NULL;
	uint8_t fp[32];
	char have[64];

	*out = NULL;
	if (hlen != ESCROW_HEADER_LEN) {
		snprintf(err, errlen, "the escrow key record is damaged");
		return -1;
	}
	fp_raw(k->pub, fp);
	if (memcmp(fp, header + 32, 32) != 0) {
		escrow_fingerprint(k->pub, have, sizeof(have));
		snprintf(err, errlen, "this session's hidden input is escrowed to another key than the one given (%s)", have);
		return -1;
	}
	if ((eph = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, header, 32)) == NULL ||
	    (e = calloc(1, sizeof(*e))) == NULL || derive(k->pkey, eph, header, k->pub, sid, e->key) != 0) {
		snprintf(err, errlen, "cannot derive the session's escrow key");
		escrow_free(e);
		EVP_PKEY_free(eph);
		return -1;
	}
	EVP_PKEY_free(eph);
	snprintf(e->sid, sizeof(e->sid), "%s", sid);
	*out = e;
	return 0;
}

int
escrow_open(struct escrow *e, const uint8_t *payload, size_t len, uint8_t **plain, size_t *plen, int *ends)
{
	uint8_t *p;
	size_t n;

	*plain = NULL;
	if (escrow_peek(payload, len, &n, ends) != 0 || (p = malloc(len)) == NULL)
		return -1;
	memcpy(p, payload, len);
	if (aead(e, 0, p, n) != 0) {
		OPENSSL_cleanse(p, len);
		free(p);
		return -1;
	}
	memmove(p, p + 13, n);
	*plain = p;
	*plen = n;
	return 0;
}

int
escrow_keygen(const char *path, char *pub, size_t publen, char *err, size_t errlen)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	uint8_t raw[32];
	char b64[48];
	size_t rl = sizeof(raw);
	FILE *f = NULL;
	int fd = -1, r = -1;

	if (k == NULL || EVP_PKEY_get_raw_public_key(k, raw, &rl) <= 0) {
		snprintf(err, errlen, "cannot generate an X25519 key");
		goto out;
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0 ||
	    (f = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s%s", path, strerror(errno), errno == EEXIST ? " (give a new file name)" : "");
		goto out;
	}
	fd = -1;
	if (PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) != 1 || fflush(f) != 0 || fsync(fileno(f)) != 0) {
		snprintf(err, errlen, "%s: cannot write the key", path);
		goto out;
	}
	EVP_EncodeBlock((unsigned char *)b64, raw, 32);
	snprintf(pub, publen, "x25519:%s", b64);
	r = 0;
out:
	if (f != NULL)
		fclose(f);
	if (fd >= 0)
		close(fd);
	if (r != 0 && f != NULL)
		unlink(path);
	EVP_PKEY_free(k);
	return r;
}
