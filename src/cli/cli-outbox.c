/* tern --outbox [--json]: what waits in the outbox, one line (or one
 * JSON object) per message, oldest first: its state, account, date, To,
 * Subject, and why it failed or why its Sent copy is pending. Every
 * field is sanitized: To and Subject are the user's, the reason is the
 * server's. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../engine/engine.h"

static void add_clean(struct buf *out, const char *text)
{
	lib_sanitize(out, text ? text : "", text ? strlen(text) : 0, LIB_SANITIZE_LINE);
}

static void when(char *out, size_t size, int64_t date)
{
	time_t t = (time_t)date;
	struct tm tm;
	if (!date || !localtime_r(&t, &tm) || !strftime(out, size, "%Y-%m-%d %H:%M", &tm))
		snprintf(out, size, "%s", "-");
}

int cli_outbox(int json)
{
	size_t count, shown = 0;
	char **paths = engine_outbox_list(&count);
	struct buf out = BUF_INIT;

	if (json)
		buf_addch(&out, '[');
	for (size_t i = 0; i < count; i++) {
		struct engine_outbox_entry entry;
		struct engine_outbox_summary s;
		char date[32];
		if (engine_outbox_read(paths[i], &entry) < 0) {
			fprintf(stderr, "tern: warning: %s is not an outbox message; left alone\n", paths[i]);
			free(paths[i]);
			continue;
		}
		engine_outbox_summarize(&entry, &s);
		when(date, sizeof(date), s.date);
		if (json) {
			const char *base = strrchr(entry.path, '/');
			buf_addstr(&out, shown ? ",\n {\"file\": " : "\n {\"file\": ");
			cli_json_string(&out, base ? base + 1 : entry.path);
			buf_addstr(&out, ", \"state\": ");
			cli_json_string(&out, s.state);
			buf_addf(&out, ", \"editable\": %s, \"account\": ", s.editable ? "true" : "false");
			cli_json_string(&out, entry.account);
			buf_addf(&out, ", \"date\": %lld, \"to\": ", (long long)s.date);
			cli_json_string(&out, s.to);
			buf_addstr(&out, ", \"subject\": ");
			cli_json_string(&out, s.subject);
			buf_addstr(&out, ", \"reason\": ");
			if (entry.reason)
				cli_json_string(&out, entry.reason);
			else
				buf_addstr(&out, "null");
			buf_addch(&out, '}');
		} else {
			buf_addf(&out, "%s\t", s.state);
			add_clean(&out, entry.account);
			buf_addf(&out, "\t%s\t", date);
			add_clean(&out, s.to);
			buf_addch(&out, '\t');
			add_clean(&out, s.subject);
			buf_addch(&out, '\t');
			add_clean(&out, entry.reason);
			buf_addch(&out, '\n');
		}
		shown++;
		engine_outbox_summary_clear(&s);
		engine_outbox_entry_clear(&entry);
		free(paths[i]);
	}
	free(paths);
	if (json)
		buf_addstr(&out, shown ? "\n]\n" : "]\n");
	if (out.len)
		fwrite(out.data, 1, out.len, stdout);
	buf_free(&out);
	return 0;
}
