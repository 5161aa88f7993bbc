/* engine: turns an account of the mailrc into working sessions: finds its
 * credentials, opens its header cache, connects, syncs folders through the
 * cache. The headless modes call it directly; the reader runs the same
 * calls on one worker thread per account (engine-worker.c), which also
 * keeps the offline journal; the outbox, server drafts, local folders and
 * POP3 live here too. No printing: warnings, prompts and progress go
 * through struct engine_hooks. */
#ifndef TERN_ENGINE_H
#define TERN_ENGINE_H

#include "../conf/conf.h"
#include "../imap/imap.h"
#include "../lib/lib.h"
#include "../model/model.h"
#include "../pop/pop.h"

struct engine_hooks {
	/* Asks the user for a secret without echo; NULL when there is no one
	 * to ask (then a missing password is an error). Caller frees. */
	char *(*ask_secret)(void *ctx, const char *prompt);
	/* A one-line warning the user should see (a rebuilt cache...). */
	void (*warn)(void *ctx, const char *line);
	/* Header download progress. */
	void (*progress)(void *ctx, const char *folder, size_t done, size_t total);
	/* When not NULL, each line of an SMTP dialogue (tern -v), sanitized,
	 * credentials masked. */
	void (*trace)(void *ctx, const char *line);
	void *ctx;
};

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

/* The server an account uses for reading mail, as "imaps://host:993",
 * or its SMTP server when it reads none; NULL when it has no server.
 * Used to name the server in every error line. Caller frees. */
char *engine_account_server(const struct conf_account *account);
/* "account NAME, server URL: TEXT": the one line every failure prints.
 * Caller frees. */
char *engine_error_line(const struct conf_account *account, const struct lib_error *err);
/* The same, naming the account's SMTP server: for sending failures. */
char *engine_error_line_smtp(const struct conf_account *account, const struct lib_error *err);

/* The login name: user, else the address in from; NULL when neither.
 * Caller frees. */
char *engine_account_user(const struct conf *conf, const struct conf_account *account);
/* Path of the account's header cache file. Caller frees. */
char *engine_cache_path(const struct conf *conf, const struct conf_account *account);

/* The account's password (password, password-command, else the prompt
 * hook) or, with *is_oauth2 set, its OAuth2 token; the get_secret of
 * struct net_login, with ctx the engine_account.
 * Caller zeroes and frees. */
char *engine_get_secret(void *ea, int *is_oauth2, struct lib_error *err);

/* Opens the account's IMAP session (and its cache unless no_cache). */
int engine_imap_open(struct engine_account *ea, struct lib_error *err);
/* Loads the folder from the cache into mbox (empty), syncs it with the
 * server, and writes the cache back. folder is the server's name. */
int engine_folder_sync(struct engine_account *ea, const char *folder, struct model_mailbox *mbox,
                       struct lib_error *err);
void engine_account_close(struct engine_account *ea);
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

/* ---- the worker thread (engine-worker.c) ---- */

enum engine_job_type {
	ENGINE_JOB_OPEN_FOLDER, ENGINE_JOB_FETCH_BODY, ENGINE_JOB_STORE_FLAGS, ENGINE_JOB_LIST_FOLDERS,
	ENGINE_JOB_DELETE, ENGINE_JOB_COPY, ENGINE_JOB_EXPUNGE, ENGINE_JOB_FOLDER_CHANGE, ENGINE_JOB_SEARCH,
	ENGINE_JOB_SEND, ENGINE_JOB_POSTPONE, ENGINE_JOB_DRAFTS, ENGINE_JOB_MARK_OLD,
};

/* "open-folder", "store-flags", ...: the job's name, for logs. */
const char *engine_job_name(enum engine_job_type type);
/* 1 for the bulk actions: STORE_FLAGS, DELETE, COPY, EXPUNGE (their
 * results are struct engine_bulk_result). */
int engine_job_bulk(enum engine_job_type type);


/* What the status line shows of an account's connection; names for the
 * status line and logs: engine_conn_state_name. */
enum engine_conn_state {
	ENGINE_CONN_CONNECTING,
	ENGINE_CONN_CONNECTED,
	ENGINE_CONN_RECONNECTING, /* the connection failed; trying again after a pause */
	ENGINE_CONN_OFFLINE,      /* none now; the next job or check tries again */
	ENGINE_CONN_CANCELLED,    /* the user stopped the job under way (Ctrl-G) */
};
const char *engine_conn_state_name(enum engine_conn_state state);

