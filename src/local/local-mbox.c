/* mbox folders: a file of messages, each after a "From " line.
 *
 * Reading streams the file through a fixed buffer (never the whole file
 * in memory), keeping of each message its header block (bounded by
 * LOCAL_HEADER_MAX) and its offsets. Content-Length is not trusted: a
 * message ends where the next "From " line starts. Such a line counts
 * only at the start of the file, after a blank line, or inside a header
 * (where no field can start with "From "), and only when it carries a
 * date, as mutt's is_from() wants: an unquoted "From " in a body after a
 * blank line, without a date, stays body. Quoted ">From " lines (mboxrd,
 * mboxo) are body and are kept as they are.
 *
 * Flags are mutt's: Status (R read, O old, r replied) and X-Status (A
 * answered, F flagged, D deleted, T draft). Writing flags rewrites only
 * those two fields of one message into a new file beside the old one,
 * then renames it over (local.h). */
#define _GNU_SOURCE
#include "local-private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "../lib/lib.h"
#include "../model/model.h"

#define READER_SIZE (256 * 1024)
#define FROM_LINE_MAX 1024 /* a longer line is not a "From " line */

/* ---- a header block's fields, without copying ---- */

struct field {
	size_t start, end;      /* the whole field, its line ending(s) included */
	size_t name_len;        /* 0 for a line without a colon */
	size_t value, value_end; /* the value, up to its last line ending */
};

static int next_field(const char *h, size_t len, size_t *pos, struct field *f)
{
	size_t p = *pos;

	if (p >= len)
		return 0;
	const char *nl = memchr(h + p, '\n', len - p);
	size_t first_end = nl ? (size_t)(nl - h) + 1 : len, end = first_end;
	while (end < len && (h[end] == ' ' || h[end] == '\t')) {
		nl = memchr(h + end, '\n', len - end);
		end = nl ? (size_t)(nl - h) + 1 : len;
	}
	const char *colon = memchr(h + p, ':', first_end - p);
	f->start = p;
	f->end = end;
	f->name_len = colon ? (size_t)(colon - (h + p)) : 0;
	f->value = colon ? (size_t)(colon - h) + 1 : end;
	f->value_end = end;
	while (f->value_end > f->value && (h[f->value_end - 1] == '\n' || h[f->value_end - 1] == '\r'))
		f->value_end--;
	*pos = end;
	return 1;
}

static int field_is(const char *h, const struct field *f, const char *name)
{
	size_t len = strlen(name);
	return f->name_len == len && strncasecmp(h + f->start, name, len) == 0;
}

/* What a Status or X-Status value says, as model flags; MODEL_F_RECENT
 * stands for "not old" (no O). */
static unsigned status_flags(const char *value, size_t len)
{
	unsigned flags = MODEL_F_RECENT;

	for (size_t i = 0; i < len; i++) {
		switch (value[i]) {
		case 'R': flags |= MODEL_F_SEEN; break;
		case 'O': flags &= ~(unsigned)MODEL_F_RECENT; break;
		case 'r': flags |= MODEL_F_ANSWERED; break;
		default: break;
		}
	}
	return flags;
}

static unsigned xstatus_flags(const char *value, size_t len)
{
	unsigned flags = 0;

	for (size_t i = 0; i < len; i++) {
		switch (value[i]) {
		case 'A': flags |= MODEL_F_ANSWERED; break;
		case 'F': flags |= MODEL_F_FLAGGED; break;
		case 'D': flags |= MODEL_F_DELETED; break;
		case 'T': flags |= MODEL_F_DRAFT; break;
		default: break;
		}
	}
	return flags;
}

/* The flags of a header block (RECENT unless a Status says O), and the
 * hash of its Message-ID. Repeated fields add up, as in mutt. */
static unsigned header_flags(const char *h, size_t len, uint64_t *message_id)
{
	unsigned flags = 0;
	int old = 0;
	size_t pos = 0;
	struct field f;

	*message_id = 0;
	while (next_field(h, len, &pos, &f)) {
		if (field_is(h, &f, "Status")) {
			unsigned s = status_flags(h + f.value, f.value_end - f.value);
			flags |= s & ~(unsigned)MODEL_F_RECENT;
			old |= !(s & MODEL_F_RECENT);
		} else if (field_is(h, &f, "X-Status")) {
			flags |= xstatus_flags(h + f.value, f.value_end - f.value);
		} else if (field_is(h, &f, "Message-ID") && !*message_id) {
			*message_id = model_id_hash(h + f.value, f.value_end - f.value);
		}
	}
	return flags | (old ? 0 : MODEL_F_RECENT);
}

