/* A local folder's summaries in the header cache (store), so that opening
 * a big folder again reads no message. A Maildir file never changes its
 * content (only its name, for flags), so a summary is found again by the
 * file's unique name, its flags taken from the name as it is now. An mbox
 * is taken whole from the cache when the file has the same device, inode,
 * size and mtime as when it was cached, its index (the offsets of every
 * message) included; else it is read again. The cache is disposable:
 * any failure there only means reading the files.
 *
 * The folder's key is "local:" and its path. Beside its summaries (uid
 * order) an extra record says which file each one is of:
 *   Maildir: one line per summary, "UID UNIQUE-NAME"
 *   mbox:    "mbox DEV INO SIZE SEC NSEC", then one line per message,
 *            "FROM HEADER HEADER-END CONTENT-END MESSAGE-ID-HASH" */
#define _GNU_SOURCE
#include "local-private.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/lib.h"
#include "../model/model.h"
#include "../store/store.h"

struct cached_name {
	const char *unique; /* into text */
	size_t len;
	uint32_t uid;
};

struct local_cache {
	struct model_mailbox *cached;
	char *text;
	struct cached_name *names; /* sorted by unique name */
	size_t n;
};

void local_folder_set_cache(struct local_folder *folder, struct store *store)
{
	if (folder)
		folder->cache = store;
}

static char *cache_key(const struct local_folder *folder)
{
	return xasprintf("local:%s", folder->path);
}

/* The cached summaries and extra record of folder; 0 when there are
 * none. */
static int cache_read(struct local_folder *folder, struct model_mailbox *mbox, struct buf *extra)
{
	struct store_folder_state state;
	char *warning = NULL, *key = cache_key(folder);
	int rc = store_folder_read(folder->cache, key, &state, mbox, &warning) == 1 &&
	         store_folder_extra_get(folder->cache, key, extra) == 1;
	free(warning);
	free(key);
	return rc;
}

static void cache_write(struct local_folder *folder, const struct model_mailbox *mbox, const struct buf *extra)
{
	struct store_folder_state state = { .uidvalidity = 1 };
	char *err = NULL, *key = cache_key(folder);
	if (store_folder_write(folder->cache, key, &state, mbox, &err) == 0)
		store_folder_extra_put(folder->cache, key, extra->data ? extra->data : "", extra->len);
	free(err);
	free(key);
}

static int name_cmp(const void *pa, const void *pb)
{
	const struct cached_name *a = pa, *b = pb;
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->unique, b->unique, n);
	return c ? c : (a->len > b->len) - (a->len < b->len);
}

struct local_cache *local_cache_maildir_open(struct local_folder *folder)
{
	if (!folder->cache)
		return NULL;
	struct local_cache *c = xcalloc(1, sizeof(*c));
	struct buf extra = BUF_INIT;
	c->cached = model_mailbox_new();
	if (!cache_read(folder, c->cached, &extra) || !extra.len || strncmp(extra.data, "mbox ", 5) == 0) {
		buf_free(&extra);
		local_cache_free(c);
		return NULL;
	}
	c->text = buf_detach(&extra);
	size_t cap = 0;
	for (char *line = c->text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *space = strchr(line, ' ');
		if (!space || !space[1])
			continue;
		if (c->n == cap) {
			cap = cap ? cap * 2 : 1024;
			c->names = xrealloc(c->names, cap * sizeof(*c->names));
		}
		c->names[c->n++] = (struct cached_name){ space + 1, strlen(space + 1), (uint32_t)strtoul(line, NULL, 10) };
	}
	if (c->n)
		qsort(c->names, c->n, sizeof(*c->names), name_cmp);
	return c;
}

int local_cache_maildir_add(struct local_cache *c, const struct maildir_entry *entry, size_t unique_len,
                            struct model_mailbox *mbox)
{
	if (!c || !c->n)
		return 0;
	struct cached_name key = { entry->name, unique_len, 0 };
	const struct cached_name *hit = bsearch(&key, c->names, c->n, sizeof(*c->names), name_cmp);
	const struct model_summary *s = hit ? model_mailbox_find_uid(c->cached, hit->uid) : NULL;
	if (!s)
		return 0;
	struct model_summary copy = *s;
	copy.uid = entry->uid;
	copy.flags = entry->flags;
	model_mailbox_add(mbox, &copy);
	return 1;
}

