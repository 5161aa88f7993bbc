/* model: the index view: JWZ threading (chains, forks, missing and late
 * parents, cycles, duplicate ids, subject grouping), tree prefixes, the
 * flat orders and their reverse, collapse, and 100,000-message timings
 * (printed, never asserted). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tap.h"
#include "lib/lib.h"
#include "model/model.h"

/* One message of a hand-built mailbox; ids are written as in headers.
 * A date of 0 means uid * 100, so uid order is date order by default. */
struct msg {
	uint32_t uid;
	const char *id;
	const char *refs;
	const char *irt;
	const char *subject;
	int64_t date;
	const char *from;
	uint32_t size;
};

static uint64_t hash(const char *id)
{
	return model_id_hash(id, strlen(id));
}

static void add(struct model_mailbox *mbox, const struct msg *m)
{
	uint64_t refs[16], irt[1] = { 0 };
	size_t nrefs = m->refs ? model_ids_parse(m->refs, strlen(m->refs), refs, 16) : 0;

	if (m->irt)
		model_ids_parse(m->irt, strlen(m->irt), irt, 1);
	model_mailbox_add(mbox, &(struct model_summary){
		.uid = m->uid, .date = m->date ? m->date : (int64_t)m->uid * 100, .size = m->size,
		.from = m->from, .subject = m->subject ? m->subject : "",
		.message_id = m->id ? hash(m->id) : 0, .in_reply_to = irt[0],
		.references = refs, .nreferences = (uint32_t)nrefs });
}

#define MAILBOX(...) mailbox((const struct msg[]){ __VA_ARGS__ }, \
	sizeof((const struct msg[]){ __VA_ARGS__ }) / sizeof(struct msg))

static struct model_mailbox *mailbox(const struct msg *msgs, size_t n)
{
	struct model_mailbox *mbox = model_mailbox_new();

	for (size_t k = 0; k < n; k++)
		add(mbox, &msgs[k]);
	return mbox;
}

/* The rows as "tree uid" joined by ';', with "(+n)" on collapsed rows. */
static const char *render(const struct model_view *view, struct model_mailbox *mbox)
{
	static char out[4096];
	const struct model_summary *s = model_mailbox_summaries(mbox);
	size_t len = 0;

	out[0] = '\0';
	for (size_t row = 0; row < model_view_count(view); row++) {
		char tree[256];
		size_t hidden = model_view_hidden(view, row);

		model_view_tree(view, row, tree, sizeof(tree));
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%s%u", row ? ";" : "", tree,
					s[model_view_summary(view, row)].uid);
		if (hidden)
			len += (size_t)snprintf(out + len, sizeof(out) - len, "(+%zu)", hidden);
	}
	return out;
}

/* Builds mbox in sort (and reverse) and compares the rows with want. */
static void check_rows(struct model_mailbox *mbox, enum model_sort sort, int reverse, const char *want,
		       const char *name)
{
	struct model_view *view = model_view_new();

	model_view_build(view, mbox, sort, reverse);
	is_str(render(view, mbox), want, "%s", name);
	model_view_free(view);
}

static void check_threads(struct model_mailbox *mbox, const char *want, const char *name)
{
	check_rows(mbox, MODEL_SORT_THREADS, 0, want, name);
	model_mailbox_free(mbox);
}

