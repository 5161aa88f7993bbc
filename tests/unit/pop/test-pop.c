/* pop: UIDL validity (RFC 1939 section 7), the LIST/UIDL line parsers,
 * response codes, the multi-line body decoder (in every chunking), the
 * header hash, and the state file with its journal and lock. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../tap.h"
#include "pop/pop-private.h"

static void test_uidl_valid(void)
{
	char longest[71], too_long[72];

	memset(longest, 'a', 70); longest[70] = '\0';
	memset(too_long, 'a', 71); too_long[71] = '\0';
	ok(pop_uidl_valid("whqtswO00WBw418f9t5JxYwZ"), "RFC example UIDL");
	ok(pop_uidl_valid(longest), "70 characters");
	ok(!pop_uidl_valid(too_long), "71 characters refused");
	ok(!pop_uidl_valid(""), "empty refused");
	ok(!pop_uidl_valid(NULL), "missing refused");
	ok(!pop_uidl_valid("a b"), "space refused");
	ok(!pop_uidl_valid("a\r\n"), "CR LF refused");
	ok(!pop_uidl_valid("\x7f"), "DEL refused");
	ok(!pop_uidl_valid("caf\xc3\xa9"), "8-bit refused");
}

static void test_list_lines(void)
{
	unsigned number = 0;
	uint64_t size = 0;
	char why[160];

	ok(pop_list_line_parse("1 120", 0, &number, &size, why, sizeof(why)) == 0 && number == 1 && size == 120,
	   "LIST line read");
	ok(pop_list_line_parse("7 5 extra words", 3, &number, &size, why, sizeof(why)) == 0 && number == 7,
	   "extra words after the size are allowed (RFC 1939 discourages them)");
	ok(pop_list_line_parse("0 100", 0, &number, &size, why, sizeof(why)) < 0, "message 0 refused");
	ok(pop_list_line_parse("2 100", 2, &number, &size, why, sizeof(why)) < 0 && strstr(why, "listed after"),
	   "a repeated number refused: %s", why);
	ok(pop_list_line_parse("1 100", 5, &number, &size, why, sizeof(why)) < 0, "a falling number refused");
	ok(pop_list_line_parse("x 100", 0, &number, &size, why, sizeof(why)) < 0, "no number refused");
	ok(pop_list_line_parse("1", 0, &number, &size, why, sizeof(why)) < 0, "no size refused");
	ok(pop_list_line_parse("1 -5", 0, &number, &size, why, sizeof(why)) < 0, "negative size refused");
	ok(pop_list_line_parse("1 12x", 0, &number, &size, why, sizeof(why)) < 0, "junk in the size refused");
	ok(pop_list_line_parse("99999999999 1", 0, &number, &size, why, sizeof(why)) < 0, "huge number refused");
	ok(pop_list_line_parse("01 1", 0, &number, &size, why, sizeof(why)) < 0, "leading zero refused");
}

static void test_uidl_lines(void)
{
	unsigned number = 0;
	const char *uidl = NULL;
	char why[160];

	ok(pop_uidl_line_parse("3 whqtswO00WBw418f9t5JxYwZ", &number, &uidl, why, sizeof(why)) == 0 && number == 3 &&
	           strcmp(uidl, "whqtswO00WBw418f9t5JxYwZ") == 0,
	   "UIDL line read");
	ok(pop_uidl_line_parse("3 a b", &number, &uidl, why, sizeof(why)) < 0, "a UIDL with a space refused");
	ok(pop_uidl_line_parse("3 ", &number, &uidl, why, sizeof(why)) < 0, "an empty UIDL refused");
	ok(pop_uidl_line_parse("0 abc", &number, &uidl, why, sizeof(why)) < 0, "message 0 refused");
	ok(pop_uidl_line_parse("abc", &number, &uidl, why, sizeof(why)) < 0, "no number refused");
	ok(pop_uidl_line_parse("4 caf\xc3\xa9", &number, &uidl, why, sizeof(why)) < 0, "8-bit UIDL refused");
}

static void test_codes(void)
{
	is_int(pop_refusal_class("[IN-USE] locked", LIB_ERR_AUTH), LIB_ERR_TEMPORARY, "[IN-USE] is temporary");
	is_int(pop_refusal_class("[SYS/TEMP] later", LIB_ERR_AUTH), LIB_ERR_TEMPORARY, "[SYS/TEMP] is temporary");
	is_int(pop_refusal_class("[AUTH] Authentication failed.", LIB_ERR_NONE), LIB_ERR_AUTH, "[AUTH] is auth");
	is_int(pop_refusal_class("[sys/perm] no", LIB_ERR_AUTH), LIB_ERR_SERVER, "codes are case-insensitive");
	is_int(pop_refusal_class("Authentication failed", LIB_ERR_AUTH), LIB_ERR_AUTH, "no code: the fallback");
	is_int(pop_refusal_class(NULL, LIB_ERR_SERVER), LIB_ERR_SERVER, "no words: the fallback");
	ok(pop_apop_timestamp_ok("<1896.697170952@dbc.mtview.ca.us>"), "RFC 1939 APOP timestamp");
	ok(!pop_apop_timestamp_ok("<no-at-sign>"), "timestamp without @ refused");
	ok(!pop_apop_timestamp_ok("<a b@c>"), "timestamp with a space refused");
	ok(!pop_apop_timestamp_ok(NULL), "no timestamp");
}

/* Decodes wire in chunks of step bytes; returns the output, *consumed
 * the bytes used. */
