/* Acting on mail from the index or pager: flags, delete, undelete,
 * expunge, move, copy, tags and the ; prefix. A change shows at once and
 * goes to the worker as one command over a UID set; if the server says no
 * it is rolled back with the server's words. Messages that leave the
 * folder (moved, expunged) leave the index only when the server said OK. */
#include "ui-screen.h"

#include <stdlib.h>
#include <string.h>

#include "../engine/engine.h"

static int uid_compare(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

int ui_tagged(const struct ui *ui, uint32_t uid)
{
	return model_uid_set_has(&ui->tags, uid);
}

size_t ui_tag_matching(struct ui *ui, const struct model_pattern *p)
{
	const struct model_summary *all = model_mailbox_summaries(ui->mbox);
	size_t count = model_mailbox_count(ui->mbox), n = 0;

	for (size_t i = 0; i < count; i++) {
		if (model_pattern_match(p, &all[i], ui_tagged(ui, all[i].uid))) {
			model_uid_set_put(&ui->tags, all[i].uid, 1);
			n++;
		}
	}
	return n;
}

void ui_tags_clear(struct ui *ui)
{
	model_uid_set_clear(&ui->tags);
	model_uid_set_clear(&ui->marked);
	free(ui->expunge_all_folder);
	ui->expunge_all_folder = NULL;
	ui->expunge_others = 0;
}

/* What an action applies to: the tagged messages after ';', else the
 * current one. Caller frees; NULL when there is nothing. */
static uint32_t *targets(struct ui *ui, size_t *n)
{
	const struct model_summary *current = ui_current(ui);
	uint32_t *uids;

	if (ui->tag_prefix) {
		ui->tag_prefix = 0;
		if (!ui->tags.n) {
			ui_say(ui, 0, "No tagged messages.");
			return NULL;
		}
		*n = ui->tags.n;
		uids = xmalloc(*n * sizeof(*uids));
		memcpy(uids, ui->tags.uids, *n * sizeof(*uids));
		return uids;
	}
	if (!current)
		return NULL;
	*n = 1;
	uids = xmalloc(sizeof(*uids));
	uids[0] = current->uid;
	return uids;
}

/* Leaves out of uids the messages d or s already moved away (their rows
 * stay for u); returns how many are left. */
static size_t not_moved(struct ui *ui, uint32_t *uids, size_t n)
{
	size_t kept = 0;
	for (size_t i = 0; i < n; i++)
		if (!ui_undo_is_moved(ui, uids[i]))
			uids[kept++] = uids[i];
	return kept;
}

void ui_pending_flags_free(struct ui *ui)
{
	model_pending_flags_clear(&ui->pending_flags);
}

void ui_pending_flags_apply(struct ui *ui)
{
	model_pending_flags_apply(&ui->pending_flags, ui->mbox);
}

static void set_flags(struct ui *ui, const uint32_t *uids, size_t n, unsigned flags, int add)
{
	model_mailbox_set_flags(ui->mbox, uids, n, flags, add);
}

static void flag_action(struct ui *ui, unsigned flag)
{
	const struct model_summary *current = ui_current(ui);
	size_t n;
	uint32_t *uids = targets(ui, &n);

	if (!uids)
		return;
	/* one message toggles; several follow the current one's new state */
	int add = current ? !(current->flags & flag) : 1;
	if (n > 1) {
		struct model_summary *first = model_mailbox_find_uid(ui->mbox, uids[0]);
		add = first ? !(first->flags & flag) : 1;
	}
	set_flags(ui, uids, n, flag, add);
	model_pending_flags_add(&ui->pending_flags, uids, n, flag, add);
	engine_worker_store_flags(ui->worker, ui->wire_folder, uids, n, flag, add);
	free(uids);
}

/* The folder to move or copy to, asked with completion; NULL when
 * cancelled. Caller frees. */
static char *ask_folder(struct ui *ui, const char *verb, size_t n)
{
	char *question = xasprintf("%s %zu message%s to folder: ", verb, n, n == 1 ? "" : "s");
	char *name = ui_prompt(ui, question, NULL, ui->folders, ui->nfolders);
	free(question);
	if (name && !*name) {
		free(name);
		return NULL;
	}
	return name;
}

void ui_mark_old(struct ui *ui)
{
	size_t count = ui->mbox ? model_mailbox_count(ui->mbox) : 0, n = 0;
	uint32_t *uids;

	if (!count || !conf_get_bool(ui->conf, NULL, CONF_K_MARK_OLD))
		return;
	uids = xmalloc(count * sizeof(*uids));
	for (size_t i = 0; i < count; i++) {
		struct model_summary *s = (struct model_summary *)&model_mailbox_summaries(ui->mbox)[i];
		if ((s->flags & (MODEL_F_SEEN | MODEL_F_RECENT)) == MODEL_F_RECENT && !ui_undo_is_moved(ui, s->uid)) {
			uids[n++] = s->uid;
			s->flags &= ~(uint32_t)MODEL_F_RECENT; /* sent once */
		}
	}
	if (n)
		engine_worker_mark_old(ui->worker, ui->wire_folder, uids, n);
	free(uids);
}

void ui_expunge_ask(struct ui *ui, int wait)
{
	size_t n = 0;
	uint32_t *uids = NULL;

	ui_undo_forget(ui); /* $ makes the deletes and moves final */

	/* Only what this session marked deleted: another client's \Deleted
	 * messages are that client's business. */
	for (size_t i = 0; i < ui->marked.n; i++) {
		const struct model_summary *s = model_mailbox_find_uid(ui->mbox, ui->marked.uids[i]);
		if (s && (s->flags & MODEL_F_DELETED)) {
			uids = xrealloc(uids, (n + 1) * sizeof(*uids));
			uids[n++] = s->uid;
		}
	}
	int all = n && ui->expunge_all_folder && ui->wire_folder && strcmp(ui->expunge_all_folder, ui->wire_folder) == 0;
	size_t others = ui->expunge_others;
	free(ui->expunge_all_folder);
	ui->expunge_all_folder = NULL;
	ui->expunge_others = 0;
	if (all) {
		/* asked whatever confirm-expunge says: other clients' messages */
		char *question = xasprintf("Expunge %zu deleted message%s and the %zu more marked deleted here?", n,
		                           n == 1 ? "" : "s", others);
		if (ui_yesno(ui, question)) {
			engine_worker_expunge_all(ui->worker, ui->wire_folder, uids, n);
			if (wait)
				ui_wait_job(ui, ENGINE_JOB_EXPUNGE);
		}
		free(question);
	} else if (n) {
		char *question = xasprintf("Expunge %zu deleted message%s?", n, n == 1 ? "" : "s");
		if (!conf_get_bool(ui->conf, NULL, CONF_K_CONFIRM_EXPUNGE) || ui_yesno(ui, question)) {
			engine_worker_expunge(ui->worker, ui->wire_folder, uids, n);
			if (wait)
				ui_wait_job(ui, ENGINE_JOB_EXPUNGE);
		}
		free(question);
	} else if (!wait) {
		ui_say(ui, 0, "No messages are marked deleted.");
	}
	free(uids);
}

int ui_action_function(struct ui *ui, enum keymap_fn fn)
{
	size_t n;
	uint32_t *uids;
	const struct model_summary *current = ui_current(ui);

	switch (fn) {
	case KEYMAP_FN_TOGGLE_NEW:
		flag_action(ui, MODEL_F_SEEN);
		return 1;
	case KEYMAP_FN_FLAG_MESSAGE:
		flag_action(ui, MODEL_F_FLAGGED);
		return 1;
	case KEYMAP_FN_UNDO:
		ui_undo_last(ui);
		return 1;
	case KEYMAP_FN_DELETE_MESSAGE:
	case KEYMAP_FN_UNDELETE_MESSAGE:
		if (!(uids = targets(ui, &n)))
			return 1;
		if (fn == KEYMAP_FN_UNDELETE_MESSAGE)
			ui_undo_restore(ui, uids, n);
		n = not_moved(ui, uids, n); /* the rest only have (or get) the deleted mark */
		if (!n) {
			free(uids);
			return 1;
		}
		set_flags(ui, uids, n, MODEL_F_DELETED, fn == KEYMAP_FN_DELETE_MESSAGE);
		for (size_t i = 0; i < n; i++)
			model_uid_set_put(&ui->marked, uids[i], fn == KEYMAP_FN_DELETE_MESSAGE);
		if (fn == KEYMAP_FN_DELETE_MESSAGE) {
			engine_worker_delete(ui->worker, ui->wire_folder, uids, n);
		} else {
			model_pending_flags_add(&ui->pending_flags, uids, n, MODEL_F_DELETED, 0);
			engine_worker_store_flags(ui->worker, ui->wire_folder, uids, n, MODEL_F_DELETED, 0);
		}
		free(uids);
		if (n == 1 && !ui->pager)
			ui_step(ui, 1); /* mutt moves on after d */
		return 1;
	case KEYMAP_FN_SYNC_MAILBOX:
		ui_expunge_ask(ui, 0);
		return 1;
	case KEYMAP_FN_SAVE_MESSAGE:
	case KEYMAP_FN_COPY_MESSAGE: {
		if (!(uids = targets(ui, &n)))
			return 1;
		if (!(n = not_moved(ui, uids, n))) {
			ui_say(ui, 0, "That message was moved away already: u brings it back.");
			free(uids);
			return 1;
		}
		char *target = ask_folder(ui, fn == KEYMAP_FN_SAVE_MESSAGE ? "Move" : "Copy", n);
		char *colon = target ? strchr(target, ':') : NULL;
		const struct conf_account *other = NULL;
		if (colon) { /* ACCOUNT:FOLDER names a folder of another account */
			*colon = '\0';
			other = conf_account_find(ui->conf, target);
			*colon = ':';
		}
		if (other && other != ui->account) {
			if (other->imap.scheme == CONF_URL_NONE && other->pop3.scheme == CONF_URL_NONE)
				ui_say(ui, 1, "That account has no IMAP or POP3 server.");
			else {
				engine_worker_copy_to_account(ui->worker, ui->wire_folder, uids, n, other, colon + 1,
				                              fn == KEYMAP_FN_SAVE_MESSAGE);
				ui_say(ui, 0, fn == KEYMAP_FN_SAVE_MESSAGE ? "Moving..." : "Copying...");
			}
		} else if (target && strcmp(target, ui->folder) == 0) {
			ui_say(ui, 0, "That is this folder.");
		} else if (target) {
			engine_worker_copy(ui->worker, ui->wire_folder, uids, n, target, fn == KEYMAP_FN_SAVE_MESSAGE);
			ui_say(ui, 0, fn == KEYMAP_FN_SAVE_MESSAGE ? "Moving..." : "Copying...");
		}
		free(target);
		free(uids);
		return 1;
	}
	case KEYMAP_FN_TAG_ENTRY:
		if (current) {
			model_uid_set_put(&ui->tags, current->uid, !ui_tagged(ui, current->uid));
			ui_step(ui, 1);
		}
		return 1;
	case KEYMAP_FN_TAG_PREFIX:
		ui->tag_prefix = 1;
		ui_say(ui, 0, ui->tags.n ? "tag-" : "No tagged messages.");
		if (!ui->tags.n)
			ui->tag_prefix = 0;
		return 1;
	default:
		return 0;
	}
}

/* A bulk job came back: finish it (moved messages leave the index) or
 * roll the change back. */
void ui_action_event(struct ui *ui, struct engine_event *ev)
{
	struct engine_bulk_result *bulk = &ev->result.bulk;

	if (ui_undo_event(ui, ev))
		return; /* a move back from the trash or another folder */
	if (!ev->folder || strcmp(ev->folder, ui->wire_folder) != 0)
		return;
	if (ev->result.job == ENGINE_JOB_STORE_FLAGS)
		model_pending_flags_done(&ui->pending_flags, bulk->uids, bulk->nuids, bulk->flags, bulk->add);
	if (ev->type == ENGINE_EV_ERROR) {
		if (ev->result.job == ENGINE_JOB_STORE_FLAGS)
			set_flags(ui, bulk->uids, bulk->nuids, bulk->flags, !bulk->add);
		else if (ev->result.job == ENGINE_JOB_DELETE)
			set_flags(ui, bulk->uids, bulk->nuids, MODEL_F_DELETED, 0);
		if (ev->result.job == ENGINE_JOB_EXPUNGE && bulk->others_deleted) {
			/* short enough for one line: the next $ asks */
			free(ui->expunge_all_folder);
			ui->expunge_all_folder = xstrdup(ev->folder);
			ui->expunge_others = bulk->others_deleted;
			char *line = xasprintf("Not expunged: %zu more message%s here %s marked deleted (no UIDPLUS: "
			                       "EXPUNGE takes all). $ asks.", bulk->others_deleted, bulk->others_deleted == 1 ? "" : "s",
			                       bulk->others_deleted == 1 ? "is" : "are");
			ui_say(ui, 1, line);
			free(line);
			return;
		}
		ui_say(ui, 1, ev->result.text);
		return;
	}
	if (ev->result.text)
		ui_say(ui, 0, ev->result.text);
	if (!bulk->moved)
		return;
	if (ui_undo_keep(ui, ev)) { /* their rows stay, marked deleted, for u */
		char *note = xasprintf("%s u brings it back.", ev->result.text ? ev->result.text : "Moved.");
		ui_say(ui, 0, note);
		free(note);
		for (size_t i = 0; i < bulk->nuids; i++)
			model_uid_set_put(&ui->marked, bulk->uids[i], 0);
		bulk->nuids = not_moved(ui, bulk->uids, bulk->nuids);
		if (!bulk->nuids)
			return;
	}
	const struct model_summary *current = ui_current(ui);
	uint32_t keep = current ? current->uid : 0;
	qsort(bulk->uids, bulk->nuids, sizeof(*bulk->uids), uid_compare);
	if (keep && bsearch(&keep, bulk->uids, bulk->nuids, sizeof(*bulk->uids), uid_compare))
		keep = 0; /* the cursor's message left: stay on the same row */
	size_t row = ui->cursor;
	model_mailbox_remove_uids(ui->mbox, bulk->uids, bulk->nuids);
	for (size_t i = 0; i < bulk->nuids; i++) {
		model_uid_set_put(&ui->tags, bulk->uids[i], 0);
		model_uid_set_put(&ui->marked, bulk->uids[i], 0);
	}
	ui_rebuild_view(ui, keep);
	if (!keep) {
		size_t count = ui_count(ui);
		ui->cursor = row < count ? row : count ? count - 1 : 0;
	}
}
