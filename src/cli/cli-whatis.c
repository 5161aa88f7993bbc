/* tern --whatis ADDRESS: which IMAP, POP3 and SMTP servers, ports and
 * security an address uses, and where each answer came from; the same
 * discovery feeds the first-run set-up. Sources in order: the provider
 * table (by domain, then by MX host), DNS SRV (RFC 6186, RFC 8314), a
 * Thunderbird autoconfig file when autoconfig-url is set, and finally
 * common names that exist in DNS, marked as a guess. */
#include "cli.h"
#include "cli-whatis.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../net/net-dns.h"
#include "../net/net-http.h"

enum { WHATIS_IMAP, WHATIS_POP3, WHATIS_SMTP };

static const struct {
	const char *label;
	const char *srv_tls, *srv_plain;   /* RFC 8314 implicit TLS, RFC 6186 STARTTLS */
	const char *scheme_tls, *scheme_plain;
	const char *guesses[3];
	unsigned guess_port;
} protocols[] = {
	{ "IMAP", "_imaps._tcp", "_imap._tcp", "imaps", "imap", { "imap", "mail", NULL }, 993 },
	{ "POP3", "_pop3s._tcp", "_pop3._tcp", "pop3s", "pop3", { "pop", "pop3", "mail" }, 995 },
	{ "SMTP", "_submissions._tcp", "_submission._tcp", "smtps", "smtp", { "smtp", "mail", NULL }, 465 },
};

static struct cli_whatis_server *server_of(struct cli_whatis *w, int proto)
{
	return proto == WHATIS_IMAP ? &w->imap : proto == WHATIS_POP3 ? &w->pop3 : &w->smtp;
}

static void warn(struct buf *warnings, const char *text)
{
	buf_addstr(warnings, text);
	buf_addch(warnings, '\n');
}

/* The account name for the mailrc: the domain's first label. */
static void account_name(struct cli_whatis *w)
{
	size_t n = 0;
	for (const char *p = w->domain; *p && *p != '.' && n + 1 < sizeof(w->name); p++)
		if (isalnum((unsigned char)*p) || *p == '-' || *p == '_')
			w->name[n++] = (char)tolower((unsigned char)*p);
	w->name[n] = '\0';
	if (!n)
		strcpy(w->name, "mail");
}

static void from_provider(struct cli_whatis *w, const struct conf_provider *p, const char *how)
{
	const char *urls[] = { p->imap, p->pop3, p->smtp };

	w->provider = p;
	for (int proto = 0; proto < 3; proto++) {
		struct cli_whatis_server *server = server_of(w, proto);
		if (!urls[proto]) {
			server->refused = 1;
			snprintf(server->source, sizeof(server->source), "%s offers no %s", p->name,
			         protocols[proto].label);
			continue;
		}
		snprintf(server->url, sizeof(server->url), "%s", urls[proto]);
		snprintf(server->source, sizeof(server->source), "tern's provider table: %s", how);
	}
	w->login = p->login;
	w->login_first = p->login_first;
	if (p->user_local) {
		size_t local = (size_t)(strrchr(w->address, '@') - w->address);
		snprintf(w->user, sizeof(w->user), "%.*s", (int)local, w->address);
	}
}

/* The SRV answer for one protocol: both names (implicit TLS and STARTTLS)
 * are asked, and the best record across them wins (lowest priority, then
 * highest weight; a tie goes to implicit TLS, RFC 8314 section 5.1). A
 * name whose only record has target "." says the service is not offered
 * (RFC 2782, RFC 6186 section 3.4). */