/* The header block h with Status and X-Status saying flags, into out.
 * A field that already says it keeps its bytes; one that must change is
 * rewritten where it stands (with its own line ending), or dropped when
 * its value would be empty; a missing one is added at the end of the
 * block. Returns 1 when the block changes, 0 when it already says flags. */
static int status_rewrite(const char *h, size_t len, unsigned flags, struct buf *out)
{
	char status[3], xstatus[5];
	size_t ns = 0, nx = 0;

	if (flags & MODEL_F_SEEN)
		status[ns++] = 'R';
	if (!(flags & MODEL_F_RECENT))
		status[ns++] = 'O';
	status[ns] = '\0';
	if (flags & MODEL_F_ANSWERED)
		xstatus[nx++] = 'A';
	if (flags & MODEL_F_DELETED)
		xstatus[nx++] = 'D';
	if (flags & MODEL_F_FLAGGED)
		xstatus[nx++] = 'F';
	if (flags & MODEL_F_DRAFT)
		xstatus[nx++] = 'T';
	xstatus[nx] = '\0';

	const char *first_nl = memchr(h, '\n', len);
	const char *eol = first_nl && first_nl > h && first_nl[-1] == '\r' ? "\r\n" : "\n";
	unsigned want_s = flags & (MODEL_F_SEEN | MODEL_F_RECENT), want_x = flags & (MODEL_F_ANSWERED | MODEL_F_DELETED |
	                                                                            MODEL_F_FLAGGED | MODEL_F_DRAFT);
	/* First pass: do the fields present already say it? */
	int seen_s = 0, seen_x = 0, same_s = 1, same_x = 1;
	size_t pos = 0;
	struct field f;
	while (next_field(h, len, &pos, &f)) {
		if (field_is(h, &f, "Status")) {
			same_s &= !seen_s && status_flags(h + f.value, f.value_end - f.value) == want_s;
			seen_s = 1;
		} else if (field_is(h, &f, "X-Status")) {
			same_x &= !seen_x && xstatus_flags(h + f.value, f.value_end - f.value) == want_x;
			seen_x = 1;
		}
	}
	if (!seen_s)
		same_s = ns == 0;
	if (!seen_x)
		same_x = nx == 0;
	if (same_s && same_x)
		return 0;

	int wrote_s = 0, wrote_x = 0;
	pos = 0;
	while (next_field(h, len, &pos, &f)) {
		int is_s = field_is(h, &f, "Status"), is_x = field_is(h, &f, "X-Status");
		if ((is_s && same_s) || (is_x && same_x) || (!is_s && !is_x)) {
			buf_add(out, h + f.start, f.end - f.start);
			continue;
		}
		/* the field to change: written once, in the first one's place */
		const char *value = is_s ? status : xstatus;
		int *wrote = is_s ? &wrote_s : &wrote_x;
		if (!*wrote && *value) {
			const char *own_eol = f.end > f.start && h[f.end - 1] == '\n'
			                      ? (f.end - f.start > 1 && h[f.end - 2] == '\r' ? "\r\n" : "\n") : eol;
			buf_addf(out, "%s: %s%s", is_s ? "Status" : "X-Status", value, own_eol);
		}
		*wrote = 1;
	}
	if (len && h[len - 1] != '\n' && ((!seen_s && ns) || (!seen_x && nx)))
		buf_addstr(out, eol);
	if (!seen_s && ns)
		buf_addf(out, "Status: %s%s", status, eol);
	if (!seen_x && nx)
		buf_addf(out, "X-Status: %s%s", xstatus, eol);
	return 1;
}

/* ---- the date of a "From " line: "From sender Fri Jul  8 12:08:34 2011",
 * with one or two zone words before the year, as mutt reads it ---- */

static int month_of(const char *word, size_t len)
{
	static const char names[] = "janfebmaraprmayjunjulaugsepoctnovdec";

	if (len < 3)
		return -1;
	for (int m = 0; m < 12; m++)
		if (strncasecmp(word, names + 3 * m, 3) == 0)
			return m;
	return -1;
}

