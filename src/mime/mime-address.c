/* RFC 5322 address lists (section 3.4, with section 4.4's obsolete forms
 * read leniently, RFC 6532 UTF-8, RFC 2047 words in display names), the
 * one parser for every place tern reads addresses: the command line,
 * mailto:, the compose screen, reply rules and the index. A parser that
 * does no I/O: a lexer turns the text into tokens (comments are skipped
 * there, nested without recursion and bounded), then a flat descent over
 * the tokens reads addresses, groups and mailboxes. A mistake in one
 * address is reported with its text and the parse goes on at the next
 * comma, so a reader of headers still gets the good ones. */
#define _GNU_SOURCE
#include "mime.h"

#include <idn2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/lib.h"

enum token_kind {
	TOKEN_ATOM,    /* a run of atext (UTF-8 included) */
	TOKEN_QUOTED,  /* a quoted-string, its content undone in text */
	TOKEN_LITERAL, /* a domain-literal "[...]" as written, white space removed */
	TOKEN_SPECIAL, /* one of < > : ; @ , . and, stray, [ ] \ ) */
	TOKEN_END,
};

struct token {
	enum token_kind kind;
	char special;
	int space_before;    /* white space or a comment before it */
	size_t start, end;   /* bytes of the text it came from */
	size_t text, len;    /* ATOM, QUOTED, LITERAL: its value in the lexer's pool */
	size_t comment, comment_len; /* the last comment before it, in the pool; len 0: none */
};

struct lexer {
	const char *s;
	size_t len, pos;
	unsigned flags;
	struct buf pool; /* token values, not NUL-separated */
	struct token *tokens;
	size_t count, cap;
	size_t error_at;
	const char *error; /* static text; NULL: none */
};