static char *decode(const char *wire, size_t len, size_t step, size_t *consumed, int *done)
{
	struct pop_decoder decoder;
	struct buf out = BUF_INIT;
	char chunk[64];
	size_t pos = 0;

	pop_decoder_init(&decoder);
	while (pos < len && !decoder.done) {
		size_t n = len - pos < step ? len - pos : step, out_len = 0;
		size_t used = pop_decoder_run(&decoder, wire + pos, n, chunk, &out_len);
		buf_add(&out, chunk, out_len);
		pos += used;
		if (used < n && !decoder.done)
			break; /* must not happen */
	}
	*consumed = pos;
	*done = decoder.done;
	return buf_detach(&out);
}

static void test_decoder(void)
{
	static const struct {
		const char *wire, *want, *name;
	} cases[] = {
		{ "Subject: hi\r\n\r\nbody\r\n.\r\n", "Subject: hi\n\nbody\n", "CRLF becomes LF" },
		{ "..dot\r\n...\r\n.x\r\n.\r\n", ".dot\n..\nx\n", "dot-stuffing removed" },
		{ ".\r\n", "", "empty message" },
		{ "a\rb\r\r\n\r.\r\n.\r\n", "a\rb\r\n\r.\n", "bare CRs are data" },
		{ "lf\n.\n", "lf\n", "bare LF line ends accepted" },
		{ ".\rX\r\n.\r\n", "\rX\n", "a stuffed dot before a bare CR" },
		{ "x\r\n.\r\nNEXT", "x\n", "stops at the terminator" },
	};

	for (size_t i = 0; i < LIB_ARRAY_LEN(cases); i++) {
		size_t len = strlen(cases[i].wire), want_used = strstr(cases[i].wire, "NEXT")
		                                                      ? (size_t)(strstr(cases[i].wire, "NEXT") - cases[i].wire)
		                                                      : len;
		int all_ok = 1;
		for (size_t step = 1; step <= len; step++) {
			size_t used;
			int done;
			char *got = decode(cases[i].wire, len, step, &used, &done);
			if (strcmp(got, cases[i].want) != 0 || !done || used != want_used) {
				if (all_ok)
					printf("#   step %zu: got '%s' used %zu done %d\n", step, got, used, done);
				all_ok = 0;
			}
			free(got);
		}
		ok(all_ok, "decoder, every chunking: %s", cases[i].name);
	}
	size_t used;
	int done;
	char *got = decode("unterminated\r\n", 14, 5, &used, &done);
	ok(!done && used == 14 && strcmp(got, "unterminated\n") == 0, "no terminator: not done");
	free(got);
}

static void hash_of(const char *message, size_t step, char out[33])
{
	struct pop_header_hash h = { BUF_INIT, 0, 0, "" };
	size_t len = strlen(message);

	pop_header_hash_reset(&h);
	for (size_t pos = 0; pos < len; pos += step)
		pop_header_hash_feed(&h, message + pos, len - pos < step ? len - pos : step);
	if (!h.hex[0])
		pop_header_hash_finish(&h);
	memcpy(out, h.hex, 33);
	pop_header_hash_free(&h);
}

static void test_header_hash(void)
{
	char a[33], b[33], c[33], d[33], e[33];

	hash_of("From: a@example.org\nSubject: x\n\nbody one\n", 1000, a);
	hash_of("From: a@example.org\nSubject: x\n\nother body\n\nmore\n", 3, b);
	hash_of("From: a@example.org\nStatus: RO\nX-UID: 7\n\tcontinued\nSubject: x\n\n", 1, c);
	hash_of("From: a@example.org\nSubject: y\n\nbody one\n", 7, d);
	hash_of("From: a@example.org\nSubject: x\n", 2, e);
	is_int((long)strlen(a), 32, "32 hex digits");
	is_str(a, b, "the body does not count, nor the chunking");
	is_str(a, c, "Status and X-UID (with its continuation) do not count");
	ok(strcmp(a, d) != 0, "another subject, another hash");
	is_str(a, e, "a message without a body hashes its header alone");
}

