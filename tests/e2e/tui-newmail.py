#!/usr/bin/python3
"""e2e: new mail. A message delivered by SMTP while the reader is open
shows up in the index within a few seconds through IDLE, with a note and
new-mail-command run; on a server without IDLE, check-interval polling
finds it."""

import os
import smtplib
import ssl
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit                 # noqa: E402
from screen import Screen           # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun, TERN      # noqa: E402


def deliver(k, subject):
    ctx = ssl.create_default_context(cafile=k.ca_file)
    with smtplib.SMTP_SSL(k.host, k.ports["smtps"], context=ctx, timeout=10) as s:
        s.login("bob", k.users["bob"])
        s.sendmail("bob@example.com", ["alice@example.com"],
                   ("From: bob@example.com\r\nTo: alice@example.com\r\nSubject: %s\r\n\r\nhello\r\n" % subject).encode())


def main(t):
    with Kit() as k:
        k.generate("alice", 30)
        r = TernRun(k, "idle")
        flag = os.path.join(r.home, "newmail")
        r.global_("new-mail-command", "echo \"$TERN_NEW $TERN_ACCOUNT $TERN_FOLDER\" > %s" % flag)
        r.account("acct", imap="imaps")
        env = {key: r.env[key] for key in ("HOME", "XDG_CACHE_HOME", "LC_ALL", "TZ")}
        with Screen([TERN, "-F", r.mailrc], env=env, width=110, height=30) as s:
            s.wait_for("synced")
            time.sleep(1)   # the worker is in IDLE now
            start = time.time()
            deliver(k, "fresh via idle")
            noted = s.wait_for("New mail", 15)
            took = time.time() - start
            s.send("*")
            screen = s.wait_for("fresh via idle", 5)
            t.ok("fresh via idle" in screen, "a delivered message appears in the open index (%.1f s)" % took, screen)
            t.ok(took < 10, "within a few seconds of the SMTP delivery (%.1f s)" % took)
            t.ok("New mail: 1 new message in INBOX" in noted and "Msgs:31" in noted,
                 "the status line and a note say so", noted)
            for _ in range(50):
                if os.path.exists(flag):
                    break
                time.sleep(0.1)
            t.ok(os.path.exists(flag) and open(flag).read().strip() == "1 acct INBOX",
                 "new-mail-command ran with the counts")
            deliver(k, "second one")
            s.wait_for("Msgs:32", 15)
            s.send("*")
            screen = s.wait_for("second one", 5)
            t.ok("second one" in screen, "IDLE goes on after the first news")
            s.send("q")
            t.is_(s.exit_status(), 0, "quit while idle is prompt")

    with Kit(imap_capability="IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE LITERAL+ UIDPLUS MOVE CONDSTORE QRESYNC") as k:
        k.generate("alice", 10)
        r = TernRun(k, "poll")
        r.global_("check-interval", "2")
        r.account("acct", imap="imaps")
        env = {key: r.env[key] for key in ("HOME", "XDG_CACHE_HOME", "LC_ALL", "TZ")}
        with Screen([TERN, "-F", r.mailrc], env=env, width=110, height=30) as s:
            s.wait_for("synced")
            deliver(k, "found by polling")
            s.wait_for("Msgs:11", 15)
            s.send("*")
            screen = s.wait_for("found by polling", 5)
            t.ok("found by polling" in screen, "without IDLE, check-interval polling finds new mail", screen)
            s.send("q")
            t.is_(s.exit_status(), 0, "quit")


run(main)
