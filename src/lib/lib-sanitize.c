/* The terminal sanitizer: every byte that came from the network passes
 * here before it reaches a terminal or stdout (DESIGN.md, security rules),
 * and UTF-8 display widths for laying text out in columns. */
#define _XOPEN_SOURCE 700
#include "lib.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

/* Decodes one UTF-8 sequence; returns its length and the code point, or 0
 * when the bytes are not valid UTF-8 (overlong, surrogate, > U+10FFFF,
 * truncated). */
static size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	uint32_t c = s[0], min;
	size_t n;

	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xe0) == 0xc0) {
		n = 2; c &= 0x1f; min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3; c &= 0x0f; min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4; c &= 0x07; min = 0x10000;
	} else {
		return 0;
	}
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* Unicode bidi controls that can reorder what the user sees (the
 * "Trojan Source" characters) plus the invisible line/paragraph
 * separators. */
static int is_bidi_control(uint32_t cp)
{
	return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
	       cp == 0x200e || cp == 0x200f || cp == 0x061c || cp == 0x2028 || cp == 0x2029;
}

void lib_sanitize(struct buf *out, const char *text, size_t len, int options)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t column = 0; /* for tab stops; approximate: one column per char */

	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n;

		/* Fast path: a run of printable ASCII is copied in one go. */
		size_t run = i;
		while (run < len && s[run] >= 0x20 && s[run] < 0x7f)
			run++;
		if (run > i) {
			buf_add(out, s + i, run - i);
			column += run - i;
			i = run;
			continue;
		}
		n = utf8_decode(s + i, len - i, &cp);
		if (n == 0) {
			buf_addstr(out, "\xef\xbf\xbd"); /* U+FFFD */
			i++;
			column++;
			continue;
		}
		if (cp == '\t') {
			if (options & LIB_SANITIZE_LINE) {
				buf_addch(out, ' ');
				column++;
			} else {
				do {
					buf_addch(out, ' ');
				} while (++column % 8);
			}
		} else if (cp == '\n' && !(options & LIB_SANITIZE_LINE)) {
			buf_addch(out, '\n');
			column = 0;
		} else if (cp == '\n' || cp == '\r') {
			if (options & LIB_SANITIZE_LINE) {
				buf_addch(out, ' ');
				column++;
			} else if (!(i + 1 < len && s[i + 1] == '\n')) {
				buf_addstr(out, "^M"); /* a CR alone would move the cursor */
				column += 2;
			}
		} else if (cp < 0x20 || cp == 0x7f) {
			buf_addch(out, '^');
			buf_addch(out, cp == 0x7f ? '?' : (char)(cp + '@'));
			column += 2;
		} else if ((cp >= 0x80 && cp <= 0x9f) || is_bidi_control(cp)) {
			buf_addf(out, "<U+%04X>", (unsigned)cp);
			column += 8;
		} else {
			buf_add(out, s + i, n);
			column++;
		}
		i += n;
	}
}

static int cp_width(uint32_t cp)
{
	if (cp >= 0x20 && cp < 0x7f)
		return 1;
	int w = wcwidth((wchar_t)cp);
	return w < 0 ? 1 : w;
}

size_t lib_utf8_width(const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t width = 0;

	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = utf8_decode(s + i, len - i, &cp);
		if (n == 0) {
			n = 1;
			cp = 0xfffd;
		}
		width += (size_t)cp_width(cp);
		i += n;
	}
	return width;
}

size_t lib_utf8_prefix(const char *text, size_t len, size_t width)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t used = 0, i = 0;

	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(s + i, len - i, &cp);
		if (n == 0) {
			n = 1;
			cp = 0xfffd;
		}
		size_t w = (size_t)cp_width(cp);
		if (used + w > width && i > 0)
			break;
		used += w;
		i += n;
		if (used >= width)
			break;
	}
	return i;
}

size_t lib_utf8_wrap(const char *text, size_t len, size_t width)
{
	size_t take = lib_utf8_prefix(text, len, width), lead = 0;

	if (take == len || text[take] == ' ')
		return take;
	while (lead < take && strchr(" \t>|", text[lead]))
		lead++;
	for (size_t i = take; i > lead; i--)
		if (text[i - 1] == ' ' || text[i - 1] == '\t')
			return i;
	return take;
}

void lib_utf8_fit(struct buf *out, const char *text, size_t width)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t used = 0, len = strlen(text);

	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = utf8_decode(s + i, len - i, &cp);
		if (n == 0)
			break;
		size_t w = (size_t)cp_width(cp);
		if (used + w > width)
			break;
		buf_add(out, s + i, n);
		used += w;
		i += n;
	}
	while (used++ < width)
		buf_addch(out, ' ');
}

int lib_host_name_ok(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > 253 || name[0] == '-' || name[0] == '.')
		return 0;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.' && *p != '_')
			return 0;
	return 1;
}
