/* Recordings rendered for people and players; file is the whole .rgrec. */
#ifndef REMGATE_RECEXPORT_H
#define REMGATE_RECEXPORT_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* asciicast v2 for asciinema. 0, or -1 (not a recording, or out of memory). */
int recexport_asciicast(const uint8_t *file, size_t len, FILE *out);
/* The command log: each command with its time and what the device echoed. 0 or -1. */
int recexport_text(const uint8_t *file, size_t len, FILE *out);
/* Is it a file transfer session (sftp, scp), whose data is protocol bytes rather than a terminal? */
int recexport_is_transfer(const uint8_t *file, size_t len);
#endif
