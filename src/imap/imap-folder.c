/* Folders: LIST with SPECIAL-USE roles (RFC 6154) and LSUB, STATUS, and
 * the storage quota (RFC 2087). */
#include "imap-private.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static unsigned role_of(const char *flag)
{
	static const struct { const char *name; unsigned role; } roles[] = {
		{ "Sent", IMAP_ROLE_SENT }, { "Drafts", IMAP_ROLE_DRAFTS }, { "Trash", IMAP_ROLE_TRASH },
		{ "Junk", IMAP_ROLE_JUNK }, { "Archive", IMAP_ROLE_ARCHIVE }, { "All", IMAP_ROLE_ALL },
		{ "Flagged", IMAP_ROLE_FLAGGED },
	};
	for (size_t i = 0; i < LIB_ARRAY_LEN(roles); i++)
		if (strcasecmp(flag, roles[i].name) == 0)
			return roles[i].role;
	return 0;
}

static int list(struct imap_session *session, int subscribed, clist **result, struct lib_error *err)
{
	int r = subscribed ? mailimap_lsub(session->imap, "", "*", result) : mailimap_list(session->imap, "", "*", result);
	imap_alert_collect(session);
	if (r != MAILIMAP_NO_ERROR) {
		/* result: ours on NO_ERROR and also on a NO (libetpan 1.9.4 hands
		 * over the folders listed before it); unset on other errors */
		if (*result)
			mailimap_list_result_free(*result);
		*result = NULL;
		imap_error(session, r, subscribed ? "LSUB" : "LIST", err);
		return -1;
	}
	return 0;
}

int imap_folder_list(struct imap_session *session, struct imap_folder **folders, size_t *count,
                     struct lib_error *err)
{
	clist *all = NULL, *subscribed = NULL;

	*folders = NULL;
	*count = 0;
	if (list(session, 0, &all, err) < 0)
		return -1;
	if (list(session, 1, &subscribed, err) < 0) {
		mailimap_list_result_free(all);
		return -1;
	}
	*folders = xcalloc((all ? (size_t)clist_count(all) : 0) + 1, sizeof(**folders));
	for (clistiter *it = clist_begin_safe(all); it; it = clist_next(it)) {
		struct mailimap_mailbox_list *mb = clist_content(it);
		struct imap_folder *folder = &(*folders)[*count];
		if (!mb->mb_name)
			continue;
		folder->wire_name = xstrdup(mb->mb_name);
		folder->name = imap_utf7_decode(mb->mb_name);
		folder->delimiter = mb->mb_delimiter;
		if (mb->mb_flag) {
			if (mb->mb_flag->mbf_type == MAILIMAP_MBX_LIST_FLAGS_SFLAG &&
			    mb->mb_flag->mbf_sflag == MAILIMAP_MBX_LIST_SFLAG_NOSELECT)
				folder->noselect = 1;
			for (clistiter *f = clist_begin_safe(mb->mb_flag->mbf_oflags); f; f = clist_next(f)) {
				struct mailimap_mbx_list_oflag *oflag = clist_content(f);
				if (oflag->of_type == MAILIMAP_MBX_LIST_OFLAG_FLAG_EXT && oflag->of_flag_ext) {
					folder->roles |= role_of(oflag->of_flag_ext);
					if (strcasecmp(oflag->of_flag_ext, "NonExistent") == 0)
						folder->noselect = 1;
				}
			}
		}
		for (clistiter *s = clist_begin_safe(subscribed); s; s = clist_next(s)) {
			struct mailimap_mailbox_list *sub = clist_content(s);
			if (sub->mb_name && strcmp(sub->mb_name, mb->mb_name) == 0)
				folder->subscribed = 1;
		}
		if (strcasecmp(mb->mb_name, "INBOX") == 0)
			folder->subscribed = 1; /* INBOX is always watched */
		(*count)++;
	}
	mailimap_list_result_free(all);
	mailimap_list_result_free(subscribed);
	return 0;
}

void imap_folder_list_free(struct imap_folder *folders, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		free(folders[i].name);
		free(folders[i].wire_name);
	}
	free(folders);
}

