/* Threads for the index: Jamie Zawinski's algorithm
 * (https://www.jwz.org/doc/threading.html) over the 64-bit Message-ID
 * hashes, and the thread view's rows: tree prefixes and collapse.
 *
 * A container (one per Message-ID, or per message without a usable one)
 * is a uint32_t into parallel arrays, the id table is open addressing on
 * the hashes, and a build allocates a handful of arrays, never one object
 * per message, so 100,000 messages re-thread in about 20 ms.
 * Where JWZ sorts children and threads with comparisons, one radix sort
 * by date ranks every message and lists are built in rank order. Every
 * walk is a loop, never recursion: a 100,000-deep reply chain is legal. */
#include "model-private.h"

#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"

/* One slot of the id table: key and value side by side, so a lookup
 * costs one cache miss. */
struct id_slot {
	uint64_t id;        /* 0 marks a free slot (no id hashes to 0) */
	uint32_t cont;
};

/* One build's working memory, freed at its end. Empty containers stand
 * for messages that are referenced but not in the mailbox; "invisible
 * roots" are the empty containers kept as the root of a thread. */
struct thread_work {
	const struct model_summary *summaries;
	uint32_t nmsg;

	/* Containers, parallel arrays of cap entries. */
	uint32_t *parent;   /* linking: the parent so far; from pruning on: the parent in the tree, and for
	                     * an invisible root merged into another, that other root */
	uint32_t *nchild;   /* linking: children (a leaf cannot close a cycle); pruning: the messages under
	                     * an empty root (fewer than two and it goes) */
	uint32_t *msg;      /* summary index; MODEL_NONE when empty */
	uint32_t *first;    /* pruning: what a container hands its children; grouping: invisible roots
	                     * seen; then: first child (an invisible root without one is gone) */
	uint32_t *next;     /* pruning: a stack; then: next sibling, children in date order */
	uint32_t ncont;
	uint32_t cap;

	/* Message-ID hash -> container, open addressing. */
	struct id_slot *ids;
	size_t id_cap;
	size_t id_count;

	/* Per message. */
	uint32_t *cont_of;  /* summary index -> its container */
	uint32_t *by_date;  /* (date, uid) order -> summary index */
	uint32_t *rank;     /* summary index -> place in by_date */
};

static void work_reserve(struct thread_work *w, size_t need)
{
	size_t cap = w->cap ? w->cap : 64;

	if (need <= w->cap)
		return;
	while (cap < need)
		cap *= 2;
	if (cap > MODEL_NONE)
		cap = MODEL_NONE;
	if (need > cap)
		lib_fatal("too many messages to thread");
	w->parent = xrealloc(w->parent, cap * sizeof(uint32_t));
	w->nchild = xrealloc(w->nchild, cap * sizeof(uint32_t));
	w->msg = xrealloc(w->msg, cap * sizeof(uint32_t));
	w->first = xrealloc(w->first, cap * sizeof(uint32_t));
	w->next = xrealloc(w->next, cap * sizeof(uint32_t));
	w->cap = (uint32_t)cap;
}

static uint32_t container_new(struct thread_work *w, uint32_t msg)
{
	uint32_t c;

	if (w->ncont == w->cap)
		work_reserve(w, (size_t)w->ncont + 1);
	c = w->ncont++;
	w->parent[c] = MODEL_NONE;
	w->nchild[c] = 0;
	w->msg[c] = msg;
	w->first[c] = w->next[c] = MODEL_NONE;
	return c;
}

static void id_table_grow(struct thread_work *w, size_t cap)
{
	struct id_slot *old = w->ids;
	size_t old_cap = w->id_cap, mask = cap - 1;

	w->ids = xcalloc(cap, sizeof(*w->ids));
	w->id_cap = cap;
	for (size_t k = 0; k < old_cap; k++) {
		size_t i;

		if (!old[k].id)
			continue;
		for (i = (size_t)old[k].id & mask; w->ids[i].id; i = (i + 1) & mask)
			;
		w->ids[i] = old[k];
	}
	free(old);
}

/* The table slot of id, added (holding MODEL_NONE) when new. The hashes
 * are already mixed (model_id_hash), so their low bits index directly. */
