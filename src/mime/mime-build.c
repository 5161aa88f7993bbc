/* Building an outgoing message: RFC 5322 with CRLF, MIME (RFC 2045-2049)
 * kept 7-bit because libetpan cannot announce 8BITMIME (LIBRARIES.md):
 * header text in RFC 2047 encoded words, attachment names in RFC 2231 (and
 * RFC 2047 in name= for old readers), text as 7bit or quoted-printable,
 * attachments as base64. Every value going into the header is checked
 * first: a CR or LF in one would let it write header fields of its own
 * (header injection), so it is refused, never cleaned. The output is
 * written so that tern's own reader (mime-part.c) parses it back exactly. */
#define _GNU_SOURCE
#include "mime.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "../lib/lib.h"

/* RFC 2047 2: a line holding encoded words is at most 76 characters, which
 * also keeps every line within RFC 5322's 78. */
#define HEADER_WIDTH 76
#define WORD_MAX 75      /* RFC 2047 2: one encoded word */
#define PLAIN_WORD_MAX 70 /* a longer unbroken word is encoded, so it can fold */
#define BASE64_LINE 76   /* RFC 2045 6.8 */
#define QP_LINE 76       /* RFC 2045 6.7, counting the '=' of a soft break */
#define TEXT_LINE_MAX 998 /* RFC 5322 2.1.1: longer lines go quoted-printable */
#define BOUNDARY_TRIES 16

/* ---- checks ---- */

/* Length of the UTF-8 sequence at s (len bytes left), 0 when invalid. */
static size_t utf8_seq(const unsigned char *s, size_t len)
{
	size_t n = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3 : (s[0] & 0xf8) == 0xf0 ? 4 : 0;

	if (n == 0 || n > len || (n == 2 && s[0] < 0xc2))
		return 0;
	for (size_t k = 1; k < n; k++)
		if ((s[k] & 0xc0) != 0x80)
			return 0;
	if (n == 3 && ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0)))
		return 0; /* overlong, surrogate */
	if (n == 4 && ((s[0] == 0xf0 && s[1] < 0x90) || s[0] > 0xf4 || (s[0] == 0xf4 && s[1] >= 0x90)))
		return 0;
	return n;
}

static int utf8_valid(const char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq((const unsigned char *)s + i, len - i);
		if (!n)
			return 0;
		i += n;
	}
	return 1;
}

static int has_line_break(const char *s)
{
	return strpbrk(s, "\r\n") != NULL;
}

/* A header value given by the caller: no CR or LF, valid UTF-8. */
static int value_check(const char *value, const char *what, struct lib_error *err)
{
	if (has_line_break(value)) {
		lib_error_set(err, LIB_ERR_DATA, "%s contains a line break (refused: it could add header fields)", what);
		return -1;
	}
	if (!utf8_valid(value, strlen(value))) {
		lib_error_set(err, LIB_ERR_DATA, "%s is not valid UTF-8", what);
		return -1;
	}
	return 0;
}

static int address_check(const struct mime_address *a, const char *what, struct lib_error *err)
{
	const char *addr = a->addr;

	if (!addr || !*addr) {
		lib_error_set(err, LIB_ERR_DATA, "%s has no address", what);
		return -1;
	}
	if (has_line_break(addr)) {
		lib_error_set(err, LIB_ERR_DATA, "the %s address contains a line break (refused: it could add header fields)",
		              what);
		return -1;
	}
	for (const unsigned char *p = (const unsigned char *)addr; *p; p++)
		if (*p <= ' ' || *p >= 127 || *p == '<' || *p == '>' || *p == ',' || *p == '"' || *p == '(' || *p == ')') {
			lib_error_set(err, LIB_ERR_DATA,
			              "the %s address has a character an address cannot hold here (a space, control, "
			              "non-ASCII, <>, comma, quote or parenthesis)",
			              what);
			return -1;
		}
	const char *at = strrchr(addr, '@');
	if (!at || at == addr || !at[1] || strlen(addr) > 254 || memchr(addr, '@', (size_t)(at - addr))) {
		lib_error_set(err, LIB_ERR_DATA, "the %s address is not of the form local@domain", what);
		return -1;
	}
	if (a->name && value_check(a->name, what, err) < 0)
		return -1;
	return 0;
}

/* RFC 5322 3.6.8 field name: printable ASCII but ':'. */
static int field_name_ok(const char *name)
{
	if (!*name)
		return 0;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p <= 32 || *p >= 127 || *p == ':')
			return 0;
	return 1;
}

/* Fields tern writes itself: given again they would contradict it (or,
 * for Bcc, reveal what must stay hidden). */
static int field_is_reserved(const char *name)
{
	static const char *const reserved[] = { "date", "from", "reply-to", "to", "cc", "bcc", "subject", "message-id",
		                                "in-reply-to", "references", "mime-version", "user-agent" };
	for (size_t i = 0; i < LIB_ARRAY_LEN(reserved); i++)
		if (strcasecmp(name, reserved[i]) == 0)
			return 1;
	return strncasecmp(name, "content-", 8) == 0;
}

/* Printable ASCII only (message ids, the version). */
static int ascii_printable(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 32 || *p >= 127)
			return 0;
	return 1;
}

/* A value written as it is may only fold at its spaces: no word may make
 * a line longer than RFC 5322's 998. */
