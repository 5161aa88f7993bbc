/* One mail transaction (RFC 5321 3.3): MAIL FROM, RCPT TO for each
 * recipient, DATA, the message. libetpan builds the commands with
 * snprintf and checks nothing (LIBRARIES.md), so every address is checked
 * here before the first byte goes out; and its error enum folds replies
 * together, so each step is decided on session->response_code. */
#include "smtp-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The address as C-style text (\r, \n, \xHH) for an error message:
 * whatever it holds cannot reach the terminal raw. */
static void address_quote(const char *addr, char *out, size_t size)
{
	size_t used = 0;

	out[0] = '\0';
	for (const unsigned char *p = (const unsigned char *)addr; *p && used + 8 < size; p++) {
		if (*p == '\r')
			used += (size_t)snprintf(out + used, size - used, "\\r");
		else if (*p == '\n')
			used += (size_t)snprintf(out + used, size - used, "\\n");
		else if (*p == '\\' || *p == '"')
			used += (size_t)snprintf(out + used, size - used, "\\%c", *p);
		else if (*p < 32 || *p >= 127)
			used += (size_t)snprintf(out + used, size - used, "\\x%02x", *p);
		else
			out[used++] = (char)*p, out[used] = '\0';
	}
	if (addr[0] && used + 8 >= size)
		snprintf(out + used, size - used, "...");
}

static int domain_check(const char *domain, char *why, size_t why_size)
{
	size_t len = strlen(domain);

	if (len == 0) {
		snprintf(why, why_size, "has no domain after @");
		return -1;
	}
	if (domain[0] == '[') { /* an address literal, RFC 5321 4.1.3 */
		if (domain[len - 1] != ']' || strchr(domain + 1, '[') || strchr(domain, ']') != domain + len - 1) {
			snprintf(why, why_size, "has a malformed address literal after @");
			return -1;
		}
		return 0;
	}
	for (size_t i = 0; i < len; i++) {
		char c = domain[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
		if (!ok) {
			snprintf(why, why_size, "has a character a domain cannot hold ('%c')", c);
			return -1;
		}
	}
	if (domain[0] == '.' || domain[len - 1] == '.' || strstr(domain, "..")) {
		snprintf(why, why_size, "has an empty label in its domain");
		return -1;
	}
	return 0;
}

int smtp_address_check(const char *addr, char *why, size_t why_size)
{
	if (!addr || !*addr) {
		snprintf(why, why_size, "is empty");
		return -1;
	}
	/* the reason that matters most is named first, wherever it is */
	if (strpbrk(addr, "\r\n")) {
		snprintf(why, why_size, "contains a line break");
		return -1;
	}
	for (const unsigned char *p = (const unsigned char *)addr; *p; p++) {
		if (*p < 32 || *p == 127) {
			snprintf(why, why_size, "contains a control character");
			return -1;
		}
		if (*p >= 128) {
			snprintf(why, why_size, "contains non-ASCII characters (tern cannot send SMTPUTF8)");
			return -1;
		}
		if (*p == ' ') {
			snprintf(why, why_size, "contains a space");
			return -1;
		}
		if (*p == '<' || *p == '>') {
			snprintf(why, why_size, "contains < or > (give the bare address)");
			return -1;
		}
	}
	if (strlen(addr) > 254) {
		snprintf(why, why_size, "is longer than 254 characters");
		return -1;
	}
	const char *at = strrchr(addr, '@');
	if (!at) {
		snprintf(why, why_size, "has no @");
		return -1;
	}
	if (at == addr) {
		snprintf(why, why_size, "has nothing before @");
		return -1;
	}
	if (at - addr > 64) {
		snprintf(why, why_size, "has more than 64 characters before @");
		return -1;
	}
	if (memchr(addr, '@', (size_t)(at - addr)) && addr[0] != '"') {
		snprintf(why, why_size, "has more than one @");
		return -1;
	}
	return domain_check(at + 1, why, why_size);
}

/* What the server can be given without 8BITMIME (RFC 5321 2.4, 4.5.3.1.6):
 * 7-bit bytes, no NUL, no CR without LF (libetpan would turn it into a
 * line break), lines of at most 998 bytes. */
static int message_check(const char *message, size_t len, char *why, size_t why_size)
{
	size_t line = 1, line_len = 0;

	if (len == 0) {
		snprintf(why, why_size, "the message is empty");
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)message[i];
		if (c == '\n') {
			line++;
			line_len = 0;
			continue;
		}
		if (c == '\r' && i + 1 < len && message[i + 1] == '\n')
			continue;
		if (c == '\r') {
			snprintf(why, why_size, "line %zu has a CR without LF", line);
			return -1;
		}
		if (c == 0) {
			snprintf(why, why_size, "line %zu has a NUL byte", line);
			return -1;
		}
		if (c >= 128) {
			snprintf(why, why_size,
			         "line %zu has 8-bit bytes, which tern cannot announce (no 8BITMIME): "
			         "encode the body as quoted-printable or base64",
			         line);
			return -1;
		}
		if (++line_len > 998) {
			snprintf(why, why_size, "line %zu is longer than 998 bytes", line);
			return -1;
		}
	}
	return 0;
}

