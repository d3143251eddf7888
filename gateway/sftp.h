/*
 * Reading the SFTP stream the gateway relays (draft-ietf-secsh-filexfer-02,
 * protocol version 3, as OpenSSH speaks it), to audit each file operation
 * and to enforce a target's transfer policy. Pure: bytes in, verdicts and
 * operation records out; the relay (relay.c) moves the bytes.
 *
 * Everything here is read from untrusted peers on both sides: every field
 * is bounds-checked and a malformed packet is a verdict, never a crash.
 */
#ifndef REMGATE_SFTP_H
#define REMGATE_SFTP_H
#include <stddef.h>
#include <stdint.h>

/* OpenSSH refuses messages over 256 KiB; a little slack for other servers. */
#define SFTP_MAX_PACKET (256 * 1024 + 1024)
/* A STATUS reply we make ourselves is at most this long. */
#define SFTP_MAX_REPLY 512

enum sftp_verdict {
	SFTP_PASS,		/* relay the packet */
	SFTP_DENY,		/* drop it; send the reply to the client instead */
	SFTP_MALFORMED,		/* end the channel */
};

enum sftp_policy {
	SFTP_FULL,		/* everything passes, everything is recorded */
	SFTP_READ_ONLY,		/* downloads and listings only */
	SFTP_DIAGNOSE,		/* the same, because the approval is for diagnosis (the command guard's phase) */
};

/* One completed operation, for the audit trail. */
struct sftp_op {
	const char *op;		/* open opendir close remove rename mkdir rmdir setstat symlink hardlink copy-data */
	const char *path;
	const char *path2;	/* rename, symlink, hardlink: the second path; NULL otherwise */
	const char *flags;	/* open/close: "read", "write,create,truncate", ...; else NULL */
	const char *status;	/* OK, NO_SUCH_FILE, PERMISSION_DENIED, FAILURE, ..., INCOMPLETE */
	const char *message;	/* the device's (or the gateway's) text, may be "" */
	uint64_t bytes_read, bytes_written;	/* close only */
	const char *sha256;	/* close only: of what passed, if all of it passed in order from offset 0 */
	int by_gateway;		/* refused here by policy; the device never saw it */
};

struct sftp_hooks {
	void *arg;
	void (*op)(void *arg, const struct sftp_op *op);
};

struct sftp_audit;

struct sftp_audit *sftp_audit_new(enum sftp_policy policy, const struct sftp_hooks *hooks);
/* Report files still open as INCOMPLETE (the channel ended mid-transfer), then free. */
void sftp_audit_free(struct sftp_audit *a);

/*
 * Is a whole packet at the start of buf? 1 (*pktlen = its size with the
 * length field), 0 (need more bytes), -1 (a length no SFTP peer sends; err).
 */
int sftp_frame(const uint8_t *buf, size_t len, size_t *pktlen, char *err, size_t errlen);

/* A whole client packet. On SFTP_DENY, reply/replylen hold the STATUS to send back. */
enum sftp_verdict sftp_request(struct sftp_audit *a, const uint8_t *pkt, size_t len,
    uint8_t reply[SFTP_MAX_REPLY], size_t *replylen, char *err, size_t errlen);

/* A whole server packet. SFTP_PASS or SFTP_MALFORMED. */
enum sftp_verdict sftp_response(struct sftp_audit *a, const uint8_t *pkt, size_t len, char *err, size_t errlen);

#endif
