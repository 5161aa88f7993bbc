/* The index: the folder's messages, one row each, under a limit the
 * matching ones; the sidebar and the status line. Its functions are one
 * table (index_functions) of handlers; the function table's
 * preconditions (keymap.h: needs a message, threads) are checked before
 * any runs (ui-mode.c). It is the bottom of the screen stack: every
 * function that reaches it is run or said to be unavailable. */
#include "ui-screen.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../engine/engine.h"
#include "../model/model.h"

size_t ui_count(struct ui *ui)
{
	if (!ui->view)
		return 0;
	return ui->limit ? ui->nlrows : model_view_count(ui->view);
}

/* The view's row of a screen row. */
static size_t view_row(struct ui *ui, size_t row)
{
	return ui->limit ? ui->lrows[row] : row;
}

static const struct model_summary *row_summary(struct ui *ui, size_t row)
{
	return &model_mailbox_summaries(ui->mbox)[model_view_summary(ui->view, view_row(ui, row))];
}

/* The screen row showing uid, or (size_t)-1. */
static size_t row_of_uid(struct ui *ui, uint32_t uid)
{
	size_t vrow = model_view_find_uid(ui->view, uid);
	if (!ui->limit || vrow == (size_t)-1)
		return vrow;
	size_t lo = 0, hi = ui->nlrows;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ui->lrows[mid] < vrow)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ui->nlrows && ui->lrows[lo] == vrow ? lo : (size_t)-1;
}

/* Recomputes the rows a limit shows, after the view was rebuilt. */
static void apply_limit(struct ui *ui)
{
	free(ui->lrows);
	ui->lrows = NULL;
	ui->nlrows = 0;
	if (!ui->limit)
		return;
	size_t count = model_view_count(ui->view);
	const struct model_summary *all = model_mailbox_summaries(ui->mbox);
	ui->lrows = xmalloc((count ? count : 1) * sizeof(*ui->lrows));
	for (size_t row = 0; row < count; row++) {
		const struct model_summary *s = &all[model_view_summary(ui->view, row)];
		if (model_pattern_match(ui->limit, s, ui_tagged(ui, s->uid)))
			ui->lrows[ui->nlrows++] = row;
	}
}

/* Columns the sidebar takes (with its separator), 0 when off. */
static int sidebar_columns(struct ui *ui)
{
	if (!conf_get_bool(ui->conf, NULL, CONF_K_SIDEBAR))
		return 0;
	int width = (int)conf_get_number(ui->conf, NULL, CONF_K_SIDEBAR_WIDTH);
	return width + 1 < ui_cols() - 20 ? width + 1 : 0;
}

static void draw_sidebar(struct ui *ui, int width)
{
	size_t rows = ui_rows();
	for (size_t r = 0; r < rows; r++) {
		struct buf line = BUF_INIT, name = BUF_INIT;
		attr_t attr = ui->colors[KEYMAP_COLOR_NORMAL];
		if (r < ui->ncounts) {
			const struct ui_folder_count *f = &ui->counts[r];
			char count[24] = "";
			if (f->unseen)
				snprintf(count, sizeof(count), " %u", f->unseen);
			lib_sanitize(&name, f->name, strlen(f->name), LIB_SANITIZE_LINE);
			size_t room = (size_t)width - strlen(count);
			lib_utf8_fit(&line, name.data ? name.data : "", room);
			buf_addstr(&line, count);
			if (strcmp(f->name, ui->folder) == 0)
				attr = ui->colors[KEYMAP_COLOR_INDICATOR];
			else if (f->unseen)
				attr = ui->colors[KEYMAP_COLOR_NEW];
		} else {
			lib_utf8_fit(&line, "", (size_t)width);
		}
		ui_move((int)r, 0);
		ui_attrset(attr);
		ui_addstr(line.data);
		ui_attrset(A_NORMAL);
		ui_addstr("\xe2\x94\x82"); /* a vertical line */
		buf_free(&line);
		buf_free(&name);
	}
}

