/*
 * The daemon's control socket, as relayctl talks to relayd: a Unix stream
 * socket (0600, owned by the daemon's user) on which remgatectl asks the
 * running remgated to kill a session, to say when a watched session ends,
 * or to reload. Only root or the daemon's own uid may connect (SO_PEERCRED).
 * One request per connection: one line of tab-separated fields; the answer
 * is "ok[\tTEXT]" or "error\tTEXT", one line. A watch stays open and gets
 * "ended" when the session's process is gone.
 */
#ifndef REMGATE_CONTROL_H
#define REMGATE_CONTROL_H

#include <stddef.h>
#include <sys/types.h>

#define CONTROL_MAX_LINE 4096
#define CONTROL_MAX_FIELDS 4

struct control_req {
	char line[CONTROL_MAX_LINE + 1];
	const char *verb;
	const char *arg[CONTROL_MAX_FIELDS];	/* NULL past nargs */
	int nargs;
	uid_t uid;		/* the peer's, from SO_PEERCRED */
	char who[128];		/* local:USER: the peer's name (or, for root, the name it gives) */
};

/* ---- the daemon's side ---- */

/* Create the listening socket at path (a stale one is replaced). fd, or -1 with err. */
int control_listen(const char *path, char *err, size_t errlen);
/*
 * Accept one connection on lfd and read its request (bounded: 2 s, one
 * line). The connection's fd, or -1 (nothing to do; a refused peer was
 * told why). 
 */
int control_accept(int lfd, struct control_req *req);
/* Split a request line in place. 0, or -1 if it is not one. */
int control_parse(struct control_req *req);
/* "ok\tTEXT\n" or "error\tTEXT\n" (TEXT may be empty for ok). 0 or -1. */
int control_reply(int fd, int ok, const char *text);

/* ---- remgatectl's side ---- */

/* A field may not hold tabs, line ends or other control characters. */
int control_field_ok(const char *s);
/*
 * Send fields (the verb first) and read the answer line. 0 ok, 1 the daemon
 * refused (reply has why), -1 no daemon to ask (err says so). With keep,
 * the connection stays open and *keep gets its fd.
 */
int control_call(const char *path, const char *const *fields, size_t n, char *reply, size_t replylen,
    int *keep, char *err, size_t errlen);

#endif
