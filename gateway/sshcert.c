/* OpenSSH user certificates, made and read; the layout follows PROTOCOL.certkeys. */
#include "sshcert.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "sshwire.h"

#define CERT_SUFFIX "-cert-v01@openssh.com"

/* ---- reading ------------------------------------------------------- */

struct rd {
	const uint8_t *p;
	size_t len, off;
	int bad;
};

static uint32_t
rd_u32(struct rd *r)
{
	uint32_t v;

	if (r->bad || r->len - r->off < 4) {
		r->bad = 1;
		return 0;
	}
	v = (uint32_t)r->p[r->off] << 24 | (uint32_t)r->p[r->off + 1] << 16 | (uint32_t)r->p[r->off + 2] << 8 |
	    r->p[r->off + 3];
	r->off += 4;
	return v;
}

static uint64_t
rd_u64(struct rd *r)
{
	uint64_t hi = rd_u32(r);

	return hi << 32 | rd_u32(r);
}

/* A string's bytes (not copied); NULL when it runs past the end. */
static const uint8_t *
rd_string(struct rd *r, size_t *n)
{
	uint32_t l = rd_u32(r);
	const uint8_t *s;

	if (r->bad || r->len - r->off < l) {
		r->bad = 1;
		*n = 0;
		return NULL;
	}
	s = r->p + r->off;
	r->off += l;
	*n = l;
	return s;
}