/* How far a folder's index is (ENGINE_EV_FOLDER). */
enum engine_sync_state {
	ENGINE_SYNC_CACHED,   /* the header cache's copy; the server has not answered yet */
	ENGINE_SYNC_FETCHING, /* the first messages of a cold open (or a POP3 download follows) */
	ENGINE_SYNC_DONE,     /* the server's (or the local folder's) state now */
};
const char *engine_sync_state_name(enum engine_sync_state state);

/* A folder of a list (ENGINE_EV_FOLDERS). */
struct engine_folder_row {
	char *name;     /* UTF-8, any character (a tab or a newline too: sanitize to show) */
	int subscribed; /* 1 when the list has no counts */
	uint32_t messages, unseen; /* STATUS, when the list has counts */
};
/* Frees rows and their names. */
void engine_folder_rows_free(struct engine_folder_row *rows, size_t count);

/* What a bulk action (STORE_FLAGS, DELETE, COPY, EXPUNGE) did or was: its
 * DONE or ERROR carries the job back. */
struct engine_bulk_result {
	uint32_t *uids;
	size_t nuids;
	unsigned flags;        /* STORE_FLAGS: the model flags added (add) or removed */
	int add;
	int moved;             /* DONE: they left the folder */
	size_t others_deleted; /* ERROR of EXPUNGE on a server without UIDPLUS: other messages marked
	                          deleted that a plain EXPUNGE would take too (engine_worker_expunge_all) */
	char *target;          /* DONE of a move (a delete to the trash, a move on this account's server):
	                          the folder the messages went to (wire name), when the server said where */
	uint32_t *target_uids; /* their uids there, in the order of uids (0: not told) */
};

/* How a job ended (ENGINE_EV_DONE, ENGINE_EV_ERROR); the part of the
 * union is the job's. */
struct engine_result {
	enum engine_job_type job;
	char *text;               /* DONE: what was done, or NULL; ERROR: the one line to show */
	enum lib_error_class cls; /* ERROR */
	uint32_t uid;             /* ERROR of FETCH_BODY: the message */
	union {
		struct engine_bulk_result bulk; /* STORE_FLAGS, DELETE, COPY, EXPUNGE */
		struct {
			int token;      /* the caller's, from engine_worker_search */
			uint32_t *uids; /* DONE: the matches */
			size_t nuids;
		} search;
		struct {
			int copy_pending;   /* DONE: delivered, the Sent copy (or the draft's removal) still pending */
			uint32_t draft_uid; /* DONE: the recalled draft removed with the send (event's folder), or 0 */
		} send;
		struct {
			int old_kept; /* DONE: stored, but the draft it replaces could not be removed */
		} postpone;
		struct {
			char *name;           /* DONE: the Drafts folder's UTF-8 name (event's folder: its wire name) */
			uint32_t uidvalidity; /* and its UIDVALIDITY */
		} drafts;
	};
};

enum engine_event_type {
	ENGINE_EV_FOLDER,     /* index: a folder's messages */
	ENGINE_EV_PROGRESS,   /* progress: headers fetched */
	ENGINE_EV_CONNECTION, /* conn: the connection's state changed */
	ENGINE_EV_NOTICE,     /* notice: a line for the user (a warning, a server's alert, the journal) */
	ENGINE_EV_OUTBOX,     /* outbox: what the periodic outbox run did and left */
	ENGINE_EV_BODY,       /* body: the whole message uid of folder */
	ENGINE_EV_FOLDERS,    /* folders: the account's folders */
	ENGINE_EV_DONE,       /* result: a job ended on the server */
	ENGINE_EV_ERROR,      /* result: a job failed */
};

/* An event from a worker; the member of the union is the type's. */
struct engine_event {
	enum engine_event_type type;
	const char *account; /* the account's name (borrowed from conf) */
	char *folder;        /* the folder (wire name) it is about, or NULL */
	union {
		struct {
			struct model_mailbox *mbox; /* owned by the event; take it and set NULL */
			enum engine_sync_state sync;
		} index;
		struct {
			size_t done, total;
		} progress;
		enum engine_conn_state conn;
		char *notice;
		struct {
			size_t sent;    /* sent just now */
			size_t waiting; /* still in the outbox (queued, failed, or awaiting a Sent copy) */
		} outbox;
		struct {
			uint32_t uid;
			char *data; /* the message source, len bytes */
			size_t len;
		} body;
		struct {
			struct engine_folder_row *rows;
			size_t count;
			int counts; /* with STATUS counts (asked for by engine_worker_list_folders) */
			int cached; /* offline: the list as the cache last saw it */
		} folders;
		struct engine_result result;
	};
};

