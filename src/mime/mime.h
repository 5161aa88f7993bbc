/* mime: everything about message bytes: parsing (libetpan behind guards),
 * decoding, RFC 2047/2231, rendering to text, building outgoing mail.
 * libetpan types never leave this module. */
#ifndef TERN_MIME_H
#define TERN_MIME_H

#include <stddef.h>
#include <stdint.h>

/* Decodes an RFC 2047 header value (encoded words, adjacent words joined)
 * into UTF-8; undeclared 8-bit bytes are read as UTF-8 when they are valid
 * UTF-8 (RFC 6532), else as latin-1. Never fails:
 * what cannot be decoded is copied as it is. Caller frees the result,
 * which still needs the terminal sanitizer before display. */
char *mime_header_decode(const char *raw, size_t len);

/* The header fields the index needs, from a raw header block (as fetched
 * with BODY.PEEK[HEADER.FIELDS (...)]). Strings are decoded UTF-8, not yet
 * sanitized, "" when the field is missing; ids are the raw field values.
 * Every field is bounded (MIME_FIELD_MAX); garbage never fails the parse. */
struct mime_envelope {
	char *from, *to, *cc, *subject;
	char *message_id, *in_reply_to, *references;
	int64_t date; /* UTC epoch seconds; 0 when missing or unreadable */
};
#define MIME_FIELD_MAX 16384
void mime_envelope_parse(const char *headers, size_t len, struct mime_envelope *env);
void mime_envelope_clear(struct mime_envelope *env);

/* Parses an RFC 5322 date ("Tue, 1 Jul 2025 10:52:37 +0200", day name and
 * seconds optional, obsolete zones accepted) into UTC epoch seconds;
 * 0 when it cannot be read. */
int64_t mime_date_parse(const char *text, size_t len);

struct buf;
struct lib_error;

/* ---- address lists (mime-address.c): the one RFC 5322 parser ---- */

/* One mailbox of a list; strings owned by the list. */
struct mime_mailbox {
	char *name;  /* display name, UTF-8: quotes undone, RFC 2047 words decoded, one line;
	                for "ana@x (Ana)" the comment; NULL: none */
	char *addr;  /* local@domain, comments and obsolete white space gone, the local
	                part quoted only when it must be */
	char *group; /* the name of the group it was listed in ("" unnamed), else NULL */
};

struct mime_address_list {
	struct mime_mailbox *items;
	size_t count, cap;
	size_t groups; /* groups seen, empty ones ("undisclosed-recipients:;") too */
};

enum {
	/* Reading headers: tolerate what careless software writes (a '@',
	 * '[' or '\' in an unquoted name before '<', controls, a group
	 * without ';'). Without it the grammar is RFC 5322's with section
	 * 4.4's obsolete forms, for what people type. */
	MIME_ADDRESS_LENIENT = 1 << 0,
	/* Domains in UTF-8 become A-labels ("xn--..."; IDNA2008, UTS #46),
	 * as SMTP and a 7-bit header need them. */
	MIME_ADDRESS_IDNA = 1 << 1,
};

/* Parses an address list (address *("," address), RFC 5322 3.4):
 * mailboxes ("Name <a@b>", a@b, "a@b (Name)"), groups ("team: a@b,
 * c@d;", members flattened into items with their group's name), quoted
 * strings, comments (nested, at most MIME_COMMENT_DEPTH_MAX deep),
 * obsolete forms (routes, empty elements, white space around dots, "."
 * in names), UTF-8 (RFC 6532). Does no I/O. list is filled with every
 * mailbox read (clear it with mime_address_list_clear in any case).
 * Returns 0, or -1 with err (LIB_ERR_DATA) naming the first address that
 * could not be read, its text and why: "'Bob <bob@x> junk': text after
 * the address: 'junk'"; the parse went on after it at the next comma. */
int mime_address_list_parse(const char *text, size_t len, unsigned flags, struct mime_address_list *list,
                            struct lib_error *err);
void mime_address_list_clear(struct mime_address_list *list);

