#!/usr/bin/python3
"""e2e: actions while the server is down. Flag, delete and move are queued
in the account's journal on disk, survive tern being killed, and are
replayed in order when tern starts again and reaches the server, checked
with imaplib; an action on a folder recreated meanwhile (new UIDVALIDITY)
is reported and dropped, not fatal."""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit                 # noqa: E402
from screen import Screen           # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun, TERN      # noqa: E402


def flags(k, subject, folder="INBOX"):
    c = k.imap()
    c.select('"%s"' % folder, readonly=True)
    typ, data = c.search(None, 'SUBJECT "%s"' % subject)
    nums = data[0].split()
    out = None
    if nums:
        typ, data = c.fetch(nums[0], "(FLAGS)")
        out = data[0].decode()
    c.logout()
    return out


def main(t):
    with Kit() as k:
        c = k.imap()
        for i in range(5):
            c.append("INBOX", None, None, ("Subject: off %d\r\nDate: Mon, 1 Jan 2035 00:00:0%d +0000\r\n\r\nx\r\n"
                                           % (i, i)).encode())
        c.create("Projects")
        c.subscribe("Projects")
        c.append("Projects", None, None, b"Subject: proj 1\r\n\r\nx\r\n")
        c.logout()
        r = TernRun(k, "offline")
        r.account("acct", imap="imaps", timeout=3)
        env = {key: r.env[key] for key in ("HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "LC_ALL", "TZ")}
        journal = os.path.join(r.env["XDG_DATA_HOME"], "tern", "acct.journal")

        def find(s, subject):
            s.send("/")
            s.type(subject)
            s.send("Enter")

        s = Screen([TERN, "-F", r.mailrc], env=env, width=110, height=30)
        s.wait_for("synced")
        s.wait_for("Projects", 1)
        time.sleep(1)   # the folder list for completion has arrived
        k.dovecot_stop()
        find(s, "off 1")
        s.send("F")
        screen = s.wait_for("queued", 20)
        t.ok("queued, it will be done on reconnect" in screen, "offline: F is queued, and says so", screen)
        find(s, "off 2")
        s.send("d")
        s.wait_for("Flag:1")
        time.sleep(2)
        find(s, "off 3")
        s.send("s")
        s.wait_for("to folder:")
        s.type("Projects")
        s.send("Enter")
        time.sleep(3)
        lines = open(journal).read().splitlines() if os.path.exists(journal) else []
        t.ok(len(lines) == 3 and lines[0].startswith("store\tINBOX") and lines[1].startswith("delete\tINBOX")
             and lines[2].startswith("copy\tINBOX"), "the three actions are in the journal, in order", lines)
        t.ok(os.stat(journal).st_mode & 0o777 == 0o600 if lines else False, "the journal is mode 0600")
        s.close()   # tern is killed with its terminal: nothing must be lost
        t.ok(os.path.exists(journal), "the journal survives tern being killed")

        k.dovecot_start()
        with Screen([TERN, "-F", r.mailrc], env=env, width=110, height=30) as s:
            screen = s.wait_for("queued while offline", 30)
            t.ok("Done 3 actions queued while offline." in screen, "on the next start the journal is replayed", screen)
            s.wait_for("synced")
            s.send("q")
            s.exit_status()
        t.ok("\\Flagged" in (flags(k, "off 1") or ""), "replayed: the flag is on the server")
        t.ok(flags(k, "off 2") is None and flags(k, "off 2", "Trash") is not None, "replayed: the delete moved it to Trash")
        t.ok(flags(k, "off 3") is None and flags(k, "off 3", "Projects") is not None, "replayed: the move")
        t.ok(not os.path.exists(journal), "the journal is gone once everything was done")

        # A queued action on a folder that is recreated before the replay.
        with Screen([TERN, "-F", r.mailrc, "-f", "Projects"], env=env, width=110, height=30) as s:
            s.wait_for("synced")
            k.dovecot_stop()
            find(s, "proj 1")
            s.send("F")
            s.wait_for("queued", 20)
            s.send("q")
            s.exit_status()
        k.dovecot_start()
        c = k.imap()
        c.delete("Projects")
        c.create("Projects")
        c.append("Projects", None, None, b"Subject: proj new\r\n\r\nx\r\n")
        c.logout()
        with Screen([TERN, "-F", r.mailrc], env=env, width=110, height=30) as s:
            screen = s.wait_for("dropped", 30)
            t.ok("a queued action on Projects was dropped: the folder was recreated meanwhile" in screen,
                 "a changed UIDVALIDITY drops the action with a note", screen)
            s.send("q")
            t.is_(s.exit_status(), 0, "tern goes on normally")
        t.ok("\\Flagged" not in (flags(k, "proj new", "Projects") or ""), "the new folder's message was not touched")


run(main)
