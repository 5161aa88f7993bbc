/* tern --test-account: Outlook's "Test Account Settings" with reasons.
 * For each server of an account: DNS, TCP, TLS, greeting (cli-test-probe.c),
 * then a real session through imap, pop or smtp: capabilities, login, the
 * INBOX and quota, the POP3 message count, the EHLO extensions and AUTH,
 * and a test message to the account's own address, looked for over IMAP
 * or POP3 (never deleting anything). Every failed step says what to
 * change. Exit 0 when all passed, else the sysexits code of the first
 * failure's class (69 unreachable, 77 TLS or login refused...). */
#include "cli-test.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "../imap/imap.h"
#include "../mime/mime.h"
#include "../pop/pop.h"
#include "../smtp/smtp.h"

const char *test_proto_name(enum test_proto proto)
{
	return proto == TEST_IMAP ? "imap" : proto == TEST_POP3 ? "pop3" : "smtp";
}

char *test_server_url(const struct test_server *server)
{
	const struct conf_url *url = server->url;
	int v6 = strchr(url->host, ':') != NULL;
	return xasprintf("%s://%s%s%s:%u", conf_scheme_name(url->scheme), v6 ? "[" : "", url->host, v6 ? "]" : "",
	                 url->port);
}

static const char *step_label(const char *name)
{
	static const struct { const char *name, *label; } labels[] = {
		{ "dns", "DNS" }, { "connect", "TCP connect" }, { "tls", "TLS" }, { "greeting", "greeting" },
		{ "session", "session" }, { "capabilities", "capabilities" }, { "login", "login" },
		{ "compress", "compression" }, { "inbox", "INBOX" }, { "quota", "quota" }, { "messages", "messages" },
		{ "extensions", "EHLO extensions" }, { "auth", "AUTH" }, { "send", "test message" },
		{ "receive", "test message received" },
	};
	for (size_t i = 0; i < LIB_ARRAY_LEN(labels); i++)
		if (strcmp(labels[i].name, name) == 0)
			return labels[i].label;
	return name;
}

int test_step_add(struct test_server *server, const char *name, int ok, enum lib_error_class cls,
                  const char *detail, const char *advice)
{
	server->steps = xrealloc(server->steps, (server->nsteps + 1) * sizeof(*server->steps));
	struct test_step *step = &server->steps[server->nsteps++];
	step->name = name;
	step->ok = ok;
	step->cls = ok ? LIB_ERR_NONE : cls;
	step->detail = xstrdup(detail ? detail : "");
	step->advice = !ok && advice ? xstrdup(advice) : NULL;
	if (!ok)
		server->failed = 1;
	if (!server->json) {
		printf("  %s %s: %s\n", ok ? "\u2713" : "\u2717", step_label(name), step->detail);
		if (step->advice)
			printf("      \u2192 %s\n", step->advice);
		fflush(stdout);
	}
	return ok;
}

int test_step_fail(struct test_server *server, const char *name, const struct lib_error *err, const char *advice)
{
	return test_step_add(server, name, 0, err->cls == LIB_ERR_NONE ? LIB_ERR_INTERNAL : err->cls, err->text,
	                     advice ? advice : test_advice(err, 0));
}

void test_server_free(struct test_server *server)
{
	for (size_t i = 0; i < server->nsteps; i++) {
		free(server->steps[i].detail);
		free(server->steps[i].advice);
	}
	free(server->steps);
	buf_free(&server->capabilities);
}

struct test_ctx {
	const struct conf *conf;
	const struct conf_account *account;
	int no_send, json;
	char *user;
	char *ca_path;
	struct imap_session *imap; /* kept for looking for the test message */
	char *secret;              /* asked once per account, zeroed at the end */
	int secret_is_oauth2;
};

/* get_secret for the sessions: notes that the login was reached (so
 * every step before it passed) and whether a token was used. The secret
 * is asked for (or its command run) once per account, not per server. */
struct secret_watch {
	struct test_ctx *t;
	int asked, is_oauth2;
};

