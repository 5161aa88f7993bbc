/* See fuzz-net.h. The far end stays open until fuzz_net_done so the
 * client's commands land in its receive buffer instead of failing with
 * EPIPE; the run's read timeout bounds a client that would wait. */
#include "fuzz-net.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/net-private.h"

static const uint8_t *input;
static size_t input_len;
static int peers[8];
static size_t npeers;

void fuzz_net_input(const uint8_t *data, size_t len)
{
	input = data;
	input_len = len;
	signal(SIGPIPE, SIG_IGN);
}

void fuzz_net_done(void)
{
	while (npeers > 0) {
		int fd = peers[--npeers];
		if (getenv("TERN_FUZZ_VERBOSE")) { /* what the client sent, for writing seeds */
			char chunk[4096];
			ssize_t n;
			while ((n = read(fd, chunk, sizeof(chunk))) > 0)
				fwrite(chunk, 1, (size_t)n, stderr);
		}
		close(fd);
	}
}

void fuzz_step(const char *what, int result, const struct lib_error *err)
{
	if (getenv("TERN_FUZZ_VERBOSE"))
		fprintf(stderr, "fuzz: %s -> %d %s\n", what, result, err->cls != LIB_ERR_NONE ? err->text : "");
}

struct net_conn *__wrap_net_connect(const char *host, unsigned port, int timeout, int cancel_fd,
                                    struct lib_error *err);
struct net_conn *__wrap_net_connect(const char *host, unsigned port, int timeout, int cancel_fd,
                                    struct lib_error *err)
{
	int sv[2], size = 4 << 20;

	(void)port;
	if (npeers == sizeof(peers) / sizeof(peers[0])) {
		lib_error_set(err, LIB_ERR_CONNECTION, "%s: too many connections in one run", host);
		return NULL;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		lib_fatal("socketpair: %s", strerror(errno));
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	/* What does not fit in the socket buffers is cut: the same input
	 * always gives the same stream. */
	size_t at = 0;
	while (at < input_len) {
		ssize_t n = write(sv[1], input + at, input_len - at);
		if (n <= 0)
			break;
		at += (size_t)n;
	}
	input_len = 0;
	shutdown(sv[1], SHUT_WR);
	peers[npeers++] = sv[1];
	return net_conn_new(sv[0], timeout, cancel_fd);
}

/* Leaks inside libetpan 1.9.4 that tern cannot free: the parsed
 * greeting when a server greets with BYE (mailimap_connect returns
 * before freeing it, about 80 bytes per refused connection), and a
 * BODY[section] spec on a parse error in the middle of a FETCH. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:mailimap_greeting_new\nleak:mailimap_section_spec_new\n";
}
