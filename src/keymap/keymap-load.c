/* Key bindings. The defaults are mailrc text (below), parsed at start by
 * the same code as the user's bind lines, so a default is just a binding
 * the user can override, and `?` shows what is live. Keys are mutt's. */
#include "keymap.h"

#include "../lib/lib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char default_bindings[] =
	"bind index j next-entry\n"
	"bind index <down> next-entry\n"
	"bind index k previous-entry\n"
	"bind index <up> previous-entry\n"
	"bind index <pagedown> next-page\n"
	"bind index <right> next-page\n"
	"bind index <pageup> previous-page\n"
	"bind index <left> previous-page\n"
	"bind index = first-entry\n"
	"bind index <home> first-entry\n"
	"bind index * last-entry\n"
	"bind index <end> last-entry\n"
	"bind index <return> display-message\n"
	"bind index <enter> display-message\n"
	"bind index q quit\n"
	"bind index ? help\n"
	"bind index / search\n"
	"bind index <esc>/ search-reverse\n"
	"bind index n search-next\n"
	"bind index c change-folder\n"
	"bind index y browse-folders\n"
	"bind index v view-attachments\n"
	"bind index | pipe-message\n"
	"bind index <esc>v collapse-thread\n"
	"bind index <esc>V collapse-all\n"
	"bind index o sort-mailbox\n"
	"bind index O sort-reverse\n"
	"bind index ^L redraw-screen\n"
	"bind index ^G cancel\n"
	"bind index N toggle-new\n"
	"bind index F flag-message\n"
	"bind index d delete-message\n"
	"bind index u undelete-message\n"
	"bind index U undo\n"
	"bind index $ sync-mailbox\n"
	"bind index s save-message\n"
	"bind index C copy-message\n"
	"bind index t tag-entry\n"
	"bind index ; tag-prefix\n"
	"bind index T tag-pattern\n"
	"bind index l limit\n"
	"bind index A change-account\n"
	"bind index m mail\n"
	"bind index r reply\n"
	"bind index g group-reply\n"
	"bind index f forward-message\n"
	"bind index L list-reply\n"
	"bind index <esc>f forward-attached\n"
	"bind index R recall-message\n"
	"bind index S outbox\n"
	"bind index M error-history\n"
	"bind pager M error-history\n"
	"bind pager m mail\n"
	"bind pager r reply\n"
	"bind pager g group-reply\n"
	"bind pager f forward-message\n"
	"bind pager L list-reply\n"
	"bind pager <esc>f forward-attached\n"
	"bind pager R recall-message\n"
	"bind compose y send-message\n"
	"bind compose e edit-message\n"
	"bind compose <esc>f edit-from\n"
	"bind compose t edit-to\n"
	"bind compose c edit-cc\n"
	"bind compose b edit-bcc\n"
	"bind compose s edit-subject\n"
	"bind compose a attach-file\n"
	"bind compose D detach-file\n"
	"bind compose P postpone-message\n"
	"bind compose ^O rename-attachment\n"
	"bind compose q exit\n"
	"bind compose ? help\n"
	"bind compose ^L redraw-screen\n"
	"bind pager N toggle-new\n"
	"bind pager F flag-message\n"
	"bind pager d delete-message\n"
	"bind pager u undelete-message\n"
	"bind pager U undo\n"
	"bind pager s save-message\n"
	"bind pager C copy-message\n"
	"bind pager <down> next-line\n"
	"bind pager <return> next-line\n"
	"bind pager <enter> next-line\n"
	"bind pager <up> previous-line\n"
	"bind pager <backspace> previous-line\n"
	"bind pager <space> next-page\n"
	"bind pager <pagedown> next-page\n"
	"bind pager - previous-page\n"
	"bind pager <pageup> previous-page\n"
	"bind pager ^ top\n"
	"bind pager <home> top\n"
	"bind pager $ bottom\n"
	"bind pager <end> bottom\n"
	"bind pager j next-entry\n"
	"bind pager k previous-entry\n"
	"bind pager q exit\n"
	"bind pager i exit\n"
	"bind pager x exit\n"
	"bind pager Q quit\n"
	"bind pager / search\n"
	"bind pager <esc>/ search-reverse\n"
	"bind pager n search-next\n"
	"bind pager | pipe-message\n"
	"bind pager v view-attachments\n"
	"bind pager h display-toggle-weed\n"
	"bind pager H view-raw-message\n"
	"bind pager ? help\n"
	"bind pager ^L redraw-screen\n"
	"bind pager ^G cancel\n"
	"bind attach j next-entry\n"
	"bind attach <down> next-entry\n"
	"bind attach k previous-entry\n"
	"bind attach <up> previous-entry\n"
	"bind attach <return> view-attach\n"
	"bind attach <enter> view-attach\n"
	"bind attach m view-attach\n"
	"bind attach s save-entry\n"
	"bind attach q exit\n"
	"bind attach x exit\n"
	"bind attach ? help\n"
	"bind attach ^L redraw-screen\n"
	"bind attach ^G cancel\n"
	"bind browser j next-entry\n"
	"bind browser <down> next-entry\n"
	"bind browser k previous-entry\n"
	"bind browser <up> previous-entry\n"
	"bind browser <pagedown> next-page\n"
	"bind browser <pageup> previous-page\n"
	"bind browser = first-entry\n"
	"bind browser <home> first-entry\n"
	"bind browser * last-entry\n"
	"bind browser <end> last-entry\n"
	"bind browser <return> select-entry\n"
	"bind browser <enter> select-entry\n"
	"bind browser C create-mailbox\n"
	"bind browser r rename-mailbox\n"
	"bind browser d delete-mailbox\n"
	"bind browser s subscribe\n"
	"bind browser u unsubscribe\n"
	"bind browser <tab> toggle-subscribed\n"
	"bind browser q exit\n"
	"bind browser x exit\n"
	"bind browser ? help\n"
	"bind browser ^L redraw-screen\n"
	"bind browser ^G cancel\n"
	"bind outbox j next-entry\n"
	"bind outbox <down> next-entry\n"
	"bind outbox k previous-entry\n"
	"bind outbox <up> previous-entry\n"
	"bind outbox <return> edit-message\n"
	"bind outbox <enter> edit-message\n"
	"bind outbox e edit-message\n"
	"bind outbox d delete-entry\n"
	"bind outbox r retry-send\n"
	"bind outbox q exit\n"
	"bind outbox x exit\n"
	"bind outbox ? help\n"
	"bind outbox ^L redraw-screen\n";

