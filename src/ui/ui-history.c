/* The message history: every line tern said on the bottom row (notes and
 * errors, each with the time), kept for the session so that a message
 * that went by too fast, or an error longer than the screen, can be read
 * again in full (mutt's error-history, NeoMutt's log of messages). M in
 * the index and the pager shows it, newest last. */
#include "ui-screen.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HISTORY_MAX 200 /* the oldest go first */

struct history_entry {
	time_t when;
	int is_error;
	char *text; /* sanitized */
};

struct ui_history {
	struct history_entry entries[HISTORY_MAX];
	size_t count, first; /* a ring: entries[(first + i) % HISTORY_MAX] */
	size_t top;          /* its first screen row, in wrapped rows */
};

static struct history_entry *entry(struct ui_history *h, size_t i)
{
	return &h->entries[(h->first + i) % HISTORY_MAX];
}

void ui_history_add(struct ui *ui, int is_error, const char *text)
{
	if (!*text)
		return;
	if (!ui->history)
		ui->history = xcalloc(1, sizeof(*ui->history));
	struct ui_history *h = ui->history;
	if (h->count && strcmp(entry(h, h->count - 1)->text, text) == 0)
		return; /* "Waiting for the server..." again */
	struct history_entry *e;
	if (h->count == HISTORY_MAX) {
		e = entry(h, 0);
		free(e->text);
		h->first = (h->first + 1) % HISTORY_MAX;
	} else {
		e = entry(h, h->count++);
	}
	e->when = time(NULL);
	e->is_error = is_error;
	e->text = xstrdup(text);
}

int ui_history_is_open(const struct ui *ui)
{
	return ui_mode_is_open(ui, &ui_mode_history);
}

void ui_history_open(struct ui *ui)
{
	if (!ui->history || !ui->history->count) {
		ui_say(ui, 0, "No messages yet.");
		return;
	}
	ui->history->top = (size_t)-1; /* the newest at the bottom */
	ui_mode_push(ui, &ui_mode_history);
}

void ui_history_close(struct ui *ui)
{
	ui_mode_remove(ui, &ui_mode_history);
}

void ui_history_free(struct ui *ui)
{
	struct ui_history *h = ui->history;
	if (!h)
		return;
	for (size_t i = 0; i < h->count; i++)
		free(entry(h, i)->text);
	free(h);
	ui->history = NULL;
}

/* One screen row of the history: the text's bytes and whether it is an
 * error; rows are built on each draw (the list is small). */
struct history_row {
	const char *text;
	size_t len;
	int is_error;
};

static size_t history_rows(struct ui_history *h, struct history_row **rows, size_t cols, struct buf *stamps)
{
	size_t n = 0, cap = 0;
	size_t *offsets = xcalloc(h->count, sizeof(*offsets));

	/* the time stamps first, so their buffer no longer moves */
	for (size_t i = 0; i < h->count; i++) {
		struct history_entry *e = entry(h, i);
		struct tm tm;
		char stamp[16];
		localtime_r(&e->when, &tm);
		strftime(stamp, sizeof(stamp), "%H:%M:%S ", &tm);
		offsets[i] = stamps->len;
		buf_addstr(stamps, stamp);
		buf_addstr(stamps, e->text);
		buf_addch(stamps, '\0');
	}
	for (size_t i = 0; i < h->count; i++) {
		const char *text = stamps->data + offsets[i];
		size_t len = strlen(text), at = 0;
		do {
			size_t take = lib_utf8_wrap(text + at, len - at, cols);
			if (take == 0)
				take = len - at;
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				*rows = xrealloc(*rows, cap * sizeof(**rows));
			}
			(*rows)[n++] = (struct history_row){ text + at, take, entry(h, i)->is_error };
			at += take;
			if (at < len && text[at] == ' ')
				at++;
		} while (at < len);
	}
	free(offsets);
	return n;
}

void ui_history_draw(struct ui *ui)
{
	struct ui_history *h = ui->history;
	size_t rows = ui_rows(), page = rows > 1 ? rows - 1 : 1, cols = ui_cols() > 1 ? (size_t)ui_cols() : 1;
	struct history_row *lines = NULL;
	struct buf stamps = BUF_INIT;
	size_t n = history_rows(h, &lines, cols, &stamps);
	size_t last = n > page ? n - page : 0;

	if (h->top > last)
		h->top = last;
	ui_erase();
	ui_attrset(ui->colors[KEYMAP_COLOR_HEADER]);
	ui_move(0, 0);
	ui_draw_text("Messages of this session, newest last (q goes back, j/k scroll)", cols);
	ui_attrset(A_NORMAL);
	for (size_t r = 0; r < page && h->top + r < n; r++) {
		const struct history_row *line = &lines[h->top + r];
		ui_move((int)r + 1, 0);
		ui_attrset(line->is_error ? ui->colors[KEYMAP_COLOR_ERROR] : ui->colors[KEYMAP_COLOR_NORMAL]);
		ui_addnstr(line->text, (int)line->len);
		ui_attrset(A_NORMAL);
	}
	struct buf status = BUF_INIT;
	buf_addf(&status, "-*- tern: %s messages (%zu) ", ui->account->name, h->count);
	ui_draw_status(ui, &status);
	buf_free(&status);
	buf_free(&stamps);
	free(lines);
}

int ui_history_function(struct ui *ui, enum keymap_fn fn)
{
	struct ui_history *h = ui->history;
	size_t page = ui_rows() > 2 ? ui_rows() - 2 : 1;

	switch (fn) {
	case KEYMAP_FN_EXIT:
	case KEYMAP_FN_QUIT:
	case KEYMAP_FN_ERROR_HISTORY:
		ui_history_close(ui);
		return 1;
	case KEYMAP_FN_NEXT_ENTRY:
	case KEYMAP_FN_NEXT_LINE:
		h->top++; /* the draw keeps it in range */
		return 1;
	case KEYMAP_FN_PREVIOUS_ENTRY:
	case KEYMAP_FN_PREVIOUS_LINE:
		if (h->top > 0) /* each draw has brought top into range */
			h->top--;
		return 1;
	case KEYMAP_FN_NEXT_PAGE:
		h->top += page;
		return 1;
	case KEYMAP_FN_PREVIOUS_PAGE:
		h->top = h->top > page ? h->top - page : 0;
		return 1;
	case KEYMAP_FN_FIRST_ENTRY:
	case KEYMAP_FN_TOP:
		h->top = 0;
		return 1;
	case KEYMAP_FN_LAST_ENTRY:
	case KEYMAP_FN_BOTTOM:
		h->top = (size_t)-1;
		return 1;
	case KEYMAP_FN_REDRAW:
		clearok(curscr, TRUE);
		return 1;
	default:
		return 1; /* nothing else reaches through */
	}
}

/* Modal: every key is its own until it closes; the messages stay. */
const struct ui_mode ui_mode_history = {
	.name = "history", .map = -1, .flags = UI_MODE_MODAL, .draw = ui_history_draw, .function = ui_history_function,
};
