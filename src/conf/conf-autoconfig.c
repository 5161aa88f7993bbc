/* A reader for Thunderbird autoconfig files (config-v1.1.xml), enough for
 * the servers and nothing else: no DTDs, no entities beyond the five
 * predefined ones, no namespaces. It looks for <incomingServer type=...>
 * and <outgoingServer type="smtp"> elements and reads their hostname,
 * port, socketType, username and authentication children. The input is
 * untrusted (it may come over HTTP): every value is checked before it is
 * copied out, and the output never holds a byte a terminal would act on. */
#include "conf-provider.h"
#include "../lib/lib.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The text of the next <tag> element between *pos and to, entity decoded
 * and trimmed into out; *pos moves past it. Returns 1 found, 0 not found
 * or too long. */
static int child_text(const char *to, const char **pos, const char *tag, char *out, size_t size)
{
	size_t tlen = strlen(tag);

	for (const char *p = *pos; p < to; p++) {
		p = memchr(p, '<', (size_t)(to - p));
		if (!p)
			return 0;
		if ((size_t)(to - p) <= tlen + 1 || strncmp(p + 1, tag, tlen) != 0 ||
		    (p[1 + tlen] != '>' && p[1 + tlen] != ' '))
			continue;
		const char *start = memchr(p, '>', (size_t)(to - p));
		if (!start)
			return 0;
		start++;
		const char *end = start;
		while (end < to && *end != '<')
			end++;
		if (end >= to)
			return 0;
		*pos = end;
		size_t n = 0;
		for (const char *c = start; c < end; c++) {
			char ch = *c;
			if (ch == '&') {
				static const struct { const char *name; char ch; } ents[] = {
					{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' }, { "&apos;", '\'' },
				};
				size_t e;
				for (e = 0; e < sizeof(ents) / sizeof(ents[0]); e++) {
					size_t elen = strlen(ents[e].name);
					if ((size_t)(end - c) >= elen && strncmp(c, ents[e].name, elen) == 0) {
						ch = ents[e].ch;
						c += elen - 1;
						break;
					}
				}
				if (e == sizeof(ents) / sizeof(ents[0]))
					return 0;
			}
			if (n + 1 >= size)
				return 0;
			out[n++] = ch;
		}
		/* Trim the whitespace pretty-printers add. */
		while (n && isspace((unsigned char)out[n - 1]))
			n--;
		out[n] = '\0';
		size_t lead = strspn(out, " \t\r\n");
		memmove(out, out + lead, n - lead + 1);
		return 1;
	}
	return 0;
}