/* The offline journal (engine-journal.c): actions made while the server
 * was unreachable, replayed in order on the next connection. */
struct engine_journal_entry {
	enum engine_job_type type; /* STORE_FLAGS, DELETE or COPY */
	char *folder;              /* wire name */
	uint32_t uidvalidity;      /* the uids mean nothing under another */
	unsigned flags;
	int add;                   /* STORE_FLAGS: add; COPY: move */
	char *target;              /* COPY: wire name */
	uint32_t *uids;
	size_t nuids;
};
/* $XDG_DATA_HOME/tern/ACCOUNT.journal. Caller frees. */
char *engine_journal_path(const struct conf_account *account);
/* Each of these reads the journal under its edit lock (torn lines are
 * skipped); append and shift then write it back durably. Returns 0, or
 * -1 with err. */
int engine_journal_append(const char *path, const struct engine_journal_entry *entry, char **err);
/* The first action (1, *first the caller's: engine_journal_free(*first,
 * 1)), none (0), or -1 with err. */
int engine_journal_first(const char *path, struct engine_journal_entry **first, char **err);
/* Drops the first action; only the holder of engine_journal_lock calls it
 * (adders only append), so it drops what engine_journal_first returned. */
int engine_journal_shift(const char *path, char **err);
void engine_journal_free(struct engine_journal_entry *entries, size_t n);
/* Claims the right to replay the journal at path: an fd to close when
 * done, -2 when another tern holds it (err unset), -1 with err set. */
int engine_journal_lock(const char *path, char **err);

/* The outbox (engine-outbox.c). */
struct engine_outbox_entry {
	char *path;       /* the file in the outbox; NULL until written */
	char *account;
	char *from;       /* envelope sender */
	char **rcpts;     /* every recipient, Bcc included */
	size_t nrcpts;
	char *state;      /* "queued", "sent" (only the Sent copy is missing) or "failed" */
	char *reason;     /* why it failed, or why the copy is pending; may be NULL */
	char *draft;      /* the recalled draft to remove once delivered (engine_draft_ref_format), or NULL */
	char **bcc;       /* the Bcc as written ("Name <addr>", UTF-8), for the Sent copy: the message sent has none */
	size_t nbcc;
	char *message;
	size_t len;
	int delivered;    /* set by engine_outbox_send: the server took it in this call */
};
/* Fills e's envelope recipients (every address of to, cc and bcc) and
 * its Bcc lines (bcc as written, for the Sent copy). */
struct mime_address_list;
void engine_outbox_recipients(struct engine_outbox_entry *e, const struct mime_address_list *to,
                              const struct mime_address_list *cc, const struct mime_address_list *bcc);
/* e's Bcc lines as one comma-separated list. Caller frees. */
char *engine_outbox_bcc_text(const struct engine_outbox_entry *e);
/* $XDG_DATA_HOME/tern/outbox. Caller frees. */
char *engine_outbox_dir(void);
/* Writes e durably (creating the outbox); a new entry gets a unique name. */
int engine_outbox_write(struct engine_outbox_entry *e, char **err);
int engine_outbox_read(const char *path, struct engine_outbox_entry *e);
void engine_outbox_entry_clear(struct engine_outbox_entry *e);
/* The outbox's entries, oldest first. Caller frees each and the array. */
char **engine_outbox_list(size_t *count);
/* Claims the entry at path for this caller alone (sending, editing,
 * deleting): a descriptor to give back to engine_outbox_release, or -1
 * with errno EBUSY (someone else holds it) or ENOENT (it is gone).
 * engine_outbox_send claims by itself. */
int engine_outbox_claim(const char *path);
void engine_outbox_release(const char *path, int lock);
/* What a list of the outbox shows of an entry: decoded UTF-8, not yet
 * sanitized (to, subject, reason come from the user or the network). */
