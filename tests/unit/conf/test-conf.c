/* The mailrc parser: every key read back, every error path with its
 * FILE:LINE message, includes, permissions, and that mailrc.sample and
 * doc/mailrc.5 mention every key of the table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tap.h"
#include "conf/conf.h"
#include "lib/lib.h"

static char dir[] = "/tmp/tern-conf-XXXXXX";

/* Writes text to dir/name (mode 0600) and returns its path (static). */
static const char *write_file(const char *name, const char *text)
{
	static char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	if (!fp) {
		perror(path);
		exit(2);
	}
	fputs(text, fp);
	fclose(fp);
	chmod(path, 0600);
	return path;
}

static struct conf *load(const char *text)
{
	return conf_load(write_file("mailrc", text));
}

/* Loads text and expects exactly one diag, an error, whose text is
 * "PATH:LINE: want". */
static void expect_error(const char *text, int line, const char *want, const char *name)
{
	struct conf *conf = load(text);
	char *full = xasprintf("%s/mailrc:%d: %s", dir, line, want);
	size_t found = 0;

	for (size_t i = 0; i < conf->ndiags; i++)
		if (conf->diags[i].is_error && strcmp(conf->diags[i].text, full) == 0)
			found++;
	if (!ok(found == 1 && conf->nerrors == 1, "error: %s", name)) {
		printf("#   want: %s\n", full);
		for (size_t i = 0; i < conf->ndiags; i++)
			printf("#   got:  %s%s\n", conf->diags[i].is_error ? "" : "warning: ", conf->diags[i].text);
	}
	free(full);
	conf_free(conf);
}

static int has_warning(const struct conf *conf, const char *part)
{
	for (size_t i = 0; i < conf->ndiags; i++)
		if (!conf->diags[i].is_error && strstr(conf->diags[i].text, part))
			return 1;
	return 0;
}

