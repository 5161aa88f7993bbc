/* local: Maildir and mbox folders on this machine, read and written as
 * folders of the model; POP3 downloads land here too. No UI. */
#ifndef TERN_LOCAL_H
#define TERN_LOCAL_H

#include <stddef.h>
#include <stdint.h>

/* Maildir file names carry flags after ":2," as sorted letters
 * (D draft, F flagged, R replied, S seen, T trashed). Returns the
 * model flags of a file name; unknown letters are ignored. */
unsigned local_maildir_flags_parse(const char *filename);
/* Writes ":2," and the letters of flags, sorted, into out. */
void local_maildir_flags_format(unsigned flags, char out[9]);

/* ---- delivery into a Maildir (local-deliver.c) ----
 * A message is written to tmp/ under a unique name, fsynced, moved into
 * new/ without replacing anything, and new/ is fsynced: once
 * local_delivery_commit returns 0 the message survives a crash, and until
 * then nothing of it is in new/ (DESIGN.md, durability rules).
 *     struct local_delivery *d = local_delivery_begin(dir, &err);
 *     local_delivery_write(d, bytes, len, &err);   ... as often as needed
 *     local_delivery_commit(d, &err);              (or local_delivery_abort)
 * Errors are one line naming the file and the cause, in *err (caller
 * frees). */

/* Makes path a Maildir: path with cur, new and tmp inside (mode 0700),
 * missing parents included; every directory it creates is made durable
 * in its parent. An existing Maildir is left as it is. Returns 0 or -1. */
int local_maildir_make(const char *path, char **err);

/* Removes files in path/tmp older than 36 hours: leftovers of deliveries
 * that were interrupted (the Maildir specification's rule). */
void local_maildir_clean_tmp(const char *path);

struct local_delivery;

/* Opens a new file in maildir/tmp. NULL with *err set. */
struct local_delivery *local_delivery_begin(const char *maildir, char **err);
/* Appends len bytes. Returns 0 or -1 (then abort the delivery). */
int local_delivery_write(struct local_delivery *d, const void *data, size_t len, char **err);
/* fsyncs the file, moves it into new/ and fsyncs new/. Frees d either
 * way; on failure the temporary file is removed. Returns 0 or -1. */
int local_delivery_commit(struct local_delivery *d, char **err);
/* Removes the temporary file and frees d. NULL is fine. */
void local_delivery_abort(struct local_delivery *d);
/* The message's file name (the same in tmp/ and new/); borrowed, valid
 * until commit or abort. */
const char *local_delivery_name(const struct local_delivery *d);

/* ---- local folders: Maildir and mbox read as a model mailbox
 * (local-folder.c, local-maildir.c, local-mbox.c, local-lock.c) ----
 *
 * A Maildir is a directory with cur/ and new/ (tmp/ is only needed to
 * deliver); an mbox is a regular file of messages, each starting with a
 * "From " line (empty: an empty mbox). Summaries come in arrival order:
 * Maildir by the time part of the file name, then the rest of the unique
 * name (numbers compared as numbers); mbox in file order.
 *
 * uids: a fresh open numbers the messages 1..n in that order. While a
 * folder stays open the numbers hold: in a Maildir a known file keeps its
 * uid across reloads (found by its unique name, whatever its flags) and
 * new files get numbers after the highest; in an mbox the uid is the
 * position, so messages appended keep the numbers of the others, and a
 * file rewritten by another program is renumbered from 1 (the reload
 * clears the mailbox first).
 *
 * Flags: Maildir from the info part ":2,DFRST" (local_maildir_flags_parse),
 * plus MODEL_F_RECENT for files in new/. mbox as mutt writes them: Status
 * R seen, O old (no O: recent), r answered; X-Status A answered, F
 * flagged, D deleted, T draft.
 *
 * Dates: the Date field, else the "From " line's date (mbox), else the
 * file's mtime. Only the header block is read (at most
 * LOCAL_HEADER_MAX bytes of it); an mbox is streamed, never held whole.
 *
 * An mbox is locked while it is read or written: an fcntl lock on the
 * file (a write lock when it may be written, else a read lock) and the
 * dot-lock FILE.lock (created with O_EXCL; one older than
 * LOCAL_DOTLOCK_STALE seconds is taken as left over and removed). When
 * the directory does not let us create FILE.lock (as /var/mail on Debian),
 * reading goes ahead under the fcntl lock alone; writing is refused.
 * Both are waited for up to the lock timeout (LOCAL_LOCK_TIMEOUT_MS by
 * default), then the error names the file and who holds it.
 *
 * Errors: -1 with err set; err->cls is LIB_ERR_DATA when the path is
 * missing, unreadable or not a folder (or the message is gone),
 * LIB_ERR_TEMPORARY when the mbox is locked or changed under us (try
 * again), LIB_ERR_INTERNAL for a failed read or write. The text is one
 * line naming the file.
 *
 *     struct model_mailbox *mbox = model_mailbox_new();
 *     struct lib_error err = { 0 };
 *     if (local_folder_read("/home/ana/Maildir", mbox, &err) < 0)
 *             fprintf(stderr, "tern: %s\n", err.text);
 */