void ui_index_status(struct ui *ui)
{
	const struct model_summary *all = ui->mbox ? model_mailbox_summaries(ui->mbox) : NULL;
	size_t count = ui->mbox ? model_mailbox_count(ui->mbox) : 0, fresh = 0, old = 0, flagged = 0;
	struct buf line = BUF_INIT;

	for (size_t i = 0; i < count; i++) { /* the index's N and O, and ~N and ~O, count the same */
		if (!(all[i].flags & MODEL_F_SEEN)) {
			fresh += !!(all[i].flags & MODEL_F_RECENT);
			old += !(all[i].flags & MODEL_F_RECENT);
		}
		flagged += !!(all[i].flags & MODEL_F_FLAGGED);
	}
	buf_addf(&line, "-*- tern: %s/", ui->account->name);
	lib_sanitize(&line, ui->folder, strlen(ui->folder), LIB_SANITIZE_LINE);
	buf_addf(&line, " [Msgs:%zu New:%zu ", count, fresh);
	if (old)
		buf_addf(&line, "Old:%zu ", old);
	buf_addf(&line, "Flag:%zu] (%s) ", flagged, model_sort_name(ui->sort, ui->reverse));
	if (ui->limit) {
		buf_addf(&line, "(limited to %zu: ", ui_count(ui));
		lib_sanitize(&line, ui->limit_text, strlen(ui->limit_text), LIB_SANITIZE_LINE);
		buf_addstr(&line, ") ");
	}
	unsigned elsewhere = 0;
	for (size_t i = 0; i < ui->ncounts; i++)
		if (strcmp(ui->counts[i].name, ui->folder) != 0)
			elsewhere += ui->counts[i].unseen;
	if (elsewhere)
		buf_addf(&line, "(%u unseen in other folders) ", elsewhere);
	if (ui->outbox)
		buf_addf(&line, "(%zu in the outbox) ", ui->outbox);
	buf_addf(&line, "--- %s ", ui->state);
	ui_draw_status(ui, &line);
	buf_free(&line);
}

static void index_draw(struct ui *ui)
{
	size_t rows = ui_rows(), count = ui_count(ui);
	const char *format = conf_get(ui->conf, NULL, CONF_K_INDEX_FORMAT);
	struct buf line = BUF_INIT;
	char tree[256];
	int offset = sidebar_columns(ui);
	size_t width = (size_t)(ui_cols() - offset);

	if (offset)
		draw_sidebar(ui, offset - 1);
	if (ui->cursor >= count)
		ui->cursor = count ? count - 1 : 0;
	if (ui->top + rows > count) /* fewer rows now (Esc V, a limit): no empty screen below hidden ones */
		ui->top = count > rows ? count - rows : 0;
	if (ui->cursor < ui->top)
		ui->top = ui->cursor;
	if (ui->cursor >= ui->top + rows)
		ui->top = ui->cursor - rows + 1;
	for (size_t r = 0; r < rows; r++) {
		size_t row = ui->top + r;
		ui_move((int)r, offset);
		ui_clrtoeol();
		if (row >= count) {
			if (count == 0 && r == 0 && !ui->synced)
				ui_draw_text("(opening the folder...)", width);
			continue;
		}
		const struct model_summary *s = row_summary(ui, row);
		model_view_tree(ui->view, view_row(ui, row), tree, sizeof(tree));
		struct ui_row info = { row + 1, tree, model_view_hidden(ui->view, view_row(ui, row)), ui_tagged(ui, s->uid) };
		buf_reset(&line);
		ui_format_index(&line, format, s, &info, width);
		attr_t attr = ui->colors[KEYMAP_COLOR_NORMAL];
		if (s->flags & MODEL_F_DELETED)
			attr = ui->colors[KEYMAP_COLOR_DELETED];
		else if (s->flags & MODEL_F_FLAGGED)
			attr = ui->colors[KEYMAP_COLOR_FLAGGED];
		else if (!(s->flags & MODEL_F_SEEN))
			attr = ui->colors[KEYMAP_COLOR_NEW];
		if (row == ui->cursor)
			attr = ui->colors[KEYMAP_COLOR_INDICATOR];
		ui_attrset(attr);
		ui_addstr(line.data);
		ui_attrset(A_NORMAL);
	}
	buf_free(&line);
}

void ui_rebuild_view(struct ui *ui, uint32_t keep_uid)
{
	if (!ui->mbox)
		return;
	model_view_build(ui->view, ui->mbox, ui->sort, ui->reverse);
	apply_limit(ui);
	size_t row = keep_uid ? row_of_uid(ui, keep_uid) : (size_t)-1;
	size_t count = ui_count(ui);
	if (row != (size_t)-1)
		ui->cursor = row;
	else /* mutt opens on the newest message: the last row, or the first when reversed */
		ui->cursor = ui->reverse || !count ? 0 : count - 1;
}

