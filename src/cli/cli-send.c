/* Scripted sending, mailx and mutt style:
 *     echo body | tern -s SUBJECT [-c ADDR]... [-b ADDR]... [-a FILE]... [-r FROM] ADDR...
 * (a mailto: URI works as an address), and tern --flush-outbox. The
 * message goes to the outbox durably before any attempt to send it, and
 * leaves it only once the server took it and the Sent copy is stored.
 * Exit codes: 0 sent, 75 queued, 77 authentication or TLS refused, 65 bad
 * input (address, attachment, a newline in a header), 78 config, 69
 * refused by the server. */
#define _GNU_SOURCE
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../mime/mime.h"
#include "../smtp/smtp.h"
#include "config.h"

/* tern -v: the SMTP dialogue, as the smtp module hands it over. */
static void trace_stderr(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "%s\n", line);
}

static int bad_input(const char *fmt, const char *what)
{
	fputs("tern: ", stderr);
	fprintf(stderr, fmt, what);
	fputc('\n', stderr);
	return lib_error_exit_code(LIB_ERR_DATA);
}

/* Adds every address of the list text (an argument of -c, -b, -r, a
 * recipient, a mailto: field) to list, as the parser reads it and SMTP
 * can take it. One address that cannot be read refuses the whole send:
 * 0, or the exit code with the address and why on stderr. */
static int add_addresses(struct mime_address_list *list, const char *text)
{
	struct mime_address_list more;
	struct lib_error err = { 0 };
	char why[160];
	int rc = 0;

	if (strpbrk(text, "\r\n"))
		return bad_input("a line break in the address '%s' (header injection refused); nothing sent", text);
	if (mime_address_list_parse(text, strlen(text), MIME_ADDRESS_IDNA, &more, &err) < 0) {
		fprintf(stderr, "tern: bad address %s; nothing sent\n", err.text);
		rc = lib_error_exit_code(LIB_ERR_DATA);
	} else if (!more.count && !more.groups) {
		rc = bad_input("no address in '%s'; nothing sent", text);
	}
	for (size_t i = 0; i < more.count && !rc; i++) {
		if (smtp_address_check(more.items[i].addr, why, sizeof(why)) < 0) {
			struct buf shown = BUF_INIT;
			mime_mailbox_format(more.items[i].name, more.items[i].addr, &shown);
			fprintf(stderr, "tern: bad address '%s': the address %s; nothing sent\n", shown.data, why);
			buf_free(&shown);
			rc = lib_error_exit_code(LIB_ERR_DATA);
		}
	}
	for (size_t i = 0; i < more.count && !rc; i++) {
		if (list->count == list->cap) {
			list->cap = list->cap ? list->cap * 2 : 8;
			list->items = xrealloc(list->items, list->cap * sizeof(*list->items));
		}
		list->items[list->count++] = more.items[i];
		memset(&more.items[i], 0, sizeof(more.items[i])); /* moved */
	}
	list->groups += more.groups;
	mime_address_list_clear(&more);
	return rc;
}

/* The list as mime_outgoing takes it (strings borrowed from list). */
static struct mime_address *outgoing(const struct mime_address_list *list)
{
	struct mime_address *out = xcalloc(list->count + 1, sizeof(*out));
	for (size_t i = 0; i < list->count; i++)
		out[i] = (struct mime_address){ list->items[i].name, list->items[i].addr };
	return out;
}

static char *percent_decode(const char *s, size_t len)
{
	struct buf out = BUF_INIT;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len + 0 && isxdigit((unsigned char)s[i + 1]) && isxdigit((unsigned char)s[i + 2])) {
			char hex[3] = { s[i + 1], s[i + 2], 0 };
			buf_addch(&out, (char)strtol(hex, NULL, 16));
			i += 2;
		} else {
			buf_addch(&out, s[i]);
		}
	}
	return buf_detach(&out);
}

/* mailto:a@b?subject=...&cc=...&body=... (RFC 6068): its addresses
 * (a list, as in a header) and fields. */