static char *watch_secret(void *ctx, int *is_oauth2, struct lib_error *err)
{
	struct secret_watch *watch = ctx;
	struct test_ctx *t = watch->t;

	watch->asked = 1;
	if (!t->secret) {
		struct engine_account *ea = engine_account_new(t->conf, t->account, &cli_hooks);
		t->secret = engine_get_secret(ea, &t->secret_is_oauth2, err);
		engine_account_free(ea);
		if (!t->secret)
			return NULL;
	}
	*is_oauth2 = watch->is_oauth2 = t->secret_is_oauth2;
	return xstrdup(t->secret);
}

static void server_init(struct test_ctx *t, struct test_server *server, enum test_proto proto,
                        const struct conf_url *url)
{
	memset(server, 0, sizeof(*server));
	server->proto = proto;
	server->url = url;
	server->tls_off = !conf_get_bool(t->conf, t->account, CONF_K_TLS);
	server->tls.ca_file = t->ca_path;
	server->tls.fingerprint = conf_get(t->conf, t->account, CONF_K_TLS_FINGERPRINT);
	server->tls.info = &server->tls_info;
	server->timeout = (int)conf_get_number(t->conf, t->account, CONF_K_TIMEOUT);
	server->json = t->json;
	if (!t->json) {
		char *shown = test_server_url(server);
		const char *security = url->implicit_tls ? "TLS from the first byte"
		                       : server->tls_off ? "plain text (tls off)" : "STARTTLS";
		printf("%s %s (%s), account %s\n", proto == TEST_IMAP ? "IMAP" : proto == TEST_POP3 ? "POP3" : "SMTP", shown,
		       security, t->account->name);
		free(shown);
		fflush(stdout);
	}
}

/* The steps a session open stands for: TLS after STARTTLS, login; or the
 * one that failed. Returns 1 when the session is open. */
static int session_steps(struct test_server *server, const struct secret_watch *watch, int opened,
                         const struct lib_error *err)
{
	int starttls = !server->url->implicit_tls && !server->tls_off;

	if (!opened && !watch->asked) {
		if (err->cls == LIB_ERR_TLS && starttls)
			return test_tls_step(server, err);
		return test_step_fail(server, "session", err, NULL);
	}
	if (starttls)
		test_tls_step(server, NULL);
	else if (server->tls_off)
		test_step_add(server, "tls", 1, LIB_ERR_NONE, "not used: tls off (the password travels in plain text)", NULL);
	if (!opened)
		return test_step_add(server, "login", 0, err->cls, err->text, test_advice(err, watch->is_oauth2));
	return 1;
}

static void login_step(struct test_server *server, const struct secret_watch *watch, const char *user,
                       const char *mechanism)
{
	char *detail = xasprintf("logged in as %s%s%s", user, mechanism && *mechanism ? " with " : "",
	                         mechanism && *mechanism ? mechanism : watch->is_oauth2 ? " with XOAUTH2" : "");
	test_step_add(server, "login", 1, LIB_ERR_NONE, detail, NULL);
	free(detail);
}

/* The struct net_server fields of the server under test (its tls.info collects what the handshake shows). */
#define SESSION_SERVER(s)                                                                                        \
	.host = (s)->url->host, .port = (s)->url->port, .implicit_tls = (s)->url->implicit_tls,                  \
	.tls_off = (s)->tls_off, .tls = (s)->tls, .timeout = (s)->timeout

static void capabilities_step(struct test_server *server, const char *name)
{
	test_step_add(server, name, 1, LIB_ERR_NONE, server->capabilities.len ? server->capabilities.data : "(none)",
	              NULL);
}

