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
	/* New as mutt means it (not "old"): the message has not yet been in
	 * the index of a session that ended (mark-old). A Maildir keeps it as
	 * new/, an mbox as no Status O; for IMAP tern keeps it in its header
	 * cache (the server's \Recent is not used: it goes to whichever
	 * session selects first). An unread message without it is old. */
	MODEL_F_RECENT = 1 << 5,
};

/* Writes the mailx-style flag column into out (always 4 bytes with the
 * NUL): status N new (unseen and MODEL_F_RECENT), O old (unseen), or
 * blank when read; then F flagged, then D deleted or A answered, blank
 * otherwise. */
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
/* Parses a message's header block (RFC 5322) into a summary and adds it;
 * date is used when the header has no valid Date:. */
struct model_summary *model_mailbox_add_header(struct model_mailbox *mbox, uint32_t uid, unsigned flags,
                                               uint32_t size, int64_t date, const char *header, size_t len);
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
/* Sets (add 1) or clears flags on the listed uids that are there. */
void model_mailbox_set_flags(struct model_mailbox *mbox, const uint32_t *uids, size_t n, unsigned flags, int add);

/* A sorted set of uids (model-pending.c): the reader's tags, and what it
 * marked deleted. Zero-initialised is empty; the caller clears it.
 *     struct model_uid_set tags = { 0 };
 *     model_uid_set_put(&tags, 7, 1);
 *     if (model_uid_set_has(&tags, 7)) ...
 *     model_uid_set_clear(&tags); */
struct model_uid_set {
	uint32_t *uids; /* ascending, each once */
	size_t n;
};
int model_uid_set_has(const struct model_uid_set *set, uint32_t uid);
/* Adds uid (on 1) or takes it out (on 0). */
void model_uid_set_put(struct model_uid_set *set, uint32_t uid, int on);
void model_uid_set_clear(struct model_uid_set *set);

/* Flag changes shown at once but not yet confirmed by the server: a
 * snapshot of the folder taken before the server applied them gets them
 * again (apply); the answer, yes or no, forgets one (done), and a no is
 * rolled back with model_mailbox_set_flags(..., !add). */
struct model_flag_change {
	uint32_t *uids;
	size_t n;
	unsigned flags;
	int add;
};
struct model_pending_flags {
	struct model_flag_change *changes; /* in the order they were sent */
	size_t n;
};
/* Records a change (uids copied). */
void model_pending_flags_add(struct model_pending_flags *pending, const uint32_t *uids, size_t n, unsigned flags,
                             int add);
/* Forgets the change with exactly these uids, flags and direction; 1 when
 * there was one. */
int model_pending_flags_done(struct model_pending_flags *pending, const uint32_t *uids, size_t n, unsigned flags,
                             int add);
void model_pending_flags_apply(const struct model_pending_flags *pending, struct model_mailbox *mbox);
void model_pending_flags_clear(struct model_pending_flags *pending);

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

/* The order folder lists are shown in (browser, --check): INBOX first,
 * then by name, byte for byte, so a folder's subfolders follow it. */
int model_folder_compare(const char *a, const char *b);

/* The order of the index. Every order is total: equal keys fall back to
 * the uid, so two builds over the same mailbox give the same rows. */
enum model_sort {
	MODEL_SORT_DATE,     /* Date:, oldest first */
	MODEL_SORT_THREADS,  /* JWZ threads; see model_view_build */
	MODEL_SORT_FROM,     /* the sender's display name, else the address, ASCII case-folded */
	MODEL_SORT_SUBJECT,  /* the subject without Re:/Fwd:/[list] prefixes, ASCII case-folded */
	MODEL_SORT_SIZE,     /* RFC822.SIZE, smallest first */
};

/* The mailrc spelling of an order ("date", "threads", "from", "subject",
 * "size"), with "reverse-" in front when reverse is set. Static strings. */
const char *model_sort_name(enum model_sort sort, int reverse);
/* Parses the mailrc spelling, "reverse-" prefix included. Returns 0, or
 * -1 for an unknown name (sort and reverse are then left alone). */
int model_sort_parse(const char *name, enum model_sort *sort, int *reverse);

/* The base of a subject, as threading and sorting compare it: leading
 * reply and forward markers (Re:, Re[2]:, Re^2:, Fwd:, Fw:, AW:, WG:, SV:,
 * Antw:, any case) and [list] tags are skipped, then surrounding white
 * space. Returns a pointer into subject and its length in *len; *reply
 * (when not NULL) is set when a reply or forward marker was skipped. A
 * subject that is nothing but tags keeps its last tag. */
const char *model_subject_base(const char *subject, size_t *len, int *reply);

