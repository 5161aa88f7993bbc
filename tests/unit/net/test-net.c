/* Unit tests: the connection layer (net) over a socketpair: COMPRESS=DEFLATE
 * (RFC 4978) both ways, the read checks seeing inflated text, a corrupt
 * stream as a clean error, and a reply's overall deadline; the URLs
 * net_url_get reads. (Certificate checks: tls.py, with the kit's
 * certificates.) */
#define _GNU_SOURCE
#include <fcntl.h>
#include <libetpan/libetpan.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "lib/lib.h"
#include "net/net-http.h"
#include "net/net-private.h"
#include "net/net.h"
#include "../tap.h"

/* What the peer sends, deflated raw and flushed, appended to out. */
static void deflate_to(z_stream *z, const void *data, size_t len, struct buf *out)
{
	unsigned char chunk[4096];
	z->next_in = (unsigned char *)data;
	z->avail_in = (uInt)len;
	do {
		z->next_out = chunk;
		z->avail_out = sizeof(chunk);
		deflate(z, Z_SYNC_FLUSH);
		buf_add(out, chunk, sizeof(chunk) - z->avail_out);
	} while (z->avail_out == 0);
}

static struct buf seen = BUF_INIT;

static int record(void *ctx, const char *data, size_t len, char *why, size_t why_size)
{
	(void)ctx, (void)why, (void)why_size;
	buf_add(&seen, data, len);
	return 0;
}

static void write_all(int fd, const void *data, size_t len)
{
	for (size_t done = 0; done < len;) {
		ssize_t n = write(fd, (const char *)data + done, len - done);
		if (n <= 0)
			exit(3);
		done += (size_t)n;
	}
}