/* One mailbox as text the parser reads back the same: addr alone,
 * "Name <addr>", or "\"Doe, John\" <addr>" when the name needs quotes;
 * UTF-8 as it is (mime_outgoing_build encodes for the wire). Appended. */
void mime_mailbox_format(const char *name, const char *addr, struct buf *out);
/* The whole list so, comma-separated (groups flattened). Caller frees. */
char *mime_address_list_format(const struct mime_address_list *list);

/* What the index shows for a From value: the first mailbox's name (a
 * comment when there is none: "ana@x (Ana)"), else its address, else the
 * text itself: "Ana Lima <ana@x>" -> "Ana Lima", "\"Lima, Ana\" <ana@x>"
 * -> "Lima, Ana", "Pete(A \) chap) <pete@x>" -> "Pete". Caller frees. */
char *mime_address_display(const char *from);

/* ---- a message opened for reading: its MIME tree, decoding, the text the
 * pager shows (mime-part.c, mime-decode.c, mime-charset.c, mime-html.c,
 * mime-render.c, mime-filename.c) ---- */

struct buf;

/* What a hostile message may cost, checked before the work it bounds; each
 * cut leaves a note (mime_message_note). */
#define MIME_HEADER_MAX 65536     /* a longer header field counts as absent */
#define MIME_COMMENT_DEPTH_MAX 64 /* (comments) nested deeper: field unreadable */
#define MIME_DEPTH_MAX 32         /* multiparts nested deeper are shown as text */
#define MIME_PART_MAX 1000        /* parts after this many are dropped */
#define MIME_BOUNDARY_MAX 70      /* RFC 2046 5.1.1 */
#define MIME_NOTE_MAX 16          /* distinct notes kept per message */

enum mime_encoding {
	MIME_ENCODING_IDENTITY, /* 7bit, 8bit, binary, and anything unknown */
	MIME_ENCODING_BASE64,
	MIME_ENCODING_QP,
};

/* One entity of the MIME tree. The tree is kept flat in document order:
 * part 0 is the message itself, a container's children follow it with
 * depth + 1, and subtree_end is the index just past its last descendant
 * (a leaf has subtree_end == its index + 1). A message/rfc822 part is a
 * container whose one child is the enclosed message (its headers are the
 * child's header block). Strings are owned by the message, UTF-8, not
 * sanitized. */
struct mime_part {
	char *type;        /* "text/plain", lowercased; never NULL */
	char *charset;     /* lowercased; NULL when none was given */
	char *filename;    /* decoded (RFC 2231, RFC 2047); NULL when none */
	char *disposition; /* "inline", "attachment", another token, or NULL */
	size_t depth;      /* 0 for the message itself */
	size_t size;       /* decoded bytes (a container: its raw body) */
	int is_attachment; /* a leaf the attachment list offers to save and
	                      the pager only names */
	/* Where the bytes are, as offsets into the message's raw copy;
	 * mime's own business, read-only for everyone else. */
	size_t header_start, header_end, body_start, body_end;
	enum mime_encoding encoding;
	size_t subtree_end;
};

struct mime_message;

/* Parses raw (copied: the caller keeps raw) with a MIME parser of tern's
 * own that does no I/O and no recursion. Never fails: garbage yields what
 * can be read plus notes. Caller frees with mime_message_free. */
struct mime_message *mime_message_parse(const char *raw, size_t len);
void mime_message_free(struct mime_message *msg);

/* At least 1. The returned part is borrowed from msg; NULL past the end. */
size_t mime_message_part_count(const struct mime_message *msg);
const struct mime_part *mime_message_part(const struct mime_message *msg, size_t index);

/* What parsing had to refuse or cut, one sentence each ("boundary refused:
 * shown as text"); borrowed, NULL past the end. */
size_t mime_message_note_count(const struct mime_message *msg);
const char *mime_message_note(const struct mime_message *msg, size_t index);

