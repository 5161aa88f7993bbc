/* What a new message starts from: nothing, a message replied to (its
 * Reply-To or From; a group reply adds everyone else on To and Cc but
 * ourselves; a list reply goes to its List-Post address), a forward, a
 * draft recalled from the server, or a message taken back from the
 * outbox. Every start ends with the draft file durable. */
#define _GNU_SOURCE
#include "compose-private.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../mime/mime.h"

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

static void add_signature(const struct conf *conf, const struct conf_account *account, struct buf *body)
{
	const char *file = conf_get(conf, account, CONF_K_SIGNATURE);
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

/* The compose fields, body and attachments (into files of the draft's
 * own) of a message written earlier: a draft, an outbox message. */
static int from_message(struct compose *c, struct mime_message *msg, char **why)
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
		char *path = compose_file_keep(c, name, bytes.data ? bytes.data : "", bytes.len, why);
		if (path)
			compose_attach_add(c, path, part->filename && strcmp(part->filename, strrchr(path, '/') + 1) != 0 ? part->filename : NULL,
			           part->type);
		buf_free(&bytes);
		if (strcmp(part->type, "message/rfc822") == 0)
			i = part->subtree_end - 1; /* its insides travel with it */
	}
	return *why ? -1 : 0;
}

/* The envelope recipients that are on neither To nor Cc: the Bcc the
 * sent header no longer shows. */
static char *bcc_of(const struct compose *c, const struct engine_outbox_entry *e)
{
	struct buf bcc = BUF_INIT;

	for (size_t r = 0; r < e->nrcpts; r++)
		if (!list_has(c->to, e->rcpts[r]) && !list_has(c->cc, e->rcpts[r]))
			buf_addf(&bcc, "%s%s", bcc.len ? ", " : "", e->rcpts[r]);
	return bcc.data ? buf_detach(&bcc) : xstrdup("");
}

/* r, g, L: To, Cc, In-Reply-To, References and the quoted text. */
static void start_reply(struct compose *c, enum compose_kind kind, struct mime_message *msg, const char *list,
                        const char *text)
{
	char *from = header_of(msg, "From"), *subject = header_of(msg, "Subject"), *date = header_of(msg, "Date");
	char *message_id = header_of(msg, "Message-ID"), *references = header_of(msg, "References");

	c->to = list ? xstrdup(list) : addresses_of(msg, "Reply-To");
	if (!*c->to) {
		free(c->to);
		c->to = addresses_of(msg, "From");
	}
	c->subject = prefixed(subject, "Re: ");
	c->in_reply_to = xstrdup(message_id);
	c->references = *references ? xasprintf("%s %s", references, message_id) : xstrdup(message_id);
	if (kind == COMPOSE_GROUP_REPLY) /* everyone else on To and Cc, not ourselves */
		c->cc = others_of(msg, c->from, c->to);
	struct mime_address_list senders;
	mime_part_addresses(msg, 0, "From", &senders);
	const struct mime_mailbox *sender = senders.count ? &senders.items[0] : NULL;
	buf_addf(&c->body, "On %s, %s wrote:\n", date, !sender ? from : sender->name ? sender->name : sender->addr);
	mime_address_list_clear(&senders);
	const char *p = text;
	p += *p == '\n'; /* render wrote no headers, only the blank line after them: no empty "> " */
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		buf_addstr(&c->body, len && p[0] == '>' ? ">" : "> ");
		buf_add(&c->body, p, len);
		buf_addch(&c->body, '\n');
		p += len + (nl ? 1 : 0);
	}
	free(from), free(subject), free(date), free(message_id), free(references);
}

/* f: the message's text below a forward header, as mutt writes it. */
static void start_forward(struct compose *c, struct mime_message *msg, const char *text, size_t len)
{
	char *from = header_of(msg, "From"), *to = header_of(msg, "To"), *cc = header_of(msg, "Cc");
	char *subject = header_of(msg, "Subject"), *date = header_of(msg, "Date");

	c->subject = prefixed(subject, "Fwd: ");
	buf_addf(&c->body, "\n----- Forwarded message from %s -----\nDate: %s\nFrom: %s\nTo: %s\n", from, date, from, to);
	if (*cc) /* as mutt's forward header: Cc when there is one */
		buf_addf(&c->body, "Cc: %s\n", cc);
	buf_addf(&c->body, "Subject: %s\n\n", subject);
	buf_add(&c->body, text, len);
	buf_addstr(&c->body, "\n----- End forwarded message -----\n");
	free(from), free(to), free(cc), free(subject), free(date);
}

/* Esc f: the original as it is, message/rfc822 (RFC 2046 5.2.1: 7bit or
 * 8bit only); 8-bit bytes cannot be sent without 8BITMIME, which libetpan
 * cannot announce: then as a plain file. */
static void start_forward_attached(struct compose *c, struct mime_message *msg, const char *raw, size_t len,
                                   char **why, const char **note)
{
	char *subject = header_of(msg, "Subject");
	int eight = has_8bit(raw, len);
	char *name = xasprintf("%s.eml", *subject ? subject : "forwarded message");
	char *path = compose_file_keep(c, name, raw, len, why);

	c->subject = prefixed(subject, "Fwd: ");
	if (path)
		compose_attach_add(c, path, name, eight ? "application/octet-stream" : "message/rfc822");
	if (eight)
		*note = "The message has 8-bit bytes, which cannot travel as message/rfc822 without 8BITMIME: attached "
		        "as a plain .eml file.";
	free(name);
	free(subject);
}

