/* Message-IDs as 64-bit hashes: threading compares ids millions of times
 * and the cache stores them, so a folder keeps 8 bytes per id instead of
 * the string. A collision would at worst misplace a message in a thread.
 * The parser does no I/O and tolerates what real mailers write in
 * References and In-Reply-To (RFC 5322 section 3.6.4, and worse). */
#include "model.h"

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

uint64_t model_id_hash(const char *id, size_t len)
{
	const unsigned char *p = (const unsigned char *)id, *end = p + len;
	uint64_t h = 0xcbf29ce484222325u; /* FNV-1a */
	int any = 0;

	while (p < end && (is_space(*p) || *p == '<'))
		p++;
	while (end > p && (is_space(end[-1]) || end[-1] == '>'))
		end--;
	for (; p < end; p++) {
		if (is_space(*p))
			continue;
		h ^= *p;
		h *= 0x100000001b3u;
		any = 1;
	}
	if (!any)
		return 0;
	/* FNV's low bits mix poorly; the murmur3 finalizer spreads them for
	 * the hash tables keyed by these ids. */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdu;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53u;
	h ^= h >> 33;
	return h ? h : 1;
}

/* Keeps the last max ids in a ring: found counts every id seen. */
struct id_sink {
	uint64_t *out;
	size_t max;
	size_t found;
};

static void sink_add(struct id_sink *sink, const char *id, size_t len)
{
	uint64_t h = model_id_hash(id, len);

	if (!h)
		return;
	if (sink->out && sink->max)
		sink->out[sink->found % sink->max] = h;
	sink->found++;
}

static void reverse(uint64_t *a, size_t n)
{
	for (size_t i = 0; i < n / 2; i++) {
		uint64_t t = a[i];
		a[i] = a[n - 1 - i];
		a[n - 1 - i] = t;
	}
}

/* Returns the position after a (comment) starting at p, nesting and
 * quoted-pairs honoured; the end of the value when it is not closed. */
static size_t skip_comment(const char *s, size_t len, size_t p)
{
	int depth = 0;

	for (; p < len; p++) {
		if (s[p] == '\\')
			p++;
		else if (s[p] == '(')
			depth++;
		else if (s[p] == ')' && --depth == 0)
			return p + 1;
	}
	return len;
}

static size_t skip_quoted(const char *s, size_t len, size_t p)
{
	for (p++; p < len; p++) {
		if (s[p] == '\\')
			p++;
		else if (s[p] == '"')
			return p + 1;
	}
	return len;
}

/* The fallback for values without any '<': bare tokens, outside comments. */
static void parse_bare(const char *s, size_t len, struct id_sink *sink)
{
	size_t ntokens = 0, with_at = 0, p, start;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		for (p = 0; p < len;) {
			if (s[p] == '(') {
				p = skip_comment(s, len, p);
				continue;
			}
			if (is_space((unsigned char)s[p])) {
				p++;
				continue;
			}
			int at = 0;
			for (start = p; p < len && !is_space((unsigned char)s[p]) && s[p] != '('; p++)
				at |= s[p] == '@';
			if (pass == 0) {
				ntokens++;
				with_at += at;
			} else if (ntokens == 1 || at) {
				sink_add(sink, s + start, p - start);
			}
		}
		if (pass == 0 && ntokens != 1 && with_at == 0)
			return;
	}
}

size_t model_ids_parse(const char *header, size_t len, uint64_t *out, size_t max)
{
	struct id_sink sink = { out, max, 0 };
	int bracketed = 0;
	size_t p = 0;

	while (p < len) {
		if (header[p] == '(') {
			p = skip_comment(header, len, p);
		} else if (header[p] == '"') {
			p = skip_quoted(header, len, p);
		} else if (header[p] == '<') {
			size_t start = ++p;
			/* An unclosed id (a truncated header) ends at whitespace. */
			while (p < len && header[p] != '>' && header[p] != '<')
				p++;
			size_t end = p;
			if (p == len || header[p] == '<')
				for (end = start; end < p && !is_space((unsigned char)header[end]); end++)
					;
			sink_add(&sink, header + start, end - start);
			bracketed = 1;
			if (p < len && header[p] == '>')
				p++;
		} else {
			p++;
		}
	}
	if (!bracketed)
		parse_bare(header, len, &sink);
	if (!out)
		return sink.found;
	if (max == 0)
		return 0;
	if (sink.found <= max)
		return sink.found;
	/* The ring wrapped: rotate so the oldest kept id comes first. */
	size_t start = sink.found % max;
	reverse(out, start);
	reverse(out + start, max - start);
	reverse(out, max);
	return max;
}
