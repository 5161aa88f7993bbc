/* The in-memory mailbox: a uid-sorted array of summaries plus an arena of
 * large chunks holding their strings and reference ids, so loading 100,000
 * messages costs a few hundred allocations, not half a million, and a
 * summary's strings never move when the array grows or is re-sorted. */
#include "model.h"

#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"

/* Chunks start small (most folders are small) and double up to a cap; a
 * request bigger than half the cap gets a chunk of its own. */
#define ARENA_FIRST_CHUNK 4096
#define ARENA_MAX_CHUNK (1024 * 1024)
#define ARENA_ALIGN 8

struct arena_chunk {
	struct arena_chunk *next;
	size_t size;
	size_t used;
	_Alignas(ARENA_ALIGN) char data[];
};

struct model_mailbox {
	struct model_summary *summaries;
	size_t count;
	size_t cap;
	size_t sorted;                /* [0, sorted) is sorted by uid with no repeats; the rest is the tail */
	struct arena_chunk *chunks;   /* the current chunk first */
	size_t next_chunk;            /* size of the next regular chunk */
	size_t arena_bytes;
};

struct model_mailbox *model_mailbox_new(void)
{
	struct model_mailbox *mbox = xcalloc(1, sizeof(*mbox));

	mbox->next_chunk = ARENA_FIRST_CHUNK;
	return mbox;
}

static void arena_release(struct model_mailbox *mbox)
{
	struct arena_chunk *chunk, *next;

	for (chunk = mbox->chunks; chunk; chunk = next) {
		next = chunk->next;
		free(chunk);
	}
	mbox->chunks = NULL;
	mbox->next_chunk = ARENA_FIRST_CHUNK;
	mbox->arena_bytes = 0;
}

void model_mailbox_free(struct model_mailbox *mbox)
{
	if (!mbox)
		return;
	arena_release(mbox);
	free(mbox->summaries);
	free(mbox);
}

void model_mailbox_clear(struct model_mailbox *mbox)
{
	arena_release(mbox);
	mbox->count = mbox->sorted = 0;
}

static void *arena_alloc(struct model_mailbox *mbox, size_t len, size_t align)
{
	struct arena_chunk *chunk = mbox->chunks;
	size_t off;

	if (chunk) {
		off = (chunk->used + align - 1) & ~(align - 1);
		if (off <= chunk->size && len <= chunk->size - off) {
			chunk->used = off + len;
			return chunk->data + off;
		}
	}
	if (len > ARENA_MAX_CHUNK / 2) {
		/* A chunk of its own, linked behind the current one so that the
		 * current chunk's free space is still used. */
		struct arena_chunk *big = xmalloc(sizeof(*big) + len);

		big->size = big->used = len;
		mbox->arena_bytes += sizeof(*big) + len;
		if (chunk) {
			big->next = chunk->next;
			chunk->next = big;
		} else {
			big->next = NULL;
			mbox->chunks = big;
		}
		return big->data;
	}
	while (mbox->next_chunk < len)
		mbox->next_chunk *= 2;
	chunk = xmalloc(sizeof(*chunk) + mbox->next_chunk);
	chunk->size = mbox->next_chunk;
	chunk->used = len;
	chunk->next = mbox->chunks;
	mbox->chunks = chunk;
	mbox->arena_bytes += sizeof(*chunk) + chunk->size;
	if (mbox->next_chunk < ARENA_MAX_CHUNK)
		mbox->next_chunk *= 2;
	return chunk->data;
}

const char *model_mailbox_strndup(struct model_mailbox *mbox, const char *s, size_t len)
{
	char *copy;

	if (len == 0)
		return "";
	copy = arena_alloc(mbox, len + 1, 1);
	memcpy(copy, s, len);
	copy[len] = '\0';
	return copy;
}

const uint64_t *model_mailbox_ids_copy(struct model_mailbox *mbox, const uint64_t *ids, size_t n)
{
	uint64_t *copy;

	if (n == 0)
		return NULL;
	if (n > SIZE_MAX / sizeof(*ids))
		lib_fatal("reference list too long");
	copy = arena_alloc(mbox, n * sizeof(*ids), ARENA_ALIGN);
	memcpy(copy, ids, n * sizeof(*ids));
	return copy;
}

void model_mailbox_reserve(struct model_mailbox *mbox, size_t count)
{
	if (count <= mbox->cap)
		return;
	if (count > SIZE_MAX / sizeof(*mbox->summaries))
		lib_fatal("mailbox too large");
	mbox->summaries = xrealloc(mbox->summaries, count * sizeof(*mbox->summaries));
	mbox->cap = count;
}

struct model_summary *model_mailbox_add_nocopy(struct model_mailbox *mbox, const struct model_summary *tmpl)
{
	struct model_summary *slot;