static int all_digits(const char *s, size_t len)
{
	if (!len)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* hh:mm or hh:mm:ss, the whole word. */
static int parse_time(const char *w, long *hour, long *min, long *sec)
{
	const char *colon = strchr(w, ':');

	if (!colon)
		return -1;
	size_t hl = (size_t)(colon - w);
	if (hl < 1 || hl > 2 || !all_digits(w, hl) || !all_digits(colon + 1, 2))
		return -1;
	*hour = strtol(w, NULL, 10);
	*min = strtol(colon + 1, NULL, 10);
	*sec = 0;
	if (colon[3] == '\0')
		return 0;
	if (colon[3] != ':' || !all_digits(colon + 4, 2) || colon[6] != '\0')
		return -1;
	*sec = strtol(colon + 4, NULL, 10);
	return 0;
}

/* UTC epoch seconds of the date in a "From " line, or 0 when it has none
 * (then it is not a "From " line). */
static int64_t from_line_date(const char *line, size_t len)
{
	char copy[FROM_LINE_MAX + 1];
	char *word[16];
	size_t n = 0;

	if (len > FROM_LINE_MAX)
		return 0;
	memcpy(copy, line, len);
	copy[len] = '\0';
	for (char *save = NULL, *w = strtok_r(copy + 5, " \t\r\n", &save); w && n < LIB_ARRAY_LEN(word);
	     w = strtok_r(NULL, " \t\r\n", &save))
		word[n++] = w;
	for (size_t m = 1; m < n; m++) { /* word 0 is the sender */
		size_t mlen = strlen(word[m]);
		int month = month_of(word[m], mlen);
		long day, year = 0, hour, min, sec;
		size_t time_at;
		if (month < 0 || mlen != 3)
			continue;
		/* Jul  8 12:08:34 [zone [zone]] 2011, as mutt's is_from() reads it */
		if (m + 3 >= n || strlen(word[m + 1]) > 2 || !all_digits(word[m + 1], strlen(word[m + 1])))
			continue;
		day = strtol(word[m + 1], NULL, 10);
		time_at = m + 2;
		for (size_t y = m + 3; y < n && y <= m + 5 && !year; y++)
			if (strlen(word[y]) == 4 && all_digits(word[y], 4))
				year = strtol(word[y], NULL, 10);
		if (parse_time(word[time_at], &hour, &min, &sec) < 0 || !year || day < 1 || day > 31 || hour > 23 ||
		    min > 59 || sec > 60)
			continue;
		struct tm tm = { .tm_year = (int)year - 1900, .tm_mon = month, .tm_mday = (int)day, .tm_hour = (int)hour,
			         .tm_min = (int)min, .tm_sec = (int)sec };
		time_t t = timegm(&tm);
		return t == (time_t)-1 || t == 0 ? 1 : (int64_t)t;
	}
	return 0;
}

/* ---- streaming the file ---- */

struct reader {
	int fd;
	char *buf;
	size_t start, end; /* unread bytes are buf[start, end) */
	off_t base;        /* file offset of buf[0] */
	int eof;
};

/* Makes at least want unread bytes available unless the file ends first. */
static int reader_fill(struct reader *r, size_t want)
{
	if (r->end - r->start >= want || r->eof)
		return 0;
	if (r->start) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->base += (off_t)r->start;
		r->end -= r->start;
		r->start = 0;
	}
	while (r->end < want && r->end < READER_SIZE) {
		ssize_t n = pread(r->fd, r->buf + r->end, READER_SIZE - r->end, r->base + (off_t)r->end);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			r->eof = 1;
			break;
		}
		r->end += (size_t)n;
	}
	return 0;
}

struct scan {
	struct model_mailbox *mbox; /* NULL: the index only */
	struct mbox_entry *msgs;
	size_t nmsgs, cap;
	struct buf header;
	size_t header_full; /* bytes of the header seen, kept or not */
	int64_t from_date, mtime;
	off_t content_end;  /* the end of the last line that was not blank */
	int in_message, in_header;
};

static void finish_message(struct scan *s, off_t end)
{
	struct mbox_entry *m = &s->msgs[s->nmsgs - 1];

	if (s->in_header)
		m->header_end = end;
	m->content_end = s->content_end;
	const char *h = s->header.data ? s->header.data : "";
	unsigned flags = header_flags(h, s->header.len, &m->message_id);
	if (s->mbox) {
		off_t size = s->content_end > m->header_off ? s->content_end - m->header_off : 0;
		model_mailbox_add_header(s->mbox, (uint32_t)s->nmsgs, flags, size > (off_t)UINT32_MAX ? UINT32_MAX : (uint32_t)size,
		                  s->from_date ? s->from_date : s->mtime, h, s->header.len);
	}
	s->in_message = s->in_header = 0;
}

