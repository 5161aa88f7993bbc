/* The RFC 5322 address-list parser (mime-address.c): the lists from
 * issue 17 that lost recipients, the grammar's corners (groups, quoted
 * strings, comments, obsolete forms), IDN domains, what is refused and
 * how it is named, and the round trip through mime_address_list_format. */
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "lib/lib.h"
#include "mime/mime.h"

/* Parses text and returns "name|addr;name|addr" (name "-" when none), or
 * "ERR: message" when the parse failed; static buffer. */
static const char *parsed(const char *text, unsigned flags)
{
	static char out[2048];
	struct mime_address_list list;
	struct lib_error err = { 0 };
	struct buf b = BUF_INIT;

	int rc = mime_address_list_parse(text, strlen(text), flags, &list, &err);
	if (rc < 0) {
		buf_addf(&b, "ERR: %s", err.text);
	} else {
		for (size_t i = 0; i < list.count; i++)
			buf_addf(&b, "%s%s|%s%s%s", i ? ";" : "", list.items[i].name ? list.items[i].name : "-",
			         list.items[i].addr, list.items[i].group ? "|g=" : "",
			         list.items[i].group ? list.items[i].group : "");
		buf_add(&b, "", 0);
	}
	snprintf(out, sizeof(out), "%s", b.data);
	buf_free(&b);
	mime_address_list_clear(&list);
	return out;
}

static void check(const char *text, const char *want)
{
	is_str(parsed(text, 0), want, "%s", text);
}

static void refused(const char *text, const char *why)
{
	const char *got = parsed(text, 0);
	ok(strncmp(got, "ERR: ", 5) == 0 && strstr(got, why) != NULL, "refused: %s (%s)", text, got);
}

