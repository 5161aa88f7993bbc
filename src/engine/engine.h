/* engine: one worker thread per account owning that account's protocol
 * sessions and cache; the UI and the headless modes send it jobs and read
 * its events. The UI never blocks on it. */
#ifndef TERN_ENGINE_H
#define TERN_ENGINE_H

#include "../conf/conf.h"

/* The server an account uses for reading mail, as "imaps://host:993",
 * or its SMTP server when it reads none; NULL when it has no server.
 * Used to name the server in every error line. Caller frees. */
char *engine_account_server(const struct conf_account *account);

#endif
