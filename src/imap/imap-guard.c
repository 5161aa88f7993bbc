/* A byte-level watch on what an IMAP server sends, run before libetpan
 * parses it: libetpan allocates the size a literal announces up front and
 * grows a line without bound, so a hostile or broken server could make
 * tern allocate gigabytes. Literals end a line ("{N}\r\n", RFC 3501
 * 4.3; "~{N}" for BINARY), so tracking lines and skipping literal bodies
 * is enough, but for the sizes of the ones libetpan also takes mid-line.
 * A response is one line, or several joined by literals; its first bytes
 * say whether it is untagged and of what kind. */
#include "imap-private.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* If the line ending in tail announces a literal, returns its size;
 * -1 when it does not. */
static int64_t literal_size(const char *tail, size_t len)
{
	size_t i = len;
	uint64_t size = 0, scale = 1;

	if (i < 4 || tail[--i] != '\r' || tail[--i] != '}')
		return -1;
	if (tail[i - 1] == '+')
		i--;
	size_t digits_end = i;
	while (i > 0 && tail[i - 1] >= '0' && tail[i - 1] <= '9') {
		if (digits_end - i >= 19)
			return INT64_MAX; /* more digits than any sane size */
		size += (uint64_t)(tail[i - 1] - '0') * scale;
		scale *= 10;
		i--;
	}
	if (i == digits_end || i == 0 || tail[i - 1] != '{')
		return -1;
	return (int64_t)size;
}

/* Watches each byte of a line for a "{N}" outside quoted strings:
 * libetpan reads one as a literal wherever a string may stand, even
 * mid-line without the CRLF (a Lotus Domino workaround), and allocates N
 * bytes at once (found by fuzzing: "{4294967295}\r\xff"). 1 when c
 * closes one over IMAP_LITERAL_MAX, its size in brace_size. */
static int brace_too_big(struct imap_guard *guard, char c)
{
	if (guard->quoted) {
		if (guard->escaped)
			guard->escaped = 0;
		else if (c == '\\')
			guard->escaped = 1;
		else if (c == '"')
			guard->quoted = 0;
		return 0;
	}
	if (guard->brace && c >= '0' && c <= '9') {
		guard->brace = 2;
		guard->brace_size = guard->brace_size > (UINT64_MAX - 9) / 10 ? UINT64_MAX
		                                                              : guard->brace_size * 10 + (uint64_t)(c - '0');
		return 0;
	}
	int too_big = guard->brace == 2 && c == '}' && guard->brace_size > IMAP_LITERAL_MAX;
	guard->brace = c == '{';
	if (guard->brace)
		guard->brace_size = 0;
	guard->quoted = c == '"';
	return too_big;
}

/* Whether the response starting with head counts against
 * IMAP_UNTAGGED_MAX: untagged, and not "* N FETCH" or "* N EXPUNGE". */
static int counted(const char *head, size_t len)
{
	size_t i = 2;

	if (len < 2 || head[0] != '*' || head[1] != ' ')
		return 0;
	while (i < len && head[i] >= '0' && head[i] <= '9')
		i++;
	if (i == 2 || i >= len || head[i] != ' ')
		return 1;
	i++;
	return !((len - i >= 5 && strncasecmp(head + i, "FETCH", 5) == 0) ||
	         (len - i >= 7 && strncasecmp(head + i, "EXPUNGE", 7) == 0));
}

/* A response ended: counts it, or resets the count at a tagged reply or
 * a continuation request. -1 with why past IMAP_UNTAGGED_MAX. */
static int response_end(struct imap_guard *guard, char *why, size_t why_size)
{
	int untagged = guard->head_len > 0 && guard->head[0] == '*';

	if (!untagged)
		guard->untagged = 0;
	else if (counted(guard->head, guard->head_len) && ++guard->untagged > IMAP_UNTAGGED_MAX) {
		snprintf(why, why_size, "the server sent over %u untagged responses to one command", IMAP_UNTAGGED_MAX);
		return -1;
	}
	guard->head_len = 0;
	return 0;
}

/* Where the text of the status response ("* OK", "* BYE", "TAG NO"...) or
 * continuation request starting with head begins; 0 when it is neither.
 * Their text runs to the line's end, so a "{N}" ending it is text, not a
 * literal, as libetpan reads it (skipping N bytes would hide the next
 * response from this guard) -- unless the text opens a response code:
 * libetpan then tries the code's astrings, where "{N}" is a literal
 * (BADCHARSET's list allows one; found by fuzzing). */
static size_t text_start(const char *head, size_t len)
{
	static const char *const words[] = { "OK", "NO", "BAD", "BYE", "PREAUTH" };
	size_t i = 0;

	if (len >= 1 && head[0] == '+')
		return len >= 2 && head[1] == ' ' ? 2 : 1;
	while (i < len && head[i] != ' ')
		i++;
	if (i == 0 || i >= len)
		return 0;
	i++;
	for (size_t w = 0; w < LIB_ARRAY_LEN(words); w++) {
		size_t n = strlen(words[w]);
		if (len - i > n && strncasecmp(head + i, words[w], n) == 0 && head[i + n] == ' ')
			return i + n + 1;
	}
	return 0;
}

/* libetpan 1.9.4 crashes (SIGSEGV) parsing a greeting that carries a
 * BADCHARSET or PERMANENTFLAGS response code, "* OK [BADCHARSET (x)] hi",
 * even well formed and before STARTTLS (found by fuzzing; every other
 * RFC 3501 code and the common extensions parse). No server has a reason
 * to greet with them, so a greeting line (up to its CRLF, as libetpan
 * reads it) holding one anywhere is refused before libetpan sees it. */
