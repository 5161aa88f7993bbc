/* The reader: one loop that poll()s the terminal and the engine's wake
 * pipe, so keys are answered while the worker waits on the network. The
 * index is painted from the cache at once, then replaced when the sync
 * finishes; pushed keys (push, tern -e) run once the opening folder is
 * synced. */
#define _GNU_SOURCE
#include "ui-private.h"
#include "ui-screen.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../engine/engine.h"
#include "../model/model.h"

const char *ui_curses_version(void)
{
	return curses_version();
}

/* SIGHUP (the terminal went away: an SSH connection dropped), SIGTERM and
 * SIGINT (^C) end the reader as q does, without its questions: flag
 * changes, deletes and moves already asked for still reach the server or
 * the offline journal, and the terminal is restored. (ncurses' own
 * handlers for SIGINT and SIGTERM just exit, and SIGHUP killed tern.)
 * The handler only notes the signal and wakes the loop through the wake
 * pipe. */
static volatile sig_atomic_t ending_signal;
static int signal_wake = -1;

static void on_ending_signal(int sig)
{
	int saved = errno;
	ending_signal = sig;
	ssize_t rc = write(signal_wake, "s", 1);
	(void)rc;
	errno = saved;
}

int ui_ending(void)
{
	return ending_signal != 0;
}



void ui_draw_text(const char *text, size_t width)
{
	struct buf fitted = BUF_INIT;
	lib_utf8_fit(&fitted, text, width);
	addstr(fitted.data ? fitted.data : "");
	buf_free(&fitted);
}

/* new-mail-command: run in the background with the counts in its
 * environment, never waited for and never given the terminal. */
void ui_new_mail(struct ui *ui, size_t n)
{
	const char *command = conf_get(ui->conf, NULL, CONF_K_NEW_MAIL_COMMAND);
	if (!command)
		return;
	char *env[4] = { xasprintf("TERN_NEW=%zu", n), xasprintf("TERN_ACCOUNT=%s", ui->account->name),
		         xasprintf("TERN_FOLDER=%s", ui->folder), NULL };
	lib_run_detached(command, (const char *const *)env);
	for (size_t i = 0; env[i]; i++)
		free(env[i]);
}

/* Rows the message at the bottom takes: all its text is shown (an error
 * naming account, server and cause is often wider than the screen), up
 * to half the screen; the status line and the screen above make room.
 * Set by draw() before anything is drawn. */
static size_t message_rows = 1;

/* The screen rows the message needs at width cols. */
static size_t message_height(struct ui *ui, size_t cols)
{
	const char *text = ui->message.data ? ui->message.data : "";
	size_t len = ui->message.len, rows = 0, max = LINES > 6 ? (size_t)LINES / 2 : 1;

	for (size_t at = 0; at < len && rows < max; rows++) {
		at += lib_utf8_wrap(text + at, len - at, cols);
		if (at < len && text[at] == ' ')
			at++;
	}
	return rows ? rows : 1;
}

void ui_draw_status(struct ui *ui, struct buf *line)
{
	while (lib_utf8_width(line->data, line->len) < (size_t)COLS)
		buf_addch(line, '-');
	attrset(ui->colors[UI_COLOR_STATUS]);
	move(LINES - 1 - (int)message_rows, 0);
	ui_draw_text(line->data, (size_t)COLS);
	attrset(A_NORMAL);
}

void ui_say(struct ui *ui, int is_error, const char *text)
{
	buf_reset(&ui->message);
	lib_sanitize(&ui->message, text, strlen(text), LIB_SANITIZE_LINE);
	ui->message_is_error = is_error;
	ui_history_add(ui, is_error, ui->message.data ? ui->message.data : "");
}

/* ---- rows: the view, or under a limit the rows of it that match ---- */

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

/* ---- drawing ---- */

/* Columns the sidebar takes (with its separator), 0 when off. */
static int sidebar_columns(struct ui *ui)
{
	if (!conf_get_bool(ui->conf, NULL, CONF_K_SIDEBAR))
		return 0;
	int width = (int)conf_get_number(ui->conf, NULL, CONF_K_SIDEBAR_WIDTH);
	return width + 1 < COLS - 20 ? width + 1 : 0;
}

static void draw_sidebar(struct ui *ui, int width)
{
	size_t rows = ui_rows();
	for (size_t r = 0; r < rows; r++) {
		struct buf line = BUF_INIT, name = BUF_INIT;
		attr_t attr = ui->colors[UI_COLOR_NORMAL];
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
				attr = ui->colors[UI_COLOR_INDICATOR];
			else if (f->unseen)
				attr = ui->colors[UI_COLOR_NEW];
		} else {
			lib_utf8_fit(&line, "", (size_t)width);
		}
		move((int)r, 0);
		attrset(attr);
		addstr(line.data);
		attrset(A_NORMAL);
		addstr("\xe2\x94\x82"); /* a vertical line */
		buf_free(&line);
		buf_free(&name);
	}
}

size_t ui_rows(void)
{
	return (size_t)LINES > message_rows + 1 ? (size_t)LINES - message_rows - 1 : 1;
}

static void draw_index_status(struct ui *ui)
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

