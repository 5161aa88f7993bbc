/* Looking at a maildrop without changing it, for tern --test-account:
 * the capabilities, STAT, and the header of one message (TOP n 0). No
 * DELE is ever sent from here. */
#include "pop-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pop_session_capabilities(const struct pop_session *session, struct buf *out)
{
	if (session->capa.len)
		buf_add(out, session->capa.data, session->capa.len);
}

static void refused(struct pop_session *session, const char *what, struct lib_error *err)
{
	struct buf words = BUF_INIT;

	pop_server_words(session->line.data, &words);
	lib_error_set(err, LIB_ERR_SERVER, "%s refused by the server: %s", what, words.data);
	buf_free(&words);
}

int pop_stat(struct pop_session *session, unsigned *count, unsigned long long *octets, struct lib_error *err)
{
	int r = pop_command(session, "STAT", "STAT", err);

	if (r <= 0) {
		if (r == 0)
			refused(session, "STAT", err);
		return -1;
	}
	if (sscanf(session->line.data, "+OK %u %llu", count, octets) != 2) {
		lib_error_set(err, LIB_ERR_PROTOCOL, "STAT: the server's reply holds no message count");
		return -1;
	}
	return 0;
}

static int into_buf(void *ctx, const char *data, size_t len, struct lib_error *err)
{
	struct buf *out = ctx;

	(void)err;
	if (out->len + len > POP_HEADER_MAX)
		return 1; /* enough: drop the rest */
	buf_add(out, data, len);
	return 0;
}

int pop_message_header(struct pop_session *session, unsigned number, struct buf *out, struct lib_error *err)
{
	char command[32];

	snprintf(command, sizeof(command), "TOP %u 0", number);
	int r = pop_command(session, "TOP", command, err);
	if (r <= 0) {
		if (r == 0)
			refused(session, "TOP", err);
		return -1;
	}
	return pop_read_body(session, "TOP", into_buf, out, err);
}
