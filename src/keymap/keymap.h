/* keymap: the reader's words in the mailrc, without curses: the key
 * functions (one table), key names in mutt's notation, the maps, and the
 * bind, push and color commands. The reader (ui) draws with them; tern
 * --check-config (cli) checks them with no terminal. */
#ifndef TERN_KEYMAP_H
#define TERN_KEYMAP_H

#include <stddef.h>

#include "../conf/conf.h"

/* Keys: Unicode code points, or the special keys below, above Unicode.
 * The reader translates its terminal's codes into these. */
enum {
	KEYMAP_KEY_ESC = 0x1b,
	KEYMAP_KEY_SPECIAL = 0x200000,
	KEYMAP_KEY_UP, KEYMAP_KEY_DOWN, KEYMAP_KEY_LEFT, KEYMAP_KEY_RIGHT, KEYMAP_KEY_PAGEUP, KEYMAP_KEY_PAGEDOWN,
	KEYMAP_KEY_HOME, KEYMAP_KEY_END, KEYMAP_KEY_INSERT, KEYMAP_KEY_DELETE, KEYMAP_KEY_BACKSPACE,
	KEYMAP_KEY_ENTER, KEYMAP_KEY_BACKTAB, KEYMAP_KEY_BEGIN,
	KEYMAP_KEY_F0 = KEYMAP_KEY_SPECIAL + 0x40, /* <f1> is KEYMAP_KEY_F0 + 1, up to <f63> */
	KEYMAP_KEY_OTHER = KEYMAP_KEY_SPECIAL + 0x1000, /* + the terminal's code of a key with no name */
};
#define KEYMAP_MAX_SEQ 8 /* keys in one binding: <esc>v is two, gg two */

enum keymap_map { KEYMAP_MAP_INDEX, KEYMAP_MAP_PAGER, KEYMAP_MAP_ATTACH, KEYMAP_MAP_BROWSER, KEYMAP_MAP_COMPOSE,
	KEYMAP_MAP_OUTBOX, KEYMAP_MAP_COUNT };

/* What a function needs before it can run in the index (checked once,
 * where functions are dispatched, as NeoMutt's function tables do): a
 * message under the cursor; that or the tagged ones after ';'; threads
 * shown (and no limit). Not met: nothing happens, or the reason is said. */
enum { KEYMAP_NEEDS_MESSAGE = 1, KEYMAP_NEEDS_TARGET = 2, KEYMAP_NEEDS_THREADS = 4 };

/* Every function a key can be bound to: X(ID, "name", NEEDS, "help"). To
 * add one: a line here, a binding in keymap-load.c's defaults, and a case
 * in the function of the screen (ui mode) that runs it. */
