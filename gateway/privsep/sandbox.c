/* chroot, uid drop, no_new_privs and seccomp for the network child (sandbox.h). */
#include "sandbox.h"

#include <errno.h>
#include <dirent.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

/*
 * Sanitizer builds (tests only) find memory errors in the network child as
 * anywhere, but their leak check at exit needs /proc and ptrace of the
 * process itself, which the sandbox forbids (it would hang or fail there).
 * LeakSanitizer asks __lsan_is_turned_off() before checking: the sandboxed
 * child says yes; the monitor and the daemon keep their leak checks.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZER_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZER_BUILD 1
#endif
#endif

#ifdef SANITIZER_BUILD
static int sandboxed;

int __lsan_is_turned_off(void);

int
__lsan_is_turned_off(void)
{
	return sandboxed;
}
#endif

int
sandbox_lookup(const char *name, struct sandbox_user *out, char *err, size_t errlen)
{
	struct passwd *pw;

	memset(out, 0, sizeof(*out));
	if (geteuid() != 0)
		return 0;	/* not root: there is no uid to give up */
	errno = 0;
	if ((pw = getpwnam(name)) == NULL) {
		snprintf(err, errlen, "privsep_user '%s' does not exist; create it with: useradd --system "
		    "--no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin %s", name, name);
		return -1;
	}
	if (pw->pw_uid == 0 || pw->pw_gid == 0) {
		snprintf(err, errlen, "privsep_user '%s' has uid or gid 0; it must be an unprivileged account", name);
		return -1;
	}
	out->uid = pw->pw_uid;
	out->gid = pw->pw_gid;
	out->valid = 1;
	return 0;
}

int
sandbox_check_dir(const char *dir, char *err, size_t errlen)
{
	struct stat st;
	struct dirent *e;
	DIR *d;

	if (lstat(dir, &st) != 0) {
		snprintf(err, errlen, "privsep_dir %s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode) || (geteuid() == 0 && st.st_uid != 0) || (st.st_mode & 022)) {
		snprintf(err, errlen, "privsep_dir %s must be a directory owned by root and writable by no one else",
		    dir);
		return -1;
	}
	if ((d = opendir(dir)) == NULL) {
		snprintf(err, errlen, "privsep_dir %s: %s", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			snprintf(err, errlen, "privsep_dir %s must be empty; it holds '%.100s'", dir, e->d_name);
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	return 0;
}

int
sandbox_prepare(const char *dir, const char *user, const char **warn, char *err, size_t errlen)
{
	struct sandbox_user u;

	*warn = NULL;
	if (mkdir(dir, 0755) == 0 && chmod(dir, 0755) != 0) {
		snprintf(err, errlen, "privsep_dir %s: %s", dir, strerror(errno));
		return -1;
	}
	if (sandbox_check_dir(dir, err, errlen) != 0 || sandbox_lookup(user, &u, err, errlen) != 0)
		return -1;
	if (!u.valid)
		*warn = "not running as root: the network child keeps this uid and root directory "
		    "(no_new_privs and seccomp still apply)";
	return 0;
}

static int
is_syslog_socket(int fd)
{
	struct sockaddr_un sun;
	socklen_t len = sizeof(sun);

	memset(&sun, 0, sizeof(sun));
	if (getpeername(fd, (struct sockaddr *)&sun, &len) != 0 || sun.sun_family != AF_UNIX)
		return 0;
	return strcmp(sun.sun_path, "/dev/log") == 0 || strcmp(sun.sun_path, "/run/systemd/journal/dev-log") == 0;
}

void
sandbox_close_inherited(const int *keep, size_t nkeep)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int fds[1024];
	size_t n = 0;

	if (d == NULL)
		return;
	/* Collect first: closing while reading the directory would disturb it. */
	while ((e = readdir(d)) != NULL && n < sizeof(fds) / sizeof(fds[0])) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);

		if (*end == '\0' && end != e->d_name && fd > 2 && fd != dirfd(d))
			fds[n++] = (int)fd;
	}
	closedir(d);
	for (size_t i = 0; i < n; i++) {
		size_t k;

		for (k = 0; k < nkeep && keep[k] != fds[i]; k++)
			;
		if (k == nkeep && !is_syslog_socket(fds[i]))
			close(fds[i]);
	}
}

