/* store: folders round-trip through the header cache; small changes write
 * little; damage, schema changes and a second tern are survived; the
 * record decoders take garbage without reading out of bounds. Prints the
 * write time, warm read time and file size of a 100,000-message folder as
 * "# " lines (a test never asserts a time).
 *
 * Measured on the 2-core build machine, -O2 without sanitizers, the
 * synthetic folder below (100,000 messages, ~115 bytes each once encoded),
 * median of 5 runs (build with -DSTORE_TC_OPTS=HDBTDEFLATE to compare):
 *                  first write  warm read  rewrite  flag-only  file
 *   no compression   0.083 s     0.029 s   0.048 s   0.041 s  11.6 MB
 *   HDBTDEFLATE      0.332 s     0.068 s   0.048 s   0.044 s   4.5 MB
 *   HDBTTCBS         4.1 s       3.3 s                          6.7 MB
 * A process that only opens the cache and loads the folder peaks at
 * 32 MB RSS: 19 MB of mailbox (array + arena) and the mapped file. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <tchdb.h>
#include <time.h>
#include <unistd.h>

#include "../tap.h"
#include "lib/lib.h"
#include "model/model.h"
#include "store/store-private.h"
#include "store/store.h"

static char tmpdir[64];

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* xorshift64*: the same folder on every run. */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1du;
}

static const char *const first_names[] = {
	"Ana", "Bruno", "Chloé", "Dmitri", "Eva", "François", "Gül", "Hiro", "Ines", "Jürgen", "Kasia",
	"Lars", "María", "Noor", "Olaf", "Priya", "Quentin", "Rosa", "Søren", "Tomás", "Uma", "Viktor",
	"Wen", "Xavier", "Yara", "Zoë", "李", "Ольга",
};
static const char *const last_names[] = {
	"Silva", "Novak", "Müller", "Kowalski", "Nakamura", "García", "Smith", "Jensen", "Öztürk",
	"Dubois", "Rossi", "Petrov", "Chen", "Okafor", "Larsen", "Fischer",
};
static const char *const words[] = {
	"patch", "release", "build", "fix", "crash", "memory", "leak", "kernel", "driver", "meeting",
	"notes", "review", "question", "about", "the", "new", "cache", "index", "thread", "server",
	"report", "update", "v2", "v3", "broken", "tests", "docs", "proposal", "schedule", "draft",
	"résumé", "naïve", "configuration", "performance", "regression", "security", "advisory",
};
static const char *const lists[] = {
	"dev@lists.example.org", "users@lists.example.org", "announce@example.com",
	"Kernel Hackers <kernel@vger.example.net>", "me@home.example",
};

static void add_words(struct buf *b, int n)
{
	for (int i = 0; i < n; i++) {
		if (i)
			buf_addch(b, ' ');
		buf_addstr(b, words[rnd() % LIB_ARRAY_LEN(words)]);
	}
}

static void add_person(struct buf *b)
{
	uint64_t r = rnd() % 400; /* 400 regular correspondents */
	const char *first = first_names[r % LIB_ARRAY_LEN(first_names)];
	const char *last = last_names[r / LIB_ARRAY_LEN(first_names) % LIB_ARRAY_LEN(last_names)];

	buf_addf(b, "%s %s <%c%s%u@mail%u.example.com>", first, last, first[0], last, (unsigned)r,
		 (unsigned)(r % 7));
}

/* A folder that looks like mail: a third of it replies within threads,
 * most of it to a list, sender names repeating, UTF-8 here and there. */
