/*
 * libFuzzer target: the monitor's ssh-agent (privsep/agent.c), which
 * parses requests from the network child on the agent socket. The input is
 * one request (the bytes after the length), answered by an agent holding a
 * fixed Ed25519 identity; a fresh agent each run, so the one signature it
 * will make is reachable. No crash, no leak, and no signature over data
 * that is not a userauth request for the target's user.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libssh/libssh.h>

#include "agent.h"
#include "keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64], pubpath[80], dirpath[64];

static void
cleanup(void)
{
	unlink(path);
	unlink(pubpath);
	rmdir(dirpath);
}

static void
setup(void)
{
	char dir[] = "/tmp/remgate-fuzz-agent.XXXXXX", err[256];
	ssh_key k = NULL;
	int gen;

	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(dirpath, sizeof(dirpath), "%s", dir);
	snprintf(path, sizeof(path), "%s/id", dir);
	snprintf(pubpath, sizeof(pubpath), "%s/id.pub", dir);
	atexit(cleanup);
	if (keys_load_or_generate(path, &k, &gen, err, sizeof(err)) != 0)
		abort();
	ssh_key_free(k);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct agent *a;
	uint8_t *ans = NULL;
	size_t anslen = 0;
	char why[256], err[256];

	if (path[0] == '\0')
		setup();
	if ((a = agent_new(path, "deviceuser", err, sizeof(err))) == NULL)
		abort();
	if (agent_answer(a, data, size, &ans, &anslen, why, sizeof(why)) == 0) {
		/* A signature is made only for a userauth request naming deviceuser. */
		if (anslen > 4 && ans[4] == 14 && (size < 40 || memmem(data, size, "deviceuser", 10) == NULL))
			abort();
		free(ans);
	}
	agent_free(a);
	return 0;
}