struct engine_outbox_summary {
	const char *state;  /* "queued", "failed" or "awaiting Sent copy" */
	int editable;       /* not yet delivered: may be edited and sent again */
	int64_t date;       /* the Date header, UTC epoch seconds; 0 unknown */
	char *to, *subject; /* to: To and Cc as written, else the envelope's first recipient */
};
/* Fills s from e (the caller clears it with _summary_clear). */
void engine_outbox_summarize(const struct engine_outbox_entry *e, struct engine_outbox_summary *s);
void engine_outbox_summary_clear(struct engine_outbox_summary *s);
/* engine_outbox_send's flags. */
enum {
	/* Send a "failed" entry too: only when the user asks (S and r in the
	 * reader, tern --flush-outbox --retry-failed); else it is left alone,
	 * never resent behind the back of whoever was told it failed. */
	ENGINE_OUTBOX_RETRY_FAILED = 1 << 0,
};
/* Sends a queued (or, with ENGINE_OUTBOX_RETRY_FAILED, a failed) entry,
 * or only stores the Sent copy of a "sent" one (the copy keeps the Bcc
 * the message sent has not), then removes it. The state on disk is what
 * counts (read again under the claim). The moment the server answers 250
 * the entry is marked "sent", durably, before anything else (QUIT, the
 * copy): only a kill between the server's acceptance and that write can
 * send it twice (RFC 5321 6.1). Returns 0 done; 1 delivered with
 * e->reason to show: the Sent copy (or the removal of the draft it was
 * recalled from) still pending (kept, as "sent", never sent again), or a
 * recalled draft that cannot be removed (the entry is gone); 2 left alone:
 * "failed" and not asked to retry (e->reason the earlier refusal); -1
 * with err: still queued, with err's text as its reason (temporary or
 * connection), or now "failed" with the reason (a refusal, kept for the
 * user to fix). e->delivered tells whether this call delivered it. hooks
 * may be NULL. */
int engine_outbox_send(const struct conf *conf, struct engine_outbox_entry *e, const struct engine_hooks *hooks,
                       unsigned flags, struct lib_error *err);

/* Drafts on the server (engine-drafts.c). A recalled draft: its folder
 * (wire name), the folder's UIDVALIDITY when it was read, its uid. */
struct engine_draft_ref {
	char *folder;
	uint32_t uidvalidity, uid;
};
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
/* "UIDVALIDITY UID FOLDER" and back (for the outbox); parse is -1 when
 * text is not that. format's result is the caller's. */
char *engine_draft_ref_format(const struct engine_draft_ref *ref);
int engine_draft_ref_parse(const char *text, struct engine_draft_ref *ref);
void engine_draft_ref_clear(struct engine_draft_ref *ref);

/* ---- local folders and POP3 (engine-local.c) ---- */

/* 1 when folder names a file or directory on this machine: it starts
 * with '/', '~' or '.'. */
int engine_folder_is_path(const char *folder);
/* The account's Maildir: maildir, else $XDG_DATA_HOME/tern/ACCOUNT.
 * Caller frees. */
char *engine_account_maildir(const struct conf *conf, const struct conf_account *account);
/* The mailbox read with no mailrc at all: $MAIL when it is set and
 * exists, else ~/Maildir when it exists; NULL with err. Caller frees. */
char *engine_default_mailbox(struct lib_error *err);
/* Where folder of account is on this machine, or NULL when it is a
 * server's folder: a path (expanded), or, for an account without an
 * IMAP server, INBOX: its POP3 Maildir, else the default mailbox.
 * Caller frees. */
char *engine_local_path(const struct conf *conf, const struct conf_account *account, const char *folder);
/* Downloads the account's POP3 mail into its Maildir with its settings
 * (pop_fetch); warnings go to ea->hooks.warn, ea->cancel_fd abandons. */
int engine_pop_fetch(struct engine_account *ea, struct pop_fetch_result *result, struct lib_error *err);
/* The same listing without downloading or deleting (--check): on_server,
 * and fresh, the messages not downloaded yet. */
int engine_pop_check(struct engine_account *ea, struct pop_fetch_result *result, struct lib_error *err);
/* message with every line ending CRLF (what APPEND wants), into out. */
void engine_message_crlf(struct buf *out, const char *message, size_t len);

/* An open local folder as a worker holds it (one thread). name is the
 * UI's name for it; make_maildir creates a missing Maildir at path;
 * cache (borrowed, may be NULL) keeps its summaries for the next open. */
struct engine_local;
struct store;
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

struct engine_worker;

/* Starts the worker of account; it writes a byte to wake_fd whenever an
 * event is ready. Warnings arrive as ENGINE_EV_NOTICE events. */
struct engine_worker *engine_worker_start(const struct conf *conf, const struct conf_account *account,
                                          int wake_fd);
