/* sandbox.c: the network child's seccomp filter, its root directory check, the account check. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "sandbox.h"
#include "tap.h"

static int
status_field(pid_t pid, const char *field, char *out, size_t outlen)
{
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, field, strlen(field)) == 0 && line[strlen(field)] == ':') {
			char *v = line + strlen(field) + 1;

			while (*v == ' ' || *v == '\t')
				v++;
			v[strcspn(v, "\n")] = '\0';
			snprintf(out, outlen, "%s", v);
			fclose(f);
			return 0;
		}
	}
	fclose(f);
	return -1;
}

/* A child under the filter: reports what probes return, waits, then makes a forbidden call. */
static pid_t
filtered_child(int report, int go, const char *forbidden)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	char err[200], c;
	int r[2];

	if (sandbox_seccomp(err, sizeof(err)) != 0)
		_exit(90);
	errno = 0;
	r[0] = open("/etc/passwd", O_RDONLY) < 0 && errno == EACCES;
	errno = 0;
	r[1] = socket(AF_INET, SOCK_STREAM, 0) < 0 && errno == EACCES;
	if (write(report, r, sizeof(r)) != sizeof(r) || read(go, &c, 1) != 1)
		_exit(91);
	if (strcmp(forbidden, "execve") == 0)
		execl("/bin/true", "true", (char *)NULL);
	else if (strcmp(forbidden, "kill") == 0)
		kill(1, 0);
	else if (strcmp(forbidden, "ptrace-free exit") == 0)
		_exit(0);
	_exit(92);
}

int
main(void)
{
	char dir[] = "/tmp/test_sandbox.XXXXXX", sub[200], err[300], v[64];
	struct sandbox_user u;
	const char *warn;
	int rep[2], go[2], r[2] = { 0, 0 }, status = 0;
	pid_t pid;

	ok(mkdtemp(dir) != NULL, "a temporary directory");
	snprintf(sub, sizeof(sub), "%s/empty", dir);
	ok(mkdir(sub, 0755) == 0 && chmod(sub, 0755) == 0 && sandbox_check_dir(sub, err, sizeof(err)) == 0,
	    "an empty root-owned directory is a good root");
	chmod(sub, 0777);
	ok(sandbox_check_dir(sub, err, sizeof(err)) != 0, "a world-writable one is refused");
	contains(err, "writable by no one else", "with the reason");
	chmod(sub, 0755);
	{
		char f[300];

		snprintf(f, sizeof(f), "%s/x", sub);
		close(open(f, O_CREAT | O_WRONLY, 0600));
		ok(sandbox_check_dir(sub, err, sizeof(err)) != 0, "a directory with something in it is refused");
		contains(err, "must be empty", "with the reason");
		unlink(f);
	}
	snprintf(sub, sizeof(sub), "%s/fresh", dir);
	ok(sandbox_prepare(sub, geteuid() == 0 ? "root" : "nobody", &warn, err, sizeof(err)) != 0 || geteuid() != 0,
	    "as root, privsep_user root is refused");
	if (geteuid() == 0) {
		contains(err, "unprivileged", "because it is privileged");
		ok(sandbox_lookup("no-such-account-here", &u, err, sizeof(err)) != 0, "an unknown account is refused");
		contains(err, "useradd", "and the error says how to create it");
	}
	{
		struct stat st;

		ok(stat(sub, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0755,
		    "sandbox_prepare creates a missing root directory 0755");
	}

	/* The filter: probes fail quietly, forbidden calls kill. */
	ok(pipe(rep) == 0 && pipe(go) == 0, "pipes");
	pid = filtered_child(rep[1], go[0], "execve");
	ok(read(rep[0], r, sizeof(r)) == sizeof(r), "the filtered child reports");
	ok(r[0], "open() fails with EACCES under the filter");
	ok(r[1], "socket() fails with EACCES under the filter");
	ok(status_field(pid, "Seccomp", v, sizeof(v)) == 0 && strcmp(v, "2") == 0, "/proc shows Seccomp: 2");
	ok(status_field(pid, "NoNewPrivs", v, sizeof(v)) == 0 && strcmp(v, "1") == 0, "/proc shows NoNewPrivs: 1");
	ok(write(go[1], "g", 1) == 1, "let it go on");
	waitpid(pid, &status, 0);
	ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS, "execve kills it (SIGSYS)");

	pid = filtered_child(rep[1], go[0], "kill");
	ok(read(rep[0], r, sizeof(r)) == sizeof(r) && write(go[1], "g", 1) == 1, "a second child");
	waitpid(pid, &status, 0);
	ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS, "kill() kills it: the child signals no one");

	pid = filtered_child(rep[1], go[0], "ptrace-free exit");
	ok(read(rep[0], r, sizeof(r)) == sizeof(r) && write(go[1], "g", 1) == 1, "a third child");
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "a plain exit is allowed");
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
	}
	return done();
}
