/* Internals shared by the imap module's files. */
#ifndef TERN_IMAP_PRIVATE_H
#define TERN_IMAP_PRIVATE_H

#include <libetpan/libetpan.h>

#include "imap.h"

/* The largest literal tern accepts from a server. libetpan allocates what
 * a server announces before reading it (LIBRARIES.md). */
#define IMAP_LITERAL_MAX (64u << 20)
/* The longest line outside literals. */
#define IMAP_LINE_MAX (16u << 20)
/* The most untagged responses, other than FETCH and EXPUNGE, before one
 * tagged reply: libetpan keeps each in a list until the reply comes
 * (about 200 bytes apiece), so a million "* OK" lines cost 200 MB. FETCH
 * responses are streamed (imap-sync.c) and EXPUNGEs are bounded by the
 * folder; LIST answers one line per folder. */
#define IMAP_UNTAGGED_MAX 100000u

/* Watches the raw bytes from the server for literal announcements and
 * over-long lines, before libetpan sees them. */
struct imap_guard {
	uint64_t literal_left; /* bytes of a literal still to come */
	size_t line_len;
	char tail[24];         /* the end of the current line */
	size_t tail_len;
	char head[24];         /* the start of the current response */
	size_t head_len;
	int continued;         /* a literal ended the last line: same response */
	size_t untagged;       /* counted untagged responses since the last tagged one */
	char greeting[16];     /* the last bytes of the greeting line so far */
	size_t greeting_len;
	int greeted;           /* the greeting line (up to CRLF) has ended */
	const char *refused;   /* a response code in it that libetpan cannot take */
	int flags_list_open;   /* 3: after "[PERMANENTFLAGS", 1: and '(', 2: and a '\\' */
	int quoted, escaped;   /* inside a quoted string of the line; after its '\\' */
	int brace;             /* 1: after a '{' outside quotes, 2: and digits */
	uint64_t brace_size;   /* those digits' value (saturated) */
};

struct imap_session {
	mailimap *imap;
	struct net_conn *conn;
	struct imap_guard guard;
	const char *host;
	int no_qresync, no_condstore;
	int qresync_enabled;
	int broken; /* a reply could not be parsed: no LOGOUT, the stream is just closed */
	int no_compress; /* the account says compress no */
	char *selected; /* the selected folder's wire name, or NULL */
	/* the last COPY or MOVE's COPYUID (RFC 4315): where each message went */
	struct imap_copied { uint32_t source, dest; } *copied;
	size_t ncopied;
	/* CONDSTORE for flag stores (RFC 7162 UNCHANGEDSINCE): the selected
	 * folder's HIGHESTMODSEQ at its last sync, and the modseqs our own
	 * stores gave messages since (their own higher values). */
	uint64_t sync_modseq;
	struct imap_own_modseq { uint32_t uid; uint64_t modseq; } *own;
	size_t nown;
	struct buf alerts; /* [ALERT] texts not yet taken, sanitized, one a line */
};

/* Sends "TAG command CRLF" exactly (no space before CRLF, unlike
 * libetpan's mailimap_custom_command) and parses the reply into the
 * session like libetpan's own commands. selecting: command is a SELECT
 * or EXAMINE, whose facts replace imap_selection_info. Returns
 * MAILIMAP_NO_ERROR, MAILIMAP_ERROR_CUSTOM_COMMAND on NO/BAD (the text in
 * imap_response), or libetpan's stream/parse error. */
int imap_command(struct imap_session *session, const char *command, int selecting);
/* Appends text to command as an IMAP astring: an atom, else quoted. */
void imap_add_astring(struct buf *command, const char *text);
/* Keeps the [ALERT] text (RFC 3501 7.1) of the last reply, if any, for
 * imap_session_take_alerts. Called after every command. */
void imap_alert_collect(struct imap_session *session);

/* 1 when the server announced capability name (mailimap_has_extension,
 * safe when the announced list is empty). */
int imap_has_capability(const struct imap_session *session, const char *name);

/* SELECTs wire_name unless it is selected already. */
int imap_select(struct imap_session *session, const char *wire_name, struct lib_error *err);

/* libetpan leaves empty lists NULL (an empty FLAGS (), no LIST flags):
 * walk them through this. */
static inline clistiter *clist_begin_safe(clist *list)
{
	return list ? clist_begin(list) : NULL;
}

/* net read check callback: fails the read when the server announces a
 * literal over IMAP_LITERAL_MAX, sends a line over IMAP_LINE_MAX or more
 * than IMAP_UNTAGGED_MAX untagged responses to one command. */
int imap_guard_check(void *ctx, const char *data, size_t len, char *why, size_t why_size);
/* Puts the guard at the start of a response after a tagged reply, as
 * when COMPRESS starts: what it saw past that reply was compressed and
 * is checked again once inflated. */
void imap_guard_restart(struct imap_guard *guard);

/* Turns a libetpan error code into err, with the server's own words when
 * it answered NO or BAD. what names the command ("SELECT INBOX"). */
void imap_error(struct imap_session *session, int code, const char *what, struct lib_error *err);

#endif
