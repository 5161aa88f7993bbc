/* smtp: SMTP submission sessions (libetpan inside, no UI), and what a
 * numeric reply means for the user. */
#ifndef TERN_SMTP_H
#define TERN_SMTP_H

/* What a reply code means, decided on the number because libetpan's
 * error enum folds them together (LIBRARIES.md). */
enum smtp_reply_class {
	SMTP_REPLY_OK,            /* 2xx, 3xx */
	SMTP_REPLY_TEMPORARY,     /* 4xx: keep the message queued */
	SMTP_REPLY_AUTH_REQUIRED, /* 530 */
	SMTP_REPLY_AUTH_FAILED,   /* 535, 534 */
	SMTP_REPLY_REFUSED,       /* 550, 551, 553, 554: relay or sender refused */
	SMTP_REPLY_TOO_LARGE,     /* 552 */
	SMTP_REPLY_PERMANENT,     /* any other 5xx */
	SMTP_REPLY_INVALID,       /* not a reply code */
};

enum smtp_reply_class smtp_reply_classify(int code);

#endif
