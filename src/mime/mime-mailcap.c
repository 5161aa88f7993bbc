/* mailcap (RFC 1524): finding the command that opens a MIME type, and
 * turning its %-escapes into a command line that is safe to give /bin/sh.
 *
 * The rule (RFC 1524 section 6 warns about this; mutt and NeoMutt had CVEs
 * here): no byte from a message reaches the shell unless it is known to
 * mean the same bare, inside "..." and inside '...'. %s is tern's own file
 * name, made of [A-Za-z0-9._/-] only; %t and %{param} come from the
 * sender and are put in only when they are made of such characters too,
 * else the entry is refused with a reason. Entries that write their own
 * quotes around %s ('%s', "%s") therefore work unchanged. */
#define _GNU_SOURCE
#include "mime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../lib/lib.h"

void mime_mailcap_entry_clear(struct mime_mailcap_entry *e)
{
	free(e->type);
	free(e->view);
	free(e->test);
	free(e->nametemplate);
	memset(e, 0, sizeof(*e));
}

/* The next field of a mailcap line, up to an unescaped ';', with "\;" made
 * ';' and white space trimmed; other backslashes stay for the expansion
 * ("\%") and for the shell. *pos moves past the ';'. */
static char *next_field(const char *line, size_t *pos)
{
	struct buf field = BUF_INIT;
	size_t i = *pos;
	while (line[i] == ' ' || line[i] == '\t')
		i++;
	for (; line[i] && line[i] != ';'; i++) {
		if (line[i] == '\\' && line[i + 1] == ';')
			i++;
		else if (line[i] == '\\' && line[i + 1])
			buf_addch(&field, line[i++]);
		buf_addch(&field, line[i]);
	}
	*pos = line[i] ? i + 1 : i;
	char *text = buf_detach(&field);
	size_t len = strlen(text);
	while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t'))
		text[--len] = '\0';
	return text;
}

int mime_mailcap_parse(const char *line, struct mime_mailcap_entry *e)
{
	size_t pos = 0;
	memset(e, 0, sizeof(*e));
	line += strspn(line, " \t");
	if (!*line || *line == '#' || !strchr(line, ';'))
		return -1;
	e->type = next_field(line, &pos);
	e->view = next_field(line, &pos);
	if (!*e->type || strpbrk(e->type, " \t")) {
		mime_mailcap_entry_clear(e);
		return -1;
	}
	while (line[pos]) {
		char *flag = next_field(line, &pos);
		char *eq = strchr(flag, '=');
		size_t name_len = eq ? (size_t)(eq - flag) : strlen(flag);
		while (name_len > 0 && (flag[name_len - 1] == ' ' || flag[name_len - 1] == '\t'))
			name_len--;
		const char *value = eq ? eq + 1 + strspn(eq + 1, " \t") : "";
		if (name_len == 13 && strncasecmp(flag, "copiousoutput", 13) == 0)
			e->copiousoutput = 1;
		else if (name_len == 13 && strncasecmp(flag, "needsterminal", 13) == 0)
			e->needsterminal = 1;
		else if (eq && name_len == 4 && strncasecmp(flag, "test", 4) == 0 && !e->test)
			e->test = xstrdup(value);
		else if (eq && name_len == 12 && strncasecmp(flag, "nametemplate", 12) == 0 && !e->nametemplate)
			e->nametemplate = xstrdup(value);
		free(flag);
	}
	return 0;
}

int mime_mailcap_matches(const struct mime_mailcap_entry *e, const char *type)
{
	size_t len = strlen(e->type);
	if (strcasecmp(e->type, type) == 0)
		return 1;
	if (len >= 2 && strcmp(e->type + len - 2, "/*") == 0)
		return strncasecmp(e->type, type, len - 1) == 0; /* "image/" */
	return !strchr(e->type, '/') && strncasecmp(type, e->type, len) == 0 && type[len] == '/';
}

/* What %{name} stands for: the part's Content-Type parameter ("" when absent). */
static char *param_value(const struct mime_mailcap_values *v, const char *name)
{
	char *value = v->msg ? mime_part_type_param(v->msg, v->index, name) : NULL;
	return value ? value : xstrdup("");
}

