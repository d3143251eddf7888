/*
 * The legacy scp protocol (scp.h), as OpenSSH's scp speaks it: the source
 * sends control lines ("C0644 SIZE NAME", "D0755 0 NAME", "E", "T..."),
 * each file's bytes and a NUL; the sink answers each step with a NUL, or
 * with \1 or \2 and a message line. The exchange is in lock step, so one
 * state machine follows both directions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "scp.h"
#include "strbuf.h"

/* A path as recorded: whole, up to this much, then cut. */
#define PATH_TEXT_MAX (64 * 1024)

#define LINE_MAX_LEN 4096
#define DIR_DEPTH 64

enum state {
	ST_LINE,		/* reading a control line from the source */
	ST_FILE_ACK,		/* a C line sent: the sink accepts or refuses it */
	ST_DATA,		/* the file's bytes */
	ST_DATA_END,		/* the source's NUL after the bytes */
	ST_FINAL_ACK,		/* the sink's word on the whole file */
	ST_LOST,		/* something we do not understand: stop reading */
};

struct scp_audit {
	enum scp_mode mode;
	char *base;		/* the command's path argument */
	struct scp_hooks hooks;
	enum state st;
	char line[LINE_MAX_LEN + 1];
	size_t linelen;
	char sinkmsg[LINE_MAX_LEN + 1];	/* a refusal being read from the sink */
	size_t sinkmsglen;
	int sink_in_msg;
	char *dirs[DIR_DEPTH];
	int ndirs;
	char *path;		/* the current file */
	uint64_t size, left;
	EVP_MD_CTX *sha;
};

/* Split the command into words: whitespace, with simple '…' and "…" quoting. */
static int
words(const char *cmd, char **out, int max)
{
	int n = 0;
	const char *p = cmd;

	while (*p && n < max) {
		char buf[4096];
		size_t o = 0;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		while (*p && *p != ' ' && *p != '\t' && o < sizeof(buf) - 1) {
			if (*p == '\'' || *p == '"') {
				char q = *p++;
				while (*p && *p != q && o < sizeof(buf) - 1)
					buf[o++] = *p++;
				if (*p == q)
					p++;
			} else {
				buf[o++] = *p++;
			}
		}
		buf[o] = '\0';
		if ((out[n] = strdup(buf)) == NULL)
			break;
		n++;
	}
	return n;
}

enum scp_mode
scp_command(const char *command, char **path)
{
	char *w[32];
	int n = words(command, w, 32), i;
	enum scp_mode mode = SCP_NONE;
	const char *base;

	*path = NULL;
	if (n > 0) {
		base = strrchr(w[0], '/');
		base = base ? base + 1 : w[0];
		if (strcmp(base, "scp") == 0) {
			for (i = 1; i < n && w[i][0] == '-' && strcmp(w[i], "--") != 0; i++) {
				/* flags may be grouped: -rt, -pf */
				if (strchr(w[i], 't') != NULL)
					mode = SCP_UPLOAD;
				else if (strchr(w[i], 'f') != NULL)
					mode = SCP_DOWNLOAD;
			}
			if (i < n && strcmp(w[i], "--") == 0)
				i++;
			if (mode != SCP_NONE)
				*path = strdup(i < n ? w[i] : ".");
		}
	}
	for (i = 0; i < n; i++)
		free(w[i]);
	return mode;
}

/* Shell syntax outside quotes, or live inside double quotes: 1 if any. */
static int
has_shell_syntax(const char *c)
{
	char q = 0;

	for (; *c; c++) {
		if (q == '\'') {
			if (*c == '\'')
				q = 0;
			continue;
		}
		if (q == '"') {
			if (*c == '"')
				q = 0;
			else if (strchr("`$\\\n\r", *c) != NULL)
				return 1;
			continue;
		}
		if (*c == '\'' || *c == '"')
			q = *c;
		else if (strchr(";&|`$()<>\\\n\r{}~#!", *c) != NULL)
			return 1;
	}
	return q != 0;	/* an unclosed quote */
}

