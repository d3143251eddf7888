#!/usr/bin/python3
"""After login, send an exec request of 300 KB (one packet over libssh's
limit). The gateway must end the connection at once, not hang.

usage: big_request.py PORT KEYFILE USER TOKEN
Prints "closed in N.Ns" or "still open after 15 s".
"""
import socket
import sys
import time

import paramiko

port, keyfile, user, token = sys.argv[1:5]
t = paramiko.Transport(socket.create_connection(("127.0.0.1", int(port)), timeout=20))
t.start_client(timeout=20)
t.auth_publickey(user, paramiko.Ed25519Key.from_private_key_file(keyfile))
t.auth_interactive(user, lambda title, inst, prompts: [token for _ in prompts])
ch = t.open_session(timeout=20)
t0 = time.time()
try:
    ch.exec_command("echo " + "x" * 300000)
except Exception:
    pass
while t.is_active() and time.time() - t0 < 15:
    time.sleep(0.05)
print("closed in %.1fs" % (time.time() - t0) if not t.is_active() else "still open after 15 s")
t.close()
