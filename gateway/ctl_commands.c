/* remgatectl commands list|search, transfers list: what the sessions did. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "ctl.h"
#include "transfers.h"
#include "util.h"

static int
print_command(const struct command_row *r, void *arg)
{
	struct list_ctx *l = arg;
	char when[32];

	util_time_iso(r->ts_us / 1000000, when, sizeof(when));
	l->rows++;
	if (!l->json) {
		struct ctl_vis v = { .n = 0 };

		if (l->arg != NULL)	/* a search: say whose */
			printf("%-16s %-10s %-10s ", r->session_id, ctl_vis(&v, r->engineer, "-"),
			    ctl_vis(&v, r->target, "-"));
		printf("%-4d %-20s %-10s %s %s\n", r->seq, when, r->kind, r->certain ? " " : "?",
		    ctl_vis(&v, r->text, ""));
		if (r->guard != NULL)	/* the command guard's judgement, under its command */
			printf("%-4s %-20s %-10s   [%s]\n", "", "", "guard", ctl_vis(&v, r->guard, ""));
		ctl_vis_free(&v);
		return 0;
	}
	json_begin_object(&l->j);
	json_key_str(&l->j, "session_id", r->session_id);
	json_key_str(&l->j, "engineer", r->engineer);
	json_key_str(&l->j, "target", r->target);
	json_key_int(&l->j, "seq", r->seq);
	json_key_str(&l->j, "time", when);
	json_key_int(&l->j, "time_us", r->ts_us);
	json_key_str(&l->j, "kind", r->kind);
	json_key_bool(&l->j, "certain", r->certain);
	json_key_str(&l->j, "text", r->text);
	if (r->guard != NULL)
		json_key_str(&l->j, "guard", r->guard);
	json_end_object(&l->j);
	return 0;
}

static const char *list_sid;
static const char *search_text;

static int
fill_list(struct ctl *c, struct list_ctx *l)
{
	return commands_list(c->st, list_sid, print_command, l);
}

static int
fill_search(struct ctl *c, struct list_ctx *l)
{
	l->arg = search_text;
	return commands_search(c->st, search_text, print_command, l);
}

/* SUBJECT [--json]: the subject first, the shared list options after. */
static int
with_subject(int argc, char **argv, const char *usage, const char **subject)
{
	if (argc < 2 || argc > 3 || argv[1][0] == '-') {
		fprintf(stderr, "usage: remgatectl %s\n", usage);
		return -1;
	}
	*subject = argv[1];
	argv[1] = argv[0];
	return 0;
}

int
cmd_commands_list(struct ctl *c, int argc, char **argv)
{
	static const char usage[] = "commands list SESSION_ID [--json]";

	if (with_subject(argc, argv, usage, &list_sid) != 0)
		return EXIT_USAGE;
	return ctl_run_list(c, argc - 1, argv + 1, usage,
	    "SEQ  TIME                 KIND       ? COMMAND   (? marks a line not tied to its prompt)\n", fill_list);
}

int
cmd_commands_search(struct ctl *c, int argc, char **argv)
{
	static const char usage[] = "commands search TEXT [--json]";

	if (with_subject(argc, argv, usage, &search_text) != 0)
		return EXIT_USAGE;
	return ctl_run_list(c, argc - 1, argv + 1, usage,
	    "SESSION          ENGINEER   TARGET     SEQ  TIME                 KIND       ? COMMAND\n", fill_search);
}

/* ---- transfers list ------------------------------------------------- */

static int
print_transfer(const struct transfer_row *t, void *arg)
{
	struct list_ctx *l = arg;
	char when[32], bytes[48] = "-";

	util_time_iso(t->ts_us / 1000000, when, sizeof(when));
	l->rows++;
	/* Which way a file went: what was written, or it was opened for writing. */
	if (t->bytes_written > 0 || (t->bytes_written == 0 && t->flags != NULL && strstr(t->flags, "write") != NULL))
		snprintf(bytes, sizeof(bytes), "%lld up", (long long)t->bytes_written);
	else if (t->bytes_read >= 0)
		snprintf(bytes, sizeof(bytes), "%lld down", (long long)t->bytes_read);
	else if (t->bytes_written == 0)
		snprintf(bytes, sizeof(bytes), "0 up");
	if (!l->json) {
		struct ctl_vis v = { .n = 0 };

		printf("%-16s %-20s %-4s %-8s %-17s %-13s %-64s %s%s%s\n", t->session_id, when, t->protocol, t->op,
		    ctl_vis(&v, t->status, "-"), bytes, ctl_vis(&v, t->sha256, "-"), ctl_vis(&v, t->path, "-"),
		    t->path2 ? " -> " : "", ctl_vis(&v, t->path2, ""));
		ctl_vis_free(&v);
		return 0;
	}
	json_begin_object(&l->j);
	json_key_int(&l->j, "id", t->id);
	json_key_str(&l->j, "session_id", t->session_id);
	json_key_str(&l->j, "engineer", t->engineer);
	json_key_str(&l->j, "target", t->target);
	json_key_str(&l->j, "time", when);
	json_key_int(&l->j, "time_us", t->ts_us);
	json_key_str(&l->j, "protocol", t->protocol);
	json_key_str(&l->j, "op", t->op);
	json_key_str(&l->j, "path", t->path);
	json_key_str(&l->j, "path2", t->path2);
	json_key_str(&l->j, "flags", t->flags);
	if (t->bytes_read >= 0)
		json_key_int(&l->j, "bytes_read", t->bytes_read);
	else
		json_key_null(&l->j, "bytes_read");
	if (t->bytes_written >= 0)
		json_key_int(&l->j, "bytes_written", t->bytes_written);
	else
		json_key_null(&l->j, "bytes_written");
	json_key_str(&l->j, "sha256", t->sha256);
	json_key_str(&l->j, "status", t->status);
	json_key_bool(&l->j, "by_gateway", t->by_gateway);
	json_key_str(&l->j, "message", t->message);
	json_end_object(&l->j);
	return 0;
}

static const char *transfers_sid;

static int
fill_transfers(struct ctl *c, struct list_ctx *l)
{
	return transfers_list(c->st, transfers_sid, print_transfer, l);
}

int
cmd_transfers_list(struct ctl *c, int argc, char **argv)
{
	static const char usage[] = "transfers list [SESSION_ID] [--json]";
	static const char header[] = "SESSION          TIME                 PROT OP       STATUS            "
	    "BYTES         SHA256                                                           PATH\n";

	transfers_sid = NULL;
	if (argc >= 2 && argv[1][0] != '-') {
		if (with_subject(argc, argv, usage, &transfers_sid) != 0)
			return EXIT_USAGE;
		argc--;
		argv++;
	}
	return ctl_run_list(c, argc, argv, usage, header, fill_transfers);
}
