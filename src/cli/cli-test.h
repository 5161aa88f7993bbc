/* Internals of tern --test-account (cli-test*.c): one report per server
 * of an account, a list of steps, each passed or failed with what was
 * seen and, when failed, what to change. */
#ifndef TERN_CLI_TEST_H
#define TERN_CLI_TEST_H

#include "cli.h"
#include "../net/net.h"

enum test_proto { TEST_IMAP, TEST_POP3, TEST_SMTP };

struct test_step {
	const char *name;     /* "dns", "connect", "tls", "greeting", ... (stable: --json) */
	int ok;
	char *detail;         /* what was seen, one sanitized line */
	char *advice;         /* failed: what to change, in words; else NULL */
	enum lib_error_class cls;
};

struct test_server {
	enum test_proto proto;
	const struct conf_url *url;
	int tls_off;
	struct net_tls_config tls; /* tls.info points at tls_info */
	struct net_tls_info tls_info;
	int timeout;
	struct buf capabilities;
	struct test_step *steps;
	size_t nsteps;
	int failed;
	int json;             /* collect quietly; else each step is printed when done */
};

/* "imap", "pop3", "smtp". */
const char *test_proto_name(enum test_proto proto);
/* "imaps://host:993" (caller frees). */
char *test_server_url(const struct test_server *server);

/* Adds a step (detail and advice are copied; advice NULL when ok) and,
 * unless json, prints its line at once. Returns ok. */
int test_step_add(struct test_server *server, const char *name, int ok, enum lib_error_class cls,
                  const char *detail, const char *advice);
/* A failed step from err, with advice (NULL: chosen from the error). */
int test_step_fail(struct test_server *server, const char *name, const struct lib_error *err, const char *advice);
void test_server_free(struct test_server *server);

/* cli-test-probe.c: DNS, TCP connect, and the first bytes (or the TLS
 * handshake) on a connection of the test's own, recognising the port and
 * security mix-ups; implicit TLS fills the tls step too. Returns 1 when
 * the server is worth a session, 0 when a step failed. */
int test_probe(struct test_server *server);
/* The TLS step from server->tls_info after a session (STARTTLS) or a
 * handshake: passed with version, subject, issuer, expiry; or failed
 * with err and advice for the certificate's fault. */
int test_tls_step(struct test_server *server, const struct lib_error *err);
/* Advice for a failed session step, by the error's class (a refused
 * login: the checks to make, with is_oauth2 for a token). */
const char *test_advice(const struct lib_error *err, int is_oauth2);

/* cli-test-report.c: the JSON document of all servers of all accounts. */
struct test_account {
	const char *name;
	struct test_server servers[3];
	size_t nservers;
};
void test_print_json(const struct test_account *accounts, size_t count, int exit_code);

#endif
