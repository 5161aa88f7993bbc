/* mime: building outgoing messages, read back with tern's own reader.
 * Header text and file names decode to what went in, attachments come
 * back byte for byte (1 MB of random bytes included), every line is CRLF,
 * 7-bit and within 78 columns (76 with encoded words), encoded words are
 * at most 75 characters and never split a character, long UTF-8 lines go
 * quoted-printable, the boundary avoids what the parts hold, Bcc is never
 * written, and CR/LF in any header value is refused. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../tap.h"
#include "lib/lib.h"
#include "mime/mime.h"

static const struct mime_address alice = { "Alice Example", "alice@example.org" };
static const struct mime_address bob = { NULL, "bob@example.net" };

/* Counting bytes (0, 1, 2...) so builds repeat; the first calls can be
 * made all zero to force a known boundary. */
static unsigned zero_calls;
static unsigned char counter;
static void fake_random(unsigned char *out, size_t len)
{
	for (size_t i = 0; i < len; i++)
		out[i] = zero_calls ? 0 : counter++;
	if (zero_calls)
		zero_calls--;
}

static struct mime_outgoing base(void)
{
	struct mime_outgoing msg = { 0 };
	msg.from = alice;
	msg.to = &bob;
	msg.to_count = 1;
	msg.subject = "Hello";
	msg.text = "Hi Bob,\nsee you.\n";
	msg.text_len = strlen(msg.text);
	msg.version = "1.2.3";
	msg.date = 1751367157; /* Tue, 1 Jul 2025 10:52:37 UTC */
	msg.random = fake_random;
	return msg;
}

static char *build(const struct mime_outgoing *msg, char **id, struct lib_error *err)
{
	struct buf out = BUF_INIT;
	struct lib_error local;
	if (mime_outgoing_build(msg, &out, id, err ? err : &local) < 0) {
		buf_free(&out);
		return NULL;
	}
	return buf_detach(&out);
}

/* Every line CRLF-terminated, 7-bit, no NUL, at most 78 columns; lines
 * with an encoded word at most 76; encoded words at most 75. */
static int lines_ok(const char *raw, const char *name)
{
	size_t len = strlen(raw), line = 1;
	for (size_t start = 0; start < len; line++) {
		const char *nl = memchr(raw + start, '\n', len - start);
		if (!nl || nl == raw + start || nl[-1] != '\r')
			return ok(0, "%s: line %zu ends in CRLF", name, line);
		size_t n = (size_t)(nl - raw) - 1 - start;
		char *text = xstrndup(raw + start, n);
		int bad = n > 78 || (strstr(text, "=?") && n > 76) || strchr(text, '\r');
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)text[i] >= 128 || text[i] == 0)
				bad = 1;
		for (char *w = strstr(text, "=?"); w && !bad; w = strstr(w + 2, "=?")) {
			char *end = strstr(w + 2, "?=");
			/* "=?UTF-8?Q?" holds two '?' before the text */
			if (end && strncmp(w, "=?UTF-8?", 8) == 0) {
				end = strstr(w + 10, "?=");
				if (end && end + 2 - w > 75)
					bad = 1;
			}
		}
		if (bad) {
			printf("# bad line %zu: %s\n", line, text);
			free(text);
			return ok(0, "%s: lines are CRLF, 7-bit, short", name);
		}
		free(text);
		start = (size_t)(nl - raw) + 1;
	}
	return ok(1, "%s: lines are CRLF, 7-bit, short", name);
}

static char *header_of(const char *raw, size_t part, const char *name)
{
	struct mime_message *msg = mime_message_parse(raw, strlen(raw));
	char *value = mime_part_header(msg, part, name, NULL);
	mime_message_free(msg);
	return value;
}

