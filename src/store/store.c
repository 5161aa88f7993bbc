/* The header cache of one account: a folder is three kinds of record in a
 * key-value file, so loading 100,000 messages is a few hundred reads:
 *   "<folder>\0M"            meta: sync state and the list of blocks
 *   "<folder>\0F"            the flags of every message, in uid order
 *   "<folder>\0B" + uid(BE)  a block of summaries, keyed by its first uid
 * A write re-encodes the folder and stores only the records whose bytes
 * differ, all in one transaction. Damage found anywhere empties the whole
 * file with a warning: the cache is disposable and a partial trust in a
 * damaged file is not worth its code. */
#include "store-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct store {
	const struct store_ops *ops;
	struct store_db *db;
	char *path;
	struct store_stats stats;
};

/* The backend tern is built with. */
static const struct store_ops *const store_backend = &store_ops_tc;

char *store_path_make(const char *cache_dir, const char *account)
{
	char *dir, *name, *path;

	if (cache_dir) {
		dir = lib_path_expand(cache_dir);
	} else {
		char *home = lib_path_cache_home();
		dir = xasprintf("%s/tern", home);
		free(home);
	}
	name = xstrdup(*account ? account : "_");
	for (char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '-' || *p == '_' || *p == '@' || *p == '+' || (*p == '.' && p != name)))
			*p = '_';
	path = xasprintf("%s/%s.hcache", dir, name);
	free(dir);
	free(name);
	return path;
}

/* mkdir -p for the directories above path; new ones are 0700. */
static int make_parents(const char *path, char **err)
{
	char *dir = lib_path_dirname(path);
	struct stat st;
	int rc = 0;

	if (stat(dir, &st) == 0)
		goto done;
	for (char *p = dir + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
			*err = xasprintf("cannot create cache directory %s: %s", dir, strerror(errno));
			rc = -1;
			goto done;
		}
		*p = saved;
		if (saved == '\0')
			break;
	}
done:
	free(dir);
	return rc;
}

static void set_str(char **where, char *text)
{
	if (where)
		*where = text;
	else
		free(text);
}

/* Empties the file and writes the schema record again. */
static int store_wipe(struct store *store)
{
	if (store->ops->wipe(store->db) < 0)
		return -1;
	if (store->ops->put(store->db, STORE_SCHEMA_KEY, STORE_SCHEMA_KEY_LEN, STORE_SCHEMA, strlen(STORE_SCHEMA)) < 0)
		return -1;
	store->stats.records_written++;
	return 0;
}

/* Empties the file after damage; the one line for the user goes to *warning. */
static void store_rebuild(struct store *store, const char *what, char **warning)
{
	char *why = xstrdup(what); /* what may be the backend's text, which wipe replaces */

	if (store_wipe(store) < 0)
		set_str(warning, xasprintf("header cache %s was damaged (%s) and could not be rebuilt: %s", store->path,
					   why, store->ops->error(store->db)));
	else
		set_str(warning, xasprintf("header cache %s was damaged (%s): rebuilt", store->path, why));
	free(why);
}

static int store_get(struct store *store, const struct buf *key, void **value, size_t *vlen)
{
	int rc = store->ops->get(store->db, key->data, key->len, value, vlen);

	if (rc > 0) {
		store->stats.records_read++;
		store->stats.bytes_read += *vlen;
	}
	return rc;
}

static int store_put(struct store *store, const struct buf *key, const void *value, size_t vlen)
{
	store->stats.records_written++;
	store->stats.bytes_written += vlen;
	return store->ops->put(store->db, key->data, key->len, value, vlen);
}

static int store_out(struct store *store, const struct buf *key)
{
	store->stats.records_removed++;
	return store->ops->out(store->db, key->data, key->len);
}

/* Writes the schema record unless it is there and right: a file without
 * one is new (or never finished its first write) and is emptied quietly. */
static int store_check_schema(struct store *store, char **warning)
{
	struct buf key = BUF_INIT;
	void *value = NULL;
	size_t vlen = 0;
	int rc, ok;

	buf_add(&key, STORE_SCHEMA_KEY, STORE_SCHEMA_KEY_LEN);
	rc = store_get(store, &key, &value, &vlen);
	ok = rc > 0 && vlen == strlen(STORE_SCHEMA) && memcmp(value, STORE_SCHEMA, vlen) == 0;
	if (rc > 0 && !ok)
		set_str(warning, xasprintf("header cache %s has schema \"%.*s\", this tern uses \"%s\": rebuilt",
					   store->path, (int)(vlen > 40 ? 40 : vlen), (const char *)value, STORE_SCHEMA));
	else if (rc < 0)
		set_str(warning, xasprintf("header cache %s was damaged (%s): rebuilt", store->path,
					   store->ops->error(store->db)));
	free(value);
	buf_free(&key);
	return ok ? 0 : store_wipe(store);
}