static void test_every_key(void)
{
	struct conf *conf = load(
		"# global settings\n"
		"default-account work\n"
		"editor \"vim -c 'set tw=72'\"\n"
		"timeout 45\n"
		"check-interval 0\n"
		"cache-dir ~/.cache/tern-test\n"
		"sort reverse-threads\n"
		"tls-ca-file /etc/ssl/certs/ca-certificates.crt\n"
		"folder-trash Bin\n"
		"\n"
		"account home   # the first account\n"
		"  from \"Ana Lima <ana@example.org>\"\n"
		"  imap imaps://imap.example.org\n"
		"  smtp smtps://smtp.example.org:4650\n"
		"  user ana\n"
		"  password \"p#ss \\\"word\\\" \\\\x\"\n"
		"  tls on\n"
		"account work\n"
		"  from ana@work.example\n"
		"  pop3 pop3://[::1]:1110/\n"
		"  smtp smtp://out.work.example\n"
		"  password-command \"pass show work\"\n"
		"  oauth2-token-command \"tern-oauth2 work\"\n"
		"  tls off\n"
		"  tls-fingerprint SHA256:AB:cd:EF:0123456789abcdef0123456789abcdef0123456789abcdef0123456789\n"
		"  timeout 5\n"
		"  maildir ~/Mail/work\n"
		"  folder-sent \"Sent Items\"\n"
		"  folder-drafts Drafts\n"
		"  folder-trash none\n"
		"account plain\n"
		"  imap imap://localhost:1143\n");

	is_int((long)conf->nerrors, 0, "a mailrc using every key has no errors");
	for (size_t i = 0; i < conf->ndiags; i++)
		printf("#   %s\n", conf->diags[i].text);
	is_int((long)conf->naccounts, 3, "three accounts");
	const struct conf_account *home = conf_account_find(conf, "home");
	const struct conf_account *work = conf_account_find(conf, "work");
	ok(home && work, "accounts found by name");
	if (!home || !work)
		return;
	ok(conf_account_default(conf) == work, "default-account picks work");
	is_str(conf_get(conf, NULL, CONF_K_EDITOR), "vim -c 'set tw=72'", "quoted editor");
	is_int(conf_get_number(conf, NULL, CONF_K_CHECK_INTERVAL), 0, "check-interval 0");
	is_str(conf_get(conf, NULL, CONF_K_CACHE_DIR), "~/.cache/tern-test", "cache-dir");
	is_str(conf_get(conf, NULL, CONF_K_SORT), "reverse-threads", "sort");
	is_int(conf_get_number(conf, home, CONF_K_TIMEOUT), 45, "timeout: global applies to home");
	is_int(conf_get_number(conf, work, CONF_K_TIMEOUT), 5, "timeout: work overrides");
	is_str(conf_get(conf, home, CONF_K_TLS_CA_FILE), "/etc/ssl/certs/ca-certificates.crt", "tls-ca-file global");
	is_str(conf_get(conf, home, CONF_K_FOLDER_TRASH), "Bin", "folder-trash global");
	is_str(conf_get(conf, work, CONF_K_FOLDER_TRASH), "none", "folder-trash none overrides");
	is_str(conf_get(conf, home, CONF_K_FROM), "Ana Lima <ana@example.org>", "from with a name");
	is_str(conf_get(conf, work, CONF_K_FROM), "ana@work.example", "bare from");
	is_str(conf_get(conf, home, CONF_K_USER), "ana", "user");
	is_str(conf_get(conf, home, CONF_K_PASSWORD), "p#ss \"word\" \\x", "password with # and escapes");
	is_str(conf_get(conf, work, CONF_K_PASSWORD_COMMAND), "pass show work", "password-command");
	is_str(conf_get(conf, work, CONF_K_OAUTH2_TOKEN_COMMAND), "tern-oauth2 work", "oauth2-token-command");
	ok(conf_get_bool(conf, home, CONF_K_TLS) == 1, "tls on");
	ok(conf_get_bool(conf, work, CONF_K_TLS) == 0, "tls off");
	ok(conf_get_bool(conf, conf_account_find(conf, "plain"), CONF_K_TLS) == 1, "tls defaults to on");
	is_str(conf_get(conf, work, CONF_K_TLS_FINGERPRINT),
	       "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789",
	       "fingerprint normalised to lowercase hex");
	is_str(conf_get(conf, work, CONF_K_MAILDIR), "~/Mail/work", "maildir");
	is_str(conf_get(conf, work, CONF_K_FOLDER_SENT), "Sent Items", "folder-sent with a space");
	is_str(conf_get(conf, work, CONF_K_FOLDER_DRAFTS), "Drafts", "folder-drafts");
	ok(home->imap.scheme == CONF_URL_IMAPS && home->imap.implicit_tls && home->imap.port == 993 &&
	   strcmp(home->imap.host, "imap.example.org") == 0, "imaps:// defaults to 993, implicit TLS");
	ok(work->smtp.scheme == CONF_URL_SMTP && !work->smtp.implicit_tls && work->smtp.port == 587,
	   "smtp:// defaults to 587 with STARTTLS");
	ok(work->pop3.scheme == CONF_URL_POP3 && work->pop3.port == 1110 && strcmp(work->pop3.host, "::1") == 0,
	   "pop3:// with an IPv6 literal and a port");
	ok(home->smtp.scheme == CONF_URL_SMTPS && home->smtp.implicit_tls && home->smtp.port == 4650,
	   "smtps:// with a port");
	ok(has_warning(conf, "account 'work': tls off: ::1 connects in plain text and your password can be read"),
	   "tls off is warned about, naming the host");
	conf_free(conf);
}

