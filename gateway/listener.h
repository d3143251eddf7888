/*
 * The daemon's parent process: listen, fork one child per connection,
 * reap children (closing the session rows of any that died), reload the
 * configuration on SIGHUP and drain on SIGTERM.
 */
#ifndef REMGATE_LISTENER_H
#define REMGATE_LISTENER_H

#include <libssh/server.h>

#include "config.h"
#include "sigkey.h"
#include "store.h"

/* Bind cfg's listen address. Returns the socket count (>0) or -1. */
int listener_open(const struct config *cfg, int *fds, int maxfds, char *err, size_t errlen);

/*
 * Serve until SIGTERM and every child has finished. *cfgp is replaced on
 * a successful SIGHUP reload (the old one freed), and *sigkeyp with the
 * signing key read anew. Returns the exit code.
 */
/* control_fd: the control socket (control.h), or -1. The store is opened for each use, never held across a fork. */
int listener_run(struct config **cfgp, struct sigkey **sigkeyp, ssh_bind bind, int *fds, int nfds, int control_fd);

#endif
