/* The folder browser: every folder (or the subscribed ones) with its
 * message and unseen counts from STATUS; Enter opens one, and folders are
 * created, renamed, deleted (after a question) and (un)subscribed here.
 * The list comes from the worker; every change is followed by a fresh one. */
#include "ui-screen.h"

#include <stdlib.h>
#include <string.h>

#include "../engine/engine.h"

struct browser_row {
	char *name;
	int subscribed;
	unsigned messages, unseen;
};

struct ui_browser {
	struct browser_row *rows;
	size_t nrows;
	size_t cursor, top;
	int all;     /* all folders, not only the subscribed */
	int loading;
	int stale;   /* offline: the list as the header cache last saw it */
};

static int row_compare(const void *a, const void *b)
{
	return model_folder_compare(((const struct browser_row *)a)->name, ((const struct browser_row *)b)->name);
}

static void rows_free(struct ui_browser *b)
{
	for (size_t i = 0; i < b->nrows; i++)
		free(b->rows[i].name);
	free(b->rows);
	b->rows = NULL;
	b->nrows = 0;
}

void ui_browser_open(struct ui *ui)
{
	if (!ui->browser)
		ui->browser = xcalloc(1, sizeof(*ui->browser));
	ui->browser->loading = 1;
	ui_mode_push(ui, &ui_mode_browser);
	engine_worker_list_folders(ui->worker, 1);
}

static void browser_free(struct ui *ui)
{
	if (!ui->browser)
		return;
	rows_free(ui->browser);
	free(ui->browser);
	ui->browser = NULL;
}

void ui_browser_close(struct ui *ui)
{
	ui_mode_remove(ui, &ui_mode_browser);
}

void ui_browser_folders(struct ui *ui, const struct engine_folder_row *rows, size_t count, int stale)
{
	struct ui_browser *b = ui->browser;

	rows_free(b);
	b->loading = 0;
	b->stale = stale;
	b->rows = xmalloc((count ? count : 1) * sizeof(*b->rows));
	for (size_t i = 0; i < count; i++)
		b->rows[b->nrows++] = (struct browser_row){ xstrdup(rows[i].name), rows[i].subscribed, rows[i].messages,
			                                    rows[i].unseen };
	if (b->nrows)
		qsort(b->rows, b->nrows, sizeof(*b->rows), row_compare);
}

/* The rows shown: all, or the subscribed ones. */
static size_t shown(struct ui_browser *b, size_t *index, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < b->nrows && n < max; i++)
		if (b->all || b->rows[i].subscribed)
			index[n++] = i;
	return n;
}

static struct browser_row *current(struct ui_browser *b)
{
	size_t *index = xmalloc((b->nrows + 1) * sizeof(*index));
	size_t n = shown(b, index, b->nrows);
	struct browser_row *row = b->cursor < n ? &b->rows[index[b->cursor]] : NULL;
	free(index);
	return row;
}

void ui_browser_draw(struct ui *ui)
{
	struct ui_browser *b = ui->browser;
	size_t rows = ui_rows() > 1 ? ui_rows() - 1 : 1, *index = xmalloc((b->nrows + 1) * sizeof(*index));
	size_t n = shown(b, index, b->nrows);

	ui_erase();
	char *heading = xasprintf("%4s %c %8s %7s  %s", "", ' ', "MESSAGES", "UNSEEN", "FOLDER");
	ui_attrset(ui->colors[KEYMAP_COLOR_HEADER]);
	ui_move(0, 0);
	ui_draw_text(heading, (size_t)ui_cols());
	ui_attrset(A_NORMAL);
	free(heading);
	if (b->cursor >= n)
		b->cursor = n ? n - 1 : 0;
	if (b->cursor < b->top)
		b->top = b->cursor;
	if (b->cursor >= b->top + rows)
		b->top = b->cursor - rows + 1;
	if (b->loading && !n) {
		ui_move(1, 0);
		ui_draw_text("(asking the server for the folders...)", (size_t)ui_cols());
	}
	for (size_t r = 0; r < rows && b->top + r < n; r++) {
		const struct browser_row *row = &b->rows[index[b->top + r]];
		struct buf line = BUF_INIT;
		buf_addf(&line, "%4zu %c %8u %7u  ", b->top + r + 1, row->subscribed ? ' ' : 'u', row->messages,
		         row->unseen);
		lib_sanitize(&line, row->name, strlen(row->name), LIB_SANITIZE_LINE);
		ui_move((int)r + 1, 0);
		ui_attrset(b->top + r == b->cursor ? ui->colors[KEYMAP_COLOR_INDICATOR]
		                                 : row->unseen ? ui->colors[KEYMAP_COLOR_NEW] : ui->colors[KEYMAP_COLOR_NORMAL]);
		ui_draw_text(line.data, (size_t)ui_cols());
		ui_attrset(A_NORMAL);
		buf_free(&line);
	}
	struct buf status = BUF_INIT;
	buf_addf(&status, "-*- tern: %s folders (%s, %zu%s)  Enter open  C create  r rename  d delete  s/u subscribe  Tab %s ",
	         ui->account->name, b->all ? "all" : "subscribed", n, b->stale ? ", offline: as last seen" : "",
	         b->all ? "subscribed" : "all");
	ui_draw_status(ui, &status);
	buf_free(&status);
	free(index);
}

