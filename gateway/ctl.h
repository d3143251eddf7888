/*
 * remgatectl's shared parts: the context every command handler gets, and
 * helpers for errors, times and "list [--json]" output. Handlers live in
 * ctl.c (approvals, sessions, events, targets), ctl_recording.c
 * (recordings, watch, kill), ctl_commands.c (command lists) and
 * ctl_report.c (reports, verify, signing keys).
 */
#ifndef REMGATE_CTL_H
#define REMGATE_CTL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "json.h"
#include "sigkey.h"
#include "store.h"

#define EXIT_FAIL 1
#define EXIT_USAGE 2

struct ctl {
	struct config *cfg;
	struct store *st;
	/* An administrator's command over SSH (the monitor's helper) or from the console; NULL: root on the gateway. */
	const char *remote_admin;
	enum admin_role role;
	const char *via;	/* how remote_admin came: "ssh" (NULL) or "console" (named so in every event) */
	int keyless;		/* the console: no key file is read (the daemon prepared the state) */
};

/*
 * Run one command (argv[0] its name): open the store it needs, check that
 * an administrator over SSH may run it (never: commands that take paths on
 * the gateway or change its keys; approvers only: decisions, revocations,
 * kills), and run it. With remote_admin and no command: what waits for
 * that administrator. Returns the exit status.
 */
int ctl_run(struct ctl *c, int argc, char **argv);
/* Does this command need no configuration at all (escrow keygen)? */
int ctl_is_config_free(int argc, char **argv);
void ctl_usage(FILE *f);
/*
 * Who decides: locally the --approver given (NULL: none given); over SSH
 * the administrator, and a --approver given is refused (NULL, said on stderr).
 */
const char *ctl_decider(struct ctl *c, const char *given);
/* The sessions running now, a line each (for the overview). 0 or -1. */
int ctl_print_running(struct ctl *c);

struct list_ctx {
	int json;
	struct json j;
	int64_t now;
	int rows;
	int flag;		/* ctl_run_list_flag: the command's one option was given */
	const void *arg;	/* for the command's own use */
};

/* "remgatectl: ..." on stderr; returns EXIT_FAIL. */
int ctl_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "local:USER" (the sudo user if any): who did it, for the record. */
void ctl_who_am_i(char *out, size_t outlen);
/* 1 for "--json", 0 for no options, -1 (usage printed) otherwise. */
int ctl_want_json(int argc, char **argv, const char *usage);
void ctl_time(int64_t t, char *buf, size_t len);

/*
 * Client-supplied text (user names, details, commands, paths) made safe for
 * a terminal before a table prints it: control bytes become \n, \e, \xNN.
 * Each call keeps its copy in v until ctl_vis_free; NULL reads as dflt.
 */
struct ctl_vis {
	char *p[12];
	int n;
};
const char *ctl_vis(struct ctl_vis *v, const char *s, const char *dflt);
void ctl_vis_free(struct ctl_vis *v);
/* Multi-line client-supplied text to f, each line made safe as above, the line breaks kept. */
void ctl_put_text(FILE *f, const char *s);
void ctl_json_time(struct json *j, const char *key, int64_t t);
int ctl_run_list(struct ctl *c, int argc, char **argv, const char *usage, const char *header,
    int (*fill)(struct ctl *, struct list_ctx *));
/* The same with one option of the command's own (l->flag), and a line for an empty table. */
int ctl_run_list_flag(struct ctl *c, int argc, char **argv, const char *usage, const char *header, const char *flag,
    const char *empty, int (*fill)(struct ctl *, struct list_ctx *));

/* ctl_recording.c */
int cmd_events_verify(struct ctl *c, int argc, char **argv);
int cmd_events_export(struct ctl *c, int argc, char **argv);
int cmd_siem_status(struct ctl *c, int argc, char **argv);
int cmd_recording_verify(struct ctl *c, int argc, char **argv);
int cmd_recording_export(struct ctl *c, int argc, char **argv);
int cmd_recording_play(struct ctl *c, int argc, char **argv);
int cmd_recording_reveal(struct ctl *c, int argc, char **argv);
int cmd_escrow_keygen(struct ctl *c, int argc, char **argv);
/* ctl_tickets.c */
int cmd_tickets_list(struct ctl *c, int argc, char **argv);
/* ctl_notify.c */
int cmd_notify_status(struct ctl *c, int argc, char **argv);
/* ctl_requests.c */
int cmd_requests_list(struct ctl *c, int argc, char **argv);
int cmd_requests_approve(struct ctl *c, int argc, char **argv);
int cmd_requests_deny(struct ctl *c, int argc, char **argv);
/* ctl_review.c */
int cmd_review_list(struct ctl *c, int argc, char **argv);
int cmd_review_approve(struct ctl *c, int argc, char **argv);
int cmd_review_deny(struct ctl *c, int argc, char **argv);
/* ctl_policy.c */
int cmd_policy_check(struct ctl *c, int argc, char **argv);
/* ctl_console.c */
int cmd_console(struct ctl *c, int argc, char **argv);
int cmd_sessions_watch(struct ctl *c, int argc, char **argv);
int cmd_sessions_kill(struct ctl *c, int argc, char **argv);

/* ctl_commands.c */
int cmd_commands_list(struct ctl *c, int argc, char **argv);
int cmd_commands_search(struct ctl *c, int argc, char **argv);
int cmd_transfers_list(struct ctl *c, int argc, char **argv);

/* ctl_report.c */
int cmd_report_create(struct ctl *c, int argc, char **argv);
int cmd_report_list(struct ctl *c, int argc, char **argv);
int cmd_report_show(struct ctl *c, int argc, char **argv);
int cmd_report_search(struct ctl *c, int argc, char **argv);
int cmd_verify(struct ctl *c, int argc, char **argv);
int cmd_keys_show(struct ctl *c, int argc, char **argv);
int cmd_keys_rotate(struct ctl *c, int argc, char **argv);
/* Approval certificates (ctl_cert.c). Each returns 0, or -1 said on stderr. */
/*
 * "… deny ID --reason T [--approver NAME]": the options of a denial; over
 * SSH the approver is the admin. 0, EXIT_USAGE, or EXIT_FAIL (said).
 */
int ctl_deny_args(struct ctl *c, int argc, char **argv, long long *id, const char **reason, const char **approver,
    char *by, size_t bylen);
int ctl_read_key_file(const char *path, char *line, size_t linelen);
int ctl_cert_key_check(struct ctl *c, const char *engineer, const char *key_line, char *type, size_t typelen,
    uint8_t **blob, size_t *len);
int ctl_approval_cert(struct ctl *c, const char *engineer, const char *target, int64_t id, const char *ticket,
    int64_t valid_from, int64_t valid_until, const char *key_line, char **out);
int ctl_write_cert(const char *key_path, const char *cert_line, char *out, size_t outlen);

#endif
