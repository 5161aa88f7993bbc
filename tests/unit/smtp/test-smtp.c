/* smtp: reply codes to classes. */
#include "../tap.h"
#include "smtp/smtp.h"

int main(void)
{
	is_int(smtp_reply_classify(250), SMTP_REPLY_OK, "250 ok");
	is_int(smtp_reply_classify(354), SMTP_REPLY_OK, "354 go ahead");
	is_int(smtp_reply_classify(421), SMTP_REPLY_TEMPORARY, "421 temporary");
	is_int(smtp_reply_classify(451), SMTP_REPLY_TEMPORARY, "451 temporary");
	is_int(smtp_reply_classify(530), SMTP_REPLY_AUTH_REQUIRED, "530 auth required");
	is_int(smtp_reply_classify(535), SMTP_REPLY_AUTH_FAILED, "535 credentials refused");
	is_int(smtp_reply_classify(534), SMTP_REPLY_AUTH_FAILED, "534 mechanism too weak / app password");
	is_int(smtp_reply_classify(550), SMTP_REPLY_REFUSED, "550 refused");
	is_int(smtp_reply_classify(553), SMTP_REPLY_REFUSED, "553 refused");
	is_int(smtp_reply_classify(554), SMTP_REPLY_REFUSED, "554 refused");
	is_int(smtp_reply_classify(552), SMTP_REPLY_TOO_LARGE, "552 too large");
	is_int(smtp_reply_classify(500), SMTP_REPLY_PERMANENT, "500 permanent");
	is_int(smtp_reply_classify(0), SMTP_REPLY_INVALID, "0 invalid");
	is_int(smtp_reply_classify(600), SMTP_REPLY_INVALID, "600 invalid");
	return tap_done();
}
