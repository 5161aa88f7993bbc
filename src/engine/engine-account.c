/* An account at work: credentials, cache, IMAP session, folder sync. */
#include "engine-private.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../store/store.h"

static int env_flag(const char *name)
{
	const char *value = getenv(name);
	return value && *value && strcmp(value, "0") != 0;
}

void engine_options_from_env(struct engine_account *ea)
{
	ea->no_cache = env_flag("TERN_NO_CACHE");
	ea->no_qresync = env_flag("TERN_NO_QRESYNC");
	ea->no_condstore = env_flag("TERN_NO_CONDSTORE");
}

struct engine_account *engine_account_new(const struct conf *conf, const struct conf_account *account,
                                          const struct engine_hooks *hooks)
{
	struct engine_account *ea = xcalloc(1, sizeof(*ea));
	ea->conf = conf;
	ea->account = account;
	if (hooks)
		ea->hooks = *hooks;
	engine_options_from_env(ea);
	return ea;
}

void engine_account_free(struct engine_account *ea)
{
	if (!ea)
		return;
	engine_account_close(ea);
	free(ea);
}

static char *url_text(const struct conf_url *url)
{
	if (url->scheme == CONF_URL_NONE)
		return NULL;
	int v6 = strchr(url->host, ':') != NULL;
	return xasprintf("%s://%s%s%s:%u", conf_scheme_name(url->scheme), v6 ? "[" : "", url->host, v6 ? "]" : "",
	                 url->port);
}

char *engine_account_server(const struct conf_account *account)
{
	const struct conf_url *urls[] = { &account->imap, &account->pop3, &account->smtp };

	for (size_t i = 0; i < LIB_ARRAY_LEN(urls); i++)
		if (urls[i]->scheme != CONF_URL_NONE)
			return url_text(urls[i]);
	return NULL;
}

static char *error_line(const struct conf_account *account, char *server, const struct lib_error *err)
{
	char *line = server ? xasprintf("account %s, server %s: %s", account->name, server, err->text)
	                    : xasprintf("account %s: %s", account->name, err->text);
	free(server);
	return line;
}

char *engine_error_line(const struct conf_account *account, const struct lib_error *err)
{
	return error_line(account, engine_account_server(account), err);
}

char *engine_error_line_smtp(const struct conf_account *account, const struct lib_error *err)
{
	return error_line(account, url_text(&account->smtp), err);
}

char *engine_account_user(const struct conf *conf, const struct conf_account *account)
{
	const char *user = conf_get(conf, account, CONF_K_USER);
	const char *from = conf_get(conf, account, CONF_K_FROM);

	if (user)
		return xstrdup(user);
	if (!from)
		return NULL;
	const char *open = strrchr(from, '<');
	if (!open)
		return xstrdup(from);
	const char *close = strchr(open, '>');
	return xstrndup(open + 1, close ? (size_t)(close - open - 1) : strlen(open + 1));
}

char *engine_cache_path(const struct conf *conf, const struct conf_account *account)
{
	return store_path_make(conf_get(conf, NULL, CONF_K_CACHE_DIR), account->name);
}

/* Runs command with sh and returns the first line of its output; NULL
 * with err naming the command when it fails or prints nothing. */
