/* Encoding and checking recording files; the format is in docs/recording-format.md. */
#include "recfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "sigkey.h"

#define SEAL_LEN (4 + RECFILE_HASH_LEN + 8 + SIGKEY_SIG_LEN)

const char *
recfile_type_name(int type)
{
	switch (type) {
	case REC_HEADER: return "header";
	case REC_SEAL: return "seal";
	case REC_INPUT: return "input";
	case REC_OUTPUT: return "output";
	case REC_STDERR: return "stderr";
	case REC_INPUT_MASKED: return "input-masked";
	case REC_INPUT_ESCROWED: return "input-escrowed";
	case REC_ESCROW_KEY: return "escrow-key";
	case REC_PTY: return "pty";
	case REC_RESIZE: return "resize";
	case REC_EXEC: return "exec";
	case REC_SHELL: return "shell";
	case REC_ENV: return "env";
	case REC_EOF: return "eof";
	case REC_EXIT: return "exit";
	case REC_EVENT: return "event";
	case REC_TRANSFER: return "transfer";
	case REC_SUBSYSTEM: return "subsystem";
	default: return "unknown";
	}
}

int
recbuf_put(struct recbuf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		uint8_t *d;

		while (cap < b->len + n)
			cap *= 2;
		if ((d = realloc(b->data, cap)) == NULL)
			return -1;
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

void
recbuf_free(struct recbuf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

static void
put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

static uint32_t
get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t
get_be64(const uint8_t *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

/* SHA-256(prev || a || b). */
static int
chain_hash(const uint8_t prev[RECFILE_HASH_LEN], const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
    uint8_t out[RECFILE_HASH_LEN])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok = md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(md, prev, RECFILE_HASH_LEN) == 1 && EVP_DigestUpdate(md, a, alen) == 1 &&
	    (blen == 0 || EVP_DigestUpdate(md, b, blen) == 1) && EVP_DigestFinal_ex(md, out, NULL) == 1;

	EVP_MD_CTX_free(md);
	return ok ? 0 : -1;
}

int
recfile_encode(struct recbuf *out, uint8_t prev[RECFILE_HASH_LEN], uint8_t type,
    uint64_t time_us, uint32_t seq, const void *data, uint32_t len)
{
	uint8_t head[4 + RECFILE_FIXED], hash[RECFILE_HASH_LEN];

	if (len > RECFILE_MAX_DATA)
		return -1;
	put_be32(head, RECFILE_FIXED + len);
	head[4] = type;
	put_be64(head + 5, time_us);
	put_be32(head + 13, seq);
	if (chain_hash(prev, head, sizeof(head), data, len, hash) != 0 ||
	    recbuf_put(out, head, sizeof(head)) != 0 || (len > 0 && recbuf_put(out, data, len) != 0) ||
	    recbuf_put(out, hash, sizeof(hash)) != 0)
		return -1;
	memcpy(prev, hash, RECFILE_HASH_LEN);
	return 0;
}

size_t
recfile_seal_message(const uint8_t head[RECFILE_HASH_LEN], uint32_t count, uint8_t *out, size_t outlen)
{
	size_t n = sizeof(RECFILE_SEAL_CONTEXT);	/* with its NUL */

	if (outlen < n + RECFILE_HASH_LEN + 4)
		return 0;
	memcpy(out, RECFILE_SEAL_CONTEXT, n);
	memcpy(out + n, head, RECFILE_HASH_LEN);
	put_be32(out + n + RECFILE_HASH_LEN, count);
	return n + RECFILE_HASH_LEN + 4;
}

int
recfile_encode_seal(struct recbuf *out, uint8_t prev[RECFILE_HASH_LEN], uint32_t seq, uint64_t time_us,
    const struct sigkey *key)
{
	uint8_t seal[SEAL_LEN], msg[128];
	size_t mlen = recfile_seal_message(prev, seq, msg, sizeof(msg));

	put_be32(seal, seq);
	memcpy(seal + 4, prev, RECFILE_HASH_LEN);
	put_be64(seal + 4 + RECFILE_HASH_LEN, time_us);
	if (sigkey_sign(key, msg, mlen, seal + 12 + RECFILE_HASH_LEN) != 0)
		return -1;
	return recfile_encode(out, prev, REC_SEAL, time_us, seq, seal, sizeof(seal));
}

void
rec_reader_init(struct rec_reader *r, const uint8_t *buf, size_t len, uint64_t base)
{
	memset(r, 0, sizeof(*r));
	r->buf = buf;
	r->len = len;
	r->base = base;
}

enum rec_status
rec_reader_next(struct rec_reader *r, struct rec *out)
{
	const uint8_t *p = r->buf + r->pos;
	size_t left = r->len - r->pos;
	uint32_t len;

	if (left == 0)
		return REC_NEXT_END;
	out->offset = r->base + r->pos;
	if (left < 4)
		return REC_NEXT_TRUNCATED;
	len = get_be32(p);
	if (len < RECFILE_FIXED || len > RECFILE_FIXED + RECFILE_MAX_DATA)
		return REC_NEXT_BAD_LENGTH;
	if (left < 4 + (size_t)len + RECFILE_HASH_LEN)
		return REC_NEXT_TRUNCATED;
	out->type = p[4];
	out->time_us = get_be64(p + 5);
	out->seq = get_be32(p + 13);
	out->data = p + 4 + RECFILE_FIXED;
	out->len = len - RECFILE_FIXED;
	if (chain_hash(r->prev, p, 4 + (size_t)len, NULL, 0, out->hash) != 0 ||
	    CRYPTO_memcmp(out->hash, p + 4 + len, RECFILE_HASH_LEN) != 0)
		return REC_NEXT_BAD_HASH;
	if (out->seq != r->next_seq)
		return REC_NEXT_BAD_SEQ;
	memcpy(r->prev, out->hash, RECFILE_HASH_LEN);
	r->next_seq++;
	r->pos += 4 + (size_t)len + RECFILE_HASH_LEN;
	return REC_NEXT_OK;
}

/* The "session" string of the header's JSON, for messages. */
static void
header_session(const struct rec *h, char *out, size_t outlen)
{
	static const char key[] = "\"session\":\"";
	const uint8_t *end = h->data + h->len, *p;
	size_t i = 0;

	out[0] = '\0';
	for (p = h->data; p + sizeof(key) - 1 <= end; p++) {
		if (memcmp(p, key, sizeof(key) - 1) != 0)
			continue;
		for (p += sizeof(key) - 1; p < end && *p != '"' && i + 1 < outlen; p++)
			out[i++] = (char)*p;
		out[i] = '\0';
		return;
	}
}

static void
bad(struct rec_check *c, uint32_t record, uint64_t offset, const char *why)
{
	c->verdict = REC_TAMPERED;
	c->bad_record = record;
	c->bad_offset = offset;
	snprintf(c->reason, sizeof(c->reason), "%s", why);
}

void
recfile_check(const uint8_t *file, size_t len, const uint8_t *pub, struct rec_check *c)
{
	struct rec_reader r;
	struct rec rec;
	enum rec_status st;
	uint8_t msg[128];
	size_t mlen;

	memset(c, 0, sizeof(*c));
	if (len < RECFILE_MAGIC_LEN || memcmp(file, RECFILE_MAGIC, RECFILE_MAGIC_LEN) != 0) {
		bad(c, 0, 0, "not a remgate recording (bad magic line)");
		return;
	}
	rec_reader_init(&r, file + RECFILE_MAGIC_LEN, len - RECFILE_MAGIC_LEN, RECFILE_MAGIC_LEN);
	for (;;) {
		st = rec_reader_next(&r, &rec);
		if (st == REC_NEXT_END) {
			c->verdict = REC_UNSEALED;
			return;
		}
		if (st == REC_NEXT_TRUNCATED) {
			c->verdict = REC_UNSEALED;
			c->truncated_tail = 1;
			c->bad_offset = rec.offset;
			return;
		}
		if (st == REC_NEXT_BAD_LENGTH) {
			bad(c, r.next_seq, rec.offset, "impossible record length");
			return;
		}
		if (st == REC_NEXT_BAD_HASH) {
			bad(c, r.next_seq, rec.offset, "hash mismatch: the record or one before it was changed");
			return;
		}
		if (st == REC_NEXT_BAD_SEQ) {
			bad(c, r.next_seq, rec.offset, "out of sequence: a record was removed, repeated or moved");
			return;
		}
		if (rec.seq == 0) {
			if (rec.type != REC_HEADER) {
				bad(c, 0, rec.offset, "the first record is not a header");
				return;
			}
			header_session(&rec, c->session, sizeof(c->session));
			c->first_us = rec.time_us;
		} else if (rec.type == REC_HEADER) {
			bad(c, rec.seq, rec.offset, "a second header");
			return;
		}
		if (rec.type != REC_SEAL) {
			c->records++;
			c->last_us = rec.time_us;
			memcpy(c->head, rec.hash, RECFILE_HASH_LEN);
			continue;
		}
		/* The seal: count and head must be what we just walked, signed. */
		if (rec.len != SEAL_LEN || get_be32(rec.data) != c->records ||
		    CRYPTO_memcmp(rec.data + 4, c->head, RECFILE_HASH_LEN) != 0) {
			bad(c, rec.seq, rec.offset, "the seal does not match the records before it");
			return;
		}
		memcpy(c->seal_sig, rec.data + 4 + RECFILE_HASH_LEN + 8, sizeof(c->seal_sig));
		mlen = recfile_seal_message(c->head, c->records, msg, sizeof(msg));
		if (pub != NULL && !sigkey_verify(pub, msg, mlen, c->seal_sig)) {
			bad(c, rec.seq, rec.offset, "the seal's signature does not verify with the gateway's signing key");
			return;
		}
		if (r.pos != r.len) {
			bad(c, rec.seq + 1, r.base + r.pos, "data after the seal");
			return;
		}
		c->verdict = REC_SEALED;
		return;
	}
}

int
recfile_seal_signed_by(const struct rec_check *c, const uint8_t *pub)
{
	uint8_t msg[128];
	size_t mlen;

	if (c->verdict != REC_SEALED)
		return 0;
	mlen = recfile_seal_message(c->head, c->records, msg, sizeof(msg));
	return sigkey_verify(pub, msg, mlen, c->seal_sig);
}

int
recfile_each(const uint8_t *file, size_t len, int (*cb)(const struct rec *, void *), void *arg)
{
	struct rec_reader rd;
	struct rec rec;

	if (len < RECFILE_MAGIC_LEN || memcmp(file, RECFILE_MAGIC, RECFILE_MAGIC_LEN) != 0)
		return -1;
	rec_reader_init(&rd, file + RECFILE_MAGIC_LEN, len - RECFILE_MAGIC_LEN, RECFILE_MAGIC_LEN);
	while (rec_reader_next(&rd, &rec) == REC_NEXT_OK) {
		int rc = cb(&rec, arg);
		if (rc != 0)
			return rc < 0 ? -1 : 0;
	}
	return 0;
}
