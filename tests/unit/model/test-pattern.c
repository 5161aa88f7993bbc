/* model: mutt-style patterns: a table of patterns over hand-made
 * summaries with the uids each must match (addresses, regex quoting and
 * smart case, flags, sizes, ids, dates against a fixed now in UTC), every
 * error with its message and offset, the IMAP SEARCH text of ~b and ~B,
 * and a limit over 100,000 summaries, timed (printed, never asserted). */
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tap.h"
#include "lib/lib.h"
#include "model/model.h"

static int64_t utc(int year, int month, int day, int hour, int minute, int second)
{
	struct tm tm = { .tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day,
			 .tm_hour = hour, .tm_min = minute, .tm_sec = second };
	return (int64_t)timegm(&tm);
}

/* One hand-made message; ids as written in headers. */
struct msg {
	uint32_t uid;
	const char *from, *to, *cc, *subject;
	uint32_t flags, size;
	int year, month, day, hour, minute, second; /* year 0: date 0 */
	const char *id, *refs, *irt;
	int tagged;
};

static const struct msg msgs[] = {
	{ 1, "Ana Lima <ana@example.org>", "Bob <bob@example.com>", "", "Invoice March",
	  MODEL_F_SEEN, 2000, 2025, 3, 10, 12, 0, 0, "<m1@x>", NULL, NULL, 0 },
	{ 2, "\"Lima, Bob\" <bob@example.com>", "ana@example.org (Ana Lima), Carol <carol@example.net>",
	  "team: dan@example.org, eve@example.org;", "Re: Invoice March",
	  MODEL_F_RECENT | MODEL_F_ANSWERED, 15000, 2025, 3, 14, 9, 0, 0, "<m2@x>", "<m1@x>", "<m1@x>", 0 },
	{ 3, "carol@example.net", "Ana <ana@example.org>", "Bob <bob@example.com>", "Lunch?",
	  0, 500, 2025, 3, 15, 11, 30, 0, "<m3@x>", "<m0@x> <m2@x>", NULL, 1 },
	{ 4, "Dan <dan@example.org>", "list@example.org", "", "[list] Build failed",
	  MODEL_F_SEEN | MODEL_F_FLAGGED, 2 * 1024 * 1024, 2025, 1, 1, 0, 0, 0, "<m4@x>", NULL, "<m2@x>", 1 },
	{ 5, "Éva Ñandú <eva@example.hu>", "ana@example.org", "", "Grüße aus Köln",
	  MODEL_F_SEEN | MODEL_F_DELETED, 1024, 2024, 12, 31, 23, 59, 59, "<m5@x>", NULL, NULL, 0 },
	{ 6, "", "", "", "", MODEL_F_SEEN, 0, 0, 0, 0, 0, 0, 0, NULL, NULL, NULL, 0 },
	{ 7, "\"a|b\" <pipe@example.org>", "", "", "price: $100 (approx.)",
	  MODEL_F_SEEN | MODEL_F_RECENT, 10240, 2025, 3, 1, 8, 0, 0, NULL, NULL, NULL, 0 },
	{ 8, "ANA <ANA@EXAMPLE.ORG>", "", "", "INVOICE april",
	  MODEL_F_SEEN | MODEL_F_FLAGGED | MODEL_F_ANSWERED, 10241, 2025, 2, 14, 10, 0, 0, NULL, NULL, NULL, 0 },
};
#define NMSGS LIB_ARRAY_LEN(msgs)

static struct model_mailbox *mbox;
static int tagged[NMSGS + 1];

/* "Now" for every relative date: Saturday 15 March 2025, noon, UTC. */
static time_t fixed_now;

static void mailbox_build(void)
{
	mbox = model_mailbox_new();
	for (size_t k = 0; k < NMSGS; k++) {
		const struct msg *m = &msgs[k];
		uint64_t refs[8], irt[1] = { 0 };
		size_t nrefs = m->refs ? model_ids_parse(m->refs, strlen(m->refs), refs, 8) : 0;
		if (m->irt)
			model_ids_parse(m->irt, strlen(m->irt), irt, 1);
		model_mailbox_add(mbox, &(struct model_summary){
			.uid = m->uid, .flags = m->flags, .size = m->size,
			.date = m->year ? utc(m->year, m->month, m->day, m->hour, m->minute, m->second) : 0,
			.from = m->from, .to = m->to, .cc = m->cc, .subject = m->subject,
			.message_id = m->id ? model_id_hash(m->id, strlen(m->id)) : 0, .in_reply_to = irt[0],
			.references = refs, .nreferences = (uint32_t)nrefs });
		tagged[m->uid] = m->tagged;
	}
}

