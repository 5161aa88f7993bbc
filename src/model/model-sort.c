/* The index view and its flat orders (date, from, subject, size): an
 * array of summary indices sorted without moving a summary. Every key is
 * made into 64 bits first (the date, the size, or the rank of a string
 * among the folder's distinct strings) and sorted by a stable radix sort
 * over indices already in uid order, so ties fall back to the uid for
 * free. Only distinct strings are compared, and only those that agree in
 * their first eight bytes in full. That keeps a re-sort of 100,000
 * messages to a few linear passes.
 * Threads are built in model-thread.c; this file owns the view's life. */
#include "model-private.h"

#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"

static const char *const sort_names[] = {
	[MODEL_SORT_DATE] = "date",
	[MODEL_SORT_THREADS] = "threads",
	[MODEL_SORT_FROM] = "from",
	[MODEL_SORT_SUBJECT] = "subject",
	[MODEL_SORT_SIZE] = "size",
};
static const char *const sort_reverse_names[] = {
	[MODEL_SORT_DATE] = "reverse-date",
	[MODEL_SORT_THREADS] = "reverse-threads",
	[MODEL_SORT_FROM] = "reverse-from",
	[MODEL_SORT_SUBJECT] = "reverse-subject",
	[MODEL_SORT_SIZE] = "reverse-size",
};

const char *model_sort_name(enum model_sort sort, int reverse)
{
	if ((size_t)sort >= LIB_ARRAY_LEN(sort_names))
		return "?";
	return reverse ? sort_reverse_names[sort] : sort_names[sort];
}

int model_sort_parse(const char *name, enum model_sort *sort, int *reverse)
{
	int rev = strncmp(name, "reverse-", 8) == 0;

	if (rev)
		name += 8;
	for (size_t k = 0; k < LIB_ARRAY_LEN(sort_names); k++)
		if (strcmp(name, sort_names[k]) == 0) {
			*sort = (enum model_sort)k;
			*reverse = rev;
			return 0;
		}
	return -1;
}

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static unsigned char fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Reply and forward markers in the languages mail clients commonly write
 * them in; compared case-insensitively, followed by an optional count
 * ("[2]", "^2") and a colon. */
static const char *const reply_words[] = { "re", "aw", "sv", "antw", "fw", "fwd", "wg" };

static int reply_word(const char *p, size_t len)
{
	for (size_t k = 0; k < LIB_ARRAY_LEN(reply_words); k++) {
		const char *w = reply_words[k];
		size_t i = 0;

		while (i < len && w[i] && fold((unsigned char)p[i]) == (unsigned char)w[i])
			i++;
		if (i == len && w[i] == '\0')
			return 1;
	}
	return 0;
}

const char *model_subject_base(const char *subject, size_t *len, int *reply)
{
	const char *p = subject, *tag = NULL, *end;
	int replied = 0;

	for (;;) {
		while (is_space((unsigned char)*p))
			p++;
		if (*p == '[') {
			const char *close = strchr(p + 1, ']');

			if (!close)
				break;
			tag = p;
			p = close + 1;
			continue;
		}
		const char *q = p;
		while ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z'))
			q++;
		if (q == p || !reply_word(p, (size_t)(q - p)))
			break;
		if (*q == '[' || *q == '^') {
			const char *digits = q + 1;

			while (*digits >= '0' && *digits <= '9')
				digits++;
			if (digits == q + 1)
				break;
			q = *q == '[' ? (*digits == ']' ? digits + 1 : q) : digits;
		}
		if (*q != ':')
			break;
		p = q + 1;
		replied = 1;
	}
	if (*p == '\0' && tag)
		p = tag; /* "[SPAM]" alone: the tag is all there is */
	end = p + strlen(p);
	while (end > p && is_space((unsigned char)end[-1]))
		end--;
	*len = (size_t)(end - p);
	if (reply)
		*reply = replied;
	return p;
}

/* The sender as sorted: the display name of "Name <addr>" without its
 * quotes, else the address. */
static const char *from_name(const char *from, size_t *len)
{
	const char *lt = strchr(from, '<'), *p = from, *end;

	if (lt) {
		end = lt;
		while (p < end && (is_space((unsigned char)*p) || *p == '"'))
			p++;
		while (end > p && (is_space((unsigned char)end[-1]) || end[-1] == '"'))
			end--;
		if (end > p) {
			*len = (size_t)(end - p);
			return p;
		}
		p = lt + 1;
		end = strchr(p, '>');
		if (!end)
			end = p + strlen(p);
	} else {
		while (is_space((unsigned char)*p))
			p++;
		end = p + strlen(p);
	}
	while (end > p && is_space((unsigned char)end[-1]))
		end--;
	*len = (size_t)(end - p);
	return p;
}

