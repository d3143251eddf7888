/*
 * libFuzzer target: the reveal side of the escrow (escrow.c), which reads
 * REC_ESCROW_KEY and REC_INPUT_ESCROWED payloads out of a recording an
 * attacker may have edited. The input is a header (first 64 bytes) and a
 * sealed record (the rest), opened with a fixed customer key; also one
 * genuine record with the input's bytes flipped in. No crash, no leak, and
 * nothing decrypts that was not sealed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "escrow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct escrow_key *key;
static uint8_t pub[ESCROW_PUB_LEN];

static void
setup(void)
{
	char path[] = "/tmp/remgate-fuzz-escrow.XXXXXX", text[128], err[256];
	int fd = mkstemp(path);

	if (fd < 0)
		abort();
	close(fd);
	unlink(path);	/* keygen wants a new file */
	if (escrow_keygen(path, text, sizeof(text), err, sizeof(err)) != 0 ||
	    escrow_parse_public(text, pub, err, sizeof(err)) != 0 || escrow_key_load(path, &key, err, sizeof(err)) != 0)
		abort();
	unlink(path);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct escrow *open = NULL, *seal = NULL;
	uint8_t header[ESCROW_HEADER_LEN], *rec = NULL, *plain = NULL;
	size_t rlen = 0, plen = 0, n;
	int ends;
	char err[256];

	if (key == NULL)
		setup();
	/* Attacker-made header and record. */
	if (size >= ESCROW_HEADER_LEN &&
	    escrow_session_open(key, "0123456789abcdef", data, ESCROW_HEADER_LEN, &open, err, sizeof(err)) == 0) {
		if (escrow_open(open, data + ESCROW_HEADER_LEN, size - ESCROW_HEADER_LEN, &plain, &plen, &ends) == 0)
			abort();	/* forged without the session key: must never open */
		escrow_free(open);
		open = NULL;
	}
	(void)escrow_peek(data, size, &n, &ends);
	/* A genuine record with the input XORed over it: opens only if unchanged. */
	if (escrow_session_new(pub, "0123456789abcdef", &seal, header) != 0 ||
	    escrow_session_open(key, "0123456789abcdef", header, sizeof(header), &open, err, sizeof(err)) != 0)
		abort();
	if (escrow_seal(seal, 1, (const uint8_t *)"secret", 6, &rec, &rlen) != 0)
		abort();
	int changed = 0;
	for (size_t i = 0; i < size && i < rlen; i++) {
		rec[i] ^= data[i];
		changed |= data[i] != 0;
	}
	if (escrow_open(open, rec, rlen, &plain, &plen, &ends) == 0) {
		if (changed)
			abort();	/* a changed record decrypted */
		free(plain);
	}
	free(rec);
	escrow_free(seal);
	escrow_free(open);
	return 0;
}
