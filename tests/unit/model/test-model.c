/* model: the flag column, the mailbox and its arena, Message-ID hashing. */
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "model/model.h"

static void check(unsigned flags, const char *want, const char *name)
{
	char out[4];
	model_flags_format(flags, out);
	is_str(out, want, "%s", name);
}

static void test_flags(void)
{
	check(MODEL_F_RECENT, "N  ", "unseen and recent is N");
	check(0, "O  ", "unseen, not recent is O");
	check(MODEL_F_SEEN, "   ", "read is blank");
	check(MODEL_F_SEEN | MODEL_F_FLAGGED, " F ", "flagged");
	check(MODEL_F_SEEN | MODEL_F_ANSWERED, "  A", "answered");
	check(MODEL_F_SEEN | MODEL_F_ANSWERED | MODEL_F_DELETED, "  D", "deleted shows over answered");
	check(MODEL_F_FLAGGED | MODEL_F_RECENT | MODEL_F_DELETED, "NFD", "all columns");
}

static int sorted_unique(struct model_mailbox *mbox)
{
	const struct model_summary *s = model_mailbox_summaries(mbox);
	size_t n = model_mailbox_count(mbox);

	for (size_t i = 1; i < n; i++)
		if (s[i - 1].uid >= s[i].uid)
			return 0;
	return 1;
}

static void test_mailbox_basics(void)
{
	struct model_mailbox *mbox = model_mailbox_new();
	char from[32] = "Ana <ana@example.org>";
	uint64_t refs[3] = { 11, 22, 33 };
	struct model_summary tmpl = {
		.uid = 5, .flags = MODEL_F_SEEN, .size = 1234, .date = 1700000000,
		.from = from, .to = NULL, .cc = "", .subject = "Grüße",
		.message_id = 99, .in_reply_to = 33, .references = refs, .nreferences = 3,
	};
	struct model_summary *s;

	s = model_mailbox_add(mbox, &tmpl);
	ok(s && s->uid == 5 && s->from != from, "add returns the stored copy");
	strcpy(from, "changed");
	refs[0] = 0;
	s = model_mailbox_find_uid(mbox, 5);
	ok(s != NULL, "find the added uid");
	is_str(s->from, "Ana <ana@example.org>", "strings are copied, not borrowed");
	is_str(s->to, "", "a NULL string becomes \"\"");
	is_str(s->subject, "Grüße", "UTF-8 subject kept");
	ok(s->nreferences == 3 && s->references[0] == 11 && s->references[2] == 33, "references copied");
	ok(((uintptr_t)s->references & 7) == 0, "references are 8-byte aligned in the arena");
	ok(model_mailbox_find_uid(mbox, 4) == NULL && model_mailbox_find_uid(mbox, 6) == NULL,
	   "unknown uids are not found");

	s = model_mailbox_add(mbox, &(struct model_summary){ .uid = 9, .references = NULL, .nreferences = 7 });
	ok(s->nreferences == 0 && s->references == NULL, "NULL references with a count add as none");

	/* A subject bigger than a chunk gets a chunk of its own. */
	size_t big = 3 * 1024 * 1024;
	char *huge = malloc(big + 1);
	memset(huge, 'x', big);
	huge[big] = '\0';
	s = model_mailbox_add(mbox, &(struct model_summary){ .uid = 10, .subject = huge });
	ok(strlen(s->subject) == big, "a 3 MiB subject is stored whole");
	s = model_mailbox_add(mbox, &(struct model_summary){ .uid = 11, .subject = "after" });
	is_str(model_mailbox_find_uid(mbox, 10)->subject + big - 3, "xxx", "the big string is intact");
	is_str(s->subject, "after", "small strings still go to the regular chunk");
	free(huge);

	/* Bigger than the next regular chunk, smaller than a chunk of its own
	 * (the cache decoder's fuzz test found this one). */
	struct model_mailbox *fresh = model_mailbox_new();
	char medium[20000];
	int intact = 1;
	for (size_t len = 5000; len < sizeof(medium); len += 5000) {
		memset(medium, 'a' + (int)(len / 5000), len);
		medium[len] = '\0';
		const char *copy = model_mailbox_strndup(fresh, medium, len);
		intact &= strlen(copy) == len && copy[len - 1] == medium[0];
	}
	ok(intact, "strings larger than the growing chunk size fit");
	model_mailbox_free(fresh);

	model_mailbox_clear(mbox);
	is_int((long)model_mailbox_count(mbox), 0, "clear empties the mailbox");
	s = model_mailbox_add(mbox, &(struct model_summary){ .uid = 1, .from = "x" });
	ok(s && model_mailbox_count(mbox) == 1 && strcmp(s->from, "x") == 0, "a cleared mailbox is usable");
	model_mailbox_free(mbox);
	model_mailbox_free(NULL);
	ok(1, "free(NULL) is a no-op");
}

#define MANY 100000

