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

struct address_list {
	struct mime_address *items;
	char **owned; /* strings the list frees */
	size_t count, nowned;
};

static char *own(struct address_list *list, char *s)
{
	list->owned = xrealloc(list->owned, (list->nowned + 1) * sizeof(*list->owned));
	list->owned[list->nowned++] = s;
	return s;
}

static void list_free(struct address_list *list)
{
	for (size_t i = 0; i < list->nowned; i++)
		free(list->owned[i]);
	free(list->owned);
	free(list->items);
}

static int bad_input(const char *fmt, const char *what)
{
	fputs("tern: ", stderr);
	fprintf(stderr, fmt, what);
	fputc('\n', stderr);
	return lib_error_exit_code(LIB_ERR_DATA);
}

/* Adds one address ("Name <a@b>" or a@b) to list, checked for what SMTP
 * and the header accept. Returns 0 or an exit code. */
static int add_address(struct address_list *list, const char *text)
{
	char *name = NULL, *addr = NULL, why[160];

	if (strpbrk(text, "\r\n"))
		return bad_input("a line break in the address '%s' (header injection refused)", text);
	if (mime_address_split(text, &name, &addr) < 0 || !addr || smtp_address_check(addr, why, sizeof(why)) < 0) {
		free(name);
		free(addr);
		return bad_input("bad address '%s'", text);
	}
	list->items = xrealloc(list->items, (list->count + 1) * sizeof(*list->items));
	list->items[list->count++] = (struct mime_address){ name ? own(list, name) : NULL, own(list, addr) };
	return 0;
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

/* mailto:a@b?subject=...&cc=...&body=... (RFC 6068). */
static int add_mailto(const char *uri, struct address_list *to, struct address_list *cc, struct address_list *bcc,
                      char **subject, char **body)
{
	const char *p = uri + 7, *q = strchr(p, '?');
	size_t len = q ? (size_t)(q - p) : strlen(p);
	int rc = 0;

	char *addrs = percent_decode(p, len), *save = NULL;
	for (char *a = strtok_r(addrs, ",", &save); a && !rc; a = strtok_r(NULL, ",", &save))
		rc = add_address(to, a);
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
			else if (strcasecmp(key, "cc") == 0 || strcasecmp(key, "bcc") == 0 || strcasecmp(key, "to") == 0) {
				char *save2 = NULL;
				struct address_list *list = key[0] == 'c' || key[0] == 'C' ? cc : key[0] == 'b' || key[0] == 'B' ? bcc : to;
				for (char *a = strtok_r(value, ",", &save2); a && !rc; a = strtok_r(NULL, ",", &save2))
					rc = add_address(list, a);
			}
			free(key);
			free(value);
		}
		field = end ? end + 1 : NULL;
	}
	return rc;
}

static int exit_for(enum lib_error_class cls)
{
	return cls == LIB_ERR_CONNECTION ? lib_error_exit_code(LIB_ERR_TEMPORARY) : lib_error_exit_code(cls);
}