void model_sort_radix(uint64_t *key, uint32_t *idx, size_t n, uint64_t *key_tmp, uint32_t *idx_tmp)
{
	size_t count[8][256];
	uint64_t *from_key = key, *to_key = key_tmp;
	uint32_t *from_idx = idx, *to_idx = idx_tmp;

	if (n < 2)
		return;
	memset(count, 0, sizeof(count));
	for (size_t i = 0; i < n; i++)
		for (int b = 0; b < 8; b++)
			count[b][key[i] >> (8 * b) & 0xff]++;
	for (int b = 0; b < 8; b++) {
		size_t offset = 0, *c = count[b];

		if (c[key[0] >> (8 * b) & 0xff] == n)
			continue; /* every key has the same byte here */
		for (int v = 0; v < 256; v++) {
			size_t here = c[v];
			c[v] = offset;
			offset += here;
		}
		for (size_t i = 0; i < n; i++) {
			size_t at = c[from_key[i] >> (8 * b) & 0xff]++;
			to_key[at] = from_key[i];
			to_idx[at] = from_idx[i];
		}
		uint64_t *swap_key = from_key;
		uint32_t *swap_idx = from_idx;
		from_key = to_key;
		from_idx = to_idx;
		to_key = swap_key;
		to_idx = swap_idx;
	}
	if (from_key != key) {
		memcpy(key, from_key, n * sizeof(*key));
		memcpy(idx, from_idx, n * sizeof(*idx));
	}
}

void model_sort_by_date(const struct model_summary *summaries, size_t n, uint32_t *idx)
{
	uint64_t *key = xmalloc(n * sizeof(*key)), *key_tmp = xmalloc(n * sizeof(*key));
	uint32_t *idx_tmp = xmalloc(n * sizeof(*idx));

	for (size_t i = 0; i < n; i++) {
		/* Flipping the sign bit orders signed dates as unsigned keys. */
		key[i] = (uint64_t)summaries[i].date ^ (UINT64_C(1) << 63);
		idx[i] = (uint32_t)i;
	}
	model_sort_radix(key, idx, n, key_tmp, idx_tmp);
	free(key);
	free(key_tmp);
	free(idx_tmp);
}

/* A string key: where its bytes are, for the full comparison. */
struct sort_text {
	const unsigned char *text;
	size_t len;
};

static uint64_t text_prefix(const unsigned char *text, size_t len)
{
	uint64_t key = 0;

	for (size_t i = 0; i < 8; i++)
		key = key << 8 | (i < len ? fold(text[i]) : 0);
	return key;
}

/* Strictly before: the case-folded bytes after the first eight (which the
 * radix sort already agreed on), then the index. */
static int text_before(const struct sort_text *texts, uint32_t a, uint32_t b)
{
	const unsigned char *x = texts[a].text + 8, *y = texts[b].text + 8;
	size_t xlen = texts[a].len - 8, ylen = texts[b].len - 8, n = xlen < ylen ? xlen : ylen;

	for (size_t i = 0; i < n; i++)
		if (fold(x[i]) != fold(y[i]))
			return fold(x[i]) < fold(y[i]);
	if (xlen != ylen)
		return xlen < ylen;
	return a < b;
}

/* Merge sort of one run of indices whose keys were equal: insertion sort
 * of blocks, then bottom-up merges between idx and tmp. */
static void sort_text_run(uint32_t *idx, size_t n, uint32_t *tmp, const struct sort_text *texts)
{
	enum { BLOCK = 16 };
	uint32_t *src = idx, *dst = tmp;

	for (size_t lo = 0; lo < n; lo += BLOCK) {
		size_t hi = lo + BLOCK < n ? lo + BLOCK : n;
		for (size_t i = lo + 1; i < hi; i++) {
			uint32_t v = idx[i];
			size_t j = i;
			while (j > lo && text_before(texts, v, idx[j - 1])) {
				idx[j] = idx[j - 1];
				j--;
			}
			idx[j] = v;
		}
	}
	for (size_t width = BLOCK; width < n; width *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * width) {
			size_t mid = lo + width < n ? lo + width : n;
			size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
			size_t i = lo, j = mid, out = lo;
			while (i < mid && j < hi)
				dst[out++] = text_before(texts, src[j], src[i]) ? src[j++] : src[i++];
			while (i < mid)
				dst[out++] = src[i++];
			while (j < hi)
				dst[out++] = src[j++];
		}
		uint32_t *swap = src;
		src = dst;
		dst = swap;
	}
	if (src != idx)
		memcpy(idx, src, n * sizeof(*idx));
}

