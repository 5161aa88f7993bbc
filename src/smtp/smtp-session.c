/* Opening an SMTP submission session: TCP, TLS (implicit on smtps://, or
 * STARTTLS which is then required), greeting, EHLO, AUTH. As on the IMAP
 * side the order is the point: nothing but EHLO and STARTTLS goes out
 * before net has verified the certificate, and credentials are only asked
 * for after that. libetpan reads and parses the replies; EHLO is written
 * here so the client names itself by its address literal, not by the
 * machine's host name (mailesmtp_ehlo sends gethostname()). */
#define _GNU_SOURCE
#include "smtp-private.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

/* ---- the reply guard ---- */

int smtp_guard_check(void *ctx, const char *data, size_t len, char *why, size_t why_size)
{
	struct smtp_guard *guard = ctx;

	for (size_t i = 0; i < len; i++) {
		if (data[i] != '\n') {
			if (guard->line_len < sizeof(guard->head))
				guard->head[guard->line_len] = data[i];
			if (++guard->line_len > SMTP_REPLY_LINE_MAX) {
				snprintf(why, why_size, "the server sent a reply line longer than %d bytes",
				         SMTP_REPLY_LINE_MAX);
				return -1;
			}
			continue;
		}
		/* "250-..." continues the reply, "250 ..." ends it */
		int continued = guard->line_len >= 4 && guard->head[3] == '-';
		guard->lines = continued ? guard->lines + 1 : 0;
		guard->line_len = 0;
		if (guard->lines > SMTP_REPLY_LINES_MAX) {
			snprintf(why, why_size, "the server sent a reply of more than %d lines", SMTP_REPLY_LINES_MAX);
			return -1;
		}
	}
	return 0;
}

/* ---- the trace (tern -v) ---- */

void smtp_trace(struct smtp_session *session, const char *prefix, const char *text, size_t len)
{
	struct buf line = BUF_INIT;

	if (!session->trace)
		return;
	buf_addstr(&line, prefix);
	lib_sanitize(&line, text, len, LIB_SANITIZE_LINE);
	session->trace(session->trace_ctx, line.data);
	buf_free(&line);
}

/* Whole lines of pending (CRLF or LF ended) go to the trace; what is sent
 * is masked where it carries a credential: the answer to a 334
 * challenge, and what follows the mechanism of an AUTH command. */
static void trace_lines(struct smtp_session *session, struct buf *pending, int sent)
{
	char *nl;

	while (pending->len && (nl = memchr(pending->data, '\n', pending->len))) {
		size_t len = (size_t)(nl - pending->data);
		const char *line = pending->data;
		if (len && line[len - 1] == '\r')
			len--;
		if (!sent) {
			smtp_trace(session, "<- ", line, len);
			session->trace_secret = len >= 3 && strncmp(line, "334", 3) == 0;
		} else if (session->trace_secret) {
			smtp_trace(session, "-> ", "****", 4);
			session->trace_secret = 0;
		} else if (len > 5 && strncasecmp(line, "AUTH ", 5) == 0) {
			const char *mech_end = memchr(line + 5, ' ', len - 5);
			size_t shown = mech_end ? (size_t)(mech_end - line) : len;
			struct buf masked = BUF_INIT;
			buf_add(&masked, line, shown);
			if (mech_end)
				buf_addstr(&masked, " ****");
			smtp_trace(session, "-> ", masked.data, masked.len);
			buf_free(&masked);
		} else {
			smtp_trace(session, "-> ", line, len);
		}
		size_t used = (size_t)(nl - pending->data) + 1;
		memmove(pending->data, pending->data + used, pending->len - used);
		pending->len -= used;
		pending->data[pending->len] = '\0';
	}
}

static void trace_logger(mailsmtp *smtp, int type, const char *str, size_t size, void *ctx)
{
	struct smtp_session *session = ctx;

	(void)smtp;
	if (!session->trace)
		return;
	if (type == MAILSTREAM_LOG_TYPE_DATA_RECEIVED) {
		buf_add(&session->trace_in, str, size);
		trace_lines(session, &session->trace_in, 0);
	} else if (type == MAILSTREAM_LOG_TYPE_DATA_SENT && !session->trace_quiet) {
		buf_add(&session->trace_out, str, size);
		trace_lines(session, &session->trace_out, 1);
	} else if (type == MAILSTREAM_LOG_TYPE_DATA_SENT_PRIVATE) {
		/* never its bytes: a password, a token */
		smtp_trace(session, "-> ", "**** (credentials, not shown)", 29);
		session->trace_secret = 0;
	}
}

