/* tern: command-line arguments and the choice of mode. */
#include <locale.h>
#include <getopt.h>
#include <signal.h>
#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cli/cli.h"
#include "ui/ui.h"
#include "lib/lib.h"

/* Grouped by task like the SYNOPSIS of tern(1) and the README, in the same
 * order (tests/unit/doc/usage.sh compares them); 80 columns at most. */
static const char usage_text[] =
	"usage: tern [-F mailrc] [-A account] [mode and its options]\n"
	"Read\n"
	"  tern [-f folder] [-e line]...      open the reader (on INBOX)\n"
	"  tern [-f folder] -H [-L pattern] [--new] [--last N]\n"
	"                                     list the messages of a folder\n"
	"  tern --fetch                       download POP3 mail into its Maildir\n"
	"Send (the message from stdin)\n"
	"  tern [-v] -s subject [-c addr]... [-b addr]... [-a file]... [-r from]\n"
	"       [--dry-run] addr...           send it to addr (each an address list)\n"
	"  tern [-v] -t [options as for -s]   send it to its own To, Cc and Bcc\n"
	"  tern --flush-outbox [--retry-failed] [entry]...\n"
	"                                     send what waits in the outbox\n"
	"  tern --outbox [--json]             list what waits in the outbox, and why\n"
	"Check\n"
	"  tern --check [--all] [--json]      message counts and quota\n"
	"  tern --test-account [--no-send] [--json] [account]\n"
	"                                     test an account's servers, step by step\n"
	"  tern --check-config                check the mailrc\n"
	"Set up\n"
	"  tern --setup                       set up an account, asking questions\n"
	"  tern --whatis address [--mailrc]   which servers an address uses\n"
	"  tern -V | --version                version, git commit, libraries\n"
	"  tern -h | --help                   this help\n"
	"\n"
	"  -F file   the mailrc (default ~/.config/tern/mailrc, else ~/.ternrc)\n"
	"  -A name   the account (default: default-account, else the first)\n"
	"  -f name   a folder of the account, or /path, ~/path, ./path: a Maildir, mbox\n"
	"  -e line   a mailrc line run after start-up, e.g. -e 'push <quit>'\n"
	"  -v        verbose: the SMTP dialogue on stderr (passwords masked); with -H,\n"
	"            the IMAP session's TLS, compression and bytes on the wire\n"
	"See tern(1) and mailrc(5).\n";

enum { OPT_CHECK_CONFIG = 256, OPT_CHECK, OPT_ALL, OPT_JSON, OPT_DRY_RUN, OPT_FLUSH, OPT_SEND, OPT_FETCH,
	OPT_TEST_ACCOUNT, OPT_NO_SEND, OPT_OUTBOX, OPT_RETRY_FAILED, OPT_NEW, OPT_LAST };
enum { OPT_WHATIS = 320, OPT_MAILRC_ONLY, OPT_SETUP }; /* account discovery and set-up */
enum { OPT_COMPLETE = 340 }; /* for the shell completions; not in the help */

static void push_arg(char ***list, size_t *n, char *arg)
{
	*list = xrealloc(*list, (*n + 1) * sizeof(**list));
	(*list)[(*n)++] = arg;
}

static int usage_error(const char *fmt, const char *what)
{
	fputs("tern: ", stderr);
	fprintf(stderr, fmt, what);
	fputc('\n', stderr);
	fputs(usage_text, stderr);
	return lib_error_exit_code(LIB_ERR_USAGE);
}