void ui_draw_message(struct ui *ui)
{
	size_t cols = COLS > 1 ? (size_t)COLS : 1, at = 0;
	const char *text = ui->message.data ? ui->message.data : "";

	attrset(ui->message_is_error ? ui->colors[UI_COLOR_ERROR] : ui->colors[UI_COLOR_MESSAGE]);
	for (size_t r = 0; r < message_rows; r++) {
		move(LINES - (int)message_rows + (int)r, 0);
		clrtoeol();
		size_t take = at < ui->message.len ? lib_utf8_wrap(text + at, ui->message.len - at, cols) : 0;
		addnstr(text + at, (int)take);
		at += take;
		if (at < ui->message.len && text[at] == ' ')
			at++;
	}
	attrset(A_NORMAL);
}

static void draw_index(struct ui *ui)
{
	size_t rows = ui_rows(), count = ui_count(ui);
	const char *format = conf_get(ui->conf, NULL, CONF_K_INDEX_FORMAT);
	struct buf line = BUF_INIT;
	char tree[256];
	int offset = sidebar_columns(ui);
	size_t width = (size_t)(COLS - offset);

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
		move((int)r, offset);
		clrtoeol();
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
		attr_t attr = ui->colors[UI_COLOR_NORMAL];
		if (s->flags & MODEL_F_DELETED)
			attr = ui->colors[UI_COLOR_DELETED];
		else if (s->flags & MODEL_F_FLAGGED)
			attr = ui->colors[UI_COLOR_FLAGGED];
		else if (!(s->flags & MODEL_F_SEEN))
			attr = ui->colors[UI_COLOR_NEW];
		if (row == ui->cursor)
			attr = ui->colors[UI_COLOR_INDICATOR];
		attrset(attr);
		addstr(line.data);
		attrset(A_NORMAL);
	}
	buf_free(&line);
}

static void draw_help(struct ui *ui)
{
	const struct ui_keymap *map = &ui->keys.maps[ui->map];
	size_t rows = ui_rows();

	erase();
	attrset(ui->colors[UI_COLOR_HEADER]);
	mvaddstr(0, 0, "");
	char *title = xasprintf("Key bindings of the %s (q or ? to go back, j/k/* to scroll)", ui_map_name(ui->map));
	ui_draw_text(title, (size_t)COLS);
	free(title);
	attrset(A_NORMAL);
	size_t row = 2;
	for (size_t i = ui->help_top; i < map->count && row < rows; i++) {
		const struct ui_binding *b = &map->bindings[i];
		char name[64] = "", one[24];
		if (b->fn == UI_FN_NONE)
			continue; /* unbound with noop */
		for (int k = 0; k < b->nkeys; k++) {
			ui_key_name(b->keys[k], one, sizeof(one));
			strncat(name, one, sizeof(name) - strlen(name) - 1);
		}
		char *text = xasprintf("%-12s %-20s %s", name, ui_function_name(b->fn), ui_function_help(b->fn));
		move((int)row++, 0);
		ui_draw_text(text, (size_t)COLS);
		free(text);
	}
}

static void draw(struct ui *ui)
{
	size_t rows = message_height(ui, COLS > 1 ? (size_t)COLS : 1);
	if (rows != message_rows) {
		message_rows = rows;
		erase(); /* the screen above moves */
	}
	if (ui_history_is_open(ui)) {
		ui_history_draw(ui);
	} else if (ui->help) {
		draw_help(ui);
		draw_index_status(ui);
	} else if (ui->compose) {
		ui_compose_draw(ui);
	} else if (ui->outbox_screen) {
		ui_outbox_draw(ui);
	} else if (ui->browser) {
		ui_browser_draw(ui);
	} else if (ui->attach) {
		ui_attach_draw(ui);
	} else if (ui->pager) {
		ui_pager_draw(ui);
	} else {
		draw_index(ui);
		draw_index_status(ui);
	}
	ui_draw_message(ui);
	refresh();
}

/* ---- the folder ---- */

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

static uint32_t cursor_uid(struct ui *ui)
{
	const struct model_summary *s = ui_current(ui);
	return s ? s->uid : 0;
}

/* Where mutt puts the cursor in a folder it opens: the first new message
 * in display order, else the first old (unread) one, else the newest. */
static size_t first_message_row(struct ui *ui)
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

static void open_folder(struct ui *ui, const char *folder)
{
	free(ui->folder);
	free(ui->wire_folder);
	ui->folder = xstrdup(folder);
	/* a path on this machine is no IMAP name: it stays as written */
	ui->wire_folder = engine_folder_wire(folder);
	model_mailbox_free(ui->mbox);
	ui_undo_clear(ui);
	ui->mbox = model_mailbox_new();
	ui->cursor = ui->top = 0;
	ui->synced = 0;
	ui->known = 0;
	ui->placed_uid = 0;
	snprintf(ui->state, sizeof(ui->state), "opening");
	model_view_build(ui->view, ui->mbox, ui->sort, ui->reverse);
	engine_worker_open_folder(ui->worker, ui->wire_folder);
}

static void run_function(struct ui *ui, enum ui_function fn);
static void handle_event(struct ui *ui, struct engine_event *ev);

static void counts_free(struct ui *ui)
{
	for (size_t i = 0; i < ui->ncounts; i++)
		free(ui->counts[i].name);
	free(ui->counts);
	ui->counts = NULL;
	ui->ncounts = 0;
}

