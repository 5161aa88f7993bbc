/* Which POP3 messages are already in the Maildir: the state file, its
 * journal, and their lock. A download is recorded by appending one line
 * to the journal and fsyncing it (cheap, so every message is recorded the
 * moment it is durable); pop_state_save folds everything into the state
 * file with lib_file_write_durable and empties the journal. A crash at any
 * point leaves state + journal describing every message that reached
 * new/ except possibly the last one, which is then downloaded again:
 * a duplicate, never a loss. */
#define _GNU_SOURCE
#include "pop-private.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATE_MAGIC "tern-pop3-state 1"

/* An open-addressing index from a key string to an entry: slots hold
 * entry index + 1, 0 is empty. */
struct state_index {
	size_t *slots;
	size_t cap; /* a power of two */
	size_t used;
};

struct pop_state {
	char *path, *journal_path;
	int journal_fd; /* holds the lock */
	struct pop_state_entry *entries;
	size_t count, cap;
	struct state_index by_uidl, by_hash;
	int dirty;
};

static uint64_t key_hash(const char *key)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (; *key; key++)
		h = (h ^ (unsigned char)*key) * 1099511628211ull;
	return h;
}

static const char *entry_key(const struct pop_state_entry *entry, int by_uidl)
{
	return by_uidl ? entry->uidl : entry->hash[0] ? entry->hash : NULL;
}

static void index_insert(struct pop_state *state, struct state_index *index, int by_uidl, size_t entry);

static void index_grow(struct pop_state *state, struct state_index *index, int by_uidl)
{
	free(index->slots);
	index->cap = index->cap ? index->cap * 2 : 64;
	index->slots = xcalloc(index->cap, sizeof(*index->slots));
	index->used = 0;
	for (size_t i = 0; i < state->count; i++)
		if (entry_key(&state->entries[i], by_uidl))
			index_insert(state, index, by_uidl, i);
}

static void index_insert(struct pop_state *state, struct state_index *index, int by_uidl, size_t entry)
{
	if ((index->used + 1) * 2 > index->cap) {
		index_grow(state, index, by_uidl); /* re-inserts every entry up to count, this one included */
		if (entry < state->count)
			return;
	}
	size_t mask = index->cap - 1;
	size_t slot = key_hash(entry_key(&state->entries[entry], by_uidl)) & mask;
	while (index->slots[slot])
		slot = (slot + 1) & mask;
	index->slots[slot] = entry + 1;
	index->used++;
}

/* The first entry with key that is not marked removed; NULL if none. */
static struct pop_state_entry *index_find(struct pop_state *state, struct state_index *index, int by_uidl,
                                          const char *key)
{
	if (!index->cap || !key || !*key)
		return NULL;
	size_t mask = index->cap - 1;
	for (size_t slot = key_hash(key) & mask; index->slots[slot]; slot = (slot + 1) & mask) {
		struct pop_state_entry *entry = &state->entries[index->slots[slot] - 1];
		if (!entry->removed && strcmp(entry_key(entry, by_uidl), key) == 0)
			return entry;
	}
	return NULL;
}

struct pop_state_entry *pop_state_find_uidl(struct pop_state *state, const char *uidl)
{
	return index_find(state, &state->by_uidl, 1, uidl);
}

struct pop_state_entry *pop_state_find_hash(struct pop_state *state, const char *hash)
{
	return index_find(state, &state->by_hash, 0, hash);
}

static struct pop_state_entry *add_entry(struct pop_state *state, const char *uidl, const char *hash, int64_t time)
{
	if (state->count == state->cap) {
		state->cap = state->cap ? state->cap * 2 : 256;
		state->entries = xrealloc(state->entries, state->cap * sizeof(*state->entries));
	}
	struct pop_state_entry *entry = &state->entries[state->count];
	memset(entry, 0, sizeof(*entry));
	entry->uidl = uidl ? xstrdup(uidl) : NULL;
	snprintf(entry->hash, sizeof(entry->hash), "%s", hash ? hash : "");
	entry->time = time;
	state->count++;
	if (entry->uidl)
		index_insert(state, &state->by_uidl, 1, state->count - 1);
	if (entry->hash[0])
		index_insert(state, &state->by_hash, 0, state->count - 1);
	return entry;
}

static int hash_ok(const char *hash)
{
	size_t len = strlen(hash);
	if (len != 32)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((hash[i] >= '0' && hash[i] <= '9') || (hash[i] >= 'a' && hash[i] <= 'f')))
			return 0;
	return 1;
}