static uint32_t *id_slot(struct thread_work *w, uint64_t id)
{
	size_t mask, i;

	if ((w->id_count + 1) * 2 > w->id_cap)
		id_table_grow(w, w->id_cap * 2);
	mask = w->id_cap - 1;
	for (i = (size_t)id & mask; w->ids[i].id; i = (i + 1) & mask)
		if (w->ids[i].id == id)
			return &w->ids[i].cont;
	w->ids[i].id = id;
	w->ids[i].cont = MODEL_NONE;
	w->id_count++;
	return &w->ids[i].cont;
}

static uint32_t id_container(struct thread_work *w, uint64_t id)
{
	uint32_t *slot = id_slot(w, id);

	if (*slot == MODEL_NONE)
		*slot = container_new(w, MODEL_NONE);
	return *slot;
}

/* Would making parent the parent of child close a cycle? Only if child is
 * parent or one of its ancestors; a child without children cannot be. */
static int would_loop(const struct thread_work *w, uint32_t parent, uint32_t child)
{
	if (parent == child)
		return 1;
	if (w->nchild[child] == 0)
		return 0;
	for (uint32_t up = w->parent[parent]; up != MODEL_NONE; up = w->parent[up])
		if (up == child)
			return 1;
	return 0;
}

static void link_child(struct thread_work *w, uint32_t parent, uint32_t child)
{
	if (w->parent[child] != MODEL_NONE)
		w->nchild[w->parent[child]]--;
	w->parent[child] = parent;
	w->nchild[parent]++;
}

/* JWZ steps 1 and 2: a container per id, linked by References and
 * In-Reply-To. Only parent pointers and child counts are kept here; the
 * child lists are built once the tree is final. */
static void thread_link(struct thread_work *w)
{
	for (uint32_t m = 0; m < w->nmsg; m++) {
		const struct model_summary *s = &w->summaries[m];
		uint32_t c = MODEL_NONE, prev = MODEL_NONE;
		size_t nref = s->references ? s->nreferences : 0;

		if (s->message_id) {
			uint32_t *slot = id_slot(w, s->message_id);

			if (*slot == MODEL_NONE)
				c = *slot = container_new(w, m);
			else if (w->msg[*slot] == MODEL_NONE)
				w->msg[c = *slot] = m;
			/* else a duplicate id: the earlier uid keeps it */
		}
		if (c == MODEL_NONE)
			c = container_new(w, m);
		w->cont_of[m] = c;

		/* The references chain, oldest first, then In-Reply-To unless it
		 * repeats the last reference. Links already made are kept. */
		for (size_t k = 0; k <= nref; k++) {
			uint64_t id = k < nref ? s->references[k] : s->in_reply_to;
			uint32_t rc;

			if (!id || (k == nref && nref > 0 && s->references[nref - 1] == id))
				continue;
			rc = id_container(w, id);
			if (prev != MODEL_NONE && w->parent[rc] == MODEL_NONE && !would_loop(w, prev, rc))
				link_child(w, prev, rc);
			prev = rc;
		}
		/* The message's own references outrank a parent guessed from
		 * other messages' chains; with none, the guess stands. */
		if (prev != MODEL_NONE && w->parent[c] != prev && !would_loop(w, prev, c))
			link_child(w, prev, c);
	}
}

/* JWZ step 4, without mutating lists: a message's parent becomes its
 * nearest ancestor that holds a message, or the empty root above it when
 * there is none. Empty roots with one message under them vanish (that
 * message becomes the root); with two or more they stay, invisible. */
