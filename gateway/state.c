/* Creating the state directory and the keys the gateway owns. */
#include "state.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

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

/*
 * Like sshd's StrictModes: evidence kept where another user can write is
 * no evidence. state_dir must belong to us and be writable by no one else,
 * and so must its parent unless that is a sticky directory such as /tmp.
 */
int
state_check_modes(const char *dir, char *err, size_t errlen)
{
	struct stat st;
	char *copy;
	int r = 0;

	if (lstat(dir, &st) != 0) {
		snprintf(err, errlen, "state_dir %s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "state_dir %s is not a directory (a symbolic link is not accepted)", dir);
		return -1;
	}
	if (st.st_uid != geteuid() || (st.st_mode & 022) != 0) {
		snprintf(err, errlen, "state_dir %s is %s (mode %04o, owner uid %u): it must belong to uid %u and "
		    "not be group- or world-writable; chmod 700 %s", dir,
		    st.st_uid != geteuid() ? "owned by another user" : "group- or world-writable",
		    (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid, (unsigned)geteuid(), dir);
		return -1;
	}
	if ((copy = strdup(dir)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (stat(dirname(copy), &st) == 0 && (st.st_mode & 022) != 0 && (st.st_mode & S_ISVTX) == 0) {
		snprintf(err, errlen, "the directory above state_dir %s is group- or world-writable (mode %04o) "
		    "and not sticky: another user could replace state_dir", dir, (unsigned)(st.st_mode & 07777));
		r = -1;
	}
	free(copy);
	return r;
}

/* Files an earlier version made readable by others are made private. */
static void
tighten(const struct config *cfg)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		int n = snprintf(path, sizeof(path), "%s%s", cfg->db_path, suffix[i]);

		if (n > 0 && (size_t)n < sizeof(path))
			(void)chmod(path, 0600);
	}
	(void)chmod(cfg->recordings_dir, 0700);
}

int
state_prepare(const struct config *cfg, void (*report)(const char *path, const char *what),
    char *err, size_t errlen)
{
	if (util_mkdirs(cfg->state_dir, 0700) != 0) {
		snprintf(err, errlen, "cannot create state_dir %s: %s", cfg->state_dir, strerror(errno));
		return -1;
	}
	if (state_check_modes(cfg->state_dir, err, errlen) != 0)
		return -1;
	tighten(cfg);
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
		if (sigkey_load_or_generate(cfg->approval_ca, &k, &generated, err, errlen) != 0)
			return -1;
		sigkey_free(k);
		if (generated && report != NULL)
			report(cfg->approval_ca, "approval CA");
	}
	for (size_t i = 0; i < cfg->ntargets; i++) {
		if (prepare_key(cfg->targets[i].identity_file, cfg->targets[i].name, report, err, errlen) != 0)
			return -1;
	}
	return 0;
}