/* One line "u:UIDL HASH TIME" or "- HASH TIME" (HASH may be "-").
 * Returns 0 when it was read (or is already known), -1 if malformed. */
static int load_line(struct pop_state *state, char *line)
{
	char *fields[3];
	int n = 0;

	for (char *save = NULL, *word = strtok_r(line, " ", &save); word && n < 4; word = strtok_r(NULL, " ", &save)) {
		if (n == 3)
			return -1;
		fields[n++] = word;
	}
	if (n != 3)
		return -1;
	const char *uidl = NULL;
	if (strncmp(fields[0], "u:", 2) == 0 && pop_uidl_valid(fields[0] + 2))
		uidl = fields[0] + 2;
	else if (strcmp(fields[0], "-") != 0)
		return -1;
	const char *hash = strcmp(fields[1], "-") == 0 ? "" : fields[1];
	if (*hash && !hash_ok(hash))
		return -1;
	if (!uidl && !*hash)
		return -1;
	char *end;
	errno = 0;
	long long when = strtoll(fields[2], &end, 10);
	if (errno || *end || end == fields[2])
		return -1;
	/* The journal repeats what a save interrupted after its rename
	 * already wrote: keep the first. */
	if (uidl ? pop_state_find_uidl(state, uidl) != NULL : pop_state_find_hash(state, hash) != NULL)
		return 0;
	add_entry(state, uidl, hash, when);
	return 0;
}

/* Reads every complete line of text (a torn last line, from a crash in
 * the middle of a journal append, is not complete). Returns the number
 * of lines that could not be read. */
static size_t load_text(struct pop_state *state, char *text, size_t len)
{
	size_t bad = 0;
	char *p = text, *end = text + len;

	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;
		*nl = '\0';
		if (*p && *p != '#' && strcmp(p, STATE_MAGIC) != 0 && load_line(state, p) < 0)
			bad++;
		p = nl + 1;
	}
	return bad;
}

/* The whole of fd (from offset 0), NUL-terminated; -1 with errno. */
static int read_all(int fd, struct buf *out)
{
	char chunk[65536];
	off_t offset = 0;

	for (;;) {
		ssize_t n = pread(fd, chunk, sizeof(chunk), offset);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		buf_add(out, chunk, (size_t)n);
		offset += n;
	}
	buf_addstr(out, "");
	return 0;
}

char *pop_state_path(const char *maildir, const char *account)
{
	return xasprintf("%s/tern-pop3-%s.state", maildir, account);
}

struct pop_state *pop_state_open(const char *maildir, const char *account, char **warning, struct lib_error *err)
{
	struct pop_state *state = xcalloc(1, sizeof(*state));
	struct buf text = BUF_INIT;
	size_t bad = 0;

	*warning = NULL;
	state->path = pop_state_path(maildir, account);
	state->journal_path = xasprintf("%s/tern-pop3-%s.journal", maildir, account);
	state->journal_fd = open(state->journal_path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (state->journal_fd < 0) {
		lib_error_set(err, LIB_ERR_INTERNAL, "cannot open %s: %s", state->journal_path, strerror(errno));
		goto fail;
	}
	if (flock(state->journal_fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK)
			lib_error_set(err, LIB_ERR_TEMPORARY, "another tern is fetching account %s into %s right now",
			              account, maildir);
		else
			lib_error_set(err, LIB_ERR_INTERNAL, "cannot lock %s: %s", state->journal_path, strerror(errno));
		goto fail;
	}
	int fd = open(state->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno != ENOENT) {
		lib_error_set(err, LIB_ERR_INTERNAL, "cannot read %s: %s", state->path, strerror(errno));
		goto fail;
	}
	if (fd >= 0) {
		int rc = read_all(fd, &text);
		int saved = errno;
		close(fd);
		if (rc < 0) {
			lib_error_set(err, LIB_ERR_INTERNAL, "cannot read %s: %s", state->path, strerror(saved));
			goto fail;
		}
		bad += load_text(state, text.data, text.len);
		buf_reset(&text);
	}
	if (read_all(state->journal_fd, &text) < 0) {
		lib_error_set(err, LIB_ERR_INTERNAL, "cannot read %s: %s", state->journal_path, strerror(errno));
		goto fail;
	}
	if (text.len) {
		state->dirty = 1; /* fold the journal into the state at the next save */
		/* Cut a torn last line, or the next append would extend it.
		 * (Measured before load_text, which overwrites the newlines.) */
		char *last = memrchr(text.data, '\n', text.len);
		off_t keep = last ? (off_t)(last - text.data + 1) : 0;
		bad += load_text(state, text.data, text.len);
		if (keep != (off_t)text.len && ftruncate(state->journal_fd, keep) != 0) {
			lib_error_set(err, LIB_ERR_INTERNAL, "cannot repair %s: %s", state->journal_path, strerror(errno));
			goto fail;
		}
	}
	if (bad)
		*warning = xasprintf("%zu line%s of %s or its journal could not be read and %s ignored "
		                     "(those messages may be downloaded again)",
		                     bad, bad == 1 ? "" : "s", state->path, bad == 1 ? "was" : "were");
	buf_free(&text);
	return state;
fail:
	buf_free(&text);
	pop_state_close(state);
	return NULL;
}

struct pop_state_entry *pop_state_record(struct pop_state *state, const char *uidl, const char *hash, int64_t time,
                                         struct lib_error *err)
{
	char line[160];
	int len = snprintf(line, sizeof(line), "%s%s %s %" PRId64 "\n", uidl ? "u:" : "-", uidl ? uidl : "",
	                   hash && *hash ? hash : "-", time);
	size_t done = 0;

