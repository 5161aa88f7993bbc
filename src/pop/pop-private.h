/* Internals shared by the pop module's files. No libetpan header here:
 * the unit tests include this file for the parsers and the state. */
#ifndef TERN_POP_PRIVATE_H
#define TERN_POP_PRIVATE_H

#include <stdint.h>

#include "pop.h"

struct mailpop3;
struct _mailstream;

/* Lines tern reads itself (status, LIST, UIDL): RFC 1939 allows 512
 * octets; some room for chatty servers. */
#define POP_LINE_MAX 8192
/* Bytes libetpan may read (greeting, CAPA, auth replies) before the
 * session is logged in, and the longest line among them. */
#define POP_LOGIN_BYTES_MAX (1u << 20)
#define POP_LOGIN_LINE_MAX (64u << 10)
/* Header bytes kept for the header hash. */
#define POP_HEADER_MAX (256u << 10)
/* At most this many messages in a listing. */
#define POP_LIST_MAX 1000000u

/* ---- parsing server replies (pop-parse.c): no I/O ---- */

/* One line of a LIST reply, "NUMBER SIZE[ anything]". The numbers must
 * rise strictly (after previous, 0 at first). Returns 0, or -1 with why. */
int pop_list_line_parse(const char *line, unsigned previous, unsigned *number, uint64_t *size, char *why,
                        size_t why_size);
/* One line of a UIDL reply, "NUMBER UIDL". *uidl points into line.
 * Returns 0, or -1 with why (the UIDL must satisfy pop_uidl_valid). */
int pop_uidl_line_parse(const char *line, unsigned *number, const char **uidl, char *why, size_t why_size);

/* The class a refusal deserves from its RFC 2449/3206 response code
 * ("[IN-USE] ...", "[SYS/TEMP] ..."); fallback when it has none. */
enum lib_error_class pop_refusal_class(const char *words, enum lib_error_class fallback);

/* 1 when the APOP timestamp of a greeting looks like RFC 1939 says
 * (<...@...>, printable ASCII, short). */
int pop_apop_timestamp_ok(const char *timestamp);

/* The body of a multi-line reply as it arrives, in any chunks: removes
 * the dot-stuffing, turns CRLF into LF (Maildir files use LF), and stops
 * after the terminating ".CRLF" (a bare-LF ending is accepted too). */
struct pop_decoder {
	int state;
	int done;
};
void pop_decoder_init(struct pop_decoder *decoder);
/* Decodes from in[0..len): writes at most len + 1 bytes to out (*out_len
 * says how many) and returns the bytes of in consumed, which is fewer than
 * len only when the reply ended (decoder->done). */
size_t pop_decoder_run(struct pop_decoder *decoder, const char *in, size_t len, char *out, size_t *out_len);

/* A hash recognising a message by its header when the server has no
 * usable UIDL: SHA-256 over the header lines (LF endings), minus those
 * that mailbox software rewrites (Status, X-Status, X-UID, Content-Length,
 * ...), written as 32 hex digits. Feed it the decoded message; it keeps
 * at most POP_HEADER_MAX bytes, up to the blank line. */
struct pop_header_hash {
	struct buf block;
	int last_was_newline;
	int complete; /* the blank line (or the cap) was reached */
	char hex[33]; /* "" until pop_header_hash_finish */
};
void pop_header_hash_reset(struct pop_header_hash *h);
/* Returns 1 when this call completed the header. */
int pop_header_hash_feed(struct pop_header_hash *h, const char *data, size_t len);
/* Computes hex from what was fed (a message without a body included). */
void pop_header_hash_finish(struct pop_header_hash *h);
void pop_header_hash_free(struct pop_header_hash *h);

/* ---- the state: which messages are already here (pop-state.c) ----
 * MAILDIR/tern-pop3-ACCOUNT.state holds one line per message downloaded
 * and still on the server: "u:UIDL HASH TIME" (or "- HASH TIME" when the
 * server had no UIDL), TIME the download's Unix time. Each download is
 * first appended to the .journal beside it and fsynced; pop_state_save
 * writes the whole state with lib_file_write_durable and empties the
 * journal. The journal is also the lock: one fetch per account at once. */
