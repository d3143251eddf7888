/*
 * The monitor's insides, shared by its three files: monitor.c (the loop,
 * the request table, violations), mon_decode.c (the only code that reads
 * the network child's bytes) and mon_session.c (what each request does:
 * approvals, recording, events, limits).
 */
#ifndef REMGATE_MONITOR_INT_H
#define REMGATE_MONITOR_INT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <sys/types.h>

#include "approval.h"
#include "config.h"
#include "endreason.h"
#include "monwire.h"
#include "narrative.h"
#include "recorder.h"
#include "session.h"
#include "sigkey.h"
#include "transfers.h"

#define APPROVAL_RECHECK_SECONDS 3
#define STOP_GRACE_SECONDS 10	/* a child told to stop that has not ended by then is killed */
#define PARTIAL_FRAME_SECONDS 10	/* half a frame that long: the child is stuck or hostile */
#define MAX_TEXT 4096
#define MAX_PATH_TEXT (MON_MAX_FRAME / 2 - 1024)

/* The phases a request may come in (OpenSSH's MON_AUTH and friends). */
enum phase {
	PH_PREAUTH = 1 << 0,	/* before the publickey is proven */
	PH_KEYED = 1 << 1,	/* publickey proven for ENGINEER+TARGET; the token is next */
	PH_LOGIN = 1 << 2,	/* a session channel opened: the child logs in to the target or opens a channel there */
	PH_SESSION = 1 << 3,	/* relaying */
	PH_COMMAND = 1 << 4,	/* ENGINEER alone: gateway commands */
	PH_REFUSED = 1 << 5,	/* a final refusal is on record */
	PH_ENDED = 1 << 6,	/* the end is on record */
	PH_ADMIN = 1 << 7,	/* an administrator (admins:) proven: one remgatectl command */
	PH_ADMITTED = 1 << 8,	/* the approval admits the login; no session channel yet, the device untouched */
	PH_BETWEEN = 1 << 9,	/* a session ended; the connection may open another (max_channels_per_connection) */
};

#define MON_ONCE 1	/* at most once per connection */

struct mon_req {
	union {
		struct { const char *engineer, *target, *key; } pubkey;
		struct { const char *engineer, *target, *reason, *detail; } refused;
		struct { const char *answer; } token;
		struct { const char *code, *detail; } target;
		struct { uint8_t type; const uint8_t *data; size_t len; } record;
		struct { const char *kind, *reason, *detail; } event;
		struct { uint8_t kind, certain; int64_t time_us; const char *text, *guard; } command;
		struct transfer_row transfer;
		struct { const char *kind, *command, *guard; } kind;
		struct { const char *kind, *rule, *command; } review;
		struct { int64_t id; } review_cancel;
		struct { int argc; char *argv[MON_ADMIN_MAX_ARGS + 1]; } admin;
		struct {
			uint8_t op;
			int64_t id, valid;
			uint32_t level, sessions;
			const char *target, *ticket, *phase, *ops, *reason;
		} engreq;
		struct { const char *ids; struct narrative nar; } report;
		struct { int32_t exit_status; const char *exit_signal, *reason; int64_t bytes_in, bytes_out; } end;
	} u;
};

struct monitor {
	const struct config *cfg;
	const struct sigkey *sigkey;
	struct store *store;
	pid_t child;
	int fd;
	char sid[SESSION_ID_LEN + 1];
	char client_addr[96];
	enum phase phase;
	unsigned once_seen;		/* bit per request type */
	int sync_wanted;		/* a MON_SYNC in this read: answer after its commit */
	int cert_state;			/* an approval certificate at publickey (mon_cert.c): MON_CERT_* */
	int64_t cert_serial;		/* its approval */
	int cert_verdict;		/* enum approval_verdict, when it does not admit */
	char cert_why[300];
	uint8_t *in;
	size_t inlen, incap;
	int64_t partial_since;
	struct mbuf out;

	const struct principal *engineer;	/* proven by publickey */
	const struct principal *admin;		/* or an administrator, proven by publickey */
	pid_t helper;				/* the administrator's command running (0: none) */
	int helper_out, helper_err;		/* its stdout and stderr (-1: closed) */
	const struct target *target;
	struct approval approval;
	struct recorder *rec;
	struct agent *agent;
	int agent_fd;
	int ncmds;
	int masked_entries, masked_alarmed;
	int64_t review_id;		/* the review a command waits on (0: none; one at a time) */
	int64_t review_expires, next_review_check;