int main(void)
{
	/* issue 17: every address of these lists arrives */
	check("\"Doe, John\" <bob@example.com>, alice@example.com", "Doe, John|bob@example.com;-|alice@example.com");
	check("<bob@example.com>, <alice@example.com>", "-|bob@example.com;-|alice@example.com");
	check("x <a@b>, y <c@d>", "x|a@b;y|c@d");
	check("a@x, b@x", "-|a@x;-|b@x");
	refused("Bob <bob@x> junk here", "text after the address: 'junk here'");
	refused("not-an-address", "'not-an-address': not an address (no @domain)");

	/* mailboxes */
	check("ana@example.org", "-|ana@example.org");
	check("Ana Lima <ana@example.org>", "Ana Lima|ana@example.org");
	check("  Ana   Lima   <ana@example.org>  ", "Ana Lima|ana@example.org");
	check("\"Lima, Ana\" <ana@x.org>", "Lima, Ana|ana@x.org");
	check("\"Ana \\\"the\\\" Lima\" <ana@x.org>", "Ana \"the\" Lima|ana@x.org");
	check("Jürgen Müller <jm@example.de>", "Jürgen Müller|jm@example.de");
	check("John Q. Public <jqp@example.com>", "John Q. Public|jqp@example.com"); /* obs-phrase */
	check("ana@example.org (Ana Lima)", "Ana Lima|ana@example.org");
	check("=?utf-8?q?Doe=2C_John?= <j@x.org>", "Doe, John|j@x.org");
	check("=?iso-8859-1?q?J=FCrgen?= <j@x.org>", "Jürgen|j@x.org");

	/* RFC 5322 A.5: comments everywhere, none of them in the address */
	check("Pete(A wonderful \\) chap) <pete(his account)@silly.test(his host)>", "Pete|pete@silly.test");
	check("A Group(Some people):Chris Jones <c@(Chris's host.)public.example>, joe@example.org, "
	      "John <jdoe@one.test> (my dear friend); (the end of the group)",
	      "Chris Jones|c@public.example|g=A Group;-|joe@example.org|g=A Group;John|jdoe@one.test|g=A Group");
	check("Undisclosed recipients:;", "");
	check("(Empty list)(start)Hidden recipients  :(nobody(that I know))  ;", "");
	check("team: a@x, b@y;, c@z", "-|a@x|g=team;-|b@y|g=team;-|c@z");

	/* quoted local parts and obsolete forms (RFC 5322 4.4, A.6) */
	check("\"john doe\"@example.com", "-|\"john doe\"@example.com");
	check("\"john\".doe@example.com", "-|john.doe@example.com");
	check("john . doe @ example . com", "-|john.doe@example.com");
	check("Joe Q. Public <john.q.public@example.com>, Mary Smith <@node.test:mary@example.net>, , jdoe@test "
	      "  . example",
	      "Joe Q. Public|john.q.public@example.com;Mary Smith|mary@example.net;-|jdoe@test.example");
	check(", , a@x,, ,b@y,", "-|a@x;-|b@y");
	check("a@[192.0.2.1]", "-|a@[192.0.2.1]");
	check("", "");

	/* IDN: kept as written, A-labels with MIME_ADDRESS_IDNA */
	check("bob@münchen.example", "-|bob@münchen.example");
	is_str(parsed("Bob <bob@münchen.example>, x@BÜCHER.example", MIME_ADDRESS_IDNA),
	       "Bob|bob@xn--mnchen-3ya.example;-|x@xn--bcher-kva.example", "IDN domains become A-labels");
	ok(strstr(parsed("a@\xcc\x81x.example", MIME_ADDRESS_IDNA), "IDNA refuses (string contains a forbidden leading "
	                                                            "combining character)") != NULL,
	   "a domain IDNA refuses is refused, with IDNA's reason");

	/* refused, each with its text and why */
	refused("Bob <bob@x", "a '<' is not closed by '>'");
	refused("\"Bob <bob@x>", "a quote '\"' is not closed");
	refused("(Bob <bob@x>", "a comment '(' is not closed");
	refused("Bob <>", "<> holds no address");
	refused("Bob <bob>", "no @domain in the address");
	refused("bob@", "nothing after @");
	refused("@example.com", "'@example.com'");
	refused("bob@x..y", "a domain cannot end in a dot");
	refused("john doe@example.com", "a space before @");
	refused("bob@x <bob@x>", "an address before '<'");
	refused("team: a@x, b@y", "a group is not ended by ';'");
	refused("a@x, Bob <bob@x> junk, c@y", "'Bob <bob@x> junk': text after the address: 'junk'");
	refused("a@x\x01", "a control character");
	{
		struct buf deep = BUF_INIT;
		for (int i = 0; i < 100; i++)
			buf_addch(&deep, '(');
		buf_addstr(&deep, "a@x");
		refused(deep.data, "comments nested too deep");
		buf_free(&deep);
	}
	/* a refusal still hands over the good ones, for headers */
	{
		struct mime_address_list list;
		struct lib_error err = { 0 };
		const char *text = "a@x, Bob <bob@x> junk, c@y";
		int rc = mime_address_list_parse(text, strlen(text), 0, &list, &err);
		ok(rc < 0 && list.count == 2 && strcmp(list.items[1].addr, "c@y") == 0,
		   "after a bad address the parse goes on at the next comma");
		mime_address_list_clear(&list);
	}

	/* lenient: what careless software writes into headers */
	is_str(parsed("Bob @ Work <bob@x.org>", MIME_ADDRESS_LENIENT), "Bob @ Work|bob@x.org", "lenient: '@' in a name");
	is_str(parsed("Foo [Bar] <foo@x.org>", MIME_ADDRESS_LENIENT), "Foo [Bar]|foo@x.org", "lenient: '[' in a name");
	is_str(parsed("bob@x.org <bob@x.org>", MIME_ADDRESS_LENIENT), "bob@x.org|bob@x.org",
	       "lenient: an address as the name");
	is_str(parsed("team: a@x", MIME_ADDRESS_LENIENT), "-|a@x|g=team", "lenient: a group without ';'");
	is_str(parsed("=?UTF-8?B?w4Fsdm8gG1szMW0=?= <evil@example.org>", MIME_ADDRESS_LENIENT),
	       "\xc3\x81lvo \x1b[31m|evil@example.org",
	       "lenient: a control byte in a name stays, for the sanitizer to show visibly");
	is_str(parsed("a@x (A\xd0nma), B\xd0" "b <b@x>", MIME_ADDRESS_LENIENT), "A\xc3\x90nma|a@x;B\xc3\x90" "b|b@x",
	       "lenient: raw latin-1 in a comment name and a phrase alike made UTF-8");
	refused("Bob (\x1b[31m) <b@x>", "a control character");
	is_str(parsed("=?utf-8?b?QRhC?= <b@x>", 0), "A B|b@x", "strict: a control an RFC 2047 word decodes to is a space");

	/* formatting reads back the same */
	{
		static const char *const lists[] = {
			"\"Doe, John\" <bob@example.com>, alice@example.com",
			"\"Ana \\\"the\\\" Lima\" <ana@x.org>, Jürgen <j@x.org>, =?utf-8?q?Doe=2C_John?= <j@x.org>",
			"\"john doe\"@example.com, \"a\\\\b\" <c@d>, x (y) <z@w>",
		};
		for (size_t i = 0; i < LIB_ARRAY_LEN(lists); i++) {
			struct mime_address_list list;
			mime_address_list_parse(lists[i], strlen(lists[i]), 0, &list, NULL);
			char *text = mime_address_list_format(&list);
			char first[2048];
			snprintf(first, sizeof(first), "%s", parsed(lists[i], 0));
			is_str(parsed(text, 0), first, "formatted, read back the same: %s", text);
			free(text);
			mime_address_list_clear(&list);
		}
		struct buf b = BUF_INIT;
		mime_mailbox_format("Doe, John", "j@x", &b);
		is_str(b.data, "\"Doe, John\" <j@x>", "a name with a comma is quoted");
		buf_reset(&b);
		mime_mailbox_format("Ana Lima", "a@x", &b);
		is_str(b.data, "Ana Lima <a@x>", "a plain name is not");
		buf_free(&b);
	}

	/* display */
	{
		static const char *const from[][2] = {
			{ "Ana Lima <ana@x>", "Ana Lima" },
			{ "\"Lima, Ana\" <ana@x>", "Lima, Ana" },
			{ "<ana@x>", "ana@x" },
			{ "ana@x", "ana@x" },
			{ "ana@x (Ana)", "Ana" },
			{ "Pete(A wonderful \\) chap) <pete(his account)@silly.test(his host)>", "Pete" },
			{ "undisclosed recipients", "undisclosed recipients" },
			{ "", "" },
		};
		for (size_t i = 0; i < LIB_ARRAY_LEN(from); i++) {
			char *shown = mime_address_display(from[i][0]);
			is_str(shown, from[i][1], "shown: %s", from[i][0]);
			free(shown);
		}
	}
	return tap_done();
}
