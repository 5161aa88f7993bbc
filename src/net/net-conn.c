/* A connection: a non-blocking socket, optionally wrapped in TLS, with a
 * per-operation timeout and a cancel pipe; and the libetpan stream layer
 * over it. */
#define _GNU_SOURCE
#include "net.h"
#include "net-private.h"

#include <errno.h>
#include <fcntl.h>
#include <libetpan/libetpan.h>
#include <openssl/err.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A new reply starts: after tern wrote a command, at the greeting, and
 * when unsolicited data (IDLE) ends a wait. */
static void exchange_begin(struct net_conn *conn)
{
	clock_gettime(CLOCK_MONOTONIC, &conn->exchange_start);
	conn->exchange_bytes = 0;
}

/* Every reply has an overall deadline, not only each read: a server that
 * trickles one byte a second never trips the per-read timeout, and a
 * headless tern from cron must end. A reply may take twice the timeout,
 * plus one second for each NET_MIN_RATE bytes it brought: a greeting or
 * a tagged OK is done within 2 x timeout, while a bulk transfer (a FETCH
 * of headers, a RETR) goes on as long as it moves at NET_MIN_RATE on
 * average. */
#define NET_MIN_RATE 1024 /* bytes per second */

static void exchange_deadline(const struct net_conn *conn, struct timespec *deadline)
{
	*deadline = conn->exchange_start;
	size_t extra = conn->exchange_bytes / NET_MIN_RATE;
	size_t seconds = 2 * (size_t)conn->timeout + (extra > 86400 * 365 ? 86400 * 365 : extra);
	deadline->tv_sec += (time_t)seconds;
	deadline->tv_nsec += (long)(conn->exchange_bytes % NET_MIN_RATE) * (1000000000L / NET_MIN_RATE);
	if (deadline->tv_nsec >= 1000000000L) {
		deadline->tv_sec++;
		deadline->tv_nsec -= 1000000000L;
	}
}

static int before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

int net_cancelled(int cancel_fd)
{
	struct pollfd pfd = { cancel_fd, POLLIN, 0 };
	return cancel_fd > 0 && poll(&pfd, 1, 0) > 0;
}

struct net_conn *net_conn_new(int fd, int timeout, int cancel_fd)
{
	struct net_conn *conn = xcalloc(1, sizeof(*conn));

	conn->fd = fd;
	conn->timeout = timeout;
	conn->cancel_fd = cancel_fd > 0 ? cancel_fd : -1;
	if (pipe2(conn->cancel_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		lib_fatal("pipe: %s", strerror(errno));
	exchange_begin(conn); /* the greeting */
	return conn;
}

void net_conn_free(struct net_conn *conn)
{
	if (!conn)
		return;
	if (conn->ssl) {
		SSL_shutdown(conn->ssl); /* best effort close_notify, never waits */
		SSL_free(conn->ssl);
	}
	SSL_CTX_free(conn->ctx);
	net_deflate_free(conn->deflate);
	close(conn->fd);
	close(conn->cancel_pipe[0]);
	close(conn->cancel_pipe[1]);
	free(conn);
}

void net_conn_cancel(struct net_conn *conn)
{
	ssize_t rc = write(conn->cancel_pipe[1], "x", 1);
	(void)rc; /* a full pipe is already cancelled */
}

void net_conn_break(struct net_conn *conn, const char *why)
{
	conn->broken = 1;
	snprintf(conn->last_error, sizeof(conn->last_error), "%s", why);
}

void net_conn_set_timeout(struct net_conn *conn, int timeout)
{
	conn->timeout = timeout;
}

const char *net_conn_last_error(const struct net_conn *conn)
{
	return conn->last_error;
}

void net_conn_traffic(const struct net_conn *conn, uint64_t *wire_in, uint64_t *wire_out, uint64_t *plain_in)
{
	*wire_in = conn->wire_in;
	*wire_out = conn->wire_out;
	*plain_in = conn->plain_in;
}

int net_conn_is_tls(const struct net_conn *conn)
{
	return conn->ssl != NULL;
}

const char *net_conn_tls_description(struct net_conn *conn)
{
	return conn->tls_description;
}

int net_wait(struct net_conn *conn, short events, const struct timespec *deadline)
{
	for (;;) {
		struct pollfd pfd[3] = { { conn->fd, events, 0 }, { conn->cancel_pipe[0], POLLIN, 0 },
			                 { conn->cancel_fd, POLLIN, 0 } };
		int rc = poll(pfd, 3, net_ms_left(deadline));
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0) {
			snprintf(conn->last_error, sizeof(conn->last_error), "poll: %s", strerror(errno));
			return -1;
		}
		if (pfd[1].revents || pfd[2].revents) {
			snprintf(conn->last_error, sizeof(conn->last_error), "cancelled");
			return -1;
		}
		if (rc == 0) {
			snprintf(conn->last_error, sizeof(conn->last_error), "the server did not answer for %d s",
			         conn->timeout);
			return 0;
		}
		return 1;
	}
}

void net_conn_set_read_check(struct net_conn *conn, net_read_check_cb *check, void *ctx)
{
	conn->read_check = check;
	conn->read_check_ctx = ctx;
}

static ssize_t conn_read_raw(struct net_conn *conn, void *buf, size_t count);

/* One read of up to count bytes: > 0 bytes read, -1 on EOF, error,
 * timeout or cancel (with last_error saying which). */
static ssize_t conn_read(struct net_conn *conn, void *buf, size_t count)
{
	if (conn->broken)
		return -1;
	ssize_t n = conn->deflate ? net_deflate_read(conn, buf, count) : conn_read_raw(conn, buf, count);
	if (n > 0)
		conn->plain_in += (uint64_t)n;
	if (n > 0 && conn->read_check &&
	    conn->read_check(conn->read_check_ctx, buf, (size_t)n, conn->last_error, sizeof(conn->last_error)) < 0) {
		conn->broken = 1;
		return -1;
	}
	return n;
}

static void too_slow(struct net_conn *conn)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	snprintf(conn->last_error, sizeof(conn->last_error),
	         "the server is too slow: %zu bytes of its reply in %lld s (a reply may take %d s, "
	         "longer only while it keeps coming at %d bytes/s)",
	         conn->exchange_bytes, (long long)(now.tv_sec - conn->exchange_start.tv_sec), 2 * conn->timeout,
	         NET_MIN_RATE);
}

