/* Fuzz target: what a POP3 server can send, through tern's stream layer,
 * libetpan's POP3 reader and tern's own line, LIST, UIDL and body
 * parsing, into a real fetch: pop_fetch with delete, writing a Maildir
 * and its state file in a private directory that is emptied after every
 * run. The input is the server side of the conversation (greeting, CAPA,
 * USER, PASS, STAT/LIST, UIDL, RETR..., DELE, QUIT), then EOF. */
#define _GNU_SOURCE
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz-net.h"
#include "pop/pop-private.h"

static char *get_secret(void *ctx, int *is_oauth2, struct lib_error *err)
{
	(void)ctx;
	(void)err;
	*is_oauth2 = 0;
	return xstrdup("fuzz-password");
}

static void warn(void *ctx, const char *line)
{
	(void)ctx;
	if (!line)
		abort();
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	if (ftw->level > 0)
		remove(path);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *dir;
	struct net_server server = { .host = "pop.fuzz.example", .port = 110, .tls_off = 1, .timeout = 1 };
	struct net_login login = { .user = "fuzz", .get_secret = get_secret };
	struct pop_fetch_result result;
	struct lib_error err = { 0 };

	if (!dir) {
		const char *shm = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
		dir = xasprintf("%s/tern-fuzz-pop-XXXXXX", shm);
		if (!mkdtemp(dir))
			abort();
	}
	struct pop_fetch_options options = { .maildir = dir, .account = "fuzz", .warn = warn };
	fuzz_net_input(data, size);
	int r = pop_fetch(&server, &login, &options, &result, &err);
	fuzz_step("fetch", r, &err);
	fuzz_net_done();
	if (result.removed > result.on_server || result.downloaded > result.on_server)
		abort();
	nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}
