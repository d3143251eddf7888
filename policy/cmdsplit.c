/* The command guard's reader of a shell line (cmdsplit.h). */
#include "cmdsplit.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* A word as the shell would see it after quote removal, and how it was built. */
struct word {
	char *s;
	size_t len, cap;
	int dynamic;	/* holds an unquoted $VAR, ${...} or a substitution */
	int glob;	/* holds an unquoted * ? or [ */
	int quoted;	/* some of it was quoted */
};

struct parser {
	const char *p, *end;
	struct cmd_split *out;
	struct word *words;	/* the current simple command */
	size_t nwords, capwords;
	struct word cur;
	int in_word;
	int after_pipe;		/* the current command reads a pipe */
	int next_after_pipe;
	int failed;		/* out of memory */
	int depth;
};

static void
unparsed(struct parser *ps, const char *why)
{
	if (ps->out->unparsed == NULL)
		ps->out->unparsed = why;
}

static void
put(struct parser *ps, char c)
{
	struct word *w = &ps->cur;

	if (w->len + 2 > w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 32;
		char *n = realloc(w->s, cap);

		if (n == NULL) {
			ps->failed = 1;
			return;
		}
		w->s = n;
		w->cap = cap;
	}
	w->s[w->len++] = c;
	w->s[w->len] = '\0';
	ps->in_word = 1;
}

static void
puts_(struct parser *ps, const char *s)
{
	while (*s)
		put(ps, *s++);
}

static void
end_word(struct parser *ps)
{
	if (!ps->in_word)
		return;
	if (ps->nwords == ps->capwords) {
		size_t cap = ps->capwords ? ps->capwords * 2 : 8;
		struct word *n = realloc(ps->words, cap * sizeof(*n));

		if (n == NULL) {
			ps->failed = 1;
			free(ps->cur.s);
			memset(&ps->cur, 0, sizeof(ps->cur));
			ps->in_word = 0;
			return;
		}
		ps->words = n;
		ps->capwords = cap;
	}
	if (ps->cur.s == NULL)
		puts_(ps, "");
	ps->words[ps->nwords++] = ps->cur;
	memset(&ps->cur, 0, sizeof(ps->cur));
	ps->in_word = 0;
}

static int
is_name(const char *w, const char *const *names)
{
	for (; *names; names++)
		if (strcmp(w, *names) == 0)
			return 1;
	return 0;
}

/* NAME=value with a valid name. */
static int
is_assignment(const struct word *w)
{
	const char *s = w->s;

	if (!(isalpha((unsigned char)*s) || *s == '_'))
		return 0;
	while (isalnum((unsigned char)*s) || *s == '_')
		s++;
	return *s == '=' || (*s == '+' && s[1] == '=');
}

/* Skip a wrapper's options; with_arg lists those that take a value. Returns the index after them. */
static size_t
skip_options(struct word *w, size_t i, size_t n, const char *with_arg)
{
	while (i < n && w[i].s[0] == '-' && w[i].s[1] != '\0') {
		if (strcmp(w[i].s, "--") == 0)
			return i + 1;
		/* -u root, or -uroot; --user=root, or --user root */
		if (w[i].s[1] != '-' && w[i].s[2] == '\0' && strchr(with_arg, w[i].s[1]) != NULL)
			i += 2;
		else if (w[i].s[1] == '-' && strchr(w[i].s, '=') == NULL && strstr(with_arg, "LONG") != NULL)
			i += 2;	/* a long option without '=' takes the next word (sudo --user root) */
		else
			i++;
	}
	return i < n ? i : n;
}

static const char *const shells[] = { "sh", "bash", "dash", "zsh", "ksh", "ash", "mksh", "yash", "fish", "csh", "tcsh", NULL };
static const char *const interpreters[] = { "python", "python2", "python3", "perl", "ruby", "php", "node", "lua", "awk", "gawk", "mawk", NULL };
static const char *const keywords[] = { "if", "then", "else", "elif", "do", "while", "until", "!", "{", "}", "fi", "done", "esac", NULL };

