/* The SSH algorithm sets (algorithms.h). */
#include "algorithms.h"

#include <stdio.h>

int
algorithms_bind(ssh_bind b, const char *macs)
{
	if (macs == NULL)
		macs = ALGO_MACS;
	if (ssh_bind_options_set(b, SSH_BIND_OPTIONS_KEY_EXCHANGE, ALGO_KEX) != SSH_OK ||
	    ssh_bind_options_set(b, SSH_BIND_OPTIONS_CIPHERS_C_S, ALGO_CIPHERS) != SSH_OK ||
	    ssh_bind_options_set(b, SSH_BIND_OPTIONS_CIPHERS_S_C, ALGO_CIPHERS) != SSH_OK ||
	    ssh_bind_options_set(b, SSH_BIND_OPTIONS_HMAC_C_S, macs) != SSH_OK ||
	    ssh_bind_options_set(b, SSH_BIND_OPTIONS_HMAC_S_C, macs) != SSH_OK ||
	    ssh_bind_options_set(b, SSH_BIND_OPTIONS_HOSTKEY_ALGORITHMS, "ssh-ed25519") != SSH_OK ||
	    ssh_bind_options_set(b, SSH_BIND_OPTIONS_BANNER, ALGO_SERVER_BANNER) != SSH_OK)
		return -1;
	return 0;
}

int
algorithms_client(ssh_session s, const char *kex, const char *ciphers, const char *macs, const char *hostkeys,
    char *err, size_t errlen)
{
	const struct {
		enum ssh_options_e opt;
		const char *value, *name;
	} set[] = {
		{ SSH_OPTIONS_KEY_EXCHANGE, kex ? kex : ALGO_KEX, "kex" },
		{ SSH_OPTIONS_CIPHERS_C_S, ciphers ? ciphers : ALGO_CIPHERS, "ciphers" },
		{ SSH_OPTIONS_CIPHERS_S_C, ciphers ? ciphers : ALGO_CIPHERS, "ciphers" },
		{ SSH_OPTIONS_HMAC_C_S, macs ? macs : ALGO_MACS, "macs" },
		{ SSH_OPTIONS_HMAC_S_C, macs ? macs : ALGO_MACS, "macs" },
		{ SSH_OPTIONS_HOSTKEYS, hostkeys ? hostkeys : ALGO_DEVICE_HOSTKEYS, "host_key_algorithms" },
		{ SSH_OPTIONS_COMPRESSION, "no", "compression" },
	};

	for (size_t i = 0; i < sizeof(set) / sizeof(set[0]); i++) {
		if (ssh_options_set(s, set[i].opt, set[i].value) != SSH_OK) {
			snprintf(err, errlen, "'%s': this libssh supports none of \"%s\"", set[i].name, set[i].value);
			return -1;
		}
	}
	return 0;
}
