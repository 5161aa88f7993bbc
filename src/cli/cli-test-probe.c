/* The transport half of tern --test-account: DNS, TCP connect, and what
 * the server sends first, on a connection of the test's own through net.
 * This is where the classic mix-ups show: TLS configured on a port that
 * greets in plain text (993/143, 995/110, 465/587 swapped), or a plain
 * greeting awaited on a port that wants TLS from the first byte, or a
 * port of another protocol. */
#include "cli-test.h"

#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name, *plain_scheme, *tls_scheme;
	unsigned plain_port, tls_port;
} protos[] = {
	[TEST_IMAP] = { "IMAP", "imap", "imaps", 143, 993 },
	[TEST_POP3] = { "POP3", "pop3", "pop3s", 110, 995 },
	[TEST_SMTP] = { "SMTP", "smtp", "smtps", 587, 465 },
};

/* Which protocol's greeting text starts with, or -1. */
static int greeting_proto(const char *text)
{
	if (strncmp(text, "* OK", 4) == 0 || strncmp(text, "* PREAUTH", 9) == 0 || strncmp(text, "* BYE", 5) == 0)
		return TEST_IMAP;
	if (strncmp(text, "+OK", 3) == 0 || strncmp(text, "-ERR", 4) == 0)
		return TEST_POP3;
	if ((strncmp(text, "220", 3) == 0 || strncmp(text, "421", 3) == 0 || strncmp(text, "554", 3) == 0) &&
	    (text[3] == ' ' || text[3] == '-' || text[3] == '\r'))
		return TEST_SMTP;
	return -1;
}

/* A TLS record (alert 0x15, handshake 0x16, version 3.x) or other
 * binary bytes where a text greeting belongs. */
static int looks_binary(const char *text, int len)
{
	if (len >= 2 && (text[0] == 0x15 || text[0] == 0x16) && text[1] == 0x03)
		return 1;
	for (int i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c < 0x20 && c != '\r' && c != '\n' && c != '\t')
			return 1;
	}
	return 0;
}

/* The first line of what the server sent, sanitized, cut after about
 * 100 bytes (at a character boundary). */
static void first_line(const char *text, struct buf *out)
{
	size_t len = strcspn(text, "\r\n"), cut = len;
	if (cut > 100)
		for (cut = 100; cut > 0 && ((unsigned char)text[cut] & 0xc0) == 0x80; cut--)
			;
	lib_sanitize(out, text, cut, LIB_SANITIZE_LINE);
	if (cut < len)
		buf_addstr(out, "\u2026");
}

static struct net_conn *connect_again(struct test_server *server, struct lib_error *err)
{
	return net_connect(server->url->host, server->url->port, server->timeout, 0, err);
}

/* "write imap://HOST:PORT (STARTTLS), or imaps://HOST:993 for TLS from the
 * first byte" and the reverse: the two right ways for this protocol. */
static char *scheme_advice(const struct test_server *server, int port_wants_tls)
{
	const char *host = server->url->host;
	unsigned port = server->url->port;
	enum test_proto p = server->proto;

	if (port_wants_tls)
		return xasprintf("port %u expects TLS from the first byte (implicit TLS): write %s://%s:%u in the mailrc, "
		                 "or %s://%s:%u to use STARTTLS on the usual plain port",
		                 port, protos[p].tls_scheme, host, port, protos[p].plain_scheme, host, protos[p].plain_port);
	return xasprintf("port %u speaks %s in plain text first and upgrades with STARTTLS: write %s://%s:%u in the mailrc "
	                 "(tern then requires STARTTLS), or %s://%s:%u for TLS from the first byte",
	                 port, protos[p].name, protos[p].plain_scheme, host, port, protos[p].tls_scheme, host,
	                 protos[p].tls_port);
}

static void usual_ports(const struct test_server *server, struct buf *out)
{
	enum test_proto p = server->proto;
	buf_addf(out, "%s is usually port %u with %s:// or %u with %s://", protos[p].name, protos[p].tls_port,
	         protos[p].tls_scheme, protos[p].plain_port, protos[p].plain_scheme);
}

