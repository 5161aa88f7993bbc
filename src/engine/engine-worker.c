/* One worker thread per account. It owns the account's IMAP session and
 * header cache (Tokyo Cabinet allows one writer per file, DESIGN.md) and
 * works through a queue of jobs; results go back as events, and a byte on
 * the wake pipe tells the UI's poll() there is something to read. The UI
 * thread never blocks on the network: a stuck server is cancelled from
 * outside (engine_worker_cancel) and the session rebuilt. */
#define _GNU_SOURCE
#include "engine-private.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../local/local.h"
#include "../store/store.h"

struct queue_item {
	void *item;
	struct queue_item *next;
};

/* A job for the worker; the member of the union is the type's. */
struct engine_job {
	enum engine_job_type type;
	char *folder; /* the folder (wire name) it is about; FOLDER_CHANGE: its UTF-8 name; NULL for the others */
	union {
		struct {
			uint32_t uid;
		} body; /* FETCH_BODY */
		struct {
			uint32_t *uids;
			size_t nuids;
			unsigned flags;  /* STORE_FLAGS: the model flags to add (add) or remove */
			int add;
			int move;        /* COPY: a move */
			int expunge_all; /* EXPUNGE: a plain EXPUNGE, others marked deleted included */
			char *target;    /* COPY: the target folder, wire name or a path */
			const struct conf_account *target_account; /* COPY to another account, else NULL */
		} bulk; /* STORE_FLAGS, DELETE, COPY, EXPUNGE, MARK_OLD */
		struct {
			int counts; /* with STATUS counts */
		} list;
		struct {
			enum engine_folder_op op;
			char *new_name;
		} change;
		struct {
			char *criteria; /* IMAP syntax; NULL: nothing for the server */
			int token;
		} search;
		struct {
			char *path; /* the outbox file */
		} send;
		struct {
			char *message; /* CRLF, len bytes */
			size_t len;
			struct engine_draft_ref old; /* the recalled draft it replaces (folder NULL: none) */
			char *local;                 /* the autosaved draft file to remove once stored, or NULL */
		} postpone;
	};
};

struct open_ctx;

struct engine_worker {
	struct engine_account ea;
	pthread_t thread;
	pthread_mutex_t lock; /* guards everything below, and ea.imap's pointer for cancel */
	pthread_cond_t wake;
	struct queue_item *jobs, *jobs_tail;
	struct queue_item *events, *events_tail;
	int wake_fd;
	int stopping;
	int cancelled; /* the job under way was cancelled by the user */
	struct open_ctx *opening; /* the folder open under way, for progress */
	struct store_bodies *bodies;
	int cancel[2]; /* a byte in it abandons the network work under way */
	int notify[2]; /* a byte in it: a job is queued (ends an IDLE) */
	int resync;    /* the journal was replayed: resync the open folder now */
	int journal_busy_said; /* "another tern replays the journal" was shown */
	char *watching; /* the open folder, watched with IDLE between jobs */
	time_t last_check; /* the last periodic check (outbox, polling resync) */
	int busy;          /* the job type under way, -1 when none */
	struct engine_local *local; /* the open folder when it is on this machine */
	int local_pop3;    /* it is the account's POP3 Maildir: fetched on open and every check-interval */
};

static void push(struct queue_item **head, struct queue_item **tail, void *item)
{
	struct queue_item *q = xcalloc(1, sizeof(*q));
	q->item = item;
	if (*tail)
		(*tail)->next = q;
	else
		*head = q;
	*tail = q;
}

static void *pop(struct queue_item **head, struct queue_item **tail)
{
	struct queue_item *q = *head;
	if (!q)
		return NULL;
	*head = q->next;
	if (!*head)
		*tail = NULL;
	void *item = q->item;
	free(q);
	return item;
}

static void emit(struct engine_worker *w, struct engine_event *ev)
{
	ev->account = w->ea.account->name;
	pthread_mutex_lock(&w->lock);
	push(&w->events, &w->events_tail, ev);
	pthread_mutex_unlock(&w->lock);
	ssize_t rc = write(w->wake_fd, "e", 1);
	(void)rc; /* a full pipe already wakes the UI */
}

static struct engine_event *event_new(enum engine_event_type type)
{
	struct engine_event *ev = xcalloc(1, sizeof(*ev));
	ev->type = type;
	return ev;
}

/* The ERROR that ends job on folder (uid: the message it is about, or 0). */
static void emit_error(struct engine_worker *w, enum engine_job_type job, const char *folder, uint32_t uid,
                       const struct lib_error *err)
{
	struct engine_event *ev = event_new(ENGINE_EV_ERROR);
	ev->folder = folder ? xstrdup(folder) : NULL;
	ev->result.job = job;
	ev->result.uid = uid;
	ev->result.cls = err->cls;
	ev->result.text = engine_error_line(w->ea.account, err);
	emit(w, ev);
}

static void emit_notice(struct engine_worker *w, const char *text)
{
	struct engine_event *ev = event_new(ENGINE_EV_NOTICE);
	ev->notice = xstrdup(text);
	emit(w, ev);
}

static void emit_conn(struct engine_worker *w, enum engine_conn_state state)
{
	struct engine_event *ev = event_new(ENGINE_EV_CONNECTION);
	ev->conn = state;
	emit(w, ev);
}

/* The folder's index; the event takes mbox. */
static void emit_index(struct engine_worker *w, const char *folder, struct model_mailbox *mbox,
                       enum engine_sync_state sync)
{
	struct engine_event *ev = event_new(ENGINE_EV_FOLDER);
	ev->folder = xstrdup(folder);
	ev->index.mbox = mbox;
	ev->index.sync = sync;
	emit(w, ev);
}

/* A copy of mbox for the UI, which owns it from then on. */
static struct model_mailbox *snapshot(struct model_mailbox *mbox)
{
	struct model_mailbox *copy = model_mailbox_new();
	const struct model_summary *all = model_mailbox_summaries(mbox);
	size_t count = model_mailbox_count(mbox);

	model_mailbox_reserve(copy, count);
	for (size_t i = 0; i < count; i++)
		model_mailbox_add(copy, &all[i]);
	return copy;
}

struct open_ctx {
	struct engine_worker *worker;
	const char *folder;
	struct model_mailbox *mbox;
	int painted; /* a partial index was sent for this cold open */
};

static void on_sync_progress(void *data, const char *folder, size_t done, size_t total)
{
	struct open_ctx *ctx = ((struct engine_worker *)data)->opening;
	struct engine_event *ev;

	(void)folder;
	if (!ctx)
		return;
	if (!ctx->painted && done > 0) {
		/* The newest messages are in: let the UI paint them now. */
		ctx->painted = 1;
		emit_index(ctx->worker, ctx->folder, snapshot(ctx->mbox), ENGINE_SYNC_FETCHING);
	}
	ev = event_new(ENGINE_EV_PROGRESS);
	ev->folder = xstrdup(ctx->folder);
	ev->progress.done = done;
	ev->progress.total = total;
	emit(ctx->worker, ev);
}

static void journal_replay(struct engine_worker *w);
static void outbox_retry(struct engine_worker *w);

