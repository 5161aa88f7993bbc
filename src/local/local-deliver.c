/* Writing messages into a Maildir the durable way: tmp/ first, fsync,
 * then into new/ with RENAME_NOREPLACE and an fsync of new/, so a crash
 * leaves either nothing in new/ or the whole message. Unique names follow
 * the Maildir specification: SECONDS.MmicrosPpidQcount.HOST. */
#define _GNU_SOURCE
#include "local-private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "../lib/lib.h"
#include "../model/model.h"

struct local_delivery {
	int fd;
	char *tmp_path; /* maildir/tmp/NAME */
	char *new_path; /* maildir/new/NAME */
	char *new_dir;  /* maildir/new */
	const char *name; /* points into tmp_path */
};

/* fsync of a directory, so that an entry created or renamed in it
 * survives a crash. */
static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	int saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

/* mkdir -p with mode 0700; each directory made here is synced into its
 * parent. */
static int make_dirs(const char *path, char **err)
{
	struct stat st;

	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return 0;
		*err = xasprintf("cannot use %s as a Maildir: it is not a directory", path);
		return -1;
	}
	if (errno != ENOENT) {
		*err = xasprintf("cannot use %s as a Maildir: %s", path, strerror(errno));
		return -1;
	}
	char *parent = lib_path_dirname(path);
	int rc = strcmp(parent, path) == 0 ? 0 : make_dirs(parent, err);
	if (rc == 0 && mkdir(path, 0700) != 0 && errno != EEXIST) {
		*err = xasprintf("cannot create %s: %s", path, strerror(errno));
		rc = -1;
	} else if (rc == 0 && sync_dir(parent) != 0) {
		*err = xasprintf("cannot sync %s: %s", parent, strerror(errno));
		rc = -1;
	}
	free(parent);
	return rc;
}

int local_maildir_make(const char *path, char **err)
{
	static const char *const subs[] = { "cur", "new", "tmp" };

	if (make_dirs(path, err) < 0)
		return -1;
	for (size_t i = 0; i < LIB_ARRAY_LEN(subs); i++) {
		char *sub = xasprintf("%s/%s", path, subs[i]);
		int rc = make_dirs(sub, err);
		free(sub);
		if (rc < 0)
			return -1;
	}
	return 0;
}

void local_maildir_clean_tmp(const char *path)
{
	char *tmp = xasprintf("%s/tmp", path);
	DIR *dir = opendir(tmp);
	time_t limit = time(NULL) - 36 * 3600;
	struct dirent *entry;

	while (dir && (entry = readdir(dir)) != NULL) {
		struct stat st;
		if (entry->d_name[0] == '.')
			continue;
		if (fstatat(dirfd(dir), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
		    st.st_mtime < limit && st.st_atime < limit)
			unlinkat(dirfd(dir), entry->d_name, 0);
	}
	if (dir)
		closedir(dir);
	free(tmp);
}

/* The host part of a unique name: '/' and ':' would break the name, so
 * they are written \057 and \072 as the specification says. */
static void host_part(struct buf *out)
{
	char host[256] = "localhost";

	if (gethostname(host, sizeof(host) - 1) != 0 || !host[0])
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	for (const char *p = host; *p; p++) {
		if (*p == '/')
			buf_addstr(out, "\\057");
		else if (*p == ':')
			buf_addstr(out, "\\072");
		else if ((unsigned char)*p > 0x20 && (unsigned char)*p < 0x7f)
			buf_addch(out, *p);
	}
}

struct local_delivery *local_delivery_begin(const char *maildir, char **err)
{
	static _Atomic unsigned counter; /* account workers deliver at once */
	struct local_delivery *d = xcalloc(1, sizeof(*d));
	struct buf name = BUF_INIT;

	for (int attempt = 0; attempt < 100; attempt++) {
		struct timeval now;
		gettimeofday(&now, NULL);
		buf_reset(&name);
		buf_addf(&name, "%lld.M%06ldP%dQ%u.", (long long)now.tv_sec, (long)now.tv_usec, (int)getpid(),
		         atomic_fetch_add(&counter, 1) + 1);
		host_part(&name);
		free(d->tmp_path);
		d->tmp_path = xasprintf("%s/tmp/%s", maildir, name.data);
		d->fd = open(d->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (d->fd >= 0 || errno != EEXIST)
			break;
	}
	if (d->fd < 0) {
		*err = xasprintf("cannot create %s: %s", d->tmp_path, strerror(errno));
		free(d->tmp_path);
		free(d);
		buf_free(&name);
		return NULL;
	}
	d->new_dir = xasprintf("%s/new", maildir);
	d->new_path = xasprintf("%s/%s", d->new_dir, name.data);
	d->name = strrchr(d->tmp_path, '/') + 1;
	buf_free(&name);
	return d;
}

const char *local_delivery_name(const struct local_delivery *d)
{
	return d->name;
}

int local_delivery_write(struct local_delivery *d, const void *data, size_t len, char **err)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(d->fd, (const char *)data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*err = xasprintf("cannot write %s: %s", d->tmp_path, strerror(n < 0 ? errno : EIO));
			return -1;
		}
		done += (size_t)n;
	}
	return 0;
}

