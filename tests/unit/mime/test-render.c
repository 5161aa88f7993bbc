/* mime: what the pager shows for each message in tests/fixtures/mime:
 * decoded headers and text, html as readable text, attachments named with
 * their size, forwarded messages inline, and hostile messages as a note
 * plus whatever could be read. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "lib/lib.h"
#include "mime/mime.h"

static const char *const shown_headers[] = { "Date", "From", "To", "Cc", "Subject", NULL };

static char *fixture(const char *name, size_t *len)
{
	const char *srcdir = getenv("TERN_SRCDIR");
	char *path = xasprintf("%s/tests/fixtures/mime/%s", srcdir ? srcdir : ".", name);
	FILE *fp = fopen(path, "rb");
	struct buf data = BUF_INIT;
	char chunk[4096];
	size_t n;

	if (!fp)
		lib_fatal("cannot open %s (set TERN_SRCDIR to the source tree)", path);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_add(&data, chunk, n);
	fclose(fp);
	free(path);
	*len = data.len;
	return buf_detach(&data);
}

/* The pager text for a fixture; caller frees. */
static char *render_options(const char *name, const struct mime_render_options *options, size_t *len)
{
	size_t raw_len;
	char *raw = fixture(name, &raw_len);
	struct mime_message *msg = mime_message_parse(raw, raw_len);
	struct buf out = BUF_INIT;

	mime_message_render(msg, options, &out);
	mime_message_free(msg);
	free(raw);
	if (len)
		*len = out.len;
	return buf_detach(&out);
}

static char *render(const char *name)
{
	struct mime_render_options options = { .headers = shown_headers };
	return render_options(name, &options, NULL);
}

static int has(const char *text, const char *needle, const char *name)
{
	int found = strstr(text, needle) != NULL;
	ok(found, "%s", name);
	if (!found)
		printf("#   no '%s' in:\n#   %s\n", needle, text);
	return found;
}

static int lacks(const char *text, const char *needle, const char *name)
{
	int absent = strstr(text, needle) == NULL;
	ok(absent, "%s", name);
	if (!absent)
		printf("#   unwanted '%s' in:\n#   %s\n", needle, text);
	return absent;
}

static void test_plain_qp(void)
{
	char *text = render("plain-qp.eml");
	is_str(text,
	       "Date: Tue, 1 Jul 2025 10:52:37 +0200\n"
	       "From: Ana Müller <ana@example.org>\n"
	       "To: bob@example.org\n"
	       "Subject: Café tonight?\n"
	       "\n"
	       "Hi Bob,\n"
	       "\n"
	       "Café tonight? This line is long enough that the sender folded it with a soft line break, which must not show.\n"
	       "Trailing space is transport padding:  \n"
	       "€ 12 = twelve euros.\n"
	       "\n"
	       "Ana\n",
	       "plain UTF-8 quoted-printable: headers decoded, soft breaks joined, CRLF to LF");
	free(text);
}

static int upper_filter(const char *html, size_t len, struct buf *text, void *arg)
{
	(void)html;
	(void)len;
	(*(int *)arg)++;
	buf_addstr(text, "FILTERED BY THE CALLER\n");
	return 0;
}

static int failing_filter(const char *html, size_t len, struct buf *text, void *arg)
{
	(void)html;
	(void)len;
	(void)arg;
	buf_addstr(text, "half-written garbage");
	return -1;
}

static void test_alternative(void)
{
	char *text = render("alternative.eml");
	has(text, "Subject: Alternatives\n\nThe plain version of the letter.\n", "alternative: text/plain chosen");
	lacks(text, "HTML", "alternative: the html alternative is not shown too");
	lacks(text, "multi-part message in MIME format", "alternative: the preamble is not shown");
	lacks(text, "Attachment", "alternative: no attachment lines");
	free(text);

	struct mime_render_options options = { .headers = NULL, .prefer_html = 1 };
	text = render_options("alternative.eml", &options, NULL);
	is_str(text, "\nThe HTML version of the letter.\n", "alternative, prefer html: html stripped; no headers asked, none shown");
	free(text);

	int calls = 0;
	options.html_filter = upper_filter;
	options.html_filter_arg = &calls;
	text = render_options("alternative.eml", &options, NULL);
	has(text, "FILTERED BY THE CALLER", "the caller's html filter is used");
	is_int(calls, 1, "the filter runs once");
	free(text);

	options.html_filter = failing_filter;
	text = render_options("alternative.eml", &options, NULL);
	has(text, "[-- html-filter failed: built-in conversion shown --]", "a failing filter gives a note");
	has(text, "The HTML version of the letter.", "and the built-in conversion");
	lacks(text, "half-written", "what the failed filter wrote is dropped");
	free(text);
}

