/* HTML to readable text without a browser, for when no html-filter is set
 * (or it failed). One pass, no tree, no recursion: what would be invisible
 * in a browser (script, style, title, comments) goes, block elements break
 * lines, white space collapses outside <pre>, and character references are
 * decoded. It reads hostile input as text: an unclosed tag or comment
 * swallows the rest, never more memory than the input. */
#include "mime.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "../lib/lib.h"

struct html_writer {
	struct buf *out;
	size_t start;    /* where this text begins in out */
	int space;       /* white space seen since the last character */
	int newlines;    /* line breaks at the end of the text so far */
	int pre;         /* inside <pre>: white space is kept */
};

static void utf8_put(struct buf *out, uint32_t cp)
{
	char s[4];

	if (cp < 0x80) {
		buf_addch(out, (char)cp);
	} else if (cp < 0x800) {
		s[0] = (char)(0xc0 | cp >> 6);
		s[1] = (char)(0x80 | (cp & 0x3f));
		buf_add(out, s, 2);
	} else if (cp < 0x10000) {
		s[0] = (char)(0xe0 | cp >> 12);
		s[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		s[2] = (char)(0x80 | (cp & 0x3f));
		buf_add(out, s, 3);
	} else {
		s[0] = (char)(0xf0 | cp >> 18);
		s[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		s[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		s[3] = (char)(0x80 | (cp & 0x3f));
		buf_add(out, s, 4);
	}
}

static int at_start(const struct html_writer *w)
{
	return w->out->len == w->start;
}

/* Before visible text: the pending collapsed space, unless at a line start. */
static void text_begin(struct html_writer *w)
{
	if (w->space && !w->newlines && !at_start(w) && w->out->data[w->out->len - 1] != ' ')
		buf_addch(w->out, ' ');
	w->space = 0;
	w->newlines = 0;
}

/* Ends the line (count 1) or the paragraph (count 2); never more than one
 * blank line in a row, none at the top. */
static void line_break(struct html_writer *w, int count)
{
	w->space = 0;
	if (at_start(w))
		return;
	while (w->newlines < count) {
		buf_addch(w->out, '\n');
		w->newlines++;
	}
}

/* <br>: a line break even on an empty line, up to one blank line. */
static void hard_break(struct html_writer *w)
{
	w->space = 0;
	if (!at_start(w) && w->newlines < 2) {
		buf_addch(w->out, '\n');
		w->newlines++;
	}
}

/* HTML 4's Latin-1 entities, U+00A0 to U+00FF in order. */
static const char *const latin1_names[96] = {
	"nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect", "uml", "copy", "ordf", "laquo",
	"not", "shy", "reg", "macr", "deg", "plusmn", "sup2", "sup3", "acute", "micro", "para", "middot",
	"cedil", "sup1", "ordm", "raquo", "frac14", "frac12", "frac34", "iquest", "Agrave", "Aacute", "Acirc",
	"Atilde", "Auml", "Aring", "AElig", "Ccedil", "Egrave", "Eacute", "Ecirc", "Euml", "Igrave", "Iacute",
	"Icirc", "Iuml", "ETH", "Ntilde", "Ograve", "Oacute", "Ocirc", "Otilde", "Ouml", "times", "Oslash",
	"Ugrave", "Uacute", "Ucirc", "Uuml", "Yacute", "THORN", "szlig", "agrave", "aacute", "acirc", "atilde",
	"auml", "aring", "aelig", "ccedil", "egrave", "eacute", "ecirc", "euml", "igrave", "iacute", "icirc",
	"iuml", "eth", "ntilde", "ograve", "oacute", "ocirc", "otilde", "ouml", "divide", "oslash", "ugrave",
	"uacute", "ucirc", "uuml", "yacute", "thorn", "yuml",
};

static const struct {
	const char *name;
	uint32_t cp;
} other_entities[] = {
	{ "quot", 34 },      { "amp", 38 },       { "apos", 39 },      { "lt", 60 },         { "gt", 62 },
	{ "OElig", 338 },    { "oelig", 339 },    { "Scaron", 352 },   { "scaron", 353 },    { "Yuml", 376 },
	{ "fnof", 402 },     { "circ", 710 },     { "tilde", 732 },    { "ensp", 8194 },     { "emsp", 8195 },
	{ "thinsp", 8201 },  { "zwnj", 8204 },    { "zwj", 8205 },     { "lrm", 8206 },      { "rlm", 8207 },
	{ "ndash", 8211 },   { "mdash", 8212 },   { "lsquo", 8216 },   { "rsquo", 8217 },    { "sbquo", 8218 },
	{ "ldquo", 8220 },   { "rdquo", 8221 },   { "bdquo", 8222 },   { "dagger", 8224 },   { "Dagger", 8225 },
	{ "bull", 8226 },    { "hellip", 8230 },  { "permil", 8240 },  { "prime", 8242 },    { "lsaquo", 8249 },
	{ "rsaquo", 8250 },  { "euro", 8364 },    { "trade", 8482 },   { "larr", 8592 },     { "uarr", 8593 },
	{ "rarr", 8594 },    { "darr", 8595 },    { "harr", 8596 },    { "minus", 8722 },    { "infin", 8734 },
	{ "ne", 8800 },      { "le", 8804 },      { "ge", 8805 },      { "hearts", 9829 },
};

/* What browsers show for &#128; to &#159; (HTML 5 13.2.5.80: windows-1252). */
static const uint16_t c1_map[32] = {
	0x20ac, 0xfffd, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160,
	0x2039, 0x0152, 0xfffd, 0x017d, 0xfffd, 0xfffd, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022,
	0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0xfffd, 0x017e, 0x0178,
};

/* Decodes the character reference at html[i] == '&'; returns how many
 * bytes it took (0: not a reference, the '&' is text) and the code point. */
static size_t entity_decode(const char *html, size_t len, size_t i, uint32_t *cp)
{
	size_t j = i + 1;

	if (j < len && html[j] == '#') {
		int hex = j + 1 < len && (html[j + 1] == 'x' || html[j + 1] == 'X');
		uint32_t value = 0;
		size_t digits = 0;
		for (j += hex ? 2 : 1; j < len; j++, digits++) {
			char c = html[j];
			int d = c >= '0' && c <= '9' ? c - '0'
			      : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
			      : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
			if (d < 0)
				break;
			if (value <= 0x10ffff) /* past that it only has to stay invalid */
				value = value * (hex ? 16 : 10) + (uint32_t)d;
		}
		if (!digits)
			return 0;
		if (j < len && html[j] == ';')
			j++;
		if (value >= 0x80 && value < 0xa0)
			value = c1_map[value - 0x80];
		else if (value == 0 || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff))
			value = 0xfffd;
		*cp = value;
		return j - i;
	}
	size_t start = j;
	while (j < len && j - start < 8 && ((html[j] >= 'a' && html[j] <= 'z') || (html[j] >= 'A' && html[j] <= 'Z') ||
	                                    (html[j] >= '0' && html[j] <= '9')))
		j++;
	size_t name_len = j - start;
	if (!name_len || j >= len || html[j] != ';') /* "AT&T" stays text */
		return 0;
	for (size_t k = 0; k < LIB_ARRAY_LEN(latin1_names); k++)
		if (strlen(latin1_names[k]) == name_len && memcmp(latin1_names[k], html + start, name_len) == 0) {
			*cp = 0xa0 + (uint32_t)k;
			return j + 1 - i;
		}
	for (size_t k = 0; k < LIB_ARRAY_LEN(other_entities); k++)
		if (strlen(other_entities[k].name) == name_len &&
		    memcmp(other_entities[k].name, html + start, name_len) == 0) {
			*cp = other_entities[k].cp;
			return j + 1 - i;
		}
	return 0;
}

static int name_is(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(name, *list) == 0)
			return 1;
	return 0;
}

/* Where the element whose content is skipped ends: past "</name ...>",
 * or len. */
static size_t skip_element(const char *html, size_t len, size_t i, const char *name)
{
	size_t n = strlen(name);

	for (; i + 2 + n <= len; i++)
		if (html[i] == '<' && html[i + 1] == '/' && strncasecmp(html + i + 2, name, n) == 0) {
			const char *close = memchr(html + i, '>', len - i);
			return close ? (size_t)(close - html) + 1 : len;
		}
	return len;
}

/* Past the '>' that ends the tag opened at html[i]; quoted attribute
 * values may hold '>'. */
static size_t tag_end(const char *html, size_t len, size_t i)
{
	char quote = 0;

	for (; i < len; i++) {
		char c = html[i];
		if (quote) {
			if (c == quote)
				quote = 0;
		} else if (c == '>') {
			return i + 1;
		} else if ((c == '"' || c == '\'') && i > 0 && (html[i - 1] == '=' || html[i - 1] == ' ')) {
			quote = c;
		}
	}
	return len;
}

static void tag(struct html_writer *w, const char *name, int closing)
{
	static const char *const paragraphs[] = { "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table",
		                                  "ul", "ol", "dl", "pre", "hr", NULL };
	static const char *const blocks[] = { "div", "tr", "li", "dt", "dd", "section", "article", "header",
		                              "footer", "address", "center", "form", "nav", "aside", "main",
		                              "figure", "caption", "tbody", "thead", "tfoot", "body", "html", NULL };

	if (strcmp(name, "br") == 0) {
		hard_break(w);
	} else if (name_is(name, paragraphs)) {
		line_break(w, 2);
		if (strcmp(name, "pre") == 0)
			w->pre = !closing;
		if (strcmp(name, "hr") == 0) {
			text_begin(w);
			buf_addstr(w->out, "----");
			line_break(w, 2);
		}
	} else if (name_is(name, blocks)) {
		line_break(w, 1);
		if (strcmp(name, "li") == 0 && !closing) {
			text_begin(w);
			buf_addstr(w->out, "* ");
			w->newlines = 0;
		}
	} else if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0) {
		w->space = 1;
	}
}

