/* Reply codes (RFC 5321 section 4.2, RFC 4954 for AUTH) sorted into the
 * classes tern explains to the user. */
#include "smtp.h"

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
