/*
 * The history of the gateway's signing keys, kept in the store so that a
 * report or recording sealed before a key rotation still verifies: every
 * key ever used stays listed with the time span it was in use.
 */
#ifndef REMGATE_KEYHISTORY_H
#define REMGATE_KEYHISTORY_H
#include <stddef.h>
#include <stdint.h>
#include "sigkey.h"
#include "store.h"

struct keyhistory_row {
	const char *fingerprint;
	const char *public_key;		/* "ssh-ed25519 AAAA…" */
	uint8_t pub[SIGKEY_PUB_LEN];
	int64_t valid_after;
	int64_t valid_before;		/* 0: the current key */
	const char *retired_by;
};

/* Make sure key is listed (in use from now if new). 0 or -1. */
int keyhistory_note_key(struct store *st, const struct sigkey *key, int64_t now);
/*
 * An OpenSSH allowed_signers line for pub:
 *   PRINCIPAL namespaces="NS",valid-after="YYYYMMDDhhmmssZ"[,valid-before=…] ssh-ed25519 AAAA…
 * (options are one comma-separated field, as ssh-keygen reads them)
 * valid_after/valid_before 0 leave the option out. 0 or -1.
 */
int keyhistory_allowed_signers_line(const char *principal, const char *namespaces,
    const uint8_t pub[SIGKEY_PUB_LEN], int64_t valid_after, int64_t valid_before, char *out, size_t outlen);
/* A set of keys to check signatures with, and when each was in use. */
#define KEYRING_MAX 32
struct keyring {
	size_t n;
	struct {
		uint8_t pub[SIGKEY_PUB_LEN];
		char fingerprint[80];
		int64_t valid_after, valid_before;	/* 0: unbounded */
	} k[KEYRING_MAX];
};

/* Every key of this gateway's history. 0 or -1. */
int keyring_from_store(struct store *st, struct keyring *kr);
/* The signing key in use now, if the history does not list it yet (a reader cannot write it there). 0 or -1. */
int keyring_add_current(struct keyring *kr, const uint8_t pub[SIGKEY_PUB_LEN]);
/*
 * The Ed25519 keys of an allowed_signers file whose namespaces (if given)
 * include ns. 0, or -1 with errno (unreadable) or EINVAL (no usable key).
 */
int keyring_from_allowed_signers(const char *path, const char *ns, struct keyring *kr);
#endif
