/*
 * The web console's parts that have logic of their own: the form parser,
 * the secrets, the store's links and browser sessions (once, expiry, idle,
 * lifetime), the live reader of a growing recording, and the bundle tar.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "consauth.h"
#include "consform.h"
#include "conslive.h"
#include "constar.h"
#include "recfile.h"
#include "store.h"
#include "tap.h"
#include "util.h"

static void
test_form(void)
{
	struct consform f;

	is_int(consform_parse("method=phone&note=site+manager%2C+ok", 36, &f), 0, "a form parses");
	is_int(f.n, 2, "two fields");
	is_str(consform_get(&f, "method"), "phone", "plain value");
	is_str(consform_get(&f, "note"), "site manager, ok", "+ and %%XX decoded");
	ok(consform_get(&f, "reason") == NULL, "an absent field is NULL");
	consform_free(&f);
	is_int(consform_parse("", 0, &f), 0, "an empty body is an empty form");
	is_int(f.n, 0, "no fields");
	consform_free(&f);
	is_int(consform_parse("a=&b=2&", 7, &f), 0, "an empty value and a trailing & are fine");
	is_str(consform_get(&f, "a"), "", "the empty value");
	consform_free(&f);
	is_int(consform_parse("a=%2", 4, &f), -1, "a cut %%XX is refused");
	is_int(consform_parse("a=%zz", 5, &f), -1, "a bad %%XX is refused");
	is_int(consform_parse("a=%00", 5, &f), -1, "an encoded NUL is refused");
	is_int(consform_parse("a=1\0b=2", 7, &f), -1, "a raw NUL is refused");
	is_int(consform_parse("a=1&a=2", 7, &f), -1, "a repeated name is refused (which one would count?)");
	is_int(consform_parse("=1", 2, &f), -1, "an empty name is refused");
	is_int(consform_parse("a", 1, &f), -1, "a field without = is refused");
	is_int(consform_parse("a=1&&b=2", 8, &f), -1, "an empty field is refused");
	{
		char many[400] = "";
		for (int i = 0; i <= CONSFORM_MAX; i++)
			snprintf(many + strlen(many), sizeof(many) - strlen(many), "%sf%d=1", i ? "&" : "", i);
		is_int(consform_parse(many, strlen(many), &f), -1, "more than CONSFORM_MAX fields are refused");
	}
	ok(f.buf == NULL && f.n == 0, "a refused form is left empty");
}

static void
test_secrets(void)
{
	char a[CONSAUTH_SECRET_LEN + 1], b[CONSAUTH_SECRET_LEN + 1], h[65], want[65];

	is_int(consauth_secret_new(a), 0, "a secret");
	is_int(consauth_secret_new(b), 0, "another");
	ok(strcmp(a, b) != 0, "secrets differ");
	ok(consauth_secret_valid(a), "its shape is a secret's");
	ok(!consauth_secret_valid(NULL) && !consauth_secret_valid("") && !consauth_secret_valid("abc"),
	    "short or missing is not");
	b[10] = 'G';
	ok(!consauth_secret_valid(b), "a non-hex character is not");
	consauth_hash(a, h);
	util_sha256_hex(a, strlen(a), want);
	is_str(h, want, "the stored form is SHA-256 hex");
	ok(consauth_equal("abc", "abc") && !consauth_equal("abc", "abd") && !consauth_equal("abc", "abcd"),
	    "equal compares whole strings");
}

static void
test_store(struct store *st)
{
	struct console_session cs;
	char admin[128];

	is_int(console_login_add(st, "h1", "wang", 1000, 1120), 0, "a link stored");
	is_int(console_login_use(st, "h1", 1200, admin, sizeof(admin)), CONSOLE_EXPIRED, "after its time: expired");
	is_str(admin, "wang", "whose it was");
	is_int(console_login_add(st, "h2", "wang", 1000, 1120), 0, "another");
	is_int(console_login_use(st, "h2", 1100, admin, sizeof(admin)), CONSOLE_OK, "in time: taken");
	is_str(admin, "wang", "for wang");
	is_int(console_login_use(st, "h2", 1101, admin, sizeof(admin)), CONSOLE_USED, "again: used");
	is_int(console_login_use(st, "nope", 1101, admin, sizeof(admin)), CONSOLE_UNKNOWN, "unknown");

	is_int(console_session_add(st, "s1", "wang", "csrf1", 2000), 0, "a browser session");
	is_int(console_session_check(st, "s1", 2100, 900, 28800, &cs), CONSOLE_OK, "in use");
	is_str(cs.admin, "wang", "its admin");
	is_str(cs.csrf, "csrf1", "its CSRF token");
	is_int(console_session_check(st, "s1", 2100 + 899, 900, 28800, &cs), CONSOLE_OK, "last use moves the idle clock");
	is_int(console_session_check(st, "s1", 2100 + 899 + 900, 900, 28800, &cs), CONSOLE_IDLE, "unused too long");
	is_int(console_session_check(st, "s1", 4000, 900, 28800, &cs), CONSOLE_USED, "and ended for good");
	is_int(console_session_add(st, "s2", "li", "csrf2", 2000), 0, "another");
	for (int64_t t = 2000; t < 2000 + 28800; t += 800)
		console_session_check(st, "s2", t, 900, 28800, &cs);
	is_int(console_session_check(st, "s2", 2000 + 28800, 900, 28800, &cs), CONSOLE_EXPIRED, "used all along: the lifetime ends it");
	is_int(console_session_add(st, "s3", "li", "csrf3", 2000), 0, "a third");
	is_int(console_session_end(st, "s3", "logout", 2001), 0, "logout");
	is_int(console_session_check(st, "s3", 2002, 900, 28800, &cs), CONSOLE_USED, "after logout: ended");
	is_int(console_session_check(st, "none", 2002, 900, 28800, &cs), CONSOLE_UNKNOWN, "unknown");
}

/* A recording: header, outputs "out N\n" (N = 1..n), optionally sealed (no signature checked here). */
static void
recording(struct recbuf *f, int n)
{
	uint8_t prev[RECFILE_HASH_LEN] = { 0 };
	char data[64];
	uint32_t seq = 0;

	memset(f, 0, sizeof(*f));
	recbuf_put(f, RECFILE_MAGIC, RECFILE_MAGIC_LEN);
	recfile_encode(f, prev, REC_HEADER, 1000, seq++, "{\"session\":\"abc\"}", 17);
	recfile_encode(f, prev, REC_INPUT, 1001, seq++, "secret-typed", 12);
	for (int i = 1; i <= n; i++) {
		int len = snprintf(data, sizeof(data), "out %d\n", i);
		recfile_encode(f, prev, i % 3 ? REC_OUTPUT : REC_STDERR, 1001 + (uint64_t)i, seq++, data, (uint32_t)len);
	}
}

