/* The mailrc reader: splits lines into words, follows include, opens
 * account blocks, stores each KEY VALUE where it belongs, and afterwards
 * checks what only the whole file can tell (default-account, servers,
 * plaintext, file permissions). Every problem becomes a diag; parsing goes
 * on after an error so the user sees all of them at once. */
#include "conf.h"
#include "conf-private.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/lib.h"

#define CONF_MAX_WORDS 8
#define CONF_MAX_INCLUDE_DEPTH 16

struct parser {
	struct conf *conf;
	struct conf_account *account; /* the open account block, or NULL */
	int in_accounts;              /* an account line was seen, even a refused one */
	int depth;
};

static void diag_va(struct conf *conf, int is_error, const char *file, int line, const char *fmt, va_list ap)
{
	struct buf text = BUF_INIT;
	char *message = xvasprintf(fmt, ap);

	if (line > 0)
		buf_addf(&text, "%s:%d: %s", file, line, message);
	else
		buf_addf(&text, "%s: %s", file, message);
	free(message);
	conf->diags = xrealloc(conf->diags, (conf->ndiags + 1) * sizeof(*conf->diags));
	conf->diags[conf->ndiags].text = buf_detach(&text);
	conf->diags[conf->ndiags].is_error = is_error;
	conf->ndiags++;
	if (is_error)
		conf->nerrors++;
}

static void diag(struct conf *conf, int is_error, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void diag(struct conf *conf, int is_error, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_va(conf, is_error, file, line, fmt, ap);
	va_end(ap);
}

void conf_diag_add(struct conf *conf, int is_error, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_va(conf, is_error, file, line, fmt, ap);
	va_end(ap);
}

/* Splits line into words: bare words end at white space; quoted strings
 * take \" and \\; a # at the start of a word begins a comment. Returns
 * the word count, or -1 with *err set. Words point into line, which is
 * rewritten in place. */
static int split_words(char *line, char **words, char **err)
{
	int count = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '#')
			return count;
		if (count == CONF_MAX_WORDS) {
			*err = xasprintf("too many words on one line (quote a value that has spaces)");
			return -1;
		}
		if (*p == '"') {
			char *out = ++p;
			words[count++] = out;
			for (;;) {
				if (*p == '\0') {
					*err = xasprintf("unterminated quoted string (a closing \" is missing)");
					return -1;
				}
				if (*p == '"')
					break;
				if (*p == '\\') {
					if (p[1] != '"' && p[1] != '\\') {
						*err = p[1] ? xasprintf("unknown escape '\\%c' in a quoted string (only \\\" and \\\\)", p[1])
						            : xasprintf("a quoted string ends in a lone backslash");
						return -1;
					}
					p++;
				}
				*out++ = *p++;
			}
			p++;
			if (*p != '\0' && *p != ' ' && *p != '\t') {
				*err = xasprintf("unexpected '%c' right after a closing quote", *p);
				return -1;
			}
			*out = '\0';
			if (*p)
				p++;
		} else {
			words[count++] = p;
			while (*p && *p != ' ' && *p != '\t')
				p++;
			if (*p)
				*p++ = '\0';
		}
	}
}

static const char *intern_file(struct conf *conf, const char *path)
{
	for (size_t i = 0; i < conf->nfiles; i++)
		if (strcmp(conf->files[i], path) == 0)
			return conf->files[i];
	conf->files = xrealloc(conf->files, (conf->nfiles + 1) * sizeof(*conf->files));
	conf->files[conf->nfiles] = xstrdup(path);
	return conf->files[conf->nfiles++];
}

static int account_name_ok(const char *name)
{
	if (!*name || *name == '.' || *name == '-')
		return 0;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '_' && *p != '-')
			return 0;
	return 1;
}

static void open_account(struct parser *parser, const char *file, int line, const char *name)
{
	struct conf *conf = parser->conf;

	parser->in_accounts = 1;
	if (!account_name_ok(name)) {
		diag(conf, 1, file, line, "bad account name '%s': use letters, digits, '.', '_' and '-'", name);
		parser->account = NULL;
		return;
	}
	const struct conf_account *old = conf_account_find(conf, name);
	if (old) {
		diag(conf, 1, file, line, "duplicate account '%s' (first defined at %s:%d)", name, old->file, old->line);
		parser->account = NULL;
		return;
	}
	conf->accounts = xrealloc(conf->accounts, (conf->naccounts + 1) * sizeof(*conf->accounts));
	parser->account = &conf->accounts[conf->naccounts++];
	memset(parser->account, 0, sizeof(*parser->account));
	parser->account->name = xstrdup(name);
	parser->account->file = file;
	parser->account->line = line;
}

