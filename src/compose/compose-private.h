/* Internals shared by the compose module's files. */
#ifndef TERN_COMPOSE_PRIVATE_H
#define TERN_COMPOSE_PRIVATE_H

#include "compose.h"

/* A new draft file's name (nothing is written yet). */
void compose_draft_path_new(struct compose *c);
/* DRAFT.d/, where the files of this draft live that tern made itself.
 * Caller frees. */
char *compose_files_dir(const struct compose *c);
void compose_files_remove(const char *dir);
/* Writes data durably into the draft's own directory as name (made
 * safe); the path, or NULL with *why. Caller frees. */
char *compose_file_keep(const struct compose *c, const char *name, const char *data, size_t len, char **why);
/* Notes beside the draft which server draft it replaces. */
void compose_recalled_keep(const struct compose *c);

#endif
