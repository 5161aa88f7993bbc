/* engine: the one folder interface against a fake backend (an in-memory
 * ops table, no server): the copy/move loop between any two backends
 * (flags carried, sources removed only once every copy is safe, a failed
 * copy leaves them all), and the bulk actions built on the table alone
 * (a delete to the trash or the deleted mark, a copy inside a backend or
 * a clear refusal, an expunge's count of others passed on). */
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "engine/engine-private.h"

/* A folder in memory: messages by uid, and a log of the calls that change
 * it, in order ("append", "store +4", "remove 1,2"...). */
struct fake {
	struct fake_message {
		uint32_t uid;
		char *text;
		unsigned flags;
	} messages[16];
	size_t count;
	uint32_t next_uid;
	int fail_append; /* the n-th append fails (1: the first); 0: none */
	int appends;
	const char *trash; /* NULL: no trash */
	int expunge_others; /* an expunge refuses: this many others are marked deleted */
	struct buf log;
};

static struct fake_message *find(struct fake *f, uint32_t uid)
{
	for (size_t i = 0; i < f->count; i++)
		if (f->messages[i].uid == uid)
			return &f->messages[i];
	return NULL;
}

static void logf_uids(struct fake *f, const char *what, const uint32_t *uids, size_t n)
{
	buf_addf(&f->log, "%s%s ", f->log.len ? ";" : "", what);
	for (size_t i = 0; i < n; i++)
		buf_addf(&f->log, "%s%u", i ? "," : "", uids[i]);
}

static void add(struct fake *f, const char *text, unsigned flags)
{
	f->messages[f->count++] = (struct fake_message){ ++f->next_uid, xstrdup(text), flags };
}

static void fake_clear(struct fake *f)
{
	for (size_t i = 0; i < f->count; i++)
		free(f->messages[i].text);
	buf_free(&f->log);
	memset(f, 0, sizeof(*f));
}

static int fake_fetch(void *backend, const char *folder, uint32_t uid, struct buf *out, struct lib_error *err)
{
	struct fake_message *m = find(backend, uid);
	(void)folder;
	if (!m) {
		lib_error_set(err, LIB_ERR_SERVER, "message %u is gone", uid);
		return -1;
	}
	buf_addstr(out, m->text);
	return 0;
}

static unsigned fake_flags(void *backend, const char *folder, uint32_t uid)
{
	struct fake_message *m = find(backend, uid);
	(void)folder;
	return m ? m->flags : 0;
}

static int fake_store(void *backend, const char *folder, const uint32_t *uids, size_t n, unsigned flags, int add_them,
                      struct lib_error *err)
{
	struct fake *f = backend;
	(void)folder, (void)err;
	for (size_t i = 0; i < n; i++) {
		struct fake_message *m = find(f, uids[i]);
		if (m)
			m->flags = add_them ? m->flags | flags : m->flags & ~flags;
	}
	char what[32];
	snprintf(what, sizeof(what), "store %c%u", add_them ? '+' : '-', flags);
	logf_uids(f, what, uids, n);
	return 0;
}

static int fake_append(void *backend, const char *folder, const char *message, size_t len, unsigned flags,
                       struct lib_error *err)
{
	struct fake *f = backend;
	char *text = xstrndup(message, len);
	(void)folder;
	if (++f->appends == f->fail_append) {
		lib_error_set(err, LIB_ERR_SERVER, "over quota");
		free(text);
		return -1;
	}
	add(f, text, flags);
	free(text);
	buf_addf(&f->log, "%sappend", f->log.len ? ";" : "");
	return 0;
}

static void drop(struct fake *f, const uint32_t *uids, size_t n)
{
	size_t kept = 0;
	for (size_t i = 0; i < f->count; i++) {
		int gone = 0;
		for (size_t k = 0; k < n; k++)
			gone |= f->messages[i].uid == uids[k];
		if (gone)
			free(f->messages[i].text);
		else
			f->messages[kept++] = f->messages[i];
	}
	f->count = kept;
}

static int fake_copy(void *backend, const char *folder, const uint32_t *uids, size_t n, const char *target, int move,
                     struct lib_error *err)
{
	struct fake *f = backend;
	(void)folder, (void)err;
	char what[64];
	snprintf(what, sizeof(what), "%s %s", move ? "move" : "copy", target);
	logf_uids(f, what, uids, n);
	if (move)
		drop(f, uids, n);
	return 0;
}

static int fake_expunge(void *backend, const char *folder, const uint32_t *uids, size_t n, int all,
                        struct lib_error *err)
{
	struct fake *f = backend;
	(void)folder;
	if (f->expunge_others && !all) {
		lib_error_set(err, LIB_ERR_SERVER, "%d other messages are marked deleted", f->expunge_others);
		return -1 - f->expunge_others;
	}
	logf_uids(f, all ? "expunge-all" : "expunge", uids, n);
	drop(f, uids, n);
	return 0;
}

static int fake_remove(void *backend, const char *folder, const uint32_t *uids, size_t n, struct lib_error *err)
{
	(void)folder, (void)err;
	logf_uids(backend, "remove", uids, n);
	drop(backend, uids, n);
	return 0;
}

static char *fake_trash(void *backend, struct lib_error *err)
{
	struct fake *f = backend;
	(void)err;
	return f->trash ? xstrdup(f->trash) : NULL;
}

static const struct engine_folder_ops fake_ops = {
	.kind = "fake",
	.fetch = fake_fetch,
	.flags = fake_flags,
	.store_flags = fake_store,
	.append = fake_append,
	.copy = fake_copy,
	.expunge = fake_expunge,
	.remove = fake_remove,
	.trash = fake_trash,
};

