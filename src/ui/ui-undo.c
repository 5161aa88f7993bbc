/* Undo for d and s: a delete moves a message to the trash at once, and
 * a move takes it to another folder at once, so nothing is lost if tern
 * stops. Its row stays in the index, marked deleted, as mutt shows a
 * deleted message until the folder is synced: u on it (or U for the
 * whole last delete or move) moves it back from where it went, named by
 * the uid the server gave it there (COPYUID). The rows go when the folder
 * is left or $ is pressed. A server that does not say where a message
 * went (no UIDPLUS) gets no undo: its rows leave at once, as before. */
#include "ui-screen.h"

#include <stdlib.h>
#include <string.h>

#include "../engine/engine.h"

struct moved {
	uint32_t uid;        /* here, before it left */
	uint32_t target_uid; /* in target */
	char *target;        /* wire name of where it went */
	unsigned batch;      /* the delete or move it left with */
	int restoring;       /* a move back is under way */
};

struct ui_undo {
	struct moved *moved;
	size_t count;
	struct model_mailbox *rows; /* their summaries, put back into each fresh index */
	unsigned batch;
};

static struct moved *find(struct ui_undo *u, uint32_t uid)
{
	for (size_t i = 0; u && i < u->count; i++)
		if (u->moved[i].uid == uid)
			return &u->moved[i];
	return NULL;
}

int ui_undo_is_moved(struct ui *ui, uint32_t uid)
{
	return find(ui->undo, uid) != NULL;
}

static void drop(struct ui *ui, size_t i)
{
	struct ui_undo *u = ui->undo;
	free(u->moved[i].target);
	u->moved[i] = u->moved[--u->count];
}

void ui_undo_clear(struct ui *ui)
{
	struct ui_undo *u = ui->undo;
	if (!u)
		return;
	while (u->count)
		drop(ui, u->count - 1);
	free(u->moved);
	model_mailbox_free(u->rows);
	free(u);
	ui->undo = NULL;
}

void ui_undo_forget(struct ui *ui)
{
	struct ui_undo *u = ui->undo;
	if (!u || !u->count)
		return;
	uint32_t *uids = xmalloc(u->count * sizeof(*uids));
	size_t n = 0;
	uint32_t keep = ui_current(ui) ? ui_current(ui)->uid : 0;
	size_t row = ui->cursor;
	if (find(u, keep) && !find(u, keep)->restoring)
		keep = 0; /* its row goes: the cursor stays on the same row */
	for (size_t i = u->count; i-- > 0;) /* a move back under way keeps its row until it is done */
		if (!u->moved[i].restoring) {
			uids[n++] = u->moved[i].uid;
			drop(ui, i);
		}
	size_t gone = model_mailbox_remove_uids(ui->mbox, uids, n);
	model_mailbox_remove_uids(u->rows, uids, n);
	ui->known = ui->known > gone ? ui->known - gone : 0; /* new mail is counted from here */
	ui_rebuild_view(ui, keep);
	if (!keep)
		ui->cursor = row < ui_count(ui) ? row : ui_count(ui) ? ui_count(ui) - 1 : 0;
	free(uids);
}

size_t ui_undo_keep(struct ui *ui, const struct engine_event *ev)
{
	const struct engine_bulk_result *bulk = &ev->result.bulk;
	size_t kept = 0;

	if (!bulk->target || !bulk->target_uids)
		return 0;
	if (!ui->undo) {
		ui->undo = xcalloc(1, sizeof(*ui->undo));
		ui->undo->rows = model_mailbox_new();
	}
	struct ui_undo *u = ui->undo;
	u->batch++;
	for (size_t i = 0; i < bulk->nuids; i++) {
		struct model_summary *s = model_mailbox_find_uid(ui->mbox, bulk->uids[i]);
		if (!s || !bulk->target_uids[i] || find(u, bulk->uids[i]))
			continue;
		s->flags |= MODEL_F_DELETED;
		model_mailbox_add(u->rows, s);
		u->moved = xrealloc(u->moved, (u->count + 1) * sizeof(*u->moved));
		u->moved[u->count++] = (struct moved){ bulk->uids[i], bulk->target_uids[i], xstrdup(bulk->target), u->batch, 0 };
		kept++;
	}
	return kept;
}