/* The uids pattern matches, "1,2,8"; or "error: <message> @<offset>". */
static const char *matching(const char *text)
{
	static char out[256];
	char *error;
	size_t at, len = 0;
	struct model_pattern *pattern = model_pattern_compile(text, fixed_now, &error, &at);
	const struct model_summary *s = model_mailbox_summaries(mbox);

	if (!pattern) {
		snprintf(out, sizeof(out), "error: %s @%zu", error, at);
		free(error);
		return out;
	}
	out[0] = '\0';
	for (size_t k = 0; k < model_mailbox_count(mbox); k++)
		if (model_pattern_match(pattern, &s[k], tagged[s[k].uid]))
			len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%u", len ? "," : "", s[k].uid);
	model_pattern_free(pattern);
	return out;
}

struct match_case {
	const char *pattern;
	const char *uids;
	const char *why;
};

static void check_table(const struct match_case *cases, size_t n)
{
	for (size_t k = 0; k < n; k++)
		is_str(matching(cases[k].pattern), cases[k].uids, "%s: %s", cases[k].pattern, cases[k].why);
}

static void test_text(void)
{
	static const struct match_case cases[] = {
		{ "~A", "1,2,3,4,5,6,7,8", "all" },
		{ "~f ana", "1,8", "a lower-case word ignores case" },
		{ "~f Ana", "1", "an upper-case letter makes it case-sensitive" },
		{ "~f ^ana@", "1,8", "^ anchors at each address, not at the field" },
		{ "~f '^lima, bob$'", "2", "the display name without its quotes" },
		{ "~f example\\.com$", "2", "$ anchors at the end of the address, before the '>'" },
		{ "~f org$", "1,4,7,8", "every address ending in org" },
		{ "~t ana", "2,3,5", "To, in every form of address" },
		{ "~t '^Ana Lima$'", "2", "the name in an old-style (comment)" },
		{ "~t ^carol@", "2", "the second address of a list" },
		{ "~c bob", "3", "Cc" },
		{ "~c ^team$", "2", "a group's name" },
		{ "~c ^eve@example.org$", "2", "an address inside a group" },
		{ "~C carol", "2", "~C is To or Cc, not From" },
		{ "~C bob", "1,3", "~C in To and in Cc" },
		{ "~L carol", "2,3", "~L is From, To or Cc" },
		{ "~e dan", "4", "~e is From: tern keeps no Sender" },
		{ "~s invoice", "1,2,8", "subject" },
		{ "~s ^invoice", "1,8", "subject anchored" },
		{ "~s Invoice", "1,2", "subject, case-sensitive" },
		{ "~s 'build failed'", "4", "single quotes hold a space" },
		{ "~s \"build failed\"", "4", "double quotes too" },
		{ "~s build\\ failed", "4", "and a backslash" },
		{ "~s bu\"ild fa\"iled", "4", "quotes in the middle of a word" },
		{ "~s köln", "5", "non-ASCII lower case folds through the locale" },
		{ "~s KÖLN", "", "non-ASCII upper case is case-sensitive" },
		{ "~f éva", "5", "a non-ASCII name, case-folded" },
		{ "~s '\\$100'", "7", "single quotes keep the backslash for the regex" },
		{ "~s \\(approx", "7", "an escaped parenthesis is text" },
		{ "~s '\\?$'", "3", "an escaped question mark" },
		{ "~s '[?]$'", "3", "a bracket expression" },
		{ "~f a\\|b", "7", "an escaped bar is text, in a quoted display name" },
		{ "~f a|b", "1,2,3,4,5,7,8", "an unescaped bar ends the argument: ~f a | (~f b | ~s b)" },
		{ "~f ^(ana|dan)@", "1,4,8", "parentheses inside an argument keep their bar" },
		{ "(~f ana)", "1,8", "a ')' ends the argument when no '(' in it is open" },
		{ "(~s lunch|~s build)", "3,4", "or inside a group" },
		{ "~s ''", "1,2,3,4,5,6,7,8", "an empty regex matches every subject" },
		{ "~t .", "1,2,3,4,5", "no address: nothing to match" },
		{ "invoice", "1,2,8", "a bare word searches From and Subject" },
		{ "ana", "1,8", "a bare word, in From" },
		{ "invoice march", "1,2", "several bare words must all match" },
		{ "\"invoice march\"", "1,2", "a quoted phrase is one word" },
		{ "carol lunch", "3", "one word in From, one in Subject" },
		{ "^re:", "2", "a bare word is a regex too" },
		{ "  ~f   ana  ", "1,8", "white space around is fine" },
	};

	check_table(cases, LIB_ARRAY_LEN(cases));
	struct model_pattern *fine = model_pattern_compile("~s \"x{1,100}\" ~f [[:alpha:]+]{1,150}(ab|cd)+", 0, NULL, NULL);
	ok(fine != NULL, "ordinary repetitions still compile");
	model_pattern_free(fine);
}