#define VERBATIM_WORD_MAX 900
static int words_short(const char *s)
{
	size_t word = 0;
	for (; *s; s++)
		if ((word = *s == ' ' ? 0 : word + 1) > VERBATIM_WORD_MAX)
			return 0;
	return 1;
}

/* ---- the header writer: folds at white space ---- */

struct header {
	struct buf *out;
	size_t col;  /* characters on the current line */
	int started; /* a word was written after the field name: a fold may
	                come now (not before: readers keep the white space
	                of a fold right after the colon) */
};

static void header_begin(struct header *h, const char *name)
{
	buf_addstr(h->out, name);
	buf_addch(h->out, ':');
	h->col = strlen(name) + 1;
	h->started = 0;
}

static void header_end(struct header *h)
{
	buf_addstr(h->out, "\r\n");
	h->col = 0;
}

/* Text that sticks to what came before (no white space, so no fold). */
static void header_glue(struct header *h, const char *text, size_t len)
{
	buf_add(h->out, text, len);
	h->col += len;
	h->started = 1;
}

/* A word after white space: on a new line when it would not fit (and
 * when the current line holds more than that white space). reserve counts
 * characters that will be glued after the word. */
static void header_word(struct header *h, const char *word, size_t len, size_t reserve)
{
	if (h->col + 1 + len + reserve > HEADER_WIDTH && h->started && h->col > 1) {
		buf_addstr(h->out, "\r\n ");
		h->col = 1;
	} else {
		buf_addch(h->out, ' ');
		h->col++;
	}
	header_glue(h, word, len);
}

/* RFC 2047 5(3): the characters a Q-encoded word may carry as they are in
 * any context, phrases included. */
static int q_literal(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '!' || c == '*' ||
	       c == '+' || c == '-' || c == '/';
}

static size_t q_cost(unsigned char c)
{
	return c == ' ' || q_literal(c) ? 1 : 3;
}

/* How many bytes of text (whole UTF-8 characters) make an encoded word of
 * at most room characters; 0 when not even one does. */
static size_t word_fit(const char *text, size_t len, size_t room, int use_q)
{
	size_t max = room > WORD_MAX ? WORD_MAX : room;
	size_t taken = 0, cost = 0;

	if (max <= 12) /* "=?UTF-8?X?" and "?=" */
		return 0;
	max -= 12;
	while (taken < len) {
		size_t n = utf8_seq((const unsigned char *)text + taken, len - taken);
		if (!n)
			n = 1; /* checked valid before; never split a byte anyway */
		size_t add = 0;
		for (size_t k = 0; k < n; k++)
			add += q_cost((unsigned char)text[taken + k]);
		size_t next = use_q ? cost + add : (taken + n + 2) / 3 * 4;
		if (next > max)
			break;
		cost = use_q ? next : cost;
		taken += n;
	}
	return taken;
}

static void encoded_word(struct buf *out, const char *text, size_t len, int use_q)
{
	static const char hex[] = "0123456789ABCDEF";

	buf_addstr(out, use_q ? "=?UTF-8?Q?" : "=?UTF-8?B?");
	if (use_q) {
		for (size_t i = 0; i < len; i++) {
			unsigned char c = (unsigned char)text[i];
			if (c == ' ')
				buf_addch(out, '_');
			else if (q_literal(c))
				buf_addch(out, (char)c);
			else {
				char esc[3] = { '=', hex[c >> 4], hex[c & 15] };
				buf_add(out, esc, 3);
			}
		}
	} else {
		static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		for (size_t i = 0; i < len; i += 3) {
			unsigned long bits = (unsigned long)(unsigned char)text[i] << 16;
			if (i + 1 < len)
				bits |= (unsigned long)(unsigned char)text[i + 1] << 8;
			if (i + 2 < len)
				bits |= (unsigned char)text[i + 2];
			char quad[4] = { alphabet[bits >> 18 & 63], alphabet[bits >> 12 & 63],
				         i + 1 < len ? alphabet[bits >> 6 & 63] : '=', i + 2 < len ? alphabet[bits & 63] : '=' };
			buf_add(out, quad, 4);
		}
	}
	buf_addstr(out, "?=");
}

/* text (valid UTF-8) as encoded words, each after white space (or, with
 * glue_first, the first one right where the line is), folded so no line
 * passes HEADER_WIDTH and no character is split between words. Q or B,
 * whichever is shorter. */
static void header_encoded(struct header *h, const char *text, size_t len, int glue_first, size_t reserve)
{
	size_t q_len = 0;
	for (size_t i = 0; i < len; i++)
		q_len += q_cost((unsigned char)text[i]);
	int use_q = q_len <= (len + 2) / 3 * 4;
	struct buf word = BUF_INIT;

	for (size_t pos = 0, first = 1; pos < len; first = 0) {
		int glued = first && glue_first;
		size_t used = h->col + (glued ? 0 : 1) + reserve;
		size_t take = used < HEADER_WIDTH ? word_fit(text + pos, len - pos, HEADER_WIDTH - used, use_q) : 0;
		if (take == 0 && !glued && h->started) {
			buf_addstr(h->out, "\r\n");
			h->col = 0;
			take = word_fit(text + pos, len - pos, HEADER_WIDTH - 1 - reserve, use_q);
		}
		if (take == 0) /* no room and no fold allowed: one character, whatever the width */
			take = word_fit(text + pos, len - pos, WORD_MAX, use_q);
		buf_reset(&word);
		encoded_word(&word, text + pos, take, use_q);
		if (!glued) {
			buf_addch(h->out, ' ');
			h->col++;
		}
		header_glue(h, word.data, word.len);
		pos += take;
	}
	buf_free(&word);
}

