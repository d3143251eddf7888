/* The monitor's one-key, one-signature ssh-agent (agent.h). */
#include "agent.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libssh/libssh.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

/* draft-miller-ssh-agent */
#define AGENT_FAILURE 5
#define AGENTC_REQUEST_IDENTITIES 11
#define AGENT_IDENTITIES_ANSWER 12
#define AGENTC_SIGN_REQUEST 13
#define AGENT_SIGN_RESPONSE 14
#define AGENT_RSA_SHA2_256 2
#define AGENT_RSA_SHA2_512 4
#define SSH_MSG_USERAUTH_REQUEST 50

enum key_kind { KIND_ED25519, KIND_RSA, KIND_ECDSA };

struct agent {
	EVP_PKEY *pkey;
	enum key_kind kind;
	char type_name[40];	/* ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256 ... */
	uint8_t *blob;		/* the public key blob */
	size_t bloblen;
	char *user;
	int signatures;
	uint8_t in[AGENT_MAX_MSG + 4];
	size_t inlen;
};

/* ---- a small SSH wire builder and reader ---- */

struct wbuf {
	uint8_t *p;
	size_t len, cap;
	int failed;
};

static void
w_put(struct wbuf *b, const void *p, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		uint8_t *np;

		while (cap < b->len + n)
			cap *= 2;
		if ((np = realloc(b->p, cap)) == NULL) {
			b->failed = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void
w_u32(struct wbuf *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	w_put(b, x, 4);
}

static void
w_string(struct wbuf *b, const void *p, size_t n)
{
	w_u32(b, (uint32_t)n);
	w_put(b, p, n);
}

/* An mpint from big-endian magnitude bytes: no leading zeros, a 0 byte if the top bit is set. */
static void
w_mpint(struct wbuf *b, const uint8_t *p, size_t n)
{
	while (n > 0 && *p == 0) {
		p++;
		n--;
	}
	if (n > 0 && (*p & 0x80)) {
		w_u32(b, (uint32_t)n + 1);
		w_put(b, "", 1);
		w_put(b, p, n);
	} else {
		w_string(b, p, n);
	}
}

struct rbuf {
	const uint8_t *p;
	size_t len, off;
	int bad;
};

static uint32_t
r_u32(struct rbuf *r)
{
	const uint8_t *p;

	if (r->bad || r->len - r->off < 4) {
		r->bad = 1;
		return 0;
	}
	p = r->p + r->off;
	r->off += 4;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint8_t
r_u8(struct rbuf *r)
{
	if (r->bad || r->off >= r->len) {
		r->bad = 1;
		return 0;
	}
	return r->p[r->off++];
}

static const uint8_t *
r_string(struct rbuf *r, size_t *n)
{
	uint32_t len = r_u32(r);
	const uint8_t *p;

	*n = 0;
	if (r->bad || r->len - r->off < len) {
		r->bad = 1;
		return NULL;
	}
	p = r->p + r->off;
	r->off += len;
	*n = len;
	return p;
}

static int
r_string_is(struct rbuf *r, const char *want)
{
	size_t n;
	const uint8_t *p = r_string(r, &n);

	return p != NULL && n == strlen(want) && memcmp(p, want, n) == 0;
}

/* ---- loading the key ---- */

static int
b64_decode(const char *in, size_t inlen, uint8_t **out, size_t *outlen)
{
	char *clean = malloc(inlen + 1);
	size_t n = 0, pad = 0;
	int r;

	if (clean == NULL)
		return -1;
	for (size_t i = 0; i < inlen; i++)
		if (in[i] != '\n' && in[i] != '\r' && in[i] != ' ')
			clean[n++] = in[i];
	clean[n] = '\0';
	if (n == 0 || n % 4 != 0 || (*out = malloc(n / 4 * 3 + 1)) == NULL) {
		free(clean);
		return -1;
	}
	pad = (clean[n - 1] == '=') + (n > 1 && clean[n - 2] == '=');
	r = EVP_DecodeBlock(*out, (unsigned char *)clean, (int)n);
	free(clean);
	if (r < 0 || (size_t)r < pad) {
		free(*out);
		*out = NULL;
		return -1;
	}
	*outlen = (size_t)r - pad;
	return 0;
}

/* An unencrypted openssh-key-v1 Ed25519 key, as libssh writes it: the 32-byte seed. */
static EVP_PKEY *
ed25519_from_openssh(const char *pem)
{
	static const char begin[] = "-----BEGIN OPENSSH PRIVATE KEY-----", end[] = "-----END OPENSSH PRIVATE KEY-----";
	static const char magic[] = "openssh-key-v1";
	const char *b = strstr(pem, begin), *e;
	uint8_t *raw = NULL;
	size_t rawlen = 0, n;
	struct rbuf r, priv;
	const uint8_t *p;
	EVP_PKEY *pkey = NULL;

	if (b == NULL || (e = strstr(b, end)) == NULL)
		return NULL;
	b += sizeof(begin) - 1;
	if (b64_decode(b, (size_t)(e - b), &raw, &rawlen) != 0)
		return NULL;
	r = (struct rbuf){ .p = raw, .len = rawlen };
	if (rawlen < sizeof(magic) || memcmp(raw, magic, sizeof(magic)) != 0)
		goto out;
	r.off = sizeof(magic);
	if (!r_string_is(&r, "none") || !r_string_is(&r, "none") || r_string(&r, &n) == NULL || n != 0 ||
	    r_u32(&r) != 1 || r_string(&r, &n) == NULL || (p = r_string(&r, &n)) == NULL)
		goto out;
	priv = (struct rbuf){ .p = p, .len = n };
	if (r_u32(&priv) != r_u32(&priv) || priv.bad || !r_string_is(&priv, "ssh-ed25519") ||
	    r_string(&priv, &n) == NULL || n != 32 || (p = r_string(&priv, &n)) == NULL || n != 64)
		goto out;
	pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, p, 32);
out:
	if (raw != NULL)
		OPENSSL_cleanse(raw, rawlen);
	free(raw);
	return pkey;
}

struct agent *
agent_new(const char *identity_file, const char *user, char *err, size_t errlen)
{
	ssh_key key = NULL;
	char *b64 = NULL;
	struct agent *a = calloc(1, sizeof(*a));
	enum ssh_keytypes_e t;

	if (a == NULL || (a->user = strdup(user)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (ssh_pki_import_privkey_file(identity_file, NULL, NULL, NULL, &key) != SSH_OK) {
		snprintf(err, errlen, "cannot load the vaulted identity");
		goto fail;
	}
	t = ssh_key_type(key);
	snprintf(a->type_name, sizeof(a->type_name), "%s", ssh_key_type_to_char(t) ? ssh_key_type_to_char(t) : "?");
	if (ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK ||
	    b64_decode(b64, strlen(b64), &a->blob, &a->bloblen) != 0) {
		snprintf(err, errlen, "cannot encode the vaulted identity's public key");
		goto fail;
	}
	free(b64);
	b64 = NULL;
	/* libssh exports Ed25519 in OpenSSH's format and the others as PEM OpenSSL reads. */
	if (ssh_pki_export_privkey_base64(key, NULL, NULL, NULL, &b64) != SSH_OK) {
		snprintf(err, errlen, "cannot read the vaulted identity");
		goto fail;
	}
	if (t == SSH_KEYTYPE_ED25519) {
		a->kind = KIND_ED25519;
		a->pkey = ed25519_from_openssh(b64);
	} else if (t == SSH_KEYTYPE_RSA || t == SSH_KEYTYPE_ECDSA_P256 || t == SSH_KEYTYPE_ECDSA_P384 ||
	    t == SSH_KEYTYPE_ECDSA_P521) {
		BIO *bio = BIO_new_mem_buf(b64, -1);

		a->kind = t == SSH_KEYTYPE_RSA ? KIND_RSA : KIND_ECDSA;
		a->pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
		BIO_free(bio);
	} else {
		snprintf(err, errlen, "vaulted identities must be Ed25519, RSA or ECDSA keys, not %s", a->type_name);
		goto fail;
	}
	if (a->pkey == NULL) {
		snprintf(err, errlen, "cannot decode the vaulted %s identity", a->type_name);
		goto fail;
	}
	OPENSSL_cleanse(b64, strlen(b64));
	ssh_string_free_char(b64);
	ssh_key_free(key);
	return a;
fail:
	if (b64 != NULL) {
		OPENSSL_cleanse(b64, strlen(b64));
		ssh_string_free_char(b64);
	}
	ssh_key_free(key);
	agent_free(a);
	return NULL;
}

void
agent_free(struct agent *a)
{
	if (a == NULL)
		return;
	EVP_PKEY_free(a->pkey);
	free(a->blob);
	free(a->user);
	OPENSSL_cleanse(a->in, sizeof(a->in));
	free(a);
}

int
agent_signatures(const struct agent *a)
{
	return a->signatures;
}

/* ---- signing ---- */

static const char *
ecdsa_digest(const char *type_name)
{
	if (strcmp(type_name, "ecdsa-sha2-nistp384") == 0)
		return "SHA384";
	if (strcmp(type_name, "ecdsa-sha2-nistp521") == 0)
		return "SHA512";
	return "SHA256";
}

/* The SSH signature blob (string alg, string sig) for data. 0 or -1. */
static int
sign(struct agent *a, const uint8_t *data, size_t len, uint32_t flags, struct wbuf *sig)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	const char *alg = a->type_name, *md = NULL;
	uint8_t *raw = NULL;
	size_t rawlen = 0;
	int ok = 0;

	if (ctx == NULL)
		return -1;
	if (a->kind == KIND_RSA) {
		alg = flags & AGENT_RSA_SHA2_512 ? "rsa-sha2-512" : flags & AGENT_RSA_SHA2_256 ? "rsa-sha2-256" : "ssh-rsa";
		md = flags & AGENT_RSA_SHA2_512 ? "SHA512" : flags & AGENT_RSA_SHA2_256 ? "SHA256" : "SHA1";
	} else if (a->kind == KIND_ECDSA) {
		md = ecdsa_digest(a->type_name);
	}
	if (EVP_DigestSignInit_ex(ctx, NULL, md, NULL, NULL, a->pkey, NULL) != 1 ||
	    EVP_DigestSign(ctx, NULL, &rawlen, data, len) != 1 || (raw = malloc(rawlen)) == NULL ||
	    EVP_DigestSign(ctx, raw, &rawlen, data, len) != 1)
		goto out;
	w_string(sig, alg, strlen(alg));
	if (a->kind == KIND_ECDSA) {
		/* DER (r, s) becomes string(mpint r, mpint s). */
		const uint8_t *q = raw;
		ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &q, (long)rawlen);
		struct wbuf inner = { 0 };
		uint8_t rb[80], sb[80];
		int rn, sn;

		if (es == NULL)
			goto out;
		rn = BN_bn2bin(ECDSA_SIG_get0_r(es), rb);
		sn = BN_bn2bin(ECDSA_SIG_get0_s(es), sb);
		w_mpint(&inner, rb, (size_t)rn);
		w_mpint(&inner, sb, (size_t)sn);
		ECDSA_SIG_free(es);
		if (inner.failed) {
			free(inner.p);
			goto out;
		}
		w_string(sig, inner.p, inner.len);
		free(inner.p);
	} else {
		w_string(sig, raw, rawlen);
	}
	ok = !sig->failed;
out:
	free(raw);
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

/*
 * Only a userauth publickey request for the target's user, with this key:
 * string session id, byte 50, string user, string "ssh-connection",
 * string "publickey", bool TRUE, string algorithm, string key blob.
 */
static int
is_userauth_for(const struct agent *a, const uint8_t *data, size_t len, char *why, size_t whylen)
{
	struct rbuf r = { .p = data, .len = len };
	size_t n;
	const uint8_t *p;

	if (r_string(&r, &n) == NULL || n == 0 || n > 64 || r_u8(&r) != SSH_MSG_USERAUTH_REQUEST) {
		snprintf(why, whylen, "the data to sign is not an SSH userauth request");
		return 0;
	}
	p = r_string(&r, &n);
	if (p == NULL || n != strlen(a->user) || memcmp(p, a->user, n) != 0) {
		snprintf(why, whylen, "the userauth request is not for the target's user");
		return 0;
	}
	if (!r_string_is(&r, "ssh-connection") || !r_string_is(&r, "publickey") || r_u8(&r) != 1 ||
	    r_string(&r, &n) == NULL || (p = r_string(&r, &n)) == NULL || n != a->bloblen ||
	    memcmp(p, a->blob, n) != 0 || r.off != r.len) {
		snprintf(why, whylen, "the userauth request is not a publickey login with the target's key");
		return 0;
	}
	return 1;
}

static int
frame(struct wbuf *body, uint8_t **out, size_t *outlen)
{
	struct wbuf f = { 0 };

	w_u32(&f, (uint32_t)body->len);
	w_put(&f, body->p, body->len);
	free(body->p);
	if (f.failed || body->failed) {
		free(f.p);
		return -1;
	}
	*out = f.p;
	*outlen = f.len;
	return 0;
}

int
agent_answer(struct agent *a, const uint8_t *req, size_t len, uint8_t **out, size_t *outlen,
    char *why, size_t whylen)
{
	struct rbuf r = { .p = req, .len = len };
	struct wbuf body = { 0 };
	uint8_t type = r_u8(&r);

	why[0] = '\0';
	if (r.bad)
		return -1;
	if (type == AGENTC_REQUEST_IDENTITIES) {
		if (r.off != r.len)
			return -1;
		w_put(&body, (uint8_t[]){ AGENT_IDENTITIES_ANSWER }, 1);
		w_u32(&body, 1);
		w_string(&body, a->blob, a->bloblen);
		w_string(&body, "remgate", 7);
		return frame(&body, out, outlen);
	}
	if (type == AGENTC_SIGN_REQUEST) {
		size_t bn, dn;
		const uint8_t *blob = r_string(&r, &bn), *data = r_string(&r, &dn);
		uint32_t flags = r_u32(&r);
		struct wbuf sig = { 0 };

		if (r.bad || r.off != r.len)
			return -1;
		if (a->signatures > 0)
			snprintf(why, whylen, "a second signature was asked for; the agent signs one login");
		else if (bn != a->bloblen || memcmp(blob, a->blob, bn) != 0)
			snprintf(why, whylen, "a signature with another key was asked for");
		else if (is_userauth_for(a, data, dn, why, whylen) && sign(a, data, dn, flags, &sig) == 0) {
			a->signatures++;
			w_put(&body, (uint8_t[]){ AGENT_SIGN_RESPONSE }, 1);
			w_string(&body, sig.p, sig.len);
			free(sig.p);
			return frame(&body, out, outlen);
		}
		free(sig.p);
	}
	/* Anything else (add, remove, lock, extensions): a plain failure. */
	w_put(&body, (uint8_t[]){ AGENT_FAILURE }, 1);
	return frame(&body, out, outlen);
}

static int
write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
agent_serve(struct agent *a, int fd, char *why, size_t whylen)
{
	ssize_t got;

	why[0] = '\0';
	do
		got = read(fd, a->in + a->inlen, sizeof(a->in) - a->inlen);
	while (got < 0 && errno == EINTR);
	if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (got <= 0)
		return 1;
	a->inlen += (size_t)got;
	while (a->inlen >= 4) {
		uint32_t n = (uint32_t)a->in[0] << 24 | (uint32_t)a->in[1] << 16 | (uint32_t)a->in[2] << 8 | a->in[3];
		uint8_t *ans = NULL;
		size_t anslen = 0;
		int r;

		if (n == 0 || n > AGENT_MAX_MSG) {
			snprintf(why, whylen, "an agent message of %u bytes", n);
			return -1;
		}
		if (a->inlen - 4 < n)
			break;
		r = agent_answer(a, a->in + 4, n, &ans, &anslen, why, whylen);
		memmove(a->in, a->in + 4 + n, a->inlen - 4 - n);
		a->inlen -= 4 + n;
		if (r != 0) {
			if (why[0] == '\0')
				snprintf(why, whylen, "a malformed agent request");
			return -1;
		}
		r = write_all(fd, ans, anslen);
		free(ans);
		if (r != 0)
			return 1;
		if (why[0] != '\0')
			return -1;	/* a refused signature is an attempt: the caller records it */
	}
	return 0;
}
