/* Maildir folders: flag letters in file names (the "info" part, as the
 * Maildir specification documents it and Dovecot and mutt use it), the
 * index of an open Maildir's files, reading their headers into
 * summaries, and renaming a file when its flags change. */
#define _GNU_SOURCE
#include "local-private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/lib.h"
#include "../model/model.h"

static const struct {
	char letter;
	unsigned flag;
} letters[] = { /* ASCII order: the spec wants them sorted */
	{ 'D', MODEL_F_DRAFT }, { 'F', MODEL_F_FLAGGED }, { 'R', MODEL_F_ANSWERED },
	{ 'S', MODEL_F_SEEN }, { 'T', MODEL_F_DELETED },
};

unsigned local_maildir_flags_parse(const char *filename)
{
	const char *info = strstr(filename, ":2,");
	unsigned flags = 0;

	if (!info)
		return 0;
	for (const char *p = info + 3; *p; p++)
		for (size_t i = 0; i < sizeof(letters) / sizeof(letters[0]); i++)
			if (*p == letters[i].letter)
				flags |= letters[i].flag;
	return flags;
}

void local_maildir_flags_format(unsigned flags, char out[9])
{
	char *p = out;

	memcpy(p, ":2,", 3);
	p += 3;
	for (size_t i = 0; i < sizeof(letters) / sizeof(letters[0]); i++)
		if (flags & letters[i].flag)
			*p++ = letters[i].letter;
	*p = '\0';
}

/* ---- the index of an open Maildir ----
 * uids follow arrival order at the first load (see local.h); the entries
 * stay sorted by uid, so a uid is found by binary search. */

/* The unique part of a file name: all before the info (":2,..."). */
static size_t unique_len(const char *name)
{
	return strcspn(name, ":");
}

/* One file seen by a scan of new/ and cur/. */
struct scanned {
	char *name;
	unsigned in_new;
	unsigned long long time; /* the leading number of the name */
	struct maildir_entry *known;
};

static int scanned_unique_cmp(const char *a, const char *b)
{
	size_t la = unique_len(a), lb = unique_len(b);
	int c = memcmp(a, b, la < lb ? la : lb);
	return c ? c : la < lb ? -1 : la > lb;
}

/* Arrival order: the time part, then the rest of the unique name with
 * numbers compared as numbers (M9 before M10), then the whole name. */
static int arrival_cmp(const void *pa, const void *pb)
{
	const struct scanned *a = pa, *b = pb;

	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	char *ua = strndup(a->name, unique_len(a->name)), *ub = strndup(b->name, unique_len(b->name));
	if (!ua || !ub)
		lib_fatal("out of memory");
	int c = strverscmp(ua, ub);
	free(ua);
	free(ub);
	if (c)
		return c;
	if (a->in_new != b->in_new)
		return a->in_new ? 1 : -1;
	return strcmp(a->name, b->name);
}

static int entry_unique_cmp(const void *pa, const void *pb)
{
	const struct maildir_entry *a = *(struct maildir_entry *const *)pa, *b = *(struct maildir_entry *const *)pb;
	return scanned_unique_cmp(a->name, b->name);
}

static int scan_dir(const char *path, unsigned in_new, struct scanned **list, size_t *n, size_t *cap,
                    struct lib_error *err)
{
	char *dirpath = xasprintf("%s/%s", path, in_new ? "new" : "cur");
	DIR *dir = opendir(dirpath);
	struct dirent *entry;

	if (!dir) {
		lib_error_set(err, LIB_ERR_DATA, "cannot read %s: %s", dirpath, strerror(errno));
		free(dirpath);
		return -1;
	}
	errno = 0;
	while ((entry = readdir(dir)) != NULL) {
		if (entry->d_name[0] == '.')
			continue;
		if (entry->d_type != DT_REG && entry->d_type != DT_UNKNOWN && entry->d_type != DT_LNK)
			continue;
		if (entry->d_type == DT_UNKNOWN) {
			struct stat st;
			if (fstatat(dirfd(dir), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
			    !(S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)))
				continue;
		}
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 256;
			*list = xrealloc(*list, *cap * sizeof(**list));
		}
		struct scanned *s = &(*list)[(*n)++];
		s->name = xstrdup(entry->d_name);
		s->in_new = in_new;
		s->time = strtoull(entry->d_name, NULL, 10);
		s->known = NULL;
		errno = 0;
	}
	int saved = errno;
	closedir(dir);
	if (saved) {
		lib_error_set(err, LIB_ERR_INTERNAL, "cannot read %s: %s", dirpath, strerror(saved));
		free(dirpath);
		return -1;
	}
	free(dirpath);
	return 0;
}

