/* compose: writing a message, below the reader's screens. A message being
 * written is a draft file under $XDG_DATA_HOME/tern/drafts with its
 * headers (From, To, Cc, Bcc, Subject, and Attach: lines for files) above
 * the body; the file stays until the message is in the outbox or the user
 * aborts, so a crash or a dropped SSH session loses nothing (the next
 * start recovers it). Here are the draft files and their recovery, the
 * reply, group-reply, list-reply and forward rules, and building the
 * message for the outbox or the Drafts folder. No curses, no prompts:
 * failures come back as a sentence (char **why, caller frees). */
#ifndef TERN_COMPOSE_H
#define TERN_COMPOSE_H

#include <stddef.h>
#include <stdint.h>

#include "../conf/conf.h"
#include "../engine/engine.h"
#include "../lib/lib.h"

struct mime_message;

struct compose_file {
	char *path;
	char *name; /* sent as the file name (renamed); NULL: the path's last part */
	char *type; /* content type; NULL: guessed when built */
};

/* A header the user wrote in the editor that tern has no field for
 * (Reply-To, X-...): kept and sent, as mutt's edit_headers does. */
struct compose_header {
	char *name, *value;
};

struct compose {
	char *path; /* the draft file */
	char *from, *to, *cc, *bcc, *subject, *in_reply_to, *references;
	struct compose_header *headers;
	size_t nheaders;
	struct compose_file *attach;
	size_t nattach;
	struct buf body;
	struct engine_draft_ref draft; /* the server draft this was recalled from; folder NULL: none */
	const struct conf_account *account; /* the account it is sent from */
	struct engine_outbox_entry outbox;  /* taken from the outbox (path NULL: not): put back on abort */
};

enum compose_kind { COMPOSE_NEW, COMPOSE_REPLY, COMPOSE_GROUP_REPLY, COMPOSE_LIST_REPLY, COMPOSE_FORWARD,
	COMPOSE_FORWARD_ATTACHED };

/* compose-reply.c: a new message, durably in its draft file. kind says
 * what msg (the message read; NULL for COMPOSE_NEW) becomes: a reply to
 * its Reply-To or From (group: everyone else on To and Cc but ourselves;
 * list: its List-Post address), quoted; a forward inline; or the message
 * itself (raw, len) attached. NULL with why when it cannot be written.
 * *note (static) is set when the user should know something. */
struct compose *compose_start(const struct conf *conf, const struct conf_account *account, enum compose_kind kind,
                              struct mime_message *msg, const char *raw, size_t len, char **why, const char **note);
/* A server draft (msg, uid of folder with uidvalidity) reopened: its
 * fields, text and attachments in a new draft file; the server copy is
 * named in it, to be replaced once sent or postponed again. */
struct compose *compose_recall(const struct conf_account *account, struct mime_message *msg, const char *folder,
                               uint32_t uidvalidity, uint32_t uid, char **why);
/* Takes the outbox message at path (queued or failed) out of the outbox:
 * claimed from the worker, its draft file written, then the entry
 * removed. NULL with why when it cannot be taken. */
struct compose *compose_from_outbox(const struct conf *conf, const char *path, char **why);

/* compose-draft.c */
/* Writes the draft file durably (after every change). 0, or -1 with why. */
int compose_draft_write(struct compose *c, char **why);
/* Reads the draft file back, as the editor left it; -1 when it is gone. */
int compose_draft_read(struct compose *c);
/* The draft file and the files it made are no longer needed. */
void compose_draft_discard(struct compose *c);
/* A draft a crash left, or NULL; files of drafts that are gone are
 * removed on the way. Caller frees. */
char *compose_recover_find(void);
/* The draft at path (taken) reopened, sent from the account it names, else
 * from fallback (and then no server draft is touched). */
struct compose *compose_recover(const struct conf *conf, char *path, const struct conf_account *fallback);
void compose_free(struct compose *c);
/* The file name attachment f is sent with (borrowed). */
const char *compose_attach_name(const struct compose_file *f);
/* Adds the file at path (taken) as an attachment. */
void compose_attach_add(struct compose *c, char *path, const char *name, const char *type);
/* Removes the last attachment; 0 when there was none. */
int compose_detach_last(struct compose *c);

/* compose-build.c */
/* The message, built: for sending (all addresses valid, a recipient), or
 * as a draft (Bcc kept, recipients optional). The envelope goes to entry
 * when it is not NULL. 0, or -1 with why. */
int compose_build(const struct compose *c, const struct conf *conf, int draft, struct buf *message,
                  struct engine_outbox_entry *entry, char **why);
/* Builds the message and writes it durably to the outbox; then the
 * draft goes. Returns the outbox entry's path (caller frees) for the
 * worker to send, or NULL with why (the draft stays: nothing is lost). */
char *compose_queue(struct compose *c, const struct conf *conf, char **why);
/* A message taken from the outbox goes back as it was; then the draft
 * goes. 0, or -1 with why (the draft stays). */
int compose_put_back(struct compose *c, char **why);

#endif
