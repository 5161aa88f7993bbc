/* mime: the MIME structure parser. Parts, RFC 2231 and RFC 2047 names,
 * transfer decoding byte for byte, and the hostile shapes that crash or
 * exhaust libetpan (boundary="\"", 10,000 levels, 10,000 parts, 1 MB
 * header lines, 150,000-deep comments), generated here: each must give
 * a note and bounded work, never a crash. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "lib/lib.h"
#include "mime/mime.h"

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

static struct mime_message *parse_str(const char *raw)
{
	return mime_message_parse(raw, strlen(raw));
}

static int has_note(const struct mime_message *msg, const char *needle)
{
	for (size_t i = 0; i < mime_message_note_count(msg); i++)
		if (strstr(mime_message_note(msg, i), needle))
			return 1;
	return 0;
}

static char *render(const struct mime_message *msg)
{
	static const char *const headers[] = { "From", "Subject", NULL };
	struct mime_render_options options = { .headers = headers };
	struct buf out = BUF_INIT;

	mime_message_render(msg, &options, &out);
	return buf_detach(&out);
}

static void test_mixed_fixture(void)
{
	size_t len;
	char *raw = fixture("mixed-attachment.eml", &len);
	struct mime_message *msg = mime_message_parse(raw, len);
	const struct mime_part *p;

	is_int((long)mime_message_part_count(msg), 5, "mixed: 5 parts (the container and 4 leaves)");
	p = mime_message_part(msg, 0);
	is_str(p->type, "multipart/mixed", "part 0 is the multipart");
	is_int((long)p->subtree_end, 5, "its subtree spans every part");
	ok(!p->is_attachment, "a container is no attachment");
	p = mime_message_part(msg, 1);
	is_str(p->type, "text/plain", "part 1 text/plain");
	is_str(p->charset, "utf-8", "charset lowercased");
	ok(p->depth == 1 && !p->is_attachment && !p->filename, "depth 1, shown inline, no name");
	p = mime_message_part(msg, 2);
	is_str(p->filename, "naïve résumé.bin", "RFC 2231 filename*=UTF-8''...");
	is_str(p->disposition, "attachment", "disposition");
	is_int((long)p->size, 3000, "decoded size of the base64 attachment");
	ok(p->is_attachment && p->encoding == MIME_ENCODING_BASE64, "an attachment, base64");

	struct buf bytes = BUF_INIT;
	ok(mime_part_decode(msg, 2, &bytes) == 0, "decode the attachment");
	int same = bytes.len == 3000;
	for (size_t i = 0; same && i < 3000; i++)
		same = (unsigned char)bytes.data[i] == ((i * 37 + 11) & 0xff);
	ok(same, "the base64 attachment decodes byte for byte");
	buf_free(&bytes);

	p = mime_message_part(msg, 3);
	is_str(p->filename, "Rapport annuel été 2024.pdf", "RFC 2231 continuations, latin-1, over name=");
	is_int((long)p->size, 1509, "pdf size");
	mime_part_decode(msg, 3, &bytes);
	ok(bytes.len == 1509 && memcmp(bytes.data, "%PDF-1.4\n", 9) == 0, "pdf decodes");
	buf_free(&bytes);
	p = mime_message_part(msg, 4);
	is_str(p->filename, "山田の写真.png", "RFC 2047 in name= (not standard, common)");
	ok(p->is_attachment && !p->disposition, "image/png without disposition is an attachment");
	ok(mime_message_part(msg, 5) == NULL, "past the end is NULL");
	ok(mime_part_decode(msg, 5, &bytes) == -1, "decoding past the end fails");
	is_int((long)mime_message_note_count(msg), 0, "an honest message has no notes");

	char *subject = mime_part_header(msg, 0, "subject", NULL);
	is_str(subject, "Files", "mime_part_header: case-insensitive name");
	free(subject);
	const char *why = "unset";
	ok(mime_part_header(msg, 0, "X-Missing", &why) == NULL && why == NULL, "a missing header is NULL, no reason");
	char *type = mime_part_header(msg, 0, "Content-Type", NULL);
	is_str(type, "multipart/mixed; boundary=\"----=_Part_0_1234.5678\"", "folded header unfolded");
	free(type);
	mime_message_free(msg);
	free(raw);
}

static void test_forward_fixture(void)
{
	size_t len;
	char *raw = fixture("forward.eml", &len);
	struct mime_message *msg = mime_message_parse(raw, len);

	is_int((long)mime_message_part_count(msg), 4, "forward: mixed, text, message/rfc822, its body");
	const struct mime_part *p = mime_message_part(msg, 2);
	is_str(p->type, "message/rfc822", "part 2 is the enclosed message");
	is_int((long)p->subtree_end, 4, "with one child");
	p = mime_message_part(msg, 3);
	ok(p->depth == 2 && strcmp(p->type, "text/plain") == 0, "its body is a part at depth 2");
	char *from = mime_part_header(msg, 3, "From", NULL);
	is_str(from, "Frédéric <fred@example.org>", "the enclosed message's header is the child's header block");
	free(from);
	struct buf text = BUF_INIT;
	is_int(mime_part_text_utf8(msg, 3, &text), 0, "text of the enclosed body");
	is_str(text.data, "Decisions: the café stays open.\n", "latin-1 QP to UTF-8, CRLF to LF");
	buf_free(&text);
	mime_message_free(msg);
	free(raw);
}

static void filename(const char *params, const char *want, const char *name)
{
	char *raw = xasprintf("Content-Type: application/octet-stream\r\n"
	                      "Content-Disposition: attachment; %s\r\n\r\nx", params);
	struct mime_message *msg = parse_str(raw);
	is_str(mime_message_part(msg, 0)->filename, want, "filename: %s", name);
	mime_message_free(msg);
	free(raw);
}

static void test_parameters(void)
{
	filename("filename*=utf-8'en'%E2%82%AC%20rates.txt", "€ rates.txt", "RFC 2231 with a language");
	filename("filename*1=\"part two.txt\"; filename*0*=UTF-8''%C3%A9t%C3%A9%20", "été part two.txt",
	         "sections out of order, mixed encoded and plain");
	filename("filename=\"plain.txt\"; filename*=UTF-8''star.txt", "star.txt", "filename* wins over filename");
	filename("filename=my file (1).pdf", "my file (1).pdf", "unquoted with spaces and parentheses");
	filename("filename=\"a \\\"quoted\\\" name.txt\"", "a \"quoted\" name.txt", "quoted pairs undone");
	filename("filename*=''100%25%G1.txt", "100%%G1.txt", "no charset; a broken escape stays");
	filename("filename*=x-unknown''caf%E9.txt", "café.txt", "unknown charset in RFC 2231: windows-1252");
	filename("filename=\"=?iso-8859-1?Q?r=E9sum=E9.doc?=\"", "résumé.doc", "RFC 2047 inside quotes");
	filename("filename=na\xc3\xafve.txt", "naïve.txt", "raw UTF-8 kept");
	filename("filename=na\xefve.txt", "naïve.txt", "raw latin-1 read as windows-1252");
	filename("size=3 (comment); filename = \"spaced.txt\" (why)", "spaced.txt", "comments and spaces around =");
	filename("garbage;;; ==; filename=last.txt", "last.txt", "junk before a parameter is skipped");

	struct mime_message *msg = parse_str("Content-Type: TEXT/Plain; CHARSET=\"ISO-8859-15\"; name=x.txt\r\n\r\nhi");
	const struct mime_part *p = mime_message_part(msg, 0);
	is_str(p->type, "text/plain", "type lowercased");
	is_str(p->charset, "iso-8859-15", "charset unquoted and lowercased");
	is_str(p->filename, "x.txt", "name= when there is no Content-Disposition");
	ok(!p->is_attachment, "text without disposition attachment is shown");
	mime_message_free(msg);

	msg = parse_str("Content-Type: text\r\n\r\nhi");
	is_str(mime_message_part(msg, 0)->type, "text/plain", "\"text\" alone is text/plain");
	mime_message_free(msg);
	msg = parse_str("Content-Type: ;;;\r\n\r\nhi");
	is_str(mime_message_part(msg, 0)->type, "text/plain", "an unreadable type is text/plain (RFC 2045 5.2)");
	mime_message_free(msg);
	msg = parse_str("Content-Type: text/plain (plain text); charset=utf-8 (Unicode)\r\n"
	                "Content-Transfer-Encoding: (why) BASE64\r\n\r\naGk=");
	p = mime_message_part(msg, 0);
	ok(strcmp(p->charset, "utf-8") == 0 && p->encoding == MIME_ENCODING_BASE64, "comments anywhere in fields");
	mime_message_free(msg);

	msg = parse_str("Content-Type: multipart/digest; boundary=d\r\n\r\n--d\r\n\r\n"
	                "Subject: in the digest\r\n\r\nbody\r\n--d--\r\n");
	is_str(mime_message_part(msg, 1)->type, "message/rfc822", "a digest part defaults to message/rfc822");
	char *subject = mime_part_header(msg, 2, "Subject", NULL);
	is_str(subject, "in the digest", "and is parsed as a message");
	free(subject);
	mime_message_free(msg);
}

static void decode(enum mime_encoding encoding, const char *in, const char *want, const char *name)
{
	struct buf out = BUF_INIT;
	size_t n = mime_transfer_decode(encoding, in, strlen(in), &out);
	ok(n == out.len && mime_transfer_decode(encoding, in, strlen(in), NULL) == n, "%s: counting agrees", name);
	is_str(out.data ? out.data : "", want, "%s", name);
	buf_free(&out);
}

static void test_transfer_decoding(void)
{
	decode(MIME_ENCODING_BASE64, "SGVsbG8s\r\nIHdvcmxk\r\n", "Hello, world", "base64 across lines");
	decode(MIME_ENCODING_BASE64, "SGV sbG8*!\tsIHdv\x01" "cmxk", "Hello, world", "base64 skips foreign bytes");
	decode(MIME_ENCODING_BASE64, "QQ==QkM=", "ABC", "base64 concatenated after padding");
	decode(MIME_ENCODING_BASE64, "QUJD\r\n--b", "ABC", "base64 running into junk: leftover bits dropped");
	decode(MIME_ENCODING_BASE64, "=", "", "base64 only padding");
	decode(MIME_ENCODING_QP, "caf=C3=A9 =\r\nsoft=\nbreaks", "café softbreaks", "QP hex and soft breaks");
	decode(MIME_ENCODING_QP, "trailing   \r\nspace\t\nkept here", "trailing\r\nspace\nkept here",
	       "QP drops white space before line ends");
	decode(MIME_ENCODING_QP, "a=ZZ b=4 c=", "a=ZZ b=4 c", "QP keeps a broken escape, drops a final =");
	decode(MIME_ENCODING_QP, "lower =e2=82=ac", "lower €", "QP lowercase hex");
	decode(MIME_ENCODING_IDENTITY, "as is=41", "as is=41", "identity");

	struct mime_message *msg = parse_str("Content-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 x");
	struct buf out = BUF_INIT;
	mime_part_decode(msg, 0, &out);
	is_str(out.data, "begin 644 x", "an unknown encoding is passed through");
	buf_free(&out);
	mime_message_free(msg);
}

static void test_structure_edges(void)
{
	struct mime_message *msg = mime_message_parse("", 0);
	is_int((long)mime_message_part_count(msg), 1, "an empty message is one empty part");
	char *text = render(msg);
	is_str(text, "\n", "an empty message renders as a blank line");
	free(text);
	mime_message_free(msg);

	msg = parse_str("From someone@example.org Mon Jun 30 10:00:00 2025\nSubject: mbox\n\nbody\n");
	char *subject = mime_part_header(msg, 0, "Subject", NULL);
	is_str(subject, "mbox", "an mbox From_ line is skipped");
	free(subject);
	mime_message_free(msg);

	msg = parse_str("Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n"
	                "this part forgot its blank line\r\n--x--\r\n");
	struct buf out = BUF_INIT;
	mime_part_text_utf8(msg, 1, &out);
	is_str(out.data, "this part forgot its blank line", "a part without headers keeps its first line");
	buf_free(&out);
	mime_message_free(msg);

	msg = parse_str("Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n"
	                "  indented first line\r\nsecond: with a colon\r\n--x--\r\n");
	mime_part_text_utf8(msg, 1, &out);
	is_str(out.data, "  indented first line\nsecond: with a colon", "a part starting with white space is all body");
	buf_free(&out);
	mime_message_free(msg);

	msg = parse_str("Content-Type: multipart/mixed; boundary=x\r\n\r\nno delimiter at all\r\n");
	ok(has_note(msg, "malformed MIME structure"), "a multipart without delimiters: a note");
	is_str(mime_message_part(msg, 0)->type, "text/plain", "and it is shown as text");
	mime_message_free(msg);

	msg = parse_str("Content-Type: multipart/mixed; boundary=x\r\n\r\n--x--\r\n");
	ok(has_note(msg, "malformed MIME structure"), "only a close delimiter: malformed too");
	mime_message_free(msg);

	msg = parse_str("Content-Type: multipart/mixed; boundary=ab\r\n\r\n--ab\r\n\r\none\r\n--abc\r\nstill one\r\n"
	                "--ab  \r\n\r\ntwo\r\n--ab--trailing\r\nepilogue\r\n");
	is_int((long)mime_message_part_count(msg), 3, "delimiters match whole lines only (\"--abc\" is text)");
	mime_part_text_utf8(msg, 1, &out);
	is_str(out.data, "one\n--abc\nstill one", "the part keeps the look-alike line");
	buf_reset(&out);
	mime_part_text_utf8(msg, 2, &out);
	is_str(out.data, "two", "white space after a delimiter is allowed; the epilogue is dropped");
	buf_free(&out);
	mime_message_free(msg);

	char boundary70[71], boundary71[72];
	memset(boundary70, 'b', 70);
	boundary70[70] = '\0';
	memset(boundary71, 'b', 71);
	boundary71[71] = '\0';
	char *raw = xasprintf("Content-Type: multipart/mixed; boundary=%s\r\n\r\n--%s\r\n\r\nin\r\n--%s--\r\n",
	                      boundary70, boundary70, boundary70);
	msg = parse_str(raw);
	is_int((long)mime_message_part_count(msg), 2, "a 70-character boundary is accepted");
	mime_message_free(msg);
	free(raw);
	raw = xasprintf("Content-Type: multipart/mixed; boundary=%s\r\n\r\n--%s\r\n\r\nin\r\n--%s--\r\n",
	                boundary71, boundary71, boundary71);
	msg = parse_str(raw);
	ok(mime_message_part_count(msg) == 1 && has_note(msg, "boundary refused"), "a 71-character boundary is refused");
	mime_message_free(msg);
	free(raw);

	const char *refused[] = { "boundary=\"\"", "boundary=\"\\\\\"", "boundary=\"a\\\"b\"", "boundary=\"\\\"",
		                  "foo=bar" };
	for (size_t i = 0; i < LIB_ARRAY_LEN(refused); i++) {
		raw = xasprintf("Content-Type: multipart/mixed; %s\r\n\r\n--\"\r\n\r\nx\r\n--\"--\r\n", refused[i]);
		msg = parse_str(raw);
		ok(mime_message_part_count(msg) == 1 && has_note(msg, "boundary refused"), "boundary refused: %s",
		   refused[i]);
		mime_message_free(msg);
		free(raw);
	}
}

static void test_boundary_quote_fixtures(void)
{
	size_t len;
	char *raw = fixture("boundary-quote.eml", &len);
	struct mime_message *msg = mime_message_parse(raw, len);
	ok(has_note(msg, "boundary refused"), "boundary=\"\\\"\" at the top level: refused with a note");
	is_int((long)mime_message_part_count(msg), 1, "and shown as one text part");
	mime_message_free(msg);
	free(raw);

	raw = fixture("boundary-quote-nested.eml", &len);
	msg = mime_message_parse(raw, len);
	ok(has_note(msg, "boundary refused"), "boundary=\"\\\"\" nested: refused with a note");
	is_int((long)mime_message_part_count(msg), 4, "the outer multipart keeps its three parts");
	is_str(mime_message_part(msg, 2)->type, "text/plain", "the refused one is text");
	mime_message_free(msg);
	free(raw);
}

/* 10,000 multiparts each inside the last: libetpan recurses once per level. */
static void test_deep_nesting(void)
{
	struct buf raw = BUF_INIT;
	const size_t levels = 10000;

	for (size_t i = 0; i < levels; i++)
		buf_addf(&raw, "Content-Type: multipart/mixed; boundary=b%zu\r\n\r\n--b%zu\r\n", i, i);
	buf_addstr(&raw, "Content-Type: text/plain\r\n\r\ndeepest text\r\n");
	for (size_t i = levels; i-- > 0;)
		buf_addf(&raw, "--b%zu--\r\n", i);
	struct mime_message *msg = mime_message_parse(raw.data, raw.len);
	is_int((long)mime_message_part_count(msg), MIME_DEPTH_MAX + 1, "10,000 levels: parsed down to MIME_DEPTH_MAX");
	const struct mime_part *last = mime_message_part(msg, MIME_DEPTH_MAX);
	ok(last->depth == MIME_DEPTH_MAX && strcmp(last->type, "text/plain") == 0, "the deepest kept level is text");
	ok(has_note(msg, "nested deeper than 32 levels"), "with a note");
	char *text = render(msg);
	ok(strstr(text, "deepest text") && strstr(text, "[-- MIME parts nested deeper"), "rendered: the note and the text");
	ok(strlen(text) < raw.len + 4096, "the rendering is no bigger than the message");
	free(text);
	mime_message_free(msg);

	buf_reset(&raw);
	for (size_t i = 0; i < levels; i++)
		buf_addstr(&raw, "Content-Type: message/rfc822\r\n\r\n");
	buf_addstr(&raw, "Subject: innermost\r\n\r\nbody\r\n");
	msg = mime_message_parse(raw.data, raw.len);
	ok(mime_message_part_count(msg) == MIME_DEPTH_MAX + 1 && has_note(msg, "nested deeper"),
	   "10,000 nested message/rfc822: bounded too");
	text = render(msg);
	ok(strstr(text, "[-- Attachment #1: message/rfc822") != NULL, "the deepest is offered as an attachment");
	free(text);
	mime_message_free(msg);
	buf_free(&raw);
}

