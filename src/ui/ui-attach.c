/* The attachment list of the open message: every MIME part with its type,
 * name and size; s saves one (a sanitized name, never overwriting without
 * asking, written durably), Enter opens one through mailcap (RFC 1524:
 * ~/.mailcap, then /etc/mailcap), else text in $PAGER. */
#define _GNU_SOURCE
#include "ui-screen.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../mime/mime.h"

struct ui_attach {
	size_t cursor, top;
};

void ui_attach_open(struct ui *ui)
{
	if (!ui_pager_mime(ui)) {
		ui_say(ui, 0, "The message is still being fetched.");
		return;
	}
	free(ui->attach);
	ui->attach = xcalloc(1, sizeof(*ui->attach));
	ui->map = UI_MAP_ATTACH;
}

void ui_attach_close(struct ui *ui)
{
	free(ui->attach);
	ui->attach = NULL;
	ui->map = ui->pager ? UI_MAP_PAGER : UI_MAP_INDEX;
}

static void human(size_t size, char *out, size_t len)
{
	if (size < 1024)
		snprintf(out, len, "%zu B", size);
	else if (size < 1024 * 1024)
		snprintf(out, len, "%zu KB", (size + 512) / 1024);
	else
		snprintf(out, len, "%.1f MB", size / (1024.0 * 1024.0));
}

void ui_attach_draw(struct ui *ui)
{
	struct mime_message *msg = ui_pager_mime(ui);
	size_t count = mime_message_part_count(msg), rows = ui_rows();
	struct ui_attach *a = ui->attach;

	erase();
	if (a->cursor >= count)
		a->cursor = count ? count - 1 : 0;
	if (a->cursor < a->top)
		a->top = a->cursor;
	if (a->cursor >= a->top + rows)
		a->top = a->cursor - rows + 1;
	for (size_t r = 0; r < rows && a->top + r < count; r++) {
		size_t i = a->top + r;
		const struct mime_part *part = mime_message_part(msg, i);
		struct buf line = BUF_INIT, clean = BUF_INIT;
		char size[32];
		human(part->size, size, sizeof(size));
		buf_addf(&line, "%3zu %*s", i + 1, (int)(part->depth * 2), "");
		lib_sanitize(&clean, part->type, strlen(part->type), LIB_SANITIZE_LINE);
		buf_addf(&line, "%-28s", clean.data ? clean.data : "");
		buf_addf(&line, " %9s  ", size);
		if (part->filename) {
			buf_reset(&clean);
			lib_sanitize(&clean, part->filename, strlen(part->filename), LIB_SANITIZE_LINE);
			buf_addstr(&line, clean.data ? clean.data : "");
		}
		move((int)r, 0);
		attrset(i == a->cursor ? ui->colors[UI_COLOR_INDICATOR] : ui->colors[UI_COLOR_NORMAL]);
		ui_draw_text(line.data, (size_t)COLS);
		attrset(A_NORMAL);
		buf_free(&line);
		buf_free(&clean);
	}
	struct buf status = BUF_INIT;
	buf_addf(&status, "-*- tern: attachments (%zu parts)  s save  Enter open  q back ", count);
	ui_draw_status(ui, &status);
	buf_free(&status);
}

/* Saved files get the usual mode: 0666 less the umask. */
static mode_t file_mode(void)
{
	mode_t mask = umask(0);
	umask(mask);
	return 0666 & ~mask;
}

static void save(struct ui *ui, size_t index)
{
	struct mime_message *msg = ui_pager_mime(ui);
	const struct mime_part *part = mime_message_part(msg, index);
	char *suggested = mime_filename_safe(part->filename ? part->filename : "attachment");
	char *answer = ui_prompt(ui, "Save to file: ", suggested, NULL, 0);

	free(suggested);
	if (!answer || !*answer) {
		free(answer);
		return;
	}
	char *path = lib_path_expand(answer);
	free(answer);
	struct stat st;
	if (stat(path, &st) == 0) {
		char *question = xasprintf("%s exists. Overwrite it?", path);
		int yes = ui_yesno(ui, question);
		free(question);
		if (!yes) {
			ui_say(ui, 0, "Not saved.");
			free(path);
			return;
		}
	}
	struct buf bytes = BUF_INIT;
	char *why = NULL;
	mime_part_decode(msg, index, &bytes);
	if (lib_file_write_durable(path, bytes.data ? bytes.data : "", bytes.len, file_mode(), &why) == 0) {
		char *text = xasprintf("Saved %zu bytes to %s", bytes.len, path);
		ui_say(ui, 0, text);
		free(text);
	} else {
		ui_say(ui, 1, why);
		free(why);
	}
	buf_free(&bytes);
	free(path);
}

/* The first mailcap entry for type: its command (caller frees) and
 * whether its output is text for the pager. NULL when none. */