static void
test_live(void)
{
	struct recbuf f;
	struct conslive lv;
	uint64_t next;

	recording(&f, 3);
	is_int(conslive_read(f.data, f.len, 0, &lv), 0, "read from the start");
	is_int(lv.out.len, 18, "output and stderr, not input");
	ok(lv.out.len == 18 && memcmp(lv.out.data, "out 1\nout 2\nout 3\n", 18) == 0, "in order");
	is_int(lv.next, f.len, "next: the end");
	ok(!lv.sealed && !lv.damaged, "neither sealed nor damaged");
	next = lv.next;
	recbuf_free(&lv.out);
	is_int(conslive_read(f.data, f.len, next, &lv), 0, "read again at the end");
	is_int(lv.out.len, 0, "nothing new");
	recbuf_free(&lv.out);
	recbuf_free(&f);
	recording(&f, 5);
	is_int(conslive_read(f.data, f.len - 3, next, &lv), 0, "the recording grew; its last record half written");
	ok(lv.out.len == 6 && memcmp(lv.out.data, "out 4\n", 6) == 0, "only the whole new record");
	ok(lv.next < f.len, "next: before the half record");
	recbuf_free(&lv.out);
	f.data[f.len - 2] ^= 1;
	is_int(conslive_read(f.data, f.len, 0, &lv), 0, "a changed byte");
	ok(lv.damaged, "is damage");
	ok(lv.out.len == 24, "nothing after it is shown");
	recbuf_free(&lv.out);
	is_int(conslive_read((const uint8_t *)"not a recording", 15, 0, &lv), -1, "not a recording");
	recbuf_free(&f);
	{
		/* More than one answer's worth: the rest comes on the next read. */
		uint8_t prev[RECFILE_HASH_LEN] = { 0 };
		static char big[600 * 1024];
		uint64_t total = 0;

		memset(&f, 0, sizeof(f));
		memset(big, 'x', sizeof(big));
		recbuf_put(&f, RECFILE_MAGIC, RECFILE_MAGIC_LEN);
		recfile_encode(&f, prev, REC_HEADER, 1, 0, "{}", 2);
		for (uint32_t i = 1; i <= 4; i++)
			recfile_encode(&f, prev, REC_OUTPUT, 1 + i, i, big, sizeof(big));
		next = 0;
		for (int reads = 0; reads < 10; reads++) {
			conslive_read(f.data, f.len, next, &lv);
			ok(lv.out.len <= CONSLIVE_MAX_CHUNK, "read %d within the chunk limit", reads);
			total += lv.out.len;
			next = lv.next;
			recbuf_free(&lv.out);
			if (next == f.len)
				break;
		}
		is_int(total, 4 * sizeof(big), "all of it, in pieces");
		recbuf_free(&f);
	}
}