static void test_plain(void)
{
	struct mime_outgoing msg = base();
	char *id = NULL;
	char *raw = build(&msg, &id, NULL);

	ok(raw != NULL, "plain: builds");
	lines_ok(raw, "plain");
	ok(strncmp(raw, "Date: Tue, 1 Jul 2025 ", 22) == 0, "plain: Date first, RFC 5322 form");
	ok(strstr(raw, "\r\nFrom: Alice Example <alice@example.org>\r\n") != NULL, "plain: From with an atom name");
	ok(strstr(raw, "\r\nTo: bob@example.net\r\n") != NULL, "plain: To bare address");
	ok(strstr(raw, "\r\nMIME-Version: 1.0\r\n") != NULL, "plain: MIME-Version");
	ok(strstr(raw, "\r\nUser-Agent: tern/1.2.3\r\n") != NULL, "plain: User-Agent with the version");
	ok(strstr(raw, "charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\nHi Bob,\r\nsee you.\r\n") != NULL,
	   "plain: ASCII text as 7bit with CRLF");
	ok(id && id[0] == '<' && strstr(id, "@example.org>") && strlen(id) > 30, "plain: Message-ID at the From domain: %s",
	   id ? id : "");
	char *got = header_of(raw, 0, "Message-ID");
	is_str(got, id, "plain: Message-ID header is the one returned");
	free(got);
	struct mime_message *parsed = mime_message_parse(raw, strlen(raw));
	is_int((long)mime_message_note_count(parsed), 0, "plain: the reader has no notes");
	int64_t date = 0;
	char *date_text = mime_part_header(parsed, 0, "Date", NULL);
	date = mime_date_parse(date_text, strlen(date_text));
	is_int((long)date, 1751367157L, "plain: Date reads back as the time given");
	struct buf text = BUF_INIT;
	mime_part_text_utf8(parsed, 0, &text);
	is_str(text.data, "Hi Bob,\nsee you.\n", "plain: text reads back");
	buf_free(&text);
	free(date_text);
	mime_message_free(parsed);

	counter = 0;
	char *again = build(&msg, NULL, NULL);
	counter = 0;
	char *third = build(&msg, NULL, NULL);
	is_str(again, third, "plain: same random source, same bytes");
	free(again);
	free(third);
	free(raw);
	free(id);
}

/* Each encoded word decodes alone to valid UTF-8: none splits a character. */
static int words_whole(const char *raw)
{
	for (const char *w = strstr(raw, "=?UTF-8?"); w; w = strstr(w + 1, "=?UTF-8?")) {
		const char *end = strstr(w + 10, "?=");
		if (!end)
			return 0;
		char *word = xstrndup(w, (size_t)(end + 2 - w));
		char *decoded = mime_header_decode(word, strlen(word));
		/* an undecodable or split word comes back with U+FFFD or as it was */
		int whole = strcmp(decoded, word) != 0 && !strstr(decoded, "\xef\xbf\xbd");
		free(word);
		free(decoded);
		if (!whole)
			return 0;
	}
	return 1;
}

static void test_subject(void)
{
	static const char *const subjects[] = {
		"Réunion de l'équipe: compte rendu",
		"日本語の件名はとても長くなることがあります、折り返しが必要です。さらに続きます、まだ続きます。",
		"Mixed 😀 emoji 🎉 and ASCII words to make it long enough to need folding more than once ✓✓✓",
		"Plain ASCII but quite long, long enough that it has to be folded at a space somewhere in the middle",
		"Looks like =?an encoded?= word but is not",
		"Tab\tand  two spaces",
		"AVeryLongWordWithoutAnySpaceThatCannotBeFoldedAtWhiteSpaceBecauseThereIsNoneAtAllInIt-xxxxxxxxxxxxxxx",
	};
	for (size_t i = 0; i < LIB_ARRAY_LEN(subjects); i++) {
		struct mime_outgoing msg = base();
		msg.subject = subjects[i];
		char *raw = build(&msg, NULL, NULL);
		char name[32];
		snprintf(name, sizeof(name), "subject %zu", i);
		lines_ok(raw, name);
		char *got = header_of(raw, 0, "Subject");
		is_str(got, subjects[i], "%s decodes back", name);
		ok(words_whole(raw), "%s: every encoded word is whole UTF-8", name);
		free(got);
		free(raw);
	}
}

