/*
 * Approval certificates against the real ssh-keygen, both ways: ours are
 * read by `ssh-keygen -L` with the fields we meant, and certificates made
 * by `ssh-keygen -s` with the same CA key are read by ours; a changed byte,
 * a cut-off blob, a key type we do not read are refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigkey.h"
#include "sshcert.h"
#include "tap.h"

static char dir[] = "/tmp/remgate-test-sshcert.XXXXXX";

/* Our certificate for the key in file NAME.pub, as NAME-cert.pub; the parse of it back. */
static int
certify(const struct sigkey *ca, const char *name, struct sshcert *back)
{
	char file[64], type[64], ctype[96], err[200], *line;
	uint8_t *key, *cert;
	size_t klen, clen;
	int r;

	snprintf(file, sizeof(file), "%s.pub", name);
	if (sshcert_parse_line(scratch_read(dir, file), type, sizeof(type), &key, &klen) != 0)
		return -1;
	r = sshcert_make(ca, key, klen, 42, "remgate approval 42", "alice+router1", 1000, 4102444800ULL, &cert, &clen,
	    err, sizeof(err));
	free(key);
	if (r != 0)
		return -1;
	snprintf(ctype, sizeof(ctype), "%s-cert-v01@openssh.com", type);
	line = sshcert_line(ctype, cert, clen, "alice");
	snprintf(file, sizeof(file), "%s-cert.pub", name);
	scratch_write(dir, file, line);
	free(line);
	r = sshcert_parse(cert, clen, back, err, sizeof(err));
	free(cert);
	return r;
}

static void
hostile(const uint8_t *blob, size_t len)
{
	struct sshcert c;
	char err[200];
	uint8_t *copy = malloc(len);
	int cut_ok = 1, flip_ok = 1;

	for (size_t n = 0; n < len; n++)
		if (sshcert_parse(blob, n, &c, err, sizeof(err)) == 0)
			cut_ok = 0;
	ok(cut_ok, "every cut-off prefix of a certificate is refused");
	for (size_t i = 0; i < len; i += 7) {
		memcpy(copy, blob, len);
		copy[i] ^= 0x20;
		if (sshcert_parse(copy, len, &c, err, sizeof(err)) == 0)
			flip_ok = 0;
	}
	ok(flip_ok, "a changed byte anywhere is refused (structure or signature)");
	free(copy);
}