static void test_mailbox_many(void)
{
	struct model_mailbox *mbox = model_mailbox_new();
	const char *first_from = NULL, *first_subject = NULL;
	char text[64];
	int all = 1;

	for (uint32_t uid = 1; uid <= MANY; uid++) {
		snprintf(text, sizeof(text), "subject %u", uid);
		uint64_t ref = uid;
		struct model_summary *s = model_mailbox_add(mbox, &(struct model_summary){
			.uid = uid * 2, .date = uid, .from = "list@example.org", .subject = text,
			.references = &ref, .nreferences = 1 });
		if (uid == 1) {
			first_from = s->from;
			first_subject = s->subject;
		}
	}
	is_int((long)model_mailbox_count(mbox), MANY, "100,000 summaries added");
	ok(sorted_unique(mbox), "ascending adds stay sorted");
	is_str(first_subject, "subject 1", "the first subject is still at its address after 100,000 adds");
	is_str(first_from, "list@example.org", "so is the first from");
	for (uint32_t uid = 1; uid <= MANY; uid += 7) {
		struct model_summary *s = model_mailbox_find_uid(mbox, uid * 2);
		snprintf(text, sizeof(text), "subject %u", uid);
		if (!s || strcmp(s->subject, text) != 0 || s->references[0] != uid || s->date != uid)
			all = 0;
		if (model_mailbox_find_uid(mbox, uid * 2 + 1))
			all = 0;
	}
	ok(all, "every 7th uid is found with its own strings; odd uids are not");
	printf("# 100,000 summaries: %zu bytes (array + arena)\n", model_mailbox_memory(mbox));

	/* Remove every third message, plus unknown and repeated uids. */
	size_t nremove = 0;
	uint32_t *uids = malloc((MANY / 3 + 10) * sizeof(*uids));
	for (uint32_t uid = 3; uid <= MANY; uid += 3)
		uids[nremove++] = uid * 2;
	uids[nremove++] = 1;          /* never there */
	uids[nremove++] = 6;          /* twice */
	size_t removed = model_mailbox_remove_uids(mbox, uids, nremove);
	is_int((long)removed, MANY / 3, "remove reports the uids that were there, once each");
	is_int((long)model_mailbox_count(mbox), MANY - MANY / 3, "the array is compacted");
	ok(sorted_unique(mbox), "still sorted after remove");
	ok(model_mailbox_find_uid(mbox, 6) == NULL && model_mailbox_find_uid(mbox, 4) != NULL &&
	   model_mailbox_find_uid(mbox, 2 * MANY) != NULL, "removed uids are gone, others stay");
	is_str(first_subject, "subject 1", "arena strings survive a remove");
	is_int((long)model_mailbox_remove_uids(mbox, uids, 0), 0, "removing nothing");
	free(uids);
	model_mailbox_free(mbox);
}

static void test_mailbox_out_of_order(void)
{
	struct model_mailbox *mbox = model_mailbox_new();
	char text[32];
	int all = 1;

	/* Newest first, in batches of 1000 ascending uids, as a fetch would. */
	for (int batch = 99; batch >= 0; batch--)
		for (uint32_t uid = batch * 1000 + 1; uid <= (uint32_t)batch * 1000 + 1000; uid++) {
			snprintf(text, sizeof(text), "m%u", uid);
			model_mailbox_add(mbox, &(struct model_summary){ .uid = uid, .subject = text });
		}
	is_int((long)model_mailbox_count(mbox), 100000, "newest-first batches: all there");
	ok(sorted_unique(mbox), "newest-first batches: sorted once looked at");
	for (uint32_t uid = 1; uid <= 100000; uid += 999) {
		struct model_summary *s = model_mailbox_find_uid(mbox, uid);
		snprintf(text, sizeof(text), "m%u", uid);
		if (!s || strcmp(s->subject, text) != 0)
			all = 0;
	}
	ok(all, "each uid has its own summary after the merge");

	/* The same uid added again: the later summary wins, wherever it lands. */
	model_mailbox_add(mbox, &(struct model_summary){ .uid = 500, .subject = "new 500" });
	model_mailbox_add(mbox, &(struct model_summary){ .uid = 100000, .subject = "new last" });
	model_mailbox_add(mbox, &(struct model_summary){ .uid = 200000, .subject = "beyond" });
	model_mailbox_add(mbox, &(struct model_summary){ .uid = 500, .subject = "newer 500" });
	model_mailbox_add(mbox, &(struct model_summary){ .uid = 0, .subject = "zero" });
	is_int((long)model_mailbox_count(mbox), 100002, "re-added uids are not counted twice");
	is_str(model_mailbox_find_uid(mbox, 500)->subject, "newer 500", "the last add of a uid wins");
	is_str(model_mailbox_find_uid(mbox, 100000)->subject, "new last", "a re-added last uid is replaced");
	is_str(model_mailbox_summaries(mbox)[0].subject, "zero", "uid 0 sorts first");
	ok(sorted_unique(mbox), "sorted and unique after replacing");

	model_mailbox_add(mbox, &(struct model_summary){ .uid = 200000, .subject = "in place" });
	is_str(model_mailbox_find_uid(mbox, 200000)->subject, "in place", "re-adding the last uid replaces it");
	is_int((long)model_mailbox_count(mbox), 100002, "without growing");
	model_mailbox_free(mbox);
}