static unsigned name_flags(const char *name, unsigned in_new)
{
	return local_maildir_flags_parse(name) | (in_new ? MODEL_F_RECENT : 0);
}

/* Reads the header of one file and adds its summary. A file that cannot
 * be read is still listed (empty fields) rather than hidden; one that is
 * a symbolic link (or not a regular file) is listed saying so, unread. */
static void parse_file(const char *path, const struct maildir_entry *entry, struct model_mailbox *mbox,
                       struct buf *header)
{
	char *file = xasprintf("%s/%s/%s", path, entry->in_new ? "new" : "cur", entry->name);
	struct stat st = { 0 };
	int fd = local_open_message(file, 0, &st);

	buf_reset(header);
	if (fd >= 0) {
		local_header_read(fd, header);
		close(fd);
	} else {
		memset(&st, 0, sizeof(st));
		if (errno == ELOOP || errno == EINVAL)
			buf_addf(header, "Subject: [not opened: %s]\r\n\r\n", local_open_why(errno));
	}
	uint32_t size = st.st_size > (off_t)UINT32_MAX ? UINT32_MAX : (uint32_t)st.st_size;
	model_mailbox_add_header(mbox, entry->uid, entry->flags, size, (int64_t)st.st_mtime, header->data ? header->data : "",
	                  header->len);
	free(file);
}

void local_maildir_entries_free(struct local_folder *folder)
{
	for (size_t i = 0; i < folder->nfiles; i++)
		free(folder->files[i].name);
	free(folder->files);
	folder->files = NULL;
	folder->nfiles = 0;
}

int local_maildir_load(struct local_folder *folder, struct model_mailbox *mbox, struct lib_error *err)
{
	struct scanned *list = NULL;
	size_t n = 0, cap = 0;

	if (scan_dir(folder->path, 1, &list, &n, &cap, err) < 0 || scan_dir(folder->path, 0, &list, &n, &cap, err) < 0) {
		for (size_t i = 0; i < n; i++)
			free(list[i].name);
		free(list);
		return -1;
	}
	/* A mailbox that holds none of our summaries gets all of them. */
	int fill_all = mbox && model_mailbox_count(mbox) == 0;

	/* Match the scan against the known files by unique name. */
	struct maildir_entry **by_unique = xmalloc((folder->nfiles + 1) * sizeof(*by_unique));
	for (size_t i = 0; i < folder->nfiles; i++)
		by_unique[i] = &folder->files[i];
	qsort(by_unique, folder->nfiles, sizeof(*by_unique), entry_unique_cmp);
	unsigned char *present = xcalloc(folder->nfiles + 1, 1);
	for (size_t i = 0; i < n; i++) {
		struct maildir_entry key = { .name = list[i].name }, *keyp = &key;
		struct maildir_entry **hit = bsearch(&keyp, by_unique, folder->nfiles, sizeof(*by_unique), entry_unique_cmp);
		if (!hit || present[*hit - folder->files])
			continue; /* new, or the same message twice (new/ and cur/): the second counts as new */
		list[i].known = *hit;
		present[*hit - folder->files] = 1;
	}
	free(by_unique);

	/* Known files: follow renames (flags set by other programs); drop the gone. */
	struct buf header = BUF_INIT;
	uint32_t *gone = xmalloc((folder->nfiles + 1) * sizeof(*gone));
	size_t ngone = 0;
	for (size_t i = 0; i < n; i++) {
		struct maildir_entry *entry = list[i].known;
		if (!entry)
			continue;
		if (strcmp(entry->name, list[i].name) != 0 || entry->in_new != list[i].in_new) {
			free(entry->name);
			entry->name = list[i].name;
			list[i].name = NULL;
			entry->in_new = list[i].in_new;
			entry->flags = name_flags(entry->name, entry->in_new);
			struct model_summary *summary = mbox && !fill_all ? model_mailbox_find_uid(mbox, entry->uid) : NULL;
			if (summary)
				summary->flags = entry->flags;
		}
	}
	size_t kept = 0;
	for (size_t i = 0; i < folder->nfiles; i++) {
		if (!present[i]) {
			gone[ngone++] = folder->files[i].uid;
			free(folder->files[i].name);
			continue;
		}
		folder->files[kept++] = folder->files[i];
	}
	folder->nfiles = kept;
	free(present);
	if (mbox && ngone && !fill_all)
		model_mailbox_remove_uids(mbox, gone, ngone);
	free(gone);
	struct local_cache *cache = fill_all ? local_cache_maildir_open(folder) : NULL;
	size_t parsed = 0;
	if (fill_all) {
		model_mailbox_reserve(mbox, n);
		for (size_t i = 0; i < folder->nfiles; i++)
			if (!local_cache_maildir_add(cache, &folder->files[i], unique_len(folder->files[i].name), mbox)) {
				parse_file(folder->path, &folder->files[i], mbox, &header);
				parsed++;
			}
	}

	/* New files, in arrival order, numbered after the highest uid. */
	size_t nnew = 0;
	for (size_t i = 0; i < n; i++)
		if (!list[i].known)
			list[nnew++] = list[i];
		else
			free(list[i].name);
	if (nnew)
		qsort(list, nnew, sizeof(*list), arrival_cmp);
	folder->files = xrealloc(folder->files, (folder->nfiles + nnew + 1) * sizeof(*folder->files));
	if (mbox)
		model_mailbox_reserve(mbox, model_mailbox_count(mbox) + nnew);
	for (size_t i = 0; i < nnew; i++) {
		struct maildir_entry *entry = &folder->files[folder->nfiles++];
		entry->name = list[i].name;
		entry->in_new = list[i].in_new;
		entry->uid = folder->next_uid++;
		entry->flags = name_flags(entry->name, entry->in_new);
		if (mbox && !local_cache_maildir_add(cache, entry, unique_len(entry->name), mbox)) {
			parse_file(folder->path, entry, mbox, &header);
			parsed++;
		}
	}
	/* what the cache did not know, or files gone since: write it again */
	if (mbox && folder->cache && (parsed || ngone || (fill_all && !cache)))
		local_cache_maildir_save(folder, mbox, unique_len);
	local_cache_free(cache);
	buf_free(&header);
	free(list);
	return 0;
}

