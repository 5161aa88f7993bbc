/* One message at a time: the whole source for the pager (BODY.PEEK[], so
 * reading never flips \Seen; tern sets it itself), and flag stores. */
#include "imap-private.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

int imap_message_fetch(struct imap_session *session, const char *wire_name, uint32_t uid, struct buf *out,
                       struct lib_error *err)
{
	struct mailimap_set *set;
	struct mailimap_fetch_type *type;
	clist *result = NULL;
	int found = 0;

	if (imap_select(session, wire_name, err) < 0)
		return -1;
	set = mailimap_set_new_single(uid);
	type = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(type, mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(type, mailimap_fetch_att_new_body_peek_section(mailimap_section_new(NULL)));
	int r = mailimap_uid_fetch(session->imap, set, type, &result);
	mailimap_fetch_type_free(type);
	mailimap_set_free(set);
	imap_alert_collect(session);
	if (r != MAILIMAP_NO_ERROR) {
		/* result is not ours here: libetpan 1.9.4 frees it itself on a
		 * tagged NO (and leaves the pointer set), never sets it on other
		 * errors; freeing it was a double free (issue 16) */
		imap_error(session, r, "FETCH", err);
		return -1;
	}
	for (clistiter *it = clist_begin_safe(result); it; it = clist_next(it)) {
		struct mailimap_msg_att *att = clist_content(it);
		uint32_t got_uid = 0;
		const char *body = NULL;
		size_t len = 0;
		for (clistiter *i = clist_begin_safe(att->att_list); i; i = clist_next(i)) {
			struct mailimap_msg_att_item *item = clist_content(i);
			if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
				continue;
			struct mailimap_msg_att_static *st = item->att_data.att_static;
			if (st->att_type == MAILIMAP_MSG_ATT_UID)
				got_uid = st->att_data.att_uid;
			else if (st->att_type == MAILIMAP_MSG_ATT_BODY_SECTION && st->att_data.att_body_section->sec_body_part) {
				body = st->att_data.att_body_section->sec_body_part;
				len = st->att_data.att_body_section->sec_length;
			}
		}
		if (got_uid == uid && body) {
			buf_add(out, body, len);
			found = 1;
		}
	}
	if (result)
		mailimap_fetch_list_free(result);
	if (!found) {
		lib_error_set(err, LIB_ERR_SERVER, "message %u is no longer on the server", uid);
		return -1;
	}
	return 0;
}

static int uid_compare(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* A UID set from a list, sorted and with runs merged into ranges, so a
 * bulk action on 1,000 messages is one command of a few bytes. */
static struct mailimap_set *uid_set(const uint32_t *uids, size_t n)
{
	uint32_t *sorted = xmalloc(n * sizeof(*sorted));
	struct mailimap_set *set = mailimap_set_new_empty();

	memcpy(sorted, uids, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), uid_compare);
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j + 1 < n && (sorted[j + 1] == sorted[j] || sorted[j + 1] == sorted[j] + 1))
			j++;
		mailimap_set_add_interval(set, sorted[i], sorted[j]);
		i = j + 1;
	}
	free(sorted);
	return set;
}

/* The modseq tern knows for uid: what its own last store gave it, else
 * the folder's at the last sync. */
static uint64_t known_modseq(const struct imap_session *session, uint32_t uid)
{
	for (size_t i = 0; i < session->nown; i++)
		if (session->own[i].uid == uid)
			return session->own[i].modseq;
	return session->sync_modseq;
}

static void own_modseq(struct imap_session *session, uint32_t uid, uint64_t modseq)
{
	for (size_t i = 0; i < session->nown; i++) {
		if (session->own[i].uid == uid) {
			session->own[i].modseq = modseq;
			return;
		}
	}
	session->own = xrealloc(session->own, (session->nown + 1) * sizeof(*session->own));
	session->own[session->nown++] = (struct imap_own_modseq){ uid, modseq };
}

struct store_ctx {
	struct imap_session *session;
	const uint32_t *uids; /* the group stored: FETCHes of others are news, not ours */
	size_t n;
};