static void set_key(struct parser *parser, const char *file, int line, const char *name, const char *value)
{
	struct conf *conf = parser->conf;
	int key = conf_key_lookup(name);
	char *text, *err = NULL;

	if (key < 0) {
		const char *suggestion = conf_suggest_key(name);
		if (suggestion)
			diag(conf, 1, file, line, "unknown key '%s' (did you mean '%s'?)", name, suggestion);
		else
			diag(conf, 1, file, line, "unknown key '%s'", name);
		return;
	}
	const struct conf_key_info *info = &conf_keys[key];
	if (!(info->scope & CONF_S_GLOBAL) && !parser->in_accounts) {
		diag(conf, 1, file, line, "'%s' belongs in an account block: write 'account NAME' above it", name);
		return;
	}
	if (!(info->scope & CONF_S_ACCOUNT) && parser->in_accounts) {
		diag(conf, 1, file, line, "'%s' is a global key: move it above the first 'account' line", name);
		return;
	}
	if (parser->in_accounts && !parser->account)
		return; /* inside an account block that was refused: already reported */

	text = xstrdup(value);
	if (conf_value_check((enum conf_key)key, &text, &err) < 0) {
		diag(conf, 1, file, line, "%s", err);
		if (parser->account)
			parser->account->had_error = 1;
		free(err);
		free(text);
		return;
	}
	struct conf_value *slot = parser->in_accounts ? &parser->account->values[key] : &conf->global[key];
	if (slot->text)
		diag(conf, 0, file, line, "'%s' set again (first at %s:%d); this value wins",
		     name, slot->file, slot->line);
	free(slot->text);
	slot->text = text;
	slot->file = file;
	slot->line = line;
}

static void read_file(struct parser *parser, const char *path, const char *from_file, int from_line);

/* bind MAP KEY FUNCTION, color OBJECT FG BG [ATTR], push KEYS: their words
 * are the UI's to check; here only their count. */
static const struct {
	const char *name;
	int min, max;
	const char *usage;
} commands[] = {
	{ "bind", 3, 3, "bind MAP KEY FUNCTION" },
	{ "color", 3, 4, "color OBJECT FOREGROUND BACKGROUND [ATTRIBUTE]" },
	{ "push", 1, 1, "push KEYS (quote several)" },
};

static int do_command(struct parser *parser, const char *file, int line, char **words, int count)
{
	struct conf *conf = parser->conf;

	for (size_t i = 0; i < LIB_ARRAY_LEN(commands); i++) {
		if (strcmp(words[0], commands[i].name) != 0)
			continue;
		if (count - 1 < commands[i].min || count - 1 > commands[i].max) {
			diag(conf, 1, file, line, "usage: %s", commands[i].usage);
			return 1;
		}
		conf->commands = xrealloc(conf->commands, (conf->ncommands + 1) * sizeof(*conf->commands));
		struct conf_command *cmd = &conf->commands[conf->ncommands++];
		cmd->name = xstrdup(words[0]);
		cmd->argc = count - 1;
		cmd->argv = xcalloc((size_t)count, sizeof(*cmd->argv));
		for (int w = 1; w < count; w++)
			cmd->argv[w - 1] = xstrdup(words[w]);
		cmd->file = file;
		cmd->line = line;
		return 1;
	}
	return 0;
}

static void do_line(struct parser *parser, const char *file, int line, char *text)
{
	struct conf *conf = parser->conf;
	char *words[CONF_MAX_WORDS], *err = NULL;
	int count = split_words(text, words, &err);

	if (count < 0) {
		diag(conf, 1, file, line, "%s", err);
		free(err);
		return;
	}
	if (count == 0)
		return;
	if (strcmp(words[0], "account") == 0) {
		if (count != 2)
			diag(conf, 1, file, line, "'account' takes one name");
		else
			open_account(parser, file, line, words[1]);
		return;
	}
	if (strcmp(words[0], "include") == 0) {
		if (count != 2) {
			diag(conf, 1, file, line, "'include' takes one file name");
			return;
		}
		char *dir = lib_path_dirname(file);
		char *path = lib_path_join(dir, words[1]);
		read_file(parser, path, file, line);
		free(path);
		free(dir);
		return;
	}
	if (do_command(parser, file, line, words, count))
		return;
	if (count == 1) {
		if (conf_key_lookup(words[0]) < 0)
			set_key(parser, file, line, words[0], ""); /* reports the unknown key */
		else
			diag(conf, 1, file, line, "'%s' needs a value", words[0]);
		return;
	}
	if (count > 2) {
		diag(conf, 1, file, line, "'%s' takes one value; put a value with spaces in \"double quotes\"", words[0]);
		return;
	}
	set_key(parser, file, line, words[0], words[1]);
}

