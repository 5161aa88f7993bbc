/* mime: the text helpers under the pager: charset conversion over
 * Debian's glibc iconv (the charsets mail really uses, and broken input),
 * the built-in HTML to text, and attachment names made safe to save. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "lib/lib.h"
#include "mime/mime.h"

static const struct {
	const char *charset;
	const char *bytes;
	size_t len;
	const char *want;
} conversions[] = {
#define C(charset, bytes, want) { charset, bytes, sizeof(bytes) - 1, want }
	C("utf-8", "na\xc3\xafve \xe2\x82\xac", "naïve €"),
	C("UTF8", "ok", "ok"),
	C("us-ascii", "plain", "plain"),
	C("us-ascii", "mislabelled na\xc3\xafve", "mislabelled naïve"),
	C("us-ascii", "mislabelled caf\xe9", "mislabelled café"),
	C("iso-8859-1", "caf\xe9 \x80", "café €"),
	C("ISO-8859-1", "\xa0\xff", "\xc2\xa0ÿ"),
	C("windows-1252", "\x93\x73\x6d\x61\x72\x74\x94\x20\x96\x20\x71\x75\x6f\x74\x65\x73\x85", "“smart” – quotes…"),
	C("iso-8859-15", "\xa4\x75\x72\x6f\x20\xbd\x75\x76\x72\x65", "€uro œuvre"),
	C("iso-8859-2", "\x5a\x61\xbf\xf3\xb3\xe6\x20\x67\xea\xb6\x6c\xb1", "Zażółć gęślą"),
	C("windows-1250", "\x50\xf8\xed\x6c\x69\x9a\x20\x9e\x6c\x75\x9d\x6f\x75\xe8\x6b\xfd", "Příliš žluťoučký"),
	C("iso-8859-5", "\xbf\xe0\xd8\xd2\xd5\xe2", "Привет"),
	C("iso-8859-7", "\xca\xe1\xeb\xe7\xec\xdd\xf1\xe1", "Καλημέρα"),
	C("windows-1251", "\xcf\xf0\xe8\xe2\xe5\xf2\x2c\x20\xec\xe8\xf0", "Привет, мир"),
	C("koi8-r", "\xf0\xd2\xc9\xd7\xc5\xd4\x2c\x20\xcd\xc9\xd2", "Привет, мир"),
	C("gb2312", "\xc4\xe3\xba\xc3\xa3\xac\xca\xc0\xbd\xe7", "你好，世界"),
	C("gbk", "\xc4\xe3\xba\xc3\xa3\xac\xca\xc0\xbd\xe7", "你好，世界"),
	C("big5", "\xa7\x41\xa6\x6e", "你好"),
	C("shift_jis", "\x82\xb1\x82\xf1\x82\xc9\x82\xbf\x82\xcd\x81\x41\x90\xa2\x8a\x45", "こんにちは、世界"),
	C("euc-jp", "\xa4\xb3\xa4\xf3\xa4\xcb\xa4\xc1\xa4\xcf\xa1\xa2\xc0\xa4\xb3\xa6", "こんにちは、世界"),
	C("iso-2022-jp", "\x1b\x24\x42\x24\x33\x24\x73\x24\x4b\x24\x41\x24\x4f\x21\x22\x40\x24\x33\x26\x1b\x28\x42",
	  "こんにちは、世界"),
	C("euc-kr", "\xbe\xc8\xb3\xe7\xc7\xcf\xbc\xbc\xbf\xe4", "안녕하세요"),
	C("utf-16le", "\x68\x00\xe9\x00", "hé"),
	/* broken input: one U+FFFD per bad byte, the rest read on */
	C("utf-8", "a\xffz\xc3", "a\xef\xbf\xbdz\xef\xbf\xbd"),
	C("utf-8", "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"),
	C("utf-8", "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd"),
	C("shift_jis", "\x82\xa0\xff\x82", "\xe3\x81\x82\xef\xbf\xbd\xef\xbf\xbd"),
	C("euc-jp", "ok\xa4", "ok\xef\xbf\xbd"),
	C("iso-2022-jp", "\x1b\x24\x42\x24\x33\xff\x1b\x28\x42!", "こ\xef\xbf\xbd!"),
	C("gb2312", "\xc4", "\xef\xbf\xbd"),
	C("windows-1252", "\x81", "\xef\xbf\xbd"),
