/*
 * The SFTP audit (sftp.h): requests are remembered by id until the device
 * answers, open files by handle until they are closed, so each operation
 * is reported once, with the device's status, and each file's close with
 * the bytes that passed and their SHA-256.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "sftp.h"

enum {
	FXP_INIT = 1, FXP_VERSION = 2, FXP_OPEN = 3, FXP_CLOSE = 4, FXP_READ = 5, FXP_WRITE = 6,
	FXP_LSTAT = 7, FXP_FSTAT = 8, FXP_SETSTAT = 9, FXP_FSETSTAT = 10, FXP_OPENDIR = 11,
	FXP_READDIR = 12, FXP_REMOVE = 13, FXP_MKDIR = 14, FXP_RMDIR = 15, FXP_REALPATH = 16,
	FXP_STAT = 17, FXP_RENAME = 18, FXP_READLINK = 19, FXP_SYMLINK = 20,
	FXP_STATUS = 101, FXP_HANDLE = 102, FXP_DATA = 103, FXP_NAME = 104, FXP_ATTRS = 105,
	FXP_EXTENDED = 200, FXP_EXTENDED_REPLY = 201,
};

#define FXF_READ 0x01
#define FXF_WRITE 0x02
#define FXF_APPEND 0x04
#define FXF_CREAT 0x08
#define FXF_TRUNC 0x10
#define FXF_EXCL 0x20

#define FX_OK 0
#define FX_EOF 1
#define FX_PERMISSION_DENIED 3

#define MAX_PENDING 1024	/* outstanding requests; OpenSSH's client keeps 64 */
#define MAX_HANDLES 256	/* open files tracked at once; more still pass, without totals */
#define MAX_HANDLE_LEN 256
#define MAX_PATH 4096

struct file {
	int used;
	uint8_t handle[MAX_HANDLE_LEN];
	size_t handle_len;
	char *path;
	uint32_t pflags;
	int is_dir;
	uint64_t bytes_read, bytes_written;
	uint64_t next_read, next_write;	/* where an in-order transfer continues */
	int in_order;			/* every byte so far came in order from 0 */
	EVP_MD_CTX *sha;
};

struct pending {
	uint32_t id;
	uint8_t type;
	const char *op;		/* what to report when answered, or NULL */
	char *path, *path2;
	uint32_t pflags;
	int file;		/* index in files, or -1 */
	uint64_t offset;
};

struct sftp_audit {
	enum sftp_policy policy;
	struct sftp_hooks hooks;
	struct pending pend[MAX_PENDING];
	size_t npend;
	struct file files[MAX_HANDLES];
};

/* ---- reading fields ------------------------------------------------- */

struct cur {
	const uint8_t *p, *end;
	int bad;
};

static uint32_t
get_u32(struct cur *c)
{
	uint32_t v;

	if (c->bad || c->end - c->p < 4) {
		c->bad = 1;
		return 0;
	}
	v = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 | (uint32_t)c->p[2] << 8 | c->p[3];
	c->p += 4;
	return v;
}

static uint64_t
get_u64(struct cur *c)
{
	uint64_t hi = get_u32(c);

	return hi << 32 | get_u32(c);
}

static uint8_t
get_u8(struct cur *c)
{
	if (c->bad || c->p >= c->end) {
		c->bad = 1;
		return 0;
	}
	return *c->p++;
}

/* A string field: pointer into the packet and its length. */
static const uint8_t *
get_str(struct cur *c, size_t *len)
{
	uint32_t n = get_u32(c);
	const uint8_t *s = c->p;

	if (c->bad || (size_t)(c->end - c->p) < n) {
		c->bad = 1;
		*len = 0;
		return NULL;
	}
	c->p += n;
	*len = n;
	return s;
}