static void read_file(struct parser *parser, const char *path, const char *from_file, int from_line)
{
	struct conf *conf = parser->conf;
	char *text = NULL;
	size_t cap = 0;
	ssize_t len;
	int line = 0;
	FILE *fp;

	if (parser->depth >= CONF_MAX_INCLUDE_DEPTH) {
		diag(conf, 1, from_file, from_line, "include nested more than %d deep (an include loop?)",
		     CONF_MAX_INCLUDE_DEPTH);
		return;
	}
	fp = fopen(path, "r");
	if (!fp) {
		if (from_file)
			diag(conf, 1, from_file, from_line, "include: cannot open %s: %s", path, strerror(errno));
		else
			diag(conf, 1, path, 0, "cannot open: %s", strerror(errno));
		return;
	}
	const char *file = intern_file(conf, path);
	parser->depth++;
	while ((len = getline(&text, &cap, fp)) >= 0) {
		line++;
		if (memchr(text, '\0', (size_t)len)) {
			diag(conf, 1, file, line, "NUL byte in the line (is this a text file?)");
			continue;
		}
		while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
			text[--len] = '\0';
		do_line(parser, file, line, text);
	}
	if (ferror(fp))
		diag(conf, 1, file, line, "read error: %s", strerror(errno));
	parser->depth--;
	free(text);
	fclose(fp);
}

/* Checks that need the whole file: servers present and consistent, plain
 * text announced, the default account real. */
static void check_accounts(struct conf *conf)
{
	static const struct { enum conf_key key; size_t offset; } servers[] = {
		{ CONF_K_IMAP, offsetof(struct conf_account, imap) },
		{ CONF_K_POP3, offsetof(struct conf_account, pop3) },
		{ CONF_K_SMTP, offsetof(struct conf_account, smtp) },
	};

	for (size_t i = 0; i < conf->naccounts; i++) {
		struct conf_account *account = &conf->accounts[i];
		const struct conf_value *tls = &account->values[CONF_K_TLS];
		int tls_off = tls->text && conf_bool_value(tls->text) == 0;
		int any = 0;

		for (size_t s = 0; s < LIB_ARRAY_LEN(servers); s++) {
			const struct conf_value *value = &account->values[servers[s].key];
			struct conf_url *url = (struct conf_url *)((char *)account + servers[s].offset);
			char *err = NULL;
			if (!value->text)
				continue;
			any = 1;
			if (conf_url_parse(value->text, servers[s].key, url, &err) < 0) {
				free(err); /* already reported when the value was set */
				continue;
			}
			/* RFC 8314's implicit TLS ports with a STARTTLS scheme: the
			 * server waits for a handshake, tern for a greeting, until the
			 * timeout; said now instead */
			static const unsigned tls_ports[] = { 993, 995, 465 };
			if (!url->implicit_tls && !tls_off && url->port == tls_ports[s])
				diag(conf, 0, value->file, value->line,
				     "account '%s': %s://%s:%u: port %u is the implicit TLS port (RFC 8314), which waits for "
				     "a TLS handshake, not a greeting: write %s://%s:%u",
				     account->name, conf_scheme_name(url->scheme), url->host, url->port, url->port,
				     conf_scheme_name(url->scheme + 1), url->host, url->port);
			if (tls_off && url->implicit_tls)
				diag(conf, 1, tls->file, tls->line,
				     "account '%s': 'tls off' contradicts %s:// (implicit TLS); use %s:// for plain text",
				     account->name, conf_scheme_name(url->scheme), conf_scheme_name(url->scheme - 1));
			else if (tls_off)
				diag(conf, 0, tls->file, tls->line,
				     "account '%s': tls off: %s connects in plain text and your password can be read on the network",
				     account->name, url->host);
		}
		if (!any && !account->had_error)
			diag(conf, 1, account->file, account->line,
			     "account '%s' has no server: set imap, pop3 or smtp", account->name);
		if (account->values[CONF_K_SMTP].text && !account->values[CONF_K_FROM].text && !account->had_error)
			diag(conf, 1, account->file, account->line,
			     "account '%s' can send (smtp) but has no from: set from \"Your Name <you@example.org>\"",
			     account->name);
		if (account->values[CONF_K_PASSWORD].text && account->values[CONF_K_PASSWORD_COMMAND].text)
			diag(conf, 1, account->values[CONF_K_PASSWORD_COMMAND].file,
			     account->values[CONF_K_PASSWORD_COMMAND].line,
			     "account '%s': set password or password-command, not both", account->name);
	}

	const struct conf_value *def = &conf->global[CONF_K_DEFAULT_ACCOUNT];
	if (def->text && !conf_account_find(conf, def->text))
		diag(conf, 1, def->file, def->line, "default-account '%s' is not an account in this mailrc", def->text);
}

