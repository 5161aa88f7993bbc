/* Unit tests: net's certificate checks (net_tls_start) against the test
 * kit's certificates, with a TLS server of OpenSSL's own in a thread at
 * the other end of a socketpair: a good chain by DNS and IP name, the
 * wrong host, an expired certificate, an untrusted issuer, a pin that
 * matches and one that does not, and what the handshake tells
 * --test-account. Run by tls.py, which makes the certificates
 * (tests/kit/kit.py, class Certs) and passes their directory and pins:
 *     test-tls DIR SHA256-OF-VALID SHA256-OF-UNTRUSTED */
#define _GNU_SOURCE
#include <fcntl.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/lib.h"
#include "net/net-private.h"
#include "net/net.h"
#include "../tap.h"

static const char *dir;

struct server {
	int fd;
	char *crt, *key;
};

/* Serves one TLS handshake with the certificate, then waits for the
 * client to close. */
static void *serve(void *arg)
{
	struct server *s = arg;
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (SSL_CTX_use_certificate_file(ctx, s->crt, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, s->key, SSL_FILETYPE_PEM) != 1) {
		printf("Bail out! cannot load %s\n", s->crt);
		exit(1);
	}
	SSL *ssl = SSL_new(ctx);
	SSL_set_fd(ssl, s->fd);
	if (SSL_accept(ssl) == 1) {
		char c;
		SSL_read(ssl, &c, 1);
	}
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(s->fd);
	return NULL;
}

/* net_tls_start to a server showing certificate name, as host, with
 * fingerprint pinned (or NULL) and ca_file trusted (NULL: the kit's CA). */
static int handshake(const char *name, const char *host, const char *fingerprint, const char *ca_file,
                     struct net_tls_info *info, struct lib_error *err)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		exit(2);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	struct server s = { sv[1], xasprintf("%s/%s.crt", dir, name), xasprintf("%s/%s.key", dir, name) };
	pthread_t thread;
	pthread_create(&thread, NULL, serve, &s);
	char *ca = xasprintf("%s/ca/ca.crt", dir);
	struct net_tls_config tls = { ca_file ? ca_file : ca, fingerprint, info };
	struct net_conn *conn = net_conn_new(sv[0], 5, -1);
	memset(err, 0, sizeof(*err));
	if (info)
		memset(info, 0, sizeof(*info));
	int rc = net_tls_start(conn, host, &tls, err);
	if (rc == 0 && !strstr(net_conn_tls_description(conn), "TLSv1."))
		rc = -2;
	net_conn_free(conn);
	pthread_join(thread, NULL);
	free(ca);
	free(s.crt);
	free(s.key);
	return rc;
}

static void accepted(const char *name, const char *host, const char *fingerprint, const char *why)
{
	struct lib_error err;
	int rc = handshake(name, host, fingerprint, NULL, NULL, &err);
	ok(rc == 0, "%s certificate as %s: accepted (%s)%s%s", name, host, why, rc ? ": " : "", rc ? err.text : "");
}

static void refused(const char *name, const char *host, const char *fingerprint, const char *want)
{
	struct lib_error err;
	int rc = handshake(name, host, fingerprint, NULL, NULL, &err);
	ok(rc == -1 && err.cls == LIB_ERR_TLS && strstr(err.text, want), "%s certificate as %s: refused: %s", name, host,
	   rc == -1 ? err.text : "accepted");
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		printf("Bail out! usage: test-tls DIR SHA256-OF-VALID SHA256-OF-UNTRUSTED\n");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN); /* a peer gone mid-handshake is an error, not a death */
	dir = argv[1];
	const char *valid_pin = argv[2], *untrusted_pin = argv[3];

	accepted("valid", "localhost", NULL, "chain and DNS name");
	accepted("valid", "127.0.0.1", NULL, "chain and IP name");
	accepted("valid", "LOCALHOST", NULL, "DNS names compare without case");
	refused("valid", "mail.example.org", NULL, "host name mismatch: the certificate is for localhost");
	refused("valid", "127.0.0.2", NULL, "host name mismatch");
	refused("wronghost", "localhost", NULL, "host name mismatch: the certificate is for mail.example.org");
	refused("expired", "localhost", NULL, "the certificate expired on 2020-01-31");
	refused("untrusted", "localhost", NULL, "untrusted issuer: the certificate was issued by /CN=tern untrusted CA");
	accepted("untrusted", "localhost", untrusted_pin, "its pin replaces the chain");
	refused("valid", "localhost", untrusted_pin, "certificate pin mismatch: the server's certificate is sha256:");

	struct net_tls_info info;
	struct lib_error err;
	int rc = handshake("expired", "localhost", NULL, NULL, &info, &err);
	ok(rc < 0 && info.handshake_done && !info.verified && info.expired && info.name_match &&
	       strcmp(info.not_after, "2020-01-31") == 0,
	   "a refused handshake still tells what it showed: expired %d, name match %d, not after %s", info.expired,
	   info.name_match, info.not_after);
	rc = handshake("valid", "localhost", NULL, NULL, &info, &err);
	ok(rc == 0 && info.verified && strcmp(info.fingerprint, valid_pin) == 0 && strstr(info.issuer, "tern test CA") &&
	       strstr(info.names, "localhost") && strstr(info.version, "TLSv1."),
	   "an accepted handshake: fingerprint %s, issuer %s, names %s", info.fingerprint, info.issuer, info.names);
	rc = handshake("wronghost", "localhost", NULL, NULL, &info, &err);
	ok(rc < 0 && !info.name_match && !info.expired, "the wrong host: name match %d", info.name_match);

	char *missing = xasprintf("%s/no-such-ca.crt", dir);
	rc = handshake("valid", "localhost", NULL, missing, NULL, &err);
	ok(rc < 0 && err.cls == LIB_ERR_TLS && strstr(err.text, "cannot read tls-ca-file"), "a missing CA file: %s",
	   err.text);
	free(missing);

	char why[200];
	char *ca = xasprintf("%s/ca/ca.crt", dir), *key = xasprintf("%s/valid.key", dir);
	ok(net_tls_ca_file_check(ca, why, sizeof(why)) == 0, "the kit's CA is a usable tls-ca-file");
	ok(net_tls_ca_file_check(key, why, sizeof(why)) < 0 && strstr(why, "holds no PEM certificate"),
	   "a key is no tls-ca-file: %s", why);
	free(ca);
	free(key);
	return tap_done();
}