static ssize_t conn_read_raw(struct net_conn *conn, void *buf, size_t count)
{
	struct timespec deadline, overall;

	net_deadline(&deadline, conn->timeout);
	exchange_deadline(conn, &overall);
	int overall_first = before(&overall, &deadline);
	if (overall_first)
		deadline = overall;
	for (short want = POLLIN;; want = POLLIN) {
		/* checked before every read too: a trickle can always find a byte waiting */
		if (overall_first && net_ms_left(&overall) == 0) {
			too_slow(conn);
			return -1;
		}
		if (conn->ssl) {
			ERR_clear_error();
			int n = SSL_read(conn->ssl, buf, count > 0x7fffffff ? 0x7fffffff : (int)count);
			if (n > 0) {
				conn->exchange_bytes += (size_t)n;
				conn->wire_in += (uint64_t)n;
				return n;
			}
			int e = SSL_get_error(conn->ssl, n);
			if (e == SSL_ERROR_WANT_WRITE)
				want = POLLOUT;
			else if (e != SSL_ERROR_WANT_READ) {
				snprintf(conn->last_error, sizeof(conn->last_error), "%s",
				         e == SSL_ERROR_ZERO_RETURN || e == SSL_ERROR_SYSCALL
				                 ? "the server closed the connection"
				                 : ERR_reason_error_string(ERR_peek_last_error())
				                       ? ERR_reason_error_string(ERR_peek_last_error())
				                       : "TLS read error");
				return -1;
			}
		} else {
			ssize_t n = recv(conn->fd, buf, count, 0);
			if (n > 0) {
				conn->exchange_bytes += (size_t)n;
				conn->wire_in += (uint64_t)n;
				return n;
			}
			if (n == 0) {
				snprintf(conn->last_error, sizeof(conn->last_error), "the server closed the connection");
				return -1;
			}
			if (errno != EAGAIN && errno != EINTR) {
				snprintf(conn->last_error, sizeof(conn->last_error), "%s", strerror(errno));
				return -1;
			}
		}
		int ready = net_wait(conn, want, &deadline);
		if (ready == 0 && overall_first)
			too_slow(conn);
		if (ready <= 0)
			return -1;
	}
}

int net_conn_read_first(struct net_conn *conn, char *buf, size_t size)
{
	struct timespec deadline;

	net_deadline(&deadline, conn->timeout);
	int ready = net_wait(conn, POLLIN, &deadline);
	if (ready <= 0)
		return ready;
	ssize_t n = conn_read_raw(conn, buf, size - 1);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return (int)n;
}

ssize_t net_conn_read_wire(struct net_conn *conn, void *buf, size_t count)
{
	return conn_read_raw(conn, buf, count);
}

static ssize_t conn_write(struct net_conn *conn, const void *buf, size_t count)
{
	if (conn->broken)
		return -1;
	return conn->deflate ? net_deflate_write(conn, buf, count) : net_conn_write_wire(conn, buf, count);
}