#undef C
};

static void test_charsets(void)
{
	for (size_t i = 0; i < LIB_ARRAY_LEN(conversions); i++) {
		struct buf out = BUF_INIT;
		int rc = mime_charset_to_utf8(conversions[i].charset, conversions[i].bytes, conversions[i].len, &out);
		ok(rc == 0, "%s is known", conversions[i].charset);
		is_str(out.data, conversions[i].want, "%s: %zu bytes", conversions[i].charset, conversions[i].len);
		buf_free(&out);
	}

	const char *unknown[] = { "x-klingon", "utf-8//TRANSLIT", "UTF-8//IGNORE", "../../etc/passwd", "a b",
		                  "iso-8859-1,utf-8", "", NULL };
	for (size_t i = 0; unknown[i]; i++) {
		struct buf out = BUF_INIT;
		int rc = mime_charset_to_utf8(unknown[i], "caf\xe9", 4, &out);
		ok(*unknown[i] ? rc == -1 : rc == 0, "\"%s\" %s", unknown[i], *unknown[i] ? "is unknown" : "is undeclared");
		is_str(out.data, "café", "and read as windows-1252");
		buf_free(&out);
	}
	char long_name[300];
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	struct buf out = BUF_INIT;
	ok(mime_charset_to_utf8(long_name, "x", 1, &out) == -1 && strcmp(out.data, "x") == 0, "a 300-byte name is unknown");
	buf_reset(&out);
	ok(mime_charset_to_utf8("utf-8", "", 0, &out) == 0 && out.data && !*out.data, "empty text is an empty string");
	buf_free(&out);

	/* every charset on 256 KB of every byte value: no crash, valid output */
	size_t size = 256 * 1024;
	char *noise = xmalloc(size);
	unsigned long seed = 42;
	for (size_t i = 0; i < size; i++) {
		seed = seed * 6364136223846793005UL + 1442695040888963407UL;
		noise[i] = (char)(seed >> 56);
	}
	int all_valid = 1;
	for (size_t i = 0; i < LIB_ARRAY_LEN(conversions); i++) {
		struct buf text = BUF_INIT, check = BUF_INIT;
		mime_charset_to_utf8(conversions[i].charset, noise, size, &text);
		mime_charset_to_utf8("utf-8", text.data, text.len, &check); /* revalidate */
		if (check.len != text.len || memcmp(check.data, text.data, text.len) != 0)
			all_valid = 0;
		buf_free(&text);
		buf_free(&check);
	}
	ok(all_valid, "256 KB of random bytes in every charset give valid UTF-8");
	free(noise);
}

static void html(const char *in, const char *want, const char *name)
{
	struct buf out = BUF_INIT;
	mime_html_to_text(in, strlen(in), &out);
	is_str(out.data ? out.data : "", want, "html: %s", name);
	buf_free(&out);
}

