/* Internals shared by the ui module's files. */
#ifndef TERN_UI_PRIVATE_H
#define TERN_UI_PRIVATE_H

#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <stddef.h>
#include <stdint.h>

#include "../conf/conf.h"
#include "../lib/lib.h"
#include "ui.h"
#include "../keymap/keymap.h"

/* Index line formatting (ui-format.c; no curses). */
struct model_summary;
struct ui_row {
	size_t number;      /* 1-based, in display order */
	const char *tree;   /* thread tree prefix, "" when none */
	size_t hidden;      /* messages under a collapsed thread */
	int tagged;         /* shown as '*' before the flags */
};
/* Renders one index line for summary into out, cut or padded to width
 * columns, every message byte sanitized. */
void ui_format_index(struct buf *out, const char *format, const struct model_summary *summary,
                     const struct ui_row *row, size_t width);

#endif
