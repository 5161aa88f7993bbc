/* Opening a POP3 session: TCP, TLS (implicit, or STLS which is then
 * required), greeting, CAPA, login; and the command/reply layer the
 * transaction state uses. libetpan's mailpop3 runs the authorization
 * state; the transaction state (LIST, UIDL, TOP, RETR, DELE, QUIT) is
 * spoken here over the same mailstream, because libetpan's versions
 * index an array with unchecked server numbers, hold a whole message in
 * memory, and report a refused QUIT as success (LIBRARIES.md).
 * As for IMAP: no credential is asked for, let alone sent, before the
 * server's certificate has been verified. */
#include "pop-private.h"

#include <libetpan/libetpan.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define STREAM_BUFFER 16384

/* net read check while libetpan reads (before login): bounds its lines
 * and the total it may pile up (a CAPA reply it keeps as a list). */
static int guard_check(void *ctx, const char *data, size_t len, char *why, size_t why_size)
{
	struct pop_guard *guard = ctx;

	guard->total += len;
	if (guard->total > POP_LOGIN_BYTES_MAX) {
		snprintf(why, why_size, "the server sent more than %u MB before the login was done",
		         POP_LOGIN_BYTES_MAX >> 20);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		if (data[i] == '\n')
			guard->line_len = 0;
		else if (++guard->line_len > POP_LOGIN_LINE_MAX) {
			snprintf(why, why_size, "the server sent a line longer than %u KB", POP_LOGIN_LINE_MAX >> 10);
			return -1;
		}
	}
	return 0;
}

void pop_server_words(const char *text, struct buf *out)
{
	while (text && (*text == ' ' || *text == '\t'))
		text++;
	if (text && *text)
		lib_sanitize(out, text, strlen(text), LIB_SANITIZE_LINE);
	else
		buf_addstr(out, "no reason given");
}

static void stream_failed(struct pop_session *session, const char *what, struct lib_error *err)
{
	const char *why = net_conn_last_error(session->conn);

	session->broken = 1;
	lib_error_set(err, LIB_ERR_CONNECTION, "%s: connection lost: %s", what,
	              *why ? why : "the server closed the connection");
}

/* ---- the reply reader of the transaction state ---- */

/* Makes sure the stream has buffered bytes, reading once from the
 * network when it has none. (mailstream_read itself would block asking
 * for more than a reply holds.) Returns how many, or -1. */
static ssize_t fill(struct pop_session *session)
{
	mailstream *stream = session->pop->pop3_stream;

	if (stream->read_buffer_len == 0 && mailstream_feed_read_buffer(stream) <= 0)
		return -1;
	return (ssize_t)stream->read_buffer_len;
}

/* Drops the first n buffered bytes (n <= read_buffer_len, so this never
 * touches the network). */
static void consume(struct pop_session *session, char *scratch, size_t n)
{
	mailstream_read(session->pop->pop3_stream, scratch, n);
}

int pop_read_line(struct pop_session *session, const char *what, struct lib_error *err)
{
	char scratch[POP_LINE_MAX];

	buf_reset(&session->line);
	for (;;) {
		if (fill(session) < 0) {
			stream_failed(session, what, err);
			return -1;
		}
		mailstream *stream = session->pop->pop3_stream;
		const char *nl = memchr(stream->read_buffer, '\n', stream->read_buffer_len);
		size_t n = nl ? (size_t)(nl - stream->read_buffer) + 1 : stream->read_buffer_len;
		if (session->line.len + n > POP_LINE_MAX) {
			session->broken = 1;
			lib_error_set(err, LIB_ERR_PROTOCOL, "%s: the server sent a line longer than %d bytes", what,
			              POP_LINE_MAX);
			return -1;
		}
		buf_add(&session->line, stream->read_buffer, n);
		consume(session, scratch, n);
		if (nl)
			break;
	}
	while (session->line.len && (session->line.data[session->line.len - 1] == '\n' ||
	                             session->line.data[session->line.len - 1] == '\r'))
		session->line.data[--session->line.len] = '\0';
	buf_addstr(&session->line, ""); /* NUL-terminated even when empty */
	return 0;
}

