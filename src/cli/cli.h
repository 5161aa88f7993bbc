/* cli: the headless modes (no curses): configuration check, version,
 * and later check, list, send, fetch and diagnostics. Each returns the
 * process exit code (sysexits). */
#ifndef TERN_CLI_H
#define TERN_CLI_H

#include <stdio.h>

#include "../conf/conf.h"

/* Finds (path NULL: the default places) and reads the mailrc, printing
 * every warning and error as one line on stderr. Returns the conf, or
 * NULL with *exit_code set (78) when it is missing or has errors. */
struct conf *cli_conf_load(const char *path, int *exit_code);

int cli_version(FILE *out);
int cli_check_config(const char *path);

#endif