static void header_add(struct scan *s, const char *bytes, size_t len)
{
	if (s->header_full < LOCAL_HEADER_MAX) {
		size_t room = LOCAL_HEADER_MAX - s->header_full;
		buf_add(&s->header, bytes, len < room ? len : room);
	}
	s->header_full += len;
}

/* Indexes the mbox open on fd (size bytes) into s; summaries into s->mbox
 * when set. Returns 0, or -1 with errno. */
static int mbox_scan(int fd, off_t size, struct scan *s, struct local_lock *lock)
{
	struct reader r = { .fd = fd, .buf = xmalloc(READER_SIZE) };
	int prev_blank = 0, rc = 0;
	unsigned lines = 0;

	for (;;) {
		if (reader_fill(&r, FROM_LINE_MAX) < 0) {
			rc = -1;
			break;
		}
		if (r.start == r.end || r.base + (off_t)r.start >= size)
			break; /* the end (bytes appended during the scan wait for the next load) */
		const char *p = r.buf + r.start;
		size_t avail = r.end - r.start;
		if ((off_t)avail > size - (r.base + (off_t)r.start))
			avail = (size_t)(size - (r.base + (off_t)r.start));
		off_t line_off = r.base + (off_t)r.start;
		const char *nl = memchr(p, '\n', avail);
		size_t first = nl ? (size_t)(nl - p) + 1 : avail;
		int complete = nl || r.eof || (off_t)avail == size - line_off;
		int blank = complete && ((first == 1 && *p == '\n') || (first == 2 && p[0] == '\r' && p[1] == '\n'));
		int64_t date = 0;
		int is_from = complete && first >= 5 && memcmp(p, "From ", 5) == 0 &&
		              (line_off == 0 || prev_blank || s->in_header) &&
		              ((date = from_line_date(p, first)) != 0 || line_off == 0);
		if (is_from) {
			if (s->in_message)
				finish_message(s, line_off);
			if (s->nmsgs == s->cap) {
				s->cap = s->cap ? s->cap * 2 : 256;
				s->msgs = xrealloc(s->msgs, s->cap * sizeof(*s->msgs));
			}
			struct mbox_entry *m = &s->msgs[s->nmsgs++];
			memset(m, 0, sizeof(*m));
			m->from_off = line_off;
			m->header_off = line_off + (off_t)first;
			s->from_date = date;
			s->content_end = m->header_off;
			s->in_message = s->in_header = 1;
			buf_reset(&s->header);
			s->header_full = 0;
		} else if (s->in_header && blank) {
			s->msgs[s->nmsgs - 1].header_end = line_off;
			s->in_header = 0;
		} else if (s->in_header) {
			header_add(s, p, first);
		}
		if (s->in_message && !blank && !is_from)
			s->content_end = line_off + (off_t)first;
		prev_blank = blank;
		r.start += first;
		/* the rest of a line longer than the buffer's look-ahead */
		while (!complete) {
			if (reader_fill(&r, 1) < 0) {
				rc = -1;
				break;
			}
			avail = r.end - r.start;
			if (!avail || r.base + (off_t)r.start >= size)
				break;
			if ((off_t)avail > size - (r.base + (off_t)r.start))
				avail = (size_t)(size - (r.base + (off_t)r.start));
			nl = memchr(r.buf + r.start, '\n', avail);
			size_t piece = nl ? (size_t)(nl - (r.buf + r.start)) + 1 : avail;
			if (s->in_header)
				header_add(s, r.buf + r.start, piece);
			r.start += piece;
			if (s->in_message)
				s->content_end = r.base + (off_t)r.start;
			complete = nl != NULL;
		}
		if (rc < 0)
			break;
		if (++lines % 65536 == 0)
			local_lock_touch(lock);
	}
	if (rc == 0 && s->in_message)
		finish_message(s, size);
	free(r.buf);
	return rc;
}

/* ---- open, lock, load, write ---- */

/* Opens the mbox and takes its locks, making sure the path still names
 * the file we locked (another program may have replaced it meanwhile).
 * Returns the fd with st filled, or -1 with err. */
static int open_locked(struct local_folder *folder, int for_write, struct local_lock *lock, struct stat *st,
                       struct lib_error *err)
{
	int64_t deadline = local_now_ms() + folder->lock_timeout_ms;