static int step_dns(struct test_server *server)
{
	char addresses[256];
	struct lib_error err = { 0 };

	if (net_lookup(server->url->host, server->url->port, server->timeout, 0, addresses, sizeof(addresses), &err) < 0)
		return test_step_fail(server, "dns", &err,
		                      "check the host name in the mailrc (a typo?) and that this machine can resolve names");
	char *detail = xasprintf("%s is %s", server->url->host, addresses);
	test_step_add(server, "dns", 1, LIB_ERR_NONE, detail, NULL);
	free(detail);
	return 1;
}

static struct net_conn *step_connect(struct test_server *server)
{
	struct lib_error err = { 0 };
	struct buf advice = BUF_INIT;
	struct net_conn *conn = connect_again(server, &err);

	if (conn) {
		char *detail = xasprintf("port %u accepts connections", server->url->port);
		test_step_add(server, "connect", 1, LIB_ERR_NONE, detail, NULL);
		free(detail);
		return conn;
	}
	if (strstr(err.text, "refused")) {
		buf_addf(&advice, "nothing accepts connections on port %u of %s: check the port (", server->url->port,
		         server->url->host);
		usual_ports(server, &advice);
		buf_addstr(&advice, ") and that the server runs");
	} else if (strstr(err.text, "no answer")) {
		buf_addf(&advice, "no answer at all, as when a firewall drops the packets: check the port (");
		usual_ports(server, &advice);
		buf_addstr(&advice, "), and whether a firewall, VPN or network blocks it");
	}
	test_step_fail(server, "connect", &err, advice.data);
	buf_free(&advice);
	return NULL;
}

/* Implicit TLS configured: the handshake failed before the server showed
 * a certificate. What does the port send when nobody speaks TLS to it? */
static void tls_refused(struct test_server *server, const struct lib_error *tls_err)
{
	struct lib_error err = { 0 };
	char first[512];
	struct net_conn *conn = connect_again(server, &err);
	int n = conn ? net_conn_read_first(conn, first, sizeof(first)) : -1;
	int proto = n > 0 ? greeting_proto(first) : -1;
	struct buf detail = BUF_INIT;

	net_conn_free(conn);
	if (proto < 0) {
		test_step_fail(server, "tls", tls_err, "check the port and the security of the server line in the mailrc");
		return;
	}
	buf_addstr(&detail, "a plain-text greeting arrived where a TLS handshake was expected: \"");
	first_line(first, &detail);
	buf_addstr(&detail, "\"");
	char *advice;
	if ((enum test_proto)proto == server->proto) {
		advice = scheme_advice(server, 0);
	} else {
		struct buf words = BUF_INIT;
		buf_addf(&words, "port %u is a %s port, not %s: ", server->url->port, protos[proto].name,
		         protos[server->proto].name);
		usual_ports(server, &words);
		advice = buf_detach(&words);
	}
	test_step_add(server, "tls", 0, LIB_ERR_TLS, detail.data, advice);
	free(advice);
	buf_free(&detail);
}

/* How long a greeting is waited for before a second connection asks
 * whether the port wants TLS from the first byte: a mail server greets
 * at once, and a port mix-up should not cost the whole timeout. */
#define GREETING_QUICK 3

/* Plain or STARTTLS configured and the server said nothing in waited
 * seconds: whether the port answers a TLS handshake (then the step is
 * added: 1), else 0. */
static int answers_tls(struct test_server *server, int waited)
{
	struct lib_error err = { 0 };
	struct net_tls_info info = { 0 };
	struct net_tls_config tls = { server->tls.ca_file, server->tls.fingerprint, &info };
	struct net_conn *conn = connect_again(server, &err);

	if (conn)
		net_tls_start(conn, server->url->host, &tls, &err);
	net_conn_free(conn);
	if (!info.handshake_done)
		return 0;
	char *advice = scheme_advice(server, 1);
	char *detail = xasprintf("the server accepted the connection but sent no greeting in %d s; it answers a TLS "
	                         "handshake instead (%s)",
	                         waited, info.version);
	test_step_add(server, "greeting", 0, LIB_ERR_TLS, detail, advice);
	free(detail);
	free(advice);
	return 1;
}

