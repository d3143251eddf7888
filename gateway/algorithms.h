/*
 * The SSH algorithms the gateway offers, toward engineers and toward
 * devices: what ssh-audit and current OpenSSH consider sound (curve25519,
 * AEAD or CTR ciphers with encrypt-then-MAC, Ed25519 host keys; no
 * compression toward devices; libssh 0.10's server still lists
 * zlib@openssh.com after none, which clients take only when asked). A
 * target may widen its own side for old equipment
 * (`kex`, `ciphers`, `macs`, `host_key_algorithms` in its configuration).
 */
#ifndef REMGATE_ALGORITHMS_H
#define REMGATE_ALGORITHMS_H

#include <stddef.h>

#include <libssh/libssh.h>
#include <libssh/server.h>

#define ALGO_KEX "curve25519-sha256,curve25519-sha256@libssh.org"
#define ALGO_CIPHERS "chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com," \
	"aes256-ctr,aes192-ctr,aes128-ctr"
#define ALGO_MACS "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com"
/* Toward devices the pin decides trust, so any host key type the device has is asked for, Ed25519 first. */
#define ALGO_DEVICE_HOSTKEYS "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521," \
	"rsa-sha2-512,rsa-sha2-256"
/* What the gateway calls itself: no library name or version for scanners to match. */
#define ALGO_SERVER_BANNER "remgate"

/*
 * The engineer side: algorithms and banner on the bind; macs NULL is
 * ALGO_MACS (engineer_macs in the configuration widens it for clients
 * without encrypt-then-MAC, such as libssh2 1.10 in curl). 0 or -1.
 */
int algorithms_bind(ssh_bind b, const char *macs);

/* One device side: the defaults, each replaced by the target's own list if it has one (NULL). 0, or -1 with err. */
int algorithms_client(ssh_session s, const char *kex, const char *ciphers, const char *macs, const char *hostkeys,
    char *err, size_t errlen);

#endif
