/* Writing mail in the reader: m new, r reply, g group reply, f forward.
 * The message is a draft file under $XDG_DATA_HOME/tern/drafts with its
 * headers (From, To, Cc, Bcc, Subject, and Attach: lines for files) above
 * the body, edited in `editor`; the file stays until the message is in
 * the outbox or the user aborts, so a crash or a dropped SSH session
 * loses nothing: the next start offers to recover it. The compose screen
 * sends (through the outbox, on the worker), edits again, attaches,
 * detaches or aborts. */
#define _GNU_SOURCE
#include "ui-screen.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../engine/engine.h"
#include "../mime/mime.h"
#include "../smtp/smtp.h"
#include "config.h"

struct ui_compose {
	char *path; /* the draft file */
	char *from, *to, *cc, *bcc, *subject, *in_reply_to, *references;
	char **attach;
	size_t nattach;
	struct buf body;
};

static char *drafts_dir(void)
{
	char *data = lib_path_data_home();
	char *dir = xasprintf("%s/tern/drafts", data);
	lib_mkdirs(dir, 0700);
	free(data);
	return dir;
}

static void compose_free(struct ui_compose *c)
{
	if (!c)
		return;
	char **fields[] = { &c->path, &c->from, &c->to, &c->cc, &c->bcc, &c->subject, &c->in_reply_to, &c->references };
	for (size_t i = 0; i < LIB_ARRAY_LEN(fields); i++)
		free(*fields[i]);
	for (size_t i = 0; i < c->nattach; i++)
		free(c->attach[i]);
	free(c->attach);
	buf_free(&c->body);
	free(c);
}

static int write_draft(struct ui_compose *c, char **why)
{
	struct buf text = BUF_INIT;
	buf_addf(&text, "From: %s\nTo: %s\nCc: %s\nBcc: %s\nSubject: %s\n", c->from ? c->from : "", c->to ? c->to : "",
	         c->cc ? c->cc : "", c->bcc ? c->bcc : "", c->subject ? c->subject : "");
	if (c->in_reply_to && *c->in_reply_to)
		buf_addf(&text, "In-Reply-To: %s\n", c->in_reply_to);
	if (c->references && *c->references)
		buf_addf(&text, "References: %s\n", c->references);
	for (size_t i = 0; i < c->nattach; i++)
		buf_addf(&text, "Attach: %s\n", c->attach[i]);
	buf_addch(&text, '\n');
	buf_add(&text, c->body.data ? c->body.data : "", c->body.len);
	int rc = lib_file_write_durable(c->path, text.data, text.len, 0600, why);
	buf_free(&text);
	return rc;
}

/* Reads the draft back: the header lines the editor may have changed,
 * then the body. */
