/* The outbox screen (S in the index): every message waiting in the
 * outbox with its state, account, date, To and Subject, and under a
 * failed one the server's reason. Enter or e takes a queued or failed
 * message back to the compose screen (ui_compose_outbox), d deletes one
 * after a question, r asks its account's worker to send it now. The list
 * is read again whenever the outbox directory changes (the worker sent,
 * failed or queued something). A delivered message whose Sent copy is
 * pending is shown, never offered for editing. */
#define _GNU_SOURCE
#include "ui-screen.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../engine/engine.h"

struct outbox_row {
	char *path, *account, *reason;
	struct engine_outbox_summary summary;
};

struct ui_outbox {
	struct outbox_row *rows;
	size_t nrows;
	size_t cursor, top;
	struct timespec seen; /* the directory's mtime when last read */
};

static void rows_free(struct ui_outbox *o)
{
	for (size_t i = 0; i < o->nrows; i++) {
		free(o->rows[i].path);
		free(o->rows[i].account);
		free(o->rows[i].reason);
		engine_outbox_summary_clear(&o->rows[i].summary);
	}
	free(o->rows);
	o->rows = NULL;
	o->nrows = 0;
}

static char *new_dir(void)
{
	char *dir = engine_outbox_dir();
	char *path = xasprintf("%s/new", dir);
	free(dir);
	return path;
}

/* Reads the outbox again when it changed (or force), keeping the cursor
 * on the same message when it is still there. */
static void load(struct ui_outbox *o, int force)
{
	char *dir = new_dir();
	struct stat st;
	struct timespec now = { 0, 0 };

	if (stat(dir, &st) == 0)
		now = st.st_mtim;
	free(dir);
	if (!force && now.tv_sec == o->seen.tv_sec && now.tv_nsec == o->seen.tv_nsec)
		return;
	o->seen = now;
	char *keep = o->cursor < o->nrows ? xstrdup(o->rows[o->cursor].path) : NULL;
	size_t count;
	char **paths = engine_outbox_list(&count);
	rows_free(o);
	o->rows = xcalloc(count + 1, sizeof(*o->rows));
	for (size_t i = 0; i < count; i++) {
		struct engine_outbox_entry entry;
		if (engine_outbox_read(paths[i], &entry) == 0) {
			struct outbox_row *row = &o->rows[o->nrows++];
			engine_outbox_summarize(&entry, &row->summary);
			row->path = paths[i];
			paths[i] = NULL;
			row->account = entry.account;
			entry.account = NULL;
			row->reason = entry.reason;
			entry.reason = NULL;
			if (keep && strcmp(row->path, keep) == 0)
				o->cursor = o->nrows - 1;
			engine_outbox_entry_clear(&entry);
		}
		free(paths[i]);
	}
	free(paths);
	free(keep);
	if (o->cursor >= o->nrows)
		o->cursor = o->nrows ? o->nrows - 1 : 0;
}

void ui_outbox_open(struct ui *ui)
{
	if (!ui->outbox_screen)
		ui->outbox_screen = xcalloc(1, sizeof(*ui->outbox_screen));
	load(ui->outbox_screen, 1);
	ui_mode_push(ui, &ui_mode_outbox);
}

void ui_outbox_close(struct ui *ui)
{
	ui_mode_remove(ui, &ui_mode_outbox);
}

static void outbox_free(struct ui *ui)
{
	struct ui_outbox *o = ui->outbox_screen;

	if (!o)
		return;
	load(o, 0);
	ui->outbox = 0; /* the status line's count follows what was done here */
	for (size_t i = 0; i < o->nrows; i++)
		ui->outbox += strcmp(o->rows[i].account, ui->account->name) == 0;
	rows_free(o);
	free(ui->outbox_screen);
	ui->outbox_screen = NULL;
}

static void add_clean(struct buf *out, const char *text)
{
	lib_sanitize(out, text ? text : "", text ? strlen(text) : 0, LIB_SANITIZE_LINE);
}

#define REASON_INDENT 6
#define REASON_LINES_MAX 4

/* The reason, sanitized, cut into lines that fit under the entry. */
static size_t reason_lines(const struct outbox_row *row, struct buf *lines, size_t max)
{
	struct buf clean = BUF_INIT;
	size_t width = (size_t)ui_cols() > REASON_INDENT + 10 ? (size_t)ui_cols() - REASON_INDENT : 10, n = 0;

	add_clean(&clean, row->reason); /* the server's words */
	for (size_t at = 0; at < clean.len && n < max; n++) {
		size_t len = lib_utf8_prefix(clean.data + at, clean.len - at, width);
		if (lines) {
			buf_reset(&lines[n]);
			buf_addf(&lines[n], "%*s", REASON_INDENT, "");
			buf_add(&lines[n], clean.data + at, len);
		}
		at += len;
	}
	buf_free(&clean);
	return n;
}

/* One entry: a line, and under it the reason when there is one. */
static size_t row_lines(const struct outbox_row *row)
{
	return 1 + reason_lines(row, NULL, REASON_LINES_MAX);
}

static void draw_line(int y, const struct buf *text, attr_t attr)
{
	ui_move(y, 0);
	ui_attrset(attr);
	ui_draw_text(text->data ? text->data : "", (size_t)ui_cols());
	ui_attrset(A_NORMAL);
}

