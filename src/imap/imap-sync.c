/* Folder sync: the cached summaries of a folder brought in step with the
 * server at the least cost (DESIGN.md, "the cost of a folder open").
 *
 *   1. SELECT: with QRESYNC and a cache, the server itself sends the flag
 *      changes and VANISHED UIDs since our HIGHESTMODSEQ; with CONDSTORE,
 *      a UID FETCH (FLAGS) CHANGEDSINCE does the flags; otherwise a full
 *      UID FETCH 1:* (UID FLAGS) does flags and removals together.
 *   2. A probe: UID FETCH of the highest cached UID must answer with
 *      sequence number N (N cached summaries), which proves no cached
 *      message vanished unseen; else step 1's full resync runs. A UID
 *      command, so the server may report (and does) what another client
 *      expunged since the SELECT: a plain FETCH may not (RFC 3501 7.4.1).
 *   3. New messages, sequence N+1 to EXISTS, are fetched newest first in
 *      batches, each summary streamed into the mailbox as it is parsed
 *      (mailimap_set_msg_att_handler; libetpan ignores it unless a progress
 *      callback is set too, LIBRARIES.md). */
#include "imap-private.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../mime/mime.h"

#define SYNC_FIRST_BATCH 500  /* small, so the first screen comes fast */
#define SYNC_BATCH 5000

enum sync_mode { SYNC_FLAGS, SYNC_HEADERS, SYNC_PROBE };

struct sync_ctx {
	struct model_mailbox *mbox;
	enum sync_mode mode;
	uint32_t *uids; /* SYNC_FLAGS with collect: every UID the server listed */
	size_t nuids, cap;
	int collect;
	uint32_t probe_uid, probe_seq;
	size_t done, total;
	size_t changed; /* summaries re-flagged */
};

static const char *const header_fields[] = { "DATE", "FROM", "TO", "CC", "SUBJECT", "MESSAGE-ID", "IN-REPLY-TO",
	                                     "REFERENCES" };

static unsigned flags_of(struct mailimap_msg_att_dynamic *dynamic)
{
	unsigned flags = 0;

	for (clistiter *it = clist_begin_safe(dynamic->att_list); it; it = clist_next(it)) {
		struct mailimap_flag_fetch *fetch = clist_content(it);
		if (fetch->fl_type == MAILIMAP_FLAG_FETCH_RECENT) {
			flags |= MODEL_F_RECENT;
			continue;
		}
		if (!fetch->fl_flag)
			continue;
		switch (fetch->fl_flag->fl_type) {
		case MAILIMAP_FLAG_ANSWERED: flags |= MODEL_F_ANSWERED; break;
		case MAILIMAP_FLAG_FLAGGED: flags |= MODEL_F_FLAGGED; break;
		case MAILIMAP_FLAG_DELETED: flags |= MODEL_F_DELETED; break;
		case MAILIMAP_FLAG_SEEN: flags |= MODEL_F_SEEN; break;
		case MAILIMAP_FLAG_DRAFT: flags |= MODEL_F_DRAFT; break;
		default: break;
		}
	}
	return flags;
}

static int64_t internal_date(const struct mailimap_date_time *dt)
{
	struct tm tm = { .tm_year = dt->dt_year - 1900, .tm_mon = dt->dt_month - 1, .tm_mday = dt->dt_day,
		         .tm_hour = dt->dt_hour, .tm_min = dt->dt_min, .tm_sec = dt->dt_sec };
	int zone = dt->dt_zone < 0 ? -dt->dt_zone : dt->dt_zone;
	long offset = (zone / 100) * 3600L + (zone % 100) * 60L;
	time_t t = timegm(&tm);
	return t == (time_t)-1 ? 0 : (int64_t)t - (dt->dt_zone < 0 ? -offset : offset);
}

