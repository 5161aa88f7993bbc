/* Which curses tern draws with, for tern -v. */
#include "ui.h"

#include <curses.h>

const char *ui_curses_version(void)
{
	return curses_version();
}
