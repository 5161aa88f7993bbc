/* tern --complete folders against a header cache written here (names no
 * real server would let completion.py create): the server's modified
 * UTF-7 names come out as -f takes them (UTF-8), a name that decodes to
 * a control byte or is not UTF-8 is left out, local folders' records are
 * not folders, and cache-dir from the mailrc is where it looks. Runs the
 * tern under test ($TERN). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "../tap.h"
#include "lib/lib.h"
#include "model/model.h"
#include "store/store.h"

static char dir[] = "/tmp/tern-complete-XXXXXX";

/* tern's stdout for args, and its exit status in *status. Caller frees. */
static char *run_tern(const char *args, int *status)
{
	const char *tern = getenv("TERN");
	char *cmd = xasprintf("'%s' %s 2>/dev/null", tern ? tern : "tern", args);
	struct buf out = BUF_INIT;
	char chunk[4096];
	size_t n;
	FILE *p = popen(cmd, "r");

	while (p && (n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		buf_add(&out, chunk, n);
	*status = p ? pclose(p) : -1;
	*status = *status >= 0 && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
	free(cmd);
	buf_addch(&out, '\0');
	return out.data;
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	char *rc = xasprintf("%s/mailrc", dir), *cache = xasprintf("%s/cache", dir);
	FILE *fp = fopen(rc, "w");
	fprintf(fp, "cache-dir %s\naccount work\n imap imaps://127.0.0.1:1\n", cache);
	fclose(fp);

	char *path = store_path_make(cache, "work"), *warning = NULL, *err = NULL;
	struct store *store = store_open(path, &warning, &err);
	ok(store != NULL, "a header cache for account work (%s)", err ? err : path);
	struct model_mailbox *mbox = model_mailbox_new();
	struct store_folder_state state = { 1, 1, 1 };
	model_mailbox_add(mbox, &(struct model_summary){ .uid = 1, .subject = "x" });
	const char *folders[] = {
		"INBOX", "Entw&APw-rfe", "Esc&ABs-[31m", "Bidi&IC4-", "Latin1 \xe9t\xe9", "local:/home/a/Mail", "A &- B",
	};
	for (size_t i = 0; store && i < sizeof(folders) / sizeof(*folders); i++)
		store_folder_write(store, folders[i], &state, mbox, NULL);
	store_close(store);

	int status;
	char args[1024];
	snprintf(args, sizeof(args), "-F '%s' --complete folders", rc);
	char *out = run_tern(args, &status);
	is_str(out, "A & B\nEntwürfe\nINBOX\n",
	       "UTF-8 names; none that holds an escape, a bidi control or bytes that are not UTF-8; no local: records");
	ok(status == 0, "exit 0 (got %d)", status);
	free(out);

	snprintf(args, sizeof(args), "-F '%s' -A nosuch --complete folders", rc);
	out = run_tern(args, &status);
	ok(status == 0 && !*out, "an unknown account: nothing, quietly");
	free(out);
	snprintf(args, sizeof(args), "-F '%s/none' --complete accounts", dir);
	out = run_tern(args, &status);
	ok(!*out, "a missing mailrc: nothing");
	free(out);

	model_mailbox_free(mbox);
	free(path);
	free(rc);
	free(cache);
	char *cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	free(cmd);
	return tap_done();
}