static void test_flags_sizes_ids(void)
{
	static const struct match_case cases[] = {
		{ "~N", "2", "new: unseen and recent" },
		{ "~O", "3", "old: unseen, not recent" },
		{ "~U", "2,3", "unread" },
		{ "~R", "1,4,5,6,7,8", "read" },
		{ "~F", "4,8", "flagged" },
		{ "~D", "5", "deleted" },
		{ "~Q", "2,8", "replied" },
		{ "~T", "3,4", "tagged, as the caller says" },
		{ "!~T", "1,2,5,6,7,8", "not tagged" },
		{ "!!~T", "3,4", "twice not" },
		{ "~F ~Q", "8", "juxtaposition is and" },
		{ "~F | ~D", "4,5,8", "or" },
		{ "!~F ~R", "1,5,6,7", "! binds to the next pattern only" },
		{ "!(~F | ~R)", "2,3", "! before a group" },
		{ "~U | ~F ~Q", "2,3,8", "and binds tighter than or" },
		{ "(~U | ~F) ~Q", "2,8", "parentheses group" },
		{ "~N|~D", "2,5", "no spaces needed around |" },
		{ "~T~F", "4", "nor between patterns" },
		{ "~Q (~F | ~N) !~D", "2,8", "a mix" },
		{ "~z <1K", "3,6", "smaller than" },
		{ "~z >10K", "2,4,8", "larger than" },
		{ "~z 10K", "7", "exactly" },
		{ "~z =1k", "5", "exactly, with =, and k in lower case" },
		{ "~z 1K-10K", "1,5,7", "a range, both ends in" },
		{ "~z 10K-1K", "1,5,7", "a range written backwards" },
		{ "~z -1K", "3,5,6", "up to" },
		{ "~z 1M-", "4", "from" },
		{ "~i m1@x", "1", "Message-ID without brackets" },
		{ "~i <m2@x>", "2", "Message-ID with brackets" },
		{ "~i nothing@x", "", "an unknown Message-ID" },
		{ "~x m1@x", "2", "References" },
		{ "~x <m2@x>", "3,4", "References or In-Reply-To" },
		{ "~x m0@x", "3", "a reference to a message that is not here" },
	};

	check_table(cases, LIB_ARRAY_LEN(cases));
}

static void test_dates(void)
{
	static const struct match_case cases[] = {
		{ "~d <1d", "3", "less than a day old: today" },
		{ "~d <2d", "2,3", "less than two days: today and yesterday" },
		{ "~d >1d", "1,2,4,5,6,7,8", "more than a day old: yesterday and before" },
		{ "~d =1d", "2", "exactly yesterday" },
		{ "~d =5d", "1", "exactly five days ago" },
		{ "~d <1w", "1,2,3", "less than a week" },
		{ "~d >1m", "4,5,6,8", "more than a month: 15 February and before" },
		{ "~d <1y", "1,2,3,4,5,7,8", "less than a year" },
		{ "~d <1H", "3", "less than an hour, to the second" },
		{ "~d <20M", "", "less than twenty minutes" },
		{ "~d <30M", "", "less than thirty minutes excludes 11:30:00" },
		{ "~d >30M", "1,2,3,4,5,6,7,8", "more than thirty minutes includes it" },
		{ "~d =30M", "3", "that minute" },
		{ "~d =90S", "", "that second" },
		{ "~d 14/03/2025", "2", "one day" },
		{ "~d 14/03", "2", "this year" },
		{ "~d 14", "2", "this month" },
		{ "~d 14/3/25", "2", "two-digit year, one-digit month" },
		{ "~d 20250314", "2", "YYYYMMDD" },
		{ "~d 01/01/2025-31/03/2025", "1,2,3,4,7,8", "a range includes both whole days" },
		{ "~d 31/03/2025-01/01/2025", "1,2,3,4,7,8", "written backwards" },
		{ "~d -31/12/2024", "5,6", "up to a day, its last second in" },
		{ "~d 01/01/2025-", "1,2,3,4,7,8", "from a day on" },
		{ "~d 1/1/70", "6", "the epoch" },
		{ "~d 29/02/2024", "", "a leap day" },
		{ "~r 14/03/2025", "2", "~r is the same date" },
		{ "~d <1w ~U", "2,3", "with a flag" },
	};

	check_table(cases, LIB_ARRAY_LEN(cases));
}

