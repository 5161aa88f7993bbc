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
	ui_mode_remove(ui, &ui_mode_attach);
	ui->attach = xcalloc(1, sizeof(*ui->attach));
	ui_mode_push(ui, &ui_mode_attach);
}

static void attach_free(struct ui *ui)
{
	free(ui->attach);
	ui->attach = NULL;
}

void ui_attach_close(struct ui *ui)
{
	ui_mode_remove(ui, &ui_mode_attach);
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

	ui_erase();
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
		ui_move((int)r, 0);
		ui_attrset(i == a->cursor ? ui->colors[KEYMAP_COLOR_INDICATOR] : ui->colors[KEYMAP_COLOR_NORMAL]);
		ui_draw_text(line.data, (size_t)ui_cols());
		ui_attrset(A_NORMAL);
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

/* Opens part index: through its mailcap entry (the command built by
 * mime_mailcap_expand, so nothing from the message reaches the shell
 * unsafely), else a text part in $PAGER. The copy lives in a private
 * directory under a name of tern's own, and is removed afterwards. */
static void view(struct ui *ui, size_t index)
{
	struct mime_message *msg = ui_pager_mime(ui);
	const struct mime_part *part = mime_message_part(msg, index);
	struct mime_mailcap_values values = { .type = part->type, .msg = msg, .index = index };
	struct mime_mailcap_entry entry;
	int have_entry = mime_mailcap_find(&values, &entry) == 0;
	int is_text = strncasecmp(part->type, "text/", 5) == 0;

	if (!have_entry && !is_text) {
		char *text = xasprintf("No mailcap entry for %s; save it with s.", part->type);
		ui_say(ui, 0, text); /* ui_say sanitizes */
		free(text);
		return;
	}
	char *dir = xasprintf("%s/tern-XXXXXX", lib_tmpdir());
	if (!mkdtemp(dir)) { /* mode 0700 */
		free(dir);
		ui_say(ui, 1, "cannot make a temporary directory");
		if (have_entry)
			mime_mailcap_entry_clear(&entry);
		return;
	}
	char *name = mime_filename_for_shell(part->filename, have_entry ? entry.nametemplate : NULL);
	char *path = xasprintf("%s/%s", dir, name);
	values.path = path;
	struct buf bytes = BUF_INIT, shell = BUF_INIT;
	char *why = NULL;
	if (have_entry) {
		int uses_file;
		char *command = mime_mailcap_expand(entry.view, &values, &uses_file, &why);
		if (command) {
			buf_addstr(&shell, command);
			if (!uses_file) { /* RFC 1524: the data on standard input */
				buf_addstr(&shell, " < ");
				lib_shell_quote(&shell, path);
			}
			if (entry.copiousoutput) {
				const char *pager = getenv("PAGER");
				buf_addf(&shell, " | %s", pager && *pager ? pager : "less");
			}
			free(command);
			mime_part_decode(msg, index, &bytes);
		} else {
			char *reason = why;
			why = xasprintf("Not opened (mailcap): %s; save it with s.", reason);
			free(reason);
		}
	} else {
		const char *pager = getenv("PAGER");
		buf_addf(&shell, "%s ", pager && *pager ? pager : "less");
		lib_shell_quote(&shell, path);
		mime_part_text_utf8(msg, index, &bytes);
	}
	if (!why && lib_file_write_durable(path, bytes.data ? bytes.data : "", bytes.len, 0600, &why) == 0)
		ui_run_command(ui, shell.data, NULL, 0, have_entry && !entry.copiousoutput);
	if (why) {
		ui_say(ui, 1, why);
		free(why);
	}
	unlink(path);
	rmdir(dir);
	if (have_entry)
		mime_mailcap_entry_clear(&entry);
	buf_free(&bytes);
	buf_free(&shell);
	free(path);
	free(name);
	free(dir);
}

int ui_attach_function(struct ui *ui, enum keymap_fn fn)
{
	struct ui_attach *a = ui->attach;
	size_t count = mime_message_part_count(ui_pager_mime(ui));

	switch (fn) {
	case KEYMAP_FN_NEXT_ENTRY:
		if (a->cursor + 1 < count)
			a->cursor++;
		return 1;
	case KEYMAP_FN_PREVIOUS_ENTRY:
		if (a->cursor > 0)
			a->cursor--;
		return 1;
	case KEYMAP_FN_SAVE_ENTRY:
		save(ui, a->cursor);
		return 1;
	case KEYMAP_FN_VIEW_ATTACH:
		view(ui, a->cursor);
		return 1;
	case KEYMAP_FN_EXIT:
		ui_attach_close(ui);
		return 1;
	default:
		return 0;
	}
}

/* Over the pager: what it does not run goes to the pager and the index. */
const struct ui_mode ui_mode_attach = {
	.name = "attach", .map = KEYMAP_MAP_ATTACH, .draw = ui_attach_draw, .function = ui_attach_function,
	.close = attach_free,
};