static void test_many_parts(void)
{
	struct buf raw = BUF_INIT;

	buf_addstr(&raw, "Content-Type: multipart/mixed; boundary=p\r\n\r\n");
	for (int i = 0; i < 10000; i++)
		buf_addf(&raw, "--p\r\nContent-Type: text/plain\r\n\r\npart %d\r\n", i);
	buf_addstr(&raw, "--p--\r\n");
	struct mime_message *msg = mime_message_parse(raw.data, raw.len);
	is_int((long)mime_message_part_count(msg), MIME_PART_MAX, "10,000 parts: MIME_PART_MAX kept");
	ok(has_note(msg, "more than 1000 MIME parts"), "one note for the rest");
	is_int((long)mime_message_note_count(msg), 1, "exactly one note");
	char *text = render(msg);
	ok(strstr(text, "\npart 998\n") && !strstr(text, "part 999\n"), "the kept parts render, the rest do not");
	free(text);
	mime_message_free(msg);

	buf_reset(&raw);
	buf_addstr(&raw, "Content-Type: multipart/mixed; boundary=p\r\n\r\n");
	for (int i = 0; i < MIME_PART_MAX - 1; i++)
		buf_addf(&raw, "--p\r\n\r\npart %d\r\n", i);
	buf_addstr(&raw, "--p--\r\n");
	msg = mime_message_parse(raw.data, raw.len);
	ok(mime_message_part_count(msg) == MIME_PART_MAX && mime_message_note_count(msg) == 0,
	   "exactly MIME_PART_MAX parts: all kept, no note");
	mime_message_free(msg);

	/* the same bound holds across nesting: 100 multiparts of 100 parts */
	buf_reset(&raw);
	buf_addstr(&raw, "Content-Type: multipart/mixed; boundary=outer\r\n\r\n");
	for (int i = 0; i < 100; i++) {
		buf_addf(&raw, "--outer\r\nContent-Type: multipart/mixed; boundary=in%d\r\n\r\n", i);
		for (int j = 0; j < 100; j++)
			buf_addf(&raw, "--in%d\r\n\r\nx\r\n", i);
		buf_addf(&raw, "--in%d--\r\n", i);
	}
	buf_addstr(&raw, "--outer--\r\n");
	msg = mime_message_parse(raw.data, raw.len);
	ok(mime_message_part_count(msg) <= MIME_PART_MAX && has_note(msg, "more than 1000"),
	   "10,000 parts in 100 multiparts: bounded");
	mime_message_free(msg);
	buf_free(&raw);
}

