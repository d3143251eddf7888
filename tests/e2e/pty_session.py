#!/usr/bin/env python3
"""Drive the real ssh client through a real pseudo-terminal, like a person.

usage: pty_session.py WORK PORT USER KEY CAPTURE STEP...

Each STEP is "send:TEXT" (\\r, \\x1b etc. are unescaped), "wait:TEXT"
(until it has been received since the last send, 15 s at most),
"sleep:SECONDS", "winsize:ROWSxCOLS", "shell:COMMAND" (run beside the
session, e.g. an administrator's decision; it must succeed) or "hangup"
(ssh is killed, as a dropped connection). Every byte ssh writes to the terminal is saved to
CAPTURE. Exits with ssh's exit status, or 90 on a timeout. The terminal
starts at $PTY_SIZE (ROWSxCOLS, default 24x80).
"""
import codecs, fcntl, os, pty, select, struct, sys, termios, time

work, port, user, key, capture = sys.argv[1:6]
steps = sys.argv[6:]


def winsize(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


pid, fd = pty.fork()
if pid == 0:
    rows, cols = os.environ.get("PTY_SIZE", "24x80").split("x")
    winsize(sys.stdout.fileno(), int(rows), int(cols))
    os.environ.update(SSH_ASKPASS=work + "/askpass", SSH_ASKPASS_REQUIRE="force",
                      ASKPASS_LOG=work + "/askpass.log", TERM="xterm")
    os.execvp("ssh", ["ssh", "-F", "/dev/null", "-p", port, "-i", key, "-o", "IdentitiesOnly=yes",
                      "-o", "UserKnownHostsFile=" + work + "/known_hosts", "-o", "StrictHostKeyChecking=accept-new",
                      "-o", "LogLevel=ERROR", "-t", user + "@127.0.0.1"])

got = bytearray()
mark = 0    # waits look only at what came after the last send


def pump(timeout):
    r, _, _ = select.select([fd], [], [], timeout)
    if not r:
        return True
    try:
        data = os.read(fd, 65536)
    except OSError:
        return False
    if not data:
        return False
    got.extend(data)
    return True


for step in steps:
    kind, _, arg = step.partition(":")
    if kind == "send":
        mark = len(got)
        os.write(fd, codecs.decode(arg, "unicode_escape").encode("latin-1"))
    elif kind == "wait":
        want = codecs.decode(arg, "unicode_escape").encode("latin-1")
        end = time.time() + 15
        while want not in got[mark:]:
            if time.time() > end or not pump(0.2) and want not in got[mark:]:
                sys.stderr.write("timed out waiting for %r; last output %r\n" % (want, bytes(got[-300:])))
                open(capture, "wb").write(got)
                os.kill(pid, 9)
                sys.exit(90)
    elif kind == "sleep":
        end = time.time() + float(arg)
        while time.time() < end:
            pump(0.05)
    elif kind == "shell":
        import subprocess
        while select.select([fd], [], [], 0)[0] and pump(0):
            pass
        r = subprocess.run(["bash", "-c", arg])
        if r.returncode != 0:
            sys.stderr.write("shell step failed (%d): %s\n" % (r.returncode, arg))
            open(capture, "wb").write(got)
            os.kill(pid, 9)
            sys.exit(91)
    elif kind == "hangup":
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        open(capture, "wb").write(got)
        sys.exit(0)
    elif kind == "winsize":
        rows, cols = arg.split("x")
        winsize(fd, int(rows), int(cols))

# Read until ssh exits.
end = time.time() + 20
while time.time() < end and pump(0.2):
    pass
_, status = os.waitpid(pid, 0)
open(capture, "wb").write(got)
sys.exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