/*
 * What the relay needs: poll and move bytes on the sockets it was given,
 * memory, time, signals for its own timers, the log on stderr or syslog.
 * No socket, connect, open, exec, ptrace or kill.
 */
static const int allowed[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev), SCMP_SYS(pread64),
	SCMP_SYS(recvfrom), SCMP_SYS(sendto), SCMP_SYS(recvmsg), SCMP_SYS(sendmsg),
	SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(select), SCMP_SYS(pselect6),
	SCMP_SYS(close), SCMP_SYS(shutdown), SCMP_SYS(fcntl), SCMP_SYS(ioctl),
	SCMP_SYS(setsockopt), SCMP_SYS(getsockopt), SCMP_SYS(getsockname), SCMP_SYS(getpeername),
	SCMP_SYS(fstat), SCMP_SYS(newfstatat), SCMP_SYS(lseek),
	SCMP_SYS(brk), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(madvise),
	SCMP_SYS(mprotect),
	SCMP_SYS(futex), SCMP_SYS(getrandom), SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday),
	SCMP_SYS(time), SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep),
	SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigreturn), SCMP_SYS(sigaltstack),
	SCMP_SYS(alarm), SCMP_SYS(setitimer), SCMP_SYS(getitimer),
	SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(getuid), SCMP_SYS(geteuid), SCMP_SYS(getgid),
	SCMP_SYS(getegid), SCMP_SYS(sched_yield), SCMP_SYS(sched_getaffinity), SCMP_SYS(getrusage),
	SCMP_SYS(prlimit64), SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(restart_syscall),
};

/* Probes of files fail as if forbidden; the process goes on. */
static const int denied_quietly[] = {
	SCMP_SYS(open), SCMP_SYS(openat), SCMP_SYS(stat), SCMP_SYS(lstat), SCMP_SYS(access),
	SCMP_SYS(faccessat), SCMP_SYS(faccessat2), SCMP_SYS(readlink), SCMP_SYS(readlinkat), SCMP_SYS(statx),
	SCMP_SYS(socket),
};


int
sandbox_seccomp(char *err, size_t errlen)
{
	scmp_filter_ctx ctx;
	int r = 0;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		snprintf(err, errlen, "no_new_privs: %s", strerror(errno));
		return -1;
	}
	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL) {
		snprintf(err, errlen, "seccomp: cannot create a filter");
		return -1;
	}
	for (size_t i = 0; r == 0 && i < sizeof(allowed) / sizeof(allowed[0]); i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
	for (size_t i = 0; r == 0 && i < sizeof(denied_quietly) / sizeof(denied_quietly[0]); i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), denied_quietly[i], 0);
#ifdef SANITIZER_BUILD
	sandboxed = 1;
	/* A sanitizer's report on an error may start a symbolizer (which then cannot run): let it try. */
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 0);
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(wait4), 0);
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 0);
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(getppid), 0);
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sched_getparam), 0);
#endif
	if (r == 0)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	if (r != 0) {
		snprintf(err, errlen, "seccomp: cannot load the filter: %s", strerror(-r));
		return -1;
	}
	return 0;
}

int
sandbox_enter(const char *dir, const struct sandbox_user *u, pid_t monitor, char *err, size_t errlen)
{
	if (u->valid) {
		if (chroot(dir) != 0 || chdir("/") != 0) {
			snprintf(err, errlen, "chroot %s: %s", dir, strerror(errno));
			return -1;
		}
		if (setgroups(1, &u->gid) != 0 || setresgid(u->gid, u->gid, u->gid) != 0 ||
		    setresuid(u->uid, u->uid, u->uid) != 0) {
			snprintf(err, errlen, "cannot switch to the privsep user: %s", strerror(errno));
			return -1;
		}
		/* Make sure there is no way back. */
		if (setuid(0) != -1 || seteuid(0) != -1) {
			snprintf(err, errlen, "the privsep user could regain root");
			return -1;
		}
	}
	/* The child goes when its monitor goes (set after the uid change, which clears it). */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) != 0 || getppid() != monitor) {
		snprintf(err, errlen, "the monitor is gone");
		return -1;
	}
	/* Not dumpable: other processes under the same uid cannot ptrace it. */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	return sandbox_seccomp(err, errlen);
}
