/* Screens drawn into memory, no terminal: the index rows with the cursor,
 * the status line, the message at the bottom, and the pager's wrapping,
 * read back from the grid as a user would see them (as tmux's tests read
 * its grid). The pager gets its message from a real worker on a Maildir. */
#define _GNU_SOURCE /* pipe2 */
#include <fcntl.h>
#include <locale.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tap.h"
#include "ui/ui-screen.h"
#include "engine/engine.h"
#include "lib/lib.h"
#include "model/model.h"

static char dir[] = "/tmp/tern-screen-XXXXXX";

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");
	if (!fp) {
		perror(path);
		exit(2);
	}
	fputs(text, fp);
	fclose(fp);
	chmod(path, 0600);
}

/* The text of screen row y (negative: from the bottom). Static. */
static const char *row(int y)
{
	static struct buf text = BUF_INIT;
	ui_grid_row(y < 0 ? ui_lines() + y : y, &text);
	return text.data;
}

static int starts(const char *text, const char *prefix)
{
	return text && strncmp(text, prefix, strlen(prefix)) == 0;
}

static void add(struct model_mailbox *mbox, uint32_t uid, const char *from, const char *subject, unsigned flags)
{
	model_mailbox_add(mbox, &(struct model_summary){ .uid = uid, .from = from, .subject = subject, .flags = flags,
	                                                 .date = 1700000000 + uid * 86400 });
}

static void test_index(struct ui *ui)
{
	ui_grid_size(10, 80);
	add(ui->mbox, 1, "Ana Lima <ana@example.org>", "First", MODEL_F_SEEN);
	add(ui->mbox, 2, "Bea <bea@example.org>", "Second \x1b[31mred", MODEL_F_SEEN | MODEL_F_FLAGGED);
	add(ui->mbox, 3, "Carl <carl@example.org>", "Third", MODEL_F_RECENT);
	ui->synced = 1;
	ui_rebuild_view(ui, 0);
	ui_draw(ui);
	ok(strstr(row(0), "First") && strstr(row(0), "Ana Lima"), "index row 1: sender and subject (%s)", row(0));
	ok(strstr(row(1), "Second") && !strchr(row(1), '\x1b'), "index row 2: the escape in the subject is not drawn raw");
	ok(strstr(row(2), " N ") || strstr(row(2), "N "), "index row 3: a new message shows N (%s)", row(2));
	is_int((long)ui->cursor, 2, "the cursor starts on the newest message");
	ok(ui_grid_attr(2, 0) == A_REVERSE && ui_grid_attr(0, 0) != A_REVERSE, "the cursor's row is drawn as the indicator");
	ok(starts(row(-2), "-*- tern: mine/INBOX [Msgs:3 New:1 Flag:1] (date) --- synced ---"),
	   "the status line counts messages, new and flagged, and says the sort and state (%s)", row(-2));
	ok(strlen(row(-2)) == 80 && row(-2)[79] == '-', "the status line is padded with '-' to the width");
	ui->cursor = 0;
	ui_draw(ui);
	ok(ui_grid_attr(0, 0) == A_REVERSE && ui_grid_attr(2, 0) != A_REVERSE, "the indicator follows the cursor");
	ui_say(ui, 1, "An error naming the account, the server and the cause, which is far too long for one row.");
	ui_draw(ui);
	ok(starts(row(-2), "An error naming the account"), "a long message starts on the last row but one (%s)",
	   row(-2));
	is_str(row(-1), "one row.", "and wraps at a word onto the last row");
	ok(starts(row(-3), "-*- tern: mine/INBOX"), "and the status line moves up to make room");
	ok(ui_grid_attr(ui_lines() - 1, 0) == A_BOLD, "an error is drawn in the error colour");
	buf_reset(&ui->message);
}

/* Handles the worker's events until the pager has its message, or (body
 * 0) the folder is open. */
static int wait_for(struct ui *ui, int body)
{
	for (int i = 0; i < 100 && (body ? !ui_pager_raw(ui, &(size_t){ 0 }) : !ui->synced); i++) {
		struct pollfd fd = { ui->wake[0], POLLIN, 0 };
		poll(&fd, 1, 100);
		char drain[64];
		while (read(ui->wake[0], drain, sizeof(drain)) > 0)
			;
		struct engine_event *ev;
		while ((ev = engine_worker_next_event(ui->worker))) {
			if (ev->type == ENGINE_EV_BODY)
				ui_pager_body(ui, ev->body.uid, ev->body.data, ev->body.len);
			if (ev->type == ENGINE_EV_FOLDER && ev->index.sync == ENGINE_SYNC_DONE) {
				model_mailbox_free(ui->mbox);
				ui->mbox = ev->index.mbox;
				ev->index.mbox = NULL;
				ui->synced = 1;
			}
			engine_event_free(ev);
		}
	}
	return body ? ui_pager_raw(ui, &(size_t){ 0 }) != NULL : ui->synced;
}