/* Printable ASCII that needs no encoding: no "=?" (it would read as an
 * encoded word) and no word too long to fold. */
static int plain_ok(const char *text)
{
	size_t word = 0;

	if (!ascii_printable(text) || strstr(text, "=?"))
		return 0;
	for (const char *p = text; *p; p++) {
		word = *p == ' ' ? 0 : word + 1;
		if (word > PLAIN_WORD_MAX)
			return 0;
	}
	return 1;
}

/* ASCII text as it is, folded at its spaces (a word too long for the
 * line stays whole: check_all keeps every word far below 998). */
static void header_verbatim(struct header *h, const char *text)
{
	const char *p = text;
	for (;;) {
		const char *space = strchr(p, ' ');
		size_t len = space ? (size_t)(space - p) : strlen(p);
		header_word(h, p, len, 0);
		if (!space)
			break;
		p = space + 1;
	}
}

/* Unstructured text (RFC 5322 3.2.5): as it is when it can be, else as
 * encoded words. */
static void header_text(struct header *h, const char *text)
{
	if (plain_ok(text))
		header_verbatim(h, text);
	else
		header_encoded(h, text, strlen(text), 0, 0);
}

static int is_atext(unsigned char c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

/* A display name (RFC 5322 3.2.5 phrase): atoms as they are, other ASCII
 * as a quoted string, anything else as encoded words. */
static void header_phrase(struct header *h, const char *name)
{
	int atoms = 1;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (!is_atext(*p) && *p != ' ')
			atoms = 0;
	if (!plain_ok(name)) {
		header_encoded(h, name, strlen(name), 0, 0);
		return;
	}
	struct buf quoted = BUF_INIT;
	if (!atoms)
		buf_addch(&quoted, '"');
	for (const char *p = name; *p; p++) {
		if (!atoms && (*p == '"' || *p == '\\'))
			buf_addch(&quoted, '\\');
		buf_addch(&quoted, *p);
	}
	if (!atoms)
		buf_addch(&quoted, '"');
	/* folded at its spaces: inside a quoted string too (FWS, RFC 5322 3.2.4) */
	char *p = quoted.data;
	for (;;) {
		char *space = strchr(p, ' ');
		size_t len = space ? (size_t)(space - p) : strlen(p);
		header_word(h, p, len, 0);
		if (!space)
			break;
		p = space + 1;
	}
	buf_free(&quoted);
}

static void header_addresses(struct header *h, const struct mime_address *list, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		const struct mime_address *a = &list[i];
		size_t comma = i + 1 < count ? 1 : 0;
		if (i)
			header_glue(h, ",", 1);
		if (a->name && *a->name) {
			header_phrase(h, a->name);
			char *angle = xasprintf("<%s>", a->addr);
			header_word(h, angle, strlen(angle), comma);
			free(angle);
		} else {
			header_word(h, a->addr, strlen(a->addr), comma);
		}
	}
}

/* ---- bodies ---- */

static void base64_lines(struct buf *out, const unsigned char *data, size_t len)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char line[BASE64_LINE + 2];

	for (size_t i = 0; i < len;) {
		size_t used = 0;
		for (; i < len && used < BASE64_LINE; i += 3) {
			unsigned long bits = (unsigned long)data[i] << 16;
			if (i + 1 < len)
				bits |= (unsigned long)data[i + 1] << 8;
			if (i + 2 < len)
				bits |= data[i + 2];
			line[used++] = alphabet[bits >> 18 & 63];
			line[used++] = alphabet[bits >> 12 & 63];
			line[used++] = i + 1 < len ? alphabet[bits >> 6 & 63] : '=';
			line[used++] = i + 2 < len ? alphabet[bits & 63] : '=';
		}
		if (i < len) {
			line[used++] = '\r';
			line[used++] = '\n';
		}
		buf_add(out, line, used);
	}
}

/* One line of text (no line end) as quoted-printable, with soft breaks
 * between characters, never inside one or inside an =XY. */
static void qp_line(struct buf *out, const char *line, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t col = 0;

	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq((const unsigned char *)line + i, len - i);
		if (!n)
			n = 1;
		char piece[12];
		size_t piece_len = 0;
		for (size_t k = 0; k < n; k++) {
			unsigned char c = (unsigned char)line[i + k];
			int last = i + k + 1 == len;
			/* white space at the end of a line is dropped in
			 * transport (RFC 2045 6.7 rule 3); "From " at the start
			 * is mangled by mbox writers */
			int literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last);
			if (i == 0 && k == 0 && c == 'F' && len >= 5 && memcmp(line, "From ", 5) == 0)
				literal = 0;
			if (literal) {
				piece[piece_len++] = (char)c;
			} else {
				piece[piece_len++] = '=';
				piece[piece_len++] = hex[c >> 4];
				piece[piece_len++] = hex[c & 15];
			}
		}
		/* room for the piece and, unless the line ends with it, a '=' */
		size_t need = piece_len + (i + n < len ? 1 : 0);
		if (col + need > QP_LINE) {
			buf_addstr(out, "=\r\n");
			col = 0;
		}
		buf_add(out, piece, piece_len);
		col += piece_len;
		i += n;
	}
	buf_addstr(out, "\r\n");
}

