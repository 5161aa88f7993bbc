/* The reader's state and screens, shared by the ui files that draw. */
#ifndef TERN_UI_SCREEN_H
#define TERN_UI_SCREEN_H

#include "ui-private.h"
#include "../model/model.h"

void ui_colors_apply(attr_t *colors, const struct conf *conf);
/* The colour of a line quoted level + 1 deep (level 0: "> "): quoted0 to
 * quoted9 in turn, as mutt does, over the levels the mailrc colours (all
 * of them one colour when it sets only "quoted"), else four defaults. */
enum keymap_color ui_color_quote(unsigned level);

struct ui_folder_count {
	char *name;
	unsigned messages, unseen;
};

struct ui_pager;
struct ui_attach;
struct ui_browser;
struct compose;
struct ui_outbox;
struct ui_history;
struct ui_undo;
struct model_mailbox;
struct model_view;
struct engine_worker;

struct ui;

/* A screen (ui-mode.c): its own file, state and ops, as tmux's window
 * modes. The open ones form a stack, ordered by the layers of ui-mode.c. */
struct ui_mode {
	const char *name;
	int map;        /* the keys it reads (enum keymap_map), or -1: those of the screen below */
	unsigned flags; /* UI_MODE_* */
	void (*draw)(struct ui *ui);
	/* Runs fn; 0 when it does not (fn then goes down the stack). */
	int (*function)(struct ui *ui, enum keymap_fn fn);
	/* Frees its state once it has left the stack (NULL: none). */
	void (*close)(struct ui *ui);
};
enum {
	UI_MODE_MODAL = 1,  /* every function is its own (help, history): not even quit goes past it */
	UI_MODE_OPAQUE = 2, /* a function it does not run stops there (but redraw) */
	UI_MODE_CHECKS = 4, /* the function table's preconditions are checked before it runs one */
};
#define UI_MODE_MAX 8

extern const struct ui_mode ui_mode_index, ui_mode_pager, ui_mode_attach, ui_mode_browser, ui_mode_outbox,
	ui_mode_compose, ui_mode_help, ui_mode_history;

/* Opens mode at its layer (nothing when it is open). */
void ui_mode_push(struct ui *ui, const struct ui_mode *mode);
/* Takes mode off the stack, wherever it is, and closes it. */
void ui_mode_remove(struct ui *ui, const struct ui_mode *mode);
int ui_mode_is_open(const struct ui *ui, const struct ui_mode *mode);
const struct ui_mode *ui_mode_top(const struct ui *ui);
/* The keys of the screen on top. */
enum keymap_map ui_map(const struct ui *ui);
/* Runs fn: the global ones (quit, help, error history), then down the
 * stack from the top. */
void ui_run_function(struct ui *ui, enum keymap_fn fn);

struct ui {
	struct conf *conf;
	const struct conf_account *account;
	struct engine_worker *worker;   /* the current account's */
	struct engine_worker **workers; /* one per account of conf, started when first used */
	int wake[2];                    /* every worker writes here */
	struct keymap keys;
	attr_t colors[KEYMAP_COLOR_COUNT];
	const struct ui_mode *modes[UI_MODE_MAX]; /* the screens open, bottom (the index) first: ui-mode.c */
	size_t nmodes;

	char *folder;      /* UTF-8 */
	char *wire_folder; /* modified UTF-7 */
	struct model_mailbox *mbox;
	struct model_view *view;
	enum model_sort sort;
	int reverse;
	size_t cursor, top;
	int synced, failed;
	size_t known;      /* messages when last synced: more after a resync is new mail */
	uint32_t placed_uid; /* where tern put the cursor while opening (0: nowhere yet); moved: the user's */
	char state[160];   /* the sync state in the status line */
	struct buf message;
	int message_is_error;