static void test_threads_links(void)
{
	check_threads(MAILBOX({ .uid = 1, .id = "a", .subject = "chain" }, { .uid = 2, .id = "b", .refs = "<a>", .subject = "Re: chain" },
			      { .uid = 3, .id = "c", .refs = "<a> <b>", .subject = "Re: chain" }),
		      "1;└─>2;  └─>3", "a reply chain");
	check_threads(MAILBOX({ .uid = 1, .id = "a", .subject = "fork" }, { .uid = 2, .id = "b", .refs = "<a>", .subject = "Re: fork" },
			      { .uid = 3, .id = "c", .refs = "<a>", .subject = "Re: fork" }, { .uid = 4, .id = "d", .refs = "<a> <b>", .subject = "Re: fork" }),
		      "1;├─>2;│ └─>4;└─>3", "a fork: siblings, and a line down past the first branch");
	check_threads(MAILBOX({ .uid = 1, .id = "a", .subject = "s" }, { .uid = 2, .id = "b", .refs = "<a>", .subject = "t", .date = 300 },
			      { .uid = 3, .id = "c", .refs = "<a>", .subject = "u", .date = 200 }),
		      "1;├─>3;└─>2", "children are in date order, not uid order");
	check_threads(MAILBOX({ .uid = 1, .id = "a", .subject = "x" }, { .uid = 2, .id = "b", .irt = "<a>", .subject = "y" },
			      { .uid = 3, .id = "c", .refs = "<a>", .irt = "<b>", .subject = "z" }),
		      "1;└─>2;  └─>3", "In-Reply-To alone links, and names the parent after the references");
	check_threads(MAILBOX({ .uid = 1, .id = "a", .subject = "x" }, { .uid = 3, .id = "c", .refs = "<a> <gone>", .subject = "y" }),
		      "1;└─>3", "a missing message between two present ones is skipped");
	check_threads(MAILBOX({ .uid = 1, .id = "p", .refs = "<gone>", .subject = "one" }, { .uid = 2, .id = "q", .refs = "<gone>", .subject = "two" },
			      { .uid = 3, .id = "r", .refs = "<gone> <p>", .subject = "three" }),
		      "┌─>1;│ └─>3;└─>2", "a missing root with two children stays, invisible");
	check_threads(MAILBOX({ .uid = 1, .id = "p", .refs = "<gone> <also-gone>", .subject = "one" }),
		      "1", "a missing root with one child vanishes");
	check_threads(MAILBOX({ .uid = 1, .id = "c", .refs = "<a> <b>", .subject = "c" }, { .uid = 2, .id = "b", .refs = "<a>", .subject = "b" },
			      { .uid = 3, .id = "a", .subject = "a" }),
		      "3;└─>2;  └─>1", "parents arriving after their children");
	check_threads(MAILBOX({ .uid = 1, .id = "c", .refs = "<a> <b>", .subject = "c" }, { .uid = 2, .id = "b", .subject = "b" },
			      { .uid = 3, .id = "a", .subject = "a" }),
		      "3;└─>2;  └─>1", "a message without references keeps the parent others gave it");
	check_threads(MAILBOX({ .uid = 1, .id = "p", .subject = "p" }, { .uid = 2, .id = "c", .refs = "<p> <q>", .subject = "c" },
			      { .uid = 3, .id = "r", .subject = "r" }, { .uid = 4, .id = "q", .refs = "<r>", .subject = "q" }),
		      "1;3;└─>4;  └─>2", "a message's own references override the parent others guessed");
}

static void test_threads_broken(void)
{
	check_threads(MAILBOX({ .uid = 1, .id = "a", .refs = "<b>", .subject = "one" }, { .uid = 2, .id = "b", .refs = "<a>", .subject = "two" }),
		      "2;└─>1", "two messages naming each other: the link that closes the cycle is dropped");
	check_threads(MAILBOX({ .uid = 1, .id = "s", .refs = "<s>", .subject = "self" }), "1", "a message referencing itself");
	check_threads(MAILBOX({ .uid = 1, .id = "d", .refs = "<e> <f> <e>", .subject = "loop" }, { .uid = 2, .id = "f", .subject = "f" }),
		      "┌─>1;└─>2", "a cycle inside one References header is not followed");
	check_threads(MAILBOX({ .uid = 1, .id = "a", .refs = "<c>", .subject = "x" }, { .uid = 2, .id = "b", .refs = "<a>", .subject = "y" },
			      { .uid = 3, .id = "c", .refs = "<b>", .subject = "z" }),
		      "3;└─>1;  └─>2", "a three-message cycle breaks once");
	check_threads(MAILBOX({ .uid = 1, .id = "a", .subject = "dup one" }, { .uid = 2, .id = "a", .subject = "dup two" },
			      { .uid = 3, .id = "c", .refs = "<a>", .subject = "Re: dup one" }),
		      "2;1;└─>3", "a duplicate Message-ID: the later uid threads as if it had none");
	check_threads(MAILBOX({ .uid = 1, .id = "a", .subject = "same" }, { .uid = 2, .id = "a", .refs = "<p>", .subject = "same" },
			      { .uid = 3, .id = "p", .subject = "parent" }),
		      "1;3;└─>2", "a duplicate still follows its own references");
	check_threads(MAILBOX({ .uid = 1, .subject = "" }, { .uid = 2, .subject = "" },
			      { .uid = 3, .refs = "<nowhere>" }),
		      "1;2;3", "no ids and no subjects: every message alone");
}