/* A backend without a trash or a copy of its own, as a local folder. */
static const struct engine_folder_ops plain_ops = {
	.kind = "plain",
	.fetch = fake_fetch,
	.flags = fake_flags,
	.store_flags = fake_store,
	.append = fake_append,
	.expunge = fake_expunge,
	.remove = fake_remove,
};

static void test_transfer(void)
{
	struct fake a = { 0 }, b = { 0 };
	struct engine_folder src = { &fake_ops, &a }, dst = { &plain_ops, &b };
	struct lib_error err = { 0 };
	const uint32_t uids[] = { 1, 3 };

	add(&a, "one", MODEL_F_SEEN);
	add(&a, "two", 0);
	add(&a, "three", MODEL_F_FLAGGED);
	ok(engine_folder_transfer(&src, "INBOX", uids, 2, &dst, "Archive", 0, &err) == 0 && b.count == 2 &&
	       a.count == 3 && !a.log.len,
	   "a copy appends each message to the other backend and leaves the sources alone");
	ok(b.count == 2 && strcmp(b.messages[0].text, "one") == 0 && b.messages[0].flags == MODEL_F_SEEN &&
	       strcmp(b.messages[1].text, "three") == 0 && b.messages[1].flags == MODEL_F_FLAGGED,
	   "the copies keep their text and the flags the source knows");

	fake_clear(&b);
	ok(engine_folder_transfer(&src, "INBOX", uids, 2, &dst, "Archive", 1, &err) == 0 && a.count == 1 &&
	       a.messages[0].uid == 2 && strcmp(b.log.data, "append;append") == 0 && strcmp(a.log.data, "remove 1,3") == 0,
	   "a move removes the sources, once, after every append");

	fake_clear(&a);
	fake_clear(&b);
	add(&a, "one", 0);
	add(&a, "two", 0);
	add(&a, "three", 0);
	b.fail_append = 2;
	const uint32_t all[] = { 1, 2, 3 };
	err = (struct lib_error){ 0 };
	ok(engine_folder_transfer(&src, "INBOX", all, 3, &dst, "Archive", 1, &err) < 0 && a.count == 3 && !a.log.len &&
	       strcmp(err.text, "over quota") == 0,
	   "a move whose second append fails removes nothing and says why");
	err = (struct lib_error){ 0 };
	const uint32_t gone[] = { 1, 9 };
	ok(engine_folder_transfer(&src, "INBOX", gone, 2, &dst, "Archive", 1, &err) < 0 && a.count == 3 &&
	       err.cls == LIB_ERR_SERVER,
	   "a source that vanished stops the move before anything is removed");
	fake_clear(&a);
	fake_clear(&b);
}

static void test_action(void)
{
	struct fake f = { .trash = "Trash" };
	struct engine_folder folder = { &fake_ops, &f }, plain = { &plain_ops, &f };
	struct lib_error err = { 0 };
	const uint32_t uids[] = { 1, 2 };
	char *text = NULL, *moved_to = NULL;
	int moved = 0;

	add(&f, "one", 0);
	add(&f, "two", 0);
	ok(engine_folder_action(&folder, ENGINE_JOB_DELETE, "INBOX", uids, 2, 0, 0, NULL, &text, &moved, &moved_to,
	                        &err) == 0 &&
	       moved && strcmp(text, "Moved 2 messages to Trash.") == 0 && strcmp(moved_to, "Trash") == 0 &&
	       strcmp(f.log.data, "move Trash 1,2") == 0,
	   "a delete moves to the trash and says where they went");
	free(text);
	free(moved_to);

	fake_clear(&f);
	f.trash = "Trash";
	add(&f, "one", 0);
	ok(engine_folder_action(&folder, ENGINE_JOB_DELETE, "Trash", uids, 1, 0, 0, NULL, &text, &moved, &moved_to,
	                        &err) == 0 &&
	       !moved && !moved_to && strcmp(text, "Marked 1 message deleted; $ expunges.") == 0 &&
	       f.messages[0].flags == MODEL_F_DELETED,
	   "a delete in the trash itself marks deleted");
	free(text);

	ok(engine_folder_action(&plain, ENGINE_JOB_DELETE, "INBOX", uids, 1, 0, 0, NULL, &text, &moved, NULL, &err) == 0 &&
	       !moved && strncmp(text, "Marked 1 message deleted", 24) == 0,
	   "a backend without a trash marks deleted");
	free(text);

	ok(engine_folder_action(&plain, ENGINE_JOB_COPY, "INBOX", uids, 1, 0, 1, "Archive", &text, &moved, NULL, &err) < 0 &&
	       !text && err.cls == LIB_ERR_INTERNAL,
	   "a backend without a copy of its own refuses a copy inside it (the worker transfers instead)");

	f.expunge_others = 3;
	err = (struct lib_error){ 0 };
	ok(engine_folder_action(&folder, ENGINE_JOB_EXPUNGE, "INBOX", uids, 1, 0, 0, NULL, &text, &moved, NULL, &err) == -4 &&
	       !text,
	   "an expunge that would take 3 others returns -1 - 3 for the reader to ask");
	ok(engine_folder_action(&folder, ENGINE_JOB_EXPUNGE, "INBOX", uids, 1, 0, 1, NULL, &text, &moved, NULL, &err) == 0 &&
	       moved && strcmp(text, "Expunged 1 message.") == 0 && strstr(f.log.data, "expunge-all 1"),
	   "asked again with all, it expunges");
	free(text);

	ok(engine_folder_action(&folder, ENGINE_JOB_STORE_FLAGS, "INBOX", uids, 1, MODEL_F_FLAGGED, 1, NULL, &text,
	                        &moved, NULL, &err) == 0 &&
	       !text && !moved,
	   "a flag change says nothing and moves nothing");
	fake_clear(&f);
}

int main(void)
{
	test_transfer();
	test_action();
	return tap_done();
}
