#include "certgen.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "strbuf.h"

static int
add_ext(X509 *cert, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ex;
	int r;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
	if ((ex = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
		return -1;
	r = X509_add_ext(cert, ex, -1) == 1 ? 0 : -1;
	X509_EXTENSION_free(ex);
	return r;
}

/* Write via a temporary file and rename, so a crash leaves no half a key. */
static int
write_pem(const char *path, mode_t mode, EVP_PKEY *key, X509 *cert)
{
	char tmp[4096];
	FILE *f;
	int fd, ok;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -1;
	(void)unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)) < 0)
		return -1;
	if ((f = fdopen(fd, "w")) == NULL) {
		close(fd);
		return -1;
	}
	ok = key ? PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) : PEM_write_X509(f, cert);
	ok = ok && fflush(f) == 0 && fsync(fileno(f)) == 0;
	if (fclose(f) != 0)
		ok = 0;
	if (!ok || rename(tmp, path) != 0) {
		(void)unlink(tmp);
		return -1;
	}
	return 0;
}

int
certgen_ensure(const char *cert_path, const char *key_path, const char *host, int *made, char *err, size_t errlen)
{
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	X509_NAME *name;
	unsigned char serial[16];
	BIGNUM *bn = NULL;
	char san[600];
	struct strbuf b;
	int r = -1, is_ip;

	*made = 0;
	if (access(cert_path, F_OK) == 0 && access(key_path, F_OK) == 0)
		return 0;
	is_ip = strspn(host, "0123456789.:abcdefABCDEF") == strlen(host) && strpbrk(host, ".:") != NULL;
	strbuf_init_fixed(&b, san, sizeof(san));
	strbuf_addf(&b, "DNS:localhost,IP:127.0.0.1,IP:::1");
	if (strcmp(host, "127.0.0.1") != 0 && strcmp(host, "::1") != 0 && strcmp(host, "localhost") != 0 &&
	    strcmp(host, "0.0.0.0") != 0 && strcmp(host, "::") != 0 && strpbrk(host, ",\n") == NULL)
		strbuf_addf(&b, ",%s:%s", is_ip ? "IP" : "DNS", host);
	if (b.cut) {
		snprintf(err, errlen, "console host name too long for a certificate");
		return -1;
	}
	if ((key = EVP_EC_gen("P-256")) == NULL || (cert = X509_new()) == NULL ||
	    RAND_bytes(serial, sizeof(serial)) != 1 || (bn = BN_bin2bn(serial, sizeof(serial), NULL)) == NULL ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) == NULL || X509_set_version(cert, 2) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(cert), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(cert), 397L * 24 * 3600) == NULL || X509_set_pubkey(cert, key) != 1 ||
	    (name = X509_get_subject_name(cert)) == NULL ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"remgate console", -1, -1, 0) != 1 ||
	    X509_set_issuer_name(cert, name) != 1 || add_ext(cert, NID_subject_alt_name, san) != 0 ||
	    add_ext(cert, NID_basic_constraints, "critical,CA:FALSE") != 0 ||
	    add_ext(cert, NID_ext_key_usage, "serverAuth") != 0 || X509_sign(cert, key, EVP_sha256()) == 0) {
		snprintf(err, errlen, "cannot make a self-signed console certificate (OpenSSL)");
		goto out;
	}
	if (write_pem(key_path, 0600, key, NULL) != 0 || write_pem(cert_path, 0644, NULL, cert) != 0) {
		snprintf(err, errlen, "cannot write the console certificate %s and key %s: %s", cert_path, key_path,
		    strerror(errno));
		goto out;
	}
	*made = 1;
	r = 0;
out:
	BN_free(bn);
	X509_free(cert);
	EVP_PKEY_free(key);
	return r;
}

int
certgen_fingerprint(const char *cert_path, char *out, size_t outlen)
{
	FILE *f = fopen(cert_path, "re");
	X509 *cert;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	struct strbuf b;

	if (f == NULL)
		return -1;
	cert = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (cert == NULL || X509_digest(cert, EVP_sha256(), md, &n) != 1) {
		X509_free(cert);
		return -1;
	}
	X509_free(cert);
	strbuf_init_fixed(&b, out, outlen);
	strbuf_addf(&b, "SHA256:");
	for (unsigned int i = 0; i < n; i++)
		strbuf_addf(&b, "%s%02X", i ? ":" : "", md[i]);
	return b.cut ? -1 : 0;
}
