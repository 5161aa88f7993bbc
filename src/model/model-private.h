/* model internals shared by the view's files: the view itself (built by
 * model-sort.c for the flat orders, by model-thread.c for threads) and
 * the stable radix sort both use. Not for other modules. */
#ifndef TERN_MODEL_PRIVATE_H
#define TERN_MODEL_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* "No index": positions, summary indices and containers are uint32_t (a
 * folder of four billion messages is refused when the view is built). */
#define MODEL_NONE UINT32_MAX

/* tree[] of a position: its depth shifted up, and two bits for drawing. */
#define MODEL_TREE_LAST 1u   /* no later sibling: "└─>", and "  " below it */
#define MODEL_TREE_TOP 2u    /* first sibling under an invisible root: "┌─>" */
#define MODEL_TREE_DEPTH_SHIFT 2

/* One thread as laid out in order[]: its messages are the positions
 * [start, start + count), top message first. */
struct model_view_thread {
	uint32_t start;
	uint32_t count;
	uint32_t top_uid;    /* while collapsed: the uid on top, to find the thread after a rebuild */
	uint32_t collapsed;
};

/* Positions are the full display order, hidden messages included; rows
 * are what is visible. Until a thread is collapsed the two are the same
 * and rows[] is not allocated. */
struct model_view {
	struct model_mailbox *mbox;       /* borrowed, from the last build */
	enum model_sort sort;
	int reverse;
	size_t count;                     /* messages in the view */
	uint32_t *order;                  /* position -> summary index */
	uint32_t *position;               /* summary index -> position */
	/* Threads order only (NULL otherwise). */
	uint32_t *parent;                 /* position -> parent's position; MODEL_NONE at depth 0 and under an invisible root */
	uint32_t *tree;                   /* position -> depth << MODEL_TREE_DEPTH_SHIFT | MODEL_TREE_* */
	struct model_view_thread *threads; /* by start, ascending */
	size_t nthreads;
	size_t ncollapsed;
	uint32_t *rows;                   /* row -> position, while ncollapsed > 0 */
	size_t nrows;
};

/* Sorts n (key, idx) pairs by key, stably, in place; key_tmp and idx_tmp
 * are n-element scratch arrays. An LSD radix sort that skips the bytes in
 * which all keys agree: a few linear passes, no comparisons. */
void model_sort_radix(uint64_t *key, uint32_t *idx, size_t n, uint64_t *key_tmp, uint32_t *idx_tmp);

/* Writes into idx the summary indices 0..n-1 ordered by (date, uid). */
void model_sort_by_date(const struct model_summary *summaries, size_t n, uint32_t *idx);

/* Fills order, parent, tree and threads of a view whose count is set and
 * whose order/parent/tree arrays hold count entries (model-thread.c). */
void model_thread_build(struct model_view *view, const struct model_summary *summaries, int reverse);

/* The visible row of a position: its own, or its collapsed thread's. */
size_t model_view_position_row(const struct model_view *view, uint32_t pos);

#endif
