/* The recording format: round trip, the seal, and every kind of tampering. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "recfile.h"
#include "sigkey.h"
#include "tap.h"

static struct sigkey *key, *other;
static uint8_t pub[SIGKEY_PUB_LEN], other_pub[SIGKEY_PUB_LEN];

/* A sealed recording of n records (header + n-1 outputs) into f. */
static void
make_recording(struct recbuf *f, int n, int seal)
{
	uint8_t prev[RECFILE_HASH_LEN] = { 0 };
	char data[64];
	uint32_t seq = 0;

	memset(f, 0, sizeof(*f));
	recbuf_put(f, RECFILE_MAGIC, RECFILE_MAGIC_LEN);
	recfile_encode(f, prev, REC_HEADER, 1000, seq++, "{\"session\":\"abc123\"}", 20);
	for (int i = 1; i < n; i++) {
		int len = snprintf(data, sizeof(data), "output line %d\r\n", i);
		recfile_encode(f, prev, i % 2 ? REC_OUTPUT : REC_INPUT, 1000 + (uint64_t)i, seq++, data, (uint32_t)len);
	}
	if (!seal)
		return;
	recfile_encode_seal(f, prev, seq, 2000, key);
}

/* Byte offsets of each record (from the reader), to cut and splice. */
static int
offsets(const struct recbuf *f, uint64_t *off, int max)
{
	struct rec_reader r;
	struct rec rec;
	int n = 0;

	rec_reader_init(&r, f->data + RECFILE_MAGIC_LEN, f->len - RECFILE_MAGIC_LEN, RECFILE_MAGIC_LEN);
	while (n < max && rec_reader_next(&r, &rec) == REC_NEXT_OK)
		off[n++] = rec.offset;
	off[n] = RECFILE_MAGIC_LEN + r.pos;
	return n;
}

static void
check(const struct recbuf *f, const uint8_t *k, struct rec_check *c)
{
	recfile_check(f->data, f->len, k, c);
}

