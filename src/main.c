/* tern: command-line arguments and the choice of mode. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/lib.h"

static const char usage_text[] =
	"usage: tern [-F mailrc] [-A account]            open the mail reader\n"
	"       tern [-F mailrc] --check-config          check the mailrc and exit\n"
	"       tern -v | --version                      version and libraries\n"
	"       tern -h | --help                         this help\n"
	"\n"
	"  -F FILE   read FILE instead of ~/.config/tern/mailrc or ~/.ternrc\n"
	"  -A NAME   use account NAME instead of the default account\n"
	"\n"
	"See tern(1) and mailrc(5).\n";

enum { OPT_CHECK_CONFIG = 256 };

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "check-config", no_argument, NULL, OPT_CHECK_CONFIG },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	const char *mailrc = NULL, *account = NULL;
	int mode = 0, opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":A:F:hv", options, NULL)) != -1) {
		switch (opt) {
		case 'A': account = optarg; break;
		case 'F': mailrc = optarg; break;
		case 'h': fputs(usage_text, stdout); return 0;
		case 'v': return cli_version(stdout);
		case OPT_CHECK_CONFIG: mode = opt; break;
		case ':':
			fprintf(stderr, "tern: option %s needs a value\n", argv[optind - 1]);
			fputs(usage_text, stderr);
			return lib_error_exit_code(LIB_ERR_USAGE);
		default:
			if (optopt)
				fprintf(stderr, "tern: unknown option -%c\n", optopt);
			else
				fprintf(stderr, "tern: unknown option %s\n", argv[optind - 1]);
			fputs(usage_text, stderr);
			return lib_error_exit_code(LIB_ERR_USAGE);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tern: unexpected argument '%s'\n", argv[optind]);
		fputs(usage_text, stderr);
		return lib_error_exit_code(LIB_ERR_USAGE);
	}
	if (mode == OPT_CHECK_CONFIG)
		return cli_check_config(mailrc);

	int exit_code;
	struct conf *conf = cli_conf_load(mailrc, &exit_code);
	if (!conf)
		return exit_code;
	if (account && !conf_account_find(conf, account)) {
		fprintf(stderr, "tern: no account '%s' in %s\n", account, conf->path);
		conf_free(conf);
		return lib_error_exit_code(LIB_ERR_USAGE);
	}
	fprintf(stderr, "tern: this build has no mail reader yet; tern -h lists what it can do\n");
	conf_free(conf);
	return lib_error_exit_code(LIB_ERR_CONNECTION);
}
