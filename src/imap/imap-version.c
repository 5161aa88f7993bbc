/* Which libetpan tern runs on, for tern -v. */
#include "imap.h"

#include <libetpan/libetpan.h>
#include <stdio.h>

void imap_library_version(char *out, unsigned size)
{
	snprintf(out, size, "libetpan %d.%d", libetpan_get_version_major(), libetpan_get_version_minor());
}
