/* Opening an IMAP session: TCP, TLS (implicit, or STARTTLS which is then
 * required), greeting, capabilities, login, ENABLE QRESYNC. The order
 * matters for security: no credential is asked for, let alone sent,
 * before the server's certificate has been verified. */
#include "imap-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void imap_library_version(char *out, unsigned size)
{
	snprintf(out, size, "libetpan %d.%d", libetpan_get_version_major(), libetpan_get_version_minor());
}

/* Replaces libetpan 1.9.4's own mailimap_atom_free (its calls go through
 * the PLT, so tern's definition wins). That one frees with plain free(),
 * but the parser reads flag keywords as astrings, and a quoted or literal
 * one is an mmap_string registered in libetpan's global table: its entry
 * and 40-byte header then stayed behind, a leak a server could grow with
 * every "* N FETCH (FLAGS ("x"))" (found by fuzzing). Unregistering first,
 * as libetpan does since 2026, frees either kind. */
void mailimap_atom_free(char *atom)
{
	if (mmap_string_unref(atom) != 0)
		free(atom);
}

/* The server's words from its last tagged reply, sanitized into out. */
static void server_words(struct imap_session *session, struct buf *out)
{
	const char *text = session->imap->imap_response;
	if (text && *text)
		lib_sanitize(out, text, strlen(text), LIB_SANITIZE_LINE);
	else
		buf_addstr(out, "no reason given");
}

void imap_error(struct imap_session *session, int code, const char *what, struct lib_error *err)
{
	struct buf words = BUF_INIT;

	imap_alert_collect(session);

	switch (code) {
	case MAILIMAP_ERROR_STREAM:
		lib_error_set(err, LIB_ERR_CONNECTION, "%s: connection lost: %s", what,
		              *net_conn_last_error(session->conn) ? net_conn_last_error(session->conn)
		                                                  : "the server closed the connection");
		break;
	case MAILIMAP_ERROR_PARSE:
		/* libetpan and the read guard no longer agree where a response
		 * starts (the guard may be skipping a literal libetpan never
		 * read): nothing more is read from this connection, so no later
		 * command parses what the guard did not check (found by fuzzing:
		 * a crashing "[PERMANENTFLAGS (" hidden that way) */
		session->broken = 1;
		net_conn_break(session->conn, "an earlier reply could not be parsed");
		lib_error_set(err, LIB_ERR_PROTOCOL, "%s: the server's reply could not be parsed", what);
		break;
	case MAILIMAP_ERROR_MEMORY:
		lib_fatal("out of memory in libetpan");
	case MAILIMAP_ERROR_CONNECTION_REFUSED:
		server_words(session, &words);
		lib_error_set(err, LIB_ERR_CONNECTION, "the server refused the session: %s", words.data);
		break;
	default:
		server_words(session, &words);
		lib_error_set(err, LIB_ERR_SERVER, "%s refused by the server: %s", what, words.data);
	}
	buf_free(&words);
}

int imap_has_capability(const struct imap_session *session, const char *name)
{
	/* libetpan 1.9.4's mailimap_has_extension walks a NULL list after an
	 * empty "[CAPABILITY]" code and crashes (found by fuzzing) */
	const struct mailimap_connection_info *info = session->imap->imap_connection_info;
	if (!info || !info->imap_capability || !info->imap_capability->cap_list)
		return 0;
	return mailimap_has_extension(session->imap, (char *)name);
}

void imap_alert_collect(struct imap_session *session)
{
	const struct mailimap_response_info *info = session->imap ? session->imap->imap_response_info : NULL;

	if (!info || !info->rsp_alert || !*info->rsp_alert)
		return;
	/* libetpan keeps the last [ALERT] of a reply until the next reply
	 * replaces its response info: taken once, it is cleared here */
	struct buf line = BUF_INIT;
	size_t len = strlen(info->rsp_alert);
	/* one line on a screen: a server may not fill the terminal (the
	 * sanitizer shows a UTF-8 sequence cut here as invalid bytes) */
	lib_sanitize(&line, info->rsp_alert, len > 300 ? 300 : len, LIB_SANITIZE_LINE);
	free(info->rsp_alert);
	session->imap->imap_response_info->rsp_alert = NULL;
	if (!session->alerts.len || !strstr(session->alerts.data, line.data)) {
		buf_add(&session->alerts, line.data, line.len);
		buf_addch(&session->alerts, '\n');
	}
	buf_free(&line);
}

char *imap_session_take_alerts(struct imap_session *session)
{
	if (!session)
		return NULL;
	imap_alert_collect(session);
	if (!session->alerts.len)
		return NULL;
	session->alerts.data[--session->alerts.len] = '\0'; /* the last newline */
	return buf_detach(&session->alerts);
}

