/* The outbox: every message is written durably here before any attempt
 * to send it, and leaves only when the server accepted it and its Sent
 * copy is stored (DESIGN.md, durability rules). A Maildir under
 * $XDG_DATA_HOME/tern/outbox; each file is a small envelope, a blank
 * line, then the message:
 *     Tern-Account: work
 *     Tern-From: ana@example.org
 *     Tern-To: bob@example.org          (one line per recipient, Bcc too)
 *     Tern-State: queued | sent | failed
 *     Tern-Reason: why it failed, or why the Sent copy is pending
 *     Tern-Draft: UIDVALIDITY UID FOLDER   (a recalled draft, removed once delivered)
 *     Tern-Bcc: Bob <bob@example.org>      (one line per Bcc address, for the Sent copy)
 * "sent" means the server took it and only the Sent copy is missing: it is
 * never sent again, only copied.
 * Whoever sends, edits or deletes an entry first claims it: an flock on
 * ENTRY.lock beside it, so a worker, a --flush-outbox in another process
 * and the outbox screen never take the same message at once (the entry
 * itself cannot carry the lock: every rewrite renames a new file over it). */
#define _GNU_SOURCE
#include "engine-private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../imap/imap.h"
#include "../mime/mime.h"
#include "../smtp/smtp.h"

static const char *const state_names[] = {
	[ENGINE_OUTBOX_QUEUED] = "queued",
	[ENGINE_OUTBOX_SENT] = "sent",
	[ENGINE_OUTBOX_FAILED] = "failed",
};

const char *engine_outbox_state_name(enum engine_outbox_state state)
{
	return (size_t)state < sizeof(state_names) / sizeof(*state_names) ? state_names[state] : "?";
}

/* A Tern-State value: 0, or -1 for a name tern does not know (the
 * entry is then unreadable, as without the line: never sent blindly). */
static int state_parse(const char *name, enum engine_outbox_state *state)
{
	for (size_t i = 0; i < sizeof(state_names) / sizeof(*state_names); i++) {
		if (strcmp(name, state_names[i]) == 0) {
			*state = (enum engine_outbox_state)i;
			return 0;
		}
	}
	return -1;
}

char *engine_outbox_dir(void)
{
	char *data = lib_path_data_home();
	char *dir = xasprintf("%s/tern/outbox", data);
	free(data);
	return dir;
}

static void make_dirs(const char *dir)
{
	const char *subs[] = { "tmp", "new", "cur" };
	for (size_t i = 0; i < LIB_ARRAY_LEN(subs); i++) {
		char *sub = xasprintf("%s/%s", dir, subs[i]);
		lib_mkdirs(sub, 0700);
		free(sub);
	}
}

void engine_outbox_entry_clear(struct engine_outbox_entry *e)
{
	free(e->path);
	free(e->account);
	free(e->from);
	for (size_t i = 0; i < e->nrcpts; i++)
		free(e->rcpts[i]);
	free(e->rcpts);
	free(e->reason);
	free(e->draft);
	for (size_t i = 0; i < e->nbcc; i++)
		free(e->bcc[i]);
	free(e->bcc);
	free(e->message);
	memset(e, 0, sizeof(*e));
}

void engine_outbox_recipients(struct engine_outbox_entry *e, const struct mime_address_list *to,
                              const struct mime_address_list *cc, const struct mime_address_list *bcc)
{
	const struct mime_address_list *all[] = { to, cc, bcc };

	for (size_t l = 0; l < LIB_ARRAY_LEN(all); l++) {
		for (size_t i = 0; i < all[l]->count; i++) {
			e->rcpts = xrealloc(e->rcpts, (e->nrcpts + 1) * sizeof(*e->rcpts));
			e->rcpts[e->nrcpts++] = xstrdup(all[l]->items[i].addr);
		}
	}
	for (size_t i = 0; i < bcc->count; i++) {
		struct buf one = BUF_INIT;
		mime_mailbox_format(bcc->items[i].name, bcc->items[i].addr, &one);
		e->bcc = xrealloc(e->bcc, (e->nbcc + 1) * sizeof(*e->bcc));
		e->bcc[e->nbcc++] = buf_detach(&one);
	}
}