struct pop_state_entry {
	char *uidl;         /* NULL: recorded by header hash only */
	char hash[33];      /* "" when unknown */
	int64_t time;
	unsigned listed : 1;  /* seen in this session's listing */
	unsigned removed : 1; /* to be forgotten at the next save */
};

struct pop_state;

/* Locks and reads the state of account in maildir. NULL with err set
 * (LIB_ERR_TEMPORARY when another fetch holds the lock). *warning gets
 * (caller frees) a line about lines that could not be read, or NULL. */
struct pop_state *pop_state_open(const char *maildir, const char *account, char **warning, struct lib_error *err);
/* The entry of uidl / of a header hash, or NULL. Borrowed, valid until
 * the next record. */
struct pop_state_entry *pop_state_find_uidl(struct pop_state *state, const char *uidl);
struct pop_state_entry *pop_state_find_hash(struct pop_state *state, const char *hash);
/* Records a downloaded message durably (journal + fdatasync). uidl may
 * be NULL, hash "" or NULL. Returns the new entry, or NULL with err. */
struct pop_state_entry *pop_state_record(struct pop_state *state, const char *uidl, const char *hash, int64_t time,
                                         struct lib_error *err);
/* Marks for forgetting the entries this session proved gone: with
 * by_uidl, those with a UIDL not listed; else those without a UIDL whose
 * hash was not listed. */
void pop_state_prune(struct pop_state *state, int by_uidl);
/* Marks an entry's message as gone from the server. */
void pop_state_forget(struct pop_state *state, struct pop_state_entry *entry);
/* Writes the state durably when anything changed and empties the
 * journal. Returns 0 or -1 with err. */
int pop_state_save(struct pop_state *state, struct lib_error *err);
/* Unlocks and frees. NULL is fine. */
void pop_state_close(struct pop_state *state);
size_t pop_state_count(const struct pop_state *state);

/* ---- the session (pop-session.c) ---- */

/* Watches the bytes libetpan reads before login (it grows lines and
 * lists without bound). */
struct pop_guard {
	size_t line_len;
	size_t total;
};

struct pop_session {
	struct mailpop3 *pop;
	struct net_conn *conn;
	struct pop_guard guard;
	int capa_known, capa_uidl, capa_top;
	int capa_xoauth2;     /* CAPA listed SASL ... XOAUTH2 */
	int capa_plain;       /* CAPA listed SASL ... PLAIN */
	int capa_user;        /* CAPA listed USER */
	const char *mechanism; /* how the login succeeded: "USER/PASS", "SASL PLAIN"... */
	struct buf capa;      /* the CAPA names, space-separated, sanitized */
	int broken;     /* the stream failed or lost sync: never write again */
	int quit_done;
	struct buf line; /* the last line read by pop_read_line, without CRLF */
};

/* Sends one command line (CRLF added; it must hold no CR or LF) and reads
 * the status line into session->line. Returns 1 for +OK, 0 for -ERR
 * (session->line holds the server's words after "-ERR "), -1 when the
 * stream failed (err set, what naming the command). */
int pop_command(struct pop_session *session, const char *what, const char *command, struct lib_error *err);
/* Reads one line into session->line. 0, or -1 with err. */
int pop_read_line(struct pop_session *session, const char *what, struct lib_error *err);

/* Receives the decoded body of a multi-line reply, chunk by chunk.
 * Returns 0 to go on, 1 to have the rest read and dropped, -1 to stop
 * (err set by the sink; the session is then out of step and broken). */
typedef int pop_sink_cb(void *ctx, const char *data, size_t len, struct lib_error *err);
/* Reads a multi-line reply body (after its +OK) to its end. 0, or -1. */
int pop_read_body(struct pop_session *session, const char *what, pop_sink_cb *sink, void *ctx,
                  struct lib_error *err);

/* The server's words in session->line after "-ERR", sanitized, into out
 * ("no reason given" when empty). */
void pop_server_words(const char *line, struct buf *out);

/* QUIT: 1 for +OK, 0 for -ERR (err has the words), -1 stream error. */
int pop_session_quit(struct pop_session *session, struct lib_error *err);

#endif