int
main(void)
{
	struct sigkey *ca = NULL;
	struct sshcert c;
	uint8_t pub[SIGKEY_PUB_LEN], *blob, *out;
	size_t len;
	char path[300], err[300], type[64];
	int generated;

	if (system("command -v ssh-keygen >/dev/null") != 0) {
		printf("1..0 # SKIP no ssh-keygen\n");
		return 0;
	}
	if (mkdtemp(dir) == NULL || setenv("D", dir, 1) != 0)
		return 99;
	snprintf(path, sizeof(path), "%s/ca.pem", dir);
	if (sigkey_load_or_generate(path, &ca, &generated, err, sizeof(err)) != 0)
		return 99;
	sigkey_public(ca, pub);
	if (system("cd $D && for t in ed25519 rsa ecdsa; do ssh-keygen -q -t $t -N '' -C alice -f $t || exit 1; done") != 0)
		return 99;

	/* Ours, read by ssh-keygen. */
	is_int(certify(ca, "ed25519", &c), 0, "an Ed25519 key is certified and reads back");
	is_int((int)c.serial, 42, "serial = the approval id");
	ok(c.nprincipals == 1 && sshcert_has_principal(&c, "alice+router1"), "one principal: ENGINEER+TARGET");
	ok(!sshcert_has_principal(&c, "alice+router2"), "no other");
	ok(c.valid_after == 1000 && c.valid_before == 4102444800ULL, "the approval's window");
	ok(memcmp(c.ca, pub, sizeof(pub)) == 0, "signed by the approval CA");
	is_int(c.cert_type, SSHCERT_USER, "a user certificate");
	is_int(system("cd $D && ssh-keygen -L -f ed25519-cert.pub >L.out 2>&1"), 0, "ssh-keygen -L reads ours");
	contains(scratch_read(dir, "L.out"), "Serial: 42", "with the serial");
	contains(scratch_read(dir, "L.out"), "alice+router1", "the principal");
	contains(scratch_read(dir, "L.out"), "Key ID: \"remgate approval 42\"", "the key id");
	contains(scratch_read(dir, "L.out"), "permit-pty", "and a terminal allowed");
	is_int(certify(ca, "rsa", &c), 0, "an RSA key is certified");
	is_int(system("cd $D && ssh-keygen -L -f rsa-cert.pub >/dev/null 2>&1"), 0, "ssh-keygen reads that too");
	is_int(certify(ca, "ecdsa", &c), 0, "an ECDSA key is certified");
	is_int(system("cd $D && ssh-keygen -L -f ecdsa-cert.pub >/dev/null 2>&1"), 0, "and that");

	/* ssh-keygen's, read by ours: the CA key in OpenSSH's format for it (python3-cryptography). */
	if (system("python3 -c 'import cryptography' 2>/dev/null") == 0) {
		is_int(system("cd $D && python3 -c \"from cryptography.hazmat.primitives import serialization as s; "
		    "k = s.load_pem_private_key(open('ca.pem', 'rb').read(), None); "
		    "open('ca_openssh', 'wb').write(k.private_bytes(s.Encoding.PEM, s.PrivateFormat.OpenSSH, "
		    "s.NoEncryption()))\" && chmod 600 ca_openssh && cp ed25519.pub stock.pub && "
		    "ssh-keygen -q -s ca_openssh -I stock -n alice+router1 -z 77 -V 20260101:20270101 stock.pub"), 0,
		    "ssh-keygen -s signs with the same CA key");
		ok(sshcert_parse_line(scratch_read(dir, "stock-cert.pub"), type, sizeof(type), &blob, &len) == 0,
		    "its line reads");
		is_int(sshcert_parse(blob, len, &c, err, sizeof(err)), 0, "ssh-keygen's certificate verifies: %s", err);
		ok(c.serial == 77 && sshcert_has_principal(&c, "alice+router1") && strcmp(c.key_id, "stock") == 0,
		    "serial, principal and key id as given");
		ok(memcmp(c.ca, pub, sizeof(pub)) == 0, "the same CA");
		is_int((int)c.ncritical, 0, "no critical options");
		hostile(blob, len);
		free(blob);
		is_int(system("cd $D && ssh-keygen -q -s ca_openssh -I forced -n alice+router1 -O force-command=id "
		    "-z 78 stock.pub"), 0, "a certificate with a critical option");
		ok(sshcert_parse_line(scratch_read(dir, "stock-cert.pub"), type, sizeof(type), &blob, &len) == 0 &&
		    sshcert_parse(blob, len, &c, err, sizeof(err)) == 0 && c.ncritical == 1,
		    "is read with its critical option counted (the gateway refuses it)");
		free(blob);
	} else {
		printf("# python3-cryptography missing: ssh-keygen -s certificates not tried\n");
	}
	/* A plain key is no certificate. */
	ok(sshcert_parse_line(scratch_read(dir, "ed25519.pub"), type, sizeof(type), &blob, &len) == 0, "a key line reads");
	ok(sshcert_parse(blob, len, &c, err, sizeof(err)) != 0, "a plain key is not a certificate");
	contains(err, "not a certificate", "said so");
	ok(sshcert_make(ca, (const uint8_t *)"\0\0\0\3abc", 7, 1, "x", "a+b", 0, 1, &out, &len, err, sizeof(err)) != 0,
	    "an unknown key type is not certified");
	free(blob);
	ok(sshcert_parse_line("ssh-ed25519 !!!!", type, sizeof(type), &blob, &len) != 0, "bad base64 is refused");
	ok(sshcert_parse_line("nospace", type, sizeof(type), &blob, &len) != 0, "a line without a blob is refused");
	sigkey_free(ca);
	if (rmtree(dir) != 0)
		return 99;
	return done();
}
