/* tern --complete accounts|folders: the names the shell completions
 * (contrib/completion) offer after -A and -f, one a line, read from the
 * mailrc and the header cache alone: no network, no password, no prompt,
 * nothing written. A name the sanitizer would change (a control byte,
 * invalid UTF-8) is left out, so what reaches the shell is plain text
 * that can be typed back. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "../lib/lib.h"
#include "../store/store.h"

/* Prints name on its own line when it is plain, printable UTF-8. */
static void print_name(const char *name)
{
	struct buf clean = BUF_INIT;
	size_t len = strlen(name);

	lib_sanitize(&clean, name, len, LIB_SANITIZE_LINE);
	if (len && clean.len == len && memcmp(clean.data, name, len) == 0)
		printf("%s\n", name);
	buf_free(&clean);
}

/* Folders of account that its header cache holds, as -f takes them: the
 * cache has the server's names (modified UTF-7); local folders are cached
 * under "local:PATH" (local-cache.c) and completed as paths. */
static int complete_folders(const struct conf *conf, const struct conf_account *account)
{
	char *path = engine_cache_path(conf, account), *err = NULL, **names;
	int n = store_folder_names(path, &names, &err);

	free(path);
	if (n < 0) {
		fprintf(stderr, "tern: %s\n", err);
		free(err);
		return lib_error_exit_code(LIB_ERR_TEMPORARY);
	}
	for (int i = 0; i < n; i++) {
		if (strncmp(names[i], "local:", 6) != 0) {
			char *name = engine_folder_name(names[i]);
			print_name(name);
			free(name);
		}
		free(names[i]);
	}
	free(names);
	return 0;
}

int cli_complete(const char *mailrc, const char *account_name, const char *what)
{
	int folders = strcmp(what, "folders") == 0;
	char *found = NULL;
	struct conf *conf;
	int rc = 0;

	if (!folders && strcmp(what, "accounts") != 0) {
		fprintf(stderr, "tern: --complete takes accounts or folders, not '%s'\n", what);
		return lib_error_exit_code(LIB_ERR_USAGE);
	}
	if (!mailrc && !(mailrc = found = conf_find_path(NULL)))
		return 0; /* no mailrc: no names */
	conf = conf_load(mailrc); /* its mistakes are for --check-config to tell */
	if (folders) {
		const struct conf_account *account =
			account_name ? conf_account_find(conf, account_name) : conf_account_default(conf);
		if (account)
			rc = complete_folders(conf, account);
	} else {
		for (size_t i = 0; i < conf->naccounts; i++)
			print_name(conf->accounts[i].name);
	}
	conf_free(conf);
	free(found);
	return rc;
}
