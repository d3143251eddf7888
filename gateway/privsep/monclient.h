/*
 * The network child's side of the monitor protocol (monwire.h): one
 * connection per process, so one client. Records, events, commands and
 * transfers are queued and flushed once per loop turn (or at 64 KiB);
 * requests that need an answer flush and wait for it. A STOP or TELL from
 * the monitor may arrive at any time and is kept for the loop to act on.
 */
#ifndef REMGATE_MONCLIENT_H
#define REMGATE_MONCLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "cmdlog.h"
#include "monwire.h"
#include "transfers.h"

struct narrative;

void mc_init(int fd);
int mc_fd(void);
/* The monitor is gone or a write failed: nothing more can be recorded. */
int mc_failed(void);

/* Queue (no answer). */
void mc_record(uint8_t type, const void *data, size_t len);
void mc_event(const char *kind, const char *reason, const char *detail);
void mc_command(const struct cmd_entry *e);
void mc_transfer(const struct transfer_row *t);
void mc_kind(const char *kind, const char *command, const char *guard);
/*
 * Hold a command for a customer's review: the monitor opens it. The
 * review's id (0: not opened; line says why) and the line to show the
 * engineer; -1 if the monitor could not be asked.
 */
int64_t mc_review(const char *kind, const char *rule, const char *command, char *line, size_t linelen);
/* An administrator's command, split into words; its output comes with the monitor's frames. */
void mc_admin_cmd(int argc, char **argv);
/* Hand what the command wrote so far to put; 1 and *status once it ended, else 0. */
int mc_admin_take(void (*put)(void *arg, int to_stderr, const void *data, size_t len), void *arg, int *status);
/* An engineer's access request command (MON_ENGREQ); the engineer is the proven one. */
struct mc_engreq {
	int op;			/* enum mon_engreq_op */
	int64_t id, valid;
	int level, sessions;
	const char *target, *ticket, *phase, *ops, *reason;
};
/* The monitor's status (for ENGREQ_STATUS: ENGREQ_APPROVED, _PENDING, _CLOSED) and text, or -1. */
int mc_engreq(const struct mc_engreq *q, char *out, size_t outlen);
/* The engineer gave up waiting (Ctrl-C). */
void mc_review_cancel(int64_t id);
/* Has review id been decided? 1 and *approved, summary ("review 3 reboot: approved by ..."), else 0. */
int mc_take_decision(int64_t id, int *approved, char *summary, size_t summarylen);
void mc_refused(const char *engineer, const char *target, const char *reason, const char *detail);
void mc_target_result(const char *code, const char *detail);
/* Send what is queued. 0 or -1. */
int mc_flush(void);

/* Requests. Each returns -1 if the monitor cannot be asked. */
/* key: "TYPE BASE64". 1 accepted, 0 not. */
int mc_pubkey(const char *engineer, const char *target, const char *key);
/* The same, and what the monitor made of an approval certificate (state: enum mon_cert_state). */
struct mc_cert {
	int state;
	char code[64];
	char why[300];
};
int mc_pubkey_cert(const char *engineer, const char *target, const char *key, struct mc_cert *cert);
/*
 * The approval token (checked, not used yet): 1 ok with text (the login
 * banner), *implement (the approval's phase) and *allow_ops (malloc'd, or
 * left NULL) set; 0 refused with code and text.
 */
int mc_token(const char *answer, char *code, size_t codelen, char *text, size_t textlen, int *implement, char **allow_ops);
/*
 * A session channel opened: 1 ok with its session id in sid, and for the
 * connection's first session *tcp_fd and *agent_fd (the device login's
 * socket and agent; -1 for later ones); 0 refused with code and text.
 */
int mc_open(char *sid, size_t sidlen, char *code, size_t codelen, char *text, size_t textlen, int *tcp_fd, int *agent_fd);
/* The report's exit status and output. */
int mc_report(const char *ids, const struct narrative *n, char *out, size_t outlen);
/* The session's end; waits until it is on record and sealed. */
/* Wait until every row sent so far is committed to the store. 0, or -1 the monitor is gone. */
int mc_sync(void);
int mc_end(int exit_status, const char *exit_signal, const char *end_reason, int64_t bytes_in, int64_t bytes_out);

/* Read what the monitor sent (fd readable). 0, or -1 when it is gone. */
int mc_read(void);
/* A STOP: its reason and line, once; NULL if none. */
const char *mc_stop(const char **line);
/* A TELL line, taken (malloc'd, caller frees); NULL if none. */
char *mc_take_tell(void);

#endif
