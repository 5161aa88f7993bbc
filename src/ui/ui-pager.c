/* The pager: one message, fetched on demand by the worker (body cache
 * first, BODY.PEEK[] otherwise), rendered by mime, sanitized, wrapped to
 * the screen. tern sets \Seen itself once the message is on screen, so
 * reading and the flag are one deliberate step, and a message that could
 * not be fetched stays unread. Views: the chosen headers, all
 * headers (h), the raw source (H). */
#define _GNU_SOURCE
#include "ui-screen.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../engine/engine.h"
#include "../mime/mime.h"

enum pager_mode { PAGER_WEEDED, PAGER_ALL_HEADERS, PAGER_RAW };

enum line_kind { LINE_BODY, LINE_HEADER, LINE_QUOTED, LINE_SIGNATURE, LINE_ATTACHMENT };

struct pager_line {
	size_t start, len; /* bytes of text */
	enum line_kind kind;
	unsigned level;    /* LINE_QUOTED: how deep, 0 for "> " */
};

struct ui_pager {
	uint32_t uid;
	size_t number;          /* 1-based row in the index, for the status line */
	char *subject;
	char *raw;              /* NULL while loading */
	size_t len;
	struct mime_message *msg;
	enum pager_mode mode;
	struct buf text;        /* sanitized */
	struct pager_line *lines;
	size_t nlines;
	int wrapped_cols;
	size_t top;
	char *error;
};

const char *ui_pager_raw(struct ui *ui, size_t *len)
{
	if (!ui->pager || !ui->pager->raw)
		return NULL;
	*len = ui->pager->len;
	return ui->pager->raw;
}

struct mime_message *ui_pager_mime(struct ui *ui)
{
	return ui->pager ? ui->pager->msg : NULL;
}

void ui_pager_close(struct ui *ui)
{
	ui_mode_remove(ui, &ui_mode_pager);
}

static void pager_free(struct ui *ui)
{
	struct ui_pager *p = ui->pager;
	if (!p)
		return;
	mime_message_free(p->msg);
	buf_free(&p->text);
	free(p->lines);
	free(p->raw);
	free(p->subject);
	free(p->error);
	free(p);
	ui->pager = NULL;
}

void ui_pager_open(struct ui *ui, const struct model_summary *summary)
{
	ui_pager_close(ui);
	struct ui_pager *p = xcalloc(1, sizeof(*p));
	p->uid = summary->uid;
	p->number = ui->cursor + 1;
	p->subject = xstrdup(summary->subject);
	ui->pager = p;
	ui_mode_push(ui, &ui_mode_pager);
	engine_worker_fetch_body(ui->worker, ui->wire_folder, summary->uid);
}

/* The message is on screen: now it is read (mutt sets it when it shows a
 * message; a message that could not be fetched, offline, was never seen
 * and stays unread: no \Seen is queued for it). */
static void mark_read(struct ui *ui, uint32_t uid)
{
	struct model_summary *summary = ui->mbox ? model_mailbox_find_uid(ui->mbox, uid) : NULL;

	if (!summary || (summary->flags & MODEL_F_SEEN))
		return;
	summary->flags |= MODEL_F_SEEN;
	engine_worker_store_flags(ui->worker, ui->wire_folder, &uid, 1, MODEL_F_SEEN, 1);
}

/* html-filter: the command reads the HTML from a private temporary file. */
static int html_filter(const char *html, size_t len, struct buf *text, void *arg)
{
	const char *command = arg;
	char *path = xasprintf("%s/tern-html-XXXXXX", lib_tmpdir());
	int fd = mkstemp(path), rc = -1;

	if (fd < 0) {
		free(path);
		return -1;
	}
	if (write(fd, html, len) == (ssize_t)len && close(fd) == 0) {
		struct buf shell = BUF_INIT;
		buf_addf(&shell, "%s < ", command);
		lib_shell_quote(&shell, path);
		struct lib_child child;
		if (lib_run_start(shell.data, LIB_RUN_READ, &child) == 0) {
			char chunk[4096];
			ssize_t n;
			while ((n = read(child.fd, chunk, sizeof(chunk))) > 0 || (n < 0 && errno == EINTR))
				if (n > 0)
					buf_add(text, chunk, (size_t)n);
			rc = lib_run_wait(&child) == 0 ? 0 : -1;
		}
		buf_free(&shell);
	} else {
		close(fd);
	}
	unlink(path);
	free(path);
	return rc;
}

