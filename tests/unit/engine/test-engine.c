/* engine: naming an account's server in messages; which folders are on
 * this machine (a path, a POP3 account's Maildir, $MAIL without servers). */
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
	                    "account b\nsmtp smtp://out.example.org\n"
	                    "account c\npop3 pop3s://pop.example.org\n"
	                    "account d\npop3 pop3s://pop.example.org\nmaildir /srv/mail/d\n";

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

	setenv("HOME", "/home/ana", 1);
	setenv("XDG_DATA_HOME", "/home/ana/.local/share", 1);
	setenv("MAIL", "/", 1); /* exists */
	ok(engine_folder_is_path("/var/mail/ana") && engine_folder_is_path("~/Maildir") &&
	   engine_folder_is_path("./box") && !engine_folder_is_path("INBOX") && !engine_folder_is_path(NULL),
	   "paths start with /, ~ or .");
	char *p = engine_local_path(conf, &conf->accounts[0], "INBOX");
	ok(p == NULL, "an IMAP account's INBOX is on the server");
	p = engine_local_path(conf, &conf->accounts[0], "~/Mail/box");
	is_str(p, "/home/ana/Mail/box", "a path is local, ~ expanded");
	free(p);
	p = engine_local_path(conf, &conf->accounts[2], "INBOX");
	is_str(p, "/home/ana/.local/share/tern/c", "a POP3 account's INBOX is its default Maildir");
	free(p);
	p = engine_local_path(conf, &conf->accounts[3], "INBOX");
	is_str(p, "/srv/mail/d", "or the maildir it names");
	free(p);
	p = engine_local_path(conf, &conf->accounts[2], "Sent");
	ok(p == NULL, "it has no other local folder");
	p = engine_local_path(conf, &conf->accounts[1], "INBOX");
	is_str(p, "/", "an account without imap or pop3 reads $MAIL");
	free(p);
	conf_free(conf);
	return tap_done();
}