static void greeting_watch(struct imap_guard *guard, char c)
{
	static const char *const codes[] = { "[BADCHARSET", "[PERMANENTFLAGS" };

	if (c == '\n' && guard->greeting_len && guard->greeting[guard->greeting_len - 1] == '\r') {
		guard->greeted = 1;
		return;
	}
	if (guard->greeting_len == sizeof(guard->greeting)) {
		memmove(guard->greeting, guard->greeting + 1, sizeof(guard->greeting) - 1);
		guard->greeting_len--;
	}
	guard->greeting[guard->greeting_len++] = c;
	for (size_t i = 0; i < LIB_ARRAY_LEN(codes); i++) {
		size_t len = strlen(codes[i]);
		if (guard->greeting_len >= len &&
		    strncasecmp(guard->greeting + guard->greeting_len - len, codes[i], len) == 0)
			guard->refused = codes[i] + 1;
	}
}

/* libetpan 1.9.4 also crashes (NULL list freed) on "[PERMANENTFLAGS ("
 * in any reply when what follows cannot start a flag: a line end, a
 * control, '(' (found by fuzzing). 1 when c may follow the '('. */
static int flag_start_ok(unsigned char c)
{
	return c == ')' || c == '\\' || c == ' ' || (c > 0x20 && c < 0x7f && !strchr("(){%*\"]", c));
	/* (a space keeps the first flag to come: see imap_guard_check) */
}

int imap_guard_check(void *ctx, const char *data, size_t len, char *why, size_t why_size)
{
	struct imap_guard *guard = ctx;
	size_t i = 0;

	for (size_t g = 0; !guard->greeted && g < len; g++)
		greeting_watch(guard, data[g]);
	if (guard->refused) {
		snprintf(why, why_size, "the server's greeting carries a %s code, which libetpan cannot parse",
		         guard->refused);
		return -1;
	}
	while (i < len) {
		if (guard->literal_left) {
			size_t skip = len - i < guard->literal_left ? len - i : (size_t)guard->literal_left;
			guard->literal_left -= skip;
			i += skip;
			continue;
		}
		char c = data[i++];
		unsigned char u = (unsigned char)c;
		int open = guard->flags_list_open;
		if ((open == 1 && !flag_start_ok(u)) ||
		    (open == 2 && u != '*' && !(u > 0x20 && u < 0x7f && !strchr("(){%*\"\\]", u)))) {
			snprintf(why, why_size, "the server sent a PERMANENTFLAGS code libetpan cannot parse");
			return -1;
		}
		if (guard->tail_len == sizeof(guard->tail)) {
			memmove(guard->tail, guard->tail + 1, sizeof(guard->tail) - 1);
			guard->tail_len--;
		}
		guard->tail[guard->tail_len++] = c;
		if (brace_too_big(guard, c)) {
			snprintf(why, why_size, "the server announced a literal of %llu bytes (tern accepts at most %u MB)",
			         (unsigned long long)guard->brace_size, IMAP_LITERAL_MAX >> 20);
			return -1;
		}
		if (!guard->continued && guard->head_len < sizeof(guard->head))
			guard->head[guard->head_len++] = c;
		/* 3: after "PERMANENTFLAGS" (libetpan takes any spaces before
		 * the '('); 1: the first flag is to come; 2: it began with '\\' */
		if (open == 1 && (c == '\\' || c == ' '))
			guard->flags_list_open = c == ' ' ? 1 : 2;
		else if (open == 3 && (c == ' ' || c == '('))
			guard->flags_list_open = c == '(' ? 1 : 3;
		else
			guard->flags_list_open = guard->tail_len >= 14 &&
			                         strncasecmp(guard->tail + guard->tail_len - 14, "PERMANENTFLAGS", 14) == 0
			                                 ? 3 : 0; /* libetpan also takes "[ PERMANENTFLAGS" */
		if (c != '\n') {
			if (++guard->line_len > IMAP_LINE_MAX) {
				snprintf(why, why_size, "the server sent a line longer than %u MB", IMAP_LINE_MAX >> 20);
				return -1;
			}
			continue;
		}
		guard->quoted = guard->escaped = guard->brace = 0; /* none spans lines */
		int64_t size = literal_size(guard->tail, guard->tail_len - 1);
		size_t text = size >= 0 && !guard->continued ? text_start(guard->head, guard->head_len) : 0;
		if (text && text < guard->head_len && guard->head[text] == '[') {
			snprintf(why, why_size, "the server sent a literal inside a response code");
			return -1;
		}
		if (size > (int64_t)IMAP_LITERAL_MAX) {
			snprintf(why, why_size, "the server announced a literal of %lld bytes (tern accepts at most %u MB)",
			         (long long)size, IMAP_LITERAL_MAX >> 20);
			return -1;
		}
		if (text)
			size = -1;
		guard->literal_left = size > 0 ? (uint64_t)size : 0;
		guard->continued = size >= 0;
		if (size < 0 && response_end(guard, why, why_size) < 0)
			return -1;
		guard->line_len = 0;
		guard->tail_len = 0;
	}
	return 0;
}

void imap_guard_restart(struct imap_guard *guard)
{
	int greeted = guard->greeted;

	memset(guard, 0, sizeof(*guard));
	guard->greeted = greeted;
}
