#include "constar.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BLOCK 512

struct entry {
	char name[100];		/* prefix/file, as the header holds it */
	uint64_t size;
	int64_t mtime;
};

struct constar {
	int dirfd;
	struct entry *e;
	size_t n;
	uint64_t total;
	/* where the reader is */
	size_t cur;
	uint64_t cur_start;	/* archive offset of the current entry's header */
	int fd;			/* the current entry's file */
};

static uint64_t
padded(uint64_t n)
{
	return (n + BLOCK - 1) / BLOCK * BLOCK;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

struct constar *
constar_open(const char *dir, const char *prefix, char *err, size_t errlen)
{
	struct constar *t = calloc(1, sizeof(*t));
	DIR *d = NULL;
	struct dirent *de;
	int fd;

	if (t == NULL) {
		snprintf(err, errlen, "no memory");
		return NULL;
	}
	t->fd = -1;
	if ((t->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || (fd = dup(t->dirfd)) < 0 ||
	    (d = fdopendir(fd)) == NULL) {
		snprintf(err, errlen, "the bundle %s cannot be read: %s", dir, strerror(errno));
		if (t->dirfd >= 0)
			close(t->dirfd);
		free(t);
		return NULL;
	}
	while ((de = readdir(d)) != NULL) {
		struct stat sb;
		struct entry *grown;

		if (de->d_name[0] == '.' || fstatat(t->dirfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(sb.st_mode))
			continue;	/* a bundle holds regular files only */
		if ((grown = realloc(t->e, (t->n + 1) * sizeof(*t->e))) == NULL)
			goto fail;
		t->e = grown;
		if ((size_t)snprintf(t->e[t->n].name, sizeof(t->e[t->n].name), "%s/%s", prefix, de->d_name) >=
		    sizeof(t->e[t->n].name))
			continue;	/* not a name a bundle makes */
		t->e[t->n].size = (uint64_t)sb.st_size;
		t->e[t->n].mtime = (int64_t)sb.st_mtime;
		t->n++;
	}
	closedir(d);
	qsort(t->e, t->n, sizeof(*t->e), by_name);
	for (size_t i = 0; i < t->n; i++)
		t->total += BLOCK + padded(t->e[i].size);
	t->total += 2 * BLOCK;	/* the end: two zero blocks */
	return t;
fail:
	snprintf(err, errlen, "no memory");
	closedir(d);
	constar_close(t);
	return NULL;
}

uint64_t
constar_size(const struct constar *t)
{
	return t->total;
}

static void
octal(char *field, size_t width, uint64_t v)
{
	/* width-1 digits and a NUL, as ustar wants */
	field[width - 1] = '\0';
	for (size_t i = width - 1; i-- > 0;) {
		field[i] = (char)('0' + (v & 7));
		v >>= 3;
	}
}

static void
header(const struct entry *e, char h[BLOCK])
{
	unsigned sum = 0;

	memset(h, 0, BLOCK);
	memcpy(h, e->name, strnlen(e->name, 100));
	octal(h + 100, 8, 0644);
	octal(h + 108, 8, 0);
	octal(h + 116, 8, 0);
	octal(h + 124, 12, e->size);
	octal(h + 136, 12, e->mtime > 0 ? (uint64_t)e->mtime : 0);
	memset(h + 148, ' ', 8);
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memcpy(h + 265, "root", 4);
	memcpy(h + 297, "root", 4);
	for (int i = 0; i < BLOCK; i++)
		sum += (unsigned char)h[i];
	octal(h + 148, 7, sum);
	h[155] = ' ';
}

ssize_t
constar_read(struct constar *t, uint64_t pos, char *buf, size_t max)
{
	size_t done = 0;

	while (done < max && pos < t->total) {
		struct entry *e;
		uint64_t in, data_end, entry_end;

		if (t->cur >= t->n) {	/* the two zero blocks */
			size_t n = (size_t)(t->total - pos < max - done ? t->total - pos : max - done);

			memset(buf + done, 0, n);
			done += n;
			pos += n;
			continue;
		}
		e = &t->e[t->cur];
		in = pos - t->cur_start;
		data_end = BLOCK + e->size;
		entry_end = BLOCK + padded(e->size);
		if (in < BLOCK) {
			char h[BLOCK];
			size_t n = (size_t)(BLOCK - in < max - done ? BLOCK - in : max - done);

			header(e, h);
			memcpy(buf + done, h + in, n);
			done += n;
			pos += n;
		} else if (in < data_end) {
			size_t want = (size_t)(data_end - in < max - done ? data_end - in : max - done);
			ssize_t got;

			if (t->fd < 0 && (t->fd = openat(t->dirfd, e->name + strcspn(e->name, "/") + 1,
			    O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
				return -1;
			if ((got = pread(t->fd, buf + done, want, (off_t)(in - BLOCK))) <= 0)
				return -1;	/* shorter than when listed: the file changed */
			done += (size_t)got;
			pos += (uint64_t)got;
		} else if (in < entry_end) {
			size_t n = (size_t)(entry_end - in < max - done ? entry_end - in : max - done);

			memset(buf + done, 0, n);
			done += n;
			pos += n;
		}
		if (pos - t->cur_start >= entry_end) {
			if (t->fd >= 0)
				close(t->fd);
			t->fd = -1;
			t->cur_start += entry_end;
			t->cur++;
		}
	}
	return (ssize_t)done;
}

void
constar_close(struct constar *t)
{
	if (t == NULL)
		return;
	if (t->fd >= 0)
		close(t->fd);
	if (t->dirfd >= 0)
		close(t->dirfd);
	free(t->e);
	free(t);
}