/* The subscribed folders' counts, INBOX first (lines NAME \t SUB \t MSGS \t UNSEEN). */
static void counts_update(struct ui *ui, const struct engine_folder_row *rows, size_t count)
{
	counts_free(ui);
	for (size_t i = 0; i < count; i++) {
		if (!rows[i].subscribed)
			continue;
		ui->counts = xrealloc(ui->counts, (ui->ncounts + 1) * sizeof(*ui->counts));
		struct ui_folder_count *c = &ui->counts[ui->ncounts++];
		c->name = xstrdup(rows[i].name);
		c->messages = rows[i].messages;
		c->unseen = rows[i].unseen;
		if (strcmp(c->name, "INBOX") == 0 && ui->ncounts > 1) { /* INBOX on top */
			struct ui_folder_count inbox = *c;
			memmove(ui->counts + 1, ui->counts, (ui->ncounts - 1) * sizeof(*ui->counts));
			ui->counts[0] = inbox;
		}
	}
}

/* Every check-interval: the other folders' counts (STATUS), for the
 * sidebar and the status line. */
static void ask_counts(struct ui *ui)
{
	long interval = conf_get_number(ui->conf, NULL, CONF_K_CHECK_INTERVAL);
	time_t now = time(NULL);
	if (!ui->synced || (ui->counts_asked && (interval <= 0 || now - ui->counts_asked < interval)))
		return; /* once after the first sync, then every check-interval */
	ui->counts_asked = now;
	engine_worker_list_folders(ui->worker, 1);
}
static void server_search_done(struct ui *ui, struct engine_event *ev);

/* The worker of account i, started when first needed. */
static struct engine_worker *worker_for(struct ui *ui, size_t i)
{
	if (!ui->workers[i])
		ui->workers[i] = engine_worker_start(ui->conf, &ui->conf->accounts[i], ui->wake[1]);
	return ui->workers[i];
}

struct engine_worker *ui_worker(struct ui *ui, const struct conf_account *account)
{
	return worker_for(ui, (size_t)(account - ui->conf->accounts));
}

/* Takes every waiting event: the current account's are handled, a
 * background account's only when they end a send or a postpone (asked
 * from the outbox screen or a draft of that account: the user waits for
 * the answer). Returns 1 when stop_job (if >= 0) ended among them. */
static int drain_events(struct ui *ui, int stop_job)
{
	char drain[256];
	int stopped = 0;

	while (read(ui->wake[0], drain, sizeof(drain)) > 0)
		;
	for (size_t i = 0; i < ui->conf->naccounts; i++) {
		struct engine_event *ev;
		while (ui->workers[i] && (ev = engine_worker_next_event(ui->workers[i]))) {
			int ended = ev->type == ENGINE_EV_DONE || ev->type == ENGINE_EV_ERROR;
			if (ui->workers[i] != ui->worker &&
			    !(ended && (ev->result.job == ENGINE_JOB_SEND || ev->result.job == ENGINE_JOB_POSTPONE))) {
				engine_event_free(ev); /* the account's folder is not on screen */
				continue;
			}
			if (ended && (int)ev->result.job == stop_job) /* stop_job: a bulk action */
				stopped = 1;
			handle_event(ui, ev);
		}
	}
	return stopped;
}

/* R: the Drafts folder is known. In it, the message under the cursor is
 * recalled (once its body is here); elsewhere the folder opens, to
 * choose one. */
static void drafts_found(struct ui *ui, struct engine_event *ev)
{
	if (ev->type == ENGINE_EV_ERROR) {
		ui_say(ui, 1, ev->result.text);
		return;
	}
	if (ui->compose)
		return; /* the user started writing meanwhile */
	if (!ui->wire_folder || strcmp(ev->folder, ui->wire_folder) != 0) {
		ui_open_folder(ui, ev->result.drafts.name);
		char *line = xasprintf("%s: choose a draft and press R to recall it.", ev->result.drafts.name);
		ui_say(ui, 0, line);
		free(line);
		return;
	}
	if (!ui_current(ui)) {
		ui_say(ui, 0, "There is no draft to recall.");
		return;
	}
	if (ui->pager && ui_pager_mime(ui)) {
		ui_compose_recall(ui, ev->folder, ev->result.drafts.uidvalidity);
		return;
	}
	if (!ui->pager)
		ui_pager_open(ui, ui_current(ui));
	ui->pending = UI_FN_RECALL; /* asks again once the body is here */
}

void ui_wait_job(struct ui *ui, int job)
{
	ui_say(ui, 0, "Waiting for the server... (any key stops waiting)");
	for (int waited = 0; waited < 300; waited++) {
		ui_draw_message(ui);
		refresh();
		struct pollfd fds[2] = { { STDIN_FILENO, POLLIN, 0 }, { ui->wake[0], POLLIN, 0 } };
		if (poll(fds, 2, 100) < 0 && errno != EINTR)
			return;
		if (fds[0].revents)
			return;
		if (drain_events(ui, job))
			return;
	}
}

/* A recalled draft went out and left the Drafts folder: when that folder
 * is open, its row goes now (R on it would find nothing). */