/* pop_command, and with continuation a "+" line (a SASL challenge)
 * returns 2. */
static int exchange(struct pop_session *session, const char *what, const char *command, int continuation,
                    struct lib_error *err)
{
	mailstream *stream = session->pop->pop3_stream;

	if (session->broken) {
		lib_error_set(err, LIB_ERR_CONNECTION, "%s: the connection is no longer usable", what);
		return -1;
	}
	if (strpbrk(command, "\r\n"))
		lib_fatal("pop: a command with a line break: %s", what);
	if (mailstream_write(stream, command, strlen(command)) < 0 || mailstream_write(stream, "\r\n", 2) < 0 ||
	    mailstream_flush(stream) < 0) {
		stream_failed(session, what, err);
		return -1;
	}
	if (pop_read_line(session, what, err) < 0)
		return -1;
	const char *line = session->line.data;
	if (continuation && line[0] == '+' && (line[1] == '\0' || line[1] == ' '))
		return 2;
	if (strncmp(line, "+OK", 3) == 0 && (line[3] == '\0' || line[3] == ' '))
		return 1;
	if (strncmp(line, "-ERR", 4) == 0 && (line[4] == '\0' || line[4] == ' ')) {
		memmove(session->line.data, line + 4, session->line.len - 4 + 1);
		session->line.len -= 4;
		return 0;
	}
	struct buf shown = BUF_INIT;
	lib_sanitize(&shown, line, strlen(line) > 80 ? 80 : strlen(line), LIB_SANITIZE_LINE);
	lib_error_set(err, LIB_ERR_PROTOCOL, "%s: the server answered neither +OK nor -ERR: \"%s\"", what,
	              shown.data ? shown.data : "");
	buf_free(&shown);
	session->broken = 1;
	return -1;
}

int pop_command(struct pop_session *session, const char *what, const char *command, struct lib_error *err)
{
	return exchange(session, what, command, 0, err);
}

int pop_read_body(struct pop_session *session, const char *what, pop_sink_cb *sink, void *ctx,
                  struct lib_error *err)
{
	struct pop_decoder decoder;
	char decoded[STREAM_BUFFER + 1], scratch[STREAM_BUFFER];
	int dropping = 0;

	pop_decoder_init(&decoder);
	while (!decoder.done) {
		if (fill(session) < 0) {
			stream_failed(session, what, err);
			return -1;
		}
		mailstream *stream = session->pop->pop3_stream;
		size_t avail = stream->read_buffer_len < sizeof(scratch) ? stream->read_buffer_len : sizeof(scratch);
		size_t out_len = 0;
		size_t used = pop_decoder_run(&decoder, stream->read_buffer, avail, decoded, &out_len);
		consume(session, scratch, used);
		if (out_len && !dropping) {
			int rc = sink(ctx, decoded, out_len, err);
			if (rc < 0) {
				session->broken = 1; /* the rest of the reply is still coming */
				return -1;
			}
			dropping = rc > 0;
		}
	}
	return 0;
}

int pop_session_quit(struct pop_session *session, struct lib_error *err)
{
	session->quit_done = 1;
	int rc = pop_command(session, "QUIT", "QUIT", err);
	if (rc == 0) {
		struct buf words = BUF_INIT;
		pop_server_words(session->line.data, &words);
		lib_error_set(err, LIB_ERR_SERVER, "QUIT refused by the server: %s", words.data);
		buf_free(&words);
	}
	return rc;
}

/* ---- opening ---- */

/* The server's words of its last reply to a libetpan call. */
static void libetpan_words(struct pop_session *session, struct buf *out)
{
	pop_server_words(session->pop->pop3_response, out);
}