ssize_t net_conn_write_wire(struct net_conn *conn, const void *buf, size_t count)
{
	struct timespec deadline;
	size_t done = 0;

	if (conn->broken)
		return -1;
	net_deadline(&deadline, conn->timeout);
	while (done < count) {
		short want = POLLOUT;
		size_t chunk = count - done > 0x7fffffff ? 0x7fffffff : count - done;
		if (conn->ssl) {
			ERR_clear_error();
			int n = SSL_write(conn->ssl, (const char *)buf + done, (int)chunk);
			if (n > 0) {
				done += (size_t)n;
				continue;
			}
			int e = SSL_get_error(conn->ssl, n);
			if (e == SSL_ERROR_WANT_READ)
				want = POLLIN;
			else if (e != SSL_ERROR_WANT_WRITE) {
				snprintf(conn->last_error, sizeof(conn->last_error), "TLS write failed");
				return -1;
			}
		} else {
			ssize_t n = send(conn->fd, (const char *)buf + done, chunk, MSG_NOSIGNAL);
			if (n > 0) {
				done += (size_t)n;
				continue;
			}
			if (n < 0 && errno != EAGAIN && errno != EINTR) {
				snprintf(conn->last_error, sizeof(conn->last_error), "%s", strerror(errno));
				return -1;
			}
		}
		if (net_wait(conn, want, &deadline) <= 0)
			return -1;
	}
	exchange_begin(conn); /* the reply to what was just sent */
	conn->wire_out += done;
	return (ssize_t)done;
}

int net_conn_wait_readable(struct net_conn *conn, int wake_fd, int ms)
{
	if ((conn->ssl && SSL_pending(conn->ssl) > 0) || net_deflate_pending(conn->deflate)) {
		exchange_begin(conn);
		return 1;
	}
	for (;;) {
		struct pollfd pfd[4] = { { conn->fd, POLLIN, 0 }, { wake_fd > 0 ? wake_fd : -1, POLLIN, 0 },
			                 { conn->cancel_pipe[0], POLLIN, 0 }, { conn->cancel_fd, POLLIN, 0 } };
		int rc = poll(pfd, 4, ms);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0 || pfd[2].revents || pfd[3].revents)
			return -1;
		if (rc == 0)
			return 0;
		if (pfd[1].revents)
			return 2;
		exchange_begin(conn); /* unsolicited data starts a reply of its own */
		return 1;
	}
}

/* ---- the libetpan stream layer ---- */

void net_conn_end_lines_on_eof(struct net_conn *conn)
{
	conn->end_lines = 1;
	conn->last_byte = '\n';
}

static ssize_t low_read(mailstream_low *low, void *buf, size_t count)
{
	struct net_conn *conn = low->data;
	ssize_t n = conn_read(conn, buf, count);

	if (n > 0) {
		conn->last_byte = ((const char *)buf)[n - 1];
	} else if (conn->end_lines && conn->last_byte != '\n' && count >= 2 && !conn->broken) {
		memcpy(buf, "\r\n", 2); /* see net_conn_end_lines_on_eof; checked like real bytes */
		conn->last_byte = '\n';
		conn->broken = 1; /* the line is over, the connection too (a timeout is no EOF to read past) */
		char why[sizeof(conn->last_error)];
		if (conn->read_check && conn->read_check(conn->read_check_ctx, buf, 2, why, sizeof(why)) < 0) {
			snprintf(conn->last_error, sizeof(conn->last_error), "%s", why);
			conn->broken = 1;
			return -1;
		}
		return 2;
	}
	return n;
}

static ssize_t low_write(mailstream_low *low, const void *buf, size_t count)
{
	return conn_write(low->data, buf, count);
}

static int low_close(mailstream_low *low)
{
	(void)low; /* the connection belongs to the caller */
	return 0;
}

static int low_get_fd(mailstream_low *low)
{
	return ((struct net_conn *)low->data)->fd;
}

static void low_free(mailstream_low *low)
{
	free(low);
}

static void low_cancel(mailstream_low *low)
{
	net_conn_cancel(low->data);
}

static struct mailstream_cancel *low_get_cancel(mailstream_low *low)
{
	(void)low;
	return NULL;
}

static mailstream_low_driver net_stream_driver = {
	.mailstream_read = low_read,
	.mailstream_write = low_write,
	.mailstream_close = low_close,
	.mailstream_get_fd = low_get_fd,
	.mailstream_free = low_free,
	.mailstream_cancel = low_cancel,
	.mailstream_get_cancel = low_get_cancel,
};

mailstream_low *net_stream_low_new(struct net_conn *conn)
{
	mailstream_low *low = mailstream_low_new(conn, &net_stream_driver);
	if (!low)
		lib_fatal("out of memory (mailstream_low_new)");
	return low;
}

void net_stream_wipe_sent(mailstream *stream)
{
	if (stream && stream->write_buffer)
		explicit_bzero(stream->write_buffer, stream->buffer_max_size);
}