static char *mailcap_lookup(const char *type, int *copious)
{
	char *files[2] = { lib_path_expand("~/.mailcap"), xstrdup("/etc/mailcap") };
	char *found = NULL;

	for (size_t f = 0; f < 2 && !found; f++) {
		FILE *fp = fopen(files[f], "r");
		char *line = NULL;
		size_t cap = 0;
		while (fp && !found && getline(&line, &cap, fp) > 0) {
			if (line[0] == '#' || !strchr(line, ';'))
				continue;
			line[strcspn(line, "\r\n")] = '\0';
			char *save = NULL;
			char *entry_type = strtok_r(line, ";", &save);
			char *command = strtok_r(NULL, ";", &save);
			if (!entry_type || !command)
				continue;
			while (*entry_type == ' ')
				entry_type++;
			entry_type[strcspn(entry_type, " \t")] = '\0';
			size_t tlen = strlen(entry_type);
			int match = strcasecmp(entry_type, type) == 0 ||
			            (tlen >= 2 && strcmp(entry_type + tlen - 2, "/*") == 0 &&
			             strncasecmp(entry_type, type, tlen - 1) == 0) ||
			            (!strchr(entry_type, '/') && strncasecmp(type, entry_type, tlen) == 0 && type[tlen] == '/');
			if (!match)
				continue;
			int test_ok = 1;
			*copious = 0;
			for (char *flag = strtok_r(NULL, ";", &save); flag; flag = strtok_r(NULL, ";", &save)) {
				while (*flag == ' ')
					flag++;
				if (strncasecmp(flag, "copiousoutput", 13) == 0)
					*copious = 1;
				else if (strncasecmp(flag, "test=", 5) == 0)
					test_ok = system(flag + 5) == 0;
			}
			if (test_ok) {
				while (*command == ' ')
					command++;
				found = xstrdup(command);
			}
		}
		free(line);
		if (fp)
			fclose(fp);
	}
	free(files[0]);
	free(files[1]);
	return found;
}

static void view(struct ui *ui, size_t index)
{
	struct mime_message *msg = ui_pager_mime(ui);
	const struct mime_part *part = mime_message_part(msg, index);
	int copious = 0;
	char *command = mailcap_lookup(part->type, &copious);
	int is_text = strncasecmp(part->type, "text/", 5) == 0;

	if (!command && !is_text) {
		char *text = xasprintf("No mailcap entry for %s; save it with s.", part->type);
		ui_say(ui, 0, text);
		free(text);
		return;
	}
	const char *tmpdir = getenv("TMPDIR");
	char *dir = xasprintf("%s/tern-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	if (!mkdtemp(dir)) {
		ui_say(ui, 1, "cannot make a temporary directory");
		free(dir);
		free(command);
		return;
	}
	char *name = mime_filename_safe(part->filename ? part->filename : "attachment");
	char *path = xasprintf("%s/%s", dir, name);
	struct buf bytes = BUF_INIT;
	char *why = NULL;
	if (is_text && !command)
		mime_part_text_utf8(msg, index, &bytes);
	else
		mime_part_decode(msg, index, &bytes);
	if (lib_file_write_durable(path, bytes.data ? bytes.data : "", bytes.len, 0600, &why) == 0) {
		struct buf shell = BUF_INIT;
		if (command) {
			int had_file = 0;
			for (const char *c = command; *c; c++) {
				if (c[0] == '%' && c[1] == 's') {
					buf_addf(&shell, "'%s'", path); /* path holds no quote: mkdtemp + sanitized name */
					had_file = 1;
					c++;
				} else if (c[0] == '%' && c[1] == 't') {
					buf_addstr(&shell, "'");
					for (const char *t = part->type; *t; t++)
						if (*t != '\'')
							buf_addch(&shell, *t);
					buf_addstr(&shell, "'");
					c++;
				} else {
					buf_addch(&shell, *c);
				}
			}
			if (!had_file)
				buf_addf(&shell, " < '%s'", path);
			if (copious) {
				const char *pager = getenv("PAGER");
				buf_addf(&shell, " | %s", pager && *pager ? pager : "less");
			}
		} else {
			const char *pager = getenv("PAGER");
			buf_addf(&shell, "%s '%s'", pager && *pager ? pager : "less", path);
		}
		ui_run_command(ui, shell.data, NULL, 0, !copious && command);
		buf_free(&shell);
	} else {
		ui_say(ui, 1, why);
		free(why);
	}
	unlink(path);
	rmdir(dir);
	buf_free(&bytes);
	free(path);
	free(name);
	free(dir);
	free(command);
}

int ui_attach_function(struct ui *ui, enum ui_function fn)
{
	struct ui_attach *a = ui->attach;
	size_t count = mime_message_part_count(ui_pager_mime(ui));

	switch (fn) {
	case UI_FN_NEXT_ENTRY:
		if (a->cursor + 1 < count)
			a->cursor++;
		return 1;
	case UI_FN_PREVIOUS_ENTRY:
		if (a->cursor > 0)
			a->cursor--;
		return 1;
	case UI_FN_SAVE_ENTRY:
		save(ui, a->cursor);
		return 1;
	case UI_FN_VIEW_ATTACH:
		view(ui, a->cursor);
		return 1;
	case UI_FN_EXIT:
		ui_attach_close(ui);
		return 1;
	default:
		return 0;
	}
}
