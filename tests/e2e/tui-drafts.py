#!/usr/bin/python3
"""e2e: postpone and recall against Dovecot's \\Drafts folder. P on the
compose screen stores the draft on the server with \\Draft (and its Bcc)
and drops the local autosave; R opens the Drafts folder, R there reopens
the draft; sending it delivers it once and removes the draft; postponing
a recalled draft again leaves exactly one draft (attachment included);
a recalled draft recovered after a killed terminal still removes its
server copy when sent; an account whose folder-drafts does not exist,
or a server with no \\Drafts folder, gets one clear line and the local
draft is kept."""

import email
import email.policy
import imaplib
import os
import ssl
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit                 # noqa: E402
from screen import Screen           # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun, TERN      # noqa: E402


def folder(k, user, name):
    """[(flags, message)] of folder name."""
    ctx = ssl.create_default_context(cafile=k.ca_file)
    c = imaplib.IMAP4_SSL(k.host, k.ports["imaps"], ssl_context=ctx, timeout=10)
    c.login(user, k.users[user])
    typ, data = c.select('"%s"' % name, readonly=True)
    out = []
    if typ == "OK" and int(data[0]):
        typ, data = c.fetch("1:*", "(FLAGS RFC822)")
        for item in data:
            if isinstance(item, tuple):
                out.append((imaplib.ParseFlags(item[0]),
                            email.message_from_bytes(item[1], policy=email.policy.default)))
    c.logout()
    return out


def wait_count(k, user, name, subject, count, seconds=15):
    end = time.time() + seconds
    while True:
        found = [m for m in folder(k, user, name) if subject in str(m[1]["Subject"])]
        if len(found) == count or time.time() > end:
            return found
        time.sleep(0.3)


