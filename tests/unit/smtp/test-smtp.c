/* smtp: reply codes to classes and explanations, address checks (the
 * CR/LF class above all: libetpan puts addresses into commands with
 * snprintf), EHLO parsing, the reply guard, AUTH's base64. */
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "smtp/smtp-private.h"
#include "smtp/smtp.h"

static void address(const char *addr, const char *why_part, const char *name)
{
	char why[160] = "";
	int rc = smtp_address_check(addr, why, sizeof(why));
	if (why_part)
		ok(rc == -1 && strstr(why, why_part), "address refused: %s (%s)", name, why);
	else
		ok(rc == 0, "address accepted: %s %s", name, why);
}

static void explain(int code, enum smtp_stage stage, const char *addr, enum lib_error_class cls, const char *part,
                    const char *name)
{
	struct lib_error err = { 0 };
	struct smtp_reply_context ctx = { stage, addr, "ana@example.org", 10485760, "work", 0 };
	smtp_reply_explain(code, &ctx, "5.x.y words", &err);
	ok(err.cls == cls && strstr(err.text, part) && strstr(err.text, "5.x.y words"), "explain %d: %s", code, name);
	if (err.cls != cls || !strstr(err.text, part))
		printf("# class %d: %s\n", err.cls, err.text);
}

static int feed(struct smtp_guard *guard, const char *text)
{
	char why[200];
	return smtp_guard_check(guard, text, strlen(text), why, sizeof(why));
}

static void test_addresses(void)
{
	address("alice@example.org", NULL, "plain");
	address("a.b+tag@sub.example.co.uk", NULL, "dots and plus");
	address("alice@localhost", NULL, "single-label domain");
	address("postmaster@[127.0.0.1]", NULL, "address literal");
	address("bob@example.org\r\nRCPT TO:<victim@example.com>", "line break", "CRLF injection");
	address("bob@example.org\nDATA", "line break", "LF injection");
	address("bob@exam\rple.org", "line break", "lone CR");
	address("bob@exa\tmple.org", "control character", "tab");
	address("bob smith@example.org", "space", "space");
	address("<bob@example.org>", "< or >", "angle brackets");
	address("bob@example.org> SIZE=1", "< or >", "closing bracket and parameters");
	address("jos\xc3\xa9@example.org", "non-ASCII", "non-ASCII");
	address("bob", "no @", "no @");
	address("@example.org", "nothing before @", "empty local part");
	address("bob@", "no domain", "empty domain");
	address("bob@exa_mple.org", "character a domain", "underscore in domain");
	address("bob@example..org", "empty label", "empty label");
	address("a@b@example.org", "more than one @", "two @");
	address("", "empty", "empty");
	address(NULL, "empty", "NULL");
	char long_addr[300];
	memset(long_addr, 'a', sizeof(long_addr));
	strcpy(long_addr + 250, "@example.org");
	address(long_addr, "longer than 254", "too long");
}