/* No core file may carry a password out of this process. */
static void protect_secrets(void)
{
	struct rlimit none = { 0, 0 };
	setrlimit(RLIMIT_CORE, &none);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/* Options that only some modes take (the modes table says which). */
enum { TAKES_FOLDER = 1, TAKES_ALL = 2, TAKES_JSON = 4, TAKES_NO_SEND = 8, TAKES_RETRY = 16, TAKES_MAILRC = 32 };

/* What the command line asked for. */
struct args {
	const char *mailrc, *account, *folder, *list_pattern, *whatis, *complete;
	int mode; /* OPT_*, 'H', OPT_SEND, or 0: the reader */
	int verbose, sending, setup;
	unsigned given; /* TAKES_* of the options given */
	struct cli_list_filter filter;
	struct cli_send_options send;
	char **exec;
	size_t nexec;
	char **flush_names; /* --flush-outbox ENTRY... */
	size_t nflush;
};

static int run_complete(struct args *a)
{
	return cli_complete(a->mailrc, a->account, a->complete);
}

static int run_whatis(struct args *a)
{
	return cli_whatis(a->mailrc, a->whatis, !!(a->given & TAKES_MAILRC), a->exec, a->nexec);
}

static int run_setup(struct args *a)
{
	return cli_setup(a->mailrc, 0);
}

static int run_outbox(struct args *a) /* needs no mailrc: the outbox is a directory */
{
	return cli_outbox(!!(a->given & TAKES_JSON));
}

static int run_check_config(struct args *a)
{
	return cli_check_config(a->mailrc, a->exec, a->nexec);
}

/* Loads the mailrc (or, local_only, makes one for -f PATH, $MAIL or
 * ~/Maildir) and runs mode on it. */
static int with_conf(struct args *a, int local_only, int (*mode)(struct args *a, struct conf *conf))
{
	int exit_code;
	struct conf *conf = local_only ? cli_conf_local(a->folder, a->exec, a->nexec, &exit_code)
	                               : cli_conf_load(a->mailrc, a->exec, a->nexec, &exit_code);
	if (conf && a->account && !conf_account_find(conf, a->account)) {
		fprintf(stderr, "tern: no account '%s' in %s\n", a->account, conf->path);
		exit_code = lib_error_exit_code(LIB_ERR_USAGE);
	} else if (conf) {
		exit_code = mode(a, conf);
	}
	conf_free(conf);
	return exit_code;
}

static int send_mode(struct args *a, struct conf *conf)
{
	return cli_send(conf, a->account, &a->send);
}

static int flush_mode(struct args *a, struct conf *conf)
{
	return cli_flush_outbox(conf, !!(a->given & TAKES_RETRY), a->flush_names, a->nflush, a->verbose);
}

static int fetch_mode(struct args *a, struct conf *conf)
{
	return cli_fetch(conf, a->account);
}

static int list_mode(struct args *a, struct conf *conf)
{
	return cli_list(conf, a->account, a->folder, &a->filter, a->verbose);
}

static int test_mode(struct args *a, struct conf *conf)
{
	return cli_test_account(conf, a->account, !!(a->given & TAKES_NO_SEND), !!(a->given & TAKES_JSON));
}

static int check_mode(struct args *a, struct conf *conf)
{
	return cli_check(conf, a->account, !!(a->given & TAKES_ALL), !!(a->given & TAKES_JSON));
}

static int run_send(struct args *a) { return with_conf(a, 0, send_mode); }
static int run_flush(struct args *a) { return with_conf(a, 0, flush_mode); }
static int run_fetch(struct args *a) { return with_conf(a, 0, fetch_mode); }
static int run_test(struct args *a) { return with_conf(a, 0, test_mode); }
static int run_check(struct args *a) { return with_conf(a, 0, check_mode); }

/* Whether no mailrc is given or found. */
static int no_mailrc(const struct args *a)
{
	if (a->mailrc || a->account)
		return 0;
	char *found = conf_find_path(NULL);
	free(found);
	return found == NULL;
}

/* -H: a local folder (-f PATH starting with '/', '~' or '.') needs no
 * mailrc; with no mailrc at all, -H lists -f FILE, else $MAIL, else
 * ~/Maildir (as mailx would). */
static int run_list(struct args *a)
{
	int rc = cli_list_filter_compile(a->list_pattern, &a->filter);
	if (rc)
		return rc;
	if (cli_local_is_path(a->folder) || no_mailrc(a))
		return cli_list_local(a->folder, &a->filter);
	return with_conf(a, 0, list_mode);
}

static int reader_mode(struct args *a, struct conf *conf)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "tern: the reader needs a terminal; for scripts use -H or --check (tern -h)\n");
		return lib_error_exit_code(LIB_ERR_USAGE);
	}
	cli_ask_passwords(conf);
	return ui_run(conf, a->account, a->folder);
}