static int text_equal(const struct sort_text *a, const struct sort_text *b)
{
	if (a->len != b->len)
		return 0;
	for (size_t i = 0; i < a->len; i++)
		if (fold(a->text[i]) != fold(b->text[i]))
			return 0;
	return 1;
}

static uint64_t text_hash(const struct sort_text *t)
{
	uint64_t h = 0xcbf29ce484222325u;

	for (size_t i = 0; i < t->len; i++)
		h = (h ^ fold(t->text[i])) * 0x100000001b3u;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdu;
	h ^= h >> 33;
	return h;
}

/* Replaces each message's text by the rank of its text among the distinct
 * ones (case-folded): a folder has far fewer senders and subjects than
 * messages, so only the distinct texts are compared, and the messages are
 * then radix-sorted by rank. Ranks go into key[]. */
static void texts_rank(const struct sort_text *texts, size_t n, uint64_t *key)
{
	size_t cap = 16, mask, ndistinct = 0;
	uint32_t *slots, *distinct_of, *distinct;
	struct sort_text *unique;
	uint64_t *dkey, *dkey_tmp;
	uint32_t *didx_tmp;

	while (cap < 2 * n)
		cap *= 2;
	mask = cap - 1;
	slots = xmalloc(cap * sizeof(*slots));
	for (size_t k = 0; k < cap; k++)
		slots[k] = MODEL_NONE;
	distinct_of = xmalloc(n * sizeof(*distinct_of));
	unique = xmalloc(n * sizeof(*unique));
	for (size_t i = 0; i < n; i++) {
		size_t at = (size_t)text_hash(&texts[i]) & mask;

		while (slots[at] != MODEL_NONE && !text_equal(&unique[slots[at]], &texts[i]))
			at = (at + 1) & mask;
		if (slots[at] == MODEL_NONE) {
			slots[at] = (uint32_t)ndistinct;
			unique[ndistinct++] = texts[i];
		}
		distinct_of[i] = slots[at];
	}
	free(slots);

	/* Sort the distinct texts: by their first eight bytes, then in full
	 * where those agree. */
	distinct = xmalloc(ndistinct * sizeof(*distinct));
	dkey = xmalloc(ndistinct * sizeof(*dkey));
	dkey_tmp = xmalloc(ndistinct * sizeof(*dkey));
	didx_tmp = xmalloc(ndistinct * sizeof(*didx_tmp));
	for (size_t d = 0; d < ndistinct; d++) {
		distinct[d] = (uint32_t)d;
		dkey[d] = text_prefix(unique[d].text, unique[d].len);
	}
	model_sort_radix(dkey, distinct, ndistinct, dkey_tmp, didx_tmp);
	/* A key whose last byte is not 0 came from a text of eight bytes or
	 * more: equal keys may still hide different texts. */
	for (size_t i = 0, j; i < ndistinct; i = j) {
		for (j = i + 1; j < ndistinct && dkey[j] == dkey[i]; j++)
			;
		if (j - i > 1 && (dkey[i] & 0xff) != 0)
			sort_text_run(distinct + i, j - i, didx_tmp, unique);
	}
	for (size_t r = 0; r < ndistinct; r++)
		dkey[distinct[r]] = r;
	for (size_t i = 0; i < n; i++)
		key[i] = dkey[distinct_of[i]];
	free(distinct_of);
	free(unique);
	free(distinct);
	free(dkey);
	free(dkey_tmp);
	free(didx_tmp);
}

