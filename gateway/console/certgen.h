/*
 * The console's TLS certificate: when the configuration names none, a
 * self-signed one (ECDSA P-256) is made on first start and kept in
 * state_dir, so the fingerprint admins compare stays the same.
 */
#ifndef REMGATE_CERTGEN_H
#define REMGATE_CERTGEN_H

#include <stddef.h>

/*
 * Make cert_path and key_path (key 0600) for host (a name or an address;
 * localhost, 127.0.0.1 and ::1 are always in it) unless both exist.
 * *made is 1 if they were made now. 0, or -1 said in err.
 */
int certgen_ensure(const char *cert_path, const char *key_path, const char *host, int *made, char *err, size_t errlen);
/* "SHA256:AB:CD:..." of the PEM certificate at path. 0 or -1. */
int certgen_fingerprint(const char *cert_path, char *out, size_t outlen);

#endif
