/* pop: POP3 sessions (libetpan inside, no UI): list, download into a
 * local Maildir, delete only what is durable locally. */
#ifndef TERN_POP_H
#define TERN_POP_H

#include <stddef.h>

#include "../lib/lib.h"
#include "../net/net.h"

/* RFC 1939 section 7: a unique-id is 1 to 70 characters from 0x21 to
 * 0x7E. Anything else is a malformed reply and never used to match or
 * delete a message. Returns 1 when uidl is valid. */
int pop_uidl_valid(const char *uidl);

/* Sessions take a struct net_server and a struct net_login (net.h): an
 * OAuth2 token (get_secret's *is_oauth2) is sent with AUTH XOAUTH2 when
 * the server's CAPA offers it (SASL ... XOAUTH2); login->apop asks for
 * APOP first. */

struct pop_session;

/* Connects, secures (implicit TLS, else STLS unless tls_off), and logs in:
 * SASL PLAIN when offered, else USER/PASS, each refusal moving on to the
 * next; APOP first when login->apop, else only when nothing else is
 * offered. NULL with err
 * set: LIB_ERR_CONNECTION, _TLS, _AUTH (with the server's words),
 * _TEMPORARY ([IN-USE], [LOGIN-DELAY], [SYS/TEMP]) or _PROTOCOL. */
struct pop_session *pop_session_open(const struct net_server *server, const struct net_login *login,
                                     struct lib_error *err);
/* QUIT when the connection is still sound (which makes the server carry
 * out the DELEs of the session), then free. NULL is fine. */
void pop_session_close(struct pop_session *session);

/* How the session logged in: "SASL PLAIN", "USER/PASS", "APOP" or
 * "XOAUTH2". */
const char *pop_session_mechanism(const struct pop_session *session);

/* ---- looking without touching (pop-info.c), for diagnostics ---- */

/* The CAPA names (and SASL mechanisms) the server announced after TLS,
 * space-separated and sanitized, appended to out; nothing without CAPA. */
void pop_session_capabilities(const struct pop_session *session, struct buf *out);
/* STAT: how many messages the maildrop holds and their size. 0 or -1. */
int pop_stat(struct pop_session *session, unsigned *count, unsigned long long *octets, struct lib_error *err);
/* TOP number 0: the header of message number (raw, LF line ends, at most
 * 256 KB) appended to out. Deletes nothing. 0, or -1 with err
 * (LIB_ERR_SERVER when the server refuses TOP). */
int pop_message_header(struct pop_session *session, unsigned number, struct buf *out, struct lib_error *err);

/* ---- downloading (pop-fetch.c) ----
 * Every message the account's state file does not know is written into
 * the Maildir (tmp/, fsync, new/, fsync) and then recorded by its UIDL
 * (fsynced journal, compacted into the state file with
 * lib_file_write_durable). A message is deleted on the server only when
 * it is recorded, matched by a valid, unique UIDL of this session, and
 * keep/delete_after_days say so. A server without usable UIDLs is read
 * with messages recognised by a hash of their headers, and then nothing
 * is ever deleted. */
struct pop_fetch_options {
	const char *maildir;    /* created when missing */
	const char *account;    /* names the state files inside maildir */
	int keep;               /* 1: never delete on the server */
	long delete_after_days; /* with keep 0: delete DAYS after download; 0: at once */
	void (*warn)(void *ctx, const char *line);
	int check_only;         /* list and count only (--check): nothing downloaded or deleted */
	void (*progress)(void *ctx, size_t done, size_t total); /* NULL: none */
	void *ctx;
};

struct pop_fetch_result {
	int listed;             /* the session got as far as the listing: counts below mean something */
	size_t on_server;       /* messages on the server at the start */
	size_t downloaded;      /* new messages now in the Maildir */
	size_t removed;         /* deleted on the server (its QUIT said +OK) */
	size_t stayed;          /* on_server - removed */
	int by_header_hash;     /* UIDL missing or malformed: headers hashed, nothing deleted */
	int local_failure;      /* the error happened on this machine (Maildir, state file) */
	size_t fresh;           /* check_only: messages not downloaded yet (by_header_hash: unknown, 0) */
};

/* Opens the Maildir and the state, then the session, downloads, deletes
 * what may go, QUITs and saves the state. Returns 0, or -1 with err;
 * result is filled in either way. */
int pop_fetch(const struct net_server *server, const struct net_login *login, const struct pop_fetch_options *options,
              struct pop_fetch_result *result, struct lib_error *err);

/* Where the state of account lives: MAILDIR/tern-pop3-ACCOUNT.state (its
 * journal: .journal beside it). Caller frees. */
char *pop_state_path(const char *maildir, const char *account);

#endif
