/*
 * YAML configuration loader. Walks a libyaml document tree against tables
 * of known keys, so every error names the file, line and column and says
 * what was expected. Nothing is half-applied: a config loads whole or not.
 */
#include "config.h"
#include "algorithms.h"
#include "escrow.h"

#include <errno.h>
#include <arpa/inet.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "duration.h"
#include "evexport.h"
#include "guard.h"
#include "siemurl.h"
#include "sigkey.h"
#include "util.h"
#include "yamlerr.h"

struct loader {
	int keyless;		/* config_load_keyless: no key file is read */
	const char *file;
	yaml_document_t doc;
	struct config *cfg;
	char *err;
	size_t errlen;
};

static int __attribute__((format(printf, 3, 4)))
fail_at(struct loader *ld, const yaml_node_t *node, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return yamlerr_at(ld->err, ld->errlen, ld->file, node, msg);
}

static const char *
node_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE: return "a scalar";
	case YAML_SEQUENCE_NODE: return "a list";
	case YAML_MAPPING_NODE: return "a mapping";
	default: return "nothing";
	}
}

static int
want_scalar(struct loader *ld, const yaml_node_t *n, const char *key, const char **out)
{
	if (n->type != YAML_SCALAR_NODE)
		return fail_at(ld, n, "'%s' must be a string, found %s", key, node_kind(n));
	*out = (const char *)n->data.scalar.value;
	if (strlen(*out) != n->data.scalar.length)
		return fail_at(ld, n, "'%s' contains a NUL byte", key);
	return 0;
}

static int
want_string(struct loader *ld, const yaml_node_t *n, const char *key, char **out)
{
	const char *s;

	if (want_scalar(ld, n, key, &s) != 0)
		return -1;
	if (*s == '\0')
		return fail_at(ld, n, "'%s' must not be empty", key);
	free(*out);
	if ((*out = strdup(s)) == NULL)
		return fail_at(ld, n, "out of memory");
	return 0;
}

static int
want_path(struct loader *ld, const yaml_node_t *n, const char *key, char **out)
{
	char *rel = NULL;

	if (want_string(ld, n, key, &rel) != 0)
		return -1;
	free(*out);
	*out = util_path_join(ld->cfg->dir, rel);
	free(rel);
	return *out ? 0 : fail_at(ld, n, "out of memory");
}

static int
want_duration(struct loader *ld, const yaml_node_t *n, const char *key, int64_t *out)
{
	const char *s, *why;

	if (want_scalar(ld, n, key, &s) != 0)
		return -1;
	if (duration_parse(s, out, &why) != 0)
		return fail_at(ld, n, "'%s': bad duration '%s': %s", key, s, why);
	return 0;
}

/* A whole number in [min, max]; with off_ok, "off" reads as 0. */
static int
want_int(struct loader *ld, const yaml_node_t *n, const char *key, long long min, long long max, int off_ok,
    long long *out)
{
	const char *s;

	if (want_scalar(ld, n, key, &s) != 0)
		return -1;
	if (off_ok && strcmp(s, "off") == 0) {
		*out = 0;
		return 0;
	}
	if (util_parse_int(s, min, max, out) != 0)
		return fail_at(ld, n, "'%s' must be a whole number from %lld to %lld%s, found '%s'", key, min, max,
		    off_ok ? " or off" : "", s);
	return 0;
}

/* A device's algorithm list, checked now against this libssh rather than at the first login. */
static int
want_algorithms(struct loader *ld, const yaml_node_t *n, const char *key, char **out)
{
	ssh_session probe;
	char err[300];
	int r;

	if (want_string(ld, n, key, out) != 0)
		return -1;
	if ((probe = ssh_new()) == NULL)
		return fail_at(ld, n, "out of memory");
	r = algorithms_client(probe, strcmp(key, "kex") == 0 ? *out : NULL, strcmp(key, "ciphers") == 0 ? *out : NULL,
	    strcmp(key, "macs") == 0 ? *out : NULL, strcmp(key, "host_key_algorithms") == 0 ? *out : NULL, err, sizeof(err));
	ssh_free(probe);
	return r != 0 ? fail_at(ld, n, "%s", err) : 0;
}

/* A time limit: a duration, or "off" (0). */
static int
want_limit(struct loader *ld, const yaml_node_t *n, const char *key, int64_t *out)
{
	const char *s;

	if (want_scalar(ld, n, key, &s) != 0)
		return -1;
	if (strcmp(s, "off") == 0) {
		*out = 0;
		return 0;
	}
	return want_duration(ld, n, key, out);
}

/* fault_levels: {1: {respond: 30m, restore: 2h}, 2: {...}, 3: {...}} */
static int
parse_fault_levels(struct loader *ld, const yaml_node_t *map)
{
	if (map->type != YAML_MAPPING_NODE)
		return fail_at(ld, map, "'fault_levels' must be a mapping of level (1, 2, 3) to its limits, found %s",
		    node_kind(map));
	for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = yaml_document_get_node(&ld->doc, pr->key);
		yaml_node_t *v = yaml_document_get_node(&ld->doc, pr->value);
		const char *s;
		long long level;

		if (want_scalar(ld, k, "fault level", &s) != 0)
			return -1;
		if (util_parse_int(s, 1, 3, &level) != 0)
			return fail_at(ld, k, "fault level must be 1, 2 or 3, found '%s'", s);
		if (v->type != YAML_MAPPING_NODE)
			return fail_at(ld, v, "fault level %lld must be a mapping with respond and restore, found %s",
			    level, node_kind(v));
		for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top; q++) {
			yaml_node_t *qk = yaml_document_get_node(&ld->doc, q->key);
			yaml_node_t *qv = yaml_document_get_node(&ld->doc, q->value);
			const char *key;

			if (want_scalar(ld, qk, "key", &key) != 0)
				return -1;
			if (strcmp(key, "respond") == 0) {
				if (want_duration(ld, qv, key, &ld->cfg->levels[level].respond) != 0)
					return -1;
			} else if (strcmp(key, "restore") == 0) {
				if (want_duration(ld, qv, key, &ld->cfg->levels[level].restore) != 0)
					return -1;
			} else {
				return fail_at(ld, qk, "unknown key '%s' in fault level %lld (expected respond, restore)",
				    key, level);
			}
		}
	}
	return 0;
}