int imap_command(struct imap_session *session, const char *command, int selecting)
{
	mailimap *imap = session->imap;
	struct mailimap_response *response;

	/* libetpan's mailimap_custom_command sends "TAG COMMAND \r\n": RFC
	 * 3501's grammar has no space before CRLF, and Cyrus answers BAD.
	 * This one writes the text as it is, between the tag and CRLF. */
	int r = mailimap_send_current_tag(imap);
	if (r != MAILIMAP_NO_ERROR)
		return r;
	if (mailstream_write(imap->imap_stream, command, strlen(command)) < 0 ||
	    mailstream_write(imap->imap_stream, "\r\n", 2) < 0 || mailstream_flush(imap->imap_stream) < 0)
		return MAILIMAP_ERROR_STREAM;
	if (!mailimap_read_line(imap))
		return MAILIMAP_ERROR_STREAM;
	if (selecting) { /* as mailimap_select does: the new folder's facts */
		if (imap->imap_selection_info)
			mailimap_selection_info_free(imap->imap_selection_info);
		imap->imap_selection_info = mailimap_selection_info_new();
		if (!imap->imap_selection_info)
			lib_fatal("out of memory (mailimap_selection_info_new)");
	}
	/* mailimap_parse_response keeps what it parsed (untagged data, the
	 * tagged text) in the session; the response itself is ours to free */
	r = mailimap_parse_response(imap, &response);
	if (r != MAILIMAP_NO_ERROR)
		return r;
	int state = response->rsp_resp_done->rsp_data.rsp_tagged->rsp_cond_state->rsp_type;
	mailimap_response_free(response);
	imap_alert_collect(session);
	if (selecting) {
		if (state == MAILIMAP_RESP_COND_STATE_OK) {
			imap->imap_state = MAILIMAP_STATE_SELECTED;
		} else {
			mailimap_selection_info_free(imap->imap_selection_info);
			imap->imap_selection_info = NULL;
			imap->imap_state = MAILIMAP_STATE_AUTHENTICATED;
		}
	}
	return state == MAILIMAP_RESP_COND_STATE_OK ? MAILIMAP_NO_ERROR : MAILIMAP_ERROR_CUSTOM_COMMAND;
}

void imap_add_astring(struct buf *command, const char *text)
{
	/* RFC 3501 9: an atom when every byte is an ATOM-CHAR, else a quoted
	 * string (wire names are 7-bit: modified UTF-7) */
	int atom = *text != '\0';
	for (const char *p = text; *p && atom; p++)
		atom = (unsigned char)*p > 0x20 && (unsigned char)*p < 0x7f && !strchr("(){%*\"\\]", *p);
	if (atom) {
		buf_addstr(command, text);
		return;
	}
	buf_addch(command, '"');
	for (const char *p = text; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_addch(command, '\\');
		if (*p != '\r' && *p != '\n')
			buf_addch(command, *p);
	}
	buf_addch(command, '"');
}

/* CAPABILITY through imap_command: the untagged reply is stored in the
 * session all the same, while libetpan 1.9.4's mailimap_capability
 * dereferences NULL when the server answers OK without one (found by
 * fuzzing; before STARTTLS anyone on the path could send that). */
static int refresh_capabilities(struct imap_session *session, struct lib_error *err)
{
	int r = imap_command(session, "CAPABILITY", 0);

	if (r != MAILIMAP_NO_ERROR) {
		imap_error(session, r, "CAPABILITY", err);
		return -1;
	}
	return 0;
}

static int start_tls(struct imap_session *session, const struct net_server *server, struct lib_error *err)
{
	if (refresh_capabilities(session, err) < 0)
		return -1;
	if (!imap_has_capability(session, "STARTTLS")) {
		lib_error_set(err, LIB_ERR_TLS,
		              "the server does not offer STARTTLS, and tern will not log in in plain text "
		              "(use imaps:// if the server has port 993, or tls off on a trusted network only)");
		return -1;
	}
	int r = mailimap_starttls(session->imap);
	/* Anything the server sent after its OK and before the handshake was
	 * injected in plain text (CVE-2020-15953's class of attack). Debian's
	 * patched libetpan fails the command itself then; check either way. */
	if (session->imap->imap_stream->read_buffer_len != 0) {
		lib_error_set(err, LIB_ERR_TLS, "the server sent data after agreeing to STARTTLS (an injection attempt?)");
		return -1;
	}
	if (r != MAILIMAP_NO_ERROR) {
		imap_error(session, r, "STARTTLS", err);
		return -1;
	}
	if (net_tls_start(session->conn, server->host, &server->tls, err) < 0)
		return -1;
	return refresh_capabilities(session, err); /* pre-TLS capabilities are not to be trusted */
}

