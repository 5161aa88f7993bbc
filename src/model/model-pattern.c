/* Mutt-style patterns for limit, search and tag-pattern: a small recursive
 * descent parser (no I/O) that compiles the text once into a tree, and a
 * matcher that walks the tree over a summary. Header patterns run on the
 * cached summaries; ~b and ~B are grouped into the one subtree the server
 * answers with UID SEARCH. Grammar and precedence follow mutt's manual
 * ("Patterns"): '|' binds loosest, then juxtaposition (and), then '!'. */
#include "model.h"

#include <regex.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>
#include <wctype.h>

#include "lib/lib.h"

enum pattern_kind {
	PATTERN_AND,
	PATTERN_OR,
	PATTERN_NOT,
	PATTERN_TEXT,      /* a regular expression over some of the text fields */
	PATTERN_FLAGS,     /* (flags & mask) == want */
	PATTERN_TAGGED,
	PATTERN_ALL,
	PATTERN_DATE,      /* min <= date <= max */
	PATTERN_SIZE,      /* min <= size <= max */
	PATTERN_ID,        /* message_id == id */
	PATTERN_REFERENCE, /* id among references or in_reply_to */
	PATTERN_BODY,      /* ~b or ~B: only the server can tell */
	PATTERN_SERVER,    /* the subtree under it is answered by the server's uids */
};

/* The text fields a TEXT node looks at; addresses are matched one by one. */
enum {
	FIELD_FROM = 1 << 0,
	FIELD_TO = 1 << 1,
	FIELD_CC = 1 << 2,
	FIELD_SUBJECT = 1 << 3,
};

struct pattern_node {
	enum pattern_kind kind;
	size_t at;                     /* where it starts in the text, for errors */
	struct pattern_node **child;   /* AND, OR (n-ary, n >= 2), NOT and SERVER (one) */
	size_t nchild;
	/* TEXT: the compiled regex, and when the expression is a plain word,
	 * that word (case-folded when icase) to find without the regex. */
	unsigned fields;
	regex_t regex;
	int has_regex;
	char *literal;
	size_t literal_len;
	int icase;
	/* FLAGS */
	uint32_t mask, want;
	/* DATE, SIZE */
	int64_t min, max;
	/* ID, REFERENCE */
	uint64_t id;
	/* BODY: the string to find, in the body (~b) or the whole message (~B) */
	char *text;
	int whole;
};

struct model_pattern {
	struct pattern_node *root;
	const struct pattern_node *server; /* inside root; NULL when all is local */
	uint32_t *uids;                    /* the server's answer, sorted, unique */
	size_t nuids;
};

/* ---- the pattern letters ---- */

struct pattern_letter {
	char letter;
	enum pattern_kind kind;
	unsigned fields;      /* TEXT */
	uint32_t mask, want;  /* FLAGS; BODY: want is 1 for the whole message */
	const char *expect;   /* what the argument is, with an example; NULL: none */
};

static const struct pattern_letter letters[] = {
	{ 'A', PATTERN_ALL, 0, 0, 0, NULL },
	{ 'b', PATTERN_BODY, 0, 0, 0, "a text to find in the body, e.g. ~b invoice" },
	{ 'B', PATTERN_BODY, 0, 0, 1, "a text to find in the whole message, e.g. ~B invoice" },
	{ 'c', PATTERN_TEXT, FIELD_CC, 0, 0, "a regular expression, e.g. ~c ana" },
	{ 'C', PATTERN_TEXT, FIELD_TO | FIELD_CC, 0, 0, "a regular expression, e.g. ~C ana" },
	{ 'd', PATTERN_DATE, 0, 0, 0, "a date, e.g. ~d <2w or ~d 01/01/2025-31/03/2025" },
	{ 'D', PATTERN_FLAGS, 0, MODEL_F_DELETED, MODEL_F_DELETED, NULL },
	{ 'e', PATTERN_TEXT, FIELD_FROM, 0, 0, "a regular expression, e.g. ~e ana" },
	{ 'f', PATTERN_TEXT, FIELD_FROM, 0, 0, "a regular expression, e.g. ~f ana" },
	{ 'F', PATTERN_FLAGS, 0, MODEL_F_FLAGGED, MODEL_F_FLAGGED, NULL },
	{ 'i', PATTERN_ID, 0, 0, 0, "a Message-ID, e.g. ~i <id@example.org>" },
	{ 'L', PATTERN_TEXT, FIELD_FROM | FIELD_TO | FIELD_CC, 0, 0, "a regular expression, e.g. ~L ana" },
	{ 'N', PATTERN_FLAGS, 0, MODEL_F_SEEN | MODEL_F_RECENT, MODEL_F_RECENT, NULL },
	{ 'O', PATTERN_FLAGS, 0, MODEL_F_SEEN | MODEL_F_RECENT, 0, NULL },
	{ 'Q', PATTERN_FLAGS, 0, MODEL_F_ANSWERED, MODEL_F_ANSWERED, NULL },
	{ 'r', PATTERN_DATE, 0, 0, 0, "a date, e.g. ~r <2w or ~r 01/01/2025-31/03/2025" },
	{ 'R', PATTERN_FLAGS, 0, MODEL_F_SEEN, MODEL_F_SEEN, NULL },
	{ 's', PATTERN_TEXT, FIELD_SUBJECT, 0, 0, "a regular expression, e.g. ~s invoice" },
	{ 't', PATTERN_TEXT, FIELD_TO, 0, 0, "a regular expression, e.g. ~t ana" },
	{ 'T', PATTERN_TAGGED, 0, 0, 0, NULL },
	{ 'U', PATTERN_FLAGS, 0, MODEL_F_SEEN, 0, NULL },
	{ 'x', PATTERN_REFERENCE, 0, 0, 0, "a Message-ID, e.g. ~x <id@example.org>" },
	{ 'z', PATTERN_SIZE, 0, 0, 0, "a size, e.g. ~z >10K" },
};
#define LETTERS_KNOWN "~A ~b ~B ~c ~C ~d ~D ~e ~f ~F ~i ~L ~N ~O ~Q ~r ~R ~s ~t ~T ~U ~x ~z"

