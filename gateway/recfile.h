/*
 * The recording file format (docs/recording-format.md): a magic line, then
 * records, each carrying SHA-256 over the previous record's hash and its
 * own bytes, so an edited, dropped, inserted or reordered record breaks
 * the chain; a final seal record holds the chain head and count, signed.
 * This file only encodes and checks; recorder.c writes sessions with it.
 */
#ifndef REMGATE_RECFILE_H
#define REMGATE_RECFILE_H

#include <stddef.h>
#include <stdint.h>

#define RECFILE_MAGIC "REMGATE-RECORDING 1\n"
#define RECFILE_MAGIC_LEN 20
#define RECFILE_HASH_LEN 32
#define RECFILE_FIXED 13		/* type, time, seq */
#define RECFILE_MAX_DATA (1u << 20)	/* larger payloads are split */
#define RECFILE_SEAL_CONTEXT "remgate-recording-seal-v1"

enum rec_type {
	REC_HEADER = 0x01,	/* JSON: session, engineer, target, approval, ... */
	REC_SEAL = 0x02,	/* u32 count, head[32], u64 time, Ed25519 sig[64] */
	REC_INPUT = 0x10,	/* bytes the engineer sent to the device */
	REC_OUTPUT = 0x11,	/* bytes the device sent to the engineer (stdout) */
	REC_STDERR = 0x12,	/* ... on the extended (stderr) stream */
	REC_INPUT_MASKED = 0x13,/* u32 n, u8 ends: n input bytes withheld (password), no escrow key */
	REC_INPUT_ESCROWED = 0x14,/* u32 n, u8 ends, u64 counter, ciphertext[n], tag[16] (escrow.h) */
	REC_PTY = 0x20,		/* JSON: term, cols, rows */
	REC_RESIZE = 0x21,	/* JSON: cols, rows */
	REC_EXEC = 0x22,	/* the command line */
	REC_SHELL = 0x23,	/* empty */
	REC_ENV = 0x24,		/* NAME=value */
	REC_EOF = 0x25,		/* u8: 0 from the engineer, 1 from the device */
	REC_EXIT = 0x26,	/* JSON: status, or signal and core */
	REC_SUBSYSTEM = 0x27,	/* the subsystem's name (sftp) */
	REC_ESCROW_KEY = 0x28,	/* eph_pub[32], sha256(escrow_pub)[32]: hidden input is escrowed */
	REC_EVENT = 0x30,	/* JSON: kind, reason, detail */
	REC_TRANSFER = 0x31,	/* JSON: one file operation (protocol, op, path, status, bytes, sha256, ...) */
};

const char *recfile_type_name(int type);

/* A growable byte buffer. */
struct recbuf {
	uint8_t *data;
	size_t len, cap;
};
int recbuf_put(struct recbuf *b, const void *p, size_t n);
void recbuf_free(struct recbuf *b);

/*
 * Append one record to out, chained after prev; prev becomes its hash.
 * len must be <= RECFILE_MAX_DATA. 0 or -1 (out of memory).
 */
int recfile_encode(struct recbuf *out, uint8_t prev[RECFILE_HASH_LEN], uint8_t type,
    uint64_t time_us, uint32_t seq, const void *data, uint32_t len);

/* The bytes a seal signs: context, head, count. */
size_t recfile_seal_message(const uint8_t head[RECFILE_HASH_LEN], uint32_t count, uint8_t *out, size_t outlen);

struct sigkey;

/*
 * Append the seal record after seq records chained up to prev: count,
 * head (= prev), time and key's signature. 0, or -1 (signing or memory).
 */
int recfile_encode_seal(struct recbuf *out, uint8_t prev[RECFILE_HASH_LEN], uint32_t seq, uint64_t time_us,
    const struct sigkey *key);

struct rec {
	uint8_t type;
	uint64_t time_us;
	uint32_t seq;
	const uint8_t *data;
	uint32_t len;
	uint64_t offset;	/* of the record's first byte in the file */
	uint8_t hash[RECFILE_HASH_LEN];
};

enum rec_status {
	REC_NEXT_OK = 0,
	REC_NEXT_END,		/* clean end of data */
	REC_NEXT_TRUNCATED,	/* an incomplete record at the end */
	REC_NEXT_BAD_LENGTH,
	REC_NEXT_BAD_HASH,
	REC_NEXT_BAD_SEQ,
};

/* Sequential, checking reader over bytes already past the magic line. */
struct rec_reader {
	const uint8_t *buf;
	size_t len, pos;
	uint64_t base;		/* file offset of buf[0] */
	uint8_t prev[RECFILE_HASH_LEN];
	uint32_t next_seq;
};

void rec_reader_init(struct rec_reader *r, const uint8_t *buf, size_t len, uint64_t base);
enum rec_status rec_reader_next(struct rec_reader *r, struct rec *out);

/*
 * Call cb for each intact record in order (the chain checked on the way),
 * until it returns non-zero. -1 if file is not a recording or cb returned
 * a negative value, else 0.
 */
int recfile_each(const uint8_t *file, size_t len, int (*cb)(const struct rec *, void *), void *arg);

enum rec_verdict {
	REC_SEALED = 0,		/* every record intact, sealed, signature good */
	REC_TAMPERED = 1,	/* something is wrong: see bad_* */
	REC_UNSEALED = 3,	/* every complete record intact, no seal */
};

struct rec_check {
	enum rec_verdict verdict;
	uint32_t records;	/* intact records, seal excluded */
	uint64_t bad_offset;
	uint32_t bad_record;
	char reason[200];
	uint8_t head[RECFILE_HASH_LEN];
	int truncated_tail;	/* unsealed with a partial record at the end */
	uint64_t first_us, last_us;
	char session[64];
	uint8_t seal_sig[64];	/* the seal's Ed25519 signature, when sealed */
};

/*
 * Check a whole file's bytes. pub (32 bytes) is the signing key a seal
 * must verify with; NULL skips the signature (the caller says so).
 */
void recfile_check(const uint8_t *file, size_t len, const uint8_t *pub, struct rec_check *out);

/* After a check that found a seal (pub NULL): did pub sign it? 1 or 0. No second pass over the file. */
int recfile_seal_signed_by(const struct rec_check *c, const uint8_t *pub);

#endif