static int is_atext(unsigned char c)
{
	if (c >= 0x80) /* RFC 6532: UTF-8 */
		return 1;
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	return c && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* atext, and with MIME_ADDRESS_LENIENT the control bytes that are not
 * white space */
static int is_atom_byte(const struct lexer *lx, unsigned char c)
{
	return is_atext(c) || ((lx->flags & MIME_ADDRESS_LENIENT) && (c < 32 || c == 127) && !is_space(c));
}

static void lex_fail(struct lexer *lx, size_t at, const char *why)
{
	if (!lx->error) {
		lx->error = why;
		lx->error_at = at;
	}
}

static struct token *token_add(struct lexer *lx, enum token_kind kind, size_t start)
{
	if (lx->count == lx->cap) {
		lx->cap = lx->cap ? lx->cap * 2 : 32;
		lx->tokens = xrealloc(lx->tokens, lx->cap * sizeof(*lx->tokens));
	}
	struct token *t = &lx->tokens[lx->count++];
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	t->start = start;
	t->text = lx->pool.len;
	return t;
}

/* A comment from '(' on, nesting counted (no recursion); its text (the
 * outermost level's words, quoted pairs undone) goes to the pool. Returns
 * 0, or -1 when it is not closed or nests too deep. */
static int lex_comment(struct lexer *lx, size_t *text, size_t *len)
{
	size_t depth = 0, start = lx->pos;

	*text = lx->pool.len;
	while (lx->pos < lx->len) {
		unsigned char c = (unsigned char)lx->s[lx->pos++];
		if (c == '\\' && lx->pos < lx->len) {
			buf_addch(&lx->pool, lx->s[lx->pos++]);
			continue;
		}
		if (c == '(') {
			if (++depth > MIME_COMMENT_DEPTH_MAX) {
				lex_fail(lx, start, "comments nested too deep");
				return -1;
			}
			if (depth > 1)
				buf_addch(&lx->pool, '(');
			continue;
		}
		if (c == ')') {
			if (--depth == 0) {
				*len = lx->pool.len - *text;
				return 0;
			}
			buf_addch(&lx->pool, ')');
			continue;
		}
		if ((c < 32 || c == 127) && !is_space(c) && !(lx->flags & MIME_ADDRESS_LENIENT)) {
			lex_fail(lx, lx->pos - 1, "a control character");
			return -1;
		}
		buf_addch(&lx->pool, is_space(c) ? ' ' : (char)c);
	}
	lex_fail(lx, start, "a comment '(' is not closed");
	return -1;
}

static int lex_quoted(struct lexer *lx, struct token *t)
{
	size_t start = lx->pos++;

	while (lx->pos < lx->len) {
		unsigned char c = (unsigned char)lx->s[lx->pos++];
		if (c == '"') {
			t->len = lx->pool.len - t->text;
			return 0;
		}
		if (c == '\\' && lx->pos < lx->len)
			c = (unsigned char)lx->s[lx->pos++];
		else if (c == '\r' || c == '\n') /* folding inside the quotes */
			continue;
		if (((c < 32 && c != '\t') || c == 127) && !(lx->flags & MIME_ADDRESS_LENIENT)) {
			lex_fail(lx, lx->pos - 1, "a control character");
			return -1;
		}
		buf_addch(&lx->pool, (char)c);
	}
	lex_fail(lx, start, "a quote '\"' is not closed");
	return -1;
}

/* "[...]" up to its ']' (dtext and quoted pairs, white space dropped). */
static int lex_literal(struct lexer *lx, struct token *t)
{
	size_t start = lx->pos++;

	buf_addch(&lx->pool, '[');
	while (lx->pos < lx->len) {
		unsigned char c = (unsigned char)lx->s[lx->pos++];
		if (c == ']') {
			buf_addch(&lx->pool, ']');
			t->len = lx->pool.len - t->text;
			return 0;
		}
		if (c == '[' || c == '\\' || c < 32 || c == 127 || c >= 0x80) {
			if (is_space(c))
				continue;
			lex_fail(lx, lx->pos - 1, "a character a domain literal '[...]' cannot hold");
			return -1;
		}
		if (c != ' ')
			buf_addch(&lx->pool, (char)c);
	}
	lex_fail(lx, start, "a domain literal '[' is not closed");
	return -1;
}

/* The whole text into tokens; -1 on the first lexical mistake (error and
 * error_at set), which ends the parse: after an open quote or comment
 * nothing can be trusted to be where it seems. */
static int lex(struct lexer *lx)
{
	int space = 0;
	size_t comment = 0, comment_len = 0;

	while (lx->pos < lx->len) {
		unsigned char c = (unsigned char)lx->s[lx->pos];
		size_t start = lx->pos;
		struct token *t;

		if (is_space(c)) {
			lx->pos++;
			space = 1;
			continue;
		}
		if (c == '(') {
			if (lex_comment(lx, &comment, &comment_len) < 0)
				return -1;
			space = 1;
			continue;
		}
		if ((c < 32 || c == 127) && !(lx->flags & MIME_ADDRESS_LENIENT)) {
			lex_fail(lx, start, "a control character");
			return -1;
		}
		/* reading headers, a control byte is text: the terminal
		 * sanitizer shows it, visibly, where it stood */
		if (is_atom_byte(lx, c)) {
			t = token_add(lx, TOKEN_ATOM, start);
			while (lx->pos < lx->len && is_atom_byte(lx, (unsigned char)lx->s[lx->pos]))
				lx->pos++;
			buf_add(&lx->pool, lx->s + start, lx->pos - start);
			t->len = lx->pos - start;
		} else if (c == '"') {
			t = token_add(lx, TOKEN_QUOTED, start);
			if (lex_quoted(lx, t) < 0)
				return -1;
		} else if (c == '[') {
			t = token_add(lx, TOKEN_LITERAL, start);
			if (lex_literal(lx, t) < 0)
				return -1;
		} else {
			t = token_add(lx, TOKEN_SPECIAL, start);
			t->special = (char)c;
			lx->pos++;
		}
		t->end = lx->pos;
		t->space_before = space;
		t->comment = comment;
		t->comment_len = comment_len;
		space = 0;
		comment_len = 0;
	}
	struct token *end = token_add(lx, TOKEN_END, lx->len);
	end->end = lx->len;
	end->space_before = space;
	end->comment = comment;
	end->comment_len = comment_len;
	return 0;
}

/* ---- the parser over the tokens ---- */

struct parser {
	struct lexer *lx;
	size_t i; /* the next token */
	struct mime_address_list *list;
	struct lib_error *err;
	int failed;
	char why[160]; /* a reason put together here (IDNA's) */
};

static const struct token *peek(const struct parser *p)
{
	return &p->lx->tokens[p->i];
}

static int is_special(const struct token *t, char c)
{
	return t->kind == TOKEN_SPECIAL && t->special == c;
}

static const char *pooled(const struct parser *p, size_t at)
{
	return p->lx->pool.data + at;
}

/* The text from start to end as C-style text for a message (whatever it
 * holds cannot reach a terminal raw), at most about 200 bytes. */
static void quote_text(const char *s, size_t start, size_t end, struct buf *out)
{
	static const char hex[] = "0123456789abcdef";

	while (start < end && is_space((unsigned char)s[start]))
		start++;
	while (end > start && is_space((unsigned char)s[end - 1]))
		end--;
	for (size_t i = start; i < end; i++) {
		unsigned char c = (unsigned char)s[i];
		if (i - start >= 200) {
			buf_addstr(out, "...");
			break;
		}
		if (c == '\r')
			buf_addstr(out, "\\r");
		else if (c == '\n')
			buf_addstr(out, "\\n");
		else if (c == '\\' || c == '\'')
			buf_addf(out, "\\%c", c);
		else if (c < 32 || c == 127) {
			buf_addstr(out, "\\x");
			buf_addch(out, hex[c >> 4]);
			buf_addch(out, hex[c & 15]);
		} else
			buf_addch(out, (char)c);
	}
	buf_add(out, "", 0);
}

/* Where the address that starts at token from ends: the next ',' outside
 * a group (or the end). */
static size_t item_end(const struct parser *p, size_t from)
{
	const struct lexer *lx = p->lx;
	int group = 0;

	for (size_t i = from; i < lx->count; i++) {
		const struct token *t = &lx->tokens[i];
		if (t->kind == TOKEN_END)
			return t->start;
		if (is_special(t, ':'))
			group = 1;
		else if (is_special(t, ';'))
			group = 0;
		else if (is_special(t, ',') && !group)
			return t->start;
	}
	return lx->len;
}

/* Records the first mistake: "'ITEM': WHY: 'REST'" (rest from at_token
 * to the item's end, when there is any). */
static void fail(struct parser *p, size_t first, size_t at_token, const char *why)
{
	const struct lexer *lx = p->lx;
	struct buf text = BUF_INIT;

	if (p->failed++)
		return;
	size_t start = lx->tokens[first].start, end = item_end(p, first);
	size_t at = lx->tokens[at_token].start;
	buf_addch(&text, '\'');
	quote_text(lx->s, start, end, &text);
	buf_addf(&text, "': %s", why);
	if (at > start && at < end) {
		buf_addstr(&text, ": '");
		quote_text(lx->s, at, end, &text);
		buf_addch(&text, '\'');
	}
	lib_error_set(p->err, LIB_ERR_DATA, "%s", text.data);
	buf_free(&text);
}

/* Goes on after a mistake: past the next ',' outside a group. */
static void recover(struct parser *p)
{
	int group = 0;
	for (;; p->i++) {
		const struct token *t = peek(p);
		if (t->kind == TOKEN_END)
			return;
		if (is_special(t, ':'))
			group = 1;
		else if (is_special(t, ';'))
			group = 0;
		else if (is_special(t, ',') && !group) {
			p->i++;
			return;
		}
	}
}

static int is_word(const struct token *t)
{
	return t->kind == TOKEN_ATOM || t->kind == TOKEN_QUOTED;
}

static int has_8bit(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 1;
	return 0;
}

/* name as one line: white space (line breaks too) made single spaces,
 * none outside; other control bytes (an RFC 2047 word may hold any)
 * stay, reading headers, for the sanitizer to show, else are spaces too.
 * NULL (name freed) when nothing is left. Takes name. */
static char *name_clean(char *name, int keep_controls)
{
	size_t n = 0;

	for (char *s = name; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (is_space(c) || (!keep_controls && (c < 32 || c == 127)))
			c = ' ';
		if (c == ' ' && (n == 0 || name[n - 1] == ' '))
			continue;
		name[n++] = (char)c;
	}
	while (n && name[n - 1] == ' ')
		n--;
	name[n] = '\0';
	if (!n) {
		free(name);
		return NULL;
	}
	return name;
}

/* A name's text (raw, emptied) as UTF-8: RFC 2047 words decoded and,
 * reading headers, raw latin-1 made UTF-8; one line. NULL when empty. */
static char *name_decoded(const struct parser *p, struct buf *raw)
{
	buf_add(raw, "", 0);
	int decode = strstr(raw->data, "=?") || ((p->lx->flags & MIME_ADDRESS_LENIENT) && has_8bit(raw->data, raw->len));
	char *name = decode ? mime_header_decode(raw->data, raw->len) : buf_detach(raw);
	buf_free(raw);
	if (decode) { /* a word's charset may lie: valid UTF-8 either way */
		struct buf utf8 = BUF_INIT;
		mime_charset_to_utf8(NULL, name, strlen(name), &utf8);
		free(name);
		name = buf_detach(&utf8);
	}
	return name_clean(name, (p->lx->flags & MIME_ADDRESS_LENIENT) != 0);
}

/* A display name from tokens [from, to): words joined as they were
 * spaced, quotes undone, RFC 2047 words decoded, controls made spaces.
 * NULL when it is empty. Caller frees. */
static char *phrase_text(const struct parser *p, size_t from, size_t to)
{
	struct buf raw = BUF_INIT;

	for (size_t i = from; i < to; i++) {
		const struct token *t = &p->lx->tokens[i];
		if (raw.len && t->space_before)
			buf_addch(&raw, ' ');
		if (t->kind == TOKEN_SPECIAL)
			buf_addch(&raw, t->special);
		else
			buf_add(&raw, pooled(p, t->text), t->len);
	}
	if (!raw.len) {
		buf_free(&raw);
		return NULL;
	}
	return name_decoded(p, &raw);
}

/* RFC 5322 dot-atom text: atext runs joined by single dots. */
static int is_dot_atom(const char *s, size_t len)
{
	if (!len || s[0] == '.' || s[len - 1] == '.')
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (s[i + 1] == '.')
				return 0;
		} else if (!is_atext((unsigned char)s[i])) {
			return 0;
		}
	}
	return 1;
}

