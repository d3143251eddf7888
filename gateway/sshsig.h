/*
 * Detached signatures in OpenSSH's SSHSIG format (PROTOCOL.sshsig), made
 * with the gateway's Ed25519 signing key, so that anyone can check a file
 * with stock OpenSSH:  ssh-keygen -Y verify -f allowed_signers -I NAME
 * -n NAMESPACE -s FILE.sig < FILE
 */
#ifndef REMGATE_SSHSIG_H
#define REMGATE_SSHSIG_H

#include <stddef.h>
#include <stdint.h>

#include "sigkey.h"

/* Sign data; *armored gets the "-----BEGIN SSH SIGNATURE-----" text (malloc'd). */
int sshsig_sign(const struct sigkey *k, const char *ns, const void *data, size_t len, char **armored);

/*
 * Check an armored signature of data by pub under namespace ns (SHA-512 or
 * SHA-256 message hashes, Ed25519 keys). 1 good, 0 bad (why in err).
 */
int sshsig_verify(const uint8_t pub[SIGKEY_PUB_LEN], const char *ns, const void *data, size_t len,
    const char *armored, char *err, size_t errlen);

#endif
