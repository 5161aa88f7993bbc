/* net: connections with timeouts (DNS included), TLS on OpenSSL 3 with
 * certificate chain, host name and pin checks, and the stream libetpan
 * reads from. Debian's libetpan verifies no certificate (LIBRARIES.md),
 * so all TLS goes through here. No UI. */
#ifndef TERN_NET_H
#define TERN_NET_H

#include <stdint.h>

#include "../lib/lib.h"

struct net_conn;
struct _mailstream_low;

struct net_tls_info;

struct net_tls_config {
	const char *ca_file;     /* PEM CAs to trust; NULL: the system's */
	const char *fingerprint; /* 64 lowercase hex digits pinning the server
	                            certificate (SHA-256 of its DER), or NULL */
	struct net_tls_info *info; /* diagnostics: when not NULL, filled as soon
	                              as a handshake completes, even when the
	                              checks then refuse the server */
};

/* What a TLS handshake showed (for tern --test-account). Text fields are
 * sanitized, "" when unknown. */
struct net_tls_info {
	int handshake_done;    /* the server spoke TLS and sent a certificate */
	int verified;          /* the chain and host name (or the pin) passed */
	int name_match;        /* the certificate names the host */
	int expired;           /* notAfter is in the past */
	char version[24];      /* "TLSv1.3" */
	char cipher[64];
	char subject[256];     /* one-line distinguished names */
	char issuer[256];
	char names[256];       /* the DNS and IP names it is valid for */
	char not_after[16];    /* "2027-05-01" */
	char fingerprint[72];  /* SHA-256 of the certificate's DER, 64 lowercase hex digits:
	                          what tls-fingerprint would pin */
};

/* A server to talk to, as imap, pop and smtp take it (the account's URL
 * and settings). Strings are borrowed for the call that takes it. */
struct net_server {
	const char *host;
	unsigned port;
	int implicit_tls;          /* imaps://, pop3s://, smtps://; else STARTTLS/STLS, required unless tls_off */
	int tls_off;               /* plain text allowed: the account says tls off */
	struct net_tls_config tls;
	int timeout;               /* seconds, for DNS, connect and each read or write */
	int cancel_fd;             /* > 0: readable to abandon the session (see net_connect) */
	int no_compress;           /* IMAP: do not ask for COMPRESS=DEFLATE (the account's compress no) */
	const char *account;       /* the account's name, for explanations; NULL: "this account" */
	/* When not NULL, called with each line of the dialogue (tern -v, SMTP):
	 * "-> MAIL FROM:<a@b>", "<- 250 2.1.0 Ok", "* TLS ...", sanitized;
	 * credentials show as "****" and the message as its size. */
	void (*trace)(void *ctx, const char *line);
	void *trace_ctx;
};

/* Credentials are asked for only once the server is verified and ready
 * for them. get_secret returns a password (or with *is_oauth2 set, an
 * OAuth2 access token) that the protocol module zeroes and frees, or NULL
 * with err set. */
struct net_login {
	const char *user;
	char *(*get_secret)(void *ctx, int *is_oauth2, struct lib_error *err);
	void *ctx;
	int apop;       /* POP3: the account asks for APOP: tried first when the greeting offers it */
	int if_offered; /* SMTP: log in only when the server offers AUTH, else send without */
};

/* Resolves host and connects to port, waiting at most timeout seconds for
 * DNS and again for the connection. cancel_fd, when > 0, is a descriptor
 * that turns readable to abandon the connection at any point, from DNS to
 * the last read (the engine's Ctrl-G). Returns NULL with err set (class
 * LIB_ERR_CONNECTION). The caller frees with net_conn_free. */
struct net_conn *net_connect(const char *host, unsigned port, int timeout, int cancel_fd, struct lib_error *err);
void net_conn_free(struct net_conn *conn);

/* Looks host up (waiting at most timeout seconds) and writes its
 * addresses, comma-separated, into out. 0, or -1 with err as net_connect
 * says it. For diagnostics: net_connect does its own look-up. */
int net_lookup(const char *host, unsigned port, int timeout, int cancel_fd, char *out, size_t size,
               struct lib_error *err);

/* Diagnostics: reads what the server sends first, at most size - 1 bytes
 * (NUL-terminated, raw: sanitize before showing), waiting up to the
 * connection's timeout. Returns the byte count, 0 when the server said
 * nothing in time, -1 when it closed or failed (net_conn_last_error). */
int net_conn_read_first(struct net_conn *conn, char *buf, size_t size);

