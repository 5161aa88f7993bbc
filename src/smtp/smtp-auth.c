/* AUTH (RFC 4954) once the connection is verified: XOAUTH2 through
 * libetpan's mailsmtp_oauth2_authenticate, PLAIN (RFC 4616) and LOGIN
 * written here rather than through mailesmtp_auth_sasl. That path goes
 * through Cyrus SASL, which needs the libsasl2-modules package at run time
 * and fails without it in a way that reads like a wrong password; it
 * copies the password into buffers it frees without wiping; it builds the
 * command in a 513-byte buffer, silently cutting a long user and password;
 * and mailsmtp_auth prefers CRAM-MD5 and DIGEST-MD5 (deprecated, RFC 6331)
 * when offered. Here the secret lives in buffers that are zeroed after use. */
#define _GNU_SOURCE
#include "smtp-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

size_t smtp_base64(char *out, const unsigned char *data, size_t len)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t used = 0;

	for (size_t i = 0; i < len; i += 3) {
		unsigned long bits = (unsigned long)data[i] << 16;
		if (i + 1 < len)
			bits |= (unsigned long)data[i + 1] << 8;
		if (i + 2 < len)
			bits |= data[i + 2];
		out[used++] = alphabet[(bits >> 18) & 63];
		out[used++] = alphabet[(bits >> 12) & 63];
		out[used++] = i + 1 < len ? alphabet[(bits >> 6) & 63] : '=';
		out[used++] = i + 2 < len ? alphabet[bits & 63] : '=';
	}
	out[used] = '\0';
	return used;
}

/* Sends prefix + base64(bytes) + CRLF without letting libetpan's logger
 * see it; -1 when the write failed. The line is built in one buffer of
 * exactly its size (no realloc leaving copies behind) and zeroed after. */
static int send_base64_line(mailsmtp *smtp, const char *prefix, const unsigned char *bytes, size_t len)
{
	size_t prefix_len = strlen(prefix), size = prefix_len + SMTP_BASE64_SIZE(len) + 2;
	char *line = xmalloc(size);

	memcpy(line, prefix, prefix_len);
	size_t used = prefix_len + smtp_base64(line + prefix_len, bytes, len);
	memcpy(line + used, "\r\n", 3);
	int r = mailsmtp_send_command_private(smtp, line);
	explicit_bzero(line, size);
	free(line);
	return r;
}

/* Both return the final reply code (235 on success), 0 when the
 * connection failed, or -1 when a write failed. */
static int auth_plain(mailsmtp *smtp, const char *user, const char *password)
{
	size_t user_len = strlen(user), password_len = strlen(password);
	size_t len = user_len + password_len + 2;
	unsigned char *raw = xmalloc(len);

	/* authzid empty, authcid, password (RFC 4616 2), sent as the initial
	 * response (RFC 4954 4) */
	raw[0] = '\0';
	memcpy(raw + 1, user, user_len);
	raw[1 + user_len] = '\0';
	memcpy(raw + 2 + user_len, password, password_len);
	int code = send_base64_line(smtp, "AUTH PLAIN ", raw, len) < 0 ? -1 : mailsmtp_read_response(smtp);
	if (code == 334) /* a server that wants the response after an empty challenge */
		code = send_base64_line(smtp, "", raw, len) < 0 ? -1 : mailsmtp_read_response(smtp);
	explicit_bzero(raw, len);
	free(raw);
	return code;
}

static int auth_login(mailsmtp *smtp, const char *user, const char *password)
{
	char command[] = "AUTH LOGIN\r\n";

	if (mailsmtp_send_command(smtp, command) < 0)
		return -1;
	int code = mailsmtp_read_response(smtp);
	if (code != 334)
		return code;
	if (send_base64_line(smtp, "", (const unsigned char *)user, strlen(user)) < 0)
		return -1;
	code = mailsmtp_read_response(smtp);
	if (code != 334)
		return code;
	if (send_base64_line(smtp, "", (const unsigned char *)password, strlen(password)) < 0)
		return -1;
	return mailsmtp_read_response(smtp);
}

/* "account work", or "this account" when the caller named none. */
static void account_name(const struct smtp_session *session, char *out, size_t size)
{
	if (session->account)
		snprintf(out, size, "account %s", session->account);
	else
		snprintf(out, size, "this account");
}