static void test_huge_headers(void)
{
	struct buf raw = BUF_INIT;
	const size_t mb = 1 << 20;
	char *filler = xmalloc(mb + 1);

	memset(filler, 'a', mb);
	filler[mb] = '\0';
	buf_addf(&raw, "X-Junk: %s\r\nSubject: %s\r\nFrom: ok@example.org\r\nContent-Type: text/html; x=%s\r\n"
	               "\r\n<p>body after 3 MB of header</p>\r\n",
	         filler, filler, filler);
	struct mime_message *msg = mime_message_parse(raw.data, raw.len);
	const struct mime_part *p = mime_message_part(msg, 0);
	ok(has_note(msg, "Content-Type header over 64 KB ignored"), "a 1 MB Content-Type: a note");
	is_str(p->type, "text/plain", "and the default type");
	const char *why = NULL;
	ok(mime_part_header(msg, 0, "Subject", &why) == NULL && why && strstr(why, "64 KB"),
	   "a 1 MB Subject counts as absent, with a reason");
	char *from = mime_part_header(msg, 0, "From", &why);
	is_str(from, "ok@example.org", "the next field is still found");
	free(from);
	char *text = render(msg);
	ok(strstr(text, "Subject: [-- over 64 KB, not shown --]\n") != NULL, "rendered: the Subject line says why");
	ok(strstr(text, "<p>body after 3 MB of header</p>") != NULL, "rendered: the body, as text");
	ok(strlen(text) < 4096, "rendered: none of the 3 MB");
	free(text);
	mime_message_free(msg);

	/* a 1 MB line that is no field ends the header: it is body text */
	buf_reset(&raw);
	buf_addf(&raw, "Subject: fine\r\n%s\r\n", filler);
	msg = mime_message_parse(raw.data, raw.len);
	is_int((long)mime_message_part(msg, 0)->size, (long)mb + 2, "a 1 MB non-field line becomes the body");
	mime_message_free(msg);
	free(filler);
	buf_free(&raw);
}

