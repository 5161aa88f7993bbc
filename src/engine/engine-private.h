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
/* Appends the message's source to out. */
int engine_local_message(struct engine_local *l, uint32_t uid, struct buf *out, struct lib_error *err);
/* The message's flags as last loaded or written; 0 when unknown. */
unsigned engine_local_flags(struct engine_local *l, uint32_t uid);
/* The message's size in bytes as last loaded; 0 when unknown. */
uint32_t engine_local_size(struct engine_local *l, uint32_t uid);
/* Removes messages for good. */
int engine_local_expunge(struct engine_local *l, const uint32_t *uids, size_t n, struct lib_error *err);
/* The one local folder a worker holds, as a folder backend. */
struct engine_folder engine_local_folder(struct engine_local *l);

/* ---- one folder interface (engine-folder.c) ----
 * Every kind of folder (IMAP, a Maildir or mbox, a POP3 account's
 * Maildir) sits behind one table of operations, as NeoMutt's MxOps:
 * the worker runs its jobs through it whatever the folder is, and one
 * loop copies or moves between any two (engine_folder_transfer). folder
 * is the wire name (a local backend holds its one folder and ignores
 * it); uids are the backend's. An operation a backend lacks is NULL. */
struct engine_folder_ops {
	const char *kind; /* "imap", "local", "path": for logs and tests */
	/* Open and sync: folder's index, up to date, into mbox (empty; the
	 * caller's), through the header cache where the backend keeps one. */
	int (*sync)(void *backend, const char *folder, struct model_mailbox *mbox, struct lib_error *err);
	/* The whole message uid, appended to out. */
	int (*fetch)(void *backend, const char *folder, uint32_t uid, struct buf *out, struct lib_error *err);
	/* The model flags a copy of uid takes along (IMAP: \Seen, as a
	 * message read to be copied; local: what the folder knows). */
	unsigned (*flags)(void *backend, const char *folder, uint32_t uid);
	int (*store_flags)(void *backend, const char *folder, const uint32_t *uids, size_t n, unsigned flags, int add,
	                   struct lib_error *err);
	/* Adds message (LF or CRLF line ends) to folder with flags (each
	 * backend keeps those it can). */
	int (*append)(void *backend, const char *folder, const char *message, size_t len, unsigned flags,
	              struct lib_error *err);
	/* Copies (move: moves) to target inside the backend (a server's own
	 * COPY or MOVE). */
	int (*copy)(void *backend, const char *folder, const uint32_t *uids, size_t n, const char *target, int move,
	            struct lib_error *err);
	/* Removes the messages marked deleted among uids (all: every one
	 * marked deleted); -1 - N when N others marked deleted would go too
	 * (IMAP without UIDPLUS: the caller may ask, then call with all). */
	int (*expunge)(void *backend, const char *folder, const uint32_t *uids, size_t n, int all, struct lib_error *err);
	/* Removes uids for good: the sources of a move, once every copy is
	 * safe. */
	int (*remove)(void *backend, const char *folder, const uint32_t *uids, size_t n, struct lib_error *err);
	/* The wire name of the trash (a delete moves there), or NULL: none
	 * (a delete marks deleted). Caller frees. */
	char *(*trash)(void *backend, struct lib_error *err);
	/* The folders (engine_folder_rows_free), with counts or not; as
	 * engine_account_folders returns. */
	int (*list)(void *backend, int counts, struct engine_folder_row **rows, size_t *count, struct lib_error *err);
	/* UID SEARCH criteria (imap_search_criteria) in folder. */
	int (*search)(void *backend, const char *folder, const char *criteria, uint32_t **uids, size_t *n,
	              struct lib_error *err);
	/* The user left folder: uids are no longer new. */
	int (*mark_old)(void *backend, const char *folder, const uint32_t *uids, size_t n, struct lib_error *err);
};

/* A folder backend at work: its operations and their first argument. */
struct engine_folder {
	const struct engine_folder_ops *ops;
	void *backend;
};

/* The account's IMAP server (ea's session open), and a folder on this
 * machine named by its path (expanded; only append) as backends. */
struct engine_folder engine_imap_folder(struct engine_account *ea);
struct engine_folder engine_path_folder(char *path);

/* Copies (move: moves) the messages uids of folder in src to target in
 * dst, one at a time: fetched, then appended with the flags src knows.
 * A move removes the sources only once every copy is safe; a failure
 * leaves them all where they were. 0, or -1 with err. */
int engine_folder_transfer(const struct engine_folder *src, const char *folder, const uint32_t *uids, size_t n,
                           const struct engine_folder *dst, const char *target, int move, struct lib_error *err);
/* A bulk job on folder through f's operations: STORE_FLAGS (add or
 * remove flags), DELETE (to the trash, else the deleted mark), COPY
 * inside the backend (add: move), EXPUNGE (add: every message marked
 * deleted). *text says what was done (caller frees), *moved whether the
 * messages left the folder, *moved_to (when not NULL; caller frees) the
 * folder they went to. 0, -1 with err, or EXPUNGE's -1 - N. */
int engine_folder_action(const struct engine_folder *f, enum engine_job_type type, const char *folder,
                         const uint32_t *uids, size_t n, unsigned flags, int add, const char *target, char **text,
                         int *moved, char **moved_to, struct lib_error *err);

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
