/*
 * The gateway's signing key: Ed25519, kept as a PKCS#8 PEM file (0600),
 * used to seal recordings and (later) sign reports. Its public half is
 * printed in OpenSSH's format so that stock tools can check signatures.
 */
#ifndef REMGATE_SIGKEY_H
#define REMGATE_SIGKEY_H

#include <stddef.h>
#include <stdint.h>

#define SIGKEY_PUB_LEN 32
#define SIGKEY_SIG_LEN 64

struct sigkey;

/* Load path, generating a new key there first if it does not exist. */
int sigkey_load_or_generate(const char *path, struct sigkey **out, int *generated, char *err, size_t errlen);
/* Write a new key to path (created 0600, must not exist). 0 or -1. */
int sigkey_generate(const char *path, char *err, size_t errlen);
/* Load an existing key; -1 with a reason if missing or not an Ed25519 key. */
int sigkey_load(const char *path, struct sigkey **out, char *err, size_t errlen);
void sigkey_free(struct sigkey *k);

int sigkey_sign(const struct sigkey *k, const void *msg, size_t len, uint8_t sig[SIGKEY_SIG_LEN]);
void sigkey_public(const struct sigkey *k, uint8_t pub[SIGKEY_PUB_LEN]);

/* 1 if sig is pub's signature of msg, else 0. */
int sigkey_verify(const uint8_t pub[SIGKEY_PUB_LEN], const void *msg, size_t len, const uint8_t sig[SIGKEY_SIG_LEN]);

/* "ssh-ed25519 AAAA… comment" for a raw public key. 0 or -1. */
int sigkey_public_line(const uint8_t pub[SIGKEY_PUB_LEN], const char *comment, char *out, size_t outlen);
/* Parse "ssh-ed25519 AAAA…" back into a raw public key. 0 or -1. */
int sigkey_parse_public_line(const char *line, uint8_t pub[SIGKEY_PUB_LEN]);
/* "SHA256:…" of the OpenSSH public key blob, as ssh-keygen -lf prints it. */
int sigkey_fingerprint(const uint8_t pub[SIGKEY_PUB_LEN], char *out, size_t outlen);

#endif
