/* The screens as a stack of modes (as tmux stacks window modes): each
 * screen is a struct ui_mode in its own file, with its draw, function and
 * close; the one on top is drawn and gets the keys of its map, and a
 * function it does not run goes down the stack (unless the mode is
 * opaque) to the index at the bottom. A mode's place is its layer in the
 * one table below, so the order of the screens is written once. The help
 * screen is here too. */
#include "ui-screen.h"

#include <stdlib.h>
#include <string.h>

#include "../engine/engine.h"

/* The layers, bottom first: a screen opened sits above every one below
 * it, whatever was opened first. */
static const struct ui_mode *const layers[] = {
	&ui_mode_index, &ui_mode_pager, &ui_mode_attach, &ui_mode_browser, &ui_mode_outbox, &ui_mode_compose,
	&ui_mode_help, &ui_mode_history,
};

static size_t layer_of(const struct ui_mode *mode)
{
	for (size_t i = 0; i < LIB_ARRAY_LEN(layers); i++)
		if (layers[i] == mode)
			return i;
	lib_fatal("a ui mode with no layer: %s", mode->name);
}

int ui_mode_is_open(const struct ui *ui, const struct ui_mode *mode)
{
	for (size_t i = 0; i < ui->nmodes; i++)
		if (ui->modes[i] == mode)
			return 1;
	return 0;
}

void ui_mode_push(struct ui *ui, const struct ui_mode *mode)
{
	if (ui_mode_is_open(ui, mode))
		return;
	size_t at = ui->nmodes;
	while (at > 0 && layer_of(ui->modes[at - 1]) > layer_of(mode))
		at--;
	memmove(ui->modes + at + 1, ui->modes + at, (ui->nmodes - at) * sizeof(*ui->modes));
	ui->modes[at] = mode;
	ui->nmodes++;
}

void ui_mode_remove(struct ui *ui, const struct ui_mode *mode)
{
	for (size_t i = 0; i < ui->nmodes; i++) {
		if (ui->modes[i] == mode) {
			memmove(ui->modes + i, ui->modes + i + 1, (ui->nmodes - i - 1) * sizeof(*ui->modes));
			ui->nmodes--;
			if (mode->close)
				mode->close(ui);
			return;
		}
	}
}

const struct ui_mode *ui_mode_top(const struct ui *ui)
{
	return ui->nmodes ? ui->modes[ui->nmodes - 1] : &ui_mode_index;
}

enum keymap_map ui_map(const struct ui *ui)
{
	for (size_t i = ui->nmodes; i-- > 0;)
		if (ui->modes[i]->map >= 0)
			return (enum keymap_map)ui->modes[i]->map;
	return KEYMAP_MAP_INDEX;
}

void ui_run_function(struct ui *ui, enum keymap_fn fn)
{
	const struct ui_mode *top = ui_mode_top(ui);

	if (top->flags & UI_MODE_MODAL) {
		top->function(ui, fn);
		return;
	}
	buf_reset(&ui->message);
	if (fn == KEYMAP_FN_ERROR_HISTORY) {
		ui_history_open(ui);
		return;
	}
	if (fn == KEYMAP_FN_HELP) {
		ui->help_top = 0;
		ui_mode_push(ui, &ui_mode_help);
		return;
	}
	if (fn == KEYMAP_FN_QUIT) {
		ui_expunge_ask(ui, 1);
		ui->quit = 1;
		return;
	}
	for (size_t i = ui->nmodes; i-- > 0;) {
		const struct ui_mode *mode = ui->modes[i];
		if ((mode->flags & UI_MODE_CHECKS) && !ui_index_ready(ui, fn))
			return;
		if (mode->function(ui, fn))
			return;
		if ((mode->flags & UI_MODE_OPAQUE) && fn != KEYMAP_FN_REDRAW)
			return; /* the index's keys do not reach through it */
	}
}

/* ---- help: the keys of the screen below ---- */

static void help_draw(struct ui *ui)
{
	enum keymap_map keys = ui_map(ui);
	const struct keymap_bindings *map = &ui->keys.maps[keys];
	size_t rows = ui_rows();

	ui_erase();
	ui_attrset(ui->colors[KEYMAP_COLOR_HEADER]);
	ui_move(0, 0);
	char *title = xasprintf("Key bindings of the %s (q or ? to go back, j/k/* to scroll)", keymap_map_name(keys));
	ui_draw_text(title, (size_t)ui_cols());
	free(title);
	ui_attrset(A_NORMAL);
	size_t row = 2;
	for (size_t i = ui->help_top; i < map->count && row < rows; i++) {
		const struct keymap_binding *b = &map->bindings[i];
		char name[64] = "", one[24];
		if (b->fn == KEYMAP_FN_NONE)
			continue; /* unbound with noop */
		for (int k = 0; k < b->nkeys; k++) {
			keymap_key_name(b->keys[k], one, sizeof(one));
			strncat(name, one, sizeof(name) - strlen(name) - 1);
		}
		char *text = xasprintf("%-12s %-20s %s", name, keymap_function_name(b->fn), keymap_function_help(b->fn));
		ui_move((int)row++, 0);
		ui_draw_text(text, (size_t)ui_cols());
		free(text);
	}
	ui_index_status(ui);
}

static int help_function(struct ui *ui, enum keymap_fn fn)
{
	size_t total = ui->keys.maps[ui_map(ui)].count, rows = ui_rows(), page = rows > 2 ? rows - 2 : 1;
	size_t last = total > page ? total - page : 0;

	if (fn == KEYMAP_FN_QUIT || fn == KEYMAP_FN_EXIT || fn == KEYMAP_FN_HELP)
		ui_mode_remove(ui, &ui_mode_help);
	else if (fn == KEYMAP_FN_REDRAW)
		clearok(curscr, TRUE);
	else if (fn == KEYMAP_FN_NEXT_ENTRY || fn == KEYMAP_FN_NEXT_LINE)
		ui->help_top += ui->help_top < last;
	else if (fn == KEYMAP_FN_PREVIOUS_ENTRY || fn == KEYMAP_FN_PREVIOUS_LINE)
		ui->help_top -= ui->help_top > 0;
	else if (fn == KEYMAP_FN_NEXT_PAGE)
		ui->help_top = ui->help_top + page < last ? ui->help_top + page : last;
	else if (fn == KEYMAP_FN_PREVIOUS_PAGE)
		ui->help_top = ui->help_top > page ? ui->help_top - page : 0;
	else if (fn == KEYMAP_FN_LAST_ENTRY || fn == KEYMAP_FN_BOTTOM)
		ui->help_top = last;
	else if (fn == KEYMAP_FN_FIRST_ENTRY || fn == KEYMAP_FN_TOP)
		ui->help_top = 0;
	return 1;
}

/* A key bound to nothing closes the help too. */
const struct ui_mode ui_mode_help = {
	.name = "help", .map = -1, .flags = UI_MODE_MODAL, .draw = help_draw, .function = help_function,
};