/* Does any token (split at blanks, quotes and shell operators) name a transfer tool? */
static int
names_transfer_tool(const char *c)
{
	static const char *const tools[] = { "scp", "sftp-server", "internal-sftp", "rsync", "git-receive-pack",
		"git-upload-pack", "git-upload-archive" };
	const char *seps = " \t\r\n;&|`$()<>'\"=";

	while (*c) {
		size_t n = strcspn(c, seps);

		if (n > 0) {
			const char *base = c + n;

			while (base > c && base[-1] != '/')
				base--;
			for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++)
				if ((size_t)(c + n - base) == strlen(tools[i]) && strncmp(base, tools[i], strlen(tools[i])) == 0)
					return 1;
		}
		c += n;
		if (*c)
			c++;
	}
	return 0;
}

/*
 * tar over ssh ("ssh gw 'tar xzf - -C /opt'", "tar czf - /etc"): the
 * archive on stdin or stdout, read (create) or written (extract). A tar
 * on a file of the device's own, or listing, is no transfer.
 */
static enum exec_form
tar_form(const char *command)
{
	char *w[32];
	int n = words(command, w, 32), create = 0, extract = 0, named_file = 0, stdio = 0;
	enum exec_form f = EXEC_PLAIN;

	if (n > 0) {
		const char *base = strrchr(w[0], '/');

		base = base ? base + 1 : w[0];
		if (strcmp(base, "tar") == 0) {
			for (int i = 1; i < n; i++) {
				const char *a = w[i];
				int cluster = (i == 1 && a[0] != '-') || (a[0] == '-' && a[1] != '-' && a[1] != '\0');

				if (strcmp(a, "-") == 0 || strcmp(a, "--file=-") == 0)
					stdio = 1;
				else if (strncmp(a, "--file", 6) == 0)
					named_file = 1;
				else if (strcmp(a, "--extract") == 0 || strcmp(a, "--get") == 0)
					extract = 1;
				else if (strcmp(a, "--create") == 0)
					create = 1;
				else if (cluster) {
					extract |= strchr(a, 'x') != NULL;
					create |= strchr(a, 'c') != NULL;
					named_file |= strchr(a, 'f') != NULL;
				}
			}
			if (stdio || !named_file)
				f = extract && !create ? EXEC_TOOL_WRITE : create && !extract ? EXEC_TOOL_READ : EXEC_PLAIN;
			/* "tar xf - ; reboot": an archive stream with more behind it is not audited, it is refused. */
			if (f != EXEC_PLAIN && has_shell_syntax(command))
				f = EXEC_UNPARSED;
		}
	}
	for (int i = 0; i < n; i++)
		free(w[i]);
	return f;
}

enum exec_form
scp_exec_form(const char *command)
{
	char *w[32], *path = NULL;
	int n, sftp = 0;
	enum scp_mode mode;

	if (!names_transfer_tool(command))
		return tar_form(command);
	if (has_shell_syntax(command))
		return EXEC_UNPARSED;
	if ((mode = scp_command(command, &path)) != SCP_NONE) {
		free(path);
		return EXEC_SCP;
	}
	n = words(command, w, 32);
	if (n > 0) {
		const char *base = strrchr(w[0], '/');
		enum exec_form tool = EXEC_PLAIN;

		base = base ? base + 1 : w[0];
		if (strcmp(base, "rsync") == 0) {
			/* The remote end of an rsync: "--server" receives (a write) unless "--sender". */
			int server = 0, sender = 0;

			for (int i = 1; i < n; i++) {
				server |= strcmp(w[i], "--server") == 0;
				sender |= strcmp(w[i], "--sender") == 0;
			}
			tool = !server ? EXEC_PLAIN : sender ? EXEC_TOOL_READ : EXEC_TOOL_WRITE;
		} else if (strcmp(base, "git-receive-pack") == 0) {
			tool = EXEC_TOOL_WRITE;
		} else if (strcmp(base, "git-upload-pack") == 0 || strcmp(base, "git-upload-archive") == 0) {
			tool = EXEC_TOOL_READ;
		}
		if (strcmp(base, "rsync") == 0 || strncmp(base, "git-", 4) == 0) {
			for (int i = 0; i < n; i++)
				free(w[i]);
			return tool;
		}
		sftp = strcmp(base, "sftp-server") == 0;
		/* Its options only (-e, -l LEVEL, -f FACILITY, -u UMASK, ...), no operands naming tools. */
		for (int i = 1; i < n && sftp; i++)
			if (names_transfer_tool(w[i]))
				sftp = 0;
	}
	for (int i = 0; i < n; i++)
		free(w[i]);
	return sftp ? EXEC_SFTP_SERVER : EXEC_UNPARSED;
}