void ui_undo_apply(struct ui *ui)
{
	struct ui_undo *u = ui->undo;
	for (size_t i = 0; u && i < u->count; i++) {
		const struct model_summary *s = model_mailbox_find_uid(u->rows, u->moved[i].uid);
		if (s && !model_mailbox_find_uid(ui->mbox, s->uid))
			model_mailbox_add(ui->mbox, s);
	}
}

/* Sends the moves back for the kept messages among uids (or with batch
 * not 0, for that whole batch): one job per folder they went to. */
static size_t restore(struct ui *ui, const uint32_t *uids, size_t n, unsigned batch)
{
	struct ui_undo *u = ui->undo;
	size_t sent = 0;

	for (size_t i = 0; u && i < u->count; i++) {
		struct moved *first = &u->moved[i];
		int wanted = batch ? first->batch == batch : 0;
		for (size_t k = 0; !batch && k < n && !wanted; k++)
			wanted = uids[k] == first->uid;
		if (!wanted || first->restoring)
			continue;
		/* every wanted message that went to the same folder, in one job */
		uint32_t *target_uids = xmalloc(u->count * sizeof(*target_uids));
		size_t m = 0;
		for (size_t j = i; j < u->count; j++) {
			struct moved *e = &u->moved[j];
			int also = batch ? e->batch == batch : 0;
			for (size_t k = 0; !batch && k < n && !also; k++)
				also = uids[k] == e->uid;
			if (also && !e->restoring && strcmp(e->target, first->target) == 0) {
				e->restoring = 1;
				target_uids[m++] = e->target_uid;
			}
		}
		engine_worker_copy(ui->worker, first->target, target_uids, m, ui->folder, 1);
		sent += m;
		free(target_uids);
	}
	if (sent) {
		char *note = xasprintf("Bringing %zu message%s back...", sent, sent == 1 ? "" : "s");
		ui_say(ui, 0, note);
		free(note);
	}
	return sent;
}

size_t ui_undo_restore(struct ui *ui, const uint32_t *uids, size_t n)
{
	return restore(ui, uids, n, 0);
}

void ui_undo_last(struct ui *ui)
{
	struct ui_undo *u = ui->undo;
	unsigned last = 0;
	for (size_t i = 0; u && i < u->count; i++)
		if (!u->moved[i].restoring && u->moved[i].batch > last)
			last = u->moved[i].batch;
	if (!last || !restore(ui, NULL, 0, last))
		ui_say(ui, 0, "Nothing to undo: no delete or move of this folder is left to take back.");
}

int ui_undo_event(struct ui *ui, const struct engine_event *ev)
{
	const struct engine_bulk_result *bulk = &ev->result.bulk;
	struct ui_undo *u = ui->undo;
	int ours = 0;

	if (!u || ev->result.job != ENGINE_JOB_COPY || !ev->folder)
		return 0;
	uint32_t *gone = xmalloc((bulk->nuids ? bulk->nuids : 1) * sizeof(*gone));
	size_t ngone = 0;
	for (size_t k = 0; k < bulk->nuids; k++) {
		for (size_t i = 0; i < u->count; i++) {
			struct moved *e = &u->moved[i];
			if (!e->restoring || e->target_uid != bulk->uids[k] || strcmp(e->target, ev->folder) != 0)
				continue;
			ours = 1;
			if (ev->type == ENGINE_EV_DONE) { /* back: the resync shows it under its new uid */
				gone[ngone++] = e->uid;
				drop(ui, i);
			} else {
				e->restoring = 0;
			}
			break;
		}
	}
	if (ngone) {
		const struct model_summary *current = ui_current(ui);
		uint32_t keep = current ? current->uid : 0;
		size_t row = ui->cursor;
		for (size_t i = 0; i < ngone; i++)
			if (gone[i] == keep)
				keep = 0; /* its row goes: the cursor stays on the same row */
		model_mailbox_remove_uids(ui->mbox, gone, ngone);
		model_mailbox_remove_uids(u->rows, gone, ngone);
		ui_rebuild_view(ui, keep);
		if (!keep)
			ui->cursor = row < ui_count(ui) ? row : ui_count(ui) ? ui_count(ui) - 1 : 0;
		char *note = xasprintf("Brought %zu message%s back to %s.", ngone, ngone == 1 ? "" : "s", ui->folder);
		ui_say(ui, 0, note);
		free(note);
	} else if (ours) {
		ui_say(ui, 1, ev->result.text ? ev->result.text : "The message could not be brought back.");
	}
	free(gone);
	return ours;
}