static void test_names(void)
{
	struct mime_address to[] = {
		{ "Lima, Ana", "ana@example.org" },
		{ "Zoë Ångström", "zoe@example.org" },
		{ "O'Brien \"Bob\"", "obrien@example.org" },
		{ NULL, "plain@example.org" },
		{ "Квітка Цісик", "kvitka@example.org" },
		{ "A rather long display name that goes on", "long@example.org" },
	};
	struct mime_outgoing msg = base();
	msg.to = to;
	msg.to_count = LIB_ARRAY_LEN(to);
	msg.from = (struct mime_address){ "Zoë Ångström", "zoe@example.org" };
	char *raw = build(&msg, NULL, NULL);
	lines_ok(raw, "names");
	char *from = header_of(raw, 0, "From");
	is_str(from, "Zoë Ångström <zoe@example.org>", "non-ASCII From name decodes");
	char *display = mime_address_display(from);
	is_str(display, "Zoë Ångström", "display name of From");
	free(display);
	free(from);
	char *got = header_of(raw, 0, "To");
	is_str(got,
	       "\"Lima, Ana\" <ana@example.org>, Zoë Ångström <zoe@example.org>, \"O'Brien \\\"Bob\\\"\" "
	       "<obrien@example.org>, plain@example.org, Квітка Цісик <kvitka@example.org>, A rather long display "
	       "name that goes on <long@example.org>",
	       "To list decodes back (quoted, encoded, plain)");
	ok(words_whole(raw), "names: encoded words are whole UTF-8");
	free(got);
	free(raw);
}

static void test_bcc(void)
{
	struct mime_address bcc[] = { { "Secret Person", "hidden@example.com" } };
	struct mime_outgoing msg = base();
	msg.bcc = bcc;
	msg.bcc_count = 1;
	char *raw = build(&msg, NULL, NULL);
	ok(raw && !strcasestr(raw, "bcc") && !strstr(raw, "hidden@example.com") && !strstr(raw, "Secret"),
	   "Bcc is not written anywhere");
	free(raw);

	msg.to_count = 0;
	raw = build(&msg, NULL, NULL);
	ok(raw && strstr(raw, "\r\nTo: undisclosed-recipients:;\r\n"), "only Bcc: To says undisclosed-recipients");
	free(raw);
}

static void refused(struct mime_outgoing *msg, const char *needle, const char *name)
{
	struct lib_error err = { 0 };
	struct buf out = BUF_INIT;
	int rc = mime_outgoing_build(msg, &out, NULL, &err);
	ok(rc == -1 && err.cls == LIB_ERR_DATA && strstr(err.text, needle) && out.len == 0, "refused: %s", name);
	if (rc != -1 || !strstr(err.text, needle))
		printf("# rc %d: %s\n", rc, err.text);
	buf_free(&out);
}

static void test_injection(void)
{
	struct mime_outgoing msg = base();
	msg.subject = "Hi\r\nBcc: victim@example.com";
	refused(&msg, "the subject contains a line break", "CRLF in the subject");
	msg = base();
	msg.subject = "Hi\nX-Evil: 1";
	refused(&msg, "line break", "LF in the subject");

	struct mime_address to[] = { { NULL, "bob@example.net\r\nBcc: x@example.com" } };
	msg = base();
	msg.to = to;
	refused(&msg, "the To address contains a line break", "CRLF in an address");
	struct mime_address named[] = { { "Bob\r\nBcc: x@example.com", "bob@example.net" } };
	msg = base();
	msg.to = named;
	refused(&msg, "line break", "CRLF in a display name");
	msg = base();
	msg.from.name = "Alice\n";
	refused(&msg, "line break", "LF in the From name");
	msg = base();
	msg.in_reply_to = "<a@b>\r\nBcc: x@example.com";
	refused(&msg, "In-Reply-To contains a line break", "CRLF in In-Reply-To");
	struct mime_field extra[] = { { "X-Note", "ok\r\nBcc: x@example.com" } };
	msg = base();
	msg.extra = extra;
	msg.extra_count = 1;
	refused(&msg, "line break", "CRLF in an extra field");
	struct mime_field reserved[] = { { "Bcc", "x@example.com" } };
	msg.extra = reserved;
	refused(&msg, "written by tern", "an extra Bcc field");
	struct mime_field badname[] = { { "X Bad", "v" } };
	msg.extra = badname;
	refused(&msg, "field name", "a field name with a space");
	struct mime_attachment att[] = { { .data = "x", .len = 1, .filename = "a\r\nContent-Type: text/html" } };
	msg = base();
	msg.attachments = att;
	msg.attachment_count = 1;
	refused(&msg, "file name contains a line break", "CRLF in a file name");
	struct mime_attachment att2[] = { { .data = "x", .len = 1, .filename = "a.txt",
		                            .content_type = "text/plain\r\nX-Evil: 1" } };
	msg.attachments = att2;
	refused(&msg, "content type contains a line break", "CRLF in a content type");
	struct mime_address noat[] = { { NULL, "bob.example.net" } };
	msg = base();
	msg.to = noat;
	refused(&msg, "local@domain", "an address without @");
	msg = base();
	msg.subject = "\xc3\x28 bad";
	refused(&msg, "not valid UTF-8", "invalid UTF-8 in the subject");
	struct mime_attachment missing[] = { { .path = "/nonexistent/tern-test-file" } };
	msg = base();
	msg.attachments = missing;
	msg.attachment_count = 1;
	refused(&msg, "cannot read the attachment /nonexistent/tern-test-file", "an unreadable attachment");
}

