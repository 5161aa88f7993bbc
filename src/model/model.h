/* model: what the index shows, independent of where mail came from:
 * message summaries, flags, mailboxes, threads, sorting, search. */
#ifndef TERN_MODEL_H
#define TERN_MODEL_H

#include <stddef.h>
#include <stdint.h>

/* IMAP system flags; Maildir and mbox map onto the same bits. */
enum model_flag {
	MODEL_F_SEEN = 1 << 0,
	MODEL_F_ANSWERED = 1 << 1,
	MODEL_F_FLAGGED = 1 << 2,
	MODEL_F_DELETED = 1 << 3,
	MODEL_F_DRAFT = 1 << 4,
	MODEL_F_RECENT = 1 << 5,
};

/* Writes the mailx-style flag column into out (always 4 bytes with the
 * NUL): status N new (unseen and recent), O old (unseen), or blank when
 * read; then F flagged, then D deleted or A answered, blank otherwise. */
void model_flags_format(unsigned flags, char out[4]);

/* One message in the index: what the index line, threading and search
 * need, nothing more (bodies are fetched on demand). Inside a mailbox the
 * strings and references live in the mailbox's arena: they are never NULL
 * and stay valid until the mailbox is cleared or freed. */
struct model_summary {
	uint32_t uid;
	uint32_t flags;             /* enum model_flag bits */
	uint32_t size;              /* RFC822.SIZE */
	int64_t date;               /* Date: as UTC epoch seconds; INTERNALDATE when missing */
	const char *from;           /* decoded UTF-8 "Name <addr>" or "addr"; "" when none */
	const char *to, *cc;        /* decoded UTF-8 address lists; "" when none */
	const char *subject;        /* decoded UTF-8; "" when none */
	uint64_t message_id;        /* model_id_hash of the Message-ID; 0 when none */
	uint64_t in_reply_to;       /* hash of the last id of In-Reply-To; 0 when none */
	const uint64_t *references; /* hashes of the References ids, oldest first */
	uint32_t nreferences;
};

/* The summaries of one folder, kept sorted by uid (unique), and the arena
 * their strings live in (large chunks that never move, so the strings of a
 * summary stay put while the summary array itself grows and is re-sorted).
 *
 * Adding in ascending uid order appends. Adding a uid lower than or equal
 * to the last one is allowed (a newest-first fetch does it a batch at a
 * time): such summaries wait in an unsorted tail that is merged in, in one
 * pass, by the next call that looks at the array (count, summaries, find,
 * remove). A uid added twice keeps the later summary; the earlier one's
 * strings stay in the arena until the mailbox is cleared.
 *
 * Pointers into the summary array (from add, find, summaries) are valid
 * until the next add, remove or clear; a mailbox is used by one thread at
 * a time, readers included (reading may merge the tail).
 *     struct model_mailbox *mbox = model_mailbox_new();
 *     model_mailbox_add(mbox, &(struct model_summary){ .uid = 7, .subject = "hi" });
 *     const struct model_summary *s = model_mailbox_find_uid(mbox, 7);
 *     model_mailbox_free(mbox);
 */
struct model_mailbox;

/* The caller owns the result; model_mailbox_free(NULL) is a no-op. */
struct model_mailbox *model_mailbox_new(void);
void model_mailbox_free(struct model_mailbox *mbox);
/* Forgets every summary and releases the arena; the mailbox stays usable. */
void model_mailbox_clear(struct model_mailbox *mbox);
/* Makes room for count summaries in total, to load a folder in one go. */
void model_mailbox_reserve(struct model_mailbox *mbox, size_t count);

/* Copies tmpl, its strings (NULL taken as "") and its references into the
 * mailbox; returns the stored summary (see above for how long it lives). */
struct model_summary *model_mailbox_add(struct model_mailbox *mbox, const struct model_summary *tmpl);
/* Like model_mailbox_add, but tmpl's strings and references must already
 * live in this mailbox (from model_mailbox_strndup, model_mailbox_ids_copy,
 * or be string literals): nothing is copied, so equal strings can share
 * one copy. The cache loader's fast path. */
struct model_summary *model_mailbox_add_nocopy(struct model_mailbox *mbox, const struct model_summary *tmpl);
/* Copies len bytes of s into the arena and adds a NUL; returns a static ""
 * for len 0. The copy lives as long as the mailbox's arena. */
const char *model_mailbox_strndup(struct model_mailbox *mbox, const char *s, size_t len);
/* Copies n ids into the arena (8-byte aligned); NULL when n is 0. */
const uint64_t *model_mailbox_ids_copy(struct model_mailbox *mbox, const uint64_t *ids, size_t n);

/* The number of summaries, and the array of them, sorted by uid ascending
 * with no uid twice. Both may merge the unsorted tail first. */
size_t model_mailbox_count(const struct model_mailbox *mbox);
const struct model_summary *model_mailbox_summaries(const struct model_mailbox *mbox);
/* Binary search; NULL when uid is not there. The summary may be changed in
 * place (flags), but not its uid. */
struct model_summary *model_mailbox_find_uid(struct model_mailbox *mbox, uint32_t uid);
/* Removes the given uids (any order; unknown ones are ignored), as after
 * EXPUNGE or VANISHED, compacting the array. Returns how many were removed. */
size_t model_mailbox_remove_uids(struct model_mailbox *mbox, const uint32_t *uids, size_t n);
/* Bytes held by the summary array and the arena, for diagnostics. */
size_t model_mailbox_memory(const struct model_mailbox *mbox);

/* A 64-bit hash of a Message-ID for threading. Whitespace anywhere (a
 * folded header) and the surrounding angle brackets are ignored; the rest
 * is compared byte for byte. Returns 0 only when nothing is left. */
uint64_t model_id_hash(const char *id, size_t len);
/* Hashes the <...> ids of a References or In-Reply-To value, in order,
 * skipping (comments) and "quoted strings" between them. A value with no
 * '<' at all is read as bare tokens: a single token is one id, several
 * count only those holding an '@'. When there are more than max ids the
 * last max are kept (the nearest ancestors matter most for threading).
 * Returns the number stored in out; with out NULL, the number found. */
size_t model_ids_parse(const char *header, size_t len, uint64_t *out, size_t max);

#endif
