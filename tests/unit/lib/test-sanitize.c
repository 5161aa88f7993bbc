/* lib: the terminal sanitizer and UTF-8 widths. */
#define _XOPEN_SOURCE 700
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "lib/lib.h"

static void check(const char *in, size_t len, int options, const char *want, const char *name)
{
	struct buf out = BUF_INIT;
	lib_sanitize(&out, in, len, options);
	is_str(out.data ? out.data : "", want, "%s", name);
	buf_free(&out);
}

#define CHECK(in, options, want, name) check(in, sizeof(in) - 1, options, want, name)

int main(void)
{
	setlocale(LC_CTYPE, "C.UTF-8");
	CHECK("plain text", LIB_SANITIZE_LINE, "plain text", "ASCII passes");
	CHECK("caf\xc3\xa9 \xe5\xb1\xb1", LIB_SANITIZE_LINE, "caf\xc3\xa9 \xe5\xb1\xb1", "valid UTF-8 passes");
	CHECK("a\x1b[31mb", LIB_SANITIZE_LINE, "a^[[31mb", "ESC shown as ^[");
	CHECK("bell\x07", LIB_SANITIZE_LINE, "bell^G", "BEL shown as ^G");
	CHECK("del\x7f", LIB_SANITIZE_LINE, "del^?", "DEL shown as ^?");
	CHECK("nul\0x", LIB_SANITIZE_LINE, "nul^@x", "NUL shown as ^@");
	CHECK("c1\xc2\x9b" "31m", LIB_SANITIZE_LINE, "c1<U+009B>31m", "C1 CSI shown visibly");
	CHECK("\xe2\x80\xae" "evil", LIB_SANITIZE_LINE, "<U+202E>evil", "RIGHT-TO-LEFT OVERRIDE neutralised");
	CHECK("\xe2\x81\xa6x\xe2\x81\xa9", LIB_SANITIZE_LINE, "<U+2066>x<U+2069>", "bidi isolates neutralised");
	CHECK("bad\xff\xfe!", LIB_SANITIZE_LINE, "bad\xef\xbf\xbd\xef\xbf\xbd!", "invalid bytes become U+FFFD");
	CHECK("\xc0\xaf", LIB_SANITIZE_LINE, "\xef\xbf\xbd\xef\xbf\xbd", "overlong encoding refused");
	CHECK("\xed\xa0\x80", LIB_SANITIZE_LINE, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", "surrogate refused");
	CHECK("\xe5\xb1", LIB_SANITIZE_LINE, "\xef\xbf\xbd\xef\xbf\xbd", "truncated sequence refused");
	CHECK("a\tb\r\nc", LIB_SANITIZE_LINE, "a b  c", "one line: tab and line ends become spaces");
	CHECK("a\tb\nc", 0, "a       b\nc", "body: tabs expand to 8 columns, newlines stay");
	CHECK("x\ry", 0, "x^My", "body: a lone CR is shown, never moves the cursor");
	CHECK("x\r\ny", 0, "x\ny", "body: CRLF becomes a newline");

	is_int((long)lib_utf8_width("abc", 3), 3, "ASCII width");
	is_int((long)lib_utf8_width("\xe5\xb1\xb1\xe7\x94\xb0", 6), 4, "CJK is two columns each");
	is_int((long)lib_utf8_width("e\xcc\x81", 3), 1, "combining accent takes no column");
	struct buf b = BUF_INIT;
	lib_utf8_fit(&b, "\xe5\xb1\xb1\xe7\x94\xb0\xe5\xa4\xaa", 5);
	is_str(b.data, "\xe5\xb1\xb1\xe7\x94\xb0 ", "fit never splits a wide character; pads");
	buf_reset(&b);
	lib_utf8_fit(&b, "ab", 4);
	is_str(b.data, "ab  ", "fit pads short text");
	buf_free(&b);

	/* lib_utf8_wrap: mutt's smart_wrap (issue 18.7) */
	const char *line = "see https://example.org/a/b for it";
	is_int((long)lib_utf8_wrap(line, strlen(line), 20), 4, "wrap: a URL that does not fit moves whole to the next line");
	is_int((long)lib_utf8_wrap(line + 4, strlen(line) - 4, 24), 24, "wrap: the URL line breaks after the next space");
	is_int((long)lib_utf8_wrap("abcdefghij", 10, 4), 4, "wrap: a word wider than the line is cut");
	is_int((long)lib_utf8_wrap("> > abcdefghij", 14, 8), 8, "wrap: never at a space inside the quote marks");
	is_int((long)lib_utf8_wrap("ab cd", 5, 2), 2, "wrap: a break right before a space leaves it to skip");
	is_int((long)lib_utf8_wrap("ab", 2, 10), 2, "wrap: a short line whole");
	is_int((long)lib_utf8_wrap("\xe5\xb1\xb1 \xe7\x94\xb0\xe5\xa4\xaa", 10, 5), 4,
	       "wrap: wide characters counted by columns");
	return tap_done();
}