/* "host:port", "[v6addr]:port". */
static int
parse_address(struct loader *ld, const yaml_node_t *n, const char *key, char **host, int *port)
{
	const char *s, *colon, *hstart, *hend;
	long long p;

	if (want_scalar(ld, n, key, &s) != 0)
		return -1;
	if (s[0] == '[') {
		hstart = s + 1;
		if ((hend = strchr(s, ']')) == NULL || hend[1] != ':')
			return fail_at(ld, n, "'%s': expected \"[ipv6]:port\", found '%s'", key, s);
		colon = hend + 1;
	} else {
		hstart = s;
		if ((colon = strrchr(s, ':')) == NULL || strchr(s, ':') != colon)
			return fail_at(ld, n, "'%s': expected \"host:port\" (IPv6 as \"[::1]:22\"), found '%s'", key, s);
		hend = colon;
	}
	if (hend == hstart)
		return fail_at(ld, n, "'%s': missing host in '%s'", key, s);
	if (util_parse_int(colon + 1, 1, 65535, &p) != 0)
		return fail_at(ld, n, "'%s': port must be a number from 1 to 65535, found '%s'", key, colon + 1);
	free(*host);
	if ((*host = strndup(hstart, (size_t)(hend - hstart))) == NULL)
		return fail_at(ld, n, "out of memory");
	*port = (int)p;
	return 0;
}

/* listen: "host:port", or a list of up to CONFIG_MAX_LISTEN of them (say IPv4 and IPv6). */
static int
parse_listen(struct loader *ld, const yaml_node_t *v)
{
	struct config *cfg = ld->cfg;

	if (v->type == YAML_SEQUENCE_NODE) {
		size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);

		if (n == 0 || n > CONFIG_MAX_LISTEN)
			return fail_at(ld, v, "'listen' must list 1 to %d addresses, found %zu", CONFIG_MAX_LISTEN, n);
		for (size_t i = 0; i < n; i++) {
			if (parse_address(ld, yaml_document_get_node(&ld->doc, v->data.sequence.items.start[i]), "listen",
			    &cfg->listen[i].host, &cfg->listen[i].port) != 0)
				return -1;
			cfg->nlisten = i + 1;
		}
	} else {
		if (parse_address(ld, v, "listen", &cfg->listen[0].host, &cfg->listen[0].port) != 0)
			return -1;
		cfg->nlisten = 1;
	}
	cfg->listen_host = cfg->listen[0].host;
	cfg->listen_port = cfg->listen[0].port;
	return 0;
}

static int
parse_name(struct loader *ld, const yaml_node_t *n, const char *what, char **out)
{
	if (want_string(ld, n, "name", out) != 0)
		return -1;
	if (!util_name_valid(*out))
		return fail_at(ld, n, "%s name '%s' must be 1-64 characters of A-Z a-z 0-9 . _ -", what, *out);
	return 0;
}

static int
parse_pubkey(struct loader *ld, const yaml_node_t *n, ssh_key *out)
{
	const char *s;
	char type[64], b64[8192];
	enum ssh_keytypes_e kt;

	if (want_scalar(ld, n, "authorized_keys entry", &s) != 0)
		return -1;
	if (sscanf(s, "%63s %8191s", type, b64) != 2)
		return fail_at(ld, n, "expected an OpenSSH public key line \"ssh-ed25519 AAAA… comment\"");
	kt = ssh_key_type_from_name(type);
	if (kt == SSH_KEYTYPE_UNKNOWN)
		return fail_at(ld, n, "unknown public key type '%s' (expected e.g. ssh-ed25519, ecdsa-sha2-nistp256, ssh-rsa)", type);
	if (ssh_pki_import_pubkey_base64(b64, kt, out) != SSH_OK)
		return fail_at(ld, n, "public key of type '%s' does not decode (truncated or damaged base64?)", type);
	return 0;
}

static int
parse_principal(struct loader *ld, const yaml_node_t *map, const char *what, struct principal *p)
{
	const yaml_node_t *names = NULL, *keys = NULL;

	if (map->type != YAML_MAPPING_NODE)
		return fail_at(ld, map, "each %s must be a mapping with 'name' and 'authorized_keys', found %s", what, node_kind(map));
	for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = yaml_document_get_node(&ld->doc, pr->key);
		yaml_node_t *v = yaml_document_get_node(&ld->doc, pr->value);
		const char *key;

		if (want_scalar(ld, k, "key", &key) != 0)
			return -1;
		if (strcmp(key, "name") == 0) {
			if (parse_name(ld, v, what, &p->name) != 0)
				return -1;
			names = v;
		} else if (strcmp(key, "authorized_keys") == 0) {
			keys = v;
		} else if (strcmp(key, "role") == 0 && strcmp(what, "admin") == 0) {
			const char *r;

			if (want_scalar(ld, v, key, &r) != 0)
				return -1;
			if (strcmp(r, "approver") == 0)
				p->role = ROLE_APPROVER;
			else if (strcmp(r, "auditor") == 0)
				p->role = ROLE_AUDITOR;
			else
				return fail_at(ld, v, "'role' must be approver or auditor, found '%s'", r);
		} else {
			return fail_at(ld, k, "unknown key '%s' in %s (expected name, authorized_keys%s)", key, what,
			    strcmp(what, "admin") == 0 ? ", role" : "");
		}
	}
	if (names == NULL)
		return fail_at(ld, map, "%s is missing 'name'", what);
	if (strcmp(what, "admin") == 0 && p->role == ROLE_NONE)
		p->role = ROLE_AUDITOR;	/* reading is the least an admin may do; deciding is granted */
	if (keys == NULL)
		return fail_at(ld, map, "%s '%s' is missing 'authorized_keys'", what, p->name);
	if (keys->type != YAML_SEQUENCE_NODE)
		return fail_at(ld, keys, "'authorized_keys' must be a list of public key lines, found %s", node_kind(keys));
	size_t nk = (size_t)(keys->data.sequence.items.top - keys->data.sequence.items.start);
	if (nk == 0)
		return fail_at(ld, keys, "%s '%s' needs at least one authorized key", what, p->name);
	if ((p->keys = calloc(nk, sizeof(*p->keys))) == NULL)
		return fail_at(ld, keys, "out of memory");
	for (size_t i = 0; i < nk; i++) {
		yaml_node_t *kn = yaml_document_get_node(&ld->doc, keys->data.sequence.items.start[i]);
		if (parse_pubkey(ld, kn, &p->keys[p->nkeys]) != 0)
			return -1;
		p->nkeys++;
	}
	return 0;
}