/* The index view: the display order of one mailbox's summaries, as rows
 * that point into model_mailbox_summaries(), and for the threads order
 * the shape of each thread (tree prefix, collapse). Building copies no
 * message data: the view holds summary indices, so it is stale as soon as
 * the mailbox changes (add, remove, clear) and must be rebuilt; flags may
 * change in place without a rebuild. A view is used by one thread at a time.
 *     struct model_view *view = model_view_new();
 *     model_view_build(view, mbox, MODEL_SORT_THREADS, 1);
 *     for (size_t row = 0; row < model_view_count(view); row++) {
 *             const struct model_summary *s = &model_mailbox_summaries(mbox)[model_view_summary(view, row)];
 *             model_view_tree(view, row, prefix, sizeof(prefix));
 *     }
 *     model_view_free(view);
 * A view holds about 20 bytes per message between builds (4 more while
 * a thread is collapsed). A build takes about 20 ms for 100,000 messages
 * in threads, 1 to 10 ms in the flat orders, and while it runs about
 * 120 bytes per message of working memory (75 for the flat orders).
 */
struct model_view;

/* The caller owns the result; model_view_free(NULL) is a no-op. */
struct model_view *model_view_new(void);
void model_view_free(struct model_view *view);

/* Rebuilds the view over mbox (borrowed: model_view_find_uid reads it
 * until the next build) in the given order; reverse mirrors the order.
 *
 * Threads follow https://www.jwz.org/doc/threading.html over the 64-bit id
 * hashes: References (oldest first) then In-Reply-To, when it is not
 * already the last reference, link each id to the next and the message to
 * the last; a link that would close a cycle is not made; a message whose
 * Message-ID is already held by an earlier uid is threaded as if it had
 * none. A message that has no references of its own keeps the parent that
 * other messages' References gave it. Missing messages between two present
 * ones are skipped; a missing root with one present child disappears, with
 * several it stays as an invisible root whose children are drawn as
 * siblings. Then roots with the same model_subject_base (case-folded,
 * white space runs as one space; empty bases excluded) are joined: under
 * the one without a reply marker when there is one, else side by side
 * under an invisible root.
 *
 * Messages inside a thread are in date order at every level. Threads are
 * ordered by their newest message (a new reply moves its thread to the
 * end, or with reverse to the top, as mutt's last-date does); reverse
 * changes the order of threads only, never the order inside a thread.
 * Collapsed threads stay collapsed across a rebuild when their top
 * message is still on top. */
void model_view_build(struct model_view *view, struct model_mailbox *mbox, enum model_sort sort, int reverse);

/* The visible rows (a collapsed thread shows its top message only). */
size_t model_view_count(const struct model_view *view);
/* The index into model_mailbox_summaries() shown on row; (size_t)-1 when
 * row is not below model_view_count. */
size_t model_view_summary(const struct model_view *view, size_t row);
/* Writes the thread tree drawn in front of row's subject into out (size
 * bytes with the NUL) as UTF-8 line drawing, mutt-like: "" for a thread's
 * top, "├─>" and "└─>" for a child with and without later siblings, "┌─>"
 * for the first of the siblings under an invisible root, and "│ " or "  "
 * for each level above, e.g. "│ └─>". "" in the other orders, for a
 * collapsed thread's row, or for a row out of range. When the tree is
 * deeper than size allows, the outermost levels are left out so that the
 * arrow stays. */
void model_view_tree(const struct model_view *view, size_t row, char *out, size_t size);
/* How deep row is in its thread: 0 for a top, 1 for its children (and for
 * the siblings under an invisible root), and so on; 0 in other orders. */
size_t model_view_depth(const struct model_view *view, size_t row);
/* Collapses (collapse set) or expands the thread that row is in; returns
 * the row of its top message afterwards, so the cursor can follow. Threads
 * of one message, other orders and a row out of range change nothing
 * (row is returned as it was). */
size_t model_view_collapse(struct model_view *view, size_t row, int collapse);
/* Collapses or expands every thread of more than one message. */
void model_view_collapse_all(struct model_view *view, int collapse);
/* The number of messages hidden under row: the thread's size less one on a
 * collapsed thread's row, 0 elsewhere. */
size_t model_view_hidden(const struct model_view *view, size_t row);
/* The row showing uid, or its thread's row when the thread is collapsed;
 * (size_t)-1 when uid is not in the view. */
size_t model_view_find_uid(const struct model_view *view, uint32_t uid);
/* Bytes the view holds between builds, for diagnostics. */
size_t model_view_memory(const struct model_view *view);