/* A password in a file others can read is a leak waiting to happen. */
static void check_permissions(struct conf *conf)
{
	for (size_t f = 0; f < conf->nfiles; f++) {
		const char *file = conf->files[f];
		int holds_password = 0;
		struct stat st;

		for (size_t i = 0; i < conf->naccounts; i++)
			if (conf->accounts[i].values[CONF_K_PASSWORD].file == file)
				holds_password = 1;
		if (holds_password && stat(file, &st) == 0 && (st.st_mode & 077))
			diag(conf, 0, file, 0, "holds a password but others can read it: run chmod 600 %s", file);
	}
}

struct conf *conf_load(const char *path)
{
	struct conf *conf = xcalloc(1, sizeof(*conf));
	struct parser parser = { conf, NULL, 0, 0 };

	conf->path = xstrdup(path);
	read_file(&parser, path, NULL, 0);
	check_accounts(conf);
	check_permissions(conf);
	return conf;
}

static void values_free(struct conf_value *values)
{
	for (int k = 0; k < CONF_KEY_COUNT; k++) {
		if (values[k].text && conf_keys[k].type == CONF_T_SECRET)
			explicit_bzero(values[k].text, strlen(values[k].text));
		free(values[k].text);
	}
}

void conf_free(struct conf *conf)
{
	if (!conf)
		return;
	values_free(conf->global);
	for (size_t i = 0; i < conf->naccounts; i++) {
		struct conf_account *account = &conf->accounts[i];
		values_free(account->values);
		conf_url_clear(&account->imap);
		conf_url_clear(&account->pop3);
		conf_url_clear(&account->smtp);
		free(account->name);
	}
	free(conf->accounts);
	for (size_t i = 0; i < conf->ndiags; i++)
		free(conf->diags[i].text);
	free(conf->diags);
	for (size_t i = 0; i < conf->nfiles; i++)
		free(conf->files[i]);
	free(conf->files);
	for (size_t i = 0; i < conf->ncommands; i++) {
		for (int w = 0; w < conf->commands[i].argc; w++)
			free(conf->commands[i].argv[w]);
		free(conf->commands[i].argv);
		free(conf->commands[i].name);
	}
	free(conf->commands);
	free(conf->path);
	free(conf);
}

int conf_apply_line(struct conf *conf, const char *origin, const char *line)
{
	struct parser parser = { conf, NULL, 0, 0 };
	size_t errors = conf->nerrors;
	char *text = xstrdup(line);

	if (strncmp(line, "account", 7) == 0 || strncmp(line, "include", 7) == 0) {
		diag(conf, 1, intern_file(conf, origin), 0, "only settings and commands can be given here");
		free(text);
		return -1;
	}
	do_line(&parser, intern_file(conf, origin), 0, text);
	free(text);
	return conf->nerrors > errors ? -1 : 0;
}

char *conf_find_path(char **looked)
{
	char *config_home = lib_path_config_home();
	char *candidates[2] = { xasprintf("%s/tern/mailrc", config_home), lib_path_expand("~/.ternrc") };
	char *found = NULL;

	free(config_home);
	for (size_t i = 0; i < LIB_ARRAY_LEN(candidates) && !found; i++)
		if (access(candidates[i], F_OK) == 0)
			found = xstrdup(candidates[i]);
	if (looked)
		*looked = xasprintf("%s, %s", candidates[0], candidates[1]);
	free(candidates[0]);
	free(candidates[1]);
	return found;
}

const char *conf_get(const struct conf *conf, const struct conf_account *account, enum conf_key key)
{
	if (account && account->values[key].text)
		return account->values[key].text;
	if (conf->global[key].text)
		return conf->global[key].text;
	return conf_keys[key].def;
}

long conf_get_number(const struct conf *conf, const struct conf_account *account, enum conf_key key)
{
	const char *text = conf_get(conf, account, key);
	return text ? strtol(text, NULL, 10) : 0;
}

int conf_get_bool(const struct conf *conf, const struct conf_account *account, enum conf_key key)
{
	const char *text = conf_get(conf, account, key);
	return text && conf_bool_value(text) == 1;
}

const struct conf_account *conf_account_find(const struct conf *conf, const char *name)
{
	for (size_t i = 0; i < conf->naccounts; i++)
		if (strcmp(conf->accounts[i].name, name) == 0)
			return &conf->accounts[i];
	return NULL;
}

const struct conf_account *conf_account_default(const struct conf *conf)
{
	const char *name = conf->global[CONF_K_DEFAULT_ACCOUNT].text;

	if (name)
		return conf_account_find(conf, name);
	return conf->naccounts ? &conf->accounts[0] : NULL;
}