static void test_html_only(void)
{
	char *text = render("html-only.eml");
	has(text, "Subject: HTML only\n\nCafé news\n\nFirst paragraph", "html: latin-1 converted, the heading first");
	has(text, "First paragraph with lots of white space & an ampersand.\n", "html: white space collapsed, &nbsp; &amp;");
	has(text, "Second paragraph:\nline two\nline three\n", "html: <br> breaks lines");
	has(text, "* apples\n* pears <ripe>\n", "html: list items, &lt; &gt;");
	has(text, "cell A cell B\ncell C cell D\n", "html: table rows on lines, cells spaced");
	has(text, "Quote: \"hi\" été élève €5 … AT&T\n", "html: numeric and named references; a bare & stays");
	has(text, "a link\n", "html: link text kept");
	lacks(text, "alert", "html: <script> content dropped");
	lacks(text, "color", "html: <style> content dropped");
	lacks(text, "Newsletter title", "html: <title> dropped");
	lacks(text, "comment", "html: comments dropped");
	lacks(text, "<p", "html: no tags left");
	lacks(text, "</", "html: no closing tags left");
	lacks(text, "\n\n\n", "html: never two blank lines in a row");
	free(text);
}

static void test_mixed_attachments(void)
{
	char *text = render("mixed-attachment.eml");
	has(text, "Subject: Files\n\nThree files attached.\n", "mixed: the text part first");
	has(text, "\n[-- Attachment #2: naïve résumé.bin (application/octet-stream, 3 KB) --]\n",
	    "mixed: RFC 2231 UTF-8 filename and size");
	has(text, "--]\n[-- Attachment #3: Rapport annuel été 2024.pdf (application/pdf, 1 KB) --]\n",
	    "mixed: RFC 2231 continuations in latin-1 joined; attachment lines listed together");
	has(text, "--]\n[-- Attachment #4: 山田の写真.png (image/png, 8 bytes) --]\n", "mixed: RFC 2047 name= decoded");
	lacks(text, "iVBOR", "mixed: no base64 shown");
	free(text);
}

static void test_forward(void)
{
	char *text = render("forward.eml");
	has(text, "Subject: Fwd: Minutes\n\nSee the minutes below.\n\n[-- Forwarded message --]\n",
	    "forward: the cover text, then the marker");
	has(text,
	    "[-- Forwarded message --]\n"
	    "Date: Mon, 30 Jun 2025 09:00:00 +0000\n"
	    "From: Frédéric <fred@example.org>\n"
	    "To: eve@example.org\n"
	    "Subject: Minutes of the réunion\n"
	    "\n"
	    "Decisions: the café stays open.\n"
	    "\n"
	    "[-- End of forwarded message --]\n",
	    "forward: its chosen headers decoded, its latin-1 QP body");
	lacks(text, "X-Secret", "forward: only the chosen headers");
	free(text);
}

static void test_charsets(void)
{
	char *text = render("latin1.eml");
	has(text, "Café crème, naïve façade, € 5, “quoted”.\n", "iso-8859-1 body (read as windows-1252)");
	free(text);

	text = render("iso2022jp.eml");
	has(text, "Subject: 日本語\n", "iso-2022-jp encoded-word subject");
	has(text, "\nこんにちは、世界！\n", "iso-2022-jp body");
	free(text);

	text = render("invalid-charset.eml");
	has(text, "[-- unknown charset \"x-klingon\": shown as UTF-8 where valid, else windows-1252 --]\nnaïve in UTF-8\n",
	    "unknown charset: a note, valid UTF-8 kept");
	has(text, "[-- unknown charset \"utf-8//translit\"", "an iconv option suffix is refused as a name");
	has(text, "café in latin-1\n", "and the bytes are read as windows-1252");
	has(text, "[-- unknown charset \"../../../../etc/passwd\"", "a path as a charset is refused");
	has(text, "plain ascii\n", "and the text still shows");
	free(text);

	/* found by fuzzing: a NULL charset was printed and the pager crashed */
	text = render("html-meta-unknown-charset.eml");
	has(text, "[-- unknown charset in the HTML <meta>: shown as UTF-8 where valid, else windows-1252 --]\n",
	    "an unknown <meta> charset in HTML without a charset parameter: a note, no crash");
	has(text, "caf\xc3\xa9 au lait", "and the text still shows");
	free(text);
}

