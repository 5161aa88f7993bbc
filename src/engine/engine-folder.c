/* One folder interface: the IMAP backend (the account's session), the
 * local one (the Maildir or mbox a worker holds, a POP3 account's
 * Maildir included), a path to append to, and what is built on the
 * table alone: the bulk actions and the one loop that copies or moves
 * between any two backends. The worker (engine-worker.c) picks the
 * backend and sends the events. */
#include "engine-private.h"

#include <stdlib.h>
#include <string.h>

#include "../local/local.h"

static const char *plural(size_t n)
{
	return n == 1 ? "" : "s";
}

/* ---- IMAP: backend is the struct engine_account, its session open ---- */

static struct imap_session *session_of(void *backend)
{
	return ((struct engine_account *)backend)->imap;
}

static int imap_sync(void *backend, const char *folder, struct model_mailbox *mbox, struct lib_error *err)
{
	return engine_folder_sync(backend, folder, mbox, err);
}

static int imap_fetch(void *backend, const char *folder, uint32_t uid, struct buf *out, struct lib_error *err)
{
	return imap_message_fetch(session_of(backend), folder, uid, out, err);
}

static unsigned imap_flags(void *backend, const char *folder, uint32_t uid)
{
	(void)backend, (void)folder, (void)uid;
	return MODEL_F_SEEN;
}

static int imap_store(void *backend, const char *folder, const uint32_t *uids, size_t n, unsigned flags, int add,
                      struct lib_error *err)
{
	return imap_messages_store_flags(session_of(backend), folder, uids, n, flags, add, err);
}

static int imap_add(void *backend, const char *folder, const char *message, size_t len, unsigned flags,
                    struct lib_error *err)
{
	struct buf wire = BUF_INIT;

	engine_message_crlf(&wire, message, len); /* APPEND wants CRLF */
	int rc = imap_append(session_of(backend), folder, wire.data ? wire.data : "", wire.len,
	                     flags & (MODEL_F_SEEN | MODEL_F_DRAFT), err);
	buf_free(&wire);
	return rc;
}

static int imap_copy(void *backend, const char *folder, const uint32_t *uids, size_t n, const char *target, int move,
                     struct lib_error *err)
{
	return imap_messages_copy(session_of(backend), folder, uids, n, target, move, err);
}

static int imap_expunge_marked(void *backend, const char *folder, const uint32_t *uids, size_t n, int all,
                               struct lib_error *err)
{
	/* all: the user agreed to a plain EXPUNGE on a server without
	 * UIDPLUS, other messages marked deleted included */
	return all ? imap_folder_expunge(session_of(backend), folder, err)
	           : imap_messages_expunge(session_of(backend), folder, uids, n, err);
}

static int imap_remove(void *backend, const char *folder, const uint32_t *uids, size_t n, struct lib_error *err)
{
	if (imap_messages_store_flags(session_of(backend), folder, uids, n, MODEL_F_DELETED, 1, err) < 0)
		return -1;
	return imap_messages_expunge(session_of(backend), folder, uids, n, err) < 0 ? -1 : 0;
}

/* folder-trash (none: no trash), else the folder with the SPECIAL-USE
 * \Trash role. */
static char *imap_trash(void *backend, struct lib_error *err)
{
	struct engine_account *ea = backend;
	const char *configured = conf_get(ea->conf, ea->account, CONF_K_FOLDER_TRASH);

	if (configured)
		return strcmp(configured, "none") == 0 ? NULL : imap_utf7_encode(configured);
	return imap_folder_with_role(ea->imap, IMAP_ROLE_TRASH, err);
}

static int imap_list(void *backend, int counts, struct engine_folder_row **rows, size_t *count,
                     struct lib_error *err)
{
	return engine_account_folders(backend, counts ? ENGINE_FOLDERS_COUNTS | ENGINE_FOLDERS_BEST_EFFORT : 0, rows,
	                              count, err);
}

static int imap_find(void *backend, const char *folder, const char *criteria, uint32_t **uids, size_t *n,
                     struct lib_error *err)
{
	return imap_search(session_of(backend), folder, criteria, uids, n, err);
}

/* IMAP has no flag for new: the header cache keeps it. */
static int imap_mark_old(void *backend, const char *folder, const uint32_t *uids, size_t n, struct lib_error *err)
{
	return engine_folder_mark_old(backend, folder, uids, n, err);
}