static int entry_uid_cmp(const void *pkey, const void *pentry)
{
	uint32_t uid = *(const uint32_t *)pkey;
	const struct maildir_entry *entry = pentry;
	return uid < entry->uid ? -1 : uid > entry->uid;
}

/* Looks for the file with entry's unique name in new/ and cur/ (another
 * program renamed it); updates entry. Returns 0 when found. */
static int refind(const char *path, struct maildir_entry *entry)
{
	for (unsigned in_new = 0; in_new < 2; in_new++) {
		char *dirpath = xasprintf("%s/%s", path, in_new ? "new" : "cur");
		DIR *dir = opendir(dirpath);
		struct dirent *d;
		free(dirpath);
		while (dir && (d = readdir(dir)) != NULL) {
			if (d->d_name[0] != '.' && scanned_unique_cmp(d->d_name, entry->name) == 0) {
				free(entry->name);
				entry->name = xstrdup(d->d_name);
				entry->in_new = in_new;
				closedir(dir);
				return 0;
			}
		}
		if (dir)
			closedir(dir);
	}
	return -1;
}

/* The new file name for entry with flags: the unique part, and unless it
 * stays in new/, ":2," and the sorted letters, keeping letters tern does
 * not know (P passed, lower-case keywords). */
static char *flagged_name(const struct maildir_entry *entry, unsigned flags, unsigned *to_new)
{
	const char *name = entry->name;
	size_t ulen = unique_len(name);
	const char *info = strncmp(name + ulen, ":2,", 3) == 0 ? name + ulen + 3 : "";
	char seen[256] = { 0 };
	int other = 0;

	for (const char *p = info; *p; p++) {
		int known = 0;
		for (size_t i = 0; i < LIB_ARRAY_LEN(letters); i++)
			known |= *p == letters[i].letter;
		if (!known && (unsigned char)*p > ' ' && *p != '/') {
			seen[(unsigned char)*p] = 1;
			other = 1;
		}
	}
	for (size_t i = 0; i < LIB_ARRAY_LEN(letters); i++)
		if (flags & letters[i].flag)
			seen[(unsigned char)letters[i].letter] = 1;
	*to_new = entry->in_new && (flags & MODEL_F_RECENT) && !other &&
	          !(flags & (MODEL_F_SEEN | MODEL_F_ANSWERED | MODEL_F_FLAGGED | MODEL_F_DELETED | MODEL_F_DRAFT));
	struct buf out = BUF_INIT;
	buf_add(&out, name, ulen);
	if (!*to_new) {
		buf_addstr(&out, ":2,");
		for (int c = 1; c < 256; c++)
			if (seen[c])
				buf_addch(&out, (char)c);
	}
	return buf_detach(&out);
}

/* A rename within one file system is atomic: a crash leaves the message
 * under its old name or its new one, never neither, so no fsync is needed
 * to keep the mail (only, at worst, to keep the flag change). */