/* The refusal of AUTH, decided on the reply code. */
static void auth_refused(struct smtp_session *session, const char *user, int is_oauth2, struct lib_error *err)
{
	int code = session->smtp->response_code;
	struct buf words = BUF_INIT;
	char account[96];

	account_name(session, account, sizeof(account));
	smtp_server_words(session, &words);
	const char *what = is_oauth2 ? "OAuth2 token" : "password";
	switch (code) {
	case 535:
		lib_error_set(err, LIB_ERR_AUTH,
		              "the server refused the %s of user %s for %s: %s? (%d %s)", what, user, account,
		              is_oauth2 ? "an expired or revoked token" : "a wrong user or password",
		              code, words.data);
		break;
	case 534:
		lib_error_set(err, LIB_ERR_AUTH,
		              "the server refused the %s of user %s and wants another way to sign in: an app password "
		              "(made in the provider's security settings), or OAuth2 (%d %s)",
		              what, user, code, words.data);
		break;
	case 538:
		lib_error_set(err, LIB_ERR_TLS, "the server wants encryption before AUTH (%d %s)", code, words.data);
		break;
	default:
		if (code >= 400 && code < 500)
			lib_error_set(err, LIB_ERR_TEMPORARY, "the server cannot check credentials now, try later (%d %s)",
			              code, words.data);
		else if (code >= 500 && code < 600)
			lib_error_set(err, LIB_ERR_AUTH, "the server refused AUTH %s for user %s (%d %s)",
			              session->mechanism, user, code, words.data);
		else
			lib_error_set(err, LIB_ERR_PROTOCOL, "the server answered AUTH with %d, which makes no sense there (%s)",
			              code, words.data);
	}
	if (code == 421)
		session->broken = 1;
	buf_free(&words);
}

static void offered_mechanisms(const struct smtp_session *session, struct buf *out)
{
	const char *line = session->ehlo.keywords;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		if (len > 5 && strncasecmp(line, "AUTH", 4) == 0 && (line[4] == ' ' || line[4] == '=')) {
			lib_sanitize(out, line + 5, len - 5, LIB_SANITIZE_LINE);
			return;
		}
		line = end ? end + 1 : NULL;
	}
	buf_addstr(out, "none");
}

int smtp_auth(struct smtp_session *session, const struct net_login *login, struct lib_error *err)
{
	const char *user = login->user;
	int is_oauth2 = 0, code;
	char account[96];

	account_name(session, account, sizeof(account));

	/* the user name goes into commands and SASL strings as it is */
	for (const unsigned char *p = (const unsigned char *)user; *p; p++)
		if (*p < 32 || *p == 127) {
			lib_error_set(err, LIB_ERR_CONFIG, "the user name of %s contains a control character", account);
			return -1;
		}
	if (!session->ehlo.auth && !smtp_session_has_extension(session, "AUTH") && session->ehlo.starttls) {
		lib_error_set(err, LIB_ERR_TLS,
		              "the server offers AUTH only after STARTTLS: remove tls off from %s", account);
		return -1;
	}
	if (!session->ehlo.auth && !smtp_session_has_extension(session, "AUTH")) {
		lib_error_set(err, LIB_ERR_AUTH,
		              "the server offers no AUTH on this connection, but %s has user %s "
		              "(remove user if the server needs no login)",
		              account, user);
		return -1;
	}
	char *secret = login->get_secret(login->ctx, &is_oauth2, err);
	if (!secret && login->if_offered) {
		*err = (struct lib_error){ 0 }; /* nothing to log in with: send without */
		return 0;
	}
	if (!secret)
		return -1;
	unsigned want = is_oauth2 ? SMTP_AUTH_XOAUTH2 : SMTP_AUTH_PLAIN | SMTP_AUTH_LOGIN;
	if (!(session->ehlo.auth & want)) {
		explicit_bzero(secret, strlen(secret));
		free(secret);
		struct buf offered = BUF_INIT;
		offered_mechanisms(session, &offered);
		lib_error_set(err, LIB_ERR_AUTH, "the server offers no %s (it offers AUTH %s)",
		              is_oauth2 ? "XOAUTH2 for the OAuth2 token" : "PLAIN or LOGIN for a password", offered.data);
		buf_free(&offered);
		return -1;
	}
	if (is_oauth2) {
		session->mechanism = "XOAUTH2";
		int r = mailsmtp_oauth2_authenticate(session->smtp, user, secret);
		if (r == MAILSMTP_ERROR_MEMORY)
			lib_fatal("out of memory in libetpan");
		code = r == MAILSMTP_NO_ERROR ? 235 : r == MAILSMTP_ERROR_STREAM ? 0 : session->smtp->response_code;
	} else if (session->ehlo.auth & SMTP_AUTH_PLAIN) {
		session->mechanism = "PLAIN";
		code = auth_plain(session->smtp, user, secret);
	} else {
		session->mechanism = "LOGIN";
		code = auth_login(session->smtp, user, secret);
	}
	explicit_bzero(secret, strlen(secret));
	free(secret);
	net_stream_wipe_sent(session->smtp->stream);
	if (code == 235)
		return 0;
	if (code <= 0)
		smtp_connection_lost(session, "AUTH", err);
	else
		auth_refused(session, user, is_oauth2, err);
	session->mechanism = "";
	return -1;
}
