/* cli: the headless modes (no curses): configuration check, version,
 * shell completion, folder check, message list (IMAP and local), send
 * and the outbox, POP3 fetch, account test (--test-account), discovery
 * (--whatis) and first-run set-up. They drive the same engine as the
 * reader. Each returns the process exit code (sysexits). */
#ifndef TERN_CLI_H
#define TERN_CLI_H

#include <stdio.h>

#include "../conf/conf.h"
#include "../engine/engine.h"

/* Finds (path NULL: the default places) and reads the mailrc, then runs
 * the nexec lines of tern -e, and checks the UI's commands (bind, color,
 * push), printing every warning and error as one line on stderr. Returns
 * the conf, or NULL with *exit_code set (78) when it is missing or has
 * errors. */
struct conf *cli_conf_load(const char *path, char **exec, size_t nexec, int *exit_code);
/* Runs the -e lines on conf, checks the UI commands, prints every
 * problem; conf, or NULL (freed) with *exit_code when it is not usable. */
struct conf *cli_conf_finish(struct conf *conf, char **exec, size_t nexec, int *exit_code);

/* Hooks for headless modes: warnings on stderr, passwords asked on the
 * terminal (when there is one). */
extern const struct engine_hooks cli_hooks;
/* Reads one line from the controlling terminal with echo off; NULL when
 * there is no terminal or at end of input. Caller wipes and frees. */
char *cli_read_secret(const char *prompt);
/* cli_hooks asks at every login and keeps nothing (each login wipes its
 * copy when done), except between cli_secrets_hold and cli_secrets_forget:
 * a mode that logs in twice for one task (a send: SMTP, then the Sent
 * copy's IMAP) holds what was typed, once per prompt, until its last login. */
void cli_secrets_hold(void);
void cli_secrets_forget(void);
/* Before the reader starts: asks on the terminal, without echo, for the
 * password of each account with a server but no password, password-command
 * or oauth2-token-command, and keeps it in memory only, for the reader's
 * reconnections, until the reader ends (conf_free wipes it). */
void cli_ask_passwords(struct conf *conf);

/* curses_version: the reader's terminal library (ui_curses_version), named
 * by main so that cli needs no ui. */
int cli_version(FILE *out, const char *curses_version);
/* tern --complete accounts|folders (cli-complete.c): for the shell
 * completions, the account names of the mailrc (NULL: the default one)
 * or the folders the header cache of account (NULL: the default) holds,
 * one a line; no network. 0, 64 for another word, 75 while a running
 * tern holds the cache. */
int cli_complete(const char *mailrc, const char *account, const char *what);
int cli_check_config(const char *path, char **exec, size_t nexec);
/* tern --check: folder counts (STATUS) and quota for each account. */
int cli_check(const struct conf *conf, const char *account, int all_folders, int json);
/* Which messages -H lists (mailx's -H, s-nail's -L): those matching
 * pattern (NULL: all), and of those the last `last` (0: all). */
struct cli_list_filter {
	struct model_pattern *pattern;
	size_t last;
};
/* Compiles text (a pattern as the reader's l takes it; --new is "~U")
 * into filter->pattern; 0, or 64 with the mistake and its column on
 * stderr. text NULL: no pattern. */
int cli_list_filter_compile(const char *text, struct cli_list_filter *filter);
void cli_list_filter_clear(struct cli_list_filter *filter);
/* The -H lines of a mailbox on stdout (cli-list.c): number (the
 * message's place in the whole folder), flags, date, sender, subject,
 * sanitized; only what filter lets through (NULL: all). */
void cli_print_index(struct model_mailbox *mbox, const struct cli_list_filter *filter);
/* tern -H: one line per message of folder (NULL: INBOX); verbose (-v):
 * how the IMAP session talks (TLS, compression) and what it cost on the
 * wire, on stderr. */