static void on_message(struct mailimap_msg_att *att, void *data)
{
	struct sync_ctx *ctx = data;
	uint32_t uid = 0, size = 0;
	unsigned flags = 0;
	int has_flags = 0;
	int64_t date = 0;
	const char *headers = NULL;
	size_t headers_len = 0;

	for (clistiter *it = clist_begin_safe(att->att_list); it; it = clist_next(it)) {
		struct mailimap_msg_att_item *item = clist_content(it);
		if (item->att_type == MAILIMAP_MSG_ATT_ITEM_DYNAMIC) {
			flags = flags_of(item->att_data.att_dyn);
			has_flags = 1;
		} else if (item->att_type == MAILIMAP_MSG_ATT_ITEM_STATIC) {
			struct mailimap_msg_att_static *st = item->att_data.att_static;
			switch (st->att_type) {
			case MAILIMAP_MSG_ATT_UID: uid = st->att_data.att_uid; break;
			case MAILIMAP_MSG_ATT_RFC822_SIZE: size = st->att_data.att_rfc822_size; break;
			case MAILIMAP_MSG_ATT_INTERNALDATE: date = internal_date(st->att_data.att_internal_date); break;
			case MAILIMAP_MSG_ATT_BODY_SECTION:
				headers = st->att_data.att_body_section->sec_body_part;
				headers_len = st->att_data.att_body_section->sec_length;
				break;
			default: break;
			}
		}
	}
	if (!uid)
		return; /* an unsolicited FETCH without UID tells nothing usable */
	switch (ctx->mode) {
	case SYNC_PROBE:
		ctx->probe_uid = uid;
		ctx->probe_seq = att->att_number;
		break;
	case SYNC_FLAGS: {
		if (ctx->collect) {
			if (ctx->nuids == ctx->cap) {
				ctx->cap = ctx->cap ? ctx->cap * 2 : 4096;
				ctx->uids = xrealloc(ctx->uids, ctx->cap * sizeof(*ctx->uids));
			}
			ctx->uids[ctx->nuids++] = uid;
		}
		struct model_summary *summary = model_mailbox_find_uid(ctx->mbox, uid);
		if (summary && has_flags && summary->flags != flags) {
			summary->flags = flags; /* unknown UIDs are new: fetched with headers below */
			ctx->changed++;
		}
		break;
	}
	case SYNC_HEADERS:
		model_mailbox_add_header(ctx->mbox, uid, flags, size, date, headers ? headers : "", headers ? headers_len : 0);
		ctx->done++;
		break;
	}
}

static void on_progress(size_t current, size_t maximum, void *data)
{
	(void)current, (void)maximum, (void)data; /* needed only to switch the handler on */
}

static struct mailimap_fetch_type *fetch_type(enum sync_mode mode)
{
	struct mailimap_fetch_type *type = mailimap_fetch_type_new_fetch_att_list_empty();

	mailimap_fetch_type_new_fetch_att_list_add(type, mailimap_fetch_att_new_uid());
	if (mode == SYNC_PROBE)
		return type;
	mailimap_fetch_type_new_fetch_att_list_add(type, mailimap_fetch_att_new_flags());
	if (mode == SYNC_FLAGS)
		return type;
	mailimap_fetch_type_new_fetch_att_list_add(type, mailimap_fetch_att_new_internaldate());
	mailimap_fetch_type_new_fetch_att_list_add(type, mailimap_fetch_att_new_rfc822_size());
	clist *names = clist_new();
	for (size_t i = 0; i < LIB_ARRAY_LEN(header_fields); i++)
		clist_append(names, xstrdup(header_fields[i]));
	struct mailimap_section *section = mailimap_section_new_header_fields(mailimap_header_list_new(names));
	mailimap_fetch_type_new_fetch_att_list_add(type, mailimap_fetch_att_new_body_peek_section(section));
	return type;
}

/* The VANISHED responses (without EARLIER) a command of the sync brought:
 * RFC 7162 3.2.10, each UID left the session's view as with an EXPUNGE.
 * They leave mbox, and the EXISTS count the sync works with goes down:
 * libetpan 1.9.4 counts EXPUNGE but not VANISHED (LIBRARIES.md), so a
 * message another client expunged during the sync would be listed, or
 * fetched by a number that moved. */