static void draft_sent(struct ui *ui, struct engine_event *ev)
{
	uint32_t draft = ev->result.send.draft_uid;
	if (!ev->folder || !draft || !ui->mbox || strcmp(ev->account, ui->account->name) != 0 ||
	    strcmp(ev->folder, ui->wire_folder) != 0)
		return;
	const struct model_summary *current = ui_current(ui);
	uint32_t keep = current && current->uid != draft ? current->uid : 0;
	size_t row = ui->cursor;
	if (model_mailbox_remove_uids(ui->mbox, &draft, 1) == 0)
		return;
	ui_rebuild_view(ui, keep);
	if (!keep)
		ui->cursor = row < ui_count(ui) ? row : ui_count(ui) ? ui_count(ui) - 1 : 0;
	ui->known = model_mailbox_count(ui->mbox);
}

static void handle_event(struct ui *ui, struct engine_event *ev)
{
	switch (ev->type) {
	case ENGINE_EV_FOLDER:
		if (!ev->folder || strcmp(ev->folder, ui->wire_folder) != 0)
			break; /* a folder the user has left meanwhile */
		uint32_t uid = cursor_uid(ui);
		/* until the first full sync, the cursor goes to the first new
		 * message, unless the user has moved it meanwhile */
		int place = !ui->synced && uid == ui->placed_uid;
		model_mailbox_free(ui->mbox);
		ui->mbox = ev->index.mbox;
		ev->index.mbox = NULL;
		ui_undo_apply(ui);          /* rows kept for u */
		ui_pending_flags_apply(ui); /* the snapshot may predate them */
		ui_rebuild_view(ui, uid);
		if (place) {
			ui->cursor = first_message_row(ui);
			ui->placed_uid = cursor_uid(ui);
		}
		if (ev->index.sync == ENGINE_SYNC_DONE) {
			if (!ui->synced && !ui->folders)
				engine_worker_list_folders(ui->worker, 0);
			if (ui->synced && model_mailbox_count(ui->mbox) > ui->known) {
				size_t n = model_mailbox_count(ui->mbox) - ui->known;
				char *text = xasprintf("New mail: %zu new message%s in %s.", n, n == 1 ? "" : "s", ui->folder);
				ui_say(ui, 0, text);
				free(text);
				ui_new_mail(ui, n);
			}
			ui->known = model_mailbox_count(ui->mbox);
			ui->synced = 1;
			snprintf(ui->state, sizeof(ui->state), "%s", engine_sync_state_name(ENGINE_SYNC_DONE));
		}
		break;
	case ENGINE_EV_PROGRESS:
		snprintf(ui->state, sizeof(ui->state), "Fetching headers %zu/%zu", ev->progress.done, ev->progress.total);
		break;
	case ENGINE_EV_OUTBOX:
		ui->outbox = ev->outbox.waiting;
		if (ev->outbox.sent) {
			char *line = xasprintf("Sent %zu message%s from the outbox.", ev->outbox.sent,
			                       ev->outbox.sent == 1 ? "" : "s");
			ui_say(ui, 0, line);
			free(line);
		}
		break;
	case ENGINE_EV_CONNECTION:
		snprintf(ui->state, sizeof(ui->state), "%s", engine_conn_state_name(ev->conn));
		break;
	case ENGINE_EV_NOTICE:
		ui_say(ui, 0, ev->notice);
		break;
	case ENGINE_EV_BODY:
		if (ev->folder && strcmp(ev->folder, ui->wire_folder) == 0) {
			ui_pager_body(ui, ev->body.uid, ev->body.data, ev->body.len);
			if (ui->pending && ui->pager && ui_pager_mime(ui)) {
				enum ui_function fn = ui->pending;
				ui->pending = UI_FN_NONE;
				run_function(ui, fn);
			}
		}
		break;
	case ENGINE_EV_FOLDERS: {
		if (ev->folders.counts) { /* for the browser, the sidebar and the status line */
			if (ui->browser)
				ui_browser_folders(ui, ev->folders.rows, ev->folders.count, ev->folders.cached);
			counts_update(ui, ev->folders.rows, ev->folders.count);
			break;
		}
		for (size_t i = 0; i < ui->nfolders; i++)
			free(ui->folders[i]);
		free(ui->folders);
		ui->folders = xmalloc((ev->folders.count ? ev->folders.count : 1) * sizeof(*ui->folders));
		ui->nfolders = 0;
		for (size_t i = 0; i < ev->folders.count; i++)
			ui->folders[ui->nfolders++] = xstrdup(ev->folders.rows[i].name);
		break;
	}
	case ENGINE_EV_DONE:
	case ENGINE_EV_ERROR:
		if (ev->result.job == ENGINE_JOB_SEND && ev->type == ENGINE_EV_ERROR &&
		    (ev->result.cls == LIB_ERR_TEMPORARY || ev->result.cls == LIB_ERR_CONNECTION))
			ui->outbox++; /* queued: the worker retries it every check-interval */
		if (ev->result.job == ENGINE_JOB_SEARCH) {
			server_search_done(ui, ev);
			break;
		}
		if (ev->result.job == ENGINE_JOB_DRAFTS) {
			drafts_found(ui, ev);
			break;
		}
		if (ev->result.job == ENGINE_JOB_POSTPONE) {
			if (ev->type == ENGINE_EV_DONE) {
				ui_say(ui, ev->result.postpone.old_kept, ev->result.text);
			} else {
				char *line = xasprintf("%s; the message is kept in tern's local drafts, offered at the next start",
				                       ev->result.text);
				ui_say(ui, 1, line);
				free(line);
			}
			break;
		}
		if (ev->result.job == ENGINE_JOB_SEND && ev->type == ENGINE_EV_DONE)
			draft_sent(ui, ev);
		if (ev->result.job == ENGINE_JOB_SEND || ev->result.job == ENGINE_JOB_FOLDER_CHANGE) {
			ui_say(ui, ev->type == ENGINE_EV_ERROR, ev->result.text);
			if (ev->result.job == ENGINE_JOB_FOLDER_CHANGE && ev->type == ENGINE_EV_DONE) {
				engine_worker_list_folders(ui->worker, 0); /* completion follows */
				if (ui->browser)
					engine_worker_list_folders(ui->worker, 1);
			}
			break;
		}
		if (ev->type == ENGINE_EV_DONE) {
			ui_action_event(ui, ev);
			break;
		}
		if (engine_job_bulk(ev->result.job)) { /* a bulk action the server refused: roll it back */
			ui_action_event(ui, ev);
			break;
		}
		if (ev->result.uid) { /* about one message: the folder itself is fine */
			ui_pager_error(ui, ev->result.uid, ev->result.text);
			ui_say(ui, 1, ev->result.text);
			break;
		}
		ui_say(ui, 1, ev->result.text);
		snprintf(ui->state, sizeof(ui->state), "%s",
		         ev->result.cls == LIB_ERR_CONNECTION ? "offline, retrying" : "error");
		ui->failed = 1;
		break;
	}
	engine_event_free(ev);
}

