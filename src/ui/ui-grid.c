/* The screen in memory: every screen draws into this grid, as into
 * curses' stdscr (move, add text, clear to the end of the line, erase,
 * with an attribute); ui_refresh copies it onto the terminal. Unit tests
 * draw a screen into a grid of their size, with no terminal, and read its
 * rows back (as tmux's tests read its grid). One grid: the reader has one
 * screen. */
#include "ui-private.h"

#include <stdlib.h>
#include <string.h>

struct cell {
	char text[8]; /* one character (with its combining marks), UTF-8; "" after a wide one */
	attr_t attr;
};

static struct {
	struct cell *cells; /* rows * cols */
	int rows, cols;
	int y, x;           /* the cursor */
	attr_t attr;        /* what the next text is drawn with */
	int terminal;       /* 1: ui_refresh puts the grid on the curses screen */
} grid;

static void blank(struct cell *c)
{
	c->text[0] = ' ';
	c->text[1] = '\0';
	c->attr = A_NORMAL;
}

void ui_grid_size(int rows, int cols)
{
	if (rows == grid.rows && cols == grid.cols && grid.cells)
		return;
	free(grid.cells);
	grid.rows = rows > 0 ? rows : 1;
	grid.cols = cols > 0 ? cols : 1;
	grid.cells = xmalloc((size_t)grid.rows * (size_t)grid.cols * sizeof(*grid.cells));
	ui_erase();
}

void ui_grid_terminal(int on)
{
	grid.terminal = on;
	if (on)
		ui_grid_size(LINES, COLS);
}

void ui_grid_free(void)
{
	free(grid.cells);
	memset(&grid, 0, sizeof(grid));
}

int ui_lines(void)
{
	if (grid.terminal)
		ui_grid_size(LINES, COLS); /* the terminal was resized */
	return grid.rows;
}

int ui_cols(void)
{
	if (grid.terminal)
		ui_grid_size(LINES, COLS);
	return grid.cols;
}

void ui_move(int y, int x)
{
	grid.y = y < 0 ? 0 : y >= grid.rows ? grid.rows - 1 : y;
	grid.x = x < 0 ? 0 : x >= grid.cols ? grid.cols - 1 : x;
}

void ui_attrset(attr_t attr)
{
	grid.attr = attr;
}

void ui_erase(void)
{
	for (int i = 0; i < grid.rows * grid.cols; i++)
		blank(&grid.cells[i]);
	grid.y = grid.x = 0;
}

void ui_clrtoeol(void)
{
	for (int x = grid.x; x < grid.cols; x++)
		blank(&grid.cells[grid.y * grid.cols + x]);
}

/* Bytes of the UTF-8 character at s (1 for a stray byte). */
static size_t char_len(const unsigned char *s, size_t left)
{
	size_t n = s[0] < 0x80 ? 1 : s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 1;
	return n <= left ? n : 1;
}

void ui_addnstr(const char *text, int len)
{
	size_t left = len < 0 ? strlen(text) : (size_t)len;
	const unsigned char *s = (const unsigned char *)text;

	while (left && *s && grid.x < grid.cols) {
		size_t n = char_len(s, left);
		size_t width = *s == '\t' ? 1 : lib_utf8_width((const char *)s, n);
		struct cell *at = &grid.cells[grid.y * grid.cols + grid.x];
		if (width == 0 && grid.x > 0) { /* a combining mark joins the character before it */
			struct cell *before = at - 1;
			if (!before->text[0] && grid.x > 1)
				before--;
			size_t used = strlen(before->text);
			if (used + n < sizeof(before->text))
				memcpy(before->text + used, s, n), before->text[used + n] = '\0';
		} else if (width == 2 && grid.x + 1 >= grid.cols) {
			break; /* a wide character does not fit in the last column */
		} else if (width) {
			memcpy(at->text, s, n);
			at->text[n] = '\0';
			at->attr = grid.attr;
			grid.x++;
			if (width == 2) {
				at[1].text[0] = '\0';
				at[1].attr = grid.attr;
				grid.x++;
			}
		}
		s += n;
		left -= n;
	}
	if (grid.x >= grid.cols)
		grid.x = grid.cols - 1;
}

void ui_addstr(const char *text)
{
	ui_addnstr(text, -1);
}

void ui_grid_row(int y, struct buf *out)
{
	buf_reset(out);
	buf_add(out, "", 0);
	if (y < 0 || y >= grid.rows)
		return;
	for (int x = 0; x < grid.cols; x++)
		buf_addstr(out, grid.cells[y * grid.cols + x].text);
	while (out->len && out->data[out->len - 1] == ' ')
		out->data[--out->len] = '\0';
}

attr_t ui_grid_attr(int y, int x)
{
	return y >= 0 && y < grid.rows && x >= 0 && x < grid.cols ? grid.cells[y * grid.cols + x].attr : A_NORMAL;
}

void ui_refresh(void)
{
	struct buf run = BUF_INIT;

	if (!grid.terminal)
		return;
	for (int y = 0; y < grid.rows; y++) {
		for (int x = 0; x < grid.cols;) {
			attr_t attr = grid.cells[y * grid.cols + x].attr;
			int start = x;
			buf_reset(&run);
			buf_add(&run, "", 0);
			for (; x < grid.cols && grid.cells[y * grid.cols + x].attr == attr; x++)
				buf_addstr(&run, grid.cells[y * grid.cols + x].text);
			attrset(attr);
			mvaddstr(y, start, run.data); /* the bottom right corner returns ERR, and is drawn */
		}
	}
	attrset(A_NORMAL);
	move(grid.y, grid.x);
	refresh();
	buf_free(&run);
}