/* Takes the MODSEQ of each FETCH a store answers with. */
static void on_store_fetch(struct mailimap_msg_att *att, void *data)
{
	struct store_ctx *ctx = data;
	uint32_t uid = 0;
	uint64_t modseq = 0;

	for (clistiter *it = clist_begin_safe(att->att_list); it; it = clist_next(it)) {
		struct mailimap_msg_att_item *item = clist_content(it);
		if (item->att_type == MAILIMAP_MSG_ATT_ITEM_STATIC && item->att_data.att_static->att_type == MAILIMAP_MSG_ATT_UID)
			uid = item->att_data.att_static->att_data.att_uid;
		else if (item->att_type == MAILIMAP_MSG_ATT_ITEM_EXTENSION && item->att_data.att_extension_data &&
		         item->att_data.att_extension_data->ext_extension->ext_id == MAILIMAP_EXTENSION_CONDSTORE &&
		         item->att_data.att_extension_data->ext_type == MAILIMAP_CONDSTORE_TYPE_FETCH_DATA)
			modseq = ((struct mailimap_condstore_fetch_mod_resp *)item->att_data.att_extension_data->ext_data)
			                 ->cs_modseq_value;
	}
	for (size_t i = 0; uid && modseq && i < ctx->n; i++)
		if (ctx->uids[i] == uid)
			own_modseq(ctx->session, uid, modseq);
}

static void on_progress_ignored(size_t current, size_t maximum, void *data)
{
	(void)current, (void)maximum, (void)data;
}

/* How many uids the server refused with [MODIFIED set] (RFC 7162 3.2). */
static size_t modified_count(struct imap_session *session)
{
	size_t n = 0;
	clist *list = session->imap->imap_response_info ? session->imap->imap_response_info->rsp_extension_list : NULL;

	for (clistiter *it = clist_begin_safe(list); it; it = clist_next(it)) {
		struct mailimap_extension_data *ext = clist_content(it);
		if (ext->ext_extension->ext_id != MAILIMAP_EXTENSION_CONDSTORE ||
		    ext->ext_type != MAILIMAP_CONDSTORE_TYPE_RESP_TEXT_CODE)
			continue;
		struct mailimap_condstore_resptextcode *code = ext->ext_data;
		if (code->cs_type != MAILIMAP_CONDSTORE_RESPTEXTCODE_MODIFIED || !code->cs_data.cs_modified_set)
			continue;
		for (clistiter *i = clist_begin_safe(code->cs_data.cs_modified_set->set_list); i; i = clist_next(i)) {
			struct mailimap_set_item *item = clist_content(i);
			n += item->set_last >= item->set_first ? item->set_last - item->set_first + 1 : 1;
		}
	}
	return n;
}

