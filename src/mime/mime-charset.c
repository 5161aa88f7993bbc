/* Charset conversion to UTF-8 over glibc's iconv. libetpan's charconv is
 * not used here: it allocates six times the input up front, turns invalid
 * bytes into '?' and drops a truncated final sequence; this converts in
 * chunks and puts U+FFFD where the input is broken. Charset names come from
 * the network, so only plain names reach iconv_open, and the labels mail
 * really uses are mapped to their supersets (WHATWG encoding spec). */
#include "mime.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../lib/lib.h"

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */
#define CHARSET_NAME_MAX 40

/* Length of the valid UTF-8 sequence at s, or 0 (overlong, surrogate,
 * over U+10FFFF, truncated, stray continuation byte). */
static size_t utf8_sequence(const unsigned char *s, size_t len)
{
	unsigned c = s[0];
	size_t n;
	unsigned cp, min;

	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0)
		n = 2, cp = c & 0x1f, min = 0x80;
	else if ((c & 0xf0) == 0xe0)
		n = 3, cp = c & 0x0f, min = 0x800;
	else if ((c & 0xf8) == 0xf0)
		n = 4, cp = c & 0x07, min = 0x10000;
	else
		return 0;
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static int utf8_is_valid(const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;

	for (size_t i = 0; i < len;) {
		size_t n = utf8_sequence(s + i, len - i);
		if (!n)
			return 0;
		i += n;
	}
	return 1;
}

static void utf8_copy(const char *text, size_t len, struct buf *out)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t run = 0; /* start of the valid run not yet copied */

	for (size_t i = 0; i < len;) {
		size_t n = utf8_sequence(s + i, len - i);
		if (n) {
			i += n;
			continue;
		}
		buf_add(out, text + run, i - run);
		buf_addstr(out, REPLACEMENT);
		run = ++i;
	}
	buf_add(out, text + run, len - run);
}

/* iconv from a name known to be plain; -1 when iconv does not know it. */
static int iconv_to_utf8(const char *from, const char *text, size_t len, struct buf *out)
{
	iconv_t cd = iconv_open("UTF-8", from);
	char chunk[4096];
	char *in = (char *)text;
	size_t in_left = len;

	if (cd == (iconv_t)-1)
		return -1;
	while (in_left) {
		char *o = chunk;
		size_t o_left = sizeof(chunk);
		size_t r = iconv(cd, &in, &in_left, &o, &o_left);
		int error = r == (size_t)-1 ? errno : 0;

		buf_add(out, chunk, (size_t)(o - chunk));
		if (!error || error == E2BIG)
			continue;
		/* EILSEQ, or EINVAL for a sequence cut by the end: one byte
		 * becomes U+FFFD and the rest is read on */
		buf_addstr(out, REPLACEMENT);
		in++;
		in_left--;
	}
	char *o = chunk;
	size_t o_left = sizeof(chunk);
	iconv(cd, NULL, NULL, &o, &o_left); /* end a stateful encoding */
	buf_add(out, chunk, (size_t)(o - chunk));
	iconv_close(cd);
	return 0;
}

static void undeclared(const char *text, size_t len, struct buf *out)
{
	if (utf8_is_valid(text, len))
		buf_add(out, text, len);
	else if (iconv_to_utf8("WINDOWS-1252", text, len, out) < 0)
		utf8_copy(text, len, out);
}

/* Labels whose usual meaning in mail is a superset that iconv knows by
 * another name. */
static const char *charset_superset(const char *name)
{
	static const struct {
		const char *label, *iconv_name;
	} map[] = {
		{ "iso-8859-1", "WINDOWS-1252" }, { "iso8859-1", "WINDOWS-1252" },
		{ "latin1", "WINDOWS-1252" },     { "l1", "WINDOWS-1252" },
		{ "iso_8859-1", "WINDOWS-1252" }, { "cp819", "WINDOWS-1252" },
		{ "gb2312", "GB18030" },          { "gb_2312-80", "GB18030" },
		{ "gbk", "GB18030" },             { "x-gbk", "GB18030" },
		{ "euc-cn", "GB18030" },          { "cp936", "GB18030" },
		{ "shift_jis", "CP932" },         { "shift-jis", "CP932" },
		{ "sjis", "CP932" },              { "x-sjis", "CP932" },
		{ "ms_kanji", "CP932" },          { "windows-31j", "CP932" },
		{ "iso-2022-jp", "ISO-2022-JP-2" },
		{ "ks_c_5601-1987", "CP949" },    { "euc-kr", "CP949" },
		{ "iso-8859-8-i", "ISO-8859-8" }, { "iso-8859-8-e", "ISO-8859-8" },
		{ "iso-8859-9", "WINDOWS-1254" }, { "tis-620", "CP874" },
		{ "windows-874", "CP874" },       { "iso-8859-11", "CP874" },
		{ "x-mac-roman", "MACINTOSH" },   { "macintosh", "MACINTOSH" },
	};

	for (size_t i = 0; i < LIB_ARRAY_LEN(map); i++)
		if (strcasecmp(name, map[i].label) == 0)
			return map[i].iconv_name;
	return name;
}

