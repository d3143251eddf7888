/* The end reasons' names (endreason.h). */
#include "endreason.h"

#include <string.h>

static const char *const names[END_REASON_COUNT] = {
	[END_NONE] = "running",
	[END_CLOSED] = "closed",
	[END_ENGINEER_CLOSED] = "engineer_closed",
	[END_TARGET_CLOSED] = "target_closed",
	[END_ENGINEER_DISCONNECTED] = "engineer_disconnected",
	[END_TARGET_DISCONNECTED] = "target_disconnected",
	[END_PROTOCOL_ERROR] = "protocol_error",
	[END_REQUEST_REFUSED] = "request_refused",
	[END_INTERNAL_ERROR] = "internal_error",
	[END_RECORDING_FAILED] = "recording_failed",
	[END_KILLED] = "killed",
	[END_GATEWAY_SHUTDOWN] = "gateway_shutdown",
	[END_APPROVAL_EXPIRED] = "approval_expired",
	[END_APPROVAL_REVOKED] = "approval_revoked",
	[END_MAX_SESSION_TIME] = "max_session_time",
	[END_IDLE_TIMEOUT] = "idle_timeout",
	[END_NETWORK_CHILD_DIED] = "network_child_died",
	[END_PRIVSEP_VIOLATION] = "privsep_violation",
};

const char *
end_reason_name(enum end_reason r)
{
	return (unsigned)r < END_REASON_COUNT && names[r] ? names[r] : "unknown";
}

enum end_reason
end_reason_parse(const char *name)
{
	for (int i = 1; i < END_REASON_COUNT; i++)
		if (names[i] && strcmp(names[i], name) == 0)
			return (enum end_reason)i;
	return END_NONE;
}
