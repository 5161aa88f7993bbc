/* Internals shared by the net module's files. */
#ifndef TERN_NET_PRIVATE_H
#define TERN_NET_PRIVATE_H

#include <openssl/ssl.h>
#include <sys/types.h>
#include <time.h>

#include "net.h"

struct net_conn {
	int fd;             /* non-blocking */
	int cancel_pipe[2]; /* readable once net_conn_cancel was called */
	int cancel_fd;      /* the caller's, readable to cancel; -1 when none */
	int timeout;        /* seconds, per read or write */
	SSL_CTX *ctx;
	SSL *ssl;           /* NULL until net_tls_start */
	char tls_description[96];
	char last_error[160];
	net_read_check_cb *read_check;
	void *read_check_ctx;
	int broken;         /* a read check failed, or net_conn_break: every later read and write fails */
	int end_lines;      /* net_conn_end_lines_on_eof was called */
	char last_byte;     /* the last byte the stream layer handed out */
	/* The reply being read: since tern's last write (or the connect, or
	 * unsolicited data after net_conn_wait_readable), and its bytes so far;
	 * see net_exchange_deadline. */
	struct timespec exchange_start;
	size_t exchange_bytes;
	struct net_deflate *deflate; /* COMPRESS=DEFLATE is on (net-deflate.c) */
	uint64_t wire_in, wire_out;  /* bytes through TLS (or the socket), both ways */
	uint64_t plain_in;           /* bytes handed to the protocol (inflated) */
};

struct net_conn *net_conn_new(int fd, int timeout, int cancel_fd);
/* 1 when cancel_fd (> 0) is readable. */
int net_cancelled(int cancel_fd);
/* Waits until fd is ready for events or the deadline; 1 ready, 0 timed
 * out, -1 cancelled or error (conn->last_error set). */
int net_wait(struct net_conn *conn, short events, const struct timespec *deadline);
void net_deadline(struct timespec *deadline, int seconds);

/* The bytes on the wire (after TLS, before COMPRESS), for net-deflate.c:
 * as conn's reads and writes, without the read checks. */
ssize_t net_conn_read_wire(struct net_conn *conn, void *buf, size_t count);
ssize_t net_conn_write_wire(struct net_conn *conn, const void *buf, size_t count);
/* net-deflate.c: reads inflated bytes (> 0, or -1 with last_error);
 * writes count bytes deflated and flushed (count, or -1). */
struct net_deflate;
ssize_t net_deflate_read(struct net_conn *conn, void *buf, size_t count);
ssize_t net_deflate_write(struct net_conn *conn, const void *buf, size_t count);
/* 1 when compressed bytes already read wait to be inflated. */
int net_deflate_pending(const struct net_deflate *z);
void net_deflate_free(struct net_deflate *z);
int net_ms_left(const struct timespec *deadline);

#endif
