/* engine: naming an account's server in messages. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../tap.h"
#include "engine/engine.h"

int main(void)
{
	char path[] = "/tmp/tern-engine-XXXXXX";
	int fd = mkstemp(path);
	const char text[] = "account a\nsmtp smtps://mail.example.org\nimap imap://[::1]:1143\n"
	                    "account b\nsmtp smtp://out.example.org\n";

	if (fd < 0 || write(fd, text, sizeof(text) - 1) != (ssize_t)(sizeof(text) - 1))
		return 2;
	close(fd);
	struct conf *conf = conf_load(path);
	unlink(path);
	char *a = engine_account_server(&conf->accounts[0]);
	char *b = engine_account_server(&conf->accounts[1]);
	is_str(a, "imap://[::1]:1143", "the reading server comes first, IPv6 bracketed");
	is_str(b, "smtp://out.example.org:587", "an SMTP-only account names its SMTP server");
	free(a);
	free(b);
	conf_free(conf);
	return tap_done();
}