/* Close the current simple command: strip what only wraps the program, judge what cannot be judged. */
static void
end_command(struct parser *ps)
{
	struct word *w;
	size_t i = 0, n;

	end_word(ps);
	w = ps->words;
	n = ps->nwords;
	for (;;) {
		while (i < n && (is_assignment(&w[i]) || is_name(w[i].s, keywords) || strcmp(w[i].s, "time") == 0))
			i++;
		if (i >= n)
			break;
		const char *p = w[i].s;

		if (strcmp(p, "sudo") == 0 || strcmp(p, "doas") == 0)
			i = skip_options(w, i + 1, n, "ughpCDrtUTLONG");
		else if (strcmp(p, "env") == 0) {
			for (size_t k = i + 1; k < n; k++)
				if (strcmp(w[k].s, "-S") == 0 || strncmp(w[k].s, "--split-string", 14) == 0)
					unparsed(ps, "env -S splits a string into a command");
			i = skip_options(w, i + 1, n, "uCS");
		} else if (strcmp(p, "nohup") == 0 || strcmp(p, "command") == 0 || strcmp(p, "builtin") == 0)
			i = skip_options(w, i + 1, n, "");
		else if (strcmp(p, "exec") == 0)
			i = skip_options(w, i + 1, n, "a");
		else if (strcmp(p, "nice") == 0 || strcmp(p, "renice") == 0)
			i = skip_options(w, i + 1, n, "n");
		else if (strcmp(p, "ionice") == 0)
			i = skip_options(w, i + 1, n, "cnp");
		else if (strcmp(p, "stdbuf") == 0)
			i = skip_options(w, i + 1, n, "ioe");
		else if (strcmp(p, "timeout") == 0) {
			i = skip_options(w, i + 1, n, "sk");
			if (i < n)
				i++;	/* the duration */
		} else if (strcmp(p, "chroot") == 0) {
			i = skip_options(w, i + 1, n, "");
			if (i < n)
				i++;	/* the new root */
		} else if (strcmp(p, "xargs") == 0)
			i = skip_options(w, i + 1, n, "nILPdsaEe");
		else if (strcmp(p, "busybox") == 0)
			i++;
		else
			break;
	}
	/* "for NAME in WORDS" and "select ...": a loop's header names no program; its body is read as usual. */
	if (i < n && (strcmp(w[i].s, "for") == 0 || strcmp(w[i].s, "select") == 0))
		i = n;
	if (i < n) {
		struct simple_cmd *c;
		const char *base;
		size_t len = 0;

		if (w[i].dynamic)
			unparsed(ps, "a program named by a variable or a substitution");
		else if (w[i].glob && strcmp(w[i].s, "[") != 0 && strcmp(w[i].s, "[[") != 0)
			unparsed(ps, "a program named by a pattern");	/* [ and [[ are the test builtins */
		base = strrchr(w[i].s, '/');
		base = base && base[1] ? base + 1 : w[i].s;
		if (strcmp(base, "eval") == 0)
			unparsed(ps, "eval");
		else if (strcmp(base, "source") == 0 || strcmp(base, ".") == 0)
			unparsed(ps, "a script read with source or '.'");
		else if (strcmp(base, "case") == 0 || strcmp(base, "function") == 0 || strcmp(base, "coproc") == 0)
			unparsed(ps, "a compound command (case, function, coproc)");
		else if (is_name(base, shells) || is_name(base, interpreters)) {
			int given = 0, files = 0;

			for (size_t k = i + 1; k < n; k++) {
				const char *a = w[k].s;

				if (a[0] == '-' && a[1] != '-' && (strchr(a, 'c') || strchr(a, 'e') || strchr(a, 'E')))
					given = 1;
				else if (a[0] != '-')
					files = 1;
			}
			if (given)
				unparsed(ps, "a shell or interpreter given a script on its command line (sh -c)");
			else if (files && is_name(base, shells))
				unparsed(ps, "a shell running a script file");
			else if (ps->after_pipe)
				unparsed(ps, "a shell or interpreter reading its script from a pipe");
		}
		if (ps->out->n == CMDSPLIT_MAX_CMDS) {
			unparsed(ps, "too many commands in one line");
		} else if ((c = &ps->out->cmds[ps->out->n]) != NULL && (c->program = strdup(base)) != NULL) {
			for (size_t k = i + 1; k < n; k++)
				len += w[k].len + 1;
			if ((c->args = malloc(len + 1)) != NULL) {
				c->args[0] = '\0';
				for (size_t k = i + 1, o = 0; k < n; k++) {
					memcpy(c->args + o, w[k].s, w[k].len);
					o += w[k].len;
					c->args[o++] = k + 1 < n ? ' ' : '\0';
					c->args[o] = '\0';
				}
				ps->out->n++;
			} else {
				free(c->program);
				ps->failed = 1;
			}
		} else {
			ps->failed = 1;
		}
	}
	for (size_t k = 0; k < n; k++)
		free(w[k].s);
	ps->nwords = 0;
	ps->after_pipe = ps->next_after_pipe;
	ps->next_after_pipe = 0;
}

