#!/usr/bin/python3
"""Hand-made SSH client (paramiko) that tries to swap identities mid-login.

usage: auth_switch.py PORT KEYFILE FIRST_USER SECOND_USER TOKEN MODE
MODE none:  publickey as FIRST_USER (partial success), then a "none" request as
            SECOND_USER, then keyboard-interactive as SECOND_USER with TOKEN.
MODE probe: publickey as FIRST_USER, then an unsigned publickey probe as
            SECOND_USER, then keyboard-interactive as SECOND_USER with TOKEN.
MODE kbd:   publickey as FIRST_USER, then keyboard-interactive as SECOND_USER.
Prints one line: "refused: ..." or "session: ..." (an exec of `id -un` ran).
"""
import socket
import sys

import paramiko
from paramiko.common import cMSG_USERAUTH_REQUEST
from paramiko.message import Message

port, keyfile, first, second, token, mode = sys.argv[1:7]
key = paramiko.Ed25519Key.from_private_key_file(keyfile)
sock = socket.create_connection(("127.0.0.1", int(port)), timeout=20)
t = paramiko.Transport(sock)
t.banner_timeout = 20
t.auth_timeout = 20
t.start_client(timeout=20)


def answer(title, instructions, prompts):
    return [token for _ in prompts]


try:
    left = t.auth_publickey(first, key)
    if "keyboard-interactive" not in left:
        print("unexpected: publickey left %r" % (left,))
        sys.exit(2)
    if mode == "none":
        try:
            t.auth_none(second)
        except paramiko.BadAuthenticationType:
            pass
    elif mode == "probe":
        m = Message()
        m.add_byte(cMSG_USERAUTH_REQUEST)
        m.add_string(second)
        m.add_string("ssh-connection")
        m.add_string("publickey")
        m.add_boolean(False)
        m.add_string(key.get_name())
        m.add_string(key.asbytes())
        t._send_message(m)
    t.auth_interactive(second, answer)
    if not t.is_authenticated():
        print("refused: not authenticated")
        sys.exit(0)
    ch = t.open_session(timeout=20)
    ch.exec_command("id -un")
    out = ch.makefile("rb").read().decode(errors="replace").strip()
    print("session: ran as %s" % out)
except Exception as e:  # any way the connection ends is a refusal; the test checks the events
    print("refused: %s: %s" % (type(e).__name__, e))
finally:
    t.close()