static void test_imap(struct test_ctx *t, struct test_server *server)
{
	struct secret_watch watch = { t, 0, 0 };
	struct lib_error err = { 0 };
	struct net_server imap = {
		SESSION_SERVER(server),
		.no_compress = !conf_get_bool(t->conf, t->account, CONF_K_COMPRESS),
	};
	struct net_login login = { .user = t->user, .get_secret = watch_secret, .ctx = &watch };

	if (!test_probe(server))
		return;
	memset(&server->tls_info, 0, sizeof(server->tls_info));
	struct imap_session *session = imap_session_open(&imap, &login, &err);
	if (!session_steps(server, &watch, session != NULL, &err))
		return;
	imap_session_capabilities(session, &server->capabilities);
	capabilities_step(server, "capabilities");
	login_step(server, &watch, t->user, NULL);
	int offered = strstr(server->capabilities.data ? server->capabilities.data : "", "COMPRESS=DEFLATE") != NULL;
	test_step_add(server, "compress", 1, LIB_ERR_NONE,
	              imap_session_compressed(session) ? "on (COMPRESS=DEFLATE)"
	              : imap.no_compress                ? "off: compress off in the mailrc"
	              : offered                         ? "off: the server refused COMPRESS=DEFLATE"
	                                                : "off: the server does not offer COMPRESS=DEFLATE",
	              NULL);
	struct imap_status status = { 0 };
	if (imap_folder_status(session, "INBOX", &status, &err) < 0) {
		test_step_fail(server, "inbox", &err, NULL);
	} else {
		char *detail = xasprintf("%u messages, %u unseen", status.messages, status.unseen);
		test_step_add(server, "inbox", 1, LIB_ERR_NONE, detail, NULL);
		free(detail);
	}
	char *caps = xasprintf(" %s ", server->capabilities.data ? server->capabilities.data : "");
	if (strstr(caps, " QUOTA ")) {
		uint64_t used = 0, limit = 0;
		int rc = imap_quota(session, &used, &limit, &err);
		if (rc < 0) {
			test_step_fail(server, "quota", &err, NULL);
		} else {
			char *detail = rc == 0 ? xstrdup("no storage limit")
			                       : xasprintf("%llu of %llu KB used (%llu%%)", (unsigned long long)used,
			                                   (unsigned long long)limit,
			                                   (unsigned long long)(limit ? used * 100 / limit : 0));
			test_step_add(server, "quota", limit == 0 || used < limit, LIB_ERR_SERVER, detail,
			              "the mailbox is full: new mail bounces until you delete or archive some");
			free(detail);
		}
	}
	free(caps);
	t->imap = session;
}

static void test_pop3(struct test_ctx *t, struct test_server *server)
{
	struct secret_watch watch = { t, 0, 0 };
	struct lib_error err = { 0 };
	struct net_server pop = {
		SESSION_SERVER(server),
	};
	struct net_login login = { t->user, watch_secret, &watch,
	                           .apop = conf_get_bool(t->conf, t->account, CONF_K_POP3_APOP) };

	if (!test_probe(server))
		return;
	memset(&server->tls_info, 0, sizeof(server->tls_info));
	struct pop_session *session = pop_session_open(&pop, &login, &err);
	if (!session_steps(server, &watch, session != NULL, &err))
		return;
	pop_session_capabilities(session, &server->capabilities);
	capabilities_step(server, "capabilities");
	login_step(server, &watch, t->user, pop_session_mechanism(session));
	unsigned count = 0;
	unsigned long long octets = 0;
	if (pop_stat(session, &count, &octets, &err) < 0) {
		test_step_fail(server, "messages", &err, NULL);
	} else {
		char *detail = xasprintf("%u messages, %llu bytes, on the server", count, octets);
		test_step_add(server, "messages", 1, LIB_ERR_NONE, detail, NULL);
		free(detail);
	}
	pop_session_close(session); /* QUIT: nothing was marked for deletion */
}

/* The account's own address (from, else a user that is an address);
 * caller frees; NULL when there is none. */
static char *own_address(struct test_ctx *t)
{
	const char *from = conf_get(t->conf, t->account, CONF_K_FROM);
	char *name = NULL, *addr = NULL;

	if (from && mime_address_split(from, &name, &addr) == 0) {
		free(name);
		return addr;
	}
	if (t->user && strchr(t->user, '@'))
		return xstrdup(t->user);
	return NULL;
}

