/* Internals shared by the conf module's files. */
#ifndef TERN_CONF_PRIVATE_H
#define TERN_CONF_PRIVATE_H

#include "conf.h"

/* 1, 0, or -1 when text is not a boolean word. */
int conf_bool_value(const char *text);
/* The key or command closest to a misspelt word, or NULL. */
const char *conf_suggest_key(const char *word);

#endif