static char *run_secret_command(const char *key, const char *command, struct lib_error *err)
{
	struct lib_child child;
	if (lib_run_start(command, LIB_RUN_READ, &child) < 0) {
		lib_error_set(err, LIB_ERR_CONFIG, "%s \"%s\" could not be started: %s", key, command, strerror(errno));
		return NULL;
	}
	/* the first line is the secret; the rest is read (so the command does
	 * not die of SIGPIPE) and wiped; no stdio or realloc'd buffer keeps a copy */
	char chunk[256], secret[4096];
	size_t len = 0;
	int line_done = 0;
	ssize_t n;
	while ((n = read(child.fd, chunk, sizeof(chunk))) > 0 || (n < 0 && errno == EINTR)) {
		for (ssize_t i = 0; i < n && !line_done; i++) {
			if (chunk[i] == '\n')
				line_done = 1;
			else if (len < sizeof(secret))
				secret[len++] = chunk[i];
		}
	}
	explicit_bzero(chunk, sizeof(chunk));
	int status = lib_run_wait(&child);
	while (len > 0 && secret[len - 1] == '\r')
		len--;
	char *line = status == 0 && len > 0 ? xstrndup(secret, len) : NULL;
	explicit_bzero(secret, sizeof(secret));
	if (status != 0)
		lib_error_set(err, LIB_ERR_CONFIG, "%s \"%s\" failed (exit status %d)", key, command,
		              WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	else if (!line)
		lib_error_set(err, LIB_ERR_CONFIG, "%s \"%s\" printed nothing", key, command);
	return line;
}

char *engine_get_secret(void *data, int *is_oauth2, struct lib_error *err)
{
	struct engine_account *ea = data;
	const char *password = conf_get(ea->conf, ea->account, CONF_K_PASSWORD);
	const char *command = conf_get(ea->conf, ea->account, CONF_K_PASSWORD_COMMAND);
	const char *oauth2 = conf_get(ea->conf, ea->account, CONF_K_OAUTH2_TOKEN_COMMAND);

	*is_oauth2 = 0;
	if (oauth2) {
		*is_oauth2 = 1;
		return run_secret_command("oauth2-token-command", oauth2, err);
	}
	if (password)
		return xstrdup(password);
	if (command)
		return run_secret_command("password-command", command, err);
	if (ea->asked) { /* the second login of a send takes the kept copy */
		char *secret = ea->asked;
		ea->asked = NULL;
		return secret;
	}
	if (ea->hooks.ask_secret) {
		char *prompt = xasprintf("Password for %s: ", ea->account->name);
		char *secret = ea->hooks.ask_secret(ea->hooks.ctx, prompt);
		free(prompt);
		if (secret && ea->keep_asked)
			ea->asked = xstrdup(secret);
		if (secret)
			return secret;
	}
	lib_error_set(err, LIB_ERR_AUTH, "no password: set password or password-command for account %s",
	              ea->account->name);
	return NULL;
}

static void warn(struct engine_account *ea, const char *text)
{
	if (ea->hooks.warn) {
		char *line = xasprintf("account %s: %s", ea->account->name, text);
		ea->hooks.warn(ea->hooks.ctx, line);
		free(line);
	}
}

int engine_imap_open(struct engine_account *ea, struct lib_error *err)
{
	const struct conf_url *url = &ea->account->imap;

	if (url->scheme == CONF_URL_NONE) {
		lib_error_set(err, LIB_ERR_CONFIG, "account %s has no imap server", ea->account->name);
		return -1;
	}
	if (!ea->no_cache && !ea->store) {
		char *path = engine_cache_path(ea->conf, ea->account);
		char *warning = NULL, *cause = NULL;
		ea->store = store_open(path, &warning, &cause);
		if (warning)
			warn(ea, warning);
		if (!ea->store && cause) {
			char *text = xasprintf("running without the header cache: %s", cause);
			warn(ea, text);
			free(text);
		}
		free(warning);
		free(cause);
		free(path);
	}
	char *user = engine_account_user(ea->conf, ea->account);
	if (!user) {
		lib_error_set(err, LIB_ERR_CONFIG, "no login name: set user or from for account %s", ea->account->name);
		return -1;
	}
	const char *ca_file = conf_get(ea->conf, ea->account, CONF_K_TLS_CA_FILE);
	char *ca_path = ca_file ? lib_path_expand(ca_file) : NULL;
	struct net_server server = {
		.host = url->host,
		.port = url->port,
		.implicit_tls = url->implicit_tls,
		.tls_off = !conf_get_bool(ea->conf, ea->account, CONF_K_TLS),
		.tls = { .ca_file = ca_path, .fingerprint = conf_get(ea->conf, ea->account, CONF_K_TLS_FINGERPRINT) },
		.timeout = (int)conf_get_number(ea->conf, ea->account, CONF_K_TIMEOUT),
		.cancel_fd = ea->cancel_fd,
		.no_compress = !conf_get_bool(ea->conf, ea->account, CONF_K_COMPRESS),
	};
	struct net_login login = { .user = user, .get_secret = engine_get_secret, .ctx = ea };
	ea->imap = imap_session_open(&server, &login, err);
	free(ca_path);
	free(user);
	if (!ea->imap)
		return -1;
	imap_session_limit_sync(ea->imap, ea->no_qresync, ea->no_condstore);
	engine_account_alerts(ea);
	if (ea->hooks.trace) { /* tern -v */
		struct buf line = BUF_INIT;
		char *server_name = engine_account_server(ea->account);
		buf_addf(&line, "account %s, %s: ", ea->account->name, server_name);
		imap_session_describe(ea->imap, &line);
		ea->hooks.trace(ea->hooks.ctx, line.data);
		buf_free(&line);
		free(server_name);
	}
	return 0;
}

void engine_account_alerts(struct engine_account *ea)
{
	char *alerts = ea->imap ? imap_session_take_alerts(ea->imap) : NULL;

	/* RFC 3501 7.1: an [ALERT] MUST be shown to the user, one warning
	 * each (already sanitized, one line) */
	for (char *line = alerts, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *text = xasprintf("server alert: %s", line);
		warn(ea, text);
		free(text);
	}
	free(alerts);
}

static void on_progress(void *data, size_t done, size_t total)
{
	struct engine_account *ea = data;
	if (ea->hooks.progress)
		ea->hooks.progress(ea->hooks.ctx, "", done, total);
}

int engine_folder_sync(struct engine_account *ea, const char *folder, struct model_mailbox *mbox,
                       struct lib_error *err)
{
	struct store_folder_state state, cached;
	int reset = 0, changes;

	/* twice when another client expunged under the first sync */
	for (int tries = 0;; tries++) {
		char *warning = NULL;
		memset(&state, 0, sizeof(state));
		if (ea->store && store_folder_read(ea->store, folder, &state, mbox, &warning) < 0) {
			model_mailbox_clear(mbox);
			memset(&state, 0, sizeof(state));
		}
		if (warning) {
			warn(ea, warning);
			free(warning);
		}
		cached = state;
		changes = imap_folder_sync(ea->imap, folder, &state, mbox, &reset, on_progress, ea, err);
		engine_account_alerts(ea);
		if (changes != IMAP_SYNC_AGAIN || tries == 1)
			break;
		model_mailbox_clear(mbox);
		*err = (struct lib_error){ 0 };
	}
	if (changes < 0)
		return -1;
	ea->uidvalidity = state.uidvalidity;
	int same = !reset && changes == 0 && memcmp(&cached, &state, sizeof(state)) == 0;
	if (ea->store && !same) {
		if (reset)
			store_folder_drop(ea->store, folder);
		char *cause = NULL;
		if (store_folder_write(ea->store, folder, &state, mbox, &cause) < 0) {
			char *text = xasprintf("could not update the header cache: %s", cause ? cause : "unknown error");
			warn(ea, text);
			free(text);
		}
		free(cause);
	}
	return 0;
}

int engine_folder_mark_old(struct engine_account *ea, const char *folder, const uint32_t *uids, size_t n,
                           struct lib_error *err)
{
	struct store_folder_state state;
	struct model_mailbox *mbox = model_mailbox_new();
	char *warning = NULL, *cause = NULL;
	size_t changed = 0;
	int rc = 0;

	if (ea->store && store_folder_read(ea->store, folder, &state, mbox, &warning) > 0) {
		for (size_t i = 0; i < n; i++) {
			struct model_summary *s = model_mailbox_find_uid(mbox, uids[i]);
			if (s && (s->flags & MODEL_F_RECENT)) {
				s->flags &= ~(uint32_t)MODEL_F_RECENT;
				changed++;
			}
		}
		if (changed && store_folder_write(ea->store, folder, &state, mbox, &cause) < 0) {
			lib_error_set(err, LIB_ERR_INTERNAL, "could not mark messages old in the header cache: %s",
			              cause ? cause : "unknown error");
			rc = -1;
		}
	}
	free(warning);
	free(cause);
	model_mailbox_free(mbox);
	return rc;
}

static int uid_compare(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

int engine_folder_new_count(struct engine_account *ea, const char *folder, uint32_t unseen, uint32_t *fresh,
                            struct lib_error *err)
{
	struct store_folder_state state;
	struct model_mailbox *mbox = model_mailbox_new();
	char *warning = NULL;
	uint32_t *old = NULL, *found = NULL;
	size_t nold = 0, nfound = 0;
	int rc = 1;

	*fresh = unseen;
	if (!ea->store) {
		rc = 0;
	} else if (unseen && store_folder_read(ea->store, folder, &state, mbox, &warning) > 0) {
		const struct model_summary *all = model_mailbox_summaries(mbox);
		size_t count = model_mailbox_count(mbox);
		old = xmalloc((count ? count : 1) * sizeof(*old));
		for (size_t i = 0; i < count; i++) /* uid order: old stays sorted */
			if (!(all[i].flags & (MODEL_F_SEEN | MODEL_F_RECENT)))
				old[nold++] = all[i].uid;
		/* only the server knows which are still unread: an old message
		 * read elsewhere since is neither new nor old any more */
		if (nold && imap_search(ea->imap, folder, "UNSEEN", &found, &nfound, err) < 0) {
			rc = -1;
		} else if (nold) {
			*fresh = 0;
			for (size_t i = 0; i < nfound; i++)
				*fresh += !bsearch(&found[i], old, nold, sizeof(*old), uid_compare);
		}
	}
	free(warning);
	free(old);
	free(found);
	model_mailbox_free(mbox);
	return rc;
}

void engine_account_close(struct engine_account *ea)
{
	if (ea->imap && ea->hooks.trace) { /* tern -v: what the session cost on the wire */
		uint64_t in, out, plain;
		struct buf line = BUF_INIT;
		imap_session_traffic(ea->imap, &in, &out, &plain);
		buf_addf(&line, "account %s: IMAP %llu bytes received", ea->account->name, (unsigned long long)in);
		if (plain != in)
			buf_addf(&line, " (%llu inflated)", (unsigned long long)plain);
		buf_addf(&line, ", %llu sent", (unsigned long long)out);
		ea->hooks.trace(ea->hooks.ctx, line.data);
		buf_free(&line);
	}
	imap_session_close(ea->imap);
	ea->imap = NULL;
	store_close(ea->store);
	ea->store = NULL;
	if (ea->asked) {
		explicit_bzero(ea->asked, strlen(ea->asked));
		free(ea->asked);
		ea->asked = NULL;
	}
}

/* A folder's row for --check and the browser; 0, or -1 with err. */
static int folder_counts(struct engine_account *ea, const struct imap_folder *folder, unsigned flags,
                         struct engine_folder_row *row, struct lib_error *err)
{
	struct imap_status status = { 0 };

	row->subscribed = flags & ENGINE_FOLDERS_COUNTS ? folder->subscribed : 1;
	if (!(flags & ENGINE_FOLDERS_COUNTS))
		return 0;
	if (imap_folder_status(ea->imap, folder->wire_name, &status, err) < 0)
		return -1;
	row->messages = status.messages;
	row->unseen = status.unseen;
	if (flags & ENGINE_FOLDERS_NEW) {
		int known = engine_folder_new_count(ea, folder->wire_name, status.unseen, &row->fresh, err);
		if (known < 0)
			return -1;
		row->fresh_unknown = !known;
	}
	return 0;
}

int engine_account_folders(struct engine_account *ea, unsigned flags, struct engine_folder_row **rows, size_t *count,
                           struct lib_error *err)
{
	struct imap_folder *folders = NULL;
	size_t nfolders = 0;
	int rc = 0;

	*rows = NULL;
	*count = 0;
	if ((!ea->imap && engine_imap_open(ea, err) < 0) || imap_folder_list(ea->imap, &folders, &nfolders, err) < 0)
		return -1;
	*rows = xcalloc(nfolders ? nfolders : 1, sizeof(**rows));
	for (size_t i = 0; i < nfolders && rc == 0; i++) {
		struct engine_folder_row row = { 0 };
		if (folders[i].noselect || ((flags & ENGINE_FOLDERS_SUBSCRIBED) && !folders[i].subscribed))
			continue;
		if (folder_counts(ea, &folders[i], flags, &row, err) < 0) {
			if (!(flags & ENGINE_FOLDERS_BEST_EFFORT)) {
				rc = -1;
				break;
			}
			if (err->cls == LIB_ERR_CONNECTION) {
				rc = 1;
				break;
			}
			row.messages = row.unseen = 0; /* refused for this one: listed without counts */
			*err = (struct lib_error){ 0 };
		}
		row.name = xstrdup(folders[i].name);
		(*rows)[(*count)++] = row;
	}
	imap_folder_list_free(folders, nfolders);
	return rc;
}

int engine_account_quota(struct engine_account *ea, uint64_t *used_kb, uint64_t *limit_kb, struct lib_error *err)
{
	if (!ea->imap && engine_imap_open(ea, err) < 0)
		return -1;
	return imap_quota(ea->imap, used_kb, limit_kb, err);
}

int engine_folder_read(struct engine_account *ea, const char *folder, struct model_mailbox *mbox,
                       struct lib_error *err)
{
	char *wire = engine_folder_wire(folder);
	struct engine_folder imap = engine_imap_folder(ea);
	int rc = (!ea->imap && engine_imap_open(ea, err) < 0) || imap.ops->sync(imap.backend, wire, mbox, err) < 0 ? -1 : 0;
	free(wire);
	return rc;
}
