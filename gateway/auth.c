/*
 * Who may pass: the engineer's public key, then (partial success) the
 * approval token by keyboard-interactive (or an approval certificate at
 * publickey alone). The monitor decides both: it checks the key again and
 * the approval. Using the approval and the device login wait for the
 * first session channel (session_begin).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "keys.h"
#include "log.h"
#include "monclient.h"
#include "policy.h"
#include "session.h"
#include "util.h"

/* How far the login got; only this file reads or writes it. */
struct auth_state {
	char user[160];			/* as sent: "engineer+target" */
	char want_engineer[80];		/* the engineer part, before it is known to exist */
	char want_target[80];		/* the target part, before it is known to exist */
	int pubkey_ok;
	int refused;			/* a final refusal: disconnect */
	const char *pending_reason;	/* key refusal not yet final */
	char cert_code[64];		/* an approval certificate's refusal, the pending reason if nothing follows */
	char pending_detail[256];
	int key_banner_sent;
	struct ssh_server_callbacks_struct server_cb;
};

/* The names the client gave, for the refusal event of a login that proved none. */
static void
tell_refused(struct session *s, const char *reason, const char *detail)
{
	mc_refused(s->engineer ? s->engineer->name : s->auth->user, s->target ? s->target->name : s->auth->want_target,
	    reason, detail);
}

/* A final refusal: tell the engineer in one line, record it (unless the monitor did), hang up. */
static void
refuse_as(struct session *s, int on_record, const char *reason, const char *text, const char *detail)
{
	char line[512];
	ssh_string banner;

	if (s->auth->refused)
		return;
	s->auth->refused = 1;
	snprintf(line, sizeof(line), "remgate: access refused: %s\r\n", text);
	if ((banner = ssh_string_from_char(line)) != NULL) {
		ssh_send_issue_banner(s->eng, banner);
		ssh_string_free(banner);
	}
	/*
	 * The same words for the DISCONNECT (PuTTY shows that, not banners).
	 * libssh 0.10's ssh_disconnect queues it and closes the socket before
	 * writing it (docs/clients.md); a libssh that flushes sends it as is.
	 */
	snprintf(line, sizeof(line), "remgate: access refused: %s", text);
	(void)ssh_session_set_disconnect_message(s->eng, line);
	if (!on_record)
		tell_refused(s, reason, detail ? detail : text);
	log_info("event=session_refused user=%s client=%s reason=%s detail=%s", s->auth->user,
	    s->client_addr, reason, detail ? detail : text);
}

static void
refuse(struct session *s, const char *reason, const char *text, const char *detail)
{
	refuse_as(s, 0, reason, text, detail);
}

static int
bad_username(struct session *s)
{
	refuse(s, "bad_username", "log in as ENGINEER+TARGET, for example alice+router1", NULL);
	return -1;
}

/*
 * The user name is fixed by the first userauth request, as in OpenSSH
 * ("Change of username or service not allowed"): a later request under
 * another name ends the connection, so whatever passed publickey is the
 * engineer and target the token is checked against and the session names.
 */
static int
pin_user(struct session *s, const char *user)
{
	char detail[400];

	if (s->auth->user[0] == '\0')
		return 1;	/* the first request: identify() pins it */
	if (strcmp(s->auth->user, user) == 0)
		return s->auth->refused ? -1 : 0;
	snprintf(detail, sizeof(detail), "user name changed from '%s' to '%.160s' during authentication", s->auth->user, user);
	refuse(s, "username_changed", "the user name may not change during authentication", detail);
	return -1;
}

/*
 * Split "engineer+target" and pin it. An unknown engineer is not refused
 * here: it gets the same answer as a known one whose key does not fit, so
 * the gateway does not tell which names exist (on_auth_pubkey).
 */