static uint64_t
octal_field(const char *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n && p[i] >= '0' && p[i] <= '7'; i++)
		v = v * 8 + (uint64_t)(p[i] - '0');
	return v;
}

static void
test_tar(const char *dir)
{
	char bdir[600], sub[700], err[300], *buf;
	struct constar *t;
	uint64_t size, got = 0;
	unsigned sum = 0;

	snprintf(bdir, sizeof(bdir), "%s/bundle", dir);
	mkdir(bdir, 0700);
	scratch_write(bdir, "report.json", "{\"a\":1}\n");
	scratch_write(bdir, "b.sig", "");
	snprintf(sub, sizeof(sub), "%s/sub", bdir);
	mkdir(sub, 0700);	/* not a regular file: left out */
	ok((t = constar_open(bdir, "report-7", err, sizeof(err))) != NULL, "a bundle opens");
	if (t == NULL)
		return;
	size = constar_size(t);
	is_int(size, 512 + 0 + 512 + 512 + 1024, "two headers, one data block, the end");
	buf = calloc(1, size + 1);
	while (got < size) {
		ssize_t n = constar_read(t, got, buf + got, 100);	/* small reads cross every boundary */

		if (n <= 0)
			break;
		got += (uint64_t)n;
	}
	is_int(got, size, "read whole in small pieces");
	is_int(constar_read(t, got, buf, 100), 0, "then the end");
	is_str(buf, "report-7/b.sig", "sorted: b.sig first, under the prefix");
	is_int(octal_field(buf + 124, 12), 0, "its size");
	is_str(buf + 512, "report-7/report.json", "then report.json");
	is_int(octal_field(buf + 512 + 124, 12), 8, "its size");
	ok(memcmp(buf + 1024, "{\"a\":1}\n", 8) == 0, "its bytes");
	ok(memcmp(buf + 257, "ustar", 6) == 0, "ustar magic");
	for (int i = 0; i < 512; i++)
		sum += i >= 148 && i < 156 ? ' ' : (unsigned char)buf[i];
	is_int(octal_field(buf + 148, 8), sum, "the header checksum");
	constar_close(t);
	free(buf);
	ok(constar_open("/nonexistent/bundle", "x", err, sizeof(err)) == NULL, "a missing bundle is said");
	contains(err, "cannot be read", "why");
}

int
main(void)
{
	char dir[] = "/tmp/remgate-test-console-XXXXXX", path[600], err[512];
	struct store *st;

	if (mkdtemp(dir) == NULL)
		return 99;
	snprintf(path, sizeof(path), "%s/remgate.db", dir);
	if (store_open(path, &st, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 99;
	}
	test_form();
	test_secrets();
	test_store(st);
	test_live();
	test_tar(dir);
	store_close(st);
	rmtree(dir);
	return done();
}
