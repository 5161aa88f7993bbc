/* The reader's state and screens, shared by the ui files that draw. */
#ifndef TERN_UI_SCREEN_H
#define TERN_UI_SCREEN_H

#include "ui-private.h"

enum ui_color {
	UI_COLOR_NORMAL, UI_COLOR_INDICATOR, UI_COLOR_STATUS, UI_COLOR_TREE, UI_COLOR_QUOTED,
	UI_COLOR_HEADER, UI_COLOR_ERROR, UI_COLOR_MESSAGE, UI_COLOR_SIGNATURE, UI_COLOR_ATTACHMENT,
	UI_COLOR_SEARCH, UI_COLOR_NEW, UI_COLOR_FLAGGED, UI_COLOR_DELETED, UI_COLOR_COUNT
};

void ui_colors_apply(attr_t *colors, const struct conf *conf);

/* Draws UTF-8 text (already sanitized) at the cursor, cut at width
 * columns. */
void ui_draw_text(const char *text, size_t width);

#endif