static void test_qp(void)
{
	struct buf text = BUF_INIT;
	/* one 600-byte line of mixed 2-, 3- and 4-byte characters, a line
	 * ending in spaces, a "From " line, a lone '=' and a tab */
	for (int i = 0; i < 40; i++)
		buf_addstr(&text, "é€😀a=");
	buf_addstr(&text, "\ntrailing spaces   \nFrom the start\n\tTabbed = sign\n.\n");
	struct mime_outgoing msg = base();
	msg.text = text.data;
	msg.text_len = text.len;
	char *raw = build(&msg, NULL, NULL);
	lines_ok(raw, "qp");
	ok(strstr(raw, "Content-Transfer-Encoding: quoted-printable") != NULL, "non-ASCII text is quoted-printable");
	ok(strstr(raw, "\r\n=46rom the start") != NULL, "\"From \" at a line start is encoded");
	ok(strstr(raw, "spaces  =20\r\n") != NULL, "trailing space encoded");
	/* a soft break never falls inside a character: the line after one
	 * never starts with a continuation byte */
	int split = 0;
	for (const char *p = strstr(raw, "=\r\n"); p; p = strstr(p + 1, "=\r\n"))
		if (p[3] == '=' && strchr("89AB", p[4]))
			split = 1;
	ok(!split, "qp: no soft break inside a UTF-8 character");
	struct mime_message *parsed = mime_message_parse(raw, strlen(raw));
	struct buf back = BUF_INIT;
	mime_part_text_utf8(parsed, 0, &back);
	is_str(back.data, text.data, "qp: text reads back exactly");
	buf_free(&back);
	mime_message_free(parsed);
	free(raw);

	/* ASCII with a line over 998 bytes also goes QP */
	buf_reset(&text);
	for (int i = 0; i < 1200; i++)
		buf_addch(&text, (char)('a' + i % 26));
	buf_addch(&text, '\n');
	msg.text = text.data;
	msg.text_len = text.len;
	raw = build(&msg, NULL, NULL);
	lines_ok(raw, "long ASCII line");
	ok(strstr(raw, "charset=us-ascii\r\nContent-Transfer-Encoding: quoted-printable") != NULL,
	   "an ASCII line over 998 bytes goes quoted-printable (still us-ascii)");
	parsed = mime_message_parse(raw, strlen(raw));
	mime_part_text_utf8(parsed, 0, &back);
	is_str(back.data, text.data, "long ASCII line reads back");
	buf_free(&back);
	mime_message_free(parsed);
	free(raw);
	buf_free(&text);
}

static size_t find_part(const struct mime_message *msg, const char *filename)
{
	for (size_t i = 0; i < mime_message_part_count(msg); i++) {
		const struct mime_part *p = mime_message_part(msg, i);
		if (p->filename && strcmp(p->filename, filename) == 0)
			return i;
	}
	return 0;
}

