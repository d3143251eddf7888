/* Configuration: a valid file loads; each mistake names file, line, column. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "tap.h"

#define PUB "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOkXv1wqUzV5TULzCoHOM3eh2GpPN3a4VFNAVAWc9oZ0 alice@laptop"
#define FP "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"

static char dir[] = "/tmp/remgate-test-config.XXXXXX";
static char file[300];

static void
write_file(const char *text)
{
	FILE *f = fopen(file, "w");

	if (f == NULL)
		exit(99);
	fputs(text, f);
	fclose(f);
}

static const char valid[] =
    "listen: \"127.0.0.1:2222\"\n"
    "state_dir: \"./state\"\n"
    "engineers:\n"
    "  - name: alice\n"
    "    authorized_keys: [\"" PUB "\"]\n"
    "admins:\n"
    "  - name: wang\n"
    "    authorized_keys: [\"" PUB "\"]\n"
    "targets:\n"
    "  - name: router1\n"
    "    address: \"127.0.0.1:2200\"\n"
    "    user: maint\n"
    "    identity_file: \"./state/router1_ed25519\"\n"
    "    host_key: \"" FP "\"\n";

/* Load text; expect an error at line:col that mentions what. */
static void
expect_error(const char *why, const char *text, int line, int col, const char *what)
{
	struct config *cfg = NULL;
	char err[1024] = "", where[350];

	write_file(text);
	is_int(config_load(file, &cfg, err, sizeof(err)), -1, "%s: refused", why);
	snprintf(where, sizeof(where), "%s:%d:%d: ", file, line, col);
	ok(strncmp(err, where, strlen(where)) == 0, "%s: error starts with FILE:%d:%d (%s)", why, line, col, err);
	contains(err, what, "%s: error says what was expected", why);
	config_free(cfg);
}