struct store *store_open(const char *path, char **warning, char **err)
{
	struct store *store;
	char *backend_warning = NULL, *schema_warning = NULL, *open_err = NULL;

	set_str(warning, NULL);
	set_str(err, NULL);
	if (make_parents(path, &open_err) < 0) {
		set_str(err, open_err);
		return NULL;
	}
	store = xcalloc(1, sizeof(*store));
	store->ops = store_backend;
	store->path = xstrdup(path);
	store->db = store->ops->open(path, &backend_warning, &open_err);
	if (!store->db) {
		set_str(err, open_err);
		free(backend_warning);
		free(store->path);
		free(store);
		return NULL;
	}
	if (store_check_schema(store, &schema_warning) < 0) {
		set_str(err, xasprintf("cannot initialise header cache %s: %s", path, store->ops->error(store->db)));
		free(backend_warning);
		free(schema_warning);
		store_close(store);
		return NULL;
	}
	/* One line: the backend's rebuild explains the schema one, if both. */
	if (backend_warning) {
		free(schema_warning);
		set_str(warning, backend_warning);
	} else {
		set_str(warning, schema_warning);
	}
	return store;
}

void store_close(struct store *store)
{
	if (!store)
		return;
	store->ops->close(store->db);
	free(store->path);
	free(store);
}

void store_stats_get(const struct store *store, struct store_stats *stats)
{
	*stats = store->stats;
}

static void folder_key(struct buf *key, const char *folder, char kind)
{
	buf_reset(key);
	buf_addstr(key, folder);
	buf_addch(key, '\0');
	buf_addch(key, kind);
}

static void block_key(struct buf *key, const char *folder, uint32_t first_uid)
{
	unsigned char be[4] = { first_uid >> 24, first_uid >> 16, first_uid >> 8, first_uid };

	folder_key(key, folder, 'B');
	buf_add(key, be, sizeof(be));
}

int store_folder_read(struct store *store, const char *folder, struct store_folder_state *state,
		      struct model_mailbox *mbox, char **warning)
{
	struct store_meta meta = { 0 };
	struct buf key = BUF_INIT;
	uint32_t *flags = NULL;
	void *value = NULL;
	size_t vlen, done = 0;
	const char *why = NULL;
	int64_t last_uid = -1;
	int rc;

	set_str(warning, NULL);
	memset(state, 0, sizeof(*state));
	if (model_mailbox_count(mbox) != 0)
		lib_fatal("store_folder_read: the mailbox is not empty");

	folder_key(&key, folder, 'M');
	rc = store_get(store, &key, &value, &vlen);
	if (rc == 0)
		goto out;
	if (rc < 0 || store_meta_decode(value, vlen, &meta, &why) < 0)
		goto broken;
	free(value);
	value = NULL;

	folder_key(&key, folder, 'F');
	if ((rc = store_get(store, &key, &value, &vlen)) <= 0) {
		why = rc == 0 ? "flags record missing" : NULL;
		goto broken;
	}
	if (store_flags_decode(value, vlen, meta.total, &flags, &why) < 0)
		goto broken;
	free(value);
	value = NULL;

	/* total is checksummed and adds up, but a crafted file could still
	 * promise more than its blocks hold: past 2M the array just grows. */
	model_mailbox_reserve(mbox, meta.total < (1u << 21) ? (size_t)meta.total : 1u << 21);
	for (size_t i = 0; i < meta.nblocks; i++) {
		block_key(&key, folder, meta.blocks[i].first_uid);
		if ((rc = store_get(store, &key, &value, &vlen)) <= 0) {
			why = rc == 0 ? "block missing" : NULL;
			goto broken;
		}
		if (store_block_decode(value, vlen, &meta.blocks[i], last_uid, flags + done, mbox, &why) < 0)
			goto broken;
		free(value);
		value = NULL;
		done += meta.blocks[i].count;
		last_uid = model_mailbox_summaries(mbox)[done - 1].uid;
	}
	*state = meta.state;
	rc = 1;
	goto out;

broken:
	store_rebuild(store, why ? why : store->ops->error(store->db), warning);
	model_mailbox_clear(mbox);
	memset(state, 0, sizeof(*state));
	rc = -1;
out:
	free(value);
	free(flags);
	free(meta.blocks);
	buf_free(&key);
	return rc;
}

/* The old meta record's block list, to skip unchanged blocks and remove
 * the ones that are gone. A missing or unreadable one means none: its
 * blocks, if any, are left behind, but a read would have found the damage
 * first and rebuilt the file. */
static void read_old_meta(struct store *store, const char *folder, struct buf *key, struct store_meta *meta,
			  void **raw, size_t *rawlen)
{
	const char *why;

	folder_key(key, folder, 'M');
	if (store_get(store, key, raw, rawlen) > 0 && store_meta_decode(*raw, *rawlen, meta, &why) == 0)
		return;
	memset(meta, 0, sizeof(*meta));
}