static void test_hostile_fixtures(void)
{
	char *text = render("boundary-quote.eml");
	has(text, "[-- boundary refused (empty, quoted or over 70 characters): the part is shown as text --]",
	    "boundary=\"\\\"\" at the top: a note");
	has(text, "Text inside the refused multipart.", "and its text is shown");
	free(text);

	text = render("boundary-quote-nested.eml");
	has(text, "[-- boundary refused", "boundary=\"\\\"\" nested: a note");
	has(text, "The first part is fine.", "nested refusal: the part before is shown");
	has(text, "Inner text of the refused part.", "nested refusal: the refused part as text");
	has(text, "The last part is fine too.", "nested refusal: the part after is shown");
	free(text);

	text = render("missing-final-boundary.eml");
	has(text, "[-- a multipart has no closing boundary: its last part runs to the end --]",
	    "missing final boundary: a note");
	has(text, "Body before the attachment.\n\n[-- Attachment #2: data.bin (application/octet-stream, 10 bytes) --]\n",
	    "missing final boundary: the last part runs to the end");
	free(text);

	size_t len;
	struct mime_render_options options = { .headers = shown_headers };
	text = render_options("nul-bytes.eml", &options, &len);
	is_int((long)strlen(text), (long)len, "NUL bytes: the text is one C string");
	has(text, "before\xef\xbf\xbdmiddle\xef\xbf\xbd\xef\xbf\xbd" "after\nlast line\n",
	    "NUL bytes become U+FFFD and the text after them shows");
	free(text);

	text = render("overlong-encoded-words.eml");
	has(text, "Subject: éééé", "a 4 KB encoded word is decoded");
	has(text, "é end\n", "and the text after it kept");
	has(text, "From: ", "an encoded word with a 600-byte charset leaves a From line");
	has(text, "\nbody survives\n", "overlong words: the body shows");
	free(text);
}

/* Decoded text must not forge lines of ours: an encoded newline in a
 * header or a file name stays on its line. */
static void test_no_forged_lines(void)
{
	const char raw[] = "Subject: =?utf-8?Q?hi=0A=0AFrom:_boss@example.org?=\r\n"
	                   "Content-Type: application/pdf\r\n"
	                   "Content-Disposition: attachment; filename*=utf-8''a%0A[-- Attachment #9: b.pdf\r\n\r\nx";
	struct mime_message *msg = mime_message_parse(raw, sizeof(raw) - 1);
	struct mime_render_options options = { .headers = shown_headers };
	struct buf out = BUF_INIT;

	mime_message_render(msg, &options, &out);
	has(out.data, "Subject: hi  From: boss@example.org\n", "an encoded newline in a header stays on its line");
	has(out.data, "[-- Attachment #1: a [-- Attachment #9: b.pdf (application/pdf, 1 byte) --]\n",
	    "an encoded newline in a file name stays on its line");
	buf_free(&out);
	ok(mime_message_render(msg, NULL, &out) == 0 && strncmp(out.data, "\n[-- Attachment #1:", 19) == 0,
	   "no options: no headers, the body");
	buf_free(&out);
	ok(mime_message_render(NULL, NULL, &out) == -1, "no message: -1");
	mime_message_free(msg);
}

/* Issue 18.14: a bounce's and a receipt's report fields are shown as text. */
static void test_reports(void)
{
	char *text = render("bounce-dsn.eml");
	has(text, "could not be delivered.\n", "bounce: the explanation");
	has(text, "Final-Recipient: rfc822; nobody@example.net\n", "bounce: Final-Recipient shown inline");
	has(text, "Status: 5.1.1\n", "bounce: Status shown inline");
	has(text, "Diagnostic-Code: smtp; 550 5.1.1 <nobody@example.net>: Recipient address rejected\n",
	    "bounce: Diagnostic-Code shown inline");
	lacks(text, "message/delivery-status", "bounce: no attachment line for the delivery status");
	has(text, "Subject: the original\n", "bounce: the returned headers (text/rfc822-headers) shown");
	free(text);

	text = render("receipt-mdn.eml");
	has(text, "Disposition: manual-action/MDN-sent-manually; displayed\n", "receipt: Disposition shown inline");
	has(text, "Original-Message-ID: <plan@example.org>\n", "receipt: the original's id shown");
	lacks(text, "[-- Attachment", "receipt: no attachment lines");
	free(text);
}

/* Message parts of a parsed fixture: "type name" per part, one a line. */
static char *part_list(const char *name)
{
	size_t raw_len;
	char *raw = fixture(name, &raw_len);
	struct mime_message *msg = mime_message_parse(raw, raw_len);
	struct buf out = BUF_INIT;

	buf_add(&out, "", 0);
	for (size_t i = 0; i < mime_message_part_count(msg); i++) {
		const struct mime_part *part = mime_message_part(msg, i);
		buf_addf(&out, "%zu %s %s%s\n", part->depth, part->type, part->filename ? part->filename : "-",
		         part->is_attachment ? " attachment" : "");
	}
	char *received = mime_part_header(msg, 3, "Received", NULL);
	if (received)
		buf_addf(&out, "Received: %s\n", received);
	free(received);
	mime_message_free(msg);
	free(raw);
	return buf_detach(&out);
}

