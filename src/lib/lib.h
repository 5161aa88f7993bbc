/* lib: the ground floor every other module stands on: allocation that
 * never returns NULL, a growable byte buffer, and the XDG paths tern
 * reads and writes. Nothing here knows about mail. */
#ifndef TERN_LIB_H
#define TERN_LIB_H

#include <stdarg.h>
#include <stddef.h>
#include <sys/types.h>

#define LIB_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Out of memory is fatal (STYLE.md): these print one line and exit 70. */
void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t len);
/* Caller frees the result. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
_Noreturn void lib_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable byte buffer, always NUL-terminated once anything was added.
 *     struct buf b = BUF_INIT;
 *     buf_addf(&b, "%d messages", n);
 *     puts(b.data);
 *     buf_free(&b);
 */
struct buf {
	char *data;
	size_t len;
	size_t cap;
};
#define BUF_INIT { NULL, 0, 0 }

void buf_add(struct buf *b, const void *bytes, size_t len);
void buf_addstr(struct buf *b, const char *s);
void buf_addch(struct buf *b, char c);
void buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_reset(struct buf *b);
/* Hands the bytes to the caller (who frees them) and empties b;
 * returns "" (freshly allocated) for an empty buffer. */
char *buf_detach(struct buf *b);
void buf_free(struct buf *b);

/* XDG base directories (the XDG variable if set to an absolute path,
 * else the spec's default under $HOME). The caller frees the result. */
char *lib_path_config_home(void);
char *lib_path_cache_home(void);
char *lib_path_data_home(void);
/* "~/x" and "~" become $HOME/x and $HOME; other paths are copied.
 * The caller frees the result. */
char *lib_path_expand(const char *path);
/* The directory part of path ("." when it has none); caller frees. */
char *lib_path_dirname(const char *path);
/* mkdir -p: creates path and its missing parents with mode (existing
 * ones are left as they are). 0, or -1 with errno. */
int lib_mkdirs(const char *path, mode_t mode);
/* base joined with rel unless rel is absolute or starts with "~";
 * caller frees. */
char *lib_path_join(const char *base, const char *rel);

/* Writes len bytes to path durably: a temporary file beside it, fsync,
 * rename, fsync of the directory; path ends up mode. Returns 0, or -1
 * with *err (if not NULL; caller frees) naming the path and the cause. */
int lib_file_write_durable(const char *path, const void *data, size_t len, mode_t mode, char **err);

/* Catches sig with a handler that does nothing (SA_RESTART): a write
 * gets EPIPE instead of SIGPIPE ending tern, yet the commands tern runs
 * start with the default, as they would not after SIG_IGN. The previous
 * action goes to *old when old is not NULL. */
struct sigaction;
void lib_signal_quiet(int sig, struct sigaction *old);

/* Commands the user configured, run as `/bin/sh -c command` with every
 * descriptor above 2 closed in the child (lib-run.c). command is the
 * user's text or built by tern from safe names only: never pass it bytes
 * from a message or a server. */
enum lib_run_io {
	LIB_RUN_TERMINAL, /* the child shares tern's stdin, stdout, stderr */
	LIB_RUN_WRITE,    /* child->fd writes to the child's stdin */
	LIB_RUN_READ,     /* child->fd reads the child's stdout */
};
struct lib_child {
	pid_t pid;
	int fd; /* the pipe's end for tern, -1 with LIB_RUN_TERMINAL */
};
/* 1 when text is made only of characters that mean themselves to sh bare,
 * inside '...' and inside "..." (letters, digits, "._+-/=:,@"), and does
 * not start with '-' (no option either): such text can go into a command
 * line as it is, whatever quotes the line puts around it. */
int lib_shell_word_safe(const char *text);
/* Appends text to out as one sh word, in single quotes ('\'' for a quote),
 * for a command line tern writes itself (not inside someone's quotes). */
void lib_shell_quote(struct buf *out, const char *text);
/* $TMPDIR when it is an absolute path that lib_shell_word_safe accepts,
 * else "/tmp": temporary files handed to commands live there. Borrowed. */
const char *lib_tmpdir(void);
/* 0, or -1 with errno when the command could not be started. */
int lib_run_start(const char *command, enum lib_run_io io, struct lib_child *child);
/* Closes child->fd and waits: the wait status, or -1. */
int lib_run_wait(struct lib_child *child);
/* lib_run_start with LIB_RUN_TERMINAL, then lib_run_wait. */
int lib_run(const char *command);
/* Starts command in a new session with /dev/null as stdin, stdout and
 * stderr, never to be waited for; env_add ("NAME=value", NULL-terminated,
 * or NULL) is added to its environment. 0, or -1 with errno. */
int lib_run_detached(const char *command, const char *const *env_add);

/* What kind of failure an error is; decides the exit code and the advice
 * the user gets. Every module's errors carry one. */
enum lib_error_class {
	LIB_ERR_NONE,
	LIB_ERR_USAGE,       /* bad command line */
	LIB_ERR_DATA,        /* bad input: an address, a file to attach */
	LIB_ERR_CONFIG,      /* the mailrc */
	LIB_ERR_CONNECTION,  /* DNS, connect, reset, timeout */
	LIB_ERR_TEMPORARY,   /* the server said try later (4xx, NO [UNAVAILABLE]) */
	LIB_ERR_TLS,         /* certificate or handshake refused */
	LIB_ERR_AUTH,        /* credentials refused or missing */
	LIB_ERR_PROTOCOL,    /* the server broke the protocol */
	LIB_ERR_SERVER,      /* a permanent refusal by the server */
	LIB_ERR_INTERNAL,
};

/* The sysexits code for an error class: 64 usage, 65 data, 78 config,
 * 69 unavailable, 75 temporary, 77 TLS or auth refused, 76 protocol,
 * 70 internal; 0 for LIB_ERR_NONE. */
int lib_error_exit_code(enum lib_error_class cls);

/* A failure as modules report it: its class and one line of text saying
 * what happened (the caller adds account and server). */
struct lib_error {
	enum lib_error_class cls;
	char text[512];
};
void lib_error_set(struct lib_error *err, enum lib_error_class cls, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The one gate from network bytes to a terminal or stdout: appends text
 * to out as valid UTF-8 that cannot drive the terminal. C0 and C1 controls
 * and DEL become visible (^[ , ^? , <U+0085>), invalid UTF-8 becomes U+FFFD,
 * bidi embedding/override/isolate characters become <U+202E> and the like.
 * With LIB_SANITIZE_LINE, tabs and newlines become single spaces (for one
 * index line); otherwise newlines are kept and tabs expand to 8 columns. */
enum { LIB_SANITIZE_LINE = 1 };
void lib_sanitize(struct buf *out, const char *text, size_t len, int options);

/* 1 when name is a plain host name: 1 to 253 letters, digits, '-', '_'
 * and '.', not starting with '-' or '.'. Names from DNS or a downloaded
 * file pass this before they reach a mailrc or the terminal. */
int lib_host_name_ok(const char *name);

/* Display width of valid UTF-8 text in terminal columns (wcwidth). */
size_t lib_utf8_width(const char *text, size_t len);
/* How many bytes of text (len bytes of valid UTF-8) fit in width
 * columns, never splitting a character; at least one character when
 * width > 0, so wrapping always advances. */
size_t lib_utf8_prefix(const char *text, size_t len, size_t width);
/* Appends text to out cut or padded with spaces to exactly width columns
 * (never splitting a character). text must be valid UTF-8 (sanitized). */
void lib_utf8_fit(struct buf *out, const char *text, size_t width);

#endif