const struct model_summary *ui_current(struct ui *ui)
{
	if (!ui->mbox || !ui->view || ui_count(ui) == 0)
		return NULL;
	return row_summary(ui, ui->cursor < ui_count(ui) ? ui->cursor : ui_count(ui) - 1);
}

int ui_step(struct ui *ui, int dir)
{
	size_t count = ui_count(ui);
	if (dir > 0 && ui->cursor + 1 < count) {
		ui->cursor++;
		return 1;
	}
	if (dir < 0 && ui->cursor > 0) {
		ui->cursor--;
		return 1;
	}
	return 0;
}

uint32_t ui_cursor_uid(struct ui *ui)
{
	const struct model_summary *s = ui_current(ui);
	return s ? s->uid : 0;
}

/* Where mutt puts the cursor in a folder it opens: the first new message
 * in display order, else the first old (unread) one, else the newest. */
size_t ui_index_first_row(struct ui *ui)
{
	size_t count = ui_count(ui), old = (size_t)-1;

	for (size_t row = 0; row < count; row++) {
		unsigned flags = row_summary(ui, row)->flags;
		if (flags & (MODEL_F_SEEN | MODEL_F_DELETED))
			continue;
		if (flags & MODEL_F_RECENT)
			return row;
		if (old == (size_t)-1)
			old = row;
	}
	if (old != (size_t)-1)
		return old;
	return ui->reverse || !count ? 0 : count - 1;
}

/* Compiles a pattern typed by the user; NULL after saying what is wrong
 * and where. */
static struct model_pattern *compile(struct ui *ui, const char *text)
{
	char *error = NULL;
	size_t at = 0;
	struct model_pattern *p = model_pattern_compile(text, time(NULL), &error, &at);

	if (!p) {
		char *line = xasprintf("%s (at column %zu of \"%s\")", error ? error : "bad pattern", at + 1, text);
		ui_say(ui, 1, line);
		free(line);
		free(error);
	}
	return p;
}

/* Finds the next row (dir 1) or previous (-1) matching the last search
 * pattern (mutt syntax; a plain word matches sender or subject); wraps. */
static void index_search(struct ui *ui, int dir)
{
	size_t count = ui_count(ui);

	if (!ui->search_pattern || !count)
		return;
	for (size_t k = 1; k <= count; k++) {
		size_t row = (ui->cursor + count + (dir > 0 ? k : count - k)) % count;
		const struct model_summary *s = row_summary(ui, row);
		if (model_pattern_match(ui->search_pattern, s, ui_tagged(ui, s->uid))) {
			if ((dir > 0 && row < ui->cursor) || (dir < 0 && row > ui->cursor))
				ui_say(ui, 0, dir > 0 ? "Search wrapped to the top." : "Search wrapped to the bottom.");
			ui->cursor = row;
			return;
		}
	}
	ui_say(ui, 0, "Not found.");
}

/* Puts a compiled pattern to use for fn (LIMIT, SEARCH, SEARCH_REVERSE,
 * TAG_PATTERN); takes p and text. */
void ui_index_use_pattern(struct ui *ui, enum keymap_fn fn, struct model_pattern *p, char *text)
{
	if (fn == KEYMAP_FN_LIMIT) {
		uint32_t uid = ui_cursor_uid(ui);
		model_pattern_free(ui->limit);
		ui->limit = p;
		free(ui->limit_text);
		ui->limit_text = text;
		apply_limit(ui);
		size_t row = uid ? row_of_uid(ui, uid) : (size_t)-1;
		ui->cursor = row != (size_t)-1 ? row : ui_count(ui) ? ui_count(ui) - 1 : 0;
		ui->top = 0;
		if (!ui_count(ui))
			ui_say(ui, 0, "No messages match.");
		else
			buf_reset(&ui->message);
	} else if (fn == KEYMAP_FN_TAG_PATTERN) {
		size_t n = ui_tag_matching(ui, p);
		char *note = xasprintf("Tagged %zu message%s.", n, n == 1 ? "" : "s");
		ui_say(ui, 0, note);
		free(note);
		model_pattern_free(p);
		free(text);
	} else {
		model_pattern_free(ui->search_pattern);
		ui->search_pattern = p;
		ui->search_dir = fn == KEYMAP_FN_SEARCH_REVERSE ? -1 : 1;
		buf_reset(&ui->message);
		index_search(ui, ui->search_dir);
		free(text);
	}
}

/* A pattern with ~b or ~B first asks the server (UID SEARCH); the rest is
 * done when the answer arrives (server_search_done). */
