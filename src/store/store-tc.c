/* The Tokyo Cabinet backend of struct store_ops: one TCHDB hash file.
 * Tokyo Cabinet takes an fcntl lock on the whole file while it is open
 * (and refuses a second open of the same path inside one process), so a
 * second tern fails fast here with HDBOLCKNB instead of waiting. It
 * creates its files 0644 less the umask; the umask is process-wide, so
 * the file and its write-ahead log are created 0600 here beforehand and
 * Tokyo Cabinet keeps the mode of a file that exists. */
#include "store-private.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <tchdb.h>
#include <unistd.h>

/* Tuning, applied when a file is created (Tokyo Cabinet keeps a file's
 * own settings after that; a file with other options is rebuilt). A
 * folder costs 2 records plus one per ~512 messages, so 32749 buckets
 * (128 KiB) leave chains short for thousands of folders' worth. No
 * compression: at 100,000 messages Deflate takes the file from 11.6 MB to
 * 4.5 MB but the warm load from 0.03 s to 0.07 s and the first write from
 * 0.08 s to 0.33 s, and 11.6 MB is well inside the 25 MB budget; TCBS
 * took seconds (numbers in tests/unit/store/test-store.c). */
#ifndef STORE_TC_OPTS
#define STORE_TC_OPTS 0
#endif
#define STORE_TC_BUCKETS 32749
#define STORE_TC_APOW 4         /* records aligned to 16 bytes */
#define STORE_TC_FPOW 10        /* 1024 free-block pool entries */
#define STORE_TC_DFUNIT 8       /* defragment a little after every 8 frees */

struct store_db {
	TCHDB *hdb;                 /* NULL once a rebuild failed: every call fails */
	char *path;
	char *wal_path;
	int wal_made;               /* the log was created 0600 for this handle */
	const char *error;          /* static text of the last failure */
};

/* A file that exists keeps its mode when Tokyo Cabinet opens it. */
static int create_private(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0)
		return -1;
	(void)fchmod(fd, 0600);
	close(fd);
	return 0;
}

static TCHDB *hdb_new(void)
{
	TCHDB *hdb = tchdbnew();

	if (!tchdbtune(hdb, STORE_TC_BUCKETS, STORE_TC_APOW, STORE_TC_FPOW, STORE_TC_OPTS) ||
	    !tchdbsetdfunit(hdb, STORE_TC_DFUNIT))
		lib_fatal("tokyo cabinet: cannot tune a new database");
	return hdb;
}

/* Opens path; on failure returns NULL with the Tokyo Cabinet error code. */
static TCHDB *hdb_open(const char *path, int extra_mode, int *ecode)
{
	TCHDB *hdb = hdb_new();

	if (tchdbopen(hdb, path, HDBOWRITER | HDBOCREAT | HDBOLCKNB | extra_mode))
		return hdb;
	*ecode = tchdbecode(hdb);
	tchdbdel(hdb);
	return NULL;
}

static int is_busy(int ecode)
{
	return ecode == TCELOCK || ecode == TCETHREAD;
}

/* Errors that say nothing about the file's contents: leave the file be. */
static int is_access_error(int ecode)
{
	return is_busy(ecode) || ecode == TCENOPERM || ecode == TCENOFILE || ecode == TCEOPEN ||
	       ecode == TCESTAT;
}

/* A store_db on an open TCHDB, or NULL with *err saying why it is not. */
static struct store_db *db_new(TCHDB *hdb, int ecode, const char *path, char **err)
{
	struct store_db *db;

	if (!hdb) {
		if (is_busy(ecode))
			*err = xasprintf("header cache %s is in use by another tern", path);
		else
			*err = xasprintf("cannot open header cache %s: %s", path, tchdberrmsg(ecode));
		return NULL;
	}
	db = xcalloc(1, sizeof(*db));
	db->hdb = hdb;
	db->path = xstrdup(path);
	db->wal_path = xasprintf("%s.wal", path);
	return db;
}

static struct store_db *tc_open(const char *path, char **warning, char **err)
{
	struct store_db *db;
	TCHDB *hdb;
	int ecode = 0;

	*warning = *err = NULL;
	if (create_private(path) < 0) {
		*err = xasprintf("cannot create header cache %s: %s", path, strerror(errno));
		return NULL;
	}
	hdb = hdb_open(path, 0, &ecode);
	if (hdb && tchdbopts(hdb) != (STORE_TC_OPTS)) {
		*warning = xasprintf("header cache %s was written with other settings: rebuilt", path);
		tchdbclose(hdb);
		tchdbdel(hdb);
		hdb = hdb_open(path, HDBOTRUNC, &ecode);
	} else if (!hdb && !is_access_error(ecode)) {
		/* The lock was ours when Tokyo Cabinet found the file unreadable;
		 * truncating takes it again first, so no live cache is emptied. */
		*warning = xasprintf("header cache %s was damaged (%s): rebuilt", path, tchdberrmsg(ecode));
		hdb = hdb_open(path, HDBOTRUNC, &ecode);
	}
	db = db_new(hdb, ecode, path, err);
	if (!db) {
		free(*warning);
		*warning = NULL;
	}
	return db;
}

