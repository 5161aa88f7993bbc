/* The message as it leaves: every address read as the send reads it
 * (strict, IDN domains to A-labels, each one SMTP takes), then built by
 * mime for the outbox (with its envelope) or the Drafts folder. */
#include "compose-private.h"

#include <stdlib.h>
#include <string.h>

#include "../mime/mime.h"
#include "../smtp/smtp.h"
#include "config.h"

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

int compose_build(const struct compose *c, const struct conf *conf, int draft, struct buf *message,
                  struct engine_outbox_entry *entry, char **why)
{
	*why = NULL;
	struct mime_address_list lists[4]; /* From, To, Cc, Bcc */
	struct mime_address *out[4] = { NULL };
	const char *names[] = { "From", "To", "Cc", "Bcc" };
	const char *texts[] = { c->from, c->to, c->cc, c->bcc };
	int rc = -1;
	struct mime_attachment *attach = xcalloc(c->nattach + 1, sizeof(*attach));
	struct lib_error err = { 0 };

	memset(lists, 0, sizeof(lists));
	for (size_t i = 0; i < c->nattach; i++)
		attach[i] = (struct mime_attachment){ .path = c->attach[i].path, .filename = compose_attach_name(&c->attach[i]),
			                              .content_type = c->attach[i].type };
	for (size_t l = 0; l < 4 && !*why; l++)
		if (field_addresses(names[l], texts[l], &lists[l], why) == 0)
			out[l] = outgoing(&lists[l]);
	if (*why || lists[0].count != 1 || (!draft && !(lists[1].count + lists[2].count + lists[3].count))) {
		if (!*why)
			*why = xstrdup(lists[0].count != 1 ? "The From field needs one address." : "No recipient.");
		goto done;
	}
	struct mime_outgoing msg = {
		.from = out[0][0], .to = out[1], .to_count = lists[1].count, .cc = out[2], .cc_count = lists[2].count,
		.bcc = out[3], .bcc_count = lists[3].count,
		.subject = c->subject, .in_reply_to = c->in_reply_to && *c->in_reply_to ? c->in_reply_to : NULL,
		.references = c->references && *c->references ? c->references : NULL,
		.text = c->body.data ? c->body.data : "", .text_len = c->body.len,
		.attachments = attach, .attachment_count = c->nattach, .version = PACKAGE_VERSION, .keep_bcc = draft,
		.charsets = conf_get(conf, c->account, CONF_K_SEND_CHARSET),
	};
	struct mime_field *fields = xcalloc(c->nheaders + 1, sizeof(*fields));
	for (size_t i = 0; i < c->nheaders; i++)
		fields[i] = (struct mime_field){ c->headers[i].name, c->headers[i].value };
	msg.extra = fields;
	msg.extra_count = c->nheaders;
	int built = mime_outgoing_build(&msg, message, NULL, &err);
	free(fields);
	if (built < 0) {
		*why = xstrdup(err.text);
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
	free(attach);
	return rc;
}

char *compose_queue(struct compose *c, const struct conf *conf, char **why)
{
	struct buf message = BUF_INIT;
	struct engine_outbox_entry entry = { 0 };

	*why = NULL;
	if (compose_build(c, conf, 0, &message, &entry, why) < 0) {
		buf_free(&message);
		engine_outbox_entry_clear(&entry);
		return NULL;
	}
	entry.len = message.len;
	entry.message = buf_detach(&message);
	if (c->draft.folder) /* a recalled draft goes once this is delivered */
		entry.draft = engine_draft_ref_format(&c->draft);
	if (engine_outbox_write(&entry, why) < 0) {
		engine_outbox_entry_clear(&entry); /* the draft stays: nothing is lost */
		return NULL;
	}
	/* in the outbox now, durably: the draft can go */
	compose_draft_discard(c);
	char *path = xstrdup(entry.path);
	engine_outbox_entry_clear(&entry);
	return path;
}

int compose_put_back(struct compose *c, char **why)
{
	*why = NULL;
	if (engine_outbox_write(&c->outbox, why) < 0) /* the draft file stays: nothing is lost */
		return -1;
	compose_draft_discard(c);
	return 0;
}