	int nsessions;			/* sessions begun on this connection; the first used the approval */
	int64_t first_started_at;	/* the first one's start: max_session_time counts from the device login */
	int64_t started_at, last_activity, next_approval_check;
	int approval_warned;
	enum end_reason stop_reason;	/* what the monitor told the child; END_NONE: nothing */
	int64_t stop_sent_at;
	int killed;			/* the monitor killed the child */
	int rec_failed;			/* the recorder failed: said and logged once */
	char violation[300];
};

static inline int64_t
mon_now(void)
{
	return (int64_t)time(NULL);
}

/* mon_decode.c: one decoder per request type; 0, or -1 if the payload is not that request. */
typedef int (*mon_decoder)(struct mreader *, struct mon_req *);
mon_decoder mon_decoder_for(int type);
/* Free what a decoded request owns. */
void mon_req_clear(int type, struct mon_req *q);

/* mon_session.c: the handlers (0, or -1: the request is refused and the child killed). */
int mon_h_pubkey(struct monitor *m, struct mon_req *q);
int mon_h_refused(struct monitor *m, struct mon_req *q);
int mon_h_token(struct monitor *m, struct mon_req *q);
int mon_h_target(struct monitor *m, struct mon_req *q);
int mon_h_record(struct monitor *m, struct mon_req *q);
int mon_h_event(struct monitor *m, struct mon_req *q);
int mon_h_command(struct monitor *m, struct mon_req *q);
int mon_h_transfer(struct monitor *m, struct mon_req *q);
int mon_h_kind(struct monitor *m, struct mon_req *q);
int mon_h_report(struct monitor *m, struct mon_req *q);
int mon_h_end(struct monitor *m, struct mon_req *q);
int mon_h_sync(struct monitor *m, struct mon_req *q);
int mon_h_open(struct monitor *m, struct mon_req *q);

/* Approval certificates (mon_cert.c). */
/* A certificate line offered by p for t: 1 if its certified key is p's (m->cert_* then say whether it admits). */
int mon_cert_offered(struct monitor *m, const struct principal *p, const struct target *t, const char *line);
/* mon_review.c: the command guard's reviews. */
int mon_h_review(struct monitor *m, struct mon_req *q);
int mon_h_review_cancel(struct monitor *m, struct mon_req *q);
/* mon_admin.c: an administrator's command over SSH, run by a helper process. */
int mon_h_admin_cmd(struct monitor *m, struct mon_req *q);
/* Forward what the helper wrote (fd readable) and its end. */
void mon_admin_pump(struct monitor *m, int fd);
/* The connection is gone: the helper goes too. */
void mon_admin_stop(struct monitor *m);
/* mon_request.c: an engineer's access requests (gateway commands). */
int mon_h_engreq(struct monitor *m, struct mon_req *q);
/* A decision or the timeout: tell the child (at most once a second, or now when force). */
void mon_check_review(struct monitor *m, int64_t now, int force);
/* The session ends with a review open: it is abandoned, the command never runs. */
void mon_abandon_review(struct monitor *m);

/* The store, opened on first use (NULL: it cannot be opened; logged). */
struct store *mon_store(struct monitor *m);
/* Send the frame being built in m->out. 0 or -1. */
int mon_send_frame(struct monitor *m);
/* The same, naming who and what (for a connection with no engineer or target proven: names given, an admin). */
void mon_event_as(struct monitor *m, const char *who, const char *what, const char *kind, const char *reason,
    const char *detail);
/* One audit event for this connection, also in the recording when there is one. */
void mon_event(struct monitor *m, const char *kind, const char *reason, const char *detail);
/* Tell the child to end the session now, for why (the first reason stays). */
void mon_stop(struct monitor *m, enum end_reason why, const char *line);
/* The end row, its event, the seal. */
void mon_finish_session(struct monitor *m, enum end_reason why, int exit_status, const char *exit_signal,
    int64_t bytes_in, int64_t bytes_out);
/* A login that never opened: the recording goes, the use comes back. */
void mon_abandon_login(struct monitor *m);
void mon_drop_agent(struct monitor *m);
/* The approval's window, its revocation, max_session_time, idle_timeout, the warning. */
void mon_check_limits(struct monitor *m, int64_t now);
/* The recording cannot be written: log once, tell the child to stop. */
void mon_recording_failed(struct monitor *m);
/* remgatectl sessions kill: who and why from the store, to the engineer and the record. */
void mon_kill_session(struct monitor *m);
/* The rows of one read from the child go to the store in one transaction. 0 or -1 (then row by row). */
int mon_batch_begin(struct monitor *m);
void mon_batch_end(struct monitor *m);

#endif