int imap_messages_store_flags(struct imap_session *session, const char *wire_name, const uint32_t *uids, size_t n,
                              unsigned flags, int add, struct lib_error *err)
{
	static const struct { unsigned flag; struct mailimap_flag *(*make)(void); const char *wire; } names[] = {
		{ MODEL_F_SEEN, mailimap_flag_new_seen, "\\Seen" },
		{ MODEL_F_ANSWERED, mailimap_flag_new_answered, "\\Answered" },
		{ MODEL_F_FLAGGED, mailimap_flag_new_flagged, "\\Flagged" },
		{ MODEL_F_DELETED, mailimap_flag_new_deleted, "\\Deleted" },
		{ MODEL_F_DRAFT, mailimap_flag_new_draft, "\\Draft" },
	};
	size_t modified = 0;

	if (!n)
		return 0;
	if (imap_select(session, wire_name, err) < 0)
		return -1;
	/* With CONDSTORE a store only applies where nobody changed the message
	 * since tern last saw it; uids are sent in groups of one known modseq. */
	int conditional = strcmp(imap_session_sync_mode(session), "plain") != 0 && session->sync_modseq;
	uint32_t *rest = xmalloc(n * sizeof(*rest)), *group = xmalloc(n * sizeof(*group));
	size_t nrest = n;
	memcpy(rest, uids, n * sizeof(*rest));
	while (nrest) {
		uint64_t modseq = conditional ? known_modseq(session, rest[0]) : 0;
		size_t ngroup = 0, kept = 0;
		for (size_t i = 0; i < nrest; i++) {
			if (!conditional || known_modseq(session, rest[i]) == modseq)
				group[ngroup++] = rest[i];
			else
				rest[kept++] = rest[i];
		}
		nrest = kept;
		struct mailimap_set *set = uid_set(group, ngroup);
		int r;
		if (conditional) {
			/* libetpan 1.9.4's mailimap_uid_store_unchangedsince leaves out
			 * the space before "(UNCHANGEDSINCE", which Dovecot refuses */
			struct buf command = BUF_INIT;
			buf_addstr(&command, "UID STORE ");
			for (clistiter *it = clist_begin(set->set_list); it; it = clist_next(it)) {
				struct mailimap_set_item *item = clist_content(it);
				buf_addf(&command, "%s%" PRIu32, it == clist_begin(set->set_list) ? "" : ",", item->set_first);
				if (item->set_last != item->set_first)
					buf_addf(&command, ":%" PRIu32, item->set_last);
			}
			buf_addf(&command, " (UNCHANGEDSINCE %" PRIu64 ") %sFLAGS.SILENT (", modseq, add ? "+" : "-");
			const char *sep = "";
			for (size_t i = 0; i < LIB_ARRAY_LEN(names); i++) {
				if (flags & names[i].flag) {
					buf_addf(&command, "%s%s", sep, names[i].wire);
					sep = " ";
				}
			}
			buf_addch(&command, ')');
			struct store_ctx ctx = { session, group, ngroup };
			mailimap_set_progress_callback(session->imap, on_progress_ignored, on_progress_ignored, NULL);
			mailimap_set_msg_att_handler(session->imap, on_store_fetch, &ctx);
			r = imap_command(session, command.data, 0);
			mailimap_set_msg_att_handler(session->imap, NULL, NULL);
			mailimap_set_progress_callback(session->imap, NULL, NULL, NULL);
			buf_free(&command);
			if (r == MAILIMAP_NO_ERROR)
				modified += modified_count(session);
		} else {
			struct mailimap_flag_list *list = mailimap_flag_list_new_empty();
			for (size_t i = 0; i < LIB_ARRAY_LEN(names); i++)
				if (flags & names[i].flag)
					mailimap_flag_list_add(list, names[i].make());
			struct mailimap_store_att_flags *store = add ? mailimap_store_att_flags_new_add_flags_silent(list)
			                                             : mailimap_store_att_flags_new_remove_flags_silent(list);
			r = mailimap_uid_store(session->imap, set, store);
			mailimap_store_att_flags_free(store);
			imap_alert_collect(session);
		}
		mailimap_set_free(set);
		if (r != MAILIMAP_NO_ERROR) {
			imap_error(session, r, "STORE", err);
			free(rest);
			free(group);
			return -1;
		}
	}
	free(rest);
	free(group);
	if (modified) {
		lib_error_set(err, LIB_ERR_SERVER,
		              "%zu message%s changed by another client meanwhile: not changed here (the index is "
		              "being brought up to date)", modified, modified == 1 ? " was" : "s were");
		return -1;
	}
	return 0;
}

