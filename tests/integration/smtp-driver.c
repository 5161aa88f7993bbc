/* A test driver for the smtp and mime-build modules before the CLI exists:
 * builds a message from its arguments (or takes one raw), opens a
 * submission session and sends it, then prints what happened as
 * "key: value" lines and exits with the error class's sysexits code.
 *
 *   smtp-driver --host 127.0.0.1 --port 2525 --starttls --ca ca.crt \
 *       --user alice --password secret --from 'Alice <alice@localhost>' \
 *       --to bob@localhost --subject Hi --text 'Hello' --attach /tmp/x.pdf
 *
 * --rcpt ADDR (repeatable) gives the envelope recipients as they are,
 * unchecked, so tests can hand smtp_send hostile ones; --pause-in-data
 * prints "in-data" once the message is being written and waits for a
 * line on stdin, so a test can kill the server at that moment. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "mime/mime.h"
#include "smtp/smtp.h"

#define LIST_MAX 32

struct list {
	const char *items[LIST_MAX];
	size_t count;
};

static const char *password, *oauth2_token;
static int secret_asked, pause_in_data, paused;

static void list_add(struct list *l, const char *item)
{
	if (l->count == LIST_MAX)
		lib_fatal("too many list items");
	l->items[l->count++] = item;
}

static char *get_secret(void *ctx, int *is_oauth2, struct lib_error *err)
{
	(void)ctx;
	secret_asked++;
	printf("secret-asked: %d\n", secret_asked);
	fflush(stdout);
	if (oauth2_token) {
		*is_oauth2 = 1;
		return xstrdup(oauth2_token);
	}
	if (!password) {
		lib_error_set(err, LIB_ERR_CONFIG, "no password given");
		return NULL;
	}
	return xstrdup(password);
}

static void progress(void *ctx, size_t sent, size_t total)
{
	(void)ctx;
	if (!pause_in_data || paused)
		return;
	paused = 1;
	printf("in-data: %zu of %zu\n", sent, total);
	fflush(stdout);
	char line[64];
	if (!fgets(line, sizeof(line), stdin))
		return;
}

static const char *class_name(enum lib_error_class cls)
{
	static const char *const names[] = { "none", "usage", "data", "config", "connection", "temporary",
		                             "tls", "auth", "protocol", "server", "internal" };
	return (size_t)cls < LIB_ARRAY_LEN(names) ? names[cls] : "?";
}

static const char *stage_name(enum smtp_stage stage)
{
	static const char *const names[] = { "check", "mail", "rcpt", "data", "message", "done" };
	return (size_t)stage < LIB_ARRAY_LEN(names) ? names[stage] : "?";
}

static void print_result(const char *prefix, const struct smtp_result *r)
{
	printf("%saccepted: %d\n", prefix, r->accepted);
	printf("%scode: %d\n", prefix, r->code);
	printf("%sstage: %s\n", prefix, stage_name(r->stage));
	printf("%srefused-rcpt: %ld\n", prefix, r->refused_rcpt);
	printf("%sserver: %s\n", prefix, r->server_text);
	printf("%sclass: %s\n", prefix, class_name(r->error.cls));
	printf("%sexplanation: %s\n", prefix, r->error.text);
}

static void usage(void)
{
	fprintf(stderr, "usage: smtp-driver --host H --port P (--smtps|--starttls|--plain) [--ca FILE] [--pin HEX]\n"
	                "  [--user U] [--password P | --oauth2 TOKEN] [--account NAME] [--timeout S]\n"
	                "  --from ADDR [--to A] [--cc A] [--bcc A] [--rcpt RAW] [--envelope-from RAW]\n"
	                "  [--subject S] [--text T] [--attach PATH[=NAME]] [--raw FILE] [--then-rcpt RAW]\n"
	                "  [--pause-in-data] [--open-only] [--default-sigpipe]\n");
	exit(64);
}

static struct mime_address *addresses(const struct list *l)
{
	struct mime_address *a = xcalloc(l->count + 1, sizeof(*a));
	for (size_t i = 0; i < l->count; i++) {
		char *name, *addr;
		if (mime_address_split(l->items[i], &name, &addr) < 0) {
			/* let mime_outgoing_build judge it */
			name = NULL;
			addr = xstrdup(l->items[i]);
		}
		a[i].name = name;
		a[i].addr = addr;
	}
	return a;
}

