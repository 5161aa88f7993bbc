/* mime: everything about message bytes: parsing (libetpan behind guards),
 * decoding, RFC 2047/2231, rendering to text, building outgoing mail.
 * libetpan types never leave this module. */
#ifndef TERN_MIME_H
#define TERN_MIME_H

#include <stddef.h>

/* Decodes an RFC 2047 header value (encoded words, adjacent words joined)
 * into UTF-8; undeclared 8-bit bytes are read as latin-1. Never fails:
 * what cannot be decoded is copied as it is. Caller frees the result,
 * which still needs the terminal sanitizer before display. */
char *mime_header_decode(const char *raw, size_t len);

#endif