static void test_defaults(void)
{
	struct conf *conf = load("account a\nimap imaps://h\n");

	is_int((long)conf->nerrors, 0, "minimal mailrc");
	is_int(conf_get_number(conf, &conf->accounts[0], CONF_K_TIMEOUT), 30, "timeout default 30");
	is_int(conf_get_number(conf, NULL, CONF_K_CHECK_INTERVAL), 60, "check-interval default 60");
	is_str(conf_get(conf, NULL, CONF_K_SORT), "date", "sort default date");
	ok(conf_get(conf, &conf->accounts[0], CONF_K_FOLDER_SENT) == NULL, "folder-sent unset by default");
	ok(conf_account_default(conf) == &conf->accounts[0], "default account is the first");
	conf_free(conf);

	conf = load("\xef\xbb\xbf");
	is_int((long)conf->naccounts, 0, "a mailrc with no account parses");
	conf_free(conf);
}

static void test_errors(void)
{
	expect_error("account a\nimap imaps://h\npasword x\n", 3, "unknown key 'pasword' (did you mean 'password'?)",
	             "misspelt key gets a suggestion");
	expect_error("account a\nimap imaps://h\nsmpt smtps://h\n", 3, "unknown key 'smpt' (did you mean 'smtp'?)",
	             "transposed letters get a suggestion");
	expect_error("acount a\n", 1, "unknown key 'acount' (did you mean 'account'?)", "misspelt account");
	expect_error("colour red\n", 1, "unknown key 'colour' (did you mean 'color'?)", "British spelling of a command");
	expect_error("frobnicate 1\n", 1, "unknown key 'frobnicate'", "unknown key with no near match");
	expect_error("bind index j\n", 1, "usage: bind MAP KEY FUNCTION", "bind with too few words");
	expect_error("color status red\n", 1, "usage: color OBJECT FOREGROUND BACKGROUND [ATTRIBUTE]", "color with too few words");
	expect_error("push\n", 1, "usage: push KEYS (quote several)", "push without keys");
	char *want = xasprintf("duplicate account 'a' (first defined at %s/mailrc:1)", dir);
	expect_error("account a\nimap imaps://h\naccount a\nimap imaps://g\n", 3, want, "duplicate account");
	free(want);
	expect_error("account a/b\n", 1, "bad account name 'a/b': use letters, digits, '.', '_' and '-'",
	             "account name with a slash");
	expect_error("account\n", 1, "'account' takes one name", "account without a name");
	expect_error("account a\nimap imapz://h\n", 2, "bad URL 'imapz://h': the scheme must be imaps:// or imap://",
	             "bad URL scheme");
	expect_error("account a\nimap smtps://h\n", 2, "bad URL 'smtps://h': the scheme must be imaps:// or imap://",
	             "SMTP URL given for imap");
	expect_error("account a\nimap imap.example.org\n", 2,
	             "'imap.example.org' is not a URL: write imaps://imap.example.org (TLS) or imap://imap.example.org (STARTTLS)",
	             "host without scheme");
	expect_error("account a\nimap imaps://h:99999\n", 2, "bad URL 'imaps://h:99999': the port must be a number from 1 to 65535",
	             "port out of range");
	expect_error("account a\nimap imaps://h:\n", 2, "bad URL 'imaps://h:': the port must be a number from 1 to 65535",
	             "empty port");
	expect_error("account a\nimap imaps://\n", 2, "bad URL 'imaps://': no host name", "no host");
	expect_error("account a\nimap imaps://ana@h\n", 2, "bad URL 'imaps://ana@h': put the login name in 'user', not in the URL",
	             "user in URL");
	expect_error("account a\nimap imaps://h/INBOX\n", 2, "bad URL 'imaps://h/INBOX': unexpected 'INBOX' after the host",
	             "path in URL");
	expect_error("account a\nimap imaps://[::1\n", 2, "bad URL 'imaps://[::1': unclosed [ in IPv6 address", "unclosed IPv6");
	expect_error("account a\npop3 pop3s://[fe80::g]\n", 2, "bad URL 'pop3s://[fe80::g]': 'g' in IPv6 address",
	             "bad IPv6 digit");
	expect_error("account a\nsmtp smtpx://h\n", 2, "bad URL 'smtpx://h': the scheme must be smtps:// or smtp://",
	             "bad smtp scheme");
	expect_error("timeout 0\n", 1, "bad value '0' for 'timeout': a whole number from 1 to 3600", "timeout zero");
	expect_error("timeout 30s\n", 1, "bad value '30s' for 'timeout': a whole number from 1 to 3600", "timeout with unit");
	expect_error("check-interval -1\n", 1, "bad value '-1' for 'check-interval': a whole number from 0 to 86400",
	             "negative check-interval");
	expect_error("sort newest\n", 1,
	             "bad value 'newest' for 'sort': date, threads, from, subject or size, each also as reverse-ORDER",
	             "bad sort");
	expect_error("account a\nimap imaps://h\ntls maybe\n", 3, "bad value 'maybe' for 'tls': on or off", "bad boolean");
	expect_error("account a\nimap imaps://h\nfrom ana\n", 3,
	             "bad address 'ana' for 'from': write you@example.org or \"Your Name <you@example.org>\"", "from without @");
	expect_error("account a\nimap imaps://h\nfrom \"Ana <ana@>\"\n", 3,
	             "bad address 'Ana <ana@>' for 'from': write you@example.org or \"Your Name <you@example.org>\"",
	             "from without domain");
	expect_error("account a\nimap imaps://h\ntls-fingerprint ab12\n", 3,
	             "bad value 'ab12' for 'tls-fingerprint': sha256: followed by 64 hex digits", "fingerprint without sha256:");
	expect_error("account a\nimap imaps://h\ntls-fingerprint sha256:zz\n", 3,
	             "bad value 'sha256:zz' for 'tls-fingerprint': sha256: followed by 64 hex digits", "short fingerprint");
	expect_error("imap imaps://h\n", 1, "'imap' belongs in an account block: write 'account NAME' above it",
	             "account key before any account");
	expect_error("account a\nimap imaps://h\nsort date\n", 3,
	             "'sort' is a global key: move it above the first 'account' line", "global key inside an account");
	expect_error("editor\n", 1, "'editor' needs a value", "key without value");
	expect_error("editor \"\"\n", 1, "'editor' needs a value", "key with empty value");
	expect_error("editor vim -f\n", 1, "'editor' takes one value; put a value with spaces in \"double quotes\"",
	             "unquoted value with spaces");
	expect_error("editor \"vim\n", 1, "unterminated quoted string (a closing \" is missing)", "unterminated quote");
	expect_error("editor \"v\\im\"\n", 1, "unknown escape '\\i' in a quoted string (only \\\" and \\\\)", "unknown escape");
	expect_error("editor \"vim\"x\n", 1, "unexpected 'x' right after a closing quote", "text after quote");
	expect_error("default-account nope\naccount a\nimap imaps://h\n", 1,
	             "default-account 'nope' is not an account in this mailrc", "default-account unknown");
	expect_error("account a\nfrom a@b.c\n", 1, "account 'a' has no server: set imap, pop3 or smtp", "account without server");
	expect_error("account a\nimap imaps://h\ntls off\n", 3,
	             "account 'a': 'tls off' contradicts imaps:// (implicit TLS); use imap:// for plain text",
	             "tls off with implicit TLS");
	expect_error("account a\nimap imaps://h\npassword x\npassword-command \"echo x\"\n", 4,
	             "account 'a': set password or password-command, not both", "password and password-command");
	want = xasprintf("include: cannot open %s/nothere: No such file or directory", dir);
	expect_error("include nothere\n", 1, want, "include of a missing file");
	free(want);
	expect_error("include\n", 1, "'include' takes one file name", "include without a file");
}