/* The first field called name (case-insensitive) in part index's header
 * block, unfolded and RFC 2047-decoded to UTF-8; NULL when absent. A field
 * over MIME_HEADER_MAX is treated as absent, and one whose comments nest
 * deeper than MIME_COMMENT_DEPTH_MAX comes back undecoded; *why (if why is
 * not NULL) then says so, else is set to NULL. Caller frees. */
char *mime_part_header(const struct mime_message *msg, size_t index, const char *name, const char **why);

/* The addresses of the first field called name (From, To, Cc,
 * Reply-To...) in part index's header block, read leniently with the
 * address parser, names decoded after the structure is read. Returns 0,
 * or -1 (list empty) when the field is absent or over MIME_HEADER_MAX.
 * Clear list with mime_address_list_clear either way. */
int mime_part_addresses(const struct mime_message *msg, size_t index, const char *name, struct mime_address_list *list);

/* The Content-Type parameter name of part index as UTF-8 (RFC 2231 and
 * RFC 2047 forms decoded), NULL when absent or the field is over the
 * bounds. Untrusted text from the sender. Caller frees. */
char *mime_part_type_param(const struct mime_message *msg, size_t index, const char *name);

/* Appends part index's body to out with its transfer encoding undone
 * (a container's raw body as it is). -1 when index is out of range. */
int mime_part_decode(const struct mime_message *msg, size_t index, struct buf *out);

/* Appends part index's body decoded and converted to UTF-8, CRLF turned to
 * LF and NUL bytes to U+FFFD (so the text is also a C string). A text/html
 * part without a charset parameter is read with its <meta> charset.
 * Returns 0, 1 when the charset was unknown (read as UTF-8 where valid,
 * else windows-1252), -1 when index is out of range. */
int mime_part_text_utf8(const struct mime_message *msg, size_t index, struct buf *out);

/* Undoes a transfer encoding, leniently (RFC 2045 6.7, 6.8: base64 skips
 * foreign characters; a broken =XY stays as it is). Appends to out unless
 * out is NULL; returns the decoded length either way. */
size_t mime_transfer_decode(enum mime_encoding encoding, const char *in, size_t len, struct buf *out);

/* Appends bytes in charset to out as valid UTF-8; invalid sequences become
 * U+FFFD. NULL, "" and us-ascii mean undeclared: UTF-8 where valid, else
 * windows-1252 (as is iso-8859-1, per WHATWG). Returns 0, or -1 when the
 * charset is unknown to iconv (the bytes are then read as undeclared). */
int mime_charset_to_utf8(const char *charset, const char *bytes, size_t len, struct buf *out);

/* The charsets an outgoing text is declared in, the first that holds it
 * (the send-charset key, mutt's send_charset): UTF-8 text goes as
 * us-ascii when it is ASCII, else as utf-8; text that is not UTF-8 (bytes
 * from a script, a file in another encoding) as the first 8-bit charset
 * in which its bytes are valid. */
#define MIME_SEND_CHARSET "us-ascii:utf-8:iso-8859-1"

/* Picks from list (colon-separated charset names; NULL:
 * MIME_SEND_CHARSET) the first that holds text: us-ascii when it is all
 * ASCII, utf-8 when it is valid UTF-8, another charset when valid UTF-8
 * converts to it without loss (then converted) or when text is not UTF-8
 * and its bytes are valid in it (then as they are). Appends the bytes to
 * send to out and the charset's name (lower case) to charset. Returns 0,
 * or -1 when none holds it. */
int mime_charset_choose(const char *list, const char *text, size_t len, struct buf *out, char *charset,
                        size_t charset_size);

/* Built-in HTML to text for when no html-filter is set: drops <script>,
 * <style>, <title> and comments, breaks lines at <br> and block elements,
 * collapses white space outside <pre>, decodes character references.
 * html must be UTF-8; appends UTF-8 text ending in one newline. */
void mime_html_to_text(const char *html, size_t len, struct buf *out);

/* Turns UTF-8 html into text (e.g. by running `w3m -dump -T text/html`),
 * appending to text; returns 0, or -1 to fall back to mime_html_to_text. */
