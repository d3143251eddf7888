/*
 * Command reconstruction over real terminal byte streams captured from
 * bash and dash (tests/corpus/capture.py): line editing, completion,
 * history, ^C, password prompts, vi. Each .stream file says what to expect.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdlog.h"
#include "tap.h"

#define MAX_ENTRIES 32

struct found {
	int n;
	char kind[MAX_ENTRIES][16];
	int certain[MAX_ENTRIES];
	char text[MAX_ENTRIES][512];
	char guard[MAX_ENTRIES][128];
	char masked_bytes[4096];	/* every input byte withheld, in order */
	size_t nmasked;
	char clear_bytes[65536];	/* every input byte let through */
	size_t nclear;
};

static void
on_entry(void *arg, const struct cmd_entry *e)
{
	struct found *f = arg;

	if (f->n >= MAX_ENTRIES)
		return;
	snprintf(f->kind[f->n], sizeof(f->kind[0]), "%s", cmdlog_kind_name(e->kind));
	f->certain[f->n] = e->certain;
	snprintf(f->text[f->n], sizeof(f->text[0]), "%s", e->text);
	snprintf(f->guard[f->n], sizeof(f->guard[0]), "%s", e->guard ? e->guard : "");
	f->n++;
}

static void
on_segment(void *arg, int masked, int ends, const uint8_t *data, size_t len)
{
	struct found *f = arg;

	(void)ends;
	if (masked && f->nmasked + len < sizeof(f->masked_bytes)) {
		memcpy(f->masked_bytes + f->nmasked, data, len);
		f->nmasked += len;
	} else if (!masked && f->nclear + len < sizeof(f->clear_bytes)) {
		memcpy(f->clear_bytes + f->nclear, data, len);
		f->nclear += len;
	}
}

static size_t
unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;
	unsigned v;

	while (n < max && sscanf(s + 2 * n, "%2x", &v) == 1) {
		out[n++] = (uint8_t)v;
		if (s[2 * n] == '\0' || s[2 * n] == '\n')
			break;
	}
	return n;
}

static void
run_stream(const char *dir, const char *name)
{
	char path[1024], line[140000];
	static uint8_t bytes[70000];
	struct found *f = calloc(1, sizeof(*f));
	struct cmdlog_hooks hooks = { .arg = f, .entry = on_entry };
	struct cmdlog *c = cmdlog_new(&hooks);
	FILE *in;
	int expected = 0;
	uint64_t t = 1000000;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((in = fopen(path, "r")) == NULL || c == NULL || f == NULL) {
		ok(0, "%s: cannot open", name);
		return;
	}
	/* First pass: feed everything. */
	while (fgets(line, sizeof(line), in) != NULL) {
		size_t n;

		t += 100000;
		if (line[0] == 'o' && line[1] == ' ') {
			n = unhex(line + 2, bytes, sizeof(bytes));
			cmdlog_output(c, bytes, n, t);
		} else if (line[0] == 'i' && line[1] == ' ') {
			n = unhex(line + 2, bytes, sizeof(bytes));
			cmdlog_input(c, bytes, n, t, on_segment, f);
		}
		cmdlog_tick(c, t);
	}
	cmdlog_finish(c, t);
	/* Second pass: compare with the expect lines, in order. */
	rewind(in);
	while (fgets(line, sizeof(line), in) != NULL) {
		char kind[16], text[512];
		int certain, pos = 0;

		if (strncmp(line, "expect ", 7) != 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line + 7, "%15s %d %n", kind, &certain, &pos) < 2) {
			ok(0, "%s: bad expect line '%s'", name, line);
			continue;
		}
		snprintf(text, sizeof(text), "%s", line + 7 + pos);
		if (expected >= f->n) {
			ok(0, "%s: expected %s '%s', found nothing more", name, kind, text);
			expected++;
			continue;
		}
		is_str(f->text[expected], text, "%s: command %d text", name, expected);
		is_str(f->kind[expected], kind, "%s: command %d kind", name, expected);
		is_int(f->certain[expected], certain, "%s: command %d certainty", name, expected);
		expected++;
	}
	is_int(f->n, expected, "%s: no commands beyond the expected ones", name);
	if (strcmp(name, "bash_password.stream") == 0) {
		ok(f->nmasked == 7 && memcmp(f->masked_bytes, "s3cr3t\r", 7) == 0,
		    "%s: exactly the password and its Enter are withheld", name);
		f->clear_bytes[f->nclear] = '\0';
		ok(strstr(f->clear_bytes, "s3cr3t") == NULL, "%s: the password is in no clear input", name);
	} else {
		is_int(f->nmasked, 0, "%s: nothing withheld", name);
	}
	fclose(in);
	cmdlog_free(c);
	free(f);
}

