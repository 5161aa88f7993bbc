/* ui: the only code that includes curses. It sends jobs to the engine's
 * account workers and draws the events that come back; it never touches
 * the network, so a stalled server never freezes the screen. */
#ifndef TERN_UI_H
#define TERN_UI_H

#include "../conf/conf.h"

/* "ncurses 6.4.20221231" (borrowed, static). */
const char *ui_curses_version(void);

/* Runs the reader on account (NULL: the default) and folder (NULL:
 * INBOX) until the user quits. Returns the exit code. */
int ui_run(struct conf *conf, const char *account, const char *folder);

#endif
