/* DNS lookups for account discovery with libresolv: a private resolver
 * state per question (res_ninit), its retransmission bounded by the
 * timeout, optionally pointed at TERN_RESOLVER (glibc honours the port of
 * nsaddr_list, so a test server on 127.0.0.1:5353 works). Answers are
 * parsed with ns_parserr and names expanded with dn_expand; nothing read
 * from the network is returned unless it is a plain host name. */
#include "net-dns.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>

/* Points statp at TERN_RESOLVER when it is set. Returns 0, or -1 with err
 * when the variable does not hold ADDRESS[:PORT]. */
static int use_resolver_from_env(res_state statp, struct lib_error *err)
{
	const char *spec = getenv("TERN_RESOLVER");
	char host[64];
	unsigned long port = 53;

	if (!spec || !*spec)
		return 0;
	const char *colon = strrchr(spec, ':');
	size_t hostlen = strlen(spec);
	if (colon) {
		hostlen = (size_t)(colon - spec);
	}
	if (hostlen == 0 || hostlen >= sizeof(host))
		goto bad;
	memcpy(host, spec, hostlen);
	host[hostlen] = '\0';
	if (colon) {
		char *end;
		errno = 0;
		port = strtoul(colon + 1, &end, 10);
		if (errno || *end || port == 0 || port > 65535)
			goto bad;
	}
	struct in_addr v4;
	if (inet_pton(AF_INET, host, &v4) == 1) {
		memset(&statp->nsaddr_list[0], 0, sizeof(statp->nsaddr_list[0]));
		statp->nsaddr_list[0].sin_family = AF_INET;
		statp->nsaddr_list[0].sin_addr = v4;
		statp->nsaddr_list[0].sin_port = htons((uint16_t)port);
		statp->nscount = 1;
		return 0;
	}
bad:
	lib_error_set(err, LIB_ERR_CONFIG, "TERN_RESOLVER '%s' is not IPV4-ADDRESS[:PORT] (e.g. 127.0.0.1:5353)",
	              getenv("TERN_RESOLVER"));
	return -1;
}

/* Asks for type records of name. Returns the answer length with answer
 * filled, 0 when the name or type does not exist, -1 with err. */
static int query(const char *name, int type, int timeout, unsigned char *answer, int size, struct lib_error *err)
{
	struct __res_state state;

	memset(&state, 0, sizeof(state));
	if (res_ninit(&state) != 0) {
		lib_error_set(err, LIB_ERR_CONNECTION, "DNS: the system resolver could not be set up");
		return -1;
	}
	if (use_resolver_from_env(&state, err) < 0) {
		res_nclose(&state);
		return -1;
	}
	/* Two tries per server, the whole question bounded by about timeout. */
	state.retry = 2;
	state.retrans = timeout / 2 > 0 ? timeout / 2 : 1;
	int len = res_nquery(&state, name, ns_c_in, type, answer, size);
	int herr = state.res_h_errno;
	res_nclose(&state);
	if (len >= 0)
		return len;
	if (herr == HOST_NOT_FOUND || herr == NO_DATA)
		return 0;
	lib_error_set(err, LIB_ERR_CONNECTION, "DNS lookup of %s failed: %s", name,
	              herr == TRY_AGAIN ? "no answer from the DNS server (timed out or server failure)"
	                                : "the DNS server refused or sent a broken answer");
	return -1;
}

/* Expands the name at rdata into out ("." for the root); only a plain
 * host name is passed on (it ends up in a mailrc and on the terminal).
 * 0 or -1. */
static int expand_name(const ns_msg *msg, const unsigned char *rdata, char *out, size_t size)
{
	if (dn_expand(ns_msg_base(*msg), ns_msg_end(*msg), rdata, out, (int)size) < 0)
		return -1;
	if (!*out)
		strcpy(out, ".");
	size_t len = strlen(out);
	if (len > 1 && out[len - 1] == '.')
		out[len - 1] = '\0';
	return strcmp(out, ".") == 0 || lib_host_name_ok(out) ? 0 : -1;
}

static int srv_order(const void *a, const void *b)
{
	const struct net_srv *x = a, *y = b;
	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	if (x->weight != y->weight)
		return x->weight > y->weight ? -1 : 1;
	return strcmp(x->target, y->target);
}