/* Issue 18.15 and 18.16: a forwarded message that starts with an mbox
 * "From " line, or is sent base64, is parsed as a message. */
static void test_forward_forms(void)
{
	char *text = render("forward-from-line.eml");
	has(text, "[-- Forwarded message --]\nDate: Mon, 30 Jun 2025 09:00:00 +0000\nFrom: Fred <fred@example.org>\n",
	    "From line: the enclosed message's headers");
	has(text, "The body of the forwarded message.\n", "From line: its body");
	has(text, "[-- Attachment #3: minutes.pdf (application/pdf, 9 bytes) --]\n", "From line: its attachment");
	lacks(text, "From fred@example.org Mon", "From line: the separator is not shown");
	free(text);
	char *parts = part_list("forward-from-line.eml");
	has(parts, "1 message/rfc822 -\n2 multipart/mixed -\n3 text/plain -\n3 application/pdf minutes.pdf attachment\n",
	    "From line: the enclosed parts are in the attachment list");
	has(parts, "Received: from relay.example.org by mx.example.org;", "From line: its Received line is a header");
	free(parts);

	text = render("forward-base64.eml");
	has(text, "[-- Forwarded message --]\nDate: Mon, 30 Jun 2025 09:00:00 +0000\nFrom: Fred <fred@example.org>\n"
	          "Subject: Encoded inside\n",
	    "base64: the enclosed message's headers decoded");
	has(text, "Café inside a base64 message/rfc822.\n", "base64: its body");
	has(text, "[-- Attachment #3: dot.png (image/png, 8 bytes) --]\n", "base64: its attachment");
	lacks(text, "RGF0ZTog", "base64: no base64 shown");
	free(text);
	parts = part_list("forward-base64.eml");
	has(parts, "1 message/rfc822 -\n2 multipart/mixed -\n3 text/plain -\n3 image/png dot.png attachment\n",
	    "base64: the enclosed parts are listed");
	free(parts);
}

/* Issue 18.17: text attachments shown inline under their marker. */
static void test_text_attachments(void)
{
	char *text = render("text-attachment-only.eml");
	has(text, "Subject: nightly log\n\n[-- Attachment #1: nightly.log (text/plain, 43 bytes) --]\n\n"
	          "backup started\nbackup finished: 42 files\n",
	    "a whole message that is a text attachment: the marker, then the text");
	free(text);

	text = render("text-attachment-mixed.eml");
	has(text, "Patch attached.\n\n[-- Attachment #2: fix.diff (text/x-diff, 47 bytes) --]\n\n--- a/x.c\n+++ b/x.c\n",
	    "an attached patch is shown under its marker");
	has(text, "+new\n\n[-- Attachment #3: page.html (text/html, 17 bytes) --]\n",
	    "an HTML attachment is named only");
	lacks(text, "NOT INLINE", "and its text is not shown");
	free(text);
	char *parts = part_list("text-attachment-mixed.eml");
	has(parts, "1 text/x-diff fix.diff attachment\n", "the patch stays in the attachment list");
	free(parts);
}

/* Issue 18.19: a message that starts with a UTF-8 byte-order mark. */
static void test_bom(void)
{
	char *text = render("bom.eml");
	has(text, "From: Bo <bo@example.org>\nTo: ana@example.org\nSubject: starts with a BOM\n\nText after a byte-order mark.\n",
	    "BOM: the headers are read and the body shown");
	lacks(text, "\xef\xbb\xbf", "BOM: the mark is not shown");
	free(text);
}

/* Issue 18.18: RFC 5322 comments are no part of a display name (the
 * example of RFC 5322 appendix A.5; Python's email package reads "Pete"). */
static void test_comments_in_names(void)
{
	char *text = render("comments-name.eml");
	has(text, "From: Pete <pete@silly.test>\n", "From: the name without its comments, the address without its");
	has(text, "To: A Group(Some people)     :Chris Jones", "a group is shown as written (its name would go)");
	free(text);
	char *name = mime_address_display("Pete(A wonderful \\) chap) <pete(his account)@silly.test(his host)>");
	is_str(name, "Pete", "the index's sender column: Pete");
	free(name);
}

int main(void)
{
	test_plain_qp();
	test_alternative();
	test_html_only();
	test_mixed_attachments();
	test_forward();
	test_charsets();
	test_hostile_fixtures();
	test_no_forged_lines();
	test_reports();
	test_forward_forms();
	test_text_attachments();
	test_bom();
	test_comments_in_names();
	return tap_done();
}