static void start_pattern(struct ui *ui, enum keymap_fn fn, struct model_pattern *p, char *text)
{
	if (!model_pattern_needs_server(p)) {
		ui_index_use_pattern(ui, fn, p, text);
		return;
	}
	model_pattern_free(ui->pending_pattern);
	free(ui->pending_text);
	ui->pending_pattern = p;
	ui->pending_text = text;
	ui->pending_fn = fn;
	engine_worker_search(ui->worker, ui->wire_folder, p, ++ui->search_token);
	ui_say(ui, 0, "Searching the message bodies on the server...");
}

/* ---- the index's functions ---- */

static void op_move(struct ui *ui, enum keymap_fn fn)
{
	size_t count = ui_count(ui), rows = ui_rows();

	switch (fn) {
	case KEYMAP_FN_NEXT_ENTRY:
		if (ui->cursor + 1 < count)
			ui->cursor++;
		else
			ui_say(ui, 0, "You are on the last message.");
		break;
	case KEYMAP_FN_PREVIOUS_ENTRY:
		if (ui->cursor > 0)
			ui->cursor--;
		else
			ui_say(ui, 0, "You are on the first message.");
		break;
	case KEYMAP_FN_NEXT_PAGE:
		if (count) {
			ui->cursor = ui->cursor + rows < count ? ui->cursor + rows : count - 1;
			ui->top = ui->top + rows < count ? ui->top + rows : ui->top;
		}
		break;
	case KEYMAP_FN_PREVIOUS_PAGE:
		ui->cursor = ui->cursor > rows ? ui->cursor - rows : 0;
		ui->top = ui->top > rows ? ui->top - rows : 0;
		break;
	case KEYMAP_FN_FIRST_ENTRY:
		ui->cursor = 0;
		break;
	default: /* KEYMAP_FN_LAST_ENTRY */
		ui->cursor = count ? count - 1 : 0;
		break;
	}
}

static void op_display(struct ui *ui, enum keymap_fn fn)
{
	(void)fn;
	ui_pager_open(ui, ui_current(ui));
}

static void op_compose(struct ui *ui, enum keymap_fn fn)
{
	ui_compose_start(ui, fn);
}

static void op_recall(struct ui *ui, enum keymap_fn fn)
{
	(void)fn;
	engine_worker_drafts(ui->worker); /* the answer opens the folder, or recalls from it */
	ui_say(ui, 0, "Looking for the Drafts folder...");
}

/* r, g, L, f, Esc f, v, |: they need the message itself, which the pager
 * fetches; until it is here, fn waits (ui->pending). */
static void op_with_body(struct ui *ui, enum keymap_fn fn)
{
	if (!ui->pager || !ui_pager_mime(ui)) {
		if (!ui->pager)
			ui_pager_open(ui, ui_current(ui));
		ui->pending = fn; /* runs when the message has arrived */
		return;
	}
	if (fn == KEYMAP_FN_VIEW_ATTACHMENTS) {
		ui_attach_open(ui);
	} else if (fn == KEYMAP_FN_PIPE_MESSAGE) {
		char *command = ui_prompt(ui, "Pipe to command: ", NULL, NULL, 0);
		size_t len;
		const char *raw = ui_pager_raw(ui, &len);
		if (command && *command && raw)
			ui_run_command(ui, command, raw, len, 1);
		free(command);
	} else {
		ui_compose_start(ui, fn);
	}
}

/* /, Esc /, T: a pattern asked for. */
static void op_pattern(struct ui *ui, enum keymap_fn fn)
{
	const char *question = fn == KEYMAP_FN_SEARCH ? "Search for: "
	                       : fn == KEYMAP_FN_SEARCH_REVERSE ? "Reverse search for: " : "Tag messages matching: ";
	char *text = ui_prompt(ui, question, NULL, NULL, 0);
	struct model_pattern *p = text && *text ? compile(ui, text) : NULL;
	if (p)
		start_pattern(ui, fn, p, text);
	else
		free(text);
}

static void op_search_next(struct ui *ui, enum keymap_fn fn)
{
	(void)fn;
	index_search(ui, ui->search_dir ? ui->search_dir : 1);
}