static void remove_vanished(struct model_mailbox *mbox, struct mailimap_set *set);

static void apply_vanished(struct imap_session *session, struct model_mailbox *mbox)
{
	struct mailimap_response_info *info = session->imap->imap_response_info;
	struct mailimap_selection_info *selected = session->imap->imap_selection_info;

	for (clistiter *it = clist_begin_safe(info ? info->rsp_extension_list : NULL); it; it = clist_next(it)) {
		struct mailimap_extension_data *ext = clist_content(it);
		if (ext->ext_extension->ext_id != MAILIMAP_EXTENSION_QRESYNC || ext->ext_type != MAILIMAP_QRESYNC_TYPE_VANISHED ||
		    !ext->ext_data)
			continue;
		struct mailimap_qresync_vanished *vanished = ext->ext_data;
		if (vanished->qr_earlier || !vanished->qr_known_uids)
			continue;
		size_t before = model_mailbox_count(mbox);
		remove_vanished(mbox, vanished->qr_known_uids);
		size_t gone = before - model_mailbox_count(mbox);
		if (selected && selected->sel_has_exists)
			selected->sel_exists = selected->sel_exists > gone ? selected->sel_exists - (uint32_t)gone : 0;
		ext->ext_data = NULL; /* counted once; libetpan frees the rest with the response info */
		mailimap_qresync_vanished_free(vanished);
	}
}

/* Runs one FETCH whose results go to on_message. by_uid: set holds UIDs. */
static int run_fetch(struct imap_session *session, struct sync_ctx *ctx, enum sync_mode mode, int by_uid,
                     uint32_t first, uint32_t last, uint64_t changed_since, struct lib_error *err)
{
	struct mailimap_set *set = mailimap_set_new_interval(first, last);
	struct mailimap_fetch_type *type = fetch_type(mode);
	clist *result = NULL;
	int r;

	ctx->mode = mode;
	if (changed_since)
		r = mailimap_uid_fetch_changedsince(session->imap, set, type, changed_since, &result);
	else if (by_uid)
		r = mailimap_uid_fetch(session->imap, set, type, &result);
	else
		r = mailimap_fetch(session->imap, set, type, &result);
	mailimap_fetch_type_free(type);
	mailimap_set_free(set);
	/* Who owns result (libetpan 1.9.4, all three calls): on NO_ERROR the
	 * caller (empty here: the messages went to on_message); on
	 * ERROR_FETCH (a tagged NO or BAD, legal after FETCH data, e.g. for
	 * a message expunged meanwhile) libetpan has freed it and left the
	 * pointer dangling; on other errors it was never set. Freeing it
	 * after a NO was a double free (found with Cyrus). */
	if (r == MAILIMAP_NO_ERROR && result)
		mailimap_fetch_list_free(result);
	imap_alert_collect(session);
	if (r == MAILIMAP_NO_ERROR || r == MAILIMAP_ERROR_FETCH)
		apply_vanished(session, ctx->mbox);
	if (r != MAILIMAP_NO_ERROR) {
		imap_error(session, r, "FETCH", err);
		return -1;
	}
	return 0;
}

/* A FETCH by sequence number refused after the SELECT counted the folder:
 * another client expunged meanwhile (libetpan counts EXPUNGE but not
 * QRESYNC's VANISHED), so the numbers moved under the sync. */
static int seq_fetch_failed(const struct lib_error *err)
{
	return err->cls == LIB_ERR_SERVER ? IMAP_SYNC_AGAIN : -1;
}