static int run_reader(struct args *a)
{
	/* First run: no mailrc, no local mailbox, a terminal: set up an account
	 * (given up: go on and say there is nothing to open). */
	if (!a->mailrc && !a->folder && cli_setup_wanted()) {
		int rc = cli_setup(NULL, 1);
		if (rc && rc != 1)
			return rc;
	}
	/* with no mailrc: -f PATH, else $MAIL, else ~/Maildir */
	return with_conf(a, no_mailrc(a), reader_mode);
}

/* The modes: the options each takes, and its handler. The order names
 * them in "goes with" errors. */
static const struct mode {
	int id;
	const char *name;
	unsigned takes; /* TAKES_* */
	int (*run)(struct args *a);
} modes[] = {
	{ 'H', "-H", TAKES_FOLDER, run_list },
	{ OPT_FETCH, "--fetch", 0, run_fetch },
	{ OPT_SEND, "sending", 0, run_send },
	{ OPT_FLUSH, "--flush-outbox", TAKES_RETRY, run_flush },
	{ OPT_CHECK, "--check", TAKES_ALL | TAKES_JSON, run_check },
	{ OPT_TEST_ACCOUNT, "--test-account", TAKES_NO_SEND | TAKES_JSON, run_test },
	{ OPT_OUTBOX, "--outbox", TAKES_JSON, run_outbox },
	{ OPT_CHECK_CONFIG, "--check-config", 0, run_check_config },
	{ OPT_WHATIS, "--whatis", TAKES_MAILRC, run_whatis },
	{ OPT_SETUP, "--setup", 0, run_setup },
	{ OPT_COMPLETE, "--complete", 0, run_complete },
	{ 0, "the reader", TAKES_FOLDER, run_reader },
};

/* The options that go with some modes only, in the order they are checked. */
static const struct { unsigned bit; const char *name; } takes_names[] = {
	{ TAKES_NO_SEND, "--no-send" }, { TAKES_RETRY, "--retry-failed" }, { TAKES_MAILRC, "--mailrc" },
	{ TAKES_ALL, "--all" }, { TAKES_JSON, "--json" }, { TAKES_FOLDER, "-f" },
};

static const struct mode *mode_of(int id)
{
	for (size_t i = 0; i < LIB_ARRAY_LEN(modes); i++)
		if (modes[i].id == id)
			return &modes[i];
	return &modes[LIB_ARRAY_LEN(modes) - 1];
}

/* "--json goes with --check, --test-account or --outbox" when an option
 * is given to a mode that does not take it; 0 when all are taken. */
static int options_refused(const struct args *a)
{
	const struct mode *mode = mode_of(a->mode);

	for (size_t o = 0; o < LIB_ARRAY_LEN(takes_names); o++) {
		if (!(a->given & takes_names[o].bit) || (mode->takes & takes_names[o].bit))
			continue;
		struct buf text = BUF_INIT;
		size_t n = 0, count = 0;
		for (size_t m = 0; m < LIB_ARRAY_LEN(modes); m++)
			count += !!(modes[m].takes & takes_names[o].bit);
		buf_addf(&text, "%s goes with ", takes_names[o].name);
		for (size_t m = 0; m < LIB_ARRAY_LEN(modes); m++)
			if (modes[m].takes & takes_names[o].bit)
				buf_addf(&text, "%s%s", n++ ? n == count ? " or " : ", " : "", modes[m].name);
		int rc = usage_error("%s", text.data);
		buf_free(&text);
		return rc;
	}
	return 0;
}