static int
identify(struct session *s, const char *user)
{
	char eng[80], tgt[80];
	const char *plus;
	int r;

	if (user == NULL) {
		return bad_username(s);
	}
	if ((r = pin_user(s, user)) <= 0)
		return r;
	if (strlen(user) >= sizeof(s->auth->user)) {
		snprintf(s->auth->user, sizeof(s->auth->user), "%s", "(too long)");
		return bad_username(s);
	}
	snprintf(s->auth->user, sizeof(s->auth->user), "%s", user);
	plus = strchr(user, '+');
	s->command_mode = 0;
	if (plus == NULL && util_name_valid(user)) {
		/* ENGINEER alone: gateway commands (engcmd.c), never a device; or an administrator's. */
		s->engineer = config_engineer(s->cfg, user);
		s->admin = s->engineer == NULL ? config_admin(s->cfg, user) : NULL;
		snprintf(s->auth->want_engineer, sizeof(s->auth->want_engineer), "%s", user);
		s->command_mode = 1;
		return 0;
	}
	if (plus == NULL || (size_t)(plus - user) >= sizeof(eng) || strlen(plus + 1) >= sizeof(tgt)) {
		return bad_username(s);
	}
	memcpy(eng, user, (size_t)(plus - user));
	eng[plus - user] = '\0';
	snprintf(tgt, sizeof(tgt), "%s", plus + 1);
	if (!util_name_valid(eng) || !util_name_valid(tgt)) {
		return bad_username(s);
	}
	snprintf(s->auth->want_engineer, sizeof(s->auth->want_engineer), "%s", eng);
	s->engineer = config_engineer(s->cfg, eng);	/* NULL: refused like a wrong key */
	s->target = config_target(s->cfg, tgt);	/* checked once the key is proven */
	snprintf(s->auth->want_target, sizeof(s->auth->want_target), "%s", tgt);
	return 0;
}

/* A key that does not open this user name: not final, the client may hold another. */
static int
key_refused(struct session *s, struct ssh_key_struct *key)
{
	char fp[128] = "?", text[300];

	keys_fingerprint(key, fp, sizeof(fp));
	if (s->engineer == NULL && s->admin != NULL) {
		s->auth->pending_reason = "key_not_authorized";
		snprintf(s->auth->pending_detail, sizeof(s->auth->pending_detail), "key %s is not authorized for admin %s",
		    fp, s->admin->name);
	} else if (s->engineer == NULL) {
		s->auth->pending_reason = "unknown_engineer";
		snprintf(s->auth->pending_detail, sizeof(s->auth->pending_detail), "unknown engineer '%s' (key %s)",
		    s->auth->want_engineer, fp);
	} else {
		s->auth->pending_reason = "key_not_authorized";
		snprintf(s->auth->pending_detail, sizeof(s->auth->pending_detail), "key %s is not authorized for engineer %s",
		    fp, s->engineer->name);
	}
	if (!s->auth->key_banner_sent) {
		ssh_string b;

		/* The same words whether or not the engineer exists. */
		snprintf(text, sizeof(text), "remgate: key %s is not authorized for %s\r\n", fp, s->auth->user);
		if ((b = ssh_string_from_char(text)) != NULL) {
			ssh_send_issue_banner(s->eng, b);
			ssh_string_free(b);
		}
		s->auth->key_banner_sent = 1;
	}
	return SSH_AUTH_DENIED;
}

static int
on_auth_none(ssh_session eng, const char *user, void *userdata)
{
	struct session *s = userdata;

	(void)eng;
	identify(s, user);
	return SSH_AUTH_DENIED;
}

static int cert_login(struct session *s);

