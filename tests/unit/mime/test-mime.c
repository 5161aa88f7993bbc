/* mime: RFC 2047 header decoding. */
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "mime/mime.h"

static void check(const char *raw, const char *want, const char *name)
{
	char *got = mime_header_decode(raw, strlen(raw));
	is_str(got, want, "%s", name);
	free(got);
}

int main(void)
{
	check("plain subject", "plain subject", "ASCII passes through");
	check("=?UTF-8?B?SMOpbMOobmU=?=", "Hélène", "base64 UTF-8 word");
	check("=?utf-8?q?M=C3=BCller?= <m@example.org>", "Müller <m@example.org>", "Q word then text");
	check("=?UTF-8?Q?a?= =?UTF-8?Q?b?=", "ab", "white space between adjacent words is dropped (RFC 2047 6.2)");
	check("=?ISO-8859-1?Q?Caf=E9?=", "Café", "latin-1 converted to UTF-8");
	check("=?UTF-8?B?5bGx55Sw?=", "山田", "CJK");
	check("Gr\xc3\xbc\xc3\x9f" "e", "Grüße", "raw UTF-8 (RFC 6532) stays UTF-8");
	check("Gr\xfc\xdf" "e", "Grüße", "raw 8-bit that is not UTF-8 is read as latin-1");
	check("Re: =?UTF-8?Q?=C3=98rjan?= here", "Re: Ørjan here", "word inside text");
	return tap_done();
}
