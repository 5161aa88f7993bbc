/* Internals shared by the engine's files (and its unit tests): the
 * account's sessions and cache, the journal, local folders as the worker
 * holds them. Only the engine includes the protocol headers. */
#ifndef TERN_ENGINE_PRIVATE_H
#define TERN_ENGINE_PRIVATE_H

#include "engine.h"
#include "engine-journal.h"

#include "../imap/imap.h"
#include "../pop/pop.h"
#include "../store/store.h"

struct engine_account {
	const struct conf *conf;
	const struct conf_account *account;
	struct engine_hooks hooks;
	struct imap_session *imap;
	struct store *store; /* NULL: running without a cache */
	int no_cache;        /* do not open the cache at all */
	int no_qresync, no_condstore; /* diagnostics and tests */
	uint32_t uidvalidity; /* of the folder last synced or read from the cache */
	int cancel_fd;        /* > 0: readable to abandon network work (the worker's Ctrl-G) */
	/* A password asked for (hooks.ask_secret) is kept for one more login
	 * when keep_asked is set (a send: SMTP, then the Sent copy's IMAP):
	 * the second login takes it; engine_account_close wipes what is left. */
	int keep_asked;
	char *asked;
};

/* Switches for tests and diagnostics, from the environment: TERN_NO_CACHE,
 * TERN_NO_QRESYNC, TERN_NO_CONDSTORE (set to anything but 0). */
void engine_options_from_env(struct engine_account *ea);
/* Closes what ea opened (session, cache) and wipes a kept password; ea
 * itself stays (the worker embeds one). */
void engine_account_close(struct engine_account *ea);

/* Opens the account's IMAP session (and its cache unless no_cache). */
int engine_imap_open(struct engine_account *ea, struct lib_error *err);
/* Loads the folder from the cache into mbox (empty), syncs it with the
 * server, and writes the cache back. folder is the server's name. */
int engine_folder_sync(struct engine_account *ea, const char *folder, struct model_mailbox *mbox,
                       struct lib_error *err);
/* How many of the unseen messages of folder (wire name; unseen from
 * STATUS) are new to tern: those its header cache does not mark old, as
 * the reader's index counts them (a UID SEARCH UNSEEN when the cache
 * holds old ones). 1 with *fresh; 0 without a cache (*fresh = unseen,
 * not known); -1 with err. */
int engine_folder_new_count(struct engine_account *ea, const char *folder, uint32_t unseen, uint32_t *fresh,
                            struct lib_error *err);
/* mark-old: the uids of folder lose MODEL_F_RECENT (new) in the header
 * cache, which keeps new and old for IMAP (the server has no such flag).
 * No cache, no change. 0, or -1 with err (the cache failed). */
int engine_folder_mark_old(struct engine_account *ea, const char *folder, const uint32_t *uids, size_t n,
                           struct lib_error *err);
/* Passes the [ALERT]s the IMAP server sent since the last call to
 * hooks.warn ("account A: server alert: TEXT"); the worker calls it after
 * every job, the headless modes get them from open and sync. */
void engine_account_alerts(struct engine_account *ea);

/* The Drafts folder's wire name: folder-drafts, else the server's \Drafts
 * (opening ea's session); NULL with err (LIB_ERR_CONFIG when there is
 * none). Caller frees. */
char *engine_drafts_folder(struct engine_account *ea, struct lib_error *err);
/* APPENDs message to the Drafts folder with \Draft and \Seen, then
 * removes old (may be NULL), the draft it replaces. 0; 1 when stored but
 * old could not be removed (err says why); -1 with err, nothing stored.
 * *folder_name: the UTF-8 name it went to (caller frees). */
int engine_draft_store(struct engine_account *ea, const char *message, size_t len, const struct engine_draft_ref *old,
                       char **folder_name, struct lib_error *err);
/* \Deleted + UID EXPUNGE of ref's uid, if the folder still has the same
 * UIDVALIDITY (else the uid names another message: nothing is done). */
int engine_draft_remove(struct engine_account *ea, const struct engine_draft_ref *ref, struct lib_error *err);
/* message with every line ending CRLF (what APPEND wants), into out. */
void engine_message_crlf(struct buf *out, const char *message, size_t len);

/* An open local folder as a worker holds it (one thread). name is the
 * UI's name for it; make_maildir creates a missing Maildir at path;
 * cache (borrowed, may be NULL) keeps its summaries for the next open. */
struct engine_local;
struct engine_local *engine_local_open(const char *name, const char *path, int make_maildir, struct store *cache,
                                       struct lib_error *err);
void engine_local_close(struct engine_local *l);
const char *engine_local_name(const struct engine_local *l);
/* 1 for an mbox, whose uids are positions (they change on removals). */
int engine_local_is_mbox(const struct engine_local *l);
/* Brings the folder's index up to date; *snapshot gets a copy for the
 * UI (the caller's). */
int engine_local_load(struct engine_local *l, struct model_mailbox **snapshot, struct lib_error *err);
/* Appends the message's source to out. */
int engine_local_message(struct engine_local *l, uint32_t uid, struct buf *out, struct lib_error *err);
/* The message's flags as last loaded or written; 0 when unknown. */
unsigned engine_local_flags(struct engine_local *l, uint32_t uid);
/* The message's size in bytes as last loaded; 0 when unknown. */
uint32_t engine_local_size(struct engine_local *l, uint32_t uid);
/* Removes messages for good. */
int engine_local_expunge(struct engine_local *l, const uint32_t *uids, size_t n, struct lib_error *err);
/* Appends copies of the messages to the local folder target (a path). */
int engine_local_copy_to_path(struct engine_local *l, const uint32_t *uids, size_t n, const char *target,
                              struct lib_error *err);
/* STORE_FLAGS, DELETE (the deleted mark: local folders have no trash),
 * EXPUNGE, or COPY to the local folder target (add: move, the sources
 * expunged only after every copy is durable), as run_action does it for
 * IMAP: *text says what was done, *moved whether they left the folder. */
int engine_local_action(struct engine_local *l, enum engine_job_type type, const uint32_t *uids, size_t n,
                        unsigned flags, int add, const char *target, char **text, int *moved, struct lib_error *err);

/* The folder list as the header cache keeps it for offline (store's
 * folders record): a first line "tern-folders 2", then one line per
 * folder, NAME \t SUBSCRIBED \t MESSAGES \t UNSEEN, with \, tab and
 * newline in NAME written \\, \t and \n. Appends to out. */
void engine_folder_rows_encode(const struct engine_folder_row *rows, size_t count, struct buf *out);
/* Reads what _encode wrote (or the older format: the same lines with
 * no first line and no escapes, names holding no tab or newline) into
 * *rows (the caller frees with engine_folder_rows_free). Returns the
 * count. */
size_t engine_folder_rows_decode(const char *text, size_t len, struct engine_folder_row **rows);

#endif
