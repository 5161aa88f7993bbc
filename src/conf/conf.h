/* conf: reads the mailrc (one plain-text file, plus what it includes) into
 * a struct conf of global settings and accounts, and reports every problem
 * as "FILE:LINE: message". It never prints: callers show conf->diags. */
#ifndef TERN_CONF_H
#define TERN_CONF_H

#include <stddef.h>

#include "conf-keys.h"

enum conf_type {
	CONF_T_STRING,
	CONF_T_SECRET,      /* a string never echoed back in messages */
	CONF_T_NUMBER,      /* decimal integer within the key's MIN..MAX */
	CONF_T_BOOL,        /* on/off, yes/no, true/false */
	CONF_T_URL,         /* scheme fixed by the key: imap, pop3 or smtp */
	CONF_T_PATH,        /* ~ expanded when used */
	CONF_T_FINGERPRINT, /* sha256:HEX, stored as 64 lowercase hex digits */
	CONF_T_ADDRESS,     /* addr@domain or "Name <addr@domain>" */
	CONF_T_FOLDER,      /* folder name, or none */
	CONF_T_ACCOUNT,     /* name of an account in this mailrc */
	CONF_T_SORT,        /* [reverse-]date|threads|from|subject|size */
};

enum conf_scope {
	CONF_S_GLOBAL = 1,  /* only before the first account line */
	CONF_S_ACCOUNT = 2, /* only inside an account block */
	CONF_S_BOTH = 3,    /* global default, overridden per account */
};

#define CONF_KEY_ENUM(id, name, type, scope, def, min, max, help) CONF_K_##id,
enum conf_key { CONF_KEYS(CONF_KEY_ENUM) CONF_KEY_COUNT };
#undef CONF_KEY_ENUM

struct conf_key_info {
	const char *name;
	enum conf_type type;
	enum conf_scope scope;
	const char *def; /* NULL: unset */
	long min, max;   /* CONF_T_NUMBER only */
	const char *help;
};
extern const struct conf_key_info conf_keys[CONF_KEY_COUNT];

/* Looks a key up by name; returns -1 when there is none. */
int conf_key_lookup(const char *name);

enum conf_scheme { CONF_URL_NONE, CONF_URL_IMAP, CONF_URL_IMAPS, CONF_URL_POP3,
	CONF_URL_POP3S, CONF_URL_SMTP, CONF_URL_SMTPS };

/* A server URL. implicit_tls: TLS from the first byte (imaps, pop3s,
 * smtps); otherwise STARTTLS/STLS is required unless the account says
 * tls off. */
struct conf_url {
	enum conf_scheme scheme;
	char *host; /* without [] for IPv6 literals */
	unsigned port;
	int implicit_tls;
};

/* Parses text as the URL for key (CONF_K_IMAP, _POP3 or _SMTP). Returns 0,
 * or -1 with *err set to a message the caller frees. */
int conf_url_parse(const char *text, enum conf_key key, struct conf_url *url, char **err);
void conf_url_clear(struct conf_url *url);
const char *conf_scheme_name(enum conf_scheme scheme);

struct conf_value {
	char *text;       /* NULL: not set here */
	const char *file; /* borrowed from struct conf's file list */
	int line;
};

struct conf_account {
	char *name;
	const char *file;
	int line;
	struct conf_value values[CONF_KEY_COUNT];
	struct conf_url imap, pop3, smtp; /* scheme CONF_URL_NONE when unset */
	int had_error; /* a line of this block was refused: skip whole-block checks */
};

struct conf_diag {
	char *text; /* "FILE:LINE: message" */
	int is_error;
};

/* A command line of the mailrc other than a setting: bind, color, push,
 * kept in order for the UI, which checks their words. */
struct conf_command {
	char *name;
	char **argv; /* argc words after the name */
	int argc;
	const char *file;
	int line;
};

struct conf {
	char *path; /* the top mailrc */
	struct conf_value global[CONF_KEY_COUNT];
	struct conf_account *accounts;
	size_t naccounts;
	struct conf_diag *diags;
	size_t ndiags;
	size_t nerrors;
	char **files; /* every file read, for conf_value.file */
	size_t nfiles;
	struct conf_command *commands;
	size_t ncommands;
};

/* Reads path. Always returns a struct conf (the caller frees it with
 * conf_free); conf->nerrors > 0 means it is not usable. */
struct conf *conf_load(const char *path);
void conf_free(struct conf *conf);

/* Checks *text (allocated) as a value for key, as the mailrc parser
 * does; may rewrite *text into its canonical form (fingerprints: 64
 * lowercase hex digits). Returns 0, or -1 with *err (caller frees). */
int conf_value_check(enum conf_key key, char **text, char **err);

/* Adds a problem found by a later check (the UI's commands, the CA file)
 * to conf->diags as "FILE:LINE: message" (line 0: "FILE: message"). */
void conf_diag_add(struct conf *conf, int is_error, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Runs one more mailrc line (tern -e) as if it stood before the first
 * account: a global setting or a command. origin names it in messages.
 * Returns 0, or -1 with the problem added to conf->diags. */
int conf_apply_line(struct conf *conf, const char *origin, const char *line);

/* Where the mailrc is when -F is not given: $XDG_CONFIG_HOME/tern/mailrc,
 * else ~/.ternrc. Returns the first that exists, else NULL; *looked gets
 * (if not NULL) the places looked at, for an error message. Caller frees
 * both. */
char *conf_find_path(char **looked);

/* The effective value of key for account (NULL: the global value): the
 * account's own, else the global one, else the default; NULL when unset.
 * The string is borrowed from conf. */
const char *conf_get(const struct conf *conf, const struct conf_account *account, enum conf_key key);
long conf_get_number(const struct conf *conf, const struct conf_account *account, enum conf_key key);
int conf_get_bool(const struct conf *conf, const struct conf_account *account, enum conf_key key);

/* NULL when there is no such account. */
const struct conf_account *conf_account_find(const struct conf *conf, const char *name);
/* default-account, else the first account; NULL when there is none. */
const struct conf_account *conf_account_default(const struct conf *conf);

#endif