struct model_mailbox;
struct lib_error;

#define LOCAL_HEADER_MAX (256 * 1024)
#define LOCAL_LOCK_TIMEOUT_MS 5000
#define LOCAL_DOTLOCK_STALE 300

enum local_kind {
	LOCAL_MAILDIR = 1,
	LOCAL_MBOX,
};

/* What path is: LOCAL_MAILDIR, LOCAL_MBOX, or -1 with err. */
int local_folder_detect(const char *path, struct lib_error *err);

/* One-shot forms: open, load (or write), close. local_folder_read adds
 * the folder's summaries to mbox (which it does not clear). For
 * local_folder_set_flags, uid is as local_folder_read numbers the folder
 * as it is now. */
int local_folder_read(const char *path, struct model_mailbox *mbox, struct lib_error *err);
int local_folder_set_flags(const char *path, uint32_t uid, unsigned flags, struct lib_error *err);

/* An open folder: its kind and, per uid, where the message is (Maildir:
 * its file name; mbox: the offsets of its header). It is the in-memory
 * index that makes a reload cheap: a Maildir reload opens only files it
 * has not seen, an unchanged mbox (same inode, size and mtime) is not
 * read again. One thread at a time. The caller owns the result;
 * local_folder_close(NULL) is a no-op. */
struct local_folder;
struct local_folder *local_folder_open(const char *path, struct lib_error *err);
void local_folder_close(struct local_folder *folder);
enum local_kind local_folder_kind(const struct local_folder *folder);
/* The lock timeout for this folder, in milliseconds (0: try once). */
void local_folder_set_lock_timeout(struct local_folder *folder, unsigned ms);

/* Keeps the folder's summaries in store (borrowed; NULL: none), so that
 * loading it again reads only what changed (local-cache.c): Maildir
 * files by unique name, an mbox whole while its inode, size and mtime
 * stay. Set before the first load. */
struct store;
void local_folder_set_cache(struct local_folder *folder, struct store *store);

/* Brings mbox up to date with the folder: the first call adds every
 * message; later calls (with the same mbox) add new messages, drop gone
 * ones and update flags changed by other programs. mbox may be NULL to
 * build only the index (as before writing flags). Returns 0 or -1. */
int local_folder_load(struct local_folder *folder, struct model_mailbox *mbox, struct lib_error *err);

/* Writes the flags of message uid (enum model_flag bits) back to the
 * folder; the caller updates its own summary. Maildir: the file is
 * renamed to the new info (letters other than DFRST are kept) and moved
 * from new/ to cur/ unless it stays unseen, recent and without flags
 * (cur/ cannot say "recent", so the flag is dropped there). mbox: under
 * the locks, the Status and X-Status fields of that message are
 * rewritten (replaced where they were, else added at the end of its
 * header; dropped when empty), every other byte is kept, the new file is
 * written beside the old one, fsynced and renamed over it, and the
 * directory fsynced. Nothing is written when nothing changes. An mbox
 * changed by another program since the load is indexed again; if the
 * message is then no longer at uid, it fails with LIB_ERR_TEMPORARY. */
int local_folder_flags_write(struct local_folder *folder, uint32_t uid, unsigned flags, struct lib_error *err);

/* Appends message uid as stored to out (Maildir: the file; mbox: from
 * its header to its last line that is not blank, without the "From "
 * line). 0, or -1 with err (LIB_ERR_DATA: the message is gone). */
struct buf;
int local_folder_message(struct local_folder *folder, uint32_t uid, struct buf *out, struct lib_error *err);
/* Removes the n messages for good (what the user expunged). Maildir:
 * their files are unlinked and the directories fsynced. mbox: under the
 * locks, the file is written again without them beside the old one,
 * fsynced and renamed over it; every other byte is kept. The uids of an
 * mbox change (they are positions): load again afterwards. */
int local_folder_expunge(struct local_folder *folder, const uint32_t *uids, size_t n, struct lib_error *err);
/* Adds a message (CRLF or LF line ends; stored with LF) with flags to the
 * Maildir or mbox at path, durably before it returns 0. Maildir: a
 * delivery (tmp/, fsync, new/), then a rename into cur/ with the flags
 * when it has any. mbox: under the locks, a "From " line, the header
 * with Status and X-Status, the body with "From " lines quoted (mboxrd),
 * a blank line; fsynced, cut back to its old size on failure. */
int local_folder_append(const char *path, const char *message, size_t len, unsigned flags, struct lib_error *err);

#endif