static void make_folder(struct model_mailbox *mbox, size_t n, uint32_t first_uid)
{
	struct buf from = BUF_INIT, to = BUF_INIT, cc = BUF_INIT, subject = BUF_INIT;
	uint64_t *msgids = xmalloc(n * sizeof(*msgids));
	uint64_t refs[12];
	int64_t date = 1600000000;
	uint32_t uid = first_uid;

	for (size_t i = 0; i < n; i++) {
		struct model_summary m = { 0 };
		buf_reset(&from);
		buf_reset(&to);
		buf_reset(&cc);
		buf_reset(&subject);
		add_person(&from);
		buf_addstr(&to, lists[rnd() % LIB_ARRAY_LEN(lists)]);
		if (rnd() % 4 == 0) {
			add_person(&cc);
			buf_addstr(&cc, ", ");
			add_person(&cc);
		}
		m.nreferences = 0;
		if (i > 10 && rnd() % 3 == 0) {
			/* A reply: references are a chain of earlier messages. */
			size_t parent = i - 1 - rnd() % (i < 200 ? i : 200);
			m.nreferences = 1 + rnd() % 6;
			for (uint32_t k = 0; k < m.nreferences; k++)
				refs[k] = msgids[parent >= m.nreferences - 1 - k ? parent - (m.nreferences - 1 - k) : 0];
			m.in_reply_to = refs[m.nreferences - 1];
			buf_addstr(&subject, "Re: ");
		}
		add_words(&subject, 3 + rnd() % 6);
		msgids[i] = rnd() | 1;
		uid += 1 + (rnd() % 10 == 0 ? rnd() % 5 : 0); /* some gaps, as after expunges */
		date += rnd() % 600;
		m.uid = uid;
		m.flags = rnd() % 5 ? MODEL_F_SEEN : 0;
		m.size = 2000 + rnd() % 40000;
		m.date = date;
		m.from = from.data;
		m.to = to.data;
		m.cc = cc.len ? cc.data : "";
		m.subject = subject.data;
		m.message_id = msgids[i];
		m.references = refs;
		model_mailbox_add(mbox, &m);
	}
	free(msgids);
	buf_free(&from);
	buf_free(&to);
	buf_free(&cc);
	buf_free(&subject);
}

static int summaries_equal(const struct model_summary *a, const struct model_summary *b)
{
	if (a->uid != b->uid || a->flags != b->flags || a->size != b->size || a->date != b->date ||
	    strcmp(a->from, b->from) || strcmp(a->to, b->to) || strcmp(a->cc, b->cc) ||
	    strcmp(a->subject, b->subject) || a->message_id != b->message_id ||
	    a->in_reply_to != b->in_reply_to || a->nreferences != b->nreferences)
		return 0;
	for (uint32_t k = 0; k < a->nreferences; k++)
		if (a->references[k] != b->references[k])
			return 0;
	return 1;
}

/* Index of the first difference, or -1 when equal. */
static long mailboxes_differ(const struct model_mailbox *a, const struct model_mailbox *b)
{
	size_t n = model_mailbox_count(a);
	const struct model_summary *sa = model_mailbox_summaries(a), *sb = model_mailbox_summaries(b);

	if (model_mailbox_count(b) != n)
		return (long)(n < model_mailbox_count(b) ? n : model_mailbox_count(b));
	for (size_t i = 0; i < n; i++)
		if (!summaries_equal(&sa[i], &sb[i]))
			return (long)i;
	return -1;
}