#define KEYMAP_FN_NAME(id, name, needs, help) name,
#define KEYMAP_FN_HELP(id, name, needs, help) help,
#define KEYMAP_FN_NEEDS(id, name, needs, help) needs,
static const char *const function_names[KEYMAP_FN_COUNT] = { "", KEYMAP_FUNCTIONS(KEYMAP_FN_NAME) };
static const char *const function_help[KEYMAP_FN_COUNT] = { "", KEYMAP_FUNCTIONS(KEYMAP_FN_HELP) };
static const unsigned function_needs[KEYMAP_FN_COUNT] = { 0, KEYMAP_FUNCTIONS(KEYMAP_FN_NEEDS) };
#undef KEYMAP_FN_NAME
#undef KEYMAP_FN_HELP
#undef KEYMAP_FN_NEEDS

static const char *const map_names[KEYMAP_MAP_COUNT] = { "index", "pager", "attach", "browser", "compose", "outbox" };

static const struct {
	const char *name;
	int key;
} key_names[] = {
	{ "up", KEYMAP_KEY_UP }, { "down", KEYMAP_KEY_DOWN }, { "left", KEYMAP_KEY_LEFT },
	{ "right", KEYMAP_KEY_RIGHT }, { "pageup", KEYMAP_KEY_PAGEUP }, { "pagedown", KEYMAP_KEY_PAGEDOWN },
	{ "home", KEYMAP_KEY_HOME }, { "end", KEYMAP_KEY_END }, { "insert", KEYMAP_KEY_INSERT },
	{ "delete", KEYMAP_KEY_DELETE }, { "backspace", KEYMAP_KEY_BACKSPACE }, { "enter", KEYMAP_KEY_ENTER },
	{ "return", '\r' }, { "space", ' ' }, { "tab", '\t' }, { "esc", KEYMAP_KEY_ESC },
	/* mutt's other names */
	{ "keypadenter", KEYMAP_KEY_ENTER }, { "backtab", KEYMAP_KEY_BACKTAB }, { "next", KEYMAP_KEY_PAGEDOWN },
	{ "begin", KEYMAP_KEY_BEGIN },
};

const char *keymap_function_name(enum keymap_fn fn) { return function_names[fn]; }
const char *keymap_function_help(enum keymap_fn fn) { return function_help[fn]; }
unsigned keymap_function_needs(enum keymap_fn fn) { return function_needs[fn]; }
const char *keymap_map_name(enum keymap_map map) { return map_names[map]; }