static void test_ids_copy(void)
{
	struct model_mailbox *mbox = model_mailbox_new();
	uint64_t ids[2] = { 1, 2 };
	const char *a = model_mailbox_strndup(mbox, "abcdef", 3);

	is_str(a, "abc", "strndup copies len bytes and terminates");
	ok(model_mailbox_strndup(mbox, "x", 0)[0] == '\0', "strndup of nothing is \"\"");
	ok(model_mailbox_ids_copy(mbox, ids, 0) == NULL, "no ids copy as NULL");
	const uint64_t *copy = model_mailbox_ids_copy(mbox, ids, 2);
	ok(copy != ids && copy[0] == 1 && copy[1] == 2 && ((uintptr_t)copy & 7) == 0, "ids copied aligned");
	struct model_summary *s = model_mailbox_add_nocopy(mbox, &(struct model_summary){
		.uid = 1, .from = a, .to = a, .cc = "", .subject = "", .references = copy, .nreferences = 2 });
	ok(s->from == a && s->to == a && s->references == copy, "add_nocopy keeps the arena pointers");
	model_mailbox_free(mbox);
}

static uint64_t h(const char *id)
{
	return model_id_hash(id, strlen(id));
}

static void test_id_hash(void)
{
	ok(h("a@b") == h("<a@b>") && h("a@b") == h("  <a@b> \r\n"), "brackets and whitespace around are ignored");
	ok(h("<a@\r\n b>") == h("a@b"), "a folded id hashes as the unfolded one");
	ok(h("A@b") != h("a@b"), "case matters");
	ok(h("a@b") != h("a@c") && h("1234@x") != h("1243@x"), "different ids, different hashes");
	ok(h("") == 0 && h("<>") == 0 && h(" < > ") == 0, "nothing left is 0");
	ok(h("x") != 0, "a non-empty id is not 0");
	ok(model_id_hash("<a@b>garbage", 5) == h("a@b"), "only len bytes are read");
}

static size_t parse(const char *header, uint64_t *out, size_t max)
{
	return model_ids_parse(header, strlen(header), out, max);
}

static void test_ids_parse(void)
{
	uint64_t out[8];

	ok(parse("<a@b> <c@d>\r\n\t<e@f>", out, 8) == 3 && out[0] == h("a@b") && out[1] == h("c@d") &&
	   out[2] == h("e@f"), "three ids in order across a fold");
	ok(parse("<a@b><c@d>", out, 8) == 2 && out[1] == h("c@d"), "no space between ids");
	ok(parse("(see <x@y>) <a@b> (and (nested <z@w>))", out, 8) == 1 && out[0] == h("a@b"),
	   "ids inside comments are skipped");
	ok(parse("Your message of \"Mon, <x@y>\" <real@id>", out, 8) == 1 && out[0] == h("real@id"),
	   "ids inside quoted strings are skipped");
	ok(parse("<a@b> <c@d", out, 8) == 2 && out[1] == h("c@d"), "an unclosed last id counts");
	ok(parse("<a@b <c@d>", out, 8) == 2 && out[0] == h("a@b") && out[1] == h("c@d"),
	   "an unclosed id ends at whitespace");
	ok(parse("a@b", out, 8) == 1 && out[0] == h("a@b"), "one bare token is one id");
	ok(parse("  single  ", out, 8) == 1 && out[0] == h("single"), "even without an @");
	ok(parse("a@b c@d", out, 8) == 2 && out[1] == h("c@d"), "several bare tokens with @");
	ok(parse("foo bar baz", out, 8) == 0, "several bare words are not ids");
	ok(parse("", out, 8) == 0 && parse("   ", out, 8) == 0, "empty values");
	ok(parse("<> <<>> >< ((( \"", out, 8) == 0, "garbage yields nothing and no crash");
	ok(parse("(unclosed <a@b>", out, 8) == 0, "an unclosed comment runs to the end");
	ok(parse("<1@x> <2@x> <3@x> <4@x> <5@x>", out, 3) == 3 && out[0] == h("3@x") && out[1] == h("4@x") &&
	   out[2] == h("5@x"), "more ids than room: the last ones are kept, in order");
	ok(parse("<1@x> <2@x> <3@x> <4@x>", out, 2) == 2 && out[0] == h("3@x") && out[1] == h("4@x"),
	   "the ring rotates for any count");
	ok(parse("<1@x> <2@x> <3@x>", NULL, 0) == 3, "out NULL counts the ids");
	ok(parse("<1@x>", out, 0) == 0, "max 0 stores nothing");
	char bytes[] = { '<', 'a', '\0', 'b', '>', (char)0xff, '<', (char)0x80, '>' };
	ok(model_ids_parse(bytes, sizeof(bytes), out, 8) == 2, "NUL and high bytes are just bytes");
}

int main(void)
{
	test_flags();
	test_mailbox_basics();
	test_mailbox_many();
	test_mailbox_out_of_order();
	test_ids_copy();
	test_id_hash();
	test_ids_parse();
	return tap_done();
}
