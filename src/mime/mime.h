/* mime: everything about message bytes: parsing (libetpan behind guards),
 * decoding, RFC 2047/2231, rendering to text, building outgoing mail.
 * libetpan types never leave this module. */
#ifndef TERN_MIME_H
#define TERN_MIME_H

#include <stddef.h>
#include <stdint.h>

/* Decodes an RFC 2047 header value (encoded words, adjacent words joined)
 * into UTF-8; undeclared 8-bit bytes are read as latin-1. Never fails:
 * what cannot be decoded is copied as it is. Caller frees the result,
 * which still needs the terminal sanitizer before display. */
char *mime_header_decode(const char *raw, size_t len);

/* The header fields the index needs, from a raw header block (as fetched
 * with BODY.PEEK[HEADER.FIELDS (...)]). Strings are decoded UTF-8, not yet
 * sanitized, "" when the field is missing; ids are the raw field values.
 * Every field is bounded (MIME_FIELD_MAX); garbage never fails the parse. */
struct mime_envelope {
	char *from, *to, *cc, *subject;
	char *message_id, *in_reply_to, *references;
	int64_t date; /* UTC epoch seconds; 0 when missing or unreadable */
};
#define MIME_FIELD_MAX 16384
void mime_envelope_parse(const char *headers, size_t len, struct mime_envelope *env);
void mime_envelope_clear(struct mime_envelope *env);

/* Parses an RFC 5322 date ("Tue, 1 Jul 2025 10:52:37 +0200", day name and
 * seconds optional, obsolete zones accepted) into UTC epoch seconds;
 * 0 when it cannot be read. */
int64_t mime_date_parse(const char *text, size_t len);

/* The name part of a decoded From value: "Ana Lima <ana@x>" -> "Ana Lima",
 * "\"Lima, Ana\" <ana@x>" -> "Lima, Ana", "ana@x" -> "ana@x". Caller frees. */
char *mime_address_display(const char *from);

#endif
