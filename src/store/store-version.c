/* Which cache backend tern runs on, for tern -v. */
#include "store.h"

#include <stdio.h>
#include <tcutil.h>

const char *store_backend_version(void)
{
	static char text[64];

	snprintf(text, sizeof(text), "Tokyo Cabinet %s", tcversion);
	return text;
}
