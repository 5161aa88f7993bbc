/* local: Maildir flag letters; delivery into a Maildir (tmp/ then new/,
 * nothing in new/ before the commit, nothing left after an abort); two
 * threads delivering at once, as two account workers do (contrib/tsan
 * reported the unsynchronised name counter this exercises). */
#define _GNU_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tap.h"
#include "lib/lib.h"
#include "local/local.h"
#include "model/model.h"

static void test_flags(void)
{
	char out[9];

	is_int(local_maildir_flags_parse("1700000000.M1P2.host,S=1234:2,FRS"),
	       MODEL_F_FLAGGED | MODEL_F_ANSWERED | MODEL_F_SEEN, "FRS parsed");
	is_int(local_maildir_flags_parse("1700000000.M1P2.host"), 0, "no info: no flags");
	is_int(local_maildir_flags_parse("x:2,DTa"), MODEL_F_DRAFT | MODEL_F_DELETED, "D and T; lowercase ignored");
	is_int(local_maildir_flags_parse("x:1,S"), 0, "experimental :1, info ignored");
	local_maildir_flags_format(MODEL_F_SEEN | MODEL_F_FLAGGED | MODEL_F_RECENT, out);
	is_str(out, ":2,FS", "formatted sorted; recent has no letter");
	local_maildir_flags_format(0, out);
	is_str(out, ":2,", "no flags");
	local_maildir_flags_format(MODEL_F_DRAFT | MODEL_F_FLAGGED | MODEL_F_ANSWERED | MODEL_F_SEEN | MODEL_F_DELETED, out);
	is_str(out, ":2,DFRST", "all letters fit");
}

/* Names of the files in dir/sub, one per line, sorted. */
static char *listing(const char *dir, const char *sub)
{
	char *path = xasprintf("%s/%s", dir, sub);
	struct dirent **names = NULL;
	int n = scandir(path, &names, NULL, alphasort);
	struct buf out = BUF_INIT;

	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.')
			buf_addf(&out, "%s\n", names[i]->d_name);
		free(names[i]);
	}
	free(names);
	free(path);
	return buf_detach(&out);
}

static void test_delivery(void)
{
	char base[] = "/tmp/tern-local-test-XXXXXX";
	char *err = NULL;

	if (!mkdtemp(base))
		exit(2);
	char *maildir = xasprintf("%s/data/tern/acct", base);
	is_int(local_maildir_make(maildir, &err), 0, "a Maildir and its parents are made");
	struct stat st;
	char *cur = xasprintf("%s/cur", maildir);
	ok(stat(cur, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700, "cur/ exists, mode 0700");
	is_int(local_maildir_make(maildir, &err), 0, "making it again is fine");

	struct local_delivery *d = local_delivery_begin(maildir, &err);
	ok(d != NULL, "delivery begins");
	char *name = xstrdup(local_delivery_name(d));
	ok(strchr(name, '/') == NULL && strchr(name, ':') == NULL, "a unique name without / or : (%s)", name);
	is_int(local_delivery_write(d, "Subject: a\n\n", 12, &err), 0, "write");
	is_int(local_delivery_write(d, "body\n", 5, &err), 0, "write more");
	char *in_new = listing(maildir, "new"), *in_tmp = listing(maildir, "tmp");
	ok(!*in_new && strstr(in_tmp, name), "before the commit the message is in tmp/ only");
	free(in_new);
	free(in_tmp);
	is_int(local_delivery_commit(d, &err), 0, "commit");
	in_new = listing(maildir, "new");
	in_tmp = listing(maildir, "tmp");
	ok(strstr(in_new, name) && !*in_tmp, "after the commit it is in new/ only");
	char *path = xasprintf("%s/new/%s", maildir, name);
	FILE *fp = fopen(path, "r");
	char text[64] = "";
	size_t n = fp ? fread(text, 1, sizeof(text) - 1, fp) : 0;
	text[n] = '\0';
	if (fp)
		fclose(fp);
	is_str(text, "Subject: a\n\nbody\n", "the whole message");
	free(in_new);
	free(in_tmp);

	d = local_delivery_begin(maildir, &err);
	local_delivery_write(d, "half", 4, &err);
	local_delivery_abort(d);
	in_new = listing(maildir, "new");
	in_tmp = listing(maildir, "tmp");
	ok(strcmp(in_new, "") != 0 && strchr(in_new, '\n') == strrchr(in_new, '\n') && !*in_tmp,
	   "an aborted delivery leaves nothing, in new/ or tmp/");
	free(in_new);
	free(in_tmp);

	d = local_delivery_begin(maildir, &err);
	ok(strcmp(local_delivery_name(d), name) != 0, "the next name differs");
	local_delivery_abort(d);

	char *file = xasprintf("%s/file", base);
	fp = fopen(file, "w");
	fclose(fp);
	char *below = xasprintf("%s/file/x", base);
	free(err);
	err = NULL;
	ok(local_maildir_make(file, &err) < 0 && err && strstr(err, "not a directory"), "a file is no Maildir: %s",
	   err ? err : "");
	free(err);

	char *cmd = xasprintf("rm -rf %s", base);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", base);
	free(cmd);
	free(below);
	free(file);
	free(path);
	free(name);
	free(cur);
	free(maildir);
}

#define RACE_EACH 200

static void *deliver_many(void *maildir)
{
	for (int i = 0; i < RACE_EACH; i++) {
		char *err = NULL;
		struct local_delivery *d = local_delivery_begin(maildir, &err);
		if (!d || local_delivery_write(d, "Subject: race\n\nx\n", 18, &err) < 0 ||
		    local_delivery_commit(d, &err) < 0) {
			free(err);
			return (void *)1;
		}
	}
	return NULL;
}

static void test_delivery_threads(void)
{
	char base[] = "/tmp/tern-local-race-XXXXXX";
	char *err = NULL;
	if (!mkdtemp(base))
		exit(2);
	char *maildir = xasprintf("%s/md", base);
	local_maildir_make(maildir, &err);
	pthread_t a, b;
	void *ra = (void *)1, *rb = (void *)1;
	pthread_create(&a, NULL, deliver_many, maildir);
	pthread_create(&b, NULL, deliver_many, maildir);
	pthread_join(a, &ra);
	pthread_join(b, &rb);
	ok(ra == NULL && rb == NULL, "two threads deliver %d messages each", RACE_EACH);
	char *in_new = listing(maildir, "new");
	size_t lines = 0;
	for (const char *p = in_new; *p; p++)
		lines += *p == '\n';
	is_int((long)lines, 2 * RACE_EACH, "every one of them is in new/ under its own name");
	free(in_new);
	char *cmd = xasprintf("rm -rf %s", base);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", base);
	free(cmd);
	free(maildir);
}

int main(void)
{
	test_flags();
	test_delivery();
	test_delivery_threads();
	return tap_done();
}
