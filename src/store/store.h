/* store: the header cache behind struct store_ops (Tokyo Cabinet now,
 * another backend is one file) and the per-folder sync state. One file per
 * account, owned by that account's worker thread. The cache is disposable:
 * damage or a schema change empties it with a one-line warning, and when
 * it cannot be opened (another tern holds it) the caller goes on without. */
#ifndef TERN_STORE_H
#define TERN_STORE_H

#include <stdint.h>

#include "model/model.h"

/* "Tokyo Cabinet 1.4.48" (borrowed, static). */
const char *store_backend_version(void);

struct store;

/* What QRESYNC needs to ask only for changes (RFC 7162). */
struct store_folder_state {
	uint32_t uidvalidity;
	uint32_t uidnext;
	uint64_t highestmodseq;
};

/* Counters since store_open, to show that a small change writes little. */
struct store_stats {
	uint64_t records_read;
	uint64_t records_written;
	uint64_t records_removed;
	uint64_t bytes_read;
	uint64_t bytes_written;
};

/* The cache file of an account: "<cache_dir>/<account>.hcache", where
 * cache_dir NULL means $XDG_CACHE_HOME/tern and bytes of the account name
 * that do not belong in a file name become '_'. The caller frees it. */
char *store_path_make(const char *cache_dir, const char *account);

/* Opens the cache file at path, creating its directories (0700) and the
 * file (0600). Returns NULL with *err set when the cache cannot be used,
 * for instance "... is in use by another tern" (that never waits): the
 * caller goes on without a cache. A file that was damaged or of another
 * schema is emptied and *warning says so in one line. *warning and *err
 * are set to NULL or to a string the caller frees. */
struct store *store_open(const char *path, char **warning, char **err);
/* store_close(NULL) is a no-op. */
void store_close(struct store *store);

/* Reads a folder's state and summaries into mbox, which must be empty.
 * Returns 1 when the folder was cached (possibly with no messages), 0 when
 * not (state zeroed), -1 when a record was damaged: then mbox is empty,
 * state zeroed, the whole cache emptied, and *warning (caller frees) says
 * so in one line. */
int store_folder_read(struct store *store, const char *folder, struct store_folder_state *state,
		      struct model_mailbox *mbox, char **warning);
/* Saves state and every summary of mbox in one transaction, replacing what
 * was cached for the folder. Only records whose bytes changed are written:
 * summaries sit in blocks of a few hundred by uid with their flags in one
 * separate record, so a flag-only resync rewrites that record alone and
 * new mail rewrites the last block. Returns 0, or -1 with *err (caller
 * frees): the backend failed and the whole cache was emptied, as the way
 * back from a damaged file or a full disk. */
int store_folder_write(struct store *store, const char *folder, const struct store_folder_state *state,
		       const struct model_mailbox *mbox, char **err);
/* Forgets a folder (UIDVALIDITY changed, folder deleted). Returns 0, or -1
 * when the backend failed (the whole cache is then emptied). */
int store_folder_drop(struct store *store, const char *folder);

/* A record of the caller's own beside a folder's summaries (a local
 * folder keeps there which file each summary is of), written after
 * store_folder_write and dropped with the folder. get appends it to out:
 * 1, 0 when absent, -1 when the backend failed. put: 0 or -1. */
struct buf;
int store_folder_extra_get(struct store *store, const char *folder, struct buf *out);
int store_folder_extra_put(struct store *store, const char *folder, const void *data, size_t len);

/* The account's folder list as the caller last wrote it (its own
 * format), for showing the folders offline. get appends it to out: 1, 0
 * when absent, -1 when the backend failed. put: 0 or -1. */
int store_folders_get(struct store *store, struct buf *out);
int store_folders_put(struct store *store, const void *data, size_t len);

void store_stats_get(const struct store *store, struct store_stats *stats);

/* The names of the folders cached in the file at path (as
 * store_folder_write got them), for shell completion: read-only, never waiting for, creating
 * or repairing the file. Returns how many, with *names sorted (the caller
 * frees each and the array; NULL when none); 0 when there is no file or
 * it is of another schema; -1 with *err (caller frees) when it cannot be
 * read, e.g. while a running tern holds it. */
int store_folder_names(const char *path, char ***names, char **err);

/* The body cache (store-body.c): whole messages on disk, capped at
 * max_bytes (0: keep none), the least recently read dropped first. */
struct store_bodies;
struct buf;
/* cache_dir as for store_path_make. Never fails: a cache that cannot be
 * written just holds nothing. */
struct store_bodies *store_bodies_open(const char *cache_dir, const char *account, uint64_t max_bytes);
void store_bodies_close(struct store_bodies *bodies);
/* Appends the cached message to out: 1, or 0 when it is not cached. */
int store_body_get(struct store_bodies *bodies, const char *folder, uint32_t uidvalidity, uint32_t uid,
                   struct buf *out);
/* Stores a message durably (temporary file, fsync, rename). 0 or -1. */
int store_body_put(struct store_bodies *bodies, const char *folder, uint32_t uidvalidity, uint32_t uid,
                   const char *data, size_t len);

#endif
