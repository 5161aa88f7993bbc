/* Internals shared by the engine's files (and its unit tests). */
#ifndef TERN_ENGINE_PRIVATE_H
#define TERN_ENGINE_PRIVATE_H

#include "engine.h"

/* The folder list as the header cache keeps it for offline (store's
 * folders record): a first line "tern-folders 2", then one line per
 * folder, NAME \t SUBSCRIBED \t MESSAGES \t UNSEEN, with \, tab and
 * newline in NAME written \\, \t and \n. Appends to out. */
void engine_folder_rows_encode(const struct engine_folder_row *rows, size_t count, struct buf *out);
/* Reads what _encode wrote (or the older format: the same lines with
 * no first line and no escapes, names holding no tab or newline) into
 * *rows (the caller frees with engine_folder_rows_free). Returns the
 * count. */
size_t engine_folder_rows_decode(const char *text, size_t len, struct engine_folder_row **rows);

#endif