static enum keymap_fn function_lookup(const char *name)
{
	for (int fn = 1; fn < KEYMAP_FN_COUNT; fn++)
		if (strcmp(function_names[fn], name) == 0)
			return (enum keymap_fn)fn;
	return KEYMAP_FN_NONE;
}

static int map_lookup(const char *name)
{
	for (int map = 0; map < KEYMAP_MAP_COUNT; map++)
		if (strcmp(map_names[map], name) == 0)
			return map;
	return -1;
}

/* One key at *p, in mutt's notation; advances *p. -1 when it is not a
 * key tern knows: an unknown <name> or backslash escape is refused, never
 * read as the characters it is made of (that bound a sequence no one
 * could type). */
static int parse_one(const char **p)
{
	const unsigned char *s = (const unsigned char *)*p;

	if (s[0] == '<' && s[1] && s[1] != '>') {
		const char *close = strchr((const char *)s, '>');
		if (!close)
			return -1;
		size_t len = (size_t)(close - (const char *)s - 1);
		for (size_t i = 0; i < LIB_ARRAY_LEN(key_names); i++) {
			if (strlen(key_names[i].name) == len && strncasecmp((const char *)s + 1, key_names[i].name, len) == 0) {
				*p = close + 1;
				return key_names[i].key;
			}
		}
		if ((s[1] == 'f' || s[1] == 'F') && len >= 2 && len <= 3 && strspn((const char *)s + 2, "0123456789") == len - 1) {
			int n = atoi((const char *)s + 2);
			if (n >= 1 && n <= 63) {
				*p = close + 1;
				return KEYMAP_KEY_F0 + n;
			}
		}
		if (len >= 1 && len <= 3 && strspn((const char *)s + 1, "01234567") == len) { /* mutt's <177>: octal */
			int code = (int)strtol((const char *)s + 1, NULL, 8);
			if (code > 0 && code < 0x100) {
				*p = close + 1;
				return code;
			}
		}
		return -1;
	}
	if (s[0] == '^' && s[1]) {
		*p += 2;
		return s[1] == '?' ? 0x7f : (s[1] & 0x1f);
	}
	if (s[0] == '\\') {
		static const struct { char escape; int key; } escapes[] = {
			{ 'e', KEYMAP_KEY_ESC }, { 'E', KEYMAP_KEY_ESC }, { 't', '\t' }, { 'n', '\r' }, { 'r', '\r' }, { '\\', '\\' },
		};
		if ((s[1] == 'C' || s[1] == 'c') && s[2] > 0x20 && s[2] < 0x7f) {
			*p += 3;
			return s[2] == '?' ? 0x7f : s[2] & 0x1f;
		}
		for (size_t i = 0; i < LIB_ARRAY_LEN(escapes); i++)
			if (s[1] == escapes[i].escape) {
				*p += 2;
				return escapes[i].key;
			}
		return -1;
	}
	/* one UTF-8 character */
	int n = s[0] < 0x80 ? 1 : s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	int cp = n == 1 ? s[0] : s[0] & (0xff >> (n + 1));
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	*p += n;
	return cp;
}

int keymap_key_parse(const char *text, int *keys, int max)
{
	int n = 0;

	while (*text) {
		int key = parse_one(&text);
		if (key < 0 || n == max)
			return -1;
		keys[n++] = key;
	}
	return n ? n : -1;
}

/* The names of n keys one after the other ("<esc>v", "gg") into out. */
static void keys_name(const int *keys, int n, char *out, size_t size)
{
	char one[24];

	out[0] = '\0';
	for (int k = 0; k < n; k++) {
		keymap_key_name(keys[k], one, sizeof(one));
		strncat(out, one, size - strlen(out) - 1);
	}
}

void keymap_key_name(int key, char *out, size_t size)
{
	for (size_t i = 0; i < LIB_ARRAY_LEN(key_names); i++) {
		if (key_names[i].key == key) {
			snprintf(out, size, "<%s>", key_names[i].name);
			return;
		}
	}
	if (key > KEYMAP_KEY_F0 && key < KEYMAP_KEY_F0 + 64)
		snprintf(out, size, "<f%d>", key - KEYMAP_KEY_F0);
	else if (key < 0x20)
		snprintf(out, size, "^%c", key + '@');
	else if (key == 0x7f)
		snprintf(out, size, "^?");
	else if (key < KEYMAP_KEY_SPECIAL) {
		struct buf b = BUF_INIT;
		char utf8[5];
		int n = key < 0x80 ? 1 : key < 0x800 ? 2 : key < 0x10000 ? 3 : 4;
		if (n == 1) {
			utf8[0] = (char)key;
		} else {
			for (int i = n - 1; i > 0; i--) {
				utf8[i] = (char)(0x80 | (key & 0x3f));
				key >>= 6;
			}
			utf8[0] = (char)((0xf00 >> n) | key);
		}
		lib_sanitize(&b, utf8, (size_t)n, LIB_SANITIZE_LINE);
		snprintf(out, size, "%s", b.data ? b.data : "?");
		buf_free(&b);
	} else {
		snprintf(out, size, "<key %d>", key >= KEYMAP_KEY_OTHER ? key - KEYMAP_KEY_OTHER : key - KEYMAP_KEY_SPECIAL);
	}
}