static void test_nul_byte(void)
{
	const char *path = write_file("mailrc", "");
	FILE *fp = fopen(path, "w");
	fwrite("editor vi\0x\n", 1, 12, fp);
	fclose(fp);
	struct conf *conf = conf_load(path);
	ok(conf->nerrors == 1 && strstr(conf->diags[0].text, ":1: NUL byte"), "a NUL byte is an error");
	conf_free(conf);
}

static void test_commands(void)
{
	struct conf *conf = load("bind index x quit\ncolor status white blue bold\npush \"<enter> q\"\n"
	                         "account a\nimap imaps://h\n");

	is_int((long)conf->nerrors, 0, "bind, color and push parse");
	ok(conf->ncommands == 3 && strcmp(conf->commands[0].name, "bind") == 0 && conf->commands[0].argc == 3 &&
	   strcmp(conf->commands[0].argv[2], "quit") == 0 && conf->commands[0].line == 1,
	   "commands are kept in order with their words and line");
	ok(conf->ncommands == 3 && conf->commands[1].argc == 4 && strcmp(conf->commands[2].argv[0], "<enter> q") == 0,
	   "color with an attribute; push with a quoted string");
	ok(conf_apply_line(conf, "-e", "sort threads") == 0 && strcmp(conf_get(conf, NULL, CONF_K_SORT), "threads") == 0,
	   "conf_apply_line sets a global");
	ok(conf_apply_line(conf, "-e", "push <quit>") == 0 && conf->ncommands == 4, "conf_apply_line adds a command");
	ok(conf_apply_line(conf, "-e", "sort sideways") < 0 && strstr(conf->diags[conf->ndiags - 1].text, "-e: bad value"),
	   "conf_apply_line reports a bad value naming its origin");
	ok(conf_apply_line(conf, "-e", "account b") < 0, "conf_apply_line refuses account");
	conf_free(conf);
}