/* The text part's body, CRLF line ends, ending in CRLF; *qp says whether
 * it had to be quoted-printable (non-ASCII, a NUL, a lone CR, a line over
 * 998 bytes) or could go as 7bit. */
static void text_body(const char *text, size_t len, struct buf *out, int *qp)
{
	size_t line_len = 0;

	*qp = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c >= 128)
			*qp = 1;
		if (c == '\n') {
			line_len = 0;
			continue;
		}
		if (c == 0 || (c == '\r' && (i + 1 == len || text[i + 1] != '\n')))
			*qp = 1; /* a NUL or a lone CR cannot travel as 7bit */
		if (c != '\r' && ++line_len > TEXT_LINE_MAX)
			*qp = 1;
	}
	buf_add(out, "", 0);
	for (size_t start = 0; start < len;) {
		const char *nl = memchr(text + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - text) : len;
		size_t content = end > start && text[end - 1] == '\r' ? end - 1 : end;
		if (*qp)
			qp_line(out, text + start, content - start);
		else {
			buf_add(out, text + start, content - start);
			buf_addstr(out, "\r\n");
		}
		start = end + 1;
	}
}

/* ---- attachments ---- */

static const struct {
	const char *extension, *type;
} type_by_extension[] = {
	{ "pdf", "application/pdf" },   { "png", "image/png" },        { "jpg", "image/jpeg" },
	{ "jpeg", "image/jpeg" },       { "gif", "image/gif" },        { "webp", "image/webp" },
	{ "svg", "image/svg+xml" },     { "txt", "text/plain" },       { "text", "text/plain" },
	{ "md", "text/markdown" },      { "csv", "text/csv" },         { "html", "text/html" },
	{ "htm", "text/html" },         { "ics", "text/calendar" },    { "diff", "text/x-diff" },
	{ "patch", "text/x-diff" },     { "json", "application/json" }, { "xml", "application/xml" },
	{ "zip", "application/zip" },   { "gz", "application/gzip" },  { "tar", "application/x-tar" },
	{ "mp3", "audio/mpeg" },        { "ogg", "audio/ogg" },        { "mp4", "video/mp4" },
	{ "doc", "application/msword" }, { "odt", "application/vnd.oasis.opendocument.text" },
	{ "ods", "application/vnd.oasis.opendocument.spreadsheet" },
	{ "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
	{ "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
	{ "pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation" },
};

static const struct {
	const char *magic;
	size_t len;
	const char *type;
} type_by_magic[] = {
	{ "%PDF-", 5, "application/pdf" }, { "\x89PNG\r\n\x1a\n", 8, "image/png" }, { "\xff\xd8\xff", 3, "image/jpeg" },
	{ "GIF87a", 6, "image/gif" },      { "GIF89a", 6, "image/gif" },           { "PK\x03\x04", 4, "application/zip" },
	{ "\x1f\x8b", 2, "application/gzip" },
};

const char *mime_type_guess(const char *filename, const void *data, size_t len)
{
	const char *dot = filename ? strrchr(filename, '.') : NULL;
	const unsigned char *bytes = data;

	if (dot && dot[1])
		for (size_t i = 0; i < LIB_ARRAY_LEN(type_by_extension); i++)
			if (strcasecmp(dot + 1, type_by_extension[i].extension) == 0)
				return type_by_extension[i].type;
	for (size_t i = 0; i < LIB_ARRAY_LEN(type_by_magic); i++)
		if (len >= type_by_magic[i].len && memcmp(bytes, type_by_magic[i].magic, type_by_magic[i].len) == 0)
			return type_by_magic[i].type;
	if (len >= 12 && memcmp(bytes, "RIFF", 4) == 0 && memcmp(bytes + 8, "WEBP", 4) == 0)
		return "image/webp";
	/* text: valid UTF-8 with no controls but white space */
	size_t probe = len < 8192 ? len : 8192;
	while (probe > 0 && probe < len && (bytes[probe] & 0xc0) == 0x80)
		probe--; /* do not cut a character at the probe's end */
	if (len == 0 || !utf8_valid((const char *)bytes, probe))
		return "application/octet-stream";
	for (size_t i = 0; i < probe; i++)
		if ((bytes[i] < 32 && !strchr("\t\n\r\f", bytes[i])) || bytes[i] == 127)
			return "application/octet-stream";
	return "text/plain";
}

/* RFC 2231 attribute-char: what goes into an extended value unescaped. */
static int attribute_char(unsigned char c)
{
	return c > 32 && c < 127 && !strchr("*'%()<>@,;:\\\"/[]?=", c);
}

/* The file name for Content-Disposition: filename="x" when short plain
 * ASCII, else RFC 2231 filename*=utf-8''... split into numbered sections
 * (filename*0*=, filename*1*=, RFC 2231 3) that fit the line. */
static void param_filename(struct header *h, const char *name)
{
	size_t len = strlen(name);
	int plain = len <= 60 && ascii_printable(name) && !strpbrk(name, "\"\\") && !strstr(name, "=?");

	header_glue(h, ";", 1);
	if (plain) {
		char *param = xasprintf("filename=\"%s\"", name);
		header_word(h, param, strlen(param), 0);
		free(param);
		return;
	}
	/* the percent-encoded pieces, each whole characters */
	struct buf piece = BUF_INIT, sections = BUF_INIT;
	size_t count = 0;
	char **pieces = NULL;
	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq((const unsigned char *)name + i, len - i);
		if (!n)
			n = 1;
		size_t cost = 0;
		for (size_t k = 0; k < n; k++)
			cost += attribute_char((unsigned char)name[i + k]) ? 1 : 3;
		if (piece.len && piece.len + cost > 48) {
			pieces = xrealloc(pieces, (count + 1) * sizeof(*pieces));
			pieces[count++] = buf_detach(&piece);
		}
		for (size_t k = 0; k < n; k++) {
			unsigned char c = (unsigned char)name[i + k];
			if (attribute_char(c))
				buf_addch(&piece, (char)c);
			else
				buf_addf(&piece, "%%%02X", c);
		}
		i += n;
	}
	pieces = xrealloc(pieces, (count + 1) * sizeof(*pieces));
	pieces[count++] = buf_detach(&piece);
	for (size_t i = 0; i < count; i++) {
		buf_reset(&sections);
		if (count == 1)
			buf_addf(&sections, "filename*=utf-8''%s", pieces[0]);
		else
			buf_addf(&sections, "filename*%zu*=%s%s", i, i == 0 ? "utf-8''" : "", pieces[i]);
		if (i)
			header_glue(h, ";", 1);
		header_word(h, sections.data, sections.len, i + 1 < count ? 1 : 0);
		free(pieces[i]);
	}
	free(pieces);
	buf_free(&sections);
	buf_free(&piece);
}

/* name= in Content-Type for readers that ignore Content-Disposition's
 * filename, and RFC 2047 inside quotes, as they expect (RFC 2047 5 does
 * not allow it, everyone does it). */
static void param_name(struct header *h, const char *name)
{
	header_glue(h, ";", 1);
	if (ascii_printable(name) && !strpbrk(name, "\"\\") && !strstr(name, "=?") && strlen(name) <= 60) {
		char *param = xasprintf("name=\"%s\"", name);
		header_word(h, param, strlen(param), 0);
		free(param);
		return;
	}
	buf_addstr(h->out, "\r\n name=\"");
	h->col = 7;
	header_encoded(h, name, strlen(name), 1, 1);
	header_glue(h, "\"", 1);
}

/* A content type given by the caller: "type/subtype", tokens only. */
static char *content_type_clean(const char *type, struct lib_error *err)
{
	static const char tspecials[] = "()<>@,;:\\\"/[]?=";
	const char *slash = strchr(type, '/');
	int ok = slash && slash != type && slash[1];

	for (const unsigned char *p = (const unsigned char *)type; ok && *p; p++)
		if ((const char *)p != slash && (*p <= 32 || *p >= 127 || strchr(tspecials, *p)))
			ok = 0;
	if (!ok) {
		if (has_line_break(type))
			lib_error_set(err, LIB_ERR_DATA,
			              "an attachment's content type contains a line break (refused: it could add header fields)");
		else
			lib_error_set(err, LIB_ERR_DATA, "an attachment's content type is not of the form type/subtype");
		return NULL;
	}
	char *clean = xstrdup(type);
	for (char *p = clean; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	/* RFC 2046 5.1.1, 5.2.1: multipart and message bodies cannot be
	 * base64; message/rfc822 alone is attached, as 7bit or 8bit */
	if (strncmp(clean, "multipart/", 10) == 0 ||
	    (strncmp(clean, "message/", 8) == 0 && strcmp(clean, "message/rfc822") != 0)) {
		lib_error_set(err, LIB_ERR_DATA, "tern attaches files as base64, which %s parts may not use", clean);
		free(clean);
		return NULL;
	}
	return clean;
}

static int file_read(const char *path, struct buf *out, struct lib_error *err)
{
	FILE *f = fopen(path, "rb");
	char chunk[65536];
	size_t n;

	if (!f) {
		lib_error_set(err, LIB_ERR_DATA, "cannot read the attachment %s: %s", path, strerror(errno));
		return -1;
	}
	buf_add(out, "", 0);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(out, chunk, n);
	int failed = ferror(f);
	fclose(f);
	if (failed) {
		lib_error_set(err, LIB_ERR_DATA, "cannot read the attachment %s: read error", path);
		return -1;
	}
	return 0;
}

/* A forwarded message/rfc822 body with CRLF line ends, and its transfer
 * encoding: "7bit" when it is ASCII, "8bit" when it has 8-bit bytes (RFC
 * 2046 5.2.1 allows no other; tern's SMTP, which cannot announce
 * 8BITMIME, then refuses the whole message, so callers send 8-bit
 * originals another way). NULL with err for a NUL, a lone CR or a line
 * over 998 bytes, which only "binary" could carry. */
static const char *rfc822_body(const unsigned char *data, size_t len, struct buf *out, struct lib_error *err)
{
	int eight = 0;
	size_t line_len = 0;

	if (!len) {
		lib_error_set(err, LIB_ERR_DATA, "the forwarded message is empty");
		return NULL;
	}
	buf_add(out, "", 0);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = data[i];
		if (c == '\n') {
			if (!(i && data[i - 1] == '\r'))
				buf_addch(out, '\r');
			buf_addch(out, '\n');
			line_len = 0;
			continue;
		}
		if (c == 0 || (c == '\r' && (i + 1 == len || data[i + 1] != '\n')) ||
		    (c != '\r' && ++line_len > TEXT_LINE_MAX)) {
			lib_error_set(err, LIB_ERR_DATA, "the forwarded message has a NUL, a lone CR or a line over %d bytes",
			              TEXT_LINE_MAX);
			return NULL;
		}
		eight |= c >= 128;
		buf_addch(out, (char)c);
	}
	if (len && data[len - 1] != '\n')
		buf_addstr(out, "\r\n");
	return eight ? "8bit" : "7bit";
}

/* One attachment as a MIME entity (header and base64 body without its
 * last line end), appended to out. */
static int attachment_entity(const struct mime_attachment *a, struct buf *out, struct lib_error *err)
{
	struct buf file = BUF_INIT;
	const unsigned char *data = a->data;
	size_t len = a->len;
	char *type = NULL;
	int rc = -1;

	const char *filename = a->filename;
	if (!filename && a->path) {
		const char *slash = strrchr(a->path, '/');
		filename = slash ? slash + 1 : a->path;
	}
	if (!filename || !*filename)
		filename = "attachment";
	if (value_check(filename, "an attachment's file name", err) < 0)
		return -1;
	if (a->content_type && !(type = content_type_clean(a->content_type, err)))
		return -1;
	if (!data) {
		if (!a->path) {
			lib_error_set(err, LIB_ERR_DATA, "the attachment %s has neither a path nor data", filename);
			goto done;
		}
		if (file_read(a->path, &file, err) < 0)
			goto done;
		data = (const unsigned char *)file.data;
		len = file.len;
	}
	if (!type)
		type = xstrdup(mime_type_guess(filename, data, len));

	struct header h = { out, 0, 0 };
	header_begin(&h, "Content-Type");
	header_word(&h, type, strlen(type), 1);
	if (strncmp(type, "text/", 5) == 0 && utf8_valid((const char *)data, len)) {
		int ascii = 1;
		for (size_t i = 0; i < len && ascii; i++)
			ascii = data[i] < 128;
		header_glue(&h, ";", 1);
		header_word(&h, ascii ? "charset=us-ascii" : "charset=utf-8", ascii ? 16 : 13, 1);
	}
	param_name(&h, filename);
	header_end(&h);
	header_begin(&h, "Content-Disposition");
	header_word(&h, "attachment", 10, 1);
	param_filename(&h, filename);
	header_end(&h);
	if (strcmp(type, "message/rfc822") == 0) {
		struct buf body = BUF_INIT;
		const char *encoding = rfc822_body(data, len, &body, err);
		if (encoding) {
			buf_addf(out, "Content-Transfer-Encoding: %s\r\n\r\n", encoding);
			buf_add(out, body.data, body.len); /* its last CRLF is its own: the delimiter brings another */
			rc = 0;
		}
		buf_free(&body);
		goto done;
	}
	buf_addstr(out, "Content-Transfer-Encoding: base64\r\n\r\n");
	base64_lines(out, data, len);
	rc = 0;
done:
	free(type);
	buf_free(&file);
	return rc;
}

/* ---- the message ---- */

static void random_fill(const struct mime_outgoing *msg, unsigned char *out, size_t len)
{
	if (msg->random) {
		msg->random(out, len);
		return;
	}
	for (size_t done = 0; done < len;) {
		ssize_t n = getrandom(out + done, len - done, 0);
		if (n < 0 && errno != EINTR)
			lib_fatal("getrandom: %s", strerror(errno));
		if (n > 0)
			done += (size_t)n;
	}
}

/* count random characters from [a-z2-7] (base32: 5 bits each). */
static void random_text(const struct mime_outgoing *msg, char *out, size_t count)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned char bytes[64];

	if (count > sizeof(bytes))
		count = sizeof(bytes);
	random_fill(msg, bytes, count);
	for (size_t i = 0; i < count; i++)
		out[i] = alphabet[bytes[i] & 31];
	out[count] = '\0';
}

