/*
 * SSH wire encoding (RFC 4251 §5) appended to a recbuf: what SSHSIG
 * signatures and approval certificates are built from.
 */
#ifndef REMGATE_SSHWIRE_H
#define REMGATE_SSHWIRE_H

#include <stddef.h>
#include <stdint.h>

#include "recfile.h"	/* struct recbuf */

/* Each appends; 0, or -1 out of memory. */
int sshwire_u32(struct recbuf *b, uint32_t v);
int sshwire_u64(struct recbuf *b, uint64_t v);
int sshwire_string(struct recbuf *b, const void *p, size_t n);
int sshwire_cstring(struct recbuf *b, const char *s);
/* An Ed25519 public key blob (string "ssh-ed25519", string key), as one string. */
int sshwire_ed25519_key(struct recbuf *b, const uint8_t pub[32]);

#endif
