#!/usr/bin/env python3
"""Capture real terminal byte streams for the cmdlog unit test.

Runs a shell in a pseudo-terminal, types each scenario's keystrokes with
pauses (so echoes come back between them, as with a person typing), and
writes every chunk in each direction to tests/corpus/cmdlog/NAME.stream:

    o <hex>      bytes the shell wrote (what the engineer would see)
    i <hex>      bytes typed
    expect <kind> <certain 0|1> <text>

The expect lines are what cmdlog must find. Re-run after changing a
scenario:  python3 tests/corpus/capture.py
"""
import os, pty, select, sys, time

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cmdlog")
UP, LEFT, BS, TAB = "\x1b[A", "\x1b[D", "\x7f", "\t"

SCENARIOS = {
    "bash_basic": (["bash", "--norc", "--noprofile", "-i"], [
        "echo hello\r", "ls -d /tmp\r", "\r", "true && echo 'two words'\r"],
        [("line", 1, "echo hello"), ("line", 1, "ls -d /tmp"), ("line", 1, "true && echo 'two words'")]),
    "bash_editing": (["bash", "--norc", "--noprofile", "-i"], [
        "echo helo", LEFT, LEFT, "l", "\r",
        "echo wrong", "\x15", "echo right\r",
        "echo foo bar", "\x17", "baz\r",
        "echo typo" + BS + BS + "po2\r"],
        [("line", 1, "echo hello"), ("line", 1, "echo right"), ("line", 1, "echo foo baz"),
         ("line", 1, "echo typo2")]),
    "bash_completion": (["bash", "--norc", "--noprofile", "-i"], [
        "ech", TAB, "completed\r", "ls /usr/shar", TAB, "\r"],
        [("line", 1, "echo completed"), ("line", 1, "ls /usr/share/")]),
    "bash_history": (["bash", "--norc", "--noprofile", "-i"], [
        "echo first\r", "echo second\r", UP, UP, "\r", UP, " again", "\r"],
        [("line", 1, "echo first"), ("line", 1, "echo second"), ("line", 1, "echo first"),
         ("line", 1, "echo first again")]),
    "bash_ctrl_c": (["bash", "--norc", "--noprofile", "-i"], [
        "echo abandoned", "\x03", "echo after\r"],
        [("line", 1, "echo after")]),
    "bash_password": (["bash", "--norc", "--noprofile", "-i"], [
        "read -s -p 'Password: ' pw; echo; echo got ${#pw}\r", "s3cr3t", "\r", "echo done\r"],
        [("line", 1, "read -s -p 'Password: ' pw; echo; echo got ${#pw}"), ("masked", 1, "[hidden input, 7 bytes]"),
         ("line", 1, "echo done")]),
    "sh_basic": (["sh", "-i"], [
        "echo in dash\r", "echo typox" + BS + "\r"],
        [("line", 1, "echo in dash"), ("line", 1, "echo typo")]),
    "bash_vi": (["bash", "--norc", "--noprofile", "-i"], [
        "vi /tmp/remgate-corpus.txt\r", "ihello vi", "\x1b", ":q!\r", "echo after vi\r"],
        [("fullscreen", 1, "vi /tmp/remgate-corpus.txt"), ("line", 1, "echo after vi")]),
}


def capture(name, argv, keys, expect):
    env = {"PATH": "/usr/bin:/bin", "TERM": "xterm", "HOME": "/tmp", "PS1": "demo$ ", "LANG": "C.UTF-8",
           "HISTFILE": "/dev/null"}
    pid, fd = pty.fork()
    if pid == 0:
        os.execvpe(argv[0], argv, env)
    out = []

    def drain(wait):
        end = time.time() + wait
        while time.time() < end:
            r, _, _ = select.select([fd], [], [], 0.05)
            if r:
                try:
                    data = os.read(fd, 4096)
                except OSError:
                    return
                if data:
                    out.append(("o", data))

    drain(1.0)
    for k in keys:
        os.write(fd, k.encode())
        out.append(("i", k.encode()))
        drain(0.4)
    os.write(fd, b"exit\r")
    drain(0.5)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    path = os.path.join(HERE, name + ".stream")
    with open(path, "w") as f:
        f.write("# %s: captured by tests/corpus/capture.py from %s\n" % (name, " ".join(argv)))
        # The trailing "exit" is not part of the scenario.
        for d, data in out:
            f.write("%s %s\n" % (d, data.hex()))
        for kind, certain, text in expect:
            f.write("expect %s %d %s\n" % (kind, certain, text))
    print("wrote", path)


if __name__ == "__main__":
    names = sys.argv[1:] or sorted(SCENARIOS)
    for n in names:
        capture(n, *SCENARIOS[n])