static char *make_dir(void)
{
	char *dir = xstrdup("/tmp/tern-pop-test-XXXXXX");
	if (!mkdtemp(dir))
		exit(2);
	return dir;
}

static void test_state(void)
{
	char *dir = make_dir();
	char *warning = NULL;
	struct lib_error err = { 0 };
	const char *hash1 = "0123456789abcdef0123456789abcdef";

	struct pop_state *state = pop_state_open(dir, "acct", &warning, &err);
	ok(state && !warning, "a new state opens empty");
	ok(pop_state_record(state, "uid-1", hash1, 1000, &err) != NULL, "record by UIDL");
	ok(pop_state_record(state, NULL, "fedcba9876543210fedcba9876543210", 1001, &err) != NULL, "record by hash");
	for (int i = 0; i < 300; i++) {
		char uidl[16];
		snprintf(uidl, sizeof(uidl), "many-%d", i);
		pop_state_record(state, uidl, NULL, 2000 + i, &err);
	}
	ok(pop_state_find_uidl(state, "uid-1") && pop_state_find_uidl(state, "many-299"), "found by UIDL");
	ok(pop_state_find_hash(state, hash1) && !pop_state_find_uidl(state, "uid-2"), "found by hash; unknown not");

	/* A second fetch of the same account must wait. */
	pid_t pid = fork();
	if (pid == 0) {
		char *w = NULL;
		struct lib_error e = { 0 };
		struct pop_state *other = pop_state_open(dir, "acct", &w, &e);
		_exit(other == NULL && e.cls == LIB_ERR_TEMPORARY && strstr(e.text, "another tern") ? 0 : 1);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "a second open of the state is refused while locked");

	/* Crash: not saved, only the journal holds the records; plus a torn line. */
	pop_state_close(state);
	char *journal = xasprintf("%s/tern-pop3-acct.journal", dir);
	int fd = open(journal, O_WRONLY | O_APPEND);
	ok(fd >= 0 && write(fd, "u:torn 0123", 11) == 11, "a torn journal line");
	close(fd);
	state = pop_state_open(dir, "acct", &warning, &err);
	ok(state && pop_state_find_uidl(state, "uid-1") && pop_state_find_uidl(state, "many-150"),
	   "the journal is replayed after a crash");
	ok(!pop_state_find_uidl(state, "torn"), "the torn line is not a record");
	ok(pop_state_record(state, "after-torn", NULL, 5, &err) != NULL, "record after the torn line");
	pop_state_close(state);
	state = pop_state_open(dir, "acct", &warning, &err);
	ok(state && pop_state_find_uidl(state, "after-torn"), "a record after a torn line is read back whole");
	free(warning);
	warning = NULL;

	/* Prune: uid-1 and after-torn listed, the rest gone from the server. */
	pop_state_find_uidl(state, "uid-1")->listed = 1;
	pop_state_find_uidl(state, "after-torn")->listed = 1;
	pop_state_prune(state, 1);
	ok(pop_state_find_uidl(state, "uid-1") && !pop_state_find_uidl(state, "many-3"), "prune by UIDL");
	ok(pop_state_find_hash(state, "fedcba9876543210fedcba9876543210") != NULL,
	   "pruning by UIDL keeps what was recorded by hash");
	is_int(pop_state_save(state, &err), 0, "save");
	pop_state_close(state);

	struct stat st;
	ok(stat(journal, &st) == 0 && st.st_size == 0, "the journal is empty after a save");
	state = pop_state_open(dir, "acct", &warning, &err);
	is_int((long)pop_state_count(state), 3, "three records after the save");
	struct pop_state_entry *entry = pop_state_find_uidl(state, "uid-1");
	ok(entry && entry->time == 1000 && strcmp(entry->hash, hash1) == 0, "time and hash kept");
	pop_state_forget(state, entry);
	pop_state_save(state, &err);
	pop_state_close(state);

	/* A damaged state file: good lines kept, bad ones counted. */
	char *path = pop_state_path(dir, "acct");
	FILE *fp = fopen(path, "a");
	fputs("garbage line\nu:bad\tx 1\nu:ok2 - 77\n", fp);
	fclose(fp);
	state = pop_state_open(dir, "acct", &warning, &err);
	ok(state && pop_state_find_uidl(state, "ok2") && !pop_state_find_uidl(state, "uid-1"),
	   "a damaged state keeps its good lines");
	ok(warning && strstr(warning, "2 lines"), "and says how many were not: %s", warning ? warning : "(none)");
	free(warning);
	pop_state_close(state);

	char *cmd = xasprintf("rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	free(cmd);
	free(path);
	free(journal);
	free(dir);
}

int main(void)
{
	test_uidl_valid();
	test_list_lines();
	test_uidl_lines();
	test_codes();
	test_decoder();
	test_header_hash();
	test_state();
	return tap_done();
}