static void test_explanations(void)
{
	explain(530, SMTP_STAGE_MAIL, "alice@example.org", LIB_ERR_AUTH,
	        "the server requires authentication: set user and password for account work", "530 at MAIL");
	explain(535, SMTP_STAGE_MAIL, NULL, LIB_ERR_AUTH, "refused the credentials of account work", "535");
	explain(534, SMTP_STAGE_MAIL, NULL, LIB_ERR_AUTH, "app password", "534 hints at an app password");
	explain(550, SMTP_STAGE_MAIL, "alice@example.org", LIB_ERR_SERVER,
	        "the server refused the sender <alice@example.org>: this login may not send as that From address; set "
	        "from (or -r) to an address account work owns",
	        "550 at MAIL");
	explain(553, SMTP_STAGE_MAIL, "alice@example.org", LIB_ERR_SERVER, "refused the sender", "553 at MAIL");
	explain(550, SMTP_STAGE_RCPT, "bob@example.net", LIB_ERR_SERVER,
	        "the server refused to relay to <bob@example.net>: sending through a server that is not your account's?",
	        "550 at RCPT");
	explain(554, SMTP_STAGE_RCPT, "bob@example.net", LIB_ERR_SERVER, "refused to relay to <bob@example.net>",
	        "554 at RCPT");
	struct lib_error unknown = { 0 };
	struct smtp_reply_context rcpt = { SMTP_STAGE_RCPT, "bob@example.net", "ana@example.org", 0, "work", 0 };
	smtp_reply_explain(550, &rcpt, "5.1.1 <bob@example.net>: user unknown", &unknown);
	ok(unknown.cls == LIB_ERR_SERVER && strstr(unknown.text, "no mailbox <bob@example.net>: check the address") &&
	       !strstr(unknown.text, "relay"),
	   "550 5.1.1 at RCPT: an unknown recipient, not a relay refusal (%s)", unknown.text);
	explain(554, SMTP_STAGE_MESSAGE, NULL, LIB_ERR_SERVER,
	        "the server refused the message after receiving all of it (its content or a policy", "554 after the dot");
	explain(500, SMTP_STAGE_MESSAGE, NULL, LIB_ERR_SERVER, "refused the message after receiving all of it",
	        "another 5xx after the dot");

	/* issue 17.4: the real cause, from the words or the session */
	struct lib_error why = { 0 };
	smtp_reply_explain(553, &rcpt, "5.7.1 <ana@example.org>: Sender address rejected: not owned by user bob", &why);
	ok(why.cls == LIB_ERR_SERVER && strstr(why.text, "refused the sender <ana@example.org>: this login may not send "
	                                                 "as that From address") && !strstr(why.text, "relay"),
	   "553 Sender address rejected at RCPT is about the From, not the recipient (%s)", why.text);
	struct smtp_reply_context no_login = rcpt;
	no_login.login_missing = 1;
	smtp_reply_explain(554, &no_login, "5.7.1 <bob@example.net>: Client host rejected: Access denied", &why);
	ok(why.cls == LIB_ERR_AUTH && strstr(why.text, "the server offers a login but account work has none, and without "
	                                              "it refused to relay to <bob@example.net>: set user and password"),
	   "554 relay refused while AUTH was offered and not used: the login is missing (%s)", why.text);
	smtp_reply_explain(550, &no_login, "5.1.1 <bob@example.net>: Recipient address rejected: User unknown", &why);
	ok(why.cls == LIB_ERR_SERVER && strstr(why.text, "no mailbox <bob@example.net>"),
	   "an unknown recipient stays an unknown recipient without a login (%s)", why.text);
	explain(552, SMTP_STAGE_MAIL, NULL, LIB_ERR_SERVER, "too large for the server, which accepts at most 10485760 bytes (10.0 MB)",
	        "552 names the SIZE limit");
	explain(552, SMTP_STAGE_MESSAGE, NULL, LIB_ERR_SERVER, "too large", "552 after the data");
	explain(552, SMTP_STAGE_RCPT, "bob@example.net", LIB_ERR_TEMPORARY, "no more recipients",
	        "552 at RCPT is 452 (RFC 5321 4.5.3.1.10)");
	explain(451, SMTP_STAGE_MESSAGE, NULL, LIB_ERR_TEMPORARY, "try again later", "451 temporary");
	explain(450, SMTP_STAGE_RCPT, "bob@example.net", LIB_ERR_TEMPORARY, "cannot take mail for <bob@example.net> now",
	        "450 at RCPT");
	explain(421, SMTP_STAGE_MAIL, NULL, LIB_ERR_TEMPORARY, "closing the connection", "421");
	explain(500, SMTP_STAGE_DATA, NULL, LIB_ERR_SERVER, "the server refused DATA", "other 5xx");
	explain(250, SMTP_STAGE_DATA, NULL, LIB_ERR_PROTOCOL, "makes no sense", "250 where 354 was due");
	struct lib_error err = { 0 };
	struct smtp_reply_context anon = { SMTP_STAGE_MAIL, NULL, NULL, 0, NULL, 0 };
	smtp_reply_explain(530, &anon, "5.7.0 Must issue a STARTTLS command first", &err);
	ok(err.cls == LIB_ERR_TLS && strstr(err.text, "requires STARTTLS"), "530 asking for STARTTLS is about TLS");
	smtp_reply_explain(530, &anon, "", &err);
	ok(strstr(err.text, "set user and password for this account") != NULL,
	   "no account name: \"this account\" (%s)", err.text);
}

static void test_ehlo(void)
{
	struct smtp_ehlo ehlo = { 0 };
	smtp_ehlo_parse(&ehlo, "mail.example.org Hello [127.0.0.1]\nSIZE 33554432\n8BITMIME\nAUTH LOGIN PLAIN XOAUTH2\n"
	                       "STARTTLS\nPIPELINING\nHELP\n");
	is_int((long)ehlo.size_limit, 33554432L, "EHLO: SIZE limit");
	ok(ehlo.starttls && ehlo.pipelining && ehlo.eightbit, "EHLO: STARTTLS, PIPELINING, 8BITMIME");
	is_int(ehlo.auth, SMTP_AUTH_PLAIN | SMTP_AUTH_LOGIN | SMTP_AUTH_XOAUTH2, "EHLO: AUTH mechanisms");
	ok(strstr(ehlo.keywords, "HELP\n") && !strstr(ehlo.keywords, "Hello"), "EHLO: keywords kept, greeting line not");
	smtp_ehlo_parse(&ehlo, "x\nAUTH=LOGIN\nSIZE\n");
	ok(ehlo.auth == SMTP_AUTH_LOGIN && ehlo.size_limit == 0 && !ehlo.starttls, "EHLO: AUTH=, SIZE without number");
	smtp_ehlo_parse(&ehlo, "x\nSTARTTLSX\nAUTHX PLAIN\n");
	ok(!ehlo.starttls && !ehlo.auth, "EHLO: keywords match whole words only");
	smtp_ehlo_parse(&ehlo, "x");
	ok(!ehlo.starttls && !ehlo.auth && ehlo.keywords && !*ehlo.keywords, "EHLO: no extensions");
	smtp_ehlo_clear(&ehlo);
}

