/* Small helpers shared by the daemon and the CLI: time, names, randomness. */
#ifndef REMGATE_UTIL_H
#define REMGATE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Format t as "2026-11-25T06:10:00Z" (UTC). */
void util_time_iso(int64_t t, char *buf, size_t buflen);

/* Parse "2026-11-25T06:10:00Z" (also without seconds, or with a space for T), as UTC. 0 or -1. */
int util_parse_time(const char *s, int64_t *out);

/* Names of engineers, admins and targets: 1..64 of [A-Za-z0-9._-]. */
int util_name_valid(const char *s);

/* Fill buf with n cryptographically random bytes. 0 or -1. */
int util_random(void *buf, size_t n);

/* Lower-case hex of n bytes into out (2n+1 bytes). */
void util_hex(const unsigned char *in, size_t n, char *out);

/* "dir/rel" unless rel is absolute; malloc'd, NULL on OOM. */
char *util_path_join(const char *dir, const char *rel);

/* mkdir -p with mode for the last component; 0 or -1 (errno set). */
int util_mkdirs(const char *path, unsigned int mode);

/*
 * Run make(path, err, errlen) if path does not exist yet; *made says
 * whether it ran. 0, or -1 with err filled (path unreachable, make failed).
 */
int util_make_if_missing(const char *path, int (*make)(const char *, char *, size_t), int *made,
    char *err, size_t errlen);

/* Is pid a running process whose command line contains name? */
int util_pid_runs(int64_t pid, const char *name);

/* strtoll of a whole decimal string within [min,max]; 0 or -1. */
int util_parse_int(const char *s, long long min, long long max, long long *out);

/*
 * Read a whole file of at most max bytes into *buf (malloc'd, NUL added
 * after len bytes). 0, or -1 with errno (EFBIG when larger than max).
 */
int util_read_file(const char *path, size_t max, char **buf, size_t *len);

/*
 * Map a regular file read-only; an empty file gives NULL and 0. nofollow:
 * refuse a symbolic link (for files from outside, such as a bundle).
 * 0, or -1 with errno (EINVAL: not a regular file).
 */
int util_map_file(const char *path, int nofollow, void **map, size_t *len);
void util_unmap_file(void *map, size_t len);

/* Create path (must not exist, mode 0644), write len bytes, fsync. 0 or -1 (errno). */
int util_write_new_file(const char *path, const void *data, size_t len);

/* Lower-case hex SHA-256 of len bytes into out (65 bytes). */
void util_sha256_hex(const void *data, size_t len, char out[65]);

#endif