static long file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static int file_mode(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

static struct store *open_ok(const char *path, const char *name)
{
	char *warning, *err;
	struct store *store = store_open(path, &warning, &err);

	ok(store != NULL && warning == NULL, "%s", name);
	if (warning)
		printf("#   warning: %s\n", warning);
	if (err)
		printf("#   err: %s\n", err);
	free(warning);
	free(err);
	return store;
}

static int write_ok(struct store *store, const char *folder, const struct store_folder_state *state,
		    const struct model_mailbox *mbox)
{
	char *err;
	int rc = store_folder_write(store, folder, state, mbox, &err);

	if (err)
		printf("#   err: %s\n", err);
	free(err);
	return rc == 0;
}

static void test_paths(void)
{
	char *path;

	setenv("XDG_CACHE_HOME", "/xdg/cache", 1);
	path = store_path_make(NULL, "work");
	is_str(path, "/xdg/cache/tern/work.hcache", "default cache file under $XDG_CACHE_HOME/tern");
	free(path);
	path = store_path_make("/c", "me@example.org/imap");
	is_str(path, "/c/me@example.org_imap.hcache", "a slash in an account name cannot leave the directory");
	free(path);
	path = store_path_make("/c", "..");
	is_str(path, "/c/_..hcache", "nor can a leading dot");
	free(path);
}

static void test_round_trip(const char *path)
{
	struct store_folder_state state = { 1700000001, 4242, 987654321012345u }, got;
	struct model_mailbox *mbox = model_mailbox_new(), *back = model_mailbox_new();
	uint64_t refs[3] = { 1, UINT64_MAX, 0x123456789abcdefu };
	char *warning;
	struct store *store;
	struct stat st;

	umask(022);
	store = open_ok(path, "open creates directories and file");
	ok(file_mode(path) == 0600, "the cache file is mode 0600 despite umask 022");
	char *dir = lib_path_dirname(path);
	ok(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700, "a created directory is mode 0700");
	free(dir);

	is_int(store_folder_read(store, "INBOX", &got, back, &warning), 0, "an unknown folder reads as not cached");
	ok(got.uidvalidity == 0 && got.uidnext == 0 && got.highestmodseq == 0 && warning == NULL,
	   "with its state zeroed");

	model_mailbox_add(mbox, &(struct model_summary){
		.uid = 0, .flags = 0x3f, .size = UINT32_MAX, .date = INT64_MIN,
		.from = "", .to = "", .cc = "", .subject = "", .message_id = 0 });
	model_mailbox_add(mbox, &(struct model_summary){
		.uid = 7, .flags = MODEL_F_SEEN, .size = 512, .date = -86400,
		.from = "Zoë Ñúñez <zoe@example.org>", .to = "日本語 <jp@example.jp>, ana@example.org",
		.cc = "Ольга <olga@example.ru>", .subject = "Ünïcödé ✓ — \"quoted\" \\ back",
		.message_id = UINT64_MAX, .in_reply_to = 0x123456789abcdefu, .references = refs, .nreferences = 3 });
	model_mailbox_add(mbox, &(struct model_summary){
		.uid = 8, .date = INT64_MAX, .from = "Zoë Ñúñez <zoe@example.org>", .to = "x",
		.subject = "Re: Ünïcödé ✓ — \"quoted\" \\ back", .message_id = 5, .in_reply_to = 77,
		.references = refs, .nreferences = 2 });
	model_mailbox_add(mbox, &(struct model_summary){
		.uid = UINT32_MAX, .from = "x", .to = "x", .cc = "x", .subject = "x", .in_reply_to = 1 });
	ok(write_ok(store, "INBOX", &state, mbox), "write a folder of edge cases");
	is_int(store_folder_read(store, "INBOX", &got, back, &warning), 1, "read it back");
	ok(got.uidvalidity == state.uidvalidity && got.uidnext == state.uidnext &&
	   got.highestmodseq == state.highestmodseq, "state round-trips");
	is_int(mailboxes_differ(mbox, back), -1, "every field round-trips: UTF-8, empty strings, extremes, references");
	const struct model_summary *s = model_mailbox_find_uid(back, 8);
	ok(s && s->from == model_mailbox_find_uid(back, 7)->from, "a repeated string is loaded once and shared");

	struct model_mailbox *empty = model_mailbox_new();
	struct store_folder_state empty_state = { 5, 1, 0 };
	ok(write_ok(store, "Archiv/&AOk-t&AOk- 2024", &empty_state, empty), "write an empty folder with an odd name");
	model_mailbox_clear(back);
	is_int(store_folder_read(store, "Archiv/&AOk-t&AOk- 2024", &got, back, &warning), 1,
	       "an empty folder reads as cached");
	ok(got.uidvalidity == 5 && model_mailbox_count(back) == 0, "with its state and no messages");
	model_mailbox_clear(back);
	is_int(store_folder_read(store, "INBOX", &got, back, &warning), 1, "the other folder is still there");
	is_int(mailboxes_differ(mbox, back), -1, "unchanged");

	ok(store_folder_drop(store, "INBOX") == 0, "drop a folder (UIDVALIDITY changed)");
	model_mailbox_clear(back);
	is_int(store_folder_read(store, "INBOX", &got, back, &warning), 0, "a dropped folder is not cached");
	model_mailbox_clear(back);
	is_int(store_folder_read(store, "Archiv/&AOk-t&AOk- 2024", &got, back, &warning), 1,
	       "dropping one folder leaves the others");
	ok(store_folder_drop(store, "never there") == 0, "dropping an unknown folder is fine");

	store_close(store);
	store_close(NULL);
	model_mailbox_free(mbox);
	model_mailbox_free(back);
	model_mailbox_free(empty);
}

static uint64_t written_since(struct store *store, struct store_stats *before)
{
	struct store_stats now_stats;
	uint64_t n;

	store_stats_get(store, &now_stats);
	n = now_stats.records_written - before->records_written;
	*before = now_stats;
	return n;
}

static void test_many(const char *path)
{
	struct store_folder_state state = { 42, 100000, 1 }, got;
	struct model_mailbox *mbox = model_mailbox_new(), *back = model_mailbox_new();
	struct store_stats stats;
	struct rusage ru;
	struct store *store;
	char *warning;
	double t;

	make_folder(mbox, 100000, 1000);
	store = open_ok(path, "open a fresh cache for 100,000 messages");
	t = now();
	ok(write_ok(store, "INBOX", &state, mbox), "write 100,000 summaries");
	printf("# write 100,000: %.3f s\n", now() - t);
	store_stats_get(store, &stats);
	printf("# records written: %llu, %llu bytes\n", (unsigned long long)stats.records_written,
	       (unsigned long long)stats.bytes_written);
	store_close(store);
	printf("# cache file: %ld bytes\n", file_size(path));
	ok(file_size(path) < 25 * 1000 * 1000, "the file is under 25 MB");

	store = open_ok(path, "reopen");
	t = now();
	int rc = store_folder_read(store, "INBOX", &got, back, &warning);
	printf("# warm read 100,000: %.3f s\n", now() - t);
	store_stats_get(store, &stats);
	printf("# records read: %llu (%llu bytes); mailbox %zu bytes\n", (unsigned long long)stats.records_read,
	       (unsigned long long)stats.bytes_read, model_mailbox_memory(back));
	getrusage(RUSAGE_SELF, &ru);
	printf("# peak RSS of this test so far: %ld KiB\n", ru.ru_maxrss);
	is_int(rc, 1, "read 100,000 back");
	ok(stats.records_read < 1000, "in a few hundred reads, not one per message (%llu)",
	   (unsigned long long)stats.records_read);
	is_int(mailboxes_differ(mbox, back), -1, "all 100,000 equal");
	ok(got.uidvalidity == 42 && got.uidnext == 100000 && got.highestmodseq == 1, "state equal");

	store_stats_get(store, &stats);
	t = now();
	ok(write_ok(store, "INBOX", &state, mbox), "write again unchanged");
	printf("# unchanged write 100,000: %.3f s\n", now() - t);
	is_int((long)written_since(store, &stats), 0, "nothing is rewritten");

	model_mailbox_find_uid(mbox, model_mailbox_summaries(mbox)[5000].uid)->flags ^= MODEL_F_FLAGGED;
	model_mailbox_find_uid(mbox, model_mailbox_summaries(mbox)[90000].uid)->flags |= MODEL_F_ANSWERED;
	t = now();
	ok(write_ok(store, "INBOX", &state, mbox), "write after two flag changes");
	printf("# flag-only write 100,000: %.3f s\n", now() - t);
	is_int((long)written_since(store, &stats), 1, "only the flags record is rewritten");

	state.highestmodseq = 2;
	ok(write_ok(store, "INBOX", &state, mbox), "write after a modseq change");
	is_int((long)written_since(store, &stats), 1, "only the meta record is rewritten");

	uint32_t last = model_mailbox_summaries(mbox)[model_mailbox_count(mbox) - 1].uid;
	for (uint32_t k = 1; k <= 10; k++)
		model_mailbox_add(mbox, &(struct model_summary){ .uid = last + k, .from = "new@example.org",
								  .subject = "new mail" });
	uint64_t n;
	ok(write_ok(store, "INBOX", &state, mbox), "write after 10 new messages");
	n = written_since(store, &stats);
	ok(n >= 3 && n <= 4, "new mail rewrites the last block or two, flags and meta (%llu)", (unsigned long long)n);

	uint32_t gone[2] = { model_mailbox_summaries(mbox)[50000].uid, model_mailbox_summaries(mbox)[50001].uid };
	model_mailbox_remove_uids(mbox, gone, 2);
	ok(write_ok(store, "INBOX", &state, mbox), "write after an expunge in the middle");
	n = written_since(store, &stats);
	ok(n >= 2 && n <= 4, "an expunge rewrites its block, not the ones after it (%llu)", (unsigned long long)n);

	model_mailbox_clear(back);
	is_int(store_folder_read(store, "INBOX", &got, back, &warning), 1, "read after the changes");
	is_int(mailboxes_differ(mbox, back), -1, "equal after the changes");
	ok(got.highestmodseq == 2, "new state read");

	struct model_mailbox *half = model_mailbox_new();
	const struct model_summary *all = model_mailbox_summaries(mbox);
	for (size_t i = 0; i < model_mailbox_count(mbox) / 2; i++)
		model_mailbox_add(half, &all[i]);
	ok(write_ok(store, "INBOX", &state, half), "write a folder half the size");
	store_stats_get(store, &stats);
	model_mailbox_clear(back);
	is_int(store_folder_read(store, "INBOX", &got, back, &warning), 1, "read the smaller folder");
	is_int(mailboxes_differ(half, back), -1, "equal: the dropped blocks are gone");
	model_mailbox_free(half);

	store_close(store);
	model_mailbox_free(mbox);
	model_mailbox_free(back);
}

static void test_schema(const char *path)
{
	struct store_folder_state state = { 1, 2, 3 }, got;
	struct model_mailbox *mbox = model_mailbox_new();
	struct store *store;
	char *warning, *err;
	TCHDB *hdb;

	store = open_ok(path, "open for the schema test");
	model_mailbox_add(mbox, &(struct model_summary){ .uid = 1, .subject = "old" });
	ok(write_ok(store, "INBOX", &state, mbox), "write a folder");
	store_close(store);

	hdb = tchdbnew();
	ok(tchdbopen(hdb, path, HDBOWRITER) &&
	   tchdbput(hdb, STORE_SCHEMA_KEY, STORE_SCHEMA_KEY_LEN, "tern hcache 0", 13), "an older tern's schema");
	tchdbclose(hdb);
	tchdbdel(hdb);

	store = store_open(path, &warning, &err);
	ok(store != NULL && warning && strstr(warning, "schema") && !strchr(warning, '\n'),
	   "a schema mismatch rebuilds with a one-line warning");
	printf("#   %s\n", warning ? warning : "(no warning)");
	free(warning);
	model_mailbox_clear(mbox);
	is_int(store_folder_read(store, "INBOX", &got, mbox, &warning), 0, "the old data is gone");
	store_close(store);
	store = open_ok(path, "the next open is quiet");
	store_close(store);
	model_mailbox_free(mbox);
}

/* Writes len random bytes at offset. */
static void scribble(const char *path, long offset, size_t len)
{
	int fd = open(path, O_WRONLY);
	unsigned char *junk = xmalloc(len);

	for (size_t i = 0; i < len; i++)
		junk[i] = (unsigned char)rnd();
	if (fd < 0 || pwrite(fd, junk, len, offset) != (ssize_t)len)
		printf("# cannot scribble on %s: %s\n", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	free(junk);
}

/* Opens, reads and writes a damaged cache; the damage may be found at
 * open or at read, but it must be found (or harmless) and the cache must
 * work afterwards. */
static void survive(const char *path, const struct model_mailbox *mbox, const char *what)
{
	struct store_folder_state state = { 9, 9, 9 }, got;
	struct model_mailbox *back = model_mailbox_new();
	char *open_warning = NULL, *read_warning = NULL, *err = NULL;
	struct store *store = store_open(path, &open_warning, &err);
	int rc = -2;

	if (store)
		rc = store_folder_read(store, "INBOX", &got, back, &read_warning);
	ok(store && (rc == -1 || rc == 0 || (rc == 1 && mailboxes_differ(mbox, back) == -1)) &&
	   (rc != -1 || read_warning) && (rc == 1 || open_warning || read_warning),
	   "%s: no crash, damage reported or harmless (read %d)", what, rc);
	if (open_warning || read_warning)
		printf("#   %s\n", open_warning ? open_warning : read_warning);
	if (err)
		printf("#   err: %s\n", err);
	if (store) {
		model_mailbox_clear(back);
		ok(write_ok(store, "INBOX", &state, mbox) && store_folder_read(store, "INBOX", &got, back, NULL) == 1 &&
		   mailboxes_differ(mbox, back) == -1, "%s: the cache works afterwards", what);
	}
	store_close(store);
	free(open_warning);
	free(read_warning);
	free(err);
	model_mailbox_free(back);
}

static void test_damage(const char *path)
{
	struct store_folder_state state = { 9, 9, 9 };
	struct model_mailbox *mbox = model_mailbox_new();
	struct store *store;
	char *err;
	long size;

	make_folder(mbox, 20000, 1);
	store = open_ok(path, "open for the damage tests");
	ok(write_ok(store, "INBOX", &state, mbox), "write 20,000 messages");
	store_close(store);
	size = file_size(path);

	const long offsets[] = { size / 2, size / 3, size - 100, 40, 256, 1000, 200000 };
	for (size_t i = 0; i < LIB_ARRAY_LEN(offsets); i++) {
		char what[64];
		snprintf(what, sizeof(what), "4 KiB of garbage at %ld of %ld", offsets[i], size);
		scribble(path, offsets[i], 4096);
		survive(path, mbox, what);
	}

	scribble(path, size / 2, 16); /* a smaller hit, inside one record */
	survive(path, mbox, "16 bytes of garbage in a record");

	ok(truncate(path, size / 2) == 0, "cut the file in half");
	survive(path, mbox, "a truncated file");

	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	close(fd);
	scribble(path, 0, 1 << 20);
	survive(path, mbox, "a file of pure random bytes");

	fd = open(path, O_WRONLY | O_TRUNC);
	ok(fd >= 0 && write(fd, "ToKyO CaBiNeT\n", 14) == 14, "a file with only a magic header");
	close(fd);
	survive(path, mbox, "a header-only file");

	/* A full disk, played by a file size limit: the write fails, the
	 * cache is emptied, and works again once there is room. */
	struct rlimit saved, small;
	struct model_mailbox *back = model_mailbox_new();
	struct store_folder_state got;
	store = open_ok(path, "open for the full disk test");
	getrlimit(RLIMIT_FSIZE, &saved);
	small = saved;
	small.rlim_cur = 1000 * 1000;
	signal(SIGXFSZ, SIG_IGN);
	setrlimit(RLIMIT_FSIZE, &small);
	ok(store_folder_write(store, "Full", &state, mbox, &err) == -1 && err && strstr(err, "emptied"),
	   "a write that hits a full disk fails and empties the cache");
	printf("#   %s\n", err ? err : "(no error)");
	free(err);
	setrlimit(RLIMIT_FSIZE, &saved);
	signal(SIGXFSZ, SIG_DFL);
	ok(write_ok(store, "INBOX", &state, mbox) && store_folder_read(store, "INBOX", &got, back, NULL) == 1 &&
	   mailboxes_differ(mbox, back) == -1, "with room again, the cache works");
	store_close(store);
	model_mailbox_free(back);

	/* An unwritable location fails cleanly. */
	store = store_open("/proc/tern-cannot/x.hcache", NULL, &err);
	ok(store == NULL && err != NULL, "an unusable path is an error, not a crash");
	printf("#   %s\n", err ? err : "(no error)");
	free(err);
	model_mailbox_free(mbox);
}

static void test_second_tern(const char *path)
{
	struct store *store = open_ok(path, "the first tern opens the cache");
	char *warning, *err;
	char wal[512];
	int status;
	pid_t pid;


	struct store *again = store_open(path, &warning, &err);
	ok(again == NULL && err && strstr(err, "in use"), "a second open in the same process is refused");
	printf("#   %s\n", err ? err : "(no error)");
	free(err);
	free(warning);

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		alarm(10); /* blocking on the lock would end here, as a failure */
		struct store *other = store_open(path, &warning, &err);
		int refused = other == NULL && err && strstr(err, "in use");
		store_close(other);
		free(err);
		free(warning);
		_exit(refused ? 0 : 1);
	}
	ok(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "another process is refused at once, without blocking");

	struct model_mailbox *mbox = model_mailbox_new(), *back = model_mailbox_new();
	struct store_folder_state state = { 1, 1, 1 }, got;
	model_mailbox_add(mbox, &(struct model_summary){ .uid = 3, .subject = "still fine" });
	ok(write_ok(store, "INBOX", &state, mbox) && store_folder_read(store, "INBOX", &got, back, NULL) == 1 &&
	   mailboxes_differ(mbox, back) == -1, "the first tern's cache is untouched");
	snprintf(wal, sizeof(wal), "%s.wal", path);
	ok(file_mode(wal) == 0600, "the write-ahead log is mode 0600 too");
	store_close(store);
	ok(file_mode(wal) == -1, "and is removed at close");
	store = open_ok(path, "after the first closes, the cache opens again");
	store_close(store);
	model_mailbox_free(mbox);
	model_mailbox_free(back);
}

/* store_folder_names, for shell completion: the cached folders, read
 * without taking the cache from a running tern or waiting for it. */
static void test_folder_names(const char *path)
{
	struct model_mailbox *mbox = model_mailbox_new();
	struct store_folder_state state = { 1, 1, 1 };
	char **names = NULL, *err = NULL;
	int n;

	n = store_folder_names(path, &names, &err);
	ok(n == 0 && !names && !err, "no cache file: no folder names, no error");
	ok(access(path, F_OK) < 0, "and no file is created for asking");

	struct store *store = open_ok(path, "a cache for folder names");
	model_mailbox_add(mbox, &(struct model_summary){ .uid = 1, .subject = "one" });
	const char *folders[] = { "Sent", "INBOX", "Archive/2024", "Ünïcode", "local:/home/a/Maildir" };
	for (size_t i = 0; i < sizeof(folders) / sizeof(*folders); i++)
		write_ok(store, folders[i], &state, mbox);
	store_folder_extra_put(store, "local:/home/a/Maildir", "x", 1);

	int status;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		alarm(10); /* waiting for the lock would end here, as a failure */
		n = store_folder_names(path, &names, &err);
		_exit(n == -1 && !names && err && strstr(err, "in use by another tern") ? 0 : 1);
	}
	ok(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "while another process holds the cache: an error at once, not a wait or a lock-less read");
	n = store_folder_names(path, &names, &err);
	ok(n == -1 && !names && err && strstr(err, "in use by another tern"), "the same in the process holding it");
	printf("#   %s\n", err ? err : "(no error)");
	free(err);
	store_close(store);

	n = store_folder_names(path, &names, &err);
	ok(n == 5, "every cached folder is named once (got %d)", n);
	const char *want[] = { "Archive/2024", "INBOX", "Sent", "local:/home/a/Maildir", "Ünïcode" };
	int same = n == 5;
	for (int i = 0; i < n; i++) {
		same = same && strcmp(names[i], want[i]) == 0;
		printf("#   %s\n", names[i]);
		free(names[i]);
	}
	free(names);
	ok(same, "sorted, as store_folder_write got them");

	store = open_ok(path, "the cache opens for writing after the names were read");
	struct model_mailbox *back = model_mailbox_new();
	ok(store && store_folder_read(store, "INBOX", &state, back, NULL) == 1 && model_mailbox_count(back) == 1,
	   "and still holds its folders");
	store_close(store);
	model_mailbox_free(back);
	model_mailbox_free(mbox);
}