static int login(struct imap_session *session, const struct net_login *creds, struct lib_error *err)
{
	int is_oauth2 = 0;

	if (imap_has_capability(session, "LOGINDISABLED")) {
		lib_error_set(err, LIB_ERR_AUTH, "the server does not allow logging in on this connection (LOGINDISABLED)");
		return -1;
	}
	char *secret = creds->get_secret(creds->ctx, &is_oauth2, err);
	if (!secret)
		return -1;
	int r = is_oauth2 ? mailimap_oauth2_authenticate(session->imap, creds->user, secret)
	                  : mailimap_login(session->imap, creds->user, secret);
	explicit_bzero(secret, strlen(secret));
	free(secret);
	net_stream_wipe_sent(session->imap->imap_stream);
	imap_alert_collect(session); /* RFC 3501 7.1: an [ALERT] at login is for the user */
	if (r == MAILIMAP_NO_ERROR)
		return 0;
	if (r == MAILIMAP_ERROR_STREAM || r == MAILIMAP_ERROR_PARSE) {
		imap_error(session, r, "LOGIN", err);
		return -1;
	}
	struct buf words = BUF_INIT;
	server_words(session, &words);
	lib_error_set(err, LIB_ERR_AUTH, "login refused for user %s: %s", creds->user, words.data);
	buf_free(&words);
	return -1;
}

/* COMPRESS=DEFLATE (RFC 4978) once logged in, when offered and the
 * account does not say compress no. Deflate sits above TLS (the RFC's
 * section 8: compressing after encrypting gains nothing) in net's stream
 * layer: libetpan's mailimap_compress is a stub (LIBRARIES.md). A server
 * refusing is no error: the session goes on uncompressed. */
static int start_compress(struct imap_session *session, struct lib_error *err)
{
	if (session->no_compress || !imap_has_capability(session, "COMPRESS=DEFLATE"))
		return 0;
	int r = imap_command(session, "COMPRESS DEFLATE", 0);
	if (r == MAILIMAP_ERROR_CUSTOM_COMMAND)
		return 0;
	if (r != MAILIMAP_NO_ERROR) {
		imap_error(session, r, "COMPRESS DEFLATE", err);
		return -1;
	}
	/* What libetpan read past the OK is the server's first compressed
	 * bytes (a packet may carry both): they go to the inflater, and the
	 * read guard, which saw them raw, checks them again inflated. */
	mailstream *stream = session->imap->imap_stream;
	imap_guard_restart(&session->guard);
	if (net_conn_compress(session->conn, stream->read_buffer, stream->read_buffer_len, err) < 0) {
		net_conn_break(session->conn, "compression could not start");
		session->broken = 1;
		return -1;
	}
	stream->read_buffer_len = 0;
	return 0;
}

int imap_session_compressed(const struct imap_session *session)
{
	return net_conn_is_compressed(session->conn);
}

void imap_session_traffic(const struct imap_session *session, uint64_t *wire_in, uint64_t *wire_out,
                          uint64_t *plain_in)
{
	net_conn_traffic(session->conn, wire_in, wire_out, plain_in);
}

void imap_session_describe(const struct imap_session *session, struct buf *out)
{
	const char *tls = net_conn_tls_description(session->conn);

	buf_addstr(out, net_conn_is_tls(session->conn) && *tls ? tls : "plain text");
	buf_addstr(out, imap_session_compressed(session) ? ", COMPRESS=DEFLATE" : ", not compressed");
	buf_addf(out, ", sync %s", imap_session_sync_mode(session));
}

static int enable_qresync(struct imap_session *session, struct lib_error *err)
{
	struct mailimap_capability_data *want, *got = NULL;
	clist *list = clist_new();
	char *name = strdup("QRESYNC");

	if (!list || !name)
		lib_fatal("out of memory");
	struct mailimap_capability *cap = mailimap_capability_new(MAILIMAP_CAPABILITY_NAME, NULL, name);
	clist_append(list, cap);
	want = mailimap_capability_data_new(list);
	int r = mailimap_enable(session->imap, want, &got);
	mailimap_capability_data_free(want);
	/* got: ours on NO_ERROR; on a NO libetpan 1.9.4 frees its own list
	 * and leaves got NULL */
	if (got)
		mailimap_capability_data_free(got);
	if (r != MAILIMAP_NO_ERROR) {
		if (r == MAILIMAP_ERROR_STREAM || r == MAILIMAP_ERROR_PARSE) {
			imap_error(session, r, "ENABLE QRESYNC", err);
			return -1;
		}
		return 0; /* refused: sync without it */
	}
	session->qresync_enabled = 1;
	return 0;
}

