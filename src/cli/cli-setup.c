/* stub */
#include "cli.h"
int cli_setup_wanted(void) { return 0; }
int cli_setup(const char *path) { (void)path; return 1; }