	for (;;) {
		int fd = local_open_message(folder->path, 1, st);
		if (fd < 0 && !for_write && (errno == EACCES || errno == EROFS || errno == EPERM))
			fd = local_open_message(folder->path, 0, st);
		if (fd < 0) {
			lib_error_set(err, errno == ENOENT || !for_write ? LIB_ERR_DATA : LIB_ERR_INTERNAL,
			              "cannot open %s%s: %s", folder->path, for_write ? " for writing" : "",
			              local_open_why(errno));
			return -1;
		}
		if (local_lock_take(lock, folder->path, fd, for_write, deadline, err) < 0) {
			close(fd);
			return -1;
		}
		struct stat now;
		if (fstat(fd, st) != 0) {
			lib_error_set(err, LIB_ERR_INTERNAL, "cannot read %s: %s", folder->path, strerror(errno));
			local_lock_release(lock);
			close(fd);
			return -1;
		}
		if (stat(folder->path, &now) == 0 && now.st_ino == st->st_ino && now.st_dev == st->st_dev)
			return fd;
		local_lock_release(lock);
		close(fd);
		if (local_now_ms() >= deadline) {
			lib_error_set(err, LIB_ERR_TEMPORARY, "%s keeps being replaced by another program; try again later",
			              folder->path);
			return -1;
		}
	}
}

static void close_locked(int fd, struct local_lock *lock)
{
	local_lock_release(lock);
	close(fd);
}

static int same_file(const struct local_folder *folder, const struct stat *st)
{
	return folder->loaded && folder->dev == st->st_dev && folder->ino == st->st_ino && folder->size == st->st_size &&
	       folder->mtime.tv_sec == st->st_mtim.tv_sec && folder->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

static void remember_file(struct local_folder *folder, const struct stat *st, struct scan *s)
{
	free(folder->msgs);
	folder->msgs = s->msgs;
	folder->nmsgs = s->nmsgs;
	s->msgs = NULL;
	folder->dev = st->st_dev;
	folder->ino = st->st_ino;
	folder->size = st->st_size;
	folder->mtime = st->st_mtim;
}

int local_mbox_load(struct local_folder *folder, struct model_mailbox *mbox, struct lib_error *err)
{
	struct local_lock lock = LOCAL_LOCK_INIT;
	struct stat st;
	int fd = open_locked(folder, 0, &lock, &st, err);

	if (fd < 0)
		return -1;
	if (same_file(folder, &st) && (!mbox || model_mailbox_count(mbox) == folder->nmsgs)) {
		close_locked(fd, &lock);
		return 0;
	}
	if (!folder->loaded && local_cache_mbox_restore(folder, &st, mbox)) {
		close_locked(fd, &lock);
		return 0;
	}
	/* Rebuilt whole: uids are positions, so messages that were there
	 * before an append keep theirs. */
	if (mbox && folder->loaded)
		model_mailbox_clear(mbox);
	struct scan s = { .mbox = mbox, .mtime = (int64_t)st.st_mtime };
	int rc = mbox_scan(fd, st.st_size, &s, &lock);
	if (rc < 0) {
		lib_error_set(err, LIB_ERR_INTERNAL, "cannot read %s: %s", folder->path, strerror(errno));
	} else {
		remember_file(folder, &st, &s);
		local_cache_mbox_save(folder, mbox);
		/* Reading set the access time; a shell's "You have new mail"
		 * compares it with the mtime, so keep it when mail is new. */
		const struct model_summary *all = mbox ? model_mailbox_summaries(mbox) : NULL;
		size_t count = mbox ? model_mailbox_count(mbox) : 0;
		int any_new = 0;
		for (size_t i = 0; i < count && !any_new; i++)
			any_new = (all[i].flags & (MODEL_F_SEEN | MODEL_F_RECENT)) == MODEL_F_RECENT;
		if (any_new) {
			struct timespec times[2] = { st.st_atim, { 0, UTIME_OMIT } };
			futimens(fd, times);
		}
	}
	free(s.msgs);
	buf_free(&s.header);
	close_locked(fd, &lock);
	return rc;
}

static int copy_range(int from, off_t start, off_t end, int to, char *buf)
{
	while (start < end) {
		size_t want = end - start < READER_SIZE ? (size_t)(end - start) : READER_SIZE;
		ssize_t n = pread(from, buf, want, start);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO; /* shorter than it was a moment ago */
			return -1;
		}
		for (ssize_t done = 0; done < n;) {
			ssize_t w = write(to, buf + done, (size_t)(n - done));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return -1;
			done += w;
		}
		start += n;
	}
	return 0;
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t w = write(fd, data, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		data += w;
		len -= (size_t)w;
	}
	return 0;
}

