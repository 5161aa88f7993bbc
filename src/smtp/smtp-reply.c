/* Reply codes (RFC 5321 section 4.2, RFC 4954 for AUTH) sorted into the
 * classes tern explains to the user, and the explanation itself: decided
 * on the number and the stage, never on libetpan's error enum. */
#include "smtp.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

enum smtp_reply_class smtp_reply_classify(int code)
{
	if (code < 200 || code > 599)
		return SMTP_REPLY_INVALID;
	if (code < 400)
		return SMTP_REPLY_OK;
	if (code < 500)
		return SMTP_REPLY_TEMPORARY;
	switch (code) {
	case 530:
		return SMTP_REPLY_AUTH_REQUIRED;
	case 534:
	case 535:
		return SMTP_REPLY_AUTH_FAILED;
	case 550:
	case 551:
	case 553:
	case 554:
		return SMTP_REPLY_REFUSED;
	case 552:
		return SMTP_REPLY_TOO_LARGE;
	default:
		return SMTP_REPLY_PERMANENT;
	}
}

static const char *stage_name(enum smtp_stage stage)
{
	switch (stage) {
	case SMTP_STAGE_MAIL:
		return "MAIL FROM";
	case SMTP_STAGE_RCPT:
		return "RCPT TO";
	case SMTP_STAGE_DATA:
		return "DATA";
	case SMTP_STAGE_MESSAGE:
		return "the end of the message";
	default:
		return "the transaction";
	}
}

/* "33554432 bytes" as "32 MB" (binary units, as SIZE limits are set). */
static void size_words(size_t bytes, char *out, size_t size)
{
	if (bytes >= 1024 * 1024)
		snprintf(out, size, "%.1f MB", bytes / (1024.0 * 1024.0));
	else if (bytes >= 1024)
		snprintf(out, size, "%.1f KB", bytes / 1024.0);
	else
		snprintf(out, size, "%zu bytes", bytes);
}

static int contains_nocase(const char *text, const char *word)
{
	size_t n = strlen(word);
	for (; *text; text++)
		if (strncasecmp(text, word, n) == 0)
			return 1;
	return 0;
}

void smtp_reply_explain(int code, const struct smtp_reply_context *ctx, const char *server_text,
                        struct lib_error *err)
{
	char server[600], limit[32], named[96];
	enum smtp_stage stage = ctx->stage;
	const char *who = ctx->addr ? ctx->addr : "?", *sender = ctx->sender ? ctx->sender : who;
	const char *account = named;
	size_t size_limit = ctx->size_limit;

