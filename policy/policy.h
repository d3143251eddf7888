/*
 * Channel policy: what an engineer's session may ask of a target beyond a
 * shell or a command: which environment variables pass, that forwarding of
 * ports, agents and X11 is refused, and which file transfers a target allows.
 */
#ifndef REMGATE_POLICY_H
#define REMGATE_POLICY_H

/* LANG and LC_* pass (as OpenSSH's default AcceptEnv); nothing else. */
int policy_env_allowed(const char *name);

/* Channel requests and channel types the gateway refuses, with the event reason. */
const char *policy_refusal_reason(const char *request);

/* A target's file transfer policy (the target's "transfers" key). */
enum transfer_policy {
	TRANSFERS_FULL,		/* sftp and scp, both ways, audited per file */
	TRANSFERS_READ_ONLY,	/* downloads and listings; anything that changes files is refused */
	TRANSFERS_OFF,		/* no sftp subsystem, no scp */
};

/* "full", "read-only", "off". 0 or -1. */
int policy_transfers_parse(const char *s, enum transfer_policy *out);
const char *policy_transfers_name(enum transfer_policy p);

/*
 * May a transfer start under p? upload: it writes to the device (scp -t);
 * 0 for downloads and for sftp, whose writes are refused per request.
 * NULL if allowed, else the event reason.
 */
const char *policy_transfer_refusal(enum transfer_policy p, int upload);

#endif
