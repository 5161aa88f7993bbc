/* Colours on the terminal: the defaults, then the mailrc's color
 * commands (read by keymap, which checks them without a terminal). */
#include "ui-private.h"
#include "ui-screen.h"

#include <stdlib.h>
#include <string.h>

/* Quote levels that have a colour of their own; deeper ones cycle. */
static unsigned quote_levels = 4;

enum keymap_color ui_color_quote(unsigned level)
{
	level %= quote_levels;
	return level ? (enum keymap_color)(KEYMAP_COLOR_QUOTED1 + level - 1) : KEYMAP_COLOR_QUOTED;
}

static attr_t curses_attr(enum keymap_attr attr)
{
	static const attr_t attrs[] = { [KEYMAP_ATTR_NORMAL] = A_NORMAL, [KEYMAP_ATTR_BOLD] = A_BOLD,
		[KEYMAP_ATTR_UNDERLINE] = A_UNDERLINE, [KEYMAP_ATTR_REVERSE] = A_REVERSE,
		[KEYMAP_ATTR_STANDOUT] = A_STANDOUT, [KEYMAP_ATTR_DIM] = A_DIM };
	return attrs[attr];
}

void ui_colors_apply(attr_t *colors, const struct conf *conf)
{
	int have_color = has_colors() && start_color() == OK;
	short next_pair = 1;

	if (have_color)
		use_default_colors();
	for (int i = 0; i < KEYMAP_COLOR_COUNT; i++)
		colors[i] = A_NORMAL;
	colors[KEYMAP_COLOR_INDICATOR] = A_REVERSE;
	colors[KEYMAP_COLOR_STATUS] = A_REVERSE;
	colors[KEYMAP_COLOR_SEARCH] = A_REVERSE;
	colors[KEYMAP_COLOR_HEADER] = A_BOLD;
	colors[KEYMAP_COLOR_NEW] = A_BOLD;
	colors[KEYMAP_COLOR_ERROR] = A_BOLD;
	if (have_color) {
		static const struct { int object; short fg; } defaults[] = {
			{ KEYMAP_COLOR_QUOTED, COLOR_CYAN }, { KEYMAP_COLOR_QUOTED1, COLOR_GREEN },
			{ KEYMAP_COLOR_QUOTED1 + 1, COLOR_YELLOW }, { KEYMAP_COLOR_QUOTED1 + 2, COLOR_MAGENTA },
			{ KEYMAP_COLOR_ERROR, COLOR_RED }, { KEYMAP_COLOR_TREE, COLOR_MAGENTA },
			{ KEYMAP_COLOR_SIGNATURE, COLOR_BLUE }, { KEYMAP_COLOR_FLAGGED, COLOR_RED },
		};
		for (size_t i = 0; i < LIB_ARRAY_LEN(defaults); i++) {
			init_pair(next_pair, defaults[i].fg, -1);
			colors[defaults[i].object] |= COLOR_PAIR(next_pair);
			next_pair++;
		}
	}
	int deepest_set = -1; /* the deepest quote level the mailrc colours */
	for (size_t i = 0; i < conf->ncommands; i++) {
		const struct conf_command *cmd = &conf->commands[i];
		struct keymap_color_spec spec;
		char *why = NULL;
		if (strcmp(cmd->name, "color") != 0)
			continue;
		if (keymap_color_parse(cmd, &spec, &why) < 0) { /* refused at start already (--check-config) */
			free(why);
			continue;
		}
		int object = (int)spec.object, fg = spec.fg, bg = spec.bg;
		attr_t attr = curses_attr(spec.attr);
		if (keymap_color_quote_level(spec.object) > deepest_set)
			deepest_set = keymap_color_quote_level(spec.object);
		if (spec.fg_bright && fg >= 0 && fg < 8 && COLORS >= 16)
			fg += 8;
		else if (spec.fg_bright)
			attr |= A_BOLD;
		colors[object] = attr;
		if (have_color && next_pair < COLOR_PAIRS && fg < COLORS && bg < COLORS) {
			init_pair(next_pair, (short)fg, (short)bg);
			colors[object] |= COLOR_PAIR(next_pair);
			next_pair++;
		}
	}
	quote_levels = deepest_set >= 0 ? (unsigned)deepest_set + 1 : 4;
}
