/* Forwarding the event log to SIEM destinations (siem.h). */
#include "siem.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "audit.h"
#include "evexport.h"
#include "log.h"
#include "notify.h"
#include "siemurl.h"
#include "store.h"

/* One destination's open end: a socket (and its TLS), or a file. */
struct link {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
};

#define MAX_LINKS 64
static struct link links[MAX_LINKS];
static int links_ready;

void
siem_state_name(const struct siem_dest *d, char *out, size_t outlen)
{
	snprintf(out, outlen, "siem:%s", d->name);
}

static void
link_close(struct link *l)
{
	if (l->ssl != NULL) {
		(void)SSL_shutdown(l->ssl);
		SSL_free(l->ssl);
	}
	SSL_CTX_free(l->ctx);
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	l->ssl = NULL;
	l->ctx = NULL;
}

void
siem_close_all(void)
{
	for (size_t i = 0; links_ready && i < MAX_LINKS; i++)
		link_close(&links[i]);
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A TCP connection within the timeout. The fd, or -1 with why. */
static int
tcp_connect(const struct siem_dest *d, char *why, size_t whylen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV }, *res = NULL, *ai;
	char port[16];
	int fd = -1, e;

	snprintf(port, sizeof(port), "%d", d->port);
	if ((e = getaddrinfo(d->host, port, &hints, &res)) != 0) {
		snprintf(why, whylen, "cannot resolve %s: %s", d->host, gai_strerror(e));
		return -1;
	}
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
		struct pollfd p;
		int err = 0;
		socklen_t elen = sizeof(err);

		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol)) < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
			err = errno;
		} else {
			p = (struct pollfd){ .fd = fd, .events = POLLOUT };
			if (poll(&p, 1, SIEM_IO_TIMEOUT_MS) != 1)
				err = ETIMEDOUT;
			else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0)
				err = errno;
		}
		if (err != 0) {
			snprintf(why, whylen, "cannot connect to %s:%d: %s", d->host, d->port, strerror(err));
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd >= 0) {
		struct timeval tv = { .tv_sec = SIEM_IO_TIMEOUT_MS / 1000 };

		(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	}
	return fd;
}

/* TLS 1.2 or newer, the server's certificate checked against ca_file (or the system's) and its name. */
static int
tls_start(struct link *l, const struct siem_dest *d, char *why, size_t whylen)
{
	unsigned char ip[16];
	int is_ip = inet_pton(AF_INET, d->host, ip) == 1 || inet_pton(AF_INET6, d->host, ip) == 1;

	if ((l->ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(l->ctx, TLS1_2_VERSION) != 1 ||
	    (d->ca_file ? SSL_CTX_load_verify_locations(l->ctx, d->ca_file, NULL) :
	    SSL_CTX_set_default_verify_paths(l->ctx)) != 1) {
		snprintf(why, whylen, "cannot set up TLS%s%s", d->ca_file ? " with the CA file " : "",
		    d->ca_file ? d->ca_file : "");
		return -1;
	}
	SSL_CTX_set_verify(l->ctx, SSL_VERIFY_PEER, NULL);
	if ((l->ssl = SSL_new(l->ctx)) == NULL || SSL_set_fd(l->ssl, l->fd) != 1) {
		snprintf(why, whylen, "cannot set up TLS");
		return -1;
	}
	if (is_ip)
		(void)X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(l->ssl), d->host);
	else if (SSL_set1_host(l->ssl, d->host) != 1 || SSL_set_tlsext_host_name(l->ssl, d->host) != 1) {
		snprintf(why, whylen, "cannot set the TLS server name");
		return -1;
	}
	if (SSL_connect(l->ssl) != 1) {
		long v = SSL_get_verify_result(l->ssl);

		snprintf(why, whylen, "TLS handshake with %s:%d failed: %s", d->host, d->port,
		    v != X509_V_OK ? X509_verify_cert_error_string(v) : ERR_reason_error_string(ERR_peek_last_error()) ?
		    ERR_reason_error_string(ERR_peek_last_error()) : "the connection closed");
		ERR_clear_error();
		return -1;
	}
	return 0;
}

/* The peer closed (or reset) a connection we have not used since: it cannot take more. */
static int
peer_gone(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLRDHUP };
	char c;

	if (poll(&p, 1, 0) != 1)
		return 0;
	if (p.revents & (POLLRDHUP | POLLHUP | POLLERR))
		return 1;
	/* A syslog server says nothing; anything readable is the end or a TLS close. */
	return recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) <= 0;
}

static int
link_open(struct link *l, const struct siem_dest *d, char *why, size_t whylen)
{
	if (l->fd >= 0 && d->transport != SIEM_FILE && peer_gone(l->fd))
		link_close(l);
	if (l->fd >= 0)
		return 0;
	if (d->transport == SIEM_FILE) {
		if ((l->fd = open(d->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640)) < 0) {
			snprintf(why, whylen, "cannot open %s: %s", d->path, strerror(errno));
			return -1;
		}
		return 0;
	}
	if ((l->fd = tcp_connect(d, why, whylen)) < 0)
		return -1;
	if (d->transport == SIEM_SYSLOG_TLS && tls_start(l, d, why, whylen) != 0) {
		link_close(l);
		return -1;
	}
	return 0;
}

