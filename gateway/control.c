/* The control socket between remgatectl and remgated (control.h). */
#include "control.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#define CONTROL_TIMEOUT_MS 2000

static int
fill_addr(const char *path, struct sockaddr_un *sun, char *err, size_t errlen)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path)) {
		snprintf(err, errlen, "the control socket path is longer than %zu bytes; set control_socket to a "
		    "shorter path (it is %.60s...)", sizeof(sun->sun_path) - 1, path);
		return -1;
	}
	memcpy(sun->sun_path, path, strlen(path));
	return 0;
}

int
control_listen(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	struct stat st;
	int fd;

	if (fill_addr(path, &sun, err, errlen) != 0)
		return -1;
	/* Only a socket is replaced: a stale one from a previous run. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "control socket %s exists and is not a socket", path);
			return -1;
		}
		int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (probe >= 0 && connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			close(probe);
			snprintf(err, errlen, "another remgated answers on %s", path);
			return -1;
		}
		if (probe >= 0)
			close(probe);
		unlink(path);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 || chmod(path, 0600) != 0 || listen(fd, 16) != 0) {
		snprintf(err, errlen, "control socket %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int
control_field_ok(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

int
control_parse(struct control_req *req)
{
	char *p = req->line, *tab;

	req->nargs = 0;
	for (int i = 0; i < CONTROL_MAX_FIELDS; i++)
		req->arg[i] = NULL;
	if (*p == '\0')
		return -1;
	req->verb = p;
	while ((tab = strchr(p, '\t')) != NULL) {
		*tab = '\0';
		p = tab + 1;
		if (req->nargs == CONTROL_MAX_FIELDS)
			return -1;
		req->arg[req->nargs++] = p;
	}
	if (!control_field_ok(req->verb))
		return -1;
	for (int i = 0; i < req->nargs; i++)
		if (!control_field_ok(req->arg[i]))
			return -1;
	return 0;
}

int
control_reply(int fd, int ok, const char *text)
{
	char line[CONTROL_MAX_LINE + 16];
	int n = snprintf(line, sizeof(line), "%s%s%s\n", ok ? "ok" : "error", text && *text ? "\t" : "",
	    text ? text : "");

	if (n < 0)
		return -1;
	if ((size_t)n >= sizeof(line))
		n = (int)sizeof(line) - 1;
	line[n - 1] = '\n';
	return write(fd, line, (size_t)n) == n ? 0 : -1;
}

/* Read one line (without its newline) within the deadline. 0 or -1. */
static int
read_line(int fd, char *buf, size_t buflen)
{
	size_t len = 0;

	while (len + 1 < buflen) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, CONTROL_TIMEOUT_MS) != 1)
			return -1;
		n = read(fd, buf + len, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		if (buf[len] == '\n') {
			buf[len] = '\0';
			return 0;
		}
		len++;
	}
	return -1;	/* too long */
}

int
control_accept(int lfd, struct control_req *req)
{
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

	memset(req, 0, sizeof(*req));
	if (fd < 0)
		return -1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) != 0 ||
	    (cred.uid != 0 && cred.uid != geteuid())) {
		(void)control_reply(fd, 0, "only root or the daemon's user may use the control socket");
		close(fd);
		return -1;
	}
	req->uid = cred.uid;
	if (read_line(fd, req->line, sizeof(req->line)) != 0 || control_parse(req) != 0) {
		(void)control_reply(fd, 0, "not a control request");
		close(fd);
		return -1;
	}
	{
		struct passwd *pw = getpwuid(cred.uid);

		snprintf(req->who, sizeof(req->who), "local:%s", pw ? pw->pw_name : "unknown");
	}
	return fd;
}

int
control_call(const char *path, const char *const *fields, size_t n, char *reply, size_t replylen,
    int *keep, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	char line[CONTROL_MAX_LINE + 1] = "", answer[CONTROL_MAX_LINE + 1];
	size_t len = 0;
	int fd;

	if (fill_addr(path, &sun, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		size_t k = strlen(fields[i]);

		if (!control_field_ok(fields[i])) {
			snprintf(err, errlen, "a control request field may not contain tabs, line ends or other control "
			    "characters");
			return -1;
		}
		if (len + k + 2 > sizeof(line)) {
			snprintf(err, errlen, "the control request is longer than %d bytes", CONTROL_MAX_LINE);
			return -1;
		}
		if (i > 0)
			line[len++] = '\t';
		memcpy(line + len, fields[i], k);
		len += k;
	}
	line[len++] = '\n';
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		snprintf(err, errlen, "remgated is not running (no answer on the control socket %s: %s)", path,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (write(fd, line, len) != (ssize_t)len || read_line(fd, answer, sizeof(answer)) != 0) {
		snprintf(err, errlen, "remgated did not answer on %s", path);
		close(fd);
		return -1;
	}
	if (strncmp(answer, "ok", 2) == 0 && (answer[2] == '\0' || answer[2] == '\t')) {
		snprintf(reply, replylen, "%s", answer[2] ? answer + 3 : "");
		if (keep != NULL)
			*keep = fd;
		else
			close(fd);
		return 0;
	}
	snprintf(reply, replylen, "%s", strncmp(answer, "error\t", 6) == 0 ? answer + 6 : answer);
	close(fd);
	return 1;
}
