/* engine-journal.h: the offline journal (engine-journal.c): actions made
 * while the server was unreachable, replayed in order by the worker on
 * the next connection. */
#ifndef TERN_ENGINE_JOURNAL_H
#define TERN_ENGINE_JOURNAL_H

#include "engine-worker.h"

struct engine_journal_entry {
	enum engine_job_type type; /* STORE_FLAGS, DELETE or COPY */
	char *folder;              /* wire name */
	uint32_t uidvalidity;      /* the uids mean nothing under another */
	unsigned flags;
	int add;                   /* STORE_FLAGS: add; COPY: move */
	char *target;              /* COPY: wire name */
	uint32_t *uids;
	size_t nuids;
};
/* $XDG_DATA_HOME/tern/ACCOUNT.journal. Caller frees. */
char *engine_journal_path(const struct conf_account *account);
/* Each of these reads the journal under its edit lock (torn lines are
 * skipped); append and shift then write it back durably. Returns 0, or
 * -1 with err. */
int engine_journal_append(const char *path, const struct engine_journal_entry *entry, char **err);
/* The first action (1, *first the caller's: engine_journal_free(*first,
 * 1)), none (0), or -1 with err. */
int engine_journal_first(const char *path, struct engine_journal_entry **first, char **err);
/* Drops the first action; only the holder of engine_journal_lock calls it
 * (adders only append), so it drops what engine_journal_first returned. */
int engine_journal_shift(const char *path, char **err);
void engine_journal_free(struct engine_journal_entry *entries, size_t n);
/* Claims the right to replay the journal at path: an fd to close when
 * done, -2 when another tern holds it (err unset), -1 with err set. */
int engine_journal_lock(const char *path, char **err);


#endif
