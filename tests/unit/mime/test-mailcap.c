/* Unit tests: mailcap entries (RFC 1524) and the command lines tern makes
 * from them: nothing from the message reaches the shell unless it is text
 * that means itself in every quoting context. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/lib.h"
#include "mime/mime.h"
#include "../tap.h"

static void test_parse(void)
{
	struct mime_mailcap_entry e;
	ok(mime_mailcap_parse("# a comment; x", &e) < 0, "a comment is no entry");
	ok(mime_mailcap_parse("   ", &e) < 0, "a blank line is no entry");
	ok(mime_mailcap_parse("text/plain", &e) < 0, "a line without ';' is no entry");
	ok(mime_mailcap_parse("application/pdf; zathura %s; test=test -n \"$DISPLAY\"; nametemplate=%s.pdf; "
	                      "needsterminal ;copiousoutput", &e) == 0, "an entry with flags parses");
	is_str(e.type, "application/pdf", "its type");
	is_str(e.view, "zathura %s", "its view command, trimmed");
	is_str(e.test, "test -n \"$DISPLAY\"", "its test command");
	is_str(e.nametemplate, "%s.pdf", "its nametemplate");
	ok(e.copiousoutput && e.needsterminal, "copiousoutput and needsterminal");
	mime_mailcap_entry_clear(&e);
	ok(mime_mailcap_parse("text/*; a \\; b \\%s c", &e) == 0 && strcmp(e.view, "a ; b \\%s c") == 0,
	   "\\; is a semicolon in the command; \\%% stays for the expansion");
	ok(mime_mailcap_matches(&e, "text/html") && !mime_mailcap_matches(&e, "texts/html") &&
	   !mime_mailcap_matches(&e, "image/png"), "text/* matches text subtypes only");
	mime_mailcap_entry_clear(&e);
	ok(mime_mailcap_parse("image; feh %s", &e) == 0 && mime_mailcap_matches(&e, "image/png") &&
	   !mime_mailcap_matches(&e, "imagex/png"), "a major type alone matches its subtypes");
	mime_mailcap_entry_clear(&e);
	ok(mime_mailcap_parse("Application/PDF; x", &e) == 0 && mime_mailcap_matches(&e, "application/pdf"),
	   "types match without regard to case");
	mime_mailcap_entry_clear(&e);
}

static char *expand(const char *template, const char *type, const char *path, const struct mime_message *msg,
                    int *uses_file, char **why)
{
	struct mime_mailcap_values v = { .type = type, .path = path, .msg = msg, .index = msg ? 1 : 0 };
	return mime_mailcap_expand(template, &v, uses_file, why);
}

static void test_expand(void)
{
	int uses = 0;
	char *why = NULL;
	char *c = expand("cat %s", "application/pdf", "/tmp/tern-Ab12/x.pdf", NULL, &uses, &why);
	is_str(c, "cat /tmp/tern-Ab12/x.pdf", "bare %%s: the path as it is");
	ok(uses, "%%s used");
	free(c);
	c = expand("cat '%s' \"%s\"", "application/pdf", "/tmp/tern-Ab12/x.pdf", NULL, &uses, &why);
	is_str(c, "cat '/tmp/tern-Ab12/x.pdf' \"/tmp/tern-Ab12/x.pdf\"", "the entry's own quotes keep working");
	free(c);
	c = expand("view -t %t < x", "image/png", NULL, NULL, &uses, &why);
	is_str(c, "view -t image/png < x", "%%t is the type");
	ok(!uses, "no %%s: the caller gives the data on stdin");
	free(c);
	c = expand("a \\%s %%q", "image/png", "/p", NULL, &uses, &why);
	is_str(c, "a %s %%q", "\\%% is a percent sign; an unknown escape stays");
	free(c);

	const char *hostile[] = { "image/x$(touch PWNED)", "image/`id`", "image/a;b", "image/a'b", "image/a\"b",
		                  "image/a\nb", "image/a b", "image/a|b", "image/a&b" };
	for (size_t i = 0; i < LIB_ARRAY_LEN(hostile); i++) {
		why = NULL;
		c = expand("view '%t' %s", hostile[i], "/p", NULL, &uses, &why);
		ok(c == NULL && why && strstr(why, "unsafe for a shell"), "a type with shell characters is refused (%zu)", i);
		free(c);
		free(why);
	}
	c = expand("cat %s", "text/plain", "/tmp/dir with space/x", NULL, &uses, &why);
	ok(c == NULL && why, "a path that is not shell-safe is refused, not quoted wrongly");
	free(c);
	free(why);

	const char *raw = "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
	                  "Content-Type: text/plain; charset=\"utf-8$(touch PWNED)\"; format=flowed; x-dash=-rf\r\n\r\n"
	                  "hi\r\n--b--\r\n";
	struct mime_message *msg = mime_message_parse(raw, strlen(raw));
	why = NULL;
	c = expand("iconv -f %{charset} %s", "text/plain", "/p", msg, &uses, &why);
	ok(c == NULL && why && strstr(why, "%{charset}"), "a hostile charset= parameter is refused, and named");
	free(c);
	free(why);
	why = NULL;
	c = expand("x %{format} %{missing}.", "text/plain", "/p", msg, &uses, &why);
	is_str(c, "x flowed .", "%%{format} is the parameter, a missing one is empty");
	free(c);
	c = expand("x %{x-dash}", "text/plain", "/p", msg, &uses, &why);
	ok(c == NULL, "a parameter that looks like an option is refused");
	free(c);
	free(why);
	mime_message_free(msg);
	c = expand("x %n", "multipart/mixed", "/p", NULL, &uses, &why);
	ok(c == NULL && why, "%%n is refused with a reason");
	free(c);
	free(why);
}

static void test_filename(void)
{
	struct {
		const char *name, *template, *want;
	} cases[] = {
		{ "report.pdf", NULL, "report.pdf" },
		{ "x'$(touch PWNED)'.pdf", NULL, "x_touch_PWNED.pdf" },
		{ "`id`;rm -rf ~.pdf", NULL, "id_rm_-rf.pdf" },
		{ "a\nb\"c.txt", NULL, "a_b_c.txt" },
		{ "-rf", NULL, "rf" },
		{ "../../etc/passwd", NULL, "etc_passwd" },
		{ "Résumé 2024.docx", NULL, "R_sum_2024.docx" },
		{ "$(x)", NULL, "x" },
		{ "'\"`", NULL, "attachment" },
		{ NULL, NULL, "attachment" },
		{ "file.$(x)", NULL, "file._x" },
		{ "scan", "%s.pdf", "scan.pdf" },
		{ "scan.jpg", "%s.pdf", "scan.pdf" },
		{ ".hidden", NULL, "hidden" },
	};
	for (size_t i = 0; i < LIB_ARRAY_LEN(cases); i++) {
		char *got = mime_filename_for_shell(cases[i].name, cases[i].template);
		is_str(got, cases[i].want, "file name for a shell: %s", cases[i].want);
		ok(got[strspn(got, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")] == '\0' &&
		   got[0] != '-' && got[0] != '.', "only [A-Za-z0-9._-], no leading dot or dash");
		free(got);
	}
	char long_name[300];
	memset(long_name, 'a', sizeof(long_name));
	strcpy(long_name + 290, ".pdf");
	char *got = mime_filename_for_shell(long_name, NULL);
	ok(strlen(got) <= 64 && strcmp(got + strlen(got) - 4, ".pdf") == 0, "a long name is cut, keeping .pdf");
	free(got);
}

static void test_find(void)
{
	char dir[] = "/tmp/tern-mailcap-XXXXXX";
	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	char *first = xasprintf("%s/first", dir), *second = xasprintf("%s/second", dir);
	FILE *f = fopen(first, "w");
	fprintf(f, "# mine\n"
	           "image/png; failing-viewer %%s; test=false\n"
	           "image/png; long \\\n  viewer %%s; \\\n  copiousoutput\n"
	           "text/html; tested %%s; test=test %%{charset} = utf-8\n");
	fclose(f);
	f = fopen(second, "w");
	fprintf(f, "application/*; catchall %%s\ntext/html; fallback %%s\n");
	fclose(f);
	char *list = xasprintf("%s:%s", first, second);
	setenv("MAILCAPS", list, 1);

	struct mime_mailcap_entry e;
	struct mime_mailcap_values v = { .type = "image/png" };
	ok(mime_mailcap_find(&v, &e) == 0 && strcmp(e.view, "long   viewer %s") == 0 && e.copiousoutput,
	   "an entry whose test fails is passed over; continued lines are joined");
	mime_mailcap_entry_clear(&e);
	v.type = "application/zip";
	ok(mime_mailcap_find(&v, &e) == 0 && strcmp(e.view, "catchall %s") == 0, "the second file is read too");
	mime_mailcap_entry_clear(&e);
	v.type = "video/mp4";
	ok(mime_mailcap_find(&v, &e) < 0, "no entry: -1");

	const char *utf8 = "Content-Type: text/html; charset=utf-8\r\n\r\n<p>x\r\n";
	const char *hostile = "Content-Type: text/html; charset=\"utf-8;touch PWNED\"\r\n\r\n<p>x\r\n";
	struct mime_message *msg = mime_message_parse(utf8, strlen(utf8));
	v = (struct mime_mailcap_values){ .type = "text/html", .msg = msg, .index = 0 };
	ok(mime_mailcap_find(&v, &e) == 0 && strcmp(e.view, "tested %s") == 0, "a test= with %%{charset} runs");
	mime_mailcap_entry_clear(&e);
	mime_message_free(msg);
	char *cwd = getcwd(NULL, 0);
	if (chdir(dir) == 0) {
		msg = mime_message_parse(hostile, strlen(hostile));
		v.msg = msg;
		ok(mime_mailcap_find(&v, &e) == 0 && strcmp(e.view, "fallback %s") == 0,
		   "a test= that would take a hostile charset fails; the next entry is used");
		mime_mailcap_entry_clear(&e);
		mime_message_free(msg);
		ok(access("PWNED", F_OK) != 0, "and nothing ran");
		if (chdir(cwd) != 0)
			ok(0, "chdir back");
	}
	free(cwd);
	unsetenv("MAILCAPS");
	unlink(first);
	unlink(second);
	rmdir(dir);
	free(first);
	free(second);
	free(list);
}

int main(void)
{
	test_parse();
	test_expand();
	test_filename();
	test_find();
	return tap_done();
}
