/* imap: IMAP sessions on libetpan's low-level mailimap_* API, over net's
 * verified TLS: login, folder list with SPECIAL-USE roles, STATUS, QUOTA,
 * and folder sync (QRESYNC, else CONDSTORE, else a UID FLAGS resync) into
 * a model_mailbox. No UI, no printing; libetpan types stay inside. */
#ifndef TERN_IMAP_H
#define TERN_IMAP_H

#include <stddef.h>
#include <stdint.h>

#include "../lib/lib.h"
#include "../model/model.h"
#include "../net/net.h"
#include "../store/store.h"

struct imap_session;

/* Connects, secures, logs in (COMPRESS=DEFLATE after it when offered,
 * unless server->no_compress). NULL with err set on failure. */
struct imap_session *imap_session_open(const struct net_server *server, const struct net_login *login,
                                       struct lib_error *err);
/* LOGOUT (best effort) and free; NULL is fine. */
void imap_session_close(struct imap_session *session);
/* 1 once a reply could not be parsed: the session is of no more use
 * (every later command fails), open a new one. */
int imap_session_broken(const struct imap_session *session);
/* Which sync the session can do: "QRESYNC", "CONDSTORE" or "plain". */
const char *imap_session_sync_mode(const struct imap_session *session);
/* 1 when the session is compressed (COMPRESS=DEFLATE, RFC 4978). */
int imap_session_compressed(const struct imap_session *session);
/* The bytes the session read from and wrote to the server (inside TLS,
 * compressed when it is), and what the reads inflated to. */
void imap_session_traffic(const struct imap_session *session, uint64_t *wire_in, uint64_t *wire_out,
                          uint64_t *plain_in);
/* One line on how the session talks: "TLSv1.3 TLS_AES_256_GCM_SHA384,
 * COMPRESS=DEFLATE, QRESYNC" (for tern -v), appended to out. */
void imap_session_describe(const struct imap_session *session, struct buf *out);
/* The server's capabilities after login, space-separated and sanitized
 * ("IMAP4rev1 IDLE AUTH=PLAIN ..."), appended to out. */
void imap_session_capabilities(const struct imap_session *session, struct buf *out);
/* The [ALERT] texts the server sent since the last call (RFC 3501 7.1:
 * they MUST be shown to the user), sanitized, one per line; NULL when
 * none. Caller frees. */
char *imap_session_take_alerts(struct imap_session *session);
/* For tests and diagnostics: do not use QRESYNC / CONDSTORE even when
 * offered. */
void imap_session_limit_sync(struct imap_session *session, int no_qresync, int no_condstore);

enum imap_role {
	IMAP_ROLE_SENT = 1 << 0,
	IMAP_ROLE_DRAFTS = 1 << 1,
	IMAP_ROLE_TRASH = 1 << 2,
	IMAP_ROLE_JUNK = 1 << 3,
	IMAP_ROLE_ARCHIVE = 1 << 4,
	IMAP_ROLE_ALL = 1 << 5,
	IMAP_ROLE_FLAGGED = 1 << 6,
};

struct imap_folder {
	char *name;        /* UTF-8, decoded from modified UTF-7 */
	char *wire_name;   /* as the server spells it, for commands */
	unsigned roles;    /* enum imap_role, from SPECIAL-USE */
	int noselect;
	int subscribed;
	char delimiter;
};

/* LIST "" "*" and LSUB "" "*". The caller frees with imap_folder_list_free. */
int imap_folder_list(struct imap_session *session, struct imap_folder **folders, size_t *count,
                     struct lib_error *err);
void imap_folder_list_free(struct imap_folder *folders, size_t count);

struct imap_status {
	uint32_t messages, unseen, recent;
};
int imap_folder_status(struct imap_session *session, const char *wire_name, struct imap_status *status,
                       struct lib_error *err);
/* GETQUOTAROOT INBOX, storage resource. Returns 1 with the numbers, 0 when
 * the server has no QUOTA or no storage limit, -1 on error. */
int imap_quota(struct imap_session *session, uint64_t *used_kb, uint64_t *limit_kb, struct lib_error *err);

/* Progress of a header download: done of total new messages; called
 * after each batch, when mbox holds the messages fetched so far. */
typedef void imap_progress_cb(void *ctx, size_t done, size_t total);

/* Brings mbox (holding the cached summaries, state their sync state, both
 * possibly empty) in step with the server's folder wire_name: flag changes,
 * expunged messages, then the headers of new ones, newest first in
 * batches. A changed UIDVALIDITY empties mbox and sets *reset. On return
 * state holds the new UIDVALIDITY, UIDNEXT and HIGHESTMODSEQ. Returns how
 * many summaries changed (added, removed, re-flagged; 0: the cache is
 * already right), or -1 with err; mbox stays consistent either way.
 * IMAP_SYNC_AGAIN (with err) says the folder changed under the sync
 * (another client expunged, so the sequence numbers it used moved): mbox
 * is only partly updated, and the caller runs the sync again from the
 * cache. */
#define IMAP_SYNC_AGAIN (-2)
int imap_folder_sync(struct imap_session *session, const char *wire_name, struct store_folder_state *state,
                     struct model_mailbox *mbox, int *reset, imap_progress_cb *progress, void *progress_ctx,
                     struct lib_error *err);

/* The whole message uid of folder wire_name, appended to out, fetched
 * with BODY.PEEK[] so reading never sets \Seen by itself. Returns 0, or
 * -1 with err (a message that vanished is LIB_ERR_SERVER). */
