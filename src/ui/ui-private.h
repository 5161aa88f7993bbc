/* Internals shared by the ui module's files. */
#ifndef TERN_UI_PRIVATE_H
#define TERN_UI_PRIVATE_H

#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <stddef.h>
#include <stdint.h>

#include "../conf/conf.h"
#include "../lib/lib.h"
#include "ui.h"

/* Keys: Unicode code points, or curses KEY_* codes moved above Unicode
 * (KEY_* values collide with code points 0x101-0x1ff otherwise). */
#define UI_KEY_SPECIAL 0x200000
#define UI_KEY(curses_code) (UI_KEY_SPECIAL + (curses_code))
#define UI_KEY_ESC 0x1b
#define UI_MAX_SEQ 8 /* keys in one binding: <esc>v is two, gg two */

enum ui_map { UI_MAP_INDEX, UI_MAP_PAGER, UI_MAP_ATTACH, UI_MAP_BROWSER, UI_MAP_COMPOSE, UI_MAP_OUTBOX, UI_MAP_COUNT };

#define UI_FUNCTIONS(X) \
	X(NEXT_ENTRY, "next-entry", "move to the next message") \
	X(PREVIOUS_ENTRY, "previous-entry", "move to the previous message") \
	X(NEXT_PAGE, "next-page", "move one screen down") \
	X(PREVIOUS_PAGE, "previous-page", "move one screen up") \
	X(FIRST_ENTRY, "first-entry", "move to the first message") \
	X(LAST_ENTRY, "last-entry", "move to the last message") \
	X(NEXT_LINE, "next-line", "scroll one line down") \
	X(PREVIOUS_LINE, "previous-line", "scroll one line up") \
	X(TOP, "top", "go to the top") \
	X(BOTTOM, "bottom", "go to the bottom") \
	X(DISPLAY_MESSAGE, "display-message", "read the message") \
	X(EXIT, "exit", "leave this screen") \
	X(QUIT, "quit", "quit tern") \
	X(HELP, "help", "show the key bindings") \
	X(SEARCH, "search", "search forward") \
	X(SEARCH_REVERSE, "search-reverse", "search backward") \
	X(SEARCH_NEXT, "search-next", "repeat the last search") \
	X(CHANGE_FOLDER, "change-folder", "open another folder") \
	X(VIEW_ATTACHMENTS, "view-attachments", "list the attachments") \
	X(PIPE_MESSAGE, "pipe-message", "pipe the message to a command") \
	X(VIEW_RAW, "view-raw-message", "show the message source") \
	X(TOGGLE_HEADERS, "display-toggle-weed", "show all headers or the chosen ones") \
	X(COLLAPSE_THREAD, "collapse-thread", "collapse or expand this thread") \
	X(COLLAPSE_ALL, "collapse-all", "collapse or expand all threads") \
	X(SORT, "sort-mailbox", "choose the sort order") \
	X(SORT_REVERSE, "sort-reverse", "choose the sort order, reversed") \
	X(SAVE_ENTRY, "save-entry", "save the attachment to a file") \
	X(VIEW_ATTACH, "view-attach", "open the attachment") \
	X(REDRAW, "redraw-screen", "redraw the screen") \
	X(CANCEL, "cancel", "cancel the operation under way (Ctrl-G)") \
	X(TOGGLE_NEW, "toggle-new", "mark read or unread") \
	X(FLAG_MESSAGE, "flag-message", "flag or unflag") \
	X(DELETE_MESSAGE, "delete-message", "delete (to the trash folder, or mark deleted)") \
	X(UNDELETE_MESSAGE, "undelete-message", "remove the deleted mark, or bring back what d or s moved away") \
	X(UNDO, "undo", "bring back the messages of the last delete or move") \
	X(SYNC_MAILBOX, "sync-mailbox", "expunge the messages marked deleted") \
	X(SAVE_MESSAGE, "save-message", "move to another folder") \
	X(COPY_MESSAGE, "copy-message", "copy to another folder") \
	X(TAG_ENTRY, "tag-entry", "tag or untag") \
	X(TAG_PREFIX, "tag-prefix", "apply the next action to all tagged messages") \
	X(TAG_PATTERN, "tag-pattern", "tag the messages matching a pattern") \
	X(LIMIT, "limit", "show only the messages matching a pattern") \
	X(BROWSE_FOLDERS, "browse-folders", "list the folders with their counts") \
	X(CHANGE_ACCOUNT, "change-account", "switch to another account of the mailrc") \
	X(SELECT_ENTRY, "select-entry", "open the folder") \
	X(CREATE_MAILBOX, "create-mailbox", "create a folder") \
	X(RENAME_MAILBOX, "rename-mailbox", "rename the folder") \
	X(DELETE_MAILBOX, "delete-mailbox", "delete the folder (asks first)") \
	X(SUBSCRIBE, "subscribe", "subscribe to the folder") \
	X(UNSUBSCRIBE, "unsubscribe", "unsubscribe from the folder") \
	X(TOGGLE_SUBSCRIBED, "toggle-subscribed", "show all folders or the subscribed ones") \
	X(COMPOSE, "mail", "write a new message") \
	X(REPLY, "reply", "reply to the sender") \
	X(GROUP_REPLY, "group-reply", "reply to everyone") \
	X(FORWARD, "forward-message", "forward the message") \
	X(LIST_REPLY, "list-reply", "reply to the mailing list (List-Post)") \
	X(FORWARD_ATTACHED, "forward-attached", "forward the message as a message/rfc822 attachment") \
	X(RECALL, "recall-message", "open the Drafts folder; there, reopen the draft") \
	X(POSTPONE, "postpone-message", "save the message to the Drafts folder") \
	X(RENAME_ATTACHMENT, "rename-attachment", "change the file name an attachment is sent with") \
	X(SEND_MESSAGE, "send-message", "send the message") \
	X(EDIT_MESSAGE, "edit-message", "edit the message again") \
	X(EDIT_FROM, "edit-from", "change From") \
	X(EDIT_TO, "edit-to", "change To") \
	X(EDIT_CC, "edit-cc", "change Cc") \
	X(EDIT_BCC, "edit-bcc", "change Bcc") \
	X(EDIT_SUBJECT, "edit-subject", "change the Subject") \
	X(ATTACH_FILE, "attach-file", "attach a file") \
	X(DETACH_FILE, "detach-file", "remove the last attachment") \
	X(OUTBOX, "outbox", "list the messages waiting in the outbox, and why") \
	X(DELETE_ENTRY, "delete-entry", "delete the outbox message (asks first)") \
	X(RETRY_SEND, "retry-send", "send the outbox message now") \
	X(ERROR_HISTORY, "error-history", "show the messages of this session again, in full")