/* RFC 5322 3.3 in the local zone, with English names whatever the locale. */
static void date_text(int64_t when, char *out, size_t size)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
		                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)when;
	struct tm tm;

	localtime_r(&t, &tm);
	long offset = tm.tm_gmtoff / 60;
	char sign = offset < 0 ? '-' : '+';
	if (offset < 0)
		offset = -offset;
	snprintf(out, size, "%s, %d %s %d %02d:%02d:%02d %c%02ld%02ld", days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	         tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec, sign, offset / 60, offset % 60);
}

static int check_all(const struct mime_outgoing *msg, struct lib_error *err)
{
	if (address_check(&msg->from, "From", err) < 0)
		return -1;
	const struct {
		const struct mime_address *list;
		size_t count;
		const char *what;
	} lists[] = { { msg->reply_to, msg->reply_to_count, "Reply-To" },
		      { msg->to, msg->to_count, "To" },
		      { msg->cc, msg->cc_count, "Cc" },
		      { msg->bcc, msg->bcc_count, "Bcc" } };
	for (size_t l = 0; l < LIB_ARRAY_LEN(lists); l++)
		for (size_t i = 0; i < lists[l].count; i++)
			if (address_check(&lists[l].list[i], lists[l].what, err) < 0)
				return -1;
	if (msg->subject && value_check(msg->subject, "the subject", err) < 0)
		return -1;
	const char *ids[] = { msg->in_reply_to, msg->references };
	for (size_t i = 0; i < 2; i++) {
		if (!ids[i])
			continue;
		if (value_check(ids[i], i ? "References" : "In-Reply-To", err) < 0)
			return -1;
		if (!ascii_printable(ids[i]) || !words_short(ids[i])) {
			lib_error_set(err, LIB_ERR_DATA, "%s is not a list of <message-ids>", i ? "References" : "In-Reply-To");
			return -1;
		}
	}
	for (size_t i = 0; i < msg->extra_count; i++) {
		const struct mime_field *f = &msg->extra[i];
		if (!f->name || !field_name_ok(f->name)) {
			lib_error_set(err, LIB_ERR_DATA, "a header field name is empty or holds a space, control or colon");
			return -1;
		}
		if (field_is_reserved(f->name)) {
			lib_error_set(err, LIB_ERR_DATA, "the header field %s is written by tern itself", f->name);
			return -1;
		}
		char what[80];
		snprintf(what, sizeof(what), "the header field %.60s", f->name);
		if (!f->value || value_check(f->value, what, err) < 0) {
			if (!f->value)
				lib_error_set(err, LIB_ERR_DATA, "%s has no value", what);
			return -1;
		}
		if (!words_short(f->value)) {
			lib_error_set(err, LIB_ERR_DATA, "%s has a word over %d characters", what, VERBATIM_WORD_MAX);
			return -1;
		}
	}
	if (msg->version && (!ascii_printable(msg->version) || strchr(msg->version, ' '))) {
		lib_error_set(err, LIB_ERR_DATA, "the version for User-Agent must be printable ASCII without spaces");
		return -1;
	}
	return 0;
}

