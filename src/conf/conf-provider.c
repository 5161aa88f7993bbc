/* The provider table: parsing the providers file (compiled in from
 * src/conf/providers as a string, so tern needs no data file at run time
 * and the tests check the very table users get) and looking providers up
 * by address domain and by MX host. */
#include "conf-provider.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "../lib/lib.h"

static const char builtin_text[] =
#include "src/conf/conf-providers.inc"
	;

static void push_word(char ***list, size_t *n, const char *word, size_t len)
{
	*list = xrealloc(*list, (*n + 1) * sizeof(**list));
	char *copy = xstrndup(word, len);
	for (char *p = copy; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	(*list)[(*n)++] = copy;
}

static void split_words(char ***list, size_t *n, const char *value)
{
	while (*value) {
		while (*value == ' ' || *value == '\t')
			value++;
		size_t len = strcspn(value, " \t");
		if (len)
			push_word(list, n, value, len);
		value += len;
	}
}

static int set_login(struct conf_provider *p, const char *value)
{
	static const struct { const char *word; int bit; } words[] = {
		{ "password", CONF_LOGIN_PASSWORD }, { "app-password", CONF_LOGIN_APP_PASSWORD },
		{ "oauth2", CONF_LOGIN_OAUTH2 }, { "bridge", CONF_LOGIN_BRIDGE },
	};
	char **list = NULL;
	size_t n = 0;
	int ok = 1;

	split_words(&list, &n, value);
	for (size_t i = 0; i < n; i++) {
		int bit = 0;
		for (size_t w = 0; w < LIB_ARRAY_LEN(words); w++)
			if (strcmp(list[i], words[w].word) == 0)
				bit = words[w].bit;
		if (!bit)
			ok = 0;
		if (!p->login_first)
			p->login_first = bit;
		p->login |= bit;
		free(list[i]);
	}
	free(list);
	return ok && n ? 0 : -1;
}

static void provider_clear(struct conf_provider *p)
{
	free(p->id);
	free(p->name);
	free(p->note);
	for (size_t i = 0; i < p->ndomains; i++)
		free(p->domains[i]);
	for (size_t i = 0; i < p->nmx; i++)
		free(p->mx[i]);
	free(p->domains);
	free(p->mx);
	free(p->imap);
	free(p->pop3);
	free(p->smtp);
}

void conf_providers_free(struct conf_providers *table)
{
	if (!table)
		return;
	for (size_t i = 0; i < table->n; i++)
		provider_clear(&table->items[i]);
	free(table->items);
	free(table);
}

/* Sets *slot to value after checking it as a mailrc URL for key. */
static int set_url(char **slot, const char *value, enum conf_key key, char **why)
{
	struct conf_url url = { 0 };

	if (conf_url_parse(value, key, &url, why) < 0)
		return -1;
	conf_url_clear(&url);
	free(*slot);
	*slot = xstrdup(value);
	return 0;
}

static int check_provider(const struct conf_provider *p, char **why)
{
	if (!p->name)
		*why = xasprintf("provider %s has no name", p->id);
	else if (!p->ndomains && !p->nmx)
		*why = xasprintf("provider %s has neither domains nor mx", p->id);
	else if (!p->imap && !p->pop3)
		*why = xasprintf("provider %s has no imap or pop3 server", p->id);
	else if (!p->login)
		*why = xasprintf("provider %s has no login line", p->id);
	else
		return 0;
	return -1;
}

struct conf_providers *conf_providers_parse(const char *text, char **err)
{
	struct conf_providers *table = xcalloc(1, sizeof(*table));
	struct conf_provider *cur = NULL;
	int lineno = 0;
	char *why = NULL;

	while (*text) {
		size_t len = strcspn(text, "\n");
		char *line = xstrndup(text, len);
		text += len + (text[len] == '\n');
		lineno++;
		char *key = line;
		while (*key == ' ' || *key == '\t')
			key++;
		char *end = key + strlen(key);
		while (end > key && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (!*key || *key == '#') {
			free(line);
			continue;
		}
		char *value = key + strcspn(key, " \t");
		if (*value)
			*value++ = '\0';
		while (*value == ' ' || *value == '\t')
			value++;
		if (strcmp(key, "provider") == 0) {
			if (cur && check_provider(cur, &why) < 0) {
				free(line);
				break;
			}
			table->items = xrealloc(table->items, (table->n + 1) * sizeof(*table->items));
			cur = &table->items[table->n++];
			memset(cur, 0, sizeof(*cur));
			cur->id = xstrdup(value);
		} else if (!cur) {
			why = xasprintf("'%s' before the first provider line", key);
		} else if (!*value) {
			why = xasprintf("'%s' without a value", key);
		} else if (strcmp(key, "name") == 0) {
			free(cur->name);
			cur->name = xstrdup(value);
		} else if (strcmp(key, "note") == 0) {
			free(cur->note);
			cur->note = xstrdup(value);
		} else if (strcmp(key, "domains") == 0) {
			split_words(&cur->domains, &cur->ndomains, value);
		} else if (strcmp(key, "mx") == 0) {
			split_words(&cur->mx, &cur->nmx, value);
		} else if (strcmp(key, "imap") == 0) {
			set_url(&cur->imap, value, CONF_K_IMAP, &why);
		} else if (strcmp(key, "pop3") == 0) {
			set_url(&cur->pop3, value, CONF_K_POP3, &why);
		} else if (strcmp(key, "smtp") == 0) {
			set_url(&cur->smtp, value, CONF_K_SMTP, &why);
		} else if (strcmp(key, "login") == 0) {
			if (set_login(cur, value) < 0)
				why = xasprintf("login '%s': use password, app-password, oauth2 or bridge", value);
		} else if (strcmp(key, "sent") == 0) {
			if (strcmp(value, "server") == 0)
				cur->files_sent = 1;
			else if (strcmp(value, "client") != 0)
				why = xasprintf("sent '%s': use server or client", value);
		} else if (strcmp(key, "user") == 0) {
			if (strcmp(value, "local") == 0)
				cur->user_local = 1;
			else if (strcmp(value, "address") != 0)
				why = xasprintf("user '%s': use address or local", value);
		} else {
			why = xasprintf("unknown key '%s'", key);
		}
		free(line);
		if (why)
			break;
	}
	if (!why && cur)
		check_provider(cur, &why);
	if (why) {
		*err = xasprintf("%d: %s", lineno, why);
		free(why);
		conf_providers_free(table);
		return NULL;
	}
	return table;
}

const struct conf_providers *conf_providers_builtin(void)
{
	static struct conf_providers *table;
	char *err = NULL;

	if (!table) {
		table = conf_providers_parse(builtin_text, &err);
		if (!table)
			lib_fatal("the built-in provider table is broken at line %s", err);
	}
	return table;
}

const struct conf_provider *conf_provider_by_domain(const struct conf_providers *table, const char *domain)
{
	for (size_t i = 0; i < table->n; i++)
		for (size_t d = 0; d < table->items[i].ndomains; d++)
			if (strcasecmp(table->items[i].domains[d], domain) == 0)
				return &table->items[i];
	return NULL;
}

const struct conf_provider *conf_provider_by_mx(const struct conf_providers *table, const char *mx_host)
{
	const struct conf_provider *best = NULL;
	size_t best_len = 0, host_len = strlen(mx_host);

	while (host_len && mx_host[host_len - 1] == '.')
		host_len--; /* a fully qualified "host." */
	for (size_t i = 0; i < table->n; i++) {
		for (size_t m = 0; m < table->items[i].nmx; m++) {
			const char *pattern = table->items[i].mx[m];
			size_t len = strlen(pattern);
			if (strncmp(pattern, "*.", 2) != 0) {
				if (len == host_len && strncasecmp(pattern, mx_host, len) == 0)
					return &table->items[i];
				continue;
			}
			const char *suffix = pattern + 1; /* ".google.com" */
			size_t slen = len - 1;
			if (host_len > slen && strncasecmp(mx_host + host_len - slen, suffix, slen) == 0 &&
			    slen > best_len) {
				best = &table->items[i];
				best_len = slen;
			}
		}
	}
	return best;
}
