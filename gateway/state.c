/* Creating the state directory and the keys the gateway owns. */
#include "state.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "sigkey.h"
#include "util.h"

/* Keys may live outside state_dir; their directory is made private too. */
static int
prepare_key(const char *path, const char *what, void (*report)(const char *, const char *),
    char *err, size_t errlen)
{
	char *copy = strdup(path);
	ssh_key key = NULL;
	int generated = 0;

	if (copy == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (util_mkdirs(dirname(copy), 0700) != 0) {
		snprintf(err, errlen, "cannot create the directory of %s: %s", path, strerror(errno));
		free(copy);
		return -1;
	}
	free(copy);
	if (keys_load_or_generate(path, &key, &generated, err, errlen) != 0)
		return -1;
	ssh_key_free(key);
	if (generated && report != NULL)
		report(path, what);
	return 0;
}

int
state_prepare(const struct config *cfg, void (*report)(const char *path, const char *what),
    char *err, size_t errlen)
{
	if (util_mkdirs(cfg->state_dir, 0700) != 0) {
		snprintf(err, errlen, "cannot create state_dir %s: %s", cfg->state_dir, strerror(errno));
		return -1;
	}
	if (prepare_key(cfg->host_key, "host key", report, err, errlen) != 0)
		return -1;
	{
		struct sigkey *k = NULL;
		int generated = 0;

		if (sigkey_load_or_generate(cfg->signing_key, &k, &generated, err, errlen) != 0)
			return -1;
		sigkey_free(k);
		if (generated && report != NULL)
			report(cfg->signing_key, "signing key");
	}
	for (size_t i = 0; i < cfg->ntargets; i++) {
		if (prepare_key(cfg->targets[i].identity_file, cfg->targets[i].name, report, err, errlen) != 0)
			return -1;
	}
	return 0;
}
