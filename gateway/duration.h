/*
 * Durations as operators write them: "90s", "30m", "4h", "2d", "1w",
 * or sums such as "1h30m". Used by the config and by approval windows.
 */
#ifndef REMGATE_DURATION_H
#define REMGATE_DURATION_H

#include <stddef.h>
#include <stdint.h>

/* Longest duration accepted anywhere: one year. */
#define DURATION_MAX_SECONDS (366LL * 24 * 3600)

/* Parse s into seconds (> 0). Returns 0, or -1 with *err set to a reason. */
int duration_parse(const char *s, int64_t *seconds, const char **err);

/* Format seconds compactly ("1h30m", "45s", "0s") into buf. */
void duration_format(int64_t seconds, char *buf, size_t buflen);

#endif