char *engine_outbox_bcc_text(const struct engine_outbox_entry *e)
{
	struct buf text = BUF_INIT;

	buf_add(&text, "", 0);
	for (size_t i = 0; i < e->nbcc; i++)
		buf_addf(&text, "%s%s", i ? ", " : "", e->bcc[i]);
	return buf_detach(&text);
}

/* Writes e to its path (or a new unique name) durably. */
int engine_outbox_write(struct engine_outbox_entry *e, char **err)
{
	struct buf text = BUF_INIT;

	if (!e->path) {
		char *dir = engine_outbox_dir();
		struct timespec now;
		unsigned char rnd[6];
		int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
		if (fd < 0 || read(fd, rnd, sizeof(rnd)) != (ssize_t)sizeof(rnd))
			memset(rnd, 0, sizeof(rnd));
		if (fd >= 0)
			close(fd);
		make_dirs(dir);
		clock_gettime(CLOCK_REALTIME, &now);
		e->path = xasprintf("%s/new/%lld.%09ld.%d.%02x%02x%02x%02x%02x%02x.tern", dir, (long long)now.tv_sec,
		                    now.tv_nsec, (int)getpid(), rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]);
		free(dir);
	}
	buf_addf(&text, "Tern-Account: %s\nTern-From: %s\n", e->account, e->from);
	for (size_t i = 0; i < e->nrcpts; i++)
		buf_addf(&text, "Tern-To: %s\n", e->rcpts[i]);
	buf_addf(&text, "Tern-State: %s\n", engine_outbox_state_name(e->state));
	if (e->reason && *e->reason) {
		struct buf one = BUF_INIT;
		lib_sanitize(&one, e->reason, strlen(e->reason), LIB_SANITIZE_LINE);
		buf_addf(&text, "Tern-Reason: %s\n", one.data);
		buf_free(&one);
	}
	if (e->draft && !strpbrk(e->draft, "\r\n"))
		buf_addf(&text, "Tern-Draft: %s\n", e->draft);
	for (size_t i = 0; i < e->nbcc; i++)
		if (!strpbrk(e->bcc[i], "\r\n"))
			buf_addf(&text, "Tern-Bcc: %s\n", e->bcc[i]);
	buf_addch(&text, '\n');
	buf_add(&text, e->message, e->len);
	int rc = lib_file_write_durable(e->path, text.data, text.len, 0600, err);
	buf_free(&text);
	return rc;
}

int engine_outbox_read(const char *path, struct engine_outbox_entry *e)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int has_state = 0;

	memset(e, 0, sizeof(*e));
	if (!fp)
		return -1;
	e->path = xstrdup(path);
	while ((len = getline(&line, &cap, fp)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (len == 0)
			break;
		char *value = strchr(line, ' ');
		if (!value)
			continue;
		*value++ = '\0';
		if (strcmp(line, "Tern-Account:") == 0)
			e->account = xstrdup(value);
		else if (strcmp(line, "Tern-From:") == 0)
			e->from = xstrdup(value);
		else if (strcmp(line, "Tern-State:") == 0)
			has_state = state_parse(value, &e->state) == 0;
		else if (strcmp(line, "Tern-Reason:") == 0)
			e->reason = xstrdup(value);
		else if (strcmp(line, "Tern-Draft:") == 0)
			e->draft = xstrdup(value);
		else if (strcmp(line, "Tern-To:") == 0) {
			e->rcpts = xrealloc(e->rcpts, (e->nrcpts + 1) * sizeof(*e->rcpts));
			e->rcpts[e->nrcpts++] = xstrdup(value);
		} else if (strcmp(line, "Tern-Bcc:") == 0) {
			e->bcc = xrealloc(e->bcc, (e->nbcc + 1) * sizeof(*e->bcc));
			e->bcc[e->nbcc++] = xstrdup(value);
		}
	}
	struct buf body = BUF_INIT;
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_add(&body, chunk, n);
	free(line);
	fclose(fp);
	e->len = body.len;
	e->message = buf_detach(&body);
	if (!e->account || !e->from || !e->nrcpts || !has_state) {
		engine_outbox_entry_clear(e);
		return -1;
	}
	return 0;
}

