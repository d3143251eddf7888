/* control.c: the control socket's listening, peer check, request parsing and the client call. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include "control.h"
#include "tap.h"

int
main(void)
{
	char dir[] = "/tmp/test_control.XXXXXX", path[200], err[300], reply[300];
	struct control_req req;
	struct stat st;
	int lfd, lfd2, keep = -1;
	pid_t pid;

	signal(SIGPIPE, SIG_IGN);
	ok(mkdtemp(dir) != NULL, "a temporary directory");
	snprintf(path, sizeof(path), "%s/control.sock", dir);

	/* Parsing. */
	snprintf(req.line, sizeof(req.line), "kill\tabc\tlocal:root\tbecause");
	ok(control_parse(&req) == 0 && req.nargs == 3, "a kill request parses into a verb and three fields");
	is_str(req.verb, "kill", "the verb");
	is_str(req.arg[2], "because", "the last field");
	ok(req.arg[3] == NULL, "no field past nargs");
	snprintf(req.line, sizeof(req.line), "a\tb\tc\td\te\tf");
	ok(control_parse(&req) != 0, "more than four fields are refused");
	snprintf(req.line, sizeof(req.line), "kill\tab\x1b[2Jc");
	ok(control_parse(&req) != 0, "a field with an escape character is refused");
	req.line[0] = '\0';
	ok(control_parse(&req) != 0, "an empty line is refused");
	ok(control_field_ok("maintenance window over") && !control_field_ok("a\nb") && !control_field_ok("a\tb"),
	    "control_field_ok: text yes, line ends and tabs no");

	/* Listening: 0600, a stale socket replaced, a live one not, a plain file not. */
	lfd = control_listen(path, err, sizeof(err));
	ok(lfd >= 0, "the socket listens");
	ok(stat(path, &st) == 0 && S_ISSOCK(st.st_mode) && (st.st_mode & 0777) == 0600, "mode 0600");
	lfd2 = control_listen(path, err, sizeof(err));
	ok(lfd2 < 0, "a second daemon on the same socket is refused");
	contains(err, "another remgated answers", "with the reason");

	/* A round trip: the daemon's side in a child. */
	if ((pid = fork()) == 0) {
		for (int i = 0; i < 2; i++) {
			struct control_req r;
			int c;

			while ((c = control_accept(lfd, &r)) < 0)
				usleep(10000);
			if (strcmp(r.verb, "watch") == 0) {
				control_reply(c, 1, NULL);
				usleep(100000);
				(void)!write(c, "ended\n", 6);
			} else {
				control_reply(c, 0, "no session 'x'");
			}
			close(c);
		}
		_exit(0);
	}
	{
		const char *kill_req[4] = { "kill", "x", "local:root", "" };
		const char *watch_req[2] = { "watch", "abc" };
		const char *bad[2] = { "kill", "a\tb" };
		char buf[16] = "";

		is_int(control_call(path, kill_req, 4, reply, sizeof(reply), NULL, err, sizeof(err)), 1,
		    "a refused request returns 1");
		is_str(reply, "no session 'x'", "with the daemon's words");
		is_int(control_call(path, watch_req, 2, reply, sizeof(reply), &keep, err, sizeof(err)), 0,
		    "a watch is accepted");
		ok(keep >= 0 && read(keep, buf, sizeof(buf) - 1) == 6 && strncmp(buf, "ended", 5) == 0,
		    "and the kept connection later says ended");
		close(keep);
		is_int(control_call(path, bad, 2, reply, sizeof(reply), NULL, err, sizeof(err)), -1,
		    "a field with a tab is refused before sending");
	}
	waitpid(pid, NULL, 0);
	close(lfd);
	{
		const char *r[1] = { "reload" };

		is_int(control_call(path, r, 1, reply, sizeof(reply), NULL, err, sizeof(err)), -1,
		    "no daemon: -1");
		contains(err, "remgated is not running", "and says so");
	}
	/* A stale socket (nobody listening) is replaced; a plain file is not touched. */
	lfd = control_listen(path, err, sizeof(err));
	ok(lfd >= 0, "a stale socket is replaced");
	close(lfd);
	unlink(path);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	ok(control_listen(path, err, sizeof(err)) < 0, "a plain file in the way is refused");
	contains(err, "is not a socket", "with the reason");
	unlink(path);
	{
		char longp[300];

		memset(longp, 'a', sizeof(longp) - 1);
		longp[0] = '/';
		longp[sizeof(longp) - 1] = '\0';
		ok(control_listen(longp, err, sizeof(err)) < 0, "a path too long for a socket is refused");
		contains(err, "shorter path", "and says what to do");
	}
	rmdir(dir);
	return done();
}