static void from_srv(struct cli_whatis *w, int proto, int timeout, struct buf *warnings)
{
	struct cli_whatis_server *server = server_of(w, proto);
	const char *names[2] = { protocols[proto].srv_tls, protocols[proto].srv_plain };
	const struct net_srv *best = NULL;
	struct net_srv *records[2] = { NULL, NULL };
	int best_variant = 0, refused = 0;
	char qname[2][300];

	for (int v = 0; v < 2 && !w->dns_failed; v++) {
		struct lib_error err;
		snprintf(qname[v], sizeof(qname[v]), "%s.%s", names[v], w->domain);
		int n = net_dns_srv(qname[v], timeout, &records[v], &err);
		if (n < 0) {
			warn(warnings, err.text);
			w->dns_failed = 1;
			continue;
		}
		if (n == 1 && strcmp(records[v][0].target, ".") == 0) {
			refused++;
			continue;
		}
		for (int i = 0; i < n; i++) {
			const struct net_srv *r = &records[v][i];
			if (strcmp(r->target, ".") == 0 || r->port == 0)
				continue;
			if (!best || r->priority < best->priority ||
			    (r->priority == best->priority && r->weight > best->weight)) {
				best = r;
				best_variant = v;
			}
			break; /* records come sorted: the first usable is this name's best */
		}
	}
	if (best) {
		snprintf(server->url, sizeof(server->url), "%s://%s:%u",
		         best_variant == 0 ? protocols[proto].scheme_tls : protocols[proto].scheme_plain, best->target,
		         best->port);
		snprintf(server->source, sizeof(server->source), "DNS SRV record %s (priority %u, weight %u)",
		         qname[best_variant], best->priority, best->weight);
	} else if (refused == 2) {
		server->refused = 1;
		snprintf(server->source, sizeof(server->source), "DNS SRV records %s and %s say \".\": not offered",
		         qname[0], qname[1]);
	}
	free(records[0]);
	free(records[1]);
}

/* "%EMAILDOMAIN%" and "%EMAILADDRESS%" in the configured URL filled in. */
static char *autoconfig_url(const char *pattern, const struct cli_whatis *w)
{
	struct buf url = BUF_INIT;

	for (const char *p = pattern; *p;) {
		if (strncmp(p, "%EMAILDOMAIN%", 13) == 0) {
			buf_addstr(&url, w->domain);
			p += 13;
		} else if (strncmp(p, "%EMAILADDRESS%", 14) == 0) {
			for (const char *a = w->address; *a; a++)
				buf_addf(&url, *a == '@' ? "%%40" : "%c", *a);
			p += 14;
		} else {
			buf_addch(&url, *p++);
		}
	}
	return buf_detach(&url);
}

static void from_autoconfig(struct cli_whatis *w, const char *pattern, int timeout, struct buf *warnings)
{
	char *url = autoconfig_url(pattern, w);
	struct buf body = BUF_INIT;
	struct lib_error err;
	struct conf_autoconfig ac;

	if (net_url_get(url, timeout, 1 << 20, &body, &err) < 0) {
		buf_addf(warnings, "autoconfig %s: %s\n", url, err.text);
	} else if (conf_autoconfig_parse(body.data ? body.data : "", body.len, w->address, &ac) < 0) {
		buf_addf(warnings, "autoconfig %s: no usable IMAP, POP3 or SMTP server in it\n", url);
	} else {
		const struct conf_autoconfig_server *found[] = { &ac.imap, &ac.pop3, &ac.smtp };
		for (int proto = 0; proto < 3; proto++) {
			struct cli_whatis_server *server = server_of(w, proto);
			if (server->url[0] || server->refused || !found[proto]->url[0])
				continue;
			snprintf(server->url, sizeof(server->url), "%s", found[proto]->url);
			snprintf(server->source, sizeof(server->source), "autoconfig file %.300s", url);
			if (found[proto]->user[0] && !w->user[0])
				snprintf(w->user, sizeof(w->user), "%s", found[proto]->user);
			if (found[proto]->oauth2)
				w->login |= CONF_LOGIN_OAUTH2;
		}
	}
	buf_free(&body);
	free(url);
}

static void from_guess(struct cli_whatis *w, int proto, int timeout, struct buf *warnings)
{
	struct cli_whatis_server *server = server_of(w, proto);

	for (int g = 0; g < 3 && protocols[proto].guesses[g] && !w->dns_failed; g++) {
		char host[300];
		struct lib_error err;
		snprintf(host, sizeof(host), "%s.%s", protocols[proto].guesses[g], w->domain);
		int exists = net_dns_exists(host, timeout, &err);
		if (exists < 0) {
			warn(warnings, err.text);
			w->dns_failed = 1;
			return;
		}
		if (!exists)
			continue;
		snprintf(server->url, sizeof(server->url), "%s://%s:%u", protocols[proto].scheme_tls, host,
		         protocols[proto].guess_port);
		snprintf(server->source, sizeof(server->source),
		         "a GUESS: %s exists in DNS, but nothing says it serves %s; check with tern --test-account",
		         host, protocols[proto].label);
		server->guess = 1;
		return;
	}
}