static void test_threads_subjects(void)
{
	check_threads(MAILBOX({ .uid = 1, .id = "a", .subject = "Lunch?" }, { .uid = 2, .id = "b", .subject = "Re: lunch?" },
			      { .uid = 3, .id = "c", .subject = "RE: [team] Lunch?" }, { .uid = 4, .id = "d", .subject = "AW:  Lunch? " },
			      { .uid = 5, .id = "e", .subject = "Other" }),
		      "1;├─>2;├─>3;└─>4;5", "replies without references join the original by subject");
	check_threads(MAILBOX({ .uid = 1, .id = "a", .subject = "Re: x" }, { .uid = 2, .id = "b", .subject = "x" }),
		      "2;└─>1", "the original takes a reply that came first");
	check_threads(MAILBOX({ .uid = 1, .id = "a", .subject = "report" }, { .uid = 2, .id = "b", .subject = "Report" },
			      { .uid = 3, .id = "c", .subject = "[cron] report" }),
		      "┌─>1;├─>2;└─>3", "same subject, no replies: siblings under an invisible root");
	check_threads(MAILBOX({ .uid = 1, .id = "a", .subject = "Re: q" }, { .uid = 2, .id = "b", .subject = "Fwd: q" }),
		      "┌─>1;└─>2", "two replies are siblings too");
	check_threads(MAILBOX({ .uid = 1, .id = "a", .subject = "x" }, { .uid = 2, .id = "b", .refs = "<gone>", .subject = "Re: x" }),
		      "1;└─>2", "a reply whose parent is missing finds the original by subject");
	check_threads(MAILBOX({ .uid = 1, .id = "a", .refs = "<gone>", .subject = "Re: t" }, { .uid = 2, .id = "b", .refs = "<gone>", .subject = "Re: t" },
			      { .uid = 3, .id = "c", .subject = "t" }, { .uid = 4, .id = "d", .refs = "<gone2>", .subject = "Re: t" },
			      { .uid = 5, .id = "e", .refs = "<gone2>", .subject = "Re: t" }),
		      "┌─>1;├─>2;├─>3;├─>4;└─>5", "invisible roots of one subject merge, and take the original");
	check_threads(MAILBOX({ .uid = 1, .id = "a", .subject = "" }, { .uid = 2, .id = "b", .subject = "Re:" }),
		      "1;2", "empty subjects are never grouped");
}

static void test_threads_order(void)
{
	struct model_mailbox *mbox = MAILBOX({ .uid = 1, .id = "a", .subject = "A" }, { .uid = 2, .id = "b", .subject = "B" },
					     { .uid = 3, .id = "c", .refs = "<b>", .subject = "Re: B" }, { .uid = 4, .id = "d", .refs = "<a>", .subject = "Re: A" },
					     { .uid = 5, .id = "e", .subject = "E", .date = -50 });

	check_rows(mbox, MODEL_SORT_THREADS, 0, "5;2;└─>3;1;└─>4", "threads by their newest message");
	check_rows(mbox, MODEL_SORT_THREADS, 1, "1;└─>4;2;└─>3;5", "reverse-threads: newest thread first, inside in date order");
	model_mailbox_free(mbox);
}

static void test_flat_orders(void)
{
	struct model_mailbox *mbox = MAILBOX(
		{ .uid = 1, .subject = "Re: beta", .date = 300, .from = "Zed <z@x>", .size = 50 },
		{ .uid = 2, .subject = "alpha", .date = 100, .from = "\"adam, a\" <a@x>", .size = 500 },
		{ .uid = 3, .subject = "[l] Gamma", .date = 300, .from = "<mary@x>", .size = 5 },
		{ .uid = 4, .subject = "Fwd: BETA", .date = 200, .from = "bob@x", .size = 50 },
		{ .uid = 5, .subject = "", .date = -7, .size = 0 });

	check_rows(mbox, MODEL_SORT_DATE, 0, "5;2;4;1;3", "date, ties by uid, negative dates first");
	check_rows(mbox, MODEL_SORT_DATE, 1, "3;1;4;2;5", "reverse-date mirrors it");
	check_rows(mbox, MODEL_SORT_FROM, 0, "5;2;4;3;1", "from: display name else address, case-folded");
	check_rows(mbox, MODEL_SORT_FROM, 1, "1;3;4;2;5", "reverse-from");
	check_rows(mbox, MODEL_SORT_SUBJECT, 0, "5;2;1;4;3", "subject without Re:/Fwd:/[list], ties by uid");
	check_rows(mbox, MODEL_SORT_SUBJECT, 1, "3;4;1;2;5", "reverse-subject");
	check_rows(mbox, MODEL_SORT_SIZE, 0, "5;3;1;4;2", "size, ties by uid");
	check_rows(mbox, MODEL_SORT_SIZE, 1, "2;4;1;3;5", "reverse-size");
	model_mailbox_free(mbox);

	mbox = MAILBOX({ .uid = 1, .subject = "a long subject number 2" },
		       { .uid = 2, .subject = "A LONG SUBJECT NUMBER 10" },
		       { .uid = 3, .subject = "a long subject number 1" },
		       { .uid = 4, .subject = "Re: a long subject number 2" },
		       { .uid = 5, .subject = "a long subject" },
		       { .uid = 6, .subject = "a long subjecT number 10" });
	check_rows(mbox, MODEL_SORT_SUBJECT, 0, "5;3;2;6;1;4", "subjects equal in their first 8 bytes compare in full");
	model_mailbox_free(mbox);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}