/* Reads the options into a; returns -1 to go on, else the exit code
 * (help, version, a usage error). */
static int parse_options(int argc, char **argv, struct args *a)
{
	static const struct option options[] = {
		{ "check-config", no_argument, NULL, OPT_CHECK_CONFIG },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "flush-outbox", no_argument, NULL, OPT_FLUSH },
		{ "outbox", no_argument, NULL, OPT_OUTBOX },
		{ "retry-failed", no_argument, NULL, OPT_RETRY_FAILED },
		{ "fetch", no_argument, NULL, OPT_FETCH },
		{ "whatis", required_argument, NULL, OPT_WHATIS },
		{ "mailrc", no_argument, NULL, OPT_MAILRC_ONLY },
		{ "setup", no_argument, NULL, OPT_SETUP },
		{ "complete", required_argument, NULL, OPT_COMPLETE },
		{ "test-account", no_argument, NULL, OPT_TEST_ACCOUNT },
		{ "no-send", no_argument, NULL, OPT_NO_SEND },
		{ "new", no_argument, NULL, OPT_NEW },
		{ "last", required_argument, NULL, OPT_LAST },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_send_options *send = &a->send;
	int opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":A:F:f:e:s:c:b:a:r:L:HhvVt", options, NULL)) != -1) {
		switch (opt) {
		case 'A': a->account = optarg; break;
		case 'F': a->mailrc = optarg; break;
		case 'f': a->folder = optarg; a->given |= TAKES_FOLDER; break;
		case 'e': push_arg(&a->exec, &a->nexec, optarg); break;
		case 's': send->subject = optarg; a->sending = 1; break;
		case 'c': push_arg(&send->cc, &send->ncc, optarg); a->sending = 1; break;
		case 'b': push_arg(&send->bcc, &send->nbcc, optarg); a->sending = 1; break;
		case 'a': push_arg(&send->attach, &send->nattach, optarg); a->sending = 1; break;
		case 'r': send->from = optarg; a->sending = 1; break;
		case OPT_DRY_RUN: send->dry_run = 1; a->sending = 1; break;
		case OPT_FLUSH:
		case OPT_OUTBOX:
			if (a->mode && a->mode != opt)
				return usage_error("%s", opt == OPT_FLUSH ? "--flush-outbox goes alone" : "--outbox goes alone");
			a->mode = opt;
			break;
		case 't': send->headers = 1; a->sending = 1; break;
		case 'v': a->verbose = 1; break;
		case 'L':
		case OPT_NEW:
			if (a->list_pattern)
				return usage_error("%s", "give one of -L and --new");
			a->list_pattern = opt == OPT_NEW ? "~U" : optarg; /* new: not read yet */
			if (a->mode && a->mode != 'H')
				return usage_error("%s", "-L and --new go with -H");
			a->mode = 'H';
			break;
		case OPT_LAST: {
			char *end = NULL;
			long n = strtol(optarg, &end, 10);
			if (!*optarg || *end || n <= 0)
				return usage_error("--last needs a number of messages, not '%s'", optarg);
			a->filter.last = (size_t)n;
			if (a->mode && a->mode != 'H')
				return usage_error("%s", "--last goes with -H");
			a->mode = 'H';
			break;
		}
		case 'h': fputs(usage_text, stdout); return 0;
		case 'V': return cli_version(stdout, ui_curses_version());
		case 'H':
		case OPT_CHECK:
		case OPT_CHECK_CONFIG:
		case OPT_FETCH:
		case OPT_TEST_ACCOUNT:
			if (a->mode && a->mode != opt)
				return usage_error("%s", a->mode == 'H' && (a->list_pattern || a->filter.last)
				                             ? "-L, --new and --last go with -H"
				                             : "choose one of -H, --check, --fetch, --test-account and --check-config");
			a->mode = opt;
			break;
		case OPT_WHATIS: a->whatis = optarg; break;
		case OPT_MAILRC_ONLY: a->given |= TAKES_MAILRC; break;
		case OPT_SETUP: a->setup = 1; break;
		case OPT_COMPLETE: a->complete = optarg; break;
		case OPT_ALL: a->given |= TAKES_ALL; break;
		case OPT_JSON: a->given |= TAKES_JSON; break;
		case OPT_NO_SEND: a->given |= TAKES_NO_SEND; break;
		case OPT_RETRY_FAILED: a->given |= TAKES_RETRY; break;
		case ':': return usage_error("option %s needs a value", argv[optind - 1]);
		default:
			if (optopt) {
				char flag[3] = { '-', (char)optopt, 0 };
				return usage_error("unknown option %s", flag);
			}
			return usage_error("unknown option %s", argv[optind - 1]);
		}
	}
	return -1;
}