static void test_compress(void)
{
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	struct net_conn *conn = net_conn_new(sv[0], 5, -1);
	struct lib_error err = { 0 };
	ok(net_conn_compress(conn, NULL, 0, &err) == 0 && net_conn_is_compressed(conn), "compression starts");
	net_conn_set_read_check(conn, record, NULL);
	mailstream *stream = mailstream_new(net_stream_low_new(conn), 8192);

	/* the server: a greeting-sized line, then 300 KB that compresses well */
	z_stream server_out = { 0 };
	deflateInit2(&server_out, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
	struct buf plain = BUF_INIT, wire = BUF_INIT;
	buf_addstr(&plain, "* OK compressed hello\r\n");
	for (int i = 0; i < 10000; i++)
		buf_addf(&plain, "* %d FETCH (UID %d FLAGS (\\Seen))\r\n", i + 1, i + 1);
	deflate_to(&server_out, plain.data, plain.len, &wire);
	ok(wire.len < plain.len / 4, "the peer's %zu bytes go as %zu on the wire", plain.len, wire.len);
	pid_t pid = fork();
	if (pid == 0) {
		write_all(sv[1], wire.data, wire.len);
		_exit(0);
	}
	struct buf got = BUF_INIT;
	char chunk[1000];
	while (got.len < plain.len) { /* mailstream_read waits for all it is asked */
		size_t want = plain.len - got.len < sizeof(chunk) ? plain.len - got.len : sizeof(chunk);
		ssize_t n = mailstream_read(stream, chunk, want);
		if (n <= 0)
			break;
		buf_add(&got, chunk, (size_t)n);
	}
	ok(got.len == plain.len && memcmp(got.data, plain.data, plain.len) == 0, "everything read back inflated");
	ok(seen.len == plain.len && memcmp(seen.data, plain.data, plain.len) == 0,
	   "the read check saw the inflated text, not the wire");
	size_t wire_in, inflated;
	net_conn_compress_totals(conn, &wire_in, &inflated);
	is_int((long)wire_in, (long)wire.len, "bytes from the wire counted");
	is_int((long)inflated, (long)plain.len, "and what they inflated to");

	/* tern's side: a command, deflated and flushed whole */
	const char *command = "a1 UID FETCH 1:* (FLAGS)\r\n";
	mailstream_write(stream, command, strlen(command));
	mailstream_flush(stream);
	unsigned char raw[4096], text[4096];
	ssize_t n = read(sv[1], raw, sizeof(raw));
	z_stream server_in = { 0 };
	inflateInit2(&server_in, -15);
	server_in.next_in = raw;
	server_in.avail_in = n > 0 ? (uInt)n : 0;
	server_in.next_out = text;
	server_in.avail_out = sizeof(text);
	inflate(&server_in, Z_SYNC_FLUSH);
	size_t text_len = sizeof(text) - server_in.avail_out;
	ok(text_len == strlen(command) && memcmp(text, command, text_len) == 0,
	   "a command reaches the peer whole after one flush (RFC 4978 4)");
	inflateEnd(&server_in);
	deflateEnd(&server_out);
	mailstream_close(stream);
	net_conn_free(conn);
	close(sv[1]);
	buf_free(&plain);
	buf_free(&wire);
	buf_free(&got);
}

static void test_corrupt(void)
{
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	struct net_conn *conn = net_conn_new(sv[0], 5, -1);
	struct lib_error err = { 0 };
	net_conn_compress(conn, NULL, 0, &err);
	mailstream *stream = mailstream_new(net_stream_low_new(conn), 8192);
	/* a stored block that claims a length its complement denies */
	const unsigned char bad[] = { 0x00, 0x05, 0x00, 0x05, 0x00, 'h', 'e', 'l', 'l', 'o' };
	write_all(sv[1], bad, sizeof(bad));
	char chunk[64];
	ssize_t n = mailstream_read(stream, chunk, sizeof(chunk));
	ok(n < 0 && strstr(net_conn_last_error(conn), "compressed stream is corrupt"),
	   "a corrupt stream is a clean error: %s", net_conn_last_error(conn));
	const char *command = "a2 NOOP\r\n";
	ok(mailstream_write(stream, command, strlen(command)) < 0 || mailstream_flush(stream) < 0,
	   "and the connection is broken for good");
	mailstream_close(stream);
	net_conn_free(conn);
	close(sv[1]);
}

static void test_deadline(void)
{
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	fcntl(sv[0], F_SETFL, O_NONBLOCK); /* as net_connect makes it */
	struct net_conn *conn = net_conn_new(sv[0], 1, -1);
	mailstream *stream = mailstream_new(net_stream_low_new(conn), 8192);
	pid_t pid = fork();
	if (pid == 0) { /* a byte every 0.4 s: under the 1 s per-read timeout */
		for (int i = 0; i < 40; i++) {
			if (write(sv[1], "x", 1) != 1)
				break;
			usleep(400000);
		}
		_exit(0);
	}
	time_t start = time(NULL);
	char chunk[64];
	ssize_t n;
	while ((n = mailstream_read(stream, chunk, sizeof(chunk))) > 0)
		;
	time_t took = time(NULL) - start;
	ok(took <= 4 && strstr(net_conn_last_error(conn), "too slow"),
	   "a trickle ends within 2 x timeout (%lld s): %s", (long long)took, net_conn_last_error(conn));
	mailstream_close(stream);
	net_conn_free(conn);
	close(sv[1]);
}

/* The server's first compressed bytes came in the packet of its OK, so
 * the protocol above had read them already: they are handed over and
 * inflated before anything more is read from the socket. */
static void test_compress_pending(void)
{
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	struct net_conn *conn = net_conn_new(sv[0], 5, -1);
	struct lib_error err = { 0 };
	z_stream server_out = { 0 };
	deflateInit2(&server_out, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
	struct buf wire = BUF_INIT;
	const char *plain = "* 4 EXISTS\r\n* OK [ALERT] from the first packet\r\n";
	deflate_to(&server_out, plain, strlen(plain), &wire);
	size_t early = wire.len / 2; /* read with the OK; the rest comes later */
	ok(net_conn_compress(conn, wire.data, early, &err) == 0, "compression starts with %zu bytes read early", early);
	write_all(sv[1], wire.data + early, wire.len - early);
	mailstream *stream = mailstream_new(net_stream_low_new(conn), 8192);
	char got[128] = "";
	size_t len = 0;
	while (len < strlen(plain)) {
		ssize_t n = mailstream_read(stream, got + len, strlen(plain) - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	ok(len == strlen(plain) && memcmp(got, plain, len) == 0, "the early bytes and the rest inflate in order");
	struct buf too_many = BUF_INIT;
	for (int i = 0; i < 20000; i++)
		buf_addch(&too_many, 'x');
	struct net_conn *other = net_conn_new(dup(sv[1]), 5, -1);
	ok(net_conn_compress(other, too_many.data, too_many.len, &err) < 0 && err.cls == LIB_ERR_PROTOCOL,
	   "more early bytes than a deflate chunk are refused: %s", err.text);
	net_conn_free(other);
	buf_free(&too_many);
	deflateEnd(&server_out);
	mailstream_close(stream);
	net_conn_free(conn);
	close(sv[1]);
	buf_free(&wire);
}

static void url_ok(const char *text, enum net_url_scheme scheme, const char *host, unsigned port, const char *path)
{
	struct net_url url;
	struct lib_error err = { 0 };
	int rc = net_url_parse(text, &url, &err);
	ok(rc == 0 && url.scheme == scheme && strcmp(url.host, host) == 0 && url.port == port &&
	       strcmp(url.path, path) == 0,
	   "%s: scheme %d host '%s' port %u path '%s'", text, (int)url.scheme, rc == 0 ? url.host : err.text,
	   url.port, url.path ? url.path : "(none)");
}

/* label: what the test's name shows of text (NULL: text itself) */
static void url_refused_as(const char *text, const char *label, const char *why)
{
	struct net_url url;
	struct lib_error err = { 0 };
	ok(net_url_parse(text, &url, &err) < 0 && err.cls == LIB_ERR_CONFIG && strstr(err.text, why),
	   "%s is refused: %s", label ? label : text, err.text);
}

static void url_refused(const char *text, const char *why)
{
	url_refused_as(text, NULL, why);
}

static void test_url(void)
{
	url_ok("https://autoconfig.example.org/mail/config-v1.1.xml", NET_URL_HTTPS, "autoconfig.example.org", 443,
	       "/mail/config-v1.1.xml");
	url_ok("https://example.org", NET_URL_HTTPS, "example.org", 443, "/");
	url_ok("https://example.org:8443/a?b=c", NET_URL_HTTPS, "example.org", 8443, "/a?b=c");
	url_ok("http://127.0.0.1:8080/x.xml", NET_URL_HTTP, "127.0.0.1", 8080, "/x.xml");
	url_ok("http://localhost/", NET_URL_HTTP, "localhost", 80, "/");
	url_ok("http://[::1]:99/v6", NET_URL_HTTP, "::1", 99, "/v6");
	url_ok("https://[2001:db8::1]/", NET_URL_HTTPS, "2001:db8::1", 443, "/");
	url_ok("file:///etc/tern/autoconfig.xml", NET_URL_FILE, "", 0, "/etc/tern/autoconfig.xml");
	url_refused("ftp://example.org/x", "only file://");
	url_refused("example.org/x", "only file://");
	url_refused("http://example.org/x", "only from this machine");
	url_refused("http://192.168.1.1/x", "only from this machine");
	url_refused("https:///x", "bad URL host");
	url_refused("https://[::1/x", "bad URL host");
	url_refused("https://[::1]junk/x", "bad URL host");
	url_refused("https://example.org:0/", "bad URL port");
	url_refused("https://example.org:65536/", "bad URL port");
	url_refused("https://example.org:12ab/", "bad URL port");
	url_refused("https://example.org/a b", "a space or control character");
	url_refused_as("https://example.org/a\r\nHost: evil", "a path with CR LF", "a space or control character");
	char longhost[400];
	memset(longhost, 'a', sizeof(longhost));
	memcpy(longhost, "https://", 8);
	longhost[sizeof(longhost) - 1] = '\0';
	url_refused_as(longhost, "a host of 391 bytes", "bad URL host");
}

int main(void)
{
	test_url();
	test_compress();
	test_compress_pending();
	test_corrupt();
	test_deadline();
	buf_free(&seen);
	return tap_done();
}