int ui_browser_function(struct ui *ui, enum keymap_fn fn)
{
	struct ui_browser *b = ui->browser;
	struct browser_row *row = current(b);
	char *name;

	switch (fn) {
	case KEYMAP_FN_NEXT_ENTRY:
		b->cursor++;
		return 1;
	case KEYMAP_FN_PREVIOUS_ENTRY:
		if (b->cursor)
			b->cursor--;
		return 1;
	case KEYMAP_FN_NEXT_PAGE: /* ui_browser_draw brings a cursor past the end back */
		b->cursor += ui_rows();
		return 1;
	case KEYMAP_FN_PREVIOUS_PAGE:
		b->cursor = b->cursor > ui_rows() ? b->cursor - ui_rows() : 0;
		return 1;
	case KEYMAP_FN_FIRST_ENTRY:
		b->cursor = 0;
		return 1;
	case KEYMAP_FN_LAST_ENTRY:
		b->cursor = b->nrows;
		return 1;
	case KEYMAP_FN_TOGGLE_SUBSCRIBED:
		b->all = !b->all;
		return 1;
	case KEYMAP_FN_SELECT_ENTRY:
		if (row) {
			name = xstrdup(row->name);
			ui_browser_close(ui);
			ui_open_folder(ui, name);
			free(name);
		}
		return 1;
	case KEYMAP_FN_CREATE_MAILBOX:
		name = ui_prompt(ui, "Create folder: ", NULL, NULL, 0);
		if (name && *name)
			engine_worker_folder_change(ui->worker, ENGINE_FOLDER_CREATE, name, NULL);
		free(name);
		return 1;
	case KEYMAP_FN_RENAME_MAILBOX:
		if (!row)
			return 1;
		name = ui_prompt(ui, "Rename to: ", row->name, NULL, 0);
		if (name && *name && strcmp(name, row->name) != 0)
			engine_worker_folder_change(ui->worker, ENGINE_FOLDER_RENAME, row->name, name);
		free(name);
		return 1;
	case KEYMAP_FN_DELETE_MAILBOX: {
		if (!row)
			return 1;
		if (strcmp(row->name, "INBOX") == 0) {
			ui_say(ui, 1, "INBOX cannot be deleted.");
			return 1;
		}
		char *question = xasprintf("Delete folder %s and the %u messages in it?", row->name, row->messages);
		struct buf clean = BUF_INIT;
		lib_sanitize(&clean, question, strlen(question), LIB_SANITIZE_LINE);
		/* deleting mail is not a default: "yes" must be typed */
		char *answer = ui_prompt(ui, clean.data, NULL, NULL, 0);
		if (answer && strcmp(answer, "yes") == 0)
			engine_worker_folder_change(ui->worker, ENGINE_FOLDER_DELETE, row->name, NULL);
		else
			ui_say(ui, 0, "Not deleted (type yes to delete).");
		free(answer);
		buf_free(&clean);
		free(question);
		return 1;
	}
	case KEYMAP_FN_SUBSCRIBE:
	case KEYMAP_FN_UNSUBSCRIBE:
		if (row)
			engine_worker_folder_change(ui->worker, fn == KEYMAP_FN_SUBSCRIBE ? ENGINE_FOLDER_SUBSCRIBE
			                                                              : ENGINE_FOLDER_UNSUBSCRIBE,
			                            row->name, NULL);
		return 1;
	case KEYMAP_FN_EXIT:
		ui_browser_close(ui);
		return 1;
	default:
		return 0;
	}
}

/* Opaque: the index's keys do not reach through the folder list. */
const struct ui_mode ui_mode_browser = {
	.name = "browser", .map = KEYMAP_MAP_BROWSER, .flags = UI_MODE_OPAQUE, .draw = ui_browser_draw,
	.function = ui_browser_function, .close = browser_free,
};
