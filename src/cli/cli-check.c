/* tern --check: for each account, the message counts of INBOX and the
 * subscribed folders (every folder with --all) from STATUS, and the quota;
 * for a POP3 account, the messages on the server and how many of them
 * are new (not downloaded yet: not in the UIDL state of --fetch).
 * One account that cannot be reached is reported and the others still
 * are; the exit status is that of the first failure's class (69 not
 * reached, 77 TLS or login refused...), as in every mode. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

struct folder_row {
	char *name;
	struct imap_status status; /* POP3: messages on the server, recent the new ones */
	int pop3;
	int unknown; /* POP3 without UIDL: which are new cannot be told */
};

struct account_report {
	const char *name;
	struct folder_row *rows;
	size_t nrows;
	int has_quota;
	uint64_t used_kb, limit_kb;
	char *error; /* the full one-line message, or NULL */
	enum lib_error_class cls; /* error's class */
};

/* INBOX first, then by name. */
static int row_compare(const void *a, const void *b)
{
	const struct folder_row *x = a, *y = b;
	int x_inbox = strcmp(x->name, "INBOX") == 0, y_inbox = strcmp(y->name, "INBOX") == 0;
	if (x_inbox != y_inbox)
		return y_inbox - x_inbox;
	return strcmp(x->name, y->name);
}

/* A POP3 account: one row, its server's INBOX. */
static void check_pop3(struct engine_account *ea, struct account_report *report)
{
	struct pop_fetch_result result;
	struct lib_error err = { 0 };

	if (engine_pop_check(ea, &result, &err) < 0) {
		report->error = engine_error_line(ea->account, &err);
		report->cls = err.cls;
		return;
	}
	report->rows = xcalloc(1, sizeof(*report->rows));
	report->rows[0].name = xstrdup("INBOX");
	report->rows[0].pop3 = 1;
	report->rows[0].unknown = result.by_header_hash;
	report->rows[0].status.messages = (uint32_t)result.on_server;
	report->rows[0].status.recent = (uint32_t)result.fresh;
	report->nrows = 1;
}

static void check_account(const struct conf *conf, const struct conf_account *account, int all_folders,
                          struct account_report *report)
{
	struct engine_account ea = { .conf = conf, .account = account, .hooks = cli_hooks, .no_cache = 1 };
	struct lib_error err = { 0 };
	struct imap_folder *folders = NULL;
	size_t nfolders = 0;

	engine_options_from_env(&ea);
	ea.no_cache = 1; /* STATUS needs no header cache */
	report->name = account->name;
	if (account->imap.scheme == CONF_URL_NONE) {
		if (account->pop3.scheme == CONF_URL_NONE) {
			lib_error_set(&err, LIB_ERR_CONFIG, "no imap or pop3 server: nothing to check");
			goto fail;
		}
		check_pop3(&ea, report);
		return;
	}
	if (engine_imap_open(&ea, &err) < 0 || imap_folder_list(ea.imap, &folders, &nfolders, &err) < 0)
		goto fail;
	report->rows = xcalloc(nfolders + 1, sizeof(*report->rows));
	for (size_t i = 0; i < nfolders; i++) {
		if (folders[i].noselect || (!all_folders && !folders[i].subscribed))
			continue;
		struct folder_row *row = &report->rows[report->nrows];
		if (imap_folder_status(ea.imap, folders[i].wire_name, &row->status, &err) < 0)
			goto fail;
		row->name = xstrdup(folders[i].name);
		report->nrows++;
	}
	qsort(report->rows, report->nrows, sizeof(*report->rows), row_compare);
	int quota = imap_quota(ea.imap, &report->used_kb, &report->limit_kb, &err);
	if (quota < 0)
		goto fail;
	report->has_quota = quota;
	imap_folder_list_free(folders, nfolders);
	engine_account_close(&ea);
	return;
fail:
	report->error = engine_error_line(account, &err);
	report->cls = err.cls;
	imap_folder_list_free(folders, nfolders);
	engine_account_close(&ea);
}

static void print_table(const struct account_report *reports, size_t count)
{
	struct buf out = BUF_INIT;

	buf_addf(&out, "%-12s %-24s %9s %7s %7s\n", "ACCOUNT", "FOLDER", "MESSAGES", "UNSEEN", "RECENT");
	for (size_t a = 0; a < count; a++) {
		const struct account_report *r = &reports[a];
		for (size_t i = 0; i < r->nrows; i++) {
			struct buf name = BUF_INIT;
			lib_sanitize(&name, r->rows[i].name, strlen(r->rows[i].name), LIB_SANITIZE_LINE);
			buf_addf(&out, "%-12s ", r->name);
			lib_utf8_fit(&out, name.data ? name.data : "", 24);
			if (r->rows[i].pop3 && r->rows[i].unknown)
				buf_addf(&out, " %9u %7s %7s\n", r->rows[i].status.messages, "-", "?");
			else if (r->rows[i].pop3)
				buf_addf(&out, " %9u %7s %7u\n", r->rows[i].status.messages, "-", r->rows[i].status.recent);
			else
				buf_addf(&out, " %9u %7u %7u\n", r->rows[i].status.messages, r->rows[i].status.unseen,
				         r->rows[i].status.recent);
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
			if (r->rows[i].pop3 && r->rows[i].unknown)
				buf_addf(&out, ",\"pop3\":true,\"messages\":%u,\"new\":null,\"unseen\":null}",
				         r->rows[i].status.messages);
			else if (r->rows[i].pop3)
				buf_addf(&out, ",\"pop3\":true,\"messages\":%u,\"new\":%u,\"unseen\":%u}",
				         r->rows[i].status.messages, r->rows[i].status.recent, r->rows[i].status.recent);
			else
				buf_addf(&out, ",\"messages\":%u,\"unseen\":%u,\"recent\":%u}", r->rows[i].status.messages,
				         r->rows[i].status.unseen, r->rows[i].status.recent);
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
		for (size_t i = 0; i < reports[a].nrows; i++)
			free(reports[a].rows[i].name);
		free(reports[a].rows);
		free(reports[a].error);
	}
	free(reports);
	return exit_code;
}