static int read_draft(struct ui_compose *c)
{
	FILE *fp = fopen(c->path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	if (!fp)
		return -1;
	char **fields[] = { &c->from, &c->to, &c->cc, &c->bcc, &c->subject, &c->in_reply_to, &c->references };
	static const char *const names[] = { "From:", "To:", "Cc:", "Bcc:", "Subject:", "In-Reply-To:", "References:" };
	for (size_t i = 0; i < LIB_ARRAY_LEN(fields); i++) {
		free(*fields[i]);
		*fields[i] = NULL;
	}
	for (size_t i = 0; i < c->nattach; i++)
		free(c->attach[i]);
	c->nattach = 0;
	buf_reset(&c->body);
	int in_body = 0;
	while ((len = getline(&line, &cap, fp)) > 0) {
		if (in_body) {
			buf_add(&c->body, line, (size_t)len);
			continue;
		}
		line[strcspn(line, "\r\n")] = '\0';
		if (!*line) {
			in_body = 1;
			continue;
		}
		const char *value = strchr(line, ':');
		value = value ? value + 1 : "";
		while (*value == ' ' || *value == '\t')
			value++;
		int known = 0;
		for (size_t i = 0; i < LIB_ARRAY_LEN(names) && !known; i++) {
			if (strncasecmp(line, names[i], strlen(names[i])) == 0) {
				free(*fields[i]);
				*fields[i] = xstrdup(value);
				known = 1;
			}
		}
		if (!known && strncasecmp(line, "Attach:", 7) == 0 && *value) {
			c->attach = xrealloc(c->attach, (c->nattach + 1) * sizeof(*c->attach));
			c->attach[c->nattach++] = lib_path_expand(value);
		}
	}
	free(line);
	fclose(fp);
	return 0;
}

static void edit(struct ui *ui)
{
	const char *editor = conf_get(ui->conf, NULL, CONF_K_EDITOR);
	if (!editor)
		editor = getenv("VISUAL") && *getenv("VISUAL") ? getenv("VISUAL") : getenv("EDITOR");
	if (!editor || !*editor)
		editor = "vi";
	char *command = xasprintf("%s '%s'", editor, ui->compose->path); /* the path holds no quote: ours */
	ui_run_command(ui, command, NULL, 0, 0);
	free(command);
	if (read_draft(ui->compose) < 0)
		ui_say(ui, 1, "The draft file is gone.");
}

/* Splits an address list on commas outside quotes and <...>. */
static size_t split_addresses(const char *text, char ***out)
{
	size_t n = 0;
	int quoted = 0, angle = 0;
	const char *start = text;

	*out = NULL;
	for (const char *p = text;; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (*p == '<' && !quoted)
			angle = 1;
		else if (*p == '>' && !quoted)
			angle = 0;
		if (*p == '\0' || (*p == ',' && !quoted && !angle)) {
			const char *a = start, *b = p;
			while (a < b && (*a == ' ' || *a == '\t'))
				a++;
			while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
				b--;
			if (b > a) {
				*out = xrealloc(*out, (n + 1) * sizeof(**out));
				(*out)[n++] = xstrndup(a, (size_t)(b - a));
			}
			if (*p == '\0')
				break;
			start = p + 1;
		}
	}
	return n;
}

static void strings_free(char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

/* The bare addresses of an address list, for comparing. */
static int same_address(const char *a, const char *b)
{
	char *name1 = NULL, *addr1 = NULL, *name2 = NULL, *addr2 = NULL;
	int same = mime_address_split(a, &name1, &addr1) == 0 && mime_address_split(b, &name2, &addr2) == 0 && addr1 &&
	           addr2 && strcasecmp(addr1, addr2) == 0;
	free(name1);
	free(addr1);
	free(name2);
	free(addr2);
	return same;
}

static char *prefixed(const char *subject, const char *prefix)
{
	if (strncasecmp(subject, prefix, strlen(prefix)) == 0)
		return xstrdup(subject);
	return xasprintf("%s%s", prefix, subject);
}

static char *header_of(struct mime_message *msg, const char *name)
{
	const char *why = NULL;
	char *value = msg ? mime_part_header(msg, 0, name, &why) : NULL;
	return value ? value : xstrdup("");
}

static void add_signature(struct ui *ui, struct buf *body)
{
	const char *file = conf_get(ui->conf, ui->account, CONF_K_SIGNATURE);
	if (!file)
		return;
	char *path = lib_path_expand(file);
	FILE *fp = fopen(path, "r");
	if (fp) {
		char chunk[4096];
		size_t n;
		buf_addstr(body, "\n-- \n");
		while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
			buf_add(body, chunk, n);
		fclose(fp);
	}
	free(path);
}

void ui_compose_start(struct ui *ui, enum ui_function fn)
{
	struct ui_compose *c = xcalloc(1, sizeof(*c));
	struct mime_message *msg = fn == UI_FN_COMPOSE ? NULL : ui_pager_mime(ui);
	char *why = NULL;

	if (fn != UI_FN_COMPOSE && !msg) {
		ui_say(ui, 0, "The message is still being fetched.");
		free(c);
		return;
	}
	const char *account_from = conf_get(ui->conf, ui->account, CONF_K_FROM);
	c->from = xstrdup(account_from ? account_from : "");
	if (msg) {
		char *from = header_of(msg, "From"), *reply_to = header_of(msg, "Reply-To"), *to = header_of(msg, "To");
		char *cc = header_of(msg, "Cc"), *subject = header_of(msg, "Subject"), *date = header_of(msg, "Date");
		char *message_id = header_of(msg, "Message-ID"), *references = header_of(msg, "References");
		struct mime_render_options options = { 0 };
		struct buf text = BUF_INIT;
		mime_message_render(msg, &options, &text);
		if (fn == UI_FN_FORWARD) {
			c->subject = prefixed(subject, "Fwd: ");
			buf_addf(&c->body, "\n----- Forwarded message from %s -----\nDate: %s\nFrom: %s\nTo: %s\nSubject: %s\n\n",
			         from, date, from, to, subject);
			buf_add(&c->body, text.data ? text.data : "", text.len);
			buf_addstr(&c->body, "\n----- End forwarded message -----\n");
		} else {
			c->to = xstrdup(*reply_to ? reply_to : from);
			c->subject = prefixed(subject, "Re: ");
			c->in_reply_to = xstrdup(message_id);
			c->references = *references ? xasprintf("%s %s", references, message_id) : xstrdup(message_id);
			if (fn == UI_FN_GROUP_REPLY) { /* everyone else on To and Cc, not ourselves */
				char **all;
				size_t n = 0;
				char *joined = xasprintf("%s%s%s", to, *to && *cc ? ", " : "", cc);
				n = split_addresses(joined, &all);
				struct buf list = BUF_INIT;
				for (size_t i = 0; i < n; i++) {
					if (same_address(all[i], c->from) || same_address(all[i], c->to))
						continue;
					buf_addf(&list, "%s%s", list.len ? ", " : "", all[i]);
				}
				c->cc = buf_detach(&list);
				strings_free(all, n);
				free(joined);
			}
			char *name = mime_address_display(from);
			buf_addf(&c->body, "On %s, %s wrote:\n", date, name);
			free(name);
			const char *p = text.data ? text.data : "";
			const char *body_start = strstr(p, "\n\n"); /* past the header block render put there */
			p = body_start ? body_start + 2 : p;
			while (*p) {
				const char *nl = strchr(p, '\n');
				size_t len = nl ? (size_t)(nl - p) : strlen(p);
				buf_addstr(&c->body, len && p[0] == '>' ? ">" : "> ");
				buf_add(&c->body, p, len);
				buf_addch(&c->body, '\n');
				p += len + (nl ? 1 : 0);
			}
		}
		buf_free(&text);
		free(from), free(reply_to), free(to), free(cc), free(subject), free(date), free(message_id), free(references);
	}
	add_signature(ui, &c->body);
	char *dir = drafts_dir();
	c->path = xasprintf("%s/%lld.%d.eml", dir, (long long)time(NULL), (int)getpid());
	free(dir);
	if (write_draft(c, &why) < 0) {
		ui_say(ui, 1, why);
		free(why);
		compose_free(c);
		return;
	}
	ui->compose = c;
	ui->map = UI_MAP_COMPOSE;
	edit(ui);
}

int ui_compose_recover(struct ui *ui)
{
	char *dir = drafts_dir();
	DIR *d = opendir(dir);
	struct dirent *entry;
	char *found = NULL;

	while (d && (entry = readdir(d)) && !found)
		if (entry->d_name[0] != '.' && strstr(entry->d_name, ".eml") && !strstr(entry->d_name, ".tmp"))
			found = xasprintf("%s/%s", dir, entry->d_name);
	if (d)
		closedir(d);
	free(dir);
	if (!found)
		return 0;
	struct stat st;
	char when[64] = "earlier";
	if (stat(found, &st) == 0)
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", localtime(&st.st_mtime));
	char *question = xasprintf("A message you were writing (%s) was not sent. Recover it?", when);
	int yes = ui_yesno(ui, question);
	free(question);
	if (!yes) {
		free(found);
		ui_say(ui, 0, "It stays in the drafts directory for next time.");
		return 0;
	}
	struct ui_compose *c = xcalloc(1, sizeof(*c));
	c->path = found;
	read_draft(c);
	ui->compose = c;
	ui->map = UI_MAP_COMPOSE;
	return 1;
}

void ui_compose_close(struct ui *ui)
{
	compose_free(ui->compose);
	ui->compose = NULL;
	ui->map = ui->pager ? UI_MAP_PAGER : UI_MAP_INDEX;
}

void ui_compose_draw(struct ui *ui)
{
	struct ui_compose *c = ui->compose;
	const char *labels[] = { "From:", "To:", "Cc:", "Bcc:", "Subject:" };
	const char *values[] = { c->from, c->to, c->cc, c->bcc, c->subject };
	int row = 0;

	erase();
	for (size_t i = 0; i < LIB_ARRAY_LEN(labels); i++) {
		struct buf line = BUF_INIT;
		buf_addf(&line, "%9s ", labels[i]);
		lib_sanitize(&line, values[i] ? values[i] : "", values[i] ? strlen(values[i]) : 0, LIB_SANITIZE_LINE);
		move(row++, 0);
		ui_draw_text(line.data, (size_t)COLS);
		buf_free(&line);
	}
	move(row++, 0);
	ui_draw_text("", (size_t)COLS);
	for (size_t i = 0; i < c->nattach && row < LINES - 3; i++) {
		struct buf line = BUF_INIT;
		struct stat st;
		buf_addf(&line, "%3zu attach  ", i + 1);
		lib_sanitize(&line, c->attach[i], strlen(c->attach[i]), LIB_SANITIZE_LINE);
		if (stat(c->attach[i], &st) == 0)
			buf_addf(&line, "  (%lld bytes)", (long long)st.st_size);
		else
			buf_addstr(&line, "  (cannot be read)");
		move(row++, 0);
		ui_draw_text(line.data, (size_t)COLS);
		buf_free(&line);
	}
	struct buf status = BUF_INIT;
	buf_addf(&status, "-*- tern: compose  y send  e edit  a attach  D detach  q abort ");
	ui_draw_status(ui, &status);
	buf_free(&status);
}

static struct mime_address *addresses(const char *text, size_t *n, char ***owned, size_t *nowned, int *bad)
{
	char **items;
	size_t count = text ? split_addresses(text, &items) : 0;
	struct mime_address *out = xcalloc(count + 1, sizeof(*out));

	*n = 0;
	for (size_t i = 0; i < count; i++) {
		char *name = NULL, *addr = NULL, why[160];
		if (mime_address_split(items[i], &name, &addr) < 0 || !addr || smtp_address_check(addr, why, sizeof(why)) < 0) {
			*bad = 1;
			free(name);
			free(addr);
			continue;
		}
		*owned = xrealloc(*owned, (*nowned + 2) * sizeof(**owned));
		(*owned)[(*nowned)++] = name;
		(*owned)[(*nowned)++] = addr;
		out[(*n)++] = (struct mime_address){ name, addr };
	}
	strings_free(items, count);
	return out;
}

static void send_message(struct ui *ui)
{
	struct ui_compose *c = ui->compose;
	char **owned = NULL;
	size_t nowned = 0, nto, ncc, nbcc, nfrom;
	int bad = 0;
	struct mime_address *to = addresses(c->to, &nto, &owned, &nowned, &bad);
	struct mime_address *cc = addresses(c->cc, &ncc, &owned, &nowned, &bad);
	struct mime_address *bcc = addresses(c->bcc, &nbcc, &owned, &nowned, &bad);
	struct mime_address *from = addresses(c->from, &nfrom, &owned, &nowned, &bad);
	struct mime_attachment *attach = xcalloc(c->nattach + 1, sizeof(*attach));
	struct buf message = BUF_INIT;
	struct lib_error err = { 0 };
	char *why = NULL;

	for (size_t i = 0; i < c->nattach; i++)
		attach[i].path = c->attach[i];
	if (bad || nfrom != 1 || !(nto + ncc + nbcc)) {
		ui_say(ui, 1, bad ? "An address cannot be read: press e and fix it." : "No recipient, or no From address.");
		goto done;
	}
	struct mime_outgoing out = {
		.from = from[0], .to = to, .to_count = nto, .cc = cc, .cc_count = ncc, .bcc = bcc, .bcc_count = nbcc,
		.subject = c->subject, .in_reply_to = c->in_reply_to && *c->in_reply_to ? c->in_reply_to : NULL,
		.references = c->references && *c->references ? c->references : NULL,
		.text = c->body.data ? c->body.data : "", .text_len = c->body.len,
		.attachments = attach, .attachment_count = c->nattach, .version = PACKAGE_VERSION,
	};
	if (mime_outgoing_build(&out, &message, NULL, &err) < 0) {
		ui_say(ui, 1, err.text);
		goto done;
	}
	struct engine_outbox_entry entry = { 0 };
	entry.account = xstrdup(ui->account->name);
	entry.from = xstrdup(from[0].addr);
	entry.state = xstrdup("queued");
	struct mime_address *lists[] = { to, cc, bcc };
	size_t counts[] = { nto, ncc, nbcc };
	for (size_t l = 0; l < 3; l++) {
		for (size_t i = 0; i < counts[l]; i++) {
			entry.rcpts = xrealloc(entry.rcpts, (entry.nrcpts + 1) * sizeof(*entry.rcpts));
			entry.rcpts[entry.nrcpts++] = xstrdup(lists[l][i].addr);
		}
	}
	entry.len = message.len;
	entry.message = buf_detach(&message);
	if (engine_outbox_write(&entry, &why) < 0) {
		ui_say(ui, 1, why); /* the draft stays: nothing is lost */
		free(why);
		engine_outbox_entry_clear(&entry);
		goto done;
	}
	/* in the outbox now, durably: the draft can go */
	unlink(c->path);
	engine_worker_send(ui->worker, entry.path);
	engine_outbox_entry_clear(&entry);
	ui_compose_close(ui);
	ui_say(ui, 0, "Sending...");
done:
	strings_free(owned, nowned);
	free(to), free(cc), free(bcc), free(from), free(attach);
	buf_free(&message);
}

int ui_compose_function(struct ui *ui, enum ui_function fn)
{
	struct ui_compose *c = ui->compose;
	char *why = NULL;

	switch (fn) {
	case UI_FN_SEND_MESSAGE:
		send_message(ui);
		return 1;
	case UI_FN_EDIT_MESSAGE:
		edit(ui);
		return 1;
	case UI_FN_ATTACH_FILE: {
		char *path = ui_prompt(ui, "Attach file: ", NULL, NULL, 0);
		if (path && *path) {
			char *full = lib_path_expand(path);
			if (access(full, R_OK) != 0) {
				ui_say(ui, 1, "That file cannot be read.");
				free(full);
			} else {
				c->attach = xrealloc(c->attach, (c->nattach + 1) * sizeof(*c->attach));
				c->attach[c->nattach++] = full;
				if (write_draft(c, &why) < 0) {
					ui_say(ui, 1, why);
					free(why);
				}
			}
		}
		free(path);
		return 1;
	}
	case UI_FN_DETACH_FILE:
		if (c->nattach) {
			free(c->attach[--c->nattach]);
			if (write_draft(c, &why) < 0) {
				ui_say(ui, 1, why);
				free(why);
			}
		}
		return 1;
	case UI_FN_EXIT:
		if (ui_yesno(ui, "Abort this message?")) {
			unlink(c->path);
			ui_compose_close(ui);
			ui_say(ui, 0, "Message aborted.");
		}
		return 1;
	default:
		return 0;
	}
}
