/* Approval tokens: randomness, salted hashing, matching and parsing. */
#include <stdint.h>
#include <string.h>

#include "tap.h"
#include "token.h"

int
main(void)
{
	char a[TOKEN_SECRET_LEN + 1], b[TOKEN_SECRET_LEN + 1], tok[TOKEN_MAX_LEN + 1];
	char parsed[TOKEN_SECRET_LEN + 1], spaced[TOKEN_MAX_LEN + 8];
	unsigned char salt[TOKEN_SALT_LEN], hash[TOKEN_HASH_LEN], salt2[TOKEN_SALT_LEN], hash2[TOKEN_HASH_LEN];
	int64_t id = 0;

	is_int(token_secret_new(a), 0, "a secret is made");
	is_int(token_secret_new(b), 0, "a second secret is made");
	is_int(strlen(a), TOKEN_SECRET_LEN, "secret has %d characters", TOKEN_SECRET_LEN);
	ok(strspn(a, "abcdefghijklmnopqrstuvwxyz234567") == TOKEN_SECRET_LEN, "secret is lower-case base32");
	ok(strcmp(a, b) != 0, "two secrets differ");
	ok(TOKEN_SECRET_LEN * 5 >= 128, "secret carries at least 128 bits");

	is_int(token_hash_new(a, salt, hash), 0, "secret is hashed");
	ok(token_matches(a, salt, sizeof(salt), hash, sizeof(hash)), "the secret matches its hash");
	ok(!token_matches(b, salt, sizeof(salt), hash, sizeof(hash)), "another secret does not match");
	ok(!token_matches(a, salt, sizeof(salt) - 1, hash, sizeof(hash)), "a short salt does not match");
	ok(!token_matches(a, salt, sizeof(salt), hash, sizeof(hash) - 1), "a short hash does not match");
	is_int(token_hash_new(a, salt2, hash2), 0, "the same secret hashed again");
	ok(memcmp(salt, salt2, sizeof(salt)) != 0 && memcmp(hash, hash2, sizeof(hash)) != 0,
	    "salting makes each stored hash different");

	token_format(42, a, tok, sizeof(tok));
	ok(strncmp(tok, "rg-42-", 6) == 0, "token is rg-ID-SECRET (%s)", "rg-42-…");
	is_int(token_parse(tok, &id, parsed), 0, "token parses");
	is_int(id, 42, "approval id comes back");
	is_str(parsed, a, "secret comes back");
	snprintf(spaced, sizeof(spaced), "  %s\r\n", tok);
	is_int(token_parse(spaced, &id, parsed), 0, "surrounding white space is ignored");

	is_int(token_parse("", &id, parsed), -1, "empty is not a token");
	is_int(token_parse("rg-42-", &id, parsed), -1, "no secret is not a token");
	is_int(token_parse("rg-42-abc", &id, parsed), -1, "a short secret is not a token");
	is_int(token_parse("rg-0-abcdefghijklmnopqrstuvwxyz23", &id, parsed), -1, "id 0 is not a token");
	is_int(token_parse("rg-x-abcdefghijklmnopqrstuvwxyz23", &id, parsed), -1, "a non-numeric id is not a token");
	is_int(token_parse("xx-1-abcdefghijklmnopqrstuvwxyz23", &id, parsed), -1, "a wrong prefix is not a token");
	is_int(token_parse("rg-1-abcdefghijklmnopqrstuvwxyz2!", &id, parsed), -1, "a bad character is not a token");
	is_int(token_parse("rg-1-abcdefghijklmnopqrstuvwxyz2345", &id, parsed), -1, "a long secret is not a token");
	return done();
}
