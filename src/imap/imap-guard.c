/* A byte-level watch on what an IMAP server sends, run before libetpan
 * parses it: libetpan allocates the size a literal announces up front and
 * grows a line without bound, so a hostile or broken server could make
 * tern allocate gigabytes. Literals only ever end a line ("{N}\r\n",
 * RFC 3501 4.3; "~{N}" for BINARY), so tracking lines and skipping literal
 * bodies is enough. A response is one line, or several joined by
 * literals; its first bytes say whether it is untagged and of what kind. */
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

int imap_guard_check(void *ctx, const char *data, size_t len, char *why, size_t why_size)
{
	struct imap_guard *guard = ctx;
	size_t i = 0;

	while (i < len) {
		if (guard->literal_left) {
			size_t skip = len - i < guard->literal_left ? len - i : (size_t)guard->literal_left;
			guard->literal_left -= skip;
			i += skip;
			continue;
		}
		char c = data[i++];
		if (guard->tail_len == sizeof(guard->tail)) {
			memmove(guard->tail, guard->tail + 1, sizeof(guard->tail) - 1);
			guard->tail_len--;
		}
		guard->tail[guard->tail_len++] = c;
		if (!guard->continued && guard->head_len < sizeof(guard->head))
			guard->head[guard->head_len++] = c;
		if (c != '\n') {
			if (++guard->line_len > IMAP_LINE_MAX) {
				snprintf(why, why_size, "the server sent a line longer than %u MB", IMAP_LINE_MAX >> 20);
				return -1;
			}
			continue;
		}
		int64_t size = literal_size(guard->tail, guard->tail_len - 1);
		if (size > (int64_t)IMAP_LITERAL_MAX) {
			snprintf(why, why_size, "the server announced a literal of %lld bytes (tern accepts at most %u MB)",
			         (long long)size, IMAP_LITERAL_MAX >> 20);
			return -1;
		}
		guard->literal_left = size > 0 ? (uint64_t)size : 0;
		guard->continued = size >= 0;
		if (size < 0 && response_end(guard, why, why_size) < 0)
			return -1;
		guard->line_len = 0;
		guard->tail_len = 0;
	}
	return 0;
}
