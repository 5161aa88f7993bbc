#!/usr/bin/python3
"""e2e: new and old as mutt keeps them (issue 18, points 1 to 3), in tmux
against the kit. A message is new (N) until it has been in the index of a
session that ended (mark-old), then old (O); tern keeps that in its header
cache, since the server's \\Recent goes to whichever session selects first.
The index flags, the status line's New/Old counts, ~N/~O/~U and --check
agree; mail arriving while tern is open is N, and stays N after a d. The
cursor lands on the first new message once the sync has added the mail
that arrived, unless the user moved it. Offline, opening a message that
cannot be fetched never queues \\Seen for it."""

import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit                 # noqa: E402
from screen import Screen           # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun, TERN      # noqa: E402

ROW = re.compile(r"^ *\d+ (.)(.)(.) .*?(\S+)\s*$")


def append(k, subject, n, seen=True):
    c = k.imap()
    c.append("INBOX", "(\\Seen)" if seen else None, None,
             ("From: ann@example.org\r\nSubject: %s\r\nDate: Mon, 1 Jan 2035 00:%02d:00 +0000\r\n\r\nbody of %s\r\n"
              % (subject, n, subject)).encode())
    c.logout()


def flags(screen):
    """{subject: status letter} of the index rows on screen."""
    out = {}
    for line in screen.splitlines():
        m = ROW.match(line)
        if m:
            out[m.group(4)] = m.group(1)
    return out