/* Silent for the whole timeout, and no TLS either. */
static void silent(struct test_server *server)
{
	char *detail = xasprintf("the server accepted the connection but sent no greeting in %d s", server->timeout);
	test_step_add(server, "greeting", 0, LIB_ERR_CONNECTION, detail,
	              "it does not speak TLS first either: a firewall or proxy in between, or not a mail server "
	              "on this port; check the host and port");
	free(detail);
}

/* Reads the greeting on conn (plain, or TLS just started) and judges it. */
static int step_greeting(struct test_server *server, struct net_conn *conn)
{
	char first[512];
	int quick = server->timeout > GREETING_QUICK && !net_conn_is_tls(conn) ? GREETING_QUICK : 0;
	struct buf detail = BUF_INIT;

	if (quick)
		net_conn_set_timeout(conn, quick);
	int n = net_conn_read_first(conn, first, sizeof(first));
	if (n == 0 && quick) {
		if (answers_tls(server, quick))
			return 0;
		net_conn_set_timeout(conn, server->timeout - quick); /* the rest of the wait */
		n = net_conn_read_first(conn, first, sizeof(first));
	}
	net_conn_set_timeout(conn, server->timeout);
	if (n == 0) {
		if (net_conn_is_tls(conn)) {
			char *text = xasprintf("no greeting in %d s after the TLS handshake", server->timeout);
			test_step_add(server, "greeting", 0, LIB_ERR_CONNECTION, text,
			              "the server is stuck or is not a mail server: check the host and port");
			free(text);
		} else if (quick || !answers_tls(server, server->timeout)) {
			silent(server);
		}
		return 0;
	}
	if (n < 0) {
		char *text = xasprintf("the server closed the connection without a greeting (%s)", net_conn_last_error(conn));
		test_step_add(server, "greeting", 0, LIB_ERR_CONNECTION, text,
		              "the server may refuse this machine's address, or the port is wrong: check the port");
		free(text);
		return 0;
	}
	if (!net_conn_is_tls(conn) && looks_binary(first, n)) {
		char *advice = scheme_advice(server, 1);
		test_step_add(server, "greeting", 0, LIB_ERR_TLS,
		              "the server sent TLS data (or binary bytes) where a plain-text greeting was expected", advice);
		free(advice);
		return 0;
	}
	int proto = greeting_proto(first);
	buf_addch(&detail, '"');
	first_line(first, &detail);
	buf_addch(&detail, '"');
	if (proto < 0 || (enum test_proto)proto != server->proto) {
		struct buf advice = BUF_INIT;
		if (proto >= 0)
			buf_addf(&advice, "port %u is a %s port, not %s: ", server->url->port, protos[proto].name,
			         protos[server->proto].name);
		else
			buf_addf(&advice, "this is not a %s greeting: ", protos[server->proto].name);
		usual_ports(server, &advice);
		test_step_add(server, "greeting", 0, LIB_ERR_PROTOCOL, detail.data, advice.data);
		buf_free(&advice);
		buf_free(&detail);
		return 0;
	}
	test_step_add(server, "greeting", 1, LIB_ERR_NONE, detail.data, NULL);
	buf_free(&detail);
	return 1;
}

int test_probe(struct test_server *server)
{
	if (!step_dns(server))
		return 0;
	struct net_conn *conn = step_connect(server);
	if (!conn)
		return 0;
	int ok = 1;
	if (server->url->implicit_tls) {
		struct lib_error err = { 0 };
		memset(&server->tls_info, 0, sizeof(server->tls_info));
		if (net_tls_start(conn, server->url->host, &server->tls, &err) < 0) {
			if (server->tls_info.handshake_done)
				test_tls_step(server, &err);
			else
				tls_refused(server, &err);
			ok = 0;
		} else {
			test_tls_step(server, NULL);
		}
	}
	if (ok)
		ok = step_greeting(server, conn);
	net_conn_free(conn);
	return ok;
}