static void drop_session(struct engine_worker *w);

static int ensure_session(struct engine_worker *w, struct lib_error *err)
{
	if (w->ea.imap && imap_session_broken(w->ea.imap))
		drop_session(w); /* a reply could not be parsed: start afresh */
	if (w->ea.imap)
		return 0;
	emit_conn(w, ENGINE_CONN_CONNECTING);
	struct engine_account fresh = w->ea;
	fresh.imap = NULL;
	if (engine_imap_open(&fresh, err) < 0) {
		pthread_mutex_lock(&w->lock);
		w->ea.store = fresh.store;
		pthread_mutex_unlock(&w->lock);
		return -1;
	}
	pthread_mutex_lock(&w->lock);
	w->ea = fresh;
	pthread_mutex_unlock(&w->lock);
	emit_conn(w, ENGINE_CONN_CONNECTED);
	journal_replay(w);
	return 0;
}

static void drop_session(struct engine_worker *w)
{
	pthread_mutex_lock(&w->lock);
	struct imap_session *session = w->ea.imap;
	w->ea.imap = NULL;
	pthread_mutex_unlock(&w->lock);
	imap_session_close(session);
}

static void outbox_retry(struct engine_worker *w);

/* The account's header cache, opened once (unless no_cache); without it
 * everything still works, only slower. */
static void open_cache(struct engine_worker *w)
{
	if (!w->ea.no_cache && !w->ea.store) {
		char *path = engine_cache_path(w->ea.conf, w->ea.account);
		char *warning = NULL, *cause = NULL;
		w->ea.store = store_open(path, &warning, &cause);
		if (warning) {
			emit_notice(w, warning);
			free(warning);
		}
		free(cause);
		free(path);
	}
}

/* Sends the local folder's index to the UI (a POP3 download may follow). */
static int local_emit(struct engine_worker *w, enum engine_sync_state sync)
{
	struct lib_error err = { 0 };
	struct model_mailbox *mbox = model_mailbox_new();
	struct engine_folder local = engine_local_folder(w->local);

	if (local.ops->sync(local.backend, engine_local_name(w->local), mbox, &err) < 0) {
		model_mailbox_free(mbox);
		emit_error(w, ENGINE_JOB_OPEN_FOLDER, engine_local_name(w->local), 0, &err);
		return -1;
	}
	emit_index(w, engine_local_name(w->local), mbox, sync);
	return 0;
}

/* A POP3 account's Maildir: download what is new, then show it. */
static void local_fetch(struct engine_worker *w)
{
	struct lib_error err = { 0 };
	struct pop_fetch_result result;

	emit_conn(w, ENGINE_CONN_CONNECTING);
	int rc = engine_pop_fetch(&w->ea, &result, &err);
	local_emit(w, ENGINE_SYNC_DONE); /* the status line says synced again */
	if (rc < 0) {
		pthread_mutex_lock(&w->lock);
		int cancelled = w->cancelled;
		w->cancelled = 0;
		pthread_mutex_unlock(&w->lock);
		if (cancelled)
			emit_conn(w, ENGINE_CONN_CANCELLED);
		else
			emit_error(w, ENGINE_JOB_OPEN_FOLDER, engine_local_name(w->local), 0, &err);
	}
}

/* Opens a folder on this machine: its index at once, then for a POP3
 * account's Maildir a download and the index again. */
static void open_local(struct engine_worker *w, const char *folder, const char *path)
{
	struct lib_error err = { 0 };
	int pop3 = !engine_folder_is_path(folder) && w->ea.account->pop3.scheme != CONF_URL_NONE;

	open_cache(w);
	w->local = engine_local_open(folder, path, pop3, w->ea.store, &err);
	if (!w->local) {
		emit_error(w, ENGINE_JOB_OPEN_FOLDER, folder, 0, &err);
		return;
	}
	w->local_pop3 = pop3;
	if (local_emit(w, pop3 ? ENGINE_SYNC_FETCHING : ENGINE_SYNC_DONE) < 0)
		return;
	if (pop3)
		local_fetch(w);
	free(w->watching);
	w->watching = xstrdup(folder);
	w->last_check = time(NULL);
	if (w->ea.account->smtp.scheme != CONF_URL_NONE)
		outbox_retry(w);
}

static void open_folder(struct engine_worker *w, const char *folder)
{
	struct lib_error err = { 0 };
	struct store_folder_state state = { 0 };
	char *local_path = engine_local_path(w->ea.conf, w->ea.account, folder);

	engine_local_close(w->local);
	w->local = NULL;
	if (local_path) {
		open_local(w, folder, local_path);
		free(local_path);
		return;
	}

	/* 1. The cache, at once. */
	open_cache(w);
	if (w->ea.store) {
		struct model_mailbox *cached = model_mailbox_new();
		char *warning = NULL;
		if (store_folder_read(w->ea.store, folder, &state, cached, &warning) > 0) {
			w->ea.uidvalidity = state.uidvalidity;
			emit_index(w, folder, cached, ENGINE_SYNC_CACHED);
			cached = NULL;
		}
		model_mailbox_free(cached);
		free(warning);
	}

	/* 2. The server, retried with backoff while the connection fails. */
	for (unsigned delay = 1;; delay = delay < 60 ? delay * 2 : 60) {
		struct model_mailbox *mbox = model_mailbox_new();
		struct open_ctx ctx = { w, folder, mbox, 0 };
		int rc = ensure_session(w, &err);
		if (rc == 0) {
			w->opening = &ctx;
			struct engine_folder imap = engine_imap_folder(&w->ea);
			rc = imap.ops->sync(imap.backend, folder, mbox, &err);
			w->opening = NULL;
		}
		if (rc == 0) {
			emit_index(w, folder, mbox, ENGINE_SYNC_DONE);
			free(w->watching);
			w->watching = xstrdup(folder);
			w->last_check = time(NULL); /* just synced: the next check is an interval away */
			outbox_retry(w);
			return;
		}
		model_mailbox_free(mbox);
		drop_session(w);
		pthread_mutex_lock(&w->lock);
		int cancelled = w->cancelled;
		int give_up = cancelled || w->stopping || w->jobs;
		w->cancelled = 0;
		pthread_mutex_unlock(&w->lock);
		if (cancelled) {
			emit_conn(w, ENGINE_CONN_CANCELLED);
			return;
		}
		emit_error(w, ENGINE_JOB_OPEN_FOLDER, folder, 0, &err);
		/* Only a lost connection is worth retrying; a refusal stays one. */
		if (give_up || (err.cls != LIB_ERR_CONNECTION && err.cls != LIB_ERR_TEMPORARY))
			return;
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += delay;
		pthread_mutex_lock(&w->lock);
		while (!w->stopping && !w->jobs && !w->cancelled &&
		       pthread_cond_timedwait(&w->wake, &w->lock, &until) != ETIMEDOUT)
			;
		cancelled = w->cancelled;
		give_up = w->stopping || w->jobs || cancelled;
		w->cancelled = 0;
		pthread_mutex_unlock(&w->lock);
		if (cancelled)
			emit_conn(w, ENGINE_CONN_CANCELLED);
		if (give_up)
			return;
		emit_conn(w, ENGINE_CONN_RECONNECTING);
	}
}

