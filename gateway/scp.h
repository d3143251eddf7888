/*
 * Reading the legacy scp protocol (scp -O: an exec of "scp -t" or
 * "scp -f") the gateway relays, to audit each file copied: its path, size,
 * SHA-256 and whether the receiving side accepted it. Pure, like sftp.c:
 * the relay hands over the bytes of each side in the order they pass.
 */
#ifndef REMGATE_SCP_H
#define REMGATE_SCP_H
#include <stddef.h>
#include <stdint.h>

enum scp_mode {
	SCP_NONE,		/* not an scp command */
	SCP_UPLOAD,		/* scp -t: the engineer sends files to the device */
	SCP_DOWNLOAD,		/* scp -f: the device sends files to the engineer */
};

struct scp_op {
	const char *op;		/* upload | download | error */
	const char *path;
	uint64_t size;		/* bytes that passed */
	const char *sha256;	/* when the whole file passed, else NULL */
	const char *status;	/* OK, REFUSED (the receiver said no), INCOMPLETE */
	const char *message;	/* the receiver's or sender's words, may be "" */
};

struct scp_hooks {
	void *arg;
	void (*op)(void *arg, const struct scp_op *op);
};

/* Is command an scp transfer? *path gets its path argument (malloc'd). */
enum scp_mode scp_command(const char *command, char **path);

/*
 * What an exec command is, as far as transfers go. Only the exact forms a
 * client sends are audited (scp -t/-f, sftp-server with its options, with
 * no shell syntax beyond quoting); any other command that names scp,
 * sftp-server or internal-sftp ("sftp-server;", "exec scp -t /x",
 * "sh -c 'scp ...'") would move files past the audit and is UNPARSED.
 */
enum exec_form {
	EXEC_PLAIN,		/* no transfer tool named */
	EXEC_SCP,		/* scp -t / scp -f, exactly */
	EXEC_SFTP_SERVER,	/* [path/]sftp-server [-options], exactly */
	EXEC_UNPARSED,		/* names a transfer tool in another form: refuse */
	EXEC_TOOL_READ,		/* rsync --server --sender, git-upload-pack, git-upload-archive, tar c to stdout:
				   files leave the device */
	EXEC_TOOL_WRITE,	/* rsync --server (receiving), git-receive-pack, tar x from stdin: files are written
				   on the device */
};
enum exec_form scp_exec_form(const char *command);
/* For EXEC_TOOL_*: "rsync", "git" or "tar" (the file list is not parsed: one transfer row per exec). */
const char *scp_exec_tool(const char *command);

struct scp_audit;
struct scp_audit *scp_audit_new(enum scp_mode mode, const char *path, const struct scp_hooks *hooks);
/* Bytes from the side that sends files, and from the side that receives them. */
void scp_from_source(struct scp_audit *a, const uint8_t *data, size_t len);
void scp_from_sink(struct scp_audit *a, const uint8_t *data, size_t len);
/* A file cut off mid-way is reported INCOMPLETE; then free. */
void scp_audit_free(struct scp_audit *a);
#endif
