/*
 * One engineer connection, run in its own forked child: key exchange,
 * authentication with the approval token, the login to the target and the
 * relay, all driven by one ssh_event loop. The context is shared by
 * session.c (lifecycle), auth.c (who may pass) and relay.c (the bytes).
 */
#ifndef REMGATE_SESSION_H
#define REMGATE_SESSION_H

#include <signal.h>
#include <stdint.h>

#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h>

#include "chanend.h"
#include "cmdlog.h"
#include "endreason.h"
#include "recfile.h"
#include "scp.h"
#include "sftp.h"
#include "relaybuf.h"
#include "config.h"
#include "target.h"

#define SESSION_ID_LEN 16	/* hex characters */

/*
 * The network child's view of one connection. It holds no store, no
 * signing key and no device key: whatever must be believed goes to the
 * monitor (privsep/monclient.h), which records it.
 */
struct session {
	const struct config *cfg;
	ssh_session eng;		/* engineer side (we are the server) */
	ssh_event event;
	char sid[SESSION_ID_LEN + 1];
	char client_addr[96];
	int64_t started_at;
	int startup_fd;			/* closed once authenticated: the parent counts startups by it */

	/* Authentication: its steps are auth.c's own (struct auth_state); the outcome is here. */
	struct auth_state *auth;
	const struct principal *engineer;
	const struct principal *admin;	/* a plain name that is an administrator's: remgatectl commands */
	const struct target *target;
	int authenticated;
	int command_mode;		/* logged in as ENGINEER alone: gateway commands, no device */
	int implement;			/* the approval's phase is implement (else diagnose): the command guard */
	char *allow_ops;		/* its pre-approved major operations, space-separated, or NULL */
	struct engcmd *ecmd;

	/*
	 * Session channels come one after another (max_channels_per_connection):
	 * each is its own session, with the fields from here to the end reset
	 * between them (session_channel_end); the device login stays.
	 */
	int nchannels;			/* session channels opened on this connection */
	int session_open;		/* the monitor has the current channel's session on record */
	int last_channel;		/* a refusal or a failed device side: the connection ends with this channel */

	/* The relay: its callbacks and exit bookkeeping are relay.c's own (struct relay_state). */
	struct relay_state *relay;
	struct target_conn tc;
	ssh_channel chan;		/* the engineer's session channel */
	int started;			/* shell or exec running on the target */
	int target_in_event;
	struct chan_end eng_end, dev_end;	/* the engineer's channel and the device's (chanend.h) */
	struct relaybuf to_target, to_engineer, to_engineer_err;
	int exit_status;		/* -1 until the target sends one */
	char exit_signal[32];
	int64_t last_activity;		/* a byte either way (idle_timeout) */
	enum end_reason end_reason;
	int done;

	/* The record of it all. */
	int recording;		/* the monitor records this session: records go to it */
	struct cmdlog *cmds;	/* pty sessions only */
	struct escrow *escrow;	/* hidden input is sealed to the customer's key; NULL without one */
	/* File transfers (xfer.c). */
	struct xfer_state *xfer;	/* xfer.c's own; NULL until a transfer starts */
	/* The command guard (guardgate.c's own); NULL until a command is judged. */
	struct gate_state *gate;
	int ncmds;
};

/* The stop flag set by SIGTERM in the child. */
extern volatile sig_atomic_t session_stop_requested;

/*
 * Serve one accepted connection fd in the sandboxed network child; the
 * monitor is on monitor_fd. Returns the child's exit code.
 */
int session_run(const struct config *cfg, ssh_bind bind, int fd, int startup_fd, const char *client_addr,
    const char *sid, int monitor_fd);

/*
 * A session channel opened: the monitor begins its session (the first
 * uses the approval and signs the device login), then the device side
 * (the login, or a channel on it) and the recording. 0, or -1 with the
 * engineer's sentence in why (the refusal is on record).
 */
int session_begin(struct session *s, char *why, size_t whylen);
/* The current channel is over (or given up for a new one): its end on record, its state reset. */
void session_channel_end(struct session *s);
/* "remgate: line" on the engineer's stderr (if the channel is open). */
void tell_engineer(struct session *s, const char *line);
/* A record of type with a small JSON or text payload (to the monitor). */
void session_record(struct session *s, uint8_t type, const void *data, size_t len);

/* auth.c: its state is allocated here and freed by auth_free. 0, or -1 out of memory. */
int auth_setup(struct session *s);
void auth_free(struct session *s);
/* A final refusal was sent: the connection ends. */
int auth_refused(const struct session *s);
/* The login grace time ran out before the engineer got in: that is the refusal on record. */
void auth_grace_expired(struct session *s);
/* Write a refusal event and log line for a connection that never got in. */
void auth_finish_refused(struct session *s);

/* relay.c (its state is made on first use and freed by relay_free) */
void relay_free(struct session *s);
void relay_setup_target_callbacks(struct session *s);
/* Route the relay buffers' bytes into the recording and the command log. */
void relay_setup_recording(struct session *s);
ssh_channel relay_open_channel(ssh_session eng, void *userdata);
/* Let go of both channels and the relay's state (the callbacks first). */
void relay_end_channel(struct session *s);
/* Move buffered bytes and EOF/close along; called after every poll. */
void relay_pump(struct session *s);

/* session.c: one audit event for this connection (the monitor adds who, where, which approval). */
void session_event(struct session *s, const char *kind, const char *reason, const char *detail);

#endif