/* 1 when folder is the local folder open in the worker. */
static int is_local(struct engine_worker *w, const char *folder)
{
	return w->local && strcmp(engine_local_name(w->local), folder) == 0;
}

/* The backend that holds folder: the local folder open in the worker,
 * else the account's IMAP server (its session made sure of by the
 * caller). */
static struct engine_folder folder_of(struct engine_worker *w, const char *folder)
{
	return is_local(w, folder) ? engine_local_folder(w->local) : engine_imap_folder(&w->ea);
}

/* The largest message the pager is given, as IMAP_LITERAL_MAX is for a
 * server's: the same messages open from a local folder as from IMAP. */
#define ENGINE_SHOW_MAX (64u << 20)

static void fetch_body(struct engine_worker *w, struct engine_job *job)
{
	struct lib_error err = { 0 };
	struct buf body = BUF_INIT;

	if (is_local(w, job->folder)) {
		uint32_t size = engine_local_size(w->local, job->body.uid);
		if (size > ENGINE_SHOW_MAX) { /* rendering takes several times the size */
			lib_error_set(&err, LIB_ERR_INTERNAL, "the message is %u MB; tern shows messages of up to %u MB",
			              size >> 20, ENGINE_SHOW_MAX >> 20);
			emit_error(w, ENGINE_JOB_FETCH_BODY, job->folder, job->body.uid, &err);
			return;
		}
		struct engine_folder local = engine_local_folder(w->local);
		if (local.ops->fetch(local.backend, job->folder, job->body.uid, &body, &err) < 0) {
			emit_error(w, ENGINE_JOB_FETCH_BODY, job->folder, job->body.uid, &err);
			buf_free(&body);
			return;
		}
	} else if (!w->bodies) {
		uint64_t megabytes = (uint64_t)conf_get_number(w->ea.conf, NULL, CONF_K_BODY_CACHE_SIZE);
		w->bodies = store_bodies_open(conf_get(w->ea.conf, NULL, CONF_K_CACHE_DIR), w->ea.account->name,
		                              megabytes << 20);
	}
	int cached = is_local(w, job->folder) || /* a local message is here already */
	             (w->ea.uidvalidity && store_body_get(w->bodies, job->folder, w->ea.uidvalidity, job->body.uid, &body));
	if (!cached) {
		struct engine_folder imap = engine_imap_folder(&w->ea);
		if (ensure_session(w, &err) < 0 || imap.ops->fetch(imap.backend, job->folder, job->body.uid, &body, &err) < 0) {
			if (err.cls == LIB_ERR_CONNECTION)
				drop_session(w);
			emit_error(w, ENGINE_JOB_FETCH_BODY, job->folder, job->body.uid, &err);
			buf_free(&body);
			return;
		}
		if (w->ea.uidvalidity)
			store_body_put(w->bodies, job->folder, w->ea.uidvalidity, job->body.uid, body.data, body.len);
	}
	struct engine_event *ev = event_new(ENGINE_EV_BODY);
	ev->folder = xstrdup(job->folder);
	ev->body.uid = job->body.uid;
	ev->body.len = body.len;
	ev->body.data = buf_detach(&body);
	emit(w, ev);
}

static const char *plural(size_t n)
{
	return n == 1 ? "" : "s";
}

/* What engine_folder_action's add is for a bulk job: STORE_FLAGS: add the flags;
 * COPY: a move; EXPUNGE: a plain EXPUNGE (as the journal keeps it). */
static int bulk_add(const struct engine_job *job)
{
	return job->type == ENGINE_JOB_COPY      ? job->bulk.move
	       : job->type == ENGINE_JOB_EXPUNGE ? job->bulk.expunge_all
	                                         : job->bulk.add;
}

/* Adds a job that could not reach the server to the journal. */
static int journal_add(struct engine_worker *w, const struct engine_job *job, char **why)
{
	if (!w->ea.uidvalidity) {
		*why = xstrdup("the folder was never synced, so its messages cannot be named for later");
		return -1;
	}
	char *path = engine_journal_path(w->ea.account);
	struct engine_journal_entry entry = {
		job->type, job->folder, w->ea.uidvalidity, job->bulk.flags,
		bulk_add(job), job->bulk.target, job->bulk.uids, job->bulk.nuids,
	};
	int rc = engine_journal_append(path, &entry, why);
	free(path);
	return rc;
}

/* Replays the journal in order once connected, one action at a time from
 * its front, so what another tern adds meanwhile is replayed too. An
 * action whose folder changed UIDVALIDITY, or that the server refuses
 * (the message vanished), is reported and dropped; a lost connection
 * keeps it and the rest for later. */
static void journal_replay(struct engine_worker *w)
{
	char *path = engine_journal_path(w->ea.account);
	struct engine_journal_entry *e = NULL;
	size_t replayed = 0;
	char *why = NULL;
	int lock = engine_journal_lock(path, &why);

	if (lock < 0) { /* another tern replays it: leave it to that one */
		if (lock == -1 || !w->journal_busy_said) {
			char *note = why ? why
			                 : xasprintf("another tern is replaying the offline journal of account %s (%s): left to it",
			                             w->ea.account->name, path);
			emit_notice(w, note);
			free(note);
			why = NULL;
			w->journal_busy_said |= lock == -2;
		}
		free(path);
		return;
	}
	struct engine_folder imap = engine_imap_folder(&w->ea);
	for (; engine_journal_first(path, &e, &why) > 0; engine_journal_free(e, 1)) {
		struct lib_error err = { 0 };
		uint32_t uidvalidity = 0;
		char *text = NULL;
		int moved;
		if (imap_folder_uidvalidity(w->ea.imap, e->folder, &uidvalidity, &err) == 0 && uidvalidity != e->uidvalidity) {
			char *name = imap_utf7_decode(e->folder);
			char *note = xasprintf("a queued action on %s was dropped: the folder was recreated meanwhile", name);
			emit_notice(w, note);
			free(note);
			free(name);
		} else if (err.cls == LIB_ERR_CONNECTION ||
		           (err.cls == LIB_ERR_NONE &&
		            engine_folder_action(&imap, e->type, e->folder, e->uids, e->nuids, e->flags, e->add, e->target,
		                                 &text, &moved, NULL, &err) < 0 &&
		            err.cls == LIB_ERR_CONNECTION)) {
			break; /* offline again: keep this one and the rest */
		} else if (err.cls != LIB_ERR_NONE) {
			char *note = xasprintf("a queued action failed and was dropped: %s", err.text);
			emit_notice(w, note);
			free(note);
		} else {
			replayed++;
		}
		free(text);
		/* after each action, so a crash replays at most that one again */
		if (engine_journal_shift(path, &why) < 0)
			break;
	}
	engine_journal_free(e, e != NULL);
	if (why) {
		emit_notice(w, why);
		free(why);
	}
	if (replayed) {
		char *note = xasprintf("Done %zu action%s queued while offline.", replayed, plural(replayed));
		emit_notice(w, note);
		free(note);
		w->resync = 1;
	}
	close(lock);
	free(path);
}

