/* agent.c: the monitor's one-key, one-signature ssh-agent. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libssh/libssh.h>

#include "agent.h"
#include "keys.h"
#include "sigkey.h"
#include "tap.h"

struct w {
	uint8_t p[4096];
	size_t n;
};

static void
put32(struct w *b, uint32_t v)
{
	b->p[b->n++] = (uint8_t)(v >> 24);
	b->p[b->n++] = (uint8_t)(v >> 16);
	b->p[b->n++] = (uint8_t)(v >> 8);
	b->p[b->n++] = (uint8_t)v;
}

static void
putstr(struct w *b, const void *s, size_t n)
{
	put32(b, (uint32_t)n);
	memcpy(b->p + b->n, s, n);
	b->n += n;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The userauth data libssh signs for a publickey login. */
static void
userauth(struct w *d, const char *user, const uint8_t *blob, size_t bloblen, const char *alg)
{
	d->n = 0;
	putstr(d, "0123456789abcdef0123456789abcdef", 32);
	d->p[d->n++] = 50;
	putstr(d, user, strlen(user));
	putstr(d, "ssh-connection", 14);
	putstr(d, "publickey", 9);
	d->p[d->n++] = 1;
	putstr(d, alg, strlen(alg));
	putstr(d, blob, bloblen);
}

static void
sign_req(struct w *q, const uint8_t *blob, size_t bloblen, const struct w *data, uint32_t flags)
{
	q->n = 0;
	q->p[q->n++] = 13;
	putstr(q, blob, bloblen);
	putstr(q, data->p, data->n);
	put32(q, flags);
}

/* Ask for the identities; returns the blob (malloc'd). */
static uint8_t *
identity(struct agent *a, size_t *bloblen)
{
	uint8_t req = 11, *ans = NULL, *blob = NULL;
	size_t anslen = 0;
	char why[200];

	if (agent_answer(a, &req, 1, &ans, &anslen, why, sizeof(why)) != 0 || anslen < 13 || ans[4] != 12 ||
	    get32(ans + 5) != 1) {
		free(ans);
		return NULL;
	}
	*bloblen = get32(ans + 9);
	if ((blob = malloc(*bloblen)) != NULL)
		memcpy(blob, ans + 13, *bloblen);
	free(ans);
	return blob;
}

static void
key_file(const char *path, enum ssh_keytypes_e type, int bits)
{
	ssh_key k = NULL;

	unlink(path);
	if (ssh_pki_generate(type, bits, &k) == SSH_OK)
		ssh_pki_export_privkey_file(k, NULL, NULL, NULL, path);
	ssh_key_free(k);
}

