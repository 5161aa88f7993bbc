/* Checking one value against its key's type, server URLs, and the
 * did-you-mean suggestion for misspelt keys. No I/O. */
#include "conf.h"
#include "conf-private.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/lib.h"
#include "../mime/mime.h"

#define CONF_KEY_INFO(id, name, type, scope, def, min, max, help) \
	[CONF_K_##id] = { name, type, scope, def, min, max, help },
const struct conf_key_info conf_keys[CONF_KEY_COUNT] = { CONF_KEYS(CONF_KEY_INFO) };
#undef CONF_KEY_INFO

int conf_key_lookup(const char *name)
{
	for (int i = 0; i < CONF_KEY_COUNT; i++)
		if (strcmp(conf_keys[i].name, name) == 0)
			return i;
	return -1;
}

/* Optimal string alignment distance: a swap of two letters counts as one
 * edit, which is the commonest typo. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t *d = xcalloc((la + 1) * (lb + 1), sizeof(*d));
#define D(i, j) d[(i) * (lb + 1) + (j)]
	for (size_t i = 0; i <= la; i++)
		D(i, 0) = i;
	for (size_t j = 0; j <= lb; j++)
		D(0, j) = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t best = D(i - 1, j) + 1;
			if (D(i, j - 1) + 1 < best)
				best = D(i, j - 1) + 1;
			if (D(i - 1, j - 1) + cost < best)
				best = D(i - 1, j - 1) + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    D(i - 2, j - 2) + 1 < best)
				best = D(i - 2, j - 2) + 1;
			D(i, j) = best;
		}
	}
	size_t result = D(la, lb);
#undef D
	free(d);
	return result;
}

const char *conf_suggest_key(const char *word)
{
	static const char *const commands[] = { "account", "include", "bind", "color", "push" };
	const char *best = NULL;
	size_t best_distance = (size_t)-1;
	size_t limit = strlen(word) <= 4 ? 1 : 2;

	for (size_t i = 0; i < CONF_KEY_COUNT + LIB_ARRAY_LEN(commands); i++) {
		const char *name = i < CONF_KEY_COUNT ? conf_keys[i].name : commands[i - CONF_KEY_COUNT];
		size_t distance = edit_distance(word, name);
		if (distance < best_distance) {
			best_distance = distance;
			best = name;
		}
	}
	return best_distance <= limit ? best : NULL;
}

const char *conf_scheme_name(enum conf_scheme scheme)
{
	static const char *const names[] = {
		[CONF_URL_NONE] = "", [CONF_URL_IMAP] = "imap", [CONF_URL_IMAPS] = "imaps",
		[CONF_URL_POP3] = "pop3", [CONF_URL_POP3S] = "pop3s",
		[CONF_URL_SMTP] = "smtp", [CONF_URL_SMTPS] = "smtps",
	};
	return names[scheme];
}

void conf_url_clear(struct conf_url *url)
{
	free(url->host);
	memset(url, 0, sizeof(*url));
}

static int host_char_ok(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '.' || c == '_';
}

int conf_url_parse(const char *text, enum conf_key key, struct conf_url *url, char **err)
{
	static const struct {
		enum conf_key key;
		enum conf_scheme plain, tls;
		unsigned plain_port, tls_port;
	} kinds[] = {
		{ CONF_K_IMAP, CONF_URL_IMAP, CONF_URL_IMAPS, 143, 993 },
		{ CONF_K_POP3, CONF_URL_POP3, CONF_URL_POP3S, 110, 995 },
		{ CONF_K_SMTP, CONF_URL_SMTP, CONF_URL_SMTPS, 587, 465 },
	};
	size_t k = 0;
	while (kinds[k].key != key)
		k++;
	const char *plain = conf_scheme_name(kinds[k].plain);
	const char *tls = conf_scheme_name(kinds[k].tls);
	const char *sep = strstr(text, "://");
	const char *host, *end;

	memset(url, 0, sizeof(*url));
	if (!sep) {
		*err = xasprintf("'%s' is not a URL: write %s://%s (TLS) or %s://%s (STARTTLS)",
		                 text, tls, text, plain, text);
		return -1;
	}
	size_t scheme_len = (size_t)(sep - text);
	if (scheme_len == strlen(tls) && strncmp(text, tls, scheme_len) == 0) {
		url->scheme = kinds[k].tls;
		url->port = kinds[k].tls_port;
		url->implicit_tls = 1;
	} else if (scheme_len == strlen(plain) && strncmp(text, plain, scheme_len) == 0) {
		url->scheme = kinds[k].plain;
		url->port = kinds[k].plain_port;
	} else {
		*err = xasprintf("bad URL '%s': the scheme must be %s:// or %s://", text, tls, plain);
		return -1;
	}

	host = sep + 3;
	if (*host == '[') {
		end = strchr(host, ']');
		if (!end || end == host + 1) {
			*err = xasprintf("bad URL '%s': unclosed [ in IPv6 address", text);
			return -1;
		}
		for (const char *p = host + 1; p < end; p++) {
			if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.') {
				*err = xasprintf("bad URL '%s': '%c' in IPv6 address", text, *p);
				return -1;
			}
		}
		url->host = xstrndup(host + 1, (size_t)(end - host - 1));
		end++;
	} else {
		end = host;
		while (host_char_ok(*end))
			end++;
		if (*end == '@') {
			*err = xasprintf("bad URL '%s': put the login name in 'user', not in the URL", text);
			return -1;
		}
		if (end == host) {
			*err = xasprintf("bad URL '%s': no host name", text);
			return -1;
		}
		url->host = xstrndup(host, (size_t)(end - host));
	}
	if (*end == ':') {
		char *num_end;
		errno = 0;
		long port = strtol(end + 1, &num_end, 10);
		if (num_end == end + 1 || errno || port < 1 || port > 65535) {
			*err = xasprintf("bad URL '%s': the port must be a number from 1 to 65535", text);
			conf_url_clear(url);
			return -1;
		}
		url->port = (unsigned)port;
		end = num_end;
	}
	if (*end == '/')
		end++;
	if (*end != '\0') {
		*err = xasprintf("bad URL '%s': unexpected '%s' after the host", text, end);
		conf_url_clear(url);
		return -1;
	}
	return 0;
}

static int parse_bool(const char *text)
{
	static const char *const yes[] = { "on", "yes", "true" }, *const no[] = { "off", "no", "false" };
	for (size_t i = 0; i < LIB_ARRAY_LEN(yes); i++) {
		if (strcmp(text, yes[i]) == 0)
			return 1;
		if (strcmp(text, no[i]) == 0)
			return 0;
	}
	return -1;
}

int conf_bool_value(const char *text)
{
	return parse_bool(text);
}

/* from: one address, read by the parser the send uses, that SMTP can
 * carry (an ASCII local part; a UTF-8 domain goes as A-labels). */
static int check_address(const char *text)
{
	struct mime_address_list list;
	int ok = mime_address_list_parse(text, strlen(text), MIME_ADDRESS_IDNA, &list, NULL) == 0 && list.count == 1;

	for (const char *p = ok ? list.items[0].addr : ""; *p && ok; p++)
		ok = (unsigned char)*p < 0x80 && *p != '"';
	mime_address_list_clear(&list);
	return ok ? 0 : -1;
}

int conf_value_check(enum conf_key key, char **text, char **err)
{
	const struct conf_key_info *info = &conf_keys[key];
	const char *value = *text;
	struct conf_url url;

	switch (info->type) {
	case CONF_T_STRING:
	case CONF_T_SECRET:
	case CONF_T_PATH:
	case CONF_T_ACCOUNT:
		if (*value == '\0') {
			*err = xasprintf("'%s' needs a value", info->name);
			return -1;
		}
		return 0;
	case CONF_T_FOLDER:
		if (*value == '\0') {
			*err = xasprintf("'%s' needs a folder name, or none", info->name);
			return -1;
		}
		return 0;
	case CONF_T_NUMBER: {
		char *end;
		errno = 0;
		long n = strtol(value, &end, 10);
		if (*value == '\0' || *end != '\0' || errno || n < info->min || n > info->max) {
			*err = xasprintf("bad value '%s' for '%s': a whole number from %ld to %ld",
			                 value, info->name, info->min, info->max);
			return -1;
		}
		return 0;
	}
	case CONF_T_BOOL:
		if (parse_bool(value) < 0) {
			*err = xasprintf("bad value '%s' for '%s': on or off", value, info->name);
			return -1;
		}
		return 0;
	case CONF_T_URL:
		if (conf_url_parse(value, key, &url, err) < 0)
			return -1;
		conf_url_clear(&url);
		return 0;
	case CONF_T_ADDRESS:
		if (check_address(value) < 0) {
			*err = xasprintf("bad address '%s' for '%s': write you@example.org or \"Your Name <you@example.org>\"",
			                 value, info->name);
			return -1;
		}
		return 0;
	case CONF_T_FINGERPRINT: {
		struct buf hex = BUF_INIT;
		const char *p = value;
		if (strncasecmp(p, "sha256:", 7) == 0)
			p += 7;
		else
			goto bad_fingerprint;
		for (; *p; p++) {
			if (*p == ':')
				continue;
			if (!isxdigit((unsigned char)*p))
				goto bad_fingerprint;
			buf_addch(&hex, (char)tolower((unsigned char)*p));
		}
		if (hex.len != 64)
			goto bad_fingerprint;
		free(*text);
		*text = buf_detach(&hex);
		return 0;
	bad_fingerprint:
		buf_free(&hex);
		*err = xasprintf("bad value '%s' for '%s': sha256: followed by 64 hex digits", value, info->name);
		return -1;
	}
	case CONF_T_SORT: {
		static const char *const orders[] = { "date", "threads", "from", "subject", "size" };
		const char *order = strncmp(value, "reverse-", 8) == 0 ? value + 8 : value;
		for (size_t i = 0; i < LIB_ARRAY_LEN(orders); i++)
			if (strcmp(order, orders[i]) == 0)
				return 0;
		*err = xasprintf("bad value '%s' for 'sort': date, threads, from, subject or size, "
		                 "each also as reverse-ORDER", value);
		return -1;
	}
	}
	lib_fatal("conf: key %s has no type", info->name);
}
