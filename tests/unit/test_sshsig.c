/*
 * SSHSIG against the real ssh-keygen, both ways: our signatures pass
 * `ssh-keygen -Y verify` (and fail once the data changes), and signatures
 * made by `ssh-keygen -Y sign` pass ours.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigkey.h"
#include "sshsig.h"
#include "tap.h"

static char dir[] = "/tmp/remgate-test-sshsig.XXXXXX";

/* A shell command; $D is the scratch directory. */
static int
sh(const char *cmd)
{
	return system(cmd);
}

int
main(void)
{
	static const char data[] = "{\"ticket\":\"INC-1\",\"result\":\"restored\"}\n";
	struct sigkey *k = NULL;
	uint8_t pub[SIGKEY_PUB_LEN], theirs[SIGKEY_PUB_LEN];
	char path[300], err[300], line[200], allowed[300], *sig = NULL, *other;
	int generated;

	if (system("command -v ssh-keygen >/dev/null") != 0) {
		printf("1..0 # SKIP no ssh-keygen\n");
		return 0;
	}
	if (mkdtemp(dir) == NULL || setenv("D", dir, 1) != 0)
		return 99;
	snprintf(path, sizeof(path), "%s/sign.pem", dir);
	if (sigkey_load_or_generate(path, &k, &generated, err, sizeof(err)) != 0)
		return 99;
	sigkey_public(k, pub);
	sigkey_public_line(pub, NULL, line, sizeof(line));
	snprintf(allowed, sizeof(allowed), "remgate namespaces=\"remgate-report\" %s\n", line);
	scratch_write(dir, "allowed_signers", allowed);
	scratch_write(dir, "report.json", data);

	is_int(sshsig_sign(k, "remgate-report", data, strlen(data), &sig), 0, "a signature is made");
	ok(sig && strncmp(sig, "-----BEGIN SSH SIGNATURE-----\n", 30) == 0, "armored like ssh-keygen's");
	scratch_write(dir, "report.json.sig", sig);
	is_int(sh("ssh-keygen -Y verify -f $D/allowed_signers -I remgate -n remgate-report -s $D/report.json.sig "
	    "< $D/report.json >$D/out.txt 2>&1"), 0, "ssh-keygen -Y verify accepts it");
	ok(sh("ssh-keygen -Y verify -f $D/allowed_signers -I remgate -n other-ns -s $D/report.json.sig "
	    "< $D/report.json >$D/out.txt 2>&1") != 0, "ssh-keygen refuses it under another namespace");
	scratch_write(dir, "report.json", "{\"ticket\":\"INC-1\",\"result\":\"restoreD\"}\n");
	ok(sh("ssh-keygen -Y verify -f $D/allowed_signers -I remgate -n remgate-report -s $D/report.json.sig "
	    "< $D/report.json >$D/out.txt 2>&1") != 0, "ssh-keygen refuses it once one byte changed");

	is_int(sshsig_verify(pub, "remgate-report", data, strlen(data), sig, err, sizeof(err)), 1, "our verify accepts it");
	is_int(sshsig_verify(pub, "remgate-report", "x", 1, sig, err, sizeof(err)), 0, "not for other data");
	contains(err, "does not match", "saying so");
	is_int(sshsig_verify(pub, "other", data, strlen(data), sig, err, sizeof(err)), 0, "not under another namespace");
	sig[100] = sig[100] == 'A' ? 'B' : 'A';
	is_int(sshsig_verify(pub, "remgate-report", data, strlen(data), sig, err, sizeof(err)), 0, "not when damaged");
	is_int(sshsig_verify(pub, "remgate-report", data, strlen(data), "garbage", err, sizeof(err)), 0, "not garbage");

	/* The other way: ssh-keygen signs, we check. */
	scratch_write(dir, "report.json", data);
	is_int(sh("rm -f $D/report.json.sig && ssh-keygen -q -t ed25519 -N '' -f $D/theirs >/dev/null && ssh-keygen -q -Y sign -f $D/theirs "
	    "-n remgate-report $D/report.json >/dev/null 2>&1 && test -s $D/report.json.sig"), 0,
	    "ssh-keygen -Y sign signs the file");
	other = scratch_read(dir, "theirs.pub");
	ok(other != NULL && sigkey_parse_public_line(other, theirs) == 0, "its public key parses");
	other = scratch_read(dir, "report.json.sig");
	is_int(sshsig_verify(theirs, "remgate-report", data, strlen(data), other, err, sizeof(err)), 1,
	    "our verify accepts ssh-keygen's signature");
	is_int(sshsig_verify(pub, "remgate-report", data, strlen(data), other, err, sizeof(err)), 0,
	    "and knows it is not the gateway's key");

	free(sig);
	sigkey_free(k);
	if (rmtree(dir) != 0)
		return 99;
	return done();
}
