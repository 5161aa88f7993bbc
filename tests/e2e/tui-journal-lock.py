#!/usr/bin/python3
"""e2e: two terns replaying one offline journal (ACCOUNT.journal) at once.
Whoever replays it holds ACCOUNT.journal.lock; another tern leaves the
journal to it and says so. With a journal of copies (which would
duplicate a message if done twice), two terns started together leave
each copy exactly once on the server, checked with imaplib."""

import fcntl
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

COUNT = 24


def imap(k):
    ctx = ssl.create_default_context(cafile=k.ca_file)
    c = imaplib.IMAP4_SSL(k.host, k.ports["imaps"], ssl_context=ctx, timeout=10)
    c.login("alice", "secret")
    return c


def subjects(k, folder):
    c = imap(k)
    c.select('"%s"' % folder, readonly=True)
    typ, data = c.search(None, "ALL")
    out = []
    for num in data[0].split():
        typ, d = c.fetch(num, "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        out.append(d[0][1].decode().strip())
    c.logout()
    return sorted(out)


def main(t):
    with Kit() as k:
        c = imap(k)
        for i in range(COUNT):
            c.append("INBOX", None, None, ("Subject: j %02d\r\n\r\nx\r\n" % i).encode())
        for folder in ("Projects", "Two"):
            c.create(folder)
            c.subscribe(folder)
        c.select("INBOX", readonly=True)
        uidvalidity = int(c.response("UIDVALIDITY")[1][0])
        typ, data = c.uid("SEARCH", None, "ALL")
        uids = [int(u) for u in data[0].split()]
        c.logout()
        r = TernRun(k, "journal-lock")
        r.account("acct", imap="imaps", timeout=5)
        env = {key: r.env[key] for key in ("HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "LC_ALL", "TZ")}
        journal = os.path.join(r.env["XDG_DATA_HOME"], "tern", "acct.journal")
        os.makedirs(os.path.dirname(journal), exist_ok=True)

        def write_journal(target):
            """one copy (not a move) per message: done twice, it shows twice"""
            with open(journal, "w") as fh:
                for uid in uids:
                    fh.write("copy\tINBOX\t%d\t0\t0\t%s\t%d\n" % (uidvalidity, target, uid))

        write_journal("Projects")
        want = sorted("Subject: j %02d" % i for i in range(COUNT))

        # the lock held (as by another tern): this one leaves the journal alone
        with open(journal + ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            with Screen([TERN, "-F", r.mailrc], env=env, width=150, height=30) as s:
                screen = s.wait_for("left to it", 30)
                t.ok("another tern is replaying the offline journal of account acct" in screen,
                     "a held journal is left to the other tern, with a note naming the account", screen)
                s.wait_for("synced")
                s.send("q")
                t.is_(s.exit_status(), 0, "tern goes on normally")
            fcntl.flock(lock, fcntl.LOCK_UN)
        t.ok(os.path.exists(journal) and len(open(journal).read().splitlines()) == COUNT,
             "the journal is untouched")
        t.is_(subjects(k, "Projects"), [], "nothing was replayed")

        # two terns at once, on a fresh journal
        write_journal("Two")
        a = Screen([TERN, "-F", r.mailrc], env=env, width=150, height=30)
        b = Screen([TERN, "-F", r.mailrc], env=env, width=150, height=30)
        end = time.time() + 60
        while os.path.exists(journal) and time.time() < end:
            time.sleep(0.2)
        screens = [a.wait_for("synced"), b.wait_for("synced")]
        for s in (a, b):
            s.send("q")
            s.exit_status()
            s.close()
        t.ok(not os.path.exists(journal), "the journal is gone once replayed")
        got = subjects(k, "Two")
        t.is_(got, want, "two terns replaying one journal: each of %d copies done exactly once" % COUNT)
        t.is_(subjects(k, "INBOX"), want, "the sources are untouched")
        t.diag("replayed by: %s" % ["Done" in x for x in screens])


run(main)
