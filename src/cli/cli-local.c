/* tern -f PATH -H for a folder on this machine (Maildir or mbox), and
 * tern -H with no mailrc at all ($MAIL, else ~/Maildir): the same lines
 * as cli-list.c prints for an IMAP folder,
 *     1 N  Nov 21 14:03  Ana Lima              Lunch on Friday?
 * Exit codes: 0; 66 (EX_NOINPUT) when the folder is missing, unreadable
 * or not a folder; 75 (EX_TEMPFAIL) when an mbox is locked by another
 * program; 74 (EX_IOERR) when reading it or writing stdout fails. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../engine/engine.h"
#include "../lib/lib.h"
#include "../local/local.h"
#include "../mime/mime.h"
#include "../store/store.h"
#include "../model/model.h"

enum { EXIT_NOINPUT = 66, EXIT_IOERR = 74, EXIT_TEMPFAIL = 75 };

/* "Nov 21 14:03", as cli-list.c writes it; the last minute formatted is
 * kept, since neighbours often share it. */
static int fail(const struct lib_error *err)
{
	struct buf clean = BUF_INIT;

	lib_sanitize(&clean, err->text, strlen(err->text), LIB_SANITIZE_LINE);
	fprintf(stderr, "tern: %s\n", clean.data ? clean.data : "");
	buf_free(&clean);
	return err->cls == LIB_ERR_DATA ? EXIT_NOINPUT : err->cls == LIB_ERR_TEMPORARY ? EXIT_TEMPFAIL : EXIT_IOERR;
}

int cli_local_is_path(const char *folder)
{
	return engine_folder_is_path(folder);
}

int cli_list_local(const char *path, const struct cli_list_filter *filter)
{
	struct lib_error err = { 0 };
	char *full = path ? lib_path_expand(path) : engine_default_mailbox(&err);
	struct model_mailbox *mbox = model_mailbox_new();
	int rc = 0;

	struct engine_account options = { 0 };
	engine_options_from_env(&options);
	struct store *cache = NULL;
	if (full && !options.no_cache) {
		/* the cache of local folders: tern -H reads each file only once */
		char *path = store_path_make(NULL, "local"), *warning = NULL, *cause = NULL;
		cache = store_open(path, &warning, &cause);
		if (warning)
			cli_hooks.warn(cli_hooks.ctx, warning);
		free(warning);
		free(cause);
		free(path);
	}
	struct local_folder *folder = full ? local_folder_open(full, &err) : NULL;
	local_folder_set_cache(folder, cache);
	if (!folder || local_folder_load(folder, mbox, &err) < 0)
		rc = fail(&err);
	else
		cli_print_index(mbox, filter);
	local_folder_close(folder);
	store_close(cache);
	free(full);
	model_mailbox_free(mbox);
	if (fflush(stdout) != 0 && rc == 0)
		rc = EXIT_IOERR;
	return rc;
}

struct conf *cli_conf_local(const char *folder, char **exec, size_t nexec, int *exit_code)
{
	struct lib_error err = { 0 };

	if (!folder) {
		char *mailbox = engine_default_mailbox(&err);
		if (!mailbox) {
			*exit_code = fail(&err);
			return NULL;
		}
		free(mailbox);
	}
	struct conf *conf = conf_load("/dev/null");
	conf->accounts = xcalloc(1, sizeof(*conf->accounts));
	conf->accounts[0].name = xstrdup("local");
	conf->accounts[0].file = conf->path;
	conf->naccounts = 1;
	return cli_conf_finish(conf, exec, nexec, exit_code);
}