static void test_attachments(void)
{
	size_t big_len = 1 << 20;
	unsigned char *big = xmalloc(big_len);
	srand(7);
	for (size_t i = 0; i < big_len; i++)
		big[i] = (unsigned char)rand();
	memcpy(big, "%PDF-1.7", 8);
	/* a PNG written to a file with no extension: typed by its bytes */
	char path[] = "/tmp/tern-test-build-XXXXXX";
	int fd = mkstemp(path);
	static const unsigned char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR binary \0\xff\xfe tail";
	ok(fd >= 0 && write(fd, png, sizeof(png)) == (ssize_t)sizeof(png), "wrote a PNG file");
	close(fd);
	static const char long_name[] =
		"Relatório anual de atividades — versão final revisada pela diretoria executiva 2025 ✓.pdf";
	struct mime_attachment att[] = {
		{ .data = big, .len = big_len, .filename = long_name },
		{ .path = path },
		{ .data = "col1,col2\r\n1,2\r\n", .len = 16, .filename = "data.csv" },
		{ .data = "\x01\x02\x03", .len = 3, .filename = "blob" },
		{ .data = "naïve text\n", .len = 12, .filename = "notes", .content_type = "Text/Plain" },
		{ .data = "", .len = 0, .filename = "a \"quoted\" name.txt" },
	};
	struct mime_outgoing msg = base();
	msg.attachments = att;
	msg.attachment_count = LIB_ARRAY_LEN(att);
	msg.subject = "Files: Résumé";
	char *raw = build(&msg, NULL, NULL);
	ok(raw != NULL, "attachments: builds");
	lines_ok(raw, "attachments");
	ok(strstr(raw, "Content-Type: multipart/mixed;\r\n boundary=\"=_tern_") != NULL, "multipart/mixed with a boundary");

	struct mime_message *parsed = mime_message_parse(raw, strlen(raw));
	is_int((long)mime_message_note_count(parsed), 0, "attachments: the reader has no notes");
	is_int((long)mime_message_part_count(parsed), 8, "attachments: root, text and six attachments");
	struct buf text = BUF_INIT, bytes = BUF_INIT;
	mime_part_text_utf8(parsed, 1, &text);
	is_str(text.data, "Hi Bob,\nsee you.\n", "attachments: the text part reads back");

	size_t i = find_part(parsed, long_name);
	ok(i > 0, "long non-ASCII file name decodes (RFC 2231 sections)");
	const struct mime_part *part = mime_message_part(parsed, i);
	is_str(part ? part->type : NULL, "application/pdf", "type from the .pdf extension");
	ok(part && part->is_attachment, "it is an attachment");
	mime_part_decode(parsed, i, &bytes);
	ok(bytes.len == big_len && memcmp(bytes.data, big, big_len) == 0, "1 MB of binary comes back byte for byte");

	const char *base_name = strrchr(path, '/') + 1;
	i = find_part(parsed, base_name);
	part = mime_message_part(parsed, i);
	ok(i > 0, "file name from the path");
	is_str(part ? part->type : NULL, "image/png", "type from the PNG signature");
	buf_reset(&bytes);
	mime_part_decode(parsed, i, &bytes);
	ok(bytes.len == sizeof(png) && memcmp(bytes.data, png, sizeof(png)) == 0, "file attachment byte for byte");

	i = find_part(parsed, "data.csv");
	part = mime_message_part(parsed, i);
	is_str(part ? part->type : NULL, "text/csv", "type from .csv");
	is_str(part ? part->charset : NULL, "us-ascii", "ASCII text attachment gets charset us-ascii");
	buf_reset(&bytes);
	mime_part_decode(parsed, i, &bytes);
	is_str(bytes.data, "col1,col2\r\n1,2\r\n", "text attachment keeps its CRLF bytes");
	i = find_part(parsed, "blob");
	part = mime_message_part(parsed, i);
	is_str(part ? part->type : NULL, "application/octet-stream", "unknown binary: application/octet-stream");
	i = find_part(parsed, "notes");
	part = mime_message_part(parsed, i);
	is_str(part ? part->type : NULL, "text/plain", "given content type, lowercased");
	is_str(part ? part->charset : NULL, "utf-8", "UTF-8 text attachment gets charset utf-8");
	i = find_part(parsed, "a \"quoted\" name.txt");
	ok(i > 0, "a file name with quotes decodes");
	buf_reset(&bytes);
	mime_part_decode(parsed, i, &bytes);
	is_int((long)bytes.len, 0, "an empty attachment stays empty");
	char *subject = mime_part_header(parsed, 0, "Subject", NULL);
	is_str(subject, "Files: Résumé", "subject of a multipart message");
	free(subject);
	ok(words_whole(raw), "attachments: encoded words are whole UTF-8");
	mime_message_free(parsed);

	/* old readers look at name= only: drop every Content-Disposition
	 * field and the names must still decode */
	struct buf stripped = BUF_INIT;
	for (const char *p = raw; *p;) {
		const char *nl = strstr(p, "\r\n");
		size_t n = nl ? (size_t)(nl - p) + 2 : strlen(p);
		int skip = strncmp(p, "Content-Disposition:", 20) == 0;
		while (skip && nl && nl[2] == ' ') { /* its folded lines */
			p = nl + 2;
			nl = strstr(p, "\r\n");
			n = nl ? (size_t)(nl - p) + 2 : strlen(p);
		}
		if (!skip)
			buf_add(&stripped, p, n);
		p += n;
	}
	parsed = mime_message_parse(stripped.data, stripped.len);
	ok(find_part(parsed, long_name) > 0, "name= (RFC 2047 in quotes) decodes the long non-ASCII name");
	ok(find_part(parsed, "a \"quoted\" name.txt") > 0, "name= decodes the quoted name");
	mime_message_free(parsed);
	buf_free(&stripped);

	buf_free(&text);
	buf_free(&bytes);
	free(raw);
	free(big);
	unlink(path);
}

