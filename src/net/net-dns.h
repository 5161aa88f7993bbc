/* net-dns: the DNS questions account discovery asks (SRV, MX, "does this
 * name exist"), through the system resolver (libresolv res_nquery), each
 * bounded by a timeout. TERN_RESOLVER=ADDRESS[:PORT] (port 53 by
 * default) sends them to that server instead of the
 * ones in /etc/resolv.conf: the tests' DNS server on 127.0.0.1 uses it.
 * (IPv4 only: glibc takes a port only in nsaddr_list, which is IPv4.) */
#ifndef TERN_NET_DNS_H
#define TERN_NET_DNS_H

#include <stddef.h>

#include "../lib/lib.h"

struct net_srv {
	unsigned priority, weight, port;
	char target[256]; /* "." (RFC 2782: the service is not offered) or a host name */
};

struct net_mx {
	unsigned preference;
	char host[256];
};

/* The SRV records of name (e.g. "_imaps._tcp.example.org"), sorted best
 * first: lowest priority, then highest weight. Returns the number of
 * records (0: none, the name or the type does not exist) with *records
 * the caller's to free, or -1 with err (LIB_ERR_CONNECTION: timeout,
 * server failure, no resolver). */
int net_dns_srv(const char *name, int timeout, struct net_srv **records, struct lib_error *err);

/* The MX records of domain, lowest preference first; as net_dns_srv. */
int net_dns_mx(const char *domain, int timeout, struct net_mx **records, struct lib_error *err);

/* 1 when host has an A or AAAA record, 0 when it has none, -1 with err. */
int net_dns_exists(const char *host, int timeout, struct lib_error *err);

#endif