/* A piece of the new file: bytes [start, end) of the old one, or data. */
struct piece {
	off_t start, end;
	const char *data;
	size_t len;
};

/* Writes the pieces to a new file beside the mbox open on fd (st), fsyncs
 * it and renames it over the mbox, then fsyncs the directory. what says
 * what is written, for errors ("the flags of"). */
static int rewrite_file(struct local_folder *folder, int fd, const struct stat *st, const struct piece *pieces,
                        size_t npieces, const char *what, struct lib_error *err)
{
	char *tmp = xasprintf("%s.tern-%d.tmp", folder->path, (int)getpid());
	char *dir = lib_path_dirname(folder->path);
	char *copybuf = xmalloc(READER_SIZE);
	unlink(tmp); /* left by a crash of this pid: we hold the locks, nobody else writes it */
	int out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st->st_mode & 07777);
	int rc = -1;

	if (out < 0) {
		lib_error_set(err, LIB_ERR_INTERNAL, "cannot write %s %s: cannot create %s: %s", what, folder->path, tmp,
		              strerror(errno));
		goto done;
	}
	/* The owner and group of the old file where we may give them (root,
	 * or a group we are in); else the file stays ours, mode as before. */
	if (fchown(out, st->st_uid, st->st_gid) != 0 && fchown(out, (uid_t)-1, st->st_gid) != 0)
		errno = 0;
	fchmod(out, st->st_mode & 07777);
	struct stat after;
	int wrote = 0;
	for (size_t i = 0; i < npieces && wrote == 0; i++)
		wrote = pieces[i].data ? write_all(out, pieces[i].data, pieces[i].len)
		                       : copy_range(fd, pieces[i].start, pieces[i].end, out, copybuf);
	if (wrote < 0 || fsync(out) != 0) {
		lib_error_set(err, LIB_ERR_INTERNAL, "cannot write %s: %s", tmp, strerror(errno));
		goto fail;
	}
	/* A program that appends without locking would lose its message in
	 * the rename: give up instead. */
	if (fstat(fd, &after) != 0 || after.st_size != st->st_size) {
		lib_error_set(err, LIB_ERR_TEMPORARY, "%s changed while %s it were written; try again", folder->path, what);
		goto fail;
	}
	if (close(out) != 0) {
		out = -1;
		lib_error_set(err, LIB_ERR_INTERNAL, "cannot write %s: %s", tmp, strerror(errno));
		goto fail;
	}
	out = -1;
	if (rename(tmp, folder->path) != 0) {
		lib_error_set(err, LIB_ERR_INTERNAL, "cannot replace %s: %s", folder->path, strerror(errno));
		goto fail;
	}
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd >= 0) {
		fsync(dirfd);
		close(dirfd);
	}
	rc = 0;
	goto done;
fail:
	if (out >= 0)
		close(out);
	unlink(tmp);
done:
	free(copybuf);
	free(dir);
	free(tmp);
	return rc;
}

/* The mbox open on fd (st) changed since it was indexed: index it again.
 * Returns 1 when each of the n uids still names the message it named
 * (same Message-ID, or same place without one), 0 when not, -1 with err
 * when it cannot be read. */
static int reindex(struct local_folder *folder, int fd, const struct stat *st, struct local_lock *lock,
                   const uint32_t *uids, size_t n, struct lib_error *err)
{
	struct scan s = { .mtime = (int64_t)st->st_mtime };
	if (mbox_scan(fd, st->st_size, &s, lock) < 0) {
		lib_error_set(err, LIB_ERR_INTERNAL, "cannot read %s: %s", folder->path, strerror(errno));
		free(s.msgs);
		buf_free(&s.header);
		return -1;
	}
	buf_free(&s.header);
	int same = 1;
	for (size_t i = 0; i < n && same; i++) {
		const struct mbox_entry *was = &folder->msgs[uids[i] - 1];
		same = uids[i] <= s.nmsgs && s.msgs[uids[i] - 1].message_id == was->message_id &&
		       (was->message_id || s.msgs[uids[i] - 1].from_off == was->from_off);
	}
	remember_file(folder, st, &s);
	free(s.msgs);
	return same;
}

