/* The compose screen: m new, r reply, g group reply, L list reply, f
 * forward. The message itself (its draft file, the reply rules, building
 * it) is the compose module's; this screen shows its fields, runs the
 * editor on the draft file, and sends (through the outbox, on the
 * worker), postpones, attaches, detaches or aborts. A message from the
 * outbox screen goes back as it was when the user aborts. */
#define _GNU_SOURCE
#include "ui-screen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../compose/compose.h"
#include "../engine/engine.h"
#include "../mime/mime.h"

static void edit(struct ui *ui)
{
	const char *editor = conf_get(ui->conf, NULL, CONF_K_EDITOR);
	if (!editor)
		editor = getenv("VISUAL") && *getenv("VISUAL") ? getenv("VISUAL") : getenv("EDITOR");
	if (!editor || !*editor)
		editor = "vi";
	struct buf command = BUF_INIT;
	buf_addf(&command, "%s ", editor);
	lib_shell_quote(&command, ui->compose->path);
	ui_run_command(ui, command.data, NULL, 0, 0);
	buf_free(&command);
	if (compose_draft_read(ui->compose) < 0)
		ui_say(ui, 1, "The draft file is gone.");
}

/* The compose screen comes up on c. */
static void show(struct ui *ui, struct compose *c)
{
	ui->compose = c;
	ui_mode_push(ui, &ui_mode_compose);
}

void ui_compose_start(struct ui *ui, enum keymap_fn fn)
{
	static const struct { enum keymap_fn fn; enum compose_kind kind; } kinds[] = {
		{ KEYMAP_FN_COMPOSE, COMPOSE_NEW }, { KEYMAP_FN_REPLY, COMPOSE_REPLY },
		{ KEYMAP_FN_GROUP_REPLY, COMPOSE_GROUP_REPLY }, { KEYMAP_FN_LIST_REPLY, COMPOSE_LIST_REPLY },
		{ KEYMAP_FN_FORWARD, COMPOSE_FORWARD }, { KEYMAP_FN_FORWARD_ATTACHED, COMPOSE_FORWARD_ATTACHED },
	};
	enum compose_kind kind = COMPOSE_NEW;
	for (size_t i = 0; i < LIB_ARRAY_LEN(kinds); i++)
		if (kinds[i].fn == fn)
			kind = kinds[i].kind;
	struct mime_message *msg = kind == COMPOSE_NEW ? NULL : ui_pager_mime(ui);
	size_t len = 0;
	const char *raw = msg ? ui_pager_raw(ui, &len) : NULL;
	char *why = NULL;
	const char *note = NULL;
	struct compose *c = compose_start(ui->conf, ui->account, kind, msg, raw, len, &why, &note);

	if (note)
		ui_say(ui, 0, note);
	if (!c) {
		/* still fetching is news, not an error */
		ui_say(ui, kind != COMPOSE_NEW && !msg ? 0 : 1, why);
		free(why);
		return;
	}
	show(ui, c);
	edit(ui);
}

void ui_compose_recall(struct ui *ui, const char *folder, uint32_t uidvalidity)
{
	struct mime_message *msg = ui_pager_mime(ui);
	const struct model_summary *current = ui_current(ui);
	char *why = NULL;

	if (!msg || !current) {
		ui_say(ui, 0, "The draft is still being fetched.");
		return;
	}
	struct compose *c = compose_recall(ui->account, msg, folder, uidvalidity, current->uid, &why);
	if (!c) {
		ui_say(ui, 1, why);
		free(why);
		return;
	}
	ui_pager_close(ui);
	show(ui, c);
	ui_say(ui, 0, "Recalled: the draft stays on the server until this is sent or postponed again.");
}

int ui_compose_outbox(struct ui *ui, const char *path)
{
	char *why = NULL;
	struct compose *c = compose_from_outbox(ui->conf, path, &why);

	if (!c) {
		ui_say(ui, 1, why);
		free(why);
		return 0;
	}
	show(ui, c);
	ui_say(ui, 0, "Taken out of the outbox: y sends it again, q puts it back as it was.");
	return 1;
}

int ui_compose_recover(struct ui *ui)
{
	char *found = compose_recover_find();
	if (!found)
		return 0;
	struct stat st;
	char when[64] = "earlier";
	if (stat(found, &st) == 0)
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", localtime(&st.st_mtime));
	char *question = xasprintf("A message you were writing (%s) was not sent. Recover it?", when);
	int yes = ui_yesno(ui, question);
	free(question);
	if (!yes) {
		free(found);
		ui_say(ui, 0, "It stays in the drafts directory for next time.");
		return 0;
	}
	show(ui, compose_recover(ui->conf, found, ui->account));
	return 1;
}