/* Whether "--" boundary starts any line of the bodies. */
static int boundary_collides(const char *boundary, const struct buf *bodies, size_t count)
{
	size_t blen = strlen(boundary);

	for (size_t i = 0; i < count; i++) {
		const char *data = bodies[i].data;
		size_t len = bodies[i].len;
		for (size_t pos = 0; pos < len;) {
			if (len - pos >= blen + 2 && data[pos] == '-' && data[pos + 1] == '-' &&
			    memcmp(data + pos + 2, boundary, blen) == 0)
				return 1;
			const char *nl = memchr(data + pos, '\n', len - pos);
			pos = nl ? (size_t)(nl - data) + 1 : len;
		}
	}
	return 0;
}

static void free_parts(struct buf *parts, size_t count)
{
	for (size_t k = 0; k < count; k++)
		buf_free(&parts[k]);
	free(parts);
}

/* The text (parts[0], in the first charset of send-charset that holds
 * it; *qp when it went quoted-printable) and each attachment, encoded:
 * NULL when one cannot be. */
static struct buf *build_parts(const struct mime_outgoing *msg, char *charset, size_t charset_size, int *qp,
                               struct lib_error *err)
{
	size_t part_count = 1 + msg->attachment_count;
	struct buf text = BUF_INIT;

	if (msg->text &&
	    mime_charset_choose(msg->charsets, msg->text, msg->text_len, &text, charset, charset_size) < 0) {
		lib_error_set(err, LIB_ERR_DATA,
		              "the message text is not valid UTF-8, nor in any charset of send-charset (%s)",
		              msg->charsets ? msg->charsets : MIME_SEND_CHARSET);
		buf_free(&text);
		return NULL;
	}
	struct buf *parts = xcalloc(part_count, sizeof(*parts));
	text_body(text.data ? text.data : "", text.len, &parts[0], qp);
	buf_free(&text);
	for (size_t i = 0; i < msg->attachment_count; i++)
		if (attachment_entity(&msg->attachments[i], &parts[i + 1], err) < 0) {
			free_parts(parts, part_count);
			return NULL;
		}
	return parts;
}