static void progress_trampoline(size_t current, size_t maximum, void *ctx)
{
	struct smtp_session *session = ctx;
	session->progress(session->progress_ctx, current, maximum);
}

/* The connection failed at stage; note says what that means for the message. */
static int lost(struct smtp_session *session, const char *what, const char *note, struct smtp_result *result)
{
	struct lib_error err;

	smtp_connection_lost(session, what, &err);
	lib_error_set(&result->error, err.cls, "%s%s", err.text, note);
	return -1;
}

/* The step's reply: 1 when it is one of want (a 0-terminated list),
 * else 0 with the result filled (or -1 when the connection was lost). */
static int step_reply(struct smtp_session *session, int r, const int *want, enum smtp_stage stage, const char *addr,
                      const char *sender, struct smtp_result *result)
{
	int code = session->smtp->response_code;

	if (r == MAILSMTP_ERROR_MEMORY)
		lib_fatal("out of memory in libetpan");
	result->stage = stage;
	if (r == MAILSMTP_ERROR_STREAM || code == 0) {
		result->code = 0;
		return lost(session, stage == SMTP_STAGE_MAIL ? "MAIL FROM" : stage == SMTP_STAGE_RCPT ? "RCPT TO" : "DATA",
		            " (nothing was delivered)", result);
	}
	for (; *want; want++)
		if (code == *want)
			return 1;
	struct buf words = BUF_INIT;
	smtp_server_words(session, &words);
	result->code = code;
	snprintf(result->server_text, sizeof(result->server_text), "%s", words.data);
	struct smtp_reply_context ctx = {
		.stage = stage,
		.addr = addr,
		.sender = sender,
		.size_limit = session->ehlo.size_limit,
		.account = session->account,
		.login_missing = !*session->mechanism && (session->ehlo.auth || smtp_session_has_extension(session, "AUTH")),
	};
	smtp_reply_explain(code, &ctx, words.data, &result->error);
	buf_free(&words);
	if (code == 421) /* the server is closing the connection */
		session->broken = 1;
	return 0;
}

