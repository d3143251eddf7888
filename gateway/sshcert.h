/*
 * Approval certificates: OpenSSH user certificates (PROTOCOL.certkeys)
 * signed by the gateway's approval CA (Ed25519). One certifies an
 * engineer's own public key for one approval: principal ENGINEER+TARGET,
 * serial = approval id, valid-after/valid-before = the approval's window.
 * A client that cannot answer the token prompt (BatchMode, ansible, cron)
 * logs in with the key and its certificate; the store still decides
 * (revocation, sessions left). Certificates made by stock
 * `ssh-keygen -s` with the same CA key are the same bytes in another order
 * of extensions, and are read alike.
 */
#ifndef REMGATE_SSHCERT_H
#define REMGATE_SSHCERT_H

#include <stddef.h>
#include <stdint.h>

#include "sigkey.h"

#define SSHCERT_MAX_BLOB 16384
#define SSHCERT_MAX_PRINCIPALS 16
#define SSHCERT_USER 1

struct sshcert {
	char type[64];			/* "ssh-ed25519-cert-v01@openssh.com" ... */
	uint8_t key[2048];		/* the certified key as a plain public key blob */
	size_t key_len;
	uint64_t serial;
	uint32_t cert_type;		/* SSHCERT_USER or 2 (host) */
	char key_id[256];
	char principals[SSHCERT_MAX_PRINCIPALS][128];
	size_t nprincipals;
	uint64_t valid_after, valid_before;
	size_t ncritical;		/* critical options: the gateway honours none, so any refuses it */
	uint8_t ca[SIGKEY_PUB_LEN];	/* who signed it (Ed25519 CAs only) */
};

/*
 * A user certificate for key_blob (a plain public key blob: Ed25519, RSA
 * or ECDSA), signed by ca. *blob is malloc'd. 0, or -1 with why in err.
 */
int sshcert_make(const struct sigkey *ca, const uint8_t *key_blob, size_t key_len, uint64_t serial,
    const char *key_id, const char *principal, uint64_t valid_after, uint64_t valid_before, uint8_t **blob,
    size_t *len, char *err, size_t errlen);

/* Read a certificate and check its signature by the CA it names. 0, or -1 with why in err. */
int sshcert_parse(const uint8_t *blob, size_t len, struct sshcert *c, char *err, size_t errlen);

/* Is type an OpenSSH certificate type ("…-cert-v01@openssh.com")? */
int sshcert_is_cert_type(const char *type);

/* Is name one of its principals? */
int sshcert_has_principal(const struct sshcert *c, const char *name);

/* "TYPE BASE64 comment" of a blob (a key or a certificate), malloc'd; NULL out of memory. */
char *sshcert_line(const char *type, const uint8_t *blob, size_t len, const char *comment);
/* The blob of a "TYPE BASE64 [comment]" line, malloc'd, and its type. 0 or -1. */
int sshcert_parse_line(const char *line, char *type, size_t typelen, uint8_t **blob, size_t *len);

#endif
