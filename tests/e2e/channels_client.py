#!/usr/bin/python3
"""Several session channels on one connection, the way paramiko users open them.

usage: channels_client.py PORT KEYFILE USER TOKEN
On one authenticated transport:
  - channels one after another, each an exec with its own exit status,
    until the gateway ends the connection (max_channels_per_connection);
  - on a fresh transport, a second channel while the first still runs:
    refused, and the first goes on undisturbed; then one after it works.
Prints one line per finding; the shell test checks them.
"""
import socket
import sys

import paramiko

port, keyfile, user, token = sys.argv[1:5]
key = paramiko.Ed25519Key.from_private_key_file(keyfile)


def transport():
    t = paramiko.Transport(socket.create_connection(("127.0.0.1", int(port)), timeout=20))
    t.start_client(timeout=20)
    t.auth_publickey(user, key)
    t.auth_interactive(user, lambda title, inst, prompts: [token for _ in prompts])
    return t


def run(t, command, stdin=b""):
    ch = t.open_session(timeout=20)
    ch.settimeout(30)
    ch.exec_command(command)
    if stdin:
        ch.sendall(stdin)
    ch.shutdown_write()
    out = b""
    while True:
        d = ch.recv(65536)
        if not d:
            break
        out += d
    status = ch.recv_exit_status()
    ch.close()
    return out.decode(errors="replace").strip(), status


t = transport()
n = 0
while n < 50:
    try:
        out, status = run(t, "echo seq-%d; exit %d" % (n + 1, n + 1))
    except paramiko.ChannelException as e:
        print("sequential refused after %d: %s" % (n, e))
        break
    except paramiko.SSHException as e:
        print("sequential connection ended after %d: %s" % (n, e))
        break
    print("sequential %d: %s status %d" % (n + 1, out, status))
    n += 1
t.close()

t = transport()
first = t.open_session(timeout=20)
first.settimeout(30)
first.exec_command("read line; echo \"first got $line\"; exit 4")
try:
    t.open_session(timeout=20)
    print("concurrent second opened")
except paramiko.ChannelException as e:
    print("concurrent second refused: %s" % e)
first.sendall(b"hello\n")
out = b""
while True:
    d = first.recv(65536)
    if not d:
        break
    out += d
print("concurrent first: %s status %d" % (out.decode(errors="replace").strip(), first.recv_exit_status()))
first.close()
out, status = run(t, "echo after")
print("after the first: %s status %d" % (out, status))
t.close()