int
main(void)
{
	char dir[] = "/tmp/test_agent.XXXXXX", path[200], err[200], why[200];
	struct agent *a;
	struct w data, q;
	uint8_t *blob, *ans = NULL;
	size_t bloblen = 0, anslen = 0;
	ssh_key k = NULL;
	int gen = 0;

	ok(mkdtemp(dir) != NULL, "a temporary directory");
	snprintf(path, sizeof(path), "%s/ed25519", dir);
	ok(keys_load_or_generate(path, &k, &gen, err, sizeof(err)) == 0 && gen, "an Ed25519 identity as the gateway makes them");
	ssh_key_free(k);
	a = agent_new(path, "deviceuser", err, sizeof(err));
	ok(a != NULL, "the agent loads it");
	blob = identity(a, &bloblen);
	ok(blob != NULL && bloblen == 51, "it offers exactly one key, the Ed25519 blob (51 bytes)");

	userauth(&data, "deviceuser", blob, bloblen, "ssh-ed25519");
	sign_req(&q, blob, bloblen, &data, 0);
	is_int(agent_answer(a, q.p, q.n, &ans, &anslen, why, sizeof(why)), 0, "a sign request is answered");
	ok(anslen > 5 && ans[4] == 14, "with a signature");
	if (anslen == 4 + 1 + 4 + 4 + 11 + 4 + 64) {
		const uint8_t *sig = ans + 4 + 1 + 4 + 4 + 11 + 4;

		ok(sigkey_verify(blob + bloblen - 32, data.p, data.n, sig), "which verifies with the offered key");
	} else {
		ok(0, "the Ed25519 signature blob has the expected size (got %zu)", anslen);
	}
	free(ans);
	is_int(agent_signatures(a), 1, "one signature made");
	ans = NULL;
	is_int(agent_answer(a, q.p, q.n, &ans, &anslen, why, sizeof(why)), 0, "a second sign request is answered");
	ok(anslen == 5 && ans[4] == 5, "with FAILURE: the agent signs one login");
	contains(why, "second signature", "and says why");
	free(ans);
	agent_free(a);

	/* Signing anything but a login for the target's user is refused. */
	a = agent_new(path, "deviceuser", err, sizeof(err));
	userauth(&data, "root", blob, bloblen, "ssh-ed25519");
	sign_req(&q, blob, bloblen, &data, 0);
	ans = NULL;
	agent_answer(a, q.p, q.n, &ans, &anslen, why, sizeof(why));
	ok(anslen == 5 && ans[4] == 5, "a login as another user is refused");
	contains(why, "not for the target's user", "with the reason");
	free(ans);
	data.n = 0;
	putstr(&data, "a document to sign", 18);
	sign_req(&q, blob, bloblen, &data, 0);
	ans = NULL;
	agent_answer(a, q.p, q.n, &ans, &anslen, why, sizeof(why));
	ok(anslen == 5 && ans[4] == 5, "arbitrary data is refused");
	contains(why, "not an SSH userauth request", "with the reason");
	free(ans);
	is_int(agent_signatures(a), 0, "and nothing was signed");
	q.n = 3;
	is_int(agent_answer(a, q.p, q.n, &ans, &anslen, why, sizeof(why)), -1, "a truncated request is malformed");
	{
		uint8_t add = 17;

		ans = NULL;
		agent_answer(a, &add, 1, &ans, &anslen, why, sizeof(why));
		ok(anslen == 5 && ans[4] == 5, "adding keys (and the rest) gets FAILURE");
		free(ans);
	}
	agent_free(a);
	free(blob);

	/* RSA: SHA-2 signatures as flags ask; ECDSA: (r, s) as mpints. */
	snprintf(path, sizeof(path), "%s/rsa", dir);
	key_file(path, SSH_KEYTYPE_RSA, 2048);
	a = agent_new(path, "deviceuser", err, sizeof(err));
	ok(a != NULL, "an RSA identity loads");
	blob = a ? identity(a, &bloblen) : NULL;
	if (blob != NULL) {
		userauth(&data, "deviceuser", blob, bloblen, "rsa-sha2-512");
		sign_req(&q, blob, bloblen, &data, 4);
		ans = NULL;
		agent_answer(a, q.p, q.n, &ans, &anslen, why, sizeof(why));
		ok(anslen > 30 && ans[4] == 14 && get32(ans + 9) == 12 && memcmp(ans + 13, "rsa-sha2-512", 12) == 0,
		    "an rsa-sha2-512 signature");
		ok(anslen == 4 + 1 + 4 + 4 + 12 + 4 + 256, "of 2048 bits");
		free(ans);
	}
	free(blob);
	agent_free(a);
	snprintf(path, sizeof(path), "%s/ecdsa", dir);
	key_file(path, SSH_KEYTYPE_ECDSA_P256, 256);
	a = agent_new(path, "deviceuser", err, sizeof(err));
	ok(a != NULL, "an ECDSA identity loads");
	blob = a ? identity(a, &bloblen) : NULL;
	if (blob != NULL) {
		userauth(&data, "deviceuser", blob, bloblen, "ecdsa-sha2-nistp256");
		sign_req(&q, blob, bloblen, &data, 0);
		ans = NULL;
		agent_answer(a, q.p, q.n, &ans, &anslen, why, sizeof(why));
		ok(anslen > 30 && ans[4] == 14 && get32(ans + 9) == 19 && memcmp(ans + 13, "ecdsa-sha2-nistp256", 19) == 0,
		    "an ecdsa-sha2-nistp256 signature");
		free(ans);
	}
	free(blob);
	agent_free(a);

	snprintf(path, sizeof(path), "%s/missing", dir);
	ok(agent_new(path, "deviceuser", err, sizeof(err)) == NULL, "a missing identity is an error");
	contains(err, "cannot load the vaulted identity", "that names no key material");
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
	}
	return done();
}