/* An existing private key file must be readable and unencrypted. */
/* An existing signing key must be an Ed25519 PKCS#8 PEM file. */
static int
check_signing_key(struct loader *ld, const yaml_node_t *n, const char *key, const char *path)
{
	struct sigkey *k = NULL;
	char why[512];

	if (ld->keyless)
		return 0;
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return 0;	/* generated at start */
	if (sigkey_load(path, &k, why, sizeof(why)) != 0)
		return fail_at(ld, n, "'%s': %s", key, why);
	sigkey_free(k);
	return 0;
}

static int
check_private_key(struct loader *ld, const yaml_node_t *n, const char *key, const char *path)
{
	ssh_key k = NULL;

	if (ld->keyless)
		return 0;
	if (access(path, F_OK) != 0) {
		if (errno == ENOENT)
			return 0;	/* generated at start */
		return fail_at(ld, n, "'%s': cannot access %s: %s", key, path, strerror(errno));
	}
	if (access(path, R_OK) != 0)
		return fail_at(ld, n, "'%s': cannot read %s: %s", key, path, strerror(errno));
	if (ssh_pki_import_privkey_file(path, NULL, NULL, NULL, &k) != SSH_OK)
		return fail_at(ld, n, "'%s': %s is not an unencrypted OpenSSH/PEM private key", key, path);
	ssh_key_free(k);
	return 0;
}

static int
valid_fingerprint(const char *s)
{
	size_t n = 0;

	if (strncmp(s, "SHA256:", 7) != 0)
		return 0;
	for (s += 7; s[n]; n++) {
		char c = s[n];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '+' || c == '/'))
			return 0;
	}
	return n == 43;
}

static int
parse_target(struct loader *ld, const yaml_node_t *map, struct target *t)
{
	static const char *const required[] = { "name", "address", "user", "identity_file", "host_key" };
	const yaml_node_t *seen[ARRAY_LEN(required)] = { 0 };

	if (map->type != YAML_MAPPING_NODE)
		return fail_at(ld, map, "each target must be a mapping, found %s", node_kind(map));
	t->max_session_time = -1;
	t->idle_timeout = -1;
	for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = yaml_document_get_node(&ld->doc, pr->key);
		yaml_node_t *v = yaml_document_get_node(&ld->doc, pr->value);
		const char *key;
		int r;

		if (want_scalar(ld, k, "key", &key) != 0)
			return -1;
		if (strcmp(key, "name") == 0) {
			r = parse_name(ld, v, "target", &t->name);
			seen[0] = v;
		} else if (strcmp(key, "address") == 0) {
			r = parse_address(ld, v, key, &t->host, &t->port);
			seen[1] = v;
		} else if (strcmp(key, "user") == 0) {
			r = want_string(ld, v, key, &t->user);
			seen[2] = v;
		} else if (strcmp(key, "identity_file") == 0) {
			r = want_path(ld, v, key, &t->identity_file);
			if (r == 0)
				r = check_private_key(ld, v, key, t->identity_file);
			seen[3] = v;
		} else if (strcmp(key, "host_key") == 0) {
			r = want_string(ld, v, key, &t->host_key);
			if (r == 0 && !valid_fingerprint(t->host_key))
				r = fail_at(ld, v, "'host_key' must be a SHA256 fingerprint as `ssh-keygen -lf` prints it (\"SHA256:\" and 43 base64 characters)");
			seen[4] = v;
		} else if (strcmp(key, "transfers") == 0) {
			const char *tv;
			if ((r = want_scalar(ld, v, key, &tv)) == 0 && policy_transfers_parse(tv, &t->transfers) != 0)
				r = fail_at(ld, v, "'transfers' must be full, read-only or off, found '%s'", tv);
		} else if (strcmp(key, "kex") == 0) {
			r = want_algorithms(ld, v, key, &t->kex);
		} else if (strcmp(key, "ciphers") == 0) {
			r = want_algorithms(ld, v, key, &t->ciphers);
		} else if (strcmp(key, "macs") == 0) {
			r = want_algorithms(ld, v, key, &t->macs);
		} else if (strcmp(key, "host_key_algorithms") == 0) {
			r = want_algorithms(ld, v, key, &t->host_key_algorithms);
		} else if (strcmp(key, "max_session_time") == 0) {
			r = want_limit(ld, v, key, &t->max_session_time);
		} else if (strcmp(key, "idle_timeout") == 0) {
			r = want_limit(ld, v, key, &t->idle_timeout);
		} else {
			return fail_at(ld, k, "unknown key '%s' in target (expected name, address, user, identity_file, "
			    "host_key, transfers, max_session_time, idle_timeout, kex, ciphers, macs, host_key_algorithms)", key);
		}
		if (r != 0)
			return -1;
	}
	for (size_t i = 0; i < ARRAY_LEN(required); i++) {
		if (seen[i] == NULL)
			return fail_at(ld, map, "target%s%s is missing '%s'", t->name ? " " : "", t->name ? t->name : "", required[i]);
	}
	return 0;
}

static int
parse_list(struct loader *ld, const yaml_node_t *seq, const char *key, size_t elem_size,
    void **items, size_t *count)
{
	if (seq->type != YAML_SEQUENCE_NODE)
		return fail_at(ld, seq, "'%s' must be a list, found %s", key, node_kind(seq));
	size_t n = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
	if (n > 0 && (*items = calloc(n, elem_size)) == NULL)
		return fail_at(ld, seq, "out of memory");
	*count = n;
	return 0;
}