/* Forward as an attachment: the original travels as message/rfc822,
 * never base64 (RFC 2046 5.2.1), and reads back as an enclosed message. */
static void test_forward_attached(void)
{
	static const char original[] = "From: Carol <carol@example.com>\nTo: alice@example.org\n"
	                               "Subject: =?UTF-8?Q?caf=C3=A9?= plans\nMessage-ID: <orig@example.com>\n\n"
	                               "See you at ten.\n";
	struct mime_attachment att[] = { { .data = original, .len = sizeof(original) - 1,
		                           .filename = "forwarded message.eml", .content_type = "message/rfc822" } };
	struct mime_outgoing msg = base();
	msg.attachments = att;
	msg.attachment_count = 1;
	char *raw = build(&msg, NULL, NULL);
	ok(raw != NULL, "forward attached: builds");
	lines_ok(raw, "forward attached");
	ok(raw && strstr(raw, "Content-Type: message/rfc822") && strstr(raw, "Content-Transfer-Encoding: 7bit\r\n\r\n"
	                                                                      "From: Carol <carol@example.com>\r\n"),
	   "message/rfc822 as 7bit, the original as it is with CRLF");
	struct mime_message *parsed = mime_message_parse(raw ? raw : "", raw ? strlen(raw) : 0);
	size_t i = 0;
	for (size_t k = 0; k < mime_message_part_count(parsed); k++)
		if (strcmp(mime_message_part(parsed, k)->type, "message/rfc822") == 0)
			i = k;
	ok(i > 0, "the reader finds the message/rfc822 part");
	char *subject = i ? mime_part_header(parsed, i + 1, "Subject", NULL) : NULL;
	is_str(subject, "café plans", "the enclosed message's subject decodes");
	struct buf text = BUF_INIT;
	if (i)
		mime_part_text_utf8(parsed, i + 1, &text);
	ok(text.data && strstr(text.data, "See you at ten.\n"), "the enclosed body reads back");
	buf_free(&text);
	free(subject);
	mime_message_free(parsed);
	free(raw);

	static const char eight[] = "From: carol@example.com\nSubject: x\n\nna\xc3\xafve\n";
	att[0].data = eight;
	att[0].len = sizeof(eight) - 1;
	raw = build(&msg, NULL, NULL);
	ok(raw && strstr(raw, "Content-Transfer-Encoding: 8bit\r\n") && !strstr(raw, "base64"),
	   "8-bit original: message/rfc822 as 8bit, never base64");
	free(raw);
	static const char nul[] = "From: carol@example.com\n\nnul \0 byte\n";
	att[0].data = nul;
	att[0].len = sizeof(nul) - 1;
	refused(&msg, "NUL", "message/rfc822 with a NUL byte");
	att[0].content_type = "message/partial";
	refused(&msg, "may not use", "other message/* types");

	struct mime_address bcc[] = { { NULL, "hidden@example.com" } };
	msg = base();
	msg.bcc = bcc;
	msg.bcc_count = 1;
	msg.keep_bcc = 1;
	raw = build(&msg, NULL, NULL);
	ok(raw && strstr(raw, "\r\nBcc: hidden@example.com\r\n"), "a draft keeps Bcc (keep_bcc)");
	free(raw);
}

