/* escrow.c: only the customer's key opens hidden input; any change to a sealed record is caught. */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "escrow.h"
#include "tap.h"

int
main(void)
{
	char dir[] = "/tmp/remgate-test-escrow.XXXXXX", path[128], path2[128], pub[128], err[300], fp[80];
	uint8_t raw[ESCROW_PUB_LEN], raw2[ESCROW_PUB_LEN], header[ESCROW_HEADER_LEN];
	struct escrow_key *key = NULL, *other = NULL;
	struct escrow *gw = NULL, *cust = NULL;
	uint8_t *sealed = NULL, *sealed2 = NULL, *plain = NULL;
	size_t slen = 0, slen2 = 0, plen = 0, n = 0;
	int ends = 0;
	static const char secret[] = "touch /tmp/pwned; echo typed with stty -echo";

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/customer.key", dir);
	snprintf(path2, sizeof(path2), "%s/other.key", dir);
	ok(escrow_keygen(path, pub, sizeof(pub), err, sizeof(err)) == 0, "keygen");
	contains(pub, "x25519:", "the public half is printed as x25519:BASE64");
	ok(escrow_keygen(path, pub, sizeof(pub), err, sizeof(err)) != 0, "keygen refuses to overwrite a file");
	contains(err, "File exists", "  and says so");
	ok(escrow_parse_public(pub, raw, err, sizeof(err)) == 0, "the printed public key parses");
	ok(escrow_parse_public("x25519:AAAA", raw2, err, sizeof(err)) != 0, "a short key is refused");
	ok(escrow_parse_public("ed25519:xyz", raw2, err, sizeof(err)) != 0, "another type is refused");
	escrow_fingerprint(raw, fp, sizeof(fp));
	contains(fp, "SHA256:", "fingerprint");

	ok(escrow_session_new(raw, "0123456789abcdef", &gw, header) == 0, "the gateway side starts a session");
	ok(escrow_seal(gw, 1, (const uint8_t *)secret, strlen(secret), &sealed, &slen) == 0, "seal one hidden input");
	is_int(slen, strlen(secret) + ESCROW_OVERHEAD, "length: the input plus overhead");
	ok(memmem(sealed, slen, "pwned", 5) == NULL, "the plaintext is not in the record");
	ok(escrow_peek(sealed, slen, &n, &ends) == 0 && n == strlen(secret) && ends == 1, "length and end in clear");
	ok(escrow_seal(gw, 0, (const uint8_t *)secret, strlen(secret), &sealed2, &slen2) == 0, "seal the same again");
	ok(memcmp(sealed + 13, sealed2 + 13, slen - 13) != 0, "a new nonce: the same input seals differently");

	ok(escrow_key_load(path, &key, err, sizeof(err)) == 0, "the customer loads the private key");
	ok(escrow_session_open(key, "0123456789abcdef", header, sizeof(header), &cust, err, sizeof(err)) == 0,
	    "the customer opens the session");
	ok(escrow_open(cust, sealed, slen, &plain, &plen, &ends) == 0, "and decrypts the record");
	ok(plen == strlen(secret) && memcmp(plain, secret, plen) == 0 && ends == 1, "  to the very keystrokes");
	free(plain);
	plain = NULL;
	sealed[20] ^= 1;
	ok(escrow_open(cust, sealed, slen, &plain, &plen, &ends) != 0, "a flipped ciphertext byte is caught");
	sealed[20] ^= 1;
	sealed[4] ^= 1;
	ok(escrow_open(cust, sealed, slen, &plain, &plen, &ends) != 0, "a changed end flag (associated data) is caught");
	sealed[4] ^= 1;
	escrow_free(cust);
	cust = NULL;
	ok(escrow_session_open(key, "fedcba9876543210", header, sizeof(header), &cust, err, sizeof(err)) == 0 &&
	    escrow_open(cust, sealed, slen, &plain, &plen, &ends) != 0, "a record moved to another session does not open");
	escrow_free(cust);
	cust = NULL;

	ok(escrow_keygen(path2, pub, sizeof(pub), err, sizeof(err)) == 0 && escrow_key_load(path2, &other, err, sizeof(err)) == 0,
	    "another key pair");
	ok(escrow_session_open(other, "0123456789abcdef", header, sizeof(header), &cust, err, sizeof(err)) != 0,
	    "another key cannot open the session");
	contains(err, "escrowed to another key", "  and says so");
	{
		struct escrow_key *missing = NULL;

		ok(escrow_key_load("/nonexistent/key", &missing, err, sizeof(err)) != 0 && missing == NULL,
		    "a missing key file is an error");
	}

	free(sealed);
	free(sealed2);
	escrow_free(gw);
	escrow_key_free(key);
	escrow_key_free(other);
	unlink(path);
	unlink(path2);
	rmdir(dir);
	return done();
}
