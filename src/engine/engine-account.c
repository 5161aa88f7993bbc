/* Naming an account's servers for messages ("account work, server
 * imaps://mail.example.org:993: ..."). */
#include "engine.h"

#include <string.h>

#include "../lib/lib.h"

char *engine_account_server(const struct conf_account *account)
{
	const struct conf_url *urls[] = { &account->imap, &account->pop3, &account->smtp };

	for (size_t i = 0; i < LIB_ARRAY_LEN(urls); i++) {
		const struct conf_url *url = urls[i];
		if (url->scheme == CONF_URL_NONE)
			continue;
		int v6 = strchr(url->host, ':') != NULL;
		return xasprintf("%s://%s%s%s:%u", conf_scheme_name(url->scheme), v6 ? "[" : "", url->host,
		                 v6 ? "]" : "", url->port);
	}
	return NULL;
}