/* The local part from the tokens [from, to) (word *("." word), white
 * space and comments around the dots allowed: obs-local-part) into out,
 * quoted only when it must be. NULL on success, else why. */
static const char *local_part(const struct parser *p, size_t from, size_t to, struct buf *out)
{
	struct buf value = BUF_INIT;
	int want_word = 1;

	if (from == to)
		return "nothing before @";
	for (size_t i = from; i < to; i++) {
		const struct token *t = &p->lx->tokens[i];
		if (want_word && is_word(t)) {
			buf_add(&value, pooled(p, t->text), t->len);
			want_word = 0;
		} else if (!want_word && is_special(t, '.')) {
			buf_addch(&value, '.');
			want_word = 1;
		} else {
			buf_free(&value);
			return !want_word && is_word(t) ? "a space before @ (quote a local part that has one)"
			                                : "a character an address cannot hold before @";
		}
	}
	if (want_word) {
		buf_free(&value);
		return "a local part cannot end in a dot";
	}
	buf_add(&value, "", 0);
	if (is_dot_atom(value.data, value.len)) {
		buf_add(out, value.data, value.len);
	} else { /* a quoted-string: only '"' and '\\' need a backslash */
		buf_addch(out, '"');
		for (size_t i = 0; i < value.len; i++) {
			if (value.data[i] == '"' || value.data[i] == '\\')
				buf_addch(out, '\\');
			buf_addch(out, value.data[i]);
		}
		buf_addch(out, '"');
	}
	buf_free(&value);
	return NULL;
}

