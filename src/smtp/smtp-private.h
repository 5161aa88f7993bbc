/* Internals shared by the smtp module's files. */
#ifndef TERN_SMTP_PRIVATE_H
#define TERN_SMTP_PRIVATE_H

#include <libetpan/libetpan.h>

#include "smtp.h"

/* libetpan 1.9.4 exports these (its own mailsmtp_oauth2.c calls them) but
 * installs no header declaring them (mailsmtp_private.h). tern writes EHLO
 * and AUTH PLAIN/LOGIN itself through them, so the reply still lands in
 * session->response and session->response_code like every other reply. */
int mailsmtp_send_command(mailsmtp *session, char *command);
int mailsmtp_send_command_private(mailsmtp *session, char *command);
int mailsmtp_read_response(mailsmtp *session);

/* RFC 5321 4.5.3.1.5 allows 512 bytes per reply line; a server may be
 * sloppy, not hostile: beyond these the read fails (libetpan would grow
 * its response buffer without bound). */
#define SMTP_REPLY_LINE_MAX 4096
#define SMTP_REPLY_LINES_MAX 1000

/* Watches the raw bytes from the server before libetpan reads them. */
struct smtp_guard {
	size_t line_len;
	size_t lines;     /* lines of the reply so far */
	char head[4];     /* the first bytes of the current line */
};

/* net read check callback: fails the read on a reply line over
 * SMTP_REPLY_LINE_MAX or a reply of over SMTP_REPLY_LINES_MAX lines. */
int smtp_guard_check(void *ctx, const char *data, size_t len, char *why, size_t why_size);

/* What the last EHLO announced. */
struct smtp_ehlo {
	int starttls, pipelining, eightbit;
	size_t size_limit;      /* 0: no SIZE or no number */
	unsigned auth;          /* SMTP_AUTH_* */
	char *keywords;         /* the extension lines, '\n'-separated, as sent (not sanitized) */
};

enum {
	SMTP_AUTH_PLAIN = 1 << 0,
	SMTP_AUTH_LOGIN = 1 << 1,
	SMTP_AUTH_XOAUTH2 = 1 << 2,
};

struct smtp_session {
	mailsmtp *smtp;
	struct net_conn *conn;
	struct smtp_guard guard;
	struct smtp_ehlo ehlo;
	const char *mechanism;   /* "" until AUTH succeeded */
	char *account;           /* copied from the server; NULL when none */
	int broken;              /* the connection failed: no QUIT, no more commands */
	int verified;            /* TLS verified, or tls off: QUIT may be sent */
	smtp_progress_cb *progress;
	void *progress_ctx;
	void (*trace)(void *ctx, const char *line); /* NULL: no trace */
	void *trace_ctx;
	struct buf trace_in, trace_out; /* partial lines */
	int trace_secret;               /* the server asked for a credential (334): mask the answer */
	int trace_quiet;                /* the message is being written: its size only */
};

/* A line of the dialogue for the trace: prefix, then text sanitized. */
void smtp_trace(struct smtp_session *session, const char *prefix, const char *text, size_t len);

/* Parses an EHLO reply text (session->smtp->response: one line per
 * extension after the greeting line) into ehlo, replacing what was there. */
void smtp_ehlo_parse(struct smtp_ehlo *ehlo, const char *response);
void smtp_ehlo_clear(struct smtp_ehlo *ehlo);

/* The server's words from its last reply, sanitized to one line. */
void smtp_server_words(struct smtp_session *session, struct buf *out);

/* AUTH with the credentials from login (smtp-auth.c). 0, or -1 with err. */
int smtp_auth(struct smtp_session *session, const struct net_login *login, struct lib_error *err);

/* Standard base64 (RFC 4648) of len bytes into out, which holds at least
 * SMTP_BASE64_SIZE(len) bytes; NUL-terminated; returns the length. */
#define SMTP_BASE64_SIZE(len) (((len) + 2) / 3 * 4 + 1)
size_t smtp_base64(char *out, const unsigned char *data, size_t len);

/* Marks the session broken and sets err for a lost connection during
 * what ("EHLO", "AUTH"...), with net's reason. */
void smtp_connection_lost(struct smtp_session *session, const char *what, struct lib_error *err);

#endif
