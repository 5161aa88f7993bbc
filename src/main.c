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

int main(int argc, char **argv)
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
	const char *mailrc = NULL, *account = NULL, *folder = NULL;
	int mode = 0, all = 0, json = 0, no_send = 0, retry_failed = 0, verbose = 0, opt;
	const char *list_pattern = NULL;
	struct cli_list_filter filter = { 0 };
	char **exec = NULL;
	size_t nexec = 0;
	struct cli_send_options send = { 0 };
	int sending = 0;
	const char *whatis = NULL;
	int mailrc_only = 0, setup = 0;
	const char *complete = NULL;

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
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":A:F:f:e:s:c:b:a:r:L:HhvVt", options, NULL)) != -1) {
		switch (opt) {
		case 'A': account = optarg; break;
		case 'F': mailrc = optarg; break;
		case 'f': folder = optarg; break;
		case 'e':
			exec = xrealloc(exec, (nexec + 1) * sizeof(*exec));
			exec[nexec++] = optarg;
			break;
		case 's': send.subject = optarg; sending = 1; break;
		case 'c': push_arg(&send.cc, &send.ncc, optarg); sending = 1; break;
		case 'b': push_arg(&send.bcc, &send.nbcc, optarg); sending = 1; break;
		case 'a': push_arg(&send.attach, &send.nattach, optarg); sending = 1; break;
		case 'r': send.from = optarg; sending = 1; break;
		case OPT_DRY_RUN: send.dry_run = 1; sending = 1; break;
		case OPT_FLUSH:
		case OPT_OUTBOX:
			if (mode && mode != opt)
				return usage_error("%s", opt == OPT_FLUSH ? "--flush-outbox goes alone" : "--outbox goes alone");
			mode = opt;
			break;
		case 't': send.headers = 1; sending = 1; break;
		case 'v': verbose = 1; break;
		case 'L':
		case OPT_NEW:
			if (list_pattern)
				return usage_error("%s", "give one of -L and --new");
			list_pattern = opt == OPT_NEW ? "~U" : optarg; /* new: not read yet */
			if (mode && mode != 'H')
				return usage_error("%s", "-L and --new go with -H");
			mode = 'H';
			break;
		case OPT_LAST: {
			char *end = NULL;
			long n = strtol(optarg, &end, 10);
			if (!*optarg || *end || n <= 0)
				return usage_error("--last needs a number of messages, not '%s'", optarg);
			filter.last = (size_t)n;
			if (mode && mode != 'H')
				return usage_error("%s", "--last goes with -H");
			mode = 'H';
			break;
		}
		case 'h': fputs(usage_text, stdout); return 0;
		case 'V': return cli_version(stdout, ui_curses_version());
		case 'H':
		case OPT_CHECK:
		case OPT_CHECK_CONFIG:
		case OPT_FETCH:
		case OPT_TEST_ACCOUNT:
			if (mode && mode != opt)
				return usage_error("%s", mode == 'H' && (list_pattern || filter.last)
				                             ? "-L, --new and --last go with -H"
				                             : "choose one of -H, --check, --fetch, --test-account and --check-config");
			mode = opt;
			break;
		case OPT_WHATIS: whatis = optarg; break;
		case OPT_MAILRC_ONLY: mailrc_only = 1; break;
		case OPT_SETUP: setup = 1; break;
		case OPT_COMPLETE: complete = optarg; break;
		case OPT_ALL: all = 1; break;
		case OPT_JSON: json = 1; break;
		case OPT_NO_SEND: no_send = 1; break;
		case OPT_RETRY_FAILED: retry_failed = 1; break;
		case ':': return usage_error("option %s needs a value", argv[optind - 1]);
		default:
			if (optopt) {
				char flag[3] = { '-', (char)optopt, 0 };
				return usage_error("unknown option %s", flag);
			}
			return usage_error("unknown option %s", argv[optind - 1]);
		}
	}
	if (complete) { /* tern [-F mailrc] [-A account] --complete accounts|folders */
		if (mode || sending || folder || whatis || setup || nexec || optind < argc)
			return usage_error("%s", "--complete goes with -F and -A only");
		return cli_complete(mailrc, account, complete);
	}
	if (mode == OPT_TEST_ACCOUNT && optind < argc) { /* --test-account NAME */
		if (argc - optind > 1 || account)
			return usage_error("%s", "--test-account takes one account name (or -A NAME)");
		account = argv[optind++];
	}
	if (no_send && mode != OPT_TEST_ACCOUNT)
		return usage_error("%s", "--no-send goes with --test-account");
	if (retry_failed && mode != OPT_FLUSH)
		return usage_error("%s", "--retry-failed goes with --flush-outbox");
	send.verbose = verbose;
	char **flush_names = mode == OPT_FLUSH ? argv + optind : NULL; /* --flush-outbox ENTRY... */
	size_t nflush = mode == OPT_FLUSH ? (size_t)(argc - optind) : 0;
	if (mode == OPT_FLUSH)
		optind = argc;
	for (int i = optind; i < argc; i++)
		push_arg(&send.to, &send.nto, argv[i]);
	if (send.nto)
		sending = 1;
	if (sending && mode)
		return usage_error("%s", "sending (addresses, -s, -c, -b, -a, -r) goes with no other mode");
	if (sending)
		mode = OPT_SEND;
	if ((whatis || setup) && (mode || sending || folder || account || (whatis && setup)))
		return usage_error("%s", "--whatis and --setup go alone");
	if (mailrc_only && !whatis)
		return usage_error("%s", "--mailrc goes with --whatis");
	if (whatis) {
		int rc = cli_whatis(mailrc, whatis, mailrc_only, exec, nexec);
		free(exec);
		return rc;
	}
	if (setup) {
		free(exec);
		return cli_setup(mailrc, 0);
	}
	if (all && mode != OPT_CHECK)
		return usage_error("%s", "--all goes with --check");
	if (json && mode != OPT_CHECK && mode != OPT_TEST_ACCOUNT && mode != OPT_OUTBOX)
		return usage_error("%s", "--json goes with --check, --test-account or --outbox");
	if (mode == OPT_OUTBOX) { /* needs no mailrc: the outbox is a directory */
		free(exec);
		return cli_outbox(json);
	}
	if (folder && mode && mode != 'H')
		return usage_error("%s", "-f goes with -H or the reader");
	/* Local folders need no mailrc: -f PATH -H lists a Maildir or mbox when
	 * PATH starts with '/', '~' or '.'; with no mailrc at all, -H lists -f
	 * FILE, else $MAIL, else ~/Maildir (as mailx would). */
	if (mode == 'H') {
		int rc = cli_list_filter_compile(list_pattern, &filter);
		if (rc) {
			free(exec);
			return rc;
		}
	}
	if (mode == 'H') {
		int no_mailrc = 0;
		if (!mailrc && !account) {
			char *found = conf_find_path(NULL);
			no_mailrc = found == NULL;
			free(found);
		}
		if (cli_local_is_path(folder) || no_mailrc) {
			free(exec);
			int rc = cli_list_local(folder, &filter);
			cli_list_filter_clear(&filter);
			return rc;
		}
	}
	int exit_code;
	/* First run: no mailrc, no local mailbox, a terminal: set up an account
	 * (given up: go on and say there is nothing to open). */
	if (!mode && !mailrc && !folder && cli_setup_wanted()) {
		exit_code = cli_setup(NULL, 1);
		if (exit_code && exit_code != 1) {
			free(exec);
			return exit_code;
		}
	}
	if (mode == OPT_CHECK_CONFIG) {
		exit_code = cli_check_config(mailrc, exec, nexec);
		free(exec);
		return exit_code;
	}
	/* The reader with no mailrc: -f PATH, else $MAIL, else ~/Maildir. */
	int local_only = 0;
	if (!mode && !sending && !mailrc && !account) {
		char *found = conf_find_path(NULL);
		local_only = found == NULL;
		free(found);
	}
	struct conf *conf = local_only ? cli_conf_local(folder, exec, nexec, &exit_code)
	                               : cli_conf_load(mailrc, exec, nexec, &exit_code);
	free(exec);
	if (conf && account && !conf_account_find(conf, account)) {
		fprintf(stderr, "tern: no account '%s' in %s\n", account, conf->path);
		exit_code = lib_error_exit_code(LIB_ERR_USAGE);
	} else if (!conf) {
		/* exit_code says why; the argument lists are still freed below */
	} else if (mode == OPT_SEND) {
		exit_code = cli_send(conf, account, &send);
	} else if (mode == OPT_FLUSH) {
		exit_code = cli_flush_outbox(conf, retry_failed, flush_names, nflush, verbose);
	} else if (mode == OPT_FETCH) {
		exit_code = cli_fetch(conf, account);
	} else if (mode == 'H') {
		exit_code = cli_list(conf, account, folder, &filter, verbose);
	} else if (mode == OPT_TEST_ACCOUNT) {
		exit_code = cli_test_account(conf, account, no_send, json);
	} else if (mode == OPT_CHECK) {
		exit_code = cli_check(conf, account, all, json);
	} else if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "tern: the reader needs a terminal; for scripts use -H or --check (tern -h)\n");
		exit_code = lib_error_exit_code(LIB_ERR_USAGE);
	} else {
		cli_ask_passwords(conf);
		exit_code = ui_run(conf, account, folder);
	}
	conf_free(conf);
	cli_list_filter_clear(&filter);
	free(send.to);
	free(send.cc);
	free(send.bcc);
	free(send.attach);
	return exit_code;
}