int cli_list(const struct conf *conf, const char *account, const char *folder, const struct cli_list_filter *filter,
             int verbose);

/* tern -s ... ADDR...: scripted sending (cli-send.c). */
struct cli_send_options {
	const char *subject, *from;
	char **to, **cc, **bcc, **attach;
	size_t nto, ncc, nbcc, nattach;
	int dry_run;
	int headers;  /* -t: stdin is a message whose To, Cc, Bcc (and Subject, From...) are used */
	int verbose;  /* -v: the SMTP dialogue on stderr */
};
int cli_send(const struct conf *conf, const char *account, const struct cli_send_options *options);
/* tern --flush-outbox [--retry-failed] [ENTRY...]: sends what is queued
 * and stores pending Sent copies; a message refused earlier ("failed")
 * only with retry_failed or when named (names: paths or file names of
 * outbox entries; only those then). Prints one summary line on stdout. */
int cli_flush_outbox(const struct conf *conf, int retry_failed, char **names, size_t nnames, int verbose);
/* tern --outbox [--json]: lists the outbox on stdout (cli-outbox.c). */
int cli_outbox(int json);

/* JSON string literal of UTF-8 text, sanitized, appended to out. */
void cli_json_string(struct buf *out, const char *text);

/* tern --fetch: downloads POP3 mail into the Maildir of account (NULL:
 * of every account with a pop3 server) and prints per account how many
 * messages came, stayed on the server and were removed from it. */
int cli_fetch(const struct conf *conf, const char *account);

/* tern --test-account [NAME] (cli-test.c): every server of the account
 * (of every account when NULL) tested step by step, each failure with
 * what to change; with no_send no test message; json: one JSON document
 * on stdout instead of the lines. Returns 0 when every step passed, else
 * the exit code of the first failure's class (69, 77...). */
int cli_test_account(const struct conf *conf, const char *account, int no_send, int json);

/* tern -f PATH -H for a local folder (cli-local.c): a Maildir or mbox,
 * listed in cli_list's lines; path NULL: the folder used with no mailrc
 * ($MAIL when it exists, else ~/Maildir). Returns 0, 66 when the folder
 * is missing or not a folder, 75 when an mbox is locked, 74 on I/O
 * errors. */
int cli_list_local(const char *path, const struct cli_list_filter *filter);
/* Whether -f folder names a local folder rather than an IMAP one: it
 * starts with '/', '~' or '.'. */
int cli_local_is_path(const char *folder);
/* The reader with no mailrc at all: a configuration with one account,
 * "local", that has no server, so its INBOX is $MAIL, else ~/Maildir
 * (mailx's habit, for a bare server box); -e lines apply as usual. NULL
 * with *exit_code (66) and the reason on stderr when there is no mailbox
 * and folder is not given. */
struct conf *cli_conf_local(const char *folder, char **exec, size_t nexec, int *exit_code);

/* tern --whatis ADDRESS [--mailrc] (cli-whatis.c): the servers for an
 * address and where each answer came from, then a ready account block
 * (block_only: just the block). The mailrc is optional (timeout,
 * autoconfig-url). 0, 64 for a bad address, 69 when nothing was found. */
int cli_whatis(const char *mailrc, const char *address, int block_only, char **exec, size_t nexec);

/* First-run set-up (cli-setup.c). cli_setup_wanted: 1 when tern was
 * started with no mailrc, no local mailbox ($MAIL, ~/Maildir) and a
 * terminal. cli_setup asks for an address, finds its servers, asks how to
 * log in, tests the account (tern -F TMP --test-account NAME) and writes
 * path (NULL: $XDG_CONFIG_HOME/tern/mailrc), mode 0600, once the test passed or the user
 * said to save anyway; then_read: wait for Enter before the reader
 * starts. Returns 0 when a mailrc was written, else an exit
 * code (1 when the user gave up). */
int cli_setup_wanted(void);
int cli_setup(const char *path, int then_read);

#endif