int imap_folder_status(struct imap_session *session, const char *wire_name, struct imap_status *status,
                       struct lib_error *err)
{
	struct mailimap_status_att_list *atts = mailimap_status_att_list_new_empty();
	struct mailimap_mailbox_data_status *result = NULL;

	if (!atts)
		lib_fatal("out of memory");
	mailimap_status_att_list_add(atts, MAILIMAP_STATUS_ATT_MESSAGES);
	mailimap_status_att_list_add(atts, MAILIMAP_STATUS_ATT_UNSEEN);
	mailimap_status_att_list_add(atts, MAILIMAP_STATUS_ATT_RECENT);
	int r = mailimap_status(session->imap, wire_name, atts, &result);
	mailimap_status_att_list_free(atts);
	imap_alert_collect(session);
	if (r != MAILIMAP_NO_ERROR) {
		/* result: ours whatever the answer (libetpan 1.9.4 sets it before
		 * looking at the tagged reply: the counts sent before a NO) */
		if (result)
			mailimap_mailbox_data_status_free(result);
		struct buf what = BUF_INIT;
		buf_addstr(&what, "STATUS ");
		lib_sanitize(&what, wire_name, strlen(wire_name), LIB_SANITIZE_LINE);
		imap_error(session, r, what.data, err);
		buf_free(&what);
		return -1;
	}
	if (!result) { /* OK without the untagged STATUS: libetpan gives NULL */
		lib_error_set(err, LIB_ERR_PROTOCOL, "STATUS: the server answered OK without the folder's counts");
		return -1;
	}
	memset(status, 0, sizeof(*status));
	for (clistiter *it = clist_begin_safe(result->st_info_list); it; it = clist_next(it)) {
		struct mailimap_status_info *info = clist_content(it);
		if (info->st_att == MAILIMAP_STATUS_ATT_MESSAGES)
			status->messages = info->st_value;
		else if (info->st_att == MAILIMAP_STATUS_ATT_UNSEEN)
			status->unseen = info->st_value;
		else if (info->st_att == MAILIMAP_STATUS_ATT_RECENT)
			status->recent = info->st_value;
	}
	mailimap_mailbox_data_status_free(result);
	return 0;
}

int imap_quota(struct imap_session *session, uint64_t *used_kb, uint64_t *limit_kb, struct lib_error *err)
{
	struct mailimap_quota_complete_data *quota = NULL;
	int found = 0;

	if (!imap_has_capability(session, "QUOTA"))
		return 0;
	int r = mailimap_quota_getquotaroot(session->imap, "INBOX", &quota);
	imap_alert_collect(session);
	if (r != MAILIMAP_NO_ERROR) {
		/* quota: ours whatever the answer, as with STATUS (libetpan
		 * 1.9.4 sets it before the tagged reply is checked) */
		if (quota)
			mailimap_quota_complete_data_free(quota);
		if (r == MAILIMAP_ERROR_STREAM || r == MAILIMAP_ERROR_PARSE) {
			imap_error(session, r, "GETQUOTAROOT", err);
			return -1;
		}
		return 0; /* NO: no quota for this user */
	}
	for (clistiter *q = clist_begin_safe(quota->quota_list); q && !found; q = clist_next(q)) {
		struct mailimap_quota_quota_data *data = clist_content(q);
		for (clistiter *res = clist_begin_safe(data->quota_list); res; res = clist_next(res)) {
			struct mailimap_quota_quota_resource *resource = clist_content(res);
			if (strcasecmp(resource->resource_name, "STORAGE") == 0) {
				*used_kb = resource->usage;
				*limit_kb = resource->limit;
				found = 1;
				break;
			}
		}
	}
	mailimap_quota_complete_data_free(quota);
	return found;
}

char *imap_folder_with_role(struct imap_session *session, unsigned role, struct lib_error *err)
{
	struct imap_folder *folders = NULL;
	size_t count = 0;
	char *found = NULL;

	if (imap_folder_list(session, &folders, &count, err) < 0)
		return NULL;
	for (size_t i = 0; i < count && !found; i++)
		if (folders[i].roles & role)
			found = xstrdup(folders[i].wire_name);
	imap_folder_list_free(folders, count);
	return found;
}