static void thread_prune(struct thread_work *w)
{
	uint32_t *hand = w->first, *stack = w->next;

	for (uint32_t c = 0; c < w->ncont; c++)
		hand[c] = MODEL_NONE;
	/* hand[c]: what c gives its children as their parent: itself if it
	 * holds a message or is a root, else what its own parent gives. */
	for (uint32_t c = 0; c < w->ncont; c++) {
		uint32_t up = c;
		size_t depth = 0;

		while (hand[up] == MODEL_NONE) {
			stack[depth++] = up;
			if (w->parent[up] == MODEL_NONE)
				break;
			up = w->parent[up];
		}
		while (depth > 0) {
			uint32_t y = stack[--depth], p = w->parent[y];
			hand[y] = p == MODEL_NONE || w->msg[y] != MODEL_NONE ? y : hand[p];
		}
	}
	for (uint32_t c = 0; c < w->ncont; c++)
		w->nchild[c] = 0;
	for (uint32_t c = 0; c < w->ncont; c++) {
		uint32_t p = w->parent[c];

		if (w->msg[c] == MODEL_NONE) {
			w->parent[c] = MODEL_NONE; /* a root, or gone */
			continue;
		}
		p = p == MODEL_NONE ? MODEL_NONE : hand[p];
		w->parent[c] = p;
		if (p != MODEL_NONE && w->msg[p] == MODEL_NONE)
			w->nchild[p]++;
	}
	for (uint32_t c = 0; c < w->ncont; c++) {
		uint32_t p = w->parent[c];

		if (w->msg[c] != MODEL_NONE && p != MODEL_NONE && w->msg[p] == MODEL_NONE && w->nchild[p] < 2)
			w->parent[c] = MODEL_NONE;
	}
}

/* A subject base's identity for grouping: case-folded, runs of white
 * space as one space. Like the id hashes, a collision would only join
 * two threads. Never 0 for a non-empty base. */
static uint64_t subject_hash(const char *base, size_t len)
{
	uint64_t h = 0xcbf29ce484222325u;
	int space = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)base[i];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			space = 1;
			continue;
		}
		if (space) {
			h = (h ^ ' ') * 0x100000001b3u;
			space = 0;
		}
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		h = (h ^ c) * 0x100000001b3u;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdu;
	h ^= h >> 33;
	return h ? h : 1;
}

/* The subject table's entry: the root that stands for a subject, and
 * whether that root's own subject carried a reply marker. */
struct subject_slot {
	uint64_t key;       /* subject_hash; 0 for a free slot */
	uint32_t root;
	uint32_t reply;
};

/* Joins root r to the subject's root (JWZ step 5) and makes the slot
 * name whichever root now stands for the subject. */
static void thread_merge(struct thread_work *w, struct subject_slot *slot, uint32_t r, int r_reply)
{
	uint32_t t = slot->root, e;
	int t_empty = w->msg[t] == MODEL_NONE, r_empty = w->msg[r] == MODEL_NONE;

	if (t_empty && r_empty) {
		/* r's children move to t: they find t through r's parent. */
		w->parent[r] = t;
		return;
	}
	if (t_empty || r_empty) {
		uint32_t root = t_empty ? t : r, child = t_empty ? r : t;
		w->parent[child] = root;
		slot->root = root;
		return;
	}
	if (!slot->reply && r_reply) {
		w->parent[r] = t;
		return;
	}
	if (slot->reply && !r_reply) {
		w->parent[t] = r;
		slot->root = r;
		slot->reply = 0;
		return;
	}
	/* Both replies or neither: siblings, not a guessed parent and child. */
	e = container_new(w, MODEL_NONE);
	w->parent[t] = w->parent[r] = e;
	slot->root = e;
}

/* JWZ step 5: roots with the same subject base become one thread. Roots
 * are met in date order, so the oldest message of a subject is the first
 * candidate; an invisible root takes the subject of its oldest message.
 * The subjects themselves are read first, in uid order, which is the
 * order they lie in memory. */
static void thread_group_subjects(struct thread_work *w)
{
	size_t cap = 16, mask, nroots = 0;
	uint64_t *keys = xmalloc(((size_t)w->nmsg + 1) * sizeof(*keys));
	unsigned char *replies = xmalloc((size_t)w->nmsg + 1);
	struct subject_slot *table;

	for (uint32_t m = 0; m < w->nmsg; m++) {
		uint32_t p = w->parent[w->cont_of[m]];
		const char *base;
		size_t len;
		int reply;

		keys[m] = 0;
		if (p != MODEL_NONE && w->msg[p] != MODEL_NONE)
			continue; /* not a root, nor under an invisible one */
		base = model_subject_base(w->summaries[m].subject, &len, &reply);
		if (len == 0)
			continue;
		keys[m] = subject_hash(base, len);
		replies[m] = (unsigned char)reply;
		nroots++;
	}
	while (cap < 2 * nroots)
		cap *= 2;
	mask = cap - 1;
	table = xcalloc(cap, sizeof(*table));
	/* Each merge that makes a new invisible root takes two message roots
	 * out for good, so this is enough and the arrays stay put. */
	work_reserve(w, (size_t)w->ncont + w->nmsg / 2 + 1);
	for (uint32_t c = 0; c < w->ncont; c++)
		w->first[c] = MODEL_NONE;
	for (uint32_t k = 0; k < w->nmsg; k++) {
		uint32_t m = w->by_date[k], c, p, root;
		uint64_t key = keys[m];
		size_t i;

		if (!key)
			continue;
		c = w->cont_of[m];
		p = w->parent[c];
		if (p == MODEL_NONE) {
			root = c;
		} else if (w->first[p] == MODEL_NONE) {
			root = p;
			w->first[p] = 0; /* seen */
		} else {
			continue;
		}
		for (i = (size_t)key & mask; table[i].key && table[i].key != key; i = (i + 1) & mask)
			;
		if (!table[i].key) {
			table[i].key = key;
			table[i].root = root;
			table[i].reply = replies[m];
		} else {
			thread_merge(w, &table[i], root, replies[m]);
		}
	}
	free(table);
	free(keys);
	free(replies);
}

