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
	ui_addstr(fitted.data ? fitted.data : "");
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
	size_t len = ui->message.len, rows = 0, max = ui_lines() > 6 ? (size_t)ui_lines() / 2 : 1;

	for (size_t at = 0; at < len && rows < max; rows++) {
		at += lib_utf8_wrap(text + at, len - at, cols);
		if (at < len && text[at] == ' ')
			at++;
	}
	return rows ? rows : 1;
}

void ui_draw_status(struct ui *ui, struct buf *line)
{
	while (lib_utf8_width(line->data, line->len) < (size_t)ui_cols())
		buf_addch(line, '-');
	ui_attrset(ui->colors[KEYMAP_COLOR_STATUS]);
	ui_move(ui_lines() - 1 - (int)message_rows, 0);
	ui_draw_text(line->data, (size_t)ui_cols());
	ui_attrset(A_NORMAL);
}

void ui_say(struct ui *ui, int is_error, const char *text)
{
	buf_reset(&ui->message);
	lib_sanitize(&ui->message, text, strlen(text), LIB_SANITIZE_LINE);
	ui->message_is_error = is_error;
	ui_history_add(ui, is_error, ui->message.data ? ui->message.data : "");
}










size_t ui_rows(void)
{
	return (size_t)ui_lines() > message_rows + 1 ? (size_t)ui_lines() - message_rows - 1 : 1;
}


void ui_draw_message(struct ui *ui)
{
	size_t cols = ui_cols() > 1 ? (size_t)ui_cols() : 1, at = 0;
	const char *text = ui->message.data ? ui->message.data : "";

	ui_attrset(ui->message_is_error ? ui->colors[KEYMAP_COLOR_ERROR] : ui->colors[KEYMAP_COLOR_MESSAGE]);
	for (size_t r = 0; r < message_rows; r++) {
		ui_move(ui_lines() - (int)message_rows + (int)r, 0);
		ui_clrtoeol();
		size_t take = at < ui->message.len ? lib_utf8_wrap(text + at, ui->message.len - at, cols) : 0;
		ui_addnstr(text + at, (int)take);
		at += take;
		if (at < ui->message.len && text[at] == ' ')
			at++;
	}
	ui_attrset(A_NORMAL);
}



void ui_draw(struct ui *ui)
{
	size_t rows = message_height(ui, ui_cols() > 1 ? (size_t)ui_cols() : 1);
	if (rows != message_rows) {
		message_rows = rows;
		ui_erase(); /* the screen above moves */
	}
	ui_mode_top(ui)->draw(ui);
	ui_draw_message(ui);
	ui_refresh();
}

/* ---- the folder ---- */






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
	ui->pending = KEYMAP_FN_RECALL; /* asks again once the body is here */
}

