#!/usr/bin/python3
"""e2e: two terns replaying one offline journal (ACCOUNT.journal) at once.
Whoever replays it holds ACCOUNT.journal.lock; another tern leaves the
journal to it and says so. With a journal of copies (which would
duplicate a message if done twice), two terns started together leave
each copy exactly once on the server, checked with imaplib. And an
action that an offline tern queues while another tern replays the
journal (held in the middle of it by a proxy that pauses the server's
reply) is kept and replayed too, not written over."""

import fcntl
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from faultproxy import FaultProxy   # noqa: E402
from kit import Kit                 # noqa: E402
from screen import Screen           # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun, TERN      # noqa: E402

COUNT = 24


def subjects(k, folder):
    c = k.imap()
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
        c = k.imap()
        for i in range(COUNT):
            c.append("INBOX", None, None, ("Subject: j %02d\r\n\r\nx\r\n" % i).encode())
        for folder in ("Projects", "Two", "Three"):
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

        # tern B, offline, queues an action while tern A replays: B keeps its
        # own header cache (A holds the shared one), made while online
        env_b = dict(env, XDG_CACHE_HOME=os.path.join(r.home, "cache-b"))
        b = TernRun(k, "journal-lock-b", env=env_b)
        b.account("acct", imap="imaps")
        rc, out, err = b.run("-H")
        t.ok(rc == 0, "tern B syncs its own cache while online", err)
        dead = socket.socket()
        dead.bind(("127.0.0.1", 0))
        b.lines = []
        b.account("acct", imap="imaps", port=dead.getsockname()[1], timeout=3)  # bound, not listening: refused
        write_journal("Three")
        # A reaches Dovecot in plain text (the kit counts 127.0.0.1 as secure)
        # so the proxy can hold the reply to A's first replayed copy
        with FaultProxy(k.host, k.ports["imap"]) as proxy:
            a = TernRun(k, "journal-lock-a", env=env)
            a.account("acct", imap="imap", port=proxy.port, tls="off", tls_ca_file=None, timeout=300,
                      compress="off")  # the proxy finds commands in plain text
            proxy.arm(after=0, direction="down", mode="pause", marker=b"UID COPY")
            with Screen([TERN, "-F", a.mailrc], env=env, width=150, height=30) as sa:
                end = time.time() + 30
                while not proxy.fired and time.time() < end:
                    time.sleep(0.1)
                t.ok(proxy.fired, "tern A is held in the middle of its replay")
                with Screen([TERN, "-F", b.mailrc], env=env_b, width=150, height=30) as sb:
                    sb.wait_for("j 05")
                    sb.send("/")
                    sb.type("j 05")
                    sb.send("Enter")
                    sb.send("F")
                    screen = sb.wait_for("queued", 20)
                    t.ok("queued, it will be done on reconnect" in screen, "tern B, offline, queues F", screen)
                    end = time.time() + 10
                    lines = []
                    while time.time() < end and not (lines and lines[-1].startswith("store")):
                        time.sleep(0.1)
                        lines = open(journal).read().splitlines() if os.path.exists(journal) else []
                    t.ok(len(lines) == COUNT + 1 and lines[-1].startswith("store\tINBOX"),
                         "B's action is appended to the journal A is replaying", lines[-2:])
                    proxy.release()
                    end = time.time() + 60
                    while os.path.exists(journal) and time.time() < end:
                        time.sleep(0.2)
                    screen = sa.wait_for("Done")
                    t.ok("Done %d actions queued while offline." % (COUNT + 1) in screen,
                         "A replays its copies and B's action too", screen)
                    sb.send("q")
                    sb.exit_status()
                sa.send("q")
                t.is_(sa.exit_status(), 0, "tern A ends normally")
        t.ok(not os.path.exists(journal), "the journal is gone once replayed")
        t.is_(subjects(k, "Three"), want, "each copy done exactly once")
        c = k.imap()
        c.select("INBOX", readonly=True)
        typ, data = c.search(None, '(FLAGGED SUBJECT "j 05")')
        t.is_(len(data[0].split()), 1, "B's flag, queued during A's replay, reached the server")
        c.logout()
        dead.close()


run(main)