static char *test_message(const char *addr, const char *token, const char *message_id)
{
	char date[64];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	return xasprintf("From: <%s>\r\nTo: <%s>\r\nSubject: tern test message %s\r\nDate: %s\r\nMessage-ID: %s\r\n"
	                 "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
	                 "tern --test-account sent this message to check that sending and receiving work.\r\n"
	                 "You can delete it.\r\n",
	                 addr, addr, token, date, message_id);
}

static const char *send_advice(const struct smtp_result *result)
{
	int code = result->code;

	if (code == 530)
		return "the server takes mail only after a login: set user and password (or password-command, or "
		       "oauth2-token-command) for this account";
	if (code == 534 || code == 535)
		return "the password was refused: check it; many providers need an app password or OAuth2 here";
	if (strstr(result->server_text, "5.7.") || code == 554)
		return "refused by the server's policy: the From address may not belong to this login, or the address "
		       "or message is blocked; set from to an address of this account, or ask the provider";
	if ((code == 550 || code == 551 || code == 553) && result->stage == SMTP_STAGE_RCPT)
		return "the server will not relay: log in before sending (set user and password for this account) and "
		       "send through your own provider's server";
	if (code == 550 || code == 553)
		return "the sender address was refused: set from to an address this login may use";
	if (code >= 400 && code < 500)
		return "the server is busy: try again in a few minutes";
	return NULL;
}

/* Looks for the test message by its Message-ID in the INBOX (IMAP) or
 * among the last 20 POP3 messages (TOP only, a fresh session each time,
 * nothing deleted); tries for up to 2 timeouts. */
