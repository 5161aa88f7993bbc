/* Local folders as the model sees them: detecting Maildir or mbox, the
 * open folder (its in-memory index), and the summary of one message made
 * from its header block. The formats live in local-maildir.c and
 * local-mbox.c. */
#define _GNU_SOURCE
#include "local-private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../lib/lib.h"
#include "../mime/mime.h"
#include "../model/model.h"

/* As many References as the IMAP side keeps (imap-sync.c). */

int64_t local_now_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static int is_dir(const char *path, const char *sub)
{
	char *full = xasprintf("%s/%s", path, sub);
	struct stat st;
	int rc = stat(full, &st) == 0 && S_ISDIR(st.st_mode);

	free(full);
	return rc;
}

int local_folder_detect(const char *path, struct lib_error *err)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		lib_error_set(err, LIB_ERR_DATA, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	struct stat link;
	if (!S_ISDIR(st.st_mode) && lstat(path, &link) == 0 && S_ISLNK(link.st_mode)) {
		/* a Maildir may be reached through a link; an mbox file is not
		 * opened through one (and rewriting it would replace the link) */
		lib_error_set(err, LIB_ERR_DATA, "cannot open %s: %s; open the file it points to", path,
		              local_open_why(ELOOP));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		if (is_dir(path, "cur") && is_dir(path, "new"))
			return LOCAL_MAILDIR;
		lib_error_set(err, LIB_ERR_DATA, "%s is a directory but not a Maildir (no cur/ and new/ in it)", path);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		lib_error_set(err, LIB_ERR_DATA, "%s is not a mailbox (neither a Maildir nor an mbox file)", path);
		return -1;
	}
	/* An mbox starts with "From "; an empty file is an empty mbox. */
	int fd = local_open_message(path, 0, &st);
	if (fd < 0) {
		lib_error_set(err, LIB_ERR_DATA, "cannot open %s: %s", path, local_open_why(errno));
		return -1;
	}
	char start[5];
	ssize_t n;
	do
		n = read(fd, start, sizeof(start));
	while (n < 0 && errno == EINTR);
	int saved = errno;
	close(fd);
	if (n < 0) {
		lib_error_set(err, LIB_ERR_DATA, "cannot read %s: %s", path, strerror(saved));
		return -1;
	}
	if (n == 0 || (n == 5 && memcmp(start, "From ", 5) == 0))
		return LOCAL_MBOX;
	lib_error_set(err, LIB_ERR_DATA, "%s is not a mailbox (an mbox starts with a \"From \" line)", path);
	return -1;
}

struct local_folder *local_folder_open(const char *path, struct lib_error *err)
{
	int kind = local_folder_detect(path, err);

	if (kind < 0)
		return NULL;
	struct local_folder *folder = xcalloc(1, sizeof(*folder));
	folder->path = xstrdup(path);
	folder->kind = (enum local_kind)kind;
	folder->lock_timeout_ms = LOCAL_LOCK_TIMEOUT_MS;
	folder->next_uid = 1;
	return folder;
}

void local_folder_close(struct local_folder *folder)
{
	if (!folder)
		return;
	local_maildir_entries_free(folder);
	free(folder->msgs);
	free(folder->path);
	free(folder);
}

enum local_kind local_folder_kind(const struct local_folder *folder)
{
	return folder->kind;
}

void local_folder_set_lock_timeout(struct local_folder *folder, unsigned ms)
{
	folder->lock_timeout_ms = ms;
}

int local_folder_load(struct local_folder *folder, struct model_mailbox *mbox, struct lib_error *err)
{
	int rc = folder->kind == LOCAL_MAILDIR ? local_maildir_load(folder, mbox, err)
	                                       : local_mbox_load(folder, mbox, err);
	if (rc == 0)
		folder->loaded = 1;
	return rc;
}

int local_folder_flags_write(struct local_folder *folder, uint32_t uid, unsigned flags, struct lib_error *err)
{
	if (!folder->loaded && local_folder_load(folder, NULL, err) < 0)
		return -1;
	return folder->kind == LOCAL_MAILDIR ? local_maildir_write_flags(folder, uid, flags, err)
	                                     : local_mbox_write_flags(folder, uid, flags, err);
}

int local_folder_message(struct local_folder *folder, uint32_t uid, struct buf *out, struct lib_error *err)
{
	if (!folder->loaded && local_folder_load(folder, NULL, err) < 0)
		return -1;
	return folder->kind == LOCAL_MAILDIR ? local_maildir_message(folder, uid, out, err)
	                                     : local_mbox_message(folder, uid, out, err);
}

int local_folder_expunge(struct local_folder *folder, const uint32_t *uids, size_t n, struct lib_error *err)
{
	if (!folder->loaded && local_folder_load(folder, NULL, err) < 0)
		return -1;
	return folder->kind == LOCAL_MAILDIR ? local_maildir_expunge(folder, uids, n, err)
	                                     : local_mbox_expunge(folder, uids, n, err);
}

int local_folder_append(const char *path, const char *message, size_t len, unsigned flags, struct lib_error *err)
{
	int kind = local_folder_detect(path, err);

	if (kind < 0)
		return -1;
	return kind == LOCAL_MAILDIR ? local_maildir_append(path, message, len, flags, err)
	                             : local_mbox_append(path, message, len, flags, err);
}

int local_folder_read(const char *path, struct model_mailbox *mbox, struct lib_error *err)
{
	struct local_folder *folder = local_folder_open(path, err);
	int rc = folder ? local_folder_load(folder, mbox, err) : -1;

	local_folder_close(folder);
	return rc;
}

int local_folder_set_flags(const char *path, uint32_t uid, unsigned flags, struct lib_error *err)
{
	struct local_folder *folder = local_folder_open(path, err);
	int rc = folder ? local_folder_flags_write(folder, uid, flags, err) : -1;

	local_folder_close(folder);
	return rc;
}

/* Where the header block ends in data (just past its blank line), or 0
 * when it does not end within len bytes; the search resumes at from. */
static size_t header_end(const char *data, size_t len, size_t from)
{
	if (from == 0 && len >= 1 && data[0] == '\n')
		return 1; /* no header at all */
	if (from == 0 && len >= 2 && data[0] == '\r' && data[1] == '\n')
		return 2;
	for (size_t i = from; i < len; i++) {
		if (data[i] != '\n')
			continue;
		if (i + 1 < len && data[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && data[i + 1] == '\r' && data[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

int local_header_read(int fd, struct buf *out)
{
	size_t start = out->len;
	size_t searched = 0;

	while (out->len - start < LOCAL_HEADER_MAX) {
		char chunk[16384];
		size_t want = LOCAL_HEADER_MAX - (out->len - start);
		ssize_t n = read(fd, chunk, want < sizeof(chunk) ? want : sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		buf_add(out, chunk, (size_t)n);
		size_t end = header_end(out->data + start, out->len - start, searched);
		if (end) {
			out->len = start + end;
			out->data[out->len] = '\0';
			break;
		}
		searched = out->len - start > 2 ? out->len - start - 2 : 0;
	}
	return 0;
}

int local_open_message(const char *path, int for_write, struct stat *st)
{
	int fd = open(path, (for_write ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return -1;
	int bad = fstat(fd, st) != 0 ? errno : !S_ISREG(st->st_mode) ? EINVAL : 0;
	if (bad) {
		close(fd);
		errno = bad;
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

const char *local_open_why(int errnum)
{
	if (errnum == ELOOP)
		return "it is a symbolic link, which tern does not follow";
	if (errnum == EINVAL)
		return "it is not a regular file";
	return strerror(errnum);
}
