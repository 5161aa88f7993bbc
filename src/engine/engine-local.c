/* Local folders in the engine: which folder names are on this machine
 * (a path, a POP3 account's Maildir, the no-mailrc mailbox), POP3
 * downloads with the account's settings, and an open local folder as the
 * worker holds it: its index and the user's actions on it (flags, the
 * deleted mark, expunge, copy or move to another local folder). The
 * worker (engine-worker.c) sends the events. */
#include "engine-private.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../local/local.h"

int engine_folder_is_path(const char *folder)
{
	return folder && (folder[0] == '/' || folder[0] == '~' || folder[0] == '.');
}

/* Folders on a server are named in IMAP's modified UTF-7 (RFC 3501
 * 5.1.3) on the way in and out; a path stays what it is. */
char *engine_folder_wire(const char *name)
{
	return engine_folder_is_path(name) ? xstrdup(name) : imap_utf7_encode(name);
}

char *engine_folder_name(const char *wire)
{
	return engine_folder_is_path(wire) ? xstrdup(wire) : imap_utf7_decode(wire);
}

char *engine_account_maildir(const struct conf *conf, const struct conf_account *account)
{
	const char *maildir = conf_get(conf, account, CONF_K_MAILDIR);
	if (maildir)
		return lib_path_expand(maildir);
	char *data = lib_path_data_home();
	char *path = xasprintf("%s/tern/%s", data, account->name);
	free(data);
	return path;
}

char *engine_default_mailbox(struct lib_error *err)
{
	const char *mail = getenv("MAIL");
	char *maildir = lib_path_expand("~/Maildir");
	struct stat st;

	if (mail && *mail && stat(mail, &st) == 0) {
		free(maildir);
		return xstrdup(mail);
	}
	if (stat(maildir, &st) == 0)
		return maildir;
	if (mail && *mail)
		lib_error_set(err, LIB_ERR_DATA, "no mailrc and no mailbox: neither $MAIL (%s) nor %s exists", mail, maildir);
	else
		lib_error_set(err, LIB_ERR_DATA, "no mailrc and no mailbox: $MAIL is not set and %s does not exist", maildir);
	free(maildir);
	return NULL;
}

char *engine_local_path(const struct conf *conf, const struct conf_account *account, const char *folder)
{
	struct lib_error ignored = { 0 };

	if (engine_folder_is_path(folder))
		return lib_path_expand(folder);
	if (account->imap.scheme != CONF_URL_NONE || strcmp(folder, "INBOX") != 0)
		return NULL;
	if (account->pop3.scheme != CONF_URL_NONE)
		return engine_account_maildir(conf, account);
	char *path = engine_default_mailbox(&ignored);
	return path ? path : lib_path_expand("~/Maildir"); /* opening it says what is missing */
}

static void fetch_warn(void *data, const char *text)
{
	struct engine_account *ea = data;
	if (!ea->hooks.warn)
		return;
	char *line = xasprintf("account %s: %s", ea->account->name, text);
	ea->hooks.warn(ea->hooks.ctx, line);
	free(line);
}

static int pop_run(struct engine_account *ea, int check_only, struct pop_fetch_result *result, struct lib_error *err)
{
	const struct conf *conf = ea->conf;
	const struct conf_account *account = ea->account;

	memset(result, 0, sizeof(*result));
	char *user = engine_account_user(conf, account);
	if (!user) {
		lib_error_set(err, LIB_ERR_CONFIG, "no login name: set user or from for account %s", account->name);
		return -1;
	}
	int keep = conf_get_bool(conf, account, CONF_K_POP3_KEEP);
	long days = conf_get_number(conf, account, CONF_K_POP3_DELETE_AFTER);
	if (keep && days > 0 && !check_only)
		fetch_warn(ea, "pop3-delete-after is ignored: pop3-keep yes keeps every message on the server");
	const char *ca_file = conf_get(conf, account, CONF_K_TLS_CA_FILE);
	char *ca_path = ca_file ? lib_path_expand(ca_file) : NULL;
	char *maildir = engine_account_maildir(conf, account);
	struct net_server server = {
		.host = account->pop3.host,
		.port = account->pop3.port,
		.implicit_tls = account->pop3.implicit_tls,
		.tls_off = !conf_get_bool(conf, account, CONF_K_TLS),
		.tls = { .ca_file = ca_path, .fingerprint = conf_get(conf, account, CONF_K_TLS_FINGERPRINT) },
		.timeout = (int)conf_get_number(conf, account, CONF_K_TIMEOUT),
		.cancel_fd = ea->cancel_fd,
	};
	struct net_login login = { user, engine_get_secret, ea,
	                           .apop = conf_get_bool(ea->conf, ea->account, CONF_K_POP3_APOP) };
	struct pop_fetch_options options = {
		.maildir = maildir,
		.account = account->name,
		.keep = keep,
		.delete_after_days = days,
		.check_only = check_only,
		.warn = fetch_warn,
		.ctx = ea,
	};
	int rc = pop_fetch(&server, &login, &options, result, err);
	free(ca_path);
	free(maildir);
	free(user);
	return rc;
}

