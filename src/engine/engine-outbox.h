/* engine-outbox.h: the outbox (engine-outbox.c): messages written
 * durably before they are sent, sent by the reader's worker and by
 * tern --flush-outbox, each with its state. */
#ifndef TERN_ENGINE_OUTBOX_H
#define TERN_ENGINE_OUTBOX_H

#include "engine-account.h"

/* Where an entry of the outbox is; the file's Tern-State line keeps its
 * name (engine_outbox_state_name), which logs show too. */
enum engine_outbox_state {
	ENGINE_OUTBOX_QUEUED, /* "queued": to be sent (a new entry, a lost connection, a 4xx) */
	ENGINE_OUTBOX_SENT,   /* "sent": delivered; only the Sent copy (or the draft's removal) is missing */
	ENGINE_OUTBOX_FAILED, /* "failed": refused; sent again only when the user asks */
};
const char *engine_outbox_state_name(enum engine_outbox_state state);

/* An entry of the outbox (engine-outbox.c). */
struct engine_outbox_entry {
	char *path;       /* the file in the outbox; NULL until written */
	char *account;
	char *from;       /* envelope sender */
	char **rcpts;     /* every recipient, Bcc included */
	size_t nrcpts;
	enum engine_outbox_state state; /* a new entry: 0, queued */
	char *reason;     /* why it failed, or why the copy is pending; may be NULL */
	char *draft;      /* the recalled draft to remove once delivered (engine_draft_ref_format), or NULL */
	char **bcc;       /* the Bcc as written ("Name <addr>", UTF-8), for the Sent copy: the message sent has none */
	size_t nbcc;
	char *message;
	size_t len;
	int delivered;    /* set by engine_outbox_send: the server took it in this call */
};
/* Fills e's envelope recipients (every address of to, cc and bcc) and
 * its Bcc lines (bcc as written, for the Sent copy). */
struct mime_address_list;
void engine_outbox_recipients(struct engine_outbox_entry *e, const struct mime_address_list *to,
                              const struct mime_address_list *cc, const struct mime_address_list *bcc);
/* e's Bcc lines as one comma-separated list. Caller frees. */
char *engine_outbox_bcc_text(const struct engine_outbox_entry *e);
/* $XDG_DATA_HOME/tern/outbox. Caller frees. */
char *engine_outbox_dir(void);
/* Writes e durably (creating the outbox); a new entry gets a unique name. */
int engine_outbox_write(struct engine_outbox_entry *e, char **err);
int engine_outbox_read(const char *path, struct engine_outbox_entry *e);
void engine_outbox_entry_clear(struct engine_outbox_entry *e);
/* The outbox's entries, oldest first. Caller frees each and the array. */
char **engine_outbox_list(size_t *count);
/* Claims the entry at path for this caller alone (sending, editing,
 * deleting): a descriptor to give back to engine_outbox_release, or -1
 * with errno EBUSY (someone else holds it) or ENOENT (it is gone).
 * engine_outbox_send claims by itself. */
int engine_outbox_claim(const char *path);
void engine_outbox_release(const char *path, int lock);
/* What a list of the outbox shows of an entry: decoded UTF-8, not yet
 * sanitized (to, subject, reason come from the user or the network). */
struct engine_outbox_summary {
	const char *state;  /* "queued", "failed" or "awaiting Sent copy" */
	int editable;       /* not yet delivered: may be edited and sent again */
	int64_t date;       /* the Date header, UTC epoch seconds; 0 unknown */
	char *to, *subject; /* to: To and Cc as written, else the envelope's first recipient */
};
/* Fills s from e (the caller clears it with _summary_clear). */
void engine_outbox_summarize(const struct engine_outbox_entry *e, struct engine_outbox_summary *s);
void engine_outbox_summary_clear(struct engine_outbox_summary *s);
/* engine_outbox_send's flags. */
enum {
	/* Send a "failed" entry too: only when the user asks (S and r in the
	 * reader, tern --flush-outbox --retry-failed); else it is left alone,
	 * never resent behind the back of whoever was told it failed. */
	ENGINE_OUTBOX_RETRY_FAILED = 1 << 0,
};
/* Sends a queued (or, with ENGINE_OUTBOX_RETRY_FAILED, a failed) entry,
 * or only stores the Sent copy of a "sent" one (the copy keeps the Bcc
 * the message sent has not), then removes it. The state on disk is what
 * counts (read again under the claim). The moment the server answers 250
 * the entry is marked "sent", durably, before anything else (QUIT, the
 * copy): only a kill between the server's acceptance and that write can
 * send it twice (RFC 5321 6.1). Returns 0 done; 1 delivered with
 * e->reason to show: the Sent copy (or the removal of the draft it was
 * recalled from) still pending (kept, as "sent", never sent again), or a
 * recalled draft that cannot be removed (the entry is gone); 2 left alone:
 * "failed" and not asked to retry (e->reason the earlier refusal); -1
 * with err: still queued, with err's text as its reason (temporary or
 * connection), or now "failed" with the reason (a refusal, kept for the
 * user to fix). e->delivered tells whether this call delivered it. hooks
 * may be NULL. */
int engine_outbox_send(const struct conf *conf, struct engine_outbox_entry *e, const struct engine_hooks *hooks,
                       unsigned flags, struct lib_error *err);

#endif