/* Hand-made cases the captures do not cover. */
static void
synthetic(void)
{
	struct found *f = calloc(1, sizeof(*f));
	struct cmdlog_hooks hooks = { .arg = f, .entry = on_entry };
	struct cmdlog *c = cmdlog_new(&hooks);
	const char *prompt = "host$ ";

	/* A pasted line whose echo arrives after the Enter. */
	cmdlog_output(c, (const uint8_t *)prompt, strlen(prompt), 1);
	cmdlog_input(c, (const uint8_t *)"uname -a\r", 9, 2, on_segment, f);
	cmdlog_output(c, (const uint8_t *)"uname -a\r\nLinux\r\nhost$ ", 23, 3);
	cmdlog_tick(c, 3 + 2000000);
	is_int(f->n, 1, "a pasted line is one command");
	is_str(f->text[0], "uname -a", "taken from its echo");

	/* The editor redraws on another row: not tied to the prompt. */
	cmdlog_input(c, (const uint8_t *)"x", 1, 4000000, on_segment, f);
	cmdlog_output(c, (const uint8_t *)"x\x1b[Ayz", 7, 4000001);
	cmdlog_input(c, (const uint8_t *)"\r", 1, 4000002, on_segment, f);
	cmdlog_output(c, (const uint8_t *)"\r\n", 2, 4000003);
	cmdlog_finish(c, 5000000);
	is_int(f->n, 2, "a multi-row edit still gives a command");
	is_int(f->certain[1], 0, "marked uncertain");
	cmdlog_free(c);
	free(f);
}

/* What the command guard asks of the model: the line before Enter, and the judgement on the entry. */
static void
for_the_guard(void)
{
	struct found *f = calloc(1, sizeof(*f));
	struct cmdlog_hooks hooks = { .arg = f, .entry = on_entry };
	struct cmdlog *c = cmdlog_new(&hooks);
	char line[256];

	cmdlog_output(c, (const uint8_t *)"host$ ", 6, 1);
	ok(cmdlog_judged_here(c), "at a shell prompt an Enter submits a command");
	cmdlog_input(c, (const uint8_t *)"sudo reb", 8, 2, on_segment, f);
	cmdlog_output(c, (const uint8_t *)"sudo reb", 8, 3);
	is_int(cmdlog_current_command(c, line, sizeof(line)), 1, "the prompt is known");
	is_str(line, "sudo reb", "the command as the line shows it, prompt removed");
	cmdlog_set_guard(c, "review 3 reboot: approved by wang (phone)");
	cmdlog_input(c, (const uint8_t *)"\r", 1, 4, on_segment, f);
	ok(cmdlog_enter_pending(c), "Enter sent, echo not seen");
	cmdlog_output(c, (const uint8_t *)"\r\nhost$ ", 8, 5);
	ok(!cmdlog_enter_pending(c), "the echo came");
	cmdlog_refused(c, "touch /x", 1, 6, "refused forbidden: deny");
	is_int(f->n, 2, "the judged line and the refused one are listed");
	is_str(f->guard[0], "review 3 reboot: approved by wang (phone)", "the judgement rides on its line's entry");
	is_str(f->text[1], "touch /x", "a refused line is listed");
	is_str(f->guard[1], "refused forbidden: deny", "with why");
	/* Typed ahead: the tty echoed it before the prompt, readline again after. */
	cmdlog_output(c, (const uint8_t *)"\r\nhost$ ", 8, 7);
	cmdlog_input(c, (const uint8_t *)"echo p3", 7, 8, on_segment, f);
	cmdlog_output(c, (const uint8_t *)"\r\necho p3host$ echo p3", 22, 9);
	is_int(cmdlog_current_command(c, line, sizeof(line)), 0, "a line typed ahead of its prompt is unclear");
	cmdlog_set_typed(c, "echo p3");
	cmdlog_input(c, (const uint8_t *)"\r", 1, 10, on_segment, f);
	cmdlog_output(c, (const uint8_t *)"\r\nhost$ ", 8, 11);
	cmdlog_set_typed(c, "uname");
	cmdlog_input(c, (const uint8_t *)"w", 1, 12, on_segment, f);
	cmdlog_output(c, (const uint8_t *)"x\x1b[Aw", 5, 12);
	cmdlog_input(c, (const uint8_t *)"\r", 1, 13, on_segment, f);
	cmdlog_output(c, (const uint8_t *)"\r\nhost$ ", 8, 13);
	cmdlog_finish(c, 14);
	is_int(f->n, 4, "both lines are listed");
	is_str(f->text[2], "echo p3", "the unclear line as the guard saw it typed");
	is_int(f->certain[2], 1, "exactly what the device got, the screen ending with it: certain");
	is_int(f->certain[3], 0, "a typed text the screen does not end with is not used");
	f->n = 0;
	cmdlog_output(c, (const uint8_t *)"\r\n[sudo] password for al: ", 26, 15);
	ok(!cmdlog_judged_here(c), "at a password prompt nothing is judged");
	cmdlog_output(c, (const uint8_t *)"\r\n\x1b[?1049h", 10, 8);
	ok(!cmdlog_judged_here(c), "nor in a full-screen program");
	cmdlog_free(c);
	free(f);
}

