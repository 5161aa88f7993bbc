/* tern -H: the folder's messages, one line each, like mailx -H:
 *     1 N  Nov 21 14:03  Ana Lima              Lunch on Friday?
 * Number, flags (model_flags_format), date, sender, subject; all through
 * the sanitizer. It goes through the header cache exactly as the TUI will. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../mime/mime.h"

/* "Nov 21 14:03". Messages often share a minute with the one before
 * (a thread, a burst): the last one formatted is kept. */
static void format_date(int64_t date, char *out, size_t size)
{
	static int64_t last_minute = -1;
	static char last[32];
	time_t t = (time_t)date;
	struct tm tm;

	if (date && date / 60 == last_minute) {
		snprintf(out, size, "%s", last);
		return;
	}
	if (!date || !localtime_r(&t, &tm) || !strftime(out, size, "%b %d %H:%M", &tm)) {
		snprintf(out, size, "%-12s", "?");
		return;
	}
	last_minute = date / 60;
	snprintf(last, sizeof(last), "%s", out);
}

int cli_list_filter_compile(const char *text, struct cli_list_filter *filter)
{
	char *error = NULL;
	size_t at = 0;

	filter->pattern = NULL;
	if (!text)
		return 0;
	filter->pattern = model_pattern_compile(text, time(NULL), &error, &at);
	if (filter->pattern && model_pattern_needs_server(filter->pattern)) {
		model_pattern_free(filter->pattern);
		filter->pattern = NULL;
		error = xstrdup("~b and ~B search the server: use them in the reader (l or /)");
		at = 0;
	}
	if (!filter->pattern) {
		struct buf shown = BUF_INIT;
		lib_sanitize(&shown, text, strlen(text), LIB_SANITIZE_LINE);
		fprintf(stderr, "tern: -L '%s': %s (at column %zu)\n", shown.data, error, at + 1);
		buf_free(&shown);
		free(error);
		return lib_error_exit_code(LIB_ERR_USAGE);
	}
	return 0;
}

void cli_list_filter_clear(struct cli_list_filter *filter)
{
	model_pattern_free(filter->pattern);
	filter->pattern = NULL;
}

void cli_print_index(struct model_mailbox *mbox, const struct cli_list_filter *filter)
{
	const struct model_summary *all = model_mailbox_summaries(mbox);
	size_t count = model_mailbox_count(mbox), first = 0;
	struct buf line = BUF_INIT, clean = BUF_INIT;
	unsigned char *shown = NULL;

	/* which to show: the matching ones, of those the last N */
	if (filter && (filter->pattern || filter->last)) {
		size_t matching = 0;
		shown = xcalloc(count + 1, 1);
		for (size_t i = 0; i < count; i++)
			matching += shown[i] = !filter->pattern || model_pattern_match(filter->pattern, &all[i], 0);
		for (size_t skip = filter->last && matching > filter->last ? matching - filter->last : 0; skip; first++)
			skip -= shown[first];
	}
	for (size_t i = first; i < count; i++) {
		if (shown && !shown[i])
			continue;
		char flags[4], date[32], number[24];
		model_flags_format(all[i].flags, flags);
		format_date(all[i].date, date, sizeof(date));
		char *sender = mime_address_display(all[i].from);
		snprintf(number, sizeof(number), "%5zu ", i + 1);
		buf_addstr(&line, number);
		buf_addstr(&line, flags);
		buf_addch(&line, ' ');
		buf_addstr(&line, date);
		buf_addstr(&line, "  ");
		buf_reset(&clean);
		lib_sanitize(&clean, sender, strlen(sender), LIB_SANITIZE_LINE);
		lib_utf8_fit(&line, clean.data ? clean.data : "", 20);
		buf_addstr(&line, "  ");
		lib_sanitize(&line, all[i].subject, strlen(all[i].subject), LIB_SANITIZE_LINE);
		buf_addch(&line, '\n');
		if (line.len > 65536) { /* write in large pieces */
			fwrite(line.data, 1, line.len, stdout);
			buf_reset(&line);
		}
		free(sender);
	}
	if (line.len)
		fwrite(line.data, 1, line.len, stdout);
	buf_free(&line);
	buf_free(&clean);
	free(shown);
}

static void trace_stderr(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "tern: %s\n", line);
}

int cli_list(const struct conf *conf, const char *account_name, const char *folder, const struct cli_list_filter *filter,
             int verbose)
{
	const struct conf_account *account = account_name ? conf_account_find(conf, account_name)
	                                                   : conf_account_default(conf);
	struct lib_error err = { 0 };
	int rc = 0;

	if (!account) {
		fprintf(stderr, "tern: no account in %s\n", conf->path);
		return lib_error_exit_code(LIB_ERR_CONFIG);
	}
	/* a POP3 account's INBOX is its Maildir (listed as it is, not fetched) */
	char *local = engine_local_path(conf, account, folder ? folder : "INBOX");
	if (local) {
		rc = cli_list_local(local, filter);
		free(local);
		return rc;
	}
	struct engine_hooks hooks = cli_hooks;
	if (verbose)
		hooks.trace = trace_stderr;
	struct engine_account *ea = engine_account_new(conf, account, &hooks);
	struct model_mailbox *mbox = model_mailbox_new();
	if (engine_folder_read(ea, folder ? folder : "INBOX", mbox, &err) < 0) {
		char *line = engine_error_line(account, &err);
		fprintf(stderr, "tern: %s\n", line);
		free(line);
		rc = lib_error_exit_code(err.cls);
	} else {
		cli_print_index(mbox, filter);
	}
	engine_account_free(ea);
	model_mailbox_free(mbox);
	if (fflush(stdout) != 0 && rc == 0)
		rc = 74; /* EX_IOERR */
	return rc;
}