static void compose_screen_free(struct ui *ui)
{
	compose_free(ui->compose);
	ui->compose = NULL;
}

void ui_compose_close(struct ui *ui)
{
	ui_mode_remove(ui, &ui_mode_compose);
}

void ui_compose_draw(struct ui *ui)
{
	struct compose *c = ui->compose;
	const char *labels[] = { "From:", "To:", "Cc:", "Bcc:", "Subject:" };
	const char *values[] = { c->from, c->to, c->cc, c->bcc, c->subject };
	int row = 0;

	ui_erase();
	for (size_t i = 0; i < LIB_ARRAY_LEN(labels); i++) {
		struct buf line = BUF_INIT;
		buf_addf(&line, "%9s ", labels[i]);
		lib_sanitize(&line, values[i] ? values[i] : "", values[i] ? strlen(values[i]) : 0, LIB_SANITIZE_LINE);
		ui_move(row++, 0);
		ui_draw_text(line.data, (size_t)ui_cols());
		buf_free(&line);
	}
	ui_move(row++, 0);
	ui_draw_text("", (size_t)ui_cols());
	for (size_t i = 0; i < c->nattach && row < ui_lines() - 3; i++) {
		struct buf line = BUF_INIT;
		struct stat st;
		const char *name = compose_attach_name(&c->attach[i]);
		buf_addf(&line, "%3zu attach  ", i + 1);
		lib_sanitize(&line, name, strlen(name), LIB_SANITIZE_LINE);
		if (c->attach[i].type) {
			buf_addstr(&line, "  [");
			lib_sanitize(&line, c->attach[i].type, strlen(c->attach[i].type), LIB_SANITIZE_LINE);
			buf_addstr(&line, "]");
		}
		if (stat(c->attach[i].path, &st) == 0)
			buf_addf(&line, "  (%lld bytes)", (long long)st.st_size);
		else
			buf_addstr(&line, "  (cannot be read)");
		if (c->attach[i].name) {
			buf_addstr(&line, "  from ");
			lib_sanitize(&line, c->attach[i].path, strlen(c->attach[i].path), LIB_SANITIZE_LINE);
		}
		ui_move(row++, 0);
		ui_draw_text(line.data, (size_t)ui_cols());
		buf_free(&line);
	}
	struct buf status = BUF_INIT;
	buf_addf(&status, "-*- tern: compose  y send  e edit  a attach  D detach  ^O rename  P postpone  q abort ");
	ui_draw_status(ui, &status);
	buf_free(&status);
}

static void send_message(struct ui *ui)
{
	struct compose *c = ui->compose;
	char *why = NULL, *path = compose_queue(c, ui->conf, &why);

	if (!path) {
		ui_say(ui, 1, why); /* the draft stays: nothing is lost */
		free(why);
		return;
	}
	engine_worker_send(ui_worker(ui, c->account), path);
	free(path);
	ui_compose_close(ui);
	ui_say(ui, 0, "Sending...");
}

/* P: the message to the Drafts folder, through the worker. The local
 * draft file stays until the server has the copy (the worker removes it
 * then); a recalled draft is replaced only after the new one is stored. */
static void postpone(struct ui *ui)
{
	struct compose *c = ui->compose;
	struct buf message = BUF_INIT;

	char *why = NULL;
	if (compose_build(c, ui->conf, 1, &message, NULL, &why) < 0) {
		ui_say(ui, 1, why);
		free(why);
		buf_free(&message);
		return;
	}
	engine_worker_postpone(ui_worker(ui, c->account), message.data, message.len, c->draft.folder ? &c->draft : NULL, c->path);
	buf_free(&message);
	ui_compose_close(ui);
	ui_say(ui, 0, "Postponing...");
}

