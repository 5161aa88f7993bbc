/* cli-whatis: "which servers do I use for this address?" — discovery
 * shared by tern --whatis and the first-run set-up (cli-setup.c). */
#ifndef TERN_CLI_WHATIS_H
#define TERN_CLI_WHATIS_H

#include <stdio.h>

#include "../conf/conf.h"
#include "../conf/conf-provider.h"
#include "../lib/lib.h"

/* One protocol's answer. url "" when nothing was found; refused when the
 * domain publishes SRV target "." (RFC 2782: not offered). */
struct cli_whatis_server {
	char url[320];
	char source[1200]; /* where the answer came from, in words */
	int guess;        /* only a common name that exists in DNS */
	int refused;
};

struct cli_whatis {
	char address[256], domain[256];
	const struct conf_provider *provider; /* NULL unless the table knew it */
	struct cli_whatis_server imap, pop3, smtp;
	int login;        /* enum conf_login bits; CONF_LOGIN_PASSWORD when unknown */
	int login_first;
	char user[256];   /* the login name to write */
	char name[64];    /* an account name for the mailrc */
	int dns_failed;   /* a DNS question failed: ask no more (each would wait the timeout) */
};

/* Finds the servers for address with the sources in order: the provider
 * table by domain, then by MX host; DNS SRV (RFC 6186, RFC 8314); the
 * autoconfig-url of conf (NULL conf or unset key: none); common names,
 * marked as a guess. DNS waits at most about timeout seconds per
 * question. Problems on the way (a DNS failure, an unreadable autoconfig
 * file) are appended to warnings, one line each. Returns 0, or -1 when
 * address is not an address (why in warnings). */
int cli_whatis_discover(const char *address, const struct conf *conf, int timeout, struct cli_whatis *out,
                        struct buf *warnings);

/* What goes into the account block besides the discovered servers. */
struct cli_account_block {
	const char *from;             /* "Name <addr>" or addr */
	int use_pop3;                 /* POP3 instead of IMAP when both exist */
	const char *password;         /* saved in clear (the user chose so), or NULL */
	const char *password_command; /* or NULL */
	const char *oauth2_command;   /* or NULL */
	const char *tls_ca_file;      /* a CA file to trust (a private CA), or NULL */
	const char *tls_fingerprint;  /* 64 hex digits pinning the server's certificate, or NULL */
};

/* Appends a ready "account" block for w to out. */
void cli_whatis_account_block(const struct cli_whatis *w, const struct cli_account_block *choice, struct buf *out);

/* The suggested oauth2-token-command: contrib/tern-oauth2 with the
 * account's name as its oauth2.conf section (caller frees). */
char *cli_whatis_oauth2_suggestion(const struct cli_whatis *w);

/* The servers of w with their security and sources, the login wanted
 * and the provider's note, as tern --whatis shows them. */
void cli_whatis_print(const struct cli_whatis *w, FILE *out);

/* Appends a human description of the login the provider wants. */
void cli_whatis_describe_login(const struct cli_whatis *w, struct buf *out);

#endif
