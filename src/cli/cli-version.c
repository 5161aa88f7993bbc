/* tern -V: version (and the git commit of a build from git), the
 * libraries it runs on, how it was built. */
#include "cli.h"

#include "../imap/imap.h"
#include "../net/net.h"
#include "../store/store.h"
#include "config.h"
#include "src/cli/cli-commit.h"

int cli_version(FILE *out, const char *curses_version)
{
	char etpan[64];

	imap_library_version(etpan, sizeof(etpan));
	if (*TERN_COMMIT)
		fprintf(out, "tern %s (git %s)\n", PACKAGE_VERSION, TERN_COMMIT);
	else
		fprintf(out, "tern %s\n", PACKAGE_VERSION);
	fprintf(out, "Libraries: %s; %s; %s; %s\n", etpan, net_tls_library_version(), store_backend_version(),
	        curses_version);
	fprintf(out, "Build: %s\n", TERN_BUILD_OPTIONS);
	return 0;
}
