/* Attachment names made safe to create: the name comes from the sender,
 * so it must not climb out of the download directory ("../../.bashrc",
 * "/etc/x", "..\\x"), hide itself (".profile"), pose as an option to a
 * command the user pipes it to ("-rf"), carry terminal controls, or
 * disguise its extension with bidi overrides ("invoice\u202Efdp.exe"). */
#include "mime.h"

#include <stdint.h>
#include <string.h>

#include "../lib/lib.h"

#define FILENAME_MAX_BYTES 200 /* under NAME_MAX 255, with room for a "-1" */
#define EXTENSION_MAX 16

/* One code point of valid UTF-8 (the name went through
 * mime_charset_to_utf8 first); returns its length. */
static size_t utf8_next(const unsigned char *s, uint32_t *cp)
{
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		*cp = (uint32_t)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
		return 2;
	}
	if ((s[0] & 0xf0) == 0xe0) {
		*cp = (uint32_t)(s[0] & 0x0f) << 12 | (uint32_t)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
		return 3;
	}
	*cp = (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3f) << 12 | (uint32_t)(s[2] & 0x3f) << 6 |
	      (s[3] & 0x3f);
	return 4;
}

static int is_dropped(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) ||        /* C0, DEL, C1 */
	       (cp >= 0x200b && cp <= 0x200f) ||                 /* zero width, LRM/RLM */
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || /* bidi */
	       cp == 0x061c || cp == 0x2028 || cp == 0x2029 || cp == 0xfeff || cp == 0xfffd;
}

/* The length of the UTF-8 prefix of s no longer than max bytes that does
 * not cut a character. */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

char *mime_filename_safe(const char *name)
{
	struct buf valid = BUF_INIT, safe = BUF_INIT;

	mime_charset_to_utf8(NULL, name ? name : "", name ? strlen(name) : 0, &valid);
	const unsigned char *s = (const unsigned char *)valid.data;
	for (size_t i = 0; i < valid.len;) {
		uint32_t cp;
		size_t n = utf8_next(s + i, &cp);
		if (cp == '/' || cp == '\\')
			buf_addch(&safe, '_');
		else if (!is_dropped(cp))
			buf_add(&safe, s + i, n);
		i += n;
	}
	buf_free(&valid);
	buf_add(&safe, "", 0);

	/* no hidden, option-like or blank ends */
	size_t start = strspn(safe.data, ". -\t");
	size_t end = safe.len;
	while (end > start && (safe.data[end - 1] == ' ' || safe.data[end - 1] == '\t'))
		end--;
	const char *stem = safe.data + start;
	size_t len = end - start;
	if (!len) {
		buf_free(&safe);
		return xstrdup("attachment");
	}
	/* over the bound: cut the stem, keep a short extension */
	char *result;
	if (len > FILENAME_MAX_BYTES) {
		size_t dot = len;
		while (dot > 0 && stem[dot - 1] != '.' && len - dot < EXTENSION_MAX + 1)
			dot--;
		size_t ext_len = dot > 0 && stem[dot - 1] == '.' ? len - dot + 1 : 0;
		if (ext_len == len)
			ext_len = 0;
		size_t keep = utf8_cut(stem, len - ext_len, FILENAME_MAX_BYTES - ext_len);
		result = xasprintf("%.*s%.*s", (int)keep, stem, (int)ext_len, stem + len - ext_len);
	} else {
		result = xstrndup(stem, len);
	}
	buf_free(&safe);
	return result;
}

#define SHELL_NAME_MAX 64
#define SHELL_EXTENSION_MAX 10

static int is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* The extension of name (without the dot) if it is short and made of
 * name characters only; "" otherwise. Borrowed from name. */
static const char *short_extension(const char *name, size_t *len)
{
	const char *dot = name ? strrchr(name, '.') : NULL;
	*len = 0;
	if (!dot || dot == name)
		return "";
	size_t n = strlen(dot + 1);
	for (size_t i = 0; i < n; i++)
		if (!is_name_char(dot[1 + i]))
			return "";
	if (n == 0 || n > SHELL_EXTENSION_MAX)
		return "";
	*len = n;
	return dot + 1;
}

char *mime_filename_for_shell(const char *name, const char *nametemplate)
{
	size_t name_ext_len, ext_len;
	const char *name_ext = short_extension(name, &name_ext_len);
	const char *ext = short_extension(nametemplate, &ext_len);
	if (!ext_len) {
		ext = name_ext;
		ext_len = name_ext_len;
	}
	/* the stem: name without its extension, every run of other bytes one '_' */
	size_t stem_len = name ? strlen(name) - (name_ext_len ? name_ext_len + 1 : 0) : 0;
	struct buf out = BUF_INIT;
	for (size_t i = 0; i < stem_len && out.len < SHELL_NAME_MAX - SHELL_EXTENSION_MAX - 1; i++) {
		char c = name[i];
		if ((is_name_char(c) || c == '.') && (out.len || (c != '.' && c != '-')))
			buf_addch(&out, c);
		else if (out.len && out.data[out.len - 1] != '_')
			buf_addch(&out, '_');
	}
	while (out.len && (out.data[out.len - 1] == '_' || out.data[out.len - 1] == '.'))
		out.data[--out.len] = '\0';
	if (!out.len)
		buf_addstr(&out, "attachment");
	if (ext_len)
		buf_addf(&out, ".%.*s", (int)ext_len, ext);
	return buf_detach(&out);
}
