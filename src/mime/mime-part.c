/* The MIME structure of a message opened for reading: a parser of tern's
 * own that does no I/O and no recursion, over one copy of the raw bytes.
 * libetpan's mailmime_parse is not used: it overflows the heap on
 * boundary="\"" (unfixed in Debian's 1.9.4), recurses once per nesting
 * level and per (comment), and builds the whole tree before any bound could
 * apply. Here each limit is checked before the work it bounds: a header
 * field over MIME_HEADER_MAX or with comments nested deeper than
 * MIME_COMMENT_DEPTH_MAX counts as absent, boundaries are checked (RFC 2046
 * 5.1.1), nesting stops at MIME_DEPTH_MAX and the part list at
 * MIME_PART_MAX, and each cut is told in a note. Parts are kept flat in
 * document order as offsets into the raw copy; bodies are decoded on
 * demand. Only RFC 2047 words go to libetpan (via mime_header_decode),
 * after the bounds above. */
#include "mime.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../lib/lib.h"

struct mime_message {
	char *raw; /* owned copy, NUL-terminated */
	size_t len;
	struct mime_part *parts;
	size_t part_count, part_cap;
	char *notes[MIME_NOTE_MAX];
	size_t note_count;
};

/* A byte range still to be parsed as an entity (header block and body). */
struct entity {
	size_t start, end;
	size_t depth;
	int in_digest; /* default type message/rfc822 (RFC 2046 5.1.5) */
};

/* Entities waiting, popped from the end: a multipart pushes its children
 * last first so they come out in document order. Never longer than
 * MIME_PART_MAX. */
struct entity_stack {
	struct entity *items;
	size_t count, cap;
};