/* Mutt-style patterns, for limit (l), search (/) and tag-pattern (T).
 * Compiled once, then matched against each summary:
 *     char *error;
 *     size_t at;
 *     struct model_pattern *pat = model_pattern_compile("~f ana | ~s invoice", time(NULL), &error, &at);
 *     if (!pat) { show error with a caret under text[at]; free(error); }
 *     for (...) if (model_pattern_match(pat, summary, tagged)) ...
 *     model_pattern_free(pat);
 *
 * Text patterns take a POSIX extended regular expression, case-insensitive
 * unless it holds an upper-case letter: ~f From, ~e sender (tern keeps no
 * Sender:, so From), ~t To, ~c Cc, ~C To or Cc, ~L From, To or Cc, ~s
 * Subject. Like mutt's limit, an address pattern matches when the regex
 * matches the display name or the address of one of the addresses, each
 * on its own ("~f ^ana@" works). A bare word is mutt's simple search,
 * (~f word | ~s word); several bare words must all match.
 * Flags: ~N new (unseen, MODEL_F_RECENT), ~O old (unseen, not new), ~U
 * unread, ~R read, ~F flagged, ~D deleted, ~Q replied, ~T tagged (the
 * caller's tag bit), ~A all.
 * Dates (~d, and ~r, the same: a summary has one date, Date: or else
 * INTERNALDATE), in local time: "DD/MM/YYYY", "DD/MM" (this year), "DD"
 * (this month), YY for 1970-2069, YYYYMMDD; "A-B", "A-" (from A on),
 * "-B" (up to B), each day whole; relative to now "<2w" (less than two
 * weeks old), ">1m" (older than a month), "=3d" (that day), units d w m y
 * counted in whole days as mutt does, H M S to the second.
 * Sizes (~z): "<10K", ">1M", "=500" or "500", "10K-1M", "-10K", "10K-";
 * K and M are 1024 and 1024*1024.
 * ~i and ~x take one Message-ID, not a regex (summaries keep only id
 * hashes): ~i the message with that id, ~x those whose References or
 * In-Reply-To hold it.
 * ~b (body) and ~B (whole message) take a plain text that the server
 * finds, case-insensitively, with UID SEARCH BODY / TEXT.
 * '!' negates, juxtaposition is and, '|' is or and binds loosest, ( )
 * group. An argument ends at white space, '|' or an unmatched ')';
 * "..." or '...' quote, and a backslash makes the next character literal
 * (and stays for the regex, which reads "\." as a dot). */
#include <time.h>

struct model_pattern;

/* Compiles text; relative dates count back from now. Returns the pattern
 * (the caller frees it with model_pattern_free), or NULL with *error (the
 * caller frees it) saying what was expected, e.g. "~z: expected a size,
 * e.g. ~z >10K", and *error_at the byte offset in text of the bad spot
 * (text's length when something is missing at the end). error and
 * error_at may be NULL. */
struct model_pattern *model_pattern_compile(const char *text, time_t now, char **error, size_t *error_at);
/* model_pattern_free(NULL) is a no-op. */
void model_pattern_free(struct model_pattern *pattern);
/* Whether summary matches; tagged is the UI's tag bit, for ~T. Strings
 * of the summary may be NULL (taken as ""). Does not change the pattern:
 * several threads may match with one pattern at once. */
int model_pattern_match(const struct model_pattern *pattern, const struct model_summary *summary, int tagged);

/* Patterns with ~b or ~B need the server. The caller asks the server
 * for the server's part (model_pattern_server_part, in IMAP's syntax
 * imap_search_criteria) and passes the uids of the answer (to that
 * whole part, its NOT included) to model_pattern_set_server_uids()
 * before matching;
 * until then the server's part matches no message.
 * The server is asked once, so all ~b and ~B of a pattern must form one
 * part: a pattern of their own ("~b a | !~B b"), or side by side in one
 * list with local patterns ("~f ana ~b a ~b c", "~F | ~b a | ~b c", also
 * inside parentheses). Patterns that would need two questions, such as
 * "(~f a ~b x) | (~f b ~b y)", are refused by model_pattern_compile. */
int model_pattern_needs_server(const struct model_pattern *pattern);
/* The server's part as a read-only tree of search terms (borrowed from
 * pattern), for a protocol module to write in its own syntax; NULL when
 * the pattern needs no server. */
struct model_search;
enum model_search_kind {
	MODEL_SEARCH_BODY,    /* ~b: text in the body */
	MODEL_SEARCH_MESSAGE, /* ~B: text anywhere in the message */
	MODEL_SEARCH_NOT,     /* one child */
	MODEL_SEARCH_AND,     /* two or more children */
	MODEL_SEARCH_OR,      /* two or more children */
};
const struct model_search *model_pattern_server_part(const struct model_pattern *pattern);
enum model_search_kind model_search_kind(const struct model_search *term);
/* BODY, MESSAGE: the text to find (UTF-8). */
const char *model_search_text(const struct model_search *term);
size_t model_search_count(const struct model_search *term);
const struct model_search *model_search_child(const struct model_search *term, size_t k);
/* Copies the uids the server's UID SEARCH answered (any order, duplicates
 * allowed); replaces any earlier answer. */
void model_pattern_set_server_uids(struct model_pattern *pattern, const uint32_t *uids, size_t n);

#endif
