/*
 * Approval tokens. A token is "rg-<approval id>-<secret>", the secret 136
 * random bits in lower-case base32. It is shown once; the store keeps only
 * a random 16-byte salt and SHA-256(salt || secret).
 */
#ifndef REMGATE_TOKEN_H
#define REMGATE_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#define TOKEN_SALT_LEN 16
#define TOKEN_HASH_LEN 32
#define TOKEN_SECRET_LEN 28	/* base32 characters: 17 random bytes */
#define TOKEN_MAX_LEN 64

/* Make a new secret (NUL-terminated, TOKEN_SECRET_LEN chars). 0 or -1. */
int token_secret_new(char secret[TOKEN_SECRET_LEN + 1]);

/* Salt and hash for storing a secret. 0 or -1. */
int token_hash_new(const char *secret, unsigned char salt[TOKEN_SALT_LEN],
    unsigned char hash[TOKEN_HASH_LEN]);

/* Does secret match salt+hash? Constant time in the secret's content. */
int token_matches(const char *secret, const unsigned char *salt, size_t salt_len,
    const unsigned char *hash, size_t hash_len);

/* Compose "rg-ID-SECRET" into out. */
void token_format(int64_t approval_id, const char *secret, char *out, size_t outlen);

/*
 * Split a presented token into approval id and secret (copied into
 * secret, NUL-terminated). Surrounding white space is ignored.
 * 0, or -1 if it is not of the token's form.
 */
int token_parse(const char *tok, int64_t *approval_id, char secret[TOKEN_SECRET_LEN + 1]);

#endif
