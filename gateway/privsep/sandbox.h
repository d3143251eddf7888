/*
 * Confinement of the network child: an empty root directory, an
 * unprivileged uid and gid with no supplementary groups, no new privileges,
 * and a seccomp filter that allows what a relay of two SSH connections
 * needs and kills the process on anything else (openat and the like fail
 * with EACCES instead, for libraries that probe files).
 */
#ifndef REMGATE_SANDBOX_H
#define REMGATE_SANDBOX_H

#include <stddef.h>
#include <sys/types.h>

struct sandbox_user {
	uid_t uid;
	gid_t gid;
	int valid;	/* 0: not running as root, nothing to switch to */
};

/* Look up name: 0, or -1 with a sentence saying how to create it. */
int sandbox_lookup(const char *name, struct sandbox_user *out, char *err, size_t errlen);

/* Check that dir exists, is root-owned, not writable by others and empty. 0 or -1 with err. */
int sandbox_check_dir(const char *dir, char *err, size_t errlen);

/*
 * At daemon start: create dir (root, 0755) if missing, then check it and
 * the user. 0, or -1 with a sentence. *warn gets a note when not root.
 */
int sandbox_prepare(const char *dir, const char *user, const char **warn, char *err, size_t errlen);

/*
 * Close every descriptor from 3 up but those in keep and the syslog socket
 * (a Unix socket connected to /dev/log), before any new file is opened:
 * what the daemon had open (its store handle above all) is not for a
 * connection's processes.
 */
void sandbox_close_inherited(const int *keep, size_t nkeep);

/*
 * chroot(dir), drop to u, die (SIGTERM) with the monitor, no_new_privs,
 * seccomp. 0 or -1 with err; on -1 the caller exits.
 */
int sandbox_enter(const char *dir, const struct sandbox_user *u, pid_t monitor, char *err, size_t errlen);

/* The seccomp filter alone (no_new_privs first), for tests. */
int sandbox_seccomp(char *err, size_t errlen);

#endif