static void parse_until(struct parser *ps, char close);

/* $( ... ) or ` ... `: the commands inside are commands of their own; the word keeps a mark. */
static void
substitution(struct parser *ps, char close)
{
	struct word saved = ps->cur;
	struct word *words = ps->words;
	size_t nwords = ps->nwords, capwords = ps->capwords;
	int in_word = ps->in_word, after = ps->after_pipe, next = ps->next_after_pipe;

	if (++ps->depth > 32) {
		unparsed(ps, "substitutions nested too deep");
		ps->p = ps->end;
		return;
	}
	memset(&ps->cur, 0, sizeof(ps->cur));
	ps->words = NULL;
	ps->nwords = ps->capwords = 0;
	ps->in_word = 0;
	ps->after_pipe = ps->next_after_pipe = 0;
	parse_until(ps, close);
	end_command(ps);
	free(ps->words);
	free(ps->cur.s);
	ps->cur = saved;
	ps->words = words;
	ps->nwords = nwords;
	ps->capwords = capwords;
	ps->in_word = in_word;
	ps->after_pipe = after;
	ps->next_after_pipe = next;
	ps->depth--;
	puts_(ps, "$(...)");
	ps->cur.dynamic = 1;
}

/* Inside double quotes: backslash escapes $ ` " \ and newline; substitutions still run. */
static void
double_quoted(struct parser *ps)
{
	ps->cur.quoted = 1;
	put(ps, '\0');
	ps->cur.len--;	/* an empty "" is still a word */
	while (ps->p < ps->end) {
		char c = *ps->p++;

		if (c == '"')
			return;
		if (c == '\\' && ps->p < ps->end && strchr("$`\"\\\n", *ps->p)) {
			if (*ps->p != '\n')
				put(ps, *ps->p);
			ps->p++;
		} else if (c == '$' && ps->p < ps->end && *ps->p == '(') {
			ps->p++;
			substitution(ps, ')');
		} else if (c == '`') {
			substitution(ps, '`');
		} else {
			if (c == '$' && ps->p < ps->end && (isalpha((unsigned char)*ps->p) || strchr("_{@*#?$!0123456789", *ps->p)))
				ps->cur.dynamic = 1;
			put(ps, c);
		}
	}
	unparsed(ps, "an unbalanced double quote");
}

/* A redirection: the fd number before it and the file after it are not arguments. */
static void
redirect(struct parser *ps)
{
	if (ps->in_word && ps->cur.len > 0 && strspn(ps->cur.s, "0123456789") == ps->cur.len && !ps->cur.quoted) {
		free(ps->cur.s);
		memset(&ps->cur, 0, sizeof(ps->cur));
		ps->in_word = 0;
	}
	end_word(ps);
	while (ps->p < ps->end && strchr("<>&|", *ps->p))
		ps->p++;
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t'))
		ps->p++;
	/* the target word is read and dropped */
	{
		size_t before = ps->nwords;

		while (ps->p < ps->end && !strchr(" \t\n;&|()<>", *ps->p)) {
			char d = *ps->p++;

			if (d == '\\' && ps->p < ps->end)
				put(ps, *ps->p++);
			else if (d == '\'' || d == '"') {
				const char *q = memchr(ps->p, d, (size_t)(ps->end - ps->p));
				if (q == NULL) {
					unparsed(ps, "an unbalanced quote");
					q = ps->end;
				}
				while (ps->p < q)
					put(ps, *ps->p++);
				if (ps->p < ps->end)
					ps->p++;
			} else {
				put(ps, d);
			}
		}
		end_word(ps);
		while (ps->nwords > before)
			free(ps->words[--ps->nwords].s);
	}
}

