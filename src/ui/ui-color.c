/* color OBJECT FOREGROUND BACKGROUND [ATTRIBUTE]: what each part of the
 * screen looks like. Checked without a terminal (for --check-config),
 * applied once curses has started. */
#include "ui-private.h"
#include "ui-screen.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const object_names[UI_COLOR_COUNT] = {
	[UI_COLOR_NORMAL] = "normal", [UI_COLOR_INDICATOR] = "indicator", [UI_COLOR_STATUS] = "status",
	[UI_COLOR_TREE] = "tree", [UI_COLOR_QUOTED] = "quoted", [UI_COLOR_HEADER] = "header",
	[UI_COLOR_ERROR] = "error", [UI_COLOR_MESSAGE] = "message", [UI_COLOR_SIGNATURE] = "signature",
	[UI_COLOR_ATTACHMENT] = "attachment", [UI_COLOR_SEARCH] = "search", [UI_COLOR_NEW] = "new",
	[UI_COLOR_FLAGGED] = "flagged", [UI_COLOR_DELETED] = "deleted",
	[UI_COLOR_QUOTED1] = "quoted1", [UI_COLOR_QUOTED1 + 1] = "quoted2", [UI_COLOR_QUOTED1 + 2] = "quoted3",
	[UI_COLOR_QUOTED1 + 3] = "quoted4", [UI_COLOR_QUOTED1 + 4] = "quoted5", [UI_COLOR_QUOTED1 + 5] = "quoted6",
	[UI_COLOR_QUOTED1 + 6] = "quoted7", [UI_COLOR_QUOTED1 + 7] = "quoted8", [UI_COLOR_QUOTED9] = "quoted9",
};

/* Quote levels that have a colour of their own; deeper ones cycle. */
static unsigned quote_levels = 4;

enum ui_color ui_color_quote(unsigned level)
{
	level %= quote_levels;
	return level ? (enum ui_color)(UI_COLOR_QUOTED1 + level - 1) : UI_COLOR_QUOTED;
}

/* 0 to 9 for quoted, quoted0 to quoted9; -1 for other objects. */
static int quote_level(int object)
{
	if (object == UI_COLOR_QUOTED)
		return 0;
	return object >= UI_COLOR_QUOTED1 && object <= UI_COLOR_QUOTED9 ? object - UI_COLOR_QUOTED1 + 1 : -1;
}

static const char *const color_names[] = { "black", "red", "green", "yellow", "blue", "magenta", "cyan",
	                                    "white" };

/* -1 default, 0-255 a colour; *bright set for brightX. -2 when unknown. */
static int color_lookup(const char *name, int *bright)
{
	*bright = 0;
	if (strcasecmp(name, "default") == 0)
		return -1;
	if (strncasecmp(name, "bright", 6) == 0) {
		*bright = 1;
		name += 6;
	}
	for (int i = 0; i < 8; i++)
		if (strcasecmp(name, color_names[i]) == 0)
			return i;
	if (strncasecmp(name, "color", 5) == 0 && name[5]) {
		char *end;
		long n = strtol(name + 5, &end, 10);
		if (!*end && n >= 0 && n <= 255)
			return (int)n;
	}
	return -2;
}

static int attribute_lookup(const char *name, attr_t *attr)
{
	static const struct { const char *name; attr_t attr; } attrs[] = {
		{ "none", A_NORMAL }, { "normal", A_NORMAL }, { "bold", A_BOLD }, { "underline", A_UNDERLINE },
		{ "reverse", A_REVERSE }, { "standout", A_STANDOUT }, { "dim", A_DIM },
	};
	for (size_t i = 0; i < LIB_ARRAY_LEN(attrs); i++) {
		if (strcasecmp(name, attrs[i].name) == 0) {
			*attr = attrs[i].attr;
			return 0;
		}
	}
	return -1;
}

static int object_lookup(const char *name)
{
	if (strcmp(name, "quoted0") == 0)
		return UI_COLOR_QUOTED;
	for (int i = 0; i < UI_COLOR_COUNT; i++)
		if (strcmp(object_names[i], name) == 0)
			return i;
	return -1;
}

