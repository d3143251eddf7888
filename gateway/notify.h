/*
 * Notifications (issue 13, docs/notify.md): events of the kinds a notify:
 * destination names go, one JSON object on stdin each, to its command
 * (sendmail -t, curl to a chat webhook, a script). The events table is the
 * outbox: each destination has a cursor in the store that moves only after
 * its command succeeded, so delivery is at least once, in order per
 * destination, retried with backoff, and resumes after a kill -9. The
 * daemon runs one background process for this and the fault clocks
 * (tickets.h), and starts it again if it dies.
 */
#ifndef REMGATE_NOTIFY_H
#define REMGATE_NOTIFY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "config.h"

struct audit_event;

#define NOTIFY_TIMEOUT_SECONDS 30	/* a command running longer is killed: a failed try */
#define NOTIFY_BACKOFF_MAX 300		/* seconds between tries at most */

/* Does destination d take events of this kind? */
int notify_wants(const struct notify_dest *d, const char *kind);

/* The event as the command reads it on stdin: one JSON object and a newline. */
void notify_event_json(FILE *f, const struct config *cfg, const struct audit_event *ev);

/* The wait before try number attempts + 1 (seconds): 1, 2, 4 ... NOTIFY_BACKOFF_MAX. */
int64_t notify_backoff(int attempts);

/*
 * Fork the daemon's background process: notifications and the fault
 * clocks (tickets.h). Its pid, or -1.
 */
pid_t notify_start(const struct config *cfg, const int *close_fds, size_t nclose);

#endif