def server_flags(k, subject):
    c = k.imap()
    c.select("INBOX", readonly=True)
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
        for i in range(1, 11):
            append(k, "m%02d" % i, i, seen=i not in (3, 4))
        r = TernRun(k, "newold")
        r.account("acct", imap="imaps", timeout=3)
        env = {key: r.env[key] for key in ("HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "LC_ALL", "TZ")}
        journal = os.path.join(r.env["XDG_DATA_HOME"], "tern", "acct.journal")

        # Session 1: two unread messages, both new; the cursor on the first.
        with Screen([TERN, "-F", r.mailrc], env=env, width=100, height=30) as s:
            screen = s.wait_for("synced")
            f = flags(screen)
            t.ok(f.get("m03") == "N" and f.get("m04") == "N" and f.get("m05") == " ",
                 "first session: the unread messages are new (N)", screen)
            t.ok("New:2 " in screen and "Old:" not in screen, "the status line counts them as new", screen)
            s.send("Enter")
            screen = s.wait_for("body of")
            t.ok("body of m03" in screen, "the cursor was on the first new message (m03)", screen)
            s.send("q")
            s.wait_for("synced")
            s.send("q")
            t.is_(s.exit_status(), 0, "first session quits")

        # Mail arrives between the sessions; --check agrees with the index to come.
        append(k, "n11", 11, seen=False)
        append(k, "n12", 12, seen=False)
        rc, out, err = r.run("--check")
        inbox = re.search(r"^acct +INBOX +(\d+) +(\d+) +(\S+)$", out, re.M)
        t.ok(inbox and inbox.group(2) == "3" and inbox.group(3) == "2",
             "--check: 3 unseen, 2 of them new (m04 was in the index of a session that ended)", out + err)
        t.ok(re.search(r"MESSAGES +UNSEEN +NEW$", out, re.M), "--check's column says NEW", out)

        # Session 2: m04 is old now, n11 and n12 are new, the cursor on n11.
        with Screen([TERN, "-F", r.mailrc], env=env, width=100, height=30) as s:
            screen = s.wait_for(re.compile(r"synced.*\n"))
            screen = s.wait_for("n12")
            f = flags(screen)
            t.ok(f.get("m04") == "O" and f.get("n11") == "N" and f.get("n12") == "N" and f.get("m03") == " ",
                 "after a restart: the message seen in the last session is old, the arrivals new", screen)
            t.ok("New:2 Old:1 " in screen, "the status line: New:2 Old:1", screen)
            s.send("Enter")
            screen = s.wait_for("body of")
            t.ok("body of n11" in screen, "the cursor went to the first new message after the sync", screen)
            s.send("q")
            s.wait_for("synced")
            # n11 is read now: n12 new, m04 old
            for pattern, want in (("~N", 1), ("~O", 1), ("~U", 2)):
                s.send("l")
                s.wait_for("Limit to messages matching:")
                s.send("C-u")
                s.type(pattern)
                s.send("Enter")
                screen = s.wait_for("limited to")
                t.ok("(limited to %d: %s)" % (want, pattern) in screen,
                     "l %s finds %d, as the flags and counts say" % (pattern, want), screen)
            s.send("l")
            s.wait_for("Limit to messages matching:")
            s.send("C-u")
            s.type("all")
            s.send("Enter")
            s.wait_for(re.compile(r"\] \(date\) --"))
            # mail arriving now is new, and a d does not make the others old
            append(k, "n13", 13, seen=False)
            screen = s.wait_for("n13", 30)
            t.ok(flags(screen).get("n13") == "N", "mail that arrives while tern is open is N", screen)
            s.send("/")
            s.type("m05")
            s.send("Enter")
            s.send("d")
            screen = s.wait_for("to Trash")
            f = flags(screen)
            t.ok(f.get("n12") == "N" and f.get("n13") == "N" and f.get("m04") == "O",
                 "after d the unread rows keep N and O", screen)
            t.ok("New:2 Old:1 " in screen, "and the counts", screen)
            s.send("q")
            t.is_(s.exit_status(), 0, "second session quits")

        # Session 3: the user moves the cursor before the sync is done: it stays.
        append(k, "n14", 14, seen=False)
        pids = k.pids()
        stopped = []
        for pid in pids:
            try:
                os.kill(pid, signal.SIGSTOP)
                stopped.append(pid)
            except ProcessLookupError:
                pass   # a login process that has ended meanwhile
        try:
            s = Screen([TERN, "-F", r.mailrc], env=env, width=100, height=30)
            s.wait_for("m01", 10)
            s.send("=")
            time.sleep(0.3)
        finally:
            for pid in stopped:
                try:
                    os.kill(pid, signal.SIGCONT)
                except ProcessLookupError:
                    pass
        with s:
            screen = s.wait_for("n14", 20)
            t.ok(flags(screen).get("n14") == "N", "session 3: the new arrival is N", screen)
            s.send("Enter")
            screen = s.wait_for("body of")
            t.ok("body of m01" in screen, "a cursor the user moved during the sync is left where it was", screen)
            s.send("q")
            s.wait_for("synced")
            s.send("q")
            t.is_(s.exit_status(), 0, "third session quits")

        # Offline: a message whose body was never fetched is not marked read.
        k.dovecot_stop()
        with Screen([TERN, "-F", r.mailrc], env=env, width=100, height=30) as s:
            s.wait_for("n14", 30)
            s.send("/")
            s.type("n12")
            s.send("Enter")
            s.send("Enter")
            screen = s.wait_for("could not be fetched", 30)
            t.ok("could not be fetched" in screen, "offline: the uncached message cannot be shown", screen)
            s.send("q")
            screen = s.wait_for("Msgs:")
            t.ok(flags(screen).get("n12") in ("N", "O"), "and it stays unread in the index", screen)
            s.send("q")
            t.is_(s.exit_status(), 0, "the offline session quits")
        queued = open(journal).read() if os.path.exists(journal) else ""
        t.ok("store" not in queued, "no \\Seen was queued for it", queued)
        k.dovecot_start()
        with Screen([TERN, "-F", r.mailrc], env=env, width=100, height=30) as s:
            s.wait_for("synced", 30)
            time.sleep(1)
            s.send("q")
        t.ok("\\Seen" not in (server_flags(k, "n12") or "\\Seen"),
             "on reconnect the server still has it unread", server_flags(k, "n12"))


run(main)