/* A list of strings into a NULL-terminated array. */
static int
want_strings(struct loader *ld, const yaml_node_t *seq, const char *key, char ***out, size_t *n)
{
	if (seq->type != YAML_SEQUENCE_NODE)
		return fail_at(ld, seq, "'%s' must be a list of strings, found %s", key, node_kind(seq));
	*n = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
	if (*n == 0)
		return fail_at(ld, seq, "'%s' must not be empty", key);
	if ((*out = calloc(*n + 1, sizeof(**out))) == NULL)
		return fail_at(ld, seq, "out of memory");
	for (size_t i = 0; i < *n; i++)
		if (want_string(ld, yaml_document_get_node(&ld->doc, seq->data.sequence.items.start[i]), key,
		    &(*out)[i]) != 0)
			return -1;
	return 0;
}

/* notify: [{name: chat, events: [request_created, ...], command: [/usr/local/bin/x, --flag]}] */
static int
parse_notify_dest(struct loader *ld, const yaml_node_t *map, struct notify_dest *d)
{
	if (map->type != YAML_MAPPING_NODE)
		return fail_at(ld, map, "each notify destination must be a mapping with name, events, command, found %s",
		    node_kind(map));
	for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = yaml_document_get_node(&ld->doc, pr->key);
		yaml_node_t *v = yaml_document_get_node(&ld->doc, pr->value);
		const char *key;
		int r;

		if (want_scalar(ld, k, "key", &key) != 0)
			return -1;
		if (strcmp(key, "name") == 0)
			r = parse_name(ld, v, "notify destination", &d->name);
		else if (strcmp(key, "events") == 0)
			r = want_strings(ld, v, key, &d->events, &d->nevents);
		else if (strcmp(key, "command") == 0)
			r = want_strings(ld, v, key, &d->argv, &d->argc);
		else
			r = fail_at(ld, k, "unknown key '%s' in a notify destination (expected name, events, command)", key);
		if (r != 0)
			return -1;
	}
	if (d->name == NULL || d->events == NULL || d->argv == NULL)
		return fail_at(ld, map, "a notify destination needs name, events and command "
		    "(e.g. {name: mail, events: [request_created], command: [/usr/sbin/sendmail, -t]})");
	return 0;
}

static const char *notify_name_at(const struct config *c, size_t i) { return c->notify[i].name; }

/* siem: [{name: soc, url: "syslog+tcp://10.0.0.5:6514", format: syslog, ca_file: /etc/ssl/soc-ca.pem}] */
static int
parse_siem_dest(struct loader *ld, const yaml_node_t *map, struct siem_dest *d)
{
	struct siem_url u;
	char why[200];
	const yaml_node_t *url_node = map;
	int have_format = 0;

	if (map->type != YAML_MAPPING_NODE)
		return fail_at(ld, map, "each siem destination must be a mapping with name and url, found %s", node_kind(map));
	for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = yaml_document_get_node(&ld->doc, pr->key);
		yaml_node_t *v = yaml_document_get_node(&ld->doc, pr->value);
		const char *key, *f;
		enum evexport_format fmt = EVEXPORT_JSONL;
		int r;

		if (want_scalar(ld, k, "key", &key) != 0)
			return -1;
		if (strcmp(key, "name") == 0) {
			r = parse_name(ld, v, "siem destination", &d->name);
		} else if (strcmp(key, "url") == 0) {
			url_node = v;
			r = want_string(ld, v, key, &d->url);
		} else if (strcmp(key, "format") == 0) {
			if ((r = want_scalar(ld, v, key, &f)) == 0 && evexport_format_parse(f, &fmt) != 0)
				r = fail_at(ld, v, "'format' must be jsonl, syslog or cef, found '%s'", f);
			d->format = (int)fmt;
			have_format = 1;
		} else if (strcmp(key, "ca_file") == 0) {
			r = want_path(ld, v, key, &d->ca_file);
		} else {
			r = fail_at(ld, k, "unknown key '%s' in a siem destination (expected name, url, format, ca_file)", key);
		}
		if (r != 0)
			return -1;
	}
	if (d->name == NULL || d->url == NULL)
		return fail_at(ld, map, "a siem destination needs name and url "
		    "(e.g. {name: soc, url: \"syslog+tcp://10.0.0.5:6514\"})");
	if (siem_url_parse(d->url, &u, why, sizeof(why)) != 0)
		return fail_at(ld, url_node, "siem destination '%s': url '%s': %s", d->name, d->url, why);
	d->transport = (int)u.transport;
	d->port = u.port;
	if ((u.transport == SIEM_FILE && (d->path = strdup(u.path)) == NULL) ||
	    (u.transport != SIEM_FILE && (d->host = strdup(u.host)) == NULL))
		return fail_at(ld, map, "out of memory");
	if (!have_format)
		d->format = u.transport == SIEM_FILE ? EVEXPORT_JSONL : EVEXPORT_SYSLOG;
	if (d->ca_file != NULL && u.transport != SIEM_SYSLOG_TLS)
		return fail_at(ld, map, "siem destination '%s': ca_file is for syslog+tls:// only", d->name);
	return 0;
}

static const char *siem_name_at(const struct config *c, size_t i) { return c->siem[i].name; }

static int
check_unique(struct loader *ld, const yaml_node_t *seq, const char *what,
    const char *(*name_at)(const struct config *, size_t), size_t count)
{
	for (size_t i = 0; i < count; i++) {
		for (size_t j = 0; j < i; j++) {
			if (strcmp(name_at(ld->cfg, i), name_at(ld->cfg, j)) == 0) {
				yaml_node_t *dup = yaml_document_get_node(&ld->doc, seq->data.sequence.items.start[i]);
				return fail_at(ld, dup, "duplicate %s name '%s'", what, name_at(ld->cfg, i));
			}
		}
	}
	return 0;
}