static void add_error(struct conf *conf, const struct conf_command *cmd, const char *text)
{
	char *line = cmd->line > 0 ? xasprintf("%s:%d: %s", cmd->file, cmd->line, text)
	                           : xasprintf("%s: %s", cmd->file, text);
	conf->diags = xrealloc(conf->diags, (conf->ndiags + 1) * sizeof(*conf->diags));
	conf->diags[conf->ndiags].text = line;
	conf->diags[conf->ndiags].is_error = 1;
	conf->ndiags++;
	conf->nerrors++;
}

int ui_color_check(struct conf *conf, const struct conf_command *cmd)
{
	int bright;
	attr_t attr;
	char *text = NULL;

	if (object_lookup(cmd->argv[0]) < 0)
		text = xasprintf("color: unknown object '%s' (normal, indicator, status, tree, quoted, quoted1 to "
		                 "quoted9, header, error, message, signature, attachment, search, new, flagged, deleted)",
		                 cmd->argv[0]);
	else if (color_lookup(cmd->argv[1], &bright) == -2 || color_lookup(cmd->argv[2], &bright) == -2)
		text = xasprintf("color: unknown colour '%s' (default, black, red, green, yellow, blue, magenta, "
		                 "cyan, white, brightCOLOUR or colorN)",
		                 color_lookup(cmd->argv[1], &bright) == -2 ? cmd->argv[1] : cmd->argv[2]);
	else if (cmd->argc == 4 && attribute_lookup(cmd->argv[3], &attr) < 0)
		text = xasprintf("color: unknown attribute '%s' (none, bold, underline, reverse, standout, dim)",
		                 cmd->argv[3]);
	if (!text)
		return 0;
	add_error(conf, cmd, text);
	free(text);
	return -1;
}

void ui_colors_apply(attr_t *colors, const struct conf *conf)
{
	int have_color = has_colors() && start_color() == OK;
	short next_pair = 1;

	if (have_color)
		use_default_colors();
	for (int i = 0; i < UI_COLOR_COUNT; i++)
		colors[i] = A_NORMAL;
	colors[UI_COLOR_INDICATOR] = A_REVERSE;
	colors[UI_COLOR_STATUS] = A_REVERSE;
	colors[UI_COLOR_SEARCH] = A_REVERSE;
	colors[UI_COLOR_HEADER] = A_BOLD;
	colors[UI_COLOR_NEW] = A_BOLD;
	colors[UI_COLOR_ERROR] = A_BOLD;
	if (have_color) {
		static const struct { int object; short fg; } defaults[] = {
			{ UI_COLOR_QUOTED, COLOR_CYAN }, { UI_COLOR_QUOTED1, COLOR_GREEN },
			{ UI_COLOR_QUOTED1 + 1, COLOR_YELLOW }, { UI_COLOR_QUOTED1 + 2, COLOR_MAGENTA },
			{ UI_COLOR_ERROR, COLOR_RED }, { UI_COLOR_TREE, COLOR_MAGENTA },
			{ UI_COLOR_SIGNATURE, COLOR_BLUE }, { UI_COLOR_FLAGGED, COLOR_RED },
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
		int object, fg_bright, bg_bright;
		attr_t attr = A_NORMAL;
		if (strcmp(cmd->name, "color") != 0 || (object = object_lookup(cmd->argv[0])) < 0)
			continue;
		if (quote_level(object) > deepest_set)
			deepest_set = quote_level(object);
		int fg = color_lookup(cmd->argv[1], &fg_bright), bg = color_lookup(cmd->argv[2], &bg_bright);
		if (fg == -2 || bg == -2 || (cmd->argc == 4 && attribute_lookup(cmd->argv[3], &attr) < 0))
			continue;
		if (fg_bright && fg >= 0 && fg < 8 && COLORS >= 16)
			fg += 8;
		else if (fg_bright)
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