/* Puts value under key unless the stored bytes are the same. */
static int put_if_changed(struct store *store, const struct buf *key, const struct buf *value)
{
	void *old = NULL;
	size_t oldlen = 0;
	int same;

	same = store_get(store, key, &old, &oldlen) > 0 && oldlen == value->len && memcmp(old, value->data, oldlen) == 0;
	free(old);
	return same ? 0 : store_put(store, key, value->data, value->len);
}

/* A backend that fails mid-write has a damaged file or a full disk;
 * either way emptying the cache is the way back to a working one. */
static void store_write_failed(struct store *store, const char *folder, char **err)
{
	char *why = xstrdup(store->ops->error(store->db));

	set_str(err, xasprintf("cannot write folder %s to header cache %s (%s): %s", folder, store->path, why,
			       store_wipe(store) == 0 ? "the cache was emptied" : "the cache is unusable"));
	free(why);
}

int store_folder_write(struct store *store, const char *folder, const struct store_folder_state *state,
		       const struct model_mailbox *mbox, char **err)
{
	const struct model_summary *s = model_mailbox_summaries(mbox);
	size_t n = model_mailbox_count(mbox), cap = 16, o = 0;
	struct store_meta old = { 0 }, meta = { 0 };
	struct buf key = BUF_INIT, blocks = BUF_INIT, record = BUF_INIT;
	size_t *offsets;
	void *old_raw = NULL;
	size_t old_rawlen = 0;
	int rc = -1;

	set_str(err, NULL);
	read_old_meta(store, folder, &key, &old, &old_raw, &old_rawlen);
	free(old_raw);

	/* Encode every block into one buffer; offsets[i] is where block i starts. */
	meta.state = *state;
	meta.total = n;
	meta.cut_bits = store_block_cut_bits(n, n ? s[0].uid : 0, n ? s[n - 1].uid : 0, old.cut_bits);
	meta.blocks = xmalloc(cap * sizeof(*meta.blocks));
	offsets = xmalloc((cap + 1) * sizeof(*offsets));
	for (size_t start = 0; start < n;) {
		size_t end = start + 1;
		while (end < n && end - start < STORE_BLOCK_MAX && !store_block_cut(s[end - 1].uid, meta.cut_bits))
			end++;
		if (meta.nblocks == cap) {
			cap *= 2;
			meta.blocks = xrealloc(meta.blocks, cap * sizeof(*meta.blocks));
			offsets = xrealloc(offsets, (cap + 1) * sizeof(*offsets));
		}
		offsets[meta.nblocks] = blocks.len;
		meta.blocks[meta.nblocks].first_uid = s[start].uid;
		meta.blocks[meta.nblocks].count = (uint32_t)(end - start);
		meta.blocks[meta.nblocks].hash = store_block_encode(&blocks, s + start, end - start);
		meta.nblocks++;
		start = end;
	}
	offsets[meta.nblocks] = blocks.len;

	if (store->ops->begin(store->db) < 0)
		goto failed;
	/* Both lists are in uid order: walk them together. */
	for (size_t i = 0; i < meta.nblocks; i++) {
		const struct store_block_ref *ref = &meta.blocks[i];
		while (o < old.nblocks && old.blocks[o].first_uid < ref->first_uid) {
			block_key(&key, folder, old.blocks[o++].first_uid);
			if (store_out(store, &key) < 0)
				goto aborted;
		}
		if (o < old.nblocks && old.blocks[o].first_uid == ref->first_uid) {
			int same = old.blocks[o].hash == ref->hash && old.blocks[o].count == ref->count;
			o++;
			if (same)
				continue;
		}
		block_key(&key, folder, ref->first_uid);
		if (store_put(store, &key, blocks.data + offsets[i], offsets[i + 1] - offsets[i]) < 0)
			goto aborted;
	}
	for (; o < old.nblocks; o++) {
		block_key(&key, folder, old.blocks[o].first_uid);
		if (store_out(store, &key) < 0)
			goto aborted;
	}
	store_flags_encode(&record, s, n);
	folder_key(&key, folder, 'F');
	if (put_if_changed(store, &key, &record) < 0)
		goto aborted;
	buf_reset(&record);
	store_meta_encode(&record, &meta);
	folder_key(&key, folder, 'M');
	if (put_if_changed(store, &key, &record) < 0)
		goto aborted;
	if (store->ops->commit(store->db) < 0)
		goto failed;
	rc = 0;
	goto out;

aborted:
	store->ops->abort(store->db);
failed:
	store_write_failed(store, folder, err);
out:
	free(offsets);
	free(old.blocks);
	free(meta.blocks);
	buf_free(&key);
	buf_free(&blocks);
	buf_free(&record);
	return rc;
}