/* ---- EHLO ---- */

void smtp_ehlo_clear(struct smtp_ehlo *ehlo)
{
	free(ehlo->keywords);
	memset(ehlo, 0, sizeof(*ehlo));
}

static int word_is(const char *line, size_t len, const char *word)
{
	size_t n = strlen(word);
	return len >= n && strncasecmp(line, word, n) == 0 && (len == n || line[n] == ' ' || line[n] == '=');
}

static unsigned auth_mechanisms(const char *list, size_t len)
{
	unsigned found = 0;
	size_t i = 0;

	while (i < len) {
		while (i < len && (list[i] == ' ' || list[i] == '='))
			i++;
		size_t start = i;
		while (i < len && list[i] != ' ')
			i++;
		const char *word = list + start;
		size_t n = i - start;
		if (n == 5 && strncasecmp(word, "PLAIN", 5) == 0)
			found |= SMTP_AUTH_PLAIN;
		else if (n == 5 && strncasecmp(word, "LOGIN", 5) == 0)
			found |= SMTP_AUTH_LOGIN;
		else if (n == 7 && strncasecmp(word, "XOAUTH2", 7) == 0)
			found |= SMTP_AUTH_XOAUTH2;
	}
	return found;
}

void smtp_ehlo_parse(struct smtp_ehlo *ehlo, const char *response)
{
	struct buf keywords = BUF_INIT;

	smtp_ehlo_clear(ehlo);
	buf_add(&keywords, "", 0);
	/* the first line is the server's name and greeting */
	const char *line = response ? strchr(response, '\n') : NULL;
	while (line && *line) {
		line++;
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		if (len && line[len - 1] == '\r')
			len--;
		if (len) {
			buf_add(&keywords, line, len);
			buf_addch(&keywords, '\n');
		}
		if (word_is(line, len, "STARTTLS"))
			ehlo->starttls = 1;
		else if (word_is(line, len, "PIPELINING"))
			ehlo->pipelining = 1;
		else if (word_is(line, len, "8BITMIME"))
			ehlo->eightbit = 1;
		else if (word_is(line, len, "SIZE") && len > 5)
			ehlo->size_limit = strtoull(line + 5, NULL, 10);
		else if (word_is(line, len, "AUTH") && len > 5)
			ehlo->auth |= auth_mechanisms(line + 5, len - 5);
		line = end;
	}
	ehlo->keywords = buf_detach(&keywords);
}

int smtp_session_has_extension(const struct smtp_session *session, const char *keyword)
{
	const char *line = session->ehlo.keywords;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		if (word_is(line, len, keyword))
			return 1;
		line = end ? end + 1 : NULL;
	}
	return 0;
}

/* "[192.0.2.1]" or "[IPv6:2001:db8::1]" (RFC 5321 4.1.3) for the local end
 * of the connection; "localhost" if that cannot be learnt. */
static void ehlo_name(struct smtp_session *session, char *out, size_t size)
{
	struct sockaddr_storage addr;
	socklen_t addr_len = sizeof(addr);
	char text[INET6_ADDRSTRLEN];
	int fd = mailstream_low_get_fd(mailstream_get_low(session->smtp->stream));

	snprintf(out, size, "localhost");
	if (fd < 0 || getsockname(fd, (struct sockaddr *)&addr, &addr_len) != 0)
		return;
	if (addr.ss_family == AF_INET &&
	    inet_ntop(AF_INET, &((struct sockaddr_in *)&addr)->sin_addr, text, sizeof(text)))
		snprintf(out, size, "[%s]", text);
	else if (addr.ss_family == AF_INET6 &&
	         inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&addr)->sin6_addr, text, sizeof(text)))
		snprintf(out, size, "[IPv6:%s]", text);
}

void smtp_server_words(struct smtp_session *session, struct buf *out)
{
	const char *text = session->smtp ? session->smtp->response : NULL;
	size_t start = out->len;

	buf_add(out, "", 0);
	if (!text)
		return;
	lib_sanitize(out, text, strlen(text), LIB_SANITIZE_LINE);
	while (out->len > start && out->data[out->len - 1] == ' ')
		out->data[--out->len] = '\0';
}

void smtp_connection_lost(struct smtp_session *session, const char *what, struct lib_error *err)
{
	const char *why = session->conn ? net_conn_last_error(session->conn) : "";

	session->broken = 1;
	lib_error_set(err, LIB_ERR_CONNECTION, "%s: connection lost: %s", what,
	              *why ? why : "the server closed the connection");
}