	if (ctx->account)
		snprintf(named, sizeof(named), "account %s", ctx->account);
	else
		snprintf(named, sizeof(named), "this account");
	snprintf(server, sizeof(server), " (server: %d%s%s)", code, server_text && *server_text ? " " : "",
	         server_text ? server_text : "");
	/* RFC 3463 5.1.x, or the words: the address itself is wrong */
	int no_mailbox = server_text && (strncmp(server_text, "5.1.1", 5) == 0 || strncmp(server_text, "5.1.10", 6) == 0 ||
	                                 contains_nocase(server_text, "unknown") || contains_nocase(server_text, "no such") ||
	                                 contains_nocase(server_text, "does not exist"));
	/* Postfix's reject_sender_login_mismatch answers at RCPT: "553 5.7.1
	 * <ana@x>: Sender address rejected: not owned by user bob" */
	int sender_refused = server_text && (contains_nocase(server_text, "sender address rejected") ||
	                                     contains_nocase(server_text, "not owned by"));
	switch (smtp_reply_classify(code)) {
	case SMTP_REPLY_TEMPORARY:
		if (code == 421)
			lib_error_set(err, LIB_ERR_TEMPORARY, "the server is closing the connection: try again later%s", server);
		else if (stage == SMTP_STAGE_RCPT)
			lib_error_set(err, LIB_ERR_TEMPORARY, "the server cannot take mail for <%s> now: try again later%s",
			              who, server);
		else if (stage == SMTP_STAGE_MAIL)
			lib_error_set(err, LIB_ERR_TEMPORARY, "the server cannot take mail from <%s> now: try again later%s",
			              who, server);
		else
			lib_error_set(err, LIB_ERR_TEMPORARY, "the server deferred the message at %s: try again later%s",
			              stage_name(stage), server);
		break;
	case SMTP_REPLY_AUTH_REQUIRED:
		if (server_text && contains_nocase(server_text, "STARTTLS"))
			lib_error_set(err, LIB_ERR_TLS, "the server requires STARTTLS before mail: remove tls off from %s%s",
			              account, server);
		else
			lib_error_set(err, LIB_ERR_AUTH,
			              "the server requires authentication: set user and password for %s%s", account,
			              server);
		break;
	case SMTP_REPLY_AUTH_FAILED:
		if (code == 534)
			lib_error_set(err, LIB_ERR_AUTH,
			              "the server refused the credentials of %s and wants another way to sign in: "
			              "an app password, or OAuth2%s",
			              account, server);
		else
			lib_error_set(err, LIB_ERR_AUTH, "the server refused the credentials of %s%s", account, server);
		break;
	case SMTP_REPLY_REFUSED:
		if (stage == SMTP_STAGE_RCPT && no_mailbox && !sender_refused)
			lib_error_set(err, LIB_ERR_SERVER, "the server has no mailbox <%s>: check the address%s", who,
			              server);
		else if ((stage == SMTP_STAGE_MAIL || stage == SMTP_STAGE_RCPT) && ctx->login_missing)
			/* the usual answer of a server to mail from a client that did
			 * not log in: 554 5.7.1 Relay access denied / Client host
			 * rejected */
			lib_error_set(err, LIB_ERR_AUTH,
			              "the server offers a login but %s has none, and without it refused %s <%s>: set user "
			              "and password (or password-command, or oauth2-token-command) for %s%s",
			              account, stage == SMTP_STAGE_MAIL ? "the sender" : "to relay to", who, account, server);
		else if (stage == SMTP_STAGE_MAIL || sender_refused)
			lib_error_set(err, LIB_ERR_SERVER,
			              "the server refused the sender <%s>: this login may not send as that From address; set "
			              "from (or -r) to an address %s owns%s",
			              stage == SMTP_STAGE_MAIL ? who : sender, account, server);
		else if (stage == SMTP_STAGE_RCPT)
			lib_error_set(err, LIB_ERR_SERVER,
			              "the server refused to relay to <%s>: sending through a server that is not your "
			              "account's?%s",
			              who, server);
		else if (stage == SMTP_STAGE_MESSAGE)
			lib_error_set(err, LIB_ERR_SERVER,
			              "the server refused the message after receiving all of it (its content or a policy: a "
			              "spam or virus filter?)%s",
			              server);
		else
			lib_error_set(err, LIB_ERR_SERVER, "the server refused %s%s", stage_name(stage), server);
		break;
	case SMTP_REPLY_TOO_LARGE:
		if (stage == SMTP_STAGE_RCPT) {
			/* RFC 5321 4.5.3.1.10: 552 to RCPT means too many
			 * recipients, to be treated as 452 */
			lib_error_set(err, LIB_ERR_TEMPORARY,
			              "the server takes no more recipients in this message (at <%s>): try again later%s", who,
			              server);
			break;
		}
		if (size_limit) {
			size_words(size_limit, limit, sizeof(limit));
			lib_error_set(err, LIB_ERR_SERVER, "the message is too large for the server, which accepts at most "
			                                   "%zu bytes (%s)%s",
			              size_limit, limit, server);
		} else {
			lib_error_set(err, LIB_ERR_SERVER, "the message is too large for the server%s", server);
		}
		break;
	case SMTP_REPLY_PERMANENT:
		if (stage == SMTP_STAGE_MESSAGE)
			lib_error_set(err, LIB_ERR_SERVER, "the server refused the message after receiving all of it%s",
			              server);
		else
			lib_error_set(err, LIB_ERR_SERVER, "the server refused %s%s", stage_name(stage), server);
		break;
	case SMTP_REPLY_OK:
	case SMTP_REPLY_INVALID:
		lib_error_set(err, LIB_ERR_PROTOCOL, "the server answered %s with a reply that makes no sense there%s",
		              stage_name(stage), server);
		break;
	}
}
