/* The offline journal: flag changes, deletes and moves made while the
 * server could not be reached, kept in order in a small text file under
 * $XDG_DATA_HOME/tern (user data, not cache) and written durably, so they
 * survive tern being killed; replayed in order on the next connection.
 * One action a line:
 *     KIND \t FOLDER \t UIDVALIDITY \t FLAGS \t ADD \t TARGET \t UID,UID,...
 * KIND is store, delete or copy (ADD then says move); folder names are
 * wire names (modified UTF-7: no tabs or newlines).
 * Two locks (flock on files kept beside it, never removed: the journal
 * itself is replaced on every change) let several terns share it:
 *   ACCOUNT.journal.lock       held by whoever replays it, for the whole
 *                              replay, so no action is replayed twice;
 *   ACCOUNT.journal.edit.lock  held for each load-modify-save, so an
 *                              action added by one tern while another
 *                              replays is never written over.
 * Adders only append and only the replayer removes, from the front. */
#define _GNU_SOURCE
#include "engine-private.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

char *engine_journal_path(const struct conf_account *account)
{
	char *data = lib_path_data_home();
	char *path = xasprintf("%s/tern/%s.journal", data, account->name);
	free(data);
	return path;
}

/* Opens and flocks path.SUFFIX (creating the directory): an fd, -2 when
 * LOCK_NB was asked and another holds it (err unset), -1 with err. */
static int lock_file(const char *path, const char *suffix, int how, char **err)
{
	char *dir = lib_path_dirname(path);
	lib_mkdirs(dir, 0700);
	free(dir);
	char *lock = xasprintf("%s%s", path, suffix);
	int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		*err = xasprintf("cannot open %s: %s", lock, strerror(errno));
	} else {
		int rc;
		while ((rc = flock(fd, how)) != 0 && errno == EINTR)
			;
		if (rc != 0) {
			int busy = errno == EWOULDBLOCK;
			*err = busy ? NULL : xasprintf("cannot lock %s: %s", lock, strerror(errno));
			close(fd);
			fd = busy ? -2 : -1;
		}
	}
	free(lock);
	return fd;
}

int engine_journal_lock(const char *path, char **err)
{
	return lock_file(path, ".lock", LOCK_EX | LOCK_NB, err);
}

void engine_journal_free(struct engine_journal_entry *entries, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(entries[i].folder);
		free(entries[i].target);
		free(entries[i].uids);
	}
	free(entries);
}

static const char *const kinds[] = { [ENGINE_JOB_STORE_FLAGS] = "store", [ENGINE_JOB_DELETE] = "delete",
	                             [ENGINE_JOB_COPY] = "copy" };

/* 0 (no file: no entries) or -1; torn lines are skipped. */
static int journal_load(const char *path, struct engine_journal_entry **out, size_t *count)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;

	*out = NULL;
	*count = 0;
	if (!fp)
		return errno == ENOENT ? 0 : -1;
	while (getline(&line, &cap, fp) > 0) {
		line[strcspn(line, "\n")] = '\0';
		char *fields[7], *save = NULL, *p = line;
		int n = 0;
		while (n < 7 && p)
			fields[n++] = strsep(&p, "\t");
		if (n < 7)
			continue; /* a torn line: the rest of the file is still good */
		struct engine_journal_entry e = { 0 };
		for (size_t k = 0; k < LIB_ARRAY_LEN(kinds); k++)
			if (kinds[k] && strcmp(fields[0], kinds[k]) == 0)
				e.type = (enum engine_job_type)k;
		if (!e.type)
			continue;
		e.folder = xstrdup(fields[1]);
		e.uidvalidity = (uint32_t)strtoul(fields[2], NULL, 10);
		e.flags = (unsigned)strtoul(fields[3], NULL, 10);
		e.add = atoi(fields[4]);
		e.target = *fields[5] ? xstrdup(fields[5]) : NULL;
		for (char *uid = strtok_r(fields[6], ",", &save); uid; uid = strtok_r(NULL, ",", &save)) {
			e.uids = xrealloc(e.uids, (e.nuids + 1) * sizeof(*e.uids));
			e.uids[e.nuids++] = (uint32_t)strtoul(uid, NULL, 10);
		}
		*out = xrealloc(*out, (*count + 1) * sizeof(**out));
		(*out)[(*count)++] = e;
	}
	free(line);
	fclose(fp);
	return 0;
}