static char *nested_comment(size_t depth)
{
	struct buf b = BUF_INIT;
	char *open = xmalloc(depth), *close = xmalloc(depth);

	memset(open, '(', depth);
	memset(close, ')', depth);
	buf_add(&b, open, depth);
	buf_addstr(&b, "x");
	buf_add(&b, close, depth);
	free(open);
	free(close);
	return buf_detach(&b);
}

/* libetpan's header parser recurses once per "(": 150,000 overflow 8 MB. */
static void test_deep_comments(void)
{
	char *deep = nested_comment(150000);
	char *raw = xasprintf("From: Mallory %s <m@example.org>\r\nSubject: still here\r\n"
	                      "Content-Type: multipart/mixed %s; boundary=b\r\n\r\n--b\r\n\r\nbody\r\n--b--\r\n",
	                      deep, deep);
	struct mime_message *msg = parse_str(raw);
	const char *why = NULL;

	ok(has_note(msg, "Content-Type header over 64 KB ignored"), "150,000-deep comment in Content-Type: ignored");
	is_str(mime_message_part(msg, 0)->type, "text/plain", "and the part shown as text");
	ok(mime_part_header(msg, 0, "From", &why) == NULL && why, "150,000-deep comment in From: not decoded");
	char *text = render(msg);
	ok(strstr(text, "From: [-- over 64 KB, not shown --]\nSubject: still here\n") != NULL,
	   "rendered: From says why, Subject is there");
	free(text);
	mime_message_free(msg);

	struct mime_envelope env;
	mime_envelope_parse(raw, strlen(raw), &env);
	is_str(env.subject, "still here", "the index's envelope parser survives it too");
	mime_envelope_clear(&env);
	free(raw);
	free(deep);

	/* deep but short: under 64 KB, over the depth bound */
	deep = nested_comment(1000);
	raw = xasprintf("From: =?utf-8?Q?M=C3=A4llory?= %s <m@example.org>\r\n"
	                "Content-Type: multipart/mixed %s; boundary=b\r\n\r\n--b\r\n\r\nbody\r\n--b--\r\n",
	                deep, deep);
	msg = parse_str(raw);
	ok(has_note(msg, "comments nested over 64 deep ignored"), "1,000-deep comment in Content-Type: ignored");
	char *from = mime_part_header(msg, 0, "From", &why);
	ok(from && strncmp(from, "=?utf-8?Q?M=C3=A4llory?= ((", 27) == 0 && why && strstr(why, "undecoded"),
	   "1,000-deep comment in From: shown undecoded, with a reason");
	free(from);
	mime_message_free(msg);
	free(raw);
	free(deep);

	deep = nested_comment(64);
	raw = xasprintf("Content-Type: text/plain %s; charset=utf-8\r\n\r\nok", deep);
	msg = parse_str(raw);
	ok(mime_message_note_count(msg) == 0 && strcmp(mime_message_part(msg, 0)->charset, "utf-8") == 0,
	   "64 levels are still read");
	mime_message_free(msg);
	free(raw);
	free(deep);
}