/* The domain after '@' (the token at p->i): dot-atom, obs-domain (white
 * space around the dots) or a domain literal, appended to out; a UTF-8
 * domain becomes A-labels with MIME_ADDRESS_IDNA. NULL, or why. */
static const char *domain(struct parser *p, struct buf *out)
{
	const struct token *t = peek(p);
	size_t start = out->len;

	if (t->kind == TOKEN_LITERAL) {
		buf_add(out, pooled(p, t->text), t->len);
		p->i++;
		return NULL;
	}
	if (t->kind != TOKEN_ATOM)
		return "nothing after @ (a domain is needed)";
	for (;;) {
		t = peek(p);
		if (t->kind != TOKEN_ATOM)
			return "a domain cannot end in a dot";
		buf_add(out, pooled(p, t->text), t->len);
		p->i++;
		if (!is_special(peek(p), '.'))
			break;
		buf_addch(out, '.');
		p->i++;
	}
	const char *name = out->data + start;
	size_t len = out->len - start;
	if (len > 253)
		return "a domain longer than 253 characters";
	if (!has_8bit(name, len) || !(p->lx->flags & MIME_ADDRESS_IDNA))
		return NULL;
	/* IDNA2008 with the UTS #46 mapping (RFC 5891, 5895): what SMTP and a
	 * 7-bit header can carry */
	char *ascii = NULL, *utf8 = xstrndup(name, len);
	int rc = idn2_to_ascii_8z(utf8, &ascii, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
	free(utf8);
	if (rc != IDN2_OK) {
		free(ascii);
		snprintf(p->why, sizeof(p->why), "an international domain name IDNA refuses (%s)", idn2_strerror(rc));
		return p->why;
	}
	out->len = start;
	buf_addstr(out, ascii);
	free(ascii);
	return NULL;
}

static void item_add(struct parser *p, char *name, char *addr, const char *group)
{
	struct mime_address_list *list = p->list;
	if (list->count == list->cap) {
		list->cap = list->cap ? list->cap * 2 : 8;
		list->items = xrealloc(list->items, list->cap * sizeof(*list->items));
	}
	list->items[list->count++] = (struct mime_mailbox){ name, addr, group ? xstrdup(group) : NULL };
}

/* Whether a '<' comes before the end of this mailbox (',', ';', the end). */
static int angle_ahead(const struct parser *p)
{
	for (size_t k = p->i; k < p->lx->count; k++) {
		const struct token *t = &p->lx->tokens[k];
		if (is_special(t, '<'))
			return 1;
		if (t->kind == TOKEN_END || is_special(t, ',') || is_special(t, ';'))
			return 0;
	}
	return 0;
}

/* After a mailbox: comments only, then what may follow it (',', the
 * end, and ';' inside a group). */
static int mailbox_ends(const struct parser *p, int in_group)
{
	const struct token *t = peek(p);
	return t->kind == TOKEN_END || is_special(t, ',') || (in_group && is_special(t, ';'));
}

/* local-part "@" domain: the local part is the tokens [from, to), p->i
 * is at the '@'. 0 with the address in addr, or -1 with the mistake
 * recorded. */
static int addr_spec(struct parser *p, size_t first, size_t from, size_t to, struct buf *addr)
{
	const char *why = local_part(p, from, to, addr);

	if (why) {
		fail(p, first, from == to ? p->i : from, why);
		return -1;
	}
	p->i++;
	buf_addch(addr, '@');
	if ((why = domain(p, addr))) {
		fail(p, first, p->i, why);
		return -1;
	}
	return 0;
}

/* One mailbox at p->i: name-addr or addr-spec (either with obsolete
 * parts). 0 with the mailbox added, or -1 with the mistake recorded. */
static int mailbox(struct parser *p, size_t first, const char *group, int in_group)
{
	int lenient = (p->lx->flags & MIME_ADDRESS_LENIENT) != 0;
	size_t phrase_start = p->i;
	struct buf addr = BUF_INIT;

	/* a phrase, or the local part of an addr-spec: words and dots (and,
	 * reading headers, the odd special people put in names when a '<'
	 * follows: "Bob @ Work <bob@x>", "Foo [Bar] <foo@x>") */
	for (;;) {
		const struct token *t = peek(p);
		if (is_word(t) || is_special(t, '.'))
			p->i++;
		else if (lenient && t->kind != TOKEN_END && !is_special(t, '<') && !is_special(t, ',') &&
		         !is_special(t, ';') && angle_ahead(p))
			p->i++;
		else
			break;
	}
	size_t phrase_end = p->i;
	const struct token *t = peek(p);

	if (is_special(t, '<')) {
		size_t open = p->i++;
		/* obs-route: "@a.example,@b.example:" before the address, ignored */
		if (is_special(peek(p), '@')) {
			while (!is_special(peek(p), ':') && !is_special(peek(p), '>') && peek(p)->kind != TOKEN_END)
				p->i++;
			if (is_special(peek(p), ':'))
				p->i++;
		}
		size_t local_start = p->i;
		while (is_word(peek(p)) || is_special(peek(p), '.'))
			p->i++;
		if (is_special(peek(p), '>') && p->i == local_start) {
			fail(p, first, open, "<> holds no address");
			goto bad;
		}
		if (!is_special(peek(p), '@')) {
			fail(p, first, p->i, is_special(peek(p), '>') ? "no @domain in the address" :
			                     peek(p)->kind == TOKEN_END ? "a '<' is not closed by '>'"
			                                                : "a character an address cannot hold");
			goto bad;
		}
		if (addr_spec(p, first, local_start, p->i, &addr) < 0)
			goto bad;
		if (!is_special(peek(p), '>')) {
			fail(p, first, p->i, peek(p)->kind == TOKEN_END ? "a '<' is not closed by '>'"
			                                                : "a character an address cannot hold");
			goto bad;
		}
		p->i++;
		if (!mailbox_ends(p, in_group)) {
			fail(p, first, p->i, "text after the address");
			goto bad;
		}
		item_add(p, phrase_text(p, phrase_start, phrase_end), buf_detach(&addr), group);
		return 0;
	}
	if (is_special(t, '@')) {
		if (addr_spec(p, first, phrase_start, phrase_end, &addr) < 0)
			goto bad;
		if (!mailbox_ends(p, in_group)) {
			fail(p, first, p->i,
			     is_special(peek(p), '<') ? "an address before '<' (quote a name that has an @)"
			                              : "text after the address");
			goto bad;
		}
		/* "ana@example.org (Ana Lima)": the old way to give a name */
		const struct token *next = peek(p);
		char *name = NULL;
		if (next->comment_len) {
			struct buf comment = BUF_INIT;
			buf_add(&comment, pooled(p, next->comment), next->comment_len);
			name = name_decoded(p, &comment);
		}
		item_add(p, name, buf_detach(&addr), group);
		return 0;
	}
	if (phrase_start == phrase_end)
		fail(p, first, p->i, t->kind == TOKEN_END || is_special(t, ',') ? "an empty address"
		                                                                 : "a character an address cannot hold");
	else if (t->kind == TOKEN_END || is_special(t, ',') || is_special(t, ';'))
		fail(p, first, p->i, "not an address (no @domain)");
	else
		fail(p, first, p->i, "a character an address cannot hold");
bad:
	buf_free(&addr);
	return -1;
}

/* One address at p->i: a mailbox or a group. */
static int address(struct parser *p)
{
	size_t first = p->i, k = p->i;

	/* a group is a phrase and ':' (nothing else makes a ':' there) */
	while (is_word(&p->lx->tokens[k]) || is_special(&p->lx->tokens[k], '.'))
		k++;
	if (!is_special(&p->lx->tokens[k], ':'))
		return mailbox(p, first, NULL, 0);
	if (k == first && !(p->lx->flags & MIME_ADDRESS_LENIENT)) {
		fail(p, first, k, "a group needs a name before ':'");
		return -1;
	}
	char *group = phrase_text(p, first, k);
	p->i = k + 1;
	p->list->groups++;
	int rc = 0;
	for (;;) {
		const struct token *t = peek(p);
		if (is_special(t, ';')) {
			p->i++;
			break;
		}
		if (t->kind == TOKEN_END) {
			if (!(p->lx->flags & MIME_ADDRESS_LENIENT)) {
				fail(p, first, p->i, "a group is not ended by ';'");
				rc = -1;
			}
			break;
		}
		if (is_special(t, ',')) { /* obs-mbox-list: empty elements */
			p->i++;
			continue;
		}
		if (mailbox(p, p->i, group ? group : "", 1) < 0) {
			rc = -1;
			/* on to the next ',' or ';' of the group */
			while (peek(p)->kind != TOKEN_END && !is_special(peek(p), ',') && !is_special(peek(p), ';'))
				p->i++;
		}
	}
	free(group);
	if (rc == 0 && !mailbox_ends(p, 0)) {
		fail(p, first, p->i, "text after the group's ';'");
		rc = -1;
	}
	return rc;
}

int mime_address_list_parse(const char *text, size_t len, unsigned flags, struct mime_address_list *list,
                            struct lib_error *err)
{
	struct lexer lx = { .s = text ? text : "", .len = text ? len : 0, .flags = flags };
	struct parser p = { .lx = &lx, .list = list, .err = err };

	memset(list, 0, sizeof(*list));
	if (lex(&lx) < 0) {
		struct buf msg = BUF_INIT;
		buf_addch(&msg, '\'');
		quote_text(lx.s, 0, lx.len, &msg);
		buf_addf(&msg, "': %s", lx.error);
		if (lx.error_at < lx.len) {
			buf_addstr(&msg, ": '");
			quote_text(lx.s, lx.error_at, lx.len, &msg);
			buf_addch(&msg, '\'');
		}
		lib_error_set(err, LIB_ERR_DATA, "%s", msg.data);
		buf_free(&msg);
		buf_free(&lx.pool);
		free(lx.tokens);
		return -1;
	}
	buf_add(&lx.pool, "", 0); /* data is never NULL */
	while (peek(&p)->kind != TOKEN_END) {
		if (is_special(peek(&p), ',')) { /* obs-addr-list: empty elements */
			p.i++;
			continue;
		}
		if (address(&p) < 0) {
			recover(&p);
			continue;
		}
		if (is_special(peek(&p), ','))
			p.i++;
	}
	buf_free(&lx.pool);
	free(lx.tokens);
	return p.failed ? -1 : 0;
}

void mime_address_list_clear(struct mime_address_list *list)
{
	for (size_t i = 0; i < list->count; i++) {
		free(list->items[i].name);
		free(list->items[i].addr);
		free(list->items[i].group);
	}
	free(list->items);
	memset(list, 0, sizeof(*list));
}

/* Whether a name can go unquoted: atoms (UTF-8 included) and single
 * spaces, so that it reads back as the same phrase. */
static int phrase_is_atoms(const char *name)
{
	if (!*name || *name == ' ')
		return 0;
	for (const char *s = name; *s; s++) {
		if (*s == ' ') {
			if (s[1] == ' ' || !s[1])
				return 0;
		} else if (!is_atext((unsigned char)*s)) {
			return 0;
		}
	}
	/* an atom like "=?x?q?y?=" would be decoded when read back */
	return strstr(name, "=?") == NULL;
}

void mime_mailbox_format(const char *name, const char *addr, struct buf *out)
{
	if (!name || !*name) {
		buf_addstr(out, addr ? addr : "");
		return;
	}
	if (phrase_is_atoms(name)) {
		buf_addstr(out, name);
	} else {
		buf_addch(out, '"');
		for (const char *s = name; *s; s++) {
			if (*s == '"' || *s == '\\')
				buf_addch(out, '\\');
			buf_addch(out, *s);
		}
		buf_addch(out, '"');
	}
	buf_addf(out, " <%s>", addr ? addr : "");
}

char *mime_address_list_format(const struct mime_address_list *list)
{
	struct buf out = BUF_INIT;

	buf_add(&out, "", 0);
	for (size_t i = 0; i < list->count; i++) {
		if (i)
			buf_addstr(&out, ", ");
		mime_mailbox_format(list->items[i].name, list->items[i].addr, &out);
	}
	return buf_detach(&out);
}

char *mime_address_display(const char *from)
{
	struct mime_address_list list;
	char *shown = NULL;

	mime_address_list_parse(from, strlen(from), MIME_ADDRESS_LENIENT, &list, NULL);
	if (list.count)
		shown = xstrdup(list.items[0].name ? list.items[0].name : list.items[0].addr);
	mime_address_list_clear(&list);
	if (shown)
		return shown;
	/* not an address at all ("undisclosed recipients"): the text itself,
	 * without outer quotes and spaces */
	const char *start = from, *end = from + strlen(from);
	while (start < end && (*start == ' ' || *start == '"'))
		start++;
	while (end > start && (end[-1] == ' ' || end[-1] == '"'))
		end--;
	return xstrndup(start, (size_t)(end - start));
}

int mime_address_split(const char *text, char **name, char **addr)
{
	struct mime_address_list list;

	*name = *addr = NULL;
	if (mime_address_list_parse(text, strlen(text), MIME_ADDRESS_LENIENT, &list, NULL) < 0 || list.count != 1) {
		mime_address_list_clear(&list);
		return -1;
	}
	*name = list.items[0].name;
	*addr = list.items[0].addr;
	list.items[0].name = list.items[0].addr = NULL;
	mime_address_list_clear(&list);
	return 0;
}