	int seq[KEYMAP_MAX_SEQ];
	int nseq;
	size_t help_top;          /* the help screen's first row */
	struct ui_pager *pager;   /* the message open in the pager, or NULL */
	struct ui_attach *attach; /* the attachment list, or NULL */
	struct ui_browser *browser; /* the folder browser, or NULL */
	struct compose *compose; /* the message being written, or NULL */
	struct ui_outbox *outbox_screen; /* the outbox list, or NULL */
	struct ui_history *history; /* what was said on the bottom row (M), or NULL */
	struct ui_undo *undo;       /* messages d and s moved away, kept on screen for u, or NULL */
	char **folders;           /* the account's folders (UTF-8), for completion */
	size_t nfolders;
	struct ui_folder_count *counts; /* every folder's counts (STATUS), for the sidebar */
	size_t ncounts;
	time_t counts_asked;      /* when they were last asked for */
	size_t outbox;            /* messages of this account waiting in the outbox */
	char *search;             /* the last search in the pager */
	struct model_pattern *search_pattern; /* the last search in the index */
	struct model_pattern *limit; /* l: only matching messages are shown */
	char *limit_text;
	size_t *lrows;            /* under a limit: the view rows shown, ascending */
	struct model_pattern *pending_pattern; /* waiting for the server's UID SEARCH */
	char *pending_text;
	enum keymap_fn pending_fn;
	int search_token;         /* matches the answer to the latest server search */
	size_t nlrows;
	int search_dir;
	enum keymap_fn pending; /* runs once the opened message has arrived */
	struct model_uid_set tags; /* tagged uids */
	int tag_prefix;           /* ';' was pressed: the next action is for the tagged */
	struct model_pending_flags pending_flags; /* flag changes the server has not confirmed yet */
	struct model_uid_set marked; /* uids this session marked deleted: what $ may expunge */
	/* an EXPUNGE the server could not limit to this session's messages (no
	 * UIDPLUS): the folder and how many others $ would remove too, if asked */
	char *expunge_all_folder;
	size_t expunge_others;
	int collapsed_all;
	int quit;
};

/* ui-main.c */
/* Draws the screen on top (into the grid) and puts it on the terminal. */
void ui_draw(struct ui *ui);
void ui_say(struct ui *ui, int is_error, const char *text);
/* Runs new-mail-command, if set, for n new messages. */
void ui_new_mail(struct ui *ui, size_t n);
void ui_draw_message(struct ui *ui);
/* Pads line with '-' to the width and draws it as the status line. */
void ui_draw_status(struct ui *ui, struct buf *line);
size_t ui_rows(void);
/* Rows on screen: the view's, or under a limit the matching ones. */
size_t ui_count(struct ui *ui);
/* The summary under the index cursor, or NULL. */
const struct model_summary *ui_current(struct ui *ui);
/* Moves the index cursor one message on (dir 1) or back (-1); 0 when
 * there is none. */
int ui_step(struct ui *ui, int dir);

/* The worker of account, started when first needed. */
struct engine_worker *ui_worker(struct ui *ui, const struct conf_account *account);

/* Rebuilds the index view, keeping the cursor on keep_uid if it is there. */
void ui_rebuild_view(struct ui *ui, uint32_t keep_uid);
/* Handles events until a DONE or ERROR of job arrives (at most 30 s; a
 * key ends the wait), for actions that must finish before tern goes on. */
void ui_wait_job(struct ui *ui, int job);

/* ui-index.c: the index mode. */
/* The uid under the cursor, or 0. */
uint32_t ui_cursor_uid(struct ui *ui);
/* The index's status line. */
void ui_index_status(struct ui *ui);
/* The row mutt opens a folder on: the first new message, else the first
 * unread, else the newest. */
size_t ui_index_first_row(struct ui *ui);
/* Puts a compiled pattern to use for fn (LIMIT, SEARCH, SEARCH_REVERSE,
 * TAG_PATTERN); takes p and text. */
void ui_index_use_pattern(struct ui *ui, enum keymap_fn fn, struct model_pattern *p, char *text);
/* Whether fn's preconditions (keymap.h's KEYMAP_NEEDS_*) hold; when not,
 * a reason may have been said. */
int ui_index_ready(struct ui *ui, enum keymap_fn fn);
/* Leaves the folder and the account for account's INBOX (ui-main.c). */
void ui_change_account(struct ui *ui, const struct conf_account *account);

/* ui-action.c */
struct engine_event;
int ui_action_function(struct ui *ui, enum keymap_fn fn);
void ui_action_event(struct ui *ui, struct engine_event *ev);
int ui_tagged(const struct ui *ui, uint32_t uid);
/* Tags every message of the folder that matches p; returns how many. */
size_t ui_tag_matching(struct ui *ui, const struct model_pattern *p);
void ui_tags_clear(struct ui *ui);
/* Re-applies unconfirmed flag changes to a fresh snapshot of the folder. */
void ui_pending_flags_apply(struct ui *ui);
void ui_pending_flags_free(struct ui *ui);
/* mark-old: the folder is being left; its unread new messages, all seen
 * in the index, become old (as mutt's mark_old). */
void ui_mark_old(struct ui *ui);
/* Offers to expunge what is marked deleted; wait: until the server is done. */
void ui_expunge_ask(struct ui *ui, int wait);

/* Whether SIGHUP, SIGTERM or SIGINT asked the reader to end (ui-main.c). */
int ui_ending(void);
/* ui-prompt.c: reads a line on the bottom row; NULL when cancelled (^G,
 * Esc, or a hangup). Tab completes from choices when given. Caller frees. */
