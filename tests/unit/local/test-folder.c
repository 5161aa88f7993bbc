/* local folders: Maildir read in arrival order with flags from new/ and
 * cur/ names, reloads that keep uids, flags written back by renaming;
 * mbox read with "From " lines that are and are not separators, >From
 * quoting, a lying Content-Length, Status/X-Status, CRLF and lines longer
 * than the read buffer; the fcntl and dot-lock locks refused while a
 * second process holds them, a stale dot-lock taken over; flags written
 * back into an mbox keeping every other byte (and mutt reading them, when
 * mutt is installed). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../tap.h"
#include "lib/lib.h"
#include "local/local.h"
#include "model/model.h"

static char base[] = "/tmp/tern-folder-test-XXXXXX";

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *fp = fopen(path, "wb");
	if (!fp || fwrite(text, 1, len, fp) != len || fclose(fp) != 0) {
		printf("Bail out! cannot write %s\n", path);
		exit(2);
	}
}

static void put(const char *path, const char *text)
{
	write_file(path, text, strlen(text));
}

/* The whole file, NUL-terminated; *len its length. Caller frees. */
static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	struct buf out = BUF_INIT;
	char chunk[65536];
	size_t n;

	while (fp && (n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_add(&out, chunk, n);
	if (fp)
		fclose(fp);
	if (len)
		*len = out.len;
	return buf_detach(&out);
}

static int exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

static int64_t now_ms(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static const struct model_summary *nth(struct model_mailbox *mbox, size_t i)
{
	return i < model_mailbox_count(mbox) ? &model_mailbox_summaries(mbox)[i] : NULL;
}

/* "uid:subject:flags" for every summary, one per line. Caller frees. */
static char *outline(struct model_mailbox *mbox)
{
	struct buf out = BUF_INIT;

	for (size_t i = 0; i < model_mailbox_count(mbox); i++) {
		const struct model_summary *s = nth(mbox, i);
		char flags[4];
		model_flags_format(s->flags, flags);
		buf_addf(&out, "%u:%s:%s\n", s->uid, s->subject, flags);
	}
	return buf_detach(&out);
}

/* ---- Maildir ---- */

static char *message(const char *subject, const char *date)
{
	return xasprintf("From: Ana Lima <ana@example.org>\nTo: bob@example.org\n%s%s%sSubject: %s\n"
	                 "Message-ID: <%s@example.org>\n\nbody of %s\n",
	                 date ? "Date: " : "", date ? date : "", date ? "\n" : "", subject, subject, subject);
}

static void md_put(const char *md, const char *sub, const char *name, const char *subject, const char *date)
{
	char *path = xasprintf("%s/%s/%s", md, sub, name);
	char *text = message(subject, date);
	put(path, text);
	free(text);
	free(path);
}

static void test_maildir(void)
{
	char *md = xasprintf("%s/Maildir", base);
	char *err_text = NULL;
	struct lib_error err = { 0 };

	local_maildir_make(md, &err_text);
	md_put(md, "cur", "1700000002.M2P1.host,S=100:2,S", "second", "Tue, 14 Nov 2023 22:13:22 +0000");
	md_put(md, "cur", "1700000001.M1P1.host:2,FR", "first", "Tue, 14 Nov 2023 22:13:21 +0000");
	md_put(md, "new", "1700000003.M3P1.host", "third", "Tue, 14 Nov 2023 22:13:23 +0000");
	md_put(md, "cur", "1700000003.M10P1.host:2,", "fourth", NULL);
	md_put(md, "cur", "1700000004.M1P1.host:2,Sa", "fifth", "Tue, 14 Nov 2023 22:13:24 +0000");
	md_put(md, "cur", ".hidden", "hidden", NULL);
	md_put(md, "tmp", "1600000000.M1P1.host", "in tmp", NULL);
	char *sub = xasprintf("%s/cur/subdir", md);
	mkdir(sub, 0700);
	free(sub);
	/* "fourth" has no Date: the mtime counts */
	char *fourth = xasprintf("%s/cur/1700000003.M10P1.host:2,", md);
	struct timespec times[2] = { { 1600000000, 0 }, { 1600000000, 0 } };
	utimensat(AT_FDCWD, fourth, times, 0);

	is_int(local_folder_detect(md, &err), LOCAL_MAILDIR, "a Maildir is detected");
	struct model_mailbox *mbox = model_mailbox_new();
	is_int(local_folder_read(md, mbox, &err), 0, "the Maildir is read");
	char *got = outline(mbox);
	is_str(got, "1:first:OFA\n2:second:   \n3:third:N  \n4:fourth:O  \n5:fifth:   \n",
	       "arrival order (time, then M3 before M10), flags from cur/ names and new/; dot files, "
	       "directories and tmp/ left out");
	free(got);
	const struct model_summary *s = nth(mbox, 0);
	ok(s && s->date == 1700000001 && strcmp(s->from, "Ana Lima <ana@example.org>") == 0 &&
	   s->message_id == model_id_hash("<first@example.org>", 19) && s->size > 100,
	   "date, from, message id and size of the first");
	ok(nth(mbox, 3) && nth(mbox, 3)->date == 1600000000, "no Date: the file's mtime");
	model_mailbox_free(mbox);

	/* An open folder keeps uids across reloads and follows other programs. */
	struct local_folder *folder = local_folder_open(md, &err);
	mbox = model_mailbox_new();
	is_int(local_folder_load(folder, mbox, &err), 0, "loaded through a handle");
	char *from = xasprintf("%s/cur/1700000002.M2P1.host,S=100:2,S", md);
	char *to = xasprintf("%s/cur/1700000002.M2P1.host,S=100:2,FS", md);
	rename(from, to); /* another program flags "second" */
	free(from);
	free(to);
	from = xasprintf("%s/cur/1700000001.M1P1.host:2,FR", md);
	unlink(from); /* and deletes "first" */
	free(from);
	md_put(md, "new", "1500000000.M1P9.host", "late", NULL); /* an old name arriving now */
	is_int(local_folder_load(folder, mbox, &err), 0, "reloaded");
	got = outline(mbox);
	is_str(got, "2:second: F \n3:third:N  \n4:fourth:O  \n5:fifth:   \n6:late:N  \n",
	       "a reload drops the gone, follows the renamed, numbers the new after the highest");

	struct model_mailbox *fresh = model_mailbox_new();
	is_int(local_folder_load(folder, fresh, &err), 0, "an open folder loaded into an empty mailbox");
	char *again = outline(fresh);
	is_str(again, got, "gets every summary, with the same uids");
	free(again);
	model_mailbox_free(fresh);
	free(got);

	/* Flags written back: new/ to cur/, unknown letters kept. */
	is_int(local_folder_flags_write(folder, 3, MODEL_F_SEEN, &err), 0, "third marked seen");
	char *path = xasprintf("%s/cur/1700000003.M3P1.host:2,S", md);
	ok(exists(path), "moved from new/ to cur/ with :2,S");
	free(path);
	is_int(local_folder_flags_write(folder, 5, MODEL_F_SEEN | MODEL_F_FLAGGED | MODEL_F_ANSWERED, &err), 0,
	       "fifth flagged and answered");
	path = xasprintf("%s/cur/1700000004.M1P1.host:2,FRSa", md);
	ok(exists(path), "the keyword letter a is kept: :2,FRSa");
	free(path);
	is_int(local_folder_flags_write(folder, 6, MODEL_F_RECENT, &err), 0, "late left new");
	path = xasprintf("%s/new/1500000000.M1P9.host", md);
	ok(exists(path), "an unseen, recent message without flags stays in new/");
	free(path);
	/* another program moved "second" meanwhile: found by its unique name */
	from = xasprintf("%s/cur/1700000002.M2P1.host,S=100:2,FS", md);
	to = xasprintf("%s/cur/1700000002.M2P1.host,S=100:2,S", md);
	rename(from, to);
	is_int(local_folder_flags_write(folder, 2, MODEL_F_SEEN | MODEL_F_DELETED, &err), 0,
	       "second flagged after another program renamed it");
	free(from);
	from = xasprintf("%s/cur/1700000002.M2P1.host,S=100:2,ST", md);
	ok(exists(from) && !exists(to), "renamed from where it really was");
	free(from);
	free(to);
	ok(local_folder_flags_write(folder, 99, MODEL_F_SEEN, &err) < 0 && err.cls == LIB_ERR_DATA,
	   "an unknown uid: %s", err.text);
	local_folder_close(folder);
	model_mailbox_free(mbox);

	/* One-shot form, a fresh numbering. */
	is_int(local_folder_set_flags(md, 1, MODEL_F_SEEN, &err), 0, "set_flags by path");
	mbox = model_mailbox_new();
	local_folder_read(md, mbox, &err);
	got = outline(mbox);
	is_str(got, "1:late:   \n2:second:  D\n3:third:   \n4:fourth:O  \n5:fifth: FA\n",
	       "read again: numbered afresh in arrival order, flags as written");
	free(got);
	model_mailbox_free(mbox);
	free(fourth);
	free(md);
}

/* ---- mbox ---- */

static const char mbox_text[] =
	"From ana@example.org Tue Nov 14 22:13:21 2023\n"
	"From: Ana <ana@example.org>\n"
	"Subject: one\n"
	"Message-ID: <one@x>\n"
	"Content-Length: 5\n"
	"Status: RO\n"
	"X-Status: AF\n"
	"\n"
	"Content-Length lies: this line is still one.\n"
	">From quoted, not a separator\n"
	"\n"
	"From here on it is body: no date on this line\n"
	"\n"
	"From bob@example.org Wed Nov 15 08:00:00 2023\n"
	"From: Bob <bob@example.org>\n"
	"Subject: two\n"
	"Message-ID: <two@x>\n"
	"Date: Wed, 15 Nov 2023 09:00:00 +0100\n"
	"\n"
	"body two\n"
	"\n"
	"From carol@example.org Thu Nov 16 10:00:00 MET DST 2023\n"
	"From: Carol <carol@example.org>\n"
	"Subject: three\n"
	"Status: O\n"
	"\n"
	"\n"
	"body three after two blank lines\n"
	"\n"
	"From dave@example.org Fri Nov 17 11:00:00 2023\r\n"
	"From: Dave <dave@example.org>\r\n"
	"Subject: four\r\n"
	"X-Status: D\r\n"
	"\r\n"
	"crlf body\r\n";

static void test_mbox_read(const char *mb)
{
	struct lib_error err = { 0 };
	struct model_mailbox *mbox = model_mailbox_new();

	put(mb, mbox_text);
	is_int(local_folder_detect(mb, &err), LOCAL_MBOX, "an mbox is detected");
	is_int(local_folder_read(mb, mbox, &err), 0, "the mbox is read");
	char *got = outline(mbox);
	is_str(got, "1:one: FA\n2:two:N  \n3:three:O  \n4:four:N D\n",
	       "four messages: >From, a dateless From and Content-Length do not split; Status and X-Status read");
	free(got);
	const struct model_summary *s = nth(mbox, 0);
	ok(s && s->date == 1700000001, "no Date: the From line's date");
	ok(s && s->size == (uint32_t)strlen("From: Ana <ana@example.org>\nSubject: one\nMessage-ID: <one@x>\n"
	                                    "Content-Length: 5\nStatus: RO\nX-Status: AF\n\n"
	                                    "Content-Length lies: this line is still one.\n"
	                                    ">From quoted, not a separator\n\n"
	                                    "From here on it is body: no date on this line\n"),
	   "size: from after the From line to the body's end (%u)", s ? s->size : 0);
	ok(nth(mbox, 1) && nth(mbox, 1)->date == 1700035200, "the Date field wins over the From line");
	ok(nth(mbox, 2) && nth(mbox, 2)->date == 1700128800, "a From line with zone words (mutt's is_from takes two)");
	char *dotlock = xasprintf("%s.lock", mb);
	ok(!exists(dotlock), "no dot-lock left behind");
	free(dotlock);
	model_mailbox_free(mbox);

	/* An open mbox: an unchanged file is not read again; an append keeps
	 * the uids of the messages before it. */
	struct local_folder *folder = local_folder_open(mb, &err);
	mbox = model_mailbox_new();
	local_folder_load(folder, mbox, &err);
	model_mailbox_find_uid(mbox, 1)->flags |= MODEL_F_DRAFT; /* a mark only a re-read would lose */
	is_int(local_folder_load(folder, mbox, &err), 0, "reloaded unchanged");
	ok(model_mailbox_find_uid(mbox, 1)->flags & MODEL_F_DRAFT, "an unchanged mbox is not read again");
	FILE *fp = fopen(mb, "a");
	fputs("\nFrom eve@example.org Sat Nov 18 12:00:00 2023\nSubject: five\n\nfive\n", fp);
	fclose(fp);
	is_int(local_folder_load(folder, mbox, &err), 0, "reloaded after an append");
	got = outline(mbox);
	is_str(got, "1:one: FA\n2:two:N  \n3:three:O  \n4:four:N D\n5:five:N  \n", "the appended message is uid 5");
	free(got);
	local_folder_close(folder);
	model_mailbox_free(mbox);
	put(mb, mbox_text);

	/* Lines longer than the read buffer, in a header and in a body. */
	struct buf big = BUF_INIT;
	buf_addstr(&big, "From a@b Mon Jan  1 00:00:00 2024\nX-Long: ");
	for (int i = 0; i < 400000; i++)
		buf_addch(&big, 'x');
	buf_addstr(&big, "\nSubject: long header\n\n");
	for (int i = 0; i < 600000; i++)
		buf_addch(&big, 'y');
	buf_addstr(&big, "\n\nFrom a@b Mon Jan  1 00:00:01 2024\nSubject: after\n\nshort\n");
	char *long_path = xasprintf("%s.long", mb);
	write_file(long_path, big.data, big.len);
	mbox = model_mailbox_new();
	is_int(local_folder_read(long_path, mbox, &err), 0, "an mbox with huge lines is read");
	got = outline(mbox);
	is_str(got, "1::N  \n2:after:N  \n",
	       "the header is cut at LOCAL_HEADER_MAX (its Subject beyond it is not seen); the next message is found");
	free(got);
	model_mailbox_free(mbox);
	buf_free(&big);
	free(long_path);

	/* Not mailboxes. */
	char *junk = xasprintf("%s/junk", base);
	put(junk, "hello\n");
	ok(local_folder_read(junk, NULL, &err) < 0 && err.cls == LIB_ERR_DATA && strstr(err.text, junk),
	   "a file not starting with From: %s", err.text);
	free(junk);
	ok(local_folder_read(base, NULL, &err) < 0 && err.cls == LIB_ERR_DATA && strstr(err.text, "not a Maildir"),
	   "a directory without cur/ and new/: %s", err.text);
	char *missing = xasprintf("%s/missing", base);
	ok(local_folder_read(missing, NULL, &err) < 0 && err.cls == LIB_ERR_DATA && strstr(err.text, missing),
	   "a missing path: %s", err.text);
	free(missing);
	char *empty = xasprintf("%s/empty", base);
	put(empty, "");
	mbox = model_mailbox_new();
	ok(local_folder_read(empty, mbox, &err) == 0 && model_mailbox_count(mbox) == 0, "an empty file: an empty mbox");
	model_mailbox_free(mbox);
	free(empty);
}

/* ---- locks: a second process holds them ---- */

/* Forks a child that takes an fcntl write lock on path and holds it until
 * told (a byte on its pipe). Returns its pid; *release is the pipe. */
static pid_t hold_fcntl(const char *path, int *release)
{
	int ready[2], go[2];

	if (pipe(ready) != 0 || pipe(go) != 0)
		exit(2);
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(path, O_RDWR);
		struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
		char c = fd >= 0 && fcntl(fd, F_SETLK, &fl) == 0 ? 'y' : 'n';
		if (write(ready[1], &c, 1) != 1 || read(go[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	char c = 0;
	if (read(ready[0], &c, 1) != 1 || c != 'y') {
		printf("Bail out! the helper could not lock %s\n", path);
		exit(2);
	}
	close(ready[0]);
	close(ready[1]);
	close(go[0]);
	*release = go[1];
	return pid;
}

static void test_locks(const char *mb)
{
	struct lib_error err = { 0 };
	int release;
	pid_t pid = hold_fcntl(mb, &release);

	struct local_folder *folder = local_folder_open(mb, &err);
	local_folder_set_lock_timeout(folder, 300);
	int64_t start = now_ms();
	struct model_mailbox *mbox = model_mailbox_new();
	ok(local_folder_load(folder, mbox, &err) < 0 && err.cls == LIB_ERR_TEMPORARY && strstr(err.text, mb) &&
	   strstr(err.text, "fcntl"),
	   "refused while another process holds the fcntl lock: %s", err.text);
	int64_t waited = now_ms() - start;
	ok(waited >= 250 && waited < 3000, "after waiting about the timeout (%lld ms)", (long long)waited);
	ok(local_folder_flags_write(folder, 1, MODEL_F_SEEN, &err) < 0 && err.cls == LIB_ERR_TEMPORARY,
	   "writing flags is refused too");
	char *dotlock = xasprintf("%s.lock", mb);
	ok(!exists(dotlock), "and no dot-lock is left");
	/* released: the next try gets it */
	if (write(release, "x", 1) != 1)
		exit(2);
	close(release);
	waitpid(pid, NULL, 0);
	is_int(local_folder_load(folder, mbox, &err), 0, "read once the helper let go");
	is_int((long)model_mailbox_count(mbox), 4, "all four messages");

	/* a helper that holds the lock for a moment only: waited for */
	pid = hold_fcntl(mb, &release);
	pid_t waker = fork();
	if (waker == 0) {
		usleep(200000);
		if (write(release, "x", 1) != 1)
			_exit(1);
		_exit(0);
	}
	close(release);
	local_folder_set_lock_timeout(folder, 3000);
	is_int(local_folder_flags_write(folder, 2, MODEL_F_SEEN | MODEL_F_FLAGGED, &err), 0,
	       "a lock released within the timeout is waited for: %s", err.text);
	waitpid(waker, NULL, 0);
	waitpid(pid, NULL, 0);
	local_folder_set_lock_timeout(folder, 300);

	/* a fresh dot-lock of another program */
	put(dotlock, "12345\n");
	ok(local_folder_load(folder, NULL, &err) < 0 && err.cls == LIB_ERR_TEMPORARY && strstr(err.text, dotlock),
	   "refused while FILE.lock is fresh: %s", err.text);
	ok(exists(dotlock), "another program's dot-lock is left alone");
	/* stale after LOCAL_DOTLOCK_STALE seconds */
	struct timespec old[2] = { { time(NULL) - LOCAL_DOTLOCK_STALE - 60, 0 }, { time(NULL) - LOCAL_DOTLOCK_STALE - 60, 0 } };
	utimensat(AT_FDCWD, dotlock, old, 0);
	model_mailbox_clear(mbox);
	is_int(local_folder_load(folder, mbox, &err), 0, "a stale dot-lock is taken over: %s", err.text);
	ok(!exists(dotlock), "and removed with ours");
	local_folder_close(folder);
	model_mailbox_free(mbox);
	free(dotlock);
}

/* ---- flags written back into an mbox ---- */

static void replace(struct buf *text, const char *from, const char *to)
{
	char *at = strstr(text->data, from);
	if (!at) {
		printf("Bail out! '%s' not in the test text\n", from);
		exit(2);
	}
	struct buf out = BUF_INIT;
	buf_add(&out, text->data, (size_t)(at - text->data));
	buf_addstr(&out, to);
	buf_addstr(&out, at + strlen(from));
	buf_free(text);
	*text = out;
}

/* Runs mutt read-only on path in a pseudo-terminal (script(1)) and returns
 * what it drew; NULL when mutt or script is missing. Caller frees. */
static char *mutt_index(const char *path)
{
	if (system("command -v mutt >/dev/null 2>&1 && command -v script >/dev/null 2>&1") != 0)
		return NULL;
	char *out = xasprintf("%s/mutt.out", base);
	char *cmd = xasprintf("cd %s && HOME=%s TERM=xterm timeout 20 script -qec \"stty cols 120 rows 20; "
	                      "mutt -R -n -F /dev/null -e 'set folder=%s spoolfile=%s mbox=%s/mbox-x' -f %s "
	                      "-e 'set index_format=\\\"IDX %%4C [%%Z] %%s\\\"' -e 'push <quit>'\" /dev/null "
	                      "</dev/null >%s 2>&1",
	                      base, base, base, path, base, path, out);
	int rc = system(cmd);
	char *text = rc == 0 ? slurp(out, NULL) : NULL;
	free(cmd);
	free(out);
	return text;
}

static void test_mbox_write(const char *mb)
{
	struct lib_error err = { 0 };
	struct buf want = BUF_INIT;

	put(mb, mbox_text);
	chmod(mb, 0640);
	buf_addstr(&want, mbox_text);
	struct stat before, after;
	stat(mb, &before);

	struct local_folder *folder = local_folder_open(mb, &err);
	is_int(local_folder_load(folder, NULL, &err), 0, "indexed");
	/* two: no Status yet; both fields are added at the end of its header */
	is_int(local_folder_flags_write(folder, 2, MODEL_F_SEEN | MODEL_F_FLAGGED, &err), 0, "two: seen and flagged");
	replace(&want, "Date: Wed, 15 Nov 2023 09:00:00 +0100\n\n",
	        "Date: Wed, 15 Nov 2023 09:00:00 +0100\nStatus: RO\nX-Status: F\n\n");
	size_t len;
	char *got = slurp(mb, &len);
	ok(len == want.len && memcmp(got, want.data, len) == 0, "every other byte is kept (fields added)");
	free(got);
	stat(mb, &after);
	ok((after.st_mode & 07777) == 0640 && after.st_ino != before.st_ino, "a new file with the old mode (0640)");

	/* three: Status O replaced in place, X-Status added */
	is_int(local_folder_flags_write(folder, 3, MODEL_F_SEEN | MODEL_F_ANSWERED, &err), 0, "three: seen, answered");
	replace(&want, "Subject: three\nStatus: O\n\n", "Subject: three\nStatus: RO\nX-Status: A\n\n");
	got = slurp(mb, &len);
	ok(len == want.len && memcmp(got, want.data, len) == 0, "Status replaced where it stood");
	free(got);

	/* one: everything cleared: both fields go */
	is_int(local_folder_flags_write(folder, 1, MODEL_F_RECENT, &err), 0, "one: back to new");
	replace(&want, "Content-Length: 5\nStatus: RO\nX-Status: AF\n", "Content-Length: 5\n");
	/* four: CRLF header keeps CRLF */
	is_int(local_folder_flags_write(folder, 4, MODEL_F_DELETED | MODEL_F_SEEN, &err), 0, "four: seen, deleted");
	replace(&want, "X-Status: D\r\n\r\n", "X-Status: D\r\nStatus: RO\r\n\r\n");
	got = slurp(mb, &len);
	ok(len == want.len && memcmp(got, want.data, len) == 0, "fields dropped when empty; CRLF kept in a CRLF header");
	if (len != want.len || memcmp(got, want.data, len) != 0)
		printf("# got:\n%s\n", got);
	free(got);

	/* nothing to change: the file is not touched */
	stat(mb, &before);
	is_int(local_folder_flags_write(folder, 4, MODEL_F_DELETED | MODEL_F_SEEN, &err), 0,
	       "four again, same flags");
	stat(mb, &after);
	ok(after.st_ino == before.st_ino, "the same flags leave the file alone");

	/* the flags read back as written */
	struct model_mailbox *mbox = model_mailbox_new();
	local_folder_read(mb, mbox, &err);
	got = outline(mbox);
	is_str(got, "1:one:N  \n2:two: F \n3:three:  A\n4:four:  D\n", "read back");
	free(got);
	model_mailbox_free(mbox);

	/* another program appends a message: the index follows, the write goes on */
	FILE *fp = fopen(mb, "a");
	fputs("\nFrom eve@example.org Sat Nov 18 12:00:00 2023\nSubject: five\n\nfive\n", fp);
	fclose(fp);
	buf_addstr(&want, "\nFrom eve@example.org Sat Nov 18 12:00:00 2023\nSubject: five\n\nfive\n");
	is_int(local_folder_flags_write(folder, 2, MODEL_F_SEEN, &err), 0, "written after an append by another program");
	replace(&want, "Status: RO\nX-Status: F\n\n", "Status: RO\n\n");
	got = slurp(mb, &len);
	ok(len == want.len && memcmp(got, want.data, len) == 0, "and still every other byte kept");
	free(got);

	/* another program removes the first message: uid 2 is another message now */
	char *rest = xstrdup(strstr(want.data, "From bob@"));
	put(mb, rest);
	free(rest);
	ok(local_folder_flags_write(folder, 2, MODEL_F_FLAGGED, &err) < 0 && err.cls == LIB_ERR_TEMPORARY,
	   "refused when the message moved: %s", err.text);
	local_folder_close(folder);

	/* no temporary files or locks left */
	DIR *dir = opendir(base);
	struct dirent *d;
	int leftovers = 0;
	while (dir && (d = readdir(dir)) != NULL)
		leftovers += strstr(d->d_name, ".tmp") != NULL || strstr(d->d_name, ".lock") != NULL;
	if (dir)
		closedir(dir);
	is_int(leftovers, 0, "no temporary file or lock left");

	/* mutt reads what we wrote */
	put(mb, mbox_text);
	is_int(local_folder_set_flags(mb, 2, MODEL_F_SEEN | MODEL_F_FLAGGED | MODEL_F_ANSWERED, &err), 0,
	       "two flagged for mutt");
	is_int(local_folder_set_flags(mb, 3, MODEL_F_RECENT, &err), 0, "three new for mutt");
	char *screen = mutt_index(mb);
	if (!screen) {
		printf("ok %d - mutt reads the flags # SKIP mutt or script not installed\n", ++tap_count);
	} else {
		ok(strstr(screen, "IDX    1 [r !] one") && strstr(screen, "IDX    2 [r !] two") &&
		   strstr(screen, "IDX    3 [N  ] three") && strstr(screen, "IDX    4 [ND ] four"),
		   "mutt finds the same four messages and reads the flags (r replied, ! flagged, N new, D deleted)");
		if (!strstr(screen, "IDX    2 [r !] two") || !strstr(screen, "IDX    4 [ND ] four")) {
			for (char *p = screen; *p; p++)
				if ((unsigned char)*p < ' ' && *p != '\n')
					*p = ' ';
			printf("# mutt drew: %.2000s\n", screen);
		}
		free(screen);
	}
	buf_free(&want);
}

/* The name of the one file in dir/sub; NULL when there are none or
 * several. Caller frees. */
static char *only_file(const char *dir, const char *sub)
{
	char *path = xasprintf("%s/%s", dir, sub);
	DIR *d = opendir(path);
	struct dirent *e;
	char *name = NULL;
	int count = 0;

	while (d && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (!count++)
			name = xstrdup(e->d_name);
	}
	if (d)
		closedir(d);
	free(path);
	if (count != 1) {
		free(name);
		name = NULL;
	}
	return name;
}

/* Appending (CRLF in, LF and mboxrd quoting out, flags in Status or the
 * Maildir info), reading one message back, expunging some. */
static void test_append_expunge(void)
{
	struct lib_error err = { 0 };
	char *why = NULL;
	char *dir = xasprintf("%s/ae", base);
	mkdir(dir, 0700);
	char *mbox = xasprintf("%s/box", dir);
	FILE *fp = fopen(mbox, "w");
	fputs("From a@example.org Mon Jan  1 10:00:00 2024\nSubject: one\nMessage-ID: <1@x>\n\nfirst\n", fp);
	fclose(fp);
	const char two[] = "Subject: two\r\nMessage-ID: <2@x>\r\n\r\nFrom here on\r\n>From there\r\nend\r\n";
	is_int(local_folder_append(mbox, two, sizeof(two) - 1, MODEL_F_SEEN | MODEL_F_FLAGGED, &err), 0,
	       "append to an mbox without a blank line at its end");
	const char three[] = "Subject: three\nMessage-ID: <3@x>\n\nthird\n";
	is_int(local_folder_append(mbox, three, sizeof(three) - 1, 0, &err), 0, "append another");
	char *text = slurp(mbox, NULL);
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
	text = slurp(mbox, NULL);
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

	char *maildir = xasprintf("%s/md", dir);
	local_maildir_make(maildir, &why);
	is_int(local_folder_append(maildir, two, sizeof(two) - 1, MODEL_F_SEEN, &err), 0, "append to a Maildir");
	is_int(local_folder_append(maildir, three, sizeof(three) - 1, 0, &err), 0, "and another, unflagged");
	char *cur = only_file(maildir, "cur"), *new = only_file(maildir, "new");
	ok(cur && strstr(cur, ":2,S"), "the seen one is in cur/ with :2,S");
	ok(new && strchr(new, ':') == NULL, "the other in new/ without info");
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
	cur = only_file(maildir, "cur");
	ok(cur == NULL, "its file is gone");
	local_folder_close(folder);
	ok(local_folder_append(dir, three, sizeof(three) - 1, 0, &err) < 0 && err.cls == LIB_ERR_DATA,
	   "appending to a directory that is no folder fails: %s", err.text);

	model_mailbox_free(mb);
	free(dir);
	free(cur);
	free(new);
	free(maildir);
	free(mbox);
	free(why);
}

/* Issue 15.3: message files are never opened through a symbolic link or
 * when they are not regular files: a Maildir entry that links to a
 * secret is listed saying so and not read; an mbox path that is a link
 * is refused. */
static void test_links(void)
{
	char *md = xasprintf("%s/LinkMaildir", base), *err_text = NULL;
	struct lib_error err = { 0 };
	local_maildir_make(md, &err_text);
	char *secret = xasprintf("%s/secret", base);
	put(secret, "Subject: SECRET-SUBJECT\n\nSECRET-BODY\n");
	md_put(md, "cur", "1700000001.M1P1.host:2,S", "honest", NULL);
	char *link = xasprintf("%s/cur/1700000002.M2P1.host:2,", md);
	ok(symlink(secret, link) == 0, "a Maildir entry that is a symbolic link to another file");
	char *fifo = xasprintf("%s/new/1700000003.M3P1.host", md);
	ok(mkfifo(fifo, 0600) == 0, "and one that is a FIFO");

	struct local_folder *folder = local_folder_open(md, &err);
	struct model_mailbox *mbox = model_mailbox_new();
	is_int(folder ? local_folder_load(folder, mbox, &err) : -1, 0, "the Maildir loads (a FIFO does not hang it)");
	char *got = outline(mbox);
	ok(strstr(got, "1:honest:") && strstr(got, "2:[not opened: it is a symbolic link, which tern does not follow]:") &&
	   !strstr(got, "SECRET"), "the link is listed saying it was not opened; the secret is not read: %s", got);
	free(got);
	struct buf body = BUF_INIT;
	ok(local_folder_message(folder, 2, &body, &err) < 0 && strstr(err.text, "symbolic link") &&
	   !(body.data && strstr(body.data, "SECRET")), "opening it is refused: %s", err.text);
	ok(local_folder_message(folder, 1, &body, &err) == 0 && strstr(body.data, "honest"),
	   "the honest message still opens");
	buf_free(&body);
	model_mailbox_free(mbox);
	local_folder_close(folder);

	char *mb_link = xasprintf("%s/mbox-link", base);
	char *mb = xasprintf("%s/real-mbox", base);
	put(mb, "From a@b Mon Jan  1 00:00:00 2035\nSubject: x\n\nbody\n");
	ok(symlink(mb, mb_link) == 0, "an mbox path that is a symbolic link");
	ok(local_folder_detect(mb_link, &err) < 0 && strstr(err.text, "symbolic link"), "is refused: %s", err.text);
	unlink(link);
	unlink(fifo);
	free(mb);
	free(mb_link);
	free(link);
	free(fifo);
	free(secret);
	free(md);
	free(err_text);
}

int main(void)
{
	if (!mkdtemp(base))
		return 2;
	test_maildir();
	char *mb = xasprintf("%s/mbox", base);
	test_mbox_read(mb);
	test_locks(mb);
	test_mbox_write(mb);
	test_append_expunge();
	test_links();
	free(mb);
	char *cmd = xasprintf("rm -rf %s", base);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", base);
	free(cmd);
	return tap_done();
}
