/* ui: the only code that includes curses. It sends jobs to the engine and
 * draws the events that come back; it never touches the network. */
#ifndef TERN_UI_H
#define TERN_UI_H

/* "ncurses 6.4.20221231" (borrowed, static). */
const char *ui_curses_version(void);

#endif