#define UI_FN_ENUM(id, name, help) UI_FN_##id,
enum ui_function { UI_FN_NONE, UI_FUNCTIONS(UI_FN_ENUM) UI_FN_COUNT };
#undef UI_FN_ENUM

struct ui_binding {
	int keys[UI_MAX_SEQ];
	int nkeys;
	enum ui_function fn;
};

struct ui_keymap {
	struct ui_binding *bindings;
	size_t count;
};

/* What push queued: a key, or a function by name (<quit>). */
struct ui_pending {
	int key;
	enum ui_function fn;
};

struct ui_keys {
	struct ui_keymap maps[UI_MAP_COUNT];
	struct ui_pending *pushed;
	size_t npushed, pushed_at;
};

const char *ui_function_name(enum ui_function fn);
const char *ui_function_help(enum ui_function fn);
const char *ui_map_name(enum ui_map map);
/* Parses a key sequence in mutt's notation ("j", "gg", "^G", "\\Cg",
 * "<PageDown>", "<Esc>v", "\\ev", "<F1>", "<177>"); returns the number of
 * keys, or -1 (a name, escape or length tern does not know). */
int ui_key_parse(const char *text, int *keys, int max);
/* Writes a key's name ("j", "<down>", "^G") into out. */
void ui_key_name(int key, char *out, size_t size);

/* Loads the default bindings, then the mailrc's bind and push commands.
 * Problems go to conf->diags (so --check-config reports them too). */
void ui_keys_load(struct ui_keys *keys, struct conf *conf);
void ui_keys_free(struct ui_keys *keys);
/* Looks up a key sequence in map: the function, UI_FN_NONE when nothing
 * matches, or -1 when it is the prefix of a longer binding (the next key
 * decides). The binding rules make a bound key never a prefix too. */
int ui_keys_lookup(const struct ui_keys *keys, enum ui_map map, const int *seq, int n);

/* Index line formatting (ui-format.c; no curses). */
struct model_summary;
struct ui_row {
	size_t number;      /* 1-based, in display order */
	const char *tree;   /* thread tree prefix, "" when none */
	size_t hidden;      /* messages under a collapsed thread */
	int tagged;         /* shown as '*' before the flags */
};
/* Renders one index line for summary into out, cut or padded to width
 * columns, every message byte sanitized. */
void ui_format_index(struct buf *out, const char *format, const struct model_summary *summary,
                     const struct ui_row *row, size_t width);

#endif