int local_maildir_write_flags(struct local_folder *folder, uint32_t uid, unsigned flags, struct lib_error *err)
{
	struct maildir_entry *entry = bsearch(&uid, folder->files, folder->nfiles, sizeof(*folder->files), entry_uid_cmp);

	if (!entry) {
		lib_error_set(err, LIB_ERR_DATA, "no message %u in %s", uid, folder->path);
		return -1;
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		unsigned to_new;
		char *name = flagged_name(entry, flags, &to_new);
		char *from = xasprintf("%s/%s/%s", folder->path, entry->in_new ? "new" : "cur", entry->name);
		char *to = xasprintf("%s/%s/%s", folder->path, to_new ? "new" : "cur", name);
		int rc = strcmp(from, to) == 0 ? 0 : rename(from, to);
		int saved = errno;
		free(from);
		free(to);
		if (rc == 0) {
			free(entry->name);
			entry->name = name;
			entry->in_new = to_new;
			entry->flags = name_flags(name, to_new);
			return 0;
		}
		free(name);
		if (saved != ENOENT || attempt > 0 || refind(folder->path, entry) < 0) {
			if (saved == ENOENT)
				lib_error_set(err, LIB_ERR_DATA, "message %u (%.*s) is gone from %s", uid,
				              (int)unique_len(entry->name), entry->name, folder->path);
			else
				lib_error_set(err, LIB_ERR_INTERNAL, "cannot rename %s in %s: %s", entry->name, folder->path,
				              strerror(saved));
			return -1;
		}
	}
	return -1;
}

int local_maildir_message(struct local_folder *folder, uint32_t uid, struct buf *out, struct lib_error *err)
{
	struct maildir_entry *entry = bsearch(&uid, folder->files, folder->nfiles, sizeof(*folder->files), entry_uid_cmp);

	for (int attempt = 0; entry && attempt < 2; attempt++) {
		char *file = xasprintf("%s/%s/%s", folder->path, entry->in_new ? "new" : "cur", entry->name);
		struct stat st;
		int fd = local_open_message(file, 0, &st);
		free(file);
		if (fd < 0 && (errno == ELOOP || errno == EINVAL)) {
			lib_error_set(err, LIB_ERR_DATA, "message %u in %s not opened: %s", uid, folder->path,
			              local_open_why(errno));
			return -1;
		}
		if (fd >= 0) {
			char chunk[65536];
			size_t at = out->len;
			ssize_t r;
			while ((r = read(fd, chunk, sizeof(chunk))) > 0 || (r < 0 && errno == EINTR))
				if (r > 0)
					buf_add(out, chunk, (size_t)r);
			int saved = errno;
			close(fd);
			if (r == 0)
				return 0;
			out->len = at;
			lib_error_set(err, LIB_ERR_INTERNAL, "cannot read message %u in %s: %s", uid, folder->path,
			              strerror(saved));
			return -1;
		}
		if (errno != ENOENT || refind(folder->path, entry) < 0)
			break; /* renamed by another program: found again once */
	}
	lib_error_set(err, LIB_ERR_DATA, "message %u is gone from %s", uid, folder->path);
	return -1;
}

int local_maildir_expunge(struct local_folder *folder, const uint32_t *uids, size_t n, struct lib_error *err)
{
	int synced[2] = { 0, 0 };

	for (size_t i = 0; i < n; i++) {
		struct maildir_entry *entry =
			bsearch(&uids[i], folder->files, folder->nfiles, sizeof(*folder->files), entry_uid_cmp);
		if (!entry)
			continue; /* gone already */
		char *file = xasprintf("%s/%s/%s", folder->path, entry->in_new ? "new" : "cur", entry->name);
		int rc = unlink(file);
		if (rc != 0 && errno == ENOENT && refind(folder->path, entry) == 0) {
			free(file);
			file = xasprintf("%s/%s/%s", folder->path, entry->in_new ? "new" : "cur", entry->name);
			rc = unlink(file);
		}
		if (rc != 0 && errno != ENOENT) {
			lib_error_set(err, LIB_ERR_INTERNAL, "cannot remove %s: %s", file, strerror(errno));
			free(file);
			return -1;
		}
		free(file);
		synced[entry->in_new] = 1;
	}
	/* the next load drops the entries of the removed files */
	for (int in_new = 0; in_new < 2; in_new++) {
		if (!synced[in_new])
			continue;
		char *dir = xasprintf("%s/%s", folder->path, in_new ? "new" : "cur");
		int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0) {
			fsync(fd);
			close(fd);
		}
		free(dir);
	}
	return 0;
}
