/*
 * The gateway's state directory: created 0700 on first use, with the host
 * key and every target's vaulted identity generated there if missing, so
 * a fresh machine runs from config.example.yaml with nothing set up.
 */
#ifndef REMGATE_STATE_H
#define REMGATE_STATE_H

#include <stddef.h>

#include "config.h"

/*
 * Make state_dir and the key files. report(path, what) is called for each
 * key generated (may be NULL). 0, or -1 with err filled.
 */
int state_prepare(const struct config *cfg, void (*report)(const char *path, const char *what),
    char *err, size_t errlen);

/* StrictModes for state_dir: ours, not group/world-writable, parent safe. 0 or -1 with err. */
int state_check_modes(const char *dir, char *err, size_t errlen);

#endif