int main(int argc, char **argv)
{
	struct net_server server = { .timeout = 10 };
	struct net_login login = { .get_secret = get_secret };
	struct list to = { 0 }, cc = { 0 }, bcc = { 0 }, rcpt = { 0 }, attach = { 0 };
	const char *from = NULL, *envelope_from = NULL, *subject = NULL, *text = NULL, *raw_path = NULL;
	const char *then_rcpt = NULL;
	int mode = -1, open_only = 0, default_sigpipe = 0, exit_code = 0;

	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char *value = i + 1 < argc ? argv[i + 1] : NULL;
#define OPT(name) (strcmp(arg, name) == 0 && value && (i++, 1))
		if (OPT("--host"))
			server.host = value;
		else if (OPT("--port"))
			server.port = (unsigned)atoi(value);
		else if (strcmp(arg, "--smtps") == 0)
			mode = 0;
		else if (strcmp(arg, "--starttls") == 0)
			mode = 1;
		else if (strcmp(arg, "--plain") == 0)
			mode = 2;
		else if (OPT("--ca"))
			server.tls.ca_file = value;
		else if (OPT("--pin"))
			server.tls.fingerprint = value;
		else if (OPT("--user"))
			login.user = value;
		else if (OPT("--password"))
			password = value;
		else if (OPT("--oauth2"))
			oauth2_token = value;
		else if (OPT("--account"))
			server.account = value;
		else if (OPT("--timeout"))
			server.timeout = atoi(value);
		else if (OPT("--from"))
			from = value;
		else if (OPT("--envelope-from"))
			envelope_from = value;
		else if (OPT("--to"))
			list_add(&to, value);
		else if (OPT("--cc"))
			list_add(&cc, value);
		else if (OPT("--bcc"))
			list_add(&bcc, value);
		else if (OPT("--rcpt"))
			list_add(&rcpt, value);
		else if (OPT("--subject"))
			subject = value;
		else if (OPT("--text"))
			text = value;
		else if (OPT("--attach"))
			list_add(&attach, value);
		else if (OPT("--raw"))
			raw_path = value;
		else if (OPT("--then-rcpt"))
			then_rcpt = value;
		else if (strcmp(arg, "--pause-in-data") == 0)
			pause_in_data = 1;
		else if (strcmp(arg, "--open-only") == 0)
			open_only = 1;
		else if (strcmp(arg, "--default-sigpipe") == 0)
			default_sigpipe = 1;
		else
			usage();
#undef OPT
	}
	if (!server.host || !server.port || mode < 0 || (!from && !open_only))
		usage();
	server.implicit_tls = mode == 0;
	server.tls_off = mode == 2;
	/* what tern's main must do too: a server that dies while TLS writes
	 * would otherwise kill the process with SIGPIPE */
	if (!default_sigpipe)
		signal(SIGPIPE, SIG_IGN);

	/* the message */
	struct buf message = BUF_INIT;
	struct lib_error err = { 0 };
	char *message_id = NULL;
	struct mime_address *to_a = addresses(&to), *cc_a = addresses(&cc), *bcc_a = addresses(&bcc);
	struct mime_address from_a = { NULL, NULL };
	struct mime_attachment *att = xcalloc(attach.count + 1, sizeof(*att));
	if (from) {
		char *name, *addr;
		if (mime_address_split(from, &name, &addr) < 0) {
			name = NULL;
			addr = xstrdup(from);
		}
		from_a.name = name;
		from_a.addr = addr;
	}
	for (size_t i = 0; i < attach.count; i++) {
		char *spec = xstrdup(attach.items[i]), *eq = strchr(spec, '=');
		if (eq)
			*eq = '\0';
		att[i].path = spec;
		att[i].filename = eq ? eq + 1 : NULL;
	}
	if (raw_path) {
		FILE *f = fopen(raw_path, "rb");
		char chunk[65536];
		size_t n;
		if (!f)
			lib_fatal("cannot open %s", raw_path);
		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			buf_add(&message, chunk, n);
		fclose(f);
	} else if (from) {
		struct mime_outgoing msg = {
			.from = from_a,
			.to = to_a,
			.to_count = to.count,
			.cc = cc_a,
			.cc_count = cc.count,
			.bcc = bcc_a,
			.bcc_count = bcc.count,
			.subject = subject,
			.text = text,
			.text_len = text ? strlen(text) : 0,
			.attachments = att,
			.attachment_count = attach.count,
			.version = "test",
		};
		if (mime_outgoing_build(&msg, &message, &message_id, &err) < 0) {
			printf("build-error: %s: %s\n", class_name(err.cls), err.text);
			exit_code = lib_error_exit_code(err.cls);
			goto done;
		}
		printf("message-id: %s\n", message_id);
	}
	/* the envelope */
	struct list envelope = { 0 };
	if (rcpt.count) {
		envelope = rcpt;
	} else {
		for (size_t i = 0; i < to.count; i++)
			list_add(&envelope, to_a[i].addr);
		for (size_t i = 0; i < cc.count; i++)
			list_add(&envelope, cc_a[i].addr);
		for (size_t i = 0; i < bcc.count; i++)
			list_add(&envelope, bcc_a[i].addr);
	}
	if (!envelope_from)
		envelope_from = from_a.addr;

	fflush(stdout);
	struct smtp_session *session = smtp_session_open(&server, login.user ? &login : NULL, &err);
	if (!session) {
		printf("open: failed\nclass: %s\nexplanation: %s\nsecret-asked: %d\n", class_name(err.cls), err.text,
		       secret_asked);
		exit_code = lib_error_exit_code(err.cls);
		goto done;
	}
	printf("open: ok\ntls: %s\nauth: %s\nsize-limit: %zu\n", smtp_session_tls_description(session),
	       smtp_session_auth_mechanism(session), smtp_session_size_limit(session));
	if (open_only) {
		smtp_session_close(session);
		goto done;
	}
	smtp_session_set_progress(session, progress, NULL);
	fflush(stdout);
	struct smtp_result result;
	smtp_send(session, envelope_from, envelope.items, envelope.count, message.data, message.len, &result);
	print_result("", &result);
	exit_code = lib_error_exit_code(result.error.cls);
	if (then_rcpt) {
		const char *again[] = { then_rcpt };
		printf("usable: %d\n", smtp_session_usable(session));
		smtp_send(session, envelope_from, again, 1, message.data, message.len, &result);
		print_result("then-", &result);
		exit_code = lib_error_exit_code(result.error.cls);
	}
	smtp_session_close(session);
done:
	fflush(stdout);
	free(message_id);
	buf_free(&message);
	for (size_t i = 0; i < attach.count; i++)
		free((char *)att[i].path);
	free(att);
	struct mime_address *lists[] = { to_a, cc_a, bcc_a, &from_a };
	size_t counts[] = { to.count, cc.count, bcc.count, 1 };
	for (size_t l = 0; l < 4; l++)
		for (size_t i = 0; i < counts[l]; i++) {
			free((char *)lists[l][i].name);
			free((char *)lists[l][i].addr);
		}
	free(to_a);
	free(cc_a);
	free(bcc_a);
	return exit_code;
}