static const struct pattern_letter *letter_find(char c)
{
	for (size_t k = 0; k < LIB_ARRAY_LEN(letters); k++)
		if (letters[k].letter == c)
			return &letters[k];
	return NULL;
}

/* ---- nodes ---- */

static struct pattern_node *node_new(enum pattern_kind kind, size_t at)
{
	struct pattern_node *node = xcalloc(1, sizeof(*node));

	node->kind = kind;
	node->at = at;
	return node;
}

static void node_free(struct pattern_node *node)
{
	if (!node)
		return;
	for (size_t k = 0; k < node->nchild; k++)
		node_free(node->child[k]);
	free(node->child);
	if (node->has_regex)
		regfree(&node->regex);
	free(node->literal);
	free(node->text);
	free(node);
}

static void node_add_child(struct pattern_node *node, struct pattern_node *child)
{
	node->child = xrealloc(node->child, (node->nchild + 1) * sizeof(*node->child));
	node->child[node->nchild++] = child;
}

/* ---- the parser ---- */

struct parser {
	const char *text;
	size_t pos;
	size_t depth;       /* '(' open around pos */
	size_t nesting;     /* '!' and '(' the parser is inside, to bound its stack */
	time_t now;
	char *error;        /* the first error; handed to the caller */
	size_t error_at;
	/* The argument last read, unquoted, NUL-terminated, and for each of
	 * its bytes the offset in text it came from (one more for its end),
	 * so that a bad date or size can point inside the argument. */
	struct buf arg;
	size_t *arg_at;
	size_t arg_cap;
};

static __attribute__((format(printf, 3, 4))) void fail(struct parser *p, size_t at, const char *fmt, ...)
{
	va_list ap;

	if (p->error)
		return;
	va_start(ap, fmt);
	p->error = xvasprintf(fmt, ap);
	va_end(ap);
	p->error_at = at;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void skip_blank(struct parser *p)
{
	while (is_blank(p->text[p->pos]))
		p->pos++;
}

/* Makes room in arg_at for the argument's bytes so far, one more, and its end. */
static void arg_reserve(struct parser *p)
{
	if (p->arg.len + 2 <= p->arg_cap)
		return;
	p->arg_cap = p->arg_cap ? p->arg_cap * 2 : 64;
	p->arg_at = xrealloc(p->arg_at, p->arg_cap * sizeof(*p->arg_at));
}

static void arg_add(struct parser *p, char c, size_t at)
{
	arg_reserve(p);
	p->arg_at[p->arg.len] = at;
	buf_addch(&p->arg, c);
}

/* Where byte i of the argument came from in the text (i may be its length). */
static size_t arg_offset(const struct parser *p, size_t i)
{
	return p->arg_at[i < p->arg.len ? i : p->arg.len];
}

/* Reads one argument into p->arg. Unquoted, it runs to white space, to a
 * '|' or to a ')' that no '(' inside the argument opened (so "(~s a)" and
 * "~f ^(ana|bob)@" both read as meant). "..." and '...' quote, also in
 * the middle of a word. A backslash takes the next character literally:
 * before white space or a quote it is dropped, before anything else it is
 * kept, so the regular expression still sees "\." or "\|". Single quotes
 * take everything up to the next single quote as it is.
 * Returns 1 with an argument (maybe empty: ""), 0 when none is there, -1
 * on an error. */
static int arg_read(struct parser *p)
{
	const char *t = p->text;
	size_t i, quote_at = 0;
	int nest = 0;
	char quote = 0;

	buf_reset(&p->arg);
	arg_reserve(p);
	skip_blank(p);
	i = p->pos;
	if (!t[i] || t[i] == '|' || t[i] == ')')
		return 0;
	for (;;) {
		char c = t[i];
		if (quote && !c) {
			fail(p, quote_at, "a %c quote is not closed", quote);
			return -1;
		}
		if (!quote && (!c || is_blank(c) || (nest == 0 && (c == '|' || c == ')'))))
			break;
		if (quote && c == quote) {
			quote = 0;
			i++;
			continue;
		}
		if (!quote && (c == '"' || c == '\'')) {
			quote = c;
			quote_at = i++;
			continue;
		}
		if (c == '\\' && quote != '\'') {
			char next = t[i + 1];
			if (!next) {
				if (quote)
					fail(p, quote_at, "a %c quote is not closed", quote);
				else
					fail(p, i, "a '\\' at the end escapes nothing");
				return -1;
			}
			if (!is_blank(next) && next != '"' && next != '\'')
				arg_add(p, c, i);
			arg_add(p, next, i + 1);
			i += 2;
			continue;
		}
		if (!quote && c == '(')
			nest++;
		else if (!quote && c == ')')
			nest--;
		arg_add(p, c, i++);
	}
	if (!p->arg.data)
		buf_add(&p->arg, "", 0); /* "" read: still a string */
	p->arg_at[p->arg.len] = i;
	p->pos = i;
	return 1;
}

/* ---- regular expressions ---- */

/* Mutt's smart case: case-insensitive unless the expression holds an
 * upper-case letter. A letter after a backslash (\W, \S, \B) is an
 * operator, not text, and does not count. */
static int smart_icase(const char *re)
{
	mbstate_t state;
	const char *s = re, *end = re + strlen(re);

	memset(&state, 0, sizeof(state));
	while (s < end) {
		wchar_t wc;
		size_t n;
		if (*s == '\\' && s[1] && (unsigned char)s[1] < 0x80) {
			s += 2;
			continue;
		}
		n = mbrtowc(&wc, s, (size_t)(end - s), &state);
		if (n == (size_t)-1 || n == (size_t)-2) { /* not text in this locale: skip a byte */
			memset(&state, 0, sizeof(state));
			s++;
			continue;
		}
		if (iswupper((wint_t)wc))
			return 0;
		s += n ? n : 1;
	}
	return 1;
}

static const char regex_special[] = ".[]()*+?{}|^$\\";

/* The plain word an expression stands for, or NULL when it uses any regex
 * operator ("\." counts as a plain '.'). Case-insensitive words must be
 * ASCII: folding other letters is the locale's business, left to regexec. */
static char *regex_literal(const char *re, int icase, size_t *len)
{
	struct buf word = BUF_INIT;

	for (const char *s = re; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\\') {
			if (!s[1] || !strchr(regex_special, s[1]))
				goto not_plain;
			c = (unsigned char)*++s;
		} else if (strchr(regex_special, c)) {
			goto not_plain;
		}
		if (icase && c >= 0x80)
			goto not_plain;
		buf_addch(&word, icase && c >= 'A' && c <= 'Z' ? (char)(c + 32) : (char)c);
	}
	*len = word.len;
	return buf_detach(&word);
not_plain:
	buf_free(&word);
	return NULL;
}