static int mx_order(const void *a, const void *b)
{
	const struct net_mx *x = a, *y = b;
	if (x->preference != y->preference)
		return x->preference < y->preference ? -1 : 1;
	return strcmp(x->host, y->host);
}

/* Runs the query and calls take for each answer record of type; returns
 * the number taken, 0, or -1. */
static int collect(const char *name, int type, int timeout, struct lib_error *err,
                   int (*take)(const ns_msg *msg, const ns_rr *rr, void *ctx), void *ctx)
{
	unsigned char answer[NS_MAXMSG > 65536 ? 65536 : NS_MAXMSG];
	ns_msg msg;
	ns_rr rr;
	int taken = 0;

	int len = query(name, type, timeout, answer, (int)sizeof(answer), err);
	if (len <= 0)
		return len;
	if (ns_initparse(answer, len, &msg) < 0) {
		lib_error_set(err, LIB_ERR_CONNECTION, "DNS answer for %s could not be parsed", name);
		return -1;
	}
	int count = ns_msg_count(msg, ns_s_an);
	for (int i = 0; i < count; i++) {
		if (ns_parserr(&msg, ns_s_an, i, &rr) < 0)
			break;
		if ((int)ns_rr_type(rr) != type || ns_rr_class(rr) != ns_c_in)
			continue; /* a CNAME on the way */
		if (take(&msg, &rr, ctx) == 0)
			taken++;
	}
	return taken;
}

struct srv_list {
	struct net_srv *items;
	size_t n;
};

static int take_srv(const ns_msg *msg, const ns_rr *rr, void *ctx)
{
	struct srv_list *list = ctx;
	const unsigned char *rdata = ns_rr_rdata(*rr);
	struct net_srv srv;

	if (ns_rr_rdlen(*rr) < 7)
		return -1;
	srv.priority = ns_get16(rdata);
	srv.weight = ns_get16(rdata + 2);
	srv.port = ns_get16(rdata + 4);
	if (expand_name(msg, rdata + 6, srv.target, sizeof(srv.target)) < 0)
		return -1;
	list->items = xrealloc(list->items, (list->n + 1) * sizeof(*list->items));
	list->items[list->n++] = srv;
	return 0;
}

int net_dns_srv(const char *name, int timeout, struct net_srv **records, struct lib_error *err)
{
	struct srv_list list = { NULL, 0 };

	*records = NULL;
	int n = collect(name, ns_t_srv, timeout, err, take_srv, &list);
	if (n <= 0) {
		free(list.items);
		return n;
	}
	qsort(list.items, list.n, sizeof(*list.items), srv_order);
	*records = list.items;
	return (int)list.n;
}

struct mx_list {
	struct net_mx *items;
	size_t n;
};

static int take_mx(const ns_msg *msg, const ns_rr *rr, void *ctx)
{
	struct mx_list *list = ctx;
	const unsigned char *rdata = ns_rr_rdata(*rr);
	struct net_mx mx;

	if (ns_rr_rdlen(*rr) < 3)
		return -1;
	mx.preference = ns_get16(rdata);
	if (expand_name(msg, rdata + 2, mx.host, sizeof(mx.host)) < 0)
		return -1;
	list->items = xrealloc(list->items, (list->n + 1) * sizeof(*list->items));
	list->items[list->n++] = mx;
	return 0;
}

int net_dns_mx(const char *domain, int timeout, struct net_mx **records, struct lib_error *err)
{
	struct mx_list list = { NULL, 0 };

	*records = NULL;
	int n = collect(domain, ns_t_mx, timeout, err, take_mx, &list);
	if (n <= 0) {
		free(list.items);
		return n;
	}
	qsort(list.items, list.n, sizeof(*list.items), mx_order);
	*records = list.items;
	return (int)list.n;
}

static int take_any(const ns_msg *msg, const ns_rr *rr, void *ctx)
{
	(void)msg;
	(void)rr;
	(void)ctx;
	return 0;
}

int net_dns_exists(const char *host, int timeout, struct lib_error *err)
{
	int n = collect(host, ns_t_a, timeout, err, take_any, NULL);
	if (n == 0)
		n = collect(host, ns_t_aaaa, timeout, err, take_any, NULL);
	return n < 0 ? -1 : n > 0;
}