/* Opens the mbox locked with the n uids checked against the index; the
 * fd, or -1 with err. */
static int open_checked(struct local_folder *folder, int for_write, const uint32_t *uids, size_t n,
                        struct local_lock *lock, struct stat *st, struct lib_error *err)
{
	for (size_t i = 0; i < n; i++) {
		if (uids[i] == 0 || uids[i] > folder->nmsgs) {
			lib_error_set(err, LIB_ERR_DATA, "no message %u in %s", uids[i], folder->path);
			return -1;
		}
	}
	int fd = open_locked(folder, for_write, lock, st, err);
	if (fd < 0 || same_file(folder, st))
		return fd;
	int same = reindex(folder, fd, st, lock, uids, n, err);
	if (same == 1)
		return fd;
	if (same == 0)
		lib_error_set(err, LIB_ERR_TEMPORARY,
		              "%s was changed by another program and message %u is not where it was; read it again",
		              folder->path, uids[0]);
	close_locked(fd, lock);
	return -1;
}

static void remember_now(struct local_folder *folder)
{
	struct stat now;
	if (stat(folder->path, &now) == 0) {
		folder->dev = now.st_dev;
		folder->ino = now.st_ino;
		folder->size = now.st_size;
		folder->mtime = now.st_mtim;
	} else {
		folder->loaded = 0;
	}
}

int local_mbox_write_flags(struct local_folder *folder, uint32_t uid, unsigned flags, struct lib_error *err)
{
	struct local_lock lock = LOCAL_LOCK_INIT;
	struct stat st;
	int rc = -1;
	int fd = open_checked(folder, 1, &uid, 1, &lock, &st, err);

	if (fd < 0)
		return -1;
	struct mbox_entry *m = &folder->msgs[uid - 1];
	size_t len = (size_t)(m->header_end - m->header_off);
	if (m->header_end - m->header_off > LOCAL_HEADER_MAX) {
		lib_error_set(err, LIB_ERR_DATA, "the header of message %u in %s is too large to rewrite", uid, folder->path);
		close_locked(fd, &lock);
		return -1;
	}
	char *header = xmalloc(len + 1);
	struct buf out = BUF_INIT;
	ssize_t n = pread(fd, header, len, m->header_off);
	if (n != (ssize_t)len) {
		lib_error_set(err, LIB_ERR_INTERNAL, "cannot read %s: %s", folder->path, n < 0 ? strerror(errno) : "short read");
	} else if (!status_rewrite(header, len, flags, &out)) {
		rc = 0;
	} else {
		struct piece pieces[] = {
			{ 0, m->header_off, NULL, 0 },
			{ 0, 0, out.data, out.len },
			{ m->header_end, st.st_size, NULL, 0 },
		};
		if (rewrite_file(folder, fd, &st, pieces, LIB_ARRAY_LEN(pieces), "the flags of", err) == 0) {
			off_t delta = (off_t)out.len - (off_t)len;
			m->header_end += delta;
			m->content_end += delta;
			for (size_t i = uid; i < folder->nmsgs; i++) {
				folder->msgs[i].from_off += delta;
				folder->msgs[i].header_off += delta;
				folder->msgs[i].header_end += delta;
				folder->msgs[i].content_end += delta;
			}
			remember_now(folder);
			rc = 0;
		}
	}
	free(header);
	buf_free(&out);
	close_locked(fd, &lock);
	return rc;
}

int local_mbox_message(struct local_folder *folder, uint32_t uid, struct buf *out, struct lib_error *err)
{
	struct local_lock lock = LOCAL_LOCK_INIT;
	struct stat st;
	int fd = open_checked(folder, 0, &uid, 1, &lock, &st, err);

	if (fd < 0)
		return -1;
	const struct mbox_entry *m = &folder->msgs[uid - 1];
	off_t end = m->content_end > m->header_off ? m->content_end : m->header_off;
	size_t len = (size_t)(end - m->header_off);
	char *data = xmalloc(len + 1);
	int rc = 0;
	for (size_t done = 0; done < len;) {
		ssize_t r = pread(fd, data + done, len - done, m->header_off + (off_t)done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			lib_error_set(err, LIB_ERR_INTERNAL, "cannot read %s: %s", folder->path, r < 0 ? strerror(errno) : "short read");
			rc = -1;
			break;
		}
		done += (size_t)r;
	}
	if (rc == 0)
		buf_add(out, data, len);
	free(data);
	close_locked(fd, &lock);
	return rc;
}

