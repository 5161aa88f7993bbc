/* color OBJECT FOREGROUND BACKGROUND [ATTRIBUTE]: what each part of the
 * screen looks like, read without a terminal (for --check-config); the
 * reader applies what it reads once curses has started (ui-color.c). */
#include "keymap.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../lib/lib.h"

static const char *const object_names[KEYMAP_COLOR_COUNT] = {
	[KEYMAP_COLOR_NORMAL] = "normal", [KEYMAP_COLOR_INDICATOR] = "indicator", [KEYMAP_COLOR_STATUS] = "status",
	[KEYMAP_COLOR_TREE] = "tree", [KEYMAP_COLOR_QUOTED] = "quoted", [KEYMAP_COLOR_HEADER] = "header",
	[KEYMAP_COLOR_ERROR] = "error", [KEYMAP_COLOR_MESSAGE] = "message", [KEYMAP_COLOR_SIGNATURE] = "signature",
	[KEYMAP_COLOR_ATTACHMENT] = "attachment", [KEYMAP_COLOR_SEARCH] = "search", [KEYMAP_COLOR_NEW] = "new",
	[KEYMAP_COLOR_FLAGGED] = "flagged", [KEYMAP_COLOR_DELETED] = "deleted",
	[KEYMAP_COLOR_QUOTED1] = "quoted1", [KEYMAP_COLOR_QUOTED1 + 1] = "quoted2", [KEYMAP_COLOR_QUOTED1 + 2] = "quoted3",
	[KEYMAP_COLOR_QUOTED1 + 3] = "quoted4", [KEYMAP_COLOR_QUOTED1 + 4] = "quoted5", [KEYMAP_COLOR_QUOTED1 + 5] = "quoted6",
	[KEYMAP_COLOR_QUOTED1 + 6] = "quoted7", [KEYMAP_COLOR_QUOTED1 + 7] = "quoted8", [KEYMAP_COLOR_QUOTED9] = "quoted9",
};

int keymap_color_quote_level(enum keymap_color object)
{
	if (object == KEYMAP_COLOR_QUOTED)
		return 0;
	return object >= KEYMAP_COLOR_QUOTED1 && object <= KEYMAP_COLOR_QUOTED9 ? (int)(object - KEYMAP_COLOR_QUOTED1) + 1 : -1;
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

static int attribute_lookup(const char *name, enum keymap_attr *attr)
{
	static const struct { const char *name; enum keymap_attr attr; } attrs[] = {
		{ "none", KEYMAP_ATTR_NORMAL }, { "normal", KEYMAP_ATTR_NORMAL }, { "bold", KEYMAP_ATTR_BOLD },
		{ "underline", KEYMAP_ATTR_UNDERLINE }, { "reverse", KEYMAP_ATTR_REVERSE },
		{ "standout", KEYMAP_ATTR_STANDOUT }, { "dim", KEYMAP_ATTR_DIM },
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
		return KEYMAP_COLOR_QUOTED;
	for (int i = 0; i < KEYMAP_COLOR_COUNT; i++)
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

int keymap_color_parse(const struct conf_command *cmd, struct keymap_color_spec *spec, char **why)
{
	int object = object_lookup(cmd->argv[0]);

	memset(spec, 0, sizeof(*spec));
	*why = NULL;
	if (object < 0) {
		*why = xasprintf("color: unknown object '%s' (normal, indicator, status, tree, quoted, quoted1 to "
		                 "quoted9, header, error, message, signature, attachment, search, new, flagged, deleted)",
		                 cmd->argv[0]);
		return -1;
	}
	spec->object = (enum keymap_color)object;
	int bg_bright;
	spec->fg = color_lookup(cmd->argv[1], &spec->fg_bright);
	spec->bg = color_lookup(cmd->argv[2], &bg_bright);
	if (spec->fg == -2 || spec->bg == -2) {
		*why = xasprintf("color: unknown colour '%s' (default, black, red, green, yellow, blue, magenta, "
		                 "cyan, white, brightCOLOUR or colorN)",
		                 spec->fg == -2 ? cmd->argv[1] : cmd->argv[2]);
		return -1;
	}
	if (cmd->argc == 4 && attribute_lookup(cmd->argv[3], &spec->attr) < 0) {
		*why = xasprintf("color: unknown attribute '%s' (none, bold, underline, reverse, standout, dim)",
		                 cmd->argv[3]);
		return -1;
	}
	return 0;
}

/* Checks one color command; 0, or -1 with a diag added (keymap-load.c). */
int keymap_color_check(struct conf *conf, const struct conf_command *cmd);

int keymap_color_check(struct conf *conf, const struct conf_command *cmd)
{
	struct keymap_color_spec spec;
	char *text = NULL;

	if (keymap_color_parse(cmd, &spec, &text) == 0)
		return 0;
	add_error(conf, cmd, text);
	free(text);
	return -1;
}