static const char *engineer_name_at(const struct config *c, size_t i) { return c->engineers[i].name; }
static const char *admin_name_at(const struct config *c, size_t i) { return c->admins[i].name; }
static const char *target_name_at(const struct config *c, size_t i) { return c->targets[i].name; }

static int
parse_principals(struct loader *ld, const yaml_node_t *seq, const char *key, const char *what,
    struct principal **list, size_t *count, const char *(*name_at)(const struct config *, size_t))
{
	size_t n;

	if (parse_list(ld, seq, key, sizeof(**list), (void **)list, &n) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *item = yaml_document_get_node(&ld->doc, seq->data.sequence.items.start[i]);
		*count = i + 1;	/* so config_free releases what was parsed */
		if (parse_principal(ld, item, what, &(*list)[i]) != 0)
			return -1;
	}
	return check_unique(ld, seq, what, name_at, n);
}

/* console: {listen: "127.0.0.1:8443", tls_cert: F, tls_key: F, public_url: U, login_ttl: 2m, idle_timeout: 15m, lifetime: 8h} */
static int
parse_console(struct loader *ld, const yaml_node_t *map)
{
	struct console_config *c = &ld->cfg->console;

	c->enabled = 1;
	if (map->type == YAML_SCALAR_NODE && map->data.scalar.length == 0)
		return 0;	/* "console:" alone: every default */
	if (map->type != YAML_MAPPING_NODE)
		return fail_at(ld, map, "'console' must be a mapping (listen, tls_cert, tls_key, public_url, login_ttl, "
		    "idle_timeout, lifetime), found %s", node_kind(map));
	for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = yaml_document_get_node(&ld->doc, pr->key);
		yaml_node_t *v = yaml_document_get_node(&ld->doc, pr->value);
		const char *key;
		int r;

		if (want_scalar(ld, k, "key", &key) != 0)
			return -1;
		if (strcmp(key, "listen") == 0) {
			unsigned char a[16];

			if ((r = parse_address(ld, v, "console listen", &c->host, &c->port)) == 0 &&
			    inet_pton(AF_INET, c->host, a) != 1 && inet_pton(AF_INET6, c->host, a) != 1)
				r = fail_at(ld, v, "console 'listen' must be an IP address and port (e.g. \"127.0.0.1:8443\"), "
				    "found host '%s'", c->host);
		}
		else if (strcmp(key, "tls_cert") == 0)
			r = want_path(ld, v, key, &c->tls_cert);
		else if (strcmp(key, "tls_key") == 0)
			r = want_path(ld, v, key, &c->tls_key);
		else if (strcmp(key, "public_url") == 0) {
			if ((r = want_string(ld, v, key, &c->public_url)) == 0 &&
			    (strncmp(c->public_url, "https://", 8) != 0 || strpbrk(c->public_url, " \t\"'<>") != NULL))
				r = fail_at(ld, v, "'public_url' must be an https:// address without spaces or quotes, found '%s'",
				    c->public_url);
		} else if (strcmp(key, "login_ttl") == 0 || strcmp(key, "idle_timeout") == 0 || strcmp(key, "lifetime") == 0) {
			int64_t *d = key[0] == 'l' && key[1] == 'o' ? &c->login_ttl : key[0] == 'i' ? &c->idle_timeout : &c->lifetime;

			r = want_duration(ld, v, key, d);	/* refuses 0 */
		} else
			r = fail_at(ld, k, "unknown key '%s' in console (expected listen, tls_cert, tls_key, public_url, "
			    "login_ttl, idle_timeout, lifetime)", key);
		if (r != 0)
			return -1;
	}
	if ((c->tls_cert == NULL) != (c->tls_key == NULL))
		return fail_at(ld, map, "console needs both tls_cert and tls_key, or neither (a self-signed pair is made)");
	return 0;
}