int imap_message_fetch(struct imap_session *session, const char *wire_name, uint32_t uid, struct buf *out,
                       struct lib_error *err);
/* UID STORE: adds (add non-zero) or removes the model flags (SEEN,
 * ANSWERED, FLAGGED, DELETED, DRAFT) of n uids in wire_name, as one
 * command with a compressed UID set. */
int imap_messages_store_flags(struct imap_session *session, const char *wire_name, const uint32_t *uids, size_t n,
                              unsigned flags, int add, struct lib_error *err);
/* UID EXPUNGE (UIDPLUS) of exactly these uids. Without UIDPLUS a plain
 * EXPUNGE, when UID SEARCH DELETED finds no \Deleted message but these;
 * else nothing is done and it returns -1 - N (N > 0: how many other
 * messages EXPUNGE would remove too) with err saying so: the caller may
 * ask and call imap_folder_expunge. */
int imap_messages_expunge(struct imap_session *session, const char *wire_name, const uint32_t *uids, size_t n,
                          struct lib_error *err);
/* A plain EXPUNGE of wire_name: every message marked \Deleted goes. */
int imap_folder_expunge(struct imap_session *session, const char *wire_name, struct lib_error *err);
/* UID COPY, or with move UID MOVE when offered, else COPY + \Deleted +
 * UID EXPUNGE of exactly these uids. target is a wire name. */
int imap_messages_copy(struct imap_session *session, const char *wire_name, const uint32_t *uids, size_t n,
                       const char *target, int move, struct lib_error *err);
/* After imap_messages_copy: the uid each of uids got in the target, from
 * the server's COPYUID (RFC 4315), into dest[i] (0 when the server did
 * not say: no UIDPLUS). Returns how many are known. */
size_t imap_messages_copied(const struct imap_session *session, const uint32_t *uids, size_t n, uint32_t *dest);
enum imap_folder_op { IMAP_FOLDER_CREATE, IMAP_FOLDER_RENAME, IMAP_FOLDER_DELETE, IMAP_FOLDER_SUBSCRIBE,
	IMAP_FOLDER_UNSUBSCRIBE };
/* CREATE (and SUBSCRIBE), RENAME to new_name, DELETE, SUBSCRIBE or
 * UNSUBSCRIBE a folder; names are wire names. */
int imap_folder_change(struct imap_session *session, enum imap_folder_op op, const char *wire_name,
                       const char *new_name, struct lib_error *err);

/* The folder wire names with a SPECIAL-USE role (IMAP_ROLE_TRASH...), or
 * NULL (caller frees) — from LIST. */
char *imap_folder_with_role(struct imap_session *session, unsigned role, struct lib_error *err);

/* CREATEs (and SUBSCRIBEs) folder name (UTF-8) for role (IMAP_ROLE_SENT...):
 * with RFC 6154's CREATE-SPECIAL-USE the server marks it with the role.
 * Returns its wire name (caller frees), or NULL with err. */
char *imap_folder_create_role(struct imap_session *session, const char *name, unsigned role, struct lib_error *err);

/* The search keys (RFC 3501 section 6.4.4) of the part of pattern only
 * the server can answer (model_pattern_server_part), with its and, OR
 * and NOT, e.g. "OR BODY \"a\" NOT TEXT \"b\"". Text with 8-bit bytes
 * or line breaks is sent as a literal, "{n}" CRLF and the bytes, which
 * needs the server's continuation before the rest is sent, and the keys
 * then start with "CHARSET UTF-8 ". NULL when the pattern needs no
 * server; else the caller frees the result (imap-search.c). */
char *imap_search_criteria(const struct model_pattern *pattern);
/* UID SEARCH criteria (IMAP syntax, e.g. from imap_search_criteria)
 * in wire_name; the matching UIDs in *uids (caller frees). A literal in
 * criteria ({n}) is sent as LITERAL+ and refused without it. */
int imap_search(struct imap_session *session, const char *wire_name, const char *criteria, uint32_t **uids,
                size_t *n, struct lib_error *err);

/* APPEND a message (CRLF) to wire_name with the model flags (\Seen for a
 * Sent copy, \Draft for a draft). */
int imap_append(struct imap_session *session, const char *wire_name, const char *message, size_t len,
                unsigned flags, struct lib_error *err);

/* SELECTs wire_name again even when it is selected: a new view of it,
 * for servers that never tell a selected session about new mail. */
int imap_folder_refresh(struct imap_session *session, const char *wire_name, struct lib_error *err);

/* SELECTs wire_name (if it is not selected) and gives its UIDVALIDITY. */
int imap_folder_uidvalidity(struct imap_session *session, const char *wire_name, uint32_t *uidvalidity,
                            struct lib_error *err);

/* Waits for news of the selected folder with IDLE (RFC 2177) for at most
 * seconds, or until wake_fd (> 0) turns readable. Returns 1 when the server
 * reported changes (resync now), 0 on timeout or wake, -1 with err. A
 * server without IDLE just sleeps (the caller then polls by resyncing). */
int imap_idle(struct imap_session *session, int seconds, int wake_fd, struct lib_error *err);

/* Modified UTF-7 (RFC 3501 5.1.3) to UTF-8 and back. Invalid input is
 * returned as it is. The caller frees the result. */
char *imap_utf7_decode(const char *wire);
char *imap_utf7_encode(const char *utf8);

/* Writes "libetpan MAJOR.MINOR" into out. */
void imap_library_version(char *out, unsigned size);

#endif
