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

#include "approval.h"
#include "chanend.h"
#include "cmdlog.h"
#include "recorder.h"
#include "scp.h"
#include "sftp.h"
#include "relaybuf.h"
#include "config.h"
#include "store.h"
#include "target.h"

#define SESSION_ID_LEN 16	/* hex characters */

struct session {
	const struct config *cfg;
	const struct sigkey *sigkey;
	struct store *store;
	ssh_session eng;		/* engineer side (we are the server) */
	ssh_event event;
	char sid[SESSION_ID_LEN + 1];
	char client_addr[96];
	int64_t started_at;
	int startup_fd;			/* closed once authenticated: the parent counts startups by it */

	/* Authentication. */
	char user[160];			/* as sent: "engineer+target" */
	char want_engineer[80];		/* the engineer part, before it is known to exist */
	char want_target[80];		/* the target part, before it is known to exist */
	const struct principal *engineer;
	const struct target *target;
	int pubkey_ok;
	int authenticated;
	int refused;			/* a final refusal: disconnect */
	const char *pending_reason;	/* key refusal not yet final */
	char pending_detail[256];
	int key_banner_sent;
	struct approval approval;
	int command_mode;		/* logged in as ENGINEER alone: gateway commands, no device */
	struct engcmd *ecmd;

	/* The relay. */
	struct target_conn tc;
	ssh_channel chan;		/* the engineer's session channel */
	struct ssh_server_callbacks_struct server_cb;
	struct ssh_channel_callbacks_struct eng_cb;
	struct ssh_channel_callbacks_struct tgt_cb;
	int started;			/* shell or exec running on the target */
	int target_in_event;
	struct chan_end eng_end, dev_end;	/* the engineer's channel and the device's (chanend.h) */
	int exit_sent, exit_recorded;	/* exit status/signal passed on, and recorded */
	struct relaybuf to_target, to_engineer, to_engineer_err;
	int exit_status;		/* -1 until the target sends one */
	char exit_signal[32];
	int exit_core;
	int64_t closing_since;		/* we began closing (0: not yet); the peer gets 5 s to answer */
	int64_t last_activity;		/* a byte either way (idle_timeout) */
	int64_t next_approval_check;	/* re-read the approval for a revocation then */
	int approval_warned;
	const char *end_reason;
	int done;

	/* The record of it all. */
	struct recorder *rec;
	struct cmdlog *cmds;	/* pty sessions only */
	struct escrow *escrow;	/* hidden input is sealed to the customer's key; NULL without one */
	int masked_entries;	/* hidden inputs so far, for the unusual-input alarm */
	int masked_alarmed;
	/* File transfers (xfer.c). */
	struct sftp_audit *sftp;
	struct scp_audit *scp;
	enum scp_mode scp_mode;
	char xfer_error[300];	/* why the SFTP stream was cut */
	char xfer_notice[600];	/* a policy refusal to tell the engineer from the loop */
	int xfer_refused;	/* the channel's transfer was refused: tell, exit 1, close */
	int xfer_failed;
	int ncmds;
	int pty;
};

/* The stop flag set by SIGTERM in the child. */
extern volatile sig_atomic_t session_stop_requested;

/* Serve one accepted connection fd; returns the child's exit code. */
int session_run(const struct config *cfg, const struct sigkey *sigkey, ssh_bind bind, int fd, int startup_fd,
    const char *client_addr);

/* Open the recording once the approval is taken. 0, or -1 with a reason. */
int session_open_recording(struct session *s, char *err, size_t errlen);
/* "remgate: line" on the engineer's stderr (if the channel is open). */
void tell_engineer(struct session *s, const char *line);
/* A record of type with a small JSON or text payload. */
void session_record(struct session *s, uint8_t type, const void *data, size_t len);

/* auth.c */
void auth_setup(struct session *s);
/* Write a refusal event and log line for a connection that never got in. */
void auth_finish_refused(struct session *s);

/* relay.c */
void relay_setup_target_callbacks(struct session *s);
/* Route the relay buffers' bytes into the recording and the command log. */
void relay_setup_recording(struct session *s);
ssh_channel relay_open_channel(ssh_session eng, void *userdata);
/* Move buffered bytes and EOF/close along; called after every poll. */
void relay_pump(struct session *s);

/* session.c: one audit event for this connection. */
void session_event(struct session *s, const char *kind, const char *reason, const char *detail);

#endif
