/* mime: header blocks to envelopes, dates, display names. */
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "mime/mime.h"

static void date(const char *text, long long want, const char *name)
{
	is_int((long)mime_date_parse(text, strlen(text)), (long)want, "date: %s", name);
}

int main(void)
{
	const char headers[] =
		"Date: Tue, 1 Jul 2025 10:52:37 +0200\r\n"
		"From: =?UTF-8?Q?Ana_M=C3=BCller?=\r\n <ana@example.org>\r\n"
		"To: bob@example.org,\r\n\tcarol@example.org\r\n"
		"Subject: =?UTF-8?B?SMOpbGxv?= world\r\n"
		"Subject: second subject ignored\r\n"
		"Message-ID: <abc@example.org>\r\n"
		"In-Reply-To: <parent@example.org>\r\n"
		"References: <root@example.org>\r\n <parent@example.org>\r\n"
		"X-Other: ignored\r\n"
		"\r\n"
		"From: in the body, ignored\r\n";
	struct mime_envelope env;

	mime_envelope_parse(headers, sizeof(headers) - 1, &env);
	is_str(env.from, "Ana Müller <ana@example.org>", "From decoded and unfolded");
	is_str(env.to, "bob@example.org,\tcarol@example.org", "To unfolded (RFC 5322: only the CRLF goes)");
	is_str(env.subject, "Héllo world", "Subject decoded; the first one wins");
	is_str(env.cc, "", "missing Cc is empty");
	is_str(env.message_id, "<abc@example.org>", "Message-ID raw");
	is_str(env.references, "<root@example.org> <parent@example.org>", "References unfolded");
	is_int((long)env.date, 1751359957L, "Date to UTC epoch");
	mime_envelope_clear(&env);

	const char folded_first[] = "Subject:\r\n hello\r\nReferences:\r\n <a@x>\r\n\r\n";
	mime_envelope_parse(folded_first, sizeof(folded_first) - 1, &env);
	ok(strcmp(env.subject, "hello") == 0 && strcmp(env.references, "<a@x>") == 0,
	   "a value that starts on a folded line has no leading space");
	mime_envelope_clear(&env);

	/* issue 17: an RFC 2047 word holding a comma stays one name */
	const char encoded[] = "From: =?utf-8?q?Doe=2C_John?= <john@example.org>\r\n"
	                       "To: =?iso-8859-1?q?J=FCrgen?= <j@x.org>, \"Lima, Ana\" <ana@x.org>\r\n\r\n";
	mime_envelope_parse(encoded, sizeof(encoded) - 1, &env);
	is_str(env.from, "\"Doe, John\" <john@example.org>", "an encoded comma is quoted, not a second address");
	is_str(env.to, "Jürgen <j@x.org>, \"Lima, Ana\" <ana@x.org>", "encoded names in a list decoded one by one");
	char *shown = mime_address_display(env.from);
	is_str(shown, "Doe, John", "and shown as one name");
	free(shown);
	mime_envelope_clear(&env);

	mime_envelope_parse("", 0, &env);
	ok(env.from && !*env.from && env.date == 0, "an empty block gives empty fields");
	mime_envelope_clear(&env);
	mime_envelope_parse("no colon here\nSubject", 21, &env);
	is_str(env.subject, "", "garbage without a colon is skipped");
	mime_envelope_clear(&env);

	/* a field far over the cap is cut, never grown without bound */
	size_t big = 1 << 20;
	char *huge = malloc(big + 16);
	memcpy(huge, "Subject: ", 9);
	memset(huge + 9, 'x', big);
	mime_envelope_parse(huge, big + 9, &env);
	ok(strlen(env.subject) <= MIME_FIELD_MAX, "a 1 MB Subject is capped at MIME_FIELD_MAX");
	mime_envelope_clear(&env);
	free(huge);

	date("Tue, 1 Jul 2025 10:52:37 +0200", 1751359957LL, "full form");
	date("1 Jul 2025 08:52:37 +0000", 1751359957LL, "no day name");
	date("Tue, 01 Jul 2025 08:52 GMT", 1751359920LL, "no seconds, GMT");
	date("Tue, 1 Jul 25 03:52:37 EST", 1751359957LL, "two-digit year, obsolete zone");
	date("Tue, 1 Jul 2025 08:52:37 +0000 (UTC)", 1751359957LL, "trailing comment");
	date("garbage", 0, "garbage is 0");
	date("32 Jul 2025 10:00:00 +0000", 0, "day 32 is 0");
	date("1 Foo 2025 10:00:00 +0000", 0, "unknown month is 0");

	char *name = mime_address_display("\"Lima, Ana\" <ana@x.org>");
	is_str(name, "Lima, Ana", "display name without quotes");
	free(name);
	name = mime_address_display("ana@x.org");
	is_str(name, "ana@x.org", "bare address");
	free(name);
	name = mime_address_display("<ana@x.org>");
	is_str(name, "ana@x.org", "address in brackets only");
	free(name);
	return tap_done();
}
