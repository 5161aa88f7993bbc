/* The offline journal: flag changes, deletes and moves made while the
 * server could not be reached, kept in order in a small text file under
 * $XDG_DATA_HOME/tern (user data, not cache) and written durably, so they
 * survive tern being killed; replayed in order on the next connection.
 * One action a line:
 *     KIND \t FOLDER \t UIDVALIDITY \t FLAGS \t ADD \t TARGET \t UID,UID,...
 * KIND is store, delete or copy (ADD then says move); folder names are
 * wire names (modified UTF-7: no tabs or newlines). Whoever replays it
 * first holds an flock on ACCOUNT.journal.lock (kept, never removed: the
 * journal itself is replaced on every save) so two terns never replay the
 * same action twice. */
#define _GNU_SOURCE
#include "engine.h"

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

int engine_journal_lock(const char *path, char **err)
{
	char *dir = lib_path_dirname(path);
	lib_mkdirs(dir, 0700);
	free(dir);
	char *lock = xasprintf("%s.lock", path);
	int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		*err = xasprintf("cannot open %s: %s", lock, strerror(errno));
	} else if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int busy = errno == EWOULDBLOCK;
		*err = busy ? NULL : xasprintf("cannot lock %s: %s", lock, strerror(errno));
		close(fd);
		fd = busy ? -2 : -1;
	}
	free(lock);
	return fd;
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

int engine_journal_load(const char *path, struct engine_journal_entry **out, size_t *count)
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

int engine_journal_save(const char *path, const struct engine_journal_entry *entries, size_t n, char **err)
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