static const struct engine_folder_ops imap_ops = {
	.kind = "imap",
	.sync = imap_sync,
	.fetch = imap_fetch,
	.flags = imap_flags,
	.store_flags = imap_store,
	.append = imap_add,
	.copy = imap_copy,
	.expunge = imap_expunge_marked,
	.remove = imap_remove,
	.trash = imap_trash,
	.list = imap_list,
	.search = imap_find,
	.mark_old = imap_mark_old,
};

struct engine_folder engine_imap_folder(struct engine_account *ea)
{
	return (struct engine_folder){ &imap_ops, ea };
}

/* ---- a path on this machine: only appended to ---- */

static int path_append(void *backend, const char *folder, const char *message, size_t len, unsigned flags,
                       struct lib_error *err)
{
	(void)folder; /* the backend is the path */
	return local_folder_append(backend, message, len, flags & ~(MODEL_F_RECENT | MODEL_F_DELETED), err);
}

static const struct engine_folder_ops path_ops = {
	.kind = "path",
	.append = path_append,
};

struct engine_folder engine_path_folder(char *path)
{
	return (struct engine_folder){ &path_ops, path };
}

/* ---- built on the table alone ---- */

int engine_folder_transfer(const struct engine_folder *src, const char *folder, const uint32_t *uids, size_t n,
                           const struct engine_folder *dst, const char *target, int move, struct lib_error *err)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct buf message = BUF_INIT;
		rc = src->ops->fetch(src->backend, folder, uids[i], &message, err);
		if (rc == 0)
			rc = dst->ops->append(dst->backend, target, message.data ? message.data : "", message.len,
			                      src->ops->flags(src->backend, folder, uids[i]), err);
		buf_free(&message);
	}
	if (rc < 0)
		return -1; /* the sources are untouched */
	return move ? src->ops->remove(src->backend, folder, uids, n, err) : 0;
}

int engine_folder_action(const struct engine_folder *f, enum engine_job_type type, const char *folder,
                         const uint32_t *uids, size_t n, unsigned flags, int add, const char *target, char **text,
                         int *moved, char **moved_to, struct lib_error *err)
{
	const struct engine_folder_ops *ops = f->ops;
	char *trash = NULL, *name;
	int rc = 0;

	*text = NULL;
	*moved = 0;
	if (moved_to)
		*moved_to = NULL;
	switch (type) {
	case ENGINE_JOB_STORE_FLAGS:
		rc = ops->store_flags(f->backend, folder, uids, n, flags, add, err);
		break;
	case ENGINE_JOB_DELETE:
		trash = ops->trash ? ops->trash(f->backend, err) : NULL;
		if (trash && strcmp(trash, folder) != 0) {
			rc = ops->copy(f->backend, folder, uids, n, trash, 1, err);
			name = imap_utf7_decode(trash);
			*text = xasprintf("Moved %zu message%s to %s.", n, plural(n), name);
			free(name);
			*moved = 1;
		} else { /* no trash, or in it: the deleted mark, then $ */
			rc = ops->store_flags(f->backend, folder, uids, n, MODEL_F_DELETED, 1, err);
			*text = xasprintf("Marked %zu message%s deleted; $ expunges.", n, plural(n));
		}
		break;
	case ENGINE_JOB_COPY:
		if (!ops->copy) {
			lib_error_set(err, LIB_ERR_INTERNAL, "a %s folder copies by fetching and appending", ops->kind);
			rc = -1;
			break;
		}
		rc = ops->copy(f->backend, folder, uids, n, target, add, err);
		name = imap_utf7_decode(target);
		*text = xasprintf("%s %zu message%s to %s.", add ? "Moved" : "Copied", n, plural(n), name);
		free(name);
		*moved = add;
		break;
	case ENGINE_JOB_EXPUNGE:
		rc = ops->expunge(f->backend, folder, uids, n, add, err);
		*text = xasprintf("Expunged %zu message%s.", n, plural(n));
		*moved = 1;
		break;
	default:
		lib_error_set(err, LIB_ERR_INTERNAL, "%s is not a bulk action", engine_job_name(type));
		rc = -1;
		break;
	}
	if (rc == 0 && *moved && moved_to && type != ENGINE_JOB_EXPUNGE)
		*moved_to = xstrdup(type == ENGINE_JOB_DELETE ? trash : target);
	free(trash);
	if (rc < 0) {
		free(*text);
		*text = NULL;
	}
	return rc;
}
