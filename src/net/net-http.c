/* One GET over HTTP/1.0 (so the body ends where the connection does and
 * never comes chunked), or a local file read, for the autoconfig file. */
#define _GNU_SOURCE
#include "net-http.h"

#include <errno.h>
#include <fcntl.h>
#include <libetpan/libetpan.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "net.h"

static int read_file(const char *path, size_t max, struct buf *body, struct lib_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char chunk[8192];
	ssize_t n;

	if (fd < 0) {
		lib_error_set(err, LIB_ERR_DATA, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		if (body->len + (size_t)n > max) {
			close(fd);
			lib_error_set(err, LIB_ERR_DATA, "%s is larger than %zu bytes", path, max);
			return -1;
		}
		buf_add(body, chunk, (size_t)n);
	}
	close(fd);
	if (n < 0) {
		lib_error_set(err, LIB_ERR_DATA, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	buf_add(body, "", 0);
	return 0;
}

static int loopback(const char *host)
{
	return strcmp(host, "127.0.0.1") == 0 || strcmp(host, "::1") == 0 || strcasecmp(host, "localhost") == 0;
}

int net_url_parse(const char *url, struct net_url *out, struct lib_error *err)
{
	memset(out, 0, sizeof(*out));
	if (strncmp(url, "file://", 7) == 0) {
		out->scheme = NET_URL_FILE;
		out->path = url + 7;
		return 0;
	}
	if (strncmp(url, "https://", 8) == 0)
		out->scheme = NET_URL_HTTPS, out->port = 443, url += 8;
	else if (strncmp(url, "http://", 7) == 0)
		out->scheme = NET_URL_HTTP, out->port = 80, url += 7;
	else {
		lib_error_set(err, LIB_ERR_CONFIG, "only file://, https:// and http://127.0.0.1 URLs are read");
		return -1;
	}
	const char *path = url + strcspn(url, "/");
	const char *hend = url;
	if (*url == '[') {
		hend = strchr(url, ']');
		if (!hend || hend > path) {
			lib_error_set(err, LIB_ERR_CONFIG, "bad URL host");
			return -1;
		}
		url++;
	} else {
		hend = url + strcspn(url, ":/");
	}
	if (hend == url || (size_t)(hend - url) >= sizeof(out->host)) {
		lib_error_set(err, LIB_ERR_CONFIG, "bad URL host");
		return -1;
	}
	memcpy(out->host, url, (size_t)(hend - url));
	out->host[hend - url] = '\0';
	const char *after = *hend == ']' ? hend + 1 : hend;
	if (*after == ':') {
		char *end;
		unsigned long p = strtoul(after + 1, &end, 10);
		if (end != path || p == 0 || p > 65535) {
			lib_error_set(err, LIB_ERR_CONFIG, "bad URL port");
			return -1;
		}
		out->port = (unsigned)p;
	} else if (after != path) {
		lib_error_set(err, LIB_ERR_CONFIG, "bad URL host");
		return -1;
	}
	for (const char *c = path; *c; c++) {
		if ((unsigned char)*c <= ' ' || *c == 0x7f) {
			lib_error_set(err, LIB_ERR_CONFIG, "a space or control character in the URL");
			return -1;
		}
	}
	if (out->scheme == NET_URL_HTTP && !loopback(out->host)) {
		lib_error_set(err, LIB_ERR_CONFIG,
		              "http:// is read only from this machine (anyone on the way could change it): use https://");
		return -1;
	}
	out->path = *path ? path : "/";
	return 0;
}

/* Sends the GET for url and reads the whole answer (header and body)
 * into body, until the server closes. 0, or -1 with err. */
static int exchange(const struct net_url *url, int timeout, size_t max, struct buf *body, struct lib_error *err)
{
	struct net_conn *conn = net_connect(url->host, url->port, timeout, -1, err);
	if (!conn)
		return -1;
	struct net_tls_config tls;
	memset(&tls, 0, sizeof(tls));
	if (url->scheme == NET_URL_HTTPS && net_tls_start(conn, url->host, &tls, err) < 0) {
		net_conn_free(conn);
		return -1;
	}
	mailstream_low *low = net_stream_low_new(conn);
	char *request = xasprintf("GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: tern\r\nAccept: text/xml\r\n"
	                          "Connection: close\r\n\r\n", url->path, url->host);
	size_t len = strlen(request), done = 0;
	int rc = 0;
	while (done < len) {
		ssize_t n = mailstream_low_write(low, request + done, len - done);
		if (n <= 0) {
			lib_error_set(err, LIB_ERR_CONNECTION, "%s:%u: %s", url->host, url->port, net_conn_last_error(conn));
			rc = -1;
			break;
		}
		done += (size_t)n;
	}
	free(request);
	char chunk[8192];
	while (rc == 0) {
		ssize_t n = mailstream_low_read(low, chunk, sizeof(chunk));
		if (n <= 0)
			break; /* end of the body, or the connection failed (checked below) */
		if (body->len + (size_t)n > max + 16384) {
			lib_error_set(err, LIB_ERR_DATA, "%s:%u: the answer is larger than %zu bytes", url->host, url->port,
			              max);
			rc = -1;
		}
		buf_add(body, chunk, (size_t)n);
	}
	/* the end of the body is the server closing; anything else cut it */
	const char *why = net_conn_last_error(conn);
	if (rc == 0 && *why && strcmp(why, "the server closed the connection") != 0) {
		lib_error_set(err, LIB_ERR_CONNECTION, "%s:%u: the answer was cut: %s", url->host, url->port, why);
		rc = -1;
	}
	mailstream_low_free(low);
	net_conn_free(conn);
	return rc;
}

/* Keeps only the body of the HTTP answer in body, when it is a whole 200. */
static int answer_body(const struct net_url *url, struct buf *body, struct lib_error *err)
{
	buf_add(body, "", 0);
	int status = 0;
	if (!body->data || sscanf(body->data, "HTTP/1.%*d %d", &status) != 1 || status != 200) {
		lib_error_set(err, LIB_ERR_SERVER, "%s:%u answered %s", url->host, url->port,
		              status ? "with an HTTP status other than 200" : "no HTTP answer");
		return -1;
	}
	char *start = strstr(body->data, "\r\n\r\n");
	if (!start) {
		lib_error_set(err, LIB_ERR_PROTOCOL, "%s:%u: the HTTP answer has no end of header", url->host, url->port);
		return -1;
	}
	start += 4;
	size_t rest = body->len - (size_t)(start - body->data);
	const char *length = strcasestr(body->data, "\r\nContent-Length:");
	if (length && length < start && strtoull(length + 17, NULL, 10) != rest) {
		lib_error_set(err, LIB_ERR_CONNECTION, "%s:%u: the answer was cut (Content-Length %llu, %zu bytes came)",
		              url->host, url->port, strtoull(length + 17, NULL, 10), rest);
		return -1;
	}
	memmove(body->data, start, rest);
	body->len = rest;
	body->data[rest] = '\0';
	return 0;
}

int net_url_get(const char *text, int timeout, size_t max, struct buf *body, struct lib_error *err)
{
	struct net_url url;

	buf_reset(body);
	if (net_url_parse(text, &url, err) < 0)
		return -1;
	if (url.scheme == NET_URL_FILE)
		return read_file(url.path, max, body, err);
	if (exchange(&url, timeout, max, body, err) < 0)
		return -1;
	return answer_body(&url, body, err);
}
