/* smtp: SMTP submission sessions (libetpan inside, no UI) over net's
 * verified TLS, and what a numeric reply means for the user. A session is
 * opened (connect, TLS, EHLO, AUTH) and then sends any number of messages;
 * every refusal is decided on the reply code, because libetpan's error
 * enum folds them together (LIBRARIES.md). */
#ifndef TERN_SMTP_H
#define TERN_SMTP_H

#include <stddef.h>

#include "../lib/lib.h"
#include "../net/net.h"

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

struct smtp_session;

/* Sessions take a struct net_server (smtps:// is 465; smtp:// is 587
 * with STARTTLS required unless tls_off; server->trace shows the
 * dialogue) and a struct net_login (net.h). A NULL login or user means no
 * AUTH at all (a server that needs it answers 530 to MAIL); with
 * login->if_offered the secret is asked for only when the server offers
 * AUTH, else the message is sent without. */

/* Connects, secures (implicit TLS, or STARTTLS which is then required
 * unless tls_off; the certificate is verified by net before anything else
 * is sent), EHLO, and AUTH (XOAUTH2 for a token, else PLAIN, else LOGIN).
 * Returns NULL with err set: LIB_ERR_CONNECTION, LIB_ERR_TLS (certificate,
 * no STARTTLS, data injected after STARTTLS), LIB_ERR_AUTH (535, 534,
 * no usable mechanism), LIB_ERR_TEMPORARY (4xx), LIB_ERR_SERVER (554
 * greeting), LIB_ERR_PROTOCOL. The caller frees with smtp_session_close. */
struct smtp_session *smtp_session_open(const struct net_server *server, const struct net_login *login,
                                       struct lib_error *err);
/* QUIT (only on a healthy session) and free; NULL is fine. */
void smtp_session_close(struct smtp_session *session);
/* Makes a blocked or later read or write fail at once; safe from another
 * thread. Permanent: close the session afterwards. */
void smtp_session_cancel(struct smtp_session *session);

/* The SIZE limit from EHLO in bytes (0: none announced). */
size_t smtp_session_size_limit(const struct smtp_session *session);
/* 1 when the last EHLO announced keyword (case-insensitive), e.g.
 * "PIPELINING", "8BITMIME", "STARTTLS", "AUTH". */
int smtp_session_has_extension(const struct smtp_session *session, const char *keyword);
/* The extension lines of the last EHLO ("PIPELINING, SIZE 10240000,
 * AUTH PLAIN LOGIN"), comma-separated and sanitized, appended to out. */
void smtp_session_extensions(const struct smtp_session *session, struct buf *out);
/* The SASL mechanism that logged in ("PLAIN", "LOGIN", "XOAUTH2"), or ""
 * when none did. Borrowed, static. */
const char *smtp_session_auth_mechanism(const struct smtp_session *session);
/* "TLSv1.3 TLS_AES_256_GCM_SHA384", or "" in plain text. Borrowed. */
const char *smtp_session_tls_description(const struct smtp_session *session);
/* 0 once the connection failed (a new session is needed). */
int smtp_session_usable(const struct smtp_session *session);

/* Called while the message is written after DATA: sent of total bytes. */
typedef void smtp_progress_cb(void *ctx, size_t sent, size_t total);
void smtp_session_set_progress(struct smtp_session *session, smtp_progress_cb *progress, void *ctx);

/* Where a transaction stopped. */
enum smtp_stage {
	SMTP_STAGE_CHECK,     /* before anything was sent: an address or the message refused */
	SMTP_STAGE_MAIL,      /* MAIL FROM */
	SMTP_STAGE_RCPT,      /* RCPT TO */
	SMTP_STAGE_DATA,      /* the DATA command */
	SMTP_STAGE_MESSAGE,   /* writing the message, or the reply to its final dot */
	SMTP_STAGE_DONE,      /* accepted */
};

/* What happened to one message. */
struct smtp_result {
	int accepted;             /* 1: the server replied 250 to the final dot */
	int code;                 /* the last reply code; 0 when there was none
	                             (nothing sent, or the connection was lost) */
	enum smtp_stage stage;
	long refused_rcpt;        /* index into rcpts of a refused recipient, else -1 */
	char server_text[512];    /* the server's words, sanitized to one line; "" when none */
	struct lib_error error;   /* cls LIB_ERR_NONE when accepted; else the class and
	                             an explanation decided on the code, for the user */
};

/* Sends one message: checks every address first (nothing is sent when
 * one is refused: LIB_ERR_DATA naming it), checks that the message is
 * 7-bit with lines of at most 998 bytes (libetpan cannot announce
 * 8BITMIME), then MAIL FROM (with SIZE=len when the server has SIZE),
 * RCPT TO for each of the n rcpts (stopping at the first refused), DATA,
 * the message (dot-stuffed; LF or CRLF line ends) and its final dot.
 * Returns 0 when accepted, -1 otherwise; result is filled either way.
 * Classes: 530, 534, 535 LIB_ERR_AUTH; 4xx LIB_ERR_TEMPORARY (keep the
 * message queued); other 5xx LIB_ERR_SERVER; connection lost
 * LIB_ERR_CONNECTION; bad address or message LIB_ERR_DATA. After a
 * refusal the transaction is reset (RSET) so the session can send the
 * next message. */
int smtp_send(struct smtp_session *session, const char *from_addr, const char *const *rcpts, size_t n,
              const char *message, size_t len, struct smtp_result *result);

/* Whether addr can go into MAIL FROM or RCPT TO: a plausible
 * local@domain of printable ASCII, no spaces, controls, CR/LF, '<' or '>',
 * at most 254 bytes. Returns 0, or -1 with why ("contains a line break")
 * written into why. The empty reverse path "<>" is not accepted. */
int smtp_address_check(const char *addr, char *why, size_t why_size);

/* What an explanation needs to know besides the reply. */
struct smtp_reply_context {
	enum smtp_stage stage;
	const char *addr;       /* the sender (MAIL) or the recipient (RCPT), or NULL */
	const char *sender;     /* the envelope sender, or NULL */
	size_t size_limit;      /* the EHLO SIZE value (0: unknown) */
	const char *account;    /* as in smtp_server */
	int login_missing;      /* the server offered AUTH and tern did not log in */
};

/* The explanation the user sees for a reply code: class and text into
 * err, naming the real cause where the words or the context show it (a
 * relay refused while no login was made, a From this login may not use,
 * a message refused after its final dot). server_text: the sanitized
 * words of the server. */
void smtp_reply_explain(int code, const struct smtp_reply_context *ctx, const char *server_text,
                        struct lib_error *err);

#endif
