/* engine: naming an account's server in messages; which folders are on
 * this machine (a path, a POP3 account's Maildir, $MAIL without servers);
 * a recalled draft's reference survives the outbox file (written, read back);
 * an outbox entry is claimed by one holder at a time; its summary; the
 * offline journal's order and locks; the folder list kept for offline
 * (names with a tab, a newline or a backslash survive; the older form is
 * still read); the state names for logs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tap.h"
#include "engine/engine-private.h"

static void test_folder_rows(void)
{
	struct engine_folder_row rows[] = {
		{ .name = "INBOX", .subscribed = 1, .messages = 12, .unseen = 3 },
		{ .name = "Tab\tFolder", .subscribed = 1, .messages = 2, .unseen = 1 },
		{ .name = "New\nLine", .subscribed = 0, .messages = 5, .unseen = 0 },
		{ .name = "back\\slash\\t", .subscribed = 1, .messages = 0, .unseen = 0 },
	};
	size_t n = sizeof(rows) / sizeof(*rows);
	struct buf kept = BUF_INIT;
	engine_folder_rows_encode(rows, n, &kept);
	struct engine_folder_row *back;
	size_t count = engine_folder_rows_decode(kept.data, kept.len, &back);
	int same = count == n;
	for (size_t i = 0; same && i < n; i++)
		same = strcmp(back[i].name, rows[i].name) == 0 && back[i].subscribed == rows[i].subscribed &&
		       back[i].messages == rows[i].messages && back[i].unseen == rows[i].unseen;
	ok(same, "the cached folder list keeps names with a tab, a newline and a backslash (%zu of %zu)", count, n);
	engine_folder_rows_free(back, count);
	buf_free(&kept);

	const char old[] = "INBOX\t1\t12\t3\nLists\t0\t7\t2\nback\\slash\t1\t0\t0\n";
	count = engine_folder_rows_decode(old, sizeof(old) - 1, &back);
	ok(count == 3 && strcmp(back[1].name, "Lists") == 0 && !back[1].subscribed && back[1].messages == 7 &&
	       back[1].unseen == 2 && strcmp(back[2].name, "back\\slash") == 0,
	   "a list cached by an older tern is read as it was written");
	engine_folder_rows_free(back, count);

	is_str(engine_conn_state_name(ENGINE_CONN_RECONNECTING), "reconnecting", "connection states have names");
	is_str(engine_sync_state_name(ENGINE_SYNC_DONE), "synced", "sync states have names");
	is_str(engine_job_name(ENGINE_JOB_MARK_OLD), "mark-old", "the job table has a row for the last job type");
	is_str(engine_outbox_state_name(ENGINE_OUTBOX_FAILED), "failed", "outbox states have the names the file keeps");
	ok(engine_job_bulk(ENGINE_JOB_EXPUNGE) && !engine_job_bulk(ENGINE_JOB_SEARCH), "bulk jobs are told apart");
}

int main(void)
{
	test_folder_rows();
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

	struct engine_draft_ref ref = { "INBOX.Drafts b", 1700000000u, 42 }, back;
	char *line = engine_draft_ref_format(&ref);
	is_str(line, "1700000000 42 INBOX.Drafts b", "draft reference: UIDVALIDITY UID FOLDER");
	ok(engine_draft_ref_parse(line, &back) == 0 && back.uidvalidity == 1700000000u && back.uid == 42 &&
	       back.folder && strcmp(back.folder, "INBOX.Drafts b") == 0,
	   "and back, a folder with a space included");
	engine_draft_ref_clear(&back);
	ok(engine_draft_ref_parse("12 0 Drafts", &back) < 0 && engine_draft_ref_parse("x 1 Drafts", &back) < 0 &&
	       engine_draft_ref_parse("1 2", &back) < 0 && engine_draft_ref_parse("1 99999999999 D", &back) < 0,
	   "uid 0, garbage, no folder, a uid past 32 bits: refused");

	char dir[] = "/tmp/tern-outbox-XXXXXX";
	if (!mkdtemp(dir))
		return 2;
	setenv("XDG_DATA_HOME", dir, 1);
	char *rcpt = "bob@example.org";
	struct engine_outbox_entry e = { 0 }, r;
	e.account = "a", e.from = "ana@example.org", e.rcpts = &rcpt, e.nrcpts = 1, e.state = ENGINE_OUTBOX_QUEUED;
	e.draft = line, e.message = "Subject: x\r\n\r\nhi\r\n", e.len = strlen(e.message);
	char *why = NULL;
	ok(engine_outbox_write(&e, &why) == 0 && engine_outbox_read(e.path, &r) == 0, "outbox entry written and read");
	is_str(r.draft, line, "Tern-Draft comes back");
	is_str(r.message, "Subject: x\r\n\r\nhi\r\n", "and the message after it");

	/* the claim: one holder at a time, even in one process */
	int held = engine_outbox_claim(e.path);
	int second = engine_outbox_claim(e.path);
	int busy = errno;
	ok(held >= 0 && second < 0 && busy == EBUSY, "a claimed entry cannot be claimed again (EBUSY)");
	char *lock = xasprintf("%s.lock", e.path);
	engine_outbox_release(e.path, held);
	ok(access(lock, F_OK) != 0, "release removes the lock file");
	held = engine_outbox_claim(e.path);
	ok(held >= 0, "released: it can be claimed again");
	unlink(e.path); /* sent by the holder */
	engine_outbox_release(e.path, held);
	ok(engine_outbox_claim(e.path) < 0 && errno == ENOENT && access(lock, F_OK) != 0,
	   "a gone entry cannot be claimed (ENOENT) and leaves no lock file");
	free(lock);

	struct engine_outbox_summary sum;
	ok(r.state == ENGINE_OUTBOX_QUEUED, "Tern-State comes back");
	r.state = ENGINE_OUTBOX_SENT;
	free(r.message);
	r.message = xstrdup("To: =?UTF-8?Q?B=C3=B6b?= <bob@example.org>\r\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\n"
	                    "Date: Mon, 1 Jan 2035 12:00:00 +0000\r\n\r\nTo: not a header\r\n");
	r.len = strlen(r.message);
	engine_outbox_summarize(&r, &sum);
	ok(!sum.editable && strcmp(sum.state, "awaiting Sent copy") == 0, "a delivered entry is not editable");
	is_str(sum.to, "Böb <bob@example.org>", "To decoded");
	is_str(sum.subject, "Grüße", "Subject decoded");
	ok(sum.date == 2051265600, "Date read");
	engine_outbox_summary_clear(&sum);
	free(e.path);
	engine_outbox_entry_clear(&r);
	free(line);
	/* the offline journal: appended at the back, replayed from the front;
	 * an action added between a replay's first and shift is kept */
	char *journal = xasprintf("%s/tern/a.journal", dir);
	uint32_t uids[] = { 7, 9 };
	struct engine_journal_entry store = { ENGINE_JOB_STORE_FLAGS, "INBOX", 5, 2, 1, NULL, uids, 2 };
	struct engine_journal_entry copy = { ENGINE_JOB_COPY, "INBOX", 5, 0, 1, "Archive", uids, 1 };
	struct engine_journal_entry *first = NULL;
	ok(engine_journal_first(journal, &first, &why) == 0 && !first, "no journal: nothing to replay");
	ok(engine_journal_append(journal, &store, &why) == 0, "an action is journaled");
	int replaying = engine_journal_lock(journal, &why);
	ok(replaying >= 0 && engine_journal_lock(journal, &why) == -2, "one replayer at a time (-2: busy)");
	ok(engine_journal_first(journal, &first, &why) == 1 && first->type == ENGINE_JOB_STORE_FLAGS &&
	       first->nuids == 2 && first->uids[1] == 9 && first->add == 1 && first->flags == 2,
	   "the replay takes the first action");
	engine_journal_free(first, first != NULL);
	ok(engine_journal_append(journal, &copy, &why) == 0, "another tern adds one during the replay");
	ok(engine_journal_shift(journal, &why) == 0 && engine_journal_first(journal, &first, &why) == 1 &&
	       first->type == ENGINE_JOB_COPY && strcmp(first->target, "Archive") == 0 && first->add == 1,
	   "the replayed one goes, the one added meanwhile stays");
	engine_journal_free(first, first != NULL);
	ok(engine_journal_shift(journal, &why) == 0 && access(journal, F_OK) != 0, "empty: the file is removed");
	close(replaying);
	char *locks[] = { xasprintf("%s.lock", journal), xasprintf("%s.edit.lock", journal) };
	for (size_t i = 0; i < 2; i++) {
		unlink(locks[i]);
		free(locks[i]);
	}
	free(journal);

	char *sub = NULL;
	const char *subs[] = { "tern/outbox/tmp", "tern/outbox/new", "tern/outbox/cur", "tern/outbox", "tern" };
	for (size_t i = 0; i < sizeof(subs) / sizeof(*subs); i++) {
		sub = xasprintf("%s/%s", dir, subs[i]);
		rmdir(sub);
		free(sub);
	}
	rmdir(dir);
	return tap_done();
}