int imap_messages_expunge(struct imap_session *session, const char *wire_name, const uint32_t *uids, size_t n,
                          struct lib_error *err)
{
	if (!n)
		return 0;
	if (imap_select(session, wire_name, err) < 0)
		return -1;
	if (!imap_has_capability(session, "UIDPLUS")) {
		/* A plain EXPUNGE removes every \Deleted message, another
		 * client's too: sent only when UID SEARCH DELETED finds none but
		 * these (as Mutt and aerc expunge there), else the caller asks. */
		uint32_t *deleted = NULL;
		size_t ndeleted = 0, others = 0;
		if (imap_search(session, wire_name, "DELETED", &deleted, &ndeleted, err) < 0)
			return -1;
		uint32_t *mine = xmalloc(n * sizeof(*mine));
		memcpy(mine, uids, n * sizeof(*mine));
		qsort(mine, n, sizeof(*mine), uid_compare);
		for (size_t i = 0; i < ndeleted; i++)
			others += !bsearch(&deleted[i], mine, n, sizeof(*mine), uid_compare);
		free(mine);
		free(deleted);
		if (others) {
			lib_error_set(err, LIB_ERR_SERVER,
			              "not expunged: the server has no UIDPLUS and %zu other message%s here %s marked "
			              "deleted, which EXPUNGE would remove too", others, others == 1 ? "" : "s",
			              others == 1 ? "is" : "are");
			return -1 - (int)(others > 0x3ffffff ? 0x3ffffff : others);
		}
		return imap_folder_expunge(session, wire_name, err);
	}
	struct mailimap_set *set = uid_set(uids, n);
	int r = mailimap_uid_expunge(session->imap, set);
	mailimap_set_free(set);
	imap_alert_collect(session);
	if (r != MAILIMAP_NO_ERROR) {
		imap_error(session, r, "UID EXPUNGE", err);
		return -1;
	}
	return 0;
}

int imap_folder_expunge(struct imap_session *session, const char *wire_name, struct lib_error *err)
{
	if (imap_select(session, wire_name, err) < 0)
		return -1;
	int r = mailimap_expunge(session->imap);
	imap_alert_collect(session);
	if (r != MAILIMAP_NO_ERROR) {
		imap_error(session, r, "EXPUNGE", err);
		return -1;
	}
	return 0;
}

int imap_messages_copy(struct imap_session *session, const char *wire_name, const uint32_t *uids, size_t n,
                       const char *target, int move, struct lib_error *err)
{
	struct buf what = BUF_INIT;
	int r;

	if (!n)
		return 0;
	if (imap_select(session, wire_name, err) < 0)
		return -1;
	struct mailimap_set *set = uid_set(uids, n);
	if (move && imap_has_capability(session, "MOVE")) {
		r = mailimap_uid_move(session->imap, set, target);
		buf_addstr(&what, "MOVE to ");
	} else {
		r = mailimap_uid_copy(session->imap, set, target);
		buf_addstr(&what, "COPY to ");
	}
	mailimap_set_free(set);
	imap_alert_collect(session);
	lib_sanitize(&what, target, strlen(target), LIB_SANITIZE_LINE);
	if (r != MAILIMAP_NO_ERROR) {
		imap_error(session, r, what.data, err);
		buf_free(&what);
		return -1;
	}
	buf_free(&what);
	if (move && !imap_has_capability(session, "MOVE")) {
		/* RFC 6851's fallback: COPY, then \Deleted, then UID EXPUNGE of
		 * exactly these; the copies are safe before anything is removed. */
		if (imap_messages_store_flags(session, wire_name, uids, n, MODEL_F_DELETED, 1, err) < 0)
			return -1;
		return imap_messages_expunge(session, wire_name, uids, n, err);
	}
	return 0;
}