typedef int (*mime_html_filter_cb)(const char *html, size_t len, struct buf *text, void *arg);

struct mime_render_options {
	const char *const *headers; /* field names to show, in order; NULL-terminated; NULL: none */
	int prefer_html;            /* in multipart/alternative */
	mime_html_filter_cb html_filter; /* NULL: mime_html_to_text */
	void *html_filter_arg;
};

/* Appends what the pager shows: the chosen header fields, a blank line,
 * the parse notes as "[-- ... --]" lines, then the body: one alternative
 * of each multipart/alternative, text/html turned to text, attachments
 * named as "[-- Attachment #2: report.pdf (application/pdf, 54 KB) --]"
 * (leaves numbered from 1 in document order), message/rfc822 parts inline
 * with their own headers. UTF-8, not sanitized: the UI runs lib_sanitize.
 * options may be NULL. Returns 0, -1 when msg is NULL. */
int mime_message_render(const struct mime_message *msg, const struct mime_render_options *options,
			struct buf *out);

/* A file name safe to create in a download directory from an attachment's
 * (untrusted, UTF-8) name: no '/' or '\\', no leading dots, dashes or
 * spaces, no control or bidi characters, at most 200 bytes keeping the
 * extension; "attachment" when nothing is left. Caller frees. */
char *mime_filename_safe(const char *name);

/* A name for a temporary copy of an attachment that a shell command will
 * see (mailcap's %s): only [A-Za-z0-9._-], not starting with '.' or '-',
 * at most 64 bytes, keeping a short extension (from nametemplate, e.g.
 * "%s.pdf", when given, else from name) for viewers that go by it.
 * Caller frees. */
char *mime_filename_for_shell(const char *name, const char *nametemplate);

/* ---- mailcap, RFC 1524 (mime-mailcap.c) ---- */

/* One mailcap entry; strings as written (escapes not yet expanded). */
struct mime_mailcap_entry {
	char *type;         /* "application/pdf"; "text" or "text/" and a star: every text type */
	char *view;         /* the view command */
	char *test;         /* test=, or NULL */
	char *nametemplate; /* nametemplate=, or NULL */
	int copiousoutput, needsterminal;
};
/* Parses one logical line (continuations joined): 0, or -1 for a comment,
 * a blank or a malformed line (e is then empty). */
int mime_mailcap_parse(const char *line, struct mime_mailcap_entry *e);
void mime_mailcap_entry_clear(struct mime_mailcap_entry *e);
/* 1 when the entry's type covers type (a major type alone, or with "/" and a star, covers its subtypes). */
int mime_mailcap_matches(const struct mime_mailcap_entry *e, const char *type);

/* What the escapes stand for. type and the parameters (read from part
 * index of msg) come from the sender; path is tern's own file. */
struct mime_mailcap_values {
	const char *type;
	const char *path; /* NULL when there is no file yet (a test= command) */
	const struct mime_message *msg;
	size_t index;
};
/* The first entry of the mailcap files ($MAILCAPS, else ~/.mailcap then
 * /etc/mailcap) for v->type whose test= command succeeds: 0 and *found
 * (clear it), or -1 when there is none. */
int mime_mailcap_find(const struct mime_mailcap_values *v, struct mime_mailcap_entry *found);
/* The command line for template (a view or test command): %s becomes
 * v->path, %t the type, %{name} the parameter ("" when absent), \% a
 * '%'. A value goes in only when it is made of characters that mean
 * themselves to sh (letters, digits, "._+-/=:,@", not starting with '-'),
 * so the entry's own quotes keep working. Returns the command (caller
 * frees) and *uses_file (whether %s occurred), or NULL with *why (caller
 * frees; names the escape whose value was refused). */
char *mime_mailcap_expand(const char *template, const struct mime_mailcap_values *v, int *uses_file, char **why);

/* ---- an outgoing message (mime-build.c) ---- */

struct lib_error;

