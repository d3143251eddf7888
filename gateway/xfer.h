/* File transfers in a session (xfer.c): sftp and scp, audited per file, under the target's policy. */
#ifndef REMGATE_XFER_H
#define REMGATE_XFER_H
#include "session.h"

/*
 * May this session open the sftp subsystem? 0, or -1: refused and
 * recorded; the caller accepts the request anyway and the loop then tells
 * the engineer why, exits 1 and closes (clients show that, not a bare failure).
 */
int xfer_sftp_allowed(struct session *s, ssh_channel channel);
/* Put the SFTP parser in both directions of the relay. 0 or -1. */
int xfer_start_sftp(struct session *s);
/*
 * Before an exec reaches the target: an scp or sftp-server command is
 * checked against the policy (-1: refused) and audited; *is_sftp says the
 * caller must start the SFTP parser once the exec runs.
 */
int xfer_exec(struct session *s, ssh_channel channel, const char *command, int *is_sftp);
/* Every relayed byte (the recording tap): the scp parser reads its side. */
void xfer_tap(struct session *s, struct relaybuf *b, const void *data, size_t len);
/* 1 once the channel must close: a refused transfer, or a malformed SFTP stream (recorded, engineer told). */
int xfer_check(struct session *s);
/* The session ends: report files left open, free the parsers. */
/* An rsync or git exec ended: its one transfer row (once; xfer_finish does it if nothing did). */
void xfer_tool_done(struct session *s);
void xfer_finish(struct session *s);
#endif
