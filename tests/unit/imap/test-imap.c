/* imap: modified UTF-7 folder names, the literal/line guard, SEARCH keys. */
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "imap/imap-private.h"

static void utf7(const char *wire, const char *utf8, const char *name)
{
	char *decoded = imap_utf7_decode(wire);
	char *encoded = imap_utf7_encode(utf8);
	is_str(decoded, utf8, "decode: %s", name);
	is_str(encoded, wire, "encode: %s", name);
	free(decoded);
	free(encoded);
}

/* The SEARCH keys of pattern, "-" when it needs no server. */
static void search_keys(const char *pattern, const char *keys, const char *why)
{
	struct model_pattern *p = model_pattern_compile(pattern, 0, NULL, NULL);
	char *text = p ? imap_search_criteria(p) : NULL;
	is_str(text ? text : "-", keys, "search %s: %s", pattern, why);
	free(text);
	model_pattern_free(p);
}

static void test_search(void)
{
	static const char *const cases[][3] = {
		{ "~f ana", "-", "a local pattern needs no server" },
		{ "~b invoice", "BODY \"invoice\"", "~b is BODY" },
		{ "~B invoice", "TEXT \"invoice\"", "~B is TEXT" },
		{ "~f ana ~b invoice", "BODY \"invoice\"", "only the server's part" },
		{ "~b a | !~B b", "OR BODY \"a\" NOT TEXT \"b\"", "or, not" },
		{ "~b a | ~b c | ~B d", "OR BODY \"a\" OR BODY \"c\" TEXT \"d\"", "OR takes two keys" },
		{ "~f ana ~b a ~b c", "BODY \"a\" BODY \"c\"", "the ~b of one list are asked together" },
		{ "~b a ~f ana (~b c ~F)", "BODY \"a\" BODY \"c\"", "also from inside parentheses" },
		{ "~F | ~b a | ~b c", "OR BODY \"a\" BODY \"c\"", "in an or list" },
		{ "~F | (~b a ~b c)", "BODY \"a\" BODY \"c\"", "a group of its own" },
		{ "(~b a ~b c) | ~b d", "OR (BODY \"a\" BODY \"c\") BODY \"d\"", "a list inside OR gets parentheses" },
		{ "!(~b a | ~b c) ~F", "NOT OR BODY \"a\" BODY \"c\"", "not before a group" },
		{ "~b 'say \"hi\" \\o/'", "BODY \"say \\\"hi\\\" \\\\o/\"", "quotes and backslashes are escaped" },
		{ "~b façade", "CHARSET UTF-8 BODY {7}\r\nfaçade", "8-bit text is a literal, in UTF-8" },
		{ "!~b invoice", "NOT BODY \"invoice\"", "a negated ~b is the server's to negate" },
	};

	for (size_t k = 0; k < sizeof(cases) / sizeof(*cases); k++)
		search_keys(cases[k][0], cases[k][1], cases[k][2]);
}

static int feed(struct imap_guard *guard, const char *text, char *why)
{
	return imap_guard_check(guard, text, strlen(text), why, 200);
}

