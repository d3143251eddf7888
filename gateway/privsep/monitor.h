/*
 * The privileged half of a connection (OpenSSH's monitor): it holds the
 * store, the signing key and the vaulted device keys, and answers the
 * network child's requests from a fixed table, each allowed only in the
 * phases that need it and as often as it may come. A malformed or
 * out-of-order request kills the child and is recorded. It also owns what
 * the child must not decide: the recording (chained, written and sealed
 * here), the session's limits, kill requests and the end row.
 */
#ifndef REMGATE_MONITOR_H
#define REMGATE_MONITOR_H

#include <sys/types.h>

#include <libssh/server.h>

#include "config.h"
#include "sigkey.h"

/* Fork the network child for fd and serve it; returns the exit code. */
int monitor_run(const struct config *cfg, const struct sigkey *sigkey, ssh_bind bind, int fd, int startup_fd,
    const char *client_addr);

/*
 * Serve an already running child on fd until it exits. *child_status gets
 * its wait status. For monitor_run and the tests that play a hostile child.
 */
int monitor_serve(const struct config *cfg, const struct sigkey *sigkey, pid_t child, int fd, const char *sid,
    const char *client_addr, int *child_status);

/* Decode and check one request as the dispatcher would, without acting (the fuzz target). 0 or -1. */
int monitor_decode(int type, const unsigned char *payload, size_t len);

#endif
