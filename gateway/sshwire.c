/* SSH wire encoding (sshwire.h). */
#include "sshwire.h"

#include <string.h>

int
sshwire_u32(struct recbuf *b, uint32_t v)
{
	uint8_t p[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	return recbuf_put(b, p, 4);
}

int
sshwire_u64(struct recbuf *b, uint64_t v)
{
	return sshwire_u32(b, (uint32_t)(v >> 32)) != 0 || sshwire_u32(b, (uint32_t)v) != 0 ? -1 : 0;
}

int
sshwire_string(struct recbuf *b, const void *p, size_t n)
{
	return sshwire_u32(b, (uint32_t)n) != 0 || recbuf_put(b, p, n) != 0 ? -1 : 0;
}

int
sshwire_ed25519_key(struct recbuf *b, const uint8_t pub[32])
{
	struct recbuf k = { 0 };
	int r = sshwire_cstring(&k, "ssh-ed25519") != 0 || sshwire_string(&k, pub, 32) != 0 ||
	    sshwire_string(b, k.data, k.len) != 0 ? -1 : 0;

	recbuf_free(&k);
	return r;
}

int
sshwire_cstring(struct recbuf *b, const char *s)
{
	return sshwire_string(b, s, strlen(s));
}
