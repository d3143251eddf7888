/* SSHSIG encoding and checking; the byte layout follows PROTOCOL.sshsig. */
#include "sshsig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "sshwire.h"

#define MAGIC "SSHSIG"
#define BEGIN "-----BEGIN SSH SIGNATURE-----"
#define END "-----END SSH SIGNATURE-----"

/* The blob that is actually signed: magic, namespace, reserved, hash name, H(data). */
static int
signed_blob(struct recbuf *b, const char *ns, const char *hashalg, const void *data, size_t len)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	const EVP_MD *alg = strcmp(hashalg, "sha512") == 0 ? EVP_sha512() :
	    strcmp(hashalg, "sha256") == 0 ? EVP_sha256() : NULL;

	if (alg == NULL || EVP_Digest(data, len, md, &mdlen, alg, NULL) != 1)
		return -1;
	if (recbuf_put(b, MAGIC, 6) != 0 || sshwire_cstring(b, ns) != 0 || sshwire_cstring(b, "") != 0 ||
	    sshwire_cstring(b, hashalg) != 0 || sshwire_string(b, md, mdlen) != 0)
		return -1;
	return 0;
}

int
sshsig_sign(const struct sigkey *k, const char *ns, const void *data, size_t len, char **armored)
{
	struct recbuf tbs = { 0 }, blob = { 0 }, sig = { 0 }, out = { 0 };
	uint8_t pub[SIGKEY_PUB_LEN], raw[SIGKEY_SIG_LEN];
	char *b64 = NULL;
	int r = -1, n;

	*armored = NULL;
	sigkey_public(k, pub);
	if (signed_blob(&tbs, ns, "sha512", data, len) != 0 || sigkey_sign(k, tbs.data, tbs.len, raw) != 0)
		goto out;
	if (sshwire_cstring(&sig, "ssh-ed25519") != 0 || sshwire_string(&sig, raw, sizeof(raw)) != 0)
		goto out;
	if (recbuf_put(&blob, MAGIC, 6) != 0 || sshwire_u32(&blob, 1) != 0 || sshwire_ed25519_key(&blob, pub) != 0 ||
	    sshwire_cstring(&blob, ns) != 0 || sshwire_cstring(&blob, "") != 0 || sshwire_cstring(&blob, "sha512") != 0 ||
	    sshwire_string(&blob, sig.data, sig.len) != 0)
		goto out;
	if ((b64 = malloc(blob.len * 4 / 3 + 8)) == NULL)
		goto out;
	n = EVP_EncodeBlock((unsigned char *)b64, blob.data, (int)blob.len);
	if (recbuf_put(&out, BEGIN "\n", sizeof(BEGIN)) != 0)
		goto out;
	for (int i = 0; i < n; i += 70)	/* ssh-keygen's line length */
		if (recbuf_put(&out, b64 + i, (size_t)(n - i < 70 ? n - i : 70)) != 0 || recbuf_put(&out, "\n", 1) != 0)
			goto out;
	if (recbuf_put(&out, END "\n", sizeof(END "\n")) != 0)	/* with its NUL */
		goto out;
	*armored = (char *)out.data;
	out.data = NULL;
	r = 0;
out:
	OPENSSL_cleanse(raw, sizeof(raw));
	free(b64);
	recbuf_free(&tbs);
	recbuf_free(&blob);
	recbuf_free(&sig);
	recbuf_free(&out);
	return r;
}

/* A cursor over a decoded blob; every read is bounds-checked. */
struct cur {
	const uint8_t *p;
	size_t left;
};

static int
get_u32(struct cur *c, uint32_t *v)
{
	if (c->left < 4)
		return -1;
	*v = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 | (uint32_t)c->p[2] << 8 | c->p[3];
	c->p += 4;
	c->left -= 4;
	return 0;
}

static int
get_string(struct cur *c, const uint8_t **s, uint32_t *n)
{
	if (get_u32(c, n) != 0 || *n > c->left)
		return -1;
	*s = c->p;
	c->p += *n;
	c->left -= *n;
	return 0;
}