static int add_mailto(const char *uri, struct mime_address_list *to, struct mime_address_list *cc,
                      struct mime_address_list *bcc, char **subject, char **body)
{
	const char *p = uri + 7, *q = strchr(p, '?');
	size_t len = q ? (size_t)(q - p) : strlen(p);
	int rc = 0;

	char *addrs = percent_decode(p, len);
	if (*addrs)
		rc = add_addresses(to, addrs);
	free(addrs);
	for (const char *field = q ? q + 1 : NULL; field && *field && !rc;) {
		const char *end = strchr(field, '&'), *eq = memchr(field, '=', end ? (size_t)(end - field) : strlen(field));
		size_t flen = end ? (size_t)(end - field) : strlen(field);
		if (eq) {
			char *key = xstrndup(field, (size_t)(eq - field));
			char *value = percent_decode(eq + 1, flen - (size_t)(eq - field) - 1);
			if (strcasecmp(key, "subject") == 0 && !*subject)
				*subject = xstrdup(value);
			else if (strcasecmp(key, "body") == 0 && !*body)
				*body = xstrdup(value);
			else if ((strcasecmp(key, "cc") == 0 || strcasecmp(key, "bcc") == 0 || strcasecmp(key, "to") == 0) &&
			         *value)
				rc = add_addresses(strcasecmp(key, "cc") == 0 ? cc : strcasecmp(key, "bcc") == 0 ? bcc : to,
				                   value);
			free(key);
			free(value);
		}
		field = end ? end + 1 : NULL;
	}
	return rc;
}

/* Everything on standard input. */
static void read_stdin(struct buf *out)
{
	char chunk[65536];
	size_t n;

	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
		buf_add(out, chunk, n);
}

/* -t: the header of the message on stdin (RFC 5322 fields, folded lines
 * unfolded) up to its blank line. The recipients and the fields tern
 * writes itself are taken out; the rest travels as the caller's fields. */
struct stdin_head {
	char *subject, *from, *in_reply_to, *references; /* NULL: not given */
	char **to, **cc, **bcc, **reply_to;              /* raw address lists */
	size_t nto, ncc, nbcc, nreply_to;
	struct mime_field *extra;                        /* names and values owned */
	size_t nextra;
	struct buf dropped;                              /* ", Date, Message-ID" */
	size_t body;                                     /* where the body starts in the input */
};

static void head_clear(struct stdin_head *h)
{
	char **lists[] = { h->to, h->cc, h->bcc, h->reply_to };
	size_t counts[] = { h->nto, h->ncc, h->nbcc, h->nreply_to };
	for (size_t l = 0; l < 4; l++) {
		for (size_t i = 0; i < counts[l]; i++)
			free(lists[l][i]);
		free(lists[l]);
	}
	for (size_t i = 0; i < h->nextra; i++) {
		free((char *)h->extra[i].name);
		free((char *)h->extra[i].value);
	}
	free(h->extra);
	free(h->subject), free(h->from), free(h->in_reply_to), free(h->references);
	buf_free(&h->dropped);
}

