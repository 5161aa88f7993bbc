/* COMPRESS=DEFLATE (RFC 4978) on a connection: raw DEFLATE (RFC 1951, no
 * zlib header or trailer) in both directions, between TLS below and the
 * protocol above, with zlib. libetpan's own COMPRESS is a stub
 * (LIBRARIES.md). What is written is flushed with Z_SYNC_FLUSH at the end
 * of every write, so each command reaches the server whole (RFC 4978
 * section 4); what is read is inflated before the read checks and the
 * parser see it, so every bound on lines and literals applies to the
 * inflated text. */
#define _GNU_SOURCE
#include "net.h"
#include "net-private.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define NET_DEFLATE_CHUNK 16384

struct net_deflate {
	z_stream in, out;
	unsigned char raw[NET_DEFLATE_CHUNK]; /* compressed bytes read, not yet inflated */
	int more_out; /* the last inflate filled the reader's buffer: zlib may hold more */
};

int net_conn_compress(struct net_conn *conn, const void *pending, size_t len, struct lib_error *err)
{
	if (len > NET_DEFLATE_CHUNK) {
		lib_error_set(err, LIB_ERR_PROTOCOL, "the server sent %zu bytes at once after agreeing to COMPRESS", len);
		return -1;
	}
	struct net_deflate *z = xcalloc(1, sizeof(*z));
	/* raw streams (windowBits -15); level 6 for what tern sends: commands
	 * are small, the gain is in what the server sends */
	if (inflateInit2(&z->in, -15) != Z_OK) {
		free(z);
		lib_error_set(err, LIB_ERR_INTERNAL, "cannot start decompression (zlib)");
		return -1;
	}
	if (deflateInit2(&z->out, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		inflateEnd(&z->in);
		free(z);
		lib_error_set(err, LIB_ERR_INTERNAL, "cannot start compression (zlib)");
		return -1;
	}
	if (len)
		memcpy(z->raw, pending, len);
	z->in.next_in = z->raw;
	z->in.avail_in = (uInt)len;
	conn->deflate = z;
	conn->last_byte = '\n'; /* the OK line ended; what follows is a new line */
	return 0;
}

int net_conn_is_compressed(const struct net_conn *conn)
{
	return conn->deflate != NULL;
}

void net_conn_compress_totals(const struct net_conn *conn, size_t *wire_in, size_t *inflated)
{
	*wire_in = conn->deflate ? conn->deflate->in.total_in : 0;
	*inflated = conn->deflate ? conn->deflate->in.total_out : 0;
}

void net_deflate_free(struct net_deflate *z)
{
	if (!z)
		return;
	inflateEnd(&z->in);
	deflateEnd(&z->out);
	free(z);
}

int net_deflate_pending(const struct net_deflate *z)
{
	return z && (z->in.avail_in > 0 || z->more_out);
}

ssize_t net_deflate_read(struct net_conn *conn, void *buf, size_t count)
{
	struct net_deflate *z = conn->deflate;
	if (count > 0x7fffffff)
		count = 0x7fffffff;
	for (;;) {
		if (z->in.avail_in > 0 || z->more_out) {
			z->in.next_out = buf;
			z->in.avail_out = (uInt)count;
			int rc = inflate(&z->in, Z_SYNC_FLUSH);
			size_t got = count - z->in.avail_out;
			z->more_out = z->in.avail_out == 0;
			if (rc == Z_STREAM_END || (rc != Z_OK && rc != Z_BUF_ERROR)) {
				snprintf(conn->last_error, sizeof(conn->last_error),
				         rc == Z_STREAM_END ? "the server ended its compressed stream"
				                            : "the server's compressed stream is corrupt (%s)",
				         z->in.msg ? z->in.msg : "inflate failed");
				conn->broken = 1;
				return -1;
			}
			if (got > 0)
				return (ssize_t)got;
			if (z->in.avail_in > 0 && rc != Z_BUF_ERROR)
				continue; /* consumed block headers only: go on */
		}
		ssize_t n = net_conn_read_wire(conn, z->raw, sizeof(z->raw));
		if (n <= 0)
			return n;
		z->in.next_in = z->raw;
		z->in.avail_in = (uInt)n;
	}
}

ssize_t net_deflate_write(struct net_conn *conn, const void *buf, size_t count)
{
	struct net_deflate *z = conn->deflate;
	unsigned char out[NET_DEFLATE_CHUNK];
	z->out.next_in = (unsigned char *)buf;
	z->out.avail_in = (uInt)count;
	do {
		z->out.next_out = out;
		z->out.avail_out = sizeof(out);
		if (deflate(&z->out, Z_SYNC_FLUSH) == Z_STREAM_ERROR) {
			snprintf(conn->last_error, sizeof(conn->last_error), "compression failed");
			conn->broken = 1;
			return -1;
		}
		size_t have = sizeof(out) - z->out.avail_out;
		if (have && net_conn_write_wire(conn, out, have) < 0)
			return -1;
	} while (z->out.avail_out == 0);
	return (ssize_t)count;
}
