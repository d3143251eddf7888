/*
 * The monitor's side of approval certificates (sshcert.h): a certificate
 * offered at publickey is read and judged here, not in the network child.
 * Its certified key must be one of the engineer's; whether it admits is
 * the store's word, as for a token: the same reasons, the same events.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libssh/libssh.h>

#include "approval.h"
#include "config.h"
#include "keys.h"
#include "log.h"
#include "monitor_int.h"
#include "sigkey.h"
#include "sshcert.h"

/* The certificate's verdict for engineer on target now, before any use is taken. */
static enum approval_verdict
judge(struct monitor *m, const struct sshcert *c, const struct principal *p, const struct target *t, int64_t now,
    char *why, size_t whylen)
{
	uint8_t ca[SIGKEY_PUB_LEN];
	struct sigkey *k = NULL;
	char login[200], err[300];
	size_t plen = strlen(p->name);

	if (sigkey_load(m->cfg->approval_ca, &k, err, sizeof(err)) != 0) {
		log_error("event=approval_ca_unreadable error=\"%s\"", err);
		snprintf(why, whylen, "the gateway cannot read its approval CA");
		return APPROVAL_STORE_ERROR;
	}
	sigkey_public(k, ca);
	sigkey_free(k);
	if (memcmp(c->ca, ca, sizeof(ca)) != 0 || c->cert_type != SSHCERT_USER) {
		snprintf(why, whylen, "the certificate is not signed by this gateway's approval CA");
		return APPROVAL_CERT_UNTRUSTED;
	}
	if (c->ncritical > 0) {
		snprintf(why, whylen, "the certificate carries critical options; approval certificates have none");
		return APPROVAL_CERT_UNTRUSTED;
	}
	snprintf(login, sizeof(login), "%s+%s", p->name, t->name);
	if (!sshcert_has_principal(c, login)) {
		for (size_t i = 0; i < c->nprincipals; i++)
			if (strncmp(c->principals[i], p->name, plen) == 0 && c->principals[i][plen] == '+')
				return APPROVAL_OTHER_TARGET;
		return APPROVAL_OTHER_ENGINEER;
	}
	if ((uint64_t)now < c->valid_after)
		return APPROVAL_NOT_YET_VALID;
	if ((uint64_t)now >= c->valid_before)
		return APPROVAL_EXPIRED;
	if (c->serial == 0 || c->serial > INT64_MAX)
		return APPROVAL_TOKEN_WRONG;
	if (mon_store(m) == NULL)
		return APPROVAL_STORE_ERROR;
	return approval_check_id(m->store, (int64_t)c->serial, p->name, t->name, now, &m->approval);
}

int
mon_cert_offered(struct monitor *m, const struct principal *p, const struct target *t, const char *line)
{
	char type[64], err[300], why[300] = "";
	uint8_t *blob = NULL;
	size_t len;
	struct sshcert *c = calloc(1, sizeof(*c));
	ssh_key key = NULL;
	enum approval_verdict v;
	int authorized = 0;

	m->cert_state = MON_CERT_NONE;
	if (c == NULL || sshcert_parse_line(line, type, sizeof(type), &blob, &len) != 0 ||
	    sshcert_parse(blob, len, c, err, sizeof(err)) != 0)
		goto out;	/* libssh read it, we cannot: not a certificate we know; the key is refused */
	/* The certified key, as libssh reads keys, against the engineer's authorized ones. */
	authorized = keys_from_blob(c->key, c->key_len, &key) == 0 && config_key_authorized(p, key);
	if (!authorized)
		goto out;
	approval_clear(&m->approval);
	v = judge(m, c, p, t, mon_now(), why, sizeof(why));
	m->cert_serial = (int64_t)(c->serial > INT64_MAX ? 0 : c->serial);
	m->cert_verdict = v;
	snprintf(m->cert_why, sizeof(m->cert_why), "%s", why[0] ? why : approval_verdict_text(v));
	m->cert_state = v == APPROVAL_OK ? MON_CERT_ADMITS : MON_CERT_REFUSED;
	log_info("event=approval_certificate serial=%llu verdict=%s", (unsigned long long)c->serial,
	    approval_verdict_code(v));
out:
	ssh_key_free(key);
	free(blob);
	free(c);
	return authorized;
}