/* Runs the TLS handshake on conn (TLS 1.2 at least, SNI for host names)
 * and verifies the server before anything else is sent: the chain against
 * the CAs, the host name (DNS or IP SANs, RFC 6125), or the pin when one
 * is given. Returns 0, or -1 with err (LIB_ERR_TLS) saying why in words. */
int net_tls_start(struct net_conn *conn, const char *host, const struct net_tls_config *tls,
                  struct lib_error *err);
/* 1 once TLS is up. */
int net_conn_is_tls(const struct net_conn *conn);
/* "TLSv1.3 TLS_AES_256_GCM_SHA384" or "" (borrowed, valid while conn is). */
const char *net_conn_tls_description(struct net_conn *conn);

/* Turns on COMPRESS=DEFLATE (RFC 4978) for everything read and written on
 * conn from now on: call right after the server's OK to COMPRESS. pending
 * holds the len bytes the protocol above had already read past that OK
 * (the server's first compressed bytes, in the same packet): they are
 * inflated first. 0, or -1 with err. */
int net_conn_compress(struct net_conn *conn, const void *pending, size_t len, struct lib_error *err);
/* 1 once compression is on. */
int net_conn_is_compressed(const struct net_conn *conn);
/* Bytes read from the wire while compressed, and what they inflated to. */
void net_conn_compress_totals(const struct net_conn *conn, size_t *wire_in, size_t *inflated);

/* Bytes read and written on conn since it connected (TLS payload, so
 * what the server sent compressed), and the bytes the protocol above
 * read (after inflating). */
void net_conn_traffic(const struct net_conn *conn, uint64_t *wire_in, uint64_t *wire_out, uint64_t *plain_in);

/* Makes every blocked or later read or write on conn fail at once; safe
 * to call from another thread. Permanent: reconnect afterwards. */
void net_conn_cancel(struct net_conn *conn);
/* Makes every later read and write on conn fail, with why (copied) as
 * its last error: the protocol above lost step with the server and must
 * not parse anything more from it. Permanent: reconnect afterwards. */
void net_conn_break(struct net_conn *conn, const char *why);
/* Per-read and per-write timeout in seconds. */
void net_conn_set_timeout(struct net_conn *conn, int timeout);
/* What made the last read or write fail ("timed out after 30 s",
 * "connection closed by the server", ...); "" when none. */
const char *net_conn_last_error(const struct net_conn *conn);

/* Called with every chunk read from conn before anyone parses it; a
 * return of -1 fails that read (and the connection) with why. Protocol
 * modules use it to refuse hostile sizes early. */
typedef int net_read_check_cb(void *ctx, const char *data, size_t len, char *why, size_t why_size);
void net_conn_set_read_check(struct net_conn *conn, net_read_check_cb *check, void *ctx);

/* Makes the stream layer end a last line cut by EOF with CRLF before it
 * reports the EOF: libetpan 1.9.4 parses a line cut at EOF and crashes
 * on some ("* OK [PERMANENTFLAGS (", found by fuzzing); a complete bad
 * line is only a parse error. For IMAP, whose every line ends in CRLF. */
void net_conn_end_lines_on_eof(struct net_conn *conn);

/* A libetpan stream layer reading and writing through conn with poll()
 * (no select(), so fds >= 1024 work), returning -1 on EOF, timeout and
 * cancel so libetpan never spins. The layer borrows conn: free the stream
 * first, then conn. */
struct _mailstream_low *net_stream_low_new(struct net_conn *conn);

/* Zeroes what stream (a mailstream over net_stream_low_new) kept of the
 * commands it sent: libetpan's write buffer keeps the bytes after a flush,
 * so a LOGIN, PASS or AUTH line would stay in memory. Call after a login. */
struct _mailstream;
void net_stream_wipe_sent(struct _mailstream *stream);

/* Waits up to ms for conn to have bytes to read (already decrypted and
 * pending in TLS, or on the socket) or for wake_fd (> 0) to be readable.
 * Returns 1 data, 2 wake_fd, 0 timeout, -1 error or cancel. For waiting
 * in IMAP IDLE without a read that would block. */
int net_conn_wait_readable(struct net_conn *conn, int wake_fd, int ms);

/* Whether path can serve as tls-ca-file: a readable file holding at
 * least one PEM certificate, all of them readable. 0, or -1 with why
 * ("no such file", "not a PEM certificate file") written into why. */
int net_tls_ca_file_check(const char *path, char *why, size_t why_size);

/* "OpenSSL 3.0.x ..." (borrowed, static). */
const char *net_tls_library_version(void);

#endif
