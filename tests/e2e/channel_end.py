#!/usr/bin/python3
"""A client whose channel and the device's both close before the gateway acts.

usage: channel_end.py PORT KEYFILE USER TOKEN GATEWAY_LOG
Opens an exec of `head -c 60000 /dev/zero` on a 32 KiB window and reads
nothing, waits until the gateway (at log level debug) has seen the
device's CLOSE, then closes the channel itself. Prints
"closed-by-gateway" when the gateway answers with its CLOSE in time.
"""
import socket
import sys
import time

import paramiko

port, keyfile, user, token, gateway_log = sys.argv[1:6]


def closes():
    with open(gateway_log, errors="replace") as f:
        return f.read().count("event=channel_close side=device")


t = paramiko.Transport(socket.create_connection(("127.0.0.1", int(port)), timeout=20))
t.start_client(timeout=20)
t.auth_publickey(user, paramiko.Ed25519Key.from_private_key_file(keyfile))
t.auth_interactive(user, lambda title, inst, prompts: [token for _ in prompts])
before = closes()
ch = t.open_session(window_size=32768, max_packet_size=16384, timeout=20)
ch.exec_command("head -c 60000 /dev/zero")
deadline = time.time() + 30
while closes() == before and time.time() < deadline:
    time.sleep(0.05)
if closes() == before:
    print("the device never closed")
    sys.exit(1)
chanid = ch.get_id()
ch.close()
deadline = time.time() + 15
while time.time() < deadline and t.is_active() and t._channels.get(chanid) is not None:
    time.sleep(0.05)
# paramiko unlinks a channel once the peer's CLOSE has come back.
print("closed-by-gateway" if t._channels.get(chanid) is None else "no CLOSE from the gateway")
t.close()