void ui_wait_job(struct ui *ui, int job)
{
	ui_say(ui, 0, "Waiting for the server... (any key stops waiting)");
	for (int waited = 0; waited < 300; waited++) {
		ui_draw_message(ui);
		ui_refresh();
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

/* A snapshot of the open folder (partial while it syncs). */
static void folder_arrived(struct ui *ui, struct engine_event *ev)
{
	if (!ev->folder || strcmp(ev->folder, ui->wire_folder) != 0)
		return; /* a folder the user has left meanwhile */
	uint32_t uid = ui_cursor_uid(ui);
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
		ui->cursor = ui_index_first_row(ui);
		ui->placed_uid = ui_cursor_uid(ui);
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
}

/* The outbox's count, and what it sent. */
static void outbox_event(struct ui *ui, struct engine_event *ev)
{
	ui->outbox = ev->outbox.waiting;
	if (ev->outbox.sent) {
		char *line = xasprintf("Sent %zu message%s from the outbox.", ev->outbox.sent,
		                       ev->outbox.sent == 1 ? "" : "s");
		ui_say(ui, 0, line);
		free(line);
	}
}

/* A message for the pager. */
static void body_arrived(struct ui *ui, struct engine_event *ev)
{
	if (ev->folder && strcmp(ev->folder, ui->wire_folder) == 0) {
		ui_pager_body(ui, ev->body.uid, ev->body.data, ev->body.len);
		if (ui->pending && ui->pager && ui_pager_mime(ui)) {
			enum keymap_fn fn = ui->pending;
			ui->pending = KEYMAP_FN_NONE;
			ui_run_function(ui, fn);
		}
	}
}

/* The folder list: for completion, or with counts for the browser, the
 * sidebar and the status line. */
static void folders_event(struct ui *ui, struct engine_event *ev)
{
	if (ev->folders.counts) {
		if (ui->browser)
			ui_browser_folders(ui, ev->folders.rows, ev->folders.count, ev->folders.cached);
		counts_update(ui, ev->folders.rows, ev->folders.count);
		return;
	}
	for (size_t i = 0; i < ui->nfolders; i++)
		free(ui->folders[i]);
	free(ui->folders);
	ui->folders = xmalloc((ev->folders.count ? ev->folders.count : 1) * sizeof(*ui->folders));
	ui->nfolders = 0;
	for (size_t i = 0; i < ev->folders.count; i++)
		ui->folders[ui->nfolders++] = xstrdup(ev->folders.rows[i].name);
}

/* A job is done or failed. */
static void job_ended(struct ui *ui, struct engine_event *ev)
{
	if (ev->result.job == ENGINE_JOB_SEND && ev->type == ENGINE_EV_ERROR &&
	    (ev->result.cls == LIB_ERR_TEMPORARY || ev->result.cls == LIB_ERR_CONNECTION))
		ui->outbox++; /* queued: the worker retries it every check-interval */
	if (ev->result.job == ENGINE_JOB_SEARCH) {
		server_search_done(ui, ev);
		return;
	}
	if (ev->result.job == ENGINE_JOB_DRAFTS) {
		drafts_found(ui, ev);
		return;
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
		return;
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
		return;
	}
	if (ev->type == ENGINE_EV_DONE) {
		ui_action_event(ui, ev);
		return;
	}
	if (engine_job_bulk(ev->result.job)) { /* a bulk action the server refused: roll it back */
		ui_action_event(ui, ev);
		return;
	}
	if (ev->result.uid) { /* about one message: the folder itself is fine */
		ui_pager_error(ui, ev->result.uid, ev->result.text);
		ui_say(ui, 1, ev->result.text);
		return;
	}
	ui_say(ui, 1, ev->result.text);
	snprintf(ui->state, sizeof(ui->state), "%s",
	         ev->result.cls == LIB_ERR_CONNECTION ? "offline, retrying" : "error");
	ui->failed = 1;
}

/* Every event from the workers is dispatched here, to the screen it is
 * for. */
static void handle_event(struct ui *ui, struct engine_event *ev)
{
	switch (ev->type) {
	case ENGINE_EV_FOLDER:
		folder_arrived(ui, ev);
		break;
	case ENGINE_EV_PROGRESS:
		snprintf(ui->state, sizeof(ui->state), "Fetching headers %zu/%zu", ev->progress.done, ev->progress.total);
		break;
	case ENGINE_EV_OUTBOX:
		outbox_event(ui, ev);
		break;
	case ENGINE_EV_CONNECTION:
		snprintf(ui->state, sizeof(ui->state), "%s", engine_conn_state_name(ev->conn));
		break;
	case ENGINE_EV_NOTICE:
		ui_say(ui, 0, ev->notice);
		break;
	case ENGINE_EV_BODY:
		body_arrived(ui, ev);
		break;
	case ENGINE_EV_FOLDERS:
		folders_event(ui, ev);
		break;
	case ENGINE_EV_DONE:
	case ENGINE_EV_ERROR:
		job_ended(ui, ev);
		break;
	}
	engine_event_free(ev);
}

void ui_change_account(struct ui *ui, const struct conf_account *account)
{
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
		ui_index_use_pattern(ui, ui->pending_fn, ui->pending_pattern, ui->pending_text);
	}
	ui->pending_pattern = NULL;
	ui->pending_text = NULL;
}


static void handle_key(struct ui *ui, int key)
{
	if (key == '\n')
		key = '\r';
	if (ui->nseq == KEYMAP_MAX_SEQ)
		ui->nseq = 0;
	ui->seq[ui->nseq++] = key;
	int found = keymap_lookup(&ui->keys, ui_map(ui), ui->seq, ui->nseq);
	if (found == -1)
		return; /* a prefix: wait for the next key */
	int nseq = ui->nseq;
	ui->nseq = 0;
	if (found == KEYMAP_FN_NONE) {
		if (ui_mode_top(ui) == &ui_mode_help) {
			ui_mode_remove(ui, &ui_mode_help);
			return;
		}
		char name[128] = "", one[24];
		for (int k = 0; k < nseq; k++) { /* the whole sequence: "gx" after a "gg" binding */
			keymap_key_name(ui->seq[k], one, sizeof(one));
			strncat(name, one, sizeof(name) - strlen(name) - 1);
		}
		char *text = xasprintf("Key %s is not bound. Press ? for help.", name);
		ui_say(ui, 0, text);
		free(text);
		return;
	}
	ui_run_function(ui, (enum keymap_fn)found);
}

static void run_pushed(struct ui *ui)
{
	while (ui->keys.pushed_at < ui->keys.npushed && !ui->quit) {
		struct keymap_pushed *p = &ui->keys.pushed[ui->keys.pushed_at++];
		if (p->fn != KEYMAP_FN_NONE)
			ui_run_function(ui, p->fn);
		else
			handle_key(ui, p->key);
	}
}

/* The keymap's code of a curses KEY_* code. */
static int key_from_curses(int code)
{
	static const struct { int curses, key; } special[] = {
		{ KEY_UP, KEYMAP_KEY_UP }, { KEY_DOWN, KEYMAP_KEY_DOWN }, { KEY_LEFT, KEYMAP_KEY_LEFT },
		{ KEY_RIGHT, KEYMAP_KEY_RIGHT }, { KEY_PPAGE, KEYMAP_KEY_PAGEUP }, { KEY_NPAGE, KEYMAP_KEY_PAGEDOWN },
		{ KEY_HOME, KEYMAP_KEY_HOME }, { KEY_END, KEYMAP_KEY_END }, { KEY_IC, KEYMAP_KEY_INSERT },
		{ KEY_DC, KEYMAP_KEY_DELETE }, { KEY_BACKSPACE, KEYMAP_KEY_BACKSPACE }, { KEY_ENTER, KEYMAP_KEY_ENTER },
		{ KEY_BTAB, KEYMAP_KEY_BACKTAB }, { KEY_BEG, KEYMAP_KEY_BEGIN },
	};
	for (size_t i = 0; i < LIB_ARRAY_LEN(special); i++)
		if (special[i].curses == code)
			return special[i].key;
	if (code > KEY_F0 && code < KEY_F0 + 64)
		return KEYMAP_KEY_F0 + (code - KEY_F0);
	return KEYMAP_KEY_OTHER + code;
}

static void read_keys(struct ui *ui)
{
	wint_t ch;
	int rc;

	while (!ui->quit && (rc = get_wch(&ch)) != ERR) {
		int key = rc == KEY_CODE_YES ? key_from_curses((int)ch) : (int)ch;
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
	keymap_load(&ui.keys, conf);
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
	ui_mode_push(&ui, &ui_mode_index);

	if (!initscr())
		lib_fatal("cannot start the terminal");
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(50);
	curs_set(0);
	ui_grid_terminal(1);
	ui_colors_apply(ui.colors, conf);

	ui.workers = xcalloc(conf->naccounts, sizeof(*ui.workers));
	ui.worker = worker_for(&ui, (size_t)(ui.account - conf->accounts));
	open_folder(&ui, folder ? folder : "INBOX");
	if (ui.keys.npushed == 0)
		ui_compose_recover(&ui); /* a scripted run is not asked */

	while (!ui.quit && !ending_signal) {
		ask_counts(&ui);
		ui_draw(&ui);
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
			ui_draw(&ui);
			run_pushed(&ui);
		}
	}

	ui_mark_old(&ui); /* the session ends: what was in the index is old now */
	endwin();
	ui_grid_free();
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
	keymap_free(&ui.keys);
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