def main(t):
    with Kit() as k:
        r = TernRun(k, "drafts")
        editor = os.path.join(r.home, "editor.sh")
        with open(editor, "w") as f:
            f.write("#!/bin/sh\n"
                    "f=\"$1\"\n"
                    "s=$(cat %s/subject)\n"
                    "sed -i -e 's/^To: *$/To: Bob <bob@example.com>/' -e \"s/^Subject: *\\$/Subject: $s/\" "
                    "-e 's/^Bcc: *$/Bcc: alice@example.com/' \"$f\"\n"
                    "printf 'Words worth keeping.\\n' >> \"$f\"\n" % r.home)
        os.chmod(editor, 0o755)
        subject_file = os.path.join(r.home, "subject")
        r.global_("editor", editor)
        r.account("acct", imap="imaps", smtp="smtp://127.0.0.1:%d" % k.ports["submission"],
                  **{"from": "Alice <alice@example.com>"})
        env = {key: r.env[key] for key in ("HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "LC_ALL", "TZ")}
        local = os.path.join(r.env["XDG_DATA_HOME"], "tern", "drafts")

        with open(subject_file, "w") as f:
            f.write("put aside")
        with Screen([TERN, "-F", r.mailrc], env=env, width=120, height=30) as s:
            s.wait_for("synced")
            s.send("m")
            screen = s.wait_for("compose")
            t.ok("P postpone" in screen and "Subject: put aside" in screen,
                 "the compose screen offers P postpone", screen)
            s.send("P")
            screen = s.wait_for("Postponed to Drafts.", 20)
            t.ok("Postponed to Drafts." in screen, "P: postponed to the server's \\Drafts folder", screen)
            drafts = wait_count(k, "alice", "Drafts", "put aside", 1)
            t.is_(len(drafts), 1, "the draft is on the server once")
            t.ok(drafts and "\\Draft" in [f.decode() for f in drafts[0][0]], "with the \\Draft flag",
                 drafts and drafts[0][0])
            t.ok(drafts and drafts[0][1]["Bcc"] == "alice@example.com", "and its Bcc, to be recalled",
                 drafts and dict(drafts[0][1]))
            t.ok(not [n for n in os.listdir(local) if n.endswith(".eml")],
                 "the local autosave is gone once the server has it", os.listdir(local))

            # R: the Drafts folder opens; R there recalls; y sends.
            s.send("R")
            screen = s.wait_for("choose a draft", 20)
            t.ok("Drafts: choose a draft and press R to recall it." in screen, "R opens the Drafts folder", screen)
            s.wait_for("put aside")
            s.send("R")
            screen = s.wait_for("Recalled", 20)
            t.ok("Subject: put aside" in screen and "alice@example.com" in screen and "To: Bob <bob@example.com>" in screen,
                 "R in Drafts reopens the draft on the compose screen, Bcc included", screen)
            t.is_(len(folder(k, "alice", "Drafts")), 1, "recalling leaves the draft on the server")
            s.send("y")
            screen = s.wait_for("Sent.", 20)
            t.ok("Sent." in screen, "the recalled draft is sent", screen)
            got = wait_count(k, "bob", "INBOX", "put aside", 1)
            t.is_(len(got), 1, "delivered once")
            t.ok(got and "Words worth keeping." in got[0][1].get_body(("plain",)).get_content()
                 and got[0][1]["Bcc"] is None, "with its text, and no Bcc header")
            t.is_(len(wait_count(k, "alice", "Drafts", "put aside", 0)), 0, "the draft is gone from the server")

            # A recalled draft postponed again: exactly one draft remains.
            with open(subject_file, "w") as f:
                f.write("second thoughts")
            attachment = os.path.join(r.home, "plan.bin")
            with open(attachment, "wb") as f:
                f.write(bytes(range(256)) * 8)
            s.send("m")
            s.wait_for("compose")
            s.send("a")
            s.wait_for("Attach file:")
            s.type(attachment)
            s.send("Enter")
            s.wait_for("plan.bin")
            s.send("P")
            s.wait_for("Postponed to Drafts.", 20)
            s.wait_for("second thoughts", 20)   # the Drafts index shows it
            s.send("R")
            screen = s.wait_for("Recalled", 20)
            t.ok("Subject: second thoughts" in screen and "plan.bin" in screen and "(2048 bytes)" in screen,
                 "recalled again, with its attachment", screen)
            s.send("P")
            screen = s.wait_for("Postponed to Drafts.", 20)
            time.sleep(1)
            drafts = folder(k, "alice", "Drafts")
            t.is_(len(drafts), 1, "postponed again: exactly one draft")
            t.ok(drafts and "second thoughts" in str(drafts[0][1]["Subject"])
                 and "\\Draft" in [f.decode() for f in drafts[0][0]], "the new one, with \\Draft")
            files = list(drafts[0][1].iter_attachments()) if drafts else []
            t.ok(len(files) == 1 and files[0].get_filename() == "plan.bin"
                 and files[0].get_content() == bytes(range(256)) * 8, "its attachment byte for byte")
            s.send("q")
            t.is_(s.exit_status(), 0, "quits cleanly (no sanitizer report)")

        # A recalled draft, the terminal killed: recovered at the next
        # start, it still replaces its server copy when sent.
        s = Screen([TERN, "-F", r.mailrc], env=env, width=120, height=30)
        s.wait_for("synced")
        s.send("R")
        s.wait_for("choose a draft", 20)
        s.wait_for("second thoughts")
        s.send("R")
        s.wait_for("Recalled", 20)
        s.close()
        with Screen([TERN, "-F", r.mailrc], env=env, width=120, height=30) as s:
            s.wait_for("Recover it?", 20)
            s.send("Enter")
            screen = s.wait_for("compose")
            t.ok("Subject: second thoughts" in screen, "the recalled draft is recovered after a crash", screen)
            s.send("y")
            s.wait_for("Sent.", 20)
            t.is_(len(wait_count(k, "bob", "INBOX", "second thoughts", 1)), 1, "sent once")
            t.is_(len(wait_count(k, "alice", "Drafts", "second thoughts", 0)), 0,
                  "and its server draft is gone: the recall survived the crash")
            s.send("q")
            s.exit_status()

        # Another client's draft, text and HTML: the HTML is not dropped
        # but comes back as an attachment the user sees.
        c = k.imap("alice")
        c.append("Drafts", "(\\Draft)", None,
                 b"From: alice@example.com\r\nTo: bob@example.com\r\nSubject: two kinds\r\n"
                 b"MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=b1\r\n\r\n"
                 b"--b1\r\nContent-Type: text/plain\r\n\r\nplain words\r\n"
                 b"--b1\r\nContent-Type: text/html\r\n\r\n<p>html words</p>\r\n--b1--\r\n")
        c.logout()
        with Screen([TERN, "-F", r.mailrc], env=env, width=120, height=30) as s:
            s.wait_for("synced")
            s.send("R")
            s.wait_for("choose a draft", 20)
            s.wait_for("two kinds")
            s.send("R")
            screen = s.wait_for("Recalled", 20)
            t.ok("Subject: two kinds" in screen and "1 attach" in screen,
                 "another client's HTML part comes back as an attachment, not dropped", screen)
            s.send("q")
            s.wait_for("Abort this message?")
            s.send("Enter")
            s.wait_for("Message aborted.")
            s.send("q")
            s.exit_status()

        # No such Drafts folder: a clear error, the local draft kept.
        r.lines = r.lines[:1]   # the editor line; the account again, with folder-drafts
        r.account("acct", imap="imaps", smtp="smtp://127.0.0.1:%d" % k.ports["submission"],
                  folder_drafts="Nowhere", **{"from": "Alice <alice@example.com>"})
        with open(subject_file, "w") as f:
            f.write("no place")
        with Screen([TERN, "-F", r.mailrc], env=env, width=160, height=30) as s:
            s.wait_for("synced")
            s.send("m")
            s.wait_for("compose")
            s.send("P")
            screen = s.wait_for("the message is kept", 20)
            t.ok("APPEND to Nowhere" in screen and "the message is kept" in screen,
                 "folder-drafts missing on the server: one clear line", screen)
            t.ok([n for n in os.listdir(local) if n.endswith(".eml")], "the local draft is kept")
            s.send("q")
            s.exit_status()
        with Screen([TERN, "-F", r.mailrc], env=env, width=120, height=30) as s:
            screen = s.wait_for("Recover it?", 20)
            t.ok("Recover it?" in screen, "and offered at the next start", screen)
            s.send("Enter")
            screen = s.wait_for("compose")
            t.ok("Subject: no place" in screen, "recovered", screen)
            s.send("q")
            s.wait_for("Abort this message?")
            s.send("Enter")
            screen = s.wait_for("Message aborted.")
            s.send("q")
            status = s.exit_status()
            t.ok(status == 0, "quits cleanly after aborting the recovered draft", s.capture())

    # A server that marks no \\Drafts folder and no folder-drafts: P and R
    # say so in one line.
    with Kit(extra_conf="namespace inbox {\n  mailbox Drafts {\n    special_use =\n  }\n}") as k:
        r = TernRun(k, "nodrafts")
        r.global_("editor", "true")
        r.account("acct", imap="imaps", smtp="smtp://127.0.0.1:%d" % k.ports["submission"],
                  **{"from": "Alice <alice@example.com>"})
        env = {key: r.env[key] for key in ("HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "LC_ALL", "TZ")}
        with Screen([TERN, "-F", r.mailrc], env=env, width=200, height=30) as s:
            s.wait_for("synced")
            s.send("R")
            screen = s.wait_for("marks no", 20)
            t.ok("account acct, server imaps://" in screen and
                 "no folder-drafts set and the server marks no \\Drafts folder" in screen,
                 "R without a Drafts folder: one clear line", screen)
            s.send("m")
            s.wait_for("compose")
            s.send("P")
            screen = s.wait_for("the message is kept", 20)
            t.ok("no folder-drafts set and the server marks no \\Drafts folder" in screen,
                 "P without a Drafts folder: the same, and the message is kept", screen)

    # A server without UIDPLUS cannot remove just one draft while another
    # client's message in Drafts is marked deleted too (a plain EXPUNGE
    # would take it): the message is still sent, its Sent copy stored and
    # the outbox emptied, with a word.
    with Kit(imap_capability="IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ MOVE SPECIAL-USE") as k:
        c = k.imap("alice")
        c.append("Drafts", "(\\Draft)", None, b"From: alice@example.com\r\nTo: bob@example.com\r\n"
                 b"Subject: no uidplus\r\n\r\nStill goes.\r\n")
        c.append("Drafts", "(\\Draft \\Deleted)", None, b"From: alice@example.com\r\nTo: bob@example.com\r\n"
                 b"Subject: theirs, deleted\r\n\r\nElsewhere.\r\n")
        c.logout()
        r = TernRun(k, "nouidplus")
        r.global_("editor", "true")
        r.account("acct", imap="imaps", smtp="smtp://127.0.0.1:%d" % k.ports["submission"],
                  **{"from": "Alice <alice@example.com>"})
        env = {key: r.env[key] for key in ("HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "LC_ALL", "TZ")}
        with Screen([TERN, "-F", r.mailrc], env=env, width=200, height=30) as s:
            s.wait_for("synced")
            s.send("R")
            s.wait_for("choose a draft", 20)
            s.wait_for("no uidplus")
            s.send("/")
            s.type("no uidplus")
            s.send("Enter")
            s.send("R")
            s.wait_for("Recalled", 20)
            s.send("y")
            screen = s.wait_for("Sent", 20)
            t.ok("draft stays in the Drafts folder" in s.wait_for("draft stays", 10),
                 "no UIDPLUS: sent, and the draft left in Drafts is said", screen)
            t.is_(len(wait_count(k, "alice", "Sent", "no uidplus", 1)), 1, "the Sent copy is stored all the same")
            outbox = os.path.join(r.env["XDG_DATA_HOME"], "tern", "outbox", "new")
            t.is_([n for n in os.listdir(outbox) if not n.endswith(".lock")] if os.path.isdir(outbox) else [], [],
                  "and the outbox is empty")
            s.send("q")
            s.exit_status()


run(main)
