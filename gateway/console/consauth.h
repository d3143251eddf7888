/*
 * The web console's secrets (docs/console.md): one-time login links and
 * browser session cookies. Each secret is 32 random bytes in hex; the store
 * keeps its SHA-256 only, so a copy of the store logs nobody in.
 */
#ifndef REMGATE_CONSAUTH_H
#define REMGATE_CONSAUTH_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "store.h"

#define CONSAUTH_SECRET_LEN 64	/* hex characters */

/* A new secret (NUL-terminated hex). 0 or -1. */
int consauth_secret_new(char out[CONSAUTH_SECRET_LEN + 1]);
/* Is s exactly a secret's shape (64 lower-case hex)? Anything else is never looked up. */
int consauth_secret_valid(const char *s);
/* The hex SHA-256 the store keeps for a secret. */
void consauth_hash(const char *secret, char out[65]);
/* Constant-time equality of two NUL-terminated strings of the same length (CSRF tokens). */
int consauth_equal(const char *a, const char *b);

/*
 * A one-time login link for admin, good for cfg->console.login_ttl:
 * "PUBLIC_URL/login?t=SECRET" into url. 0 or -1 (said in err).
 */
int consauth_link_new(struct store *st, const struct config *cfg, const char *admin, int64_t now, char *url,
    size_t urllen, char *err, size_t errlen);

#endif