static void receive_step(struct test_ctx *t, struct test_server *server, const char *message_id,
                         const struct test_account *report)
{
	const struct conf_url *pop_url = &t->account->pop3;
	int tries = 2 * server->timeout, found = 0, waited = 0;
	struct lib_error err = { 0 };
	char *where = NULL;

	if (!t->imap && pop_url->scheme == CONF_URL_NONE)
		return;
	if (!t->imap) { /* a POP3 account: only when its POP3 test passed */
		for (size_t i = 0; i < report->nservers; i++)
			if (report->servers[i].proto == TEST_POP3 && report->servers[i].failed)
				return;
	}
	char *criteria = xasprintf("HEADER Message-ID \"%s\"", message_id);
	char *header_line = xasprintf("message-id: %s", message_id);
	for (; tries > 0 && !found; tries--) {
		if (t->imap) {
			uint32_t *uids = NULL;
			size_t n = 0;
			/* a fresh SELECT before each look: some servers never tell a
			 * selected session about new mail (issue 16: a false failure) */
			if (imap_folder_refresh(t->imap, "INBOX", &err) < 0 ||
			    imap_search(t->imap, "INBOX", criteria, &uids, &n, &err) < 0)
				break;
			if (n) {
				found = 1;
				where = xasprintf("found in INBOX over IMAP (UID %u) after %d s", uids[n - 1], waited);
			}
			free(uids);
		} else {
			struct secret_watch watch = { t, 0, 0 };
			struct net_server pop = {
				.host = pop_url->host, .port = pop_url->port, .implicit_tls = pop_url->implicit_tls,
				.tls_off = server->tls_off, .tls = { t->ca_path, server->tls.fingerprint, NULL },
				.timeout = server->timeout,
			};
			struct net_login login = { t->user, watch_secret, &watch,
				                   .apop = conf_get_bool(t->conf, t->account, CONF_K_POP3_APOP) };
			struct pop_session *session = pop_session_open(&pop, &login, &err);
			unsigned count = 0;
			unsigned long long octets = 0;
			if (!session || pop_stat(session, &count, &octets, &err) < 0) {
				pop_session_close(session);
				break;
			}
			for (unsigned i = count; i > 0 && i + 20 > count && !found; i--) {
				struct buf header = BUF_INIT;
				if (pop_message_header(session, i, &header, &err) < 0) {
					buf_free(&header);
					break;
				}
				for (char *p = header.data; p && *p && !found; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
					found = strncasecmp(p, header_line, strlen(header_line)) == 0;
				if (found)
					where = xasprintf("found as POP3 message %u of %u after %d s (nothing deleted)", i, count,
					                  waited);
				buf_free(&header);
			}
			pop_session_close(session);
			if (err.cls != LIB_ERR_NONE)
				break;
		}
		if (!found && tries > 1) {
			sleep(1);
			waited++;
		}
	}
	if (found) {
		test_step_add(server, "receive", 1, LIB_ERR_NONE, where, NULL);
	} else if (err.cls != LIB_ERR_NONE) {
		test_step_fail(server, "receive", &err, NULL);
	} else {
		char *detail = xasprintf("the server accepted %s, but it was not in the INBOX after %d s", message_id, waited);
		test_step_add(server, "receive", 0, LIB_ERR_TEMPORARY, detail,
		              "look in the spam folder; the provider may filter or delay mail to yourself; "
		              "otherwise the SMTP and IMAP/POP3 servers may belong to different accounts");
		free(detail);
	}
	free(where);
	free(criteria);
	free(header_line);
}

static void test_smtp(struct test_ctx *t, struct test_server *server, const struct test_account *report)
{
	struct secret_watch watch = { t, 0, 0 };
	struct lib_error err = { 0 };
	struct net_server smtp = {
		SESSION_SERVER(server), .account = t->account->name,
	};
	int has_secret = conf_get(t->conf, t->account, CONF_K_PASSWORD) ||
	                 conf_get(t->conf, t->account, CONF_K_PASSWORD_COMMAND) ||
	                 conf_get(t->conf, t->account, CONF_K_OAUTH2_TOKEN_COMMAND);
	struct net_login login = { t->user, watch_secret, &watch, .if_offered = !has_secret };

	if (!test_probe(server))
		return;
	memset(&server->tls_info, 0, sizeof(server->tls_info));
	struct smtp_session *session = smtp_session_open(&smtp, &login, &err);
	if (!session) {
		int starttls = !server->url->implicit_tls && !server->tls_off;
		if (watch.asked) {
			if (starttls)
				test_tls_step(server, NULL);
			test_step_add(server, "auth", 0, err.cls, err.text, test_advice(&err, watch.is_oauth2));
		} else if (err.cls == LIB_ERR_TLS && starttls) {
			test_tls_step(server, &err);
		} else {
			test_step_fail(server, err.cls == LIB_ERR_AUTH ? "auth" : "session", &err, NULL);
		}
		return;
	}
	if (!server->url->implicit_tls && !server->tls_off)
		test_tls_step(server, NULL);
	smtp_session_extensions(session, &server->capabilities);
	capabilities_step(server, "extensions");
	if (!*smtp_session_auth_mechanism(session)) {
		test_step_add(server, "auth", 1, LIB_ERR_NONE,
		              "not tried: the account has no password, password-command or oauth2-token-command", NULL);
	} else {
		char *detail = xasprintf("logged in as %s with %s", t->user, smtp_session_auth_mechanism(session));
		test_step_add(server, "auth", 1, LIB_ERR_NONE, detail, NULL);
		free(detail);
	}
	if (t->no_send) {
		smtp_session_close(session);
		return;
	}
	char *addr = own_address(t);
	if (!addr) {
		test_step_add(server, "send", 0, LIB_ERR_CONFIG, "no address to send the test message to",
		              "set from in the account (or use --no-send)");
		smtp_session_close(session);
		return;
	}
	unsigned char random[8];
	char token[17];
	if (getrandom(random, sizeof(random), 0) != (ssize_t)sizeof(random))
		lib_fatal("getrandom failed");
	for (size_t i = 0; i < sizeof(random); i++)
		snprintf(token + 2 * i, 3, "%02x", random[i]);
	const char *at = strrchr(addr, '@');
	char *message_id = xasprintf("<tern-test-%s@%s>", token, at ? at + 1 : "tern.invalid");
	char *message = test_message(addr, token, message_id);
	const char *rcpts[1] = { addr };
	struct smtp_result result;
	int sent = smtp_send(session, addr, rcpts, 1, message, strlen(message), &result) == 0;
	smtp_session_close(session);
	if (sent) {
		char *detail = xasprintf("sent to <%s> with Message-ID %s (%d %s)", addr, message_id, result.code,
		                         result.server_text);
		test_step_add(server, "send", 1, LIB_ERR_NONE, detail, NULL);
		free(detail);
		receive_step(t, server, message_id, report);
	} else {
		test_step_add(server, "send", 0, result.error.cls, result.error.text, send_advice(&result));
	}
	free(message);
	free(message_id);
	free(addr);
}

static int first_failure(const struct test_account *report)
{
	for (size_t i = 0; i < report->nservers; i++)
		for (size_t j = 0; j < report->servers[i].nsteps; j++)
			if (!report->servers[i].steps[j].ok)
				return lib_error_exit_code(report->servers[i].steps[j].cls);
	return 0;
}

static void test_one(const struct conf *conf, const struct conf_account *account, int no_send, int json,
                     struct test_account *report)
{
	struct test_ctx t = { conf, account, no_send, json, engine_account_user(conf, account), NULL, NULL, NULL, 0 };
	const char *ca_file = conf_get(conf, account, CONF_K_TLS_CA_FILE);

	t.ca_path = ca_file ? lib_path_expand(ca_file) : NULL;
	report->name = account->name;
	if (!t.user)
		t.user = xstrdup("");
	if (account->imap.scheme != CONF_URL_NONE) {
		struct test_server *server = &report->servers[report->nservers++];
		server_init(&t, server, TEST_IMAP, &account->imap);
		test_imap(&t, server);
	}
	if (account->pop3.scheme != CONF_URL_NONE) {
		struct test_server *server = &report->servers[report->nservers++];
		server_init(&t, server, TEST_POP3, &account->pop3);
		test_pop3(&t, server);
	}
	if (account->smtp.scheme != CONF_URL_NONE) {
		struct test_server *server = &report->servers[report->nservers++];
		server_init(&t, server, TEST_SMTP, &account->smtp);
		test_smtp(&t, server, report);
	}
	imap_session_close(t.imap);
	if (t.secret) {
		explicit_bzero(t.secret, strlen(t.secret));
		free(t.secret);
	}
	free(t.ca_path);
	free(t.user);
}

int cli_test_account(const struct conf *conf, const char *account_name, int no_send, int json)
{
	struct test_account *reports = xcalloc(conf->naccounts + 1, sizeof(*reports));
	size_t count = 0;
	int exit_code = 0;

	for (size_t i = 0; i < conf->naccounts; i++) {
		const struct conf_account *account = &conf->accounts[i];
		if (account_name && strcmp(account->name, account_name) != 0)
			continue;
		struct test_account *report = &reports[count++];
		test_one(conf, account, no_send, json, report);
		int code = report->nservers ? first_failure(report) : lib_error_exit_code(LIB_ERR_CONFIG);
		if (!exit_code)
			exit_code = code;
		if (!json) {
			size_t steps = 0, failed = 0;
			for (size_t s = 0; s < report->nservers; s++)
				for (size_t j = 0; j < report->servers[s].nsteps; j++, steps++)
					failed += !report->servers[s].steps[j].ok;
			if (report->nservers == 0)
				printf("account %s: no server to test (set imap, pop3 or smtp)\n", account->name);
			else if (failed)
				printf("account %s: %zu of %zu steps failed\n\n", account->name, failed, steps);
			else
				printf("account %s: all %zu steps passed\n\n", account->name, steps);
		}
	}
	if (count == 0) {
		fprintf(stderr, "tern: no account to test in %s\n", conf->path);
		exit_code = lib_error_exit_code(LIB_ERR_USAGE);
	}
	if (json)
		test_print_json(reports, count, exit_code);
	for (size_t a = 0; a < count; a++)
		for (size_t s = 0; s < reports[a].nservers; s++)
			test_server_free(&reports[a].servers[s]);
	free(reports);
	fflush(stdout);
	return exit_code;
}
