/* Ed25519 signing through OpenSSL; OpenSSH wire format for the public key. */
#include "sigkey.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "util.h"

struct sigkey {
	EVP_PKEY *pkey;
	uint8_t pub[SIGKEY_PUB_LEN];
};

static int
finish_load(EVP_PKEY *pkey, struct sigkey **out, const char *path, char *err, size_t errlen)
{
	struct sigkey *k;
	size_t len = SIGKEY_PUB_LEN;

	if (EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519) {
		snprintf(err, errlen, "%s: not an Ed25519 key", path);
		EVP_PKEY_free(pkey);
		return -1;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL || EVP_PKEY_get_raw_public_key(pkey, k->pub, &len) != 1) {
		snprintf(err, errlen, "%s: cannot read the public key", path);
		free(k);
		EVP_PKEY_free(pkey);
		return -1;
	}
	k->pkey = pkey;
	*out = k;
	return 0;
}

int
sigkey_load(const char *path, struct sigkey **out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *pkey;

	*out = NULL;
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (pkey == NULL) {
		snprintf(err, errlen, "%s: not an unencrypted PEM (PKCS#8) private key", path);
		return -1;
	}
	return finish_load(pkey, out, path, err, errlen);
}

int
sigkey_generate(const char *path, char *err, size_t errlen)
{
	EVP_PKEY *pkey = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
	FILE *f = NULL;
	int fd, r = -1;

	if (ctx == NULL || EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_keygen(ctx, &pkey) != 1) {
		snprintf(err, errlen, "%s: cannot generate an Ed25519 key", path);
		goto out;
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0 || (f = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL) != 1 || fflush(f) != 0 || fsync(fileno(f)) != 0) {
		snprintf(err, errlen, "%s: cannot write the key", path);
		unlink(path);
		goto out;
	}
	r = 0;
out:
	if (f != NULL)
		fclose(f);
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(ctx);
	return r;
}

int
sigkey_load_or_generate(const char *path, struct sigkey **out, int *generated, char *err, size_t errlen)
{
	*out = NULL;
	if (util_make_if_missing(path, sigkey_generate, generated, err, errlen) != 0)
		return -1;
	return sigkey_load(path, out, err, errlen);
}

void
sigkey_free(struct sigkey *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}

int
sigkey_sign(const struct sigkey *k, const void *msg, size_t len, uint8_t sig[SIGKEY_SIG_LEN])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	size_t siglen = SIGKEY_SIG_LEN;
	int ok;

	if (md == NULL)
		return -1;
	ok = EVP_DigestSignInit(md, NULL, NULL, NULL, k->pkey) == 1 &&
	    EVP_DigestSign(md, sig, &siglen, msg, len) == 1 && siglen == SIGKEY_SIG_LEN;
	EVP_MD_CTX_free(md);
	return ok ? 0 : -1;
}

void
sigkey_public(const struct sigkey *k, uint8_t pub[SIGKEY_PUB_LEN])
{
	memcpy(pub, k->pub, SIGKEY_PUB_LEN);
}

int
sigkey_verify(const uint8_t pub[SIGKEY_PUB_LEN], const void *msg, size_t len, const uint8_t sig[SIGKEY_SIG_LEN])
{
	EVP_PKEY *pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, SIGKEY_PUB_LEN);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok = 0;

	if (pkey != NULL && md != NULL)
		ok = EVP_DigestVerifyInit(md, NULL, NULL, NULL, pkey) == 1 &&
		    EVP_DigestVerify(md, sig, SIGKEY_SIG_LEN, msg, len) == 1;
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pkey);
	return ok;
}

/* string "ssh-ed25519" || string pk: the OpenSSH public key blob. */
static size_t
public_blob(const uint8_t pub[SIGKEY_PUB_LEN], uint8_t out[51])
{
	static const char type[] = "ssh-ed25519";
	size_t n = 0;

	out[n++] = 0; out[n++] = 0; out[n++] = 0; out[n++] = (uint8_t)(sizeof(type) - 1);
	memcpy(out + n, type, sizeof(type) - 1);
	n += sizeof(type) - 1;
	out[n++] = 0; out[n++] = 0; out[n++] = 0; out[n++] = SIGKEY_PUB_LEN;
	memcpy(out + n, pub, SIGKEY_PUB_LEN);
	return n + SIGKEY_PUB_LEN;
}

int
sigkey_public_line(const uint8_t pub[SIGKEY_PUB_LEN], const char *comment, char *out, size_t outlen)
{
	uint8_t blob[51];
	char b64[80];
	size_t n = public_blob(pub, blob);
	int m;

	EVP_EncodeBlock((unsigned char *)b64, blob, (int)n);
	m = snprintf(out, outlen, "ssh-ed25519 %s%s%s", b64, comment ? " " : "", comment ? comment : "");
	return m > 0 && (size_t)m < outlen ? 0 : -1;
}

int
sigkey_parse_public_line(const char *line, uint8_t pub[SIGKEY_PUB_LEN])
{
	uint8_t blob[80], want[51];
	char b64[80];
	const char *p;
	size_t len;
	int n;

	if (strncmp(line, "ssh-ed25519 ", 12) != 0)
		return -1;
	p = line + 12;
	len = strcspn(p, " \t\r\n");
	if (len != 68 || len >= sizeof(b64))
		return -1;
	memcpy(b64, p, len);
	b64[len] = '\0';
	if ((n = EVP_DecodeBlock(blob, (const unsigned char *)b64, (int)len)) < 51)
		return -1;
	memcpy(pub, blob + 19, SIGKEY_PUB_LEN);
	public_blob(pub, want);
	return memcmp(blob, want, 51) == 0 ? 0 : -1;
}

int
sigkey_fingerprint(const uint8_t pub[SIGKEY_PUB_LEN], char *out, size_t outlen)
{
	uint8_t blob[51], md[32];
	char b64[48];
	size_t n = public_blob(pub, blob);
	int len, m;

	if (EVP_Digest(blob, n, md, NULL, EVP_sha256(), NULL) != 1)
		return -1;
	len = EVP_EncodeBlock((unsigned char *)b64, md, sizeof(md));
	while (len > 0 && b64[len - 1] == '=')
		b64[--len] = '\0';	/* ssh-keygen prints it unpadded */
	m = snprintf(out, outlen, "SHA256:%s", b64);
	return m > 0 && (size_t)m < outlen ? 0 : -1;
}
