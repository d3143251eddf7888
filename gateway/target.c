/* Client connections from the gateway to target devices. */
#include "target.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "algorithms.h"
#include "keys.h"


const char *
target_result_code(enum target_result r)
{
	switch (r) {
	case TARGET_OK: return "ok";
	case TARGET_UNREACHABLE: return "target_unreachable";
	case TARGET_HOSTKEY_MISMATCH: return "target_hostkey_mismatch";
	case TARGET_AUTH_FAILED: return "target_auth_failed";
	case TARGET_CHANNEL_FAILED: return "target_channel_failed";
	default: return "target_internal_error";
	}
}

/* t: the target's own algorithm lists, or NULL for the defaults (a bare HOST:PORT probe). */
static ssh_session
new_client(const char *host, int port, const char *user, int64_t timeout, const struct target *t_algos)
{
	char err[200];
	ssh_session s = ssh_new();
	long t = (long)timeout;
	int no = 0, yes = 1;
	unsigned int uport = (unsigned int)port;

	if (s == NULL)
		return NULL;
	/* Nothing from ~/.ssh/config or known_hosts: the pin is the only trust. */
	if (ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &no) != SSH_OK ||
	    ssh_options_set(s, SSH_OPTIONS_HOST, host) != SSH_OK ||
	    ssh_options_set(s, SSH_OPTIONS_PORT, &uport) != SSH_OK ||
	    (user && ssh_options_set(s, SSH_OPTIONS_USER, user) != SSH_OK) ||
	    ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &t) != SSH_OK ||
	    ssh_options_set(s, SSH_OPTIONS_KNOWNHOSTS, "/dev/null") != SSH_OK ||
	    ssh_options_set(s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null") != SSH_OK ||
	    algorithms_client(s, t_algos ? t_algos->kex : NULL, t_algos ? t_algos->ciphers : NULL,
	    t_algos ? t_algos->macs : NULL, t_algos ? t_algos->host_key_algorithms : NULL, err, sizeof(err)) != 0 ||
	    /* Small requests (SFTP, keystrokes) must not wait for a delayed ACK. */
	    ssh_options_set(s, SSH_OPTIONS_NODELAY, &yes) != SSH_OK) {
		ssh_free(s);
		return NULL;
	}
	return s;
}

static int
server_fingerprint(ssh_session s, char *fp, size_t fplen)
{
	ssh_key key = NULL;
	int r;

	if (ssh_get_server_publickey(s, &key) != SSH_OK)
		return -1;
	r = keys_fingerprint(key, fp, fplen);
	ssh_key_free(key);
	return r;
}

enum target_result
target_probe_hostkey(const char *host, int port, int64_t timeout,
    char *fp, size_t fplen, char *detail, size_t detail_len)
{
	ssh_session s = new_client(host, port, NULL, timeout, NULL);
	enum target_result r = TARGET_OK;

	if (s == NULL) {
		snprintf(detail, detail_len, "cannot set up an SSH client session");
		return TARGET_INTERNAL;
	}
	if (ssh_connect(s) != SSH_OK) {
		snprintf(detail, detail_len, "cannot connect to %s:%d: %s", host, port, ssh_get_error(s));
		r = TARGET_UNREACHABLE;
	} else if (server_fingerprint(s, fp, fplen) != 0) {
		snprintf(detail, detail_len, "%s:%d sent no usable host key", host, port);
		r = TARGET_INTERNAL;
	}
	ssh_disconnect(s);
	ssh_free(s);
	return r;
}

enum target_result
target_connect_fd(const struct target *t, int fd, int agent_fd, int64_t timeout, struct target_conn *out,
    char *detail, size_t detail_len)
{
	ssh_session s;
	char fp[128];
	enum target_result r;

	out->session = NULL;
	out->channel = NULL;
	if ((s = new_client(t->host, t->port, t->user, timeout, t)) == NULL ||
	    ssh_options_set(s, SSH_OPTIONS_FD, &fd) != SSH_OK) {
		snprintf(detail, detail_len, "cannot set up an SSH client session");
		ssh_free(s);
		close(fd);
		close(agent_fd);
		return TARGET_INTERNAL;
	}
	/* From here the session owns fd (ssh_free closes it) and, once set, the agent socket. */
	if (ssh_set_agent_socket(s, agent_fd) != SSH_OK) {
		close(agent_fd);
		snprintf(detail, detail_len, "cannot hand the agent socket to the SSH client");
		r = TARGET_INTERNAL;
		goto fail;
	}
	if (ssh_connect(s) != SSH_OK) {
		snprintf(detail, detail_len, "cannot connect to target %s: %s", t->name, ssh_get_error(s));
		r = TARGET_UNREACHABLE;
		goto fail;
	}
	if (server_fingerprint(s, fp, sizeof(fp)) != 0) {
		snprintf(detail, detail_len, "target %s sent no usable host key", t->name);
		r = TARGET_HOSTKEY_MISMATCH;
		goto fail;
	}
	if (strcmp(fp, t->host_key) != 0) {
		snprintf(detail, detail_len, "target %s host key %s does not match the pinned %s",
		    t->name, fp, t->host_key);
		r = TARGET_HOSTKEY_MISMATCH;
		goto fail;
	}
	/* The monitor holds the vaulted key and signs this one login for t->user. */
	if (ssh_userauth_agent(s, NULL) != SSH_AUTH_SUCCESS) {
		snprintf(detail, detail_len, "target %s refused the gateway's key for user %s",
		    t->name, t->user);
		r = TARGET_AUTH_FAILED;
		goto fail;
	}
	out->session = s;
	if ((r = target_open_channel(out, t, detail, detail_len)) != TARGET_OK) {
		out->session = NULL;
		goto fail;
	}
	return TARGET_OK;
fail:
	ssh_disconnect(s);
	ssh_free(s);
	return r;
}

enum target_result
target_open_channel(struct target_conn *c, const struct target *t, char *detail, size_t detail_len)
{
	if ((c->channel = ssh_channel_new(c->session)) == NULL || ssh_channel_open_session(c->channel) != SSH_OK) {
		snprintf(detail, detail_len, "target %s refused a session channel: %s", t->name, ssh_get_error(c->session));
		ssh_channel_free(c->channel);
		c->channel = NULL;
		return TARGET_CHANNEL_FAILED;
	}
	return TARGET_OK;
}

const char *
target_result_text(enum target_result r)
{
	switch (r) {
	case TARGET_OK: return "ok";
	case TARGET_UNREACHABLE: return "the target is unreachable from the gateway";
	case TARGET_HOSTKEY_MISMATCH: return "the target's host key does not match the pinned key; the gateway did not log in";
	case TARGET_AUTH_FAILED: return "the target refused the gateway's credentials";
	default: return "the gateway could not open a session on the target";
	}
}

void
target_conn_close(struct target_conn *c)
{
	if (c == NULL || c->session == NULL)
		return;
	if (c->channel) {
		ssh_channel_close(c->channel);
		ssh_channel_free(c->channel);
		c->channel = NULL;
	}
	ssh_disconnect(c->session);
	ssh_free(c->session);
	c->session = NULL;
}