static int
parse_top(struct loader *ld, const yaml_node_t *root)
{
	struct config *cfg = ld->cfg;
	const char *s;
	long long ll;

	if (root == NULL)
		return fail_at(ld, NULL, "empty file: expected a mapping with listen, state_dir, engineers, targets");
	if (root->type != YAML_MAPPING_NODE)
		return fail_at(ld, root, "the top level must be a mapping, found %s", node_kind(root));

	for (yaml_node_pair_t *pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = yaml_document_get_node(&ld->doc, pr->key);
		yaml_node_t *v = yaml_document_get_node(&ld->doc, pr->value);
		const char *key;
		int r;

		if (want_scalar(ld, k, "key", &key) != 0)
			return -1;
		for (yaml_node_pair_t *q = root->data.mapping.pairs.start; q < pr; q++) {
			yaml_node_t *qk = yaml_document_get_node(&ld->doc, q->key);
			if (qk->type == YAML_SCALAR_NODE && strcmp((const char *)qk->data.scalar.value, key) == 0)
				return fail_at(ld, k, "duplicate key '%s'", key);
		}
		if (strcmp(key, "listen") == 0) {
			r = parse_listen(ld, v);
		} else if (strcmp(key, "state_dir") == 0) {
			r = want_path(ld, v, key, &cfg->state_dir);
		} else if (strcmp(key, "host_key") == 0) {
			r = want_path(ld, v, key, &cfg->host_key);
			if (r == 0)
				r = check_private_key(ld, v, key, cfg->host_key);
		} else if (strcmp(key, "signing_key") == 0) {
			r = want_path(ld, v, key, &cfg->signing_key);
			if (r == 0)
				r = check_signing_key(ld, v, key, cfg->signing_key);
		} else if (strcmp(key, "engineer_macs") == 0) {
			r = want_algorithms(ld, v, "macs", &cfg->engineer_macs);
		} else if (strcmp(key, "approval_ca") == 0) {
			r = want_path(ld, v, key, &cfg->approval_ca);
			if (r == 0)
				r = check_signing_key(ld, v, key, cfg->approval_ca);
		} else if (strcmp(key, "recording_flush_ms") == 0) {
			if ((r = want_scalar(ld, v, key, &s)) == 0) {
				if (util_parse_int(s, 10, 10000, &ll) != 0)
					r = fail_at(ld, v, "'recording_flush_ms' must be a whole number of milliseconds from 10 to 10000, found '%s'", s);
				else
					cfg->recording_flush_ms = (int)ll;
			}
		} else if (strcmp(key, "log") == 0) {
			if ((r = want_scalar(ld, v, key, &s)) == 0) {
				if (strcmp(s, "syslog") == 0)
					cfg->use_syslog = 1;
				else if (strcmp(s, "stderr") == 0)
					cfg->use_syslog = 0;
				else
					r = fail_at(ld, v, "'log' must be stderr or syslog, found '%s'", s);
			}
		} else if (strcmp(key, "log_level") == 0) {
			if ((r = want_scalar(ld, v, key, &s)) == 0 && log_level_parse(s, &cfg->log_level) != 0)
				r = fail_at(ld, v, "'log_level' must be error, warn, info or debug, found '%s'", s);
		} else if (strcmp(key, "login_grace_time") == 0) {
			r = want_duration(ld, v, key, &cfg->login_grace_time);
		} else if (strcmp(key, "target_connect_timeout") == 0) {
			r = want_duration(ld, v, key, &cfg->target_connect_timeout);
		} else if (strcmp(key, "max_connections") == 0) {
			if ((r = want_int(ld, v, key, 1, 100000, 0, &ll)) == 0)
				cfg->max_connections = (long)ll;
		} else if (strcmp(key, "escrow_public_key") == 0) {
			char why[200];
			if ((r = want_scalar(ld, v, key, &s)) == 0) {
				if (escrow_parse_public(s, cfg->escrow_pub, why, sizeof(why)) != 0)
					r = fail_at(ld, v, "'escrow_public_key': %s", why);
				else
					cfg->have_escrow = 1;
			}
		} else if (strcmp(key, "max_startups") == 0) {
			const char *why;
			if ((r = want_scalar(ld, v, key, &s)) == 0 && startups_parse(s, &cfg->startups, &why) != 0)
				r = fail_at(ld, v, "'max_startups': %s, found '%s'", why, s);
		} else if (strcmp(key, "per_source_max_startups") == 0) {
			if ((r = want_int(ld, v, key, 1, 100000, 1, &ll)) == 0)
				cfg->startups.per_source = (int)ll;
		} else if (strcmp(key, "max_session_time") == 0) {
			r = want_limit(ld, v, key, &cfg->max_session_time);
		} else if (strcmp(key, "idle_timeout") == 0) {
			r = want_limit(ld, v, key, &cfg->idle_timeout);
		} else if (strcmp(key, "approval_warning") == 0) {
			r = want_limit(ld, v, key, &cfg->approval_warning);
		} else if (strcmp(key, "request_ttl") == 0) {
			if ((r = want_duration(ld, v, key, &cfg->request_ttl)) == 0 && cfg->request_ttl <= 0)
				r = fail_at(ld, v, "'request_ttl' must be longer than 0s (an access request nobody decides expires after it)");
		} else if (strcmp(key, "review_timeout") == 0) {
			if ((r = want_duration(ld, v, key, &cfg->review_timeout)) == 0 && cfg->review_timeout <= 0)
				r = fail_at(ld, v, "'review_timeout' must be longer than 0s (a review nobody decides expires after it)");
		} else if (strcmp(key, "engineer_reports_per_session") == 0) {
			if ((r = want_int(ld, v, key, 1, 100, 0, &ll)) == 0)
				cfg->engineer_reports_per_session = (int)ll;
		} else if (strcmp(key, "max_channels_per_connection") == 0) {
			if ((r = want_int(ld, v, key, 1, 1000, 0, &ll)) == 0)
				cfg->max_channels_per_connection = (int)ll;
		} else if (strcmp(key, "gateway_name") == 0) {
			if ((r = want_string(ld, v, key, &cfg->gateway_name)) == 0 && strpbrk(cfg->gateway_name, " \t\"") != NULL)
				r = fail_at(ld, v, "'gateway_name' must not contain spaces or quotes, found '%s'", cfg->gateway_name);
		} else if (strcmp(key, "privsep_user") == 0) {
			if ((r = want_string(ld, v, key, &cfg->privsep_user)) == 0 && !util_name_valid(cfg->privsep_user))
				r = fail_at(ld, v, "'privsep_user' must be a plain account name, found '%s'", cfg->privsep_user);
		} else if (strcmp(key, "policy_file") == 0) {
			r = want_path(ld, v, key, &cfg->policy_file);
		} else if (strcmp(key, "control_socket") == 0) {
			r = want_path(ld, v, key, &cfg->control_socket);
		} else if (strcmp(key, "privsep_dir") == 0) {
			r = want_path(ld, v, key, &cfg->privsep_dir);
		} else if (strcmp(key, "fault_levels") == 0) {
			r = parse_fault_levels(ld, v);
		} else if (strcmp(key, "engineers") == 0) {
			r = parse_principals(ld, v, key, "engineer", &cfg->engineers, &cfg->nengineers, engineer_name_at);
		} else if (strcmp(key, "admins") == 0) {
			r = parse_principals(ld, v, key, "admin", &cfg->admins, &cfg->nadmins, admin_name_at);
		} else if (strcmp(key, "notify") == 0) {
			size_t n;
			if ((r = parse_list(ld, v, key, sizeof(*cfg->notify), (void **)&cfg->notify, &n)) == 0) {
				for (size_t i = 0; i < n && r == 0; i++) {
					cfg->nnotify = i + 1;
					r = parse_notify_dest(ld, yaml_document_get_node(&ld->doc,
					    v->data.sequence.items.start[i]), &cfg->notify[i]);
				}
				if (r == 0)
					r = check_unique(ld, v, "notify destination", notify_name_at, n);
			}
		} else if (strcmp(key, "siem") == 0) {
			size_t n;
			if ((r = parse_list(ld, v, key, sizeof(*cfg->siem), (void **)&cfg->siem, &n)) == 0) {
				for (size_t i = 0; i < n && r == 0; i++) {
					cfg->nsiem = i + 1;
					r = parse_siem_dest(ld, yaml_document_get_node(&ld->doc,
					    v->data.sequence.items.start[i]), &cfg->siem[i]);
				}
				if (r == 0)
					r = check_unique(ld, v, "siem destination", siem_name_at, n);
			}
		} else if (strcmp(key, "console") == 0) {
			r = parse_console(ld, v);
		} else if (strcmp(key, "targets") == 0) {
			size_t n;
			if ((r = parse_list(ld, v, key, sizeof(*cfg->targets), (void **)&cfg->targets, &n)) == 0) {
				for (size_t i = 0; i < n && r == 0; i++) {
					cfg->ntargets = i + 1;
					r = parse_target(ld, yaml_document_get_node(&ld->doc, v->data.sequence.items.start[i]), &cfg->targets[i]);
				}
				if (r == 0)
					r = check_unique(ld, v, "target", target_name_at, n);
			}
		} else {
			r = fail_at(ld, k, "unknown key '%s' (expected listen, state_dir, host_key, signing_key, approval_ca, engineer_macs, "
			    "recording_flush_ms, log, log_level, login_grace_time, target_connect_timeout, "
			    "max_connections, escrow_public_key, max_startups, per_source_max_startups, max_session_time, idle_timeout, approval_warning, review_timeout, request_ttl, engineer_reports_per_session, max_channels_per_connection, "
			    "privsep_user, privsep_dir, control_socket, policy_file, gateway_name, fault_levels, engineers, admins, targets, notify, siem, console)", key);
		}
		if (r != 0)
			return -1;
	}
	if (cfg->listen_host == NULL)
		return fail_at(ld, root, "missing 'listen' (e.g. listen: \"127.0.0.1:2222\")");
	if (cfg->state_dir == NULL)
		return fail_at(ld, root, "missing 'state_dir' (e.g. state_dir: \"./state\")");
	/* ssh NAME@gateway must mean one person: an engineer's commands or an admin's. */
	for (size_t i = 0; i < cfg->nadmins; i++)
		if (config_engineer(cfg, cfg->admins[i].name) != NULL)
			return fail_at(ld, root, "'%s' is both an engineer and an admin; give the two roles two names",
			    cfg->admins[i].name);
	return 0;
}

