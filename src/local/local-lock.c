/* mbox locking as mail programs on Linux agree on it (Debian policy 11.6):
 * an fcntl lock on the mailbox, then the dot-lock FILE.lock made with
 * O_EXCL. Both are retried until a deadline; a dot-lock older than
 * LOCAL_DOTLOCK_STALE seconds is taken as left by a program that died
 * (procmail's and mutt's rule). Removing a stale lock has the small race
 * every dot-lock user has (two programs may both judge it stale); the
 * lock's inode and mtime are checked again just before the unlink to
 * keep that window short. */
#define _GNU_SOURCE
#include "local-private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../lib/lib.h"

#define LOCK_RETRY_MS 100

/* Sleeps a retry step, never past deadline_ms. Returns 0 when the deadline
 * has passed (give up), 1 after sleeping. */
static int wait_a_little(int64_t deadline_ms)
{
	int64_t left = deadline_ms - local_now_ms();

	if (left <= 0)
		return 0;
	if (left > LOCK_RETRY_MS)
		left = LOCK_RETRY_MS;
	struct timespec pause = { left / 1000, (left % 1000) * 1000000 };
	while (nanosleep(&pause, &pause) != 0 && errno == EINTR)
		;
	return 1;
}

static int take_fcntl(int fd, const char *path, int for_write, int64_t deadline_ms, struct lib_error *err)
{
	int writable = (fcntl(fd, F_GETFL) & O_ACCMODE) != O_RDONLY;
	struct flock fl = { .l_type = (short)(writable ? F_WRLCK : F_RDLCK), .l_whence = SEEK_SET };

	if (for_write && !writable) {
		lib_error_set(err, LIB_ERR_INTERNAL, "cannot lock %s for writing: it is open read-only", path);
		return -1;
	}
	while (fcntl(fd, F_SETLK, &fl) != 0) {
		if (errno == EINTR)
			continue;
		if (errno != EACCES && errno != EAGAIN) {
			lib_error_set(err, LIB_ERR_INTERNAL, "cannot lock %s: %s", path, strerror(errno));
			return -1;
		}
		if (!wait_a_little(deadline_ms)) {
			struct flock holder = fl;
			if (fcntl(fd, F_GETLK, &holder) == 0 && holder.l_type != F_UNLCK && holder.l_pid > 0)
				lib_error_set(err, LIB_ERR_TEMPORARY,
				              "%s is locked by another program (process %d holds an fcntl lock); "
				              "try again later", path, (int)holder.l_pid);
			else
				lib_error_set(err, LIB_ERR_TEMPORARY,
				              "%s is locked by another program (an fcntl lock); try again later", path);
			return -1;
		}
	}
	return 0;
}

static void drop_fcntl(int fd)
{
	struct flock fl = { .l_type = F_UNLCK, .l_whence = SEEK_SET };

	fcntl(fd, F_SETLK, &fl);
}

/* Removes dotlock if it is still the stale file we looked at. */
static void remove_stale(const char *dotlock, const struct stat *seen)
{
	struct stat now;

	if (stat(dotlock, &now) == 0 && now.st_ino == seen->st_ino && now.st_dev == seen->st_dev &&
	    now.st_mtime == seen->st_mtime)
		unlink(dotlock);
}

static int take_dotlock(struct local_lock *lock, const char *path, int for_write, int64_t deadline_ms,
                        struct lib_error *err)
{
	char *dotlock = xasprintf("%s.lock", path);

	for (;;) {
		int fd = open(dotlock, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (fd >= 0) {
			char pid[24];
			struct stat st;
			int len = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
			if (write(fd, pid, (size_t)len) != len || fstat(fd, &st) != 0) {
				lib_error_set(err, LIB_ERR_INTERNAL, "cannot write %s: %s", dotlock, strerror(errno));
				close(fd);
				unlink(dotlock);
				free(dotlock);
				return -1;
			}
			lock->dotlock = dotlock;
			lock->dotlock_fd = fd;
			lock->dotlock_dev = st.st_dev;
			lock->dotlock_ino = st.st_ino;
			lock->touched = local_now_ms();
			return 0;
		}
		if (errno == EINTR)
			continue;
		if (errno == EEXIST) {
			struct stat st;
			if (lstat(dotlock, &st) != 0)
				continue; /* just released: try again at once */
			if (time(NULL) - st.st_mtime > LOCAL_DOTLOCK_STALE) {
				remove_stale(dotlock, &st);
				continue;
			}
			if (wait_a_little(deadline_ms))
				continue;
			lib_error_set(err, LIB_ERR_TEMPORARY, "%s is locked by another program (%s exists); try again later",
			              path, dotlock);
			free(dotlock);
			return -1;
		}
		if (!for_write && (errno == EACCES || errno == EPERM || errno == EROFS)) {
			/* A spool directory we may not write (/var/mail): reading
			 * under the fcntl lock alone is what is possible. */
			free(dotlock);
			return 0;
		}
		lib_error_set(err, LIB_ERR_INTERNAL, "cannot lock %s: cannot create %s: %s", path, dotlock,
		              strerror(errno));
		free(dotlock);
		return -1;
	}
}

int local_lock_take(struct local_lock *lock, const char *path, int fd, int for_write, int64_t deadline_ms,
                    struct lib_error *err)
{
	if (take_fcntl(fd, path, for_write, deadline_ms, err) < 0)
		return -1;
	lock->fd = fd;
	if (take_dotlock(lock, path, for_write, deadline_ms, err) < 0) {
		drop_fcntl(fd);
		lock->fd = -1;
		return -1;
	}
	return 0;
}

void local_lock_touch(struct local_lock *lock)
{
	int64_t now = local_now_ms();

	if (lock->dotlock_fd >= 0 && now - lock->touched > 60000) {
		futimens(lock->dotlock_fd, NULL);
		lock->touched = now;
	}
}

void local_lock_release(struct local_lock *lock)
{
	if (lock->dotlock) {
		struct stat st;
		if (stat(lock->dotlock, &st) == 0 && st.st_ino == lock->dotlock_ino && st.st_dev == lock->dotlock_dev)
			unlink(lock->dotlock);
		free(lock->dotlock);
		lock->dotlock = NULL;
	}
	if (lock->dotlock_fd >= 0)
		close(lock->dotlock_fd);
	lock->dotlock_fd = -1;
	if (lock->fd >= 0)
		drop_fcntl(lock->fd);
	lock->fd = -1;
}
