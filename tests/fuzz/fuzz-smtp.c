/* Fuzz target: what an SMTP submission server can send, through tern's
 * stream layer and reply guard, libetpan's reply reader, tern's EHLO
 * parser, AUTH, and the sending of two messages (the second after any
 * refusal of the first, so RSET runs) with the explanation the user gets
 * for every reply code. The input is the server side of the conversation
 * (greeting, EHLO, AUTH, MAIL, RCPT, DATA, the final dot...), then EOF. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-net.h"
#include "smtp/smtp.h"

static char *get_secret(void *ctx, int *is_oauth2, struct lib_error *err)
{
	(void)ctx;
	(void)err;
	*is_oauth2 = 0;
	return xstrdup("fuzz-password");
}

static const char message[] =
	"From: Ana <ana@example.org>\r\nTo: bo@example.org\r\nSubject: hi\r\n\r\nhello\r\n.dot\r\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct net_server server = { .host = "smtp.fuzz.example", .port = 587, .tls_off = 1, .timeout = 1,
		                      .account = "fuzz" };
	struct net_login login = { .user = "fuzz", .get_secret = get_secret };
	const char *const rcpts[] = { "bo@example.org", "cy@example.net" };
	struct lib_error err = { 0 };

	fuzz_net_input(data, size);
	struct smtp_session *session = smtp_session_open(&server, &login, &err);
	fuzz_step("open", session ? 0 : -1, &err);
	if (session) {
		for (int i = 0; i < 2 && smtp_session_usable(session); i++) {
			struct smtp_result result;
			int r = smtp_send(session, "ana@example.org", rcpts, 2, message, sizeof(message) - 1, &result);
			fuzz_step("send", r, &result.error);
			if ((r == 0) != (result.accepted == 1))
				abort();
			if (!memchr(result.server_text, '\0', sizeof(result.server_text)))
				abort();
		}
		(void)smtp_session_size_limit(session);
		(void)smtp_session_has_extension(session, "PIPELINING");
		smtp_session_close(session);
	}
	/* Every reply code the server could send, at every stage. */
	if (size >= 3) {
		int code = (data[0] % 10) * 100 + (data[1] % 10) * 10 + data[2] % 10;
		for (int stage = SMTP_STAGE_CHECK; stage <= SMTP_STAGE_DONE; stage++) {
			struct lib_error why;
			struct smtp_reply_context ctx = { (enum smtp_stage)stage, "bo@example.org", "ana@example.org", size,
				                          "fuzz", (int)(size & 1) };
			smtp_reply_explain(code, &ctx, "words", &why);
		}
	}
	fuzz_net_done();
	return 0;
}