int cli_send(const struct conf *conf, const char *account_name, const struct cli_send_options *o)
{
	const struct conf_account *account = account_name ? conf_account_find(conf, account_name)
	                                                   : conf_account_default(conf);
	struct address_list to = { 0 }, cc = { 0 }, bcc = { 0 }, from = { 0 };
	struct mime_attachment *attachments = NULL;
	char *subject = o->subject ? xstrdup(o->subject) : NULL, *mailto_body = NULL;
	struct buf body = BUF_INIT, message = BUF_INIT;
	int rc = 0;

	if (!account) {
		fprintf(stderr, "tern: no account in %s\n", conf->path);
		rc = lib_error_exit_code(LIB_ERR_CONFIG);
		goto done;
	}
	if (subject && strpbrk(subject, "\r\n")) {
		rc = bad_input("%s", "a line break in the subject (-s): header injection refused, nothing sent");
		goto done;
	}
	for (size_t i = 0; i < o->nto && !rc; i++)
		rc = strncasecmp(o->to[i], "mailto:", 7) == 0 ? add_mailto(o->to[i], &to, &cc, &bcc, &subject, &mailto_body)
		                                               : add_address(&to, o->to[i]);
	for (size_t i = 0; i < o->ncc && !rc; i++)
		rc = add_address(&cc, o->cc[i]);
	for (size_t i = 0; i < o->nbcc && !rc; i++)
		rc = add_address(&bcc, o->bcc[i]);
	const char *from_text = o->from ? o->from : conf_get(conf, account, CONF_K_FROM);
	if (!rc && !from_text) {
		fprintf(stderr, "tern: account %s has no from address: set from in the mailrc or give -r\n", account->name);
		rc = lib_error_exit_code(LIB_ERR_CONFIG);
	}
	if (!rc)
		rc = add_address(&from, from_text);
	if (rc)
		goto done;
	if (!to.count && !cc.count && !bcc.count) {
		fprintf(stderr, "tern: no recipient\n");
		rc = lib_error_exit_code(LIB_ERR_USAGE);
		goto done;
	}
	attachments = xcalloc(o->nattach + 1, sizeof(*attachments));
	for (size_t i = 0; i < o->nattach; i++) {
		if (access(o->attach[i], R_OK) != 0) {
			rc = bad_input("cannot read the attachment %s", o->attach[i]);
			goto done;
		}
		attachments[i].path = o->attach[i];
	}
	if (mailto_body) {
		buf_addstr(&body, mailto_body);
	} else {
		char chunk[65536];
		size_t n;
		while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
			buf_add(&body, chunk, n);
	}

	struct mime_outgoing out = {
		.from = from.items[0],
		.to = to.items, .to_count = to.count,
		.cc = cc.items, .cc_count = cc.count,
		.bcc = bcc.items, .bcc_count = bcc.count,
		.subject = subject,
		.text = body.data ? body.data : "",
		.text_len = body.len,
		.attachments = attachments, .attachment_count = o->nattach,
		.version = PACKAGE_VERSION,
	};
	struct lib_error err = { 0 };
	if (mime_outgoing_build(&out, &message, NULL, &err) < 0) {
		fprintf(stderr, "tern: %s\n", err.text);
		rc = exit_for(err.cls);
		goto done;
	}
	if (o->dry_run) {
		fwrite(message.data, 1, message.len, stdout);
		goto done;
	}

	struct engine_outbox_entry entry = { 0 };
	char *why = NULL;
	entry.account = xstrdup(account->name);
	entry.from = xstrdup(from.items[0].addr);
	entry.state = xstrdup("queued");
	struct address_list *all[] = { &to, &cc, &bcc };
	for (size_t l = 0; l < LIB_ARRAY_LEN(all); l++) {
		for (size_t i = 0; i < all[l]->count; i++) {
			entry.rcpts = xrealloc(entry.rcpts, (entry.nrcpts + 1) * sizeof(*entry.rcpts));
			entry.rcpts[entry.nrcpts++] = xstrdup(all[l]->items[i].addr);
		}
	}
	entry.len = message.len;
	entry.message = buf_detach(&message);
	if (engine_outbox_write(&entry, &why) < 0) {
		fprintf(stderr, "tern: nothing sent: the outbox could not be written: %s\n", why);
		free(why);
		engine_outbox_entry_clear(&entry);
		rc = 74; /* EX_IOERR */
		goto done;
	}
	int sent = engine_outbox_send(conf, &entry, &cli_hooks, &err);
	if (sent == 1)
		fprintf(stderr, "tern: warning: account %s: %s\n", account->name, entry.reason);
	if (sent < 0) {
		char *line = engine_error_line_smtp(account, &err);
		int queued = err.cls == LIB_ERR_TEMPORARY || err.cls == LIB_ERR_CONNECTION;
		fprintf(stderr, "tern: %s; %s\n", line,
		        queued ? "the message is queued in the outbox: tern --flush-outbox sends it"
		               : "the message is kept in the outbox: fix the cause, then tern --flush-outbox");
		free(line);
		rc = exit_for(err.cls);
	}
	engine_outbox_entry_clear(&entry);
done:
	list_free(&to);
	list_free(&cc);
	list_free(&bcc);
	list_free(&from);
	free(attachments);
	free(subject);
	free(mailto_body);
	buf_free(&body);
	buf_free(&message);
	return rc;
}

int cli_flush_outbox(const struct conf *conf)
{
	size_t count, sent = 0, pending = 0, failed = 0;
	char **paths = engine_outbox_list(&count);
	int worst = 0;

	cli_secrets_hold(); /* one question per account for the whole flush */
	for (size_t i = 0; i < count; i++) {
		struct engine_outbox_entry entry;
		struct lib_error err = { 0 };
		if (engine_outbox_read(paths[i], &entry) < 0) {
			if (access(paths[i], F_OK) != 0 && errno == ENOENT) { /* another tern sent it meanwhile */
				free(paths[i]);
				continue;
			}
			fprintf(stderr, "tern: warning: %s is not an outbox message; left alone\n", paths[i]);
			free(paths[i]);
			continue;
		}
		int rc = engine_outbox_send(conf, &entry, &cli_hooks, &err);
		if (rc == 0) {
			sent++;
		} else if (rc == 1) {
			sent++;
			pending += access(entry.path, F_OK) == 0; /* else only a warning */
			fprintf(stderr, "tern: warning: account %s: %s\n", entry.account, entry.reason);
		} else {
			const struct conf_account *account = conf_account_find(conf, entry.account);
			char *line = account ? engine_error_line_smtp(account, &err) : xstrdup(err.text);
			fprintf(stderr, "tern: %s\n", line);
			free(line);
			failed++;
			if (!worst || exit_for(err.cls) != lib_error_exit_code(LIB_ERR_TEMPORARY))
				worst = exit_for(err.cls);
		}
		engine_outbox_entry_clear(&entry);
		free(paths[i]);
	}
	cli_secrets_forget();
	free(paths);
	printf("outbox: %zu sent, %zu still in the outbox%s\n", sent, failed,
	       pending ? " (some Sent copies pending)" : "");
	return worst;
}
