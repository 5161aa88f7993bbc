/* store internals: the key-value backend interface every cache backend
 * implements (store-tc.c is the only one today) and the record codec that
 * turns a folder into a few packed records (store-codec.c). store.c joins
 * the two; nothing outside src/store and its tests includes this file. */
#ifndef TERN_STORE_PRIVATE_H
#define TERN_STORE_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/lib.h"
#include "model/model.h"
#include "store.h"

/* An open database of one backend; each backend defines it. */
struct store_db;

/* A key-value backend: keys and values are byte strings. A handle is used
 * by one thread at a time. Functions returning int give 0 on success and
 * -1 on failure, with error() describing the last failure. */
struct store_ops {
	const char *name;
	/* Opens or creates the file at path, mode 0600, and locks it against
	 * other processes without waiting. A file the backend cannot read as
	 * its own is emptied and *warning (one line, caller frees) says so.
	 * NULL with *err set (caller frees) when it cannot be used: locked by
	 * another tern, no permission, disk error. */
	struct store_db *(*open)(const char *path, char **warning, char **err);
	void (*close)(struct store_db *db);
	/* 1 with *value (the caller frees it with free()) and *vlen set; 0 when
	 * the key is absent; -1 when the backend could not read. */
	int (*get)(struct store_db *db, const void *key, size_t klen, void **value, size_t *vlen);
	int (*put)(struct store_db *db, const void *key, size_t klen, const void *value, size_t vlen);
	/* Removing an absent key succeeds. */
	int (*out)(struct store_db *db, const void *key, size_t klen);
	/* One transaction at a time; a crash before commit leaves the file as
	 * it was at begin. */
	int (*begin)(struct store_db *db);
	int (*commit)(struct store_db *db);
	int (*abort)(struct store_db *db);
	/* Removes every record (schema change, damage found). */
	int (*wipe)(struct store_db *db);
	/* The last failure, borrowed until the next call. */
	const char *(*error)(struct store_db *db);
	/* For a reader outside any worker (shell completion): opens path
	 * read-only under a shared lock, without waiting; never creates or
	 * repairs it. NULL with *err (caller frees) when it is missing, held
	 * by a running tern or unreadable. Only get, each_key and close apply. */
	struct store_db *(*open_reader)(const char *path, char **err);
	/* Calls key_cb for every key, in no particular order. 0, or -1 when
	 * the file could not be read to its end. */
	int (*each_key)(struct store_db *db, void (*key_cb)(const void *key, size_t klen, void *arg), void *arg);
};

extern const struct store_ops store_ops_tc;

/* Key of the schema record; folder keys start with the folder's name,
 * which is never empty, so they cannot collide with it. */
#define STORE_SCHEMA_KEY "\0schema"
#define STORE_SCHEMA_KEY_LEN 7
/* Bumped whenever a record's layout or meaning changes: a file with
 * another value is emptied on open. */
#define STORE_SCHEMA "tern hcache 2" /* 2: MODEL_F_RECENT is the new mark of tern, not IMAP \Recent */

/* Summaries go into blocks cut where a uid's Fibonacci hash has its top
 * cut_bits bits clear: cuts depend on the uid alone, so a new message or
 * an expunge changes the one block it falls in, not every block after it.
 * cut_bits follows the folder's uid density so blocks hold about
 * STORE_BLOCK_AVG summaries (~60 KB; 512 measured a little smaller and
 * faster to load than 128 or 256, since strings repeat within a block);
 * STORE_BLOCK_MAX bounds a block in any case. */
#define STORE_BLOCK_AVG 512
#define STORE_BLOCK_MAX (4 * STORE_BLOCK_AVG)
/* What a decoder accepts in a block, whatever wrote it. */
#define STORE_BLOCK_LIMIT 65536

/* One block as the folder's meta record lists it; hash is the block
 * record's checksum, so meta and block vouch for each other. */
struct store_block_ref {
	uint32_t first_uid;
	uint32_t count;
	uint64_t hash;
};

/* The folder's meta record: sync state and the block list. */
struct store_meta {
	struct store_folder_state state;
	unsigned cut_bits;
	uint64_t total;                 /* summaries over all blocks */
	size_t nblocks;
	struct store_block_ref *blocks; /* owned; uid order */
};

/* 64-bit hash used as checksum and change detector (not cryptographic). */
uint64_t store_hash(const void *data, size_t len);
/* Whether a block ends after the summary with this uid. */
int store_block_cut(uint32_t uid, unsigned cut_bits);
/* The cut_bits for n summaries over uids first..last, keeping prev (the
 * value stored with the folder, 0 for none) while it is within a factor
 * of two of ideal, so a folder hovering at a boundary is not rewritten
 * again and again. */
unsigned store_block_cut_bits(size_t n, uint32_t first, uint32_t last, unsigned prev);

/* Appends the block record of summaries s[0..n) to out (n >= 1, uids
 * ascending) and returns its checksum. Flags are not in it. */
uint64_t store_block_encode(struct buf *out, const struct model_summary *s, size_t n);
/* Decodes a block record into mbox, taking the summaries' flags from
 * flags[0..ref->count). Checks the checksum against ref->hash, the first
 * uid and count against ref, and that uids ascend from above min_uid
 * (the last uid of the previous block; -1 for none). Returns 0, or -1
 * with *why (static) on anything wrong; then mbox may hold part of it. */
int store_block_decode(const void *data, size_t len, const struct store_block_ref *ref, int64_t min_uid,
		       const uint32_t *flags, struct model_mailbox *mbox, const char **why);

void store_meta_encode(struct buf *out, const struct store_meta *meta);
/* 0 with *meta filled (free meta->blocks), or -1 with *why (static). */
int store_meta_decode(const void *data, size_t len, struct store_meta *meta, const char **why);

void store_flags_encode(struct buf *out, const struct model_summary *s, size_t n);
/* 0 with *flags (caller frees) holding count entries, count being what
 * the meta record promised; -1 with *why (static). */
int store_flags_decode(const void *data, size_t len, uint64_t count, uint32_t **flags, const char **why);

#endif