/* The event that ends a bulk job: DONE with text (taken), or ERROR with
 * err; it carries the job's uids back. */
static struct engine_event *bulk_event(struct engine_worker *w, struct engine_job *job, int rc, char *text, int moved,
                                       const struct lib_error *err)
{
	struct engine_event *ev = event_new(rc < 0 ? ENGINE_EV_ERROR : ENGINE_EV_DONE);
	struct engine_bulk_result *bulk = &ev->result.bulk;
	ev->folder = xstrdup(job->folder);
	ev->result.job = job->type;
	bulk->uids = job->bulk.uids;
	bulk->nuids = job->bulk.nuids;
	job->bulk.uids = NULL;
	bulk->flags = job->bulk.flags;
	bulk->add = job->bulk.add;
	bulk->moved = moved;
	if (rc < 0) {
		ev->result.cls = err->cls;
		ev->result.text = engine_error_line(w->ea.account, err);
		free(text);
	} else {
		ev->result.text = text;
	}
	return ev;
}

static void bulk_done(struct engine_worker *w, struct engine_job *job, int rc, char *text, int moved,
                      const struct lib_error *err)
{
	emit(w, bulk_event(w, job, rc, text, moved, err));
}

/* COPY or move out of the folder's backend, message by message (the
 * one loop, engine_folder_transfer): to another account's server, to a
 * folder on this machine, or from a local folder to this account's
 * server. A move removes the sources only when every copy is safe. */
static int transfer(struct engine_worker *w, struct engine_job *job, const struct engine_folder *src, char **text,
                    struct lib_error *err)
{
	const struct conf_account *account = job->bulk.target_account ? job->bulk.target_account : w->ea.account;
	struct engine_account other = { .conf = w->ea.conf, .account = account, .no_cache = 1 };
	struct engine_folder dst;
	char *path = NULL, *shown;
	int rc = 0;

	if (engine_folder_is_path(job->bulk.target)) {
		path = lib_path_expand(job->bulk.target);
		dst = engine_path_folder(path);
	} else if (account->imap.scheme == CONF_URL_NONE) {
		lib_error_set(err, LIB_ERR_CONFIG, "account %s has no IMAP server to copy to", account->name);
		return -1;
	} else if (job->bulk.target_account) {
		rc = engine_imap_open(&other, err);
		dst = engine_imap_folder(&other);
	} else {
		rc = ensure_session(w, err);
		dst = engine_imap_folder(&w->ea);
	}
	if (rc == 0)
		rc = engine_folder_transfer(src, job->folder, job->bulk.uids, job->bulk.nuids, &dst, job->bulk.target,
		                            job->bulk.move, err);
	engine_account_close(&other);
	free(path);
	if (rc < 0)
		return -1;
	shown = engine_folder_name(job->bulk.target);
	if (job->bulk.target_account)
		*text = xasprintf("%s %zu message%s to %s:%s.", job->bulk.move ? "Moved" : "Copied", job->bulk.nuids,
		                  plural(job->bulk.nuids), job->bulk.target_account->name, shown);
	else
		*text = xasprintf("%s %zu message%s to %s.", job->bulk.move ? "Moved" : "Copied", job->bulk.nuids,
		                  plural(job->bulk.nuids), shown);
	free(shown);
	return 0;
}

/* Bulk actions, on any backend; the DONE or ERROR event carries the job
 * back. Offline, a flag change, delete or move on the server goes to the
 * journal instead. */
static void bulk(struct engine_worker *w, struct engine_job *job)
{
	struct lib_error err = { 0 };
	char *text = NULL, *moved_to = NULL;
	int moved = 0, local = is_local(w, job->folder);
	size_t others = 0;
	struct engine_folder src = folder_of(w, job->folder);
	int rc = local ? 0 : ensure_session(w, &err);

	if (rc == 0 && job->type == ENGINE_JOB_COPY &&
	    (local || job->bulk.target_account || engine_folder_is_path(job->bulk.target))) {
		rc = transfer(w, job, &src, &text, &err);
		moved = job->bulk.move;
	} else if (rc == 0) {
		rc = engine_folder_action(&src, job->type, job->folder, job->bulk.uids, job->bulk.nuids, job->bulk.flags,
		                          bulk_add(job), job->bulk.target, &text, &moved, local ? NULL : &moved_to, &err);
		if (rc < -1 && job->type == ENGINE_JOB_EXPUNGE)
			others = (size_t)(-1 - rc); /* the others a plain EXPUNGE would take: the UI asks */
		if (rc < -1)
			rc = -1;
	}
	if (local) {
		bulk_done(w, job, rc, text, moved, &err);
		/* an mbox numbers its messages by position: after removals, a fresh index */
		if (rc == 0 && moved && engine_local_is_mbox(w->local))
			local_emit(w, ENGINE_SYNC_DONE);
		return;
	}
	if (w->watching && strcmp(job->folder, w->watching) != 0)
		w->resync = 1; /* another folder is selected now (an undo from the trash): back to the open one */
	if (rc < 0 && err.cls == LIB_ERR_SERVER && job->type == ENGINE_JOB_STORE_FLAGS)
		w->resync = 1; /* a conflict (or a refusal): show the server's state */
	if (rc < 0 && err.cls == LIB_ERR_CONNECTION) {
		drop_session(w);
		char *why = NULL;
		if (job->type != ENGINE_JOB_EXPUNGE && !job->bulk.target_account && journal_add(w, job, &why) == 0) {
			rc = 0;
			moved = 0; /* the local change stays; the sync after the replay settles it */
			text = xstrdup("The server cannot be reached: queued, it will be done on reconnect.");
		} else if (why) {
			lib_error_set(&err, LIB_ERR_CONNECTION, "%s (and it could not be queued: %s)", err.text, why);
			free(why);
		}
	}
	struct engine_event *ev = bulk_event(w, job, rc, text, moved, &err);
	struct engine_bulk_result *done = &ev->result.bulk;
	done->others_deleted = others;
	if (rc == 0 && moved && moved_to) { /* where they went, so that u can bring them back */
		done->target_uids = xmalloc((done->nuids ? done->nuids : 1) * sizeof(*done->target_uids));
		if (imap_messages_copied(w->ea.imap, done->uids, done->nuids, done->target_uids) == 0) {
			free(done->target_uids); /* no UIDPLUS: the server did not say */
			done->target_uids = NULL;
		} else {
			done->target = moved_to;
			moved_to = NULL;
		}
	}
	free(moved_to);
	emit(w, ev);
}

static void emit_folders(struct engine_worker *w, struct engine_folder_row *rows, size_t count, int counts,
                         int cached)
{
	struct engine_event *ev = event_new(ENGINE_EV_FOLDERS);
	ev->folders.rows = rows;
	ev->folders.count = count;
	ev->folders.counts = counts;
	ev->folders.cached = cached;
	emit(w, ev);
}

/* Offline: the folder list as the last full listing left it in the
 * cache (counts then), sent as cached (not the server's word now). */