static int uid_compare(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* After a full UID FLAGS listing: drop every cached UID the server did
 * not list. */
static void remove_unlisted(struct sync_ctx *ctx)
{
	const struct model_summary *all = model_mailbox_summaries(ctx->mbox);
	size_t count = model_mailbox_count(ctx->mbox), j = 0, ngone = 0;
	uint32_t *gone = NULL;

	if (ctx->nuids) /* NULL when the server listed none: qsort wants a pointer */
		qsort(ctx->uids, ctx->nuids, sizeof(*ctx->uids), uid_compare);
	for (size_t i = 0; i < count; i++) {
		while (j < ctx->nuids && ctx->uids[j] < all[i].uid)
			j++;
		if (j < ctx->nuids && ctx->uids[j] == all[i].uid)
			continue;
		gone = xrealloc(gone, (ngone + 1) * sizeof(*gone));
		gone[ngone++] = all[i].uid;
	}
	model_mailbox_remove_uids(ctx->mbox, gone, ngone);
	free(gone);
}

static int set_item_compare(const void *a, const void *b)
{
	const struct mailimap_set_item *x = *(struct mailimap_set_item *const *)a;
	const struct mailimap_set_item *y = *(struct mailimap_set_item *const *)b;
	return x->set_first < y->set_first ? -1 : x->set_first > y->set_first;
}

/* QRESYNC's VANISHED (EARLIER) set: drop those UIDs, one sweep over the
 * sorted ranges and the sorted summaries. */
static void remove_vanished(struct model_mailbox *mbox, struct mailimap_set *set)
{
	size_t nitems = set->set_list ? (size_t)clist_count(set->set_list) : 0, k = 0, ngone = 0;
	struct mailimap_set_item **items = xcalloc(nitems, sizeof(*items));
	const struct model_summary *all = model_mailbox_summaries(mbox);
	size_t count = model_mailbox_count(mbox);
	uint32_t *gone = NULL;

	for (clistiter *it = clist_begin_safe(set->set_list); it; it = clist_next(it))
		items[k++] = clist_content(it);
	qsort(items, nitems, sizeof(*items), set_item_compare);
	k = 0;
	for (size_t i = 0; i < count && k < nitems; i++) {
		uint32_t last = items[k]->set_last ? items[k]->set_last : UINT32_MAX;
		while (k < nitems && all[i].uid > (items[k]->set_last ? items[k]->set_last : UINT32_MAX))
			k++;
		if (k == nitems)
			break;
		last = items[k]->set_last ? items[k]->set_last : UINT32_MAX;
		if (all[i].uid >= items[k]->set_first && all[i].uid <= last) {
			gone = xrealloc(gone, (ngone + 1) * sizeof(*gone));
			gone[ngone++] = all[i].uid;
		}
	}
	model_mailbox_remove_uids(mbox, gone, ngone);
	free(gone);
	free(items);
}

/* What a QRESYNC SELECT left in the session's response info: the
 * folder's HIGHESTMODSEQ, and the UIDs of every VANISHED (EARLIER) (a
 * server may split them over several responses), removed from mbox when
 * the folder kept its UIDVALIDITY. The lists stay libetpan's. */
static void qresync_results(struct imap_session *session, uint32_t uidvalidity, struct model_mailbox *mbox,
                            uint64_t *modseq)
{
	struct mailimap_response_info *info = session->imap->imap_response_info;
	int same = session->imap->imap_selection_info &&
	           session->imap->imap_selection_info->sel_uidvalidity == uidvalidity;

	for (clistiter *it = clist_begin_safe(info ? info->rsp_extension_list : NULL); it; it = clist_next(it)) {
		struct mailimap_extension_data *ext = clist_content(it);
		if (!ext->ext_data)
			continue;
		if (ext->ext_extension->ext_id == MAILIMAP_EXTENSION_CONDSTORE &&
		    ext->ext_type == MAILIMAP_CONDSTORE_TYPE_RESP_TEXT_CODE) {
			struct mailimap_condstore_resptextcode *code = ext->ext_data;
			if (code->cs_type == MAILIMAP_CONDSTORE_RESPTEXTCODE_HIGHESTMODSEQ)
				*modseq = code->cs_data.cs_modseq_value;
			else if (code->cs_type == MAILIMAP_CONDSTORE_RESPTEXTCODE_NOMODSEQ)
				*modseq = 0;
		} else if (ext->ext_extension->ext_id == MAILIMAP_EXTENSION_QRESYNC &&
		           ext->ext_type == MAILIMAP_QRESYNC_TYPE_VANISHED && same) {
			struct mailimap_qresync_vanished *vanished = ext->ext_data;
			if (vanished->qr_known_uids)
				remove_vanished(mbox, vanished->qr_known_uids);
		}
	}
}

static int select_folder(struct imap_session *session, const char *wire_name, const char *mode,
                         const struct store_folder_state *cached, struct model_mailbox *mbox,
                         uint64_t *modseq, struct lib_error *err)
{
	int r;

	*modseq = 0;
	if (strcmp(mode, "QRESYNC") == 0 && cached->uidvalidity && cached->highestmodseq) {
		/* RFC 7162 3.2.5: SELECT box (QRESYNC (uidvalidity modseq)).
		 * libetpan 1.9.4's mailimap_select_qresync leaves out the outer
		 * parentheses (Cyrus: "BAD Invalid modifier list"), and on a NO
		 * frees the lists it has just handed over. The changed flags
		 * stream to on_message; HIGHESTMODSEQ and VANISHED (EARLIER)
		 * stay in the session's response info, read below. */
		struct buf command = BUF_INIT;
		buf_addstr(&command, "SELECT ");
		imap_add_astring(&command, wire_name);
		buf_addf(&command, " (QRESYNC (%" PRIu32 " %" PRIu64 "))", cached->uidvalidity, cached->highestmodseq);
		r = imap_command(session, command.data, 1);
		buf_free(&command);
		if (r == MAILIMAP_NO_ERROR)
			qresync_results(session, cached->uidvalidity, mbox, modseq);
	} else if (strcmp(mode, "plain") != 0) {
		r = mailimap_select_condstore(session->imap, wire_name, modseq);
	} else {
		r = mailimap_select(session->imap, wire_name);
	}
	imap_alert_collect(session);
	free(session->selected);
	session->selected = NULL;
	free(session->own); /* another folder, or a fresh look: forget our modseqs */
	session->own = NULL;
	session->nown = 0;
	session->sync_modseq = 0;
	if (r != MAILIMAP_NO_ERROR) {
		struct buf what = BUF_INIT;
		buf_addstr(&what, "SELECT ");
		lib_sanitize(&what, wire_name, strlen(wire_name), LIB_SANITIZE_LINE);
		imap_error(session, r, what.data, err);
		buf_free(&what);
		return -1;
	}
	session->selected = xstrdup(wire_name);
	return 0;
}

int imap_select(struct imap_session *session, const char *wire_name, struct lib_error *err)
{
	static const struct store_folder_state none;
	uint64_t modseq;

	if (session->selected && strcmp(session->selected, wire_name) == 0)
		return 0;
	return select_folder(session, wire_name, "plain", &none, NULL, &modseq, err);
}

int imap_folder_refresh(struct imap_session *session, const char *wire_name, struct lib_error *err)
{
	free(session->selected); /* a fresh SELECT even when it is selected */
	session->selected = NULL;
	return imap_select(session, wire_name, err);
}

int imap_folder_sync(struct imap_session *session, const char *wire_name, struct store_folder_state *state,
                     struct model_mailbox *mbox, int *reset, imap_progress_cb *progress, void *progress_ctx,
                     struct lib_error *err)
{
	struct sync_ctx ctx = { .mbox = mbox };
	const char *mode = imap_session_sync_mode(session);
	uint64_t modseq = 0;
	int rc = -1;

	*reset = 0;
	size_t before = model_mailbox_count(mbox);
	mailimap_set_progress_callback(session->imap, on_progress, on_progress, &ctx);
	mailimap_set_msg_att_handler(session->imap, on_message, &ctx);
	ctx.mode = SYNC_FLAGS; /* a QRESYNC SELECT delivers flag changes */

	if (select_folder(session, wire_name, mode, state, mbox, &modseq, err) < 0)
		goto done;
	struct mailimap_selection_info *info = session->imap->imap_selection_info;
	if (state->uidvalidity && info->sel_uidvalidity != state->uidvalidity) {
		model_mailbox_clear(mbox); /* RFC 3501 2.3.1.1: every cached UID is void */
		*reset = 1;
	}
	uint32_t exists = info->sel_has_exists ? info->sel_exists : 0;
	size_t cached = model_mailbox_count(mbox);

	if (cached) {
		/* A QRESYNC SELECT brought the flag changes and VANISHED UIDs
		 * itself; CONDSTORE asks for the changed flags */
		int qresynced = strcmp(mode, "QRESYNC") == 0 && state->highestmodseq;
		if (strcmp(mode, "plain") != 0 && state->highestmodseq && modseq) {
			if (!qresynced && modseq != state->highestmodseq &&
			    run_fetch(session, &ctx, SYNC_FLAGS, 1, 1, 0, state->highestmodseq, err) < 0)
				goto done;
		} else if (strcmp(mode, "plain") == 0 || !state->highestmodseq || !modseq) {
			ctx.collect = 1;
			if (run_fetch(session, &ctx, SYNC_FLAGS, 1, 1, 0, 0, err) < 0)
				goto done;
			remove_unlisted(&ctx);
		}
		/* The probe (step 2), with the count as it is now: libetpan counts
		 * the EXPUNGEs (not the VANISHEDs) of another client meanwhile */
		exists = info->sel_has_exists ? info->sel_exists : 0;
		cached = model_mailbox_count(mbox);
		uint32_t highest = cached ? model_mailbox_summaries(mbox)[cached - 1].uid : 0;
		ctx.probe_uid = ctx.probe_seq = 0;
		if (cached && cached <= exists && run_fetch(session, &ctx, SYNC_PROBE, 1, highest, highest, 0, err) < 0) {
			rc = seq_fetch_failed(err);
			goto done;
		}
		/* a VANISHED during the probe took messages out of mbox: resync */
		if (cached && (cached > exists || ctx.probe_uid != highest || ctx.probe_seq != cached ||
		               model_mailbox_count(mbox) != cached) &&
		    !ctx.collect) {
			ctx.collect = 1;
			ctx.nuids = 0;
			if (run_fetch(session, &ctx, SYNC_FLAGS, 1, 1, 0, 0, err) < 0)
				goto done;
			remove_unlisted(&ctx);
		}
		cached = model_mailbox_count(mbox);
		exists = info->sel_has_exists ? info->sel_exists : 0; /* the listing may have brought EXPUNGEs too */
	}

	/* Step 3: new messages, newest first. */
	if (exists > cached) {
		ctx.total = exists - cached;
		uint32_t high = exists, batch = SYNC_FIRST_BATCH;
		while (high > cached) {
			uint32_t low = high - (uint32_t)cached > batch ? high - batch + 1 : (uint32_t)cached + 1;
			if (run_fetch(session, &ctx, SYNC_HEADERS, 0, low, high, 0, err) < 0) {
				rc = seq_fetch_failed(err);
				goto done;
			}
			high = low - 1;
			batch = SYNC_BATCH;
			if (progress) /* after each batch, so a UI can paint early */
				progress(progress_ctx, ctx.done, ctx.total);
		}
	}
	state->uidvalidity = info->sel_uidvalidity;
	state->uidnext = info->sel_uidnext;
	state->highestmodseq = modseq;
	session->sync_modseq = modseq; /* every change up to it is in mbox now, */
	session->nown = 0;               /* our own stores included */
	/* additions are the headers fetched; with those known, any other
	 * difference in the count is removals */
	size_t after = model_mailbox_count(mbox);
	size_t removed = before + ctx.done > after ? before + ctx.done - after : 0;
	rc = (int)(ctx.changed + ctx.done + removed + (*reset ? before : 0));
	if (rc > 0x3fffffff)
		rc = 0x3fffffff;
done:
	mailimap_set_msg_att_handler(session->imap, NULL, NULL);
	mailimap_set_progress_callback(session->imap, NULL, NULL, NULL);
	free(ctx.uids);
	return rc;
}