static int printable(const char *text)
{
	for (const char *p = text; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			return 0;
	return 1;
}

/* Fills the %EMAILADDRESS%, %EMAILLOCALPART% and %EMAILDOMAIN%
 * placeholders of text from address into out. 0, or -1 if too long. */
static int fill_placeholders(const char *text, const char *address, char *out, size_t size)
{
	const char *at = strrchr(address, '@');
	size_t local_len = at ? (size_t)(at - address) : strlen(address);
	const char *domain = at ? at + 1 : "";
	size_t n = 0;

	while (*text) {
		const char *put = NULL;
		size_t put_len = 0, skip = 1;
		if (strncmp(text, "%EMAILADDRESS%", 14) == 0)
			put = address, put_len = strlen(address), skip = 14;
		else if (strncmp(text, "%EMAILLOCALPART%", 16) == 0)
			put = address, put_len = local_len, skip = 16;
		else if (strncmp(text, "%EMAILDOMAIN%", 13) == 0)
			put = domain, put_len = strlen(domain), skip = 13;
		else
			put = text, put_len = 1;
		if (n + put_len >= size)
			return -1;
		memcpy(out + n, put, put_len);
		n += put_len;
		text += skip;
	}
	out[n] = '\0';
	return 0;
}

/* Reads one server element [from, to) of protocol type into server,
 * unless it already holds one. */
static void read_server(const char *from, const char *to, const char *type, const char *address,
                        struct conf_autoconfig_server *server)
{
	char host[256], port_text[16], socket_type[32], user[256], auth[64];
	const char *pos;
	int implicit;

	if (server->url[0])
		return;
	pos = from;
	if (!child_text(to, &pos, "hostname", host, sizeof(host)) || !lib_host_name_ok(host))
		return;
	pos = from;
	if (!child_text(to, &pos, "port", port_text, sizeof(port_text)))
		return;
	char *end;
	long port = strtol(port_text, &end, 10);
	if (*end || port < 1 || port > 65535)
		return;
	pos = from;
	if (!child_text(to, &pos, "socketType", socket_type, sizeof(socket_type)))
		return;
	if (strcasecmp(socket_type, "SSL") == 0 || strcasecmp(socket_type, "TLS") == 0)
		implicit = 1;
	else if (strcasecmp(socket_type, "STARTTLS") == 0)
		implicit = 0;
	else
		return; /* plain: tern never sends a password in clear on its own */
	const char *scheme = strcmp(type, "imap") == 0 ? (implicit ? "imaps" : "imap")
	                   : strcmp(type, "pop3") == 0 ? (implicit ? "pop3s" : "pop3")
	                                               : (implicit ? "smtps" : "smtp");
	snprintf(server->url, sizeof(server->url), "%s://%s:%ld", scheme, host, port);
	pos = from;
	if (child_text(to, &pos, "username", user, sizeof(user)) &&
	    (fill_placeholders(user, address, server->user, sizeof(server->user)) < 0 || !printable(server->user)))
		server->user[0] = '\0';
	pos = from;
	while (child_text(to, &pos, "authentication", auth, sizeof(auth)))
		if (strcasecmp(auth, "OAuth2") == 0)
			server->oauth2 = 1;
}

int conf_autoconfig_parse(const char *xml, size_t len, const char *address, struct conf_autoconfig *out)
{
	static const char *const elements[] = { "<incomingServer", "<outgoingServer" };
	const char *end = xml + len;
	const char *pos = xml;
	char name[128];

	memset(out, 0, sizeof(*out));
	if (memchr(xml, '\0', len))
		return -1;
	if (child_text(end, &pos, "displayName", name, sizeof(name)) && printable(name))
		snprintf(out->name, sizeof(out->name), "%s", name);
	for (const char *p = xml; p < end; p++) {
		p = memchr(p, '<', (size_t)(end - p));
		if (!p)
			break;
		if ((size_t)(end - p) > 4 && strncmp(p, "<!--", 4) == 0) {
			const char *close = strstr(p, "-->");
			if (!close)
				break;
			p = close + 2;
			continue;
		}
		size_t e;
		for (e = 0; e < 2; e++)
			if ((size_t)(end - p) > strlen(elements[e]) && strncmp(p, elements[e], strlen(elements[e])) == 0)
				break;
		if (e == 2)
			continue;
		const char *tag_end = memchr(p, '>', (size_t)(end - p));
		if (!tag_end)
			break;
		/* type="imap" inside the start tag */
		char type[8] = "";
		const char *attr = p;
		while (attr < tag_end && (attr = strstr(attr, "type=")) != NULL && attr < tag_end) {
			if (attr[-1] == ' ' || attr[-1] == '\t' || attr[-1] == '\n') {
				char quote = attr[5];
				const char *val = attr + 6, *val_end = val;
				while (val_end < tag_end && *val_end != quote)
					val_end++;
				if ((quote == '"' || quote == '\'') && val_end < tag_end && (size_t)(val_end - val) < sizeof(type)) {
					memcpy(type, val, (size_t)(val_end - val));
					type[val_end - val] = '\0';
				}
				break;
			}
			attr += 5;
		}
		const char *close = strstr(tag_end, e == 0 ? "</incomingServer>" : "</outgoingServer>");
		if (!close)
			break;
		if (e == 0 && strcmp(type, "imap") == 0)
			read_server(tag_end, close, "imap", address, &out->imap);
		else if (e == 0 && strcmp(type, "pop3") == 0)
			read_server(tag_end, close, "pop3", address, &out->pop3);
		else if (e == 1 && strcmp(type, "smtp") == 0)
			read_server(tag_end, close, "smtp", address, &out->smtp);
		p = close;
	}
	return out->imap.url[0] || out->pop3.url[0] || out->smtp.url[0] ? 0 : -1;
}
