/* Writing mail in the reader: m new, r reply, g group reply, f forward.
 * The message is a draft file under $XDG_DATA_HOME/tern/drafts with its
 * headers (From, To, Cc, Bcc, Subject, and Attach: lines for files) above
 * the body, edited in `editor`; the file stays until the message is in
 * the outbox or the user aborts, so a crash or a dropped SSH session
 * loses nothing: the next start offers to recover it. The compose screen
 * sends (through the outbox, on the worker), edits again, attaches,
 * detaches or aborts. A message from the outbox screen is taken out of
 * the outbox only once its draft file is durable, and goes back as it
 * was when the user aborts. */
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

struct ui_compose_file {
	char *path;
	char *name; /* sent as the file name (^O renames); NULL: the path's last part */
	char *type; /* content type; NULL: guessed when built */
};

/* A header the user wrote in the editor that tern has no field for
 * (Reply-To, X-...): kept and sent, as mutt's edit_headers does. */
struct ui_compose_header {
	char *name, *value;
};

struct ui_compose {
	char *path; /* the draft file */
	char *from, *to, *cc, *bcc, *subject, *in_reply_to, *references;
	struct ui_compose_header *headers;
	size_t nheaders;
	struct ui_compose_file *attach;
	size_t nattach;
	struct buf body;
	struct engine_draft_ref draft; /* the server draft this was recalled from; folder NULL: none */
	const struct conf_account *account; /* the account it is sent from */
	struct engine_outbox_entry outbox;  /* taken from the outbox (path NULL: not): put back on abort */
};

static char *drafts_dir(void)
{
	char *data = lib_path_data_home();
	char *dir = xasprintf("%s/tern/drafts", data);
	lib_mkdirs(dir, 0700);
	free(data);
	return dir;
}

static void attach_clear(struct ui_compose *c)
{
	for (size_t i = 0; i < c->nattach; i++) {
		free(c->attach[i].path);
		free(c->attach[i].name);
		free(c->attach[i].type);
	}
	c->nattach = 0;
}

static void attach_add(struct ui_compose *c, char *path, const char *name, const char *type)
{
	c->attach = xrealloc(c->attach, (c->nattach + 1) * sizeof(*c->attach));
	c->attach[c->nattach++] = (struct ui_compose_file){ path, name ? xstrdup(name) : NULL, type ? xstrdup(type) : NULL };
}

/* The file name an attachment is sent with. */
static const char *attach_name(const struct ui_compose_file *f)
{
	const char *slash = strrchr(f->path, '/');
	return f->name ? f->name : slash ? slash + 1 : f->path;
}

/* Where files of this draft live that tern made itself (the attachments
 * of a recalled draft, a message forwarded as an attachment): next to
 * the draft, DRAFT.d/. Caller frees. */
static char *files_dir(const struct ui_compose *c)
{
	return xasprintf("%.*s.d", (int)(strlen(c->path) - 4), c->path); /* without ".eml" */
}