static void
parse_until(struct parser *ps, char close)
{
	while (ps->p < ps->end && !ps->failed) {
		char c = *ps->p++;
		char n = ps->p < ps->end ? *ps->p : '\0';

		if (close != '\0' && c == close) {
			return;
		} else if (c == '\\') {
			if (ps->p < ps->end) {
				if (*ps->p != '\n')
					put(ps, *ps->p);
				ps->p++;
				ps->cur.quoted = 1;
			}
		} else if (c == '\'') {
			const char *q = memchr(ps->p, '\'', (size_t)(ps->end - ps->p));

			ps->cur.quoted = 1;
			put(ps, '\0');
			ps->cur.len--;
			if (q == NULL) {
				unparsed(ps, "an unbalanced single quote");
				q = ps->end;
			}
			while (ps->p < q)
				put(ps, *ps->p++);
			if (ps->p < ps->end)
				ps->p++;
		} else if (c == '"') {
			double_quoted(ps);
		} else if (c == '`') {
			substitution(ps, '`');
		} else if (c == '$' && n == '(' && ps->p + 1 < ps->end && ps->p[1] == '(') {
			/* $(( arithmetic )): no command inside */
			int depth = 0;

			while (ps->p < ps->end) {
				char d = *ps->p++;

				depth += d == '(' ? 1 : d == ')' ? -1 : 0;
				if (depth == 0)
					break;
			}
			puts_(ps, "$((...))");
			ps->cur.dynamic = 1;
		} else if (c == '$' && n == '(') {
			ps->p++;
			substitution(ps, ')');
		} else if (c == '$' && (isalpha((unsigned char)n) || (n && strchr("_{@*#?$!0123456789", n)))) {
			ps->cur.dynamic = 1;
			put(ps, c);
		} else if ((c == '<' || c == '>') && n == '(') {
			/* <( ... ) and >( ... ): commands of their own, like $( ... ) */
			ps->p++;
			substitution(ps, ')');
		} else if (c == '<' && n == '<' && !(ps->p + 1 < ps->end && ps->p[1] == '<')) {
			unparsed(ps, "a here-document");
			ps->p = ps->end;
		} else if (c == '<' || c == '>' || (c == '&' && n == '>')) {
			redirect(ps);
		} else if (c == '#' && !ps->in_word) {
			while (ps->p < ps->end && *ps->p != '\n')
				ps->p++;
		} else if (c == ' ' || c == '\t') {
			end_word(ps);
		} else if (c == '\n' || c == ';' || c == '&' || c == '|') {
			if (c == '|' && n != '|')
				ps->next_after_pipe = 1;
			if ((c == '&' || c == '|') && (n == c || (c == '|' && n == '&') || (c == '&' && n == '>')))
				ps->p++;
			end_command(ps);
		} else if (c == '(') {
			end_word(ps);
			if (ps->nwords > 0)
				unparsed(ps, "a function definition or an array");
			end_command(ps);
			parse_until(ps, ')');
			end_command(ps);
		} else if (c == ')') {
			unparsed(ps, "an unbalanced parenthesis");
			end_command(ps);
		} else {
			if (!ps->cur.quoted && strchr("*?[", c))
				ps->cur.glob = 1;
			put(ps, c);
		}
	}
	if (close != '\0' && !ps->failed)
		unparsed(ps, close == ')' ? "an unbalanced parenthesis" : "an unbalanced backtick");
}

int
cmdsplit(const char *line, size_t len, struct cmd_split *out)
{
	struct parser ps;

	memset(out, 0, sizeof(*out));
	if (len > CMDSPLIT_MAX_LINE) {
		out->unparsed = "a line longer than the guard reads";
		return 0;
	}
	if ((out->cmds = calloc(CMDSPLIT_MAX_CMDS, sizeof(*out->cmds))) == NULL)
		return -1;
	memset(&ps, 0, sizeof(ps));
	ps.p = line;
	ps.end = line + len;
	ps.out = out;
	if (memchr(line, '\0', len) != NULL)
		unparsed(&ps, "a NUL byte in the line");
	parse_until(&ps, '\0');
	end_command(&ps);
	free(ps.words);
	free(ps.cur.s);
	if (ps.failed) {
		cmdsplit_free(out);
		return -1;
	}
	return 0;
}

void
cmdsplit_free(struct cmd_split *s)
{
	if (s == NULL || s->cmds == NULL)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->cmds[i].program);
		free(s->cmds[i].args);
	}
	free(s->cmds);
	memset(s, 0, sizeof(*s));
}