int smtp_send(struct smtp_session *session, const char *from_addr, const char *const *rcpts, size_t n,
              const char *message, size_t len, struct smtp_result *result)
{
	static const int ok_mail[] = { 250, 0 }, ok_rcpt[] = { 250, 251, 0 }, ok_data[] = { 354, 0 };
	char why[160], quoted[200];

	memset(result, 0, sizeof(*result));
	result->refused_rcpt = -1;
	result->stage = SMTP_STAGE_CHECK;

	/* everything is checked before anything is sent */
	if (smtp_address_check(from_addr, why, sizeof(why)) < 0) {
		address_quote(from_addr ? from_addr : "", quoted, sizeof(quoted));
		lib_error_set(&result->error, LIB_ERR_DATA, "the sender address \"%s\" %s: nothing was sent", quoted, why);
		return -1;
	}
	if (n == 0) {
		lib_error_set(&result->error, LIB_ERR_DATA, "the message has no recipients: nothing was sent");
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (smtp_address_check(rcpts[i], why, sizeof(why)) < 0) {
			result->refused_rcpt = (long)i;
			address_quote(rcpts[i] ? rcpts[i] : "", quoted, sizeof(quoted));
			lib_error_set(&result->error, LIB_ERR_DATA, "the recipient address \"%s\" %s: nothing was sent",
			              quoted, why);
			return -1;
		}
	if (message_check(message, len, why, sizeof(why)) < 0) {
		lib_error_set(&result->error, LIB_ERR_DATA, "the message cannot be sent as it is: %s", why);
		return -1;
	}
	if (session->broken) {
		lib_error_set(&result->error, LIB_ERR_CONNECTION, "the connection to the server was lost earlier");
		return -1;
	}

	int r = mailesmtp_mail_size(session->smtp, from_addr, 0, NULL, len);
	int ok = step_reply(session, r, ok_mail, SMTP_STAGE_MAIL, from_addr, from_addr, result);
	for (size_t i = 0; ok > 0 && i < n; i++) {
		r = mailesmtp_rcpt(session->smtp, rcpts[i], 0, NULL);
		ok = step_reply(session, r, ok_rcpt, SMTP_STAGE_RCPT, rcpts[i], from_addr, result);
		if (ok == 0)
			result->refused_rcpt = (long)i;
	}
	if (ok > 0) {
		r = mailsmtp_data(session->smtp);
		ok = step_reply(session, r, ok_data, SMTP_STAGE_DATA, NULL, from_addr, result);
	}
	if (ok > 0) {
		/* libetpan ends the data with CRLF "." CRLF after the last line:
		 * the message's own final line end would add an empty line */
		size_t body_len = len;
		if (body_len && message[body_len - 1] == '\n')
			body_len--;
		if (body_len && message[body_len - 1] == '\r')
			body_len--;
		result->stage = SMTP_STAGE_MESSAGE;
		char *size = xasprintf("(the message: %zu bytes, then the final \".\")", body_len);
		smtp_trace(session, "-> ", size, strlen(size));
		free(size);
		session->trace_quiet = 1;
		int sent = session->progress
		                   ? mailstream_send_data_with_context(session->smtp->stream, message, body_len,
		                                                       progress_trampoline, session)
		                   : mailstream_send_data(session->smtp->stream, message, body_len, 0, NULL);
		session->trace_quiet = 0;
		if (sent < 0)
			return lost(session, "sending the message", " (the message was not delivered)", result);
		int code = mailsmtp_read_response(session->smtp);
		if (code == 0)
			/* RFC 5321 6.1: the server may have taken it; sending it
			 * again risks a duplicate, which beats a loss */
			return lost(session, "waiting for the server to confirm the message",
			            " (all of the message was sent: it may have been delivered)", result);
		static const int ok_message[] = { 250, 0 };
		ok = step_reply(session, MAILSMTP_NO_ERROR, ok_message, SMTP_STAGE_MESSAGE, NULL, from_addr, result);
		if (ok > 0) {
			struct buf words = BUF_INIT;
			smtp_server_words(session, &words);
			result->accepted = 1;
			result->code = code;
			result->stage = SMTP_STAGE_DONE;
			snprintf(result->server_text, sizeof(result->server_text), "%s", words.data);
			lib_error_set(&result->error, LIB_ERR_NONE, "accepted by the server");
			buf_free(&words);
			return 0;
		}
	}
	/* a refusal: reset the transaction so the session can go on */
	if (!session->broken) {
		r = mailsmtp_reset(session->smtp);
		if (r == MAILSMTP_ERROR_STREAM)
			session->broken = 1;
	}
	return -1;
}
