/* index-format: mutt-like %-escapes turned into one index line.
 *     %C number   %Z flags   %{FMT} date (strftime)   %d date "%b %d"
 *     %F %L sender name   %s subject (thread tree first)   %c size
 *     %t To   %%  a percent sign
 * with optional [-][WIDTH][.MAX] between % and the letter, as in printf.
 * No curses here: it writes UTF-8, sanitized, and is unit-tested. */
#include "ui-private.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../mime/mime.h"
#include "../model/model.h"

static void human_size(uint32_t size, char *out, size_t len)
{
	if (size < 1000)
		snprintf(out, len, "%u", size);
	else if (size < 1000 * 1024)
		snprintf(out, len, "%.1fK", size / 1024.0);
	else
		snprintf(out, len, "%.1fM", size / (1024.0 * 1024.0));
	if (size >= 10 * 1024 && size < 1000 * 1024)
		snprintf(out, len, "%uK", (size + 512) / 1024);
}

/* Appends text sanitized, then fitted to [-]width.max columns. */
static void field(struct buf *out, const char *text, int left, long width, long max)
{
	struct buf clean = BUF_INIT;
	lib_sanitize(&clean, text, strlen(text), LIB_SANITIZE_LINE);
	const char *s = clean.data ? clean.data : "";
	size_t w = lib_utf8_width(s, strlen(s));
	if (max >= 0 && w > (size_t)max) {
		struct buf cut = BUF_INIT;
		lib_utf8_fit(&cut, s, (size_t)max);
		buf_free(&clean);
		clean = cut;
		s = clean.data;
		w = lib_utf8_width(s, strlen(s));
	}
	if (width > 0 && w < (size_t)width && !left)
		for (size_t i = w; i < (size_t)width; i++)
			buf_addch(out, ' ');
	buf_addstr(out, s);
	if (width > 0 && w < (size_t)width && left)
		for (size_t i = w; i < (size_t)width; i++)
			buf_addch(out, ' ');
	buf_free(&clean);
}

void ui_format_index(struct buf *out, const char *format, const struct model_summary *summary,
                     const struct ui_row *row, size_t width)
{
	struct buf line = BUF_INIT;
	char tmp[128];

	for (const char *p = format; *p; p++) {
		if (*p != '%') {
			buf_addch(&line, *p);
			continue;
		}
		p++;
		int left = 0;
		long fwidth = 0, max = -1;
		if (*p == '-') {
			left = 1;
			p++;
		}
		while (*p >= '0' && *p <= '9')
			fwidth = fwidth * 10 + (*p++ - '0');
		if (*p == '.') {
			max = 0;
			for (p++; *p >= '0' && *p <= '9'; p++)
				max = max * 10 + (*p - '0');
		}
		switch (*p) {
		case '\0':
			p--;
			break;
		case '%':
			buf_addch(&line, '%');
			break;
		case 'C':
			snprintf(tmp, sizeof(tmp), "%zu", row->number);
			field(&line, tmp, left, fwidth, max);
			break;
		case 'Z':
			model_flags_format(summary->flags, tmp);
			if (row->tagged)
				tmp[1] = '*'; /* mutt shows tags in the flag column */
			field(&line, tmp, left, fwidth, max);
			break;
		case 'd':
		case '{': {
			char fmt[64] = "%b %d";
			if (*p == '{') {
				const char *close = strchr(p, '}');
				if (close && (size_t)(close - p) < sizeof(fmt)) {
					memcpy(fmt, p + 1, (size_t)(close - p - 1));
					fmt[close - p - 1] = '\0';
					p = close;
				}
			}
			time_t t = (time_t)summary->date;
			struct tm tm;
			if (!summary->date || !localtime_r(&t, &tm) || !strftime(tmp, sizeof(tmp), fmt, &tm))
				snprintf(tmp, sizeof(tmp), "?");
			field(&line, tmp, left, fwidth, max);
			break;
		}
		case 'F':
		case 'L':
		case 'n': {
			char *name = mime_address_display(summary->from);
			field(&line, name, left, fwidth, max);
			free(name);
			break;
		}
		case 't':
			field(&line, summary->to, left, fwidth, max);
			break;
		case 'c':
			human_size(summary->size, tmp, sizeof(tmp));
			field(&line, tmp, left, fwidth, max);
			break;
		case 's': {
			/* the tree is ours (line drawing), the subject is sanitized */
			struct buf subject = BUF_INIT, clean = BUF_INIT;
			lib_sanitize(&clean, summary->subject, strlen(summary->subject), LIB_SANITIZE_LINE);
			buf_addstr(&subject, row->tree);
			if (row->hidden)
				buf_addf(&subject, "(%zu) ", row->hidden + 1);
			buf_addstr(&subject, clean.data ? clean.data : "");
			if (max >= 0 || fwidth > 0) {
				struct buf fitted = BUF_INIT;
				lib_utf8_fit(&fitted, subject.data, max >= 0 ? (size_t)max : lib_utf8_width(subject.data, subject.len));
				buf_addstr(&line, fitted.data);
				buf_free(&fitted);
			} else {
				buf_addstr(&line, subject.data);
			}
			buf_free(&clean);
			buf_free(&subject);
			break;
		}
		default:
			buf_addch(&line, '%');
			buf_addch(&line, *p);
		}
	}
	lib_utf8_fit(out, line.data ? line.data : "", width);
	buf_free(&line);
}
