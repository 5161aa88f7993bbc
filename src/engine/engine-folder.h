/* engine-folder.h: folders as the engine names them to ui and cli. A
 * folder is named by its UTF-8 name or, on this machine, by a path;
 * jobs and events carry it in the engine's form (engine_folder_wire),
 * which the protocol underneath needs and nothing above reads. */
#ifndef TERN_ENGINE_FOLDER_H
#define TERN_ENGINE_FOLDER_H

#include <stddef.h>
#include <stdint.h>

#include "../conf/conf.h"

/* A folder of a list (ENGINE_EV_FOLDERS, engine_account_folders). */
struct engine_folder_row {
	char *name;     /* UTF-8, any character (a tab or a newline too: sanitize to show) */
	int subscribed; /* 1 when the list has no counts */
	uint32_t messages, unseen; /* STATUS, when the list has counts */
	/* ENGINE_FOLDERS_NEW and engine_pop_check: how many are new as the
	 * reader counts N (IMAP: unseen and not marked old in the header
	 * cache; POP3: not downloaded yet), unless fresh_unknown (no header
	 * cache; POP3 without UIDL) */
	uint32_t fresh;
	int fresh_unknown;
};
/* Frees rows and their names. */
void engine_folder_rows_free(struct engine_folder_row *rows, size_t count);

/* What engine_worker_folder_change does to a folder. */
enum engine_folder_op {
	ENGINE_FOLDER_CREATE,
	ENGINE_FOLDER_RENAME,
	ENGINE_FOLDER_DELETE,
	ENGINE_FOLDER_SUBSCRIBE,
	ENGINE_FOLDER_UNSUBSCRIBE,
};

/* The name jobs and events carry for the folder the user named (UTF-8,
 * or a path, kept as it is). Caller frees. */
char *engine_folder_wire(const char *name);
/* Back: the UTF-8 name of a folder as jobs and events carry it. Caller
 * frees. */
char *engine_folder_name(const char *wire);

/* 1 when folder names a file or directory on this machine: it starts
 * with '/', '~' or '.'. */
int engine_folder_is_path(const char *folder);
/* Where folder of account is on this machine, or NULL when it is a
 * server's folder: a path (expanded), or, for an account without an
 * IMAP server, INBOX: its POP3 Maildir, else the default mailbox.
 * Caller frees. */
char *engine_local_path(const struct conf *conf, const struct conf_account *account, const char *folder);

#endif
