/*
 * remgatectl: approval certificates (sshcert.h) for the engineer's own
 * key, made when an approval is created (approve --cert-for / --cert-key,
 * requests approve --cert-key).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libssh/libssh.h>

#include "config.h"
#include "ctl.h"
#include "keys.h"
#include "sigkey.h"
#include "sshcert.h"

/* Read the one public key line of path into line. 0, or -1 said on stderr. */
int
ctl_read_key_file(const char *path, char *line, size_t linelen)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return ctl_fail("--cert-for %s: %s", path, strerror(errno));
	if (fgets(line, (int)linelen, f) == NULL) {
		fclose(f);
		return ctl_fail("--cert-for %s: the file is empty", path);
	}
	fclose(f);
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	return 0;
}

/*
 * Is key_line one of the engineer's authorized keys? A certificate for any
 * other key would only be refused at login. 0 yes; -1 said on stderr. With
 * blob, its key blob (malloc'd) for the certificate.
 */
int
ctl_cert_key_check(struct ctl *c, const char *engineer, const char *key_line, char *type, size_t typelen,
    uint8_t **blob, size_t *len)
{
	const struct principal *p = config_engineer(c->cfg, engineer);
	uint8_t *b = NULL;
	size_t n;
	ssh_key key = NULL;
	int authorized;

	if (p == NULL)
		return ctl_fail("unknown engineer '%s'", engineer);
	if (sshcert_parse_line(key_line, type, typelen, &b, &n) != 0 || keys_from_blob(b, n, &key) != 0) {
		free(b);
		return ctl_fail("%s", "the certificate key is not an OpenSSH public key line (ssh-ed25519 AAAA...)");
	}
	authorized = config_key_authorized(p, key);
	ssh_key_free(key);
	if (!authorized) {
		free(b);
		return ctl_fail("the key is not one of %s's authorized keys: a certificate is only made for the "
		    "engineer's own key", engineer);
	}
	if (blob != NULL) {
		*blob = b;
		*len = n;
	} else {
		free(b);
	}
	return 0;
}

/* The certificate line for approval id, for key_line (checked as above). *out is malloc'd. 0, or -1 said. */
int
ctl_approval_cert(struct ctl *c, const char *engineer, const char *target, int64_t id, const char *ticket,
    int64_t valid_from, int64_t valid_until, const char *key_line, char **out)
{
	struct sigkey *ca = NULL;
	char type[64], cert_type[96], err[300], principal[200], key_id[300];
	uint8_t *blob = NULL, *cert = NULL;
	size_t len, clen;
	int r = -1;

	*out = NULL;
	if (ctl_cert_key_check(c, engineer, key_line, type, sizeof(type), &blob, &len) != 0)
		return -1;
	if (sigkey_load(c->cfg->approval_ca, &ca, err, sizeof(err)) != 0) {
		free(blob);
		return ctl_fail("the approval CA: %s (remgated makes it at its first start)", err);
	}
	snprintf(principal, sizeof(principal), "%s+%s", engineer, target);
	snprintf(key_id, sizeof(key_id), "remgate approval %lld, ticket %s, %s", (long long)id, ticket, principal);
	if (sshcert_make(ca, blob, len, (uint64_t)id, key_id, principal, (uint64_t)valid_from, (uint64_t)valid_until,
	    &cert, &clen, err, sizeof(err)) != 0) {
		ctl_fail("cannot make the certificate: %s", err);
	} else {
		snprintf(cert_type, sizeof(cert_type), "%s-cert-v01@openssh.com", type);
		if ((*out = sshcert_line(cert_type, cert, clen, key_id)) == NULL)
			ctl_fail("%s", "out of memory");
		else
			r = 0;
	}
	sigkey_free(ca);
	free(blob);
	free(cert);
	return r;
}

/* FILE.pub -> FILE-cert.pub (OpenSSH's convention), written 0644; the path into out. 0 or -1 said. */
int
ctl_write_cert(const char *key_path, const char *cert_line, char *out, size_t outlen)
{
	size_t n = strlen(key_path);
	int fd;
	FILE *f;

	if (n > 4 && strcmp(key_path + n - 4, ".pub") == 0)
		n -= 4;
	if ((size_t)snprintf(out, outlen, "%.*s-cert.pub", (int)n, key_path) >= outlen)
		return ctl_fail("--cert-for %s: the path is too long", key_path);
	if ((fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0 || (f = fdopen(fd, "w")) == NULL) {
		if (fd >= 0)
			close(fd);
		return ctl_fail("cannot write %s: %s", out, strerror(errno));
	}
	fprintf(f, "%s\n", cert_line);
	if (fclose(f) != 0)
		return ctl_fail("cannot write %s: %s", out, strerror(errno));
	return 0;
}