int store_folder_drop(struct store *store, const char *folder)
{
	struct store_meta old = { 0 };
	struct buf key = BUF_INIT;
	void *old_raw = NULL;
	size_t old_rawlen = 0;
	int rc = -1;

	read_old_meta(store, folder, &key, &old, &old_raw, &old_rawlen);
	free(old_raw);
	if (store->ops->begin(store->db) < 0)
		goto failed;
	for (size_t i = 0; i < old.nblocks; i++) {
		block_key(&key, folder, old.blocks[i].first_uid);
		if (store_out(store, &key) < 0)
			goto aborted;
	}
	folder_key(&key, folder, 'F');
	if (store_out(store, &key) < 0)
		goto aborted;
	folder_key(&key, folder, 'M');
	if (store_out(store, &key) < 0)
		goto aborted;
	folder_key(&key, folder, 'X');
	if (store_out(store, &key) < 0)
		goto aborted;
	if (store->ops->commit(store->db) == 0) {
		rc = 0;
		goto out;
	}
	goto failed;
aborted:
	store->ops->abort(store->db);
failed:
	store_write_failed(store, folder, NULL);
out:
	free(old.blocks);
	buf_free(&key);
	return rc;
}

/* Appends the record at key to out: 1, 0 when absent, -1 on failure. */
static int record_get(struct store *store, const struct buf *key, struct buf *out)
{
	void *value = NULL;
	size_t vlen = 0;
	int rc = store_get(store, key, &value, &vlen);

	if (rc > 0)
		buf_add(out, value, vlen);
	free(value);
	return rc > 0 ? 1 : rc;
}

int store_folder_extra_get(struct store *store, const char *folder, struct buf *out)
{
	struct buf key = BUF_INIT;

	folder_key(&key, folder, 'X');
	int rc = record_get(store, &key, out);
	buf_free(&key);
	return rc;
}

int store_folder_extra_put(struct store *store, const char *folder, const void *data, size_t len)
{
	struct buf key = BUF_INIT;

	folder_key(&key, folder, 'X');
	int rc = store_put(store, &key, data, len);
	buf_free(&key);
	return rc;
}

/* The account's folder list sits under a key no folder can have: folder
 * keys are the folder's name, then a NUL and a letter. */
static const char folders_key[] = "\0folders";

int store_folders_get(struct store *store, struct buf *out)
{
	struct buf key = BUF_INIT;

	buf_add(&key, folders_key, sizeof(folders_key) - 1);
	int rc = record_get(store, &key, out);
	buf_free(&key);
	return rc;
}

int store_folders_put(struct store *store, const void *data, size_t len)
{
	struct buf key = BUF_INIT;

	buf_add(&key, folders_key, sizeof(folders_key) - 1);
	int rc = store_put(store, &key, data, len);
	buf_free(&key);
	return rc;
}

struct name_list {
	char **names;
	size_t count;
};

/* Keeps the folder of each meta record ("<folder>\0M"). */
static void name_of_key(const void *key, size_t klen, void *arg)
{
	struct name_list *list = arg;
	const char *k = key;

	if (klen < 3 || k[klen - 1] != 'M' || k[klen - 2] != '\0' || memchr(k, '\0', klen - 2))
		return;
	list->names = xrealloc(list->names, (list->count + 1) * sizeof(*list->names));
	list->names[list->count++] = xstrndup(k, klen - 2);
}

static int name_order(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int store_folder_names(const char *path, char ***names, char **err)
{
	struct name_list list = { NULL, 0 };
	struct store_db *db;
	void *schema = NULL;
	size_t slen = 0;
	int rc;

	*names = NULL;
	*err = NULL;
	if (access(path, F_OK) < 0 && errno == ENOENT)
		return 0;
	db = store_backend->open_reader(path, err);
	if (!db)
		return -1;
	rc = store_backend->get(db, STORE_SCHEMA_KEY, STORE_SCHEMA_KEY_LEN, &schema, &slen);
	if (rc > 0 && slen == strlen(STORE_SCHEMA) && memcmp(schema, STORE_SCHEMA, slen) == 0)
		rc = store_backend->each_key(db, name_of_key, &list);
	else if (rc >= 0)
		rc = 0; /* another schema: nothing this tern would read */
	if (rc < 0) {
		*err = xasprintf("cannot read header cache %s: %s", path, store_backend->error(db));
		for (size_t i = 0; i < list.count; i++)
			free(list.names[i]);
		free(list.names);
		list = (struct name_list){ NULL, 0 };
	}
	free(schema);
	store_backend->close(db);
	if (rc < 0)
		return -1;
	if (list.count)
		qsort(list.names, list.count, sizeof(*list.names), name_order);
	*names = list.names;
	return (int)list.count;
}