/* Settles the mode from what was given beside the options: --complete,
 * addresses to send to, --whatis, --setup; -1 to go on, else the exit
 * code of a usage error. */
static int choose_mode(int argc, char **argv, struct args *a)
{
	if (a->complete) { /* tern [-F mailrc] [-A account] --complete accounts|folders */
		if (a->mode || a->sending || a->folder || a->whatis || a->setup || a->nexec || optind < argc)
			return usage_error("%s", "--complete goes with -F and -A only");
		a->mode = OPT_COMPLETE;
		return -1;
	}
	if (a->mode == OPT_TEST_ACCOUNT && optind < argc) { /* --test-account NAME */
		if (argc - optind > 1 || a->account)
			return usage_error("%s", "--test-account takes one account name (or -A NAME)");
		a->account = argv[optind++];
	}
	a->send.verbose = a->verbose;
	if (a->mode == OPT_FLUSH) {
		a->flush_names = argv + optind;
		a->nflush = (size_t)(argc - optind);
		optind = argc;
	}
	for (int i = optind; i < argc; i++)
		push_arg(&a->send.to, &a->send.nto, argv[i]);
	if (a->send.nto)
		a->sending = 1;
	if (a->sending && a->mode)
		return usage_error("%s", "sending (addresses, -s, -c, -b, -a, -r) goes with no other mode");
	if (a->sending)
		a->mode = OPT_SEND;
	if ((a->whatis || a->setup) && (a->mode || a->folder || a->account || (a->whatis && a->setup)))
		return usage_error("%s", "--whatis and --setup go alone");
	if (a->whatis)
		a->mode = OPT_WHATIS;
	if (a->setup)
		a->mode = OPT_SETUP;
	return -1;
}

int main(int argc, char **argv)
{
	struct args a = { 0 };

	/* A server that closes the connection under a write (OpenSSL writes
	 * with plain write()) must be an error to handle, not the end. Caught
	 * rather than ignored: an ignored SIGPIPE stays ignored in every
	 * command tern runs (editor, pipes, hooks), whose pipelines then fail
	 * with "Broken pipe" errors instead of ending quietly. */
	lib_signal_quiet(SIGPIPE, NULL);
	setlocale(LC_ALL, "");
	if (strcmp(nl_langinfo(CODESET), "UTF-8") != 0)
		setlocale(LC_CTYPE, "C.UTF-8"); /* widths of UTF-8 text need a UTF-8 ctype */
	protect_secrets();
	int exit_code = parse_options(argc, argv, &a);
	if (exit_code < 0)
		exit_code = choose_mode(argc, argv, &a);
	if (exit_code < 0 && (exit_code = options_refused(&a)) == 0)
		exit_code = mode_of(a.mode)->run(&a);
	free(a.exec);
	cli_list_filter_clear(&a.filter);
	free(a.send.to);
	free(a.send.cc);
	free(a.send.bcc);
	free(a.send.attach);
	return exit_code;
}