/* Reads the header of input into h; 0, or an exit code said. */
static int head_read(const char *input, size_t len, struct stdin_head *h)
{
	size_t pos = 0, lineno = 1;

	while (pos < len) {
		const char *line = input + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t line_len = nl ? (size_t)(nl - line) : len - pos;
		size_t field_end = nl ? pos + line_len + 1 : len;
		if (line_len == 0 || (line_len == 1 && line[0] == '\r')) {
			pos = field_end;
			break; /* the blank line: the body follows */
		}
		const char *colon = memchr(line, ':', line_len);
		size_t name_len = colon ? (size_t)(colon - line) : 0;
		if (!colon || !name_len || memchr(line, ' ', name_len) || memchr(line, '\t', name_len)) {
			char where[32];
			snprintf(where, sizeof(where), "%zu", lineno);
			return bad_input("-t: line %s of the message on standard input is not a header field "
			                 "(\"Name: value\", then a blank line, then the body); nothing sent",
			                 where);
		}
		/* the field goes on over lines that start with white space */
		while (field_end < len && (input[field_end] == ' ' || input[field_end] == '\t')) {
			const char *next = memchr(input + field_end, '\n', len - field_end);
			field_end = next ? (size_t)(next - input) + 1 : len;
			lineno++;
		}
		struct buf value = BUF_INIT;
		for (size_t i = (size_t)(colon - input) + 1; i < field_end; i++)
			if (input[i] != '\r' && input[i] != '\n')
				buf_addch(&value, input[i]);
		buf_add(&value, "", 0);
		char *name = xstrndup(line, name_len), *text = value.data + strspn(value.data, " \t");
		size_t text_len = strlen(text);
		while (text_len && (text[text_len - 1] == ' ' || text[text_len - 1] == '\t'))
			text[--text_len] = '\0';
		struct {
			const char *name;
			char ***list;
			size_t *count;
		} lists[] = { { "To", &h->to, &h->nto }, { "Cc", &h->cc, &h->ncc }, { "Bcc", &h->bcc, &h->nbcc },
			      { "Reply-To", &h->reply_to, &h->nreply_to } };
		int taken = 0;
		for (size_t l = 0; l < LIB_ARRAY_LEN(lists) && !taken; l++) {
			if (strcasecmp(name, lists[l].name) == 0) {
				*lists[l].list = xrealloc(*lists[l].list, (*lists[l].count + 1) * sizeof(char *));
				(*lists[l].list)[(*lists[l].count)++] = xstrdup(text);
				taken = 1;
			}
		}
		struct {
			const char *name;
			char **slot;
			int decode;
		} single[] = { { "Subject", &h->subject, 1 }, { "From", &h->from, 0 },
			       { "In-Reply-To", &h->in_reply_to, 0 }, { "References", &h->references, 0 } };
		for (size_t f = 0; f < LIB_ARRAY_LEN(single) && !taken; f++) {
			if (strcasecmp(name, single[f].name) == 0) {
				free(*single[f].slot);
				*single[f].slot = single[f].decode ? mime_header_decode(text, text_len) : xstrdup(text);
				taken = 1;
			}
		}
		/* what tern writes itself (the MIME structure is its own) */
		static const char *const own[] = { "Date", "Message-ID", "MIME-Version", "User-Agent" };
		int own_field = !taken && strncasecmp(name, "Content-", 8) == 0;
		for (size_t f = 0; f < LIB_ARRAY_LEN(own) && !taken; f++)
			own_field |= strcasecmp(name, own[f]) == 0;
		if (own_field) {
			buf_addf(&h->dropped, "%s%s", h->dropped.len ? ", " : "", name);
			taken = 1;
		}
		if (!taken) { /* the caller's own field (X-..., Organization...) */
			h->extra = xrealloc(h->extra, (h->nextra + 1) * sizeof(*h->extra));
			h->extra[h->nextra++] = (struct mime_field){ xstrdup(name), mime_header_decode(text, text_len) };
		}
		free(name);
		buf_free(&value);
		lineno++;
		pos = field_end;
	}
	h->body = pos;
	return 0;
}

static int exit_for(enum lib_error_class cls)
{
	return cls == LIB_ERR_CONNECTION ? lib_error_exit_code(LIB_ERR_TEMPORARY) : lib_error_exit_code(cls);
}

/* What a send gathers from the command line, mailto: and the message on
 * standard input, freed by send_clear. */
struct send {
	const struct conf *conf;
	const struct conf_account *account;
	const struct cli_send_options *o;
	struct mime_address_list to, cc, bcc, from, reply_to;
	char *subject, *mailto_body;
	struct buf input;
	struct stdin_head head;
	int read_early; /* standard input was read with the command line */
};

static void send_clear(struct send *s)
{
	mime_address_list_clear(&s->to);
	mime_address_list_clear(&s->cc);
	mime_address_list_clear(&s->bcc);
	mime_address_list_clear(&s->from);
	mime_address_list_clear(&s->reply_to);
	head_clear(&s->head);
	buf_free(&s->input);
	free(s->subject);
	free(s->mailto_body);
}

