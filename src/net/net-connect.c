/* Resolving and connecting with a deadline. getaddrinfo() ignores every
 * timeout (LIBRARIES.md), so it runs as getaddrinfo_a() and is waited for
 * with gai_suspend(). */
#define _GNU_SOURCE
#include "net.h"
#include "net-private.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static struct addrinfo *resolve(const char *host, unsigned port, int timeout, int cancel_fd, struct lib_error *err)
{
#ifdef __SANITIZE_THREAD__
	/* contrib/tsan's build: glibc's getaddrinfo_a starts its helper thread
	 * behind ThreadSanitizer's back, which then crashes in it; resolve in
	 * the caller's thread instead (no deadline: its tests use 127.0.0.1). */
	(void)timeout;
	(void)cancel_fd;
	struct addrinfo plain = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG }, *found = NULL;
	char port_text[8];
	snprintf(port_text, sizeof(port_text), "%u", port);
	int failed = getaddrinfo(host, port_text, &plain, &found);
	if (failed)
		lib_error_set(err, LIB_ERR_CONNECTION, "cannot find host %s: %s", host, gai_strerror(failed));
	return failed ? NULL : found;
#endif
	/* Heap-allocated: a request still running after the deadline may
	 * write into it later, so it is left to leak in that case only. */
	struct gaicb *request = xcalloc(1, sizeof(*request));
	struct addrinfo *hints = xcalloc(1, sizeof(*hints));
	char service[8];
	const struct gaicb *list[1] = { request };
	struct timespec deadline, slice = { 0, 100 * 1000 * 1000 };

	snprintf(service, sizeof(service), "%u", port);
	hints->ai_socktype = SOCK_STREAM;
	hints->ai_flags = AI_ADDRCONFIG;
	request->ar_name = xstrdup(host);
	request->ar_service = xstrdup(service);
	request->ar_request = hints;
	if (getaddrinfo_a(GAI_NOWAIT, (struct gaicb **)list, 1, NULL) != 0) {
		lib_error_set(err, LIB_ERR_CONNECTION, "cannot look up %s", host);
		goto done;
	}
	/* Waited for in slices, so a cancel is noticed within 0.1 s. */
	net_deadline(&deadline, timeout);
	while (gai_error(request) == EAI_INPROGRESS && net_ms_left(&deadline) > 0 && !net_cancelled(cancel_fd))
		gai_suspend(list, 1, &slice);
	if (gai_error(request) == EAI_INPROGRESS) {
		if (net_cancelled(cancel_fd))
			lib_error_set(err, LIB_ERR_CONNECTION, "cancelled");
		else
			lib_error_set(err, LIB_ERR_CONNECTION, "looking up %s timed out after %d s", host, timeout);
		if (gai_cancel(request) != EAI_CANCELED)
			return NULL; /* still running: request must outlive it */
		goto done;
	}
	int rc = gai_error(request);
	if (rc != 0) {
		lib_error_set(err, LIB_ERR_CONNECTION, "cannot find host %s: %s", host, gai_strerror(rc));
		goto done;
	}
	struct addrinfo *result = request->ar_result;
	free((char *)request->ar_name);
	free((char *)request->ar_service);
	free(hints);
	free(request);
	return result;
done:
	free((char *)request->ar_name);
	free((char *)request->ar_service);
	free(hints);
	free(request);
	return NULL;
}

/* Milliseconds left until deadline (a CLOCK_MONOTONIC time), at least 0. */
int net_ms_left(const struct timespec *deadline)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long ms = (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : ms > 0x7fffffff ? 0x7fffffff : (int)ms;
}

void net_deadline(struct timespec *deadline, int seconds)
{
	clock_gettime(CLOCK_MONOTONIC, deadline);
	deadline->tv_sec += seconds;
}

static int connect_one(const struct addrinfo *ai, int timeout, int cancel_fd, char *why, size_t why_size)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
	struct timespec deadline;

	if (fd < 0) {
		snprintf(why, why_size, "%s", strerror(errno));
		return -1;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;
	if (errno != EINPROGRESS) {
		snprintf(why, why_size, "%s", strerror(errno));
		close(fd);
		return -1;
	}
	net_deadline(&deadline, timeout);
	for (;;) {
		struct pollfd pfd[2] = { { fd, POLLOUT, 0 }, { cancel_fd > 0 ? cancel_fd : -1, POLLIN, 0 } };
		int rc = poll(pfd, 2, net_ms_left(&deadline));
		if (rc < 0 && errno == EINTR)
			continue;
		if (pfd[1].revents) {
			snprintf(why, why_size, "cancelled");
			close(fd);
			return -1;
		}
		if (rc == 0) {
			snprintf(why, why_size, "no answer after %d s (a firewall dropping the connection?)", timeout);
			close(fd);
			return -1;
		}
		break;
	}
	int so_error = 0;
	socklen_t len = sizeof(so_error);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) < 0 || so_error) {
		snprintf(why, why_size, "%s", strerror(so_error ? so_error : errno));
		close(fd);
		return -1;
	}
	return fd;
}

struct net_conn *net_connect(const char *host, unsigned port, int timeout, int cancel_fd, struct lib_error *err)
{
	struct addrinfo *list = resolve(host, port, timeout, cancel_fd, err);
	char why[160] = "no address";
	int fd = -1;

	if (!list)
		return NULL;
	for (struct addrinfo *ai = list; ai && fd < 0; ai = ai->ai_next)
		fd = connect_one(ai, timeout, cancel_fd, why, sizeof(why));
	freeaddrinfo(list);
	if (fd < 0) {
		lib_error_set(err, LIB_ERR_CONNECTION, "cannot connect to %s port %u: %s", host, port, why);
		return NULL;
	}
	return net_conn_new(fd, timeout, cancel_fd);
}

int net_lookup(const char *host, unsigned port, int timeout, int cancel_fd, char *out, size_t size,
               struct lib_error *err)
{
	struct addrinfo *list = resolve(host, port, timeout, cancel_fd, err);
	size_t used = 0;

	if (!list)
		return -1;
	out[0] = '\0';
	for (struct addrinfo *ai = list; ai; ai = ai->ai_next) {
		char text[NI_MAXHOST];
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, text, sizeof(text), NULL, 0, NI_NUMERICHOST) != 0)
			continue;
		char *item = xasprintf(", %s,", text), *list = xasprintf(", %s,", out);
		int seen = strstr(list, item) != NULL; /* one entry per address, not per socket type */
		free(item);
		free(list);
		if (seen)
			continue;
		int n = snprintf(out + used, size - used, "%s%s", used ? ", " : "", text);
		if (n < 0 || (size_t)n >= size - used)
			break;
		used += (size_t)n;
	}
	freeaddrinfo(list);
	return 0;
}