int imap_folder_change(struct imap_session *session, enum imap_folder_op op, const char *wire_name,
                       const char *new_name, struct lib_error *err)
{
	static const char *const verbs[] = { "CREATE", "RENAME", "DELETE", "SUBSCRIBE", "UNSUBSCRIBE" };
	int r;

	if (op == IMAP_FOLDER_DELETE || op == IMAP_FOLDER_RENAME) {
		/* a selected folder cannot go away under us: leave it first */
		if (session->selected && strcmp(session->selected, wire_name) == 0) {
			mailimap_close(session->imap);
			free(session->selected);
			session->selected = NULL;
		}
	}
	switch (op) {
	case IMAP_FOLDER_CREATE:
		r = mailimap_create(session->imap, wire_name);
		if (r == MAILIMAP_NO_ERROR)
			r = mailimap_subscribe(session->imap, wire_name);
		break;
	case IMAP_FOLDER_RENAME:
		r = mailimap_rename(session->imap, wire_name, new_name);
		if (r == MAILIMAP_NO_ERROR) { /* the subscription follows the folder */
			mailimap_unsubscribe(session->imap, wire_name);
			r = mailimap_subscribe(session->imap, new_name);
		}
		break;
	case IMAP_FOLDER_DELETE:
		mailimap_unsubscribe(session->imap, wire_name);
		r = mailimap_delete(session->imap, wire_name);
		break;
	case IMAP_FOLDER_SUBSCRIBE:
		r = mailimap_subscribe(session->imap, wire_name);
		break;
	default:
		r = mailimap_unsubscribe(session->imap, wire_name);
		break;
	}
	if (r != MAILIMAP_NO_ERROR) {
		struct buf what = BUF_INIT;
		buf_addf(&what, "%s ", verbs[op]);
		lib_sanitize(&what, wire_name, strlen(wire_name), LIB_SANITIZE_LINE);
		imap_error(session, r, what.data, err);
		buf_free(&what);
		return -1;
	}
	return 0;
}

char *imap_folder_create_role(struct imap_session *session, const char *name, unsigned role, struct lib_error *err)
{
	static const struct { unsigned role; const char *flag; } flags[] = {
		{ IMAP_ROLE_SENT, "\\Sent" }, { IMAP_ROLE_DRAFTS, "\\Drafts" }, { IMAP_ROLE_TRASH, "\\Trash" },
		{ IMAP_ROLE_JUNK, "\\Junk" }, { IMAP_ROLE_ARCHIVE, "\\Archive" },
	};
	const char *flag = NULL;
	char *wire = imap_utf7_encode(name);

	for (size_t i = 0; i < LIB_ARRAY_LEN(flags); i++)
		if (flags[i].role == role)
			flag = flags[i].flag;
	int r;
	if (flag && imap_has_capability(session, "CREATE-SPECIAL-USE")) {
		/* RFC 6154 5.2: CREATE name (USE (\Sent)), so other clients
		 * find it by its role as tern does */
		struct buf command = BUF_INIT;
		buf_addstr(&command, "CREATE ");
		imap_add_astring(&command, wire);
		buf_addf(&command, " (USE (%s))", flag);
		r = imap_command(session, command.data, 0);
		buf_free(&command);
	} else {
		r = mailimap_create(session->imap, wire);
	}
	imap_alert_collect(session);
	if (r == MAILIMAP_NO_ERROR)
		r = mailimap_subscribe(session->imap, wire);
	if (r != MAILIMAP_NO_ERROR) {
		struct buf what = BUF_INIT;
		buf_addstr(&what, "CREATE ");
		lib_sanitize(&what, name, strlen(name), LIB_SANITIZE_LINE);
		imap_error(session, r, what.data, err);
		buf_free(&what);
		free(wire);
		return NULL;
	}
	return wire;
}
