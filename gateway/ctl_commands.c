/* remgatectl commands list|search: the command lists the sessions recorded. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "ctl.h"
#include "util.h"

static int
print_command(const struct command_row *r, void *arg)
{
	struct list_ctx *l = arg;
	char when[32];

	util_time_iso(r->ts_us / 1000000, when, sizeof(when));
	l->rows++;
	if (!l->json) {
		if (l->arg != NULL)	/* a search: say whose */
			printf("%-16s %-10s %-10s ", r->session_id, r->engineer, r->target);
		printf("%-4d %-20s %-10s %s %s\n", r->seq, when, r->kind, r->certain ? " " : "?", r->text);
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
