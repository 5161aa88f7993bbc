/* engine: turns an account of the mailrc into working sessions: finds its
 * credentials, opens its header cache, connects, syncs folders through the
 * cache. The headless modes call it directly; the TUI will run the same
 * calls on one worker thread per account. No printing: warnings, prompts
 * and progress go through struct engine_hooks. */
#ifndef TERN_ENGINE_H
#define TERN_ENGINE_H

#include "../conf/conf.h"
#include "../imap/imap.h"
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
};

/* The server an account uses for reading mail, as "imaps://host:993",
 * or its SMTP server when it reads none; NULL when it has no server.
 * Used to name the server in every error line. Caller frees. */
char *engine_account_server(const struct conf_account *account);
/* "account NAME, server URL: TEXT": the one line every failure prints.
 * Caller frees. */
char *engine_error_line(const struct conf_account *account, const struct lib_error *err);

/* The login name: user, else the address in from; NULL when neither.
 * Caller frees. */
char *engine_account_user(const struct conf *conf, const struct conf_account *account);
/* Path of the account's header cache file. Caller frees. */
char *engine_cache_path(const struct conf *conf, const struct conf_account *account);

/* Opens the account's IMAP session (and its cache unless no_cache). */
int engine_imap_open(struct engine_account *ea, struct lib_error *err);
/* Loads the folder from the cache into mbox (empty), syncs it with the
 * server, and writes the cache back. folder is the server's name. */
int engine_folder_sync(struct engine_account *ea, const char *folder, struct model_mailbox *mbox,
                       struct lib_error *err);
void engine_account_close(struct engine_account *ea);

#endif