void ui_outbox_draw(struct ui *ui)
{
	struct ui_outbox *o = ui->outbox_screen;
	size_t rows = ui_rows(), used = 0;

	load(o, 0);
	ui_erase();
	if (o->cursor < o->top)
		o->top = o->cursor;
	for (;;) { /* scroll until the cursor's entry fits */
		size_t need = 0;
		for (size_t i = o->top; i <= o->cursor && i < o->nrows; i++)
			need += row_lines(&o->rows[i]);
		if (need <= rows || o->top >= o->cursor)
			break;
		o->top++;
	}
	if (!o->nrows) {
		ui_move(0, 0);
		ui_draw_text("The outbox is empty: everything was sent.", (size_t)ui_cols());
	}
	for (size_t i = o->top; i < o->nrows && used < rows; i++) {
		const struct outbox_row *row = &o->rows[i];
		struct buf line = BUF_INIT;
		char date[32] = "-";
		time_t t = (time_t)row->summary.date;
		struct tm tm;
		if (row->summary.date && localtime_r(&t, &tm))
			strftime(date, sizeof(date), "%Y-%m-%d %H:%M", &tm);
		attr_t attr = i == o->cursor ? ui->colors[KEYMAP_COLOR_INDICATOR]
		              : strcmp(row->summary.state, "failed") == 0 ? ui->colors[KEYMAP_COLOR_ERROR]
		                                                          : ui->colors[KEYMAP_COLOR_NORMAL];
		buf_addf(&line, "%3zu %-18s ", i + 1, row->summary.state);
		struct buf account = BUF_INIT;
		add_clean(&account, row->account);
		lib_utf8_fit(&line, account.data ? account.data : "", 10);
		buf_free(&account);
		buf_addf(&line, " %-16s To: ", date);
		struct buf to = BUF_INIT;
		add_clean(&to, row->summary.to);
		lib_utf8_fit(&line, to.data ? to.data : "", 28);
		buf_free(&to);
		buf_addstr(&line, " ");
		add_clean(&line, row->summary.subject);
		draw_line((int)used++, &line, attr);
		struct buf reason[REASON_LINES_MAX] = { BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT };
		size_t n = reason_lines(row, reason, REASON_LINES_MAX);
		for (size_t k = 0; k < n; k++) {
			if (used < rows)
				draw_line((int)used++, &reason[k], i == o->cursor ? attr : ui->colors[KEYMAP_COLOR_ERROR]);
			buf_free(&reason[k]);
		}
		buf_free(&line);
	}
	struct buf status = BUF_INIT;
	buf_addf(&status, "-*- tern: outbox (%zu)  Enter/e edit  d delete  r retry now  q back ", o->nrows);
	ui_draw_status(ui, &status);
	buf_free(&status);
}

/* d: asks, then deletes the entry, claimed so the worker is not sending
 * it at that moment. */
static void delete_entry(struct ui *ui, const struct outbox_row *row)
{
	int lock = engine_outbox_claim(row->path);

	if (lock < 0) {
		ui_say(ui, 1, errno == EBUSY ? "That message is being sent right now: try again in a moment."
		                             : "That message has left the outbox (sent or deleted).");
		return;
	}
	struct buf question = BUF_INIT;
	buf_addstr(&question, row->summary.editable ? "Delete the message to " : "Forget the Sent copy of the message to ");
	add_clean(&question, row->summary.to);
	buf_addstr(&question, row->summary.editable ? "? It will not be sent." : "? It was delivered.");
	if (ui_yesno(ui, question.data)) {
		if (unlink(row->path) == 0 || errno == ENOENT) {
			ui_say(ui, 0, "Deleted from the outbox.");
		} else {
			char *line = xasprintf("Cannot delete %s: %s", row->path, strerror(errno));
			ui_say(ui, 1, line);
			free(line);
		}
	} else {
		ui_say(ui, 0, "Kept.");
	}
	buf_free(&question);
	engine_outbox_release(row->path, lock);
}

int ui_outbox_function(struct ui *ui, enum keymap_fn fn)
{
	struct ui_outbox *o = ui->outbox_screen;

	load(o, 0);
	struct outbox_row *row = o->cursor < o->nrows ? &o->rows[o->cursor] : NULL;
	switch (fn) {
	case KEYMAP_FN_NEXT_ENTRY:
		if (o->cursor + 1 < o->nrows)
			o->cursor++;
		return 1;
	case KEYMAP_FN_PREVIOUS_ENTRY:
		if (o->cursor)
			o->cursor--;
		return 1;
	case KEYMAP_FN_EDIT_MESSAGE:
		if (!row)
			return 1;
		if (!row->summary.editable) {
			ui_say(ui, 1, "That message was delivered (only its Sent copy is pending): it cannot be edited; "
			              "r retries the copy.");
			return 1;
		}
		ui_compose_outbox(ui, row->path);
		load(o, 1);
		return 1;
	case KEYMAP_FN_DELETE_ENTRY:
		if (row) {
			delete_entry(ui, row);
			load(o, 1);
		}
		return 1;
	case KEYMAP_FN_RETRY_SEND: {
		if (!row)
			return 1;
		const struct conf_account *account = conf_account_find(ui->conf, row->account);
		if (!account) {
			ui_say(ui, 1, "That message is for an account the mailrc no longer has.");
			return 1;
		}
		engine_worker_send(ui_worker(ui, account), row->path);
		ui_say(ui, 0, row->summary.editable ? "Sending..." : "Storing the Sent copy...");
		return 1;
	}
	case KEYMAP_FN_EXIT:
		ui_outbox_close(ui);
		return 1;
	default:
		return 0;
	}
}

const struct ui_mode ui_mode_outbox = {
	.name = "outbox", .map = KEYMAP_MAP_OUTBOX, .flags = UI_MODE_OPAQUE, .draw = ui_outbox_draw,
	.function = ui_outbox_function, .close = outbox_free,
};