static void test_html(void)
{
	html("", "", "empty");
	html("<p>one</p><p>two</p>", "one\n\ntwo\n", "paragraphs");
	html("a<br>b<br><br><br><br>c", "a\nb\n\nc\n", "at most one blank line from <br>s");
	html("<PRE>  x\n    y</PRE>after", "  x\n    y\n\nafter\n", "<pre> keeps white space");
	html("<SCRIPT>evil()</SCRIPT>shown<STYLE>p{}</style>", "shown\n", "case-insensitive hidden elements");
	html("<script>never closed", "", "an unclosed script hides the rest, nothing more");
	html("text <!-- never closed", "text\n", "an unclosed comment ends the text");
	html("text <a href=\"x", "text\n", "an unclosed tag ends the text");
	html("<img alt='a > b' src=x>after", "after\n", "'>' inside a quoted attribute");
	html("1 < 2 and 3 > 2", "1 < 2 and 3 > 2\n", "a '<' that opens no tag is text");
	html("&#0;&#x110000;&#xD800;&#99999999999999999999;", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\n",
	     "invalid character references become U+FFFD");
	html("&#150;&#128;", "–€\n", "C1 references read as windows-1252, like browsers");
	html("&bogus; &amp &lt;&gt;&quot;&apos;", "&bogus; &amp <>\"'\n", "unknown or unterminated names stay");
	html("&Eacute;&szlig;&yuml;&mdash;&trade;", "Éßÿ—™\n", "named references");
	html("<ul><li>a<li>b</ul>", "* a\n* b\n", "unclosed list items");
	html("<td>1</td><td>2</td>", "1 2\n", "cells spaced");
	html("<title>T</title><h1>Head</h1>text", "Head\n\ntext\n", "title dropped, heading its own paragraph");
	html("<head><meta charset=utf-8>no closing head", "no closing head\n", "an unclosed <head> hides nothing");

	/* 1 MB of nested tags and open comments: linear, bounded */
	struct buf big = BUF_INIT, out = BUF_INIT;
	for (int i = 0; i < 100000; i++)
		buf_addstr(&big, "<div><");
	mime_html_to_text(big.data, big.len, &out);
	ok(out.len <= big.len, "1 MB of broken tags: bounded output");
	buf_free(&out);
	buf_free(&big);
}

static void safe(const char *name, const char *want, const char *what)
{
	char *got = mime_filename_safe(name);
	is_str(got, want, "filename_safe: %s", what);
	free(got);
}

static void test_filename_safe(void)
{
	safe("report.pdf", "report.pdf", "a plain name is kept");
	safe("naïve résumé.txt", "naïve résumé.txt", "UTF-8 kept");
	safe("../../.bashrc", "_.._.bashrc", "no climbing out");
	safe("/etc/passwd", "_etc_passwd", "no absolute path");
	safe("..\\..\\windows\\x.exe", "_.._windows_x.exe", "backslashes too");
	safe(".profile", "profile", "no hidden file");
	safe("...", "attachment", "only dots");
	safe("", "attachment", "empty");
	safe(NULL, "attachment", "NULL");
	safe("-rf", "rf", "no leading dash");
	safe("  spaced  ", "spaced", "outer spaces trimmed");
	safe("a\nb\tc\x1b[31m.txt", "abc[31m.txt", "control characters dropped");
	safe("\xc2\x85x\xc2\x9b.txt", "x.txt", "C1 controls dropped");
	safe("invoice\xe2\x80\xaegpj.exe", "invoicegpj.exe", "bidi override dropped");
	safe("caf\xe9.txt", "café.txt", "invalid UTF-8 read as windows-1252");

	char long_name[1000];
	memset(long_name, 'a', 990);
	memcpy(long_name + 990, ".pdf", 5);
	char *got = mime_filename_safe(long_name);
	ok(strlen(got) <= 200 && strcmp(got + strlen(got) - 4, ".pdf") == 0, "a long name is cut, keeping .pdf");
	free(got);
	struct buf wide = BUF_INIT;
	for (int i = 0; i < 300; i++)
		buf_addstr(&wide, "世");
	buf_addstr(&wide, ".tar.gz");
	got = mime_filename_safe(wide.data);
	struct buf check = BUF_INIT;
	mime_charset_to_utf8("utf-8", got, strlen(got), &check);
	ok(strlen(got) <= 200 && strcmp(check.data, got) == 0 && strcmp(got + strlen(got) - 3, ".gz") == 0,
	   "a long UTF-8 name is cut between characters");
	free(got);
	buf_free(&check);
	buf_free(&wide);
}

int main(void)
{
	test_charsets();
	test_html();
	test_filename_safe();
	return tap_done();
}
