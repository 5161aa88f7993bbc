/* Lines copied from a muttrc: mutt's commands (set, unset, macro, source,
 * mailboxes, hooks...) are not tern's grammar, and read as tern lines
 * they gave misleading errors ("unknown key 'set'"). Here each is
 * recognised and answered with tern's equivalent, or with a plain "tern
 * has no ..." when there is none, so a user moving from mutt learns the
 * mailrc from their own lines. */
#include "conf-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/lib.h"

/* mutt variables whose tern key has another name (a variable whose name
 * with '-' for '_' is a tern key needs no line here). */
static const struct {
	const char *mutt, *tern;
} variables[] = {
	{ "realname", "from" }, { "imap_user", "user" }, { "imap_pass", "password" }, { "smtp_pass", "password" },
	{ "smtp_url", "smtp" }, { "spoolfile", "imap" }, { "folder", "imap" }, { "record", "folder-sent" },
	{ "postponed", "folder-drafts" }, { "trash", "folder-trash" }, { "mail_check", "check-interval" },
	{ "header_cache", "cache-dir" }, { "message_cachedir", "cache-dir" }, { "sidebar_visible", "sidebar" },
	{ "new_mail_command", "new-mail-command" }, { "visual", "editor" }, { "imap_passive", NULL },
	{ "ssl_ca_certificates_file", "tls-ca-file" }, { "certificate_file", "tls-ca-file" },
	{ "confirm_expunge", "confirm-expunge" }, { "delete", "confirm-expunge" },
	{ "imap_check_subscribed", "sidebar" },
};

/* Things mutt has that tern does without, and why. */
static const struct {
	const char *mutt, *answer;
} no_equivalent[] = {
	{ "smart_wrap", "tern always breaks long lines at spaces" },
	{ "markers", "tern marks no wrapped lines" },
	{ "wait_key", "tern asks for Enter after a command itself" },
	{ "ssl_force_tls", "tern always uses TLS unless 'tls off' is written" },
	{ "ssl_starttls", "tern never skips STARTTLS" },
	{ "pager_index_lines", "tern's pager takes the whole screen" },
	{ "mime_forward", "f forwards inline, Esc f as an attachment; 'bind index f forward-attached' swaps them" },
};

/* The tern key for mutt variable name, or NULL. */
static const char *tern_key_for(const char *name, const char **none)
{
	*none = NULL;
	for (size_t i = 0; i < LIB_ARRAY_LEN(no_equivalent); i++)
		if (strcmp(name, no_equivalent[i].mutt) == 0) {
			*none = no_equivalent[i].answer;
			return NULL;
		}
	for (size_t i = 0; i < LIB_ARRAY_LEN(variables); i++)
		if (strcmp(name, variables[i].mutt) == 0)
			return variables[i].tern;
	char *dashed = xstrdup(name);
	for (char *p = dashed; *p; p++)
		if (*p == '_')
			*p = '-';
	int key = conf_key_lookup(dashed);
	free(dashed);
	return key >= 0 ? conf_keys[key].name : NULL;
}

/* The first word of text into word (at most size bytes with the NUL);
 * returns what follows it, white space skipped. */
static const char *first_word(const char *text, char *word, size_t size)
{
	size_t n = 0;

	text += strspn(text, " \t");
	while (*text && *text != ' ' && *text != '\t' && *text != '=') {
		if (n + 1 < size)
			word[n++] = *text;
		text++;
	}
	word[n] = '\0';
	return text + strspn(text, " \t");
}

/* set VAR=VALUE, set VAR = VALUE, set VAR, set noVAR, unset VAR... (only
 * the first assignment of the line is read). */