static void test_errors(void)
{
	static const struct match_case cases[] = {
		{ "", "error: expected a pattern, e.g. ~f ana or ~N @0", "empty" },
		{ "   ", "error: expected a pattern, e.g. ~f ana or ~N @3", "blank" },
		{ "~", "error: '~' needs a letter after it, e.g. ~f ana @0", "a lone ~" },
		{ "~F ~", "error: '~' needs a letter after it, e.g. ~f ana @3", "a lone ~ later" },
		{ "~q", "error: ~q: no such pattern; known are ~A ~b ~B ~c ~C ~d ~D ~e ~f ~F ~i ~L ~N ~O ~Q ~r ~R ~s ~t ~T ~U ~x ~z @0",
		  "unknown letter" },
		{ "~F ~é", "error: ~é: no such pattern; known are ~A ~b ~B ~c ~C ~d ~D ~e ~f ~F ~i ~L ~N ~O ~Q ~r ~R ~s ~t ~T ~U ~x ~z @3",
		  "unknown non-ASCII letter, shown whole" },
		{ "~Fx", "error: ~F takes no argument @2", "a flag with an argument" },
		{ "~f", "error: ~f: expected a regular expression, e.g. ~f ana @2", "missing regex" },
		{ "~f ana | ~s", "error: ~s: expected a regular expression, e.g. ~s invoice @11", "missing regex at the end" },
		{ "(~t )", "error: ~t: expected a regular expression, e.g. ~t ana @4", "missing regex before ')'" },
		{ "~C |~F", "error: ~C: expected a regular expression, e.g. ~C ana @3", "missing regex before '|'" },
		{ "~b", "error: ~b: expected a text to find in the body, e.g. ~b invoice @2", "missing body text" },
		{ "~i", "error: ~i: expected a Message-ID, e.g. ~i <id@example.org> @2", "missing id" },
		{ "~x <>", "error: ~x: expected a Message-ID, e.g. ~x <id@example.org> @3", "an empty id" },
		{ "~s (approx", "error: ~s: bad regular expression: Unmatched ( or \\( @3", "bad regex" },
		{ "~f 'a[b'", "error: ~f: bad regular expression: Unmatched [, [^, [:, [., or [= @4", "bad regex in quotes: its first byte" },
		{ "~F [x", "error: bad regular expression: Unmatched [, [^, [:, [., or [= @3", "a bad bare word" },
		{ "~s a++++++++++++++++++++++", "error: ~s: regular expression too costly (too many repetitions) @3",
		  "stacked repetitions (found by fuzzing: glibc took gigabytes)" },
		{ "~f ((a{1,200}){200}){200}", "error: ~f: regular expression too costly (too many repetitions) @3",
		  "nested bounds" },
		{ "iane++++++++++++++++++++", "error: regular expression too costly (too many repetitions) @0",
		  "a costly bare word" },
		{ "~z", "error: ~z: expected a size, e.g. ~z >10K @2", "missing size" },
		{ "~z big", "error: ~z: expected a size, e.g. ~z >10K @3", "not a size" },
		{ "~z >10G", "error: ~z: expected a size, e.g. ~z >10K @6", "bad unit" },
		{ "~z 10K-x", "error: ~z: expected a size, e.g. ~z >10K @7", "bad upper end" },
		{ "~z <", "error: ~z: expected a size, e.g. ~z >10K @4", "no number" },
		{ "~d", "error: ~d: expected a date, e.g. ~d <2w or ~d 01/01/2025-31/03/2025 @2", "missing date" },
		{ "~d <w", "error: ~d: expected a number after '<', e.g. ~d <2w @4", "no number" },
		{ "~d <2", "error: ~d: expected a unit d w m y (or H M S) after the number, e.g. ~d <2w @5", "no unit" },
		{ "~d >2x", "error: ~d: expected a unit d w m y (or H M S) after the number, e.g. ~d >2w @5", "bad unit" },
		{ "~d =2wk", "error: ~d: expected a unit d w m y (or H M S) after the number, e.g. ~d =2w @6", "after the unit" },
		{ "~d 32/01/2025", "error: ~d: no such day: 32/01/2025 @3", "day 32" },
		{ "~d 29/02/2025", "error: ~d: no such day: 29/02/2025 @3", "not a leap year" },
		{ "~d 31/04/2025", "error: ~d: no such day: 31/04/2025 @3", "April has 30 days" },
		{ "~d 01/13/2025", "error: ~d: no such day: 01/13/2025 @3", "month 13" },
		{ "~d 01/01/2025-31/02/2025", "error: ~d: no such day: 31/02/2025 @14", "the second date of a range" },
		{ "~d 01/01/2025x", "error: ~d: expected a date DD/MM/YYYY, e.g. ~d 01/01/2025-31/03/2025 @13", "trailing text" },
		{ "~d 1/1/202", "error: ~d: expected a year YYYY or YY, e.g. ~d 01/01/2025 @7", "a three-digit year" },
		{ "~d 1/", "error: ~d: expected a month after the day, e.g. ~d 01/01/2025 @5", "no month" },
		{ "~d abc", "error: ~d: expected a date DD/MM/YYYY, e.g. ~d 01/01/2025-31/03/2025 @3", "not a date" },
		{ "~d 123/1/2025", "error: ~d: expected a date DD/MM/YYYY, e.g. ~d 01/01/2025-31/03/2025 @3", "a three-digit day" },
		{ "~r \"<2w \"", "error: ~r: expected a unit d w m y (or H M S) after the number, e.g. ~r <2w @7", "~r, offsets through quotes" },
		{ "(~F", "error: unbalanced '(': no ')' closes it @0", "unclosed (" },
		{ "~F (~N | (~D)", "error: unbalanced '(': no ')' closes it @3", "the outer ( is unclosed" },
		{ "~F)", "error: unbalanced ')': no '(' opens it @2", "stray )" },
		{ ")", "error: unbalanced ')': no '(' opens it @0", "only )" },
		{ "~s :)", "error: unbalanced ')': no '(' opens it @4", "a smiley must be quoted" },
		{ "()", "error: expected a pattern after '(' @1", "empty group" },
		{ "~F |", "error: expected a pattern after '|' @4", "nothing after |" },
		{ "| ~F", "error: expected a pattern before '|' @0", "nothing before |" },
		{ "~F || ~N", "error: expected a pattern before '|' @4", "two bars" },
		{ "!", "error: expected a pattern after '!' @1", "a lone !" },
		{ "~F !", "error: expected a pattern after '!' @4", "! at the end" },
		{ "~s \"abc", "error: a \" quote is not closed @3", "open double quote" },
		{ "~s 'abc", "error: a ' quote is not closed @3", "open single quote" },
		{ "~s \"ab\\", "error: a \" quote is not closed @3", "a backslash at the end of a quote" },
		{ "~s abc\\", "error: a '\\' at the end escapes nothing @6", "a backslash at the end" },
		{ "(~f a ~b x) | (~f b ~B y)", "error: ~B: the server is asked once, so ~b and ~B must stand together, "
		  "e.g. ~f ana (~b invoice | ~B bill) @20", "two server questions" },
	};
	char deep[1024], *error = (char *)"untouched";
	size_t at = 99;

	check_table(cases, LIB_ARRAY_LEN(cases));

	memset(deep, '(', 300);
	strcpy(deep + 300, "~F");
	is_str(matching(deep), "error: the pattern is nested too deeply (more than 200 levels of '!' and '(') @200",
	       "300 parentheses are refused, not recursed into");
	memset(deep, '!', 150);
	memset(deep + 150, '(', 40);
	strcpy(deep + 190, "~F");
	for (int k = 0; k < 40; k++)
		strcat(deep, ")");
	is_str(matching(deep), "4,8", "190 levels are fine (150 '!' cancel out)");
	ok(model_pattern_compile("(", 0, NULL, NULL) == NULL, "error and error_at may be NULL");
	ok(model_pattern_compile(NULL, 0, &error, &at) == NULL && error && at == 0, "NULL text is an empty pattern");
	free(error);
	model_pattern_free(NULL);
}

