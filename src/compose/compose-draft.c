/* The draft file: written durably after every change, read back after
 * the editor, and found again after a crash. Beside DRAFT.eml, DRAFT.d/
 * holds the files tern made for it (attachments of a recalled draft, a
 * message forwarded as an attachment), the account it is sent from, and
 * which server draft it replaces. */
#define _GNU_SOURCE
#include "compose-private.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../mime/mime.h"

static char *drafts_dir(void)
{
	char *data = lib_path_data_home();
	char *dir = xasprintf("%s/tern/drafts", data);
	lib_mkdirs(dir, 0700);
	free(data);
	return dir;
}

static void attach_clear(struct compose *c)
{
	for (size_t i = 0; i < c->nattach; i++) {
		free(c->attach[i].path);
		free(c->attach[i].name);
		free(c->attach[i].type);
	}
	c->nattach = 0;
}

void compose_attach_add(struct compose *c, char *path, const char *name, const char *type)
{
	c->attach = xrealloc(c->attach, (c->nattach + 1) * sizeof(*c->attach));
	c->attach[c->nattach++] = (struct compose_file){ path, name ? xstrdup(name) : NULL, type ? xstrdup(type) : NULL };
}

/* The file name an attachment is sent with. */
const char *compose_attach_name(const struct compose_file *f)
{
	const char *slash = strrchr(f->path, '/');
	return f->name ? f->name : slash ? slash + 1 : f->path;
}

/* Where files of this draft live that tern made itself (the attachments
 * of a recalled draft, a message forwarded as an attachment): next to
 * the draft, DRAFT.d/. Caller frees. */
char *compose_files_dir(const struct compose *c)
{
	return xasprintf("%.*s.d", (int)(strlen(c->path) - 4), c->path); /* without ".eml" */
}

void compose_files_remove(const char *dir)
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
char *compose_file_keep(const struct compose *c, const char *name, const char *data, size_t len, char **why)
{
	char *dir = compose_files_dir(c), *safe = mime_filename_safe(name);
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

static void headers_clear(struct compose *c)
{
	for (size_t i = 0; i < c->nheaders; i++) {
		free(c->headers[i].name);
		free(c->headers[i].value);
	}
	free(c->headers);
	c->headers = NULL;
	c->nheaders = 0;
}

void compose_free(struct compose *c)
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
static char *account_path(const struct compose *c)
{
	char *dir = compose_files_dir(c), *path = xasprintf("%s/account", dir);
	free(dir);
	return path;
}

static void account_keep(const struct compose *c)
{
	char *dir = compose_files_dir(c), *path = account_path(c), *why = NULL;
	if (access(path, F_OK) != 0) {
		lib_mkdirs(dir, 0700);
		if (lib_file_write_durable(path, c->account->name, strlen(c->account->name), 0600, &why) < 0)
			free(why); /* only a crash would need it */
	}
	free(path);
	free(dir);
}

int compose_draft_write(struct compose *c, char **why)
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
int compose_draft_read(struct compose *c)
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
			struct compose_header *h = &c->headers[c->nheaders - 1];
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
			compose_attach_add(c, lib_path_expand(value), NULL, NULL);
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
			c->headers[c->nheaders++] = (struct compose_header){ xstrndup(line, name_len), xstrdup(value) };
		}
	}
	free(line);
	fclose(fp);
	return 0;
}

void compose_draft_path_new(struct compose *c)
{
	static unsigned serial;
	char *dir = drafts_dir();
	c->path = xasprintf("%s/%lld.%d.%u.eml", dir, (long long)time(NULL), (int)getpid(), serial++);
	free(dir);
}

/* Which server draft a local draft was recalled from, kept beside it
 * (DRAFT.d/.recalled) so that a draft recovered after a crash still
 * replaces its server copy when sent or postponed. */
static char *recalled_path(const struct compose *c)
{
	char *dir = compose_files_dir(c), *path = xasprintf("%s/.recalled", dir);
	free(dir);
	return path;
}

void compose_recalled_keep(const struct compose *c)
{
	char *dir = compose_files_dir(c), *path = recalled_path(c), *line = engine_draft_ref_format(&c->draft), *why = NULL;
	lib_mkdirs(dir, 0700);
	if (lib_file_write_durable(path, line, strlen(line), 0600, &why) < 0)
		free(why); /* only a crash would need it */
	free(line);
	free(path);
	free(dir);
}

static void recalled_load(struct compose *c)
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

/* The draft file and the files it made are no longer needed. */
void compose_draft_discard(struct compose *c)
{
	char *dir = compose_files_dir(c);
	unlink(c->path);
	compose_files_remove(dir);
	free(dir);
}

int compose_detach_last(struct compose *c)
{
	if (!c->nattach)
		return 0;
	struct compose_file *f = &c->attach[--c->nattach];
	free(f->path), free(f->name), free(f->type);
	return 1;
}

char *compose_recover_find(void)
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
				compose_files_remove(files);
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
	return found;
}

struct compose *compose_recover(const struct conf *conf, char *path, const struct conf_account *fallback)
{
	struct compose *c = xcalloc(1, sizeof(*c));
	c->path = path;
	c->account = fallback;
	compose_draft_read(c);
	recalled_load(c);
	char *account_file = account_path(c), name[256] = "";
	FILE *fp = fopen(account_file, "r");
	const struct conf_account *account = fp && fgets(name, sizeof(name), fp) ? conf_account_find(conf, name) : NULL;
	if (fp)
		fclose(fp);
	free(account_file);
	if (account)
		c->account = account;
	else if (c->draft.folder) /* its server is unknown: leave the server draft alone */
		engine_draft_ref_clear(&c->draft);
	return c;
}