char *mime_mailcap_expand(const char *template, const struct mime_mailcap_values *v, int *uses_file, char **why)
{
	struct buf out = BUF_INIT;
	*uses_file = 0;
	*why = NULL;
	for (const char *c = template; *c; c++) {
		if (c[0] == '\\' && c[1] == '%') {
			buf_addch(&out, '%');
			c++;
			continue;
		}
		if (c[0] != '%' || !c[1]) {
			buf_addch(&out, *c);
			continue;
		}
		char *value = NULL, *what = NULL;
		if (c[1] == 's') {
			if (!v->path || !lib_shell_word_safe(v->path)) {
				*why = xstrdup("the temporary file's path holds characters unsafe for a shell (check $TMPDIR)");
				break;
			}
			buf_addstr(&out, v->path);
			*uses_file = 1;
			c++;
			continue;
		} else if (c[1] == 't') {
			value = xstrdup(v->type);
			what = xstrdup("%t (the type)");
			c++;
		} else if (c[1] == '{' && strchr(c + 2, '}')) {
			const char *end = strchr(c + 2, '}');
			char *name = xstrndup(c + 2, (size_t)(end - c - 2));
			value = param_value(v, name);
			what = xasprintf("%%{%s}", name);
			free(name);
			c = end;
		} else if (c[1] == 'n' || c[1] == 'F') {
			*why = xasprintf("it uses %%%c (multipart parts), which tern does not provide", c[1]);
			break;
		} else {
			buf_addch(&out, *c);
			continue;
		}
		if (*value && !lib_shell_word_safe(value))
			*why = xasprintf("%s from the message holds characters unsafe for a shell", what);
		else
			buf_addstr(&out, value);
		free(value);
		free(what);
		if (*why)
			break;
	}
	if (*why) {
		buf_free(&out);
		return NULL;
	}
	return buf_detach(&out);
}

/* 1 when the entry's test= command (if any) succeeds; a test that needs
 * unsafe text from the message fails. Its output is thrown away. */
static int test_passes(const struct mime_mailcap_entry *e, const struct mime_mailcap_values *v)
{
	if (!e->test)
		return 1;
	int uses_file;
	char *why = NULL;
	char *command = mime_mailcap_expand(e->test, v, &uses_file, &why);
	if (!command) {
		free(why);
		return 0;
	}
	struct lib_child child;
	int status = -1;
	if (lib_run_start(command, LIB_RUN_READ, &child) == 0) {
		char sink[512];
		while (read(child.fd, sink, sizeof(sink)) > 0)
			;
		status = lib_run_wait(&child);
	}
	free(command);
	return status == 0;
}

/* The files to read: $MAILCAPS (colon-separated) when set, else the
 * user's ~/.mailcap, then /etc/mailcap. NULL-terminated; caller frees. */
static char **mailcap_files(void)
{
	const char *list = getenv("MAILCAPS");
	char **files = NULL;
	size_t n = 0;
	if (list && *list) {
		char *copy = xstrdup(list), *save = NULL;
		for (char *f = strtok_r(copy, ":", &save); f; f = strtok_r(NULL, ":", &save)) {
			files = xrealloc(files, (n + 2) * sizeof(*files));
			files[n++] = lib_path_expand(f);
		}
		free(copy);
	} else {
		files = xcalloc(3, sizeof(*files));
		files[n++] = lib_path_expand("~/.mailcap");
		files[n++] = xstrdup("/etc/mailcap");
	}
	if (!files)
		files = xcalloc(1, sizeof(*files));
	files[n] = NULL;
	return files;
}

int mime_mailcap_find(const struct mime_mailcap_values *v, struct mime_mailcap_entry *found)
{
	char **files = mailcap_files();
	int ok = -1;
	for (size_t f = 0; files[f] && ok < 0; f++) {
		FILE *fp = fopen(files[f], "re");
		char *raw = NULL;
		size_t cap = 0;
		struct buf line = BUF_INIT;
		while (fp && ok < 0 && getline(&raw, &cap, fp) > 0) {
			raw[strcspn(raw, "\r\n")] = '\0';
			size_t len = strlen(raw);
			if (len && raw[len - 1] == '\\' && (line.len || raw[0] != '#')) {
				buf_add(&line, raw, len - 1); /* continued on the next line */
				continue;
			}
			buf_addstr(&line, raw);
			struct mime_mailcap_entry e;
			if (mime_mailcap_parse(line.data, &e) == 0) {
				if (mime_mailcap_matches(&e, v->type) && *e.view && test_passes(&e, v)) {
					*found = e;
					ok = 0;
				} else {
					mime_mailcap_entry_clear(&e);
				}
			}
			buf_reset(&line);
		}
		buf_free(&line);
		free(raw);
		if (fp)
			fclose(fp);
	}
	for (size_t f = 0; files[f]; f++)
		free(files[f]);
	free(files);
	return ok;
}