const char *
scp_exec_tool(const char *command)
{
	char *w[1];
	const char *tool = NULL;

	if (words(command, w, 1) == 1) {
		const char *base = strrchr(w[0], '/');

		base = base ? base + 1 : w[0];
		tool = strcmp(base, "rsync") == 0 ? "rsync" : strncmp(base, "git-", 4) == 0 ? "git" :
		    strcmp(base, "tar") == 0 ? "tar" : NULL;
		free(w[0]);
	}
	return tool;
}

struct scp_audit *
scp_audit_new(enum scp_mode mode, const char *path, const struct scp_hooks *hooks)
{
	struct scp_audit *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	a->mode = mode;
	a->hooks = *hooks;
	if ((a->base = strdup(path ? path : ".")) == NULL) {
		free(a);
		return NULL;
	}
	return a;
}

static void
emit(struct scp_audit *a, const char *status, const char *message, int whole)
{
	char hex[65];
	uint8_t md[32];
	unsigned int mdlen = 0;
	struct scp_op op = { .op = a->mode == SCP_UPLOAD ? "upload" : "download", .path = a->path,
		.size = a->size - a->left, .status = status, .message = message };

	if (whole && a->sha != NULL && EVP_DigestFinal_ex(a->sha, md, &mdlen) == 1) {
		for (int i = 0; i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", md[i]);
		op.sha256 = hex;
	}
	a->hooks.op(a->hooks.arg, &op);
	free(a->path);
	a->path = NULL;
	EVP_MD_CTX_free(a->sha);
	a->sha = NULL;
}

/*
 * Where a file lands, as far as the protocol tells: an upload goes into the
 * target path when it is a directory, which is how it is recorded (scp
 * cannot say here whether a target that is not a directory yet becomes the
 * top-level name itself); a single file goes to the target as named. A
 * download comes from the path asked for, whose own name opens the tree.
 */
/* Does the text so far need a '/' before the next name? */
static int
wants_slash(const struct strbuf *b)
{
	return b->len > 0 && b->buf[b->len - 1] != '/';
}

static char *
file_path(struct scp_audit *a, const char *name)
{
	struct strbuf b;
	size_t blen = strlen(a->base);
	int first = 0;

	strbuf_init_heap(&b, PATH_TEXT_MAX);
	strbuf_adds(&b, a->base);
	if (a->ndirs == 0 && a->mode == SCP_UPLOAD && (blen == 0 || a->base[blen - 1] != '/'))
		goto done;	/* "scp f host:/tmp/g" writes /tmp/g (or /tmp/g/f if that is a directory) */
	if (a->mode == SCP_DOWNLOAD) {
		const char *slash = strrchr(strbuf_str(&b), '/');
		const char *own = slash ? slash + 1 : strbuf_str(&b);

		if (a->ndirs == 0 && strcmp(own, name) == 0)
			goto done;	/* the file asked for */
		if (a->ndirs == 0) {
			/* one of several matched by a pattern: its directory, then the name */
			b.len = slash != NULL ? (size_t)(slash - b.buf) + 1 : 0;
			if (b.buf != NULL)
				b.buf[b.len] = '\0';
		}
		first = 1;	/* dirs[0] is the directory asked for: already in base */
	}
	for (int i = first; i < a->ndirs; i++) {
		if (wants_slash(&b))
			strbuf_addc(&b, '/');
		strbuf_adds(&b, a->dirs[i]);
	}
	if (wants_slash(&b))
		strbuf_addc(&b, '/');
	strbuf_adds(&b, name);
done:
	if (b.failed || b.buf == NULL) {
		strbuf_free(&b);
		return strdup(name);
	}
	return b.buf;
}

static void
control_line(struct scp_audit *a)
{
	char *l = a->line, name[LINE_MAX_LEN];
	unsigned long long size;
	unsigned mode;

	switch (l[0]) {
	case 'C':
		if (sscanf(l + 1, "%o %llu %4095[^\n]", &mode, &size, name) != 3 || strchr(name, '/') != NULL) {
			a->st = ST_LOST;
			return;
		}
		if ((a->path = file_path(a, name)) == NULL) {
			a->st = ST_LOST;
			return;
		}
		a->size = a->left = size;
		if ((a->sha = EVP_MD_CTX_new()) != NULL && EVP_DigestInit_ex(a->sha, EVP_sha256(), NULL) != 1) {
			EVP_MD_CTX_free(a->sha);
			a->sha = NULL;
		}
		a->st = ST_FILE_ACK;
		return;
	case 'D':
		if (sscanf(l + 1, "%o %llu %4095[^\n]", &mode, &size, name) != 3 || a->ndirs == DIR_DEPTH) {
			a->st = ST_LOST;
			return;
		}
		if ((a->dirs[a->ndirs] = strdup(name)) == NULL) {
			a->st = ST_LOST;
			return;
		}
		a->ndirs++;
		return;
	case 'E':
		if (a->ndirs > 0)
			free(a->dirs[--a->ndirs]);
		return;
	case 'T':
		return;
	case '\1': case '\2': {
		struct scp_op op = { .op = "error", .path = a->base, .status = "FAILED", .message = l + 1 };
		a->hooks.op(a->hooks.arg, &op);
		return;
	}
	default:
		a->st = ST_LOST;
	}
}

void
scp_from_source(struct scp_audit *a, const uint8_t *data, size_t len)
{
	size_t i = 0;

	while (i < len && a->st != ST_LOST) {
		switch (a->st) {
		case ST_LINE:
			if (data[i] == '\n') {
				a->line[a->linelen] = '\0';
				a->linelen = 0;
				control_line(a);
			} else if (a->linelen == LINE_MAX_LEN) {
				a->st = ST_LOST;
			} else {
				a->line[a->linelen++] = (char)data[i];
			}
			i++;
			break;
		case ST_FILE_ACK:
			a->st = ST_DATA;	/* the sink's answer is not in yet: it said yes */
			break;
		case ST_DATA: {
			size_t n = len - i < a->left ? len - i : (size_t)a->left;

			if (a->sha != NULL && n > 0)
				EVP_DigestUpdate(a->sha, data + i, n);
			a->left -= n;
			i += n;
			if (a->left == 0)
				a->st = ST_DATA_END;
			break;
		}
		case ST_DATA_END:
			i++;	/* NUL: sent whole (\1 would say the source failed to read) */
			a->st = ST_FINAL_ACK;
			break;
		case ST_FINAL_ACK:
			/* the sink never answered: the next file begins */
			emit(a, "OK", "", 1);
			a->st = ST_LINE;
			break;
		default:
			return;
		}
	}
}

void
scp_from_sink(struct scp_audit *a, const uint8_t *data, size_t len)
{
	for (size_t i = 0; i < len && a->st != ST_LOST; i++) {
		if (a->sink_in_msg) {
			if (data[i] != '\n' && a->sinkmsglen < LINE_MAX_LEN) {
				a->sinkmsg[a->sinkmsglen++] = (char)data[i];
				continue;
			}
			if (data[i] != '\n')
				continue;
			a->sinkmsg[a->sinkmsglen] = '\0';
			a->sink_in_msg = 0;
			if (a->st == ST_FILE_ACK || a->st == ST_FINAL_ACK || a->st == ST_DATA) {
				emit(a, "REFUSED", a->sinkmsg, 0);
				a->st = ST_LINE;
			} else {
				struct scp_op op = { .op = "error", .path = a->base, .status = "REFUSED", .message = a->sinkmsg };
				a->hooks.op(a->hooks.arg, &op);
			}
			continue;
		}
		if (data[i] == '\1' || data[i] == '\2') {
			a->sink_in_msg = 1;
			a->sinkmsglen = 0;
			continue;
		}
		if (data[i] != '\0')
			continue;
		if (a->st == ST_FILE_ACK) {
			a->st = a->left > 0 ? ST_DATA : ST_DATA_END;
		} else if (a->st == ST_FINAL_ACK) {
			emit(a, "OK", "", 1);
			a->st = ST_LINE;
		}
	}
}

void
scp_audit_free(struct scp_audit *a)
{
	if (a == NULL)
		return;
	if (a->path != NULL)
		emit(a, a->st == ST_FINAL_ACK ? "OK" : "INCOMPLETE", a->st == ST_FINAL_ACK ? "" :
		    "the channel ended before the file was complete", a->st == ST_FINAL_ACK);
	for (int i = 0; i < a->ndirs; i++)
		free(a->dirs[i]);
	free(a->base);
	free(a);
}