static void note_add(struct mime_message *msg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note_add(struct mime_message *msg, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	char *note = xvasprintf(fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < msg->note_count; i++)
		if (strcmp(msg->notes[i], note) == 0) {
			free(note);
			return;
		}
	if (msg->note_count == MIME_NOTE_MAX) {
		free(note);
		return;
	}
	msg->notes[msg->note_count++] = note;
}

/* ---- header blocks (RFC 5322 2.2) ---- */

struct field {
	size_t name, name_len;  /* offsets into raw */
	size_t value, value_end; /* value_end is past the field's last line end */
};

struct header_scan {
	const char *raw;
	size_t pos, end;
	size_t body; /* where the body starts, once next_field returned 0 */
	int done;
};

static size_t line_end(const char *raw, size_t pos, size_t end, size_t *next)
{
	const char *nl = memchr(raw + pos, '\n', end - pos);
	size_t stop = nl ? (size_t)(nl - raw) : end;

	*next = nl ? stop + 1 : end;
	return stop;
}

/* The next field of the block; 0 at its end, with scan->body set. The block
 * ends at a blank line (consumed) or at the first line that is not a field
 * (kept for the body: a part whose sender forgot the blank line still shows
 * its text). Continuation lines are taken with their field, so one seen
 * here has no field and is body text too. */
static int next_field(struct header_scan *scan, struct field *f)
{
	if (!scan->done && scan->pos < scan->end) {
		size_t start = scan->pos, next;
		size_t stop = line_end(scan->raw, start, scan->end, &next);
		size_t content = stop > start && scan->raw[stop - 1] == '\r' ? stop - 1 : stop;

		if (content == start) {
			scan->body = next;
			scan->done = 1;
			return 0;
		}
		size_t colon = start;
		while (colon < content && scan->raw[colon] != ':' && (unsigned char)scan->raw[colon] > 32 &&
		       (unsigned char)scan->raw[colon] < 127)
			colon++;
		size_t name_end = colon;
		while (colon < content && (scan->raw[colon] == ' ' || scan->raw[colon] == '\t'))
			colon++; /* "Subject : x", RFC 5322 4.5 */
		if (colon == content || scan->raw[colon] != ':' || name_end == start) {
			scan->body = start;
			scan->done = 1;
			return 0;
		}
		f->name = start;
		f->name_len = name_end - start;
		f->value = colon + 1;
		scan->pos = next;
		while (scan->pos < scan->end && (scan->raw[scan->pos] == ' ' || scan->raw[scan->pos] == '\t'))
			line_end(scan->raw, scan->pos, scan->end, &scan->pos);
		f->value_end = scan->pos;
		return 1;
	}
	if (!scan->done)
		scan->body = scan->end; /* no blank line: all header, no body */
	scan->done = 1;
	return 0;
}

/* The value without its line breaks and outer white space. */
static char *field_unfold(const char *raw, const struct field *f, size_t *len)
{
	struct buf out = BUF_INIT;
	size_t i = f->value;

	/* leading white space goes, also when the value starts on a fold */
	while (i < f->value_end && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\r' || raw[i] == '\n'))
		i++;
	buf_add(&out, "", 0);
	for (; i < f->value_end; i++)
		if (raw[i] != '\r' && raw[i] != '\n')
			buf_addch(&out, raw[i]);
	while (out.len && strchr(" \t", out.data[out.len - 1]))
		out.data[--out.len] = '\0';
	*len = out.len;
	return buf_detach(&out);
}

/* How deep (comments) nest, counted without recursion and stopping just
 * past the limit; quoted strings and quoted pairs do not count. */
static size_t comment_depth(const char *s, size_t len)
{
	size_t depth = 0, max = 0;
	int quoted = 0;

	for (size_t i = 0; i < len && max <= MIME_COMMENT_DEPTH_MAX; i++) {
		char c = s[i];
		if (c == '\\') {
			i++;
		} else if (quoted) {
			if (c == '"')
				quoted = 0;
		} else if (c == '"' && !depth) {
			quoted = 1;
		} else if (c == '(') {
			if (++depth > max)
				max = depth;
		} else if (c == ')' && depth) {
			depth--;
		}
	}
	return max;
}

/* A header value as UTF-8: RFC 2047 words through libetpan, other bytes as
 * UTF-8 where valid, else windows-1252. */
static char *text_decode(const char *s, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++)
		if (s[i] == '=' && s[i + 1] == '?')
			return mime_header_decode(s, len);
	struct buf out = BUF_INIT;
	mime_charset_to_utf8(NULL, s, len, &out);
	return buf_detach(&out);
}

/* ---- structured fields: Content-Type, -Disposition (RFC 2045, 2183, 2231) ---- */

struct param {
	char *name;  /* lowercased, without the RFC 2231 "*n*" */
	int section; /* -1 when the name had no "*n" */
	int extended; /* ended in '*': charset'language'percent-encoded */
	char *value;
};

#define PARAM_MAX 64
#define SECTION_MAX 999

struct params {
	struct param items[PARAM_MAX];
	size_t count;
};

struct lexer {
	const char *s;
	size_t pos, len;
};

/* Skips white space and comments; the depth was bounded before. */
static void lex_cfws(struct lexer *lx)
{
	size_t depth = 0;

	while (lx->pos < lx->len) {
		char c = lx->s[lx->pos];
		if (depth && c == '\\')
			lx->pos++;
		else if (c == '(')
			depth++;
		else if (c == ')' && depth)
			depth--;
		else if (!depth && c != ' ' && c != '\t')
			return;
		lx->pos++;
	}
}

static int is_token_char(unsigned char c)
{
	return c > 32 && c < 127 && !strchr("()<>@,;:\\\"/[]?=", c);
}

/* An RFC 2045 token, lowercased; NULL when there is none. */
static char *lex_token(struct lexer *lx)
{
	size_t start = lx->pos;

	while (lx->pos < lx->len && is_token_char((unsigned char)lx->s[lx->pos]))
		lx->pos++;
	if (lx->pos == start)
		return NULL;
	char *token = xstrndup(lx->s + start, lx->pos - start);
	for (char *p = token; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return token;
}

/* A parameter value: a quoted string (quoted pairs undone; an unclosed one
 * runs to the end), else everything up to ';' without trailing white space
 * or a trailing comment: senders leave spaces and '/' unquoted. */
static char *lex_value(struct lexer *lx)
{
	struct buf value = BUF_INIT;

	buf_add(&value, "", 0);
	if (lx->pos < lx->len && lx->s[lx->pos] == '"') {
		for (lx->pos++; lx->pos < lx->len && lx->s[lx->pos] != '"'; lx->pos++) {
			if (lx->s[lx->pos] == '\\' && lx->pos + 1 < lx->len)
				lx->pos++;
			buf_addch(&value, lx->s[lx->pos]);
		}
		if (lx->pos < lx->len)
			lx->pos++;
		return buf_detach(&value);
	}
	size_t start = lx->pos;
	while (lx->pos < lx->len && lx->s[lx->pos] != ';')
		lx->pos++;
	size_t end = lx->pos;
	while (end > start && (lx->s[end - 1] == ' ' || lx->s[end - 1] == '\t'))
		end--;
	if (end > start && lx->s[end - 1] == ')') {
		const char *open = memchr(lx->s + start, '(', end - start);
		if (open && open > lx->s + start && (open[-1] == ' ' || open[-1] == '\t')) {
			end = (size_t)(open - lx->s);
			while (end > start && (lx->s[end - 1] == ' ' || lx->s[end - 1] == '\t'))
				end--;
		}
	}
	buf_add(&value, lx->s + start, end - start);
	return buf_detach(&value);
}

/* Past the next ';' outside a quoted string; 0 when there is none. */
static int lex_skip_to_semicolon(struct lexer *lx)
{
	int quoted = 0;

	for (; lx->pos < lx->len; lx->pos++) {
		char c = lx->s[lx->pos];
		if (quoted && c == '\\')
			lx->pos++;
		else if (c == '"')
			quoted = !quoted;
		else if (c == ';' && !quoted)
			return 1;
	}
	return 0;
}

static void params_parse(struct lexer *lx, struct params *ps)
{
	while (ps->count < PARAM_MAX) {
		lex_cfws(lx);
		if (lx->pos >= lx->len)
			return;
		if (lx->s[lx->pos] != ';' && !lex_skip_to_semicolon(lx))
			return;
		lx->pos++;
		lex_cfws(lx);
		char *name = lex_token(lx);
		if (!name)
			continue;
		lex_cfws(lx);
		if (lx->pos >= lx->len || lx->s[lx->pos] != '=') {
			free(name);
			continue;
		}
		lx->pos++;
		lex_cfws(lx);
		struct param *p = &ps->items[ps->count++];
		p->value = lex_value(lx);
		p->section = -1;
		p->extended = 0;
		size_t n = strlen(name);
		if (n > 1 && name[n - 1] == '*') {
			p->extended = 1;
			name[--n] = '\0';
		}
		char *star = strchr(name, '*');
		if (star && star[1] && strspn(star + 1, "0123456789") == strlen(star + 1) && strlen(star + 1) <= 3) {
			p->section = atoi(star + 1);
			*star = '\0';
		}
		p->name = name;
	}
}

static void params_clear(struct params *ps)
{
	for (size_t i = 0; i < ps->count; i++) {
		free(ps->items[i].name);
		free(ps->items[i].value);
	}
	ps->count = 0;
}

static const struct param *param_find(const struct params *ps, const char *name, int section)
{
	for (size_t i = 0; i < ps->count; i++)
		if (ps->items[i].section == section && strcmp(ps->items[i].name, name) == 0)
			return &ps->items[i];
	return NULL;
}

/* Appends a percent-encoded RFC 2231 value's bytes; a broken escape stays. */
static void percent_decode(const char *s, struct buf *out)
{
	for (; *s; s++) {
		if (s[0] == '%' && isxdigit((unsigned char)s[1]) && isxdigit((unsigned char)s[2])) {
			char hex[3] = { s[1], s[2], '\0' };
			buf_addch(out, (char)strtol(hex, NULL, 16));
			s += 2;
		} else {
			buf_addch(out, *s);
		}
	}
}

/* The parameter as UTF-8: the RFC 2231 forms first ("name*=" whole, then
 * the sections "name*0", "name*1*"... with the charset from the first),
 * then the plain form with RFC 2047 words decoded, as many senders write
 * file names. NULL when absent. Caller frees. */
static char *param_text(const struct params *ps, const char *name)
{
	struct buf bytes = BUF_INIT, text = BUF_INIT;
	char *charset = NULL;
	const struct param *p = NULL;

	for (size_t i = 0; i < ps->count && !p; i++)
		if (ps->items[i].section < 0 && ps->items[i].extended && strcmp(ps->items[i].name, name) == 0)
			p = &ps->items[i];
	for (int section = p ? -1 : 0; section <= SECTION_MAX; section++) {
		const struct param *piece = section < 0 ? p : param_find(ps, name, section);
		if (!piece)
			break;
		const char *value = piece->value;
		if (piece->extended && section <= 0) {
			const char *quote1 = strchr(value, '\''), *quote2 = quote1 ? strchr(quote1 + 1, '\'') : NULL;
			if (quote2) {
				charset = xstrndup(value, (size_t)(quote1 - value));
				value = quote2 + 1;
			}
		}
		if (piece->extended)
			percent_decode(value, &bytes);
		else
			buf_addstr(&bytes, value);
		if (section < 0)
			break;
	}
	if (bytes.data) {
		mime_charset_to_utf8(charset, bytes.data, bytes.len, &text);
		free(charset);
		buf_free(&bytes);
		return buf_detach(&text);
	}
	free(charset);
	for (size_t i = 0; i < ps->count; i++)
		if (ps->items[i].section < 0 && !ps->items[i].extended && strcmp(ps->items[i].name, name) == 0)
			return text_decode(ps->items[i].value, strlen(ps->items[i].value));
	return NULL;
}

/* RFC 2046 5.1.1 allows 1 to 70 characters. A quote or backslash can only
 * come from a quoted pair, which is what breaks libetpan (boundary="\"")
 * and what no honest sender writes; control characters never belong. */
static int boundary_is_acceptable(const char *boundary)
{
	size_t len = strlen(boundary);

	if (len == 0 || len > MIME_BOUNDARY_MAX)
		return 0;
	for (const char *p = boundary; *p; p++)
		if (*p == '"' || *p == '\\' || (unsigned char)*p < 32 || *p == 127)
			return 0;
	return 1;
}

/* ---- entities ---- */

static const char *field_names[] = { "content-type", "content-transfer-encoding", "content-disposition" };
enum { FIELD_TYPE, FIELD_ENCODING, FIELD_DISPOSITION, FIELD_COUNT };

/* The unfolded value of a structured field, or NULL (with a note) when it
 * is over the size or comment-depth bounds. */
static char *field_bounded(struct mime_message *msg, const struct field *f, const char *name, size_t *len)
{
	if (f->value_end - f->value > MIME_HEADER_MAX) {
		note_add(msg, "%s header over %d KB ignored", name, MIME_HEADER_MAX / 1024);
		return NULL;
	}
	char *value = field_unfold(msg->raw, f, len);
	if (comment_depth(value, *len) > MIME_COMMENT_DEPTH_MAX) {
		note_add(msg, "%s header with comments nested over %d deep ignored", name, MIME_COMMENT_DEPTH_MAX);
		free(value);
		return NULL;
	}
	return value;
}

static struct mime_part *part_new(struct mime_message *msg)
{
	if (msg->part_count == msg->part_cap) {
		msg->part_cap = msg->part_cap ? msg->part_cap * 2 : 8;
		msg->parts = xrealloc(msg->parts, msg->part_cap * sizeof(*msg->parts));
	}
	struct mime_part *part = &msg->parts[msg->part_count++];
	memset(part, 0, sizeof(*part));
	return part;
}

static void stack_push(struct entity_stack *stack, const struct entity *e)
{
	if (stack->count == stack->cap) {
		stack->cap = stack->cap ? stack->cap * 2 : 16;
		stack->items = xrealloc(stack->items, stack->cap * sizeof(*stack->items));
	}
	stack->items[stack->count++] = *e;
}

/* A delimiter line (RFC 2046 5.1.1): "--" boundary, then "--" for the
 * close delimiter, or only white space. */
static int is_delimiter(const char *line, size_t len, const char *boundary, size_t blen, int *close)
{
	if (len < 2 + blen || line[0] != '-' || line[1] != '-' || memcmp(line + 2, boundary, blen) != 0)
		return 0;
	const char *rest = line + 2 + blen;
	size_t rest_len = len - 2 - blen;
	*close = rest_len >= 2 && rest[0] == '-' && rest[1] == '-';
	if (*close)
		return 1;
	for (size_t i = 0; i < rest_len; i++)
		if (rest[i] != ' ' && rest[i] != '\t' && rest[i] != '\r')
			return 0;
	return 1;
}

/* Pushes the children of a multipart body [start, end), last first. The
 * line break before a delimiter belongs to it; without a close delimiter
 * the last part runs to end. Returns how many were pushed (0: malformed). */
static size_t multipart_split(struct mime_message *msg, const struct entity *parent, size_t start, size_t end,
			      const char *boundary, int digest, struct entity_stack *stack)
{
	size_t blen = strlen(boundary), pos = start, part_start = 0;
	size_t first = stack->count;
	int in_part = 0, closed = 0, full = 0;

	/* parts past the cap are never even listed: the parts already made
	 * and those waiting on the stack count against it */
	while (pos < end && !closed && !full) {
		size_t next, stop = line_end(msg->raw, pos, end, &next);
		int close;
		if (is_delimiter(msg->raw + pos, stop - pos, boundary, blen, &close)) {
			if (in_part) {
				size_t part_end = pos;
				if (part_end > part_start && msg->raw[part_end - 1] == '\n')
					part_end--;
				if (part_end > part_start && msg->raw[part_end - 1] == '\r')
					part_end--;
				struct entity child = { part_start, part_end, parent->depth + 1, digest };
				full = msg->part_count + stack->count >= MIME_PART_MAX;
				if (!full)
					stack_push(stack, &child);
			}
			closed = close;
			part_start = next;
			in_part = 1;
		}
		pos = next;
	}
	if (in_part && !closed && !full) {
		struct entity child = { part_start, end, parent->depth + 1, digest };
		full = msg->part_count + stack->count >= MIME_PART_MAX;
		if (!full) {
			stack_push(stack, &child);
			note_add(msg, "a multipart has no closing boundary: its last part runs to the end");
		}
	}
	if (full)
		note_add(msg, "more than %d MIME parts: the rest are not shown", MIME_PART_MAX);
	for (size_t i = first, j = stack->count; i + 1 < j; i++, j--) {
		struct entity swap = stack->items[i];
		stack->items[i] = stack->items[j - 1];
		stack->items[j - 1] = swap;
	}
	return stack->count - first;
}

static enum mime_encoding encoding_parse(const char *value)
{
	if (!value)
		return MIME_ENCODING_IDENTITY;
	struct lexer lx = { value, 0, strlen(value) };
	lex_cfws(&lx);
	char *token = lex_token(&lx);
	enum mime_encoding encoding = MIME_ENCODING_IDENTITY;
	if (token && strcmp(token, "base64") == 0)
		encoding = MIME_ENCODING_BASE64;
	else if (token && strcmp(token, "quoted-printable") == 0)
		encoding = MIME_ENCODING_QP;
	free(token);
	return encoding;
}

/* "type/subtype" lowercased from a Content-Type value, its parameters into
 * ps; NULL when the type cannot be read (RFC 2045 5.2: then the default). */
static char *content_type_parse(const char *value, size_t len, struct params *ps)
{
	struct lexer lx = { value, 0, len };
	char *type, *subtype = NULL, *result = NULL;

	lex_cfws(&lx);
	type = lex_token(&lx);
	lex_cfws(&lx);
	if (type && lx.pos < len && value[lx.pos] == '/') {
		lx.pos++;
		lex_cfws(&lx);
		subtype = lex_token(&lx);
	}
	if (type && subtype)
		result = xasprintf("%s/%s", type, subtype);
	else if (type && strcmp(type, "text") == 0)
		result = xstrdup("text/plain");
	free(type);
	free(subtype);
	params_parse(&lx, ps);
	return result;
}

static int type_is(const char *type, const char *prefix)
{
	return strncmp(type, prefix, strlen(prefix)) == 0;
}

/* Parses one entity into a part and pushes what it contains. */
static void entity_parse(struct mime_message *msg, const struct entity *e, struct entity_stack *stack)
{
	struct header_scan scan = { msg->raw, e->start, e->end, e->end, 0 };
	struct field f, found[FIELD_COUNT];
	int have[FIELD_COUNT] = { 0 };
	char *values[FIELD_COUNT] = { NULL };
	size_t lens[FIELD_COUNT] = { 0 };
	struct params type_params = { .count = 0 }, disposition_params = { .count = 0 };

	while (next_field(&scan, &f))
		for (int i = 0; i < FIELD_COUNT; i++)
			if (!have[i] && f.name_len == strlen(field_names[i]) &&
			    strncasecmp(msg->raw + f.name, field_names[i], f.name_len) == 0) {
				have[i] = 1; /* the first of repeated fields wins */
				found[i] = f;
			}
	for (int i = 0; i < FIELD_COUNT; i++)
		if (have[i])
			values[i] = field_bounded(msg, &found[i], i == FIELD_TYPE ? "Content-Type" :
			                                          i == FIELD_ENCODING ? "Content-Transfer-Encoding" :
			                                                                "Content-Disposition",
			                          &lens[i]);

	struct mime_part *part = part_new(msg);
	size_t index = msg->part_count - 1;
	part->depth = e->depth;
	part->header_start = e->start;
	part->header_end = scan.body;
	part->body_start = scan.body;
	part->body_end = e->end;
	part->subtree_end = index + 1;

	char *type = values[FIELD_TYPE] ? content_type_parse(values[FIELD_TYPE], lens[FIELD_TYPE], &type_params) : NULL;
	if (!type)
		type = xstrdup(e->in_digest ? "message/rfc822" : "text/plain");
	part->type = type;
	const struct param *charset = param_find(&type_params, "charset", -1);
	if (charset && charset->value[0]) {
		part->charset = xstrndup(charset->value, 64);
		for (char *p = part->charset; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	}
	part->encoding = encoding_parse(values[FIELD_ENCODING]);
	if (values[FIELD_DISPOSITION]) {
		struct lexer lx = { values[FIELD_DISPOSITION], 0, lens[FIELD_DISPOSITION] };
		lex_cfws(&lx);
		part->disposition = lex_token(&lx);
		params_parse(&lx, &disposition_params);
	}
	part->filename = param_text(&disposition_params, "filename");
	if (!part->filename)
		part->filename = param_text(&type_params, "name");

	/* what it contains: the one place the structure can grow */
	int container = 0;
	size_t body_len = part->body_end - part->body_start;
	if (type_is(type, "multipart/")) {
		const struct param *boundary = param_find(&type_params, "boundary", -1);
		if (e->depth >= MIME_DEPTH_MAX)
			note_add(msg, "MIME parts nested deeper than %d levels: the rest is shown as text", MIME_DEPTH_MAX);
		else if (!boundary || !boundary_is_acceptable(boundary->value))
			note_add(msg, "boundary refused (empty, quoted or over %d characters): the part is shown as text",
			         MIME_BOUNDARY_MAX);
		else if (msg->part_count + stack->count >= MIME_PART_MAX)
			note_add(msg, "more than %d MIME parts: the rest are not shown", MIME_PART_MAX);
		else if (multipart_split(msg, e, part->body_start, part->body_end, boundary->value,
		                         strcmp(type, "multipart/digest") == 0, stack) == 0)
			note_add(msg, "malformed MIME structure: the part is shown as text");
		else
			container = 1;
		if (!container) {
			free(part->type);
			part->type = type = xstrdup("text/plain");
			part->encoding = MIME_ENCODING_IDENTITY;
		}
	} else if ((strcmp(type, "message/rfc822") == 0 || strcmp(type, "message/global") == 0) &&
	           part->encoding == MIME_ENCODING_IDENTITY) {
		if (e->depth >= MIME_DEPTH_MAX) {
			note_add(msg, "MIME parts nested deeper than %d levels: the rest is shown as text", MIME_DEPTH_MAX);
		} else {
			struct entity child = { part->body_start, part->body_end, e->depth + 1, 0 };
			stack_push(stack, &child);
			container = 1;
		}
	}
	if (container) {
		part->size = body_len;
	} else {
		part->size = mime_transfer_decode(part->encoding, msg->raw + part->body_start, body_len, NULL);
		int attachment = part->disposition && strcmp(part->disposition, "attachment") == 0;
		part->is_attachment = attachment || !type_is(part->type, "text/");
	}
	for (int i = 0; i < FIELD_COUNT; i++)
		free(values[i]);
	params_clear(&type_params);
	params_clear(&disposition_params);
}

struct mime_message *mime_message_parse(const char *raw, size_t len)
{
	struct mime_message *msg = xcalloc(1, sizeof(*msg));
	struct entity_stack stack = { NULL, 0, 0 };
	struct entity top = { 0, len, 0, 0 };

	msg->raw = xmalloc(len + 1);
	if (len)
		memcpy(msg->raw, raw, len);
	msg->raw[len] = '\0';
	msg->len = len;
	if (len >= 5 && memcmp(raw, "From ", 5) == 0) /* an mbox separator line */
		line_end(msg->raw, 0, len, &top.start);
	stack_push(&stack, &top);
	while (stack.count) {
		struct entity e = stack.items[--stack.count];
		if (msg->part_count >= MIME_PART_MAX) {
			note_add(msg, "more than %d MIME parts: the rest are not shown", MIME_PART_MAX);
			break;
		}
		entity_parse(msg, &e, &stack);
	}
	free(stack.items);
	/* a container's subtree ends where the next part at its depth or
	 * shallower begins; walking back, each child's end is known */
	for (size_t i = msg->part_count; i-- > 0;) {
		size_t j = i + 1;
		while (j < msg->part_count && msg->parts[j].depth > msg->parts[i].depth)
			j = msg->parts[j].subtree_end;
		msg->parts[i].subtree_end = j;
	}
	return msg;
}

void mime_message_free(struct mime_message *msg)
{
	if (!msg)
		return;
	for (size_t i = 0; i < msg->part_count; i++) {
		free(msg->parts[i].type);
		free(msg->parts[i].charset);
		free(msg->parts[i].filename);
		free(msg->parts[i].disposition);
	}
	for (size_t i = 0; i < msg->note_count; i++)
		free(msg->notes[i]);
	free(msg->parts);
	free(msg->raw);
	free(msg);
}

size_t mime_message_part_count(const struct mime_message *msg)
{
	return msg->part_count;
}

const struct mime_part *mime_message_part(const struct mime_message *msg, size_t index)
{
	return index < msg->part_count ? &msg->parts[index] : NULL;
}

size_t mime_message_note_count(const struct mime_message *msg)
{
	return msg->note_count;
}

const char *mime_message_note(const struct mime_message *msg, size_t index)
{
	return index < msg->note_count ? msg->notes[index] : NULL;
}

char *mime_part_header(const struct mime_message *msg, size_t index, const char *name, const char **why)
{
	const struct mime_part *part = mime_message_part(msg, index);
	size_t name_len = strlen(name);
	struct field f;

	if (why)
		*why = NULL;
	if (!part)
		return NULL;
	struct header_scan scan = { msg->raw, part->header_start, part->header_end, part->header_end, 0 };
	while (next_field(&scan, &f)) {
		if (f.name_len != name_len || strncasecmp(msg->raw + f.name, name, name_len) != 0)
			continue;
		if (f.value_end - f.value > MIME_HEADER_MAX) {
			if (why)
				*why = "over 64 KB, not shown";
			return NULL;
		}
		size_t len;
		char *value = field_unfold(msg->raw, &f, &len);
		if (comment_depth(value, len) > MIME_COMMENT_DEPTH_MAX) {
			if (why)
				*why = "comments nested too deep, shown undecoded";
			return value;
		}
		char *text = text_decode(value, len);
		free(value);
		return text;
	}
	return NULL;
}

int mime_part_addresses(const struct mime_message *msg, size_t index, const char *name, struct mime_address_list *list)
{
	const struct mime_part *part = mime_message_part(msg, index);
	size_t name_len = strlen(name);
	struct field f;

	memset(list, 0, sizeof(*list));
	if (!part)
		return -1;
	struct header_scan scan = { msg->raw, part->header_start, part->header_end, part->header_end, 0 };
	while (next_field(&scan, &f)) {
		if (f.name_len != name_len || strncasecmp(msg->raw + f.name, name, name_len) != 0)
			continue;
		if (f.value_end - f.value > MIME_HEADER_MAX)
			return -1;
		size_t len;
		char *value = field_unfold(msg->raw, &f, &len);
		/* the names are decoded after the structure is read: an RFC 2047
		 * word may hold a comma ("=?utf-8?q?Doe=2C_John?=") */
		mime_address_list_parse(value, len, MIME_ADDRESS_LENIENT, list, NULL);
		free(value);
		return 0;
	}
	return -1;
}

char *mime_part_type_param(const struct mime_message *msg, size_t index, const char *name)
{
	const struct mime_part *part = mime_message_part(msg, index);
	struct field f;

	if (!part)
		return NULL;
	struct header_scan scan = { msg->raw, part->header_start, part->header_end, part->header_end, 0 };
	while (next_field(&scan, &f)) {
		if (f.name_len != 12 || strncasecmp(msg->raw + f.name, "Content-Type", 12) != 0)
			continue;
		if (f.value_end - f.value > MIME_HEADER_MAX)
			return NULL;
		size_t len;
		char *value = field_unfold(msg->raw, &f, &len);
		if (comment_depth(value, len) > MIME_COMMENT_DEPTH_MAX) {
			free(value);
			return NULL;
		}
		struct params ps = { .count = 0 };
		free(content_type_parse(value, len, &ps));
		char *text = param_text(&ps, name);
		params_clear(&ps);
		free(value);
		return text;
	}
	return NULL;
}

int mime_part_decode(const struct mime_message *msg, size_t index, struct buf *out)
{
	const struct mime_part *part = mime_message_part(msg, index);

	if (!part)
		return -1;
	const char *body = msg->raw + part->body_start;
	size_t len = part->body_end - part->body_start;
	if (part->subtree_end != index + 1)
		buf_add(out, body, len);
	else
		mime_transfer_decode(part->encoding, body, len, out);
	buf_add(out, "", 0);
	return 0;
}

/* The charset an HTML document declares in its first bytes
 * (<meta charset="x"> or <meta http-equiv ... content="...; charset=x">);
 * NULL when none. Caller frees. */
static char *html_meta_charset(const char *html, size_t len)
{
	size_t scan = len < 2048 ? len : 2048;

	for (size_t i = 0; i + 8 <= scan; i++) {
		if (strncasecmp(html + i, "charset=", 8) != 0)
			continue;
		size_t start = i + 8;
		if (start < scan && (html[start] == '"' || html[start] == '\''))
			start++;
		size_t end = start;
		while (end < scan && end - start < 40 &&
		       (isalnum((unsigned char)html[end]) || strchr("._:+-", html[end])))
			end++;
		if (end > start)
			return xstrndup(html + start, end - start);
	}
	return NULL;
}

int mime_part_text_utf8(const struct mime_message *msg, size_t index, struct buf *out)
{
	const struct mime_part *part = mime_message_part(msg, index);
	struct buf bytes = BUF_INIT, text = BUF_INIT;
	char *sniffed = NULL;

	if (!part)
		return -1;
	mime_part_decode(msg, index, &bytes);
	const char *charset = part->charset;
	if (!charset && strcmp(part->type, "text/html") == 0)
		charset = sniffed = html_meta_charset(bytes.data, bytes.len);
	int unknown = mime_charset_to_utf8(charset, bytes.data, bytes.len, &text) < 0;
	size_t run = 0; /* start of the bytes not yet copied */
	buf_add(out, "", 0);
	for (size_t i = 0; i < text.len; i++) {
		char c = text.data[i];
		if (c != '\0' && (c != '\r' || i + 1 == text.len || text.data[i + 1] != '\n'))
			continue;
		buf_add(out, text.data + run, i - run);
		if (c == '\0')
			buf_addstr(out, "\xef\xbf\xbd");
		run = i + 1;
	}
	buf_add(out, text.data + run, text.len - run);
	free(sniffed);
	buf_free(&bytes);
	buf_free(&text);
	return unknown ? 1 : 0;
}