/* Writes the entries durably (removes the file when there are none). */
static int journal_save(const char *path, const struct engine_journal_entry *entries, size_t n, char **err)
{
	struct buf text = BUF_INIT;

	if (n == 0) {
		if (remove(path) != 0 && errno != ENOENT) {
			*err = xasprintf("cannot remove %s: %s", path, strerror(errno));
			return -1;
		}
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		const struct engine_journal_entry *e = &entries[i];
		buf_addf(&text, "%s\t%s\t%u\t%u\t%d\t%s\t", kinds[e->type], e->folder, e->uidvalidity, e->flags, e->add,
		         e->target ? e->target : "");
		for (size_t u = 0; u < e->nuids; u++)
			buf_addf(&text, "%s%u", u ? "," : "", e->uids[u]);
		buf_addch(&text, '\n');
	}
	char *dir = lib_path_dirname(path);
	lib_mkdirs(dir, 0700);
	free(dir);
	int rc = lib_file_write_durable(path, text.data, text.len, 0600, err);
	buf_free(&text);
	return rc;
}

/* A deep copy of e, freed as part of an array by engine_journal_free. */
static struct engine_journal_entry entry_copy(const struct engine_journal_entry *e)
{
	struct engine_journal_entry copy = *e;
	copy.folder = xstrdup(e->folder);
	copy.target = e->target ? xstrdup(e->target) : NULL;
	copy.uids = xmalloc((e->nuids ? e->nuids : 1) * sizeof(*e->uids));
	if (e->nuids)
		memcpy(copy.uids, e->uids, e->nuids * sizeof(*e->uids));
	return copy;
}

enum journal_op { JOURNAL_APPEND, JOURNAL_FIRST, JOURNAL_SHIFT };

/* One load, change and save under the edit lock: APPEND adds, SHIFT drops
 * the first action (0, or -1 with err); FIRST copies it into *first (1),
 * finds none (0), or fails (-1 with err). */
static int journal_edit(const char *path, enum journal_op op, const struct engine_journal_entry *add,
                        struct engine_journal_entry **first, char **err)
{
	struct engine_journal_entry *entries = NULL;
	size_t n = 0;
	int rc = -1, lock = lock_file(path, ".edit.lock", LOCK_EX, err);

	if (lock < 0)
		return -1;
	if (journal_load(path, &entries, &n) < 0) {
		*err = xasprintf("cannot read %s: %s", path, strerror(errno));
	} else if (op == JOURNAL_APPEND) {
		entries = xrealloc(entries, (n + 1) * sizeof(*entries));
		entries[n++] = entry_copy(add);
		rc = journal_save(path, entries, n, err);
	} else if (op == JOURNAL_SHIFT) {
		rc = journal_save(path, entries + (n > 0), n - (n > 0), err);
	} else if ((rc = n > 0)) {
		*first = xmalloc(sizeof(**first));
		**first = entry_copy(&entries[0]);
	}
	engine_journal_free(entries, n);
	close(lock);
	return rc;
}

int engine_journal_append(const char *path, const struct engine_journal_entry *entry, char **err)
{
	return journal_edit(path, JOURNAL_APPEND, entry, NULL, err);
}

int engine_journal_first(const char *path, struct engine_journal_entry **first, char **err)
{
	*first = NULL;
	return journal_edit(path, JOURNAL_FIRST, NULL, first, err);
}

int engine_journal_shift(const char *path, char **err)
{
	return journal_edit(path, JOURNAL_SHIFT, NULL, NULL, err);
}