static void delivery_free(struct local_delivery *d)
{
	if (d->fd >= 0)
		close(d->fd);
	free(d->tmp_path);
	free(d->new_path);
	free(d->new_dir);
	free(d);
}

void local_delivery_abort(struct local_delivery *d)
{
	if (!d)
		return;
	unlink(d->tmp_path);
	delivery_free(d);
}

/* Moves from into to unless to exists. RENAME_NOREPLACE where the file
 * system has it; elsewhere a plain rename, safe because names are
 * unique (time, pid, counter, host). */
static int move_noreplace(const char *from, const char *to)
{
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
		return -1;
	return rename(from, to);
}

int local_delivery_commit(struct local_delivery *d, char **err)
{
	int rc = -1;

	if (fsync(d->fd) != 0) {
		*err = xasprintf("cannot sync %s: %s", d->tmp_path, strerror(errno));
		goto done;
	}
	int fd = d->fd;
	d->fd = -1;
	if (close(fd) != 0) {
		*err = xasprintf("cannot write %s: %s", d->tmp_path, strerror(errno));
		goto done;
	}
	if (move_noreplace(d->tmp_path, d->new_path) != 0) {
		*err = xasprintf("cannot move %s into %s: %s", d->tmp_path, d->new_dir, strerror(errno));
		goto done;
	}
	if (sync_dir(d->new_dir) != 0) {
		/* The message is complete in new/, but not known to survive a
		 * crash: report it so that nothing is deleted on its strength. */
		*err = xasprintf("cannot sync %s: %s", d->new_dir, strerror(errno));
		delivery_free(d);
		return -1;
	}
	rc = 0;
done:
	if (rc < 0)
		unlink(d->tmp_path);
	delivery_free(d);
	return rc;
}

void local_message_unix(struct buf *out, const char *message, size_t len, int mbox)
{
	for (size_t at = 0; at < len;) {
		const char *nl = memchr(message + at, '\n', len - at);
		size_t end = nl ? (size_t)(nl - message) : len, cut = end;
		if (cut > at && message[cut - 1] == '\r')
			cut--;
		if (mbox) {
			size_t q = at;
			while (q < cut && message[q] == '>')
				q++;
			if (cut - q >= 5 && memcmp(message + q, "From ", 5) == 0)
				buf_addch(out, '>');
		}
		buf_add(out, message + at, cut - at);
		buf_addch(out, '\n');
		at = end + 1;
	}
}

/* Delivered into new/ as any message, then, when it carries flags, moved
 * to cur/ under its name with the flags (a rename: atomic). */
int local_maildir_append(const char *path, const char *message, size_t len, unsigned flags, struct lib_error *err)
{
	char *why = NULL;
	struct buf text = BUF_INIT;
	struct local_delivery *d = local_delivery_begin(path, &why);

	local_message_unix(&text, message, len, 0);
	char *name = d ? xstrdup(local_delivery_name(d)) : NULL;
	int rc = d ? local_delivery_write(d, text.data ? text.data : "", text.len, &why) : -1;
	if (rc < 0)
		local_delivery_abort(d);
	else
		rc = local_delivery_commit(d, &why);
	buf_free(&text);
	if (rc == 0 && (flags & ~MODEL_F_RECENT)) {
		char info[9];
		local_maildir_flags_format(flags, info);
		char *from = xasprintf("%s/new/%s", path, name);
		char *to = xasprintf("%s/cur/%s%s", path, name, info);
		char *cur = xasprintf("%s/cur", path);
		if (rename(from, to) == 0)
			sync_dir(cur); /* the message is durable either way; this keeps its flags */
		free(from);
		free(to);
		free(cur);
	}
	free(name);
	if (rc < 0) {
		lib_error_set(err, LIB_ERR_INTERNAL, "%s", why ? why : "cannot deliver");
		free(why);
	}
	return rc;
}
