/*
 * The web console (docs/console.md): an HTTPS server for the customer's
 * administrators, in a process of its own. The daemon starts it with
 * fork and exec (`remgated --console -c FILE`), so it begins with a fresh
 * memory that never held the signing key or a device key, and it loads the
 * configuration without reading any key file. What the CLI can answer, a
 * child runs the CLI's code for (consrun.h).
 */
#ifndef REMGATE_CONSOLE_H
#define REMGATE_CONSOLE_H

#include <stddef.h>
#include <sys/types.h>

#include "config.h"

/* The console process's main: `remgated --console -c FILE`. Returns the exit status. */
int console_main(const char *config_path);
/* Start it (the daemon): fork, close every descriptor but 0-2, exec this program. The pid, or -1 (logged). */
pid_t console_start(const struct config *cfg);

#endif