static int capabilities(struct pop_session *session, int *stls, struct lib_error *err)
{
	clist *caps = NULL;
	int r = mailpop3_capa(session->pop, &caps);

	session->capa_known = session->capa_uidl = session->capa_top = session->capa_xoauth2 = session->capa_plain = 0;
	session->capa_user = 0;
	buf_reset(&session->capa);
	*stls = 0;
	if (r == MAILPOP3_ERROR_CAPA_NOT_SUPPORTED)
		return 0; /* an RFC 1939 server without CAPA: find out by trying */
	if (r == MAILPOP3_ERROR_MEMORY)
		lib_fatal("out of memory in libetpan");
	if (r != MAILPOP3_NO_ERROR) {
		stream_failed(session, "CAPA", err);
		return -1;
	}
	for (clistiter *it = caps ? clist_begin(caps) : NULL; it; it = clist_next(it)) {
		const struct mailpop3_capa *cap = clist_content(it);
		buf_addstr(&session->capa, session->capa.len ? " " : "");
		lib_sanitize(&session->capa, cap->cap_name, strlen(cap->cap_name), LIB_SANITIZE_LINE);
		for (clistiter *p = cap->cap_param ? clist_begin(cap->cap_param) : NULL; p; p = clist_next(p)) {
			const char *param = clist_content(p);
			if (strcasecmp(cap->cap_name, "SASL") == 0 && strcasecmp(param, "XOAUTH2") == 0)
				session->capa_xoauth2 = 1;
			if (strcasecmp(cap->cap_name, "SASL") == 0 && strcasecmp(param, "PLAIN") == 0)
				session->capa_plain = 1;
			if (strcasecmp(cap->cap_name, "SASL") == 0) {
				buf_addch(&session->capa, ' ');
				lib_sanitize(&session->capa, param, strlen(param), LIB_SANITIZE_LINE);
			}
		}
		if (strcasecmp(cap->cap_name, "UIDL") == 0)
			session->capa_uidl = 1;
		else if (strcasecmp(cap->cap_name, "TOP") == 0)
			session->capa_top = 1;
		else if (strcasecmp(cap->cap_name, "USER") == 0)
			session->capa_user = 1;
		else if (strcasecmp(cap->cap_name, "STLS") == 0)
			*stls = 1;
	}
	if (caps)
		mailpop3_capa_resp_free(caps);
	session->capa_known = 1;
	return 0;
}

static const char no_plain_text[] = "and tern will not log in in plain text "
                                    "(use pop3s:// if the server has port 995, or tls off on a trusted network only)";

static int start_tls(struct pop_session *session, const struct net_server *server, struct lib_error *err)
{
	int stls = 0;

	if (capabilities(session, &stls, err) < 0)
		return -1;
	if (session->capa_known && !stls) {
		lib_error_set(err, LIB_ERR_TLS, "the server does not offer STLS, %s", no_plain_text);
		return -1;
	}
	int r = mailpop3_stls(session->pop);
	/* Anything after the +OK and before the handshake was injected in
	 * plain text (CVE-2020-15953's class); libetpan checks too. */
	if (r == MAILPOP3_ERROR_SSL || session->pop->pop3_stream->read_buffer_len != 0) {
		lib_error_set(err, LIB_ERR_TLS, "the server sent data after agreeing to STLS (an injection attempt?)");
		return -1;
	}
	if (r == MAILPOP3_ERROR_STLS_NOT_SUPPORTED) {
		struct buf words = BUF_INIT;
		libetpan_words(session, &words);
		lib_error_set(err, LIB_ERR_TLS, "the server refused STLS (%s), %s", words.data, no_plain_text);
		buf_free(&words);
		return -1;
	}
	if (r != MAILPOP3_NO_ERROR) {
		stream_failed(session, "STLS", err);
		return -1;
	}
	return net_tls_start(session->conn, server->host, &server->tls, err);
}

/* A refused USER, PASS or APOP: err with the server's words (text
 * after -ERR). */
static void login_refused(const char *text, const char *user, struct lib_error *err)
{
	struct buf words = BUF_INIT;

	pop_server_words(text, &words);
	while (text && *text == ' ')
		text++;
	enum lib_error_class cls = pop_refusal_class(text, LIB_ERR_AUTH);
	if (cls == LIB_ERR_TEMPORARY)
		lib_error_set(err, cls, "login for user %s refused for now: %s", user, words.data);
	else
		lib_error_set(err, cls, "login refused for user %s: %s", user, words.data);
	buf_free(&words);
}