/* L: the list's address, or NULL with why. */
static char *list_address(struct mime_message *msg, char **why)
{
	char *post = header_of(msg, "List-Post"), *list = list_post_address(post);
	if (!list)
		*why = xstrdup(*post ? "This list takes no posts (its List-Post has no mailto: address tern can read); "
		                       "use r or g."
		                     : "This message has no List-Post header: it did not come from a mailing list; use r or g.");
	free(post);
	return list;
}

/* A draft that could not be written leaves nothing behind. */
static struct compose *start_failed(struct compose *c)
{
	char *dir = compose_files_dir(c);
	compose_files_remove(dir);
	free(dir);
	compose_free(c);
	return NULL;
}

struct compose *compose_start(const struct conf *conf, const struct conf_account *account, enum compose_kind kind,
                              struct mime_message *msg, const char *raw, size_t len, char **why, const char **note)
{
	char *list = NULL;

	*why = NULL;
	*note = NULL;
	if (kind != COMPOSE_NEW && !msg) {
		*why = xstrdup("The message is still being fetched.");
		return NULL;
	}
	if (kind == COMPOSE_LIST_REPLY && !(list = list_address(msg, why)))
		return NULL;
	struct compose *c = xcalloc(1, sizeof(*c));
	c->account = account;
	compose_draft_path_new(c);
	const char *account_from = conf_get(conf, account, CONF_K_FROM);
	c->from = xstrdup(account_from ? account_from : "");
	if (msg) {
		struct mime_render_options options = { 0 };
		struct buf text = BUF_INIT;
		mime_message_render(msg, &options, &text);
		if (kind == COMPOSE_FORWARD)
			start_forward(c, msg, text.data ? text.data : "", text.len);
		else if (kind == COMPOSE_FORWARD_ATTACHED)
			start_forward_attached(c, msg, raw, len, why, note);
		else
			start_reply(c, kind, msg, list, text.data ? text.data : "");
		buf_free(&text);
	}
	free(list);
	add_signature(conf, account, &c->body);
	if (*why || compose_draft_write(c, why) < 0)
		return start_failed(c);
	return c;
}

struct compose *compose_recall(const struct conf_account *account, struct mime_message *msg, const char *folder,
                               uint32_t uidvalidity, uint32_t uid, char **why)
{
	struct compose *c = xcalloc(1, sizeof(*c));

	*why = NULL;
	c->account = account;
	compose_draft_path_new(c);
	if (from_message(c, msg, why) < 0 || compose_draft_write(c, why) < 0)
		return start_failed(c);
	c->draft = (struct engine_draft_ref){ xstrdup(folder), uidvalidity, uid };
	compose_recalled_keep(c);
	return c;
}

struct compose *compose_from_outbox(const struct conf *conf, const char *path, char **why)
{
	struct engine_outbox_entry entry;
	struct mime_message *msg = NULL;
	struct compose *c = NULL;
	const struct conf_account *account = NULL;
	const char *refused = NULL;
	int lock = engine_outbox_claim(path); /* the worker cannot send it while we take it */

	*why = NULL;
	if (lock < 0) {
		*why = xstrdup(errno == EBUSY ? "That message is being sent right now: try again in a moment."
		                              : "That message has left the outbox (sent or deleted).");
		return NULL;
	}
	if (engine_outbox_read(path, &entry) < 0)
		refused = "That outbox message cannot be read.";
	else if (entry.state == ENGINE_OUTBOX_SENT)
		refused = "That message was delivered (only its Sent copy is pending): it cannot be edited.";
	else if (!(account = conf_account_find(conf, entry.account)))
		refused = "That message is for an account the mailrc no longer has.";
	if (refused) {
		*why = xstrdup(refused);
		goto done;
	}
	msg = mime_message_parse(entry.message, entry.len);
	c = xcalloc(1, sizeof(*c));
	c->account = account;
	compose_draft_path_new(c);
	if (from_message(c, msg, why) == 0) {
		free(c->bcc);
		c->bcc = entry.nbcc ? engine_outbox_bcc_text(&entry) : bcc_of(c, &entry);
		if (entry.draft)
			engine_draft_ref_parse(entry.draft, &c->draft);
	}
	/* the draft file first: only once it is durable does the entry go */
	if (*why || compose_draft_write(c, why) < 0 || (unlink(path) != 0 && errno != ENOENT)) {
		if (!*why)
			*why = xasprintf("cannot take the message out of the outbox: %s", strerror(errno));
		compose_draft_discard(c);
		compose_free(c);
		c = NULL;
		goto done;
	}
	if (c->draft.folder)
		compose_recalled_keep(c);
	c->outbox = entry;
	memset(&entry, 0, sizeof(entry));
done:
	mime_message_free(msg);
	engine_outbox_entry_clear(&entry);
	engine_outbox_release(path, lock);
	return c;
}