/* Fragments a hostile or broken message is made of, spliced at random:
 * the parser and the renderer must neither crash nor leak on any mix. */
static void test_spliced_garbage(void)
{
	static const char *const pieces[] = {
		"Content-Type: multipart/mixed; boundary=b\r\n", "Content-Type: multipart/alternative; boundary=\"b\"\r\n",
		"Content-Type: message/rfc822\r\n", "Content-Type: text/html; charset=iso-2022-jp\r\n",
		"Content-Type: multipart/mixed; boundary=\"\\\"\"\r\n", "Content-Transfer-Encoding: base64\r\n",
		"Content-Transfer-Encoding: quoted-printable\r\n", "Content-Disposition: attachment; filename*0*=utf-8''%",
		"filename*1*=%C3; filename*=''\r\n", "\r\n", "--b\r\n", "--b--\r\n", "--\"\r\n", "=?utf-8?B?", "?=",
		"((((", "))", "\"", "\\", "<script>", "&#x110000;", "&", "<!--", "<p>", "\x1b$B", "\xff\xfe", "\0",
		"=\r\n", "=4", "QUJD", " ", "\t", "Subject: ", "From: ", ";", "=", "\n", "\r",
	};
	unsigned long seed = 12345;
	int clean = 1;

	for (int round = 0; round < 3000; round++) {
		struct buf raw = BUF_INIT;
		int count = (int)(seed % 60);
		for (int i = 0; i < count; i++) {
			seed = seed * 6364136223846793005UL + 1442695040888963407UL;
			const char *piece = pieces[(seed >> 33) % LIB_ARRAY_LEN(pieces)];
			buf_add(&raw, piece, *piece ? strlen(piece) : 1);
		}
		seed = seed * 6364136223846793005UL + 1442695040888963407UL;
		struct mime_message *msg = mime_message_parse(raw.data ? raw.data : "", raw.len);
		char *text = render(msg);
		for (size_t p = 0; p < mime_message_part_count(msg); p++) {
			struct buf out = BUF_INIT;
			mime_part_text_utf8(msg, p, &out);
			buf_free(&out);
		}
		if (mime_message_part_count(msg) < 1 || strlen(text) > 16 * raw.len + 4096)
			clean = 0;
		free(text);
		mime_message_free(msg);
		buf_free(&raw);
	}
	ok(clean, "3,000 spliced hostile messages parse and render in bounds");
}

int main(void)
{
	test_mixed_fixture();
	test_forward_fixture();
	test_parameters();
	test_transfer_decoding();
	test_structure_edges();
	test_boundary_quote_fixtures();
	test_deep_nesting();
	test_many_parts();
	test_huge_headers();
	test_deep_comments();
	test_spliced_garbage();
	return tap_done();
}