void mime_html_to_text(const char *html, size_t len, struct buf *out)
{
	/* not <head>: mail often leaves it unclosed, and skipping to a
	 * "</head" that never comes would hide the whole message */
	static const char *const hidden[] = { "script", "style", "title", "template", NULL };
	struct html_writer w = { out, out->len, 0, 0, 0 };

	buf_add(out, "", 0);
	for (size_t i = 0; i < len;) {
		char c = html[i];
		if (c == '<' && i + 1 < len) {
			if (len - i >= 4 && memcmp(html + i, "<!--", 4) == 0) {
				const char *end = NULL;
				for (size_t k = i + 4; k + 3 <= len; k++)
					if (memcmp(html + k, "-->", 3) == 0) {
						end = html + k + 3;
						break;
					}
				i = end ? (size_t)(end - html) : len;
				continue;
			}
			char next = html[i + 1];
			int closing = next == '/';
			size_t n = i + 1 + (size_t)closing;
			char name[16];
			size_t name_len = 0;
			int is_tag = (next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z') || next == '!' ||
				     next == '?' || (closing && n < len && ((html[n] | 0x20) >= 'a' && (html[n] | 0x20) <= 'z'));
			if (is_tag) {
				while (n < len && ((html[n] >= 'a' && html[n] <= 'z') || (html[n] >= 'A' && html[n] <= 'Z') ||
				                   (html[n] >= '0' && html[n] <= '9'))) {
					if (name_len + 1 < sizeof(name))
						name[name_len++] = (char)(html[n] | 0x20);
					n++;
				}
				name[name_len] = '\0';
				i = tag_end(html, len, n);
				if (!closing && name_is(name, hidden)) {
					i = skip_element(html, len, i, name);
					continue;
				}
				tag(&w, name, closing);
				continue;
			}
		}
		if (c == '&') {
			uint32_t cp;
			size_t taken = entity_decode(html, len, i, &cp);
			if (taken) {
				text_begin(&w);
				if (cp == 0xa0)
					cp = ' '; /* a terminal has no use for the distinction */
				utf8_put(out, cp);
				i += taken;
				continue;
			}
		}
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
			if (w.pre && c != '\r') {
				text_begin(&w);
				buf_addch(out, c);
				if (c == '\n')
					w.newlines = 1;
			} else if (!w.pre) {
				w.space = 1;
			}
			i++;
			continue;
		}
		text_begin(&w);
		buf_addch(out, c);
		i++;
	}
	/* end with exactly one newline; trailing spaces on lines are noise */
	while (out->len > w.start && strchr(" \n", out->data[out->len - 1]))
		out->data[--out->len] = '\0';
	if (out->len > w.start)
		buf_addch(out, '\n');
}
