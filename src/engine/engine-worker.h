/* engine-worker.h: one worker thread per account for the reader
 * (engine-worker.c). The UI queues jobs (engine_worker_<job>) and reads
 * typed events back (engine_worker_next_event); it never blocks on the
 * network. */
#ifndef TERN_ENGINE_WORKER_H
#define TERN_ENGINE_WORKER_H

#include "engine-account.h"
#include "engine-drafts.h"
#include "engine-folder.h"

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

struct engine_worker;

/* Starts the worker of account; it writes a byte to wake_fd whenever an
 * event is ready. Warnings arrive as ENGINE_EV_NOTICE events. The
 * switches of engine_account_new come from the environment too. */
struct engine_worker *engine_worker_start(const struct conf *conf, const struct conf_account *account,
                                          int wake_fd);
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
/* Queues a job: the server's part of pattern (model_pattern_needs_server)
 * searched in folder; DONE or ERROR, with result.search (token: the
 * caller's), the uids for model_pattern_set_server_uids. */
void engine_worker_search(struct engine_worker *w, const char *folder, const struct model_pattern *pattern,
                          int token);
/* Queues a job: the account's folder list; with counts, every folder's
 * STATUS too (for the folder browser). */
void engine_worker_list_folders(struct engine_worker *w, int counts);
/* Queues a job: create, rename (to new_name), delete, subscribe or
 * unsubscribe folder (UTF-8 names); ends in DONE or ERROR. */
void engine_worker_folder_change(struct engine_worker *w, enum engine_folder_op op, const char *folder,
                                 const char *new_name);
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