static void test_pager(struct ui *ui, const char *maildir)
{
	char *path = xasprintf("%s/cur/1700000001.1.host:2,S", maildir);
	write_file(path, "From: Ana Lima <ana@example.org>\nTo: bea@example.org\nSubject: Words\n"
	                 "Date: Tue, 14 Nov 2023 22:13:20 +0000\n\n"
	                 "one two three four five six seven eight nine ten eleven twelve\n"
	                 "> quoted\n");
	free(path);
	ui->wire_folder = xstrdup(maildir);
	ui->folder = xstrdup(maildir);
	ui->synced = 0;
	engine_worker_open_folder(ui->worker, maildir);
	if (!ok(wait_for(ui, 0) && model_mailbox_count(ui->mbox) == 1, "the worker opens the Maildir"))
		return;
	ui_rebuild_view(ui, 0);
	ui_grid_size(16, 30);
	ui_pager_open(ui, ui_current(ui));
	ui_draw(ui);
	ok(strstr(row(0), "Fetching the message") != NULL, "the pager says it is fetching (%s)", row(0));
	if (!ok(wait_for(ui, 1), "the worker brings the message"))
		return;
	ui_draw(ui);
	int body = -1;
	for (int y = 0; y < 14; y++)
		if (starts(row(y), "one two"))
			body = y;
	if (!ok(body >= 0, "the body is on screen"))
		return;
	is_str(row(body), "one two three four five six", "a long line wraps at a word, within 30 columns");
	is_str(row(body + 1), "seven eight nine ten eleven", "the rest goes on the next row");
	is_str(row(body + 2), "twelve", "and the next");
	is_str(row(body + 3), "> quoted", "a quoted line follows");
	ok(ui_grid_attr(body + 3, 0) != ui_grid_attr(body, 0), "the quoted line has the quoted colour");
	ok(ui_grid_attr(0, 0) == A_BOLD, "headers are drawn in the header colour (%s)", row(0));

	/* the stack of screens: help over the pager shows the pager's keys */
	ui_run_function(ui, KEYMAP_FN_HELP);
	ui_draw(ui);
	ok(ui_mode_top(ui) == &ui_mode_help && starts(row(0), "Key bindings of the pager"),
	   "help opens over the pager, with the pager's keys (%s)", row(0));
	ok(ui_map(ui) == KEYMAP_MAP_PAGER, "and the keys read are still the pager's");
	ui_run_function(ui, KEYMAP_FN_EXIT);
	ok(ui_mode_top(ui) == &ui_mode_pager, "q closes the help: the pager is back on top");
	ui_run_function(ui, KEYMAP_FN_EXIT);
	ui_draw(ui);
	ok(ui_mode_top(ui) == &ui_mode_index && !ui->pager && ui_map(ui) == KEYMAP_MAP_INDEX && strstr(row(0), "Ana Lima"),
	   "q closes the pager: the index is on top with its keys (%s)", row(0));
	ui_run_function(ui, KEYMAP_FN_COLLAPSE_ALL);
	ok(ui->message.data && strstr(ui->message.data, "Threading is not on"),
	   "collapse-all without threads is refused by its precondition, saying why");
	model_mailbox_clear(ui->mbox);
	ui_rebuild_view(ui, 0);
	ui_run_function(ui, KEYMAP_FN_DISPLAY_MESSAGE);
	ok(!ui->pager && ui_mode_top(ui) == &ui_mode_index, "display-message with no message does nothing");
}

int main(void)
{
	setlocale(LC_ALL, "C.UTF-8");
	if (!mkdtemp(dir))
		return 2;
	setenv("XDG_DATA_HOME", dir, 1);
	setenv("XDG_CACHE_HOME", dir, 1);
	setenv("XDG_STATE_HOME", dir, 1);
	char *maildir = xasprintf("%s/Mail", dir), *sub;
	mkdir(maildir, 0700);
	const char *parts[] = { "cur", "new", "tmp" };
	for (int i = 0; i < 3; i++) {
		sub = xasprintf("%s/%s", maildir, parts[i]);
		mkdir(sub, 0700);
		free(sub);
	}
	char *mailrc = xasprintf("%s/mailrc", dir);
	write_file(mailrc, "account mine\nfrom ana@example.org\nsmtp smtps://127.0.0.1:1\n");
	struct conf *conf = conf_load(mailrc);
	if (!ok(conf && conf->nerrors == 0, "the mailrc loads"))
		return tap_done();

	struct ui ui = { 0 };
	ui.conf = conf;
	ui.account = &conf->accounts[0];
	ui.colors[KEYMAP_COLOR_INDICATOR] = ui.colors[KEYMAP_COLOR_STATUS] = A_REVERSE;
	ui.colors[KEYMAP_COLOR_ERROR] = ui.colors[KEYMAP_COLOR_HEADER] = A_BOLD;
	ui.colors[KEYMAP_COLOR_QUOTED] = A_UNDERLINE;
	ui.folder = xstrdup("INBOX");
	snprintf(ui.state, sizeof(ui.state), "synced");
	ui.mbox = model_mailbox_new();
	ui.view = model_view_new();
	if (pipe2(ui.wake, O_CLOEXEC | O_NONBLOCK) < 0)
		return 2;
	ui_mode_push(&ui, &ui_mode_index);
	ui.worker = engine_worker_start(conf, ui.account, ui.wake[1]);

	test_index(&ui);
	free(ui.folder);
	test_pager(&ui, maildir);

	engine_worker_stop(ui.worker);
	ui_history_free(&ui);
	model_view_free(ui.view);
	model_mailbox_free(ui.mbox);
	buf_free(&ui.message);
	free(ui.folder);
	free(ui.wire_folder);
	free(ui.lrows);
	close(ui.wake[0]);
	close(ui.wake[1]);
	ui_grid_free();
	conf_free(conf);
	free(mailrc);
	char *cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		ok(0, "cleaned up");
	free(cmd);
	free(maildir);
	return tap_done();
}
