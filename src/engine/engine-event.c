/* Engine events: the names of the states they carry (for the status
 * line and logs), freeing them by type, and the folder list's form in
 * the header cache. */
#include "engine-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const conn_names[] = {
	[ENGINE_CONN_CONNECTING] = "connecting",     [ENGINE_CONN_CONNECTED] = "connected",
	[ENGINE_CONN_RECONNECTING] = "reconnecting", [ENGINE_CONN_OFFLINE] = "offline",
	[ENGINE_CONN_CANCELLED] = "cancelled",
};

static const char *const sync_names[] = {
	[ENGINE_SYNC_CACHED] = "cached",
	[ENGINE_SYNC_FETCHING] = "fetching",
	[ENGINE_SYNC_DONE] = "synced",
};

const char *engine_conn_state_name(enum engine_conn_state state)
{
	return (size_t)state < sizeof(conn_names) / sizeof(*conn_names) ? conn_names[state] : "?";
}

const char *engine_sync_state_name(enum engine_sync_state state)
{
	return (size_t)state < sizeof(sync_names) / sizeof(*sync_names) ? sync_names[state] : "?";
}

void engine_folder_rows_free(struct engine_folder_row *rows, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(rows[i].name);
	free(rows);
}

int engine_job_bulk(enum engine_job_type type)
{
	return type == ENGINE_JOB_STORE_FLAGS || type == ENGINE_JOB_DELETE || type == ENGINE_JOB_COPY ||
	       type == ENGINE_JOB_EXPUNGE;
}

static void result_free(struct engine_result *r)
{
	free(r->text);
	if (engine_job_bulk(r->job)) {
		free(r->bulk.uids);
		free(r->bulk.target);
		free(r->bulk.target_uids);
		return;
	}
	switch (r->job) {
	case ENGINE_JOB_SEARCH:
		free(r->search.uids);
		break;
	case ENGINE_JOB_DRAFTS:
		free(r->drafts.name);
		break;
	default:
		break;
	}
}

void engine_event_free(struct engine_event *ev)
{
	if (!ev)
		return;
	switch (ev->type) {
	case ENGINE_EV_FOLDER:
		model_mailbox_free(ev->index.mbox);
		break;
	case ENGINE_EV_NOTICE:
		free(ev->notice);
		break;
	case ENGINE_EV_BODY:
		free(ev->body.data);
		break;
	case ENGINE_EV_FOLDERS:
		engine_folder_rows_free(ev->folders.rows, ev->folders.count);
		break;
	case ENGINE_EV_DONE:
	case ENGINE_EV_ERROR:
		result_free(&ev->result);
		break;
	default:
		break;
	}
	free(ev->folder);
	free(ev);
}

#define ROWS_HEADER "tern-folders 2\n"

void engine_folder_rows_encode(const struct engine_folder_row *rows, size_t count, struct buf *out)
{
	buf_addstr(out, ROWS_HEADER);
	for (size_t i = 0; i < count; i++) {
		for (const char *c = rows[i].name; *c; c++) {
			if (*c == '\\' || *c == '\t' || *c == '\n')
				buf_addch(out, '\\');
			buf_addch(out, *c == '\t' ? 't' : *c == '\n' ? 'n' : *c);
		}
		buf_addf(out, "\t%d\t%u\t%u\n", rows[i].subscribed, rows[i].messages, rows[i].unseen);
	}
}

/* The name at the start of line (up to an unescaped tab or the end),
 * unescaped when escaped. */
static char *decode_name(const char *line, size_t len, int escaped, size_t *used)
{
	struct buf name = BUF_INIT;
	size_t i = 0;

	for (; i < len && line[i] != '\t'; i++) {
		if (escaped && line[i] == '\\' && i + 1 < len) {
			i++;
			buf_addch(&name, line[i] == 't' ? '\t' : line[i] == 'n' ? '\n' : line[i]);
		} else {
			buf_addch(&name, line[i]);
		}
	}
	*used = i;
	buf_add(&name, "", 0);
	return buf_detach(&name);
}

size_t engine_folder_rows_decode(const char *text, size_t len, struct engine_folder_row **rows)
{
	size_t count = 0, header = strlen(ROWS_HEADER);
	int escaped = len >= header && memcmp(text, ROWS_HEADER, header) == 0;
	const char *p = escaped ? text + header : text, *end = text + len;

	*rows = NULL;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t line_len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		size_t used;
		char *name = decode_name(p, line_len, escaped, &used);
		char fields[64] = "";
		if (line_len - used < sizeof(fields))
			memcpy(fields, p + used, line_len - used), fields[line_len - used] = '\0';
		unsigned subscribed = 1, messages = 0, unseen = 0;
		if (*name) {
			sscanf(fields, "\t%u\t%u\t%u", &subscribed, &messages, &unseen);
			*rows = xrealloc(*rows, (count + 1) * sizeof(**rows));
			(*rows)[count++] = (struct engine_folder_row){ .name = name, .subscribed = subscribed != 0,
			                                              .messages = messages, .unseen = unseen };
		} else {
			free(name);
		}
		p += line_len + 1;
	}
	return count;
}