static int
console_defaults(struct console_config *c, const char *state_dir)
{
	if (c->host == NULL) {
		if ((c->host = strdup("127.0.0.1")) == NULL)
			return -1;
		c->port = 8443;
	}
	if (c->tls_cert == NULL && ((c->tls_cert = util_path_join(state_dir, "console_cert.pem")) == NULL ||
	    (c->tls_key = util_path_join(state_dir, "console_key.pem")) == NULL))
		return -1;
	if (c->public_url == NULL) {
		size_t n = strlen(c->host) + 32;

		if ((c->public_url = malloc(n)) == NULL)
			return -1;
		snprintf(c->public_url, n, strchr(c->host, ':') ? "https://[%s]:%d" : "https://%s:%d", c->host, c->port);
	}
	return 0;
}

static char *
dir_of(const char *path)
{
	char abs[PATH_MAX], *copy, *d, *out;

	if (path[0] == '/') {
		copy = strdup(path);
	} else {
		if (getcwd(abs, sizeof(abs)) == NULL)
			return NULL;
		size_t len = strlen(abs) + 1 + strlen(path) + 1;
		if ((copy = malloc(len)) != NULL)
			snprintf(copy, len, "%s/%s", abs, path);
	}
	if (copy == NULL)
		return NULL;
	d = dirname(copy);
	out = strdup(d);
	free(copy);
	return out;
}

