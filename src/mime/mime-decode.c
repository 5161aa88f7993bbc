/* Transfer decoding (RFC 2045 sections 6.7 and 6.8), lenient the way mail
 * in the wild needs: base64 skips what is not in its alphabet, quoted-
 * printable keeps a broken "=XY" as it is. Both run in one pass and can
 * count without storing, which is how the parser learns a part's decoded
 * size without holding a copy. */
#include "mime.h"

#include "../lib/lib.h"

/* Output goes through a small stack chunk so a byte at a time costs no
 * call into the buffer; with no buffer, bytes are only counted. */
struct sink {
	struct buf *out;
	size_t count;
	size_t used;
	char chunk[4096];
};

static void sink_flush(struct sink *sink)
{
	if (sink->out && sink->used)
		buf_add(sink->out, sink->chunk, sink->used);
	sink->used = 0;
}

static inline void sink_put(struct sink *sink, unsigned char byte)
{
	sink->count++;
	if (!sink->out)
		return;
	if (sink->used == sizeof(sink->chunk))
		sink_flush(sink);
	sink->chunk[sink->used++] = (char)byte;
}

static int base64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static void base64_decode(const unsigned char *in, size_t len, struct sink *sink)
{
	unsigned long bits = 0;
	int nbits = 0;

	for (size_t i = 0; i < len; i++) {
		int v = base64_value(in[i]);
		if (in[i] == '=') {
			/* padding ends a quantum: dropping the leftover bits lets
			 * concatenated base64 ("QQ==QQ==") decode as senders meant */
			bits = 0;
			nbits = 0;
			continue;
		}
		if (v < 0)
			continue;
		bits = (bits << 6) | (unsigned long)v;
		nbits += 6;
		if (nbits >= 8) {
			nbits -= 8;
			sink_put(sink, (unsigned char)(bits >> nbits));
			bits &= (1UL << nbits) - 1;
		}
	}
}

static int hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static void qp_decode(const unsigned char *in, size_t len, struct sink *sink)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = in[i];
		if (c == ' ' || c == '\t') {
			/* white space before a line end was added in transport
			 * (RFC 2045 6.8 rule 3): drop it */
			size_t j = i;
			while (j < len && (in[j] == ' ' || in[j] == '\t'))
				j++;
			if (j == len || in[j] == '\n' || (in[j] == '\r' && j + 1 < len && in[j + 1] == '\n')) {
				i = j - 1;
				continue;
			}
			for (; i < j; i++)
				sink_put(sink, in[i]);
			i--;
			continue;
		}
		if (c != '=') {
			sink_put(sink, c);
			continue;
		}
		if (i + 2 < len && hex_value(in[i + 1]) >= 0 && hex_value(in[i + 2]) >= 0) {
			sink_put(sink, (unsigned char)(hex_value(in[i + 1]) << 4 | hex_value(in[i + 2])));
			i += 2;
			continue;
		}
		/* a soft line break: "=" then optional white space then the end
		 * of the line (or of the part) */
		size_t j = i + 1;
		while (j < len && (in[j] == ' ' || in[j] == '\t'))
			j++;
		if (j == len) {
			i = j - 1;
			continue;
		}
		if (in[j] == '\n' || (in[j] == '\r' && j + 1 < len && in[j + 1] == '\n')) {
			i = in[j] == '\r' ? j + 1 : j;
			continue;
		}
		sink_put(sink, c); /* a stray '=' stays */
	}
}

size_t mime_transfer_decode(enum mime_encoding encoding, const char *in, size_t len, struct buf *out)
{
	struct sink sink = { .out = out };
	const unsigned char *bytes = (const unsigned char *)in;

	switch (encoding) {
	case MIME_ENCODING_BASE64:
		base64_decode(bytes, len, &sink);
		break;
	case MIME_ENCODING_QP:
		qp_decode(bytes, len, &sink);
		break;
	case MIME_ENCODING_IDENTITY:
		if (out)
			buf_add(out, in, len);
		return len;
	}
	sink_flush(&sink);
	return sink.count;
}
