/*
 * The wire between the network child and its monitor: frames of
 * u32 length | u8 type | payload, the payload a sequence of typed fields
 * (u8, u32, i64, string, bytes). Strings travel with their terminating NUL,
 * which the reader checks, so a field read in place is a C string with no
 * NUL inside. Every read is bounds-checked; one bad read marks the reader
 * bad and every later read fails, so a handler checks once at the end.
 */
#ifndef REMGATE_MONWIRE_H
#define REMGATE_MONWIRE_H

#include <stddef.h>
#include <stdint.h>

/* The largest frame: a transfer row with two whole SFTP paths fits. */
#define MON_MAX_FRAME (1024 * 1024)
#define MON_HEADER_LEN 5

enum mon_type {
	/* network child -> monitor */
	MON_PUBKEY = 1,		/* engineer, target ("" = command login), key (base64), proven */
	MON_REFUSED,		/* engineer, target (as given), reason, detail: a refusal before login */
	MON_TOKEN,		/* the approval token's answer: checked, not yet used */
	MON_TARGET_RESULT,	/* code ("ok" or a target_result code), detail */
	MON_RECORD,		/* record type, data */
	MON_EVENT,		/* kind, reason, detail */
	MON_COMMAND,		/* kind, certain, time_us, text, guard (the guard's judgement, "" none) */
	MON_TRANSFER,		/* a transfer row (xfer.c) */
	MON_KIND,		/* session kind, command, guard */
	MON_REPORT,		/* session ids, narrative fields */
	MON_END,		/* exit status, exit signal, end reason, bytes in, bytes out */
	MON_REVIEW,		/* kind (line|exec), rule, command: hold it for a customer's review */
	MON_REVIEW_CANCEL,	/* i64 id: the engineer gave up waiting (Ctrl-C) */
	MON_ENGREQ,		/* u8 op, i64 id, target, ticket, u32 level, phase, ops, reason, i64 valid, u32 sessions */
	MON_ADMIN_CMD,		/* u32 argc, argc strings: an administrator's remgatectl command */
	MON_SYNC,		/* (empty) answer once every row sent before this is committed */
	MON_OPEN,		/* (empty) a session channel opened: begin its session (the first uses the approval) */
	MON_LAST_REQUEST = MON_OPEN,

	/* monitor -> network child */
	MON_R_PUBKEY = 64,	/* u8 accepted */
	MON_R_TOKEN,		/* u8 ok, code, text (the login banner on ok), phase, pre-approved operations */
	MON_R_REPORT,		/* u32 exit status, output */
	MON_R_END,		/* acknowledged: sealed */
	MON_STOP,		/* reason, line: end the session now */
	MON_TELL,		/* line: say it to the engineer */
	MON_R_REVIEW,		/* i64 id (0: not opened), line for the engineer */
	MON_DECISION,		/* i64 id, u8 approved, summary: a review ended */
	MON_R_ENGREQ,		/* u32 status, text */
	MON_ADMIN_OUT,		/* u8 to stderr, bytes: the command's output as it comes */
	MON_ADMIN_END,		/* u32 exit status */
	MON_R_SYNC,		/* (empty) all rows before the MON_SYNC are in the store */
	MON_R_OPEN,		/* u8 ok, code, text, session id; on the first ok two fds ride along: target socket, agent */
};

/* MON_R_PUBKEY's certificate state: what the monitor made of an approval certificate. */
enum mon_cert_state { MON_CERT_NONE = 0, MON_CERT_ADMITS = 1, MON_CERT_REFUSED = 2 };

/* MON_ENGREQ's operations: an engineer's access requests (request.h). */
enum mon_engreq_op { ENGREQ_CREATE = 1, ENGREQ_LIST, ENGREQ_CANCEL, ENGREQ_STATUS, ENGREQ_COLLECT };
/* MON_R_ENGREQ's status for ENGREQ_STATUS. */
enum { ENGREQ_APPROVED = 0, ENGREQ_CLOSED = 1, ENGREQ_PENDING = 3 };

#define MON_ADMIN_MAX_ARGS 64

const char *mon_type_name(int type);

/* An outgoing frame (or several, back to back). */
struct mbuf {
	uint8_t *p;
	size_t len, cap;
	size_t frame;		/* offset of the frame being built */
	int failed;		/* out of memory or over MON_MAX_FRAME: the frame is dropped */
};

void mbuf_init(struct mbuf *b);
void mbuf_free(struct mbuf *b);
void mbuf_begin(struct mbuf *b, uint8_t type);
void mbuf_u8(struct mbuf *b, uint8_t v);
void mbuf_u32(struct mbuf *b, uint32_t v);
void mbuf_i64(struct mbuf *b, int64_t v);
/* NULL is sent as "". */
void mbuf_str(struct mbuf *b, const char *s);
void mbuf_bytes(struct mbuf *b, const void *p, size_t n);
/* Close the frame: 0, or -1 if it could not be built (it is then dropped). */
int mbuf_end(struct mbuf *b);

/* One received frame's payload. */
struct mreader {
	const uint8_t *p;
	size_t len, off;
	int bad;
};

void mreader_init(struct mreader *r, const uint8_t *p, size_t len);
uint8_t mr_u8(struct mreader *r);
uint32_t mr_u32(struct mreader *r);
int64_t mr_i64(struct mreader *r);
/* A string of at most max bytes, in place; "" when bad. */
const char *mr_str(struct mreader *r, size_t max);
/* Bytes of at most max, in place; *n gets the length. */
const uint8_t *mr_bytes(struct mreader *r, size_t max, size_t *n);
/* 0 if every read succeeded and the payload is used up exactly, else -1. */
int mr_done(const struct mreader *r);

/*
 * Split a frame off the front of buf: 1 and *type, *payload, *plen, *used
 * set; 0 if more bytes are needed; -1 if the frame is malformed (length 0
 * or over MON_MAX_FRAME).
 */
int mon_frame_split(const uint8_t *buf, size_t len, uint8_t *type, const uint8_t **payload, size_t *plen,
    size_t *used);

/* Write all of b to fd (blocking, EINTR retried) and empty it. 0 or -1. */
int mbuf_flush(struct mbuf *b, int fd);
/* Write b to fd with fds attached (SCM_RIGHTS), then empty it. 0 or -1. */
int mbuf_flush_fds(struct mbuf *b, int fd, const int *fds, int nfds);

#endif