static int name_compare(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **engine_outbox_list(size_t *count)
{
	char *dir = engine_outbox_dir();
	char *new_dir = xasprintf("%s/new", dir);
	DIR *d = opendir(new_dir);
	char **paths = NULL;
	struct dirent *entry;

	*count = 0;
	while (d && (entry = readdir(d))) {
		size_t len = strlen(entry->d_name);
		if (entry->d_name[0] == '.' || len < 5 || strcmp(entry->d_name + len - 5, ".tern") != 0)
			continue; /* half-written temporary files end in .tmp */
		paths = xrealloc(paths, (*count + 1) * sizeof(*paths));
		paths[(*count)++] = xasprintf("%s/%s", new_dir, entry->d_name);
	}
	if (d)
		closedir(d);
	if (*count)
		qsort(paths, *count, sizeof(*paths), name_compare); /* oldest first */
	free(new_dir);
	free(dir);
	return paths;
}

int engine_outbox_claim(const char *path)
{
	char *lock = xasprintf("%s.lock", path);

	for (;;) {
		int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		struct stat held, named;
		if (fd < 0)
			break;
		if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
			int saved = errno == EWOULDBLOCK ? EBUSY : errno;
			close(fd);
			errno = saved;
			break;
		}
		/* the lock file may have been released (unlinked) between our
		 * open and flock: then it locks nothing, try again */
		if (fstat(fd, &held) == 0 && stat(lock, &named) == 0 && held.st_ino == named.st_ino &&
		    held.st_dev == named.st_dev) {
			if (access(path, F_OK) != 0) { /* sent or deleted meanwhile */
				unlink(lock);
				close(fd);
				errno = ENOENT;
				break;
			}
			free(lock);
			return fd;
		}
		close(fd);
	}
	free(lock);
	return -1;
}

void engine_outbox_release(const char *path, int lock)
{
	if (lock < 0)
		return;
	char *name = xasprintf("%s.lock", path);
	unlink(name); /* still held: a waiting claim sees it went and retries */
	free(name);
	close(lock);
}

/* A retried Sent copy may already be there: an earlier APPEND can reach
 * the server with its reply lost on the way back. 1 when folder holds a
 * message with this one's Message-ID, 0 when not or it cannot tell. */
static int sent_copy_there(struct engine_account *ea, const char *folder, const struct engine_outbox_entry *e)
{
	const char *crlf = memmem(e->message, e->len, "\r\n\r\n", 4);
	const char *lf = memmem(e->message, e->len, "\n\n", 2);
	const char *end = crlf && (!lf || crlf < lf) ? crlf : lf;
	struct mime_envelope env;
	struct lib_error err = { 0 };
	uint32_t *uids = NULL;
	size_t n = 0;

	mime_envelope_parse(e->message, end ? (size_t)(end - e->message) + 2 : e->len, &env);
	const char *id = env.message_id;
	if (*id && !strpbrk(id, "\"\\\r\n") && strlen(id) < 1000) {
		char *criteria = xasprintf("HEADER Message-ID \"%s\"", id);
		if (imap_search(ea->imap, folder, criteria, &uids, &n, &err) < 0)
			n = 0;
		free(criteria);
	}
	free(uids);
	mime_envelope_clear(&env);
	return n > 0;
}

/* The copy for the Sent folder: the message with the Bcc it went to
 * (which the message itself must not show) added at the end of its
 * header, as mutt keeps it. Caller frees; *len its length. */