/* Splits the header list of pager-headers into a NULL-terminated array. */
static char **header_names(const char *list)
{
	char *copy = xstrdup(list), *save = NULL;
	char **names = NULL;
	size_t n = 0;

	for (char *w = strtok_r(copy, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
		names = xrealloc(names, (n + 2) * sizeof(*names));
		names[n++] = xstrdup(w);
	}
	names = xrealloc(names, (n + 1) * sizeof(*names));
	names[n] = NULL;
	free(copy);
	return names;
}

static void render(struct ui *ui)
{
	struct ui_pager *p = ui->pager;
	struct buf plain = BUF_INIT;

	buf_reset(&p->text);
	if (p->mode == PAGER_RAW) {
		buf_add(&plain, p->raw, p->len);
	} else {
		char **names = header_names(conf_get(ui->conf, NULL, CONF_K_PAGER_HEADERS));
		const char *filter = conf_get(ui->conf, NULL, CONF_K_HTML_FILTER);
		struct mime_render_options options = {
			.headers = p->mode == PAGER_WEEDED ? (const char *const *)names : NULL,
			.prefer_html = conf_get_bool(ui->conf, NULL, CONF_K_PREFER_HTML),
			.html_filter = filter ? html_filter : NULL,
			.html_filter_arg = (void *)filter,
		};
		if (p->mode == PAGER_ALL_HEADERS) { /* the whole header block, as sent */
			const char *end = memmem(p->raw, p->len, "\r\n\r\n", 4);
			const char *lf_end = memmem(p->raw, p->len, "\n\n", 2);
			size_t header_len = end ? (size_t)(end - p->raw) + 2 : lf_end ? (size_t)(lf_end - p->raw) + 1 : p->len;
			buf_add(&plain, p->raw, header_len);
		}
		mime_message_render(p->msg, &options, &plain);
		for (char **n = names; *n; n++)
			free(*n);
		free(names);
	}
	lib_sanitize(&p->text, plain.data ? plain.data : "", plain.len, 0);
	buf_free(&plain);
	p->wrapped_cols = 0;
}

/* How many quote marks ('>' or '|', white space between them allowed)
 * start line: 0 when it is not quoted. */
static unsigned quote_depth(const char *line, size_t len)
{
	unsigned depth = 0;

	for (size_t i = 0; i < len; i++) {
		if (line[i] == '>' || line[i] == '|')
			depth++;
		else if (line[i] != ' ' && line[i] != '\t')
			break;
	}
	return depth;
}

/* Breaks the text into screen lines of at most ui_cols() columns. */
static void wrap(struct ui *ui)
{
	struct ui_pager *p = ui->pager;
	size_t cols = ui_cols() > 1 ? (size_t)ui_cols() : 1;
	int in_headers = p->mode != PAGER_RAW, in_signature = 0;

	free(p->lines);
	p->lines = NULL;
	p->nlines = 0;
	const char *text = p->text.data ? p->text.data : "";
	for (size_t at = 0; at <= p->text.len;) {
		const char *nl = memchr(text + at, '\n', p->text.len - at);
		size_t end = nl ? (size_t)(nl - text) : p->text.len;
		size_t len = end - at;
		enum line_kind kind = LINE_BODY;
		unsigned depth = 0;
		if (in_headers && len == 0)
			in_headers = 0;
		if (p->mode != PAGER_RAW) {
			if (len == 3 && memcmp(text + at, "-- ", 3) == 0)
				in_signature = 1;
			if (in_headers)
				kind = LINE_HEADER;
			else if (len >= 3 && memcmp(text + at, "[--", 3) == 0)
				kind = LINE_ATTACHMENT;
			else if (in_signature)
				kind = LINE_SIGNATURE;
			else if ((depth = quote_depth(text + at, len)) > 0)
				kind = LINE_QUOTED;
		}
		size_t pos = at;
		do {
			size_t take = p->mode == PAGER_RAW ? lib_utf8_prefix(text + pos, end - pos, cols)
			                                   : lib_utf8_wrap(text + pos, end - pos, cols);
			if (take == 0)
				take = end - pos; /* nothing fits (a character wider than the screen) */
			p->lines = xrealloc(p->lines, (p->nlines + 1) * sizeof(*p->lines));
			p->lines[p->nlines++] = (struct pager_line){ pos, take, kind, depth ? depth - 1 : 0 };
			pos += take;
			if (p->mode != PAGER_RAW && pos < end && text[pos] == ' ')
				pos++; /* the space a line was broken at starts no line */
		} while (pos < end);
		if (!nl)
			break;
		at = end + 1;
	}
	p->wrapped_cols = ui_cols();
}

void ui_pager_body(struct ui *ui, uint32_t uid, const char *data, size_t len)
{
	struct ui_pager *p = ui->pager;
	if (!p || p->uid != uid || p->raw)
		return;
	p->raw = xmalloc(len + 1);
	memcpy(p->raw, data, len);
	p->raw[len] = '\0';
	p->len = len;
	p->msg = mime_message_parse(p->raw, p->len);
	render(ui);
	mark_read(ui, uid);
}

void ui_pager_error(struct ui *ui, uint32_t uid, const char *text)
{
	if (ui->pager && ui->pager->uid == uid && !ui->pager->raw) {
		free(ui->pager->error);
		ui->pager->error = xstrdup(text);
	}
}

static size_t page_rows(void)
{
	return ui_rows();
}

/* Draws one screen line, highlighting the last search string. */
static void draw_line(struct ui *ui, const char *line, size_t len, attr_t attr)
{
	const char *needle = ui->search;
	size_t nlen = needle ? strlen(needle) : 0;
	size_t at = 0;

	ui_attrset(attr);
	while (at < len) {
		size_t hit = len;
		if (nlen) {
			for (size_t i = at; i + nlen <= len; i++) {
				if (strncasecmp(line + i, needle, nlen) == 0) {
					hit = i;
					break;
				}
			}
		}
		ui_addnstr(line + at, (int)(hit - at));
		if (hit == len)
			break;
		ui_attrset(ui->colors[KEYMAP_COLOR_SEARCH]);
		ui_addnstr(line + hit, (int)nlen);
		ui_attrset(attr);
		at = hit + nlen;
	}
	ui_attrset(A_NORMAL);
}

void ui_pager_draw(struct ui *ui)
{
	struct ui_pager *p = ui->pager;
	size_t rows = page_rows();
	static const enum keymap_color colors[] = { [LINE_BODY] = KEYMAP_COLOR_NORMAL, [LINE_HEADER] = KEYMAP_COLOR_HEADER,
		                                [LINE_QUOTED] = KEYMAP_COLOR_QUOTED, [LINE_SIGNATURE] = KEYMAP_COLOR_SIGNATURE,
		                                [LINE_ATTACHMENT] = KEYMAP_COLOR_ATTACHMENT };

	ui_erase();
	if (!p->raw) {
		ui_move(0, 0);
		ui_draw_text(p->error ? "The message could not be fetched (see below); q goes back."
		                      : "Fetching the message...",
		             (size_t)ui_cols());
		if (p->error)
			ui_say(ui, 1, p->error);
	} else {
		if (p->wrapped_cols != ui_cols())
			wrap(ui);
		if (p->top >= p->nlines)
			p->top = p->nlines ? p->nlines - 1 : 0;
		for (size_t r = 0; r < rows && p->top + r < p->nlines; r++) {
			const struct pager_line *line = &p->lines[p->top + r];
			enum keymap_color color = line->kind == LINE_QUOTED ? ui_color_quote(line->level) : colors[line->kind];
			ui_move((int)r, 0);
			draw_line(ui, p->text.data + line->start, line->len, ui->colors[color]);
		}
	}
	struct buf status = BUF_INIT;
	size_t percent = p->nlines <= rows ? 100 : (p->top + rows) * 100 / p->nlines;
	buf_addf(&status, "-*- tern: %s/", ui->account->name);
	lib_sanitize(&status, ui->folder, strlen(ui->folder), LIB_SANITIZE_LINE);
	buf_addf(&status, " %zu: ", p->number);
	lib_sanitize(&status, p->subject, strlen(p->subject), LIB_SANITIZE_LINE);
	if (!p->raw) /* nothing to measure yet: no percentage */
		buf_addstr(&status, p->error ? " -- (not fetched) " : " -- (fetching) ");
	else
		buf_addf(&status, " -- (%s%zu%%) ", p->mode == PAGER_RAW ? "raw, " : "", percent > 100 ? 100 : percent);
	ui_draw_status(ui, &status);
	buf_free(&status);
}

static void search(struct ui *ui, int backward)
{
	struct ui_pager *p = ui->pager;
	size_t nlen = ui->search ? strlen(ui->search) : 0;

	if (!nlen || !p->raw)
		return;
	for (size_t k = 1; k <= p->nlines; k++) {
		size_t i = backward ? (p->top + p->nlines - k) % p->nlines : (p->top + k) % p->nlines;
		const char *line = p->text.data + p->lines[i].start;
		for (size_t c = 0; c + nlen <= p->lines[i].len; c++) {
			if (strncasecmp(line + c, ui->search, nlen) == 0) {
				if ((backward && i > p->top) || (!backward && i < p->top))
					ui_say(ui, 0, backward ? "Search wrapped to the bottom." : "Search wrapped to the top.");
				p->top = i;
				return;
			}
		}
	}
	ui_say(ui, 0, "Not found.");
}

int ui_pager_function(struct ui *ui, enum keymap_fn fn)
{
	struct ui_pager *p = ui->pager;
	size_t rows = page_rows();
	size_t last = p->nlines > rows ? p->nlines - rows : 0;

	switch (fn) {
	case KEYMAP_FN_NEXT_LINE:
		if (p->top < last)
			p->top++;
		return 1;
	case KEYMAP_FN_PREVIOUS_LINE:
		if (p->top > 0)
			p->top--;
		return 1;
	case KEYMAP_FN_NEXT_PAGE:
		if (p->top >= last) {
			if (ui_step(ui, 1)) /* mutt: space at the bottom reads on */
				ui_pager_open(ui, ui_current(ui));
			else
				ui_say(ui, 0, "You are on the last message.");
		} else {
			p->top = p->top + rows - 1 < last ? p->top + rows - 1 : last;
		}
		return 1;
	case KEYMAP_FN_PREVIOUS_PAGE:
		p->top = p->top > rows - 1 ? p->top - (rows - 1) : 0;
		return 1;
	case KEYMAP_FN_TOP:
		p->top = 0;
		return 1;
	case KEYMAP_FN_BOTTOM:
		p->top = last;
		return 1;
	case KEYMAP_FN_NEXT_ENTRY:
	case KEYMAP_FN_PREVIOUS_ENTRY:
		if (ui_step(ui, fn == KEYMAP_FN_NEXT_ENTRY ? 1 : -1))
			ui_pager_open(ui, ui_current(ui));
		else
			ui_say(ui, 0, fn == KEYMAP_FN_NEXT_ENTRY ? "You are on the last message." : "You are on the first message.");
		return 1;
	case KEYMAP_FN_EXIT:
		ui_pager_close(ui);
		return 1;
	case KEYMAP_FN_TOGGLE_HEADERS:
	case KEYMAP_FN_VIEW_RAW:
		if (!p->raw)
			return 1;
		p->mode = fn == KEYMAP_FN_VIEW_RAW ? (p->mode == PAGER_RAW ? PAGER_WEEDED : PAGER_RAW)
		                               : (p->mode == PAGER_ALL_HEADERS ? PAGER_WEEDED : PAGER_ALL_HEADERS);
		p->top = 0;
		render(ui);
		return 1;
	case KEYMAP_FN_SEARCH:
	case KEYMAP_FN_SEARCH_REVERSE: {
		char *text = ui_prompt(ui, fn == KEYMAP_FN_SEARCH ? "Search for: " : "Reverse search for: ", NULL, NULL, 0);
		if (text && *text) {
			free(ui->search);
			ui->search = text;
			search(ui, fn == KEYMAP_FN_SEARCH_REVERSE);
		} else {
			free(text);
		}
		return 1;
	}
	case KEYMAP_FN_SEARCH_NEXT:
		search(ui, 0);
		return 1;
	default:
		return 0;
	}
}

/* What the pager does not run goes to the index (flags, delete, reply...). */
const struct ui_mode ui_mode_pager = {
	.name = "pager", .map = KEYMAP_MAP_PAGER, .draw = ui_pager_draw, .function = ui_pager_function,
	.close = pager_free,
};