static void folders_from_cache(struct engine_worker *w, int counts)
{
	struct buf cached = BUF_INIT;
	struct engine_folder_row *rows;

	open_cache(w);
	if (!w->ea.store || store_folders_get(w->ea.store, &cached) <= 0 || !cached.len) {
		buf_free(&cached);
		return;
	}
	size_t count = engine_folder_rows_decode(cached.data, cached.len, &rows);
	buf_free(&cached);
	emit_folders(w, rows, count, counts, 1);
}

static void list_folders(struct engine_worker *w, int counts)
{
	struct lib_error err = { 0 };
	struct engine_folder_row *rows = NULL;
	size_t n = 0;

	if (w->ea.account->imap.scheme == CONF_URL_NONE) { /* no server folders: the one local folder */
		struct engine_folder local = engine_local_folder(w->local);
		local.ops->list(local.backend, counts, &rows, &n, &err);
		emit_folders(w, rows, n, counts, 0);
		return;
	}
	struct engine_folder imap = engine_imap_folder(&w->ea);
	int rc = ensure_session(w, &err);
	if (rc == 0)
		rc = imap.ops->list(imap.backend, counts, &rows, &n, &err);
	if (rc < 0) {
		if (err.cls == LIB_ERR_CONNECTION)
			drop_session(w);
		engine_folder_rows_free(rows, n);
		emit_error(w, ENGINE_JOB_LIST_FOLDERS, NULL, 0, &err);
		folders_from_cache(w, counts);
		return;
	}
	if (counts && rc == 0 && n) { /* the whole list: kept for offline */
		open_cache(w);
		if (w->ea.store) {
			struct buf kept = BUF_INIT;
			engine_folder_rows_encode(rows, n, &kept);
			store_folders_put(w->ea.store, kept.data, kept.len);
			buf_free(&kept);
		}
	}
	emit_folders(w, rows, n, counts, 0);
}

/* The event that ends a job: ERROR with err (a lost connection also
 * drops the session, to be rebuilt by the next job) or DONE. */
static struct engine_event *job_event(struct engine_worker *w, enum engine_job_type job, int failed,
                                      const struct lib_error *err)
{
	struct engine_event *ev = event_new(failed ? ENGINE_EV_ERROR : ENGINE_EV_DONE);

	if (failed) {
		if (err->cls == LIB_ERR_CONNECTION)
			drop_session(w);
		ev->result.cls = err->cls;
		ev->result.text = engine_error_line(w->ea.account, err);
	}
	ev->result.job = job;
	return ev;
}

static void search(struct engine_worker *w, struct engine_job *job)
{
	struct lib_error err = { 0 };
	uint32_t *uids = NULL;
	size_t n = 0;
	struct engine_event *ev;

	struct engine_folder f = folder_of(w, job->folder);
	if (!f.ops->search) {
		lib_error_set(&err, LIB_ERR_DATA, "a local folder cannot be searched on a server: search the headers here");
		ev = job_event(w, ENGINE_JOB_SEARCH, 1, &err);
		ev->result.search.token = job->search.token;
		ev->folder = xstrdup(job->folder);
		emit(w, ev);
		return;
	}
	int failed = ensure_session(w, &err) < 0 ||
	             (job->search.criteria && f.ops->search(f.backend, job->folder, job->search.criteria, &uids, &n, &err) < 0);
	ev = job_event(w, ENGINE_JOB_SEARCH, failed, &err);
	ev->result.search.uids = uids;
	ev->result.search.nuids = n;
	ev->result.search.token = job->search.token;
	ev->folder = xstrdup(job->folder);
	emit(w, ev);
}

/* A recalled draft was removed from the server with the send: the DONE
 * names it (folder, result.send.draft_uid), so the reader drops its row at once, and the
 * open folder is synced (its row would stay until the server's next
 * news, and R on it found no draft). */
static void draft_removed(struct engine_worker *w, struct engine_event *ev, const char *draft)
{
	struct engine_draft_ref ref = { 0 };

	if (!draft || engine_draft_ref_parse(draft, &ref) < 0)
		return;
	ev->folder = ref.folder;
	ref.folder = NULL;
	ev->result.send.draft_uid = ref.uid;
	if (w->watching && strcmp(w->watching, ev->folder) == 0)
		w->resync = 1;
	engine_draft_ref_clear(&ref);
}

static void send_entry(struct engine_worker *w, struct engine_job *job)
{
	struct engine_outbox_entry entry;
	struct lib_error err = { 0 };
	struct engine_event *ev;

	if (engine_outbox_read(job->send.path, &entry) < 0 && access(job->send.path, F_OK) != 0 && errno == ENOENT) {
		ev = event_new(ENGINE_EV_DONE); /* another tern (--flush-outbox) took it first */
		ev->result.text = xstrdup("The message left the outbox meanwhile: sent by another tern.");
	} else if (!entry.path) {
		lib_error_set(&err, LIB_ERR_INTERNAL, "the outbox message %s cannot be read", job->send.path);
		ev = event_new(ENGINE_EV_ERROR);
		ev->result.cls = err.cls;
		ev->result.text = engine_error_line(w->ea.account, &err);
	} else {
		char *draft = entry.draft ? xstrdup(entry.draft) : NULL; /* the send forgets it */
		/* asked for (y on the compose screen, r in the outbox): a failed one too */
		int rc = engine_outbox_send(w->ea.conf, &entry, NULL, ENGINE_OUTBOX_RETRY_FAILED, &err);
		if (rc < 0) {
			int queued = err.cls == LIB_ERR_TEMPORARY || err.cls == LIB_ERR_CONNECTION;
			char *line = engine_error_line_smtp(w->ea.account, &err);
			ev = event_new(ENGINE_EV_ERROR);
			ev->result.cls = err.cls;
			ev->result.text = xasprintf("%s; %s", line, queued ? "queued in the outbox, sent later"
			                                            : "kept in the outbox: fix it, then r in the outbox (S)");
			free(line);
		} else {
			ev = event_new(ENGINE_EV_DONE);
			ev->result.send.copy_pending = rc == 1;
			ev->result.text = rc == 1 ? xasprintf("Sent; %s", entry.reason) : xstrdup("Sent.");
			if (rc == 0)
				draft_removed(w, ev, draft);
		}
		free(draft);
		engine_outbox_entry_clear(&entry);
	}
	ev->result.job = ENGINE_JOB_SEND;
	emit(w, ev);
}

/* P on the compose screen: the draft to the server, then the local
 * autosave goes (it is safe there now), then the draft it replaces. */
static void postpone(struct engine_worker *w, struct engine_job *job)
{
	struct lib_error err = { 0 };
	char *where = NULL;
	int rc = ensure_session(w, &err);

	if (rc == 0)
		rc = engine_draft_store(&w->ea, job->postpone.message, job->postpone.len,
		                        job->postpone.old.folder ? &job->postpone.old : NULL, &where, &err);
	if (rc >= 0 && job->postpone.local)
		unlink(job->postpone.local);
	struct engine_event *ev = job_event(w, ENGINE_JOB_POSTPONE, rc < 0, &err);
	if (rc >= 0) {
		ev->result.postpone.old_kept = rc == 1;
		ev->result.text =
			rc == 1 ? xasprintf("Postponed to %s; %s", where, err.text) : xasprintf("Postponed to %s.", where);
	}
	free(where);
	w->resync = 1; /* the Drafts folder was selected: back to the open folder */
	emit(w, ev);
}

