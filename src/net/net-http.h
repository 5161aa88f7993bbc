/* net-http: reading one small document by URL, for the autoconfig file
 * tern --whatis reads when the mailrc names one (tern makes no web
 * request on its own). */
#ifndef TERN_NET_HTTP_H
#define TERN_NET_HTTP_H

#include "../lib/lib.h"

/* Reads url into body (at most max bytes; NUL-terminated): file://PATH,
 * https://HOST[:PORT]/PATH (certificate verified against the system's
 * CAs), or http:// to this machine only (127.0.0.1, ::1, localhost), so
 * no one on the network can hand tern fake server settings. Only a 200
 * answer counts. Returns 0, or -1 with err. */
int net_url_get(const char *url, int timeout, size_t max, struct buf *body, struct lib_error *err);

#endif
