/* RFC 2047 header decoding through libetpan's encoded-phrase parser,
 * which also joins adjacent encoded words as RFC 2047 section 6.2 asks. */
#include "mime.h"

#include <libetpan/libetpan.h>
#include <stdlib.h>

#include "../lib/lib.h"

/* Raw 8-bit header text (RFC 6532, or just careless software) is UTF-8
 * when it decodes as UTF-8; otherwise the old default, latin-1. */
static int is_utf8(const unsigned char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		size_t n = (s[i] & 0xe0) == 0xc0 ? 2 : (s[i] & 0xf0) == 0xe0 ? 3 : (s[i] & 0xf8) == 0xf0 ? 4 : 0;
		if (!n || i + n > len || (n == 2 && s[i] < 0xc2))
			return 0;
		for (size_t k = 1; k < n; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
		i += n;
	}
	return 1;
}

char *mime_header_decode(const char *raw, size_t len)
{
	size_t index = 0;
	char *decoded = NULL;
	/* Most header values are plain ASCII with no encoded word: nothing to do. */
	int plain = 1;
	for (size_t i = 0; i < len && plain; i++)
		plain = (unsigned char)raw[i] < 0x80 && !(raw[i] == '=' && i + 1 < len && raw[i + 1] == '?');
	if (plain)
		return xstrndup(raw, len);
	const char *fromcode = is_utf8((const unsigned char *)raw, len) ? "utf-8" : "iso-8859-1";

	if (mailmime_encoded_phrase_parse(fromcode, raw, len, &index, "utf-8", &decoded) != MAILIMF_NO_ERROR ||
	    !decoded)
		return xstrndup(raw, len);
	char *result = xstrdup(decoded);
	free(decoded);
	return result;
}