/* A reply to EHLO or STARTTLS other than the one wanted, into err. */
static void command_refused(struct smtp_session *session, const char *what, struct lib_error *err)
{
	int code = session->smtp->response_code;
	struct buf words = BUF_INIT;

	smtp_server_words(session, &words);
	if (code == 0)
		smtp_connection_lost(session, what, err);
	else if (code >= 400 && code < 500)
		lib_error_set(err, LIB_ERR_TEMPORARY, "the server refused %s for now, try later (%d %s)", what, code,
		              words.data);
	else if (code >= 500 && code < 600)
		lib_error_set(err, LIB_ERR_SERVER, "the server refused %s (%d %s)", what, code, words.data);
	else
		lib_error_set(err, LIB_ERR_PROTOCOL, "the server answered %s with %d, which makes no sense there (%s)",
		              what, code, words.data);
	if (code == 421)
		session->broken = 1;
	buf_free(&words);
}

static void trace_tls(struct smtp_session *session)
{
	char *line = xasprintf("TLS %s, certificate verified", net_conn_tls_description(session->conn));
	smtp_trace(session, "* ", line, strlen(line));
	free(line);
}

static int ehlo(struct smtp_session *session, struct lib_error *err)
{
	char name[INET6_ADDRSTRLEN + 16], command[sizeof(name) + 8];

	ehlo_name(session, name, sizeof(name));
	snprintf(command, sizeof(command), "EHLO %s\r\n", name);
	if (mailsmtp_send_command(session->smtp, command) < 0) {
		smtp_connection_lost(session, "EHLO", err);
		return -1;
	}
	if (mailsmtp_read_response(session->smtp) != 250) {
		command_refused(session, "EHLO", err);
		return -1;
	}
	smtp_ehlo_parse(&session->ehlo, session->smtp->response);
	/* libetpan's own commands look at these: STARTTLS needs its flag,
	 * MAIL adds SIZE= when it is set. DSN stays off (no RET=, ENVID=). */
	session->smtp->esmtp = MAILSMTP_ESMTP | (session->ehlo.starttls ? MAILSMTP_ESMTP_STARTTLS : 0) |
	                       (session->ehlo.size_limit ? MAILSMTP_ESMTP_SIZE : 0);
	session->smtp->auth = MAILSMTP_AUTH_CHECKED;
	return 0;
}

static int start_tls(struct smtp_session *session, const struct net_server *server, struct lib_error *err)
{
	if (!session->ehlo.starttls) {
		lib_error_set(err, LIB_ERR_TLS,
		              "the server does not offer STARTTLS, and tern will not log in or send mail in plain text "
		              "(use smtps:// if the server has port 465, or tls off on a trusted network only)");
		return -1;
	}
	int r = mailesmtp_starttls(session->smtp);
	/* Anything the server sent after its 220 and before the handshake
	 * came in plain text and would be read as if it came over TLS
	 * (CVE-2020-15953's class of attack): refuse the connection. */
	if (session->smtp->stream->read_buffer_len != 0) {
		lib_error_set(err, LIB_ERR_TLS, "the server sent data after agreeing to STARTTLS (an injection attempt?)");
		return -1;
	}
	if (r == MAILSMTP_ERROR_STREAM) {
		smtp_connection_lost(session, "STARTTLS", err);
		return -1;
	}
	if (session->smtp->response_code != 220) {
		command_refused(session, "STARTTLS", err);
		if (err->cls != LIB_ERR_TEMPORARY && err->cls != LIB_ERR_CONNECTION)
			err->cls = LIB_ERR_TLS;
		return -1;
	}
	if (net_tls_start(session->conn, server->host, &server->tls, err) < 0)
		return -1;
	session->verified = 1;
	trace_tls(session);
	/* RFC 3207 4.2: forget what was learnt before TLS, ask again */
	return ehlo(session, err);
}

static int greeting(struct smtp_session *session, struct lib_error *err)
{
	mailstream *stream = mailstream_new(net_stream_low_new(session->conn), 8192);
	if (!stream)
		lib_fatal("out of memory (mailstream_new)");
	int r = mailsmtp_connect(session->smtp, stream); /* on failure it closed the stream */
	if (r == MAILSMTP_NO_ERROR)
		return 0;
	if (r == MAILSMTP_ERROR_MEMORY)
		lib_fatal("out of memory in libetpan");
	int code = session->smtp->response_code;
	struct buf words = BUF_INIT;
	smtp_server_words(session, &words);
	session->broken = 1;
	if (code == 0)
		smtp_connection_lost(session, "waiting for the greeting", err);
	else if (code >= 400 && code < 500)
		lib_error_set(err, LIB_ERR_TEMPORARY, "the server cannot take a session now, try later (%d %s)", code,
		              words.data);
	else if (code >= 500 && code < 600)
		lib_error_set(err, LIB_ERR_SERVER, "the server refused the session (%d %s)", code, words.data);
	else
		lib_error_set(err, LIB_ERR_PROTOCOL, "the server greeted with %d, not 220 (%s)", code, words.data);
	buf_free(&words);
	return -1;
}