int engine_pop_fetch(struct engine_account *ea, struct pop_fetch_result *result, struct lib_error *err)
{
	return pop_run(ea, 0, result, err);
}

int engine_pop_check(struct engine_account *ea, struct engine_folder_row *inbox, struct lib_error *err)
{
	struct pop_fetch_result result;

	memset(inbox, 0, sizeof(*inbox));
	if (pop_run(ea, 1, &result, err) < 0)
		return -1;
	inbox->name = xstrdup("INBOX");
	inbox->subscribed = 1;
	inbox->messages = (uint32_t)result.on_server;
	inbox->fresh = (uint32_t)result.fresh;
	inbox->fresh_unknown = result.by_header_hash;
	return 0;
}

int engine_local_read(const char *path, const struct engine_hooks *hooks, struct model_mailbox *mbox,
                      struct lib_error *err)
{
	char *full = path ? lib_path_expand(path) : engine_default_mailbox(err);
	struct engine_account options = { 0 };
	struct store *cache = NULL;

	if (!full)
		return -1;
	engine_options_from_env(&options);
	if (!options.no_cache) {
		/* the cache of local folders: tern -H reads each file only once */
		char *cache_path = store_path_make(NULL, "local"), *warning = NULL, *cause = NULL;
		cache = store_open(cache_path, &warning, &cause);
		if (warning && hooks && hooks->warn)
			hooks->warn(hooks->ctx, warning);
		free(warning);
		free(cause);
		free(cache_path);
	}
	struct local_folder *folder = local_folder_open(full, err);
	local_folder_set_cache(folder, cache);
	int rc = folder && local_folder_load(folder, mbox, err) == 0 ? 0 : -1;
	local_folder_close(folder);
	store_close(cache);
	free(full);
	return rc;
}

/* ---- an open local folder ---- */

struct engine_local {
	char *name; /* as the UI named it */
	struct local_folder *folder;
	struct model_mailbox *mbox; /* what the UI was last sent */
};

struct engine_local *engine_local_open(const char *name, const char *path, int make_maildir, struct store *cache,
                                       struct lib_error *err)
{
	char *why = NULL;

	if (make_maildir && local_maildir_make(path, &why) < 0) {
		lib_error_set(err, LIB_ERR_INTERNAL, "%s", why);
		free(why);
		return NULL;
	}
	struct local_folder *folder = local_folder_open(path, err);
	if (!folder)
		return NULL;
	local_folder_set_cache(folder, cache);
	struct engine_local *l = xcalloc(1, sizeof(*l));
	l->name = xstrdup(name);
	l->folder = folder;
	l->mbox = model_mailbox_new();
	return l;
}

void engine_local_close(struct engine_local *l)
{
	if (!l)
		return;
	local_folder_close(l->folder);
	model_mailbox_free(l->mbox);
	free(l->name);
	free(l);
}

const char *engine_local_name(const struct engine_local *l)
{
	return l->name;
}

int engine_local_is_mbox(const struct engine_local *l)
{
	return local_folder_kind(l->folder) == LOCAL_MBOX;
}

int engine_local_message(struct engine_local *l, uint32_t uid, struct buf *out, struct lib_error *err)
{
	return local_folder_message(l->folder, uid, out, err);
}

/* Writes flags (add or remove) of each message; stops at the first
 * failure. */
static int store_flags(struct engine_local *l, const uint32_t *uids, size_t n, unsigned flags, int add,
                       struct lib_error *err)
{
	for (size_t i = 0; i < n; i++) {
		struct model_summary *s = model_mailbox_find_uid(l->mbox, uids[i]);
		if (!s) {
			lib_error_set(err, LIB_ERR_DATA, "message %u is no longer in %s", uids[i], l->name);
			return -1;
		}
		unsigned now = add ? s->flags | flags : s->flags & ~flags;
		/* read or flagged: no longer new (Maildir moves it to cur/) */
		if (now & (MODEL_F_SEEN | MODEL_F_FLAGGED | MODEL_F_ANSWERED | MODEL_F_DELETED))
			now &= ~MODEL_F_RECENT;
		if (local_folder_flags_write(l->folder, uids[i], now, err) < 0)
			return -1;
		s->flags = now;
	}
	return 0;
}

