/* The body cache: whole messages on disk, so one read once opens again
 * offline. One file per message, DIR/ACCOUNT.bodies/FOLDER-HASH/UIDVALIDITY.UID,
 * written durably (lib_file_write_durable), so a crash never leaves half
 * a message. Reading touches the file; when the total passes
 * the cap, the least recently read go first. Disposable like the header
 * cache: every error just means "not cached". */
#define _GNU_SOURCE
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/lib.h"

struct store_bodies {
	char *dir;
	uint64_t max_bytes;
	uint64_t total; /* bytes in the cache, counted at open and kept since */
};

/* FNV-1a of the folder name: file names stay short and safe. */
static char *message_path(const struct store_bodies *bodies, const char *folder, uint32_t uidvalidity, uint32_t uid)
{
	uint64_t hash = 1469598103934665603ULL;
	for (const unsigned char *p = (const unsigned char *)folder; *p; p++)
		hash = (hash ^ *p) * 1099511628211ULL;
	return xasprintf("%s/%016llx/%u.%u", bodies->dir, (unsigned long long)hash, uidvalidity, uid);
}

struct entry {
	char *path;
	off_t size;
	struct timespec used;
};

static int older(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	if (x->used.tv_sec != y->used.tv_sec)
		return x->used.tv_sec < y->used.tv_sec ? -1 : 1;
	return (x->used.tv_nsec > y->used.tv_nsec) - (x->used.tv_nsec < y->used.tv_nsec);
}

/* Every cached message, for counting and pruning. */
static struct entry *scan(const char *dir, size_t *count, uint64_t *total)
{
	struct entry *entries = NULL;
	DIR *top = opendir(dir);
	struct dirent *d;

	*count = 0;
	*total = 0;
	if (!top)
		return NULL;
	while ((d = readdir(top))) {
		if (d->d_name[0] == '.')
			continue;
		char *sub = xasprintf("%s/%s", dir, d->d_name);
		DIR *folder = opendir(sub);
		struct dirent *f;
		while (folder && (f = readdir(folder))) {
			struct stat st;
			if (f->d_name[0] == '.' || strstr(f->d_name, ".tmp"))
				continue;
			char *path = xasprintf("%s/%s", sub, f->d_name);
			if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
				entries = xrealloc(entries, (*count + 1) * sizeof(*entries));
				entries[*count] = (struct entry){ path, st.st_size, st.st_mtim };
				*total += (uint64_t)st.st_size;
				(*count)++;
			} else {
				free(path);
			}
		}
		if (folder)
			closedir(folder);
		free(sub);
	}
	closedir(top);
	return entries;
}

static void prune(struct store_bodies *bodies)
{
	size_t count;
	struct entry *entries = scan(bodies->dir, &count, &bodies->total);

	qsort(entries, count, sizeof(*entries), older);
	for (size_t i = 0; i < count && bodies->total > bodies->max_bytes; i++) {
		if (unlink(entries[i].path) == 0)
			bodies->total -= (uint64_t)entries[i].size;
	}
	for (size_t i = 0; i < count; i++)
		free(entries[i].path);
	free(entries);
}

struct store_bodies *store_bodies_open(const char *cache_dir, const char *account, uint64_t max_bytes)
{
	struct store_bodies *bodies = xcalloc(1, sizeof(*bodies));
	char *header_path = store_path_make(cache_dir, account);
	char *dot = strrchr(header_path, '.');

	if (dot)
		*dot = '\0';
	bodies->dir = xasprintf("%s.bodies", header_path);
	free(header_path);
	bodies->max_bytes = max_bytes;
	lib_mkdirs(bodies->dir, 0700);
	size_t count;
	struct entry *entries = scan(bodies->dir, &count, &bodies->total);
	for (size_t i = 0; i < count; i++)
		free(entries[i].path);
	free(entries);
	if (bodies->total > max_bytes)
		prune(bodies);
	return bodies;
}

void store_bodies_close(struct store_bodies *bodies)
{
	if (!bodies)
		return;
	free(bodies->dir);
	free(bodies);
}

int store_body_get(struct store_bodies *bodies, const char *folder, uint32_t uidvalidity, uint32_t uid,
                   struct buf *out)
{
	char *path = message_path(bodies, folder, uidvalidity, uid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char chunk[65536];
	ssize_t n;

	if (fd < 0) {
		free(path);
		return 0;
	}
	size_t start = out->len;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		buf_add(out, chunk, (size_t)n);
	close(fd);
	if (n < 0) {
		out->len = start;
		free(path);
		return 0;
	}
	utimensat(AT_FDCWD, path, NULL, 0); /* recently read: pruned last */
	free(path);
	return 1;
}

int store_body_put(struct store_bodies *bodies, const char *folder, uint32_t uidvalidity, uint32_t uid,
                   const char *data, size_t len)
{
	if (bodies->max_bytes == 0 || len > bodies->max_bytes)
		return 0;
	char *path = message_path(bodies, folder, uidvalidity, uid);
	char *dir = lib_path_dirname(path);

	lib_mkdirs(dir, 0700);
	int rc = lib_file_write_durable(path, data, len, 0600, NULL);
	if (rc == 0) {
		bodies->total += len;
		if (bodies->total > bodies->max_bytes)
			prune(bodies);
	}
	free(dir);
	free(path);
	return rc;
}
