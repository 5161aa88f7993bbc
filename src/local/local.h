/* local: Maildir and mbox folders on this machine, read and written as
 * folders of the model; POP3 downloads land here too. No UI. */
#ifndef TERN_LOCAL_H
#define TERN_LOCAL_H

#include <stddef.h>

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

#endif