static void test_recovery_and_lines(void)
{
	struct conf *conf = load("pasword x\n\n# comment\nsort newest\naccount a\nimap imaps://h\n");

	is_int((long)conf->nerrors, 2, "parsing goes on after an error: both reported");
	ok(conf->ndiags >= 2 && strstr(conf->diags[1].text, "mailrc:4:"), "second error names line 4");
	conf_free(conf);

	conf = load("account a\r\nimap imaps://h\r\n");
	is_int((long)conf->nerrors, 0, "CRLF line ends are fine");
	conf_free(conf);

	conf = load("timeout 10\ntimeout 20\naccount a\nimap imaps://h\n");
	ok(has_warning(conf, "mailrc:2: 'timeout' set again (first at "), "a key set twice warns");
	is_int(conf_get_number(conf, NULL, CONF_K_TIMEOUT), 20, "the later value wins");
	conf_free(conf);
}

static void test_include(void)
{
	write_file("accounts", "account inc\nimap imaps://inc.example\npasword y\n");
	struct conf *conf = load("timeout 9\ninclude accounts\n");
	char *want = xasprintf("%s/accounts:3: unknown key 'pasword' (did you mean 'password'?)", dir);

	ok(conf_account_find(conf, "inc") != NULL, "include reads accounts from a relative path");
	ok(conf->nerrors == 1 && strcmp(conf->diags[0].text, want) == 0, "errors in an included file name that file");
	free(want);
	conf_free(conf);

	write_file("loop", "include loop\n");
	conf = load("include loop\n");
	ok(conf->nerrors == 1 && strstr(conf->diags[0].text, "include nested more than 16 deep"), "include loop stops");
	conf_free(conf);
}

