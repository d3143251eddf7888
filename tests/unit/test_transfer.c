/*
 * The transfer readers on hand-built streams: SFTP requests and answers
 * (operations, statuses, totals, digests, the read-only policy, malformed
 * packets) and the legacy scp protocol (files, directories, refusals).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "scp.h"
#include "sftp.h"
#include "tap.h"

/* ---- building SFTP packets ---- */

struct pkt {
	uint8_t b[70000];
	size_t n;
};

static void
u8(struct pkt *p, uint8_t v)
{
	p->b[p->n++] = v;
}

static void
u32(struct pkt *p, uint32_t v)
{
	u8(p, (uint8_t)(v >> 24));
	u8(p, (uint8_t)(v >> 16));
	u8(p, (uint8_t)(v >> 8));
	u8(p, (uint8_t)v);
}

static void
u64(struct pkt *p, uint64_t v)
{
	u32(p, (uint32_t)(v >> 32));
	u32(p, (uint32_t)v);
}

static void
bytes(struct pkt *p, const void *d, size_t n)
{
	u32(p, (uint32_t)n);
	memcpy(p->b + p->n, d, n);
	p->n += n;
}

static void
str(struct pkt *p, const char *s)
{
	bytes(p, s, strlen(s));
}

/* Start a packet of type (the length is patched by done_pkt). */
static struct pkt *
begin(struct pkt *p, uint8_t type, uint32_t id)
{
	p->n = 4;
	u8(p, type);
	u32(p, id);
	return p;
}

static struct pkt *
finish(struct pkt *p)
{
	uint32_t len = (uint32_t)p->n - 4;

	p->b[0] = (uint8_t)(len >> 24);
	p->b[1] = (uint8_t)(len >> 16);
	p->b[2] = (uint8_t)(len >> 8);
	p->b[3] = (uint8_t)len;
	return p;
}

/* ---- what the parser reports ---- */

struct seen {
	int n;
	char last[1200];
	char sha[65];
	uint64_t bytes_read, bytes_written;
	int by_gateway;
};

static void
on_sftp(void *arg, const struct sftp_op *op)
{
	struct seen *s = arg;

	s->n++;
	snprintf(s->last, sizeof(s->last), "%s %s%s%s [%s] %s", op->op, op->path ? op->path : "-",
	    op->path2 ? " " : "", op->path2 ? op->path2 : "", op->flags ? op->flags : "", op->status);
	snprintf(s->sha, sizeof(s->sha), "%s", op->sha256 ? op->sha256 : "");
	s->bytes_read = op->bytes_read;
	s->bytes_written = op->bytes_written;
	s->by_gateway = op->by_gateway;
}

static int
req(struct sftp_audit *a, struct pkt *p)
{
	uint8_t reply[SFTP_MAX_REPLY];
	size_t rl;
	char err[200];

	return sftp_request(a, p->b, p->n, reply, &rl, err, sizeof(err));
}

static int
resp(struct sftp_audit *a, struct pkt *p)
{
	char err[200];

	return sftp_response(a, p->b, p->n, err, sizeof(err));
}

