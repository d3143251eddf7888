/*
 * The gateway's client side: log in to a target with its vaulted key (held
 * by the monitor, used through its agent), after checking the target's host
 * key against the pinned fingerprint.
 * Engineers never see the key, and no login is attempted on a mismatch.
 */
#ifndef REMGATE_TARGET_H
#define REMGATE_TARGET_H

#include <stddef.h>
#include <stdint.h>

#include <libssh/libssh.h>

#include "config.h"

enum target_result {
	TARGET_OK = 0,
	TARGET_UNREACHABLE,
	TARGET_HOSTKEY_MISMATCH,
	TARGET_AUTH_FAILED,
	TARGET_CHANNEL_FAILED,
	TARGET_INTERNAL,
};

const char *target_result_code(enum target_result r);
/* The engineer-facing sentence for a result; details stay in the log. */
const char *target_result_text(enum target_result r);

struct target_conn {
	ssh_session session;
	ssh_channel channel;	/* an open "session" channel */
};

/*
 * Over fd, a TCP connection the monitor made: verify the host key,
 * authenticate through the monitor's agent on agent_fd (it holds the
 * vaulted key) and open a session channel, blocking with timeout seconds
 * per step. Both fds are the session's from here. detail gets a log-safe
 * sentence (never key material).
 */
enum target_result target_connect_fd(const struct target *t, int fd, int agent_fd, int64_t timeout,
    struct target_conn *out, char *detail, size_t detail_len);
/* Another session channel on a logged-in connection (blocking). */
enum target_result target_open_channel(struct target_conn *c, const struct target *t, char *detail, size_t detail_len);
void target_conn_close(struct target_conn *c);

/* Connect to host:port and report the host key fingerprint the gateway sees. */
enum target_result target_probe_hostkey(const char *host, int port, int64_t timeout,
    char *fp, size_t fplen, char *detail, size_t detail_len);

#endif
