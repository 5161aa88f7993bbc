/* Parsers for what a POP3 server sends, doing no I/O: LIST and UIDL
 * lines (strictly: libetpan's own LIST/UIDL parsers index an array with
 * the server's numbers unchecked, so "0 100" writes before it), response
 * codes, the multi-line body decoder, and the header hash used when a
 * server has no usable UIDL. */
#include "pop-private.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Reads a decimal number of at most max_digits digits at *p (no sign,
 * no leading zero unless it is 0). Returns 0, or -1. */
static int parse_number(const char **p, int max_digits, uint64_t *value)
{
	const char *s = *p;
	uint64_t v = 0;
	int digits = 0;

	while (*s >= '0' && *s <= '9') {
		if (++digits > max_digits)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
		s++;
	}
	if (digits == 0 || (digits > 1 && **p == '0'))
		return -1;
	*p = s;
	*value = v;
	return 0;
}

static int skip_spaces(const char **p)
{
	const char *s = *p;
	while (*s == ' ' || *s == '\t')
		s++;
	int moved = s != *p;
	*p = s;
	return moved;
}

int pop_list_line_parse(const char *line, unsigned previous, unsigned *number, uint64_t *size, char *why,
                        size_t why_size)
{
	const char *p = line;
	uint64_t n, octets;

	if (parse_number(&p, 10, &n) < 0 || n == 0 || n > POP_LIST_MAX) {
		snprintf(why, why_size, "no message number");
		return -1;
	}
	if (!skip_spaces(&p) || parse_number(&p, 15, &octets) < 0) {
		snprintf(why, why_size, "no size after message %llu", (unsigned long long)n);
		return -1;
	}
	if (*p && *p != ' ' && *p != '\t') {
		snprintf(why, why_size, "junk after the size of message %llu", (unsigned long long)n);
		return -1;
	}
	if (n <= previous) {
		snprintf(why, why_size, "message %llu listed after message %u", (unsigned long long)n, previous);
		return -1;
	}
	*number = (unsigned)n;
	*size = octets;
	return 0;
}

int pop_uidl_line_parse(const char *line, unsigned *number, const char **uidl, char *why, size_t why_size)
{
	const char *p = line;
	uint64_t n;

	if (parse_number(&p, 10, &n) < 0 || n == 0 || n > POP_LIST_MAX) {
		snprintf(why, why_size, "no message number");
		return -1;
	}
	if (!skip_spaces(&p) || !pop_uidl_valid(p)) {
		snprintf(why, why_size, "message %llu has no valid unique-id (RFC 1939: 1 to 70 characters "
		                        "from 0x21 to 0x7E)", (unsigned long long)n);
		return -1;
	}
	*number = (unsigned)n;
	*uidl = p;
	return 0;
}

enum lib_error_class pop_refusal_class(const char *words, enum lib_error_class fallback)
{
	static const struct {
		const char *code;
		enum lib_error_class cls;
	} codes[] = {
		{ "IN-USE", LIB_ERR_TEMPORARY }, { "LOGIN-DELAY", LIB_ERR_TEMPORARY },
		{ "SYS/TEMP", LIB_ERR_TEMPORARY }, { "SYS/PERM", LIB_ERR_SERVER }, { "AUTH", LIB_ERR_AUTH },
	};

	if (!words || words[0] != '[')
		return fallback;
	const char *end = strchr(words, ']');
	if (!end)
		return fallback;
	size_t len = (size_t)(end - words - 1);
	for (size_t i = 0; i < LIB_ARRAY_LEN(codes); i++)
		if (strlen(codes[i].code) == len && strncasecmp(words + 1, codes[i].code, len) == 0)
			return codes[i].cls;
	return fallback;
}

int pop_apop_timestamp_ok(const char *timestamp)
{
	size_t len = timestamp ? strlen(timestamp) : 0;

	if (len < 3 || len > 255 || timestamp[0] != '<' || timestamp[len - 1] != '>' || !strchr(timestamp, '@'))
		return 0;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)timestamp[i] < 0x21 || (unsigned char)timestamp[i] > 0x7e)
			return 0;
	return 1;
}

/* ---- the multi-line body decoder ---- */