static int uid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* The file without the messages: each message kept runs from its "From "
 * line to the next one's. */
int local_mbox_expunge(struct local_folder *folder, const uint32_t *uids, size_t n, struct lib_error *err)
{
	struct local_lock lock = LOCAL_LOCK_INIT;
	struct stat st;
	int fd = open_checked(folder, 1, uids, n, &lock, &st, err);

	if (fd < 0)
		return -1;
	uint32_t *gone = xmalloc((n + 1) * sizeof(*gone));
	memcpy(gone, uids, n * sizeof(*gone));
	qsort(gone, n, sizeof(*gone), uid_cmp);
	struct piece *pieces = xmalloc((folder->nmsgs + 2) * sizeof(*pieces));
	size_t npieces = 0;
	if (folder->nmsgs && folder->msgs[0].from_off > 0) /* bytes before the first message */
		pieces[npieces++] = (struct piece){ 0, folder->msgs[0].from_off, NULL, 0 };
	for (size_t i = 0; i < folder->nmsgs; i++) {
		uint32_t uid = (uint32_t)i + 1;
		if (bsearch(&uid, gone, n, sizeof(*gone), uid_cmp))
			continue;
		off_t end = i + 1 < folder->nmsgs ? folder->msgs[i + 1].from_off : st.st_size;
		if (npieces && !pieces[npieces - 1].data && pieces[npieces - 1].end == folder->msgs[i].from_off)
			pieces[npieces - 1].end = end;
		else
			pieces[npieces++] = (struct piece){ folder->msgs[i].from_off, end, NULL, 0 };
	}
	int rc = rewrite_file(folder, fd, &st, pieces, npieces, "the messages left in", err);
	if (rc == 0)
		folder->loaded = 0; /* positions changed: the next load renumbers */
	free(pieces);
	free(gone);
	close_locked(fd, &lock);
	return rc;
}

int local_mbox_append(const char *path, const char *message, size_t len, unsigned flags, struct lib_error *err)
{
	struct local_folder folder = { .path = (char *)path, .kind = LOCAL_MBOX, .lock_timeout_ms = LOCAL_LOCK_TIMEOUT_MS };
	struct local_lock lock = LOCAL_LOCK_INIT;
	struct stat st;
	int fd = open_locked(&folder, 1, &lock, &st, err);

	if (fd < 0)
		return -1;
	struct buf text = BUF_INIT, out = BUF_INIT;
	local_message_unix(&text, message, len, 1);
	/* the header block with the flags in Status and X-Status */
	const char *sep = text.len >= 1 && text.data[0] == '\n' ? text.data : strstr(text.data ? text.data : "", "\n\n");
	size_t hlen = sep ? (size_t)(sep - text.data) + (sep == text.data ? 0 : 1) : text.len;
	/* the separator before: the file must end in a blank line */
	char tail[2] = { 0, 0 };
	if (st.st_size >= 2 && pread(fd, tail, 2, st.st_size - 2) == 2) {
		if (tail[1] != '\n')
			buf_addstr(&out, "\n\n");
		else if (tail[0] != '\n')
			buf_addstr(&out, "\n");
	} else if (st.st_size == 1) {
		buf_addstr(&out, "\n");
	}
	time_t now = time(NULL);
	struct tm tm;
	char date[64];
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a %b %e %H:%M:%S %Y", &tm);
	buf_addf(&out, "From tern@localhost %s\n", date);
	if (!status_rewrite(text.data ? text.data : "", hlen, flags, &out))
		buf_add(&out, text.data, hlen);
	buf_add(&out, text.data + hlen, text.len - hlen);
	if (!out.len || out.data[out.len - 1] != '\n')
		buf_addch(&out, '\n');
	buf_addch(&out, '\n');
	int rc = -1;
	if (lseek(fd, 0, SEEK_END) < 0 || write_all(fd, out.data, out.len) < 0 || fsync(fd) != 0) {
		lib_error_set(err, LIB_ERR_INTERNAL, "cannot append to %s: %s", path, strerror(errno));
		if (ftruncate(fd, st.st_size) == 0) /* no half message left behind */
			fsync(fd);
	} else {
		rc = 0;
	}
	buf_free(&text);
	buf_free(&out);
	close_locked(fd, &lock);
	return rc;
}
