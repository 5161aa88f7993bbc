/* Downloading a POP3 mailbox into a Maildir, exactly once per message,
 * deleting on the server only what is safe here (DESIGN.md, durability
 * rules). The order for each new message:
 *   RETR streamed into tmp/ (decoded chunk by chunk: never the whole
 *   message in memory) -> fsync -> new/ -> fsync new/ -> journal line +
 *   fdatasync -> only then, if the options say so, DELE by the number
 *   this session's validated, unique UIDL belongs to.
 * DELEs take effect at QUIT, which is sent only on a sound connection:
 * a server lost in the middle deletes nothing (RFC 1939 section 6). */
#include "pop-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../local/local.h"

/* A message may run over the size LIST announced (servers count line
 * ends differently) but not without bound: the disk is finite. */
#define SIZE_SLACK (64ull << 20)

struct listed_msg {
	unsigned number;
	uint64_t size;
	char *uidl;   /* NULL unless the UIDL listing was sound */
	char hash[33]; /* from TOP, in hash mode */
};

struct fetch {
	const struct pop_fetch_options *options;
	struct pop_fetch_result *result;
	struct pop_session *session;
	struct pop_state *state;
	struct listed_msg *msgs;
	size_t count;
	int by_uidl;
	int64_t now;
	/* the message being downloaded */
	struct local_delivery *delivery;
	struct pop_header_hash header;
	uint64_t written, limit;
	unsigned number;
	int compare; /* hash mode without TOP: drop the message if its header hash is known */
	int known;
	/* messages DELEted in this session: indexes into msgs */
	size_t *deleted;
	size_t ndeleted, deleted_cap;
};