static char *sent_version(const struct engine_outbox_entry *e, size_t *len)
{
	struct mime_address_list bcc = { 0 };
	struct buf field = BUF_INIT, copy = BUF_INIT;
	const char *crlf = memmem(e->message, e->len, "\r\n\r\n", 4);

	for (size_t i = 0; i < e->nbcc; i++) {
		struct mime_address_list one;
		mime_address_list_parse(e->bcc[i], strlen(e->bcc[i]), MIME_ADDRESS_LENIENT, &one, NULL);
		for (size_t k = 0; k < one.count; k++) {
			if (bcc.count == bcc.cap) {
				bcc.cap = bcc.cap ? bcc.cap * 2 : 4;
				bcc.items = xrealloc(bcc.items, bcc.cap * sizeof(*bcc.items));
			}
			bcc.items[bcc.count++] = one.items[k];
			memset(&one.items[k], 0, sizeof(one.items[k])); /* moved */
		}
		mime_address_list_clear(&one);
	}
	struct mime_address *list = xcalloc(bcc.count + 1, sizeof(*list));
	for (size_t i = 0; i < bcc.count; i++)
		list[i] = (struct mime_address){ bcc.items[i].name, bcc.items[i].addr };
	/* tern writes CRLF; anything else goes as it is */
	if (crlf && bcc.count && mime_address_field("Bcc", list, bcc.count, &field, NULL) == 0) {
		size_t head = (size_t)(crlf - e->message) + 2;
		buf_add(&copy, e->message, head);
		buf_add(&copy, field.data, field.len);
		buf_add(&copy, e->message + head, e->len - head);
	} else {
		buf_add(&copy, e->message, e->len);
	}
	free(list);
	buf_free(&field);
	mime_address_list_clear(&bcc);
	*len = copy.len;
	return buf_detach(&copy);
}

/* The Sent copy: folder-sent (none: no copy), else the \Sent folder. 1
 * stored (or not wanted), 0 pending (reason set), never -1: the message
 * itself was delivered. retry: an earlier attempt may have stored it. */
static int sent_copy(struct engine_account *ea, struct engine_outbox_entry *e, int retry)
{
	const char *configured = conf_get(ea->conf, ea->account, CONF_K_FOLDER_SENT);
	struct lib_error err = { 0 };
	char *folder = NULL;

	if (configured && strcmp(configured, "none") == 0)
		return 1;
	if (ea->account->imap.scheme == CONF_URL_NONE)
		return 1; /* nowhere to keep a copy: POP3 or SMTP-only account */
	if (!ea->imap && engine_imap_open(ea, &err) < 0)
		goto pending;
	folder = configured ? imap_utf7_encode(configured) : imap_folder_with_role(ea->imap, IMAP_ROLE_SENT, &err);
	if (!folder && err.cls == LIB_ERR_NONE) {
		/* no \Sent folder on the server (issue 16: copies waited for
		 * ever): a folder named Sent, made now if need be */
		struct imap_folder *folders = NULL;
		size_t count = 0;
		if (imap_folder_list(ea->imap, &folders, &count, &err) == 0)
			for (size_t i = 0; i < count && !folder; i++)
				if (strcmp(folders[i].name, "Sent") == 0 && !folders[i].noselect)
					folder = xstrdup(folders[i].wire_name);
		imap_folder_list_free(folders, count);
		if (!folder && err.cls == LIB_ERR_NONE &&
		    !(folder = imap_folder_create_role(ea->imap, "Sent", IMAP_ROLE_SENT, &err))) {
			char *why = xstrdup(err.text);
			lib_error_set(&err, LIB_ERR_CONFIG, "the server has no Sent folder and refused to make one (%s): "
			              "set folder-sent to a folder of this account, or folder-sent none", why);
			free(why);
		}
	}
	if (!folder) {
		if (err.cls == LIB_ERR_NONE)
			lib_error_set(&err, LIB_ERR_CONFIG, "no folder-sent set and the server marks no \\Sent folder");
		goto pending;
	}
	if (!retry || !sent_copy_there(ea, folder, e)) {
		size_t len;
		char *copy = sent_version(e, &len);
		int rc = imap_append(ea->imap, folder, copy, len, MODEL_F_SEEN, &err);
		free(copy);
		if (rc < 0)
			goto pending;
	}
	free(folder);
	return 1;
pending:
	free(folder);
	free(e->reason);
	e->reason = xasprintf("delivered, but the Sent copy is pending: %s", err.text);
	return 0;
}

/* The recalled draft this message came from goes once the message was
 * delivered. 1 removed (or none), 0 pending (reason set). */
