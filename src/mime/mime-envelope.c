/* The index's view of a header block: a small RFC 5322 field splitter
 * (unfolding, bounded sizes) and a date parser, doing no I/O. Names and
 * subjects go through RFC 2047 decoding; nothing here is trusted. */
#include "mime.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../lib/lib.h"

static char *unfold(const char *value, size_t len)
{
	struct buf out = BUF_INIT;
	size_t i = 0;

	/* leading white space goes, also when the value starts on a fold */
	while (i < len && (value[i] == ' ' || value[i] == '\t' || value[i] == '\r' || value[i] == '\n'))
		i++;
	while (i < len && out.len < MIME_FIELD_MAX) {
		/* folding: the CRLF goes, the white space stays; runs are copied whole */
		size_t run = i;
		while (run < len && value[run] != '\r' && value[run] != '\n')
			run++;
		size_t take = run - i < MIME_FIELD_MAX - out.len ? run - i : MIME_FIELD_MAX - out.len;
		buf_add(&out, value + i, take);
		i = run;
		while (i < len && (value[i] == '\r' || value[i] == '\n'))
			i++;
	}
	while (out.len && (out.data[out.len - 1] == ' ' || out.data[out.len - 1] == '\t'))
		out.data[--out.len] = '\0';
	return buf_detach(&out);
}

static char *decoded(const char *value, size_t len)
{
	char *raw = unfold(value, len);
	char *text = mime_header_decode(raw, strlen(raw));
	free(raw);
	return text;
}

/* An address field: its names are decoded after the structure is read
 * (an RFC 2047 word may hold a comma: "=?utf-8?q?Doe=2C_John?=" must
 * become "\"Doe, John\"", not two addresses), written back as text the
 * address parser reads the same. Anything it cannot read as addresses
 * is decoded as plain text, as before. */
static char *addresses_decoded(const char *value, size_t len)
{
	char *raw = unfold(value, len), *text = NULL;

	if (strstr(raw, "=?")) {
		struct mime_address_list list;
		if (mime_address_list_parse(raw, strlen(raw), MIME_ADDRESS_LENIENT, &list, NULL) == 0 && list.count)
			text = mime_address_list_format(&list);
		mime_address_list_clear(&list);
	}
	if (!text)
		text = mime_header_decode(raw, strlen(raw));
	free(raw);
	return text;
}

void mime_envelope_parse(const char *headers, size_t len, struct mime_envelope *env)
{
	const char *end = headers + len;
	const char *p = headers;

	memset(env, 0, sizeof(*env));
	while (p < end) {
		const char *line_end = memchr(p, '\n', (size_t)(end - p));
		const char *field_end;
		if (!line_end)
			line_end = end;
		if (line_end == p || (line_end == p + 1 && *p == '\r'))
			break; /* the blank line that ends the header */
		/* the field runs on over continuation lines */
		field_end = line_end;
		while (field_end < end && field_end + 1 < end && (field_end[1] == ' ' || field_end[1] == '\t')) {
			const char *next = memchr(field_end + 1, '\n', (size_t)(end - field_end - 1));
			field_end = next ? next : end;
		}
		const char *colon = memchr(p, ':', (size_t)(line_end - p));
		if (colon) {
			size_t name_len = (size_t)(colon - p);
			const char *value = colon + 1;
			size_t value_len = (size_t)(field_end - value);
			char **slot = NULL;
			int decode = 1; /* 0 raw, 1 text, 2 addresses */
#define FIELD(name) (name_len == sizeof(name) - 1 && strncasecmp(p, name, name_len) == 0)
			if (FIELD("From"))
				slot = &env->from, decode = 2;
			else if (FIELD("To"))
				slot = &env->to, decode = 2;
			else if (FIELD("Cc"))
				slot = &env->cc, decode = 2;
			else if (FIELD("Subject"))
				slot = &env->subject;
			else if (FIELD("Message-ID"))
				slot = &env->message_id, decode = 0;
			else if (FIELD("In-Reply-To"))
				slot = &env->in_reply_to, decode = 0;
			else if (FIELD("References"))
				slot = &env->references, decode = 0;
			else if (FIELD("Date") && !env->date)
				env->date = mime_date_parse(value, value_len);
#undef FIELD
			if (slot && !*slot) /* the first of repeated fields wins */
				*slot = decode == 2 ? addresses_decoded(value, value_len)
				        : decode   ? decoded(value, value_len)
				                   : unfold(value, value_len);
		}
		p = field_end < end ? field_end + 1 : end;
	}
	char **all[] = { &env->from, &env->to, &env->cc, &env->subject, &env->message_id, &env->in_reply_to,
		         &env->references };
	for (size_t i = 0; i < LIB_ARRAY_LEN(all); i++)
		if (!*all[i])
			*all[i] = xstrdup("");
}

