/* net-http: reading one small document by URL, for the autoconfig file
 * tern --whatis reads when the mailrc names one (tern makes no web
 * request on its own). */
#ifndef TERN_NET_HTTP_H
#define TERN_NET_HTTP_H

#include "../lib/lib.h"

/* A URL net_url_get reads, split: file://PATH, https://HOST[:PORT]/PATH,
 * http://LOOPBACK[:PORT]/PATH (an IPv6 host in brackets). */
enum net_url_scheme { NET_URL_FILE, NET_URL_HTTPS, NET_URL_HTTP };
struct net_url {
	enum net_url_scheme scheme;
	char host[256];   /* "" for file:// */
	unsigned port;    /* 443 and 80 unless given */
	const char *path; /* borrowed from the text parsed; "/" when none */
};
/* Splits text into url (path borrowed from text). 0, or -1 with err
 * (LIB_ERR_CONFIG) naming what is wrong: another scheme, a bad host or
 * port, a space or control character, http:// to another machine. */
int net_url_parse(const char *text, struct net_url *url, struct lib_error *err);

/* Reads url into body (at most max bytes; NUL-terminated): file://PATH,
 * https://HOST[:PORT]/PATH (certificate verified against the system's
 * CAs), or http:// to this machine only (127.0.0.1, ::1, localhost), so
 * no one on the network can hand tern fake server settings. Only a 200
 * answer counts. Returns 0, or -1 with err. */
int net_url_get(const char *url, int timeout, size_t max, struct buf *body, struct lib_error *err);

#endif