/* APOP user digest, the digest MD5(timestamp secret) in hex. Spoken
 * here: libetpan 1.9.4's mailpop3_apop sends a wrong digest (RFC 1939's
 * own example gives e1b93f28... instead of c4c9334b...). Returns 1 for
 * +OK, 0 for -ERR (words in session->line) or no MD5, -1 stream error. */
static int apop(struct pop_session *session, const char *user, const char *secret, struct lib_error *err)
{
	const char *timestamp = session->pop->pop3_timestamp;
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	char command[512];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (!ctx)
		lib_fatal("out of memory (EVP_MD_CTX_new)");
	int ok = EVP_DigestInit_ex(ctx, EVP_md5(), NULL) == 1 && EVP_DigestUpdate(ctx, timestamp, strlen(timestamp)) == 1 &&
	         EVP_DigestUpdate(ctx, secret, strlen(secret)) == 1 && EVP_DigestFinal_ex(ctx, digest, &len) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok || len != 16) { /* MD5 disabled (FIPS): USER/PASS instead */
		buf_reset(&session->line);
		buf_addstr(&session->line, "");
		return 0;
	}
	int n = snprintf(command, sizeof(command), "APOP %s ", user);
	for (unsigned int i = 0; i < len; i++)
		n += snprintf(command + n, sizeof(command) - (size_t)n, "%02x", digest[i]);
	explicit_bzero(digest, sizeof(digest));
	return pop_command(session, "APOP", command, err);
}

static void secret_free(char *secret)
{
	explicit_bzero(secret, strlen(secret));
	free(secret);
}

/* One line of a SASL exchange (RFC 5034): 1 for +OK, 0 for -ERR (the
 * words in session->line), 2 for a "+" continuation, -1 stream error. */
static int sasl_line(struct pop_session *session, const char *line, struct lib_error *err)
{
	return exchange(session, "AUTH", line, 1, err);
}