static const char *matching_with_server(const char *text, const uint32_t *uids, size_t n)
{
	static char out[256];
	struct model_pattern *pattern = model_pattern_compile(text, fixed_now, NULL, NULL);
	const struct model_summary *s = model_mailbox_summaries(mbox);
	size_t len = 0;

	out[0] = '\0';
	model_pattern_set_server_uids(pattern, uids, n);
	for (size_t k = 0; k < model_mailbox_count(mbox); k++)
		if (model_pattern_match(pattern, &s[k], tagged[s[k].uid]))
			len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%u", len ? "," : "", s[k].uid);
	model_pattern_free(pattern);
	return out;
}

static void test_server(void)
{
	static const uint32_t answer[] = { 8, 2, 1, 2, 99 };

	is_str(matching("~b invoice"), "", "before the server's answer, ~b matches nothing");
	is_str(matching_with_server("~b invoice", answer, LIB_ARRAY_LEN(answer)), "1,2,8",
	       "the server's uids, unsorted and repeated");
	struct model_pattern *local = model_pattern_compile("~f ana", fixed_now, NULL, NULL);
	struct model_pattern *server = model_pattern_compile("~f ana !(~b a | ~B c)", fixed_now, NULL, NULL);
	const struct model_search *part = model_pattern_server_part(server);
	const struct model_search *or = part ? model_search_child(part, 0) : NULL;
	ok(!model_pattern_server_part(local) && part && model_search_kind(part) == MODEL_SEARCH_NOT &&
	   model_search_kind(or) == MODEL_SEARCH_OR && model_search_count(or) == 2 &&
	   model_search_kind(model_search_child(or, 0)) == MODEL_SEARCH_BODY &&
	   model_search_kind(model_search_child(or, 1)) == MODEL_SEARCH_MESSAGE &&
	   strcmp(model_search_text(model_search_child(or, 1)), "c") == 0,
	   "the server's part is a tree of terms (the local part left out)");
	model_pattern_free(local);
	model_pattern_free(server);
	is_str(matching_with_server("!~b invoice", answer, LIB_ARRAY_LEN(answer)), "1,2,8",
	       "so its uids are the answer to NOT BODY");
	is_str(matching_with_server("~f ana ~b invoice", answer, LIB_ARRAY_LEN(answer)), "1,8", "and a local part");
	is_str(matching_with_server("~N | ~b invoice", answer, 1), "2,8", "or a local part");
	is_str(matching_with_server("~b x", NULL, 0), "", "an empty answer");

	struct model_pattern *pattern = model_pattern_compile("~B x", fixed_now, NULL, NULL);
	const struct model_summary *s = model_mailbox_summaries(mbox);
	model_pattern_set_server_uids(pattern, answer, LIB_ARRAY_LEN(answer));
	model_pattern_set_server_uids(pattern, (const uint32_t[]){ 3 }, 1);
	ok(!model_pattern_match(pattern, &s[0], 0) && model_pattern_match(pattern, &s[2], 0),
	   "a second answer replaces the first");
	model_pattern_free(pattern);
}