static void drafts(struct engine_worker *w, struct engine_job *job)
{
	(void)job; /* it names no folder: the account's Drafts is looked for */
	struct lib_error err = { 0 };
	uint32_t uidvalidity = 0;
	char *folder = NULL;
	int failed = ensure_session(w, &err) < 0 || !(folder = engine_drafts_folder(&w->ea, &err)) ||
	             imap_folder_uidvalidity(w->ea.imap, folder, &uidvalidity, &err) < 0;
	struct engine_event *ev = job_event(w, ENGINE_JOB_DRAFTS, failed, &err);

	if (!failed) {
		ev->folder = folder;
		folder = NULL;
		ev->result.drafts.name = imap_utf7_decode(ev->folder);
		ev->result.drafts.uidvalidity = uidvalidity;
	}
	free(folder);
	w->resync = 1;
	emit(w, ev);
}

static void folder_change(struct engine_worker *w, struct engine_job *job)
{
	static const char *const done[] = { "Created", "Renamed", "Deleted", "Subscribed to", "Unsubscribed from" };
	static const enum imap_folder_op imap_op[] = {
		[ENGINE_FOLDER_CREATE] = IMAP_FOLDER_CREATE,
		[ENGINE_FOLDER_RENAME] = IMAP_FOLDER_RENAME,
		[ENGINE_FOLDER_DELETE] = IMAP_FOLDER_DELETE,
		[ENGINE_FOLDER_SUBSCRIBE] = IMAP_FOLDER_SUBSCRIBE,
		[ENGINE_FOLDER_UNSUBSCRIBE] = IMAP_FOLDER_UNSUBSCRIBE,
	};
	struct lib_error err = { 0 };
	char *wire = imap_utf7_encode(job->folder);
	char *new_wire = job->change.new_name ? imap_utf7_encode(job->change.new_name) : NULL;
	struct engine_event *ev;

	int failed = ensure_session(w, &err) < 0 || imap_folder_change(w->ea.imap, imap_op[job->change.op], wire, new_wire, &err) < 0;
	ev = job_event(w, ENGINE_JOB_FOLDER_CHANGE, failed, &err);
	if (!failed)
		ev->result.text = job->change.new_name ? xasprintf("%s %s to %s.", done[job->change.op], job->folder, job->change.new_name)
		                       : xasprintf("%s %s.", done[job->change.op], job->folder);
	emit(w, ev);
	free(wire);
	free(new_wire);
}

/* Sends what waits in the outbox for this account (queued by a lost
 * connection or a 4xx, or delivered with the Sent copy pending); failed
 * ones wait for the user. Tells the UI what is left. */
static void outbox_retry(struct engine_worker *w)
{
	size_t count, sent = 0, waiting = 0;
	char **paths = engine_outbox_list(&count);

	for (size_t i = 0; i < count; i++) {
		struct engine_outbox_entry entry;
		struct lib_error err = { 0 };
		if (engine_outbox_read(paths[i], &entry) == 0 && strcmp(entry.account, w->ea.account->name) == 0) {
			if (engine_outbox_send(w->ea.conf, &entry, NULL, 0, &err) != 0) /* failed ones: 2, left alone */
				waiting++;
			else
				sent++;
			engine_outbox_entry_clear(&entry);
		}
		free(paths[i]);
	}
	free(paths);
	if (!waiting && !sent)
		return;
	struct engine_event *ev = event_new(ENGINE_EV_OUTBOX);
	ev->outbox.sent = sent;
	ev->outbox.waiting = waiting;
	emit(w, ev);
}

/* Between jobs on a local folder: every check-interval, download a POP3
 * account's new mail, look for changes other programs made, and send
 * the index again. A job ends the wait. */
static void local_watch(struct engine_worker *w, long interval)
{
	pthread_mutex_lock(&w->lock);
	if (interval > 0) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += w->last_check + interval - time(NULL);
		while (!w->stopping && !w->jobs && time(NULL) - w->last_check < interval &&
		       pthread_cond_timedwait(&w->wake, &w->lock, &until) != ETIMEDOUT)
			;
	} else {
		while (!w->stopping && !w->jobs)
			pthread_cond_wait(&w->wake, &w->lock);
	}
	int due = !w->stopping && interval > 0 && time(NULL) - w->last_check >= interval;
	pthread_mutex_unlock(&w->lock);
	if (!due)
		return;
	w->last_check = time(NULL);
	if (w->local_pop3)
		local_fetch(w);
	else
		local_emit(w, ENGINE_SYNC_DONE);
	if (w->ea.account->smtp.scheme != CONF_URL_NONE)
		outbox_retry(w);
}

/* Between jobs: IDLE on the open folder (or, on a server without IDLE, a
 * resync every check-interval), and a resync whenever the server reports
 * news, sent to the UI as a fresh index. */
static void watch(struct engine_worker *w)
{
	struct lib_error err = { 0 };
	long interval = conf_get_number(w->ea.conf, NULL, CONF_K_CHECK_INTERVAL);
	int seconds = interval <= 0 ? 25 * 60 : interval < 25 * 60 ? (int)interval : 25 * 60;
	char drain[64];

	/* a Ctrl-G pressed while idle has nothing to cancel */
	pthread_mutex_lock(&w->lock);
	while (read(w->cancel[0], drain, sizeof(drain)) > 0)
		;
	w->cancelled = 0;
	pthread_mutex_unlock(&w->lock);

	if (w->local) {
		local_watch(w, interval);
		return;
	}
	if (!w->ea.imap && ensure_session(w, &err) < 0) {
		drop_session(w);
		emit_conn(w, ENGINE_CONN_OFFLINE);
		/* wait a while before trying again; a job ends the wait */
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += seconds < 60 ? seconds : 60;
		pthread_mutex_lock(&w->lock);
		if (!w->jobs && !w->stopping)
			pthread_cond_timedwait(&w->wake, &w->lock, &until);
		pthread_mutex_unlock(&w->lock);
		return;
	}
	int rc = w->resync ? 0 : imap_idle(w->ea.imap, seconds, w->notify[0], &err);
	while (read(w->notify[0], drain, sizeof(drain)) > 0)
		;
	/* Periodic work goes by the clock: jobs that end the IDLE early (the
	 * UI asks for folder counts every check-interval) must not starve it. */
	time_t now = time(NULL);
	int due = interval > 0 && now - w->last_check >= interval;
	if (due)
		w->last_check = now;
	if (rc < 0) {
		pthread_mutex_lock(&w->lock);
		int ended = w->cancelled || w->stopping; /* set by the UI thread */
		pthread_mutex_unlock(&w->lock);
		if (!ended) {
			drop_session(w);
			emit_conn(w, ENGINE_CONN_OFFLINE);
		}
		return;
	}
	if (due)
		outbox_retry(w);
	if (rc == 1 || w->resync || due) { /* news, a replayed journal, or polling */
		w->resync = 0;
		struct model_mailbox *mbox = model_mailbox_new();
		struct engine_folder imap = engine_imap_folder(&w->ea);
		if (imap.ops->sync(imap.backend, w->watching, mbox, &err) == 0) {
			emit_index(w, w->watching, mbox, ENGINE_SYNC_DONE);
		} else {
			model_mailbox_free(mbox);
			if (err.cls == LIB_ERR_CONNECTION)
				drop_session(w);
		}
	}
}