/* A prompt hides input only when a password word stands whole in it. */
static void
prompt_words(void)
{
	static const struct { const char *prompt; int hides; } cases[] = {
		{ "Password: ", 1 },
		{ "[sudo] password for maint: ", 1 },
		{ "pin: ", 1 },
		{ "Enter PIN: ", 1 },
		{ "Enter passphrase for key '/root/.ssh/id': ", 1 },
		{ "shipping: ", 0 },
		{ "spinner: ", 0 },
		{ "passwords_file: ", 0 },
		{ "host$ ", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct found *f = calloc(1, sizeof(*f));
		struct cmdlog_hooks hooks = { .arg = f, .entry = on_entry };
		struct cmdlog *c = cmdlog_new(&hooks);

		cmdlog_output(c, (const uint8_t *)cases[i].prompt, strlen(cases[i].prompt), 1);
		cmdlog_input(c, (const uint8_t *)"abc\r", 4, 2, on_segment, f);
		is_int(f->nmasked > 0, cases[i].hides, "'%s' %s", cases[i].prompt, cases[i].hides ? "hides input" : "does not hide input");
		cmdlog_free(c);
		free(f);
	}
}

int
main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "tests/corpus/cmdlog";
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort), streams = 0;

	if (n < 0) {
		printf("Bail out! cannot read %s\n", dir);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		size_t len = strlen(names[i]->d_name);
		if (len > 7 && strcmp(names[i]->d_name + len - 7, ".stream") == 0) {
			run_stream(dir, names[i]->d_name);
			streams++;
		}
		free(names[i]);
	}
	free(names);
	ok(streams >= 8, "the corpus has %d captured streams", streams);
	synthetic();
	prompt_words();
	for_the_guard();
	{
		size_t len = 0;

		ok(cmdlog_masked_len("[hidden input, 42 bytes]", &len) == 0 && len == 42, "a masked entry's length reads back");
		ok(cmdlog_masked_len("echo hidden", &len) != 0, "other text is not a masked entry");
		ok(!cmdlog_masked_unusual(CMDLOG_MASKED_UNUSUAL_BYTES, CMDLOG_MASKED_UNUSUAL_COUNT), "at the limits: usual");
		ok(cmdlog_masked_unusual(CMDLOG_MASKED_UNUSUAL_BYTES + 1, 1), "one long entry: unusual");
		ok(cmdlog_masked_unusual(1, CMDLOG_MASKED_UNUSUAL_COUNT + 1), "many entries: unusual");
	}
	return done();
}