/* -t: the recipients (and more) from the message's own header. */
static int send_head(struct send *s)
{
	struct stdin_head *head = &s->head;
	int rc = head_read(s->input.data ? s->input.data : "", s->input.len, head);

	for (size_t i = 0; i < head->nto && !rc; i++)
		rc = add_addresses(&s->to, head->to[i]);
	for (size_t i = 0; i < head->ncc && !rc; i++)
		rc = add_addresses(&s->cc, head->cc[i]);
	for (size_t i = 0; i < head->nbcc && !rc; i++)
		rc = add_addresses(&s->bcc, head->bcc[i]);
	for (size_t i = 0; i < head->nreply_to && !rc; i++)
		rc = add_addresses(&s->reply_to, head->reply_to[i]);
	if (!rc && !s->subject && head->subject)
		s->subject = xstrdup(head->subject); /* -s wins over the message's own */
	if (!rc && head->dropped.len)
		fprintf(stderr, "tern: warning: -t: %s of the message on standard input replaced by tern's own\n",
		        head->dropped.data);
	return rc;
}

/* The recipients, the subject and the sender: every one good, or an exit
 * code and nothing sent. */
static int send_gather(struct send *s)
{
	const struct cli_send_options *o = s->o;
	int rc = 0;

	if (s->subject && strpbrk(s->subject, "\r\n"))
		return bad_input("%s", "a line break in the subject (-s): header injection refused, nothing sent");
	for (size_t i = 0; i < o->nto && !rc; i++)
		rc = strncasecmp(o->to[i], "mailto:", 7) == 0
		             ? add_mailto(o->to[i], &s->to, &s->cc, &s->bcc, &s->subject, &s->mailto_body)
		             : add_addresses(&s->to, o->to[i]);
	for (size_t i = 0; i < o->ncc && !rc; i++)
		rc = add_addresses(&s->cc, o->cc[i]);
	for (size_t i = 0; i < o->nbcc && !rc; i++)
		rc = add_addresses(&s->bcc, o->bcc[i]);
	/* the body: mailto:'s body= or standard input, never both silently;
	 * read now when it holds the header (-t) or must be empty (body=),
	 * else once the command line is known to be good */
	s->read_early = o->headers || s->mailto_body;
	if (!rc && s->read_early && (!s->mailto_body || !isatty(STDIN_FILENO)))
		read_stdin(&s->input);
	if (!rc && s->mailto_body && s->input.len) {
		fprintf(stderr, "tern: the mailto: URI has a body (body=) and standard input has text too: give the body "
		                "one way (tern </dev/null for the URI's); nothing sent\n");
		rc = lib_error_exit_code(LIB_ERR_USAGE);
	}
	if (!rc && o->headers)
		rc = send_head(s);
	if (!rc && s->subject && strpbrk(s->subject, "\r\n"))
		rc = bad_input("%s", "a line break in the subject: header injection refused, nothing sent");
	const char *from_text = o->from ? o->from : s->head.from ? s->head.from : conf_get(s->conf, s->account, CONF_K_FROM);
	if (!rc && !from_text) {
		fprintf(stderr, "tern: account %s has no from address: set from in the mailrc or give -r\n",
		        s->account->name);
		rc = lib_error_exit_code(LIB_ERR_CONFIG);
	}
	if (!rc)
		rc = add_addresses(&s->from, from_text);
	if (!rc && s->from.count != 1)
		rc = bad_input("the From address '%s' must be one address", from_text);
	if (!rc && !s->to.count && !s->cc.count && !s->bcc.count) {
		fprintf(stderr, "tern: no recipient\n");
		rc = lib_error_exit_code(LIB_ERR_USAGE);
	}
	return rc;
}

/* The message, built from what send_gather found, the body and the
 * attachments. */