static int
load(const char *path, struct config **out, char *err, size_t errlen, int keyless)
{
	struct loader ld = { .keyless = keyless, .file = path, .err = err, .errlen = errlen };
	yaml_parser_t parser;
	FILE *f;
	int r = -1, have_doc = 0;

	*out = NULL;
	if ((f = fopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	if ((ld.cfg = calloc(1, sizeof(*ld.cfg))) == NULL) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	ld.cfg->log_level = LOG_LVL_INFO;
	ld.cfg->login_grace_time = 120;
	ld.cfg->target_connect_timeout = 10;
	ld.cfg->max_connections = 1000;
	ld.cfg->recording_flush_ms = 1000;
	ld.cfg->engineer_reports_per_session = 3;
	ld.cfg->max_channels_per_connection = 10;
	/* start is twice the per-source cap: one flooding address alone never starts random drops for others. */
	ld.cfg->startups = (struct startups_policy){ .start = 20, .rate = 30, .full = 100, .per_source = 10 };
	ld.cfg->max_session_time = 12 * 3600;
	ld.cfg->idle_timeout = 3600;
	ld.cfg->approval_warning = 300;
	ld.cfg->review_timeout = 15 * 60;
	ld.cfg->request_ttl = 3600;
	ld.cfg->console.login_ttl = 120;
	ld.cfg->console.idle_timeout = 15 * 60;
	ld.cfg->console.lifetime = 8 * 3600;
	/* Typical service-plan commitments; each contract sets its own. */
	ld.cfg->levels[1] = (struct fault_level){ .respond = 30 * 60, .restore = 2 * 3600 };
	ld.cfg->levels[2] = (struct fault_level){ .respond = 2 * 3600, .restore = 24 * 3600 };
	ld.cfg->levels[3] = (struct fault_level){ .respond = 2 * 3600, .restore = 48 * 3600 };
	if ((ld.cfg->path = strdup(path)) == NULL || (ld.cfg->dir = dir_of(path)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}

	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &ld.doc)) {
		yamlerr_syntax(err, errlen, path, &parser);
		yaml_parser_delete(&parser);
		goto out;
	}
	have_doc = 1;
	yaml_parser_delete(&parser);

	if (parse_top(&ld, yaml_document_get_root_node(&ld.doc)) != 0)
		goto out;
	if (ld.cfg->host_key == NULL &&
	    (ld.cfg->host_key = util_path_join(ld.cfg->state_dir, "host_ed25519")) == NULL)
		goto oom;
	if (ld.cfg->signing_key == NULL &&
	    (ld.cfg->signing_key = util_path_join(ld.cfg->state_dir, "signing_ed25519.pem")) == NULL)
		goto oom;
	if (ld.cfg->approval_ca == NULL &&
	    (ld.cfg->approval_ca = util_path_join(ld.cfg->state_dir, "approval_ca_ed25519.pem")) == NULL)
		goto oom;
	if (ld.cfg->gateway_name == NULL) {
		char host[256] = "remgate";
		gethostname(host, sizeof(host) - 1);
		host[sizeof(host) - 1] = '\0';
		if ((ld.cfg->gateway_name = strdup(host)) == NULL)
			goto oom;
	}
	if (ld.cfg->privsep_user == NULL && (ld.cfg->privsep_user = strdup("remgate")) == NULL)
		goto oom;
	if (ld.cfg->privsep_dir == NULL && (ld.cfg->privsep_dir = util_path_join(ld.cfg->state_dir, "empty")) == NULL)
		goto oom;
	/* The command guard's policy: its errors are the configuration's, with their own FILE:LINE:COL. */
	if ((ld.cfg->guard = ld.cfg->policy_file ? guard_load(ld.cfg->policy_file, err, errlen) :
	    guard_default(err, errlen)) == NULL) {
		r = -1;
		goto out;
	}
	if (ld.cfg->control_socket == NULL &&
	    (ld.cfg->control_socket = util_path_join(ld.cfg->state_dir, "control.sock")) == NULL)
		goto oom;
	if (ld.cfg->console.enabled && console_defaults(&ld.cfg->console, ld.cfg->state_dir) != 0)
		goto oom;
	if ((ld.cfg->db_path = util_path_join(ld.cfg->state_dir, "remgate.db")) == NULL ||
	    (ld.cfg->recordings_dir = util_path_join(ld.cfg->state_dir, "recordings")) == NULL)
		goto oom;
	*out = ld.cfg;
	ld.cfg = NULL;
	r = 0;
	goto out;
oom:
	snprintf(err, errlen, "%s: out of memory", path);
out:
	if (have_doc)
		yaml_document_delete(&ld.doc);
	fclose(f);
	config_free(ld.cfg);
	return r;
}

int
config_load(const char *path, struct config **out, char *err, size_t errlen)
{
	return load(path, out, err, errlen, 0);
}

int
config_load_keyless(const char *path, struct config **out, char *err, size_t errlen)
{
	return load(path, out, err, errlen, 1);
}

static void
principals_free(struct principal *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(list[i].name);
		for (size_t k = 0; k < list[i].nkeys; k++)
			ssh_key_free(list[i].keys[k]);
		free(list[i].keys);
	}
	free(list);
}

void
config_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	principals_free(cfg->engineers, cfg->nengineers);
	principals_free(cfg->admins, cfg->nadmins);
	for (size_t i = 0; i < cfg->ntargets; i++) {
		struct target *t = &cfg->targets[i];
		free(t->name);
		free(t->host);
		free(t->user);
		free(t->identity_file);
		free(t->host_key);
		free(t->kex);
		free(t->ciphers);
		free(t->macs);
		free(t->host_key_algorithms);
	}
	free(cfg->targets);
	for (size_t i = 0; i < cfg->nnotify; i++) {
		struct notify_dest *d = &cfg->notify[i];

		free(d->name);
		for (size_t j = 0; d->events != NULL && j < d->nevents; j++)
			free(d->events[j]);
		free(d->events);
		for (size_t j = 0; d->argv != NULL && j < d->argc; j++)
			free(d->argv[j]);
		free(d->argv);
	}
	free(cfg->notify);
	for (size_t i = 0; i < cfg->nsiem; i++) {
		free(cfg->siem[i].name);
		free(cfg->siem[i].url);
		free(cfg->siem[i].host);
		free(cfg->siem[i].path);
		free(cfg->siem[i].ca_file);
	}
	free(cfg->siem);
	free(cfg->console.host);
	free(cfg->console.tls_cert);
	free(cfg->console.tls_key);
	free(cfg->console.public_url);
	free(cfg->path);
	free(cfg->dir);
	for (size_t i = 0; i < CONFIG_MAX_LISTEN; i++)
		free(cfg->listen[i].host);
	free(cfg->state_dir);
	free(cfg->db_path);
	free(cfg->host_key);
	free(cfg->signing_key);
	free(cfg->approval_ca);
	free(cfg->engineer_macs);
	free(cfg->recordings_dir);
	free(cfg->gateway_name);
	free(cfg->privsep_user);
	free(cfg->privsep_dir);
	free(cfg->control_socket);
	free(cfg->policy_file);
	guard_free(cfg->guard);
	free(cfg);
}

const struct principal *
config_engineer(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->nengineers; i++)
		if (strcmp(cfg->engineers[i].name, name) == 0)
			return &cfg->engineers[i];
	return NULL;
}

const struct principal *
config_admin(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->nadmins; i++)
		if (strcmp(cfg->admins[i].name, name) == 0)
			return &cfg->admins[i];
	return NULL;
}

const char *
config_role_name(enum admin_role r)
{
	return r == ROLE_APPROVER ? "approver" : r == ROLE_AUDITOR ? "auditor" : "none";
}

int64_t
config_max_session_time(const struct config *cfg, const struct target *t)
{
	return t->max_session_time >= 0 ? t->max_session_time : cfg->max_session_time;
}

int64_t
config_idle_timeout(const struct config *cfg, const struct target *t)
{
	return t->idle_timeout >= 0 ? t->idle_timeout : cfg->idle_timeout;
}

const struct target *
config_target(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->ntargets; i++)
		if (strcmp(cfg->targets[i].name, name) == 0)
			return &cfg->targets[i];
	return NULL;
}

int
config_key_authorized(const struct principal *p, const ssh_key key)
{
	for (size_t i = 0; i < p->nkeys; i++)
		if (ssh_key_cmp(p->keys[i], key, SSH_KEY_CMP_PUBLIC) == 0)
			return 1;
	return 0;
}