static void rename_attachment(struct ui *ui)
{
	struct compose *c = ui->compose;
	size_t which = 1;
	char *why = NULL;

	if (!c->nattach) {
		ui_say(ui, 1, "There is no attachment to rename.");
		return;
	}
	if (c->nattach > 1) {
		char *answer = ui_prompt(ui, "Rename attachment number: ", NULL, NULL, 0);
		char *end = NULL;
		unsigned long n = answer ? strtoul(answer, &end, 10) : 0;
		int ok = answer && end != answer && !*end && n >= 1 && n <= c->nattach;
		free(answer);
		if (!ok) {
			ui_say(ui, 1, "No such attachment.");
			return;
		}
		which = n;
	}
	struct compose_file *f = &c->attach[which - 1];
	char *name = ui_prompt(ui, "Send it as: ", compose_attach_name(f), NULL, 0);
	if (!name || !*name || strchr(name, '/')) {
		if (name && strchr(name, '/'))
			ui_say(ui, 1, "A file name cannot hold a '/'.");
		free(name);
		return;
	}
	free(f->name);
	f->name = name;
	if (compose_draft_write(c, &why) < 0) {
		ui_say(ui, 1, why);
		free(why);
	}
}

/* t, c, b, s, Esc f: one header changed on a prompt, as mutt does; the
 * draft file follows. A newline cannot be typed into a prompt. */
static void edit_header(struct ui *ui, const char *question, char **field)
{
	char *why = NULL;
	char *value = ui_prompt(ui, question, *field, NULL, 0);

	if (!value)
		return;
	free(*field);
	*field = value;
	if (compose_draft_write(ui->compose, &why) < 0) {
		ui_say(ui, 1, why);
		free(why);
	}
}

int ui_compose_function(struct ui *ui, enum keymap_fn fn)
{
	struct compose *c = ui->compose;
	char *why = NULL;

	switch (fn) {
	case KEYMAP_FN_SEND_MESSAGE:
		send_message(ui);
		return 1;
	case KEYMAP_FN_POSTPONE:
		postpone(ui);
		return 1;
	case KEYMAP_FN_RENAME_ATTACHMENT:
		rename_attachment(ui);
		return 1;
	case KEYMAP_FN_EDIT_MESSAGE:
		edit(ui);
		return 1;
	case KEYMAP_FN_EDIT_FROM:
		edit_header(ui, "From: ", &c->from);
		return 1;
	case KEYMAP_FN_EDIT_TO:
		edit_header(ui, "To: ", &c->to);
		return 1;
	case KEYMAP_FN_EDIT_CC:
		edit_header(ui, "Cc: ", &c->cc);
		return 1;
	case KEYMAP_FN_EDIT_BCC:
		edit_header(ui, "Bcc: ", &c->bcc);
		return 1;
	case KEYMAP_FN_EDIT_SUBJECT:
		edit_header(ui, "Subject: ", &c->subject);
		return 1;
	case KEYMAP_FN_ATTACH_FILE: {
		char *path = ui_prompt(ui, "Attach file: ", NULL, NULL, 0);
		if (path && *path) {
			char *full = lib_path_expand(path);
			if (access(full, R_OK) != 0) {
				ui_say(ui, 1, "That file cannot be read.");
				free(full);
			} else {
				compose_attach_add(c, full, NULL, NULL);
				if (compose_draft_write(c, &why) < 0) {
					ui_say(ui, 1, why);
					free(why);
				}
			}
		}
		free(path);
		return 1;
	}
	case KEYMAP_FN_DETACH_FILE:
		if (compose_detach_last(c)) {
			if (compose_draft_write(c, &why) < 0) {
				ui_say(ui, 1, why);
				free(why);
			}
		}
		return 1;
	case KEYMAP_FN_EXIT:
		if (c->outbox.path) {
			if (!ui_yesno(ui, "Stop editing? (the message goes back to the outbox as it was)"))
				return 1;
			if (compose_put_back(c, &why) < 0) { /* the draft file stays: nothing is lost */
				ui_say(ui, 1, why);
				free(why);
				return 1;
			}
			ui_compose_close(ui);
			ui_say(ui, 0, "Back in the outbox, unchanged.");
			return 1;
		}
		if (ui_yesno(ui, c->draft.folder ? "Abort this message? (the draft stays in the Drafts folder)"
		                                  : "Abort this message?")) {
			compose_draft_discard(c);
			ui_compose_close(ui);
			ui_say(ui, 0, "Message aborted.");
		}
		return 1;
	default:
		return 0;
	}
}

const struct ui_mode ui_mode_compose = {
	.name = "compose", .map = KEYMAP_MAP_COMPOSE, .flags = UI_MODE_OPAQUE, .draw = ui_compose_draw,
	.function = ui_compose_function, .close = compose_screen_free,
};