static void test_boundary(void)
{
	/* the first random draw is all zeros, so the first boundary would be
	 * "=_tern_" + 24 'a': the text holds that line, so it must be redrawn */
	static const char text[] = "before\n--=_tern_aaaaaaaaaaaaaaaaaaaaaaaa\nafter\n";
	struct mime_attachment att[] = { { .data = "x", .len = 1, .filename = "x.bin" } };
	struct mime_outgoing msg = base();
	msg.text = text;
	msg.text_len = strlen(text);
	msg.attachments = att;
	msg.attachment_count = 1;
	zero_calls = 1;
	char *raw = build(&msg, NULL, NULL);
	ok(raw && !strstr(raw, "boundary=\"=_tern_aaaaaaaaaaaaaaaaaaaaaaaa\""), "a boundary found in the text is not used");
	struct mime_message *parsed = mime_message_parse(raw, strlen(raw));
	is_int((long)mime_message_part_count(parsed), 3, "boundary: root, text, attachment");
	struct buf back = BUF_INIT;
	mime_part_text_utf8(parsed, 1, &back);
	is_str(back.data, text, "the text with the would-be boundary reads back whole");
	buf_free(&back);
	mime_message_free(parsed);
	free(raw);

	/* with real randomness, two builds differ */
	msg.random = NULL;
	char *a = build(&msg, NULL, NULL), *b = build(&msg, NULL, NULL);
	ok(a && b && strcmp(a, b) != 0, "getrandom: Message-ID and boundary differ between builds");
	free(a);
	free(b);
}

static void test_ids_and_extra(void)
{
	struct buf refs = BUF_INIT;
	for (int i = 0; i < 12; i++)
		buf_addf(&refs, "%s<message-%d.abcdefgh@mail.example.org>", i ? " " : "", i);
	/* a message id longer than a line is still never encoded */
	static const char long_id[] = "<CAOlongid.0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdef@mail.gmail.com>";
	buf_addf(&refs, " %s", long_id);
	static const char url[] = "<https://lists.example.org/unsubscribe?list=announce&token=0123456789abcdef0123456789"
	                          "abcdef>";
	struct mime_field extra[] = { { "X-Mood", "très bien, merci" }, { "List-Unsubscribe", url } };
	struct mime_address reply_to[] = { { "Zoë (work)", "zoe@example.org" } };
	struct mime_outgoing msg = base();
	msg.in_reply_to = long_id;
	msg.references = refs.data;
	msg.extra = extra;
	msg.extra_count = 2;
	msg.reply_to = reply_to;
	msg.reply_to_count = 1;
	char *raw = build(&msg, NULL, NULL);
	ok(raw && strstr(raw, long_id) && strstr(raw, url), "ids and URLs are written as they are, never encoded");
	char *got = header_of(raw, 0, "References");
	is_str(got, refs.data, "a long References folds and unfolds back");
	free(got);
	got = header_of(raw, 0, "In-Reply-To");
	is_str(got, msg.in_reply_to, "In-Reply-To");
	free(got);
	got = header_of(raw, 0, "Reply-To");
	is_str(got, "Zoë (work) <zoe@example.org>", "Reply-To: a non-ASCII name encoded, the address not");
	free(got);
	got = header_of(raw, 0, "X-Mood");
	is_str(got, "très bien, merci", "non-ASCII extra field encoded and decoded");
	free(got);
	got = header_of(raw, 0, "List-Unsubscribe");
	is_str(got, url, "a long ASCII extra field as it is");
	free(got);
	free(raw);
	struct mime_field reserved[] = { { "Reply-To", "x@example.org" } };
	msg.extra = reserved;
	msg.extra_count = 1;
	refused(&msg, "written by tern", "Reply-To as an extra field (use reply_to)");
	buf_free(&refs);

	struct mime_outgoing empty = base();
	empty.text = NULL;
	empty.subject = NULL;
	raw = build(&empty, NULL, NULL);
	ok(raw && !strstr(raw, "Subject:") && strstr(raw, "7bit\r\n\r\n") && raw[strlen(raw) - 1] == '\n',
	   "no subject, no text: still a message");
	free(raw);
	struct mime_attachment att[] = { { .data = "\x89PNG\r\n\x1a\n", .len = 8, .filename = "dot.png" } };
	empty.attachments = att;
	empty.attachment_count = 1;
	raw = build(&empty, NULL, NULL);
	struct mime_message *parsed = mime_message_parse(raw, strlen(raw));
	ok(mime_message_part_count(parsed) == 2 && strcmp(mime_message_part(parsed, 1)->type, "image/png") == 0 &&
	   mime_message_note_count(parsed) == 0, "attachment only, no text: no text part");
	mime_message_free(parsed);
	free(raw);
}