static int send_build(struct send *s, struct buf *message)
{
	const struct cli_send_options *o = s->o;
	struct mime_attachment *attachments = xcalloc(o->nattach + 1, sizeof(*attachments));
	struct buf body = BUF_INIT;
	struct mime_address *to = NULL, *cc = NULL, *bcc = NULL, *reply_to = NULL;
	int rc = 0;

	for (size_t i = 0; i < o->nattach; i++) {
		if (access(o->attach[i], R_OK) != 0) {
			rc = bad_input("cannot read the attachment %s", o->attach[i]);
			goto done;
		}
		attachments[i].path = o->attach[i];
	}
	if (!s->read_early)
		read_stdin(&s->input);
	if (s->mailto_body)
		buf_addstr(&body, s->mailto_body);
	else
		buf_add(&body, s->input.data ? s->input.data + s->head.body : "", s->input.len - s->head.body);
	to = outgoing(&s->to);
	cc = outgoing(&s->cc);
	bcc = outgoing(&s->bcc);
	reply_to = outgoing(&s->reply_to);
	struct mime_outgoing out = {
		.from = { s->from.items[0].name, s->from.items[0].addr },
		.to = to, .to_count = s->to.count,
		.cc = cc, .cc_count = s->cc.count,
		.bcc = bcc, .bcc_count = s->bcc.count,
		.reply_to = reply_to, .reply_to_count = s->reply_to.count,
		.subject = s->subject,
		.in_reply_to = s->head.in_reply_to, .references = s->head.references,
		.extra = s->head.extra, .extra_count = s->head.nextra,
		.text = body.data ? body.data : "",
		.text_len = body.len,
		.attachments = attachments, .attachment_count = o->nattach,
		.version = PACKAGE_VERSION,
		.charsets = conf_get(s->conf, s->account, CONF_K_SEND_CHARSET),
	};
	struct lib_error err = { 0 };
	if (mime_outgoing_build(&out, message, NULL, &err) < 0) {
		fprintf(stderr, "tern: %s\n", err.text);
		rc = exit_for(err.cls);
	}
done:
	free(to);
	free(cc);
	free(bcc);
	free(reply_to);
	free(attachments);
	buf_free(&body);
	return rc;
}

/* The message goes into the outbox (durable) first, then to the server. */
static int send_queue(struct send *s, struct buf *message)
{
	struct engine_outbox_entry entry = { 0 };
	struct lib_error err = { 0 };
	char *why = NULL;
	int rc = 0;

	entry.account = xstrdup(s->account->name);
	entry.from = xstrdup(s->from.items[0].addr);
	entry.state = ENGINE_OUTBOX_QUEUED;
	engine_outbox_recipients(&entry, &s->to, &s->cc, &s->bcc);
	entry.len = message->len;
	entry.message = buf_detach(message);
	if (engine_outbox_write(&entry, &why) < 0) {
		fprintf(stderr, "tern: nothing sent: the outbox could not be written: %s\n", why);
		free(why);
		engine_outbox_entry_clear(&entry);
		return 74; /* EX_IOERR */
	}
	struct engine_hooks hooks = cli_hooks;
	if (s->o->verbose)
		hooks.trace = trace_stderr;
	int sent = engine_outbox_send(s->conf, &entry, &hooks, 0, &err);
	if (sent == 1)
		fprintf(stderr, "tern: warning: account %s: %s\n", s->account->name, entry.reason);
	if (sent < 0) {
		char *line = engine_error_line_smtp(s->account, &err);
		int queued = err.cls == LIB_ERR_TEMPORARY || err.cls == LIB_ERR_CONNECTION;
		if (queued)
			fprintf(stderr, "tern: %s; the message is queued in the outbox: tern --flush-outbox sends it\n", line);
		else /* mailx writes dead.letter; the outbox entry is that copy */
			fprintf(stderr, "tern: %s; the message is kept in the outbox as %s: fix the cause, then "
			                "tern --flush-outbox --retry-failed\n", line, entry.path);
		free(line);
		rc = exit_for(err.cls);
	}
	engine_outbox_entry_clear(&entry);
	return rc;
}