void local_cache_maildir_save(struct local_folder *folder, const struct model_mailbox *mbox, size_t (*unique_len)(const char *))
{
	struct buf extra = BUF_INIT;

	for (size_t i = 0; i < folder->nfiles; i++)
		buf_addf(&extra, "%" PRIu32 " %.*s\n", folder->files[i].uid, (int)unique_len(folder->files[i].name),
		         folder->files[i].name);
	cache_write(folder, mbox, &extra);
	buf_free(&extra);
}

void local_cache_free(struct local_cache *c)
{
	if (!c)
		return;
	model_mailbox_free(c->cached);
	free(c->names);
	free(c->text);
	free(c);
}

int local_cache_mbox_restore(struct local_folder *folder, const struct stat *st, struct model_mailbox *mbox)
{
	if (!folder->cache || !mbox || model_mailbox_count(mbox) != 0)
		return 0;
	struct model_mailbox *cached = model_mailbox_new();
	struct buf extra = BUF_INIT;
	int ok = cache_read(folder, cached, &extra) && extra.len;
	unsigned long long dev, ino, size, sec, nsec;
	char *line = extra.data, *next = NULL;

	if (ok) {
		next = strchr(line, '\n');
		ok = next && sscanf(line, "mbox %llu %llu %llu %llu %llu", &dev, &ino, &size, &sec, &nsec) == 5 &&
		     dev == (unsigned long long)st->st_dev && ino == (unsigned long long)st->st_ino &&
		     size == (unsigned long long)st->st_size && sec == (unsigned long long)st->st_mtim.tv_sec &&
		     nsec == (unsigned long long)st->st_mtim.tv_nsec;
	}
	size_t count = model_mailbox_count(cached);
	struct mbox_entry *msgs = ok ? xcalloc(count + 1, sizeof(*msgs)) : NULL;
	size_t n = 0;
	for (line = next ? next + 1 : NULL; ok && line && *line && n < count; line = next ? next + 1 : NULL) {
		next = strchr(line, '\n');
		long long from, header, header_end, content_end;
		unsigned long long id;
		if (sscanf(line, "%lld %lld %lld %lld %llu", &from, &header, &header_end, &content_end, &id) != 5) {
			ok = 0;
			break;
		}
		msgs[n++] = (struct mbox_entry){ from, header, header_end, content_end, id };
	}
	ok = ok && n == count;
	if (ok) {
		const struct model_summary *all = model_mailbox_summaries(cached);
		model_mailbox_reserve(mbox, count);
		for (size_t i = 0; i < count; i++)
			model_mailbox_add(mbox, &all[i]);
		free(folder->msgs);
		folder->msgs = msgs;
		folder->nmsgs = count;
		folder->dev = st->st_dev;
		folder->ino = st->st_ino;
		folder->size = st->st_size;
		folder->mtime = st->st_mtim;
		msgs = NULL;
	}
	free(msgs);
	buf_free(&extra);
	model_mailbox_free(cached);
	return ok;
}

void local_cache_mbox_save(struct local_folder *folder, const struct model_mailbox *mbox)
{
	struct buf extra = BUF_INIT;

	if (!folder->cache || !mbox || model_mailbox_count(mbox) != folder->nmsgs)
		return;
	buf_addf(&extra, "mbox %llu %llu %llu %llu %llu\n", (unsigned long long)folder->dev,
	         (unsigned long long)folder->ino, (unsigned long long)folder->size,
	         (unsigned long long)folder->mtime.tv_sec, (unsigned long long)folder->mtime.tv_nsec);
	for (size_t i = 0; i < folder->nmsgs; i++) {
		const struct mbox_entry *m = &folder->msgs[i];
		buf_addf(&extra, "%lld %lld %lld %lld %llu\n", (long long)m->from_off, (long long)m->header_off,
		         (long long)m->header_end, (long long)m->content_end, (unsigned long long)m->message_id);
	}
	cache_write(folder, mbox, &extra);
	buf_free(&extra);
}
