/* tern --check-config and the mailrc loading every mode shares. */
#include "cli.h"

#include <stdlib.h>

#include "../engine/engine.h"
#include "../lib/lib.h"
#include "../net/net.h"
#include "../keymap/keymap.h"

struct conf *cli_conf_load(const char *path, char **exec, size_t nexec, int *exit_code)
{
	char *found = NULL, *looked = NULL;
	struct conf *conf;

	if (!path) {
		found = conf_find_path(&looked);
		if (!found) {
			fprintf(stderr, "tern: no mailrc found (looked for %s); run tern --setup, copy mailrc.sample there, or use -F FILE\n",
			        looked);
			free(looked);
			*exit_code = lib_error_exit_code(LIB_ERR_CONFIG);
			return NULL;
		}
		free(looked);
		path = found;
	}
	conf = conf_load(path);
	free(found);
	return cli_conf_finish(conf, exec, nexec, exit_code);
}

/* tls-ca-file, where it is set (globally or in an account), must be a
 * PEM file of certificates: found now, not as a TLS failure of every
 * connection (which parks a send as failed). */
static void check_ca_files(struct conf *conf)
{
	for (size_t i = 0; i <= conf->naccounts; i++) { /* the global value, then each account's */
		const struct conf_value *value = i ? &conf->accounts[i - 1].values[CONF_K_TLS_CA_FILE]
		                                   : &conf->global[CONF_K_TLS_CA_FILE];
		char why[200];
		if (!value->text)
			continue;
		char *path = lib_path_expand(value->text);
		if (net_tls_ca_file_check(path, why, sizeof(why)) < 0)
			conf_diag_add(conf, 1, value->file, value->line, "tls-ca-file %s: %s", path, why);
		free(path);
	}
}

struct conf *cli_conf_finish(struct conf *conf, char **exec, size_t nexec, int *exit_code)
{
	for (size_t i = 0; i < nexec; i++)
		conf_apply_line(conf, "-e", exec[i]);
	keymap_check_commands(conf);
	check_ca_files(conf);
	for (size_t i = 0; i < conf->ndiags; i++)
		fprintf(stderr, "%s%s\n", conf->diags[i].is_error ? "" : "warning: ", conf->diags[i].text);
	if (conf->nerrors) {
		fprintf(stderr, "tern: %zu error%s in the mailrc\n", conf->nerrors, conf->nerrors == 1 ? "" : "s");
		conf_free(conf);
		*exit_code = lib_error_exit_code(LIB_ERR_CONFIG);
		return NULL;
	}
	*exit_code = 0;
	return conf;
}

int cli_check_config(const char *path, char **exec, size_t nexec)
{
	int exit_code;
	struct conf *conf = cli_conf_load(path, exec, nexec, &exit_code);

	if (!conf)
		return exit_code;
	const struct conf_account *def = conf_account_default(conf);
	printf("%s: ok, %zu account%s\n", conf->path, conf->naccounts, conf->naccounts == 1 ? "" : "s");
	for (size_t i = 0; i < conf->naccounts; i++) {
		const struct conf_account *account = &conf->accounts[i];
		const struct conf_url *urls[] = { &account->imap, &account->pop3, &account->smtp };
		printf("  %s%s:", account->name, account == def ? " (default)" : "");
		for (size_t u = 0; u < LIB_ARRAY_LEN(urls); u++)
			if (urls[u]->scheme != CONF_URL_NONE)
				printf(" %s://%s:%u", conf_scheme_name(urls[u]->scheme), urls[u]->host, urls[u]->port);
		printf("\n");
	}
	conf_free(conf);
	return 0;
}