static int draft_gone(struct engine_account *ea, struct engine_outbox_entry *e, char **warning)
{
	struct engine_draft_ref ref;
	struct lib_error err = { 0 };

	if (!e->draft)
		return 1;
	if (engine_draft_ref_parse(e->draft, &ref) == 0 && engine_draft_remove(ea, &ref, &err) < 0) {
		engine_draft_ref_clear(&ref);
		if (err.cls == LIB_ERR_TEMPORARY || err.cls == LIB_ERR_CONNECTION) { /* tried again later */
			free(e->reason);
			e->reason = xasprintf("delivered, but its draft is still in the Drafts folder: %s", err.text);
			return 0;
		}
		/* never going to work (no UIDPLUS, the folder gone): said once */
		*warning = xasprintf("delivered, but its draft stays in the Drafts folder: %s", err.text);
	}
	engine_draft_ref_clear(&ref);
	free(e->draft);
	e->draft = NULL;
	return 1;
}

static int send_claimed(const struct conf *conf, struct engine_outbox_entry *e, const struct engine_hooks *hooks,
                        struct lib_error *err);

int engine_outbox_send(const struct conf *conf, struct engine_outbox_entry *e, const struct engine_hooks *hooks,
                       unsigned flags, struct lib_error *err)
{
	struct engine_outbox_entry fresh;
	int lock = engine_outbox_claim(e->path);

	if (lock < 0) {
		if (errno == ENOENT)
			lib_error_set(err, LIB_ERR_DATA, "the message left the outbox meanwhile (sent or deleted elsewhere)");
		else
			lib_error_set(err, LIB_ERR_TEMPORARY,
			              "the message is being sent or edited elsewhere right now; it stays in the outbox");
		return -1;
	}
	/* what is on disk now counts: another tern may have sent or changed it */
	if (engine_outbox_read(e->path, &fresh) < 0) {
		lib_error_set(err, LIB_ERR_DATA, "the outbox message %s cannot be read", e->path);
		engine_outbox_release(e->path, lock);
		return -1;
	}
	engine_outbox_entry_clear(e);
	*e = fresh;
	int rc = 2;
	if (e->state != ENGINE_OUTBOX_FAILED || (flags & ENGINE_OUTBOX_RETRY_FAILED))
		rc = send_claimed(conf, e, hooks, err);
	engine_outbox_release(e->path, lock);
	return rc;
}

/* Writes e's new state (and reason) durably; a write that fails leaves
 * the older state, which errs on the side of sending again. */
static void set_state(struct engine_outbox_entry *e, enum engine_outbox_state state, const char *reason)
{
	char *why = NULL;

	e->state = state;
	free(e->reason);
	e->reason = reason ? xstrdup(reason) : NULL;
	if (engine_outbox_write(e, &why) < 0)
		free(why);
}

static int send_claimed(const struct conf *conf, struct engine_outbox_entry *e, const struct engine_hooks *hooks,
                        struct lib_error *err)
{
	const struct conf_account *account = conf_account_find(conf, e->account);
	struct engine_account ea = { .conf = conf, .account = account, .no_cache = 1, .keep_asked = 1 };

	if (hooks)
		ea.hooks = *hooks;
	char *why = NULL;
	int retry = e->state == ENGINE_OUTBOX_SENT; /* delivered earlier: its Sent copy may be there */