int cli_whatis_discover(const char *address, const struct conf *conf, int timeout, struct cli_whatis *w,
                        struct buf *warnings)
{
	const struct conf_providers *table = conf_providers_builtin();
	const char *at = strrchr(address, '@');

	memset(w, 0, sizeof(*w));
	if (!at || at == address || strlen(address) >= sizeof(w->address) || !lib_host_name_ok(at + 1) ||
	    !strchr(at + 1, '.')) {
		warn(warnings, "that is not a mail address: write it as you@example.org");
		return -1;
	}
	for (const char *p = address; p < at; p++) {
		if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '"' || *p == '<' || *p == '>' || *p == '\\') {
			warn(warnings, "that is not a mail address: write it as you@example.org");
			return -1;
		}
	}
	snprintf(w->address, sizeof(w->address), "%s", address);
	for (size_t i = 0; at[1 + i]; i++)
		w->domain[i] = (char)tolower((unsigned char)at[1 + i]);
	w->login = w->login_first = CONF_LOGIN_PASSWORD;

	const struct conf_provider *p = conf_provider_by_domain(table, w->domain);
	if (p) {
		char how[300];
		snprintf(how, sizeof(how), "%s is %s", w->domain, p->name);
		from_provider(w, p, how);
	} else {
		struct net_mx *mx = NULL;
		struct lib_error err;
		int n = net_dns_mx(w->domain, timeout, &mx, &err);
		if (n < 0) {
			warn(warnings, err.text);
			w->dns_failed = 1;
		}
		for (int i = 0; i < n && !w->provider; i++) {
			p = conf_provider_by_mx(table, mx[i].host);
			if (p) {
				char how[800];
				snprintf(how, sizeof(how), "mail for %s goes to %s (MX), which is %s", w->domain, mx[i].host,
				         p->name);
				from_provider(w, p, how);
			}
		}
		free(mx);
	}
	if (!w->provider) {
		for (int proto = 0; proto < 3; proto++)
			from_srv(w, proto, timeout, warnings);
		const char *pattern = conf ? conf_get(conf, NULL, CONF_K_AUTOCONFIG_URL) : NULL;
		if (pattern && (!w->imap.url[0] || !w->pop3.url[0] || !w->smtp.url[0]))
			from_autoconfig(w, pattern, timeout, warnings);
		int incoming_known = w->imap.url[0] || w->pop3.url[0];
		for (int proto = 0; proto < 3; proto++) {
			struct cli_whatis_server *server = server_of(w, proto);
			if (server->url[0] || server->refused)
				continue;
			/* POP3 only when nothing real answered for incoming mail. */
			if (proto == WHATIS_POP3 && incoming_known)
				continue;
			from_guess(w, proto, timeout, warnings);
		}
	}
	if (!w->user[0])
		snprintf(w->user, sizeof(w->user), "%s", w->address);
	account_name(w);
	return 0;
}

char *cli_whatis_oauth2_suggestion(const struct cli_whatis *w)
{
	return xasprintf("tern-oauth2 %s", w->name);
}

