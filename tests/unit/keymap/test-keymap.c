/* The reader's mailrc words without a terminal: key names both ways, the
 * default bindings, bind and push, prefixes, and color commands. */
#include "../tap.h"

#include <stdlib.h>

#include "keymap/keymap.h"
#include "lib/lib.h"

static struct conf *conf_of(const char *text)
{
	struct conf *conf = xcalloc(1, sizeof(*conf));
	char *copy = xstrdup(text), *save = NULL;
	conf->path = xstrdup("test");
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		conf_apply_line(conf, "test", line);
	free(copy);
	return conf;
}

static void name_of(const char *text, const char *want)
{
	int keys[KEYMAP_MAX_SEQ];
	char name[64] = "", one[24];
	int n = keymap_key_parse(text, keys, KEYMAP_MAX_SEQ);
	for (int i = 0; i < n; i++) {
		keymap_key_name(keys[i], one, sizeof(one));
		strncat(name, one, sizeof(name) - strlen(name) - 1);
	}
	is_str(n > 0 ? name : NULL, want, "key '%s' reads as %s", text, want ? want : "nothing");
}

int main(void)
{
	name_of("j", "j");
	name_of("gg", "gg");
	name_of("^G", "^G");
	name_of("\\Cg", "^G");
	name_of("<PageDown>", "<pagedown>");
	name_of("<esc>v", "<esc>v");
	name_of("\\ev", "<esc>v");
	name_of("<F1>", "<f1>");
	name_of("<177>", "^?");
	name_of("<nosuchkey>", NULL);
	name_of("\\q", NULL);
	name_of("abcdefghi", NULL); /* longer than KEYMAP_MAX_SEQ */

	struct conf *conf = conf_of("bind index x quit\nbind pager <f2> help\npush <next-entry>j\n");
	struct keymap keys;
	keymap_load(&keys, conf);
	int seq[2] = { 'j', 0 };
	is_int(keymap_lookup(&keys, KEYMAP_MAP_INDEX, seq, 1), KEYMAP_FN_NEXT_ENTRY, "a default binding: j is next-entry");
	seq[0] = 'x';
	is_int(keymap_lookup(&keys, KEYMAP_MAP_INDEX, seq, 1), KEYMAP_FN_QUIT, "the mailrc's bind adds x");
	seq[0] = KEYMAP_KEY_F0 + 2;
	is_int(keymap_lookup(&keys, KEYMAP_MAP_PAGER, seq, 1), KEYMAP_FN_HELP, "<f2> binds in the pager");
	seq[0] = KEYMAP_KEY_ESC;
	is_int(keymap_lookup(&keys, KEYMAP_MAP_INDEX, seq, 1), -1, "<esc> alone is the start of longer bindings");
	seq[1] = 'v';
	is_int(keymap_lookup(&keys, KEYMAP_MAP_INDEX, seq, 2), KEYMAP_FN_COLLAPSE_THREAD, "<esc>v is collapse-thread");
	seq[0] = 'Z';
	is_int(keymap_lookup(&keys, KEYMAP_MAP_INDEX, seq, 1), KEYMAP_FN_NONE, "an unbound key finds nothing");
	ok(keys.npushed == 2 && keys.pushed[0].fn == KEYMAP_FN_NEXT_ENTRY && keys.pushed[1].key == 'j',
	   "push queues a function by name, then a key");
	is_str(keymap_function_name(KEYMAP_FN_LIST_REPLY), "list-reply", "function names come from the one table");
	is_str(keymap_map_name(KEYMAP_MAP_OUTBOX), "outbox", "map names");
	keymap_free(&keys);
	is_int((long)keymap_check_commands(conf), 0, "good bind, push and color commands pass the check");
	conf_free(conf);

	conf = conf_of("bind index q nosuch-function\nbind nomap q quit\nbind index <esc> quit\ncolor status red "
	               "nocolour\ncolor nothing red blue\ncolor status red blue blinking\npush <nokey\n");
	is_int((long)keymap_check_commands(conf), 7, "every bad command is one error");
	ok(conf->ndiags == 7 && strstr(conf->diags[2].text, "unbind that first"),
	   "a bind that would hide <esc>v says how to unbind that first");
	conf_free(conf);

	conf = conf_of("color quoted2 brightred default bold\n");
	struct keymap_color_spec spec;
	char *why = NULL;
	ok(keymap_color_parse(&conf->commands[0], &spec, &why) == 0 && spec.object == KEYMAP_COLOR_QUOTED1 + 1 &&
	       spec.fg == 1 && spec.fg_bright && spec.bg == -1 && spec.attr == KEYMAP_ATTR_BOLD,
	   "a color command reads into object, colours and attribute");
	is_int(keymap_color_quote_level(spec.object), 2, "quoted2 is quote level 2");
	conf_free(conf);
	return tap_done();
}
