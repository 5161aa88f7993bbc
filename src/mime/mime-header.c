/* RFC 2047 header decoding through libetpan's encoded-phrase parser,
 * which also joins adjacent encoded words as RFC 2047 section 6.2 asks. */
#include "mime.h"

#include <libetpan/libetpan.h>
#include <stdlib.h>

#include "../lib/lib.h"

char *mime_header_decode(const char *raw, size_t len)
{
	size_t index = 0;
	char *decoded = NULL;

	if (mailmime_encoded_phrase_parse("iso-8859-1", raw, len, &index, "utf-8", &decoded) != MAILIMF_NO_ERROR ||
	    !decoded)
		return xstrndup(raw, len);
	char *result = xstrdup(decoded);
	free(decoded);
	return result;
}
