/* tern -v: version, the libraries it runs on, how it was built. */
#include "cli.h"

#include "../imap/imap.h"
#include "../net/net.h"
#include "../store/store.h"
#include "../ui/ui.h"
#include "config.h"

int cli_version(FILE *out)
{
	char etpan[64];

	imap_library_version(etpan, sizeof(etpan));
	fprintf(out, "tern %s\n", PACKAGE_VERSION);
	fprintf(out, "Libraries: %s; %s; %s; %s\n", etpan, net_tls_library_version(), store_backend_version(),
	        ui_curses_version());
	fprintf(out, "Build: %s\n", TERN_BUILD_OPTIONS);
	return 0;
}