static int
string_is(const uint8_t *s, uint32_t n, const char *want)
{
	return n == strlen(want) && memcmp(s, want, n) == 0;
}

int
sshsig_verify(const uint8_t pub[SIGKEY_PUB_LEN], const char *ns, const void *data, size_t len,
    const char *armored, char *err, size_t errlen)
{
	const char *b = strstr(armored, BEGIN), *e = strstr(armored, END);
	char *b64 = NULL;
	uint8_t *blob = NULL;
	struct recbuf tbs = { 0 };
	struct cur c, k, s;
	const uint8_t *str, *keyblob, *sigblob, *hashalg, *rawsig;
	uint32_t n, version, keylen, siglen, hashlen, rawlen;
	size_t blen = 0;
	int ok = 0, declen;
	char alg[16];

	if (b == NULL || e == NULL || e < b) {
		snprintf(err, errlen, "not an SSH signature (no BEGIN/END SSH SIGNATURE lines)");
		return 0;
	}
	b += strlen(BEGIN);
	if ((b64 = malloc((size_t)(e - b) + 1)) == NULL || (blob = malloc((size_t)(e - b))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (const char *p = b; p < e; p++)
		if (*p != '\n' && *p != '\r' && *p != ' ')
			b64[blen++] = *p;
	b64[blen] = '\0';
	if (blen % 4 != 0 || (declen = EVP_DecodeBlock(blob, (unsigned char *)b64, (int)blen)) < 0) {
		snprintf(err, errlen, "the signature's base64 is damaged");
		goto out;
	}
	while (blen > 0 && b64[blen - 1] == '=') {	/* DecodeBlock counts padding as data */
		blen--;
		declen--;
	}
	c.p = blob;
	c.left = (size_t)declen;
	if (c.left < 6 || memcmp(c.p, MAGIC, 6) != 0) {
		snprintf(err, errlen, "not an SSHSIG blob");
		goto out;
	}
	c.p += 6;
	c.left -= 6;
	if (get_u32(&c, &version) != 0 || version != 1 || get_string(&c, &keyblob, &keylen) != 0) {
		snprintf(err, errlen, "unsupported SSHSIG version or damaged public key");
		goto out;
	}
	k.p = keyblob;
	k.left = keylen;
	if (get_string(&k, &str, &n) != 0 || !string_is(str, n, "ssh-ed25519") ||
	    get_string(&k, &str, &n) != 0 || n != SIGKEY_PUB_LEN || CRYPTO_memcmp(str, pub, SIGKEY_PUB_LEN) != 0) {
		snprintf(err, errlen, "signed by another key");
		goto out;
	}
	if (get_string(&c, &str, &n) != 0 || !string_is(str, n, ns)) {
		snprintf(err, errlen, "wrong namespace (expected %s)", ns);
		goto out;
	}
	if (get_string(&c, &str, &n) != 0 || get_string(&c, &hashalg, &hashlen) != 0 || hashlen >= sizeof(alg) ||
	    get_string(&c, &sigblob, &siglen) != 0) {
		snprintf(err, errlen, "damaged SSHSIG blob");
		goto out;
	}
	memcpy(alg, hashalg, hashlen);
	alg[hashlen] = '\0';
	s.p = sigblob;
	s.left = siglen;
	if (get_string(&s, &str, &n) != 0 || !string_is(str, n, "ssh-ed25519") ||
	    get_string(&s, &rawsig, &rawlen) != 0 || rawlen != SIGKEY_SIG_LEN) {
		snprintf(err, errlen, "not an Ed25519 signature");
		goto out;
	}
	if (signed_blob(&tbs, ns, alg, data, len) != 0) {
		snprintf(err, errlen, "unsupported hash algorithm '%s'", alg);
		goto out;
	}
	ok = sigkey_verify(pub, tbs.data, tbs.len, rawsig);
	if (!ok)
		snprintf(err, errlen, "the signature does not match the data");
out:
	free(b64);
	free(blob);
	recbuf_free(&tbs);
	return ok;
}