static char *about_set(const char *command, const char *rest)
{
	char name_buf[64], value[256] = "";
	const char *after = first_word(rest, name_buf, sizeof(name_buf));
	const char *name = name_buf;
	int has_value = *after == '=';

	if (has_value) {
		after += 1 + strspn(after + 1, " \t");
		char quote = *after == '"' || *after == '\'' ? *after++ : '\0';
		size_t n = 0;
		while (*after && n + 1 < sizeof(value) && (quote ? *after != quote : *after != ' ' && *after != '\t'))
			value[n++] = *after++;
		value[n] = '\0';
	}
	int negated = strcmp(command, "unset") == 0;
	const char *none, *key = tern_key_for(name, &none);
	if (!key && !none && !has_value && strncmp(name, "no", 2) == 0 && name[2]) {
		key = tern_key_for(name + 2, &none);
		if (key || none) {
			name += 2;
			negated = 1;
		}
	}
	if (none)
		return xasprintf("'%s %s' is muttrc syntax; mutt's %s needs no line in tern: %s", command, name_buf, name,
		                 none);
	if (!key)
		return xasprintf("'%s' is muttrc syntax; tern has no setting like mutt's %s (mailrc(5) lists the keys)",
		                 command, name);
	if (*value)
		return xasprintf("'%s' is muttrc syntax; tern writes KEY VALUE: %s \"%s\"", command, key, value);
	if (!has_value && conf_keys[conf_key_lookup(key)].type == CONF_T_BOOL)
		return xasprintf("'%s' is muttrc syntax; tern writes KEY VALUE: %s %s", command, key, negated ? "no" : "yes");
	return xasprintf("'%s' is muttrc syntax; tern writes KEY VALUE: %s VALUE", command, key);
}

char *conf_mutt_line(const char *line)
{
	char command[32];
	const char *rest = first_word(line, command, sizeof(command));
	char arg[256];

	if (conf_key_lookup(command) >= 0)
		return NULL; /* a tern line */
	if ((strcmp(command, "set") == 0 || strcmp(command, "unset") == 0 || strcmp(command, "toggle") == 0 ||
	     strcmp(command, "reset") == 0) && *rest)
		return about_set(command, rest);
	if (strcmp(command, "macro") == 0)
		return xstrdup("'macro' is muttrc syntax; tern has no macros: bind MAP KEY FUNCTION binds one "
		               "function, and push KEYS types keys once the first folder is open");
	if (strcmp(command, "unmacro") == 0 || strcmp(command, "unbind") == 0)
		return xasprintf("'%s' is muttrc syntax; tern writes bind MAP KEY noop", command);
	if (strcmp(command, "source") == 0) {
		first_word(rest, arg, sizeof(arg));
		return xasprintf("'source' is muttrc syntax; tern writes include %s", *arg ? arg : "FILE");
	}
	if (strcmp(command, "mailboxes") == 0 || strcmp(command, "unmailboxes") == 0 ||
	    strcmp(command, "named-mailboxes") == 0)
		return xasprintf("'%s' is muttrc syntax; tern lists the server's folders itself (y, or sidebar yes)",
		                 command);
	if (strcmp(command, "ignore") == 0 || strcmp(command, "unignore") == 0 || strcmp(command, "hdr_order") == 0)
		return xasprintf("'%s' is muttrc syntax; tern writes pager-headers \"Date From To Cc Subject\" "
		                 "(the headers the pager shows, in order)", command);
	static const char *const absent[] = { "my_hdr", "unmy_hdr", "alias", "unalias", "lists", "subscribe",
		                              "auto_view", "alternative_order", "mono", "uncolor", "score",
		                              "mime_lookup", "attachments", "tag-transforms", "setenv" };
	for (size_t i = 0; i < LIB_ARRAY_LEN(absent); i++)
		if (strcmp(command, absent[i]) == 0)
			return xasprintf("'%s' is muttrc syntax; tern has no %s%s", command, command,
			                 strcmp(command, "auto_view") == 0 || strcmp(command, "alternative_order") == 0
			                         ? " (html-filter and prefer-html choose how HTML is shown)"
			                         : "");
	size_t len = strlen(command);
	if (len > 5 && strcmp(command + len - 5, "-hook") == 0)
		return xasprintf("'%s' is muttrc syntax; tern has no hooks (an account block holds what differs "
		                 "per account)", command);
	return NULL;
}