int imap_idle(struct imap_session *session, int seconds, int wake_fd, struct lib_error *err)
{
	/* after a lost connection libetpan may have dropped the stream and the
	 * selection; its mailimap_idle writes through imap_selection_info
	 * unchecked (a NULL dereference, found by tests/integration/faults.py) */
	if (!session->imap->imap_stream) {
		lib_error_set(err, LIB_ERR_CONNECTION, "IDLE: connection lost");
		return -1;
	}
	if (!imap_has_capability(session, "IDLE") || !session->imap->imap_selection_info) {
		int rc = net_conn_wait_readable(session->conn, wake_fd, seconds * 1000);
		if (rc == 1) { /* unsolicited data without IDLE: a NOOP reads it */
			int r = mailimap_noop(session->imap);
			if (r != MAILIMAP_NO_ERROR) {
				imap_error(session, r, "NOOP", err);
				return -1;
			}
			return 1;
		}
		return rc < 0 ? (lib_error_set(err, LIB_ERR_CONNECTION, "cancelled"), -1) : 0;
	}
	/* libetpan's IDLE waits for "+ idling" with the session's read timeout,
	 * so a server that never answers it does not hang tern (LIBRARIES.md). */
	int r = mailimap_idle(session->imap);
	if (r != MAILIMAP_NO_ERROR) {
		imap_error(session, r, "IDLE", err);
		return -1;
	}
	int rc = net_conn_wait_readable(session->conn, wake_fd, seconds * 1000);
	r = mailimap_idle_done(session->imap);
	if (r != MAILIMAP_NO_ERROR) {
		imap_error(session, r, "IDLE", err);
		return -1;
	}
	if (rc < 0) {
		lib_error_set(err, LIB_ERR_CONNECTION, "cancelled");
		return -1;
	}
	return rc == 1;
}

int imap_folder_uidvalidity(struct imap_session *session, const char *wire_name, uint32_t *uidvalidity,
                            struct lib_error *err)
{
	if (imap_select(session, wire_name, err) < 0)
		return -1;
	*uidvalidity = session->imap->imap_selection_info->sel_uidvalidity;
	return 0;
}

int imap_append(struct imap_session *session, const char *wire_name, const char *message, size_t len,
                unsigned flags, struct lib_error *err)
{
	struct mailimap_flag_list *list = mailimap_flag_list_new_empty();

	if (flags & MODEL_F_SEEN)
		mailimap_flag_list_add(list, mailimap_flag_new_seen());
	if (flags & MODEL_F_DRAFT)
		mailimap_flag_list_add(list, mailimap_flag_new_draft());
	int r = mailimap_append(session->imap, wire_name, list, NULL, message, len);
	mailimap_flag_list_free(list);
	imap_alert_collect(session);
	if (r != MAILIMAP_NO_ERROR) {
		struct buf what = BUF_INIT;
		buf_addstr(&what, "APPEND to ");
		lib_sanitize(&what, wire_name, strlen(wire_name), LIB_SANITIZE_LINE);
		imap_error(session, r, what.data, err);
		buf_free(&what);
		return -1;
	}
	return 0;
}

int imap_search(struct imap_session *session, const char *wire_name, const char *criteria, uint32_t **uids,
                size_t *n, struct lib_error *err)
{
	struct buf command = BUF_INIT;

	*uids = NULL;
	*n = 0;
	if (imap_select(session, wire_name, err) < 0)
		return -1;
	buf_addstr(&command, "UID SEARCH ");
	for (const char *p = criteria; *p; p++) {
		/* "{n}" CRLF becomes "{n+}" CRLF: one write, no continuation wait */
		if (*p == '{') {
			const char *close = strchr(p, '}');
			if (close && close[1] == '\r' && close[2] == '\n' && strspn(p + 1, "0123456789") == (size_t)(close - p - 1)) {
				if (!imap_has_capability(session, "LITERAL+")) {
					lib_error_set(err, LIB_ERR_SERVER, "the server cannot search for non-ASCII text here (no LITERAL+)");
					buf_free(&command);
					return -1;
				}
				buf_add(&command, p, (size_t)(close - p));
				buf_addstr(&command, "+}");
				p = close;
				continue;
			}
		}
		buf_addch(&command, *p);
	}
	int r = imap_command(session, command.data, 0);
	buf_free(&command);
	if (r != MAILIMAP_NO_ERROR) {
		imap_error(session, r, "SEARCH", err);
		return -1;
	}
	clist *found = session->imap->imap_response_info ? session->imap->imap_response_info->rsp_search_result : NULL;
	for (clistiter *it = clist_begin_safe(found); it; it = clist_next(it)) {
		*uids = xrealloc(*uids, (*n + 1) * sizeof(**uids));
		(*uids)[(*n)++] = *(uint32_t *)clist_content(it);
	}
	return 0;
}
