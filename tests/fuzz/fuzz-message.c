/* Fuzz target: the path a message takes when the user opens it, as the
 * pager and the attachment list take it: mime_message_parse, the parse
 * notes, mime_message_render (chosen headers, alternatives, HTML to text,
 * RFC 2047 and 2231, charsets), the terminal sanitizer, line wrapping,
 * then every part's header fields, decoded body, text in UTF-8 and safe
 * file name. The input is one raw message (RFC 5322, CRLF or LF). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "mime/mime.h"

/* The pager breaks the sanitized text into screen lines. */
static void wrap(const struct buf *text, size_t cols)
{
	const char *s = text->data ? text->data : "";
	for (size_t at = 0; at < text->len;) {
		const char *nl = memchr(s + at, '\n', text->len - at);
		size_t end = nl ? (size_t)(nl - s) : text->len;
		size_t pos = at;
		do {
			size_t take = lib_utf8_prefix(s + pos, end - pos, cols);
			if (end > pos && take == 0)
				abort(); /* wrapping would never advance */
			(void)lib_utf8_width(s + pos, take);
			pos += take;
		} while (pos < end);
		at = end + 1;
	}
}

static void render(const struct mime_message *msg, const char *const *headers, int prefer_html)
{
	struct mime_render_options options = { .headers = headers, .prefer_html = prefer_html };
	struct buf plain = BUF_INIT, shown = BUF_INIT;

	mime_message_render(msg, &options, &plain);
	lib_sanitize(&shown, plain.data ? plain.data : "", plain.len, 0);
	wrap(&shown, 80);
	wrap(&shown, 7);
	buf_free(&plain);
	buf_free(&shown);
}

static void sanitize_line(const char *text)
{
	struct buf line = BUF_INIT;
	if (text)
		lib_sanitize(&line, text, strlen(text), LIB_SANITIZE_LINE);
	buf_free(&line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const weeded[] = { "Date", "From", "To", "Cc", "Subject", NULL };
	static const char *const fields[] = { "From", "Subject", "Content-Type", "Content-Disposition",
		                              "Content-Transfer-Encoding", "X-Nothing" };
	struct mime_message *msg = mime_message_parse((const char *)data, size);

	for (size_t i = 0; i < mime_message_note_count(msg); i++)
		sanitize_line(mime_message_note(msg, i));
	render(msg, weeded, 0);
	render(msg, NULL, 1);
	for (size_t i = 0; i < mime_message_part_count(msg); i++) {
		const struct mime_part *part = mime_message_part(msg, i);
		struct buf bytes = BUF_INIT;
		sanitize_line(part->type);
		sanitize_line(part->filename);
		char *safe = mime_filename_safe(part->filename ? part->filename : "attachment");
		if (!*safe || strchr(safe, '/'))
			abort(); /* a name that could leave the download directory */
		free(safe);
		for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
			const char *why;
			char *value = mime_part_header(msg, i, fields[f], &why);
			sanitize_line(value);
			free(value);
		}
		mime_part_decode(msg, i, &bytes);
		buf_reset(&bytes);
		if (mime_part_text_utf8(msg, i, &bytes) >= 0 && bytes.data && strlen(bytes.data) != bytes.len)
			abort(); /* promised to be a C string (NUL turned to U+FFFD) */
		buf_free(&bytes);
	}
	if (mime_message_part(msg, mime_message_part_count(msg)) != NULL)
		abort();
	mime_message_free(msg);
	return 0;
}