#define KEYMAP_FUNCTIONS(X) \
	X(NEXT_ENTRY, "next-entry", 0, "move to the next message") \
	X(PREVIOUS_ENTRY, "previous-entry", 0, "move to the previous message") \
	X(NEXT_PAGE, "next-page", 0, "move one screen down") \
	X(PREVIOUS_PAGE, "previous-page", 0, "move one screen up") \
	X(FIRST_ENTRY, "first-entry", 0, "move to the first message") \
	X(LAST_ENTRY, "last-entry", 0, "move to the last message") \
	X(NEXT_LINE, "next-line", 0, "scroll one line down") \
	X(PREVIOUS_LINE, "previous-line", 0, "scroll one line up") \
	X(TOP, "top", 0, "go to the top") \
	X(BOTTOM, "bottom", 0, "go to the bottom") \
	X(DISPLAY_MESSAGE, "display-message", KEYMAP_NEEDS_MESSAGE, "read the message") \
	X(EXIT, "exit", 0, "leave this screen") \
	X(QUIT, "quit", 0, "quit tern") \
	X(HELP, "help", 0, "show the key bindings") \
	X(SEARCH, "search", 0, "search forward") \
	X(SEARCH_REVERSE, "search-reverse", 0, "search backward") \
	X(SEARCH_NEXT, "search-next", 0, "repeat the last search") \
	X(CHANGE_FOLDER, "change-folder", 0, "open another folder") \
	X(VIEW_ATTACHMENTS, "view-attachments", KEYMAP_NEEDS_MESSAGE, "list the attachments") \
	X(PIPE_MESSAGE, "pipe-message", KEYMAP_NEEDS_MESSAGE, "pipe the message to a command") \
	X(VIEW_RAW, "view-raw-message", 0, "show the message source") \
	X(TOGGLE_HEADERS, "display-toggle-weed", 0, "show all headers or the chosen ones") \
	X(COLLAPSE_THREAD, "collapse-thread", KEYMAP_NEEDS_THREADS | KEYMAP_NEEDS_MESSAGE, "collapse or expand this thread") \
	X(COLLAPSE_ALL, "collapse-all", KEYMAP_NEEDS_THREADS, "collapse or expand all threads") \
	X(SORT, "sort-mailbox", 0, "choose the sort order") \
	X(SORT_REVERSE, "sort-reverse", 0, "choose the sort order, reversed") \
	X(SAVE_ENTRY, "save-entry", 0, "save the attachment to a file") \
	X(VIEW_ATTACH, "view-attach", 0, "open the attachment") \
	X(REDRAW, "redraw-screen", 0, "redraw the screen") \
	X(CANCEL, "cancel", 0, "cancel the operation under way (Ctrl-G)") \
	X(TOGGLE_NEW, "toggle-new", KEYMAP_NEEDS_TARGET, "mark read or unread") \
	X(FLAG_MESSAGE, "flag-message", KEYMAP_NEEDS_TARGET, "flag or unflag") \
	X(DELETE_MESSAGE, "delete-message", KEYMAP_NEEDS_TARGET, "delete (to the trash folder, or mark deleted)") \
	X(UNDELETE_MESSAGE, "undelete-message", KEYMAP_NEEDS_TARGET, "remove the deleted mark, or bring back what d or s moved away") \
	X(UNDO, "undo", 0, "bring back the messages of the last delete or move") \
	X(SYNC_MAILBOX, "sync-mailbox", 0, "expunge the messages marked deleted") \
	X(SAVE_MESSAGE, "save-message", KEYMAP_NEEDS_TARGET, "move to another folder") \
	X(COPY_MESSAGE, "copy-message", KEYMAP_NEEDS_TARGET, "copy to another folder") \
	X(TAG_ENTRY, "tag-entry", KEYMAP_NEEDS_MESSAGE, "tag or untag") \
	X(TAG_PREFIX, "tag-prefix", 0, "apply the next action to all tagged messages") \
	X(TAG_PATTERN, "tag-pattern", 0, "tag the messages matching a pattern") \
	X(LIMIT, "limit", 0, "show only the messages matching a pattern") \
	X(BROWSE_FOLDERS, "browse-folders", 0, "list the folders with their counts") \
	X(CHANGE_ACCOUNT, "change-account", 0, "switch to another account of the mailrc") \
	X(SELECT_ENTRY, "select-entry", 0, "open the folder") \
	X(CREATE_MAILBOX, "create-mailbox", 0, "create a folder") \
	X(RENAME_MAILBOX, "rename-mailbox", 0, "rename the folder") \
	X(DELETE_MAILBOX, "delete-mailbox", 0, "delete the folder (asks first)") \
	X(SUBSCRIBE, "subscribe", 0, "subscribe to the folder") \
	X(UNSUBSCRIBE, "unsubscribe", 0, "unsubscribe from the folder") \
	X(TOGGLE_SUBSCRIBED, "toggle-subscribed", 0, "show all folders or the subscribed ones") \
	X(COMPOSE, "mail", 0, "write a new message") \
	X(REPLY, "reply", KEYMAP_NEEDS_MESSAGE, "reply to the sender") \
	X(GROUP_REPLY, "group-reply", KEYMAP_NEEDS_MESSAGE, "reply to everyone") \
	X(FORWARD, "forward-message", KEYMAP_NEEDS_MESSAGE, "forward the message") \
	X(LIST_REPLY, "list-reply", KEYMAP_NEEDS_MESSAGE, "reply to the mailing list (List-Post)") \
	X(FORWARD_ATTACHED, "forward-attached", KEYMAP_NEEDS_MESSAGE, "forward the message as a message/rfc822 attachment") \
	X(RECALL, "recall-message", 0, "open the Drafts folder; there, reopen the draft") \
	X(POSTPONE, "postpone-message", 0, "save the message to the Drafts folder") \
	X(RENAME_ATTACHMENT, "rename-attachment", 0, "change the file name an attachment is sent with") \
	X(SEND_MESSAGE, "send-message", 0, "send the message") \
	X(EDIT_MESSAGE, "edit-message", 0, "edit the message again") \
	X(EDIT_FROM, "edit-from", 0, "change From") \
	X(EDIT_TO, "edit-to", 0, "change To") \
	X(EDIT_CC, "edit-cc", 0, "change Cc") \
	X(EDIT_BCC, "edit-bcc", 0, "change Bcc") \
	X(EDIT_SUBJECT, "edit-subject", 0, "change the Subject") \
	X(ATTACH_FILE, "attach-file", 0, "attach a file") \
	X(DETACH_FILE, "detach-file", 0, "remove the last attachment") \
	X(OUTBOX, "outbox", 0, "list the messages waiting in the outbox, and why") \
	X(DELETE_ENTRY, "delete-entry", 0, "delete the outbox message (asks first)") \
	X(RETRY_SEND, "retry-send", 0, "send the outbox message now") \
	X(ERROR_HISTORY, "error-history", 0, "show the messages of this session again, in full")

