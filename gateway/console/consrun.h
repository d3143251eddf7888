/*
 * A console request that the CLI can answer is answered by the CLI's own
 * code: a child process runs ctl_run() as that administrator (role checks,
 * `access` events and all, named "console:ADMIN"), and its stdout and
 * stderr come back. So every JSON endpoint is the CLI's --json, byte for
 * byte, and the console has no second copy of any rule.
 */
#ifndef REMGATE_CONSRUN_H
#define REMGATE_CONSRUN_H

#include "config.h"
#include "recfile.h"

#define CONSRUN_MAX_OUT (256u << 20)	/* larger answers (a huge recording's export) are refused */

struct consrun_result {
	struct recbuf out, err;
	int status;		/* the command's exit status; -1 if it could not run or was cut off */
};

/* Run argv (argv[0] the command's name) for admin. 0 (see r->status) or -1 (no fork; said in r->err). */
int consrun(const struct config *cfg, const char *admin, enum admin_role role, int argc, char **argv,
    struct consrun_result *r);
void consrun_free(struct consrun_result *r);

#endif