/* Copies no_cache, no_qresync, no_condstore from options. */
void engine_worker_options(struct engine_worker *w, const struct engine_account *options);
/* Queues a job: open (cache first, then sync) folder, by its server name. */
void engine_worker_open_folder(struct engine_worker *w, const char *folder);
/* Queues a job: the whole message uid (body cache first: works offline). */
void engine_worker_fetch_body(struct engine_worker *w, const char *folder, uint32_t uid);
/* Queues a job: send the outbox entry at path (engine_outbox_send);
 * DONE (result.send) or ERROR (cls: temporary and connection mean it
 * stays queued). */
void engine_worker_send(struct engine_worker *w, const char *path);
/* Queues a job: store the message (len bytes, CRLF) in the Drafts folder,
 * then remove old (NULL: none), the recalled draft it replaces; then
 * unlink local (NULL: none), the autosaved draft file, now safe on the
 * server. DONE (text: where it went; result.postpone) or ERROR (nothing
 * stored; local kept). */
void engine_worker_postpone(struct engine_worker *w, const char *message, size_t len, const struct engine_draft_ref *old,
                            const char *local);
/* Queues a job: find the Drafts folder. DONE (result.drafts) or ERROR. */
void engine_worker_drafts(struct engine_worker *w);
/* Queues a job: UID SEARCH criteria in folder; DONE or ERROR, with
 * result.search (token: the caller's). */
void engine_worker_search(struct engine_worker *w, const char *folder, const char *criteria, int token);
/* Queues a job: the account's folder list; with counts, every folder's
 * STATUS too (for the folder browser). */
void engine_worker_list_folders(struct engine_worker *w, int counts);
/* Queues a job: create, rename (to new_name), delete, subscribe or
 * unsubscribe folder (UTF-8 names); ends in DONE or ERROR. */
void engine_worker_folder_change(struct engine_worker *w, int op, const char *folder, const char *new_name);
/* Bulk actions on n uids of folder (the arrays are copied). Each ends in
 * ENGINE_EV_DONE or ENGINE_EV_ERROR, with result.bulk.
 * store_flags adds (add) or removes model flags. delete moves to the
 * account's trash (folder-trash, else the server's \Trash), or marks
 * \Deleted when there is none or folder is it. copy copies or moves to
 * target (UTF-8 name). expunge removes exactly those uids (UIDPLUS). */
void engine_worker_store_flags(struct engine_worker *w, const char *folder, const uint32_t *uids, size_t n,
                               unsigned flags, int add);
void engine_worker_delete(struct engine_worker *w, const char *folder, const uint32_t *uids, size_t n);
void engine_worker_copy(struct engine_worker *w, const char *folder, const uint32_t *uids, size_t n,
                        const char *target, int move);
/* Copies or moves to target (UTF-8) of another account of the mailrc:
 * each message is fetched and APPENDed there; a move deletes the source
 * messages (\Deleted + UID EXPUNGE) only after every APPEND succeeded.
 * The INBOX of a POP3 account is its Maildir (engine_local_path). */
void engine_worker_copy_to_account(struct engine_worker *w, const char *folder, const uint32_t *uids, size_t n,
                                   const struct conf_account *target_account, const char *target, int move);
void engine_worker_expunge(struct engine_worker *w, const char *folder, const uint32_t *uids, size_t n);
/* The user leaves folder: its messages uids, unread and new, become old
 * (mark-old): in the header cache for IMAP, new/ to cur/ in a Maildir.
 * No event; it runs at quit too. */
void engine_worker_mark_old(struct engine_worker *w, const char *folder, const uint32_t *uids, size_t n);
/* After an EXPUNGE refused on a server without UIDPLUS because other
 * messages are marked deleted too (its ERROR's result.bulk.others_deleted):
 * a plain EXPUNGE, theirs included; uids are this session's. */
void engine_worker_expunge_all(struct engine_worker *w, const char *folder, const uint32_t *uids, size_t n);
/* Stops the operation under way (Ctrl-G) and any retry loop. */
void engine_worker_cancel(struct engine_worker *w);
/* The next event, or NULL; the caller frees it with engine_event_free. */
struct engine_event *engine_worker_next_event(struct engine_worker *w);
void engine_event_free(struct engine_event *ev);
/* Cancels, joins the thread, frees everything. NULL is fine. */
void engine_worker_stop(struct engine_worker *w);

#endif