static const struct model_summary *cmp_base;

/* The reference order for a subject sort, by comparisons only. */
static int cmp_subject(const void *a, const void *b)
{
	const struct model_summary *x = &cmp_base[*(const uint32_t *)a], *y = &cmp_base[*(const uint32_t *)b];
	size_t xl, yl;
	const char *xs = model_subject_base(x->subject, &xl, NULL), *ys = model_subject_base(y->subject, &yl, NULL);

	for (size_t i = 0; i < xl && i < yl; i++) {
		int cx = xs[i] >= 'A' && xs[i] <= 'Z' ? xs[i] + 32 : (unsigned char)xs[i];
		int cy = ys[i] >= 'A' && ys[i] <= 'Z' ? ys[i] + 32 : (unsigned char)ys[i];
		if (cx != cy)
			return cx - cy;
	}
	if (xl != yl)
		return xl < yl ? -1 : 1;
	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

static void test_subject_sort_random(void)
{
	enum { N = 3000 };
	struct model_mailbox *mbox = model_mailbox_new();
	struct model_view *view = model_view_new();
	static const char *const words[] = { "Re: ", "[list] ", "patch", "PATCH", "build ", "Build ",
					     "failed", "x", "é", "report 2024-0", "" };
	uint32_t *want = malloc(N * sizeof(*want));
	int same = 1;

	for (uint32_t uid = 1; uid <= N; uid++) {
		char subject[128] = "";
		for (int k = rng() % 6; k > 0; k--)
			strcat(subject, words[rng() % LIB_ARRAY_LEN(words)]);
		model_mailbox_add(mbox, &(struct model_summary){ .uid = uid * 3, .subject = subject });
	}
	cmp_base = model_mailbox_summaries(mbox);
	for (uint32_t i = 0; i < N; i++)
		want[i] = i;
	qsort(want, N, sizeof(*want), cmp_subject);
	model_view_build(view, mbox, MODEL_SORT_SUBJECT, 0);
	for (size_t row = 0; row < N; row++)
		same &= model_view_summary(view, row) == want[row];
	ok(same, "3000 random subjects sort as a plain comparison sort would");
	model_view_build(view, mbox, MODEL_SORT_SUBJECT, 1);
	same = 1;
	for (size_t row = 0; row < N; row++)
		same &= model_view_summary(view, row) == want[N - 1 - row];
	ok(same, "and reversed, exactly mirrored");
	free(want);
	model_view_free(view);
	model_mailbox_free(mbox);
}

static void test_collapse(void)
{
	struct model_mailbox *mbox = MAILBOX({ .uid = 1, .id = "a", .subject = "A" }, { .uid = 2, .id = "b", .refs = "<a>", .subject = "B" },
					     { .uid = 3, .id = "c", .refs = "<a> <b>", .subject = "C" }, { .uid = 4, .id = "d", .subject = "D" });
	struct model_view *view = model_view_new();
	char tree[64];

	model_view_build(view, mbox, MODEL_SORT_THREADS, 0);
	is_str(render(view, mbox), "1;└─>2;  └─>3;4", "collapse: the starting rows");
	is_int((long)model_view_depth(view, 2), 2, "depth of a grandchild");
	is_int((long)model_view_collapse(view, 2, 1), 0, "collapsing from a grandchild returns the top row");
	is_str(render(view, mbox), "1(+2);4", "a collapsed thread shows its top with the hidden count");
	is_int((long)model_view_count(view), 2, "count is the visible rows");
	model_view_tree(view, 0, tree, sizeof(tree));
	is_str(tree, "", "a collapsed row draws no tree");
	is_int((long)model_view_find_uid(view, 3), 0, "find_uid of a hidden message gives its thread's row");
	is_int((long)model_view_find_uid(view, 4), 1, "find_uid of a visible message");
	ok(model_view_find_uid(view, 99) == (size_t)-1, "find_uid of an unknown uid");
	is_int((long)model_view_collapse(view, 1, 1), 1, "a one-message thread does not collapse");
	is_int((long)model_view_collapse(view, 0, 1), 0, "collapsing twice changes nothing");
	ok(model_view_summary(view, 2) == (size_t)-1, "a row past the end has no summary");
	is_int((long)model_view_collapse(view, 0, 0), 0, "expand returns the top row");
	is_str(render(view, mbox), "1;└─>2;  └─>3;4", "expanded again");
	is_int((long)model_view_find_uid(view, 3), 2, "find_uid once expanded");

	model_view_collapse_all(view, 1);
	is_str(render(view, mbox), "1(+2);4", "collapse all");
	model_view_collapse(view, 0, 1);
	add(mbox, &(struct msg){ .uid = 5, .id = "e", .refs = "<a>", .subject = "E" });
	model_view_build(view, mbox, MODEL_SORT_THREADS, 0);
	is_str(render(view, mbox), "4;1(+3)", "a rebuild keeps the collapse of a thread whose top stayed");
	model_view_build(view, mbox, MODEL_SORT_THREADS, 1);
	is_str(render(view, mbox), "1(+3);4", "also when reversing");
	is_int((long)model_view_find_uid(view, 5), 0, "the new message is found under its collapsed thread");
	add(mbox, &(struct msg){ .uid = 6, .id = "z", .subject = "top", .date = 1 });
	add(mbox, &(struct msg){ .uid = 7, .id = "f", .refs = "<z> <a>", .subject = "F" });
	model_view_build(view, mbox, MODEL_SORT_THREADS, 0);
	is_str(render(view, mbox), "4;6;└─>1;  ├─>2;  │ └─>3;  ├─>5;  └─>7",
	       "a thread that gained a new top comes back expanded");
	model_view_collapse_all(view, 0);

	model_view_build(view, mbox, MODEL_SORT_DATE, 0);
	is_int((long)model_view_collapse(view, 1, 1), 1, "no collapse outside threads");
	is_int((long)model_view_count(view), 7, "so every row stays");
	is_int((long)model_view_find_uid(view, 7), 6, "find_uid in date order");
	model_view_tree(view, 3, tree, sizeof(tree));
	is_str(tree, "", "no tree outside threads");
	ok(model_view_memory(view) > 0, "memory is reported");
	model_view_free(view);
	model_view_free(NULL);
	model_mailbox_free(mbox);
}

static void test_empty(void)
{
	struct model_mailbox *mbox = model_mailbox_new();
	struct model_view *view = model_view_new();
	char tree[16] = "x";
	int all = 1;

	is_int((long)model_view_count(view), 0, "a view never built has no rows");
	ok(model_view_find_uid(view, 1) == (size_t)-1 && model_view_summary(view, 0) == (size_t)-1,
	   "and finds nothing");
	model_view_tree(view, 0, tree, sizeof(tree));
	model_view_collapse_all(view, 1);
	ok(tree[0] == '\0' && model_view_collapse(view, 0, 1) == 0 && model_view_hidden(view, 0) == 0,
	   "and its other calls are harmless");
	for (int sort = MODEL_SORT_DATE; sort <= MODEL_SORT_SIZE; sort++) {
		model_view_build(view, mbox, (enum model_sort)sort, sort & 1);
		model_view_collapse_all(view, 1);
		all &= model_view_count(view) == 0 && model_view_find_uid(view, 1) == (size_t)-1;
	}
	ok(all, "an empty mailbox builds in every order");

	/* A rebuild over more messages while a thread is collapsed (rows[]
	 * must grow with the mailbox). */
	add(mbox, &(struct msg){ .uid = 1, .id = "a", .subject = "a" });
	add(mbox, &(struct msg){ .uid = 2, .id = "b", .refs = "<a>", .subject = "b" });
	model_view_build(view, mbox, MODEL_SORT_THREADS, 0);
	model_view_collapse(view, 0, 1);
	for (uint32_t uid = 3; uid < 200; uid++)
		add(mbox, &(struct msg){ .uid = uid, .subject = "single" });
	model_view_build(view, mbox, MODEL_SORT_THREADS, 1);
	is_int((long)model_view_count(view), 198, "a collapsed view rebuilt over 199 messages shows 198 rows");
	model_view_free(view);
	model_mailbox_free(mbox);
}

static void test_tree_buffer(void)
{
	struct model_mailbox *mbox = MAILBOX({ .uid = 1, .id = "a", .subject = "a" }, { .uid = 2, .id = "b", .refs = "<a>", .subject = "b" },
					     { .uid = 3, .id = "c", .refs = "<a> <b>", .subject = "c" }, { .uid = 4, .id = "d", .refs = "<b> <c>", .subject = "d" },
					     { .uid = 5, .id = "e", .refs = "<c> <d>", .subject = "e" }, { .uid = 6, .id = "f", .refs = "<b>", .subject = "f" });
	struct model_view *view = model_view_new();
	char tree[64];

	model_view_build(view, mbox, MODEL_SORT_THREADS, 0);
	is_str(render(view, mbox), "1;└─>2;  ├─>3;  │ └─>4;  │   └─>5;  └─>6", "a deeper tree");
	model_view_tree(view, 4, tree, 12);
	is_str(tree, "  └─>", "too small a buffer drops the outer levels, keeps the arrow");
	model_view_tree(view, 4, tree, 8);
	is_str(tree, "└─>", "room for the arrow only");
	model_view_tree(view, 4, tree, 7);
	is_str(tree, "", "no room for the arrow: nothing");
	tree[0] = 'x';
	model_view_tree(view, 4, tree, 0);
	ok(tree[0] == 'x', "size 0 writes nothing");
	model_view_tree(view, 99, tree, sizeof(tree));
	is_str(tree, "", "a row out of range draws nothing");
	model_view_free(view);
	model_mailbox_free(mbox);
}

static void check_base(const char *subject, const char *want, int want_reply)
{
	size_t len;
	int reply = -1;
	const char *base = model_subject_base(subject, &len, &reply);
	char got[128];

	snprintf(got, sizeof(got), "%.*s", (int)len, base);
	is_str(got, want, "subject base of '%s'", subject);
	is_int(reply, want_reply, "reply marker in '%s'", subject);
}

static void test_subject_base(void)
{
	enum model_sort sort = MODEL_SORT_SIZE;
	int reverse = 0;

	check_base("Re: Re[2]: AW: [list] Fwd:  Hello  ", "Hello", 1);
	check_base("RE^3: SV: x", "x", 1);
	check_base("Antw: WG: Fw: y", "y", 1);
	check_base("[list] hello", "hello", 0);
	check_base("Reply: x", "Reply: x", 0);
	check_base("Re x", "Re x", 0);
	check_base("Re[: x", "Re[: x", 0);
	check_base("[SPAM]", "[SPAM]", 0);
	check_base("[unclosed tag", "[unclosed tag", 0);
	check_base("Re:", "", 1);
	check_base("", "", 0);

	ok(model_sort_parse("reverse-threads", &sort, &reverse) == 0 && sort == MODEL_SORT_THREADS && reverse,
	   "parse reverse-threads");
	ok(model_sort_parse("from", &sort, &reverse) == 0 && sort == MODEL_SORT_FROM && !reverse, "parse from");
	ok(model_sort_parse("reverse-bogus", &sort, &reverse) == -1 && sort == MODEL_SORT_FROM,
	   "an unknown name is refused and changes nothing");
	is_str(model_sort_name(MODEL_SORT_SUBJECT, 1), "reverse-subject", "name of reverse-subject");
	is_str(model_sort_name(MODEL_SORT_DATE, 0), "date", "name of date");
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of five builds: one build's time, without the noise. */
static double time_build(struct model_view *view, struct model_mailbox *mbox, enum model_sort sort, int reverse)
{
	double ms[5];

	for (int k = 0; k < 5; k++) {
		double start = now_ms();
		model_view_build(view, mbox, sort, reverse);
		ms[k] = now_ms() - start;
	}
	qsort(ms, 5, sizeof(*ms), cmp_double);
	return ms[2];
}

#define MANY 100000
#define MAX_REFS 10

/* What the generator knows about each message it made up. */
struct made {
	uint64_t id;
	uint32_t parent;       /* index in made[] of the message replied to; NONE_T for a new topic */
	uint32_t topic;
	uint32_t uid;          /* 0 when never delivered (a missing parent) */
	uint32_t nrefs;
	int recycled;          /* its id is another message's too */
	uint64_t refs[MAX_REFS];
};
#define NONE_T UINT32_MAX

static uint32_t nmade;         /* entries of made[] in use */

/* A folder of MANY messages shaped like a busy list: a quarter new
 * topics, the rest replies to one of the last 3000 messages made with its
 * References (the last ten ids); 3% of those made are never delivered,
 * 1% recycle a Message-ID; dates rise by a minute with an hour of jitter. */

static struct made *generate(struct model_mailbox *mbox)
{
	struct made *made = calloc(MANY + MANY / 5, sizeof(*made));
	uint32_t topics = 0, uid = 0;

	model_mailbox_reserve(mbox, MANY);
	for (uint32_t i = 0; uid < MANY && i < MANY + MANY / 5; i++) {
		struct made *m = &made[i];
		char text[64], subject[64];
		const char *names[] = { "Ana <ana@example.org>", "bob@example.org", "\"Lee, C\" <c@x.org>", "Dee <d@y>" };

		snprintf(text, sizeof(text), "<%u.%u@gen.example>", i, rng());
		if (i > 10 && rng() % 100 == 0) {
			struct made *twin = &made[rng() % i];
			m->id = twin->id;
			m->recycled = twin->recycled = 1;
		} else {
			m->id = hash(text);
		}
		if (i == 0 || rng() % 4 == 0) {
			m->parent = NONE_T;
			m->topic = topics++;
			snprintf(subject, sizeof(subject), "Topic %u", m->topic);
		} else {
			uint32_t back = 1 + rng() % (i < 3000 ? i : 3000);
			const struct made *p = &made[i - back];
			uint32_t keep = p->nrefs < MAX_REFS ? p->nrefs : MAX_REFS - 1;

			m->parent = i - back;
			m->topic = p->topic;
			memcpy(m->refs, p->refs + p->nrefs - keep, keep * sizeof(*m->refs));
			m->refs[keep] = p->id;
			m->nrefs = keep + 1;
			snprintf(subject, sizeof(subject), "Re: Topic %u", m->topic);
		}
		if (rng() % 100 < 3)
			continue; /* never delivered */
		nmade = i + 1;
		m->uid = ++uid;
		model_mailbox_add(mbox, &(struct model_summary){
			.uid = m->uid, .date = 1700000000 + (int64_t)i * 60 + (int64_t)(rng() % 7200) - 3600,
			.size = 1000 + rng() % 100000, .from = names[rng() % 4], .subject = subject,
			.message_id = m->id, .in_reply_to = m->nrefs ? m->refs[m->nrefs - 1] : 0,
			.references = m->refs, .nreferences = m->nrefs });
	}
	return made;
}

/* Checks the shape of a large threaded view: every message once, each
 * message under the parent it replied to when that was delivered and
 * owns its id, siblings in date order, threads in order of their newest. */
static void check_large(struct model_view *view, struct model_mailbox *mbox, const struct made *made)
{
	size_t n = model_mailbox_count(mbox), rows = model_view_count(view);
	const struct model_summary *s = model_mailbox_summaries(mbox);
	uint32_t *seen = calloc(n, sizeof(*seen)), *made_of = calloc(n + 1, sizeof(*made_of));
	size_t *at_depth = calloc(n + 1, sizeof(*at_depth)), *last_child = calloc(n + 1, sizeof(*last_child));
	int once = 1, parents = 1, siblings = 1, threads = 1, thread_top_depth = 0;
	size_t checked = 0;
	int64_t thread_newest = INT64_MIN, prev_newest = INT64_MIN;
	uint32_t thread_newest_uid = 0, prev_newest_uid = 0;

	for (uint32_t i = 0; i < nmade; i++)
		if (made[i].uid)
			made_of[made[i].uid] = i;
	for (size_t row = 0; row < rows; row++) {
		size_t idx = model_view_summary(view, row), depth = model_view_depth(view, row);
		const struct model_summary *m = &s[idx];
		const struct made *g = &made[made_of[m->uid]];

		if (seen[idx]++)
			once = 0;
		/* A new thread starts at depth 0, or at depth 1 drawn "┌─>". */
		char tree[16];
		model_view_tree(view, row, tree, sizeof(tree));
		if (depth == 0 || strcmp(tree, "┌─>") == 0) {
			if (row > 0) {
				if (thread_newest < prev_newest ||
				    (thread_newest == prev_newest && thread_newest_uid < prev_newest_uid))
					threads = 0;
				prev_newest = thread_newest;
				prev_newest_uid = thread_newest_uid;
			}
			thread_newest = INT64_MIN;
			thread_top_depth = (int)depth;
		}
		if (m->date > thread_newest || (m->date == thread_newest && m->uid > thread_newest_uid)) {
			thread_newest = m->date;
			thread_newest_uid = m->uid;
		}
		at_depth[depth] = row;
		/* The parent row: the last row one level up, except at depth 1
		 * under an invisible root. */
		if (depth > 0 && !(depth == 1 && thread_top_depth == 1)) {
			const struct model_summary *parent = &s[model_view_summary(view, at_depth[depth - 1])];

			/* Recycled ids are skipped: the first delivered holder of an
			 * id owns it, and that may be another message. */
			if (g->parent != NONE_T && made[g->parent].uid && !made[g->parent].recycled && !g->recycled) {
				checked++;
				if (parent->uid != made[g->parent].uid)
					parents = 0;
			}
			/* Siblings: the previous child of the same parent row. */
			size_t prev = last_child[depth];
			if (prev != (size_t)-1 && prev > at_depth[depth - 1] && prev < row) {
				const struct model_summary *p = &s[model_view_summary(view, prev)];
				if (p->date > m->date || (p->date == m->date && p->uid > m->uid))
					siblings = 0;
			}
		}
		last_child[depth] = row;
		last_child[depth + 1] = (size_t)-1;
	}
	if (thread_newest < prev_newest)
		threads = 0;
	is_int((long)rows, (long)n, "100,000: every message has a row");
	ok(once, "100,000: no message twice");
	ok(parents, "100,000: each reply sits under the message it replied to (%zu checked)", checked);
	ok(siblings, "100,000: siblings in date order");
	ok(threads, "100,000: threads in order of their newest message");
	free(seen);
	free(made_of);
	free(at_depth);
	free(last_child);
}

static void test_large(void)
{
	struct model_mailbox *mbox = model_mailbox_new();
	struct model_view *view = model_view_new();
	struct made *made = generate(mbox);
	size_t n = model_mailbox_count(mbox);
	double first, ms;

	first = now_ms();
	model_view_build(view, mbox, MODEL_SORT_THREADS, 0);
	first = now_ms() - first;
	check_large(view, mbox, made);
	printf("# %zu messages: first thread build %.1f ms, view %zu bytes (%.1f per message)\n", n, first,
	       model_view_memory(view), (double)model_view_memory(view) / (double)n);
	ms = time_build(view, mbox, MODEL_SORT_THREADS, 0);
	printf("# rethread %d: %.1f ms\n", MANY, ms);
	ms = time_build(view, mbox, MODEL_SORT_THREADS, 1);
	printf("# rethread reverse %d: %.1f ms\n", MANY, ms);
	model_view_collapse_all(view, 1);
	printf("# %zu threads; all collapsed, the view holds %zu bytes\n", model_view_count(view),
	       model_view_memory(view));
	ok(model_view_count(view) < n, "collapse all hides the replies");
	ms = time_build(view, mbox, MODEL_SORT_DATE, 0);
	printf("# resort date %d: %.1f ms\n", MANY, ms);
	printf("# resort from %d: %.1f ms\n", MANY, time_build(view, mbox, MODEL_SORT_FROM, 0));
	printf("# resort subject %d: %.1f ms\n", MANY, time_build(view, mbox, MODEL_SORT_SUBJECT, 0));
	printf("# resort size %d: %.1f ms\n", MANY, time_build(view, mbox, MODEL_SORT_SIZE, 1));
	ok(model_view_count(view) == n, "a flat order shows every message");
	free(made);
	model_view_free(view);
	model_mailbox_free(mbox);
}

/* Degenerate shapes: one 100,000-deep chain (in both uid orders) and one
 * message with 100,000 replies must neither recurse nor go quadratic. */
static void test_large_shapes(void)
{
	for (int backwards = 0; backwards < 2; backwards++) {
		struct model_mailbox *mbox = model_mailbox_new();
		struct model_view *view = model_view_new();
		uint64_t refs[MAX_REFS];
		char tree[64];
		double ms;

		for (uint32_t i = 0; i < MANY; i++) {
			uint32_t nrefs = i < MAX_REFS ? i : MAX_REFS;
			for (uint32_t k = 0; k < nrefs; k++)
				refs[k] = i - nrefs + k + 1; /* ids are 1 + depth */
			model_mailbox_add(mbox, &(struct model_summary){
				.uid = backwards ? MANY - i : i + 1, .date = i, .subject = "deep",
				.message_id = i + 1, .references = refs, .nreferences = nrefs });
		}
		ms = time_build(view, mbox, MODEL_SORT_THREADS, 0);
		printf("# deep chain %d%s: %.1f ms\n", MANY, backwards ? ", newest uid first" : "", ms);
		is_int((long)model_view_depth(view, MANY - 1), MANY - 1, "a %d-deep chain%s", MANY,
		       backwards ? ", uids backwards" : "");
		model_view_tree(view, MANY - 1, tree, sizeof(tree));
		ok(strlen(tree) == sizeof(tree) - 1 && strcmp(tree + strlen(tree) - strlen("└─>"), "└─>") == 0,
		   "its deepest tree fills the buffer and ends in the arrow");
		model_view_free(view);
		model_mailbox_free(mbox);
	}

	struct model_mailbox *mbox = model_mailbox_new();
	struct model_view *view = model_view_new();
	uint64_t root = 1;
	for (uint32_t i = 0; i < MANY; i++)
		model_mailbox_add(mbox, &(struct model_summary){
			.uid = i + 1, .date = i, .subject = i ? "Re: flat" : "flat", .message_id = i + 1,
			.references = i ? &root : NULL, .nreferences = i ? 1 : 0 });
	printf("# one message with %d replies: %.1f ms\n", MANY - 1, time_build(view, mbox, MODEL_SORT_THREADS, 0));
	is_int((long)model_view_depth(view, MANY - 1), 1, "100,000 siblings sit at depth 1");
	is_int((long)model_view_collapse(view, MANY / 2, 1), 0, "and collapse into one row");
	model_view_free(view);
	model_mailbox_free(mbox);
}

int main(void)
{
	test_threads_links();
	test_threads_broken();
	test_threads_subjects();
	test_threads_order();
	test_flat_orders();
	test_subject_sort_random();
	test_collapse();
	test_empty();
	test_tree_buffer();
	test_subject_base();
	test_large();
	test_large_shapes();
	return tap_done();
}