int
main(void)
{
	char dir[] = "/tmp/remgate-test-recfile.XXXXXX", path[300], err[300];
	struct recbuf f, g;
	struct rec_check c;
	uint64_t off[64];
	int generated, n;

	if (mkdtemp(dir) == NULL)
		return 99;
	snprintf(path, sizeof(path), "%s/sign.pem", dir);
	is_int(sigkey_load_or_generate(path, &key, &generated, err, sizeof(err)), 0, "a signing key is generated");
	ok(generated, "it was new");
	snprintf(path, sizeof(path), "%s/other.pem", dir);
	is_int(sigkey_load_or_generate(path, &other, &generated, err, sizeof(err)), 0, "and another one");
	sigkey_public(key, pub);
	sigkey_public(other, other_pub);

	/* Intact. */
	make_recording(&f, 10, 1);
	check(&f, pub, &c);
	is_int(c.verdict, REC_SEALED, "an intact sealed recording verifies");
	is_int(c.records, 10, "with its 10 records");
	is_str(c.session, "abc123", "and names its session");
	check(&f, other_pub, &c);
	is_int(c.verdict, REC_TAMPERED, "a seal checked against another key fails");
	contains(c.reason, "signature", "naming the signature");
	n = offsets(&f, off, 63);
	is_int(n, 11, "11 records including the seal");

	/* Flip one byte in each record's payload in turn. */
	for (int i = 0; i < n; i++) {
		g.len = f.len;
		g.data = malloc(f.len);
		memcpy(g.data, f.data, f.len);
		g.data[off[i] + 18] ^= 0x01;
		check(&g, pub, &c);
		if (!ok(c.verdict == REC_TAMPERED && c.bad_record == (uint32_t)i && c.bad_offset == off[i],
		    "a flipped byte in record %d is found at that record and offset", i))
			printf("#   verdict %d record %u offset %llu: %s\n", c.verdict, c.bad_record,
			    (unsigned long long)c.bad_offset, c.reason);
		free(g.data);
	}

	/* Drop record 4. */
	memset(&g, 0, sizeof(g));
	recbuf_put(&g, f.data, off[4]);
	recbuf_put(&g, f.data + off[5], f.len - off[5]);
	check(&g, pub, &c);
	ok(c.verdict == REC_TAMPERED && c.bad_record == 4 && c.bad_offset == off[4], "a dropped record is found where it was");
	recbuf_free(&g);

	/* Duplicate record 4. */
	recbuf_put(&g, f.data, off[5]);
	recbuf_put(&g, f.data + off[4], off[5] - off[4]);
	recbuf_put(&g, f.data + off[5], f.len - off[5]);
	check(&g, pub, &c);
	ok(c.verdict == REC_TAMPERED && c.bad_record == 5 && c.bad_offset == off[5], "a repeated record is found at the copy");
	recbuf_free(&g);

	/* Swap records 3 and 4. */
	recbuf_put(&g, f.data, off[3]);
	recbuf_put(&g, f.data + off[4], off[5] - off[4]);
	recbuf_put(&g, f.data + off[3], off[4] - off[3]);
	recbuf_put(&g, f.data + off[5], f.len - off[5]);
	check(&g, pub, &c);
	ok(c.verdict == REC_TAMPERED && c.bad_record == 3 && c.bad_offset == off[3], "reordered records are found at the first moved");
	recbuf_free(&g);

	/* Insert a forged record with a correct-looking hash of its own. */
	{
		uint8_t prev[RECFILE_HASH_LEN] = { 0 };
		recbuf_put(&g, f.data, off[6]);
		recfile_encode(&g, prev, REC_OUTPUT, 1006, 6, "rm -rf /\r\n", 10);
		recbuf_put(&g, f.data + off[6], f.len - off[6]);
		check(&g, pub, &c);
		ok(c.verdict == REC_TAMPERED && c.bad_record == 6, "an inserted record is found");
		recbuf_free(&g);
	}

	/* Cut the seal off: unsealed; cut mid-record: unsealed with a partial tail. */
	recbuf_put(&g, f.data, off[10]);
	check(&g, pub, &c);
	ok(c.verdict == REC_UNSEALED && c.records == 10 && !c.truncated_tail, "without its seal: unsealed, 10 records intact");
	recbuf_free(&g);
	recbuf_put(&g, f.data, off[7] + 9);
	check(&g, pub, &c);
	ok(c.verdict == REC_UNSEALED && c.records == 7 && c.truncated_tail && c.bad_offset == off[7],
	    "cut mid-record: unsealed, 7 records intact, the partial one located");
	recbuf_free(&g);

	/* Bytes after the seal; a bad magic line; a length that cannot be. */
	recbuf_put(&g, f.data, f.len);
	recbuf_put(&g, "extra", 5);
	check(&g, pub, &c);
	ok(c.verdict == REC_TAMPERED, "data after the seal is refused (%s)", c.reason);
	g.data[0] = 'X';
	check(&g, pub, &c);
	ok(c.verdict == REC_TAMPERED && c.bad_offset == 0, "a wrong magic line is refused");
	recbuf_free(&g);
	recbuf_put(&g, f.data, f.len);
	g.data[off[2]] = 0x7f;
	check(&g, pub, &c);
	ok(c.verdict == REC_TAMPERED && c.bad_record == 2, "an impossible length is refused (%s)", c.reason);
	recbuf_free(&g);

	/* A seal re-signed by another key over a changed body. */
	{
		struct sigkey *saved = key;
		key = other;
		make_recording(&g, 10, 1);
		key = saved;
		check(&g, pub, &c);
		ok(c.verdict == REC_TAMPERED, "a recording re-sealed with another key fails");
		recbuf_free(&g);
	}

	/* The OpenSSH public key line round-trips. */
	{
		char line[200];
		uint8_t back[SIGKEY_PUB_LEN];

		is_int(sigkey_public_line(pub, "remgate", line, sizeof(line)), 0, "public key line");
		ok(strncmp(line, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA", 36) == 0, "in OpenSSH form (%.40s…)", line);
		is_int(sigkey_parse_public_line(line, back), 0, "parses back");
		ok(memcmp(back, pub, sizeof(pub)) == 0, "to the same key");
	}
	recbuf_free(&f);
	sigkey_free(key);
	sigkey_free(other);
	if (rmtree(dir) != 0)
		return 99;
	return done();
}
