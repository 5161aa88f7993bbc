/* Which TLS library tern runs on, for tern -v. */
#include "net.h"

#include <openssl/crypto.h>

const char *net_tls_library_version(void)
{
	return OpenSSL_version(OPENSSL_VERSION);
}