struct imap_session *imap_session_open(const struct net_server *server, const struct net_login *creds,
                                       struct lib_error *err)
{
	struct imap_session *session = xcalloc(1, sizeof(*session));

	session->host = server->host;
	session->no_compress = server->no_compress;
	session->conn = net_connect(server->host, server->port, server->timeout, server->cancel_fd, err);
	if (!session->conn)
		goto fail;
	if (server->implicit_tls && net_tls_start(session->conn, server->host, &server->tls, err) < 0)
		goto fail;
	net_conn_set_read_check(session->conn, imap_guard_check, &session->guard);
	net_conn_end_lines_on_eof(session->conn);

	session->imap = mailimap_new(0, NULL);
	if (!session->imap)
		lib_fatal("out of memory (mailimap_new)");
	mailimap_set_timeout(session->imap, server->timeout);
	mailstream *stream = mailstream_new(net_stream_low_new(session->conn), 8192);
	if (!stream)
		lib_fatal("out of memory (mailstream_new)");
	int r = mailimap_connect(session->imap, stream);
	int preauth = r == MAILIMAP_NO_ERROR_AUTHENTICATED;
	if (r != MAILIMAP_NO_ERROR_AUTHENTICATED && r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED) {
		imap_error(session, r, "greeting", err);
		goto fail;
	}
	if (!server->implicit_tls && !server->tls_off) {
		if (preauth) {
			/* RFC 3501 11.1 / RFC 9051: STARTTLS is impossible once
			 * authenticated, so PREAUTH here would mean plain text. */
			lib_error_set(err, LIB_ERR_TLS,
			              "the server greeted with PREAUTH on a connection that must start TLS first; "
			              "refusing to continue in plain text");
			goto fail;
		}
		if (start_tls(session, server, err) < 0)
			goto fail;
	} else if (refresh_capabilities(session, err) < 0) {
		goto fail;
	}
	if (!preauth) {
		if (login(session, creds, err) < 0)
			goto fail;
		if (refresh_capabilities(session, err) < 0)
			goto fail;
	}
	if (start_compress(session, err) < 0)
		goto fail;
	if (imap_has_capability(session, "QRESYNC") && enable_qresync(session, err) < 0)
		goto fail;
	return session;
fail:
	imap_session_close(session);
	return NULL;
}

int imap_session_broken(const struct imap_session *session)
{
	return session->broken;
}

void imap_session_close(struct imap_session *session)
{
	if (!session)
		return;
	if (session->imap) {
		if (session->imap->imap_state >= MAILIMAP_STATE_NON_AUTHENTICATED && !net_conn_last_error(session->conn)[0] &&
		    !session->broken) {
			mailimap_logout(session->imap);
		} else if (session->imap->imap_stream) {
			/* mailimap_free would send LOGOUT itself and parse what an
			 * out-of-step server sends; libetpan 1.9.4 crashes on a cut
			 * "[PERMANENTFLAGS (" there (found by fuzzing) */
			mailstream_close(session->imap->imap_stream);
			session->imap->imap_stream = NULL;
		}
		mailimap_free(session->imap); /* closes the stream and our low layer */
	}
	free(session->copied);
	net_conn_free(session->conn);
	free(session->selected);
	free(session->own);
	buf_free(&session->alerts);
	free(session);
}

const char *imap_session_sync_mode(const struct imap_session *session)
{
	if (session->qresync_enabled && !session->no_qresync)
		return "QRESYNC";
	if (imap_has_capability(session, "CONDSTORE") && !session->no_condstore)
		return "CONDSTORE";
	return "plain";
}

void imap_session_limit_sync(struct imap_session *session, int no_qresync, int no_condstore)
{
	session->no_qresync = no_qresync;
	session->no_condstore = no_condstore;
}

void imap_session_capabilities(const struct imap_session *session, struct buf *out)
{
	struct mailimap_connection_info *info = session->imap->imap_connection_info;
	clist *caps = info && info->imap_capability ? info->imap_capability->cap_list : NULL;

	for (clistiter *it = caps ? clist_begin(caps) : NULL; it; it = clist_next(it)) {
		const struct mailimap_capability *cap = clist_content(it);
		const char *name = cap->cap_type == MAILIMAP_CAPABILITY_AUTH_TYPE ? cap->cap_data.cap_auth_type
		                                                                  : cap->cap_data.cap_name;
		if (!name)
			continue;
		buf_addstr(out, out->len ? " " : "");
		if (cap->cap_type == MAILIMAP_CAPABILITY_AUTH_TYPE)
			buf_addstr(out, "AUTH=");
		lib_sanitize(out, name, strlen(name), LIB_SANITIZE_LINE);
	}
}
