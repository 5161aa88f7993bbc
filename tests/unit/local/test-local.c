/* local: Maildir flag letters; delivery into a Maildir (tmp/ then new/,
 * nothing in new/ before the commit, nothing left after an abort). */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
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

static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	struct buf out = BUF_INIT;
	char chunk[4096];
	size_t n;

	while (fp && (n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_add(&out, chunk, n);
	if (fp)
		fclose(fp);
	buf_addstr(&out, "");
	return buf_detach(&out);
}

/* Appending (CRLF in, LF and mboxrd quoting out, flags in Status or the
 * Maildir info), reading one message back, expunging some. */
static void test_append_expunge(void)
{
	char base[] = "/tmp/tern-local-test-XXXXXX";
	struct lib_error err = { 0 };
	char *why = NULL;

	if (!mkdtemp(base))
		exit(2);
	char *mbox = xasprintf("%s/box", base);
	FILE *fp = fopen(mbox, "w");
	fputs("From a@example.org Mon Jan  1 10:00:00 2024\nSubject: one\nMessage-ID: <1@x>\n\nfirst\n", fp);
	fclose(fp);
	const char two[] = "Subject: two\r\nMessage-ID: <2@x>\r\n\r\nFrom here on\r\n>From there\r\nend\r\n";
	is_int(local_folder_append(mbox, two, sizeof(two) - 1, MODEL_F_SEEN | MODEL_F_FLAGGED, &err), 0,
	       "append to an mbox without a blank line at its end");
	const char three[] = "Subject: three\nMessage-ID: <3@x>\n\nthird\n";
	is_int(local_folder_append(mbox, three, sizeof(three) - 1, 0, &err), 0, "append another");
	char *text = slurp(mbox);
	ok(strstr(text, "first\n\nFrom tern@localhost ") != NULL, "a blank line before the new From line");
	ok(strstr(text, "Message-ID: <2@x>\nStatus: RO\nX-Status: F\n\n>From here on\n>>From there\nend\n\n") != NULL,
	   "LF line ends, flags as Status and X-Status, From lines quoted");
	ok(strstr(text, "\r") == NULL, "no CR left");
	free(text);

	struct local_folder *folder = local_folder_open(mbox, &err);
	struct model_mailbox *mb = model_mailbox_new();
	is_int(local_folder_load(folder, mb, &err), 0, "the mbox loads");
	is_int((long)model_mailbox_count(mb), 3, "three messages");
	struct buf msg = BUF_INIT;
	is_int(local_folder_message(folder, 2, &msg, &err), 0, "message 2 is read");
	buf_addstr(&msg, "");
	is_str(msg.data, "Subject: two\nMessage-ID: <2@x>\nStatus: RO\nX-Status: F\n\n>From here on\n>>From there\nend\n",
	       "from its header to its last line, without the From line");
	buf_free(&msg);
	uint32_t gone = 2;
	is_int(local_folder_expunge(folder, &gone, 1, &err), 0, "expunge message 2");
	text = slurp(mbox);
	ok(strstr(text, "Subject: one\n") && strstr(text, "Subject: three\n") && !strstr(text, "Subject: two"),
	   "the mbox keeps one and three only");
	ok(strncmp(text, "From a@example.org Mon Jan  1 10:00:00 2024\nSubject: one\nMessage-ID: <1@x>\n\nfirst\n\n", 80) == 0,
	   "the first message's bytes are kept");
	free(text);
	model_mailbox_clear(mb);
	is_int(local_folder_load(folder, mb, &err), 0, "loads again");
	ok(model_mailbox_count(mb) == 2 && strcmp(model_mailbox_find_uid(mb, 2)->subject, "three") == 0,
	   "two left, renumbered");
	local_folder_close(folder);

	char *maildir = xasprintf("%s/md", base);
	local_maildir_make(maildir, &why);
	is_int(local_folder_append(maildir, two, sizeof(two) - 1, MODEL_F_SEEN, &err), 0, "append to a Maildir");
	is_int(local_folder_append(maildir, three, sizeof(three) - 1, 0, &err), 0, "and another, unflagged");
	char *cur = listing(maildir, "cur"), *new = listing(maildir, "new");
	ok(strstr(cur, ":2,S\n") && strchr(cur, '\n') == strrchr(cur, '\n'), "the seen one is in cur/ with :2,S");
	ok(*new && strchr(new, ':') == NULL, "the other in new/ without info");
	folder = local_folder_open(maildir, &err);
	model_mailbox_clear(mb);
	local_folder_load(folder, mb, &err);
	is_int((long)model_mailbox_count(mb), 2, "the Maildir holds two");
	is_int(local_folder_message(folder, 1, &msg, &err), 0, "message 1 is read");
	buf_addstr(&msg, "");
	is_str(msg.data, "Subject: two\nMessage-ID: <2@x>\n\nFrom here on\n>From there\nend\n",
	       "with LF line ends and no quoting");
	buf_free(&msg);
	gone = 1;
	is_int(local_folder_expunge(folder, &gone, 1, &err), 0, "expunge it");
	free(cur);
	cur = listing(maildir, "cur");
	is_str(cur, "", "its file is gone");
	local_folder_close(folder);
	ok(local_folder_append(base, three, sizeof(three) - 1, 0, &err) < 0 && err.cls == LIB_ERR_DATA,
	   "appending to a directory that is no folder fails: %s", err.text);

	model_mailbox_free(mb);
	char *cmd = xasprintf("rm -rf %s", base);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", base);
	free(cmd);
	free(cur);
	free(new);
	free(maildir);
	free(mbox);
	free(why);
}

int main(void)
{
	test_flags();
	test_delivery();
	test_append_expunge();
	return tap_done();
}