void ui_open_folder(struct ui *ui, const char *folder)
{
	ui_pager_close(ui);
	ui_mark_old(ui);
	ui_expunge_ask(ui, 1);
	ui_tags_clear(ui);
	ui_pending_flags_free(ui);
	model_pattern_free(ui->limit);
	ui->limit = NULL;
	free(ui->limit_text);
	ui->limit_text = NULL;
	open_folder(ui, folder);
}

/* ---- keys ---- */

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
static void use_pattern(struct ui *ui, enum ui_function fn, struct model_pattern *p, char *text)
{
	if (fn == UI_FN_LIMIT) {
		uint32_t uid = cursor_uid(ui);
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
	} else if (fn == UI_FN_TAG_PATTERN) {
		size_t n = ui_tag_matching(ui, p);
		char *note = xasprintf("Tagged %zu message%s.", n, n == 1 ? "" : "s");
		ui_say(ui, 0, note);
		free(note);
		model_pattern_free(p);
		free(text);
	} else {
		model_pattern_free(ui->search_pattern);
		ui->search_pattern = p;
		ui->search_dir = fn == UI_FN_SEARCH_REVERSE ? -1 : 1;
		buf_reset(&ui->message);
		index_search(ui, ui->search_dir);
		free(text);
	}
}

/* A pattern with ~b or ~B first asks the server (UID SEARCH); the rest is
 * done when the answer arrives (server_search_done). */
