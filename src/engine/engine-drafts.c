/* Postponed messages on the server: the Drafts folder is folder-drafts,
 * else the folder the server marks \Drafts (SPECIAL-USE). A draft is
 * stored with APPEND (\Draft \Seen); a recalled draft is removed (\Deleted
 * and UID EXPUNGE of exactly its uid, under the UIDVALIDITY it was read
 * with) only after its successor is safe: the new draft APPENDed, or the
 * message accepted by the SMTP server (engine-outbox.c). */
#define _GNU_SOURCE
#include "engine-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *engine_drafts_folder(struct engine_account *ea, struct lib_error *err)
{
	const char *configured = conf_get(ea->conf, ea->account, CONF_K_FOLDER_DRAFTS);

	if (ea->account->imap.scheme == CONF_URL_NONE) {
		lib_error_set(err, LIB_ERR_CONFIG, "account %s has no IMAP server to keep drafts on", ea->account->name);
		return NULL;
	}
	if (configured && strcmp(configured, "none") != 0)
		return imap_utf7_encode(configured);
	if (configured) {
		lib_error_set(err, LIB_ERR_CONFIG, "folder-drafts is none for account %s: there is nowhere to postpone to",
		              ea->account->name);
		return NULL;
	}
	if (!ea->imap && engine_imap_open(ea, err) < 0)
		return NULL;
	char *folder = imap_folder_with_role(ea->imap, IMAP_ROLE_DRAFTS, err);
	if (!folder && err->cls == LIB_ERR_NONE)
		lib_error_set(err, LIB_ERR_CONFIG, "no folder-drafts set and the server marks no \\Drafts folder");
	return folder;
}

int engine_draft_remove(struct engine_account *ea, const struct engine_draft_ref *ref, struct lib_error *err)
{
	uint32_t uidvalidity = 0;

	if (!ref || !ref->folder || !ref->uid)
		return 0;
	if (!ea->imap && engine_imap_open(ea, err) < 0)
		return -1;
	if (imap_folder_uidvalidity(ea->imap, ref->folder, &uidvalidity, err) < 0)
		return -1;
	if (uidvalidity != ref->uidvalidity)
		return 0; /* the folder was recreated: that uid names another message now */
	uint32_t uid = ref->uid;
	if (imap_messages_store_flags(ea->imap, ref->folder, &uid, 1, MODEL_F_DELETED, 1, err) < 0 ||
	    imap_messages_expunge(ea->imap, ref->folder, &uid, 1, err) < 0)
		return -1;
	return 0;
}

int engine_draft_store(struct engine_account *ea, const char *message, size_t len, const struct engine_draft_ref *old,
                       char **folder_name, struct lib_error *err)
{
	*folder_name = NULL;
	if (!ea->imap && ea->account->imap.scheme != CONF_URL_NONE && engine_imap_open(ea, err) < 0)
		return -1;
	char *folder = engine_drafts_folder(ea, err);
	if (!folder)
		return -1;
	if (imap_append(ea->imap, folder, message, len, MODEL_F_DRAFT | MODEL_F_SEEN, err) < 0) {
		free(folder);
		return -1;
	}
	*folder_name = imap_utf7_decode(folder);
	free(folder);
	if (engine_draft_remove(ea, old, err) < 0) {
		char *cause = xstrdup(err->text);
		lib_error_set(err, err->cls, "the copy it replaces is still there: %s", cause);
		free(cause);
		return 1;
	}
	return 0;
}

void engine_draft_ref_clear(struct engine_draft_ref *ref)
{
	free(ref->folder);
	memset(ref, 0, sizeof(*ref));
}

int engine_draft_ref_parse(const char *text, struct engine_draft_ref *ref)
{
	unsigned long uidvalidity, uid;
	int used = 0;

	memset(ref, 0, sizeof(*ref));
	if (sscanf(text, "%lu %lu %n", &uidvalidity, &uid, &used) != 2 || !used || !text[used] || !uid ||
	    uidvalidity > UINT32_MAX || uid > UINT32_MAX)
		return -1;
	ref->uidvalidity = (uint32_t)uidvalidity;
	ref->uid = (uint32_t)uid;
	ref->folder = xstrdup(text + used);
	return 0;
}

char *engine_draft_ref_format(const struct engine_draft_ref *ref)
{
	return xasprintf("%lu %lu %s", (unsigned long)ref->uidvalidity, (unsigned long)ref->uid, ref->folder);
}