void cli_whatis_describe_login(const struct cli_whatis *w, struct buf *out)
{
	int login = w->login;

	if (login & CONF_LOGIN_BRIDGE)
		buf_addstr(out, "the password Proton Mail Bridge shows (not your Proton password)");
	else if ((login & CONF_LOGIN_OAUTH2) && !(login & (CONF_LOGIN_PASSWORD | CONF_LOGIN_APP_PASSWORD)))
		buf_addstr(out, "OAuth2 only (oauth2-token-command); passwords are refused");
	else if ((login & CONF_LOGIN_OAUTH2) && (login & CONF_LOGIN_APP_PASSWORD))
		buf_addstr(out, w->login_first == CONF_LOGIN_OAUTH2
		                    ? "OAuth2 (oauth2-token-command) or an app password; your normal password is refused"
		                    : "an app password (or OAuth2); your normal password is refused");
	else if (login & CONF_LOGIN_APP_PASSWORD)
		buf_addstr(out, (login & CONF_LOGIN_PASSWORD) ? "your password, or an app password with two-factor sign-in"
		                                              : "an app password; your normal password is refused");
	else if (login & CONF_LOGIN_OAUTH2)
		buf_addstr(out, "your password or OAuth2 (oauth2-token-command)");
	else
		buf_addstr(out, "your password");
}

static void add_quoted(struct buf *out, const char *text)
{
	buf_addch(out, '"');
	for (const char *p = text; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_addch(out, '\\');
		buf_addch(out, *p);
	}
	buf_addch(out, '"');
}

void cli_whatis_account_block(const struct cli_whatis *w, const struct cli_account_block *choice, struct buf *out)
{
	int pop3 = w->pop3.url[0] && (choice->use_pop3 || !w->imap.url[0]);

	buf_addf(out, "account %s\n  from ", w->name);
	add_quoted(out, choice->from ? choice->from : w->address);
	buf_addch(out, '\n');
	if (w->imap.url[0]) {
		if (pop3)
			buf_addstr(out, "  # IMAP instead: keeps mail on the server (a copy here)\n  # ");
		else
			buf_addstr(out, "  ");
		buf_addf(out, "imap %s\n", w->imap.url);
	}
	if (w->pop3.url[0]) {
		if (!pop3)
			buf_addstr(out, "  # POP3 instead: downloads mail here and removes it from the server (a move)\n  # ");
		else
			buf_addstr(out, "  ");
		buf_addf(out, "pop3 %s\n", w->pop3.url);
	}
	if (w->smtp.url[0])
		buf_addf(out, "  smtp %s\n", w->smtp.url);
	if (w->provider && w->provider->files_sent && w->imap.url[0] && !pop3)
		buf_addf(out, "  # %s files sent mail in its Sent folder itself: no second copy\n"
		              "  folder-sent none\n",
		         w->provider->name);
	buf_addstr(out, "  user ");
	add_quoted(out, w->user);
	buf_addch(out, '\n');
	if (choice->tls_ca_file) {
		buf_addstr(out, "  tls-ca-file ");
		add_quoted(out, choice->tls_ca_file);
		buf_addch(out, '\n');
	}
	if (choice->tls_fingerprint)
		buf_addf(out, "  tls-fingerprint sha256:%s\n", choice->tls_fingerprint);
	if (choice->oauth2_command) {
		if (strncmp(choice->oauth2_command, "tern-oauth2 ", 12) == 0)
			buf_addf(out, "  # sign in once with: tern-oauth2 --authorize %s (tern(1), OAUTH2)\n",
			         choice->oauth2_command + 12);
		buf_addstr(out, "  oauth2-token-command ");
		add_quoted(out, choice->oauth2_command);
		buf_addch(out, '\n');
	} else if (choice->password_command) {
		buf_addstr(out, "  password-command ");
		add_quoted(out, choice->password_command);
		buf_addch(out, '\n');
	} else if (choice->password) {
		buf_addstr(out, "  # the password in clear: keep this file mode 600\n  password ");
		add_quoted(out, choice->password);
		buf_addch(out, '\n');
	} else {
		buf_addf(out, "  # the password, best from a password manager:\n"
		              "  # password-command \"pass show mail/%s\"\n", w->name);
		if (w->login & CONF_LOGIN_OAUTH2) {
			char *suggestion = cli_whatis_oauth2_suggestion(w);
			buf_addstr(out, "  # oauth2-token-command ");
			add_quoted(out, suggestion);
			buf_addch(out, '\n');
			free(suggestion);
		}
	}
}