static char *
replace(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	size_t len = strlen(text) - strlen(from) + strlen(to) + 1;
	char *out = malloc(len);

	if (at == NULL || out == NULL)
		exit(99);
	snprintf(out, len, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
	return out;
}

static void
expect_replaced_error(const char *why, const char *from, const char *to, int line, int col, const char *what)
{
	char *text = replace(valid, from, to);

	expect_error(why, text, line, col, what);
	free(text);
}

/* The console section: off without it; with it, its defaults. 0, or the number of wrong values. */
static int
cfg_console(void)
{
	struct config *cfg = NULL;
	char err[1024], *text, want[400];
	int bad = 0;

	write_file(valid);
	if (config_load(file, &cfg, err, sizeof(err)) != 0)
		return 1;
	ok(!cfg->console.enabled, "no console section: off");
	config_free(cfg);
	text = replace(valid, "state_dir: \"./state\"\n", "state_dir: \"./state\"\nconsole:\n");
	write_file(text);
	free(text);
	if (config_load(file, &cfg, err, sizeof(err)) != 0) {
		printf("# %s\n", err);
		return 1;
	}
	bad += !ok(cfg->console.enabled, "console: alone turns it on");
	is_str(cfg->console.host, "127.0.0.1", "default listen host");
	is_int(cfg->console.port, 8443, "default port");
	is_str(cfg->console.public_url, "https://127.0.0.1:8443", "default public_url");
	snprintf(want, sizeof(want), "%s/state/console_key.pem", dir);
	is_str(cfg->console.tls_key, want, "self-signed key in state_dir");
	is_int(cfg->console.login_ttl, 120, "login_ttl 2m");
	is_int(cfg->console.idle_timeout, 900, "idle_timeout 15m");
	is_int(cfg->console.lifetime, 8 * 3600, "lifetime 8h");
	config_free(cfg);
	text = replace(valid, "state_dir: \"./state\"\n", "state_dir: \"./state\"\nconsole:\n  listen: \"[::1]:9443\"\n");
	write_file(text);
	free(text);
	if (config_load(file, &cfg, err, sizeof(err)) != 0)
		return 1;
	is_str(cfg->console.public_url, "https://[::1]:9443", "an IPv6 listen's URL");
	config_free(cfg);
	return bad;
}

int
main(void)
{
	struct config *cfg = NULL;
	char err[1024], want[400];

	if (mkdtemp(dir) == NULL)
		return 99;
	snprintf(file, sizeof(file), "%s/remgate.yaml", dir);

	write_file(valid);
	is_int(config_load(file, &cfg, err, sizeof(err)), 0, "the valid config loads");
	if (cfg == NULL) {
		printf("# %s\n", err);
		return done();
	}
	is_str(cfg->listen_host, "127.0.0.1", "listen host");
	is_int(cfg->nlisten, 1, "one listen address");
	is_int(cfg->startups.start, 20, "max_startups default start");
	is_int(cfg->startups.per_source, 10, "per_source_max_startups default");
	is_int(cfg->idle_timeout, 3600, "idle_timeout default");
	is_int(cfg->max_session_time, 12 * 3600, "max_session_time default");
	is_int(cfg->approval_warning, 300, "approval_warning default");
	is_int(cfg->have_escrow, 0, "no escrow key by default");
	is_int(config_idle_timeout(cfg, &cfg->targets[0]), 3600, "a target inherits idle_timeout");
	is_int(cfg->listen_port, 2222, "listen port");
	snprintf(want, sizeof(want), "%s/state", dir);
	is_str(cfg->state_dir, want, "state_dir is relative to the config file");
	snprintf(want, sizeof(want), "%s/state/remgate.db", dir);
	is_str(cfg->db_path, want, "the store lives in state_dir");
	snprintf(want, sizeof(want), "%s/state/host_ed25519", dir);
	is_str(cfg->host_key, want, "host_key defaults into state_dir");
	is_int(cfg->nengineers, 1, "one engineer");
	is_int(cfg->ntargets, 1, "one target");
	is_str(cfg->targets[0].host_key, FP, "the pin is kept as written");
	ok(config_engineer(cfg, "alice") != NULL, "alice is found");
	ok(config_engineer(cfg, "mallory") == NULL, "mallory is not");
	ok(config_target(cfg, "router1") != NULL, "router1 is found");
	is_int(cfg->login_grace_time, 120, "login_grace_time defaults to 120 s");
	is_int(cfg->levels[1].restore, 7200, "level 1 restores within 2 h by default");
	is_int(cfg->levels[3].respond, 7200, "level 3 responds within 2 h by default");
	ok(cfg->gateway_name != NULL && cfg->gateway_name[0] != '\0', "gateway_name defaults to the host name");
	ok(config_admin(cfg, "wang") != NULL && config_admin(cfg, "wang")->role == ROLE_AUDITOR,
	    "an admin without a role is an auditor (reads only)");
	ok(config_admin(cfg, "alice") == NULL && config_engineer(cfg, "wang") == NULL, "engineers and admins apart");
	is_int(cfg->request_ttl, 3600, "request_ttl defaults to 1h");
	is_int(cfg->review_timeout, 900, "review_timeout defaults to 15m");
	config_free(cfg);
	cfg = NULL;
	{
		char *t = replace(valid, "  - name: wang\n", "  - name: wang\n    role: approver\n");

		write_file(t);
		free(t);
		is_int(config_load(file, &cfg, err, sizeof(err)), 0, "role: approver loads");
		ok(cfg && config_admin(cfg, "wang")->role == ROLE_APPROVER, "wang decides");
		config_free(cfg);
		cfg = NULL;
	}
	expect_replaced_error("an unknown role", "  - name: wang\n", "  - name: wang\n    role: root\n", 8, 11,
	    "'role' must be approver or auditor");
	expect_replaced_error("role on an engineer", "  - name: alice\n", "  - name: alice\n    role: approver\n", 5, 5,
	    "unknown key 'role' in engineer");
	expect_replaced_error("one name, two roles", "  - name: wang\n", "  - name: alice\n", 1, 1,
	    "'alice' is both an engineer and an admin");

	expect_replaced_error("unknown top-level key", "state_dir:", "stat_dir:", 2, 1, "unknown key 'stat_dir'");
	expect_replaced_error("unknown target key", "    user: maint", "    usr: maint", 12, 5, "unknown key 'usr' in target");
	expect_replaced_error("wrong type", "listen: \"127.0.0.1:2222\"", "listen: {a: b}", 1, 9, "'listen' must be a string");
	expect_replaced_error("a listen list of five", "listen: \"127.0.0.1:2222\"",
	    "listen: [\"127.0.0.1:1\", \"127.0.0.1:2\", \"127.0.0.1:3\", \"127.0.0.1:4\", \"127.0.0.1:5\"]", 1, 9,
	    "'listen' must list 1 to 4 addresses, found 5");
	expect_replaced_error("max_startups", "state_dir: \"./state\"\n", "state_dir: \"./state\"\nmax_startups: \"50:30:10\"\n",
	    3, 15, "'max_startups': start must not be greater than full");
	expect_replaced_error("per_source_max_startups", "state_dir: \"./state\"\n",
	    "state_dir: \"./state\"\nper_source_max_startups: none\n", 3, 26, "'per_source_max_startups' must be");
	expect_replaced_error("idle_timeout", "state_dir: \"./state\"\n", "state_dir: \"./state\"\nidle_timeout: soon\n",
	    3, 15, "'idle_timeout': bad duration 'soon'");
	expect_replaced_error("a target's max_session_time", "    user: maint\n", "    user: maint\n    max_session_time: 0\n",
	    13, 23, "'max_session_time': bad duration '0'");
	expect_replaced_error("escrow_public_key", "state_dir: \"./state\"\n",
	    "state_dir: \"./state\"\nescrow_public_key: \"ssh-ed25519 AAAA\"\n", 3, 20, "'escrow_public_key': expected \"x25519:\"");
	expect_replaced_error("engineer_reports_per_session", "state_dir: \"./state\"\n",
	    "state_dir: \"./state\"\nengineer_reports_per_session: 0\n", 3, 31, "'engineer_reports_per_session' must be");
	expect_replaced_error("engineers not a list", "engineers:\n  - name: alice\n    authorized_keys: [\"" PUB "\"]\n",
	    "engineers: alice\n", 3, 12, "'engineers' must be a list");
	expect_replaced_error("bad port", "127.0.0.1:2222", "127.0.0.1:99999", 1, 9, "port must be a number");
	expect_replaced_error("bad public key", PUB, "ssh-ed25519 AAAAnotbase64", 5, 23, "does not decode");
	expect_replaced_error("bad fingerprint", FP, "MD5:aa:bb", 14, 15, "SHA256 fingerprint");
	expect_replaced_error("bad duration", "state_dir: \"./state\"\n", "state_dir: \"./state\"\nlogin_grace_time: 5 minutes\n",
	    3, 19, "bad duration");
	expect_replaced_error("duplicate key", "state_dir: \"./state\"\n", "state_dir: \"./state\"\nlisten: \"127.0.0.1:1\"\n",
	    3, 1, "duplicate key 'listen'");
	expect_replaced_error("bad name", "name: router1", "name: router/1", 10, 11, "must be 1-64 characters");
	expect_replaced_error("missing host_key", "    host_key: \"" FP "\"\n", "", 10, 5, "missing 'host_key'");
	{
		char *dup = replace(valid, "admins:", "  - name: alice\n    authorized_keys: [\"" PUB "\"]\nadmins:");
		expect_error("duplicate engineer", dup, 6, 5, "duplicate engineer name 'alice'");
		free(dup);
	}
	expect_error("YAML syntax", "listen: \"127.0.0.1:2222\n  state_dir: [\n", 3, 1, "YAML syntax error");
	expect_replaced_error("fault level out of range", "state_dir: \"./state\"\n",
	    "state_dir: \"./state\"\nfault_levels:\n  4: {restore: 1h}\n", 4, 3, "fault level must be 1, 2 or 3");
	expect_replaced_error("fault level bad key", "state_dir: \"./state\"\n",
	    "state_dir: \"./state\"\nfault_levels:\n  1: {repair: 1h}\n", 4, 7, "unknown key 'repair' in fault level 1");
	expect_replaced_error("gateway_name with a space", "state_dir: \"./state\"\n",
	    "state_dir: \"./state\"\ngateway_name: \"my gw\"\n", 3, 15, "must not contain spaces");
	expect_error("missing listen", "state_dir: \"./s\"\n", 1, 1, "missing 'listen'");

	/* console: present is on; defaults; mistakes. */
	is_int(cfg_console(), 0, "console checks done");
	expect_replaced_error("console listen by name", "state_dir: \"./state\"\n",
	    "state_dir: \"./state\"\nconsole:\n  listen: \"gw.example:8443\"\n", 4, 11, "must be an IP address");
	expect_replaced_error("console cert without key", "state_dir: \"./state\"\n",
	    "state_dir: \"./state\"\nconsole:\n  tls_cert: c.pem\n", 4, 3, "both tls_cert and tls_key");
	expect_replaced_error("console http url", "state_dir: \"./state\"\n",
	    "state_dir: \"./state\"\nconsole:\n  public_url: \"http://gw:8443\"\n", 4, 15, "must be an https://");
	expect_replaced_error("console unknown key", "state_dir: \"./state\"\n",
	    "state_dir: \"./state\"\nconsole:\n  port: 8443\n", 4, 3, "unknown key 'port' in console");
	expect_replaced_error("console zero ttl", "state_dir: \"./state\"\n",
	    "state_dir: \"./state\"\nconsole:\n  login_ttl: 0s\n", 4, 14, "greater than zero");

	/* A key file that exists but is not a private key. */
	{
		char keyfile[400];
		FILE *f;

		snprintf(keyfile, sizeof(keyfile), "%s/state", dir);
		mkdir(keyfile, 0700);
		snprintf(keyfile, sizeof(keyfile), "%s/state/router1_ed25519", dir);
		if ((f = fopen(keyfile, "w")) == NULL)
			return 99;
		fputs("not a key\n", f);
		fclose(f);
		expect_error("garbage identity file", valid, 13, 20, "is not an unencrypted OpenSSH/PEM private key");
		/* The console reads no key file: the daemon checked them. */
		write_file(valid);
		is_int(config_load_keyless(file, &cfg, err, sizeof(err)), 0, "keyless: the key files are not read");
		config_free(cfg);
		cfg = NULL;
		if (geteuid() != 0) {
			chmod(keyfile, 0);
			expect_error("unreadable identity file", valid, 13, 20, "cannot read");
		}
		unlink(keyfile);
	}
	if (rmtree(dir) != 0)
		return 99;
	return done();
}