int mime_charset_to_utf8(const char *charset, const char *bytes, size_t len, struct buf *out)
{
	static const char *const plain_ascii[] = { "us-ascii", "ascii", "ansi_x3.4-1968", "us", "iso646-us",
		                                   "csascii", "iso-ir-6" };
	size_t name_len = charset ? strlen(charset) : 0;

	buf_add(out, "", 0); /* out is a C string even for empty text */
	if (!name_len) {
		undeclared(bytes, len, out);
		return 0;
	}
	for (size_t i = 0; i < LIB_ARRAY_LEN(plain_ascii); i++)
		if (strcasecmp(charset, plain_ascii[i]) == 0) {
			undeclared(bytes, len, out);
			return 0;
		}
	if (strcasecmp(charset, "utf-8") == 0 || strcasecmp(charset, "utf8") == 0) {
		utf8_copy(bytes, len, out);
		return 0;
	}
	/* glibc reads suffixes such as "//TRANSLIT" and option lists in a
	 * name: only letters, digits and . _ : + - get through */
	if (name_len > CHARSET_NAME_MAX || strspn(charset, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                                                     "0123456789._:+-") != name_len) {
		undeclared(bytes, len, out);
		return -1;
	}
	size_t before = out->len;
	if (iconv_to_utf8(charset_superset(charset), bytes, len, out) == 0)
		return 0;
	out->len = before;
	out->data[before] = '\0';
	undeclared(bytes, len, out);
	return -1;
}

/* Whether text (UTF-8) converts to charset without loss; the bytes into
 * out. */
static int iconv_from_utf8(const char *charset, const char *text, size_t len, struct buf *out)
{
	iconv_t cd = iconv_open(charset, "UTF-8");
	char chunk[4096];
	char *in = (char *)text;
	size_t in_left = len;
	int rc = 0;

	if (cd == (iconv_t)-1)
		return -1;
	while (in_left && rc == 0) {
		char *o = chunk;
		size_t o_left = sizeof(chunk);
		size_t r = iconv(cd, &in, &in_left, &o, &o_left);
		buf_add(out, chunk, (size_t)(o - chunk));
		if (r == (size_t)-1 && errno != E2BIG)
			rc = -1; /* a character charset does not have */
		else if (r != (size_t)-1 && r > 0)
			rc = -1; /* converted "approximately": not without loss */
	}
	char *o = chunk;
	size_t o_left = sizeof(chunk);
	if (rc == 0)
		iconv(cd, NULL, NULL, &o, &o_left);
	buf_add(out, chunk, (size_t)(o - chunk));
	iconv_close(cd);
	return rc;
}

/* Whether bytes are valid text in charset (each of them decodes). */
static int valid_in(const char *charset, const char *bytes, size_t len)
{
	iconv_t cd = iconv_open("UTF-8", charset);
	char chunk[4096];
	char *in = (char *)bytes;
	size_t in_left = len;
	int ok = 1;

	if (cd == (iconv_t)-1)
		return 0;
	while (in_left && ok) {
		char *o = chunk;
		size_t o_left = sizeof(chunk);
		if (iconv(cd, &in, &in_left, &o, &o_left) == (size_t)-1 && errno != E2BIG)
			ok = 0;
	}
	iconv_close(cd);
	return ok;
}

int mime_charset_choose(const char *list, const char *text, size_t len, struct buf *out, char *charset,
                        size_t charset_size)
{
	int utf8 = utf8_is_valid(text, len), ascii = 1;

	for (size_t i = 0; i < len && ascii; i++)
		ascii = (unsigned char)text[i] < 0x80;
	for (const char *p = list ? list : MIME_SEND_CHARSET; *p;) {
		size_t n = strcspn(p, ":");
		char name[CHARSET_NAME_MAX + 1];
		int fits = 0;
		if (n && n <= CHARSET_NAME_MAX) {
			memcpy(name, p, n);
			name[n] = '\0';
			for (char *c = name; *c; c++)
				*c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
			size_t before = out->len;
			int plain = strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789._+-") == n;
			if (strcmp(name, "us-ascii") == 0 || strcmp(name, "ascii") == 0)
				fits = ascii;
			else if (strcmp(name, "utf-8") == 0 || strcmp(name, "utf8") == 0)
				fits = utf8;
			else if (plain && utf8) /* converted, as mutt does */
				fits = iconv_from_utf8(name, text, len, out) == 0;
			else if (plain) /* not UTF-8: already in some charset; the bytes as they are */
				fits = valid_in(name, text, len);
			if (!fits) {
				out->len = before;
				if (out->data)
					out->data[before] = '\0';
			} else if (out->len == before) { /* nothing converted: as it is */
				buf_add(out, text, len);
			}
		}
		if (fits) {
			snprintf(charset, charset_size, "%s", strcmp(name, "utf8") == 0 ? "utf-8"
			                                      : strcmp(name, "ascii") == 0 ? "us-ascii" : name);
			buf_add(out, "", 0);
			return 0;
		}
		p += n;
		p += *p == ':';
	}
	return -1;
}