static void start_pattern(struct ui *ui, enum ui_function fn, struct model_pattern *p, char *text)
{
	if (!model_pattern_needs_server(p)) {
		use_pattern(ui, fn, p, text);
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

static void server_search_done(struct ui *ui, struct engine_event *ev)
{
	if (!ui->pending_pattern || ev->result.search.token != ui->search_token)
		return; /* an answer to a search since replaced */
	if (ev->type == ENGINE_EV_ERROR) {
		ui_say(ui, 1, ev->result.text);
		model_pattern_free(ui->pending_pattern);
		free(ui->pending_text);
	} else {
		model_pattern_set_server_uids(ui->pending_pattern, ev->result.search.uids, ev->result.search.nuids);
		use_pattern(ui, ui->pending_fn, ui->pending_pattern, ui->pending_text);
	}
	ui->pending_pattern = NULL;
	ui->pending_text = NULL;
}

static void run_function(struct ui *ui, enum ui_function fn)
{
	size_t count = ui_count(ui), rows = ui_rows();

	if (ui->help) {
		size_t total = ui->keys.maps[ui->map].count, page = rows > 2 ? rows - 2 : 1;
		size_t last = total > page ? total - page : 0;
		if (fn == UI_FN_QUIT || fn == UI_FN_EXIT || fn == UI_FN_HELP)
			ui->help = 0;
		else if (fn == UI_FN_REDRAW)
			clearok(curscr, TRUE);
		else if (fn == UI_FN_NEXT_ENTRY || fn == UI_FN_NEXT_LINE)
			ui->help_top += ui->help_top < last;
		else if (fn == UI_FN_PREVIOUS_ENTRY || fn == UI_FN_PREVIOUS_LINE)
			ui->help_top -= ui->help_top > 0;
		else if (fn == UI_FN_NEXT_PAGE)
			ui->help_top = ui->help_top + page < last ? ui->help_top + page : last;
		else if (fn == UI_FN_PREVIOUS_PAGE)
			ui->help_top = ui->help_top > page ? ui->help_top - page : 0;
		else if (fn == UI_FN_LAST_ENTRY || fn == UI_FN_BOTTOM)
			ui->help_top = last;
		else if (fn == UI_FN_FIRST_ENTRY || fn == UI_FN_TOP)
			ui->help_top = 0;
		return;
	}
	if (ui_history_is_open(ui)) {
		ui_history_function(ui, fn);
		return;
	}
	buf_reset(&ui->message);
	if (fn == UI_FN_ERROR_HISTORY) {
		ui_history_open(ui);
		return;
	}
	if (fn == UI_FN_HELP) {
		ui->help = 1;
		ui->help_top = 0;
		return;
	}
	if (fn == UI_FN_QUIT) {
		ui_expunge_ask(ui, 1);
		ui->quit = 1;
		return;
	}
	if (ui->compose && (ui_compose_function(ui, fn) || fn != UI_FN_REDRAW))
		return;
	if (ui->outbox_screen && (ui_outbox_function(ui, fn) || fn != UI_FN_REDRAW))
		return;
	if (ui->browser && (ui_browser_function(ui, fn) || fn != UI_FN_REDRAW))
		return; /* the index's keys do not reach through the browser */
	if (ui->attach && ui_attach_function(ui, fn))
		return;
	if (ui->pager && !ui->attach && ui_pager_function(ui, fn))
		return;
	if (!ui->attach && ui_action_function(ui, fn))
		return;
	switch (fn) {
	case UI_FN_DISPLAY_MESSAGE:
		if (ui_current(ui))
			ui_pager_open(ui, ui_current(ui));
		break;
	case UI_FN_COMPOSE:
		ui_compose_start(ui, fn);
		break;
	case UI_FN_RECALL:
		engine_worker_drafts(ui->worker); /* the answer opens the folder, or recalls from it */
		ui_say(ui, 0, "Looking for the Drafts folder...");
		break;
	case UI_FN_REPLY:
	case UI_FN_GROUP_REPLY:
	case UI_FN_LIST_REPLY:
	case UI_FN_FORWARD:
	case UI_FN_FORWARD_ATTACHED:
	case UI_FN_VIEW_ATTACHMENTS:
	case UI_FN_PIPE_MESSAGE:
		if (!ui_current(ui))
			break;
		if (!ui->pager || !ui_pager_mime(ui)) {
			if (!ui->pager)
				ui_pager_open(ui, ui_current(ui));
			ui->pending = fn; /* runs when the message has arrived */
			break;
		}
		if (fn == UI_FN_REPLY || fn == UI_FN_GROUP_REPLY || fn == UI_FN_LIST_REPLY || fn == UI_FN_FORWARD ||
		    fn == UI_FN_FORWARD_ATTACHED) {
			ui_compose_start(ui, fn);
		} else if (fn == UI_FN_VIEW_ATTACHMENTS) {
			ui_attach_open(ui);
		} else {
			char *command = ui_prompt(ui, "Pipe to command: ", NULL, NULL, 0);
			size_t len;
			const char *raw = ui_pager_raw(ui, &len);
			if (command && *command && raw)
				ui_run_command(ui, command, raw, len, 1);
			free(command);
		}
		break;
	case UI_FN_SEARCH:
	case UI_FN_SEARCH_REVERSE: {
		char *text = ui_prompt(ui, fn == UI_FN_SEARCH ? "Search for: " : "Reverse search for: ", NULL, NULL, 0);
		struct model_pattern *p = text && *text ? compile(ui, text) : NULL;
		if (p)
			start_pattern(ui, fn, p, text);
		else
			free(text);
		break;
	}
	case UI_FN_SEARCH_NEXT:
		index_search(ui, ui->search_dir ? ui->search_dir : 1);
		break;
	case UI_FN_LIMIT: {
		char *text = ui_prompt(ui, "Limit to messages matching: ", ui->limit_text, NULL, 0);
		if (!text)
			break;
		if (!*text || strcmp(text, "all") == 0 || strcmp(text, "~A") == 0) {
			uint32_t uid = cursor_uid(ui);
			model_pattern_free(ui->limit);
			ui->limit = NULL;
			free(ui->limit_text);
			ui->limit_text = NULL;
			free(text);
			apply_limit(ui);
			size_t row = uid ? row_of_uid(ui, uid) : (size_t)-1;
			ui->cursor = row != (size_t)-1 ? row : ui_count(ui) ? ui_count(ui) - 1 : 0;
			break;
		}
		struct model_pattern *p = compile(ui, text);
		if (p)
			start_pattern(ui, fn, p, text);
		else
			free(text);
		break;
	}
	case UI_FN_TAG_PATTERN: {
		char *text = ui_prompt(ui, "Tag messages matching: ", NULL, NULL, 0);
		struct model_pattern *p = text && *text ? compile(ui, text) : NULL;
		if (p)
			start_pattern(ui, fn, p, text);
		else
			free(text);
		break;
	}
	case UI_FN_CHANGE_ACCOUNT: {
		char **names = xcalloc(ui->conf->naccounts, sizeof(*names));
		for (size_t i = 0; i < ui->conf->naccounts; i++)
			names[i] = ui->conf->accounts[i].name;
		char *name = ui_prompt(ui, "Account (Tab completes): ", NULL, names, ui->conf->naccounts);
		free(names);
		const struct conf_account *account = name && *name ? conf_account_find(ui->conf, name) : NULL;
		if (name && *name && !account) {
			ui_say(ui, 1, "No such account.");
		} else if (account && account->imap.scheme == CONF_URL_NONE && account->pop3.scheme == CONF_URL_NONE) {
			ui_say(ui, 1, "That account has no IMAP or POP3 server to read.");
		} else if (account && account != ui->account) {
			ui_pager_close(ui);
			ui_browser_close(ui);
			ui_mark_old(ui);
			ui_expunge_ask(ui, 1);
			ui->account = account;
			ui->worker = worker_for(ui, (size_t)(account - ui->conf->accounts));
			for (size_t i = 0; i < ui->nfolders; i++)
				free(ui->folders[i]);
			free(ui->folders);
			ui->folders = NULL;
			ui->nfolders = 0;
			counts_free(ui);
			ui->counts_asked = 0;
			ui_open_folder(ui, "INBOX");
		}
		free(name);
		break;
	}
	case UI_FN_BROWSE_FOLDERS:
		ui_browser_open(ui);
		break;
	case UI_FN_OUTBOX:
		ui_outbox_open(ui);
		break;
	case UI_FN_CHANGE_FOLDER: {
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
		break;
	}
	case UI_FN_NEXT_ENTRY:
		if (ui->cursor + 1 < count)
			ui->cursor++;
		else
			ui_say(ui, 0, "You are on the last message.");
		break;
	case UI_FN_PREVIOUS_ENTRY:
		if (ui->cursor > 0)
			ui->cursor--;
		else
			ui_say(ui, 0, "You are on the first message.");
		break;
	case UI_FN_NEXT_PAGE:
		if (count) {
			ui->cursor = ui->cursor + rows < count ? ui->cursor + rows : count - 1;
			ui->top = ui->top + rows < count ? ui->top + rows : ui->top;
		}
		break;
	case UI_FN_PREVIOUS_PAGE:
		ui->cursor = ui->cursor > rows ? ui->cursor - rows : 0;
		ui->top = ui->top > rows ? ui->top - rows : 0;
		break;
	case UI_FN_FIRST_ENTRY:
		ui->cursor = 0;
		break;
	case UI_FN_LAST_ENTRY:
		ui->cursor = count ? count - 1 : 0;
		break;
	case UI_FN_COLLAPSE_THREAD:
		if (ui->limit)
			ui_say(ui, 0, "Threads cannot be collapsed while the index is limited.");
		else if (ui->sort != MODEL_SORT_THREADS)
			ui_say(ui, 0, "Threading is not on (sort threads, or press o and t).");
		else if (count)
			ui->cursor = model_view_collapse(ui->view, ui->cursor, model_view_hidden(ui->view, ui->cursor) == 0);
		break;
	case UI_FN_COLLAPSE_ALL:
		if (ui->limit) {
			ui_say(ui, 0, "Threads cannot be collapsed while the index is limited.");
		} else if (ui->sort != MODEL_SORT_THREADS) {
			ui_say(ui, 0, "Threading is not on (sort threads, or press o and t).");
		} else {
			uint32_t uid = cursor_uid(ui);
			ui->collapsed_all = !ui->collapsed_all;
			model_view_collapse_all(ui->view, ui->collapsed_all);
			size_t row = row_of_uid(ui, uid);
			ui->cursor = row == (size_t)-1 ? 0 : row;
		}
		break;
	case UI_FN_SORT:
	case UI_FN_SORT_REVERSE: {
		ui_say(ui, 0, fn == UI_FN_SORT ? "Sort by (d)ate, (t)hreads, (f)rom, (s)ubject, si(z)e?"
		                            : "Reverse sort by (d)ate, (t)hreads, (f)rom, (s)ubject, si(z)e?");
		draw(ui);
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
				uint32_t uid = cursor_uid(ui);
				ui->sort = choices[i].sort;
				ui->reverse = fn == UI_FN_SORT_REVERSE;
				ui_rebuild_view(ui, uid);
			}
		}
		break;
	}
	case UI_FN_CANCEL:
		engine_worker_cancel(ui->worker);
		ui_say(ui, 0, "Cancelled.");
		break;
	case UI_FN_REDRAW:
		clearok(curscr, TRUE);
		break;
	case UI_FN_EXIT:
		ui_expunge_ask(ui, 1);
		ui->quit = 1;
		break;
	case UI_FN_NONE:
		break;
	default:
		ui_say(ui, 0, "Not available in this version yet.");
		break;
	}
}