static void op_limit(struct ui *ui, enum keymap_fn fn)
{
	char *text = ui_prompt(ui, "Limit to messages matching: ", ui->limit_text, NULL, 0);
	if (!text)
		return;
	if (!*text || strcmp(text, "all") == 0 || strcmp(text, "~A") == 0) {
		uint32_t uid = ui_cursor_uid(ui);
		model_pattern_free(ui->limit);
		ui->limit = NULL;
		free(ui->limit_text);
		ui->limit_text = NULL;
		free(text);
		apply_limit(ui);
		size_t row = uid ? row_of_uid(ui, uid) : (size_t)-1;
		ui->cursor = row != (size_t)-1 ? row : ui_count(ui) ? ui_count(ui) - 1 : 0;
		return;
	}
	struct model_pattern *p = compile(ui, text);
	if (p)
		start_pattern(ui, fn, p, text);
	else
		free(text);
}

static void op_change_account(struct ui *ui, enum keymap_fn fn)
{
	(void)fn;
	char **names = xcalloc(ui->conf->naccounts, sizeof(*names));
	for (size_t i = 0; i < ui->conf->naccounts; i++)
		names[i] = ui->conf->accounts[i].name;
	char *name = ui_prompt(ui, "Account (Tab completes): ", NULL, names, ui->conf->naccounts);
	free(names);
	const struct conf_account *account = name && *name ? conf_account_find(ui->conf, name) : NULL;
	if (name && *name && !account)
		ui_say(ui, 1, "No such account.");
	else if (account && account->imap.scheme == CONF_URL_NONE && account->pop3.scheme == CONF_URL_NONE)
		ui_say(ui, 1, "That account has no IMAP or POP3 server to read.");
	else if (account && account != ui->account)
		ui_change_account(ui, account);
	free(name);
}

static void op_browse(struct ui *ui, enum keymap_fn fn)
{
	(void)fn;
	ui_browser_open(ui);
}

static void op_outbox(struct ui *ui, enum keymap_fn fn)
{
	(void)fn;
	ui_outbox_open(ui);
}

static void op_change_folder(struct ui *ui, enum keymap_fn fn)
{
	(void)fn;
	char *name = ui_prompt(ui, "Open folder ('?' lists, Tab completes): ", NULL, ui->folders, ui->nfolders);
	if (name && strcmp(name, "?") == 0) {
		struct buf list = BUF_INIT;
		for (size_t i = 0; i < ui->nfolders; i++)
			buf_addf(&list, "%s%s", i ? ", " : "Folders: ", ui->folders[i]);
		ui_say(ui, 0, list.data ? list.data : "No folder list yet.");
		buf_free(&list);
	} else if (name && *name) {
		ui_open_folder(ui, name);
	}
	free(name);
}

static void op_collapse(struct ui *ui, enum keymap_fn fn)
{
	if (fn == KEYMAP_FN_COLLAPSE_THREAD) {
		ui->cursor = model_view_collapse(ui->view, ui->cursor, model_view_hidden(ui->view, ui->cursor) == 0);
		return;
	}
	uint32_t uid = ui_cursor_uid(ui);
	ui->collapsed_all = !ui->collapsed_all;
	model_view_collapse_all(ui->view, ui->collapsed_all);
	size_t row = row_of_uid(ui, uid);
	ui->cursor = row == (size_t)-1 ? 0 : row;
}

static void op_sort(struct ui *ui, enum keymap_fn fn)
{
	ui_say(ui, 0, fn == KEYMAP_FN_SORT ? "Sort by (d)ate, (t)hreads, (f)rom, (s)ubject, si(z)e?"
	                                  : "Reverse sort by (d)ate, (t)hreads, (f)rom, (s)ubject, si(z)e?");
	ui_draw(ui);
	wint_t ch;
	nodelay(stdscr, FALSE);
	int rc = get_wch(&ch);
	nodelay(stdscr, TRUE);
	static const struct { wint_t key; enum model_sort sort; } choices[] = {
		{ 'd', MODEL_SORT_DATE }, { 't', MODEL_SORT_THREADS }, { 'f', MODEL_SORT_FROM },
		{ 's', MODEL_SORT_SUBJECT }, { 'z', MODEL_SORT_SIZE },
	};
	buf_reset(&ui->message);
	for (size_t i = 0; rc == OK && i < LIB_ARRAY_LEN(choices); i++) {
		if (ch == choices[i].key) {
			uint32_t uid = ui_cursor_uid(ui);
			ui->sort = choices[i].sort;
			ui->reverse = fn == KEYMAP_FN_SORT_REVERSE;
			ui_rebuild_view(ui, uid);
		}
	}
}

static void op_cancel(struct ui *ui, enum keymap_fn fn)
{
	(void)fn;
	engine_worker_cancel(ui->worker);
	ui_say(ui, 0, "Cancelled.");
}