/* Children lists in date order: messages are prepended to their parent's
 * list from the newest down. Parents are resolved through merged
 * invisible roots and stored back, so the tree walk needs no lookups. */
static void thread_children(struct thread_work *w)
{
	for (uint32_t c = 0; c < w->ncont; c++)
		w->first[c] = w->next[c] = MODEL_NONE;
	for (uint32_t k = w->nmsg; k-- > 0;) {
		uint32_t c = w->cont_of[w->by_date[k]], p = w->parent[c];

		if (p == MODEL_NONE)
			continue;
		if (w->msg[p] == MODEL_NONE && w->parent[p] != MODEL_NONE)
			p = w->parent[p];
		w->parent[c] = p;
		w->next[c] = w->first[p];
		w->first[p] = c;
	}
}

static int uid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* rows[] from the collapse state: each thread's positions, or only its
 * top one when collapsed. */
static void view_rows_update(struct model_view *view)
{
	size_t k = 0;

	if (view->ncollapsed == 0) {
		free(view->rows);
		view->rows = NULL;
		view->nrows = view->count;
		return;
	}
	/* Sized by the messages of this build: a rebuild may have more. */
	view->rows = xrealloc(view->rows, view->count * sizeof(*view->rows));
	for (size_t t = 0; t < view->nthreads; t++) {
		const struct model_view_thread *th = &view->threads[t];
		uint32_t n = th->collapsed ? 1 : th->count;
		for (uint32_t i = 0; i < n; i++)
			view->rows[k++] = th->start + i;
	}
	view->nrows = k;
}

/* A thread as laid out in scratch, before threads are ordered. */
struct thread_span {
	uint32_t start;
	uint32_t count;
	uint32_t newest;    /* the highest date rank in the thread */
};

/* Lays the trees out depth first, thread by thread, into scratch arrays,
 * then copies the threads into the view in the order of their newest
 * message. Ranks are unique, so ordering threads is a bucket pass. */