/* Sorts order[0..n) (summary indices) by the flat order sort. */
static void sort_flat(uint32_t *order, const struct model_summary *s, size_t n, enum model_sort sort)
{
	uint64_t *key = xmalloc(n * sizeof(*key)), *key_tmp = xmalloc(n * sizeof(*key));
	uint32_t *idx_tmp = xmalloc(n * sizeof(*idx_tmp));
	struct sort_text *texts = NULL;

	if (sort == MODEL_SORT_FROM || sort == MODEL_SORT_SUBJECT)
		texts = xmalloc(n * sizeof(*texts));
	for (size_t i = 0; i < n; i++) {
		order[i] = (uint32_t)i;
		switch (sort) {
		case MODEL_SORT_SIZE:
			key[i] = s[i].size;
			break;
		case MODEL_SORT_FROM:
		case MODEL_SORT_SUBJECT: {
			size_t len;
			const char *text = sort == MODEL_SORT_FROM ? from_name(s[i].from, &len)
				: model_subject_base(s[i].subject, &len, NULL);
			texts[i].text = (const unsigned char *)text;
			texts[i].len = len;
			break;
		}
		default:
			key[i] = (uint64_t)s[i].date ^ (UINT64_C(1) << 63);
			break;
		}
	}
	if (texts) {
		texts_rank(texts, n, key);
		free(texts);
	}
	model_sort_radix(key, order, n, key_tmp, idx_tmp);
	free(key);
	free(key_tmp);
	free(idx_tmp);
}

struct model_view *model_view_new(void)
{
	return xcalloc(1, sizeof(struct model_view));
}

static void view_drop_threads(struct model_view *view)
{
	free(view->parent);
	free(view->tree);
	free(view->threads);
	free(view->rows);
	view->parent = view->tree = view->rows = NULL;
	view->threads = NULL;
	view->nthreads = view->ncollapsed = 0;
}

void model_view_free(struct model_view *view)
{
	if (!view)
		return;
	view_drop_threads(view);
	free(view->order);
	free(view->position);
	free(view);
}

void model_view_build(struct model_view *view, struct model_mailbox *mbox, enum model_sort sort, int reverse)
{
	size_t n = model_mailbox_count(mbox);
	const struct model_summary *s = model_mailbox_summaries(mbox);

	/* The tree word keeps the depth above two flag bits. */
	if (n > UINT32_MAX >> MODEL_TREE_DEPTH_SHIFT)
		lib_fatal("mailbox too large to sort (%zu messages)", n);
	view->mbox = mbox;
	view->sort = sort;
	view->reverse = reverse;
	view->count = n;
	view->order = xrealloc(view->order, n * sizeof(*view->order));
	view->position = xrealloc(view->position, n * sizeof(*view->position));
	if (sort == MODEL_SORT_THREADS) {
		view->parent = xrealloc(view->parent, n * sizeof(*view->parent));
		view->tree = xrealloc(view->tree, n * sizeof(*view->tree));
		model_thread_build(view, s, reverse);
	} else {
		view_drop_threads(view);
		sort_flat(view->order, s, n, sort);
		if (reverse)
			for (size_t i = 0; i < n / 2; i++) {
				uint32_t swap = view->order[i];
				view->order[i] = view->order[n - 1 - i];
				view->order[n - 1 - i] = swap;
			}
		view->nrows = n;
	}
	for (size_t pos = 0; pos < n; pos++)
		view->position[view->order[pos]] = (uint32_t)pos;
}

size_t model_view_count(const struct model_view *view)
{
	return view->nrows;
}

size_t model_view_summary(const struct model_view *view, size_t row)
{
	if (row >= view->nrows)
		return (size_t)-1;
	return view->order[view->ncollapsed ? view->rows[row] : row];
}

size_t model_view_find_uid(const struct model_view *view, uint32_t uid)
{
	const struct model_summary *s;
	size_t lo = 0, hi;

	if (!view->mbox || view->count == 0)
		return (size_t)-1;
	/* The summaries are sorted by uid; a mailbox that changed since the
	 * build is only read as far as the view goes. */
	s = model_mailbox_summaries(view->mbox);
	hi = model_mailbox_count(view->mbox);
	if (hi > view->count)
		hi = view->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo >= view->count || s[lo].uid != uid)
		return (size_t)-1;
	return model_view_position_row(view, view->position[lo]);
}

size_t model_view_memory(const struct model_view *view)
{
	size_t words = 2 + (view->parent ? 2 : 0) + (view->rows ? 1 : 0);

	return sizeof(*view) + words * view->count * sizeof(uint32_t) +
		view->nthreads * sizeof(*view->threads);
}

int model_folder_compare(const char *a, const char *b)
{
	int a_inbox = strcmp(a, "INBOX") == 0, b_inbox = strcmp(b, "INBOX") == 0;

	if (a_inbox != b_inbox)
		return b_inbox - a_inbox;
	return strcmp(a, b);
}