/* base64 of len bytes; the caller wipes and frees it. */
static char *base64(const char *data, size_t len)
{
	char *encoded = xmalloc(4 * ((len + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)encoded, (const unsigned char *)data, (int)len);
	return encoded;
}

/* AUTH PLAIN (RFC 5034, RFC 4616) when CAPA lists SASL PLAIN: "AUTH
 * PLAIN", then the base64 of "\0user\0password" on its own line, which
 * keeps clear of the 255-octet limit of an initial response. 1 logged
 * in, 0 refused (the words in session->line), -1 with err. */
static int sasl_plain(struct pop_session *session, const char *user, const char *secret, struct lib_error *err)
{
	size_t user_len = strlen(user), secret_len = strlen(secret);
	char *raw = xmalloc(user_len + secret_len + 2);
	raw[0] = '\0';
	memcpy(raw + 1, user, user_len + 1);
	memcpy(raw + user_len + 2, secret, secret_len);
	char *encoded = base64(raw, user_len + secret_len + 2);
	explicit_bzero(raw, user_len + secret_len + 2);
	free(raw);
	int r = sasl_line(session, "AUTH PLAIN", err);
	if (r == 2)
		r = sasl_line(session, encoded, err);
	secret_free(encoded);
	if (r == 2) {
		session->broken = 1;
		lib_error_set(err, LIB_ERR_PROTOCOL, "AUTH PLAIN: the server asked for more after the password");
		return -1;
	}
	return r;
}

/* AUTH XOAUTH2 (RFC 5034 with Google's and Microsoft's SASL XOAUTH2):
 * "AUTH XOAUTH2", then the base64 of "user=U^Aauth=Bearer T^A^A" on its
 * own line (a token makes the command too long for RFC 5034's 255-octet
 * initial response). A refusal comes as a "+" challenge holding the
 * error, answered with an empty line, then -ERR. Takes secret. */
static int xoauth2(struct pop_session *session, const char *user, char *secret, struct lib_error *err)
{
	if (session->capa_known && !session->capa_xoauth2) {
		secret_free(secret);
		lib_error_set(err, LIB_ERR_AUTH, "the server does not offer SASL XOAUTH2 for POP3 (no \"SASL ... XOAUTH2\" "
		                                 "in its CAPA): log in with a password or app password, or use IMAP");
		return -1;
	}
	char *raw = xasprintf("user=%s\001auth=Bearer %s\001\001", user, secret);
	char *encoded = base64(raw, strlen(raw));
	secret_free(raw);
	secret_free(secret);
	int r = sasl_line(session, "AUTH XOAUTH2", err);
	if (r == 2)
		r = sasl_line(session, encoded, err);
	secret_free(encoded);
	if (r == 2) /* the error challenge (JSON): answer it empty to get the -ERR */
		r = sasl_line(session, "", err);
	if (r == 1) {
		session->mechanism = "XOAUTH2";
		return 0;
	}
	if (r == 0)
		login_refused(session->line.data, user, err);
	else if (r == 2) {
		session->broken = 1;
		lib_error_set(err, LIB_ERR_PROTOCOL, "AUTH XOAUTH2: the server asked for more after the token");
	}
	return -1;
}

static int login(struct pop_session *session, const struct net_login *creds, struct lib_error *err)
{
	const char *user = creds->user;
	int is_oauth2 = 0, r;

	if (!user || !*user || strlen(user) > 255 || strpbrk(user, "\r\n")) {
		lib_error_set(err, LIB_ERR_CONFIG, "the user name must be one line of 1 to 255 bytes for POP3");
		return -1;
	}
	char *secret = creds->get_secret(creds->ctx, &is_oauth2, err);
	if (!secret)
		return -1;
	if (is_oauth2)
		return xoauth2(session, user, secret, err);
	if (strpbrk(secret, "\r\n") || strlen(secret) > 400) {
		secret_free(secret);
		lib_error_set(err, LIB_ERR_CONFIG, "the password cannot be sent over POP3: it holds a line break or "
		                                   "is longer than 400 bytes");
		return -1;
	}
	/* The mechanisms in the order good clients use (RFC 2449, RFC 5034):
	 * over TLS SASL PLAIN when CAPA offers it, else USER/PASS (never both:
	 * a wrong password would count twice against the account); APOP first
	 * only when the account asks for it, else last and only when the
	 * greeting offers it and CAPA offers nothing else (some servers send
	 * an APOP timestamp, then refuse APOP while USER/PASS works). A
	 * refusal moves on to the next one; a temporary one ([IN-USE],
	 * [LOGIN-DELAY], [SYS/TEMP]) ends the login. */
	enum { M_APOP, M_PLAIN, M_USER } order[4];
	size_t n = 0;
	int apop_offered = pop_apop_timestamp_ok(session->pop->pop3_timestamp);
	if (apop_offered && creds->apop)
		order[n++] = M_APOP;
	if (session->capa_plain) /* SASL PLAIN or USER/PASS: the same password check, tried once */
		order[n++] = M_PLAIN;
	else if (!session->capa_known || session->capa_user || !apop_offered || creds->apop)
		order[n++] = M_USER;
	if (apop_offered && !creds->apop && !session->capa_plain && !(session->capa_known && session->capa_user))
		order[n++] = M_APOP;
	struct buf refused = BUF_INIT; /* "APOP: words; " for each refusal */
	size_t nrefused = 0;
	r = 0;
	for (size_t i = 0; i < n; i++) {
		static const char *const names[] = { "APOP", "SASL PLAIN", "USER/PASS" };
		if (order[i] == M_APOP) {
			r = apop(session, user, secret, err);
		} else if (order[i] == M_PLAIN) {
			r = sasl_plain(session, user, secret, err);
		} else {
			r = mailpop3_user(session->pop, user);
			if (r == MAILPOP3_NO_ERROR)
				r = mailpop3_pass(session->pop, secret);
			if (r == MAILPOP3_ERROR_BAD_USER || r == MAILPOP3_ERROR_BAD_PASSWORD) {
				buf_reset(&session->line);
				buf_addstr(&session->line, session->pop->pop3_response ? session->pop->pop3_response : "");
				r = 0;
			} else if (r != MAILPOP3_NO_ERROR) {
				stream_failed(session, r == MAILPOP3_ERROR_BAD_STATE ? "login" : "USER/PASS", err);
				r = -1;
			} else {
				r = 1;
			}
		}
		if (r == 1) {
			session->mechanism = names[order[i]];
			break;
		}
		if (r < 0)
			break;
		const char *words = session->line.data ? session->line.data + strspn(session->line.data, " ") : "";
		if (pop_refusal_class(words, LIB_ERR_AUTH) == LIB_ERR_TEMPORARY) {
			login_refused(words, user, err);
			r = -1;
			break;
		}
		if (nrefused++ == 0)
			login_refused(words, user, err); /* one refusal: its words alone */
		buf_addf(&refused, "%s%s: ", refused.len ? "; " : "", names[order[i]]);
		pop_server_words(words, &refused);
	}
	secret_free(secret);
	if (r == 0 && nrefused != 1) {
		if (!n)
			buf_addstr(&refused, "the server offers no way to log in that tern knows (no USER, SASL PLAIN or APOP)");
		lib_error_set(err, LIB_ERR_AUTH, "login refused for user %s: %s", user, refused.data);
	}
	buf_free(&refused);
	return r == 1 ? 0 : -1;
}

const char *pop_session_mechanism(const struct pop_session *session)
{
	return session->mechanism;
}

struct pop_session *pop_session_open(const struct net_server *server, const struct net_login *creds,
                                     struct lib_error *err)
{
	struct pop_session *session = xcalloc(1, sizeof(*session));
	int stls;

	session->conn = net_connect(server->host, server->port, server->timeout, server->cancel_fd, err);
	if (!session->conn)
		goto fail;
	if (server->implicit_tls && net_tls_start(session->conn, server->host, &server->tls, err) < 0)
		goto fail;
	net_conn_set_read_check(session->conn, guard_check, &session->guard);

	session->pop = mailpop3_new(0, NULL);
	if (!session->pop)
		lib_fatal("out of memory (mailpop3_new)");
	mailstream *stream = mailstream_new(net_stream_low_new(session->conn), STREAM_BUFFER);
	if (!stream)
		lib_fatal("out of memory (mailstream_new)");
	int r = mailpop3_connect(session->pop, stream); /* the session owns stream from here */
	if (r != MAILPOP3_NO_ERROR) {
		if (session->pop->pop3_response) {
			struct buf words = BUF_INIT;
			libetpan_words(session, &words);
			lib_error_set(err, pop_refusal_class(session->pop->pop3_response, LIB_ERR_CONNECTION),
			              "the server refused the session: %s", words.data);
			buf_free(&words);
		} else if (*net_conn_last_error(session->conn)) {
			stream_failed(session, "greeting", err);
		} else {
			lib_error_set(err, LIB_ERR_PROTOCOL, "the server's greeting is not +OK: is this a POP3 server?");
		}
		goto fail;
	}
	if (!server->implicit_tls && !server->tls_off) {
		if (start_tls(session, server, err) < 0)
			goto fail;
	}
	/* Capabilities read before TLS are not to be trusted: read again. */
	if (capabilities(session, &stls, err) < 0)
		goto fail;
	int logged_in = login(session, creds, err);
	net_stream_wipe_sent(session->pop->pop3_stream);
	if (logged_in < 0)
		goto fail;
	/* From here tern reads every reply itself, with its own bounds. */
	net_conn_set_read_check(session->conn, NULL, NULL);
	return session;
fail:
	session->broken = 1; /* no QUIT: maybe not even a verified server */
	pop_session_close(session);
	return NULL;
}

void pop_session_close(struct pop_session *session)
{
	if (!session)
		return;
	if (session->pop) {
		if (session->pop->pop3_stream) {
			if (!session->broken && !session->quit_done) {
				struct lib_error ignored;
				pop_session_quit(session, &ignored);
			}
			/* Closed here so that mailpop3_free sends no QUIT of its
			 * own; the low layer borrows conn, freed below. */
			mailstream_close(session->pop->pop3_stream);
			session->pop->pop3_stream = NULL;
		}
		free(session->pop->pop3_timestamp);
		session->pop->pop3_timestamp = NULL;
		mailpop3_free(session->pop);
	}
	net_conn_free(session->conn);
	buf_free(&session->line);
	buf_free(&session->capa);
	free(session);
}