static void thread_layout(struct thread_work *w, struct model_view *view, int reverse)
{
	uint32_t n = w->nmsg, npos = 0, nspans = 0;
	uint32_t *order = xmalloc(((size_t)n * 5 + 1) * sizeof(uint32_t));
	uint32_t *parent = order + n, *tree = parent + n, *at_depth = tree + n, *by_newest = at_depth + n + 1;
	struct thread_span *spans = xmalloc(((size_t)n + 1) * sizeof(*spans));

	for (uint32_t root = 0; root < w->ncont; root++) {
		uint32_t x = root, depth = 0, start = npos, newest = 0;
		int invisible = w->msg[root] == MODEL_NONE;

		if (w->parent[root] != MODEL_NONE || (invisible && w->first[root] == MODEL_NONE))
			continue;
		for (;;) {
			uint32_t m = w->msg[x];

			if (m != MODEL_NONE) {
				uint32_t pos = npos++;
				order[pos] = m;
				at_depth[depth] = pos;
				parent[pos] = depth == 0 || (invisible && depth == 1) ? MODEL_NONE : at_depth[depth - 1];
				tree[pos] = depth << MODEL_TREE_DEPTH_SHIFT |
					(w->next[x] == MODEL_NONE ? MODEL_TREE_LAST : 0) |
					(invisible && depth == 1 && w->first[root] == x ? MODEL_TREE_TOP : 0);
				if (w->rank[m] > newest)
					newest = w->rank[m];
			}
			if (w->first[x] != MODEL_NONE) {
				x = w->first[x];
				depth++;
				continue;
			}
			while (x != root && w->next[x] == MODEL_NONE) {
				x = w->parent[x];
				depth--;
			}
			if (x == root)
				break;
			x = w->next[x];
		}
		spans[nspans].start = start;
		spans[nspans].count = npos - start;
		spans[nspans++].newest = newest;
	}
	if (npos != n)
		lib_fatal("threading lost messages (%u of %u laid out)", npos, n);

	for (uint32_t k = 0; k < n; k++)
		by_newest[k] = MODEL_NONE;
	for (uint32_t t = 0; t < nspans; t++)
		by_newest[spans[t].newest] = t;
	free(view->threads);
	view->threads = xmalloc(((size_t)nspans + 1) * sizeof(*view->threads));
	view->nthreads = nspans;
	for (uint32_t k = 0, out = 0, placed = 0; k < n; k++) {
		uint32_t t = by_newest[reverse ? n - 1 - k : k];
		const struct thread_span *from;
		struct model_view_thread *to;

		if (t == MODEL_NONE)
			continue;
		from = &spans[t];
		for (uint32_t i = 0; i < from->count; i++) {
			uint32_t p = parent[from->start + i];
			view->order[out + i] = order[from->start + i];
			view->parent[out + i] = p == MODEL_NONE ? MODEL_NONE : p - from->start + out;
			view->tree[out + i] = tree[from->start + i];
		}
		to = &view->threads[placed++];
		to->start = out;
		to->count = from->count;
		to->top_uid = 0;
		to->collapsed = 0;
		out += from->count;
	}
	free(order);
	free(spans);
}

void model_thread_build(struct model_view *view, const struct model_summary *summaries, int reverse)
{
	struct thread_work w = { .summaries = summaries, .nmsg = (uint32_t)view->count };
	uint32_t *collapsed = NULL;
	size_t ncollapsed = 0;

	/* Collapse state is kept by the uid on top of each collapsed thread. */
	if (view->ncollapsed) {
		collapsed = xmalloc(view->ncollapsed * sizeof(*collapsed));
		for (size_t t = 0; t < view->nthreads; t++)
			if (view->threads[t].collapsed)
				collapsed[ncollapsed++] = view->threads[t].top_uid;
		qsort(collapsed, ncollapsed, sizeof(*collapsed), uid_cmp);
	}

	work_reserve(&w, (size_t)w.nmsg + w.nmsg / 2 + 16);
	w.cont_of = xmalloc(((size_t)w.nmsg * 3 + 1) * sizeof(uint32_t));
	w.by_date = w.cont_of + w.nmsg;
	w.rank = w.by_date + w.nmsg;
	model_sort_by_date(summaries, w.nmsg, w.by_date);
	for (uint32_t k = 0; k < w.nmsg; k++)
		w.rank[w.by_date[k]] = k;

	/* Most ids are the messages' own: room for that many at half load,
	 * grown if references name many more. */
	{
		size_t cap = 1024;
		while (cap < 2 * (size_t)w.nmsg)
			cap *= 2;
		id_table_grow(&w, cap);
	}
	thread_link(&w);
	free(w.ids);
	thread_prune(&w);
	thread_group_subjects(&w);
	thread_children(&w);
	thread_layout(&w, view, reverse);

	free(w.parent);
	free(w.nchild);
	free(w.msg);
	free(w.first);
	free(w.next);
	free(w.cont_of);

	view->ncollapsed = 0;
	for (size_t t = 0; t < view->nthreads && ncollapsed; t++) {
		struct model_view_thread *th = &view->threads[t];
		uint32_t top_uid = summaries[view->order[th->start]].uid;

		if (th->count > 1 && bsearch(&top_uid, collapsed, ncollapsed, sizeof(*collapsed), uid_cmp)) {
			th->collapsed = 1;
			th->top_uid = top_uid;
			view->ncollapsed++;
		}
	}
	free(collapsed);
	view_rows_update(view);
}