static const char *security_words(const char *url)
{
	if (strncmp(url, "imaps:", 6) == 0 || strncmp(url, "pop3s:", 6) == 0 || strncmp(url, "smtps:", 6) == 0)
		return "implicit TLS (encrypted from the first byte)";
	return "STARTTLS (plain connection, then upgraded to TLS; tern insists on it)";
}

static void print_server(FILE *out, const char *label, const struct cli_whatis_server *server)
{
	if (server->url[0]) {
		fprintf(out, "  %-5s %s\n", label, server->url);
		fprintf(out, "        %s\n", security_words(server->url));
		fprintf(out, "        from %s\n", server->source);
	} else if (server->refused) {
		fprintf(out, "  %-5s none: %s\n", label, server->source);
	} else {
		fprintf(out, "  %-5s not found\n", label);
	}
}

void cli_whatis_print(const struct cli_whatis *w, FILE *out)
{
	struct buf login = BUF_INIT;

	cli_whatis_describe_login(w, &login);
	fprintf(out, "%s%s%s\n", w->address, w->provider ? ": " : "", w->provider ? w->provider->name : "");
	print_server(out, "IMAP", &w->imap);
	print_server(out, "POP3", &w->pop3);
	print_server(out, "SMTP", &w->smtp);
	fprintf(out, "  Login: %s\n  User:  %s\n", login.data, w->user);
	if (w->provider && w->provider->note)
		fprintf(out, "  Note: %s\n", w->provider->note);
	if (w->imap.url[0] && w->pop3.url[0])
		fprintf(out, "  IMAP keeps mail on the server (a copy here); POP3 downloads it and removes it there (a move).\n");
	if (w->imap.guess || w->pop3.guess || w->smtp.guess)
		fprintf(out, "  Some answers are guesses: run tern --test-account once the account is in the mailrc.\n");
	buf_free(&login);
}

int cli_whatis(const char *mailrc, const char *address, int block_only, char **exec, size_t nexec)
{
	struct conf *conf = NULL;
	struct buf warnings = BUF_INIT, block = BUF_INIT;
	struct cli_whatis w;
	int exit_code = 0;
	char *found = mailrc ? NULL : conf_find_path(NULL);

	/* The mailrc is optional here: it only brings timeout and autoconfig-url. */
	if (mailrc || found) {
		conf = cli_conf_load(mailrc ? mailrc : found, exec, nexec, &exit_code);
		free(found);
		if (!conf)
			return exit_code;
	}
	int timeout = conf ? (int)conf_get_number(conf, NULL, CONF_K_TIMEOUT) : atoi(conf_keys[CONF_K_TIMEOUT].def);
	int rc = cli_whatis_discover(address, conf, timeout, &w, &warnings);
	for (char *line = warnings.data, *nl; line && *line; line = nl + 1) {
		nl = strchr(line, '\n');
		*nl = '\0';
		fprintf(stderr, "tern: whatis %s: %s\n", address, line);
	}
	if (rc < 0) {
		exit_code = lib_error_exit_code(LIB_ERR_USAGE);
		goto out;
	}
	if (!w.imap.url[0] && !w.pop3.url[0] && !w.smtp.url[0]) {
		fprintf(stderr, "tern: whatis %s: found no mail server for %s (no provider, SRV record or common name)\n",
		        w.address, w.domain);
		exit_code = lib_error_exit_code(LIB_ERR_CONNECTION);
		goto out;
	}
	struct cli_account_block choice = { 0 };
	if ((w.login & CONF_LOGIN_OAUTH2) && !(w.login & ~CONF_LOGIN_OAUTH2)) {
		char *suggestion = cli_whatis_oauth2_suggestion(&w);
		choice.oauth2_command = suggestion;
		cli_whatis_account_block(&w, &choice, &block);
		free(suggestion);
	} else {
		cli_whatis_account_block(&w, &choice, &block);
	}
	if (block_only) {
		fputs(block.data, stdout);
		goto out;
	}
	cli_whatis_print(&w, stdout);
	printf("\n# for the mailrc (%s):\n%s", "tern --whatis ADDRESS --mailrc prints only this", block.data);
out:
	buf_free(&warnings);
	buf_free(&block);
	conf_free(conf);
	return exit_code;
}