static int
on_auth_pubkey(ssh_session eng, const char *user, struct ssh_key_struct *key,
    char signature_state, void *userdata)
{
	struct session *s = userdata;
	char fp[128] = "?", text[300];

	if (s->auth->refused || identify(s, user) != 0)
		return SSH_AUTH_DENIED;
	if (s->auth->pubkey_ok || s->authenticated)
		return SSH_AUTH_DENIED;	/* publickey passes once */
	const struct principal *who = s->engineer != NULL ? s->engineer : s->admin;

	int is_cert = keys_is_cert(key), authorized;
	struct mc_cert cert = { 0 };

	log_debug("event=pubkey_offered type=%s signed=%d", ssh_key_type_to_char(ssh_key_type(key)),
	    signature_state == SSH_PUBLICKEY_STATE_VALID);
	if (is_cert) {
		/* An approval certificate: for ENGINEER+TARGET logins, and only for the engineer's own key. */
		ssh_key plain = NULL;

		if (s->command_mode || s->engineer == NULL)
			return SSH_AUTH_DENIED;	/* quietly: the client tries its plain key next */
		authorized = keys_certified(key, &plain) == 0 && config_key_authorized(who, plain);
		ssh_key_free(plain);
	} else {
		authorized = who != NULL && config_key_authorized(who, key);
	}
	if (!authorized)
		return key_refused(s, key);
	if (signature_state == SSH_PUBLICKEY_STATE_NONE)
		return SSH_AUTH_SUCCESS;	/* "this key would do": sign with it */
	if (signature_state != SSH_PUBLICKEY_STATE_VALID)
		return SSH_AUTH_DENIED;

	s->auth->pending_reason = NULL;
	if (s->command_mode || s->target != NULL) {
		char *b64 = NULL, line[16384];
		int ok = -1;

		/* The monitor checks the key again and moves on only for this engineer. */
		if (ssh_pki_export_pubkey_base64(key, &b64) == SSH_OK) {
			snprintf(line, sizeof(line), "%s %s", ssh_key_type_to_char(ssh_key_type(key)), b64);
			ok = mc_pubkey_cert(who->name, s->command_mode ? "" : s->target->name, line, &cert);
		}
		ssh_string_free_char(b64);
		if (ok != 1) {
			refuse(s, "internal_error", "the gateway could not check the key", ok < 0 ?
			    "the monitor could not be asked" : "the monitor refused a key the network child accepted");
			return SSH_AUTH_DENIED;
		}
	}
	if (s->command_mode) {
		keys_fingerprint(key, fp, sizeof(fp));
		log_info("event=command_login %s=%s key=%s client=%s", s->admin ? "admin" : "engineer", who->name, fp,
		    s->client_addr);
		s->authenticated = 1;
		s->started_at = (int64_t)time(NULL);
		alarm(0);	/* login grace over */
		return SSH_AUTH_SUCCESS;
	}
	if (s->target == NULL) {
		snprintf(text, sizeof(text), "unknown target '%s'", s->auth->want_target);
		refuse(s, "unknown_target", text, NULL);
		return SSH_AUTH_DENIED;
	}
	s->auth->pubkey_ok = 1;
	keys_fingerprint(key, fp, sizeof(fp));
	log_info("event=pubkey_ok engineer=%s target=%s key=%s certificate=%s client=%s", s->engineer->name,
	    s->target->name, fp, is_cert ? "yes" : "no", s->client_addr);
	if (cert.state == MON_CERT_ADMITS)
		return cert_login(s);
	/* A client that leaves now (BatchMode, no way to answer) is still a refusal on record. */
	s->auth->pending_reason = "token_missing";
	snprintf(s->auth->pending_detail, sizeof(s->auth->pending_detail), "publickey accepted for %s; the client gave no "
	    "approval token (keyboard-interactive) before it left", s->auth->user);
	if (cert.state == MON_CERT_REFUSED) {
		/* A stale certificate must not lock out an engineer who has a token: the prompt follows. */
		ssh_string b;

		snprintf(s->auth->cert_code, sizeof(s->auth->cert_code), "%s", cert.code);
		s->auth->pending_reason = s->auth->cert_code;
		snprintf(s->auth->pending_detail, sizeof(s->auth->pending_detail), "approval certificate refused: %.200s",
		    cert.why);
		snprintf(text, sizeof(text), "remgate: approval certificate refused: %.200s; an approval token is asked "
		    "for instead\r\n", cert.why);
		if ((b = ssh_string_from_char(text)) != NULL) {
			ssh_send_issue_banner(s->eng, b);
			ssh_string_free(b);
		}
	}
	ssh_set_auth_methods(eng, SSH_AUTH_METHOD_INTERACTIVE);
	return SSH_AUTH_PARTIAL;
}

