/* engine-account.h: an account of the mailrc at work, for the headless
 * modes (cli) and the worker: credentials, the one error line naming
 * account and server, POP3 downloads, and what --check and -H ask of a
 * folder. The account is opaque: its sessions and cache are the
 * engine's. No printing: warnings, prompts and progress go through
 * struct engine_hooks. */
#ifndef TERN_ENGINE_ACCOUNT_H
#define TERN_ENGINE_ACCOUNT_H

#include "../conf/conf.h"
#include "../lib/lib.h"
#include "../model/model.h"

struct engine_hooks {
	/* Asks the user for a secret without echo; NULL when there is no one
	 * to ask (then a missing password is an error). Caller frees. */
	char *(*ask_secret)(void *ctx, const char *prompt);
	/* A one-line warning the user should see (a rebuilt cache...). */
	void (*warn)(void *ctx, const char *line);
	/* Header download progress. */
	void (*progress)(void *ctx, const char *folder, size_t done, size_t total);
	/* When not NULL, each line of a dialogue (tern -v), sanitized,
	 * credentials masked. */
	void (*trace)(void *ctx, const char *line);
	void *ctx;
};

struct engine_account;
struct engine_folder_row; /* engine-folder.h */

/* An account at work, not connected yet; hooks (copied; NULL: none) say
 * where warnings and prompts go. The switches for tests and diagnostics
 * come from the environment: TERN_NO_CACHE, TERN_NO_QRESYNC,
 * TERN_NO_CONDSTORE (set to anything but 0). Free with
 * engine_account_free, which closes what it opened (NULL is fine). */
struct engine_account *engine_account_new(const struct conf *conf, const struct conf_account *account,
                                          const struct engine_hooks *hooks);
void engine_account_free(struct engine_account *ea);

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

/* The account's Maildir: maildir, else $XDG_DATA_HOME/tern/ACCOUNT.
 * Caller frees. */
char *engine_account_maildir(const struct conf *conf, const struct conf_account *account);
/* The mailbox read with no mailrc at all: $MAIL when it is set and
 * exists, else ~/Maildir when it exists; NULL with err. Caller frees. */
char *engine_default_mailbox(struct lib_error *err);

/* engine_account_folders's flags. */
enum {
	ENGINE_FOLDERS_COUNTS = 1 << 0,     /* each folder's counts (STATUS) */
	ENGINE_FOLDERS_SUBSCRIBED = 1 << 1, /* only the subscribed folders */
	ENGINE_FOLDERS_NEW = 1 << 2,        /* with COUNTS: the new ones among the unseen too (fresh) */
	/* a folder whose counts the server refuses is listed without them,
	 * and a lost connection ends the list early, rather than failing */
	ENGINE_FOLDERS_BEST_EFFORT = 1 << 3,
};
/* The account's selectable folders on its IMAP server (opening the
 * session when it is not open), in the server's order, into *rows (the
 * caller frees them with engine_folder_rows_free, also on failure: the
 * rows so far, or NULL). 0; 1 with BEST_EFFORT when the connection was
 * lost after the list (err says so; the rows so far); -1 with err. */
int engine_account_folders(struct engine_account *ea, unsigned flags, struct engine_folder_row **rows, size_t *count,
                           struct lib_error *err);
/* The account's storage quota: 1 with the numbers, 0 when the server
 * has no QUOTA or no storage limit, -1 with err. */
int engine_account_quota(struct engine_account *ea, uint64_t *used_kb, uint64_t *limit_kb, struct lib_error *err);
/* Reads folder (UTF-8) of the account's IMAP server into mbox (empty)
 * through the header cache, as the reader opens it (tern -H). 0, or -1
 * with err. */
int engine_folder_read(struct engine_account *ea, const char *folder, struct model_mailbox *mbox,
                       struct lib_error *err);
/* A folder on this machine (a Maildir or an mbox; path NULL: the
 * default mailbox) read into mbox, through the cache of local folders
 * unless TERN_NO_CACHE (its warnings go to hooks, which may be NULL).
 * 0, or -1 with err: LIB_ERR_DATA missing or not a folder,
 * LIB_ERR_TEMPORARY an mbox locked, else I/O. */
int engine_local_read(const char *path, const struct engine_hooks *hooks, struct model_mailbox *mbox,
                      struct lib_error *err);

/* Downloads the account's POP3 mail into its Maildir with its settings
 * (pop_fetch); warnings go to the warn hook. result is pop.h's. */
struct pop_fetch_result;
int engine_pop_fetch(struct engine_account *ea, struct pop_fetch_result *result, struct lib_error *err);
/* The same listing without downloading or deleting (--check), as a row
 * for INBOX: messages on the server, fresh the ones not downloaded yet
 * (the caller frees inbox->name). */
int engine_pop_check(struct engine_account *ea, struct engine_folder_row *inbox, struct lib_error *err);

#endif