static void handle_key(struct ui *ui, int key)
{
	if (key == '\n')
		key = '\r';
	if (ui->nseq == UI_MAX_SEQ)
		ui->nseq = 0;
	ui->seq[ui->nseq++] = key;
	int found = ui_keys_lookup(&ui->keys, ui->map, ui->seq, ui->nseq);
	if (found == -1)
		return; /* a prefix: wait for the next key */
	int nseq = ui->nseq;
	ui->nseq = 0;
	if (found == UI_FN_NONE) {
		if (ui->help) {
			ui->help = 0;
			return;
		}
		char name[128] = "", one[24];
		for (int k = 0; k < nseq; k++) { /* the whole sequence: "gx" after a "gg" binding */
			ui_key_name(ui->seq[k], one, sizeof(one));
			strncat(name, one, sizeof(name) - strlen(name) - 1);
		}
		char *text = xasprintf("Key %s is not bound. Press ? for help.", name);
		ui_say(ui, 0, text);
		free(text);
		return;
	}
	run_function(ui, (enum ui_function)found);
}

static void run_pushed(struct ui *ui)
{
	while (ui->keys.pushed_at < ui->keys.npushed && !ui->quit) {
		struct ui_pending *p = &ui->keys.pushed[ui->keys.pushed_at++];
		if (p->fn != UI_FN_NONE)
			run_function(ui, p->fn);
		else
			handle_key(ui, p->key);
	}
}