static void test_guess_and_split(void)
{
	is_str(mime_type_guess("a.PDF", "", 0), "application/pdf", "guess: extension, any case");
	is_str(mime_type_guess("x", "GIF89a...", 9), "image/gif", "guess: GIF signature");
	is_str(mime_type_guess("x", "PK\x03\x04rest", 8), "application/zip", "guess: zip signature");
	is_str(mime_type_guess("x", "RIFF\0\0\0\0WEBPVP8", 15), "image/webp", "guess: WebP");
	is_str(mime_type_guess("readme", "just text\n", 10), "text/plain", "guess: UTF-8 text");
	is_str(mime_type_guess("x", "\x00\x01", 2), "application/octet-stream", "guess: binary");
	is_str(mime_type_guess(NULL, "", 0), "application/octet-stream", "guess: nothing known");

	char *name, *addr;
	ok(mime_address_split("Ana Lima <ana@example.org>", &name, &addr) == 0, "split: name and address");
	is_str(name, "Ana Lima", "split: the name");
	is_str(addr, "ana@example.org", "split: the address");
	free(name);
	free(addr);
	mime_address_split("\"Lima, \\\"Ana\\\"\" <ana@example.org>", &name, &addr);
	is_str(name, "Lima, \"Ana\"", "split: quoted name, quoted pairs undone");
	free(name);
	free(addr);
	mime_address_split("  ana@example.org ", &name, &addr);
	ok(name == NULL, "split: bare address has no name");
	is_str(addr, "ana@example.org", "split: bare address trimmed");
	free(addr);
	ok(mime_address_split("<ana@example.org>", &name, &addr) == 0 && !name, "split: <addr> alone");
	free(addr);
	ok(mime_address_split("Ana Lima", &name, &addr) == -1 && !name && !addr, "split: no address");
}

/* issue 17.2: a text that is not UTF-8 goes in a charset of
 * send-charset, its bytes kept; UTF-8 text converted where the list
 * says so (mutt's send_charset). */
static void test_charsets(void)
{
	struct mime_outgoing msg = base();
	msg.text = "Gr\xfc\xdf aus M\xfcnchen\n"; /* latin-1 */
	msg.text_len = strlen(msg.text);
	char *raw = build(&msg, NULL, NULL);
	lines_ok(raw, "latin-1 text");
	ok(raw && strstr(raw, "charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
	                      "Gr=FC=DF aus M=FCnchen\r\n"),
	   "text that is not UTF-8: sent as iso-8859-1 (the default list's last), quoted-printable, bytes kept");
	free(raw);
	msg.charsets = "us-ascii:utf-8";
	refused(&msg, "not valid UTF-8, nor in any charset of send-charset (us-ascii:utf-8)",
	        "not UTF-8 and no 8-bit charset in send-charset");
	msg.charsets = "us-ascii:windows-1252:utf-8";
	raw = build(&msg, NULL, NULL);
	ok(raw && strstr(raw, "charset=windows-1252\r\n"), "the first charset that holds the bytes is declared");
	free(raw);

	msg.text = "Gr\xc3\xbc\xc3\x9f dich\n"; /* UTF-8 */
	msg.text_len = strlen(msg.text);
	msg.charsets = NULL;
	raw = build(&msg, NULL, NULL);
	ok(raw && strstr(raw, "charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nGr=C3=BC=C3=9F"),
	   "UTF-8 text goes as utf-8 by default");
	free(raw);
	msg.charsets = "us-ascii:iso-8859-1:utf-8";
	raw = build(&msg, NULL, NULL);
	ok(raw && strstr(raw, "charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nGr=FC=DF"),
	   "with iso-8859-1 before utf-8, UTF-8 text it can hold is converted, as mutt does");
	free(raw);
	msg.text = "5 \xe2\x82\xac\n"; /* the euro sign: not in latin-1 */
	msg.text_len = strlen(msg.text);
	raw = build(&msg, NULL, NULL);
	ok(raw && strstr(raw, "charset=utf-8\r\n"), "text it cannot hold goes on to the next: utf-8");
	free(raw);
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	test_plain();
	test_subject();
	test_names();
	test_bcc();
	test_injection();
	test_qp();
	test_attachments();
	test_forward_attached();
	test_boundary();
	test_ids_and_extra();
	test_guess_and_split();
	test_charsets();
	return tap_done();
}
