/*
 * Escrow of hidden input. What an engineer types where the terminal hides
 * it (a password prompt, `stty -echo`) is not dropped from the record: it
 * is encrypted to a public key the customer holds, whose private half
 * never lives on the gateway. Per session: an ephemeral X25519 key, the
 * shared secret with the escrow key, HKDF-SHA256 to a ChaCha20-Poly1305
 * key; each hidden run is one record, sealed with a counter nonce and the
 * session id in the associated data. The recording's hash chain covers the
 * ciphertext, so verification needs no key; revealing needs the customer's.
 *
 * Records (recfile.h):
 *   REC_ESCROW_KEY      eph_pub[32] sha256(escrow_pub)[32]
 *   REC_INPUT_ESCROWED  u32 n, u8 ends, u64 counter, ciphertext[n], tag[16]
 */
#ifndef REMGATE_ESCROW_H
#define REMGATE_ESCROW_H

#include <stddef.h>
#include <stdint.h>

#define ESCROW_PUB_LEN 32
#define ESCROW_HEADER_LEN 64	/* the REC_ESCROW_KEY payload */
#define ESCROW_OVERHEAD (4 + 1 + 8 + 16)

struct escrow;

/* "x25519:BASE64" (as escrow keygen prints it) into pub. 0, or -1 with err. */
int escrow_parse_public(const char *text, uint8_t pub[ESCROW_PUB_LEN], char *err, size_t errlen);
/* "SHA256:..." of a public key, as the report and reveal name it. */
void escrow_fingerprint(const uint8_t pub[ESCROW_PUB_LEN], char *out, size_t outlen);

/* Gateway side: a session's sealer, and the REC_ESCROW_KEY payload to record first. */
int escrow_session_new(const uint8_t escrow_pub[ESCROW_PUB_LEN], const char *sid, struct escrow **out,
    uint8_t header[ESCROW_HEADER_LEN]);
/* One hidden run as a REC_INPUT_ESCROWED payload (malloc'd). 0 or -1. */
int escrow_seal(struct escrow *e, int ends, const uint8_t *data, size_t len, uint8_t **out, size_t *outlen);
void escrow_free(struct escrow *e);

/* Customer side. The private key (PEM, PKCS#8 X25519) from escrow keygen. */
struct escrow_key;
int escrow_key_load(const char *path, struct escrow_key **out, char *err, size_t errlen);
void escrow_key_free(struct escrow_key *k);
void escrow_key_public(const struct escrow_key *k, uint8_t pub[ESCROW_PUB_LEN]);
/* A session's opener from its REC_ESCROW_KEY payload; -1 with err if the key is not the one used. */
int escrow_session_open(const struct escrow_key *k, const char *sid, const uint8_t *header, size_t hlen,
    struct escrow **out, char *err, size_t errlen);
/* Decrypt one REC_INPUT_ESCROWED payload (plain malloc'd). 0, or -1: damaged or not this session's. */
int escrow_open(struct escrow *e, const uint8_t *payload, size_t len, uint8_t **plain, size_t *plen, int *ends);
/* The length and end flag in clear (for command extraction without the key). 0 or -1. */
int escrow_peek(const uint8_t *payload, size_t len, size_t *n, int *ends);

/* Make a key pair: the private key to path (0600, a new file), the "x25519:..." text into pub. */
int escrow_keygen(const char *path, char *pub, size_t publen, char *err, size_t errlen);

#endif