static void warn(struct fetch *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(struct fetch *f, const char *fmt, ...)
{
	va_list ap;

	if (!f->options->warn)
		return;
	va_start(ap, fmt);
	char *text = xvasprintf(fmt, ap);
	va_end(ap);
	f->options->warn(f->options->ctx, text);
	free(text);
}

/* A -ERR to a command tern cannot do without: err with the words. */
static void refused(struct fetch *f, const char *what, struct lib_error *err)
{
	struct buf words = BUF_INIT;
	pop_server_words(f->session->line.data, &words);
	lib_error_set(err, pop_refusal_class(f->session->line.data, LIB_ERR_SERVER), "%s refused by the server: %s", what,
	              words.data);
	buf_free(&words);
}

static int is_end(const char *line)
{
	return line[0] == '.' && line[1] == '\0';
}

static struct listed_msg *find_number(struct fetch *f, unsigned number)
{
	size_t lo = 0, hi = f->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (f->msgs[mid].number == number)
			return &f->msgs[mid];
		if (f->msgs[mid].number < number)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int read_list(struct fetch *f, struct lib_error *err)
{
	size_t cap = 0;
	unsigned previous = 0;
	int r = pop_command(f->session, "LIST", "LIST", err);

	if (r <= 0) {
		if (r == 0)
			refused(f, "LIST", err);
		return -1;
	}
	for (size_t line_no = 1;; line_no++) {
		if (pop_read_line(f->session, "LIST", err) < 0)
			return -1;
		const char *line = f->session->line.data;
		if (is_end(line))
			return 0;
		char why[160];
		struct listed_msg msg = { 0 };
		if (pop_list_line_parse(line, previous, &msg.number, &msg.size, why, sizeof(why)) < 0 ||
		    f->count >= POP_LIST_MAX) {
			struct buf shown = BUF_INIT;
			lib_sanitize(&shown, line, strlen(line) > 60 ? 60 : strlen(line), LIB_SANITIZE_LINE);
			lib_error_set(err, LIB_ERR_PROTOCOL, "the server's LIST reply is malformed at line %zu (\"%s\"): %s",
			              line_no, shown.data ? shown.data : "",
			              f->count >= POP_LIST_MAX ? "too many messages" : why);
			buf_free(&shown);
			f->session->broken = 1; /* the rest of the listing is unread */
			return -1;
		}
		previous = msg.number;
		if (f->count == cap) {
			cap = cap ? cap * 2 : 256;
			f->msgs = xrealloc(f->msgs, cap * sizeof(*f->msgs));
		}
		f->msgs[f->count++] = msg;
	}
}

static int uidl_compare(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads the UIDL listing into msgs. Returns 0 when every message got a
 * valid, unique UIDL; 1 when they cannot be used (why says so, the
 * session still in step); -1 on a stream error. */
static int read_uidls(struct fetch *f, struct buf *why, struct lib_error *err)
{
	size_t lines = 0;
	int r;

	if (f->session->capa_known && !f->session->capa_uidl) {
		buf_addstr(why, "the server does not offer UIDL");
		return 1;
	}
	r = pop_command(f->session, "UIDL", "UIDL", err);
	if (r < 0)
		return -1;
	if (r == 0) {
		buf_addstr(why, "the server refused UIDL: ");
		pop_server_words(f->session->line.data, why);
		return 1;
	}
	for (;;) {
		if (pop_read_line(f->session, "UIDL", err) < 0)
			return -1;
		const char *line = f->session->line.data;
		if (is_end(line))
			break;
		if (++lines > f->count + 1000) { /* an endless reply: give up on this session */
			lib_error_set(err, LIB_ERR_PROTOCOL, "the server's UIDL reply has more lines than messages");
			f->session->broken = 1;
			return -1;
		}
		if (why->len)
			continue; /* already unusable: read to the end to stay in step */
		unsigned number;
		const char *uidl;
		char reason[160];
		if (pop_uidl_line_parse(line, &number, &uidl, reason, sizeof(reason)) < 0) {
			buf_addf(why, "the server's UIDL reply is malformed at line %zu: %s", lines, reason);
			continue;
		}
		struct listed_msg *msg = find_number(f, number);
		if (!msg)
			buf_addf(why, "the server's UIDL reply names message %u, which LIST did not", number);
		else if (msg->uidl)
			buf_addf(why, "the server's UIDL reply names message %u twice", number);
		else
			msg->uidl = xstrdup(uidl);
	}
	if (!why->len) {
		char **sorted = xcalloc(f->count + 1, sizeof(*sorted));
		for (size_t i = 0; i < f->count && !why->len; i++) {
			if (!f->msgs[i].uidl)
				buf_addf(why, "the server's UIDL reply has no unique-id for message %u", f->msgs[i].number);
			sorted[i] = f->msgs[i].uidl;
		}
		if (!why->len) {
			qsort(sorted, f->count, sizeof(*sorted), uidl_compare);
			for (size_t i = 1; i < f->count && !why->len; i++)
				if (strcmp(sorted[i - 1], sorted[i]) == 0)
					buf_addf(why, "the server gives two messages the same unique-id");
		}
		free(sorted);
	}
	if (!why->len)
		return 0;
	for (size_t i = 0; i < f->count; i++) {
		free(f->msgs[i].uidl);
		f->msgs[i].uidl = NULL;
	}
	return 1;
}

/* ---- one message ---- */

static int into_delivery(void *ctx, const char *data, size_t len, struct lib_error *err)
{
	struct fetch *f = ctx;
	char *cause = NULL;

	if (!f->header.complete && pop_header_hash_feed(&f->header, data, len)) {
		pop_header_hash_finish(&f->header);
		if (f->compare && pop_state_find_hash(f->state, f->header.hex)) {
			f->known = 1;
			return 1; /* already here: read the rest and drop it */
		}
	}
	f->written += len;
	if (f->written > f->limit) {
		lib_error_set(err, LIB_ERR_PROTOCOL, "message %u: the server sent far more than the %llu bytes it announced",
		              f->number, (unsigned long long)(f->limit - SIZE_SLACK) / 2);
		return -1;
	}
	if (local_delivery_write(f->delivery, data, len, &cause) < 0) {
		lib_error_set(err, LIB_ERR_INTERNAL, "%s", cause);
		free(cause);
		f->result->local_failure = 1;
		return -1;
	}
	return 0;
}

static int into_header(void *ctx, const char *data, size_t len, struct lib_error *err)
{
	struct fetch *f = ctx;
	(void)err;
	if (pop_header_hash_feed(&f->header, data, len))
		return 1;
	return 0;
}

/* Downloads msg into the Maildir and records it. Returns 1 when it is
 * here now, 2 when it turned out to be here already (compare mode), 0
 * when the server refused RETR (warned; it stays there), -1 on error. */
static int download(struct fetch *f, struct listed_msg *msg, struct lib_error *err)
{
	char command[32], *cause = NULL;

	f->delivery = local_delivery_begin(f->options->maildir, &cause);
	if (!f->delivery) {
		lib_error_set(err, LIB_ERR_INTERNAL, "%s", cause);
		free(cause);
		f->result->local_failure = 1;
		return -1;
	}
	snprintf(command, sizeof(command), "RETR %u", msg->number);
	int r = pop_command(f->session, "RETR", command, err);
	if (r <= 0) {
		local_delivery_abort(f->delivery);
		f->delivery = NULL;
		if (r == 0) {
			struct buf words = BUF_INIT;
			pop_server_words(f->session->line.data, &words);
			warn(f, "message %u: RETR refused by the server: %s; it stays there", msg->number, words.data);
			buf_free(&words);
		}
		return r;
	}
	pop_header_hash_reset(&f->header);
	f->written = 0;
	f->limit = msg->size * 2 + SIZE_SLACK;
	f->number = msg->number;
	f->known = 0;
	r = pop_read_body(f->session, "RETR", into_delivery, f, err);
	if (r < 0 || f->known) {
		local_delivery_abort(f->delivery);
		f->delivery = NULL;
		return r < 0 ? -1 : 2;
	}
	if (!f->header.hex[0])
		pop_header_hash_finish(&f->header); /* a message without a blank line */
	r = local_delivery_commit(f->delivery, &cause);
	f->delivery = NULL;
	if (r < 0) {
		lib_error_set(err, LIB_ERR_INTERNAL, "%s", cause);
		free(cause);
		f->result->local_failure = 1;
		return -1;
	}
	/* In hash mode the TOP hash is the key later sessions compare. */
	const char *hash = msg->hash[0] ? msg->hash : f->header.hex;
	struct pop_state_entry *entry = pop_state_record(f->state, msg->uidl, hash, f->now, err);
	if (!entry) {
		f->result->local_failure = 1;
		return -1;
	}
	entry->listed = 1;
	f->result->downloaded++;
	return 1;
}

/* TOP n 0: the header hash of msg. 1 done, 0 refused, -1 error. */
static int top_hash(struct fetch *f, struct listed_msg *msg, struct lib_error *err)
{
	char command[40];

	snprintf(command, sizeof(command), "TOP %u 0", msg->number);
	int r = pop_command(f->session, "TOP", command, err);
	if (r <= 0)
		return r;
	pop_header_hash_reset(&f->header);
	if (pop_read_body(f->session, "TOP", into_header, f, err) < 0)
		return -1;
	pop_header_hash_finish(&f->header);
	memcpy(msg->hash, f->header.hex, sizeof(msg->hash));
	return 1;
}

static void progress(struct fetch *f, size_t done)
{
	if (f->options->progress)
		f->options->progress(f->options->ctx, done, f->count);
}

/* ---- the two modes ---- */

static int may_delete(const struct fetch *f, const struct pop_state_entry *entry)
{
	if (f->options->keep || !f->by_uidl || !entry->uidl)
		return 0;
	return f->options->delete_after_days <= 0 || f->now - entry->time >= (int64_t)f->options->delete_after_days * 86400;
}

static int fetch_by_uidl(struct fetch *f, struct lib_error *err)
{
	for (size_t i = 0; i < f->count; i++) {
		struct pop_state_entry *entry = pop_state_find_uidl(f->state, f->msgs[i].uidl);
		if (entry)
			entry->listed = 1;
	}
	/* Every UIDL of the server is marked: the state may forget the rest,
	 * even if this session stops early. */
	pop_state_prune(f->state, 1);
	for (size_t i = 0; i < f->count; i++) {
		struct listed_msg *msg = &f->msgs[i];
		struct pop_state_entry *entry = pop_state_find_uidl(f->state, msg->uidl);
		if (!entry) {
			int r = download(f, msg, err);
			if (r < 0)
				return -1;
			progress(f, i + 1);
			if (r == 0)
				continue;
			entry = pop_state_find_uidl(f->state, msg->uidl);
		}
		if (!may_delete(f, entry))
			continue;
		/* Recorded durably, matched by this session's UIDL. */
		char command[32];
		snprintf(command, sizeof(command), "DELE %u", msg->number);
		int r = pop_command(f->session, "DELE", command, err);
		if (r < 0)
			return -1;
		if (r == 0) {
			struct buf words = BUF_INIT;
			pop_server_words(f->session->line.data, &words);
			warn(f, "message %u: DELE refused by the server: %s", msg->number, words.data);
			buf_free(&words);
			continue;
		}
		if (f->ndeleted == f->deleted_cap) {
			f->deleted_cap = f->deleted_cap ? f->deleted_cap * 2 : 256;
			f->deleted = xrealloc(f->deleted, f->deleted_cap * sizeof(*f->deleted));
		}
		f->deleted[f->ndeleted++] = i;
	}
	return 0;
}

static int fetch_by_hash(struct fetch *f, struct lib_error *err)
{
	int have_top = !f->session->capa_known || f->session->capa_top;

	for (size_t i = 0; i < f->count && have_top; i++) {
		int r = top_hash(f, &f->msgs[i], err);
		if (r < 0)
			return -1;
		if (r == 0) {
			if (i > 0) {
				refused(f, "TOP", err);
				return -1;
			}
			have_top = 0; /* no TOP: compare the header of each RETR instead */
		}
	}
	if (have_top) {
		for (size_t i = 0; i < f->count; i++) {
			struct pop_state_entry *entry = pop_state_find_hash(f->state, f->msgs[i].hash);
			if (entry)
				entry->listed = 1;
		}
		pop_state_prune(f->state, 0);
	}
	f->compare = !have_top;
	for (size_t i = 0; i < f->count; i++) {
		struct listed_msg *msg = &f->msgs[i];
		if (have_top && pop_state_find_hash(f->state, msg->hash))
			continue;
		int r = download(f, msg, err);
		if (r < 0)
			return -1;
		if (r == 2) {
			struct pop_state_entry *entry = pop_state_find_hash(f->state, f->header.hex);
			if (entry)
				entry->listed = 1;
		}
		progress(f, i + 1);
	}
	if (!have_top)
		pop_state_prune(f->state, 0); /* every message was looked at */
	return 0;
}

int pop_fetch(const struct net_server *server, const struct net_login *login, const struct pop_fetch_options *options,
              struct pop_fetch_result *result, struct lib_error *err)
{
	struct fetch f = { .options = options, .result = result, .now = (int64_t)time(NULL) };
	char *cause = NULL, *warning = NULL;
	struct buf why = BUF_INIT; /* why the UIDLs cannot be used */
	int rc = -1;

	memset(result, 0, sizeof(*result));
	if (local_maildir_make(options->maildir, &cause) < 0) {
		lib_error_set(err, LIB_ERR_INTERNAL, "%s", cause);
		free(cause);
		result->local_failure = 1;
		return -1;
	}
	local_maildir_clean_tmp(options->maildir);
	f.state = pop_state_open(options->maildir, options->account, &warning, err);
	if (warning) {
		warn(&f, "%s", warning);
		free(warning);
	}
	if (!f.state) {
		result->local_failure = err->cls == LIB_ERR_INTERNAL;
		return -1;
	}
	f.session = pop_session_open(server, login, err);
	if (!f.session)
		goto done;
	if (read_list(&f, err) < 0)
		goto done;
	result->listed = 1;
	result->on_server = f.count;
	int usable = read_uidls(&f, &why, err);
	if (usable < 0)
		goto done;
	if (usable == 1) {
		warn(&f, "%s: messages are recognised by a hash of their headers instead, and none is deleted "
		         "from the server", why.data);
		result->by_header_hash = 1;
	}
	f.by_uidl = usable == 0;
	if (options->check_only) {
		for (size_t i = 0; f.by_uidl && i < f.count; i++)
			result->fresh += pop_state_find_uidl(f.state, f.msgs[i].uidl) == NULL;
		rc = 0;
		goto done;
	}
	if ((f.by_uidl ? fetch_by_uidl(&f, err) : fetch_by_hash(&f, err)) < 0)
		goto done;
	rc = 0;
done:
	/* QUIT carries out the DELEs; every one is of a message recorded
	 * here, so it is sent after a local failure too, but never on a
	 * connection that broke. */
	if (f.session && !f.session->broken) {
		struct lib_error quit_err = { 0 };
		int r = pop_session_quit(f.session, &quit_err);
		if (r == 1) {
			result->removed = f.ndeleted;
			for (size_t i = 0; i < f.ndeleted; i++) {
				struct pop_state_entry *entry = pop_state_find_uidl(f.state, f.msgs[f.deleted[i]].uidl);
				if (entry)
					pop_state_forget(f.state, entry);
			}
		} else if (f.ndeleted) {
			warn(&f, "%s; the %zu message%s marked for deletion may still be on the server", quit_err.text,
			     f.ndeleted, f.ndeleted == 1 ? "" : "s");
		}
	}
	result->stayed = result->on_server - result->removed;
	struct lib_error save_err = { 0 };
	if (pop_state_save(f.state, &save_err) < 0) {
		if (rc == 0) {
			*err = save_err;
			result->local_failure = 1;
			rc = -1;
		} else {
			warn(&f, "%s", save_err.text);
		}
	}
	buf_free(&why);
	pop_header_hash_free(&f.header);
	pop_session_close(f.session);
	pop_state_close(f.state);
	for (size_t i = 0; i < f.count; i++)
		free(f.msgs[i].uidl);
	free(f.msgs);
	free(f.deleted);
	return rc;
}
