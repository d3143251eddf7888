/* Loading and generating the gateway's own Ed25519 key files. */
#include "keys.h"

#include <errno.h>
#include <libgen.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sshcert.h"
#include "util.h"

int
keys_fingerprint(const ssh_key key, char *out, size_t outlen)
{
	unsigned char *hash = NULL;
	size_t hlen = 0;
	char *fp;
	int r = -1;

	if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) != 0)
		return -1;
	if ((fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen)) != NULL) {
		int n = snprintf(out, outlen, "%s", fp);
		r = (n > 0 && (size_t)n < outlen) ? 0 : -1;
		ssh_string_free_char(fp);
	}
	ssh_clean_pubkey_hash(&hash);
	return r;
}

int
keys_public_line(const ssh_key key, const char *comment, char *out, size_t outlen)
{
	char *b64 = NULL;
	int n;

	if (ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK)
		return -1;
	n = snprintf(out, outlen, "%s %s%s%s", ssh_key_type_to_char(ssh_key_type(key)), b64,
	    comment ? " " : "", comment ? comment : "");
	ssh_string_free_char(b64);
	return (n > 0 && (size_t)n < outlen) ? 0 : -1;
}

static int
write_public(const ssh_key key, const char *path)
{
	char pub[PATH_MAX], line[1024];
	FILE *f;
	int n = snprintf(pub, sizeof(pub), "%s.pub", path);

	if (n < 0 || (size_t)n >= sizeof(pub) || keys_public_line(key, "remgate", line, sizeof(line)) != 0)
		return -1;
	{
		int fd = open(pub, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);

		if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
			if (fd >= 0)
				close(fd);
			return -1;
		}
	}
	fprintf(f, "%s\n", line);
	return fclose(f) == 0 ? 0 : -1;
}

static int
generate(const char *path, char *err, size_t errlen)
{
	ssh_key key = NULL;
	char dir[PATH_MAX];
	mode_t old;
	int r = -1;

	snprintf(dir, sizeof(dir), "%s", path);
	if (util_mkdirs(dirname(dir), 0700) != 0) {
		snprintf(err, errlen, "%s: cannot create its directory: %s", path, strerror(errno));
		return -1;
	}
	if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key) != SSH_OK) {
		snprintf(err, errlen, "%s: cannot generate an Ed25519 key", path);
		return -1;
	}
	old = umask(077);
	if (ssh_pki_export_privkey_file(key, NULL, NULL, NULL, path) != SSH_OK) {
		snprintf(err, errlen, "%s: cannot write the new key: %s", path, strerror(errno));
	} else if (chmod(path, 0600) != 0) {
		snprintf(err, errlen, "%s: cannot set mode 0600: %s", path, strerror(errno));
	} else if (write_public(key, path) != 0) {
		snprintf(err, errlen, "%s.pub: cannot write the public key: %s", path, strerror(errno));
	} else {
		r = 0;
	}
	umask(old);
	ssh_key_free(key);
	return r;
}

int
keys_load_or_generate(const char *path, ssh_key *out, int *generated, char *err, size_t errlen)
{
	*out = NULL;
	if (util_make_if_missing(path, generate, generated, err, errlen) != 0)
		return -1;
	if (ssh_pki_import_privkey_file(path, NULL, NULL, NULL, out) != SSH_OK) {
		snprintf(err, errlen, "%s: not a readable unencrypted private key", path);
		return -1;
	}
	return 0;
}

int
keys_is_cert(const ssh_key key)
{
	const char *t = ssh_key_type_to_char(ssh_key_type(key));

	return t != NULL && sshcert_is_cert_type(t);
}

int
keys_from_blob(const uint8_t *blob, size_t len, ssh_key *out)
{
	char ktype[64], *line;
	size_t tl;
	int r;

	*out = NULL;
	if (len < 4)
		return -1;
	tl = (size_t)blob[0] << 24 | (size_t)blob[1] << 16 | (size_t)blob[2] << 8 | blob[3];
	if (tl >= sizeof(ktype) || len <= 4 + tl)
		return -1;
	memcpy(ktype, blob + 4, tl);
	ktype[tl] = '\0';
	if ((line = sshcert_line("", blob, len, "")) == NULL)
		return -1;
	r = ssh_pki_import_pubkey_base64(line + 1, ssh_key_type_from_name(ktype), out) == SSH_OK ? 0 : -1;
	free(line);
	return r;
}

int
keys_certified(const ssh_key cert, ssh_key *plain)
{
	char *b64 = NULL, *line = NULL, type[64], err[200];
	uint8_t *blob = NULL;
	size_t len;
	struct sshcert *c = calloc(1, sizeof(*c));
	int r = -1;

	*plain = NULL;
	if (c == NULL || ssh_pki_export_pubkey_base64(cert, &b64) != SSH_OK ||
	    asprintf(&line, "%s %s", ssh_key_type_to_char(ssh_key_type(cert)), b64) < 0)
		goto out;
	if (sshcert_parse_line(line, type, sizeof(type), &blob, &len) != 0 ||
	    sshcert_parse(blob, len, c, err, sizeof(err)) != 0)
		goto out;
	r = keys_from_blob(c->key, c->key_len, plain);
out:
	ssh_string_free_char(b64);
	free(line);
	free(blob);
	free(c);
	return r;
}
