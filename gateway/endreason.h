/*
 * Why a session ended: one enum, one name table. The names are what the
 * store, the events and the reports show; the monitor accepts from the
 * network child only a name from this table.
 */
#ifndef REMGATE_ENDREASON_H
#define REMGATE_ENDREASON_H

enum end_reason {
	END_NONE = 0,		/* still running */
	END_CLOSED,		/* both sides closed in order */
	END_ENGINEER_CLOSED,
	END_TARGET_CLOSED,
	END_ENGINEER_DISCONNECTED,
	END_TARGET_DISCONNECTED,
	END_PROTOCOL_ERROR,
	END_REQUEST_REFUSED,
	END_INTERNAL_ERROR,
	END_RECORDING_FAILED,
	/* decided by the monitor */
	END_KILLED,
	END_GATEWAY_SHUTDOWN,
	END_APPROVAL_EXPIRED,
	END_APPROVAL_REVOKED,
	END_MAX_SESSION_TIME,
	END_IDLE_TIMEOUT,
	END_NETWORK_CHILD_DIED,
	END_PRIVSEP_VIOLATION,
	END_REASON_COUNT
};

const char *end_reason_name(enum end_reason r);
/* The reason named name, or END_NONE if there is none such. */
enum end_reason end_reason_parse(const char *name);

#endif
