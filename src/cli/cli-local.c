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

#include "../lib/lib.h"
#include "../model/model.h"

enum { EXIT_NOINPUT = 66, EXIT_IOERR = 74, EXIT_TEMPFAIL = 75 };

/* The error on stderr, sanitized; the exit code for its class. */
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
	struct model_mailbox *mbox = model_mailbox_new();
	int rc = 0;

	if (engine_local_read(path, &cli_hooks, mbox, &err) < 0)
		rc = fail(&err);
	else
		cli_print_index(mbox, filter);
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