/* A binding that would make keys (nkeys of them) either untypable (a
 * shorter start of it is bound: that key acts at once) or a shadow over
 * longer bindings (it is their start), as a sentence with the fix, like
 * NeoMutt's; NULL when keys can be bound. A key bound to noop is free. */
static char *bind_conflict(const struct keymap_bindings *m, enum keymap_map map, const int *keys, int nkeys)
{
	char name[128], other[128];

	for (size_t i = 0; i < m->count; i++) {
		const struct keymap_binding *b = &m->bindings[i];
		if (b->fn == KEYMAP_FN_NONE || b->nkeys == nkeys)
			continue;
		int shorter = b->nkeys < nkeys ? b->nkeys : nkeys;
		if (memcmp(b->keys, keys, (size_t)shorter * sizeof(int)) != 0)
			continue;
		keys_name(keys, nkeys, name, sizeof(name));
		keys_name(b->keys, b->nkeys, other, sizeof(other));
		if (b->nkeys < nkeys)
			return xasprintf("bind: '%s' would never be typed: '%s' is bound to %s and acts at once; "
			                 "unbind it first with: bind %s %s noop",
			                 name, other, keymap_function_name(b->fn), map_names[map], other);
		return xasprintf("bind: '%s' starts '%s' (%s), which could then never be typed; unbind that first "
		                 "with: bind %s %s noop",
		                 name, other, keymap_function_name(b->fn), map_names[map], other);
	}
	return NULL;
}

static void bind_keys(struct keymap_bindings *map, const int *keys, int nkeys, enum keymap_fn fn)
{
	for (size_t i = 0; i < map->count; i++) {
		struct keymap_binding *b = &map->bindings[i];
		if (b->nkeys == nkeys && memcmp(b->keys, keys, (size_t)nkeys * sizeof(int)) == 0) {
			b->fn = fn; /* a later bind replaces an earlier one */
			return;
		}
	}
	map->bindings = xrealloc(map->bindings, (map->count + 1) * sizeof(*map->bindings));
	struct keymap_binding *b = &map->bindings[map->count++];
	memset(b, 0, sizeof(*b));
	memcpy(b->keys, keys, (size_t)nkeys * sizeof(int));
	b->nkeys = nkeys;
	b->fn = fn;
}

/* Parses push text: <function> names and keys, in order. */
static int parse_push(const char *text, struct keymap_pushed **out, size_t *count)
{
	while (*text) {
		struct keymap_pushed item = { 0, KEYMAP_FN_NONE };
		if (*text == '<') {
			const char *close = strchr(text, '>');
			if (close) {
				char *name = xstrndup(text + 1, (size_t)(close - text - 1));
				item.fn = function_lookup(name);
				free(name);
				if (item.fn != KEYMAP_FN_NONE)
					text = close + 1;
			}
		}
		if (item.fn == KEYMAP_FN_NONE && (item.key = parse_one(&text)) < 0)
			return -1;
		*out = xrealloc(*out, (*count + 1) * sizeof(**out));
		(*out)[(*count)++] = item;
	}
	return 0;
}

/* Applies one command to keys (a scratch copy when only checking).
 * Returns 0 or -1 with a diag added. */
static int apply(struct conf *conf, const struct conf_command *cmd, struct keymap *keys);

static void diag_error(struct conf *conf, const struct conf_command *cmd, const char *fmt, const char *word)
{
	char *message = xasprintf(fmt, word);
	char *text = cmd->line > 0 ? xasprintf("%s:%d: %s", cmd->file, cmd->line, message)
	                           : xasprintf("%s: %s", cmd->file, message);
	free(message);
	conf->diags = xrealloc(conf->diags, (conf->ndiags + 1) * sizeof(*conf->diags));
	conf->diags[conf->ndiags].text = text;
	conf->diags[conf->ndiags].is_error = 1;
	conf->ndiags++;
	conf->nerrors++;
}

int keymap_color_check(struct conf *conf, const struct conf_command *cmd); /* keymap-color.c */