#define KEYMAP_FN_ENUM(id, name, needs, help) KEYMAP_FN_##id,
enum keymap_fn { KEYMAP_FN_NONE, KEYMAP_FUNCTIONS(KEYMAP_FN_ENUM) KEYMAP_FN_COUNT };
#undef KEYMAP_FN_ENUM

struct keymap_binding {
	int keys[KEYMAP_MAX_SEQ];
	int nkeys;
	enum keymap_fn fn;
};

/* The bindings of one map. */
struct keymap_bindings {
	struct keymap_binding *bindings;
	size_t count;
};

/* What push queued: a key, or a function by name (<quit>). */
struct keymap_pushed {
	int key;
	enum keymap_fn fn;
};

struct keymap {
	struct keymap_bindings maps[KEYMAP_MAP_COUNT];
	struct keymap_pushed *pushed;
	size_t npushed, pushed_at;
};

/* Names are borrowed, static. */
const char *keymap_function_name(enum keymap_fn fn);
const char *keymap_function_help(enum keymap_fn fn);
/* KEYMAP_NEEDS_* of fn. */
unsigned keymap_function_needs(enum keymap_fn fn);
const char *keymap_map_name(enum keymap_map map);
/* Parses a key sequence in mutt's notation ("j", "gg", "^G", "\\Cg",
 * "<PageDown>", "<Esc>v", "\\ev", "<F1>", "<177>"); returns the number of
 * keys, or -1 (a name, escape or length tern does not know). */
int keymap_key_parse(const char *text, int *keys, int max);
/* Writes a key's name ("j", "<down>", "^G") into out. */
void keymap_key_name(int key, char *out, size_t size);

/* Loads the default bindings, then the mailrc's bind and push commands.
 * Problems go to conf->diags (so --check-config reports them too). */
void keymap_load(struct keymap *keys, struct conf *conf);
void keymap_free(struct keymap *keys);
/* Looks up a key sequence in map: the function, KEYMAP_FN_NONE when
 * nothing matches, or -1 when it is the prefix of a longer binding (the
 * next key decides). The binding rules make a bound key never a prefix too. */
int keymap_lookup(const struct keymap *keys, enum keymap_map map, const int *seq, int n);

/* Checks the bind, color and push commands of conf and adds a diag for
 * each bad one. Returns the number of errors found. Needs no terminal. */
size_t keymap_check_commands(struct conf *conf);

/* The parts of the screen a color command names. */
enum keymap_color {
	KEYMAP_COLOR_NORMAL, KEYMAP_COLOR_INDICATOR, KEYMAP_COLOR_STATUS, KEYMAP_COLOR_TREE, KEYMAP_COLOR_QUOTED,
	KEYMAP_COLOR_HEADER, KEYMAP_COLOR_ERROR, KEYMAP_COLOR_MESSAGE, KEYMAP_COLOR_SIGNATURE, KEYMAP_COLOR_ATTACHMENT,
	KEYMAP_COLOR_SEARCH, KEYMAP_COLOR_NEW, KEYMAP_COLOR_FLAGGED, KEYMAP_COLOR_DELETED,
	KEYMAP_COLOR_QUOTED1, /* quoted1 to quoted9 follow; "quoted" is quoted0 */
	KEYMAP_COLOR_QUOTED9 = KEYMAP_COLOR_QUOTED1 + 8,
	KEYMAP_COLOR_COUNT
};

enum keymap_attr { KEYMAP_ATTR_NORMAL, KEYMAP_ATTR_BOLD, KEYMAP_ATTR_UNDERLINE, KEYMAP_ATTR_REVERSE,
	KEYMAP_ATTR_STANDOUT, KEYMAP_ATTR_DIM };

/* One color command, read. */
struct keymap_color_spec {
	enum keymap_color object;
	int fg, bg;     /* -1 the terminal's default, 0-255 a colour */
	int fg_bright;  /* brightX: the bright one of the first eight, or bold */
	enum keymap_attr attr;
};

/* Reads a color command into spec; 0, or -1 with the reason (caller
 * frees) when it names an object, colour or attribute tern does not know. */
int keymap_color_parse(const struct conf_command *cmd, struct keymap_color_spec *spec, char **why);
/* 0 to 9 for quoted, quoted0 to quoted9; -1 for other objects. */
int keymap_color_quote_level(enum keymap_color object);

#endif