/* The header fields, Date to User-Agent, but the Content- ones. */
static void build_header(const struct mime_outgoing *msg, const char *id, struct buf *out)
{
	struct header h = { out, 0, 0 };
	char date[64];

	buf_add(out, "", 0);
	date_text(msg->date ? msg->date : (int64_t)time(NULL), date, sizeof(date));
	header_begin(&h, "Date");
	header_word(&h, date, strlen(date), 0);
	header_end(&h);
	header_begin(&h, "From");
	header_addresses(&h, &msg->from, 1);
	header_end(&h);
	if (msg->reply_to_count) {
		header_begin(&h, "Reply-To");
		header_addresses(&h, msg->reply_to, msg->reply_to_count);
		header_end(&h);
	}
	if (msg->to_count || !msg->cc_count) {
		header_begin(&h, "To");
		if (msg->to_count)
			header_addresses(&h, msg->to, msg->to_count);
		else
			header_word(&h, "undisclosed-recipients:;", 24, 0); /* RFC 5322 A.1.3 */
		header_end(&h);
	}
	if (msg->cc_count) {
		header_begin(&h, "Cc");
		header_addresses(&h, msg->cc, msg->cc_count);
		header_end(&h);
	}
	if (msg->keep_bcc && msg->bcc_count) {
		header_begin(&h, "Bcc");
		header_addresses(&h, msg->bcc, msg->bcc_count);
		header_end(&h);
	}
	if (msg->subject && *msg->subject) {
		header_begin(&h, "Subject");
		header_text(&h, msg->subject);
		header_end(&h);
	}
	header_begin(&h, "Message-ID");
	header_word(&h, id, strlen(id), 0);
	header_end(&h);
	const char *ids[] = { msg->in_reply_to, msg->references };
	const char *id_names[] = { "In-Reply-To", "References" };
	for (size_t i = 0; i < 2; i++) {
		if (!ids[i] || !*ids[i])
			continue;
		header_begin(&h, id_names[i]);
		header_verbatim(&h, ids[i]);
		header_end(&h);
	}
	for (size_t i = 0; i < msg->extra_count; i++) {
		/* structured or not, tern cannot tell: ASCII goes as it is (a URL
		 * or an address must not be encoded), other text as encoded words */
		const char *value = msg->extra[i].value;
		header_begin(&h, msg->extra[i].name);
		if (ascii_printable(value))
			header_verbatim(&h, value);
		else
			header_encoded(&h, value, strlen(value), 0, 0);
		header_end(&h);
	}
	buf_addstr(out, "MIME-Version: 1.0\r\n");
	buf_addf(out, "User-Agent: tern%s%s\r\n", msg->version ? "/" : "", msg->version ? msg->version : "");
}