enum {
	DEC_LINE_START, /* at the start of a line */
	DEC_MID,        /* inside a line */
	DEC_CR,         /* a CR was read and not yet written */
	DEC_DOT,        /* a line started with '.' */
	DEC_DOT_CR,     /* a line started with ".\r" */
};

void pop_decoder_init(struct pop_decoder *decoder)
{
	decoder->state = DEC_LINE_START;
	decoder->done = 0;
}

size_t pop_decoder_run(struct pop_decoder *d, const char *in, size_t len, char *out, size_t *out_len)
{
	size_t o = 0, i = 0;

	while (i < len && !d->done) {
		char c = in[i++];
		switch (d->state) {
		case DEC_LINE_START:
			if (c == '.') {
				d->state = DEC_DOT;
				continue;
			}
			break;
		case DEC_DOT:
			if (c == '\r') {
				d->state = DEC_DOT_CR;
				continue;
			}
			if (c == '\n') {
				d->done = 1;
				continue;
			}
			break; /* the dot was stuffing: drop it */
		case DEC_DOT_CR:
			if (c == '\n') {
				d->done = 1;
				continue;
			}
			d->state = DEC_CR; /* ".\rX": stuffing dot, then a CR that is data */
			/* fall through */
		case DEC_CR:
			if (c == '\n') {
				out[o++] = '\n';
				d->state = DEC_LINE_START;
				continue;
			}
			out[o++] = '\r';
			break;
		default:
			break;
		}
		if (c == '\r') {
			d->state = DEC_CR;
		} else if (c == '\n') {
			out[o++] = '\n';
			d->state = DEC_LINE_START;
		} else {
			out[o++] = c;
			d->state = DEC_MID;
		}
	}
	*out_len = o;
	return i;
}

/* ---- the header hash ---- */

void pop_header_hash_reset(struct pop_header_hash *h)
{
	buf_reset(&h->block);
	h->last_was_newline = 1; /* a message starting with a blank line has no header */
	h->complete = 0;
	h->hex[0] = '\0';
}

int pop_header_hash_feed(struct pop_header_hash *h, const char *data, size_t len)
{
	size_t end = len;
	int found = 0;

	if (h->complete)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (data[i] == '\n' && h->last_was_newline) {
			end = i; /* the blank line itself is not part of the header */
			found = 1;
			break;
		}
		h->last_was_newline = data[i] == '\n';
	}
	size_t room = POP_HEADER_MAX - h->block.len;
	if (end >= room) {
		end = room;
		found = 1;
	}
	buf_add(&h->block, data, end);
	if (found)
		h->complete = 1;
	return found;
}

/* Header fields that mailbox software on the server may add or rewrite
 * between a TOP today and a RETR tomorrow. */
static int volatile_field(const char *name, size_t len)
{
	static const char *const names[] = { "status", "x-status", "x-keywords", "x-uid", "x-uidl", "x-imap",
		                              "x-imapbase", "content-length", "lines", "x-mozilla-status",
		                              "x-mozilla-status2" };

	while (len > 0 && (name[len - 1] == ' ' || name[len - 1] == '\t'))
		len--;
	for (size_t i = 0; i < LIB_ARRAY_LEN(names); i++)
		if (strlen(names[i]) == len && strncasecmp(name, names[i], len) == 0)
			return 1;
	return 0;
}

void pop_header_hash_finish(struct pop_header_hash *h)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int digest_len = 0;
	const char *p = h->block.data ? h->block.data : "";
	const char *end = p + h->block.len;
	int keep = 1;

	if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		lib_fatal("SHA-256 is not available");
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *next = nl ? nl + 1 : end;
		if (*p != ' ' && *p != '\t') {
			const char *colon = memchr(p, ':', (size_t)(next - p));
			keep = !colon || !volatile_field(p, (size_t)(colon - p));
		}
		if (keep)
			EVP_DigestUpdate(ctx, p, (size_t)(next - p));
		p = next;
	}
	EVP_DigestFinal_ex(ctx, digest, &digest_len);
	EVP_MD_CTX_free(ctx);
	for (int i = 0; i < 16; i++)
		snprintf(h->hex + 2 * i, 3, "%02x", digest[i]);
	h->complete = 1;
}

void pop_header_hash_free(struct pop_header_hash *h)
{
	buf_free(&h->block);
}