static void
sha_hex(const void *d, size_t n, char out[65])
{
	uint8_t md[32];
	unsigned int len;

	EVP_Digest(d, n, md, &len, EVP_sha256(), NULL);
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void
status(struct pkt *p, uint32_t id, uint32_t code)
{
	begin(p, 101, id);
	u32(p, code);
	str(p, code ? "failed" : "ok");
	str(p, "");
	finish(p);
}

static void
test_sftp_upload_download(void)
{
	struct seen s = { 0 };
	struct sftp_hooks h = { &s, on_sftp };
	struct sftp_audit *a = sftp_audit_new(SFTP_FULL, &h);
	static struct pkt p;
	uint8_t data[40000];
	char want[65];

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	sha_hex(data, sizeof(data), want);

	/* INIT / VERSION pass without ids. */
	p.n = 4;
	u8(&p, 1);
	u32(&p, 3);
	is_int(req(a, finish(&p)), SFTP_PASS, "INIT passes");
	p.n = 4;
	u8(&p, 2);
	u32(&p, 3);
	is_int(resp(a, finish(&p)), SFTP_PASS, "VERSION passes");

	/* open for write, two in-order writes, close */
	begin(&p, 3, 10);
	str(&p, "/tmp/patch.bin");
	u32(&p, 0x02 | 0x08 | 0x10);
	u32(&p, 0);
	is_int(req(a, finish(&p)), SFTP_PASS, "OPEN passes");
	begin(&p, 102, 10);
	str(&p, "H1");
	is_int(resp(a, finish(&p)), SFTP_PASS, "HANDLE passes");
	is_str(s.last, "open /tmp/patch.bin [write,create,truncate] OK", "the open is reported with its flags");
	begin(&p, 6, 11);
	str(&p, "H1");
	u64(&p, 0);
	bytes(&p, data, 30000);
	is_int(req(a, finish(&p)), SFTP_PASS, "WRITE passes");
	begin(&p, 6, 12);
	str(&p, "H1");
	u64(&p, 30000);
	bytes(&p, data + 30000, 10000);
	req(a, finish(&p));
	status(&p, 11, 0);
	resp(a, &p);
	status(&p, 12, 0);
	resp(a, &p);
	begin(&p, 4, 13);
	str(&p, "H1");
	req(a, finish(&p));
	status(&p, 13, 0);
	resp(a, &p);
	is_str(s.last, "close /tmp/patch.bin [write,create,truncate] OK", "the close is reported");
	is_int(s.bytes_written, 40000, "with the bytes written");
	is_str(s.sha, want, "and the SHA-256 of the whole file");

	/* open for read, pipelined reads answered in order, EOF, close */
	begin(&p, 3, 20);
	str(&p, "/var/log/messages");
	u32(&p, 0x01);
	u32(&p, 0);
	req(a, finish(&p));
	begin(&p, 102, 20);
	str(&p, "H2");
	resp(a, finish(&p));
	for (uint32_t k = 0; k < 3; k++) {
		begin(&p, 5, 21 + k);
		str(&p, "H2");
		u64(&p, (uint64_t)k * 20000);
		u32(&p, 20000);
		req(a, finish(&p));
	}
	begin(&p, 103, 21);
	bytes(&p, data, 20000);
	resp(a, finish(&p));
	begin(&p, 103, 22);
	bytes(&p, data + 20000, 20000);
	resp(a, finish(&p));
	status(&p, 23, 1);	/* EOF */
	resp(a, &p);
	begin(&p, 4, 24);
	str(&p, "H2");
	req(a, finish(&p));
	status(&p, 24, 0);
	resp(a, &p);
	is_str(s.last, "close /var/log/messages [read] OK", "a download's close");
	is_int(s.bytes_read, 40000, "with the bytes read");
	is_str(s.sha, want, "and their SHA-256");

	/* a read out of order: totals, but no digest */
	begin(&p, 3, 30);
	str(&p, "/x");
	u32(&p, 0x01);
	u32(&p, 0);
	req(a, finish(&p));
	begin(&p, 102, 30);
	str(&p, "H3");
	resp(a, finish(&p));
	begin(&p, 5, 31);
	str(&p, "H3");
	u64(&p, 100);
	u32(&p, 10);
	req(a, finish(&p));
	begin(&p, 103, 31);
	bytes(&p, data, 10);
	resp(a, finish(&p));
	begin(&p, 4, 32);
	str(&p, "H3");
	req(a, finish(&p));
	status(&p, 32, 0);
	resp(a, &p);
	is_int(s.bytes_read, 10, "a partial read is counted");
	is_str(s.sha, "", "but has no digest (not from offset 0)");

	/* operations with the device's answer */
	begin(&p, 18, 40);
	str(&p, "/a");
	str(&p, "/b");
	req(a, finish(&p));
	status(&p, 40, 2);
	resp(a, &p);
	is_str(s.last, "rename /a /b [] NO_SUCH_FILE", "rename with the device's status");
	begin(&p, 14, 41);
	str(&p, "/d");
	u32(&p, 0);
	req(a, finish(&p));
	status(&p, 41, 0);
	resp(a, &p);
	is_str(s.last, "mkdir /d [] OK", "mkdir");
	begin(&p, 200, 42);
	str(&p, "posix-rename@openssh.com");
	str(&p, "/b");
	str(&p, "/c");
	req(a, finish(&p));
	status(&p, 42, 0);
	resp(a, &p);
	is_str(s.last, "rename /b /c [] OK", "posix-rename is a rename");

	/* a file left open when the channel ends */
	begin(&p, 3, 50);
	str(&p, "/cut");
	u32(&p, 0x02 | 0x08);
	u32(&p, 0);
	req(a, finish(&p));
	begin(&p, 102, 50);
	str(&p, "H5");
	resp(a, finish(&p));
	s.n = 0;
	sftp_audit_free(a);
	is_int(s.n, 1, "at the end, an open file is reported");
	is_str(s.last, "close /cut [write,create] INCOMPLETE", "as incomplete");
}

static void
test_sftp_read_only(void)
{
	struct seen s = { 0 };
	struct sftp_hooks h = { &s, on_sftp };
	struct sftp_audit *a = sftp_audit_new(SFTP_READ_ONLY, &h);
	static struct pkt p;
	uint8_t reply[SFTP_MAX_REPLY];
	size_t rl = 0;
	char err[200];

	begin(&p, 3, 7);
	str(&p, "/etc/passwd");
	u32(&p, 0x02 | 0x10);
	u32(&p, 0);
	is_int(sftp_request(a, finish(&p)->b, p.n, reply, &rl, err, sizeof(err)), SFTP_DENY, "open for write is refused");
	ok(rl > 13 && reply[4] == 101 && reply[8] == 7 && reply[12] == 3, "with STATUS id 7 PERMISSION_DENIED");
	is_str(s.last, "open /etc/passwd [write,truncate] PERMISSION_DENIED", "and reported");
	ok(s.by_gateway, "as the gateway's refusal");

	begin(&p, 3, 8);
	str(&p, "/etc/passwd");
	u32(&p, 0x01);
	u32(&p, 0);
	is_int(sftp_request(a, finish(&p)->b, p.n, reply, &rl, err, sizeof(err)), SFTP_PASS, "open for read passes");
	static const uint8_t writes[] = { 13, 14, 15, 9, 18, 20 };
	for (size_t i = 0; i < sizeof(writes); i++) {
		begin(&p, writes[i], 100 + (uint32_t)i);
		str(&p, "/p");
		str(&p, "/q");
		is_int(sftp_request(a, finish(&p)->b, p.n, reply, &rl, err, sizeof(err)), SFTP_DENY,
		    "request type %u is refused", writes[i]);
	}
	begin(&p, 200, 120);
	str(&p, "hardlink@openssh.com");
	str(&p, "/p");
	str(&p, "/q");
	is_int(sftp_request(a, finish(&p)->b, p.n, reply, &rl, err, sizeof(err)), SFTP_DENY, "hardlink is refused");
	begin(&p, 200, 121);
	str(&p, "statvfs@openssh.com");
	str(&p, "/");
	is_int(sftp_request(a, finish(&p)->b, p.n, reply, &rl, err, sizeof(err)), SFTP_PASS, "statvfs passes");
	begin(&p, 17, 122);
	str(&p, "/etc");
	is_int(sftp_request(a, finish(&p)->b, p.n, reply, &rl, err, sizeof(err)), SFTP_PASS, "stat passes");
	sftp_audit_free(a);
}

static void
test_sftp_malformed(void)
{
	struct seen s = { 0 };
	struct sftp_hooks h = { &s, on_sftp };
	struct sftp_audit *a = sftp_audit_new(SFTP_FULL, &h);
	static struct pkt p;
	uint8_t reply[SFTP_MAX_REPLY], huge[4] = { 0xff, 0xff, 0xff, 0xff }, zero[5] = { 0 }, part[6] = { 0, 0, 0, 9, 3, 0 };
	size_t rl, pkt = 0;
	char err[200];

	is_int(sftp_frame(huge, 4, &pkt, err, sizeof(err)), -1, "a 4 GiB length is malformed");
	contains(err, "4294967295", "  and named");
	is_int(sftp_frame(zero, 5, &pkt, err, sizeof(err)), -1, "a zero length is malformed");
	is_int(sftp_frame(part, 6, &pkt, err, sizeof(err)), 0, "a partial packet waits");
	is_int(sftp_frame(part, 3, &pkt, err, sizeof(err)), 0, "a partial length waits");

	begin(&p, 3, 1);
	u32(&p, 1000);	/* a path "longer" than the packet */
	is_int(sftp_request(a, finish(&p)->b, p.n, reply, &rl, err, sizeof(err)), SFTP_MALFORMED,
	    "a string overrunning its packet is malformed");
	contains(err, "overrun", "  saying so");
	p.n = 4;
	u8(&p, 5);
	u8(&p, 0);
	is_int(sftp_request(a, finish(&p)->b, p.n, reply, &rl, err, sizeof(err)), SFTP_MALFORMED, "a truncated id");
	begin(&p, 5, 9);
	str(&p, "H");
	u32(&p, 1);	/* offset cut short */
	is_int(sftp_request(a, finish(&p)->b, p.n, reply, &rl, err, sizeof(err)), SFTP_MALFORMED, "a truncated offset");
	begin(&p, 102, 77);
	u32(&p, 99);
	is_int(sftp_response(a, finish(&p)->b, p.n, err, sizeof(err)), SFTP_PASS, "an answer to nothing pending passes");
	begin(&p, 16, 2);
	str(&p, "/");
	req(a, finish(&p));
	begin(&p, 16, 2);
	str(&p, "/");
	is_int(req(a, finish(&p)), SFTP_PASS, "realpath is not tracked, so a repeated id passes");
	begin(&p, 13, 3);
	str(&p, "/x");
	req(a, finish(&p));
	begin(&p, 13, 3);
	str(&p, "/y");
	is_int(req(a, finish(&p)), SFTP_MALFORMED, "a tracked id reused while outstanding is malformed");
	begin(&p, 101, 3);
	u32(&p, 0);
	u8(&p, 0);	/* message length cut */
	is_int(resp(a, finish(&p)), SFTP_PASS, "a STATUS without its message is tolerated (old servers)");
	int n = 0;
	for (uint32_t id = 1000; id < 3000; id++) {
		begin(&p, 13, id);
		str(&p, "/z");
		if (req(a, finish(&p)) == SFTP_MALFORMED)
			break;
		n++;
	}
	is_int(n, 1024, "at most 1024 requests may be outstanding");
	sftp_audit_free(a);
}

/* ---- scp ---- */

struct scp_seen {
	int n;
	char last[600];
	char sha[65];
	uint64_t size;
};

static void
on_scp(void *arg, const struct scp_op *op)
{
	struct scp_seen *s = arg;

	s->n++;
	snprintf(s->last, sizeof(s->last), "%s %s %s %s", op->op, op->path ? op->path : "-", op->status, op->message);
	snprintf(s->sha, sizeof(s->sha), "%s", op->sha256 ? op->sha256 : "");
	s->size = op->size;
}

static void
src(struct scp_audit *a, const char *s, size_t n)
{
	scp_from_source(a, (const uint8_t *)s, n);
}

static void
sink(struct scp_audit *a, const char *s, size_t n)
{
	scp_from_sink(a, (const uint8_t *)s, n);
}

static void
test_scp(void)
{
	struct scp_seen s = { 0 };
	struct scp_hooks h = { &s, on_scp };
	struct scp_audit *a;
	char *path = NULL, want[65];

	is_int(scp_command("scp -t -- /tmp/", &path), SCP_UPLOAD, "scp -t is an upload");
	is_str(path, "/tmp/", "  to its path");
	free(path);
	is_int(scp_command("/usr/bin/scp -r -p -f '/var/log/x y'", &path), SCP_DOWNLOAD, "scp -f is a download");
	is_str(path, "/var/log/x y", "  of its (quoted) path");
	free(path);
	is_int(scp_command("scp -v host:file", &path), SCP_NONE, "scp without -t/-f is not the protocol");
	is_int(scp_command("cat /etc/scp", &path), SCP_NONE, "another command is not scp");

	sha_hex("hello\n", 6, want);
	a = scp_audit_new(SCP_UPLOAD, "/tmp/", &h);
	sink(a, "\0", 1);
	src(a, "T1700000000 0 1700000000 0\n", 27);
	sink(a, "\0", 1);
	src(a, "C0644 6 greeting.txt\n", 21);
	sink(a, "\0", 1);
	src(a, "hel", 3);
	src(a, "lo\n", 3);
	src(a, "\0", 1);
	ok(s.n == 0, "nothing is reported before the receiver's answer");
	sink(a, "\0", 1);
	is_str(s.last, "upload /tmp/greeting.txt OK ", "a file sent and accepted");
	is_str(s.sha, want, "  with its SHA-256");
	is_int(s.size, 6, "  and size");
	src(a, "D0755 0 dir\n", 12);
	sink(a, "\0", 1);
	src(a, "C0600 0 empty\n", 14);
	sink(a, "\0", 1);
	src(a, "\0", 1);
	sink(a, "\0", 1);
	is_str(s.last, "upload /tmp/dir/empty OK ", "an empty file inside a directory");
	src(a, "E\n", 2);
	sink(a, "\0", 1);
	src(a, "C0644 100 big\n", 14);
	sink(a, "\1scp: /tmp/big: Permission denied\n", 34);
	is_str(s.last, "upload /tmp/big REFUSED scp: /tmp/big: Permission denied", "a refused file with the reason");
	src(a, "C0644 10 cut\n", 13);
	sink(a, "\0", 1);
	src(a, "12345", 5);
	scp_audit_free(a);
	is_str(s.last, "upload /tmp/cut INCOMPLETE the channel ended before the file was complete", "a file cut off");
	is_int(s.size, 5, "  with what passed");

	s.n = 0;
	a = scp_audit_new(SCP_DOWNLOAD, "/var/log/syslog", &h);
	sink(a, "\0", 1);
	src(a, "C0640 6 syslog\n", 15);
	sink(a, "\0", 1);
	src(a, "hello\n\0", 7);
	sink(a, "\0", 1);
	is_str(s.last, "download /var/log/syslog OK ", "a download of the file asked for");
	is_str(s.sha, want, "  with its SHA-256");
	src(a, "\1scp: /var/log/nope: No such file or directory\n", 47);
	is_str(s.last, "error /var/log/syslog FAILED scp: /var/log/nope: No such file or directory",
	    "the sender's error is reported");
	src(a, "Xgarbage\n", 9);
	src(a, "C0644 1 z\n", 10);
	scp_audit_free(a);
	is_int(s.n, 2, "after a line it does not know, the reader stops (no guessing)");
}

static void
test_exec_form(void)
{
	static const struct { const char *cmd; enum exec_form want; } cases[] = {
		{ "uptime", EXEC_PLAIN },
		{ "ls -la /tmp; echo done", EXEC_PLAIN },
		{ "cat notes-about-scp.txt", EXEC_PLAIN },
		{ "scp -t /tmp/", EXEC_SCP },
		{ "scp -f /var/log/*.log", EXEC_SCP },
		{ "scp -r -p -t -- '/tmp/a b'", EXEC_SCP },
		{ "/usr/lib/openssh/sftp-server", EXEC_SFTP_SERVER },
		{ "/usr/lib/openssh/sftp-server -e -l INFO", EXEC_SFTP_SERVER },
		{ "sftp-server", EXEC_SFTP_SERVER },
		{ "/usr/lib/openssh/sftp-server;", EXEC_UNPARSED },
		{ "/usr/lib/openssh/sftp-server; touch /tmp/x", EXEC_UNPARSED },
		{ "exec /usr/lib/openssh/sftp-server", EXEC_UNPARSED },
		{ "exec scp -t /tmp", EXEC_UNPARSED },
		{ "sh -c 'scp -t /tmp'", EXEC_UNPARSED },
		{ "scp -t /tmp && rm -rf /", EXEC_UNPARSED },
		{ "scp -t \"$(id)\"", EXEC_UNPARSED },
		{ "scp -t '/tmp", EXEC_UNPARSED },
		{ "env scp -t /tmp", EXEC_UNPARSED },
		{ "/usr/lib/openssh/sftp-server | nc x 1", EXEC_UNPARSED },
		{ "echo x >/tmp/internal-sftp", EXEC_UNPARSED },
		{ "scp", EXEC_UNPARSED },
		{ "rsync --server -logDtpre.iLsfxCIvu . /tmp/x", EXEC_TOOL_WRITE },
		{ "rsync --server --sender -logDtpre.iLsfxCIvu . /tmp/x", EXEC_TOOL_READ },
		{ "/usr/bin/rsync --server --sender -vlogDtpr . /etc/", EXEC_TOOL_READ },
		{ "rsync -av /a /b", EXEC_PLAIN },
		{ "git-receive-pack '/srv/repo.git'", EXEC_TOOL_WRITE },
		{ "git-upload-pack '/srv/repo.git'", EXEC_TOOL_READ },
		{ "git-upload-archive '/srv/repo.git'", EXEC_TOOL_READ },
		{ "cd /tmp && rsync --server . x", EXEC_UNPARSED },
		{ "git-receive-pack '/srv/repo.git'; touch x", EXEC_UNPARSED },
		{ "sudo rsync --server . /etc", EXEC_UNPARSED },
		{ "tar xzf - -C /opt/app", EXEC_TOOL_WRITE },
		{ "tar -xf -", EXEC_TOOL_WRITE },
		{ "/bin/tar --extract --file=- -C /etc", EXEC_TOOL_WRITE },
		{ "tar czf - /etc", EXEC_TOOL_READ },
		{ "tar -c /var/log", EXEC_TOOL_READ },
		{ "tar --create --file - /srv", EXEC_TOOL_READ },
		{ "tar czf /tmp/backup.tgz /etc", EXEC_PLAIN },
		{ "tar tzf /tmp/backup.tgz", EXEC_PLAIN },
		{ "tar -tf -", EXEC_PLAIN },
		{ "tar xf - ; reboot", EXEC_UNPARSED },
		{ "tar tzf /tmp/b.tgz | head", EXEC_PLAIN },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_int(scp_exec_form(cases[i].cmd), cases[i].want, "exec form of '%s'", cases[i].cmd);
	is_str(scp_exec_tool("/usr/bin/rsync --server . x"), "rsync", "the tool: rsync");
	is_str(scp_exec_tool("git-upload-pack 'r'"), "git", "the tool: git");
	is_str(scp_exec_tool("tar xf - -C /x"), "tar", "the tool: tar");
	ok(scp_exec_tool("uptime") == NULL, "no tool");
}

int
main(void)
{
	test_exec_form();
	test_sftp_upload_download();
	test_sftp_read_only();
	test_sftp_malformed();
	test_scp();
	return done();
}
