/* IMAP SEARCH keys (RFC 3501 section 6.4.4) for the part of a pattern
 * only the server can answer (~b, ~B, under and, OR and NOT): model
 * keeps the pattern's grammar, this file the protocol's. No I/O. */
#include "imap.h"

#include <string.h>

/* An astring: quoted when it is 7-bit without CR or LF, else a literal
 * ({n} CRLF and the bytes), which 8-bit text needs; *utf8 is set then. */
static void search_string(struct buf *out, const char *s, int *utf8)
{
	size_t len = strlen(s);
	int quotable = 1;

	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c >= 0x80)
			*utf8 = 1;
		if (*c >= 0x80 || *c == '\r' || *c == '\n')
			quotable = 0;
	}
	if (!quotable) {
		buf_addf(out, "{%zu}\r\n", len);
		buf_add(out, s, len);
		return;
	}
	buf_addch(out, '"');
	for (const char *c = s; *c; c++) {
		if (*c == '"' || *c == '\\')
			buf_addch(out, '\\');
		buf_addch(out, *c);
	}
	buf_addch(out, '"');
}

/* Writes term as search keys; one key when single is set (a list of
 * several is put in parentheses). */
static void search_key(struct buf *out, const struct model_search *term, int single, int *utf8)
{
	size_t n = model_search_count(term);

	switch (model_search_kind(term)) {
	case MODEL_SEARCH_BODY:
	case MODEL_SEARCH_MESSAGE:
		buf_addstr(out, model_search_kind(term) == MODEL_SEARCH_MESSAGE ? "TEXT " : "BODY ");
		search_string(out, model_search_text(term), utf8);
		break;
	case MODEL_SEARCH_NOT:
		buf_addstr(out, "NOT ");
		search_key(out, model_search_child(term, 0), 1, utf8);
		break;
	case MODEL_SEARCH_AND:
		if (single)
			buf_addch(out, '(');
		for (size_t k = 0; k < n; k++) {
			if (k)
				buf_addch(out, ' ');
			search_key(out, model_search_child(term, k), 1, utf8);
		}
		if (single)
			buf_addch(out, ')');
		break;
	case MODEL_SEARCH_OR: /* OR takes two keys: a OR b OR c d */
		for (size_t k = 0; k + 1 < n; k++) {
			buf_addstr(out, "OR ");
			search_key(out, model_search_child(term, k), 1, utf8);
			buf_addch(out, ' ');
		}
		search_key(out, model_search_child(term, n - 1), 1, utf8);
		break;
	}
}

char *imap_search_criteria(const struct model_pattern *pattern)
{
	const struct model_search *part = model_pattern_server_part(pattern);
	struct buf keys = BUF_INIT, out = BUF_INIT;
	int utf8 = 0;

	if (!part)
		return NULL;
	search_key(&keys, part, 0, &utf8);
	if (utf8)
		buf_addstr(&out, "CHARSET UTF-8 ");
	buf_add(&out, keys.data, keys.len);
	buf_free(&keys);
	return buf_detach(&out);
}