	if (!account) {
		lib_error_set(err, LIB_ERR_CONFIG, "the outbox holds a message for account %s, which the mailrc lacks",
		              e->account);
		return -1;
	}
	if (e->state == ENGINE_OUTBOX_QUEUED || e->state == ENGINE_OUTBOX_FAILED) {
		const struct conf_url *url = &account->smtp;
		if (url->scheme == CONF_URL_NONE) {
			lib_error_set(err, LIB_ERR_CONFIG, "account %s has no smtp server", account->name);
			return -1;
		}
		const char *ca_file = conf_get(conf, account, CONF_K_TLS_CA_FILE);
		char *ca_path = ca_file ? lib_path_expand(ca_file) : NULL;
		char *user = engine_account_user(conf, account);
		int has_secret = conf_get(conf, account, CONF_K_PASSWORD) || conf_get(conf, account, CONF_K_PASSWORD_COMMAND) ||
		                 conf_get(conf, account, CONF_K_OAUTH2_TOKEN_COMMAND);
		struct net_server server = {
			.host = url->host,
			.port = url->port,
			.implicit_tls = url->implicit_tls,
			.tls_off = !conf_get_bool(conf, account, CONF_K_TLS),
			.tls = { .ca_file = ca_path, .fingerprint = conf_get(conf, account, CONF_K_TLS_FINGERPRINT) },
			.timeout = (int)conf_get_number(conf, account, CONF_K_TIMEOUT),
			.account = account->name,
			.trace = ea.hooks.trace,
			.trace_ctx = ea.hooks.ctx,
		};
		/* no credentials configured: AUTH only when the server offers it and
		 * the password can be asked for; else none, and a server that wants
		 * it says 530 */
		struct net_login login = { has_secret || ea.hooks.ask_secret ? user : NULL, engine_get_secret, &ea,
		                            .if_offered = !has_secret };
		struct smtp_result result;
		struct smtp_session *session = smtp_session_open(&server, &login, err);
		int rc = -1;
		if (session) {
			rc = smtp_send(session, e->from, (const char *const *)e->rcpts, e->nrcpts, e->message, e->len, &result);
			if (rc == 0) {
				/* before QUIT or anything else that could hang or be
				 * killed: never sent again from here on */
				e->delivered = 1;
				set_state(e, ENGINE_OUTBOX_SENT, NULL);
			} else {
				*err = result.error;
			}
			smtp_session_close(session);
		}
		free(ca_path);
		free(user);
		if (rc < 0) {
			/* a refusal: kept for the user to fix, never retried by
			 * itself; else queued, with the reason it still waits */
			int queued = err->cls == LIB_ERR_TEMPORARY || err->cls == LIB_ERR_CONNECTION;
			set_state(e, queued ? ENGINE_OUTBOX_QUEUED : ENGINE_OUTBOX_FAILED, err->text);
			engine_account_close(&ea); /* wipes a password kept for the Sent copy */
			return -1;
		}
	}
	if (e->state != ENGINE_OUTBOX_SENT) {
		engine_account_close(&ea);
		lib_error_set(err, LIB_ERR_SERVER, "%s", e->reason ? e->reason : "refused earlier");
		return -1;
	}
	/* the Sent copy is stored even when the draft cannot be removed */
	char *warning = NULL;
	int gone = draft_gone(&ea, e, &warning);
	int copied = sent_copy(&ea, e, retry) && gone;
	engine_account_close(&ea);
	if (!copied) {
		free(warning);
		if (engine_outbox_write(e, &why) < 0)
			free(why);
		return 1;
	}
	if (unlink(e->path) != 0 && errno != ENOENT) {
		free(warning);
		lib_error_set(err, LIB_ERR_INTERNAL, "cannot remove %s from the outbox: %s", e->path, strerror(errno));
		return -1;
	}
	if (warning) {
		free(e->reason);
		e->reason = warning;
		return 1;
	}
	return 0;
}

void engine_outbox_summarize(const struct engine_outbox_entry *e, struct engine_outbox_summary *s)
{
	struct mime_envelope env;
	const char *end = e->message ? memmem(e->message, e->len, "\n\n", 2) : NULL;
	const char *crlf = e->message ? memmem(e->message, e->len, "\r\n\r\n", 4) : NULL;
	size_t header_len = crlf && (!end || crlf < end) ? (size_t)(crlf - e->message) + 4
	                    : end                        ? (size_t)(end - e->message) + 2
	                                                 : e->len;

	memset(s, 0, sizeof(*s));
	s->editable = e->state != ENGINE_OUTBOX_SENT;
	s->state = !s->editable ? "awaiting Sent copy" : engine_outbox_state_name(e->state);
	mime_envelope_parse(e->message ? e->message : "", header_len, &env);
	s->date = env.date;
	if (*env.to || *env.cc)
		s->to = xasprintf("%s%s%s", env.to, *env.to && *env.cc ? ", " : "", env.cc);
	else /* Bcc only */
		s->to = xstrdup(e->nrcpts ? e->rcpts[0] : "");
	s->subject = xstrdup(env.subject);
	mime_envelope_clear(&env);
}

void engine_outbox_summary_clear(struct engine_outbox_summary *s)
{
	free(s->to);
	free(s->subject);
	memset(s, 0, sizeof(*s));
}