	/* Appending in order keeps the array settled; the same uid as the last
	 * one replaces it in place. */
	if (mbox->sorted == mbox->count && mbox->count > 0 && tmpl->uid == mbox->summaries[mbox->count - 1].uid) {
		slot = &mbox->summaries[mbox->count - 1];
		*slot = *tmpl;
		return slot;
	}
	if (mbox->count == mbox->cap)
		model_mailbox_reserve(mbox, mbox->cap ? mbox->cap * 2 : 64);
	slot = &mbox->summaries[mbox->count];
	*slot = *tmpl;
	if (mbox->sorted == mbox->count && (mbox->count == 0 || tmpl->uid > slot[-1].uid))
		mbox->sorted++;
	mbox->count++;
	return slot;
}

static const char *copy_str(struct model_mailbox *mbox, const char *s)
{
	return s ? model_mailbox_strndup(mbox, s, strlen(s)) : "";
}

struct model_summary *model_mailbox_add(struct model_mailbox *mbox, const struct model_summary *tmpl)
{
	struct model_summary copy = *tmpl;

	copy.from = copy_str(mbox, tmpl->from);
	copy.to = copy_str(mbox, tmpl->to);
	copy.cc = copy_str(mbox, tmpl->cc);
	copy.subject = copy_str(mbox, tmpl->subject);
	if (!tmpl->references)
		copy.nreferences = 0;
	copy.references = model_mailbox_ids_copy(mbox, tmpl->references, copy.nreferences);
	return model_mailbox_add_nocopy(mbox, &copy);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Merges the unsorted tail into the sorted prefix. The tail is sorted
 * through (uid, position) keys so the later of two equal uids wins, then
 * merged from the back into the array in place; only the tail is copied. */
static void mailbox_settle(struct model_mailbox *mbox)
{
	size_t tail_len = mbox->count - mbox->sorted, kept = 0;
	struct model_summary *base = mbox->summaries, *tail;
	uint64_t *keys;

	if (tail_len == 0)
		return;
	keys = xmalloc(tail_len * sizeof(*keys));
	for (size_t k = 0; k < tail_len; k++)
		keys[k] = (uint64_t)base[mbox->sorted + k].uid << 32 | k;
	qsort(keys, tail_len, sizeof(*keys), cmp_u64);
	tail = xmalloc(tail_len * sizeof(*tail));
	for (size_t k = 0; k < tail_len; k++) {
		if (k + 1 < tail_len && keys[k] >> 32 == keys[k + 1] >> 32)
			continue; /* a later add of the same uid follows */
		tail[kept++] = base[mbox->sorted + (keys[k] & 0xffffffffu)];
	}
	free(keys);

	/* out - i > j holds throughout, so no unread prefix entry is overwritten. */
	size_t i = mbox->sorted, j = kept, out = mbox->sorted + kept;
	while (j > 0) {
		if (i > 0 && base[i - 1].uid > tail[j - 1].uid)
			base[--out] = base[--i];
		else if (i > 0 && base[i - 1].uid == tail[j - 1].uid)
			i--; /* replaced by the tail's copy */
		else
			base[--out] = tail[--j];
	}
	if (out > i)
		memmove(base + i, base + out, (mbox->sorted + kept - out) * sizeof(*base));
	mbox->count = mbox->sorted = i + (mbox->sorted + kept - out);
	free(tail);
}

/* Reading a mailbox may settle it: the set of summaries is unchanged, so
 * the const accessors cast (the mailbox is always heap-allocated). */
size_t model_mailbox_count(const struct model_mailbox *mbox)
{
	mailbox_settle((struct model_mailbox *)mbox);
	return mbox->count;
}

const struct model_summary *model_mailbox_summaries(const struct model_mailbox *mbox)
{
	mailbox_settle((struct model_mailbox *)mbox);
	return mbox->summaries;
}

static size_t lower_bound(const struct model_summary *s, size_t count, uint32_t uid)
{
	size_t lo = 0, hi = count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct model_summary *model_mailbox_find_uid(struct model_mailbox *mbox, uint32_t uid)
{
	size_t at;

	mailbox_settle(mbox);
	at = lower_bound(mbox->summaries, mbox->count, uid);
	return at < mbox->count && mbox->summaries[at].uid == uid ? &mbox->summaries[at] : NULL;
}

size_t model_mailbox_remove_uids(struct model_mailbox *mbox, const uint32_t *uids, size_t n)
{
	unsigned char *doomed;
	size_t removed = 0, out = 0;

	mailbox_settle(mbox);
	if (n == 0 || mbox->count == 0)
		return 0;
	doomed = xcalloc(mbox->count / 8 + 1, 1);
	for (size_t k = 0; k < n; k++) {
		size_t at = lower_bound(mbox->summaries, mbox->count, uids[k]);
		if (at < mbox->count && mbox->summaries[at].uid == uids[k] && !(doomed[at / 8] & 1u << at % 8)) {
			doomed[at / 8] |= 1u << at % 8;
			removed++;
		}
	}
	if (removed) {
		for (size_t k = 0; k < mbox->count; k++)
			if (!(doomed[k / 8] & 1u << k % 8))
				mbox->summaries[out++] = mbox->summaries[k];
		mbox->count = mbox->sorted = out;
	}
	free(doomed);
	return removed;
}

size_t model_mailbox_memory(const struct model_mailbox *mbox)
{
	return sizeof(*mbox) + mbox->cap * sizeof(*mbox->summaries) + mbox->arena_bytes;
}
