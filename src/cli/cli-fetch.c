/* tern --fetch: downloads the mail of POP3 accounts into their Maildirs
 * (the account given with -A, else every account with a pop3 server)
 * and prints one line per account:
 *     isp: 3 new, 12 stayed on the server, 3 removed from the server
 * Errors are one line on stderr naming account and server; the exit
 * status is that of the first failure (69 unreachable, 77 TLS or login
 * refused, 74 the Maildir or state file could not be written). */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "../pop/pop.h"

#define EXIT_IOERR 74 /* sysexits EX_IOERR: lib has no class for local I/O */

struct fetch_account {
	const struct conf *conf;
	const struct conf_account *account;
};

/* "pop3s://host:995" of the account. Caller frees. */
static char *pop3_url(const struct conf_account *account)
{
	const struct conf_url *url = &account->pop3;
	int v6 = strchr(url->host, ':') != NULL;
	return xasprintf("%s://%s%s%s:%u", conf_scheme_name(url->scheme), v6 ? "[" : "", url->host, v6 ? "]" : "",
	                 url->port);
}

static void warn(void *ctx, const char *text)
{
	struct fetch_account *fa = ctx;
	char *line = xasprintf("account %s: %s", fa->account->name, text);
	cli_hooks.warn(cli_hooks.ctx, line);
	free(line);
}

/* The account's Maildir: maildir, else $XDG_DATA_HOME/tern/ACCOUNT.
 * Caller frees. */
static char *account_maildir(const struct conf *conf, const struct conf_account *account)
{
	const char *maildir = conf_get(conf, account, CONF_K_MAILDIR);
	if (maildir)
		return lib_path_expand(maildir);
	char *data = lib_path_data_home();
	char *path = xasprintf("%s/tern/%s", data, account->name);
	free(data);
	return path;
}

/* Prints err as the one line naming account and server; returns the
 * exit code. */
static int fail(const struct conf_account *account, const struct lib_error *err, int local_failure)
{
	char *url = pop3_url(account);
	fprintf(stderr, "tern: account %s, server %s: %s\n", account->name, url, err->text);
	free(url);
	return local_failure ? EXIT_IOERR : lib_error_exit_code(err->cls);
}

/* Fetches one account; returns its exit code. */
static int fetch_account(const struct conf *conf, const struct conf_account *account)
{
	struct fetch_account fa = { conf, account };
	struct lib_error err = { 0 };
	struct pop_fetch_result result;

	char *user = engine_account_user(conf, account);
	if (!user) {
		lib_error_set(&err, LIB_ERR_CONFIG, "no login name: set user or from for account %s", account->name);
		return fail(account, &err, 0);
	}
	int keep = conf_get_bool(conf, account, CONF_K_POP3_KEEP);
	long days = conf_get_number(conf, account, CONF_K_POP3_DELETE_AFTER);
	if (keep && days > 0)
		warn(&fa, "pop3-delete-after is ignored: pop3-keep yes keeps every message on the server");
	const char *ca_file = conf_get(conf, account, CONF_K_TLS_CA_FILE);
	char *ca_path = ca_file ? lib_path_expand(ca_file) : NULL;
	char *maildir = account_maildir(conf, account);
	struct pop_server server = {
		.host = account->pop3.host,
		.port = account->pop3.port,
		.implicit_tls = account->pop3.implicit_tls,
		.tls_off = !conf_get_bool(conf, account, CONF_K_TLS),
		.tls = { ca_path, conf_get(conf, account, CONF_K_TLS_FINGERPRINT) },
		.timeout = (int)conf_get_number(conf, account, CONF_K_TIMEOUT),
		.cancel_fd = 0,
	};
	struct engine_account ea = { .conf = conf, .account = account, .hooks = cli_hooks };
	struct pop_login login = { user, engine_get_secret, &ea };
	struct pop_fetch_options options = {
		.maildir = maildir,
		.account = account->name,
		.keep = keep,
		.delete_after_days = days,
		.warn = warn,
		.ctx = &fa,
	};
	int r = pop_fetch(&server, &login, &options, &result, &err);
	if (result.listed)
		printf("%s: %zu new, %zu stayed on the server, %zu removed from the server\n", account->name,
		       result.downloaded, result.stayed, result.removed);
	free(ca_path);
	free(maildir);
	free(user);
	return r == 0 ? 0 : fail(account, &err, result.local_failure);
}

int cli_fetch(const struct conf *conf, const char *account_name)
{
	size_t fetched = 0;
	int rc = 0;

	for (size_t i = 0; i < conf->naccounts; i++) {
		const struct conf_account *account = &conf->accounts[i];
		if (account_name && strcmp(account->name, account_name) != 0)
			continue;
		if (account->pop3.scheme == CONF_URL_NONE) {
			if (!account_name)
				continue;
			fprintf(stderr, "tern: account %s has no pop3 server: --fetch downloads POP3 mail only\n",
			        account->name);
			return lib_error_exit_code(LIB_ERR_CONFIG);
		}
		int code = fetch_account(conf, account);
		fflush(stdout);
		if (code && !rc)
			rc = code;
		fetched++;
	}
	if (!fetched) {
		fprintf(stderr, "tern: no account in %s has a pop3 server\n", conf->path);
		return lib_error_exit_code(LIB_ERR_CONFIG);
	}
	if (fflush(stdout) != 0 && rc == 0)
		rc = EXIT_IOERR;
	return rc;
}
