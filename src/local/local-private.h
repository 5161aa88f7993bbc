/* local internals: the open folder's index, shared by the Maildir and
 * mbox readers and writers, and the mbox locks. */
#ifndef TERN_LOCAL_PRIVATE_H
#define TERN_LOCAL_PRIVATE_H

#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "local.h"

struct buf;

/* One Maildir file as last seen. */
struct maildir_entry {
	char *name;       /* the file name, info included; owned */
	uint32_t uid;
	unsigned in_new;  /* in new/ rather than cur/ */
	unsigned flags;   /* as the name says (with MODEL_F_RECENT in new/) */
};

/* One mbox message as last scanned. Offsets are into the file. */
struct mbox_entry {
	off_t from_off;    /* its "From " line */
	off_t header_off;  /* the header block, just after the "From " line */
	off_t header_end;  /* just past the header's last line ending (the blank line follows) */
	off_t content_end; /* just past its last line that is not blank */
	uint64_t message_id;
};

struct local_folder {
	char *path;
	enum local_kind kind;
	unsigned lock_timeout_ms;
	int loaded;
	/* Maildir: sorted by uid (which is also arrival order). */
	struct maildir_entry *files;
	size_t nfiles;
	uint32_t next_uid;
	/* mbox: msgs[uid - 1]; and the file as it was when indexed. */
	struct mbox_entry *msgs;
	size_t nmsgs;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	struct store *cache; /* borrowed; NULL: no cache */
};

/* The header cache of local folders (local-cache.c). */
struct local_cache;
/* The cached Maildir summaries of folder, or NULL. */
struct local_cache *local_cache_maildir_open(struct local_folder *folder);
/* Adds entry's summary from the cache (uid and flags as entry says): 1,
 * or 0 when it is not cached (c may be NULL). */
int local_cache_maildir_add(struct local_cache *c, const struct maildir_entry *entry, size_t unique_len,
                            struct model_mailbox *mbox);
void local_cache_maildir_save(struct local_folder *folder, const struct model_mailbox *mbox,
                              size_t (*unique_len)(const char *));
void local_cache_free(struct local_cache *c);
/* An mbox with st as cached: its summaries into mbox (empty) and its
 * index into folder; 1, else 0. */
int local_cache_mbox_restore(struct local_folder *folder, const struct stat *st, struct model_mailbox *mbox);
void local_cache_mbox_save(struct local_folder *folder, const struct model_mailbox *mbox);

int local_maildir_load(struct local_folder *folder, struct model_mailbox *mbox, struct lib_error *err);
int local_maildir_write_flags(struct local_folder *folder, uint32_t uid, unsigned flags, struct lib_error *err);
void local_maildir_entries_free(struct local_folder *folder);
int local_mbox_load(struct local_folder *folder, struct model_mailbox *mbox, struct lib_error *err);
int local_mbox_write_flags(struct local_folder *folder, uint32_t uid, unsigned flags, struct lib_error *err);
int local_mbox_message(struct local_folder *folder, uint32_t uid, struct buf *out, struct lib_error *err);
int local_mbox_expunge(struct local_folder *folder, const uint32_t *uids, size_t n, struct lib_error *err);
int local_mbox_append(const char *path, const char *message, size_t len, unsigned flags, struct lib_error *err);
int local_maildir_message(struct local_folder *folder, uint32_t uid, struct buf *out, struct lib_error *err);
int local_maildir_expunge(struct local_folder *folder, const uint32_t *uids, size_t n, struct lib_error *err);
int local_maildir_append(const char *path, const char *message, size_t len, unsigned flags, struct lib_error *err);

/* message (len bytes, CRLF or LF line ends) with LF line ends, into out;
 * with mbox set, lines starting with "From " or ">From " get one more '>'
 * (mboxrd quoting) so the message cannot end early. */
void local_message_unix(struct buf *out, const char *message, size_t len, int mbox);

/* Appends the header block of the message open on fd (from its current
 * offset: up to and including the blank line, at most LOCAL_HEADER_MAX
 * bytes) to out. Returns 0, or -1 with errno. */
int local_header_read(int fd, struct buf *out);

/* Opens a message file (a Maildir entry, an mbox) read-only or, with
 * for_write, read-write: never through a symbolic link (O_NOFOLLOW), and
 * only a regular file (a FIFO or device is not waited on: O_NONBLOCK, then
 * fstat). The fd (blocking again) with *st, or -1 with errno: ELOOP for
 * a symbolic link, EINVAL for anything else that is not a regular file. */
int local_open_message(const char *path, int for_write, struct stat *st);
/* "is a symbolic link" / "is not a regular file" / strerror, for errno
 * after local_open_message. Borrowed. */
const char *local_open_why(int errnum);

/* Milliseconds on the monotonic clock, for lock deadlines. */
int64_t local_now_ms(void);

/* The two mbox locks (local-lock.c). */
struct local_lock {
	int fd;          /* the mbox, fcntl-locked; -1 when not held */
	char *dotlock;   /* FILE.lock when we made it, else NULL */
	int dotlock_fd;
	dev_t dotlock_dev;
	ino_t dotlock_ino;
	int64_t touched; /* when the dot-lock's mtime was last refreshed */
};
#define LOCAL_LOCK_INIT { -1, NULL, -1, 0, 0, 0 }

/* Takes the fcntl lock on fd (a write lock when for_write, else a write
 * lock if fd is writable, else a read lock) and the dot-lock path.lock,
 * retrying until deadline_ms (local_now_ms). A dot-lock that cannot be
 * created for want of permission is skipped unless for_write. Returns 0,
 * or -1 with err (LIB_ERR_TEMPORARY when another program holds a lock). */
int local_lock_take(struct local_lock *lock, const char *path, int fd, int for_write, int64_t deadline_ms,
                    struct lib_error *err);
/* Keeps a dot-lock held through a long read from looking stale: refreshes
 * its mtime once a minute. */
void local_lock_touch(struct local_lock *lock);
/* Drops both; removes the dot-lock only if it is still ours. */
void local_lock_release(struct local_lock *lock);

#endif