/* mark-old when the user leaves a folder: each backend keeps new and old
 * its own way (a Maildir's new/ and cur/, IMAP's header cache). */
static void mark_old(struct engine_worker *w, struct engine_job *job)
{
	struct lib_error err = { 0 };
	struct engine_folder f = folder_of(w, job->folder);

	if (!is_local(w, job->folder))
		open_cache(w);
	f.ops->mark_old(f.backend, job->folder, job->bulk.uids, job->bulk.nuids, &err);
	if (err.cls != LIB_ERR_NONE)
		emit_notice(w, err.text);
}

static void job_free(struct engine_job *job)
{
	free(job->folder);
	switch (job->type) {
	case ENGINE_JOB_STORE_FLAGS:
	case ENGINE_JOB_DELETE:
	case ENGINE_JOB_COPY:
	case ENGINE_JOB_EXPUNGE:
	case ENGINE_JOB_MARK_OLD:
		free(job->bulk.uids);
		free(job->bulk.target);
		break;
	case ENGINE_JOB_FOLDER_CHANGE:
		free(job->change.new_name);
		break;
	case ENGINE_JOB_SEARCH:
		free(job->search.criteria);
		break;
	case ENGINE_JOB_SEND:
		free(job->send.path);
		break;
	case ENGINE_JOB_POSTPONE:
		free(job->postpone.message);
		free(job->postpone.old.folder);
		free(job->postpone.local);
		break;
	default:
		break;
	}
	free(job);
}

static void run_open(struct engine_worker *w, struct engine_job *job)
{
	free(w->watching);
	w->watching = NULL;
	open_folder(w, job->folder);
}

static void run_list(struct engine_worker *w, struct engine_job *job)
{
	list_folders(w, job->list.counts);
}

/* Every kind of job, as tmux lists its commands: what runs it, and
 * whether it is an action the user asked for that changes mail (on
 * quitting those still run, or offline go to the journal, never silently
 * dropped; reads and waits are abandoned). A new job is one row here, a
 * type in engine.h and a queueing function. */
static const struct job_entry {
	const char *name; /* for logs */
	void (*run)(struct engine_worker *w, struct engine_job *job);
	int user_action;
} job_table[] = {
	[ENGINE_JOB_OPEN_FOLDER] = { "open-folder", run_open, 0 },
	[ENGINE_JOB_FETCH_BODY] = { "fetch-body", fetch_body, 0 },
	[ENGINE_JOB_STORE_FLAGS] = { "store-flags", bulk, 1 },
	[ENGINE_JOB_LIST_FOLDERS] = { "list-folders", run_list, 0 },
	[ENGINE_JOB_DELETE] = { "delete", bulk, 1 },
	[ENGINE_JOB_COPY] = { "copy", bulk, 1 },
	[ENGINE_JOB_EXPUNGE] = { "expunge", bulk, 1 },
	[ENGINE_JOB_FOLDER_CHANGE] = { "folder-change", folder_change, 1 },
	[ENGINE_JOB_SEARCH] = { "search", search, 0 },
	[ENGINE_JOB_SEND] = { "send", send_entry, 1 },
	[ENGINE_JOB_POSTPONE] = { "postpone", postpone, 1 },
	[ENGINE_JOB_DRAFTS] = { "drafts", drafts, 0 },
	[ENGINE_JOB_MARK_OLD] = { "mark-old", mark_old, 1 },
};

_Static_assert(sizeof(job_table) / sizeof(*job_table) == ENGINE_JOB_MARK_OLD + 1, "a row for every job type");

const char *engine_job_name(enum engine_job_type type)
{
	return (size_t)type < sizeof(job_table) / sizeof(*job_table) ? job_table[type].name : "?";
}

static int user_action(enum engine_job_type type)
{
	return job_table[type].user_action;
}

static void *worker_main(void *data)
{
	struct engine_worker *w = data;

	for (;;) {
		pthread_mutex_lock(&w->lock);
		if (!w->jobs && !w->stopping && w->watching) {
			pthread_mutex_unlock(&w->lock);
			watch(w);
			continue;
		}
		while (!w->jobs && !w->stopping)
			pthread_cond_wait(&w->wake, &w->lock);
		if (w->stopping && !w->jobs) {
			pthread_mutex_unlock(&w->lock);
			break;
		}
		struct engine_job *job = pop(&w->jobs, &w->jobs_tail);
		if (w->stopping && !user_action(job->type)) {
			pthread_mutex_unlock(&w->lock);
			job_free(job); /* quitting: reads are abandoned, user actions are not */
			continue;
		}
		w->busy = job->type;
		w->cancelled = 0;
		char drain[64]; /* a cancel is for the job it was pressed in */
		while (read(w->cancel[0], drain, sizeof(drain)) > 0)
			;
		pthread_mutex_unlock(&w->lock);
		job_table[job->type].run(w, job);
		engine_account_alerts(&w->ea); /* shown in the reader's status line */
		pthread_mutex_lock(&w->lock);
		w->busy = -1;
		pthread_mutex_unlock(&w->lock);
		job_free(job);
	}
	return NULL;
}

static void on_warning(void *data, const char *line)
{
	emit_notice(data, line);
}

struct engine_worker *engine_worker_start(const struct conf *conf, const struct conf_account *account,
                                          int wake_fd)
{
	struct engine_worker *w = xcalloc(1, sizeof(*w));

	w->ea.conf = conf;
	w->ea.account = account;
	engine_options_from_env(&w->ea);
	/* No one to ask for a password here: the UI owns the terminal. */
	w->ea.hooks = (struct engine_hooks){ .warn = on_warning, .progress = on_sync_progress, .ctx = w };
	w->wake_fd = wake_fd;
	w->busy = -1;
	if (pipe2(w->cancel, O_CLOEXEC | O_NONBLOCK) < 0)
		lib_fatal("pipe: %s", strerror(errno));
	w->ea.cancel_fd = w->cancel[0];
	if (pipe2(w->notify, O_CLOEXEC | O_NONBLOCK) < 0)
		lib_fatal("pipe: %s", strerror(errno));
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
		lib_fatal("cannot start a worker thread");
	return w;
}

static void submit(struct engine_worker *w, struct engine_job *job)
{
	pthread_mutex_lock(&w->lock);
	push(&w->jobs, &w->jobs_tail, job);
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	ssize_t rc = write(w->notify[1], "j", 1);
	(void)rc; /* a full pipe already wakes the worker */
}

