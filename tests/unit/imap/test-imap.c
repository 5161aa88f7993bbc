/* imap: modified UTF-7 folder names and the literal/line guard. */
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
	return tap_done();
}