/* Recomputes the trailing checksum so the decoder's other checks are hit. */
static void reseal(unsigned char *rec, size_t len)
{
	uint64_t sum = store_hash(rec, len - 8);

	for (int i = 0; i < 8; i++)
		rec[len - 8 + i] = (unsigned char)(sum >> (8 * i));
}

static void test_decoders_fuzz(void)
{
	struct model_mailbox *mbox = model_mailbox_new(), *back = model_mailbox_new();
	struct buf block = BUF_INIT, meta_rec = BUF_INIT, flags_rec = BUF_INIT;
	struct store_block_ref ref;
	struct store_meta meta = { 0 }, out;
	uint32_t flags[64] = { 0 }, *fl;
	const char *why;
	int accepted = 0, all_ok = 1;

	make_folder(mbox, 64, 1);
	const struct model_summary *s = model_mailbox_summaries(mbox);
	ref.first_uid = s[0].uid;
	ref.count = 64;
	ref.hash = store_block_encode(&block, s, 64);
	for (int i = 0; i < 64; i++)
		flags[i] = s[i].flags;
	ok(store_block_decode(block.data, block.len, &ref, -1, flags, back, &why) == 0 &&
	   mailboxes_differ(mbox, back) == -1, "a block decodes to what was encoded");
	ok(store_block_decode(block.data, block.len, &ref, s[0].uid, flags, back, &why) < 0,
	   "a block overlapping the previous one is refused");
	meta.nblocks = 1;
	meta.blocks = &ref;
	meta.total = 64;
	meta.cut_bits = 8;
	store_meta_encode(&meta_rec, &meta);
	store_flags_encode(&flags_rec, s, 64);

	unsigned char *copy = xmalloc(block.len);
	for (int round = 0; round < 20000; round++) {
		size_t len = block.len;
		memcpy(copy, block.data, len);
		int hits = 1 + rnd() % 4;
		for (int k = 0; k < hits; k++)
			copy[rnd() % (len - 8)] = (unsigned char)rnd();
		if (rnd() % 4 == 0)
			len = 9 + rnd() % (len - 9);
		if (rnd() % 8)
			reseal(copy, len);
		struct store_block_ref fuzzed = ref;
		fuzzed.hash = store_hash(copy, len - 8);
		model_mailbox_clear(back);
		/* A copy of exactly len bytes, so ASan sees any read past it. */
		unsigned char *exact = xmalloc(len);
		memcpy(exact, copy, len);
		if (store_block_decode(exact, len, &fuzzed, -1, flags, back, &why) == 0) {
			accepted++;
			if (model_mailbox_count(back) != 64)
				all_ok = 0;
		}
		free(exact);
	}
	free(copy);
	ok(all_ok, "20,000 mangled blocks: no crash; the %d accepted hold 64 summaries", accepted);

	int meta_bad = 0, flags_bad = 0;
	for (int round = 0; round < 5000; round++) {
		struct buf *rec = round % 2 ? &meta_rec : &flags_rec;
		size_t len = rec->len;
		unsigned char *exact = xmalloc(len);
		memcpy(exact, rec->data, len);
		exact[rnd() % (len - 8)] = (unsigned char)rnd();
		if (rnd() % 3 == 0)
			len = 9 + rnd() % (len - 9);
		reseal(exact, len);
		if (round % 2) {
			if (store_meta_decode(exact, len, &out, &why) == 0) {
				if (out.nblocks > 1)
					meta_bad = 1;
				free(out.blocks);
			}
		} else if (store_flags_decode(exact, len, 64, &fl, &why) == 0) {
			free(fl);
		} else if (fl) {
			flags_bad = 1;
		}
		free(exact);
	}
	ok(!meta_bad && !flags_bad, "5,000 mangled meta and flags records: no crash, no leak");

	unsigned char tiny[9] = { 'B' };
	ok(store_block_decode(tiny, 0, &ref, -1, flags, back, &why) < 0 &&
	   store_block_decode(tiny, 9, &ref, -1, flags, back, &why) < 0 &&
	   store_meta_decode(tiny, 3, &out, &why) < 0, "empty and tiny records are refused");

	buf_free(&block);
	buf_free(&meta_rec);
	buf_free(&flags_rec);
	model_mailbox_free(mbox);
	model_mailbox_free(back);
}

int main(void)
{
	char path[256];

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/tern-store-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_paths();
	snprintf(path, sizeof(path), "%s/new/dirs/acct.hcache", tmpdir);
	test_round_trip(path);
	snprintf(path, sizeof(path), "%s/many.hcache", tmpdir);
	test_many(path);
	snprintf(path, sizeof(path), "%s/schema.hcache", tmpdir);
	test_schema(path);
	snprintf(path, sizeof(path), "%s/damage.hcache", tmpdir);
	test_damage(path);
	snprintf(path, sizeof(path), "%s/lock.hcache", tmpdir);
	test_second_tern(path);
	snprintf(path, sizeof(path), "%s/names.hcache", tmpdir);
	test_folder_names(path);
	test_decoders_fuzz();

	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
	free(cmd);
	return tap_done();
}
