/* tern --test-account --json: one JSON document with every server of
 * every account tested, each with its steps. The keys are stable and
 * documented in tern(1); new keys may be added, none renamed. */
#include "cli-test.h"

#include <stdlib.h>
#include <string.h>

static const char *class_name(enum lib_error_class cls)
{
	static const char *names[] = {
		[LIB_ERR_NONE] = "none", [LIB_ERR_USAGE] = "usage", [LIB_ERR_DATA] = "data",
		[LIB_ERR_CONFIG] = "config", [LIB_ERR_CONNECTION] = "connection", [LIB_ERR_TEMPORARY] = "temporary",
		[LIB_ERR_TLS] = "tls", [LIB_ERR_AUTH] = "auth", [LIB_ERR_PROTOCOL] = "protocol",
		[LIB_ERR_SERVER] = "server", [LIB_ERR_INTERNAL] = "internal",
	};
	return (size_t)cls < LIB_ARRAY_LEN(names) && names[cls] ? names[cls] : "internal";
}

static void json_string_or_null(struct buf *out, const char *text)
{
	if (text)
		cli_json_string(out, text);
	else
		buf_addstr(out, "null");
}

static void json_tls(struct buf *out, const struct net_tls_info *info)
{
	if (!info->handshake_done) {
		buf_addstr(out, "null");
		return;
	}
	const struct { const char *key, *value; } fields[] = {
		{ "version", info->version }, { "cipher", info->cipher }, { "subject", info->subject },
		{ "issuer", info->issuer }, { "names", info->names }, { "not_after", info->not_after },
	};
	for (size_t i = 0; i < LIB_ARRAY_LEN(fields); i++) {
		buf_addf(out, "%s\"%s\":", i ? "," : "{", fields[i].key);
		cli_json_string(out, fields[i].value);
	}
	buf_addf(out, ",\"expired\":%s,\"name_match\":%s,\"verified\":%s}", info->expired ? "true" : "false",
	         info->name_match ? "true" : "false", info->verified ? "true" : "false");
}

static void json_server(struct buf *out, const struct test_server *server)
{
	char *url = test_server_url(server);
	const char *security = server->url->implicit_tls ? "tls" : server->tls_off ? "none" : "starttls";

	buf_addf(out, "{\"protocol\":\"%s\",\"url\":", test_proto_name(server->proto));
	cli_json_string(out, url);
	buf_addstr(out, ",\"host\":");
	cli_json_string(out, server->url->host);
	buf_addf(out, ",\"port\":%u,\"security\":\"%s\",\"ok\":%s,\"tls\":", server->url->port, security,
	         server->failed ? "false" : "true");
	json_tls(out, &server->tls_info);
	buf_addstr(out, ",\"capabilities\":");
	json_string_or_null(out, server->capabilities.len ? server->capabilities.data : NULL);
	buf_addstr(out, ",\"steps\":[");
	for (size_t i = 0; i < server->nsteps; i++) {
		const struct test_step *step = &server->steps[i];
		buf_addf(out, "%s{\"step\":\"%s\",\"ok\":%s,\"detail\":", i ? "," : "", step->name, step->ok ? "true" : "false");
		cli_json_string(out, step->detail);
		buf_addstr(out, ",\"advice\":");
		json_string_or_null(out, step->advice);
		buf_addstr(out, ",\"error_class\":");
		json_string_or_null(out, step->ok ? NULL : class_name(step->cls));
		buf_addch(out, '}');
	}
	buf_addstr(out, "]}");
	free(url);
}

void test_print_json(const struct test_account *accounts, size_t count, int exit_code)
{
	struct buf out = BUF_INIT;

	buf_addf(&out, "{\"ok\":%s,\"exit_code\":%d,\"accounts\":[", exit_code ? "false" : "true", exit_code);
	for (size_t a = 0; a < count; a++) {
		const struct test_account *account = &accounts[a];
		int ok = account->nservers > 0;
		for (size_t s = 0; s < account->nservers; s++)
			ok &= !account->servers[s].failed;
		buf_addstr(&out, a ? ",{\"account\":" : "{\"account\":");
		cli_json_string(&out, account->name);
		buf_addf(&out, ",\"ok\":%s,\"servers\":[", ok ? "true" : "false");
		for (size_t s = 0; s < account->nservers; s++) {
			if (s)
				buf_addch(&out, ',');
			json_server(&out, &account->servers[s]);
		}
		buf_addstr(&out, "]}");
	}
	buf_addstr(&out, "]}\n");
	fwrite(out.data, 1, out.len, stdout);
	buf_free(&out);
}