	if (len <= 0 || (size_t)len >= sizeof(line))
		lib_fatal("pop state line too long"); /* UIDLs are at most 70 characters */
	while (done < (size_t)len) {
		ssize_t n = write(state->journal_fd, line + done, (size_t)len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			lib_error_set(err, LIB_ERR_INTERNAL, "cannot write %s: %s", state->journal_path,
			              strerror(n < 0 ? errno : EIO));
			return NULL;
		}
		done += (size_t)n;
	}
	if (fdatasync(state->journal_fd) != 0) {
		lib_error_set(err, LIB_ERR_INTERNAL, "cannot sync %s: %s", state->journal_path, strerror(errno));
		return NULL;
	}
	state->dirty = 1;
	return add_entry(state, uidl, hash, time);
}

void pop_state_prune(struct pop_state *state, int by_uidl)
{
	for (size_t i = 0; i < state->count; i++) {
		struct pop_state_entry *entry = &state->entries[i];
		if (entry->removed || entry->listed || (by_uidl ? !entry->uidl : entry->uidl != NULL))
			continue;
		entry->removed = 1;
		state->dirty = 1;
	}
}

void pop_state_forget(struct pop_state *state, struct pop_state_entry *entry)
{
	entry->removed = 1;
	state->dirty = 1;
}

size_t pop_state_count(const struct pop_state *state)
{
	size_t live = 0;
	for (size_t i = 0; i < state->count; i++)
		live += !state->entries[i].removed;
	return live;
}

int pop_state_save(struct pop_state *state, struct lib_error *err)
{
	struct buf text = BUF_INIT;
	char *cause = NULL;

	if (!state->dirty)
		return 0;
	buf_addstr(&text, STATE_MAGIC "\n# one line per message downloaded and still on the server:\n"
	                              "# u:UIDL (or - without one), header hash, Unix time of the download\n");
	for (size_t i = 0; i < state->count; i++) {
		const struct pop_state_entry *entry = &state->entries[i];
		if (entry->removed)
			continue;
		buf_addf(&text, "%s%s %s %" PRId64 "\n", entry->uidl ? "u:" : "-", entry->uidl ? entry->uidl : "",
		         entry->hash[0] ? entry->hash : "-", entry->time);
	}
	int rc = lib_file_write_durable(state->path, text.data, text.len, 0600, &cause);
	buf_free(&text);
	if (rc < 0) {
		lib_error_set(err, LIB_ERR_INTERNAL, "%s", cause);
		free(cause);
		return -1;
	}
	/* Everything in the journal is in the state file now. */
	if (ftruncate(state->journal_fd, 0) != 0 || fsync(state->journal_fd) != 0) {
		lib_error_set(err, LIB_ERR_INTERNAL, "cannot empty %s: %s", state->journal_path, strerror(errno));
		return -1;
	}
	state->dirty = 0;
	return 0;
}

void pop_state_close(struct pop_state *state)
{
	if (!state)
		return;
	if (state->journal_fd >= 0)
		close(state->journal_fd); /* releases the lock */
	for (size_t i = 0; i < state->count; i++)
		free(state->entries[i].uidl);
	free(state->entries);
	free(state->by_uidl.slots);
	free(state->by_hash.slots);
	free(state->path);
	free(state->journal_path);
	free(state);
}