/* A path as text for the record: NUL bytes shown as '?', very long ones cut. */
static char *
get_path(struct cur *c)
{
	size_t n;
	const uint8_t *s = get_str(c, &n);
	char *out;

	if (s == NULL)
		return NULL;
	if (n > MAX_PATH)
		n = MAX_PATH;
	if ((out = malloc(n + 1)) == NULL) {
		c->bad = 1;
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = s[i] ? (char)s[i] : '?';
	out[n] = '\0';
	return out;
}

/* ---- requests waiting for their answer ------------------------------ */

static struct pending *
pending_find(struct sftp_audit *a, uint32_t id)
{
	for (size_t i = 0; i < a->npend; i++)
		if (a->pend[i].id == id)
			return &a->pend[i];
	return NULL;
}

/* A slot for id; NULL if it is outstanding already or too many are (no real client gets near). */
static struct pending *
pending_add(struct sftp_audit *a, uint32_t id)
{
	struct pending *p;

	if (a->npend == MAX_PENDING || pending_find(a, id) != NULL)
		return NULL;
	p = &a->pend[a->npend++];
	memset(p, 0, sizeof(*p));
	p->id = id;
	p->file = -1;
	return p;
}

/* Forget an answered request (the last one moves into its slot). */
static void
pending_done(struct sftp_audit *a, struct pending *p)
{
	free(p->path);
	free(p->path2);
	*p = a->pend[--a->npend];
}

/* ---- open files ------------------------------------------------------ */

static int
file_find(struct sftp_audit *a, const uint8_t *h, size_t n)
{
	for (int i = 0; i < MAX_HANDLES; i++)
		if (a->files[i].used && a->files[i].handle_len == n && memcmp(a->files[i].handle, h, n) == 0)
			return i;
	return -1;
}

static int
file_add(struct sftp_audit *a, const uint8_t *h, size_t n, char *path, uint32_t pflags, int is_dir)
{
	int i;

	if (n > MAX_HANDLE_LEN || file_find(a, h, n) >= 0)
		return -1;
	for (i = 0; i < MAX_HANDLES && a->files[i].used; i++)
		;
	if (i == MAX_HANDLES)
		return -1;	/* not tracked: the operations still pass and are reported without totals */
	struct file *f = &a->files[i];
	memset(f, 0, sizeof(*f));
	f->used = 1;
	memcpy(f->handle, h, n);
	f->handle_len = n;
	f->path = path;
	f->pflags = pflags;
	f->is_dir = is_dir;
	f->in_order = 1;
	if (!is_dir && (f->sha = EVP_MD_CTX_new()) != NULL && EVP_DigestInit_ex(f->sha, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(f->sha);
		f->sha = NULL;
	}
	return i;
}

static void
file_free(struct file *f)
{
	free(f->path);
	EVP_MD_CTX_free(f->sha);
	memset(f, 0, sizeof(*f));
}

static void
flags_text(uint32_t pflags, char *out, size_t outlen)
{
	static const struct { uint32_t bit; const char *name; } names[] = {
		{ FXF_READ, "read" }, { FXF_WRITE, "write" }, { FXF_APPEND, "append" },
		{ FXF_CREAT, "create" }, { FXF_TRUNC, "truncate" }, { FXF_EXCL, "excl" },
	};

	out[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(pflags & names[i].bit))
			continue;
		if (out[0] != '\0')
			strncat(out, ",", outlen - strlen(out) - 1);
		strncat(out, names[i].name, outlen - strlen(out) - 1);
	}
	if (out[0] == '\0')
		snprintf(out, outlen, "none");
}

static const char *
status_name(uint32_t code)
{
	static const char *const names[] = { "OK", "EOF", "NO_SUCH_FILE", "PERMISSION_DENIED", "FAILURE",
		"BAD_MESSAGE", "NO_CONNECTION", "CONNECTION_LOST", "OP_UNSUPPORTED" };

	return code < sizeof(names) / sizeof(names[0]) ? names[code] : "UNKNOWN_STATUS";
}

/* The close of a file: totals and, if everything passed in order, its digest. */
static void
report_close(struct sftp_audit *a, struct file *f, const char *status, const char *message)
{
	char flags[64], hex[65];
	uint8_t md[32];
	unsigned int mdlen = 0;
	struct sftp_op op = { .op = "close", .path = f->path, .flags = flags, .status = status,
		.message = message, .bytes_read = f->bytes_read, .bytes_written = f->bytes_written };

	flags_text(f->pflags, flags, sizeof(flags));
	/* A digest names one stream: bytes read or bytes written, not a mix. */
	if (f->sha != NULL && f->in_order && !(f->bytes_read > 0 && f->bytes_written > 0) &&
	    EVP_DigestFinal_ex(f->sha, md, &mdlen) == 1) {
		for (int i = 0; i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", md[i]);
		op.sha256 = hex;
	}
	a->hooks.op(a->hooks.arg, &op);
}

static void
digest(struct file *f, uint64_t offset, uint64_t *next, const uint8_t *data, size_t len)
{
	if (offset != *next)
		f->in_order = 0;
	if (f->in_order && f->sha != NULL && len > 0)
		EVP_DigestUpdate(f->sha, data, len);
	*next = offset + len;
}

/* ---- framing --------------------------------------------------------- */

int
sftp_frame(const uint8_t *buf, size_t len, size_t *pktlen, char *err, size_t errlen)
{
	uint32_t n;

	if (len < 4)
		return 0;
	n = (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 | (uint32_t)buf[2] << 8 | buf[3];
	if (n == 0 || n > SFTP_MAX_PACKET) {
		snprintf(err, errlen, "packet length %u is %s", n, n == 0 ? "zero" : "over the 257 KiB limit");
		return -1;
	}
	if (len - 4 < n)
		return 0;
	*pktlen = (size_t)n + 4;
	return 1;
}

/* ---- requests -------------------------------------------------------- */

static size_t
put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return 4;
}

/* SSH_FXP_STATUS id PERMISSION_DENIED "msg" "" */
static size_t
deny_reply(uint32_t id, const char *msg, uint8_t *out)
{
	size_t mlen = strlen(msg), n = 4;

	if (mlen > SFTP_MAX_REPLY - 32)
		mlen = SFTP_MAX_REPLY - 32;
	out[n++] = FXP_STATUS;
	n += put_u32(out + n, id);
	n += put_u32(out + n, FX_PERMISSION_DENIED);
	n += put_u32(out + n, (uint32_t)mlen);
	memcpy(out + n, msg, mlen);
	n += mlen;
	n += put_u32(out + n, 0);	/* language tag */
	put_u32(out, (uint32_t)(n - 4));
	return n;
}

/* Extended requests that change the device's files. */
static int
extended_writes(const uint8_t *name, size_t n)
{
	static const char *const readonly_ok[] = { "statvfs@openssh.com", "fstatvfs@openssh.com",
		"limits@openssh.com", "expand-path@openssh.com", "home-directory", "users-groups-by-id@openssh.com",
		"fsync@openssh.com" };

	for (size_t i = 0; i < sizeof(readonly_ok) / sizeof(readonly_ok[0]); i++)
		if (strlen(readonly_ok[i]) == n && memcmp(readonly_ok[i], name, n) == 0)
			return 0;
	return 1;	/* posix-rename, hardlink, lsetstat, copy-data, and anything unknown */
}

static int
ext_is(const uint8_t *name, size_t n, const char *want)
{
	return strlen(want) == n && memcmp(want, name, n) == 0;
}

enum sftp_verdict
sftp_request(struct sftp_audit *a, const uint8_t *pkt, size_t len, uint8_t reply[SFTP_MAX_REPLY],
    size_t *replylen, char *err, size_t errlen)
{
	struct cur c = { pkt + 4, pkt + len, 0 };
	uint8_t type = get_u8(&c);
	uint32_t id;
	struct pending *p = NULL;
	const char *op = NULL;
	int writes = 0, hidx = -1;
	char *path = NULL, *path2 = NULL;
	uint32_t pflags = 0;
	uint64_t offset = 0;

	*replylen = 0;
	if (type == FXP_INIT)
		return c.bad ? SFTP_MALFORMED : SFTP_PASS;
	id = get_u32(&c);
	switch (type) {
	case FXP_OPEN:
		path = get_path(&c);
		pflags = get_u32(&c);
		op = "open";
		writes = (pflags & (FXF_WRITE | FXF_APPEND | FXF_CREAT | FXF_TRUNC)) != 0;
		break;
	case FXP_OPENDIR:
		path = get_path(&c);
		op = "opendir";
		break;
	case FXP_REMOVE: case FXP_RMDIR: case FXP_MKDIR: case FXP_SETSTAT:
		path = get_path(&c);
		op = type == FXP_REMOVE ? "remove" : type == FXP_RMDIR ? "rmdir" : type == FXP_MKDIR ? "mkdir" : "setstat";
		writes = 1;
		break;
	case FXP_RENAME: case FXP_SYMLINK:
		path = get_path(&c);
		path2 = get_path(&c);
		op = type == FXP_RENAME ? "rename" : "symlink";
		writes = 1;
		break;
	case FXP_CLOSE: case FXP_READ: case FXP_WRITE: case FXP_FSETSTAT: {
		size_t hn;
		const uint8_t *h = get_str(&c, &hn);

		if (h != NULL)
			hidx = file_find(a, h, hn);
		if (type == FXP_READ || type == FXP_WRITE)
			offset = get_u64(&c);
		if (type == FXP_WRITE) {
			size_t dn;
			const uint8_t *data = get_str(&c, &dn);

			writes = 1;
			if (!c.bad && a->policy == SFTP_FULL && hidx >= 0) {
				struct file *f = &a->files[hidx];
				f->bytes_written += dn;
				digest(f, offset, &f->next_write, data, dn);
			}
		} else if (type == FXP_READ) {
			(void)get_u32(&c);	/* length asked for */
		} else if (type == FXP_FSETSTAT) {
			writes = 1;
			op = "setstat";
			if (hidx >= 0 && (path = strdup(a->files[hidx].path)) == NULL)
				c.bad = 1;
		}
		break;
	}
	case FXP_EXTENDED: {
		size_t nn;
		const uint8_t *name = get_str(&c, &nn);

		if (name == NULL)
			break;
		writes = extended_writes(name, nn);
		if (ext_is(name, nn, "posix-rename@openssh.com") || ext_is(name, nn, "hardlink@openssh.com")) {
			path = get_path(&c);
			path2 = get_path(&c);
			op = ext_is(name, nn, "hardlink@openssh.com") ? "hardlink" : "rename";
		} else if (ext_is(name, nn, "lsetstat@openssh.com")) {
			path = get_path(&c);
			op = "setstat";
		} else if (ext_is(name, nn, "copy-data")) {
			op = "copy-data";
		}
		break;
	}
	default:
		break;	/* reads of metadata, and types we do not know: the device answers */
	}
	if (c.bad) {
		snprintf(err, errlen, "client packet type %u (%zu bytes) is truncated or its fields overrun it", type, len);
		free(path);
		free(path2);
		return SFTP_MALFORMED;
	}
	if (writes && a->policy != SFTP_FULL) {
		int diagnose = a->policy == SFTP_DIAGNOSE;
		struct sftp_op rec = { .op = op ? op : type == FXP_WRITE ? "write" : "extended", .path = path,
			.path2 = path2, .status = "PERMISSION_DENIED", .by_gateway = 1,
			.message = diagnose ? "refused by the gateway: changing files needs an implement approval" :
			    "refused by the gateway: this target is read-only for transfers" };
		char flags[64];

		if (type == FXP_OPEN) {
			flags_text(pflags, flags, sizeof(flags));
			rec.flags = flags;
		}
		a->hooks.op(a->hooks.arg, &rec);
		*replylen = deny_reply(id, diagnose ? "remgate: changing files needs an implement approval" :
		    "remgate: this target is read-only for file transfers", reply);
		free(path);
		free(path2);
		return SFTP_DENY;
	}
	if (op != NULL || type == FXP_CLOSE || type == FXP_READ) {
		if ((p = pending_add(a, id)) == NULL) {
			snprintf(err, errlen, "client request id %u is reused while outstanding, or over %d requests "
			    "are outstanding", id, MAX_PENDING);
			free(path);
			free(path2);
			return SFTP_MALFORMED;
		}
		p->type = type;
		p->op = op;
		p->path = path;
		p->path2 = path2;
		p->pflags = pflags;
		p->file = hidx;
		p->offset = offset;
	}
	return SFTP_PASS;
}

/* ---- responses ------------------------------------------------------- */

static void
report_status(struct sftp_audit *a, struct pending *p, const char *status, const char *message)
{
	char flags[64];
	struct sftp_op op = { .op = p->op, .path = p->path, .path2 = p->path2, .status = status, .message = message };

	if (p->type == FXP_OPEN) {
		flags_text(p->pflags, flags, sizeof(flags));
		op.flags = flags;
	}
	a->hooks.op(a->hooks.arg, &op);
}

enum sftp_verdict
sftp_response(struct sftp_audit *a, const uint8_t *pkt, size_t len, char *err, size_t errlen)
{
	struct cur c = { pkt + 4, pkt + len, 0 };
	uint8_t type = get_u8(&c);
	uint32_t id;
	struct pending *p;

	if (type == FXP_VERSION)
		return c.bad ? SFTP_MALFORMED : SFTP_PASS;
	id = get_u32(&c);
	if (c.bad) {
		snprintf(err, errlen, "device packet type %u (%zu bytes) is too short", type, len);
		return SFTP_MALFORMED;
	}
	if ((p = pending_find(a, id)) == NULL)
		return SFTP_PASS;	/* an answer we need not read */

	switch (type) {
	case FXP_STATUS: {
		uint32_t code = get_u32(&c);
		size_t mn = 0;
		const uint8_t *m = get_str(&c, &mn);
		char msg[256];

		/* Old servers omit the message; do not hold that against them. */
		if (m == NULL) {
			c.bad = 0;
			mn = 0;
		}
		snprintf(msg, sizeof(msg), "%.*s", (int)(mn < 200 ? mn : 200), m ? (const char *)m : "");
		for (char *q = msg; *q; q++)
			if ((unsigned char)*q < 0x20)
				*q = ' ';
		if (p->type == FXP_CLOSE) {
			if (p->file >= 0 && !a->files[p->file].is_dir)
				report_close(a, &a->files[p->file], status_name(code), msg);
			if (p->file >= 0)
				file_free(&a->files[p->file]);
		} else if (p->type == FXP_READ) {
			/* EOF or an error: nothing read */
		} else if (p->op != NULL) {
			report_status(a, p, status_name(code), msg);
		}
		break;
	}
	case FXP_HANDLE: {
		size_t hn;
		const uint8_t *h = get_str(&c, &hn);

		if (c.bad)
			break;
		if (p->type == FXP_OPEN || p->type == FXP_OPENDIR) {
			report_status(a, p, "OK", "");
			if (file_add(a, h, hn, p->path, p->pflags, p->type == FXP_OPENDIR) >= 0)
				p->path = NULL;	/* the file owns it now */
		}
		break;
	}
	case FXP_DATA: {
		size_t dn;
		const uint8_t *data = get_str(&c, &dn);

		if (!c.bad && p->type == FXP_READ && p->file >= 0) {
			struct file *f = &a->files[p->file];
			f->bytes_read += dn;
			digest(f, p->offset, &f->next_read, data, dn);
		}
		break;
	}
	default:
		break;
	}
	if (c.bad) {
		snprintf(err, errlen, "device packet type %u (%zu bytes) is truncated or its fields overrun it", type, len);
		pending_done(a, p);
		return SFTP_MALFORMED;
	}
	pending_done(a, p);
	return SFTP_PASS;
}

struct sftp_audit *
sftp_audit_new(enum sftp_policy policy, const struct sftp_hooks *hooks)
{
	struct sftp_audit *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	a->policy = policy;
	a->hooks = *hooks;
	return a;
}

void
sftp_audit_free(struct sftp_audit *a)
{
	if (a == NULL)
		return;
	for (int i = 0; i < MAX_HANDLES; i++) {
		if (!a->files[i].used)
			continue;
		if (!a->files[i].is_dir)
			report_close(a, &a->files[i], "INCOMPLETE", "the channel ended before the file was closed");
		file_free(&a->files[i]);
	}
	while (a->npend > 0)
		pending_done(a, &a->pend[a->npend - 1]);
	free(a);
}
