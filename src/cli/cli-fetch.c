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

/* "pop3s://host:995" of the account. Caller frees. */
static char *pop3_url(const struct conf_account *account)
{
	const struct conf_url *url = &account->pop3;
	int v6 = strchr(url->host, ':') != NULL;
	return xasprintf("%s://%s%s%s:%u", conf_scheme_name(url->scheme), v6 ? "[" : "", url->host, v6 ? "]" : "",
	                 url->port);
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
	struct engine_account *ea = engine_account_new(conf, account, &cli_hooks);
	struct lib_error err = { 0 };
	struct pop_fetch_result result;

	int r = engine_pop_fetch(ea, &result, &err);
	engine_account_free(ea);
	if (result.listed)
		printf("%s: %zu new, %zu stayed on the server, %zu removed from the server\n", account->name,
		       result.downloaded, result.stayed, result.removed);
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