/* A multipart boundary none of the parts holds. */
static void choose_boundary(const struct mime_outgoing *msg, const struct buf *parts, char *boundary, size_t size)
{
	char token[32];
	int tries = 0;

	do {
		if (++tries > BOUNDARY_TRIES)
			lib_fatal("no boundary found that the message does not contain");
		random_text(msg, token, 24);
		snprintf(boundary, size, "=_tern_%s", token);
	} while (boundary_collides(boundary, parts, 1 + msg->attachment_count));
}

/* The body: the text alone, or multipart/mixed. */
static void build_body(const struct mime_outgoing *msg, const struct buf *parts, const char *boundary,
                       const char *text_headers, struct buf *out)
{
	size_t part_count = 1 + msg->attachment_count;

	if (!msg->attachment_count) {
		buf_addstr(out, text_headers);
		buf_addstr(out, "\r\n");
		buf_add(out, parts[0].data, parts[0].len);
		return;
	}
	buf_addf(out, "Content-Type: multipart/mixed;\r\n boundary=\"%s\"\r\n\r\n", boundary);
	/* RFC 2046 5.1.1: the CRLF before each delimiter belongs to it, so
	 * the text keeps its own last line end. No text given: no text part. */
	int first = 1;
	if (msg->text) {
		buf_addf(out, "--%s\r\n%s\r\n", boundary, text_headers);
		buf_add(out, parts[0].data, parts[0].len);
		first = 0;
	}
	for (size_t i = 1; i < part_count; i++, first = 0) {
		buf_addf(out, "%s--%s\r\n", first ? "" : "\r\n", boundary);
		buf_add(out, parts[i].data, parts[i].len);
	}
	buf_addf(out, "\r\n--%s--\r\n", boundary);
}

int mime_outgoing_build(const struct mime_outgoing *msg, struct buf *out, char **message_id, struct lib_error *err)
{
	char charset[48] = "us-ascii", boundary[48] = "", token[32], text_headers[160];
	int qp = 0;

	if (message_id)
		*message_id = NULL;
	if (check_all(msg, err) < 0)
		return -1;
	/* the parts first: an attachment may fail to read, and the boundary
	 * must be checked against what the parts hold */
	struct buf *parts = build_parts(msg, charset, sizeof(charset), &qp, err);
	if (!parts)
		return -1;
	if (msg->attachment_count)
		choose_boundary(msg, parts, boundary, sizeof(boundary));
	random_text(msg, token, 26);
	const char *domain = strrchr(msg->from.addr, '@') + 1;
	char *id = xasprintf("<%s@%s>", token, domain);

	build_header(msg, id, out);
	snprintf(text_headers, sizeof(text_headers),
	         "Content-Type: text/plain; charset=%s\r\nContent-Transfer-Encoding: %s\r\n",
	         msg->text ? charset : "us-ascii", qp ? "quoted-printable" : "7bit");
	build_body(msg, parts, boundary, text_headers, out);
	free_parts(parts, 1 + msg->attachment_count);
	if (message_id)
		*message_id = id;
	else
		free(id);
	return 0;
}

int mime_address_field(const char *name, const struct mime_address *list, size_t count, struct buf *out,
                       struct lib_error *err)
{
	struct header h = { out, 0, 0 };

	for (size_t i = 0; i < count; i++)
		if (address_check(&list[i], name, err) < 0)
			return -1;
	header_begin(&h, name);
	header_addresses(&h, list, count);
	header_end(&h);
	return 0;
}