void mime_envelope_clear(struct mime_envelope *env)
{
	free(env->from);
	free(env->to);
	free(env->cc);
	free(env->subject);
	free(env->message_id);
	free(env->in_reply_to);
	free(env->references);
	memset(env, 0, sizeof(*env));
}

/* ---- dates (RFC 5322 section 3.3, with section 4.3's obsolete zones) ---- */

struct scanner {
	const char *p, *end;
};

static void skip_space_and_comments(struct scanner *s)
{
	int depth = 0;
	while (s->p < s->end) {
		char c = *s->p;
		if (c == '(')
			depth++;
		else if (c == ')' && depth)
			depth--;
		else if (!depth && c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != ',')
			return;
		s->p++;
	}
}

static int scan_number(struct scanner *s, int max_digits, long *out)
{
	long n = 0;
	int digits = 0;
	while (s->p < s->end && isdigit((unsigned char)*s->p) && digits < max_digits) {
		n = n * 10 + (*s->p++ - '0');
		digits++;
	}
	*out = n;
	return digits;
}

static int scan_word(struct scanner *s, char *word, size_t size)
{
	size_t n = 0;
	while (s->p < s->end && isalpha((unsigned char)*s->p)) {
		if (n + 1 < size)
			word[n++] = *s->p;
		s->p++;
	}
	word[n] = '\0';
	return (int)n;
}

int64_t mime_date_parse(const char *text, size_t len)
{
	static const char *const months[] = { "jan", "feb", "mar", "apr", "may", "jun",
		                              "jul", "aug", "sep", "oct", "nov", "dec" };
	static const struct { const char *name; int hours; } zones[] = {
		{ "ut", 0 }, { "gmt", 0 }, { "z", 0 }, { "est", -5 }, { "edt", -4 }, { "cst", -6 },
		{ "cdt", -5 }, { "mst", -7 }, { "mdt", -6 }, { "pst", -8 }, { "pdt", -7 },
	};
	struct scanner s = { text, text + len };
	char word[16];
	long day, year, hour, minute, second = 0;
	int month = -1;
	long offset = 0;

	skip_space_and_comments(&s);
	if (s.p < s.end && isalpha((unsigned char)*s.p)) { /* day name */
		scan_word(&s, word, sizeof(word));
		skip_space_and_comments(&s);
	}
	if (!scan_number(&s, 2, &day))
		return 0;
	skip_space_and_comments(&s);
	if (!scan_word(&s, word, sizeof(word)))
		return 0;
	for (int m = 0; m < 12; m++)
		if (strncasecmp(word, months[m], 3) == 0)
			month = m;
	if (month < 0)
		return 0;
	skip_space_and_comments(&s);
	int year_digits = scan_number(&s, 4, &year);
	if (year_digits < 2)
		return 0;
	if (year_digits == 2) /* RFC 5322 4.3: two-digit years */
		year += year < 50 ? 2000 : 1900;
	else if (year_digits == 3)
		year += 1900;
	skip_space_and_comments(&s);
	if (!scan_number(&s, 2, &hour) || s.p >= s.end || *s.p++ != ':' || !scan_number(&s, 2, &minute))
		return 0;
	if (s.p < s.end && *s.p == ':') {
		s.p++;
		scan_number(&s, 2, &second);
	}
	skip_space_and_comments(&s);
	if (s.p < s.end && (*s.p == '+' || *s.p == '-')) {
		int sign = *s.p++ == '-' ? -1 : 1;
		long hhmm;
		if (scan_number(&s, 4, &hhmm) == 4)
			offset = sign * ((hhmm / 100) * 3600 + (hhmm % 100) * 60);
	} else if (scan_word(&s, word, sizeof(word))) {
		for (size_t z = 0; z < LIB_ARRAY_LEN(zones); z++)
			if (strcasecmp(word, zones[z].name) == 0)
				offset = zones[z].hours * 3600L;
	}
	if (day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60 || year < 1970 || year > 9999)
		return 0;
	struct tm tm = { .tm_year = (int)year - 1900, .tm_mon = month, .tm_mday = (int)day,
		         .tm_hour = (int)hour, .tm_min = (int)minute, .tm_sec = (int)second };
	time_t t = timegm(&tm);
	return t == (time_t)-1 ? 0 : (int64_t)t - offset;
}
