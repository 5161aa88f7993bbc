/* model: what the index shows, independent of where mail came from:
 * message summaries, flags, mailboxes, threads, sorting, search. */
#ifndef TERN_MODEL_H
#define TERN_MODEL_H

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

#endif
