/* Durable file writes (DESIGN.md, durability rules): the bytes go to a
 * temporary name in the same directory, are fsynced, renamed over the
 * final name, and the directory is fsynced, so after a crash the file is
 * either the old one or the whole new one, never half. */
#define _GNU_SOURCE
#include "lib.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int lib_file_write_durable(const char *path, const void *data, size_t len, mode_t mode, char **err)
{
	char *tmp = xasprintf("%s.%d.tmp", path, (int)getpid());
	char *dir = lib_path_dirname(path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	int saved = 0;
	size_t done = 0;

	if (fd < 0) {
		saved = errno;
		goto fail;
	}
	while (done < len) {
		ssize_t n = write(fd, (const char *)data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			saved = n < 0 ? errno : EIO;
			break;
		}
		done += (size_t)n;
	}
	if (!saved && (fchmod(fd, mode) != 0 || fsync(fd) != 0))
		saved = errno;
	if (close(fd) != 0 && !saved)
		saved = errno;
	if (!saved && rename(tmp, path) != 0)
		saved = errno;
	if (saved) {
		unlink(tmp);
		goto fail;
	}
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd >= 0) {
		fsync(dirfd); /* the rename itself is durable too */
		close(dirfd);
	}
	free(tmp);
	free(dir);
	return 0;
fail:
	if (err)
		*err = xasprintf("cannot write %s: %s", path, strerror(saved ? saved : EIO));
	free(tmp);
	free(dir);
	return -1;
}