static void op_redraw(struct ui *ui, enum keymap_fn fn)
{
	(void)ui, (void)fn;
	clearok(curscr, TRUE);
}

static void op_exit(struct ui *ui, enum keymap_fn fn)
{
	(void)fn;
	ui_expunge_ask(ui, 1);
	ui->quit = 1;
}

/* The index's functions and their handlers (flag changes, delete, move,
 * tags: ui-action.c, asked first). */
static const struct {
	enum keymap_fn fn;
	void (*run)(struct ui *ui, enum keymap_fn fn);
} index_functions[] = {
	{ KEYMAP_FN_NEXT_ENTRY, op_move }, { KEYMAP_FN_PREVIOUS_ENTRY, op_move }, { KEYMAP_FN_NEXT_PAGE, op_move },
	{ KEYMAP_FN_PREVIOUS_PAGE, op_move }, { KEYMAP_FN_FIRST_ENTRY, op_move }, { KEYMAP_FN_LAST_ENTRY, op_move },
	{ KEYMAP_FN_DISPLAY_MESSAGE, op_display }, { KEYMAP_FN_COMPOSE, op_compose }, { KEYMAP_FN_RECALL, op_recall },
	{ KEYMAP_FN_REPLY, op_with_body }, { KEYMAP_FN_GROUP_REPLY, op_with_body },
	{ KEYMAP_FN_LIST_REPLY, op_with_body }, { KEYMAP_FN_FORWARD, op_with_body },
	{ KEYMAP_FN_FORWARD_ATTACHED, op_with_body }, { KEYMAP_FN_VIEW_ATTACHMENTS, op_with_body },
	{ KEYMAP_FN_PIPE_MESSAGE, op_with_body }, { KEYMAP_FN_SEARCH, op_pattern },
	{ KEYMAP_FN_SEARCH_REVERSE, op_pattern }, { KEYMAP_FN_TAG_PATTERN, op_pattern },
	{ KEYMAP_FN_SEARCH_NEXT, op_search_next }, { KEYMAP_FN_LIMIT, op_limit },
	{ KEYMAP_FN_CHANGE_ACCOUNT, op_change_account }, { KEYMAP_FN_BROWSE_FOLDERS, op_browse },
	{ KEYMAP_FN_OUTBOX, op_outbox }, { KEYMAP_FN_CHANGE_FOLDER, op_change_folder },
	{ KEYMAP_FN_COLLAPSE_THREAD, op_collapse }, { KEYMAP_FN_COLLAPSE_ALL, op_collapse },
	{ KEYMAP_FN_SORT, op_sort }, { KEYMAP_FN_SORT_REVERSE, op_sort }, { KEYMAP_FN_CANCEL, op_cancel },
	{ KEYMAP_FN_REDRAW, op_redraw }, { KEYMAP_FN_EXIT, op_exit },
};

int ui_index_ready(struct ui *ui, enum keymap_fn fn)
{
	unsigned needs = keymap_function_needs(fn);

	if (needs & KEYMAP_NEEDS_THREADS) {
		if (ui->limit) {
			ui_say(ui, 0, "Threads cannot be collapsed while the index is limited.");
			return 0;
		}
		if (ui->sort != MODEL_SORT_THREADS) {
			ui_say(ui, 0, "Threading is not on (sort threads, or press o and t).");
			return 0;
		}
	}
	if ((needs & KEYMAP_NEEDS_MESSAGE) && !ui_current(ui))
		return 0;
	if ((needs & KEYMAP_NEEDS_TARGET) && !ui_current(ui) && !ui->tag_prefix)
		return 0;
	return 1;
}

static int index_function(struct ui *ui, enum keymap_fn fn)
{
	if (ui_action_function(ui, fn))
		return 1;
	for (size_t i = 0; i < LIB_ARRAY_LEN(index_functions); i++) {
		if (index_functions[i].fn == fn) {
			index_functions[i].run(ui, fn);
			return 1;
		}
	}
	if (fn != KEYMAP_FN_NONE)
		ui_say(ui, 0, "Not available in this version yet.");
	return 1;
}

static void index_screen(struct ui *ui)
{
	index_draw(ui);
	ui_index_status(ui);
}

const struct ui_mode ui_mode_index = {
	.name = "index", .map = KEYMAP_MAP_INDEX, .flags = UI_MODE_CHECKS,
	.draw = index_screen, .function = index_function,
};
