/* Writing a message below the screens: the reply, group-reply, list-reply
 * and forward rules, the draft file read back as the editor left it, crash
 * recovery, and building the message for the outbox. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tap.h"
#include "compose/compose.h"
#include "lib/lib.h"
#include "mime/mime.h"

static char dir[] = "/tmp/tern-compose-XXXXXX";

static const char *write_file(const char *name, const char *text)
{
	static char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *fp = fopen(path, "w");
	if (!fp) {
		perror(path);
		exit(2);
	}
	fputs(text, fp);
	fclose(fp);
	chmod(path, 0600);
	return path;
}

static const char original[] =
	"From: Bea Ruiz <bea@example.org>\r\n"
	"To: Ana Lima <ana@example.org>, Carl <carl@example.org>\r\n"
	"Cc: \"Doe, John\" <john@example.org>, ana@example.org\r\n"
	"Subject: Lunch\r\n"
	"Date: Mon, 1 Jan 2024 12:00:00 +0000\r\n"
	"Message-ID: <m1@example.org>\r\n"
	"References: <m0@example.org>\r\n"
	"List-Post: <mailto:lunch@lists.example.org?subject=x>\r\n"
	"\r\n"
	"Noon?\r\n> earlier\r\n";

static struct compose *start(struct conf *conf, enum compose_kind kind, const char *raw)
{
	struct mime_message *msg = raw ? mime_message_parse(raw, strlen(raw)) : NULL;
	char *why = NULL;
	const char *note = NULL;
	struct compose *c = compose_start(conf, &conf->accounts[0], kind, msg, raw, raw ? strlen(raw) : 0, &why, &note);
	if (!c)
		printf("# %s\n", why ? why : "(no reason)");
	free(why);
	mime_message_free(msg);
	return c;
}

static int file_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static void test_reply(struct conf *conf)
{
	struct compose *c = start(conf, COMPOSE_REPLY, original);
	if (!ok(c != NULL, "a reply starts"))
		return;
	is_str(c->to, "Bea Ruiz <bea@example.org>", "r: To is the sender");
	is_str(c->subject, "Re: Lunch", "r: Re: before the subject");
	is_str(c->in_reply_to, "<m1@example.org>", "r: In-Reply-To is its Message-ID");
	is_str(c->references, "<m0@example.org> <m1@example.org>", "r: References grow by its Message-ID");
	ok(c->body.data && strstr(c->body.data, "Bea Ruiz wrote:\n> Noon?\n>> earlier\n"),
	   "r: the text is quoted, a quoted line gets one more >");
	ok(file_exists(c->path), "the draft file is written at once");
	compose_draft_discard(c);
	ok(!file_exists(c->path), "discard removes the draft file");
	compose_free(c);

	c = start(conf, COMPOSE_GROUP_REPLY, original);
	is_str(c ? c->cc : NULL, "Carl <carl@example.org>, \"Doe, John\" <john@example.org>",
	       "g: Cc is everyone else on To and Cc, not ourselves, each once");
	compose_draft_discard(c);
	compose_free(c);

	c = start(conf, COMPOSE_LIST_REPLY, original);
	is_str(c ? c->to : NULL, "lunch@lists.example.org", "L: To is the List-Post address");
	compose_draft_discard(c);
	compose_free(c);

	char *no_list = xstrdup(original);
	memcpy(strstr(no_list, "List-Post"), "X-Nothing", 9);
	struct mime_message *msg = mime_message_parse(no_list, strlen(no_list));
	char *why = NULL;
	const char *note = NULL;
	c = compose_start(conf, &conf->accounts[0], COMPOSE_LIST_REPLY, msg, no_list, strlen(no_list), &why, &note);
	ok(!c && why && strstr(why, "no List-Post header"), "L: a message from no list is refused, saying why");
	free(why);
	mime_message_free(msg);
	free(no_list);

	c = start(conf, COMPOSE_REPLY, "From: a@example.org\r\nSubject: re: x\r\nMessage-ID: <x@y>\r\n\r\nhi\r\n");
	is_str(c ? c->subject : NULL, "re: x", "r: a subject that starts with re: gets no second one");
	compose_draft_discard(c);
	compose_free(c);

	c = start(conf, COMPOSE_FORWARD, original);
	ok(c && strcmp(c->subject, "Fwd: Lunch") == 0 && strstr(c->body.data, "----- Forwarded message from") &&
	       strstr(c->body.data, "Cc: \"Doe, John\""),
	   "f: Fwd: and the text under a forward header with its Cc");
	compose_draft_discard(c);
	compose_free(c);

	c = start(conf, COMPOSE_FORWARD_ATTACHED, original);
	ok(c && c->nattach == 1 && strcmp(c->attach[0].type, "message/rfc822") == 0 &&
	       strcmp(compose_attach_name(&c->attach[0]), "Lunch.eml") == 0,
	   "Esc f: the message attached as message/rfc822, named after its subject");
	compose_draft_discard(c);
	compose_free(c);
}

static void test_draft_file(struct conf *conf)
{
	struct compose *c = start(conf, COMPOSE_NEW, NULL);
	if (!ok(c != NULL, "a new message starts"))
		return;
	is_str(c->from, "Ana Lima <ana@example.org>", "From is the account's");
	free(c->subject);
	c->subject = xstrdup("one\nBcc: eve@example.org"); /* from a hostile RFC 2047 word */
	char *why = NULL;
	ok(compose_draft_write(c, &why) == 0, "the draft is written");
	compose_draft_read(c);
	ok(c->bcc && !*c->bcc && !strstr(c->subject, "\n"), "a value with a newline stays one line: no Bcc of its own");

	/* what an editor leaves: a folded header, one tern has no field for,
	 * an attachment, and the body */
	FILE *fp = fopen(c->path, "w");
	fprintf(fp, "From: Ana <ana@example.org>\nTo: bea@example.org\nCc:\nBcc:\nSubject: Hi\n"
	            "X-Mood: fine,\n  sunny\nAttach: %s/att.txt\nAttach-As: notes.txt\n\n"
	            "Body line\n",
	        dir);
	fclose(fp);
	write_file("att.txt", "attached\n");
	ok(compose_draft_read(c) == 0, "the draft is read back");
	is_str(c->to, "bea@example.org", "To read back");
	ok(c->nheaders == 1 && strcmp(c->headers[0].name, "X-Mood") == 0 &&
	       strcmp(c->headers[0].value, "fine, sunny") == 0,
	   "a header tern has no field for is kept, its folded lines joined");
	ok(c->nattach == 1 && strcmp(compose_attach_name(&c->attach[0]), "notes.txt") == 0, "Attach and Attach-As");
	is_str(c->body.data, "Body line\n", "the body after the blank line");

	struct buf message = BUF_INIT;
	struct engine_outbox_entry entry = { 0 };
	if (!ok(compose_build(c, conf, 0, &message, &entry, &why) == 0, "the message builds"))
		printf("# %s\n", why);
	ok(message.data && strstr(message.data, "X-Mood: fine, sunny") && strstr(message.data, "notes.txt"),
	   "built with the extra header and the attachment's name");
	ok(entry.nrcpts == 1 && strcmp(entry.rcpts[0], "bea@example.org") == 0, "the envelope has the recipient");
	buf_free(&message);
	engine_outbox_entry_clear(&entry);

	free(c->to);
	c->to = xstrdup("bea@");
	ok(compose_build(c, conf, 0, &message, NULL, &why) < 0 && why && strncmp(why, "To:", 3) == 0,
	   "a bad address is refused, naming the field");
	free(why);
	buf_free(&message);
	free(c->to);
	c->to = xstrdup("");
	why = NULL;
	ok(compose_build(c, conf, 0, &message, NULL, &why) < 0 && strcmp(why, "No recipient.") == 0,
	   "no recipient: not sent");
	free(why);
	buf_free(&message);
	why = NULL;
	ok(compose_build(c, conf, 1, &message, NULL, &why) == 0, "a draft needs no recipient");
	buf_free(&message);
	ok(compose_detach_last(c) && c->nattach == 0 && !compose_detach_last(c), "detach takes the last attachment");

	/* a crash: the draft stays; the next start finds it */
	char *path = xstrdup(c->path);
	compose_free(c);
	char *found = compose_recover_find();
	is_str(found, path, "recovery finds the draft a crash left");
	c = compose_recover(conf, found, &conf->accounts[1]);
	ok(c->account == &conf->accounts[0], "a recovered draft goes out from the account it was written for");
	is_str(c->subject, "Hi", "and has what was written");
	compose_draft_discard(c);
	compose_free(c);
	ok(compose_recover_find() == NULL, "no draft left: nothing to recover");
	free(path);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 2;
	setenv("XDG_DATA_HOME", dir, 1);
	struct conf *conf = conf_load(write_file("mailrc", "account one\nfrom \"Ana Lima <ana@example.org>\"\n"
	                                                   "smtp smtps://smtp.example.org\n"
	                                                   "account two\nfrom two@example.org\n"
	                                                   "smtp smtps://smtp.example.org\n"));
	if (!ok(conf && conf->nerrors == 0 && conf->naccounts == 2, "the mailrc loads"))
		return tap_done();
	test_reply(conf);
	test_draft_file(conf);
	conf_free(conf);
	char *cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		ok(0, "cleaned up");
	free(cmd);
	return tap_done();
}
