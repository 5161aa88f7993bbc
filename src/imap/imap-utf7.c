/* Modified UTF-7 folder names (RFC 3501 section 5.1.3): "&" starts a
 * base64 run of UTF-16 (with "," for "/"), "-" ends it, "&-" is "&". */
#include "imap.h"

#include <stdint.h>
#include <string.h>

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

static int b64_value(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;
	return p ? (int)(p - b64) : -1;
}

static void put_utf8(struct buf *out, uint32_t cp)
{
	if (cp < 0x80) {
		buf_addch(out, (char)cp);
	} else if (cp < 0x800) {
		buf_addch(out, (char)(0xc0 | (cp >> 6)));
		buf_addch(out, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		buf_addch(out, (char)(0xe0 | (cp >> 12)));
		buf_addch(out, (char)(0x80 | ((cp >> 6) & 0x3f)));
		buf_addch(out, (char)(0x80 | (cp & 0x3f)));
	} else {
		buf_addch(out, (char)(0xf0 | (cp >> 18)));
		buf_addch(out, (char)(0x80 | ((cp >> 12) & 0x3f)));
		buf_addch(out, (char)(0x80 | ((cp >> 6) & 0x3f)));
		buf_addch(out, (char)(0x80 | (cp & 0x3f)));
	}
}

char *imap_utf7_decode(const char *wire)
{
	struct buf out = BUF_INIT;

	for (const char *p = wire; *p;) {
		if (*p != '&') {
			buf_addch(&out, *p++);
			continue;
		}
		if (p[1] == '-') {
			buf_addch(&out, '&');
			p += 2;
			continue;
		}
		uint32_t bits = 0, high = 0;
		int nbits = 0;
		p++;
		for (; *p && *p != '-'; p++) {
			int v = b64_value(*p);
			if (v < 0)
				goto invalid;
			bits = (bits << 6) | (uint32_t)v;
			nbits += 6;
			if (nbits >= 16) {
				nbits -= 16;
				uint32_t unit = (bits >> nbits) & 0xffff;
				if (unit >= 0xd800 && unit <= 0xdbff) {
					if (high)
						goto invalid;
					high = unit;
				} else if (unit >= 0xdc00 && unit <= 0xdfff) {
					if (!high)
						goto invalid;
					put_utf8(&out, 0x10000 + ((high - 0xd800) << 10) + (unit - 0xdc00));
					high = 0;
				} else {
					if (high)
						goto invalid;
					put_utf8(&out, unit);
				}
			}
		}
		if (*p != '-' || high)
			goto invalid;
		p++;
	}
	return buf_detach(&out);
invalid:
	buf_free(&out);
	return xstrdup(wire);
}

char *imap_utf7_encode(const char *utf8)
{
	struct buf out = BUF_INIT;
	const unsigned char *p = (const unsigned char *)utf8;

	while (*p) {
		if (*p >= 0x20 && *p < 0x7f) {
			buf_addstr(&out, *p == '&' ? "&-" : (char[]){ (char)*p, 0 });
			p++;
			continue;
		}
		uint32_t bits = 0;
		int nbits = 0;
		buf_addch(&out, '&');
		while (*p && !(*p >= 0x20 && *p < 0x7f)) {
			uint32_t cp;
			int n = *p < 0x80 ? 1 : *p < 0xe0 ? 2 : *p < 0xf0 ? 3 : 4;
			cp = n == 1 ? *p : *p & (0xff >> (n + 1));
			for (int i = 1; i < n; i++) {
				if ((p[i] & 0xc0) != 0x80) {
					buf_free(&out);
					return xstrdup(utf8);
				}
				cp = (cp << 6) | (p[i] & 0x3f);
			}
			p += n;
			uint32_t units[2];
			int nunits = 0;
			if (cp >= 0x10000) {
				units[nunits++] = 0xd800 + ((cp - 0x10000) >> 10);
				units[nunits++] = 0xdc00 + ((cp - 0x10000) & 0x3ff);
			} else {
				units[nunits++] = cp;
			}
			for (int u = 0; u < nunits; u++) {
				bits = (bits << 16) | units[u];
				nbits += 16;
				while (nbits >= 6) {
					nbits -= 6;
					buf_addch(&out, b64[(bits >> nbits) & 0x3f]);
				}
			}
		}
		if (nbits)
			buf_addch(&out, b64[(bits << (6 - nbits)) & 0x3f]);
		buf_addch(&out, '-');
	}
	return buf_detach(&out);
}