static void test_permissions(void)
{
	const char *path = write_file("mailrc", "account a\nimap imaps://h\npassword secret\n");
	chmod(path, 0644);
	struct conf *conf = conf_load(path);
	ok(conf->nerrors == 0 && has_warning(conf, "holds a password but others can read it: run chmod 600"),
	   "a password in a world-readable mailrc warns");
	for (size_t i = 0; i < conf->ndiags; i++)
		ok(!strstr(conf->diags[i].text, "secret"), "the warning does not show the password");
	conf_free(conf);

	chmod(path, 0600);
	conf = conf_load(path);
	ok(conf->ndiags == 0, "a mode 600 mailrc with a password does not warn");
	conf_free(conf);

	conf = conf_load("/nonexistent/tern/mailrc");
	ok(conf->nerrors == 1 && strstr(conf->diags[0].text, "/nonexistent/tern/mailrc: cannot open: No such file"),
	   "a missing mailrc is an error naming it");
	conf_free(conf);
}

static void test_find_path(void)
{
	char *looked = NULL, *found;
	char *xdg = xasprintf("%s/xdg", dir), *home = xasprintf("%s/home", dir);
	char *rc = xasprintf("%s/xdg/tern", dir);

	mkdir(xdg, 0700);
	mkdir(home, 0700);
	setenv("XDG_CONFIG_HOME", xdg, 1);
	setenv("HOME", home, 1);
	found = conf_find_path(&looked);
	ok(found == NULL, "no mailrc anywhere");
	ok(looked && strstr(looked, "/xdg/tern/mailrc") && strstr(looked, "/home/.ternrc"), "the places looked at are named");
	free(looked);
	write_file("home/.ternrc", "");
	found = conf_find_path(NULL);
	ok(found && strstr(found, "/home/.ternrc"), "~/.ternrc is found");
	free(found);
	mkdir(rc, 0700);
	write_file("xdg/tern/mailrc", "");
	found = conf_find_path(NULL);
	ok(found && strstr(found, "/xdg/tern/mailrc"), "$XDG_CONFIG_HOME/tern/mailrc comes first");
	free(found);
	unsetenv("XDG_CONFIG_HOME");
	char *config = xasprintf("%s/home/.config", dir), *config_tern = xasprintf("%s/home/.config/tern", dir);
	mkdir(config, 0700);
	mkdir(config_tern, 0700);
	free(config);
	free(config_tern);
	write_file("home/.config/tern/mailrc", "");
	found = conf_find_path(NULL);
	ok(found && strstr(found, "/home/.config/tern/mailrc"), "without XDG_CONFIG_HOME, ~/.config/tern/mailrc");
	free(found);
	free(xdg);
	free(home);
	free(rc);
}

/* Every key of the table must appear in the sample and the manual. */
static void test_docs_mention_every_key(void)
{
	const char *srcdir = getenv("TERN_SRCDIR");
	const char *docs[] = { "mailrc.sample", "doc/mailrc.5" };

	if (!srcdir)
		srcdir = ".";
	for (size_t d = 0; d < LIB_ARRAY_LEN(docs); d++) {
		char *path = xasprintf("%s/%s", srcdir, docs[d]);
		FILE *fp = fopen(path, "r");
		struct buf text = BUF_INIT;
		char chunk[4096];
		size_t n;

		if (!ok(fp != NULL, "%s exists", docs[d])) {
			free(path);
			continue;
		}
		while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
			buf_add(&text, chunk, n);
		buf_addstr(&text, "");
		fclose(fp);
		for (int k = 0; k < CONF_KEY_COUNT; k++) {
			/* mailrc.5 escapes hyphens as \- */
			struct buf escaped = BUF_INIT;
			for (const char *p = conf_keys[k].name; *p; p++)
				buf_addstr(&escaped, *p == '-' && d == 1 ? "\\-" : (char[]){ *p, 0 });
			ok(strstr(text.data, escaped.data) != NULL, "%s documents '%s'", docs[d], conf_keys[k].name);
			buf_free(&escaped);
		}
		buf_free(&text);
		free(path);
	}

	char *sample = xasprintf("%s/mailrc.sample", srcdir);
	struct conf *conf = conf_load(sample);
	is_int((long)conf->nerrors, 0, "mailrc.sample parses without errors");
	for (size_t i = 0; i < conf->ndiags; i++)
		printf("#   %s\n", conf->diags[i].text);
	conf_free(conf);
	free(sample);
}