int test_tls_step(struct test_server *server, const struct lib_error *err)
{
	const struct net_tls_info *info = &server->tls_info;
	struct buf detail = BUF_INIT;

	if (info->handshake_done) {
		buf_addf(&detail, "%s %s; certificate %s, issued by %s, valid until %s, for %s", info->version, info->cipher,
		         info->subject, info->issuer, info->not_after, info->names);
		buf_addstr(&detail, info->name_match ? " (matches the host)" : " (does not name the host)");
	}
	if (!err) {
		test_step_add(server, "tls", 1, LIB_ERR_NONE, detail.data, NULL);
		buf_free(&detail);
		return 1;
	}
	char *advice = NULL;
	if (!info->handshake_done && (strstr(err->text, "STARTTLS") || strstr(err->text, "STLS")))
		advice = xasprintf("this port offers no STARTTLS: use the implicit TLS port (%s://%s:%u), or tls off on "
		                   "a trusted network only",
		                   protos[server->proto].tls_scheme, server->url->host, protos[server->proto].tls_port);
	else if (!info->handshake_done)
		advice = xstrdup("check the port and the security of the server line in the mailrc");
	else if (server->tls.fingerprint)
		advice = xstrdup("the server's certificate is not the one pinned: if it was renewed, check the new one "
		                 "and update tls-fingerprint; otherwise someone may be intercepting the connection");
	else if (!info->name_match)
		advice = xasprintf("the certificate is valid for %s, not for %s: write one of those names as the host in "
		                   "the mailrc (if they look foreign, the connection may be intercepted)",
		                   info->names, server->url->host);
	else if (info->expired)
		advice = xasprintf("the server's certificate expired on %s: only the server's administrator can renew it "
		                   "(check this machine's clock too)",
		                   info->not_after);
	else if (info->fingerprint[0])
		advice = xasprintf("the certificate is not from a CA this machine trusts: set tls-ca-file to the CA that "
		                   "issued it, or check the certificate another way (ask its administrator for its "
		                   "SHA-256 fingerprint) and, when it is the same, pin it in the account: "
		                   "tls-fingerprint sha256:%s",
		                   info->fingerprint);
	else
		advice = xstrdup("the certificate is not from a CA this machine trusts: set tls-ca-file to the CA that "
		                 "issued it, or check the certificate another way and pin it with tls-fingerprint");
	struct lib_error shown = *err;
	if (detail.len) {
		buf_addstr(&detail, ": ");
		buf_addstr(&detail, err->text);
		snprintf(shown.text, sizeof(shown.text), "%s", detail.data);
	}
	test_step_fail(server, "tls", &shown, advice);
	free(advice);
	buf_free(&detail);
	return 0;
}

const char *test_advice(const struct lib_error *err, int is_oauth2)
{
	switch (err->cls) {
	case LIB_ERR_AUTH:
		if (is_oauth2)
			return "the OAuth2 token was refused: run the oauth2-token-command by hand; the authorisation may "
			       "have expired or been revoked (tern-oauth2 --authorize gets a new one)";
		return "check user (often the whole address) and the password; Gmail, Outlook.com/Office 365, Yahoo, "
		       "iCloud and others refuse the normal password here: make an app password, or use OAuth2 "
		       "(oauth2-token-command)";
	case LIB_ERR_CONFIG:
		return "set password, password-command or oauth2-token-command for this account";
	case LIB_ERR_TEMPORARY:
		return "the server is busy or the mailbox is in use: try again in a few minutes";
	case LIB_ERR_TLS:
		return "the server must offer STARTTLS on this port, or use the implicit TLS port";
	case LIB_ERR_CONNECTION:
		return "the connection broke: try again; if it keeps happening, the server or something in between "
		       "(a firewall, an antivirus or company proxy) cuts it";
	case LIB_ERR_PROTOCOL:
		return "the server does not speak the protocol as expected: check that the port belongs to this protocol";
	default:
		return "the server refused: its own words above say why";
	}
}