static int apply(struct conf *conf, const struct conf_command *cmd, struct keymap *keys)
{
	if (strcmp(cmd->name, "color") == 0)
		return keymap_color_check(conf, cmd);
	if (strcmp(cmd->name, "push") == 0) {
		struct keymap_pushed *pending = NULL;
		size_t count = 0;
		if (parse_push(cmd->argv[0], &pending, &count) < 0) {
			free(pending);
			diag_error(conf, cmd, "push: cannot read the keys '%s'", cmd->argv[0]);
			return -1;
		}
		keys->pushed = xrealloc(keys->pushed, (keys->npushed + count) * sizeof(*pending));
		memcpy(keys->pushed + keys->npushed, pending, count * sizeof(*pending));
		keys->npushed += count;
		free(pending);
		return 0;
	}
	if (strcmp(cmd->name, "bind") != 0)
		return 0;
	int seq[KEYMAP_MAX_SEQ];
	int map = map_lookup(cmd->argv[0]);
	int nkeys = keymap_key_parse(cmd->argv[1], seq, KEYMAP_MAX_SEQ);
	enum keymap_fn fn = function_lookup(cmd->argv[2]);
	if (map < 0) {
		diag_error(conf, cmd, "bind: unknown map '%s' (index, pager, attach, browser or compose)", cmd->argv[0]);
		return -1;
	}
	if (nkeys < 0) {
		diag_error(conf, cmd,
		           "bind: cannot read the key '%s' (up to 8 keys, each a character, ^X or \\CX, \\e or <esc>, "
		           "<name> such as <pagedown>, <f1> or <177>; see mailrc(5))",
		           cmd->argv[1]);
		return -1;
	}
	if (fn == KEYMAP_FN_NONE && strcmp(cmd->argv[2], "noop") != 0) {
		diag_error(conf, cmd, "bind: unknown function '%s' (see tern(1), or press ? in tern)", cmd->argv[2]);
		return -1;
	}
	char *conflict = fn == KEYMAP_FN_NONE ? NULL : bind_conflict(&keys->maps[map], map, seq, nkeys);
	if (conflict) {
		diag_error(conf, cmd, "%s", conflict);
		free(conflict);
		return -1;
	}
	bind_keys(&keys->maps[map], seq, nkeys, fn);
	return 0;
}

static void load_defaults(struct keymap *keys);

size_t keymap_check_commands(struct conf *conf)
{
	struct keymap scratch; /* a bind is checked against the ones before it */
	size_t errors = 0;

	load_defaults(&scratch);
	for (size_t i = 0; i < conf->ncommands; i++)
		errors += apply(conf, &conf->commands[i], &scratch) < 0;
	keymap_free(&scratch);
	return errors;
}

void keymap_load(struct keymap *keys, struct conf *conf)
{
	load_defaults(keys);
	for (size_t i = 0; i < conf->ncommands; i++)
		apply(conf, &conf->commands[i], keys);
}

static void load_defaults(struct keymap *keys)
{
	struct conf *defaults = xcalloc(1, sizeof(*defaults));
	char *text = xstrdup(default_bindings), *save = NULL;

	memset(keys, 0, sizeof(*keys));
	defaults->path = xstrdup("default bindings");
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		conf_apply_line(defaults, "default bindings", line);
	for (size_t i = 0; i < defaults->ncommands; i++)
		if (apply(defaults, &defaults->commands[i], keys) < 0)
			lib_fatal("bad default binding: %s", defaults->diags[defaults->ndiags - 1].text);
	free(text);
	conf_free(defaults);
}

void keymap_free(struct keymap *keys)
{
	for (int map = 0; map < KEYMAP_MAP_COUNT; map++)
		free(keys->maps[map].bindings);
	free(keys->pushed);
	memset(keys, 0, sizeof(*keys));
}

int keymap_lookup(const struct keymap *keys, enum keymap_map map, const int *seq, int n)
{
	const struct keymap_bindings *m = &keys->maps[map];
	int prefix = 0;
	enum keymap_fn exact = KEYMAP_FN_NONE;

	for (size_t i = 0; i < m->count; i++) {
		const struct keymap_binding *b = &m->bindings[i];
		if (b->nkeys < n || b->fn == KEYMAP_FN_NONE || memcmp(b->keys, seq, (size_t)n * sizeof(int)) != 0)
			continue;
		if (b->nkeys == n)
			exact = b->fn;
		else
			prefix = 1;
	}
	return exact != KEYMAP_FN_NONE ? (int)exact : prefix ? -1 : KEYMAP_FN_NONE;
}
