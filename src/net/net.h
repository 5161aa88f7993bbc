/* net: connections with timeouts, TLS on OpenSSL 3 with certificate and
 * host name checks, and the stream libetpan reads from. No UI. */
#ifndef TERN_NET_H
#define TERN_NET_H

/* "OpenSSL 3.0.x ..." (borrowed, static). */
const char *net_tls_library_version(void);

#endif