static int
link_write(struct link *l, const char *p, size_t len, char *why, size_t whylen)
{
	while (len > 0) {
		ssize_t n = l->ssl ? SSL_write(l->ssl, p, len > INT32_MAX ? INT32_MAX : (int)len) :
		    write(l->fd, p, len);

		if (n <= 0) {
			if (n < 0 && errno == EINTR && l->ssl == NULL)
				continue;
			snprintf(why, whylen, "write failed: %s", l->ssl ? "TLS error" : n == 0 ? "closed" : strerror(errno));
			ERR_clear_error();
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Delivered means the peer has it: a file's data synced, a socket's bytes
 * all acknowledged by the peer's TCP (nothing left in our send queue).
 */
static int
link_settle(struct link *l, const struct siem_dest *d, char *why, size_t whylen)
{
	int64_t until = now_ms() + SIEM_IO_TIMEOUT_MS;
	int queued = 0;

	if (d->transport == SIEM_FILE) {
		if (fdatasync(l->fd) != 0) {
			snprintf(why, whylen, "cannot sync %s: %s", d->path, strerror(errno));
			return -1;
		}
		return 0;
	}
	while (ioctl(l->fd, SIOCOUTQ, &queued) == 0 && queued > 0) {
		if (now_ms() >= until || peer_gone(l->fd)) {
			snprintf(why, whylen, "the receiver did not take %d bytes", queued);
			return -1;
		}
		(void)poll(NULL, 0, 5);
	}
	return 0;
}

struct batch {
	const struct siem_dest *d;
	const struct config *cfg;
	char *buf;
	size_t len;
	FILE *f;
	int64_t last_seq;
	int n;
};

/* Syslog over a stream: RFC 6587 octet counting ("LEN SP MSG"); JSON lines and CEF: one line each. */
static int
add_event(const struct audit_event *ev, void *arg)
{
	struct batch *b = arg;

	if (b->d->format == EVEXPORT_SYSLOG && b->d->transport != SIEM_FILE) {
		char *msg = NULL;
		size_t mlen = 0;
		FILE *m = open_memstream(&msg, &mlen);

		if (m == NULL)
			return -1;
		evexport_write(m, EVEXPORT_SYSLOG, b->cfg->gateway_name, ev);
		fclose(m);
		if (mlen > 0 && msg[mlen - 1] == '\n')
			mlen--;
		fprintf(b->f, "%zu ", mlen);
		fwrite(msg, 1, mlen, b->f);
		free(msg);
	} else {
		evexport_write(b->f, (enum evexport_format)b->d->format, b->cfg->gateway_name, ev);
	}
	b->last_seq = ev->seq;
	b->n++;
	return 0;
}

static int
take_state(const struct notify_state *ns, void *arg)
{
	struct notify_state *out = arg;

	*out = *ns;
	out->last_error = NULL;
	return 0;
}

int
siem_step(struct store *st, const struct config *cfg, size_t i)
{
	const struct siem_dest *d = &cfg->siem[i];
	struct notify_state ns = { 0 };
	struct batch b = { .d = d, .cfg = cfg };
	struct link *l;
	char name[128], why[400];
	int64_t now = (int64_t)time(NULL);
	int r;

	if (i >= MAX_LINKS)
		return 0;
	if (!links_ready) {
		for (size_t k = 0; k < MAX_LINKS; k++)
			links[k].fd = -1;
		links_ready = 1;
	}
	l = &links[i];
	siem_state_name(d, name, sizeof(name));
	if (delivery_state_get(st, name, 1, take_state, &ns) != 0 || now < ns.next_at)
		return 0;
	if ((b.f = open_memstream(&b.buf, &b.len)) == NULL)
		return 0;
	r = audit_events_since_seq(st, ns.cursor, SIEM_BATCH, add_event, &b);
	fclose(b.f);
	if (r != 0 || b.n == 0) {
		free(b.buf);
		return 0;
	}
	if (link_open(l, d, why, sizeof(why)) != 0 || link_write(l, b.buf, b.len, why, sizeof(why)) != 0 ||
	    link_settle(l, d, why, sizeof(why)) != 0) {
		link_close(l);	/* the next try connects again and sends from the cursor: at least once */
		(void)notify_state_failed(st, name, now + notify_backoff(ns.attempts), why);
		if (ns.attempts == 0 || ns.attempts % 10 == 0)
			log_warn("event=siem_failed dest=%s seq=%" PRId64 " attempt=%d error=\"%s\"", d->name, ns.cursor + 1,
			    ns.attempts + 1, why);
		free(b.buf);
		return -1;
	}
	if (delivery_state_done(st, name, b.last_seq, b.n, now) != 0)
		log_error("event=store_failed op=siem_cursor dest=%s error=\"%s\"", d->name, store_errmsg(st));
	if (ns.attempts > 0)
		log_info("event=siem_resumed dest=%s after_attempts=%d", d->name, ns.attempts);
	free(b.buf);
	return 1;
}