static void read_keys(struct ui *ui)
{
	wint_t ch;
	int rc;

	while (!ui->quit && (rc = get_wch(&ch)) != ERR) {
		int key = rc == KEY_CODE_YES ? UI_KEY((int)ch) : (int)ch;
		if (rc == KEY_CODE_YES && ch == KEY_RESIZE) {
			clearok(curscr, TRUE);
			continue;
		}
		handle_key(ui, key);
	}
}

int ui_run(struct conf *conf, const char *account_name, const char *folder)
{
	struct ui ui = { 0 };
	int exit_code = 0;

	ui.conf = conf;
	ui.account = account_name ? conf_account_find(conf, account_name) : conf_account_default(conf);
	if (!ui.account) {
		fprintf(stderr, "tern: no account in %s\n", conf->path);
		return lib_error_exit_code(LIB_ERR_CONFIG);
	}
	ui_keys_load(&ui.keys, conf);
	model_sort_parse(conf_get(conf, NULL, CONF_K_SORT), &ui.sort, &ui.reverse);
	if (pipe2(ui.wake, O_CLOEXEC | O_NONBLOCK) < 0)
		lib_fatal("pipe: %s", strerror(errno));
	signal_wake = ui.wake[1];
	struct sigaction ending = { .sa_handler = on_ending_signal };
	sigemptyset(&ending.sa_mask);
	sigaction(SIGHUP, &ending, NULL);
	sigaction(SIGTERM, &ending, NULL);
	sigaction(SIGINT, &ending, NULL);
	ui.view = model_view_new();

	if (!initscr())
		lib_fatal("cannot start the terminal");
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(50);
	curs_set(0);
	ui_colors_apply(ui.colors, conf);

	ui.workers = xcalloc(conf->naccounts, sizeof(*ui.workers));
	ui.worker = worker_for(&ui, (size_t)(ui.account - conf->accounts));
	open_folder(&ui, folder ? folder : "INBOX");
	if (ui.keys.npushed == 0)
		ui_compose_recover(&ui); /* a scripted run is not asked */

	while (!ui.quit && !ending_signal) {
		ask_counts(&ui);
		draw(&ui);
		struct pollfd fds[2] = { { STDIN_FILENO, POLLIN, 0 }, { ui.wake[0], POLLIN, 0 } };
		long interval = conf_get_number(conf, NULL, CONF_K_CHECK_INTERVAL);
		if (poll(fds, 2, interval > 0 ? (int)(interval * 1000) : -1) < 0 && errno != EINTR)
			break;
		if (fds[1].revents)
			drain_events(&ui, -1);
		if ((fds[0].revents & (POLLHUP | POLLERR)) || ending_signal)
			break;
		read_keys(&ui);
		if ((ui.synced || ui.failed) && ui.keys.pushed_at < ui.keys.npushed) {
			clearok(curscr, TRUE); /* the whole synced screen is painted before pushed keys run */
			draw(&ui);
			run_pushed(&ui);
		}
	}

	ui_mark_old(&ui); /* the session ends: what was in the index is old now */
	endwin();
	counts_free(&ui);
	ui_history_free(&ui);
	ui_undo_clear(&ui);
	ui_pending_flags_free(&ui);
	ui_compose_close(&ui);
	ui_browser_close(&ui);
	ui_outbox_close(&ui);
	ui_tags_clear(&ui);
	ui_attach_close(&ui);
	ui_pager_close(&ui);
	for (size_t i = 0; i < ui.nfolders; i++)
		free(ui.folders[i]);
	free(ui.folders);
	free(ui.search);
	model_pattern_free(ui.search_pattern);
	model_pattern_free(ui.pending_pattern);
	free(ui.pending_text);
	model_pattern_free(ui.limit);
	free(ui.limit_text);
	free(ui.lrows);
	for (size_t i = 0; i < conf->naccounts; i++)
		engine_worker_stop(ui.workers[i]);
	free(ui.workers);
	model_view_free(ui.view);
	model_mailbox_free(ui.mbox);
	ui_keys_free(&ui.keys);
	buf_free(&ui.message);
	free(ui.folder);
	free(ui.wire_folder);
	signal(SIGHUP, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	close(ui.wake[0]);
	close(ui.wake[1]);
	if (ending_signal) /* done: end the way the signal asked */
		raise(ending_signal);
	return exit_code;
}
