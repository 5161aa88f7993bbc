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

#include "../lib/lib.h"
#include "../local/local.h"
#include "../mime/mime.h"
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

char *cli_local_default(struct lib_error *err)
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

int cli_local_is_path(const char *folder)
{
	return folder && (folder[0] == '/' || folder[0] == '~' || folder[0] == '.');
}

int cli_list_local(const char *path)
{
	struct lib_error err = { 0 };
	char *full = path ? lib_path_expand(path) : cli_local_default(&err);
	struct model_mailbox *mbox = model_mailbox_new();
	int rc = 0;

	if (!full || local_folder_read(full, mbox, &err) < 0)
		rc = fail(&err);
	else
		cli_print_index(mbox);
	free(full);
	model_mailbox_free(mbox);
	if (fflush(stdout) != 0 && rc == 0)
		rc = EXIT_IOERR;
	return rc;
}