/* ---- 100,000 messages ---- */

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

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}

/* ASCII case-insensitive substring test, the reference for the limit. */
static int has_word(const char *text, const char *word)
{
	for (; *text; text++) {
		size_t k = 0;
		while (word[k] && (text[k] | 32) == word[k])
			k++;
		if (!word[k])
			return 1;
	}
	return 0;
}

/* Matches every summary of big with text; returns the median time of five
 * runs and the count in *count. */
static double time_limit(struct model_mailbox *big, const char *text, size_t *count)
{
	struct model_pattern *pattern = model_pattern_compile(text, fixed_now, NULL, NULL);
	const struct model_summary *s = model_mailbox_summaries(big);
	size_t n = model_mailbox_count(big);
	double ms[5];

	if (!pattern)
		return -1;
	for (int k = 0; k < 5; k++) {
		double start = now_ms();
		*count = 0;
		for (size_t i = 0; i < n; i++)
			*count += (size_t)model_pattern_match(pattern, &s[i], 0);
		ms[k] = now_ms() - start;
	}
	model_pattern_free(pattern);
	qsort(ms, 5, sizeof(*ms), cmp_double);
	return ms[2];
}

static void test_large(void)
{
	enum { MANY = 100000 };
	static const char *const first[] = { "Ana", "Bruno", "Carla", "Diego", "Elena", "Fábio", "Juliana",
					     "Mariana", "Pedro", "Rui", "Sofia", "Tiago", "Zoë", "Anabela" };
	static const char *const last[] = { "Lima", "Costa", "Silva", "Banana", "Pereira", "Santos", "Müller" };
	static const char *const domains[] = { "example.org", "mail.example.com", "lists.example.net", "ana.example" };
	static const char *const words[] = { "Re:", "Fwd:", "[list]", "invoice", "Invoice", "report", "meeting",
					     "build", "failed", "lunch", "2025", "plan", "INVOICES", "review", "café" };
	struct model_mailbox *big = model_mailbox_new();
	size_t want = 0, got = 0, count;
	double ms;

	model_mailbox_reserve(big, MANY);
	for (uint32_t uid = 1; uid <= MANY; uid++) {
		/* one rng() call per statement: the same data whatever the compiler */
		char from[128], to[256], subject[128] = "";
		const char *name = first[rng() % LIB_ARRAY_LEN(first)];
		const char *surname = last[rng() % LIB_ARRAY_LEN(last)];
		const char *domain = domains[rng() % LIB_ARRAY_LEN(domains)];
		const char *to_first = first[rng() % LIB_ARRAY_LEN(first)];
		const char *to_last = last[rng() % LIB_ARRAY_LEN(last)];
		uint32_t number = rng() % 1000;
		snprintf(from, sizeof(from), "%s %s <%c%u@%s>", name, surname, name[0] | 32, number, domain);
		snprintf(to, sizeof(to), "Team <team@example.org>, \"%s, %s\" <x%u@example.com>",
			 to_last, to_first, number % 100);
		for (int k = 1 + (int)(rng() % 5); k > 0; k--) {
			strcat(subject, words[rng() % LIB_ARRAY_LEN(words)]);
			strcat(subject, " ");
		}
		uint32_t flags = rng() % 64, size = rng() % 200000;
		int64_t date = (int64_t)fixed_now - (int64_t)(rng() % (400 * 86400));
		model_mailbox_add(big, &(struct model_summary){
			.uid = uid, .flags = flags, .size = size, .date = date,
			.from = from, .to = to, .subject = subject });
		if (has_word(from, "ana") || has_word(subject, "invoice"))
			want++;
	}

	ms = time_limit(big, "~f ana | ~s invoice", &got);
	printf("# limit %d (~f ana | ~s invoice): %.1f ms\n", MANY, ms);
	ok(got == want && want > 0, "the limit finds the %zu messages a plain substring search finds", want);
	ms = time_limit(big, "ana invoice", &count);
	printf("# limit %d (ana invoice, bare words): %.1f ms, %zu match\n", MANY, ms, count);
	ms = time_limit(big, "~f '^(ana|rui)' | ~s 'invoices?$'", &count);
	printf("# limit %d (~f '^(ana|rui)' | ~s 'invoices?$', regex): %.1f ms, %zu match\n", MANY, ms, count);
	ms = time_limit(big, "~L müller", &count);
	printf("# limit %d (~L müller, non-ASCII regex over 3 fields): %.1f ms, %zu match\n", MANY, ms, count);
	ms = time_limit(big, "~d <2w ~U !~z >100K", &count);
	printf("# limit %d (~d <2w ~U !~z >100K): %.1f ms, %zu match\n", MANY, ms, count);
	ms = time_limit(big, "~F ~s report", &count);
	printf("# limit %d (~F ~s report): %.1f ms, %zu match\n", MANY, ms, count);
	model_mailbox_free(big);
}

int main(void)
{
	/* as tern runs: a UTF-8 ctype; dates in UTC so they do not depend on the machine */
	setlocale(LC_ALL, "C.UTF-8");
	setenv("TZ", "UTC", 1);
	tzset();
	fixed_now = (time_t)utc(2025, 3, 15, 12, 0, 0);
	mailbox_build();
	test_text();
	test_flags_sizes_ids();
	test_dates();
	test_errors();
	test_server();
	test_large();
	model_mailbox_free(mbox);
	return tap_done();
}