struct smtp_session *smtp_session_open(const struct net_server *server, const struct net_login *login,
                                       struct lib_error *err)
{
	struct smtp_session *session = xcalloc(1, sizeof(*session));

	session->mechanism = "";
	session->account = server->account ? xstrdup(server->account) : NULL;
	session->trace = server->trace;
	session->trace_ctx = server->trace_ctx;
	if (session->trace) {
		char *where = xasprintf("connecting to %s port %u (%s)", server->host, server->port,
		                        server->implicit_tls ? "TLS from the first byte" : server->tls_off ? "plain text"
		                                                                                            : "STARTTLS");
		smtp_trace(session, "* ", where, strlen(where));
		free(where);
	}
	session->conn = net_connect(server->host, server->port, server->timeout, server->cancel_fd, err);
	if (!session->conn)
		goto fail;
	net_conn_set_read_check(session->conn, smtp_guard_check, &session->guard);
	if (server->implicit_tls) {
		if (net_tls_start(session->conn, server->host, &server->tls, err) < 0)
			goto fail;
		session->verified = 1;
		trace_tls(session);
	} else if (server->tls_off) {
		session->verified = 1; /* plain text, as the account asks */
	}
	session->smtp = mailsmtp_new(0, NULL);
	if (!session->smtp)
		lib_fatal("out of memory (mailsmtp_new)");
	if (session->trace)
		mailsmtp_set_logger(session->smtp, trace_logger, session);
	mailsmtp_set_timeout(session->smtp, server->timeout);
	if (greeting(session, err) < 0 || ehlo(session, err) < 0)
		goto fail;
	if (!server->implicit_tls && !server->tls_off && start_tls(session, server, err) < 0)
		goto fail;
	if (login && login->user && *login->user &&
	    (!login->if_offered || session->ehlo.auth || smtp_session_has_extension(session, "AUTH")) &&
	    smtp_auth(session, login, err) < 0)
		goto fail;
	return session;
fail:
	smtp_session_close(session);
	return NULL;
}

void smtp_session_close(struct smtp_session *session)
{
	if (!session)
		return;
	if (session->smtp) {
		/* mailsmtp_free sends QUIT when it has a stream: never to a
		 * server that failed verification or a dead connection */
		if (session->smtp->stream && (session->broken || !session->verified)) {
			mailstream_close(session->smtp->stream); /* frees our low layer, not conn */
			session->smtp->stream = NULL;
		}
		mailsmtp_free(session->smtp);
	}
	net_conn_free(session->conn);
	smtp_ehlo_clear(&session->ehlo);
	free(session->account);
	buf_free(&session->trace_in);
	buf_free(&session->trace_out);
	free(session);
}

void smtp_session_cancel(struct smtp_session *session)
{
	net_conn_cancel(session->conn);
}

size_t smtp_session_size_limit(const struct smtp_session *session)
{
	return session->ehlo.size_limit;
}

const char *smtp_session_auth_mechanism(const struct smtp_session *session)
{
	return session->mechanism;
}

const char *smtp_session_tls_description(const struct smtp_session *session)
{
	return net_conn_is_tls(session->conn) ? net_conn_tls_description(session->conn) : "";
}

int smtp_session_usable(const struct smtp_session *session)
{
	return !session->broken;
}

void smtp_session_set_progress(struct smtp_session *session, smtp_progress_cb *progress, void *ctx)
{
	session->progress = progress;
	session->progress_ctx = ctx;
}

void smtp_session_extensions(const struct smtp_session *session, struct buf *out)
{
	const char *line = session->ehlo.keywords;

	while (line && *line) {
		size_t len = strcspn(line, "\n");
		while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
			len--;
		if (len) {
			buf_addstr(out, out->len ? ", " : "");
			lib_sanitize(out, line, len, LIB_SANITIZE_LINE);
		}
		line += strcspn(line, "\n");
		line += *line == '\n';
	}
}
