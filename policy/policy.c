/* Channel policy decisions, kept apart from the relay that enforces them. */
#include "policy.h"

#include <string.h>

int
policy_env_allowed(const char *name)
{
	if (name == NULL)
		return 0;
	if (strcmp(name, "LANG") == 0)
		return 1;
	if (strncmp(name, "LC_", 3) != 0 || name[3] == '\0')
		return 0;
	for (const char *p = name + 3; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || *p == '_'))
			return 0;
	return 1;
}

const char *
policy_refusal_reason(const char *request)
{
	static const struct {
		const char *request;
		const char *reason;
	} table[] = {
		{ "direct-tcpip", "port_forwarding_refused" },
		{ "tcpip-forward", "port_forwarding_refused" },
		{ "direct-streamlocal@openssh.com", "port_forwarding_refused" },
		{ "streamlocal-forward@openssh.com", "port_forwarding_refused" },
		{ "x11-req", "x11_forwarding_refused" },
		{ "auth-agent-req@openssh.com", "agent_forwarding_refused" },
		{ "subsystem", "subsystem_refused" },
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(request, table[i].request) == 0)
			return table[i].reason;
	return "request_refused";
}

int
policy_transfers_parse(const char *s, enum transfer_policy *out)
{
	if (strcmp(s, "full") == 0)
		*out = TRANSFERS_FULL;
	else if (strcmp(s, "read-only") == 0)
		*out = TRANSFERS_READ_ONLY;
	else if (strcmp(s, "off") == 0)
		*out = TRANSFERS_OFF;
	else
		return -1;
	return 0;
}

const char *
policy_transfers_name(enum transfer_policy p)
{
	switch (p) {
	case TRANSFERS_READ_ONLY: return "read-only";
	case TRANSFERS_OFF: return "off";
	default: return "full";
	}
}

const char *
policy_transfer_refusal(enum transfer_policy p, int upload)
{
	if (p == TRANSFERS_OFF)
		return "transfers_off";
	if (p == TRANSFERS_READ_ONLY && upload)
		return "transfers_read_only";
	return NULL;
}