void engine_worker_open_folder(struct engine_worker *w, const char *folder)
{
	struct engine_job *job = xcalloc(1, sizeof(*job));
	job->type = ENGINE_JOB_OPEN_FOLDER;
	job->folder = xstrdup(folder);
	submit(w, job);
}

void engine_worker_fetch_body(struct engine_worker *w, const char *folder, uint32_t uid)
{
	struct engine_job *job = xcalloc(1, sizeof(*job));
	job->type = ENGINE_JOB_FETCH_BODY;
	job->folder = xstrdup(folder);
	job->body.uid = uid;
	submit(w, job);
}

void engine_worker_list_folders(struct engine_worker *w, int counts)
{
	struct engine_job *job = xcalloc(1, sizeof(*job));
	job->type = ENGINE_JOB_LIST_FOLDERS;
	job->list.counts = counts;
	submit(w, job);
}

void engine_worker_send(struct engine_worker *w, const char *path)
{
	struct engine_job *job = xcalloc(1, sizeof(*job));
	job->type = ENGINE_JOB_SEND;
	job->send.path = xstrdup(path);
	submit(w, job);
}

void engine_worker_postpone(struct engine_worker *w, const char *message, size_t len, const struct engine_draft_ref *old,
                            const char *local)
{
	struct engine_job *job = xcalloc(1, sizeof(*job));
	job->type = ENGINE_JOB_POSTPONE;
	job->postpone.message = xmalloc(len + 1);
	memcpy(job->postpone.message, message, len);
	job->postpone.message[len] = '\0';
	job->postpone.len = len;
	if (old && old->folder)
		job->postpone.old = (struct engine_draft_ref){ xstrdup(old->folder), old->uidvalidity, old->uid };
	job->postpone.local = local ? xstrdup(local) : NULL;
	submit(w, job);
}

void engine_worker_drafts(struct engine_worker *w)
{
	struct engine_job *job = xcalloc(1, sizeof(*job));
	job->type = ENGINE_JOB_DRAFTS;
	submit(w, job);
}

void engine_worker_search(struct engine_worker *w, const char *folder, const struct model_pattern *pattern,
                          int token)
{
	struct engine_job *job = xcalloc(1, sizeof(*job));
	job->type = ENGINE_JOB_SEARCH;
	job->folder = xstrdup(folder);
	job->search.criteria = imap_search_criteria(pattern); /* pure text: built here, the pattern stays the UI's */
	job->search.token = token;
	submit(w, job);
}

void engine_worker_folder_change(struct engine_worker *w, enum engine_folder_op op, const char *folder,
                                 const char *new_name)
{
	struct engine_job *job = xcalloc(1, sizeof(*job));
	job->type = ENGINE_JOB_FOLDER_CHANGE;
	job->change.op = op;
	job->folder = xstrdup(folder);
	job->change.new_name = new_name ? xstrdup(new_name) : NULL;
	submit(w, job);
}

static struct engine_job *bulk_job(enum engine_job_type type, const char *folder, const uint32_t *uids, size_t n)
{
	struct engine_job *job = xcalloc(1, sizeof(*job));
	job->type = type;
	job->folder = xstrdup(folder);
	job->bulk.uids = xmalloc((n ? n : 1) * sizeof(*uids));
	memcpy(job->bulk.uids, uids, n * sizeof(*uids));
	job->bulk.nuids = n;
	return job;
}

void engine_worker_store_flags(struct engine_worker *w, const char *folder, const uint32_t *uids, size_t n,
                               unsigned flags, int add)
{
	struct engine_job *job = bulk_job(ENGINE_JOB_STORE_FLAGS, folder, uids, n);
	job->bulk.flags = flags;
	job->bulk.add = add;
	submit(w, job);
}

void engine_worker_delete(struct engine_worker *w, const char *folder, const uint32_t *uids, size_t n)
{
	submit(w, bulk_job(ENGINE_JOB_DELETE, folder, uids, n));
}

void engine_worker_copy(struct engine_worker *w, const char *folder, const uint32_t *uids, size_t n,
                        const char *target, int move)
{
	struct engine_job *job = bulk_job(ENGINE_JOB_COPY, folder, uids, n);
	job->bulk.target = engine_folder_is_path(target) ? xstrdup(target) : imap_utf7_encode(target);
	job->bulk.move = move;
	submit(w, job);
}

void engine_worker_copy_to_account(struct engine_worker *w, const char *folder, const uint32_t *uids, size_t n,
                                   const struct conf_account *target_account, const char *target, int move)
{
	struct engine_job *job = bulk_job(ENGINE_JOB_COPY, folder, uids, n);
	char *local = engine_local_path(w->ea.conf, target_account, target);
	if (local) { /* a POP3 account's INBOX: its Maildir */
		job->bulk.target = local;
	} else {
		job->bulk.target = imap_utf7_encode(target);
		job->bulk.target_account = target_account;
	}
	job->bulk.move = move;
	submit(w, job);
}

void engine_worker_expunge(struct engine_worker *w, const char *folder, const uint32_t *uids, size_t n)
{
	submit(w, bulk_job(ENGINE_JOB_EXPUNGE, folder, uids, n));
}

void engine_worker_mark_old(struct engine_worker *w, const char *folder, const uint32_t *uids, size_t n)
{
	submit(w, bulk_job(ENGINE_JOB_MARK_OLD, folder, uids, n));
}

void engine_worker_expunge_all(struct engine_worker *w, const char *folder, const uint32_t *uids, size_t n)
{
	struct engine_job *job = bulk_job(ENGINE_JOB_EXPUNGE, folder, uids, n);
	job->bulk.expunge_all = 1;
	submit(w, job);
}

void engine_worker_cancel(struct engine_worker *w)
{
	pthread_mutex_lock(&w->lock);
	w->cancelled = 1;
	ssize_t rc = write(w->cancel[1], "c", 1);
	(void)rc; /* a full pipe is already cancelled */
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

struct engine_event *engine_worker_next_event(struct engine_worker *w)
{
	pthread_mutex_lock(&w->lock);
	struct engine_event *ev = pop(&w->events, &w->events_tail);
	pthread_mutex_unlock(&w->lock);
	return ev;
}

void engine_worker_stop(struct engine_worker *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = 1;
	/* Whatever is only being read or waited for (a stalled server, IDLE)
	 * is abandoned at once; a user action under way finishes. */
	if (w->busy < 0 || !user_action((enum engine_job_type)w->busy)) {
		w->cancelled = 1;
		ssize_t rc = write(w->cancel[1], "c", 1);
		(void)rc;
	}
	ssize_t rc = write(w->notify[1], "s", 1); /* ends an IDLE */
	(void)rc;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	struct engine_job *job;
	while ((job = pop(&w->jobs, &w->jobs_tail)))
		job_free(job);
	struct engine_event *ev;
	while ((ev = pop(&w->events, &w->events_tail)))
		engine_event_free(ev);
	engine_account_close(&w->ea);
	engine_local_close(w->local);
	store_bodies_close(w->bodies);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	close(w->cancel[0]);
	close(w->cancel[1]);
	close(w->notify[0]);
	close(w->notify[1]);
	free(w->watching);
	free(w);
}