/*
 * The token answer (or an approval certificate's ""): the monitor checks
 * it. Nothing is used and the device is not touched until a session
 * channel opens (session_begin).
 */
static int
token_step(struct session *s, const char *answer)
{
	char code[100], text[2000];
	int r;

	r = mc_token(answer ? answer : "", code, sizeof(code), text, sizeof(text), &s->implement, &s->allow_ops);
	if (r < 0) {
		refuse(s, "internal_error", "the gateway's monitor could not be asked; no session was opened", NULL);
		return -1;
	}
	if (r == 0) {
		refuse_as(s, 1, code, text, NULL);	/* the monitor has it on record */
		return -1;
	}
	if (text[0] != '\0') {
		/* The monitor's login banner: which approval, which phase, recorded. */
		ssh_string b = ssh_string_from_char(text);

		if (b != NULL) {
			ssh_send_issue_banner(s->eng, b);
			ssh_string_free(b);
		}
	}
	return 0;
}

/* In: a session starts with each session channel (session_begin). */
static void
admitted(struct session *s)
{
	s->authenticated = 1;
	alarm(0);	/* login grace over */
	s->started_at = (int64_t)time(NULL);
	s->last_activity = s->started_at;
}

/* The publickey step with an approval certificate that admits: the session opens without a token. */
static int
cert_login(struct session *s)
{
	s->auth->pending_reason = NULL;
	if (token_step(s, "") != 0)
		return SSH_AUTH_DENIED;
	admitted(s);
	return SSH_AUTH_SUCCESS;
}

static int
on_kbdint(struct session *s, ssh_message msg)
{
	/* An INFO_RESPONSE carries no user name; the request before it did, and was pinned. */
	const char *user = ssh_message_auth_kbdint_is_response(msg) ? NULL : ssh_message_auth_user(msg);

	if (user != NULL && identify(s, user) != 0) {
		ssh_message_reply_default(msg);
		return 0;
	}
	if (s->auth->refused || !s->auth->pubkey_ok || s->authenticated) {
		ssh_message_auth_set_methods(msg, s->auth->pubkey_ok ? SSH_AUTH_METHOD_INTERACTIVE : SSH_AUTH_METHOD_PUBLICKEY);
		ssh_message_reply_default(msg);
		return 0;
	}
	if (!ssh_message_auth_kbdint_is_response(msg)) {
		/* No name or instruction: ssh prints those even for scripted runs. */
		char prompt[120];
		const char *prompts[1] = { prompt };
		char echo[1] = { 0 };

		snprintf(prompt, sizeof(prompt), "Approval token for %s: ", s->target->name);
		ssh_message_auth_interactive_request(msg, "", "", 1, prompts, echo);
		return 0;
	}
	const char *answer = ssh_userauth_kbdint_getnanswers(s->eng) >= 1 ?
	    ssh_userauth_kbdint_getanswer(s->eng, 0) : NULL;
	if (token_step(s, answer) != 0) {
		ssh_message_auth_set_methods(msg, SSH_AUTH_METHOD_INTERACTIVE);
		ssh_message_reply_default(msg);
		return 0;
	}
	admitted(s);
	ssh_message_auth_reply_success(msg, 0);
	return 0;
}

