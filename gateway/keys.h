/*
 * Ed25519 key files the gateway owns: its SSH host key and the vaulted
 * identities it logs in to targets with. Generated 0600 when missing.
 */
#ifndef REMGATE_KEYS_H
#define REMGATE_KEYS_H

#include <stddef.h>

#include <libssh/libssh.h>

/*
 * Load the private key at path, generating an Ed25519 key (and path.pub)
 * first if the file does not exist. *generated says which happened.
 */
int keys_load_or_generate(const char *path, ssh_key *out, int *generated, char *err, size_t errlen);

/* "SHA256:…" as ssh-keygen -lf prints it. 0 or -1. */
int keys_fingerprint(const ssh_key key, char *out, size_t outlen);

/* Is it an OpenSSH certificate ("…-cert-v01@openssh.com")? */
int keys_is_cert(const ssh_key key);
/* A libssh key from a public key blob (string type, then its fields). 0 or -1. */
int keys_from_blob(const uint8_t *blob, size_t len, ssh_key *out);
/* The key a certificate certifies (sshcert.h reads it). 0, or -1 if it is no certificate we read. */
int keys_certified(const ssh_key cert, ssh_key *plain);

/* "ssh-ed25519 AAAA… comment". 0 or -1. */
int keys_public_line(const ssh_key key, const char *comment, char *out, size_t outlen);

#endif
