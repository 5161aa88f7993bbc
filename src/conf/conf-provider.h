/* conf-provider: the table of mail providers (src/conf/providers, compiled
 * in) that tern --whatis and the set-up read, and the parser of
 * Thunderbird autoconfig files (config-v1.1.xml). Neither does any I/O. */
#ifndef TERN_CONF_PROVIDER_H
#define TERN_CONF_PROVIDER_H

#include <stddef.h>

/* What a provider accepts to log in (a bit set). */
enum conf_login {
	CONF_LOGIN_PASSWORD = 1,
	CONF_LOGIN_APP_PASSWORD = 2, /* a password made for one program */
	CONF_LOGIN_OAUTH2 = 4,
	CONF_LOGIN_BRIDGE = 8,       /* Proton Mail Bridge's own password */
};

struct conf_provider {
	char *id, *name, *note;     /* note may be NULL */
	char **domains, **mx;       /* mx: "host" or "*.suffix" */
	size_t ndomains, nmx;
	char *imap, *pop3, *smtp;   /* mailrc URLs (checked), or NULL */
	int login;                  /* enum conf_login bits; first listed = login_first */
	int login_first;
	int user_local;             /* the login name is the local part */
	int files_sent;             /* the server files a copy of sent mail itself */
};

struct conf_providers {
	struct conf_provider *items;
	size_t n;
};

/* Parses a table in the providers file format. Returns it (the caller
 * frees with conf_providers_free), or NULL with *err set ("LINE: what";
 * caller frees). */
struct conf_providers *conf_providers_parse(const char *text, char **err);
void conf_providers_free(struct conf_providers *table);
/* The built-in table (parsed once, never freed). */
const struct conf_providers *conf_providers_builtin(void);

/* The provider hosting addresses at domain (case-insensitive), or NULL. */
const struct conf_provider *conf_provider_by_domain(const struct conf_providers *table, const char *domain);
/* The provider whose MX pattern matches mx_host: exact names first, then
 * the longest "*.suffix"; NULL when none. */
const struct conf_provider *conf_provider_by_mx(const struct conf_providers *table, const char *mx_host);

/* What an autoconfig file offers: the first usable server of each kind,
 * in the file's order of preference. */
struct conf_autoconfig_server {
	char url[300];   /* imaps://host:993 ... as in a mailrc; "" when none */
	char user[256];  /* the login name with %EMAILADDRESS% etc. filled in; "" when unsaid */
	int oauth2;      /* the server lists OAuth2 among its authentications */
};
struct conf_autoconfig {
	char name[128];  /* displayName, sanitized to printable ASCII; may be "" */
	struct conf_autoconfig_server imap, pop3, smtp;
};

/* Parses a Thunderbird autoconfig XML document (clientConfig version 1.1)
 * for address. Only incomingServer/outgoingServer elements with their
 * hostname, port, socketType, username and authentication are read;
 * servers with socketType plain, odd host names or ports are skipped.
 * xml[len] must be '\0'. Returns 0 when at least one server was found, -1 otherwise. */
int conf_autoconfig_parse(const char *xml, size_t len, const char *address, struct conf_autoconfig *out);

#endif