char *ui_prompt(struct ui *ui, const char *question, const char *initial, char **choices, size_t nchoices);
/* Asks a yes/no question; 1 yes. */
int ui_yesno(struct ui *ui, const char *question);
/* Leaves curses to run command in the shell (its stdin from input, len
 * bytes, when input is not NULL), waits for a key, comes back. */
void ui_run_command(struct ui *ui, const char *command, const char *input, size_t len, int wait_key);

/* ui-pager.c */
void ui_pager_open(struct ui *ui, const struct model_summary *summary);
void ui_pager_body(struct ui *ui, uint32_t uid, const char *data, size_t len);
void ui_pager_error(struct ui *ui, uint32_t uid, const char *text);
void ui_pager_draw(struct ui *ui);
/* Runs fn in the pager; 0 when the pager does not handle it. */
int ui_pager_function(struct ui *ui, enum keymap_fn fn);
void ui_pager_close(struct ui *ui);
/* The open message's source and parse, or NULL while it loads. */
const char *ui_pager_raw(struct ui *ui, size_t *len);
struct mime_message *ui_pager_mime(struct ui *ui);

/* ui-browser.c */
void ui_browser_open(struct ui *ui);
void ui_browser_close(struct ui *ui);
/* The folder list with counts (stale: offline, as the cache last saw it). */
struct engine_folder_row;
void ui_browser_folders(struct ui *ui, const struct engine_folder_row *rows, size_t count, int stale);
void ui_browser_draw(struct ui *ui);
int ui_browser_function(struct ui *ui, enum keymap_fn fn);
/* Opens folder (UTF-8 name) in the index. */
void ui_open_folder(struct ui *ui, const char *folder);

/* ui-compose.c */
/* Starts writing: COMPOSE, or REPLY, GROUP_REPLY, LIST_REPLY, FORWARD,
 * FORWARD_ATTACHED of the message in the pager. */
void ui_compose_start(struct ui *ui, enum keymap_fn fn);
/* Reopens the message in the pager, a draft of folder (wire name, with
 * its UIDVALIDITY), on the compose screen; the server copy is removed
 * once it is sent or postponed again. */
void ui_compose_recall(struct ui *ui, const char *folder, uint32_t uidvalidity);
/* Offers to recover a draft a crash left; 1 when the compose screen is up. */
int ui_compose_recover(struct ui *ui);
/* Takes the outbox message at path (queued or failed, claimed from the
 * worker) onto the compose screen; 1 when it is up. */
int ui_compose_outbox(struct ui *ui, const char *path);
void ui_compose_draw(struct ui *ui);
int ui_compose_function(struct ui *ui, enum keymap_fn fn);
void ui_compose_close(struct ui *ui);

/* ui-outbox.c: what waits in the outbox; edit, delete, retry. */
void ui_outbox_open(struct ui *ui);
void ui_outbox_close(struct ui *ui);
void ui_outbox_draw(struct ui *ui);
int ui_outbox_function(struct ui *ui, enum keymap_fn fn);

/* ui-history.c: the messages of the session (ui_say adds each). */
void ui_history_add(struct ui *ui, int is_error, const char *text);
int ui_history_is_open(const struct ui *ui);
void ui_history_open(struct ui *ui);
void ui_history_draw(struct ui *ui);
int ui_history_function(struct ui *ui, enum keymap_fn fn);
void ui_history_close(struct ui *ui);
void ui_history_free(struct ui *ui);

/* ui-undo.c: rows of messages d and s moved away, and taking them back. */
struct engine_event;
/* Keeps on screen, marked deleted, the messages a move's DONE says where
 * they went; returns how many (the others leave the index). */
size_t ui_undo_keep(struct ui *ui, const struct engine_event *ev);
int ui_undo_is_moved(struct ui *ui, uint32_t uid);
/* Puts the kept rows into a fresh snapshot of the folder. */
void ui_undo_apply(struct ui *ui);
/* u: moves the kept messages among uids back; returns how many. */
size_t ui_undo_restore(struct ui *ui, const uint32_t *uids, size_t n);
/* U: the same for the whole last delete or move. */
void ui_undo_last(struct ui *ui);
/* The DONE or ERROR of a move back: 1 when it was one. */
int ui_undo_event(struct ui *ui, const struct engine_event *ev);
/* $: the kept rows leave the index; leaving the folder: all is forgotten. */
void ui_undo_forget(struct ui *ui);
void ui_undo_clear(struct ui *ui);

/* ui-attach.c */
void ui_attach_open(struct ui *ui);
void ui_attach_draw(struct ui *ui);
int ui_attach_function(struct ui *ui, enum keymap_fn fn);
void ui_attach_close(struct ui *ui);

/* Draws UTF-8 text (already sanitized) at the cursor, cut at width
 * columns. */
void ui_draw_text(const char *text, size_t width);

#endif
