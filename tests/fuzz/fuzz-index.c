/* Fuzz target: building the index from downloaded header blocks, as a
 * sync does: model_mailbox_add_header for each block (RFC 2047, dates,
 * addresses, Message-ID / In-Reply-To / References), then the views in
 * every order, threads collapsed and expanded, the thread tree, and the
 * index line of every row through ui_format_index (sanitized, fitted to
 * the width). The input is header blocks separated by "\n\f\n". */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "model/model.h"
#include "ui/ui-private.h"

static void show(struct model_view *view, struct model_mailbox *mbox, const char *format, size_t width)
{
	const struct model_summary *all = model_mailbox_summaries(mbox);
	size_t count = model_mailbox_count(mbox);
	char tree[64];

	for (size_t row = 0; row < model_view_count(view); row++) {
		size_t index = model_view_summary(view, row);
		if (index >= count)
			abort();
		model_view_tree(view, row, tree, sizeof(tree));
		struct ui_row ui_row = { row + 1, tree, model_view_hidden(view, row), (int)(row & 1) };
		struct buf line = BUF_INIT;
		ui_format_index(&line, format, &all[index], &ui_row, width);
		if (line.data && lib_utf8_width(line.data, line.len) > width)
			abort(); /* an index line wider than the screen */
		buf_free(&line);
		if (model_view_find_uid(view, all[index].uid) == (size_t)-1)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char sep[] = "\n\f\n";
	struct model_mailbox *mbox = model_mailbox_new();
	struct model_view *view = model_view_new();
	const char *text = (const char *)data, *end = text + size;
	uint32_t uid = 1;

	while (text <= end) {
		const char *next = memmem(text, (size_t)(end - text), sep, sizeof(sep) - 1);
		size_t len = next ? (size_t)(next - text) : (size_t)(end - text);
		/* A newest-first fetch adds lower uids after higher ones. */
		uint32_t this_uid = uid % 3 == 0 ? 1000 - uid : uid;
		model_mailbox_add_header(mbox, this_uid, uid * 7 % 64, (uint32_t)len, 1700000000 + uid, text, len);
		uid++;
		if (!next)
			break;
		text = next + sizeof(sep) - 1;
	}
	for (int sort = MODEL_SORT_DATE; sort <= MODEL_SORT_SIZE; sort++) {
		model_view_build(view, mbox, (enum model_sort)sort, sort & 1);
		show(view, mbox, "%4C %Z %{%b %d} %-20.20F %s", 80);
		if (sort == MODEL_SORT_THREADS) {
			model_view_collapse_all(view, 1);
			show(view, mbox, "%C %Z %d %-15.15L %t %c %s", 40);
			model_view_collapse(view, 0, 0);
			show(view, mbox, "%s", 10);
		}
	}
	uint32_t gone[] = { 2, 1000 - 3, 5 };
	model_mailbox_remove_uids(mbox, gone, 3);
	model_view_build(view, mbox, MODEL_SORT_THREADS, 0);
	show(view, mbox, "%-30.30s %F", 60);
	model_view_free(view);
	model_mailbox_free(mbox);
	return 0;
}