static void test_guard(void)
{
	struct smtp_guard guard = { 0 };
	ok(feed(&guard, "250-a\r\n250-b\r\n250 c\r\n") == 0, "guard: a normal reply");
	char *line = malloc(SMTP_REPLY_LINE_MAX + 10);
	memset(line, 'x', SMTP_REPLY_LINE_MAX + 9);
	line[SMTP_REPLY_LINE_MAX + 9] = '\0';
	ok(feed(&guard, line) == -1, "guard: a reply line over the limit fails the read");
	free(line);
	memset(&guard, 0, sizeof(guard));
	int failed = 0;
	for (int i = 0; i < SMTP_REPLY_LINES_MAX + 5 && !failed; i++)
		failed = feed(&guard, "250-more\r\n") < 0;
	ok(failed, "guard: an endless multi-line reply fails the read");
	memset(&guard, 0, sizeof(guard));
	failed = 0;
	for (int i = 0; i < 3 * SMTP_REPLY_LINES_MAX && !failed; i++)
		failed = feed(&guard, i % 10 == 9 ? "250 end\r\n" : "250-more\r\n") < 0;
	ok(!failed, "guard: the line count restarts with each reply");
	memset(&guard, 0, sizeof(guard));
	ok(feed(&guard, "25") == 0 && feed(&guard, "0-a\r\n250 b\r\n") == 0, "guard: a reply split across reads");
}

static void test_base64(void)
{
	static const struct {
		const char *in;
		size_t len;
		const char *out;
	} cases[] = {
		{ "", 0, "" },
		{ "f", 1, "Zg==" },
		{ "fo", 2, "Zm8=" },
		{ "foo", 3, "Zm9v" },
		{ "foobar", 6, "Zm9vYmFy" },
		{ "\0alice\0secret", 13, "AGFsaWNlAHNlY3JldA==" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[SMTP_BASE64_SIZE(13)];
		size_t n = smtp_base64(out, (const unsigned char *)cases[i].in, cases[i].len);
		is_str(out, cases[i].out, "base64 of %zu bytes", cases[i].len);
		is_int((long)n, (long)strlen(cases[i].out), "base64 length of %zu bytes", cases[i].len);
	}
}

int main(void)
{
	is_int(smtp_reply_classify(250), SMTP_REPLY_OK, "250 ok");
	is_int(smtp_reply_classify(354), SMTP_REPLY_OK, "354 go ahead");
	is_int(smtp_reply_classify(421), SMTP_REPLY_TEMPORARY, "421 temporary");
	is_int(smtp_reply_classify(451), SMTP_REPLY_TEMPORARY, "451 temporary");
	is_int(smtp_reply_classify(530), SMTP_REPLY_AUTH_REQUIRED, "530 auth required");
	is_int(smtp_reply_classify(535), SMTP_REPLY_AUTH_FAILED, "535 credentials refused");
	is_int(smtp_reply_classify(534), SMTP_REPLY_AUTH_FAILED, "534 mechanism too weak / app password");
	is_int(smtp_reply_classify(550), SMTP_REPLY_REFUSED, "550 refused");
	is_int(smtp_reply_classify(553), SMTP_REPLY_REFUSED, "553 refused");
	is_int(smtp_reply_classify(554), SMTP_REPLY_REFUSED, "554 refused");
	is_int(smtp_reply_classify(552), SMTP_REPLY_TOO_LARGE, "552 too large");
	is_int(smtp_reply_classify(500), SMTP_REPLY_PERMANENT, "500 permanent");
	is_int(smtp_reply_classify(0), SMTP_REPLY_INVALID, "0 invalid");
	is_int(smtp_reply_classify(600), SMTP_REPLY_INVALID, "600 invalid");
	test_addresses();
	test_explanations();
	test_ehlo();
	test_guard();
	test_base64();
	return tap_done();
}
