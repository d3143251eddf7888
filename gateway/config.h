/*
 * The gateway configuration (YAML). Parsed once, validated whole, and then
 * read-only; SIGHUP builds a new one and swaps it in. Paths in the file are
 * relative to the file's own directory.
 */
#ifndef REMGATE_CONFIG_H
#define REMGATE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include <libssh/libssh.h>

#include "log.h"
#include "policy.h"
#include "startups.h"

struct guard_policy;

/* An administrator's role (admins: role:); engineers have none. */
enum admin_role { ROLE_NONE = 0, ROLE_AUDITOR, ROLE_APPROVER };

struct principal {
	char *name;
	ssh_key *keys;		/* authorized public keys */
	size_t nkeys;
	enum admin_role role;	/* admins only: approver decides, auditor reads */
};

/* A notify: destination: events of these kinds go, as JSON on stdin, to this command. */
struct notify_dest {
	char *name;
	char **events;		/* kinds, or "*"; aliases request_decided, review_pending (notify.c) */
	size_t nevents;
	char **argv;		/* the command and its arguments, NULL-terminated; run without a shell */
	size_t argc;
};

/* A siem: destination (siem.h): the event log forwarded, in order, without loss. */
struct siem_dest {
	char *name;
	char *url;		/* syslog+tcp://, syslog+tls://, file:// (siemurl.h) */
	int transport;		/* enum siem_transport */
	char *host;
	int port;
	char *path;
	int format;		/* enum evexport_format: syslog for syslog+*, jsonl for file:// unless set */
	char *ca_file;		/* syslog+tls: the CA certificates the server's is checked against (default: the system's) */
};

struct target {
	char *name;
	char *host;
	int port;
	char *user;
	char *identity_file;	/* absolute; generated (0600) at start if missing */
	char *host_key;		/* pinned "SHA256:…" as ssh-keygen -lf prints it */
	enum transfer_policy transfers;	/* sftp/scp: full (default), read-only, off */
	int64_t max_session_time;	/* seconds; 0 off; -1 the global default */
	int64_t idle_timeout;		/* seconds; 0 off; -1 the global default */
	/* Algorithms toward this device (comma lists) for old equipment; NULL: algorithms.h defaults. */
	char *kex, *ciphers, *macs, *host_key_algorithms;
};

/* A fault level's time limits (requirements point 6), in seconds. */
struct fault_level {
	int64_t respond;	/* approval (or fault reported) to the first session */
	int64_t restore;	/* fault reported to service restored */
};

#define CONFIG_MAX_LISTEN 4

/* console: the web console for the customer's administrators (docs/console.md). */
struct console_config {
	int enabled;		/* the section is present */
	char *host;		/* listen (default 127.0.0.1:8443) */
	int port;
	char *tls_cert, *tls_key;	/* PEM; default state_dir/console_cert.pem and console_key.pem, self-signed if missing */
	char *public_url;	/* how admins reach it (login links); default https://LISTEN */
	int64_t login_ttl;	/* a one-time login link is good this long (default 2m) */
	int64_t idle_timeout;	/* a console session ends after this long unused (default 15m) */
	int64_t lifetime;	/* and this long after its login in any case (default 8h) */
};

struct config {
	char *path;		/* the file as given */
	char *dir;		/* its directory, base of relative paths */
	char *listen_host;	/* the first of listen[] (not owned separately) */
	int listen_port;
	struct {
		char *host;
		int port;
	} listen[CONFIG_MAX_LISTEN];	/* listen: one "host:port", or a list of them */
	size_t nlisten;
	char *state_dir;	/* absolute */
	char *db_path;		/* state_dir/remgate.db */
	char *host_key;		/* absolute; generated (0600) if missing */
	char *signing_key;	/* Ed25519 PKCS#8 PEM; seals recordings; generated if missing */
	char *approval_ca;
	char *engineer_macs;	/* the engineer side's MAC list, when wider than the default (algorithms.h) */	/* Ed25519 PKCS#8 PEM; signs approval certificates; generated if missing */
	char *recordings_dir;	/* state_dir/recordings */
	char *gateway_name;	/* names this gateway in reports; default: the host name */
	char *privsep_user;	/* the network child's account (default "remgate") */
	char *privsep_dir;	/* its empty root directory (default state_dir/empty) */
	char *control_socket;	/* remgatectl talks to the daemon here (default state_dir/control.sock) */
	char *policy_file;	/* the command guard's policy; NULL: the built-in default */
	struct guard_policy *guard;	/* loaded from policy_file or the default */
	struct fault_level levels[4];	/* [1]..[3] */
	int recording_flush_ms;	/* records reach the disk (fdatasync) at least this often */
	int use_syslog;
	enum log_level log_level;
	int64_t login_grace_time;	/* seconds to authenticate */
	int64_t target_connect_timeout;	/* seconds */
	long max_connections;
	int have_escrow;			/* escrow_public_key is set: hidden input is escrowed */
	uint8_t escrow_pub[32];
	struct startups_policy startups;	/* max_startups, per_source_max_startups */
	int engineer_reports_per_session;
	int max_channels_per_connection;	/* session channels one connection may open, one after another */
	int64_t max_session_time;	/* seconds a session may last; 0: no limit */
	int64_t idle_timeout;		/* seconds without a byte either way; 0: no limit */
	int64_t review_timeout;		/* seconds a command waits for a review before it is refused */
	int64_t request_ttl;		/* seconds an access request waits for a decision before it expires */
	int64_t approval_warning;	/* warn the engineer this long before the approval ends; 0: no warning */	/* reports an engineer may make over SSH that include one session */

	struct principal *engineers;
	size_t nengineers;
	struct principal *admins;
	size_t nadmins;
	struct target *targets;
	size_t ntargets;
	struct notify_dest *notify;
	size_t nnotify;
	struct siem_dest *siem;
	size_t nsiem;
	struct console_config console;
};

/*
 * Load and validate path. On failure returns -1 and writes
 * "FILE:LINE:COL: what was expected" into err.
 */
int config_load(const char *path, struct config **out, char *err, size_t errlen);
/*
 * The same without reading any key file (the daemon checked them): for the
 * console process, which must never hold the signing or a device key.
 */
int config_load_keyless(const char *path, struct config **out, char *err, size_t errlen);
void config_free(struct config *cfg);

const struct principal *config_engineer(const struct config *cfg, const char *name);
const struct principal *config_admin(const struct config *cfg, const char *name);
const char *config_role_name(enum admin_role r);
const struct target *config_target(const struct config *cfg, const char *name);
/* The target's limits, its own or the global default (seconds, 0: none). */
int64_t config_max_session_time(const struct config *cfg, const struct target *t);
int64_t config_idle_timeout(const struct config *cfg, const struct target *t);
/* Is key one of p's authorized keys? */
int config_key_authorized(const struct principal *p, const ssh_key key);

#endif