int engine_local_expunge(struct engine_local *l, const uint32_t *uids, size_t n, struct lib_error *err)
{
	if (local_folder_expunge(l->folder, uids, n, err) < 0)
		return -1;
	if (local_folder_kind(l->folder) == LOCAL_MAILDIR)
		model_mailbox_remove_uids(l->mbox, uids, n);
	else
		model_mailbox_clear(l->mbox); /* positions changed: the next load numbers them again */
	return 0;
}

unsigned engine_local_flags(struct engine_local *l, uint32_t uid)
{
	const struct model_summary *s = model_mailbox_find_uid(l->mbox, uid);
	return s ? s->flags : 0;
}

uint32_t engine_local_size(struct engine_local *l, uint32_t uid)
{
	const struct model_summary *s = model_mailbox_find_uid(l->mbox, uid);
	return s ? s->size : 0;
}

/* ---- the open local folder as a folder backend (engine-folder.c) ---- */

static int local_sync(void *backend, const char *folder, struct model_mailbox *mbox, struct lib_error *err)
{
	struct engine_local *l = backend;
	(void)folder;
	if (local_folder_load(l->folder, l->mbox, err) < 0)
		return -1;
	const struct model_summary *all = model_mailbox_summaries(l->mbox);
	size_t count = model_mailbox_count(l->mbox);
	model_mailbox_reserve(mbox, count);
	for (size_t i = 0; i < count; i++)
		model_mailbox_add(mbox, &all[i]);
	return 0;
}

static int local_fetch(void *backend, const char *folder, uint32_t uid, struct buf *out, struct lib_error *err)
{
	(void)folder; /* the backend holds its one folder */
	return engine_local_message(backend, uid, out, err);
}

static unsigned local_flags(void *backend, const char *folder, uint32_t uid)
{
	(void)folder;
	return engine_local_flags(backend, uid);
}

static int local_store(void *backend, const char *folder, const uint32_t *uids, size_t n, unsigned flags, int add,
                       struct lib_error *err)
{
	(void)folder;
	return store_flags(backend, uids, n, flags, add, err);
}

static int local_expunge(void *backend, const char *folder, const uint32_t *uids, size_t n, int all,
                         struct lib_error *err)
{
	(void)folder, (void)all; /* no other tern shares its marks */
	return engine_local_expunge(backend, uids, n, err);
}

static int local_remove(void *backend, const char *folder, const uint32_t *uids, size_t n, struct lib_error *err)
{
	(void)folder;
	return engine_local_expunge(backend, uids, n, err);
}

/* The one folder there is (no server folders), with its counts. */
static int local_list(void *backend, int counts, struct engine_folder_row **rows, size_t *count,
                      struct lib_error *err)
{
	struct engine_local *l = backend;
	struct engine_folder_row *row = xcalloc(1, sizeof(*row));

	if (l && counts && local_folder_load(l->folder, l->mbox, err) == 0) {
		const struct model_summary *all = model_mailbox_summaries(l->mbox);
		row->messages = (uint32_t)model_mailbox_count(l->mbox);
		for (size_t i = 0; i < row->messages; i++)
			row->unseen += !(all[i].flags & MODEL_F_SEEN);
	}
	row->name = xstrdup(l ? l->name : "INBOX");
	row->subscribed = 1;
	*rows = row;
	*count = 1;
	return 0;
}

/* mark-old when the user leaves a folder: a Maildir moves the messages
 * from new/ to cur/, as mutt does; an mbox keeps its Status lines (one
 * rewrite of the file per message would be the cost). */
static int local_mark_old(void *backend, const char *folder, const uint32_t *uids, size_t n, struct lib_error *err)
{
	(void)folder;
	if (engine_local_is_mbox(backend))
		return 0;
	return store_flags(backend, uids, n, MODEL_F_RECENT, 0, err);
}

static const struct engine_folder_ops local_ops = {
	.kind = "local",
	.sync = local_sync,
	.fetch = local_fetch,
	.flags = local_flags,
	.store_flags = local_store,
	.expunge = local_expunge,
	.remove = local_remove,
	.list = local_list,
	.mark_old = local_mark_old,
};

struct engine_folder engine_local_folder(struct engine_local *l)
{
	return (struct engine_folder){ &local_ops, l };
}

void engine_message_crlf(struct buf *out, const char *message, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (message[i] == '\n' && (i == 0 || message[i - 1] != '\r'))
			buf_addch(out, '\r');
		buf_addch(out, message[i]);
	}
}
