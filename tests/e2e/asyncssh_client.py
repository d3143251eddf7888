"""asyncssh through the gateway: PORT KEY USER TOKEN [CERT]. With a token it
answers the keyboard-interactive prompt from a handler; with CERT it logs in
by the approval certificate alone. Prints the command's output and exit
status."""
import asyncio
import sys
import warnings

warnings.simplefilter("ignore")
import asyncssh  # noqa: E402

port, key, user, token = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
cert = sys.argv[5] if len(sys.argv) > 5 else None


class Client(asyncssh.SSHClient):
    def kbdint_auth_requested(self):
        return ""

    def kbdint_challenge_received(self, name, instructions, lang, prompts):
        return [token for _ in prompts]


async def main():
    k = asyncssh.read_private_key(key)
    keys = [(k, asyncssh.read_certificate(cert))] if cert else [k]
    conn, _ = await asyncssh.create_connection(
        Client, "127.0.0.1", int(port), username=user, client_keys=keys, known_hosts=None,
        kbdint_auth=cert is None, password_auth=False)
    async with conn:
        r = await conn.run("echo asyncssh-ok; exit 4")
        print(r.stdout.strip(), r.exit_status)


asyncio.run(asyncio.wait_for(main(), 30))