/* Requests no callback handles: refuse and record the ones an auditor cares about. */
static int
on_message(ssh_session eng, ssh_message msg, void *userdata)
{
	struct session *s = userdata;
	int type = ssh_message_type(msg), sub = ssh_message_subtype(msg);
	char detail[300];

	(void)eng;
	if (type == SSH_REQUEST_AUTH && sub == SSH_AUTH_METHOD_INTERACTIVE)
		return on_kbdint(s, msg);
	if (type == SSH_REQUEST_AUTH) {
		/* password, hostbased, ...: their user name is pinned like any other. */
		const char *user = ssh_message_auth_user(msg);

		if (user != NULL)
			(void)identify(s, user);
		ssh_message_auth_set_methods(msg, s->auth->pubkey_ok ? SSH_AUTH_METHOD_INTERACTIVE : SSH_AUTH_METHOD_PUBLICKEY);
		return 1;
	}
	if (type == SSH_REQUEST_CHANNEL_OPEN && s->authenticated) {
		const char *what = sub == SSH_CHANNEL_DIRECT_TCPIP ? "direct-tcpip" :
		    sub == SSH_CHANNEL_X11 ? "x11-req" : "channel";
		snprintf(detail, sizeof(detail), "channel open refused: %s", what);
		if (sub == SSH_CHANNEL_DIRECT_TCPIP)
			snprintf(detail, sizeof(detail), "port forwarding to %s:%d refused",
			    ssh_message_channel_request_open_destination(msg),
			    ssh_message_channel_request_open_destination_port(msg));
		session_event(s, "request_refused", policy_refusal_reason(what), detail);
	} else if (type == SSH_REQUEST_GLOBAL && s->authenticated && sub == SSH_GLOBAL_REQUEST_TCPIP_FORWARD) {
		snprintf(detail, sizeof(detail), "remote port forwarding of port %d refused",
		    ssh_message_global_request_port(msg));
		session_event(s, "request_refused", policy_refusal_reason("tcpip-forward"), detail);
	} else if (type == SSH_REQUEST_CHANNEL && sub == SSH_CHANNEL_REQUEST_X11) {
		session_event(s, "request_refused", policy_refusal_reason("x11-req"), "X11 forwarding refused");
	}
	return 1;	/* libssh sends the default refusal */
}

int
auth_setup(struct session *s)
{
	if ((s->auth = calloc(1, sizeof(*s->auth))) == NULL)
		return -1;
	memset(&s->auth->server_cb, 0, sizeof(s->auth->server_cb));
	s->auth->server_cb.userdata = s;
	s->auth->server_cb.auth_none_function = on_auth_none;
	s->auth->server_cb.auth_pubkey_function = on_auth_pubkey;
	s->auth->server_cb.channel_open_request_session_function = relay_open_channel;
	ssh_callbacks_init(&s->auth->server_cb);
	ssh_set_server_callbacks(s->eng, &s->auth->server_cb);
	ssh_set_message_callback(s->eng, on_message, s);
	/*
	 * keyboard-interactive is named from the first answer: libssh2 (curl)
	 * takes a partial success as a failure and tries only the methods named
	 * then. It admits nothing before publickey (on_kbdint).
	 */
	ssh_set_auth_methods(s->eng, SSH_AUTH_METHOD_PUBLICKEY | SSH_AUTH_METHOD_INTERACTIVE);
	return 0;
}

void
auth_free(struct session *s)
{
	free(s->auth);
	s->auth = NULL;
}

int
auth_refused(const struct session *s)
{
	return s->auth->refused;
}

void
auth_grace_expired(struct session *s)
{
	struct auth_state *a = s->auth;

	/* Still there but never answered the token prompt: that is the time limit's refusal. */
	if (a->pending_reason == NULL || strcmp(a->pending_reason, "token_missing") == 0)
		a->pending_reason = "login_timeout";
	if (strcmp(a->pending_reason, "login_timeout") == 0)
		snprintf(a->pending_detail, sizeof(a->pending_detail), "no login within %llds",
		    (long long)s->cfg->login_grace_time);
}

void
auth_finish_refused(struct session *s)
{

	if (s->authenticated || s->auth->refused || s->auth->pending_reason == NULL)
		return;
	tell_refused(s, s->auth->pending_reason, s->auth->pending_detail);
	(void)mc_flush();
	log_info("event=session_refused user=%s client=%s reason=%s detail=%s", s->auth->user,
	    s->client_addr, s->auth->pending_reason, s->auth->pending_detail);
}
