/* engine: turns an account of the mailrc into working sessions and
 * folders. What ui and cli use of it, one header per part:
 *   engine-account.h  an account at work (opaque), its error line, POP3
 *   engine-folder.h   folder names, rows of a folder list
 *   engine-worker.h   the reader's worker thread: jobs in, events out
 *   engine-outbox.h   the outbox
 *   engine-drafts.h   a draft recalled from the server
 * The offline journal (engine-journal.h) and the sessions, caches and
 * folder backends underneath (engine-private.h) are the engine's own. */
#ifndef TERN_ENGINE_H
#define TERN_ENGINE_H

#include "engine-account.h"
#include "engine-drafts.h"
#include "engine-folder.h"
#include "engine-outbox.h"
#include "engine-worker.h"

#endif