static void files_remove(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *entry;

	while (d && (entry = readdir(d))) {
		if (entry->d_name[0] == '.' && (!entry->d_name[1] || (entry->d_name[1] == '.' && !entry->d_name[2])))
			continue;
		char *file = xasprintf("%s/%s", dir, entry->d_name);
		unlink(file);
		free(file);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

/* Writes data durably into the draft's own directory as name (made
 * safe); the path, or NULL with *why. Caller frees. */
static char *file_keep(const struct ui_compose *c, const char *name, const char *data, size_t len, char **why)
{
	char *dir = files_dir(c), *safe = mime_filename_safe(name);
	lib_mkdirs(dir, 0700);
	char *path = xasprintf("%s/%s", dir, safe);
	for (int n = 2; access(path, F_OK) == 0; n++) {
		free(path);
		path = xasprintf("%s/%d-%s", dir, n, safe);
	}
	free(dir);
	free(safe);
	if (lib_file_write_durable(path, data, len, 0600, why) < 0) {
		free(path);
		return NULL;
	}
	return path;
}

static void headers_clear(struct ui_compose *c)
{
	for (size_t i = 0; i < c->nheaders; i++) {
		free(c->headers[i].name);
		free(c->headers[i].value);
	}
	free(c->headers);
	c->headers = NULL;
	c->nheaders = 0;
}

static void compose_free(struct ui_compose *c)
{
	if (!c)
		return;
	headers_clear(c);
	char **fields[] = { &c->path, &c->from, &c->to, &c->cc, &c->bcc, &c->subject, &c->in_reply_to, &c->references };
	for (size_t i = 0; i < LIB_ARRAY_LEN(fields); i++)
		free(*fields[i]);
	attach_clear(c);
	free(c->attach);
	buf_free(&c->body);
	engine_draft_ref_clear(&c->draft);
	engine_outbox_entry_clear(&c->outbox);
	free(c);
}

/* One "Name: value" line of the draft file. Values may come from the
 * message replied to (an RFC 2047 word can hold a newline): each stays one
 * line, so none can add an Attach: or Bcc: line of its own. */
static void draft_line(struct buf *text, const char *name, const char *value, int always)
{
	if (!always && (!value || !*value))
		return;
	buf_addf(text, "%s: ", name);
	lib_sanitize(text, value ? value : "", value ? strlen(value) : 0, LIB_SANITIZE_LINE);
	buf_addch(text, '\n');
}

/* DRAFT.d/account names the account the draft is sent from, so a draft
 * recovered after a crash goes out (and removes a recalled draft) where
 * it was written, whatever account the next start opens. */
static char *account_path(const struct ui_compose *c)
{
	char *dir = files_dir(c), *path = xasprintf("%s/account", dir);
	free(dir);
	return path;
}

static void account_keep(const struct ui_compose *c)
{
	char *dir = files_dir(c), *path = account_path(c), *why = NULL;
	if (access(path, F_OK) != 0) {
		lib_mkdirs(dir, 0700);
		if (lib_file_write_durable(path, c->account->name, strlen(c->account->name), 0600, &why) < 0)
			free(why); /* only a crash would need it */
	}
	free(path);
	free(dir);
}

static int write_draft(struct ui_compose *c, char **why)
{
	struct buf text = BUF_INIT;
	account_keep(c);
	draft_line(&text, "From", c->from, 1);
	draft_line(&text, "To", c->to, 1);
	draft_line(&text, "Cc", c->cc, 1);
	draft_line(&text, "Bcc", c->bcc, 1);
	draft_line(&text, "Subject", c->subject, 1);
	draft_line(&text, "In-Reply-To", c->in_reply_to, 0);
	draft_line(&text, "References", c->references, 0);
	for (size_t i = 0; i < c->nheaders; i++)
		draft_line(&text, c->headers[i].name, c->headers[i].value, 1);
	for (size_t i = 0; i < c->nattach; i++) {
		draft_line(&text, "Attach", c->attach[i].path, 1);
		draft_line(&text, "Attach-As", c->attach[i].name, 0);
		draft_line(&text, "Attach-Type", c->attach[i].type, 0);
	}
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
	attach_clear(c);
	headers_clear(c);
	buf_reset(&c->body);
	int in_body = 0;
	while ((len = getline(&line, &cap, fp)) > 0) {
		if (in_body) {
			buf_add(&c->body, line, (size_t)len);
			continue;
		}
		size_t name_len = strcspn(line, ":\r\n");
		if (line[name_len] != ':' && (line[0] == ' ' || line[0] == '\t') && c->nheaders && line[strspn(line, " \t\r\n")]) {
			/* a folded line of the header before it */
			struct ui_compose_header *h = &c->headers[c->nheaders - 1];
			line[strcspn(line, "\r\n")] = '\0';
			char *joined = xasprintf("%s %s", h->value, line + strspn(line, " \t"));
			free(h->value);
			h->value = joined;
			continue;
		}
		if (line[name_len] != ':' || !name_len || strcspn(line, " \t") < name_len) {
			/* not a header: the blank line, or the body begun without one */
			in_body = 1;
			if (line[strspn(line, "\r\n")])
				buf_add(&c->body, line, (size_t)len);
			continue;
		}
		line[strcspn(line, "\r\n")] = '\0';
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
		if (!known && strncasecmp(line, "Attach:", 7) == 0 && *value)
			attach_add(c, lib_path_expand(value), NULL, NULL);
		else if (!known && c->nattach && strncasecmp(line, "Attach-As:", 10) == 0 && *value) {
			free(c->attach[c->nattach - 1].name);
			c->attach[c->nattach - 1].name = xstrdup(value);
		} else if (!known && c->nattach && strncasecmp(line, "Attach-Type:", 12) == 0 && *value) {
			free(c->attach[c->nattach - 1].type);
			c->attach[c->nattach - 1].type = xstrdup(value);
		} else if (!known && *value && !(name_len == 6 && strncasecmp(line, "Attach", 6) == 0) &&
		           !(name_len == 9 && strncasecmp(line, "Attach-As", 9) == 0) &&
		           !(name_len == 11 && strncasecmp(line, "Attach-Type", 11) == 0)) {
			c->headers = xrealloc(c->headers, (c->nheaders + 1) * sizeof(*c->headers));
			c->headers[c->nheaders++] = (struct ui_compose_header){ xstrndup(line, name_len), xstrdup(value) };
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
	struct buf command = BUF_INIT;
	buf_addf(&command, "%s ", editor);
	lib_shell_quote(&command, ui->compose->path);
	ui_run_command(ui, command.data, NULL, 0, 0);
	buf_free(&command);
	if (read_draft(ui->compose) < 0)
		ui_say(ui, 1, "The draft file is gone.");
}

/* Whether addr is one of the addresses of the list text (read leniently;
 * addresses compared without case). */
static int list_has(const char *text, const char *addr)
{
	struct mime_address_list list;
	int found = 0;

	mime_address_list_parse(text ? text : "", text ? strlen(text) : 0, MIME_ADDRESS_LENIENT, &list, NULL);
	for (size_t i = 0; i < list.count && !found; i++)
		found = strcasecmp(list.items[i].addr, addr) == 0;
	mime_address_list_clear(&list);
	return found;
}

/* The addresses of the message's field name (From, Reply-To...) as the
 * compose screen shows them: read from the raw header, written back so
 * they read the same (a decoded "Doe, John" quoted). Caller frees. */
static char *addresses_of(struct mime_message *msg, const char *name)
{
	struct mime_address_list list;

	mime_part_addresses(msg, 0, name, &list);
	char *text = mime_address_list_format(&list);
	mime_address_list_clear(&list);
	return text;
}

/* g: everyone on To and Cc but ourselves (from) and whom the reply goes
 * to already (to), each once. Caller frees. */
static char *others_of(struct mime_message *msg, const char *from, const char *to)
{
	static const char *const fields[] = { "To", "Cc" };
	struct buf others = BUF_INIT;

	buf_add(&others, "", 0);
	for (size_t f = 0; f < LIB_ARRAY_LEN(fields); f++) {
		struct mime_address_list list;
		mime_part_addresses(msg, 0, fields[f], &list);
		for (size_t i = 0; i < list.count; i++) {
			const struct mime_mailbox *m = &list.items[i];
			if (list_has(from, m->addr) || list_has(to, m->addr) || list_has(others.data, m->addr))
				continue;
			if (others.len)
				buf_addstr(&others, ", ");
			mime_mailbox_format(m->name, m->addr, &others);
		}
		mime_address_list_clear(&list);
	}
	return buf_detach(&others);
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

/* The address to post to a list from a List-Post value (RFC 2369):
 * "<mailto:list@example.org?subject=x>" gives "list@example.org"; NULL for
 * "NO" or no mailto. Caller frees. */
static char *list_post_address(const char *value)
{
	const char *p = strcasestr(value, "<mailto:");
	if (!p)
		return NULL;
	p += 8;
	size_t len = strcspn(p, ">?");
	if (!len || p[len] == '\0')
		return NULL;
	struct mime_address_list list;
	char *addr = NULL;
	/* one address (one with %-escapes fails the check when sent) */
	if (mime_address_list_parse(p, len, 0, &list, NULL) == 0 && list.count == 1)
		addr = xstrdup(list.items[0].addr);
	mime_address_list_clear(&list);
	return addr;
}

/* Whether raw has a byte over 127. */
static int has_8bit(const char *raw, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)raw[i] >= 128)
			return 1;
	return 0;
}

static void new_draft_path(struct ui_compose *c)
{
	static unsigned serial;
	char *dir = drafts_dir();
	c->path = xasprintf("%s/%lld.%d.%u.eml", dir, (long long)time(NULL), (int)getpid(), serial++);
	free(dir);
}

void ui_compose_start(struct ui *ui, enum ui_function fn)
{
	struct ui_compose *c = xcalloc(1, sizeof(*c));
	struct mime_message *msg = fn == UI_FN_COMPOSE ? NULL : ui_pager_mime(ui);

	c->account = ui->account;
	char *why = NULL, *list = NULL;

	if (fn != UI_FN_COMPOSE && !msg) {
		ui_say(ui, 0, "The message is still being fetched.");
		free(c);
		return;
	}
	if (fn == UI_FN_LIST_REPLY) {
		char *post = header_of(msg, "List-Post");
		list = list_post_address(post);
		if (!list)
			ui_say(ui, 1, *post ? "This list takes no posts (its List-Post has no mailto: address tern can read); "
			                      "use r or g."
			                    : "This message has no List-Post header: it did not come from a mailing list; use r or g.");
		free(post);
		if (!list) {
			free(c);
			return;
		}
	}
	new_draft_path(c);
	const char *account_from = conf_get(ui->conf, ui->account, CONF_K_FROM);
	c->from = xstrdup(account_from ? account_from : "");
	if (msg) {
		char *from = header_of(msg, "From"), *to = header_of(msg, "To");
		char *cc = header_of(msg, "Cc"), *subject = header_of(msg, "Subject"), *date = header_of(msg, "Date");
		char *message_id = header_of(msg, "Message-ID"), *references = header_of(msg, "References");
		struct mime_render_options options = { 0 };
		struct buf text = BUF_INIT;
		mime_message_render(msg, &options, &text);
		if (fn == UI_FN_FORWARD) {
			c->subject = prefixed(subject, "Fwd: ");
			buf_addf(&c->body, "\n----- Forwarded message from %s -----\nDate: %s\nFrom: %s\nTo: %s\n", from, date,
			         from, to);
			if (*cc) /* as mutt's forward header: Cc when there is one */
				buf_addf(&c->body, "Cc: %s\n", cc);
			buf_addf(&c->body, "Subject: %s\n\n", subject);
			buf_add(&c->body, text.data ? text.data : "", text.len);
			buf_addstr(&c->body, "\n----- End forwarded message -----\n");
		} else if (fn == UI_FN_FORWARD_ATTACHED) {
			/* the original as it is, message/rfc822 (RFC 2046 5.2.1: 7bit
			 * or 8bit only); 8-bit bytes cannot be sent without 8BITMIME,
			 * which libetpan cannot announce: then as a plain file */
			size_t len = 0;
			const char *raw = ui_pager_raw(ui, &len);
			int eight = has_8bit(raw, len);
			char *name = xasprintf("%s.eml", *subject ? subject : "forwarded message");
			char *path = file_keep(c, name, raw, len, &why);
			c->subject = prefixed(subject, "Fwd: ");
			if (path)
				attach_add(c, path, name, eight ? "application/octet-stream" : "message/rfc822");
			if (eight)
				ui_say(ui, 0, "The message has 8-bit bytes, which cannot travel as message/rfc822 without "
				              "8BITMIME: attached as a plain .eml file.");
			free(name);
		} else {
			c->to = list ? xstrdup(list) : addresses_of(msg, "Reply-To");
			if (!*c->to) {
				free(c->to);
				c->to = addresses_of(msg, "From");
			}
			c->subject = prefixed(subject, "Re: ");
			c->in_reply_to = xstrdup(message_id);
			c->references = *references ? xasprintf("%s %s", references, message_id) : xstrdup(message_id);
			if (fn == UI_FN_GROUP_REPLY) /* everyone else on To and Cc, not ourselves */
				c->cc = others_of(msg, c->from, c->to);
			struct mime_address_list senders;
			mime_part_addresses(msg, 0, "From", &senders);
			const struct mime_mailbox *sender = senders.count ? &senders.items[0] : NULL;
			buf_addf(&c->body, "On %s, %s wrote:\n", date,
			         !sender ? from : sender->name ? sender->name : sender->addr);
			mime_address_list_clear(&senders);
			const char *p = text.data ? text.data : "";
			p += *p == '\n'; /* render wrote no headers, only the blank line after them: no empty "> " */
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
		free(from), free(to), free(cc), free(subject), free(date), free(message_id), free(references);
	}
	free(list);
	add_signature(ui, &c->body);
	if (why || write_draft(c, &why) < 0) {
		ui_say(ui, 1, why);
		free(why);
		char *dir = files_dir(c);
		files_remove(dir);
		free(dir);
		compose_free(c);
		return;
	}
	ui->compose = c;
	ui->map = UI_MAP_COMPOSE;
	edit(ui);
}

/* The text of a recalled draft: its first text/plain part that is not
 * an attachment. Returns that part's index, or SIZE_MAX when there is none. */
static size_t recalled_text(struct mime_message *msg, struct buf *out)
{
	for (size_t i = 0; i < mime_message_part_count(msg); i++) {
		const struct mime_part *part = mime_message_part(msg, i);
		if (part->subtree_end == i + 1 && !part->is_attachment && strcmp(part->type, "text/plain") == 0) {
			mime_part_text_utf8(msg, i, out);
			return i;
		}
	}
	return SIZE_MAX;
}

/* Which server draft a local draft was recalled from, kept beside it
 * (DRAFT.d/.recalled) so that a draft recovered after a crash still
 * replaces its server copy when sent or postponed. */
static char *recalled_path(const struct ui_compose *c)
{
	char *dir = files_dir(c), *path = xasprintf("%s/.recalled", dir);
	free(dir);
	return path;
}

static void recalled_keep(const struct ui_compose *c)
{
	char *dir = files_dir(c), *path = recalled_path(c), *line = engine_draft_ref_format(&c->draft), *why = NULL;
	lib_mkdirs(dir, 0700);
	if (lib_file_write_durable(path, line, strlen(line), 0600, &why) < 0)
		free(why); /* only a crash would need it */
	free(line);
	free(path);
	free(dir);
}

static void recalled_load(struct ui_compose *c)
{
	char *path = recalled_path(c);
	FILE *fp = fopen(path, "r");
	char line[4096];

	if (fp && fgets(line, sizeof(line), fp)) {
		line[strcspn(line, "\n")] = '\0';
		engine_draft_ref_parse(line, &c->draft);
	}
	if (fp)
		fclose(fp);
	free(path);
}

static int from_message(struct ui_compose *c, struct mime_message *msg, char **why);
static void draft_discard(struct ui_compose *c);

void ui_compose_recall(struct ui *ui, const char *folder, uint32_t uidvalidity)
{
	struct mime_message *msg = ui_pager_mime(ui);
	const struct model_summary *current = ui_current(ui);
	char *why = NULL;

	if (!msg || !current) {
		ui_say(ui, 0, "The draft is still being fetched.");
		return;
	}
	struct ui_compose *c = xcalloc(1, sizeof(*c));
	c->account = ui->account;
	new_draft_path(c);
	if (from_message(c, msg, &why) < 0 || write_draft(c, &why) < 0) {
		ui_say(ui, 1, why);
		free(why);
		char *dir = files_dir(c);
		files_remove(dir);
		free(dir);
		compose_free(c);
		return;
	}
	c->draft = (struct engine_draft_ref){ xstrdup(folder), uidvalidity, current->uid };
	recalled_keep(c);
	ui_pager_close(ui);
	ui->compose = c;
	ui->map = UI_MAP_COMPOSE;
	ui_say(ui, 0, "Recalled: the draft stays on the server until this is sent or postponed again.");
}

/* The compose fields, body and attachments (into files of the draft's
 * own) of a message written earlier: a draft, an outbox message. */
static int from_message(struct ui_compose *c, struct mime_message *msg, char **why)
{
	char **fields[] = { &c->from, &c->to, &c->cc, &c->bcc, &c->subject, &c->in_reply_to, &c->references };
	static const char *const names[] = { "From", "To", "Cc", "Bcc", "Subject", "In-Reply-To", "References" };
	for (size_t i = 0; i < LIB_ARRAY_LEN(fields); i++)
		*fields[i] = header_of(msg, names[i]);
	if (!strchr(c->to, '@')) { /* "undisclosed-recipients:;" */
		free(c->to);
		c->to = xstrdup("");
	}
	size_t body = recalled_text(msg, &c->body);
	/* the attachments, back into files of the draft's own; so is any other
	 * leaf part (the HTML of another client's draft): shown, never lost */
	for (size_t i = 0; i < mime_message_part_count(msg) && !*why; i++) {
		const struct mime_part *part = mime_message_part(msg, i);
		int leaf = part->subtree_end == i + 1 && strncmp(part->type, "multipart/", 10) != 0;
		if (i == body || (i == 0 && !leaf) ||
		    (!part->is_attachment && !leaf && strcmp(part->type, "message/rfc822") != 0))
			continue;
		struct buf bytes = BUF_INIT;
		mime_part_decode(msg, i, &bytes);
		const char *name = part->filename ? part->filename : "attachment";
		char *path = file_keep(c, name, bytes.data ? bytes.data : "", bytes.len, why);
		if (path)
			attach_add(c, path, part->filename && strcmp(part->filename, strrchr(path, '/') + 1) != 0 ? part->filename : NULL,
			           part->type);
		buf_free(&bytes);
		if (strcmp(part->type, "message/rfc822") == 0)
			i = part->subtree_end - 1; /* its insides travel with it */
	}
	return *why ? -1 : 0;
}

/* The envelope recipients that are on neither To nor Cc: the Bcc the
 * sent header no longer shows. */
static char *bcc_of(const struct ui_compose *c, const struct engine_outbox_entry *e)
{
	struct buf bcc = BUF_INIT;

	for (size_t r = 0; r < e->nrcpts; r++)
		if (!list_has(c->to, e->rcpts[r]) && !list_has(c->cc, e->rcpts[r]))
			buf_addf(&bcc, "%s%s", bcc.len ? ", " : "", e->rcpts[r]);
	return bcc.data ? buf_detach(&bcc) : xstrdup("");
}

int ui_compose_outbox(struct ui *ui, const char *path)
{
	struct engine_outbox_entry entry;
	struct mime_message *msg = NULL;
	struct ui_compose *c = NULL;
	const struct conf_account *account = NULL;
	char *why = NULL;
	const char *refused = NULL;
	int lock = engine_outbox_claim(path); /* the worker cannot send it while we take it */

	if (lock < 0) {
		ui_say(ui, 1, errno == EBUSY ? "That message is being sent right now: try again in a moment."
		                             : "That message has left the outbox (sent or deleted).");
		return 0;
	}
	if (engine_outbox_read(path, &entry) < 0)
		refused = "That outbox message cannot be read.";
	else if (entry.state == ENGINE_OUTBOX_SENT)
		refused = "That message was delivered (only its Sent copy is pending): it cannot be edited.";
	else if (!(account = conf_account_find(ui->conf, entry.account)))
		refused = "That message is for an account the mailrc no longer has.";
	if (refused) {
		ui_say(ui, 1, refused);
		goto done;
	}
	msg = mime_message_parse(entry.message, entry.len);
	c = xcalloc(1, sizeof(*c));
	c->account = account;
	new_draft_path(c);
	if (from_message(c, msg, &why) == 0) {
		free(c->bcc);
		c->bcc = entry.nbcc ? engine_outbox_bcc_text(&entry) : bcc_of(c, &entry);
		if (entry.draft)
			engine_draft_ref_parse(entry.draft, &c->draft);
	}
	/* the draft file first: only once it is durable does the entry go */
	if (why || write_draft(c, &why) < 0 || (unlink(path) != 0 && errno != ENOENT)) {
		if (!why)
			why = xasprintf("cannot take the message out of the outbox: %s", strerror(errno));
		ui_say(ui, 1, why);
		free(why);
		draft_discard(c);
		compose_free(c);
		c = NULL;
		goto done;
	}
	if (c->draft.folder)
		recalled_keep(c);
	c->outbox = entry;
	memset(&entry, 0, sizeof(entry));
	ui->compose = c;
	ui->map = UI_MAP_COMPOSE;
	ui_say(ui, 0, "Taken out of the outbox: y sends it again, q puts it back as it was.");
done:
	mime_message_free(msg);
	engine_outbox_entry_clear(&entry);
	engine_outbox_release(path, lock);
	return c != NULL;
}

int ui_compose_recover(struct ui *ui)
{
	char *dir = drafts_dir();
	DIR *d = opendir(dir);
	struct dirent *entry;
	char *found = NULL;

	while (d && (entry = readdir(d))) {
		size_t len = strlen(entry->d_name);
		if (entry->d_name[0] == '.')
			continue;
		if (len > 2 && strcmp(entry->d_name + len - 2, ".d") == 0) {
			/* files of a draft that is gone (sent, postponed, aborted) */
			char *draft = xasprintf("%s/%.*s.eml", dir, (int)(len - 2), entry->d_name);
			if (access(draft, F_OK) != 0) {
				char *files = xasprintf("%s/%s", dir, entry->d_name);
				files_remove(files);
				free(files);
			}
			free(draft);
		} else if (!found && strstr(entry->d_name, ".eml") && !strstr(entry->d_name, ".tmp")) {
			found = xasprintf("%s/%s", dir, entry->d_name);
		}
	}
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
	c->account = ui->account;
	read_draft(c);
	recalled_load(c);
	char *path = account_path(c), name[256] = "";
	FILE *fp = fopen(path, "r");
	const struct conf_account *account = fp && fgets(name, sizeof(name), fp) ? conf_account_find(ui->conf, name) : NULL;
	if (fp)
		fclose(fp);
	free(path);
	if (account)
		c->account = account;
	else if (c->draft.folder) /* its server is unknown: leave the server draft alone */
		engine_draft_ref_clear(&c->draft);
	ui->compose = c;
	ui->map = UI_MAP_COMPOSE;
	return 1;
}

void ui_compose_close(struct ui *ui)
{
	compose_free(ui->compose);
	ui->compose = NULL;
	ui->map = ui->outbox_screen ? UI_MAP_OUTBOX : ui->pager ? UI_MAP_PAGER : UI_MAP_INDEX;
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
		const char *name = attach_name(&c->attach[i]);
		buf_addf(&line, "%3zu attach  ", i + 1);
		lib_sanitize(&line, name, strlen(name), LIB_SANITIZE_LINE);
		if (c->attach[i].type) {
			buf_addstr(&line, "  [");
			lib_sanitize(&line, c->attach[i].type, strlen(c->attach[i].type), LIB_SANITIZE_LINE);
			buf_addstr(&line, "]");
		}
		if (stat(c->attach[i].path, &st) == 0)
			buf_addf(&line, "  (%lld bytes)", (long long)st.st_size);
		else
			buf_addstr(&line, "  (cannot be read)");
		if (c->attach[i].name) {
			buf_addstr(&line, "  from ");
			lib_sanitize(&line, c->attach[i].path, strlen(c->attach[i].path), LIB_SANITIZE_LINE);
		}
		move(row++, 0);
		ui_draw_text(line.data, (size_t)COLS);
		buf_free(&line);
	}
	struct buf status = BUF_INIT;
	buf_addf(&status, "-*- tern: compose  y send  e edit  a attach  D detach  ^O rename  P postpone  q abort ");
	ui_draw_status(ui, &status);
	buf_free(&status);
}

/* A header field of the compose screen read as the send reads it
 * (strict, IDN domains to A-labels, every address one SMTP takes) into
 * list; 0, or -1 with why (caller frees) naming the field. */
static int field_addresses(const char *field, const char *text, struct mime_address_list *list, char **why)
{
	struct lib_error err = { 0 };
	char reason[160];

	if (mime_address_list_parse(text ? text : "", text ? strlen(text) : 0, MIME_ADDRESS_IDNA, list, &err) < 0) {
		*why = xasprintf("%s: %s; press e to fix it", field, err.text);
		return -1;
	}
	for (size_t i = 0; i < list->count; i++) {
		if (smtp_address_check(list->items[i].addr, reason, sizeof(reason)) < 0) {
			*why = xasprintf("%s: the address %s %s; press e to fix it", field, list->items[i].addr, reason);
			return -1;
		}
	}
	return 0;
}

/* The list as mime_outgoing takes it (strings borrowed). */
static struct mime_address *outgoing(const struct mime_address_list *list)
{
	struct mime_address *out = xcalloc(list->count + 1, sizeof(*out));
	for (size_t i = 0; i < list->count; i++)
		out[i] = (struct mime_address){ list->items[i].name, list->items[i].addr };
	return out;
}

/* The message of the compose screen, built: for sending (all addresses
 * valid, a recipient), or as a draft (Bcc kept, recipients optional).
 * The envelope goes to entry when it is not NULL. 0, or -1 said. */
static int build(struct ui *ui, int draft, struct buf *message, struct engine_outbox_entry *entry)
{
	struct ui_compose *c = ui->compose;
	struct mime_address_list lists[4]; /* From, To, Cc, Bcc */
	struct mime_address *out[4] = { NULL };
	const char *names[] = { "From", "To", "Cc", "Bcc" };
	const char *texts[] = { c->from, c->to, c->cc, c->bcc };
	char *why = NULL;
	int rc = -1;
	struct mime_attachment *attach = xcalloc(c->nattach + 1, sizeof(*attach));
	struct lib_error err = { 0 };

	memset(lists, 0, sizeof(lists));
	for (size_t i = 0; i < c->nattach; i++)
		attach[i] = (struct mime_attachment){ .path = c->attach[i].path, .filename = attach_name(&c->attach[i]),
			                              .content_type = c->attach[i].type };
	for (size_t l = 0; l < 4 && !why; l++)
		if (field_addresses(names[l], texts[l], &lists[l], &why) == 0)
			out[l] = outgoing(&lists[l]);
	if (why || lists[0].count != 1 || (!draft && !(lists[1].count + lists[2].count + lists[3].count))) {
		ui_say(ui, 1, why ? why : lists[0].count != 1 ? "The From field needs one address." : "No recipient.");
		goto done;
	}
	struct mime_outgoing msg = {
		.from = out[0][0], .to = out[1], .to_count = lists[1].count, .cc = out[2], .cc_count = lists[2].count,
		.bcc = out[3], .bcc_count = lists[3].count,
		.subject = c->subject, .in_reply_to = c->in_reply_to && *c->in_reply_to ? c->in_reply_to : NULL,
		.references = c->references && *c->references ? c->references : NULL,
		.text = c->body.data ? c->body.data : "", .text_len = c->body.len,
		.attachments = attach, .attachment_count = c->nattach, .version = PACKAGE_VERSION, .keep_bcc = draft,
		.charsets = conf_get(ui->conf, c->account, CONF_K_SEND_CHARSET),
	};
	struct mime_field *fields = xcalloc(c->nheaders + 1, sizeof(*fields));
	for (size_t i = 0; i < c->nheaders; i++)
		fields[i] = (struct mime_field){ c->headers[i].name, c->headers[i].value };
	msg.extra = fields;
	msg.extra_count = c->nheaders;
	int built = mime_outgoing_build(&msg, message, NULL, &err);
	free(fields);
	if (built < 0) {
		ui_say(ui, 1, err.text);
		goto done;
	}
	rc = 0;
	if (!entry)
		goto done;
	entry->account = xstrdup(c->account->name);
	entry->from = xstrdup(out[0][0].addr);
	entry->state = ENGINE_OUTBOX_QUEUED;
	engine_outbox_recipients(entry, &lists[1], &lists[2], &lists[3]);
done:
	for (size_t l = 0; l < 4; l++) {
		mime_address_list_clear(&lists[l]);
		free(out[l]);
	}
	free(why);
	free(attach);
	return rc;
}

/* The draft file and the files it made are no longer needed. */
static void draft_discard(struct ui_compose *c)
{
	char *dir = files_dir(c);
	unlink(c->path);
	files_remove(dir);
	free(dir);
}

static void send_message(struct ui *ui)
{
	struct ui_compose *c = ui->compose;
	struct buf message = BUF_INIT;
	struct engine_outbox_entry entry = { 0 };
	char *why = NULL;

	if (build(ui, 0, &message, &entry) < 0) {
		buf_free(&message);
		engine_outbox_entry_clear(&entry);
		return;
	}
	entry.len = message.len;
	entry.message = buf_detach(&message);
	if (c->draft.folder) /* a recalled draft goes once this is delivered */
		entry.draft = engine_draft_ref_format(&c->draft);
	if (engine_outbox_write(&entry, &why) < 0) {
		ui_say(ui, 1, why); /* the draft stays: nothing is lost */
		free(why);
		engine_outbox_entry_clear(&entry);
		return;
	}
	/* in the outbox now, durably: the draft can go */
	draft_discard(c);
	engine_worker_send(ui_worker(ui, c->account), entry.path);
	engine_outbox_entry_clear(&entry);
	ui_compose_close(ui);
	ui_say(ui, 0, "Sending...");
}

/* P: the message to the Drafts folder, through the worker. The local
 * draft file stays until the server has the copy (the worker removes it
 * then); a recalled draft is replaced only after the new one is stored. */
static void postpone(struct ui *ui)
{
	struct ui_compose *c = ui->compose;
	struct buf message = BUF_INIT;

	if (build(ui, 1, &message, NULL) < 0) {
		buf_free(&message);
		return;
	}
	engine_worker_postpone(ui_worker(ui, c->account), message.data, message.len, c->draft.folder ? &c->draft : NULL, c->path);
	buf_free(&message);
	ui_compose_close(ui);
	ui_say(ui, 0, "Postponing...");
}

static void rename_attachment(struct ui *ui)
{
	struct ui_compose *c = ui->compose;
	size_t which = 1;
	char *why = NULL;

	if (!c->nattach) {
		ui_say(ui, 1, "There is no attachment to rename.");
		return;
	}
	if (c->nattach > 1) {
		char *answer = ui_prompt(ui, "Rename attachment number: ", NULL, NULL, 0);
		char *end = NULL;
		unsigned long n = answer ? strtoul(answer, &end, 10) : 0;
		int ok = answer && end != answer && !*end && n >= 1 && n <= c->nattach;
		free(answer);
		if (!ok) {
			ui_say(ui, 1, "No such attachment.");
			return;
		}
		which = n;
	}
	struct ui_compose_file *f = &c->attach[which - 1];
	char *name = ui_prompt(ui, "Send it as: ", attach_name(f), NULL, 0);
	if (!name || !*name || strchr(name, '/')) {
		if (name && strchr(name, '/'))
			ui_say(ui, 1, "A file name cannot hold a '/'.");
		free(name);
		return;
	}
	free(f->name);
	f->name = name;
	if (write_draft(c, &why) < 0) {
		ui_say(ui, 1, why);
		free(why);
	}
}

/* t, c, b, s, Esc f: one header changed on a prompt, as mutt does; the
 * draft file follows. A newline cannot be typed into a prompt. */
static void edit_header(struct ui *ui, const char *question, char **field)
{
	char *why = NULL;
	char *value = ui_prompt(ui, question, *field, NULL, 0);

	if (!value)
		return;
	free(*field);
	*field = value;
	if (write_draft(ui->compose, &why) < 0) {
		ui_say(ui, 1, why);
		free(why);
	}
}

int ui_compose_function(struct ui *ui, enum ui_function fn)
{
	struct ui_compose *c = ui->compose;
	char *why = NULL;

	switch (fn) {
	case UI_FN_SEND_MESSAGE:
		send_message(ui);
		return 1;
	case UI_FN_POSTPONE:
		postpone(ui);
		return 1;
	case UI_FN_RENAME_ATTACHMENT:
		rename_attachment(ui);
		return 1;
	case UI_FN_EDIT_MESSAGE:
		edit(ui);
		return 1;
	case UI_FN_EDIT_FROM:
		edit_header(ui, "From: ", &c->from);
		return 1;
	case UI_FN_EDIT_TO:
		edit_header(ui, "To: ", &c->to);
		return 1;
	case UI_FN_EDIT_CC:
		edit_header(ui, "Cc: ", &c->cc);
		return 1;
	case UI_FN_EDIT_BCC:
		edit_header(ui, "Bcc: ", &c->bcc);
		return 1;
	case UI_FN_EDIT_SUBJECT:
		edit_header(ui, "Subject: ", &c->subject);
		return 1;
	case UI_FN_ATTACH_FILE: {
		char *path = ui_prompt(ui, "Attach file: ", NULL, NULL, 0);
		if (path && *path) {
			char *full = lib_path_expand(path);
			if (access(full, R_OK) != 0) {
				ui_say(ui, 1, "That file cannot be read.");
				free(full);
			} else {
				attach_add(c, full, NULL, NULL);
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
			struct ui_compose_file *f = &c->attach[--c->nattach];
			free(f->path), free(f->name), free(f->type);
			if (write_draft(c, &why) < 0) {
				ui_say(ui, 1, why);
				free(why);
			}
		}
		return 1;
	case UI_FN_EXIT:
		if (c->outbox.path) {
			if (!ui_yesno(ui, "Stop editing? (the message goes back to the outbox as it was)"))
				return 1;
			if (engine_outbox_write(&c->outbox, &why) < 0) { /* the draft file stays: nothing is lost */
				ui_say(ui, 1, why);
				free(why);
				return 1;
			}
			draft_discard(c);
			ui_compose_close(ui);
			ui_say(ui, 0, "Back in the outbox, unchanged.");
			return 1;
		}
		if (ui_yesno(ui, c->draft.folder ? "Abort this message? (the draft stays in the Drafts folder)"
		                                  : "Abort this message?")) {
			draft_discard(c);
			ui_compose_close(ui);
			ui_say(ui, 0, "Message aborted.");
		}
		return 1;
	default:
		return 0;
	}
}