static void test_table(void)
{
	for (int k = 0; k < CONF_KEY_COUNT; k++) {
		ok(conf_key_lookup(conf_keys[k].name) == k && conf_keys[k].help && *conf_keys[k].help,
		   "key '%s' is in the table with help", conf_keys[k].name);
	}
	ok(conf_key_lookup("nonsense") == -1, "unknown keys are not found");
}

/* Issue 18.13: lines copied from a muttrc get one error naming tern's equivalent. */
static void test_muttrc_lines(void)
{
	expect_error("set sort=threads\n", 1, "'set' is muttrc syntax; tern writes KEY VALUE: sort \"threads\"",
	             "set sort=threads names tern's sort line");
	expect_error("set sort = reverse-date\n", 1, "'set' is muttrc syntax; tern writes KEY VALUE: sort \"reverse-date\"",
	             "set with spaces around =");
	expect_error("set editor=\"vim +8\"\n", 1, "'set' is muttrc syntax; tern writes KEY VALUE: editor \"vim +8\"",
	             "a quoted value is kept whole");
	expect_error("set nosidebar_visible\n", 1, "'set' is muttrc syntax; tern writes KEY VALUE: sidebar no",
	             "set noVAR of a boolean");
	expect_error("unset confirm_expunge\n", 1, "'unset' is muttrc syntax; tern writes KEY VALUE: confirm-expunge no",
	             "unset of a boolean, its name with dashes");
	expect_error("set record=+Sent\n", 1, "'set' is muttrc syntax; tern writes KEY VALUE: folder-sent \"+Sent\"",
	             "a mutt variable with another tern name");
	expect_error("set smart_wrap\n", 1,
	             "'set smart_wrap' is muttrc syntax; mutt's smart_wrap needs no line in tern: tern always breaks "
	             "long lines at spaces", "a mutt habit tern has built in");
	expect_error("set pgp_autosign=yes\n", 1,
	             "'set' is muttrc syntax; tern has no setting like mutt's pgp_autosign (mailrc(5) lists the keys)",
	             "a mutt variable with no tern setting");
	expect_error("macro index ,a \"<save-message>=archive<enter>\" \"archive\"\n", 1,
	             "'macro' is muttrc syntax; tern has no macros: bind MAP KEY FUNCTION binds one function, and "
	             "push KEYS types keys once the first folder is open", "macro: one error, tern's equivalents");
	expect_error("macro index \\cb '|urlview\\n'\n", 1,
	             "'macro' is muttrc syntax; tern has no macros: bind MAP KEY FUNCTION binds one function, and "
	             "push KEYS types keys once the first folder is open", "macro with mutt's quoting: still one error");
	expect_error("source ~/.mutt/colors\n", 1, "'source' is muttrc syntax; tern writes include ~/.mutt/colors",
	             "source names include");
	expect_error("mailboxes +INBOX +Lists\n", 1,
	             "'mailboxes' is muttrc syntax; tern lists the server's folders itself (y, or sidebar yes)",
	             "mailboxes");
	expect_error("folder-hook . 'set sort=date'\n", 1,
	             "'folder-hook' is muttrc syntax; tern has no hooks (an account block holds what differs per account)",
	             "a hook");
	expect_error("my_hdr X-Foo: bar\n", 1, "'my_hdr' is muttrc syntax; tern has no my_hdr", "my_hdr");
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	test_table();
	test_every_key();
	test_defaults();
	test_errors();
	test_muttrc_lines();
	test_nul_byte();
	test_commands();
	test_recovery_and_lines();
	test_include();
	test_permissions();
	test_docs_mention_every_key();
	test_find_path();
	char *cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	free(cmd);
	return tap_done();
}