int main(void)
{
	char why[200];

	utf7("INBOX", "INBOX", "ASCII");
	utf7("Entw&APw-rfe", "Entwürfe", "German (RFC 3501 example style)");
	utf7("&ZeVnLIqe-", "日本語", "RFC 3501 Japanese example");
	utf7("Tom &- Jerry", "Tom & Jerry", "ampersand");
	utf7("&2D3eAA-", "\xf0\x9f\x98\x80", "astral plane (surrogate pair)");
	char *bad = imap_utf7_decode("broken&AGE");
	is_str(bad, "broken&AGE", "unterminated run is kept as it is");
	free(bad);
	bad = imap_utf7_decode("&2D3-");
	is_str(bad, "&2D3-", "lone surrogate is kept as it is");
	free(bad);

	struct imap_guard guard = { 0 };
	ok(feed(&guard, "* 1 FETCH (BODY[] {5}\r\nab", why) == 0, "a small literal passes");
	ok(feed(&guard, "c{9999999999}\r\n", why) == 0, "a literal's bytes are skipped, even ones looking like a literal");
	ok(feed(&guard, ")\r\n* OK fine\r\n", why) == 0, "lines after the literal pass");
	ok(feed(&guard, "* 2 FETCH (BODY[] {4294967296}\r\n", why) < 0 && strstr(why, "literal of 4294967296 bytes"),
	   "a 4 GB literal is refused before libetpan allocates it");
	memset(&guard, 0, sizeof(guard));
	ok(feed(&guard, "* 3 FETCH (BODY[] {99999999999999999999999}\r\n", why) < 0, "an absurd literal size is refused");
	memset(&guard, 0, sizeof(guard));
	ok(feed(&guard, "* 4 FETCH (BODY[] {67108864}\r\n", why) == 0, "exactly the cap passes");
	memset(&guard, 0, sizeof(guard));
	ok(feed(&guard, "* 5 FETCH (X {12+}\r\n", why) == 0 && guard.literal_left == 12, "literal+ form is tracked");
	memset(&guard, 0, sizeof(guard));
	/* libetpan takes "{N}" as a literal mid-line too, without the CRLF */
	ok(feed(&guard, "* 6 FETCH (FLAGS (\"a\" {4294967295}\r\xff\n", why) < 0 &&
	   strstr(why, "literal of 4294967295 bytes"), "a 4 GB literal mid-line is refused too");
	memset(&guard, 0, sizeof(guard));
	ok(feed(&guard, "* 7 FETCH (FLAGS (x {99999999999} y))\r\n", why) < 0, "and one before more of the line");
	memset(&guard, 0, sizeof(guard));
	ok(feed(&guard, "* LIST () \"/\" \"Box {99999999999} \\\" {99999999999}\"\r\n* OK {12} fine\r\n", why) == 0,
	   "inside a quoted string (escaped quotes too) it is text, and small sizes pass");
	ok(feed(&guard, "* LIST () \"/\" \"unclosed {5}\r\n* 8 FETCH ({99999999999}\r\n", why) < 0,
	   "a quoted string ends with its line");
	memset(&guard, 0, sizeof(guard));
	size_t chunk = 1 << 20;
	char *line = malloc(chunk + 1);
	memset(line, 'a', chunk);
	line[chunk] = '\0';
	int refused = 0;
	for (int i = 0; i < 20 && !refused; i++)
		refused = feed(&guard, line, why) < 0;
	ok(refused && strstr(why, "longer than 16 MB"), "an endless line is refused");
	free(line);

	/* untagged responses before one tagged reply */
	memset(&guard, 0, sizeof(guard));
	refused = 0;
	for (unsigned i = 0; i < IMAP_UNTAGGED_MAX && !refused; i++)
		refused = feed(&guard, "* 1 EXISTS\r\n", why) < 0;
	ok(!refused, "IMAP_UNTAGGED_MAX untagged responses pass");
	ok(feed(&guard, "* OK one more\r\n", why) < 0 && strstr(why, "untagged responses"), "one more is refused");
	memset(&guard, 0, sizeof(guard));
	for (unsigned i = 0; i < IMAP_UNTAGGED_MAX && !refused; i++)
		refused = feed(&guard, "* OK x\r\n", why) < 0;
	ok(feed(&guard, "A1 OK done\r\n* OK next command\r\n", why) == 0, "a tagged reply starts the count again");
	memset(&guard, 0, sizeof(guard));
	refused = 0;
	for (unsigned i = 0; i < IMAP_UNTAGGED_MAX + 10 && !refused; i++)
		refused = feed(&guard, i % 2 ? "* 7 FETCH (UID 7 BODY[] {3}\r\nabc)\r\n" : "* 9 Expunge\r\n", why) < 0;
	ok(!refused, "FETCH and EXPUNGE responses, literals inside, are not counted");
	ok(guard.untagged == 0 && guard.head_len == 0, "a literal continues its response");
	test_search();
	return tap_done();
}