/* One address: name is the display name (UTF-8, NULL or "" for none),
 * addr the bare local@domain (ASCII). */
struct mime_address {
	const char *name;
	const char *addr;
};

/* A file to attach: data and len when data is set, else the file at path.
 * filename (UTF-8) defaults to the last component of path; content_type
 * ("type/subtype") to a guess (mime_type_guess). */
struct mime_attachment {
	const char *path;
	const void *data;
	size_t len;
	const char *filename;
	const char *content_type;
};

/* A header field of the caller's (Reply-To, X-...): not one tern writes. */
struct mime_field {
	const char *name, *value;
};

/* What to build. Strings are borrowed for the call. */
struct mime_outgoing {
	struct mime_address from;
	const struct mime_address *reply_to, *to, *cc, *bcc; /* bcc is never written in the header */
	size_t reply_to_count, to_count, cc_count, bcc_count;
	const char *subject;                       /* UTF-8; NULL or "": none */
	const char *in_reply_to, *references;      /* "<id@host> ..." or NULL */
	const struct mime_field *extra;            /* ASCII values go as they are, others as RFC 2047 text */
	size_t extra_count;
	const char *text;                          /* the body, UTF-8, LF or CRLF line ends; NULL: none
	                                              (with attachments: no text part) */
	size_t text_len;
	const struct mime_attachment *attachments;
	size_t attachment_count;
	const char *version;                       /* VERSION, for "User-Agent: tern/VERSION" */
	int64_t date;                              /* epoch seconds; 0: now */
	void (*random)(unsigned char *out, size_t len); /* NULL: getrandom(); tests make it repeatable */
	int keep_bcc;                              /* a draft: Bcc is written, to be recalled */
	const char *charsets;                      /* send-charset for the text; NULL: MIME_SEND_CHARSET */
};

/* Appends the message to out: RFC 5322 with CRLF, all 7-bit: Date,
 * From, Reply-To, To (or "undisclosed-recipients:;"), Cc, Subject, a random
 * Message-ID at the From domain, In-Reply-To, References, the extra
 * fields, MIME-Version, User-Agent; RFC 2047 words for non-ASCII text
 * (folded at 76 columns, never splitting a character); the text as 7bit
 * when it is ASCII with lines of at most 998 bytes, else quoted-printable;
 * attachments in base64 with RFC 2231 file names (a message/rfc822
 * attachment, a forwarded message, as it is: 7bit, or 8bit when it has
 * 8-bit bytes, which tern's SMTP then refuses), inside multipart/mixed
 * with a random boundary that no part contains. Returns 0 and, if
 * message_id is not NULL, the "<...>" Message-ID (caller frees); or -1
 * with err (LIB_ERR_DATA): a CR or LF in any header value, name or
 * address (header injection), a malformed address, invalid UTF-8, a field
 * tern writes itself, an unreadable attachment. */
int mime_outgoing_build(const struct mime_outgoing *msg, struct buf *out, char **message_id, struct lib_error *err);

/* One address field as mime_outgoing_build writes it ("Bcc: Bob
 * <bob@x>, ...\r\n": names as RFC 2047 words where needed, folded),
 * appended to out; -1 with err (LIB_ERR_DATA) when an address is refused,
 * out unchanged. */
int mime_address_field(const char *name, const struct mime_address *list, size_t count, struct buf *out,
                       struct lib_error *err);

/* The content type for an attachment from its file name's extension, else
 * its first bytes (PDF, PNG, JPEG, GIF, WebP, zip, gzip), else "text/plain"
 * for UTF-8 text, else "application/octet-stream". Borrowed, static. */
const char *mime_type_guess(const char *filename, const void *data, size_t len);

/* One mailbox ("Ana Lima <ana@example.org>", "\"Lima, Ana\" <ana@x>",
 * "<ana@x>", "ana@x") read leniently into *name (NULL when there is none)
 * and *addr; the caller frees both. Returns -1 (both NULL) unless text is
 * exactly one address. */
int mime_address_split(const char *text, char **name, char **addr);

#endif