static void tc_close(struct store_db *db)
{
	if (db->hdb) {
		tchdbclose(db->hdb);
		tchdbdel(db->hdb);
	}
	free(db->path);
	free(db->wal_path);
	free(db);
}

static int fail(struct store_db *db)
{
	db->error = db->hdb ? tchdberrmsg(tchdbecode(db->hdb)) : "the cache could not be rebuilt";
	return -1;
}

static int tc_get(struct store_db *db, const void *key, size_t klen, void **value, size_t *vlen)
{
	int size;

	*value = NULL;
	*vlen = 0;
	if (!db->hdb || klen > INT_MAX)
		return fail(db);
	*value = tchdbget(db->hdb, key, (int)klen, &size);
	if (!*value)
		return tchdbecode(db->hdb) == TCENOREC ? 0 : fail(db);
	*vlen = (size_t)size;
	return 1;
}

static int tc_put(struct store_db *db, const void *key, size_t klen, const void *value, size_t vlen)
{
	if (!db->hdb || klen > INT_MAX || vlen > INT_MAX)
		return fail(db);
	return tchdbput(db->hdb, key, (int)klen, value, (int)vlen) ? 0 : fail(db);
}

static int tc_out(struct store_db *db, const void *key, size_t klen)
{
	if (!db->hdb || klen > INT_MAX)
		return fail(db);
	if (tchdbout(db->hdb, key, (int)klen) || tchdbecode(db->hdb) == TCENOREC)
		return 0;
	return fail(db);
}

/* Tokyo Cabinet opens the log at a handle's first transaction and
 * removes it at close; it is created 0600 just before, so that no log is
 * left behind by a session that never wrote. */
static int tc_begin(struct store_db *db)
{
	if (db->hdb && !db->wal_made) {
		if (create_private(db->wal_path) < 0) {
			db->error = "cannot create the write-ahead log";
			return -1;
		}
		db->wal_made = 1;
	}
	return db->hdb && tchdbtranbegin(db->hdb) ? 0 : fail(db);
}

static int tc_commit(struct store_db *db)
{
	return db->hdb && tchdbtrancommit(db->hdb) ? 0 : fail(db);
}

static int tc_abort(struct store_db *db)
{
	return db->hdb && tchdbtranabort(db->hdb) ? 0 : fail(db);
}

/* Reopens truncated with fresh tuning, rather than tchdbvanish, so a file
 * whose header was damaged does not keep its damaged settings. */
static int tc_wipe(struct store_db *db)
{
	int ecode = 0;

	if (db->hdb) {
		tchdbclose(db->hdb);
		tchdbdel(db->hdb);
	}
	db->hdb = hdb_open(db->path, HDBOTRUNC, &ecode);
	db->wal_made = 0;
	if (!db->hdb) {
		/* Tokyo Cabinet truncates by reopening: the lock is free for a
		 * moment, and another tern may have taken it */
		db->error = is_busy(ecode) ? "it is in use by another tern" : tchdberrmsg(ecode);
		return -1;
	}
	return 0;
}

static const char *tc_error(struct store_db *db)
{
	return db->error ? db->error : "no error";
}

/* Never HDBONOLCK: Tokyo Cabinet replays the write-ahead log of any file
 * a writer holds open, so a lock-less reader would undo a running tern's
 * transaction in the file itself (seen: the records after it unreadable). */
static struct store_db *tc_open_reader(const char *path, char **err)
{
	TCHDB *hdb = tchdbnew();
	int ecode = 0;

	*err = NULL;
	if (!tchdbopen(hdb, path, HDBOREADER | HDBOLCKNB)) {
		ecode = tchdbecode(hdb);
		tchdbdel(hdb);
		hdb = NULL;
	}
	return db_new(hdb, ecode, path, err);
}

static int tc_each_key(struct store_db *db, void (*key_cb)(const void *key, size_t klen, void *arg), void *arg)
{
	void *key;
	int size;

	if (!db->hdb || !tchdbiterinit(db->hdb))
		return fail(db);
	while ((key = tchdbiternext(db->hdb, &size))) {
		key_cb(key, (size_t)size, arg);
		free(key);
	}
	return tchdbecode(db->hdb) == TCENOREC ? 0 : fail(db);
}

const struct store_ops store_ops_tc = {
	.name = "tokyocabinet",
	.open = tc_open,
	.close = tc_close,
	.get = tc_get,
	.put = tc_put,
	.out = tc_out,
	.begin = tc_begin,
	.commit = tc_commit,
	.abort = tc_abort,
	.wipe = tc_wipe,
	.error = tc_error,
	.open_reader = tc_open_reader,
	.each_key = tc_each_key,
};