int cli_send(const struct conf *conf, const char *account_name, const struct cli_send_options *o)
{
	struct send s = { .conf = conf, .o = o, .input = BUF_INIT };
	struct buf message = BUF_INIT;
	int rc;

	s.account = account_name ? conf_account_find(conf, account_name) : conf_account_default(conf);
	if (!s.account) {
		fprintf(stderr, "tern: no account in %s\n", conf->path);
		return lib_error_exit_code(LIB_ERR_CONFIG);
	}
	s.subject = o->subject ? xstrdup(o->subject) : NULL;
	rc = send_gather(&s);
	if (!rc)
		rc = send_build(&s, &message);
	if (!rc && o->dry_run)
		fwrite(message.data, 1, message.len, stdout);
	else if (!rc)
		rc = send_queue(&s, &message);
	buf_free(&message);
	send_clear(&s);
	return rc;
}

/* Whether path is one of the entries named on the command line (a path
 * or a file name, as tern --outbox --json gives it). */
static int entry_named(const char *path, char **names, size_t n)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	for (size_t i = 0; i < n; i++) {
		const char *name_base = strrchr(names[i], '/') ? strrchr(names[i], '/') + 1 : names[i];
		if (strcmp(path, names[i]) == 0 || strcmp(base, name_base) == 0)
			return 1;
	}
	return 0;
}

int cli_flush_outbox(const struct conf *conf, int retry_failed, char **names, size_t nnames, int verbose)
{
	struct engine_hooks hooks = cli_hooks;
	if (verbose)
		hooks.trace = trace_stderr;
	size_t count, sent = 0, copied = 0, left = 0, skipped = 0, found = 0;
	char **paths = engine_outbox_list(&count);
	int worst = 0;

	cli_secrets_hold(); /* one question per account for the whole flush */
	for (size_t i = 0; i < count; i++) {
		struct engine_outbox_entry entry;
		struct lib_error err = { 0 };
		if (nnames && !entry_named(paths[i], names, nnames)) {
			free(paths[i]);
			continue;
		}
		found++;
		if (engine_outbox_read(paths[i], &entry) < 0) {
			if (access(paths[i], F_OK) != 0 && errno == ENOENT) { /* another tern sent it meanwhile */
				free(paths[i]);
				continue;
			}
			fprintf(stderr, "tern: warning: %s is not an outbox message; left alone\n", paths[i]);
			free(paths[i]);
			continue;
		}
		/* a refused message goes again only when asked: --retry-failed,
		 * or named on the command line */
		int rc = engine_outbox_send(conf, &entry, &hooks, retry_failed || nnames ? ENGINE_OUTBOX_RETRY_FAILED : 0,
		                            &err);
		if (rc == 0 || rc == 1) {
			if (entry.delivered)
				sent++;
			else
				copied++;
			if (rc == 1) {
				left += access(entry.path, F_OK) == 0; /* else only a warning */
				fprintf(stderr, "tern: warning: account %s: %s\n", entry.account, entry.reason);
			}
		} else if (rc == 2) {
			skipped++;
			left++;
		} else {
			const struct conf_account *account = conf_account_find(conf, entry.account);
			char *line = account ? engine_error_line_smtp(account, &err) : xstrdup(err.text);
			fprintf(stderr, "tern: %s\n", line);
			free(line);
			left++;
			if (!worst || exit_for(err.cls) != lib_error_exit_code(LIB_ERR_TEMPORARY))
				worst = exit_for(err.cls);
		}
		engine_outbox_entry_clear(&entry);
		free(paths[i]);
	}
	cli_secrets_forget();
	free(paths);
	if (found < nnames) {
		fprintf(stderr, "tern: %s in the outbox (tern --outbox lists it)\n",
		        nnames == 1 ? "no such message" : "some of those messages are not");
		if (!worst)
			worst = 66; /* EX_NOINPUT */
	}
	printf("outbox: %zu sent", sent);
	if (copied)
		printf(", %zu Sent cop%s stored (delivered earlier)", copied, copied == 1 ? "y" : "ies");
	printf(", %zu still in the outbox", left);
	if (skipped)
		printf(" (%zu refused earlier, not sent again: tern --flush-outbox --retry-failed)", skipped);
	putchar('\n');
	return worst;
}