static unsigned char fold_ascii(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* Whether the len bytes at hay hold node's word. */
static int literal_in(const struct pattern_node *node, const char *hay, size_t len)
{
	const unsigned char *h = (const unsigned char *)hay, *w = (const unsigned char *)node->literal;
	size_t n = node->literal_len;

	if (n == 0)
		return 1;
	for (size_t i = 0; i + n <= len; i++) {
		if (node->icase ? fold_ascii(h[i]) != w[0] : h[i] != w[0])
			continue;
		size_t k = 1;
		if (node->icase)
			while (k < n && fold_ascii(h[i + k]) == w[k])
				k++;
		else
			while (k < n && h[i + k] == w[k])
				k++;
		if (k == n)
			return 1;
	}
	return 0;
}

/* Whether the len bytes at text match node (its word, else its regex). */
static int text_matches(const struct pattern_node *node, const char *text, size_t len)
{
	char small[256], *copy;
	int hit;

	if (node->literal)
		return literal_in(node, text, len);
	if (text[len] == '\0')
		return regexec(&node->regex, text, 0, NULL, 0) == 0;
	/* regexec needs a string of its own: REG_STARTEND would not let ^
	 * match at the start of the span */
	copy = len < sizeof(small) ? small : xmalloc(len + 1);
	memcpy(copy, text, len);
	copy[len] = '\0';
	hit = regexec(&node->regex, copy, 0, NULL, 0) == 0;
	if (copy != small)
		free(copy);
	return hit;
}

/* ---- address lists ---- */

/* One address of a decoded list: a display name and an address, either
 * possibly empty; both point into the list. */
struct address_span {
	const char *name, *addr;
	size_t name_len, addr_len;
};

static void span_trim(const char **s, size_t *len, int quotes)
{
	const char *p = *s, *end;

	if (!p)
		return;
	end = p + *len;
	while (p < end && is_blank(*p))
		p++;
	while (end > p && is_blank(end[-1]))
		end--;
	if (quotes && end - p >= 2 && *p == '"' && end[-1] == '"')
		p++, end--;
	*s = p;
	*len = (size_t)(end - p);
}

/* Reads the address starting at list into *out and returns where the next
 * one starts, or NULL at the end. Mutt matches the mailbox and the
 * personal name of each address; this splits the decoded text the same
 * way: "Name <addr>", "addr (Name)", "addr", and a group's "Name:" as a
 * name alone. Commas inside quotes, <> and () do not split; a comma that
 * RFC 2047 decoding brought into an unquoted name does. */
static const char *address_next(const char *list, struct address_span *out)
{
	const char *p = list, *lt = NULL, *gt = NULL, *open = NULL, *close = NULL;
	int comment = 0, quoted = 0, angle = 0;

	memset(out, 0, sizeof(*out));
	while (is_blank(*p) || *p == ',' || *p == ';')
		p++;
	if (!*p)
		return NULL;
	const char *start = p;
	for (; *p; p++) {
		char c = *p;
		if (quoted) {
			if (c == '\\' && p[1])
				p++;
			else if (c == '"')
				quoted = 0;
		} else if (comment) {
			if (c == '\\' && p[1])
				p++;
			else if (c == '(')
				comment++;
			else if (c == ')' && --comment == 0)
				close = p;
		} else if (angle) {
			if (c == '>') {
				angle = 0;
				gt = p;
			}
		} else if (c == '"') {
			quoted = 1;
		} else if (c == '(') {
			comment = 1;
			if (!open)
				open = p;
		} else if (c == '<') {
			angle = 1;
			if (!lt)
				lt = p;
		} else if (c == ',' || c == ';') {
			break;
		} else if (c == ':' && !lt) {
			out->name = start;
			out->name_len = (size_t)(p - start);
			span_trim(&out->name, &out->name_len, 1);
			return p + 1;
		}
	}
	const char *end = p;
	if (lt) {
		out->name = start;
		out->name_len = (size_t)(lt - start);
		out->addr = lt + 1;
		out->addr_len = (size_t)((gt ? gt : end) - out->addr);
	} else if (open) {
		out->addr = start;
		out->addr_len = (size_t)(open - start);
		out->name = open + 1;
		out->name_len = (size_t)((close ? close : end) - out->name);
	} else {
		out->addr = start;
		out->addr_len = (size_t)(end - start);
	}
	span_trim(&out->name, &out->name_len, 1);
	span_trim(&out->addr, &out->addr_len, 0);
	return *end ? end + 1 : end;
}

static int address_list_matches(const struct pattern_node *node, const char *list)
{
	struct address_span a;

	/* Every name and address is a piece of the list, so a word not in
	 * the list is in none of them: the common miss costs one scan. */
	if (node->literal && !literal_in(node, list, strlen(list)))
		return 0;
	for (const char *p = list; (p = address_next(p, &a));) {
		if (a.name_len && text_matches(node, a.name, a.name_len))
			return 1;
		if (a.addr_len && text_matches(node, a.addr, a.addr_len))
			return 1;
	}
	return 0;
}

/* ---- dates and sizes ---- */

/* The local time of t moved by n units (d w m y H M S) into the past;
 * with a day unit or larger, first set to 23:59:59 of its day (mutt's
 * rule, so "<2d" and ">2d" count whole days). */
static int64_t date_back(time_t t, int64_t n, char unit)
{
	struct tm tm;

	localtime_r(&t, &tm);
	if (!strchr("HMS", unit)) {
		tm.tm_hour = 23;
		tm.tm_min = tm.tm_sec = 59;
	}
	switch (unit) {
	case 'd': tm.tm_mday -= (int)n; break;
	case 'w': tm.tm_mday -= (int)(7 * n); break;
	case 'm': tm.tm_mon -= (int)n; break;
	case 'y': tm.tm_year -= (int)n; break;
	case 'H': tm.tm_hour -= (int)n; break;
	case 'M': tm.tm_min -= (int)n; break;
	case 'S': tm.tm_sec -= (int)n; break;
	}
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

/* The first second of the unit (day, hour, minute, second) holding t. */
static int64_t date_unit_start(int64_t t, char unit)
{
	time_t tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	if (unit == 'S')
		return t;
	tm.tm_sec = 0;
	if (unit != 'M')
		tm.tm_min = 0;
	if (unit != 'M' && unit != 'H')
		tm.tm_hour = 0;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Reads up to max digits at arg[*i]; returns how many (0: none). */
static size_t digits_read(const char *arg, size_t *i, size_t max, int64_t *value)
{
	size_t n = 0;

	*value = 0;
	while (is_digit(arg[*i]) && n < max) {
		*value = *value * 10 + (arg[*i] - '0');
		(*i)++;
		n++;
	}
	return n;
}

static int64_t month_days(int64_t month, int64_t year)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return days[month - 1] + (month == 2 && leap);
}

/* Reads DD, DD/MM, DD/MM/YY, DD/MM/YYYY or YYYYMMDD at arg[*i]: the day's
 * first and last second in local time. A missing month or year is the one
 * of now; two-digit years are 1970 to 2069. Returns 0, or -1 with the
 * error set. */
static int date_read(struct parser *p, char letter, size_t *i, int64_t *first, int64_t *last)
{
	const char *arg = p->arg.data;
	size_t start = *i;
	int64_t day, month, year;
	size_t n;
	time_t now = p->now;
	struct tm tm;

	localtime_r(&now, &tm);
	month = tm.tm_mon + 1;
	year = tm.tm_year + 1900;
	n = digits_read(arg, i, 8, &day);
	if (n == 8 && arg[*i] != '/') { /* YYYYMMDD */
		year = day / 10000;
		month = day / 100 % 100;
		day %= 100;
	} else if (n == 0 || n > 2) {
		fail(p, arg_offset(p, n ? start : *i), "~%c: expected a date DD/MM/YYYY, e.g. ~%c 01/01/2025-31/03/2025", letter, letter);
		return -1;
	} else if (arg[*i] == '/') {
		(*i)++;
		if (!digits_read(arg, i, 2, &month)) {
			fail(p, arg_offset(p, *i), "~%c: expected a month after the day, e.g. ~%c 01/01/2025", letter, letter);
			return -1;
		}
		if (arg[*i] == '/') {
			size_t year_at = ++(*i);
			n = digits_read(arg, i, 4, &year);
			if (n == 0 || n == 3 || is_digit(arg[*i])) {
				fail(p, arg_offset(p, year_at), "~%c: expected a year YYYY or YY, e.g. ~%c 01/01/2025", letter, letter);
				return -1;
			}
			if (n <= 2)
				year += year < 70 ? 2000 : 1900;
		}
	}
	if (month < 1 || month > 12 || year < 1900 || day < 1 || day > month_days(month, year)) {
		fail(p, arg_offset(p, start), "~%c: no such day: %.*s", letter, (int)(*i - start), arg + start);
		return -1;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)(year - 1900);
	tm.tm_mon = (int)(month - 1);
	tm.tm_mday = (int)day;
	tm.tm_isdst = -1;
	*first = (int64_t)mktime(&tm);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)(year - 1900);
	tm.tm_mon = (int)(month - 1);
	tm.tm_mday = (int)day + 1;
	tm.tm_isdst = -1;
	*last = (int64_t)mktime(&tm) - 1;
	return 0;
}

/* ~d and ~r arguments: "<2w" newer than, ">1m" older than, "=3d" on that
 * day (units d w m y, and H M S counted from now to the second); or
 * absolute "A", "A-B", "-B", "A-" with dates as date_read reads them. */
static int date_parse(struct parser *p, char letter, struct pattern_node *node)
{
	const char *arg = p->arg.data;
	size_t i = 0;

	node->min = INT64_MIN;
	node->max = INT64_MAX;
	if (arg[0] == '<' || arg[0] == '>' || arg[0] == '=') {
		int64_t n;
		char op = arg[0], unit;
		i = 1;
		if (!digits_read(arg, &i, 6, &n)) {
			fail(p, arg_offset(p, i), "~%c: expected a number after '%c', e.g. ~%c %c2w", letter, op, letter, op);
			return -1;
		}
		unit = arg[i];
		if (!unit || !strchr("dwmyHMS", unit) || arg[i + 1]) {
			fail(p, arg_offset(p, unit && strchr("dwmyHMS", unit) ? i + 1 : i),
			     "~%c: expected a unit d w m y (or H M S) after the number, e.g. ~%c %c2w", letter, letter, op);
			return -1;
		}
		int64_t t = date_back(p->now, n, unit);
		if (op == '<') {
			node->min = t + 1;
		} else if (op == '>') {
			node->max = t;
		} else {
			/* t is the day's last second, or now less whole hours, minutes, seconds */
			char span = strchr("HMS", unit) ? unit : 'd';
			node->min = date_unit_start(t, span);
			node->max = span == 'H' ? node->min + 3599 : span == 'M' ? node->min + 59 : t;
		}
		return 0;
	}
	int64_t first, last;
	if (arg[0] == '-') {
		i = 1;
		if (date_read(p, letter, &i, &first, &last) < 0)
			return -1;
		node->max = last;
	} else {
		if (date_read(p, letter, &i, &first, &last) < 0)
			return -1;
		node->min = first;
		node->max = last;
		if (arg[i] == '-') {
			node->max = INT64_MAX;
			if (arg[++i]) {
				int64_t first2, last2;
				if (date_read(p, letter, &i, &first2, &last2) < 0)
					return -1;
				/* a range written backwards is taken the right way round */
				node->min = first < first2 ? first : first2;
				node->max = last > last2 ? last : last2;
			}
		}
	}
	if (arg[i]) {
		fail(p, arg_offset(p, i), "~%c: expected a date DD/MM/YYYY, e.g. ~%c 01/01/2025-31/03/2025", letter, letter);
		return -1;
	}
	return 0;
}

/* A size: digits with an optional K or M (1024 and 1024 * 1024). */
static int size_read(const char *arg, size_t *i, int64_t *size)
{
	int64_t n;

	if (!digits_read(arg, i, 10, &n))
		return -1;
	*size = n;
	if (arg[*i] == 'K' || arg[*i] == 'k')
		*size *= 1024, (*i)++;
	else if (arg[*i] == 'M' || arg[*i] == 'm')
		*size *= 1024 * 1024, (*i)++;
	return 0;
}

/* ~z arguments: "<10K" (less than), ">1M" (more than), "=500" or "500"
 * (exactly), "10K-1M", "-10K", "10K-" (inclusive). */
static int size_parse(struct parser *p, struct pattern_node *node)
{
	const char *arg = p->arg.data;
	size_t i = 0;
	int64_t a, b;

	node->min = 0;
	node->max = INT64_MAX;
	if (arg[0] == '<' || arg[0] == '>' || arg[0] == '=') {
		i = 1;
		if (size_read(arg, &i, &a) < 0)
			goto bad;
		if (arg[0] == '<')
			node->max = a - 1;
		else if (arg[0] == '>')
			node->min = a + 1;
		else
			node->min = node->max = a;
	} else if (arg[0] == '-') {
		i = 1;
		if (size_read(arg, &i, &node->max) < 0)
			goto bad;
	} else {
		if (size_read(arg, &i, &a) < 0)
			goto bad;
		node->min = node->max = a;
		if (arg[i] == '-') {
			i++;
			node->max = INT64_MAX;
			if (arg[i]) {
				if (size_read(arg, &i, &b) < 0)
					goto bad;
				node->min = a < b ? a : b;
				node->max = a < b ? b : a;
			}
		}
	}
	if (!arg[i])
		return 0;
bad:
	fail(p, arg_offset(p, i), "~z: expected a size, e.g. ~z >10K");
	return -1;
}

/* ---- the grammar ----
 *     or      := and ('|' and)*
 *     and     := unary unary*
 *     unary   := '!' unary | primary
 *     primary := '(' or ')' | '~' letter [argument] | word
 */

static struct pattern_node *parse_or(struct parser *p, const char *context);

/* glibc's regcomp copies a repeated piece once per repetition ("a+" is
 * "aa*", "x{3}" is "xxx") and stacked or nested repetitions multiply:
 * "a++++++++++++++++++++++" takes gigabytes, and "`+++++*+++++++" 16 s
 * of CPU, before matching anything (both found by fuzzing). A repetition
 * of a repetition ("a++", undefined in POSIX EREs) is refused outright;
 * otherwise the size of the compiled tree is estimated the same way and
 * a regex over REGEX_COST_MAX is refused, so a typed pattern can never
 * exhaust memory or hang the index. Returns 1 when re is too costly. */
#define REGEX_COST_MAX 2000.0
#define REGEX_GROUP_MAX 64
static int regex_too_costly(const char *re)
{
	double size[REGEX_GROUP_MAX], last[REGEX_GROUP_MAX];
	int depth = 0, repeated = 0;

	size[0] = last[0] = 0;
	for (const char *s = re; *s; s++) {
		double factor = 0;
		switch (*s) {
		case '(':
			if (++depth == REGEX_GROUP_MAX)
				return 1;
			size[depth] = last[depth] = 0;
			repeated = 0;
			continue;
		case ')':
			if (depth > 0) {
				depth--;
				size[depth] += size[depth + 1];
				last[depth] = size[depth + 1];
				repeated = 0;
				continue;
			}
			break;
		case '|':
			repeated = 0;
			continue;
		case '+':
			factor = 2;
			break;
		case '*':
		case '?':
			factor = 1;
			break;
		case '{': {
			char *end;
			unsigned long m = strtoul(s + 1, &end, 10), n = m;
			if (end == s + 1)
				break; /* not a bound: a plain '{' */
			if (*end == ',')
				n = strtoul(end + 1, &end, 10);
			factor = (double)(m > n ? m : n) + 1;
			while (*s && *s != '}')
				s++;
			if (!*s)
				s--;
			break;
		}
		case '\\':
			if (s[1])
				s++;
			break;
		case '[': /* a bracket expression is one node */
			s++;
			if (*s == '^')
				s++;
			if (*s == ']')
				s++;
			while (*s && *s != ']') {
				if (*s == '[' && (s[1] == ':' || s[1] == '.' || s[1] == '=')) {
					char close = s[1];
					s += 2;
					while (*s && !(*s == close && s[1] == ']'))
						s++;
					if (*s)
						s++;
				}
				if (*s)
					s++;
			}
			if (!*s)
				s--;
			break;
		default:
			break;
		}
		if (factor > 0) {
			if (repeated)
				return 1; /* a repetition of a repetition */
			repeated = 1;
			size[depth] += last[depth] * (factor - 1);
			last[depth] *= factor;
		} else {
			repeated = 0;
			size[depth] += 1;
			last[depth] = 1;
		}
		if (size[depth] > REGEX_COST_MAX || last[depth] > REGEX_COST_MAX)
			return 1;
	}
	double total = 0;
	for (int d = 0; d <= depth; d++)
		total += size[d];
	return total > REGEX_COST_MAX;
}

/* A TEXT node over fields from the argument just read. */
static struct pattern_node *text_node(struct parser *p, size_t at, unsigned fields, char letter)
{
	struct pattern_node *node = node_new(PATTERN_TEXT, at);
	int err;

	node->fields = fields;
	node->icase = smart_icase(p->arg.data);
	node->literal = regex_literal(p->arg.data, node->icase, &node->literal_len);
	if (regex_too_costly(p->arg.data)) {
		if (letter)
			fail(p, arg_offset(p, 0), "~%c: regular expression too costly (too many repetitions)", letter);
		else
			fail(p, arg_offset(p, 0), "regular expression too costly (too many repetitions)");
		node_free(node);
		return NULL;
	}
	/* compiled even for a plain word: it checks the word like any other */
	err = regcomp(&node->regex, p->arg.data, REG_EXTENDED | REG_NOSUB | (node->icase ? REG_ICASE : 0));
	if (err) {
		char why[256];
		regerror(err, &node->regex, why, sizeof(why));
		if (letter)
			fail(p, arg_offset(p, 0), "~%c: bad regular expression: %s", letter, why);
		else
			fail(p, arg_offset(p, 0), "bad regular expression: %s", why);
		node_free(node);
		return NULL;
	}
	node->has_regex = 1;
	return node;
}

static struct pattern_node *parse_letter(struct parser *p)
{
	size_t at = p->pos;
	const char *t = p->text;
	const struct pattern_letter *info;
	struct pattern_node *node;
	int got;

	if (!t[at + 1] || is_blank(t[at + 1])) {
		fail(p, at, "'~' needs a letter after it, e.g. ~f ana");
		return NULL;
	}
	info = letter_find(t[at + 1]);
	if (!info) {
		size_t len = 1;
		while (((unsigned char)t[at + 1 + len] & 0xc0) == 0x80) /* the whole UTF-8 character */
			len++;
		fail(p, at, "~%.*s: no such pattern; known are " LETTERS_KNOWN, (int)len, t + at + 1);
		return NULL;
	}
	p->pos = at + 2;
	if (!info->expect) {
		char c = t[p->pos];
		if (c && !is_blank(c) && !strchr("|()!~", c)) {
			fail(p, p->pos, "~%c takes no argument", info->letter);
			return NULL;
		}
		node = node_new(info->kind, at);
		node->mask = info->mask;
		node->want = info->want;
		return node;
	}
	got = arg_read(p);
	if (got < 0)
		return NULL;
	if (got == 0) {
		fail(p, p->pos, "~%c: expected %s", info->letter, info->expect);
		return NULL;
	}
	switch (info->kind) {
	case PATTERN_TEXT:
		return text_node(p, at, info->fields, info->letter);
	case PATTERN_BODY:
		node = node_new(PATTERN_BODY, at);
		node->text = xstrdup(p->arg.data);
		node->whole = (int)info->want;
		return node;
	case PATTERN_ID:
	case PATTERN_REFERENCE:
		node = node_new(info->kind, at);
		node->id = model_id_hash(p->arg.data, p->arg.len);
		if (!node->id) {
			fail(p, arg_offset(p, 0), "~%c: expected %s", info->letter, info->expect);
			node_free(node);
			return NULL;
		}
		return node;
	case PATTERN_DATE:
	case PATTERN_SIZE:
		node = node_new(info->kind, at);
		if ((info->kind == PATTERN_DATE ? date_parse(p, info->letter, node) : size_parse(p, node)) < 0) {
			node_free(node);
			return NULL;
		}
		return node;
	default:
		lib_fatal("pattern letter ~%c has no parser", info->letter);
	}
}

static struct pattern_node *parse_unary(struct parser *p, const char *context);

static struct pattern_node *parse_primary(struct parser *p, const char *context)
{
	size_t at;
	char c;

	skip_blank(p);
	at = p->pos;
	c = p->text[at];
	if (c == '|') {
		fail(p, at, "expected a pattern before '|'");
		return NULL;
	}
	if (c == ')' && p->depth == 0) {
		fail(p, at, "unbalanced ')': no '(' opens it");
		return NULL;
	}
	if (!c || c == ')') {
		fail(p, at, "expected a pattern%s", context);
		return NULL;
	}
	if (c == '(') {
		struct pattern_node *inner;
		p->pos++;
		p->depth++;
		inner = parse_or(p, " after '('");
		if (!inner)
			return NULL;
		skip_blank(p);
		if (p->text[p->pos] != ')') {
			fail(p, at, "unbalanced '(': no ')' closes it");
			node_free(inner);
			return NULL;
		}
		p->pos++;
		p->depth--;
		return inner;
	}
	if (c == '~')
		return parse_letter(p);
	/* a bare word: mutt's simple search, ~f word | ~s word */
	if (arg_read(p) < 0)
		return NULL;
	return text_node(p, at, FIELD_FROM | FIELD_SUBJECT, 0);
}

/* Deeper than this, a pattern is surely not typed by hand; the parser,
 * the matcher and node_free recurse once per level. */
#define PATTERN_NESTING_MAX 200

static struct pattern_node *parse_unary(struct parser *p, const char *context)
{
	struct pattern_node *node, *child;

	skip_blank(p);
	if (p->nesting >= PATTERN_NESTING_MAX) {
		fail(p, p->pos, "the pattern is nested too deeply (more than %d levels of '!' and '(')",
		     PATTERN_NESTING_MAX);
		return NULL;
	}
	p->nesting++;
	if (p->text[p->pos] != '!') {
		node = parse_primary(p, context);
	} else {
		node = node_new(PATTERN_NOT, p->pos);
		p->pos++;
		child = parse_unary(p, " after '!'");
		if (child) {
			node_add_child(node, child);
		} else {
			node_free(node);
			node = NULL;
		}
	}
	p->nesting--;
	return node;
}

static struct pattern_node *parse_and(struct parser *p, const char *context)
{
	struct pattern_node *first = parse_unary(p, context), *list = NULL, *next;

	if (!first)
		return NULL;
	for (;;) {
		skip_blank(p);
		char c = p->text[p->pos];
		if (!c || c == '|' || c == ')')
			break;
		next = parse_unary(p, "");
		if (!next) {
			node_free(list ? list : first);
			return NULL;
		}
		if (!list) {
			list = node_new(PATTERN_AND, first->at);
			node_add_child(list, first);
		}
		node_add_child(list, next);
	}
	return list ? list : first;
}

static struct pattern_node *parse_or(struct parser *p, const char *context)
{
	struct pattern_node *first = parse_and(p, context), *list = NULL, *next;

	if (!first)
		return NULL;
	for (;;) {
		skip_blank(p);
		if (p->text[p->pos] != '|')
			break;
		p->pos++;
		next = parse_and(p, " after '|'");
		if (!next) {
			node_free(list ? list : first);
			return NULL;
		}
		if (!list) {
			list = node_new(PATTERN_OR, first->at);
			node_add_child(list, first);
		}
		node_add_child(list, next);
	}
	return list ? list : first;
}

/* ---- after parsing: flatten, find the server's part, order by cost ---- */

/* (a b) c is a b c: AND in AND and OR in OR become one list, so that the
 * server parts of one list can be grouped. */
static void node_flatten(struct pattern_node *node)
{
	size_t n = node->nchild;
	struct pattern_node **old = node->child;

	for (size_t k = 0; k < n; k++)
		node_flatten(old[k]);
	if (node->kind != PATTERN_AND && node->kind != PATTERN_OR)
		return;
	node->child = NULL;
	node->nchild = 0;
	for (size_t k = 0; k < n; k++) {
		struct pattern_node *child = old[k];
		if (child->kind != node->kind) {
			node_add_child(node, child);
			continue;
		}
		for (size_t j = 0; j < child->nchild; j++)
			node_add_child(node, child->child[j]);
		child->nchild = 0;
		node_free(child);
	}
	free(old);
}

/* Whether every leaf under node is ~b or ~B. */
static int server_only(const struct pattern_node *node)
{
	if (node->kind == PATTERN_BODY)
		return 1;
	if (node->kind != PATTERN_AND && node->kind != PATTERN_OR && node->kind != PATTERN_NOT)
		return 0;
	for (size_t k = 0; k < node->nchild; k++)
		if (!server_only(node->child[k]))
			return 0;
	return 1;
}

static struct pattern_node *server_wrap(struct pattern_node *node)
{
	struct pattern_node *server = node_new(PATTERN_SERVER, node->at);

	node_add_child(server, node);
	return server;
}

/* Puts every largest server-only subtree under a SERVER node; the server
 * children of one AND or OR list go under one SERVER node together (the
 * list's order does not matter: matching has no side effects). Returns
 * the node that replaces node. */
static struct pattern_node *server_group(struct pattern_node *node)
{
	struct pattern_node *group = NULL;
	size_t kept = 0;

	if (server_only(node))
		return server_wrap(node);
	if (node->kind == PATTERN_NOT) {
		node->child[0] = server_group(node->child[0]);
		return node;
	}
	if (node->kind != PATTERN_AND && node->kind != PATTERN_OR)
		return node;
	for (size_t k = 0; k < node->nchild; k++) {
		struct pattern_node *child = node->child[k];
		if (!server_only(child)) {
			node->child[kept++] = server_group(child);
			continue;
		}
		if (!group)
			group = node_new(node->kind, child->at);
		node_add_child(group, child);
	}
	node->nchild = kept;
	if (group) {
		struct pattern_node *only = group;
		if (group->nchild == 1) {
			only = group->child[0];
			group->nchild = 0;
			node_free(group);
		}
		node_add_child(node, server_wrap(only));
	}
	return node;
}

/* Collects the SERVER nodes under node, in tree order. */
static void server_collect(const struct pattern_node *node, const struct pattern_node **found, size_t *n)
{
	if (node->kind == PATTERN_SERVER) {
		if (*n < 2)
			found[*n] = node;
		(*n)++;
		return;
	}
	for (size_t k = 0; k < node->nchild; k++)
		server_collect(node->child[k], found, n);
}

static const struct pattern_node *body_first(const struct pattern_node *node)
{
	while (node->kind != PATTERN_BODY)
		node = node->child[0];
	return node;
}

/* Roughly how long a node takes to match, to try the cheap tests of a list
 * first: a flag test is a few instructions, a regex a microsecond. */
static int node_cost(const struct pattern_node *node)
{
	int cost = 0;

	switch (node->kind) {
	case PATTERN_REFERENCE:
	case PATTERN_SERVER:
		return 1;
	case PATTERN_TEXT:
		return node->literal ? 2 : 3;
	case PATTERN_AND:
	case PATTERN_OR:
	case PATTERN_NOT:
		for (size_t k = 0; k < node->nchild; k++) {
			int c = node_cost(node->child[k]);
			cost = c > cost ? c : cost;
		}
		return cost;
	default:
		return 0;
	}
}

static void node_order(struct pattern_node *node)
{
	if (node->kind == PATTERN_SERVER)
		return; /* its text is for the server, in the order written */
	for (size_t k = 0; k < node->nchild; k++)
		node_order(node->child[k]);
	if (node->kind != PATTERN_AND && node->kind != PATTERN_OR)
		return;
	for (size_t k = 1; k < node->nchild; k++) { /* stable: an insertion sort */
		struct pattern_node *child = node->child[k];
		int cost = node_cost(child);
		size_t j = k;
		while (j > 0 && node_cost(node->child[j - 1]) > cost) {
			node->child[j] = node->child[j - 1];
			j--;
		}
		node->child[j] = child;
	}
}

/* ---- the API ---- */

struct model_pattern *model_pattern_compile(const char *text, time_t now, char **error, size_t *error_at)
{
	struct parser p = { .text = text ? text : "", .now = now };
	struct model_pattern *pattern = NULL;
	struct pattern_node *root;

	if (error)
		*error = NULL;
	if (error_at)
		*error_at = 0;
	root = parse_or(&p, ", e.g. ~f ana or ~N");
	if (root) {
		skip_blank(&p);
		if (p.text[p.pos] == ')')
			fail(&p, p.pos, "unbalanced ')': no '(' opens it");
	}
	if (!p.error) {
		const struct pattern_node *servers[2];
		size_t nservers = 0;
		node_flatten(root);
		root = server_group(root);
		server_collect(root, servers, &nservers);
		if (nservers > 1) {
			const struct pattern_node *second = servers[0]->at > servers[1]->at ? servers[0] : servers[1];
			fail(&p, second->at, "~%c: the server is asked once, so ~b and ~B must stand together, "
			     "e.g. ~f ana (~b invoice | ~B bill)", body_first(second)->whole ? 'B' : 'b');
		} else {
			node_order(root);
			pattern = xcalloc(1, sizeof(*pattern));
			pattern->root = root;
			pattern->server = nservers ? servers[0] : NULL;
		}
	}
	if (p.error) {
		node_free(root);
		if (error)
			*error = p.error;
		else
			free(p.error);
		if (error_at)
			*error_at = p.error_at;
	}
	buf_free(&p.arg);
	free(p.arg_at);
	return pattern;
}

void model_pattern_free(struct model_pattern *pattern)
{
	if (!pattern)
		return;
	node_free(pattern->root);
	free(pattern->uids);
	free(pattern);
}

static int uid_known(const struct model_pattern *pattern, uint32_t uid)
{
	size_t lo = 0, hi = pattern->nuids;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (pattern->uids[mid] < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < pattern->nuids && pattern->uids[lo] == uid;
}

static int field_matches(const struct pattern_node *node, const struct model_summary *s)
{
	const char *subject = s->subject ? s->subject : "";

	if ((node->fields & FIELD_FROM) && address_list_matches(node, s->from ? s->from : ""))
		return 1;
	if ((node->fields & FIELD_TO) && address_list_matches(node, s->to ? s->to : ""))
		return 1;
	if ((node->fields & FIELD_CC) && address_list_matches(node, s->cc ? s->cc : ""))
		return 1;
	return (node->fields & FIELD_SUBJECT) && text_matches(node, subject, strlen(subject));
}

static int node_match(const struct model_pattern *pattern, const struct pattern_node *node,
		      const struct model_summary *s, int tagged)
{
	switch (node->kind) {
	case PATTERN_AND:
		for (size_t k = 0; k < node->nchild; k++)
			if (!node_match(pattern, node->child[k], s, tagged))
				return 0;
		return 1;
	case PATTERN_OR:
		for (size_t k = 0; k < node->nchild; k++)
			if (node_match(pattern, node->child[k], s, tagged))
				return 1;
		return 0;
	case PATTERN_NOT:
		return !node_match(pattern, node->child[0], s, tagged);
	case PATTERN_TEXT:
		return field_matches(node, s);
	case PATTERN_FLAGS:
		return (s->flags & node->mask) == node->want;
	case PATTERN_TAGGED:
		return tagged != 0;
	case PATTERN_ALL:
		return 1;
	case PATTERN_DATE:
		return s->date >= node->min && s->date <= node->max;
	case PATTERN_SIZE:
		return (int64_t)s->size >= node->min && (int64_t)s->size <= node->max;
	case PATTERN_ID:
		return s->message_id == node->id;
	case PATTERN_REFERENCE:
		if (s->in_reply_to == node->id)
			return 1;
		for (uint32_t k = 0; k < s->nreferences; k++)
			if (s->references[k] == node->id)
				return 1;
		return 0;
	case PATTERN_SERVER:
		return uid_known(pattern, s->uid);
	case PATTERN_BODY:
		break; /* always under a SERVER node */
	}
	return 0;
}

int model_pattern_match(const struct model_pattern *pattern, const struct model_summary *summary, int tagged)
{
	return node_match(pattern, pattern->root, summary, tagged);
}

int model_pattern_needs_server(const struct model_pattern *pattern)
{
	return pattern->server != NULL;
}

/* A struct model_search is a node of the server's part; the type only
 * keeps the tree read-only for the protocol module that walks it. */
const struct model_search *model_pattern_server_part(const struct model_pattern *pattern)
{
	return pattern->server ? (const struct model_search *)pattern->server->child[0] : NULL;
}

enum model_search_kind model_search_kind(const struct model_search *term)
{
	const struct pattern_node *node = (const struct pattern_node *)term;

	switch (node->kind) {
	case PATTERN_BODY:
		return node->whole ? MODEL_SEARCH_MESSAGE : MODEL_SEARCH_BODY;
	case PATTERN_NOT:
		return MODEL_SEARCH_NOT;
	case PATTERN_AND:
		return MODEL_SEARCH_AND;
	case PATTERN_OR:
		return MODEL_SEARCH_OR;
	default:
		lib_fatal("pattern node %d under a server part", (int)node->kind);
	}
}

const char *model_search_text(const struct model_search *term)
{
	return ((const struct pattern_node *)term)->text;
}

size_t model_search_count(const struct model_search *term)
{
	return ((const struct pattern_node *)term)->nchild;
}

const struct model_search *model_search_child(const struct model_search *term, size_t k)
{
	return (const struct model_search *)((const struct pattern_node *)term)->child[k];
}

static int cmp_uid(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

void model_pattern_set_server_uids(struct model_pattern *pattern, const uint32_t *uids, size_t n)
{
	size_t kept = 0;

	free(pattern->uids);
	pattern->uids = n ? xmalloc(n * sizeof(*uids)) : NULL;
	if (n)
		memcpy(pattern->uids, uids, n * sizeof(*uids));
	if (n)
		qsort(pattern->uids, n, sizeof(*uids), cmp_uid);
	for (size_t k = 0; k < n; k++)
		if (kept == 0 || pattern->uids[kept - 1] != pattern->uids[k])
			pattern->uids[kept++] = pattern->uids[k];
	pattern->nuids = kept;
}
