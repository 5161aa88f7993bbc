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

static int exit_for(enum lib_error_class cls)
{
	return cls == LIB_ERR_CONNECTION ? lib_error_exit_code(LIB_ERR_TEMPORARY) : lib_error_exit_code(cls);
}

int cli_send(const struct conf *conf, const char *account_name, const struct cli_send_options *o)
{
	const struct conf_account *account = account_name ? conf_account_find(conf, account_name)
	                                                   : conf_account_default(conf);
	struct mime_address_list to = { 0 }, cc = { 0 }, bcc = { 0 }, from = { 0 };
	struct mime_address *to_out = NULL, *cc_out = NULL, *bcc_out = NULL;
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
		                                               : add_addresses(&to, o->to[i]);
	for (size_t i = 0; i < o->ncc && !rc; i++)
		rc = add_addresses(&cc, o->cc[i]);
	for (size_t i = 0; i < o->nbcc && !rc; i++)
		rc = add_addresses(&bcc, o->bcc[i]);
	const char *from_text = o->from ? o->from : conf_get(conf, account, CONF_K_FROM);
	if (!rc && !from_text) {
		fprintf(stderr, "tern: account %s has no from address: set from in the mailrc or give -r\n", account->name);
		rc = lib_error_exit_code(LIB_ERR_CONFIG);
	}
	if (!rc)
		rc = add_addresses(&from, from_text);
	if (!rc && from.count != 1)
		rc = bad_input("the From address '%s' must be one address", from_text);
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

	to_out = outgoing(&to);
	cc_out = outgoing(&cc);
	bcc_out = outgoing(&bcc);
	struct mime_outgoing out = {
		.from = { from.items[0].name, from.items[0].addr },
		.to = to_out, .to_count = to.count,
		.cc = cc_out, .cc_count = cc.count,
		.bcc = bcc_out, .bcc_count = bcc.count,
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
	engine_outbox_recipients(&entry, &to, &cc, &bcc);
	entry.len = message.len;
	entry.message = buf_detach(&message);
	if (engine_outbox_write(&entry, &why) < 0) {
		fprintf(stderr, "tern: nothing sent: the outbox could not be written: %s\n", why);
		free(why);
		engine_outbox_entry_clear(&entry);
		rc = 74; /* EX_IOERR */
		goto done;
	}
	int sent = engine_outbox_send(conf, &entry, &cli_hooks, 0, &err);
	if (sent == 1)
		fprintf(stderr, "tern: warning: account %s: %s\n", account->name, entry.reason);
	if (sent < 0) {
		char *line = engine_error_line_smtp(account, &err);
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
done:
	mime_address_list_clear(&to);
	mime_address_list_clear(&cc);
	mime_address_list_clear(&bcc);
	mime_address_list_clear(&from);
	free(to_out);
	free(cc_out);
	free(bcc_out);
	free(attachments);
	free(subject);
	free(mailto_body);
	buf_free(&body);
	buf_free(&message);
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

int cli_flush_outbox(const struct conf *conf, int retry_failed, char **names, size_t nnames)
{
	size_t count, sent = 0, copied = 0, left = 0, skipped = 0, found = 0;
	char **paths = engine_outbox_list(&count);
	int worst = 0;

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
		int rc = engine_outbox_send(conf, &entry, &cli_hooks,
		                            retry_failed || nnames ? ENGINE_OUTBOX_RETRY_FAILED : 0, &err);
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
