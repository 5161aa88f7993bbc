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

/* ui-grid.c: the screen in memory. Screens draw with these, as with
 * curses' move, addstr, addnstr, clrtoeol, erase and attrset; ui_refresh
 * puts the grid on the terminal when it is attached to one. */
/* Sets the grid's size (cleared when it changes): a test's own, or the
 * terminal's. */
void ui_grid_size(int rows, int cols);
/* on: the grid follows the curses screen's size and ui_refresh draws it. */
void ui_grid_terminal(int on);
void ui_grid_free(void);
/* The text of row y, trailing blanks cut (for tests). */
void ui_grid_row(int y, struct buf *out);
attr_t ui_grid_attr(int y, int x);
int ui_lines(void);
int ui_cols(void);
void ui_move(int y, int x);
void ui_attrset(attr_t attr);
void ui_addstr(const char *text);
/* At most len bytes of text (len < 0: all of it). */
void ui_addnstr(const char *text, int len);
void ui_clrtoeol(void);
void ui_erase(void);
void ui_refresh(void);

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