/* The thread holding a position: the last one starting at or before it. */
static struct model_view_thread *view_thread_of(const struct model_view *view, uint32_t pos)
{
	size_t lo = 0, hi = view->nthreads;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (view->threads[mid].start <= pos)
			lo = mid;
		else
			hi = mid;
	}
	return &view->threads[lo];
}

static uint32_t view_row_position(const struct model_view *view, size_t row)
{
	return view->ncollapsed ? view->rows[row] : (uint32_t)row;
}

size_t model_view_position_row(const struct model_view *view, uint32_t pos)
{
	const struct model_view_thread *th;
	size_t lo = 0, hi = view->nrows;

	if (!view->ncollapsed)
		return pos;
	th = view_thread_of(view, pos);
	if (th->collapsed)
		pos = th->start;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (view->rows[mid] < pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

size_t model_view_depth(const struct model_view *view, size_t row)
{
	if (!view->tree || row >= view->nrows)
		return 0;
	return view->tree[view_row_position(view, row)] >> MODEL_TREE_DEPTH_SHIFT;
}

/* Writes piece (len bytes) to end just before *at when it fits in front. */
static int tree_put(char *out, size_t *at, const char *piece, size_t len)
{
	if (*at < len)
		return 0;
	*at -= len;
	memcpy(out + *at, piece, len);
	return 1;
}

void model_view_tree(const struct model_view *view, size_t row, char *out, size_t size)
{
	uint32_t pos, word;
	size_t at;

	if (size == 0)
		return;
	out[0] = '\0';
	if (!view->tree || row >= view->nrows)
		return;
	pos = view_row_position(view, row);
	word = view->tree[pos];
	if (word >> MODEL_TREE_DEPTH_SHIFT == 0 || (view->ncollapsed && view_thread_of(view, pos)->collapsed))
		return;
	/* Right to left: the arrow, then one level per ancestor below the
	 * top, until the buffer is full. */
	at = size - 1;
	if (!tree_put(out, &at, word & MODEL_TREE_TOP ? "┌─>" : word & MODEL_TREE_LAST ? "└─>" : "├─>",
		      strlen("├─>")))
		return;
	for (uint32_t up = view->parent[pos]; up != MODEL_NONE; up = view->parent[up]) {
		if (view->tree[up] >> MODEL_TREE_DEPTH_SHIFT == 0)
			break;
		if (view->tree[up] & MODEL_TREE_LAST ? !tree_put(out, &at, "  ", 2)
		    : !tree_put(out, &at, "│ ", strlen("│ ")))
			break;
	}
	memmove(out, out + at, size - 1 - at);
	out[size - 1 - at] = '\0';
}

/* Notes the uid on top of a thread being collapsed, which is how the next
 * build finds it again (the mailbox has not changed since this build). */
static void thread_note_top(struct model_view *view, struct model_view_thread *th)
{
	th->top_uid = model_mailbox_summaries(view->mbox)[view->order[th->start]].uid;
}

size_t model_view_collapse(struct model_view *view, size_t row, int collapse)
{
	struct model_view_thread *th;

	if (!view->threads || row >= view->nrows)
		return row;
	th = view_thread_of(view, view_row_position(view, row));
	if (th->count < 2)
		return row;
	collapse = !!collapse;
	if (th->collapsed != (uint32_t)collapse) {
		th->collapsed = (uint32_t)collapse;
		thread_note_top(view, th);
		if (collapse)
			view->ncollapsed++;
		else
			view->ncollapsed--;
		view_rows_update(view);
	}
	return model_view_position_row(view, th->start);
}

void model_view_collapse_all(struct model_view *view, int collapse)
{
	view->ncollapsed = 0;
	for (size_t t = 0; t < view->nthreads; t++) {
		struct model_view_thread *th = &view->threads[t];
		th->collapsed = collapse && th->count > 1;
		view->ncollapsed += th->collapsed;
		if (th->collapsed)
			thread_note_top(view, th);
	}
	view_rows_update(view);
}

size_t model_view_hidden(const struct model_view *view, size_t row)
{
	const struct model_view_thread *th;

	if (!view->ncollapsed || row >= view->nrows)
		return 0;
	th = view_thread_of(view, view_row_position(view, row));
	return th->collapsed ? th->count - 1 : 0;
}