/* A string into a C string: no NUL inside, and it must fit. */
static int
rd_cstring(struct rd *r, char *out, size_t outlen)
{
	size_t n;
	const uint8_t *s = rd_string(r, &n);

	if (s == NULL || n >= outlen || memchr(s, '\0', n) != NULL) {
		r->bad = 1;
		return -1;
	}
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

/* How many string fields follow the nonce for each certified key type (mpints are strings on the wire). */
static int
key_fields(const char *plain)
{
	if (strcmp(plain, "ssh-ed25519") == 0)
		return 1;
	if (strcmp(plain, "ssh-rsa") == 0)
		return 2;	/* e, n */
	if (strcmp(plain, "ecdsa-sha2-nistp256") == 0 || strcmp(plain, "ecdsa-sha2-nistp384") == 0 ||
	    strcmp(plain, "ecdsa-sha2-nistp521") == 0)
		return 2;	/* curve, Q */
	return 0;
}

int
sshcert_is_cert_type(const char *type)
{
	size_t n = strlen(type), k = strlen(CERT_SUFFIX);

	return n > k && strcmp(type + n - k, CERT_SUFFIX) == 0;
}

/* "ssh-ed25519-cert-v01@openssh.com" -> "ssh-ed25519"; -1 if it is no certificate type we read. */
static int
plain_type(const char *cert_type, char *plain, size_t plainlen)
{
	size_t n = strlen(cert_type), k = strlen(CERT_SUFFIX);

	if (!sshcert_is_cert_type(cert_type) || n - k >= plainlen)
		return -1;
	memcpy(plain, cert_type, n - k);
	plain[n - k] = '\0';
	return key_fields(plain) > 0 ? 0 : -1;
}

/* ---- writing ------------------------------------------------------- */

int
sshcert_make(const struct sigkey *ca, const uint8_t *key_blob, size_t key_len, uint64_t serial,
    const char *key_id, const char *principal, uint64_t valid_after, uint64_t valid_before, uint8_t **blob,
    size_t *len, char *err, size_t errlen)
{
	struct rd r = { key_blob, key_len, 0, 0 };
	struct recbuf b = { 0 }, pr = { 0 }, ext = { 0 }, sig = { 0 };
	char plain[64], cert_type[96];
	uint8_t nonce[32], pub[SIGKEY_PUB_LEN], s[SIGKEY_SIG_LEN];
	size_t fields_at;
	int nf, rc = -1;

	*blob = NULL;
	*len = 0;
	if (errlen > 0)
		err[0] = '\0';
	if (rd_cstring(&r, plain, sizeof(plain)) != 0 || (nf = key_fields(plain)) == 0) {
		snprintf(err, errlen, "the key is not an Ed25519, RSA or ECDSA public key");
		return -1;
	}
	fields_at = r.off;
	for (int i = 0; i < nf; i++) {
		size_t n;

		(void)rd_string(&r, &n);
	}
	if (r.bad || r.off != r.len) {
		snprintf(err, errlen, "the public key is malformed");
		return -1;
	}
	if (RAND_bytes(nonce, sizeof(nonce)) != 1) {
		snprintf(err, errlen, "no random bytes for the certificate's nonce");
		return -1;
	}
	snprintf(cert_type, sizeof(cert_type), "%s%s", plain, CERT_SUFFIX);
	sigkey_public(ca, pub);
	/* The extensions stock ssh-keygen gives a user certificate that may log in with a terminal. */
	if (sshwire_string(&pr, principal, strlen(principal)) != 0 || sshwire_cstring(&ext, "permit-pty") != 0 ||
	    sshwire_string(&ext, "", 0) != 0)
		goto out;
	if (sshwire_cstring(&b, cert_type) != 0 || sshwire_string(&b, nonce, sizeof(nonce)) != 0 ||
	    recbuf_put(&b, key_blob + fields_at, key_len - fields_at) != 0 || sshwire_u64(&b, serial) != 0 ||
	    sshwire_u32(&b, SSHCERT_USER) != 0 || sshwire_cstring(&b, key_id) != 0 || sshwire_string(&b, pr.data, pr.len) != 0 ||
	    sshwire_u64(&b, valid_after) != 0 || sshwire_u64(&b, valid_before) != 0 || sshwire_string(&b, "", 0) != 0 ||
	    sshwire_string(&b, ext.data, ext.len) != 0 || sshwire_string(&b, "", 0) != 0 || sshwire_ed25519_key(&b, pub) != 0)
		goto out;
	if (sigkey_sign(ca, b.data, b.len, s) != 0) {
		snprintf(err, errlen, "the approval CA could not sign");
		goto out;
	}
	if (sshwire_cstring(&sig, "ssh-ed25519") != 0 || sshwire_string(&sig, s, sizeof(s)) != 0 ||
	    sshwire_string(&b, sig.data, sig.len) != 0)
		goto out;
	*blob = b.data;
	*len = b.len;
	b.data = NULL;
	rc = 0;
out:
	if (rc != 0 && err[0] == '\0')
		snprintf(err, errlen, "out of memory");
	free(b.data);
	free(pr.data);
	free(ext.data);
	free(sig.data);
	return rc;
}

/* The signature key and signature: Ed25519 only, over all that comes before the signature. */
static int
check_signature(struct rd *r, struct sshcert *c, char *err, size_t errlen)
{
	size_t klen, slen, n, signed_len;
	const uint8_t *k = rd_string(r, &klen), *s, *p;

	signed_len = r->off;
	s = rd_string(r, &slen);
	struct rd kr, sr;
	char type[32];

	if (k == NULL || s == NULL || r->off != r->len) {
		snprintf(err, errlen, "the certificate is malformed (signature)");
		return -1;
	}
	kr = (struct rd){ k, klen, 0, 0 };
	if (rd_cstring(&kr, type, sizeof(type)) != 0 || strcmp(type, "ssh-ed25519") != 0 ||
	    (p = rd_string(&kr, &n)) == NULL || n != SIGKEY_PUB_LEN || kr.off != kr.len) {
		snprintf(err, errlen, "the certificate is not signed by an Ed25519 CA");
		return -1;
	}
	memcpy(c->ca, p, SIGKEY_PUB_LEN);
	sr = (struct rd){ s, slen, 0, 0 };
	if (rd_cstring(&sr, type, sizeof(type)) != 0 || strcmp(type, "ssh-ed25519") != 0 ||
	    (p = rd_string(&sr, &n)) == NULL || n != SIGKEY_SIG_LEN || sr.off != sr.len) {
		snprintf(err, errlen, "the certificate's signature is malformed");
		return -1;
	}
	if (!sigkey_verify(c->ca, r->p, signed_len, p)) {
		snprintf(err, errlen, "the certificate's signature does not verify");
		return -1;
	}
	return 0;
}

int
sshcert_parse(const uint8_t *blob, size_t len, struct sshcert *c, char *err, size_t errlen)
{
	struct rd r = { blob, len, 0, 0 }, sub;
	struct recbuf key = { 0 };
	char plain[64];
	const uint8_t *p;
	size_t n, fields_at;
	int nf;

	memset(c, 0, sizeof(*c));
	if (len > SSHCERT_MAX_BLOB) {
		snprintf(err, errlen, "the certificate is too large");
		return -1;
	}
	if (rd_cstring(&r, c->type, sizeof(c->type)) != 0 || plain_type(c->type, plain, sizeof(plain)) != 0) {
		snprintf(err, errlen, "not a certificate of a type the gateway reads");
		return -1;
	}
	nf = key_fields(plain);
	(void)rd_string(&r, &n);	/* nonce */
	fields_at = r.off;
	for (int i = 0; i < nf; i++)
		(void)rd_string(&r, &n);
	if (r.bad || sshwire_cstring(&key, plain) != 0 || recbuf_put(&key, blob + fields_at, r.off - fields_at) != 0 ||
	    key.len > sizeof(c->key)) {
		free(key.data);
		snprintf(err, errlen, "the certificate is malformed (key)");
		return -1;
	}
	memcpy(c->key, key.data, key.len);
	c->key_len = key.len;
	free(key.data);
	c->serial = rd_u64(&r);
	c->cert_type = rd_u32(&r);
	if (rd_cstring(&r, c->key_id, sizeof(c->key_id)) != 0 || (p = rd_string(&r, &n)) == NULL) {
		snprintf(err, errlen, "the certificate is malformed (key id or principals)");
		return -1;
	}
	sub = (struct rd){ p, n, 0, 0 };
	while (sub.off < sub.len && !sub.bad) {
		if (c->nprincipals == SSHCERT_MAX_PRINCIPALS ||
		    rd_cstring(&sub, c->principals[c->nprincipals], sizeof(c->principals[0])) != 0) {
			snprintf(err, errlen, "the certificate's principals are malformed or too many");
			return -1;
		}
		c->nprincipals++;
	}
	c->valid_after = rd_u64(&r);
	c->valid_before = rd_u64(&r);
	if ((p = rd_string(&r, &n)) == NULL) {
		snprintf(err, errlen, "the certificate is malformed (critical options)");
		return -1;
	}
	sub = (struct rd){ p, n, 0, 0 };
	while (sub.off < sub.len && !sub.bad) {
		size_t m;

		(void)rd_string(&sub, &m);
		(void)rd_string(&sub, &m);
		c->ncritical++;
	}
	(void)rd_string(&r, &n);	/* extensions: nothing the gateway grants depends on them */
	(void)rd_string(&r, &n);	/* reserved */
	if (sub.bad || r.bad) {
		snprintf(err, errlen, "the certificate is malformed");
		return -1;
	}
	return check_signature(&r, c, err, errlen);
}

int
sshcert_has_principal(const struct sshcert *c, const char *name)
{
	for (size_t i = 0; i < c->nprincipals; i++)
		if (strcmp(c->principals[i], name) == 0)
			return 1;
	return 0;
}

char *
sshcert_line(const char *type, const uint8_t *blob, size_t len, const char *comment)
{
	size_t b64len = 4 * ((len + 2) / 3) + 1, need = strlen(type) + 1 + b64len + 1 + strlen(comment) + 1;
	char *out = malloc(need);
	int n;

	if (out == NULL)
		return NULL;
	n = snprintf(out, need, "%s ", type);
	EVP_EncodeBlock((unsigned char *)out + n, blob, (int)len);
	if (*comment) {
		size_t at = strlen(out);

		snprintf(out + at, need - at, " %s", comment);
	}
	return out;
}

int
sshcert_parse_line(const char *line, char *type, size_t typelen, uint8_t **blob, size_t *len)
{
	const char *sp = strchr(line, ' '), *b64, *end;
	size_t n;
	uint8_t *out;
	int got, pad = 0;

	*blob = NULL;
	*len = 0;
	if (sp == NULL || (size_t)(sp - line) >= typelen)
		return -1;
	memcpy(type, line, (size_t)(sp - line));
	type[sp - line] = '\0';
	b64 = sp + 1;
	for (end = b64; *end && !isspace((unsigned char)*end); end++)
		;
	n = (size_t)(end - b64);
	if (n == 0 || n % 4 != 0 || n / 4 * 3 > SSHCERT_MAX_BLOB)
		return -1;
	if ((out = malloc(n / 4 * 3 + 1)) == NULL)
		return -1;
	if ((got = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)n)) < 0) {
		free(out);
		return -1;
	}
	if (b64[n - 1] == '=')
		pad++;
	if (b64[n - 2] == '=')
		pad++;
	*blob = out;
	*len = (size_t)got - (size_t)pad;
	return 0;
}
