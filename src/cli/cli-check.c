/* tern --check: for each account, the message counts of INBOX and the
 * subscribed folders (every folder with --all) from STATUS, the new ones
 * among the unseen as the reader shows them (N: not marked old in the
 * header cache; "?" when another tern holds the cache), and the quota;
 * for a POP3 account, the messages on the server and how many of them
 * are new (not downloaded yet: not in the UIDL state of --fetch).
 * One account that cannot be reached is reported and the others still
 * are; the exit status is that of the first failure's class (69 not
 * reached, 77 TLS or login refused...), as in every mode. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

struct account_report {
	const char *name;
	struct engine_folder_row *rows; /* POP3: one, INBOX on the server */
	size_t nrows;
	int pop3;
	int has_quota;
	uint64_t used_kb, limit_kb;
	char *error; /* the full one-line message, or NULL */
	enum lib_error_class cls; /* error's class */
};

static int row_compare(const void *a, const void *b)
{
	return model_folder_compare(((const struct engine_folder_row *)a)->name,
	                            ((const struct engine_folder_row *)b)->name);
}

static void check_account(const struct conf *conf, const struct conf_account *account, int all_folders,
                          struct account_report *report)
{
	/* the header cache says which unseen messages are old */
	struct engine_account *ea = engine_account_new(conf, account, &cli_hooks);
	struct lib_error err = { 0 };
	unsigned flags = ENGINE_FOLDERS_COUNTS | ENGINE_FOLDERS_NEW | (all_folders ? 0 : ENGINE_FOLDERS_SUBSCRIBED);
	int rc;

	report->name = account->name;
	if (account->imap.scheme == CONF_URL_NONE && account->pop3.scheme == CONF_URL_NONE) {
		lib_error_set(&err, LIB_ERR_CONFIG, "no imap or pop3 server: nothing to check");
		rc = -1;
	} else if (account->imap.scheme == CONF_URL_NONE) {
		report->pop3 = 1;
		report->rows = xcalloc(1, sizeof(*report->rows));
		rc = engine_pop_check(ea, report->rows, &err);
		report->nrows = rc == 0;
	} else {
		rc = engine_account_folders(ea, flags, &report->rows, &report->nrows, &err);
		if (rc == 0)
			qsort(report->rows, report->nrows, sizeof(*report->rows), row_compare);
		if (rc == 0)
			rc = report->has_quota = engine_account_quota(ea, &report->used_kb, &report->limit_kb, &err);
	}
	if (rc < 0) {
		report->error = engine_error_line(account, &err);
		report->cls = err.cls;
		report->has_quota = 0;
	}
	engine_account_free(ea);
}

static void print_table(const struct account_report *reports, size_t count)
{
	struct buf out = BUF_INIT;

	buf_addf(&out, "%-12s %-24s %9s %7s %7s\n", "ACCOUNT", "FOLDER", "MESSAGES", "UNSEEN", "NEW");
	for (size_t a = 0; a < count; a++) {
		const struct account_report *r = &reports[a];
		for (size_t i = 0; i < r->nrows; i++) {
			struct buf name = BUF_INIT;
			lib_sanitize(&name, r->rows[i].name, strlen(r->rows[i].name), LIB_SANITIZE_LINE);
			buf_addf(&out, "%-12s ", r->name);
			lib_utf8_fit(&out, name.data ? name.data : "", 24);
			const struct engine_folder_row *row = &r->rows[i];
			if (r->pop3 && row->fresh_unknown)
				buf_addf(&out, " %9u %7s %7s\n", row->messages, "-", "?");
			else if (r->pop3)
				buf_addf(&out, " %9u %7s %7u\n", row->messages, "-", row->fresh);
			else if (row->fresh_unknown)
				buf_addf(&out, " %9u %7u %7s\n", row->messages, row->unseen, "?");
			else
				buf_addf(&out, " %9u %7u %7u\n", row->messages, row->unseen, row->fresh);
			buf_free(&name);
		}
		if (r->has_quota)
			buf_addf(&out, "%-12s quota: %llu of %llu KB used (%llu%%)\n", r->name,
			         (unsigned long long)r->used_kb, (unsigned long long)r->limit_kb,
			         (unsigned long long)(r->limit_kb ? r->used_kb * 100 / r->limit_kb : 0));
	}
	fwrite(out.data, 1, out.len, stdout);
	buf_free(&out);
}

static void print_json(const struct account_report *reports, size_t count)
{
	struct buf out = BUF_INIT;

	buf_addstr(&out, "{\"accounts\":[");
	for (size_t a = 0; a < count; a++) {
		const struct account_report *r = &reports[a];
		buf_addstr(&out, a ? ",{\"name\":" : "{\"name\":");
		cli_json_string(&out, r->name);
		buf_addstr(&out, ",\"folders\":[");
		for (size_t i = 0; i < r->nrows; i++) {
			buf_addstr(&out, i ? ",{\"name\":" : "{\"name\":");
			cli_json_string(&out, r->rows[i].name);
			/* POP3 has no read flag: unseen, like new, counts what was
			 * not downloaded yet, so one jq line serves every account */
			const struct engine_folder_row *row = &r->rows[i];
			if (r->pop3 && row->fresh_unknown)
				buf_addf(&out, ",\"pop3\":true,\"messages\":%u,\"new\":null,\"unseen\":null}", row->messages);
			else if (r->pop3)
				buf_addf(&out, ",\"pop3\":true,\"messages\":%u,\"new\":%u,\"unseen\":%u}", row->messages,
				         row->fresh, row->fresh);
			else if (row->fresh_unknown)
				buf_addf(&out, ",\"messages\":%u,\"unseen\":%u,\"new\":null}", row->messages, row->unseen);
			else
				buf_addf(&out, ",\"messages\":%u,\"unseen\":%u,\"new\":%u}", row->messages, row->unseen,
				         row->fresh);
		}
		buf_addstr(&out, "],\"quota\":");
		if (r->has_quota)
			buf_addf(&out, "{\"used_kb\":%llu,\"limit_kb\":%llu}", (unsigned long long)r->used_kb,
			         (unsigned long long)r->limit_kb);
		else
			buf_addstr(&out, "null");
		buf_addstr(&out, ",\"error\":");
		if (r->error)
			cli_json_string(&out, r->error);
		else
			buf_addstr(&out, "null");
		buf_addch(&out, '}');
	}
	buf_addstr(&out, "]}\n");
	fwrite(out.data, 1, out.len, stdout);
	buf_free(&out);
}

int cli_check(const struct conf *conf, const char *account_name, int all_folders, int json)
{
	size_t count = 0;
	int exit_code = 0;
	struct account_report *reports = xcalloc(conf->naccounts + 1, sizeof(*reports));

	for (size_t i = 0; i < conf->naccounts; i++) {
		const struct conf_account *account = &conf->accounts[i];
		if (account_name && strcmp(account->name, account_name) != 0)
			continue;
		check_account(conf, account, all_folders, &reports[count]);
		if (reports[count].error) {
			fprintf(stderr, "tern: %s\n", reports[count].error);
			if (!exit_code) /* the first failure's class, as every mode maps it */
				exit_code = lib_error_exit_code(reports[count].cls);
		}
		count++;
	}
	if (json)
		print_json(reports, count);
	else
		print_table(reports, count);
	for (size_t a = 0; a < count; a++) {
		engine_folder_rows_free(reports[a].rows, reports[a].nrows);
		free(reports[a].error);
	}
	free(reports);
	return exit_code;
}
