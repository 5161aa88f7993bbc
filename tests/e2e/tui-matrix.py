#!/usr/bin/python3
"""e2e: tern on every IMAP server of the kit's matrix (Dovecot, Cyrus) and
every provider profile (tests/kit/profiles.py: Dovecot presenting the
capabilities and folder layout of Gmail, Outlook.com / Office 365, Yahoo
and iCloud), each change checked from a second session with imaplib: a
cold and a cached sync (-H) after another client changed the folder, the
quota (--check) where the server has QUOTA, then in the reader F (flag),
d (to the trash by its \\Trash role: [Gmail]/Trash, Deleted Items,
Trash, Deleted Messages), d and $ in the trash (expunge), s (move; iCloud
has no MOVE), C (copy), l ~b (a body search by the server), and new mail
arriving while the reader is open (IDLE, or polling where there is no
IDLE: Yahoo)."""

import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit, matrix         # noqa: E402
from profiles import PROFILES       # noqa: E402
from screen import Screen           # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun, TERN      # noqa: E402


def subjects(k, folder="INBOX"):
    c = k.imap()
    typ, data = c.select('"%s"' % folder, readonly=True)
    found = []
    if typ == "OK" and int(data[0]):
        typ, data = c.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        found = [item[1].decode().split(":", 1)[1].strip() for item in data if isinstance(item, tuple)]
    c.logout()
    return sorted(found)


def flags(k, subject):
    c = k.imap()
    c.select("INBOX", readonly=True)
    typ, data = c.search(None, 'SUBJECT "%s"' % subject)
    nums = data[0].split()
    out = c.fetch(nums[0], "(FLAGS)")[1][0].decode() if nums else None
    c.logout()
    return out


def waited(check, seconds=8):
    end = time.time() + seconds
    while not check() and time.time() < end:
        time.sleep(0.1)
    return check()


def listed(out):
    return sorted(line.split("  ")[-1].strip() for line in out.splitlines() if "pf " in line)


def server(t, name, facts, **kit_args):
    with Kit(**kit_args) as k:
        t.prefix = name + ": "
        c = k.imap()
        capability = " " + " ".join(c.capability()[1][0].decode().split()) + " "
        for i in range(1, 7):
            c.append("INBOX", None, None, ("Subject: pf %d\r\nDate: Mon, 1 Jan 2035 00:00:0%d +0000\r\n\r\n%s\r\n"
                                           % (i, i, "zebra crossing" if i == 5 else "x")).encode())
        c.create("Projects")
        c.subscribe("Projects")
        c.logout()
        r = TernRun(k, "matrix")
        r.global_("check-interval", "2")
        r.account("acct", imap="imaps")

        rc, out, err = r.run("-H")
        t.ok(rc == 0 and listed(out) == subjects(k), "cold sync lists the server's messages", out + err)
        c = k.imap()
        c.select("INBOX")
        c.append("INBOX", None, None, b"Subject: pf 7\r\nDate: Mon, 1 Jan 2035 00:00:07 +0000\r\n\r\nx\r\n")
        c.store("6", "+FLAGS", "(\\Deleted)")
        c.expunge()
        c.logout()
        rc, out, err = r.run("-H")
        t.ok(rc == 0 and listed(out) == subjects(k) and "pf 6" not in out and "pf 7" in out,
             "cached sync follows another client's append and expunge", out + err)
        rc, out, err = r.run("--check")
        if " QUOTA " in capability:
            t.ok(rc == 0 and "quota: " in out and "of 102400 KB used" in out, "--check shows the quota", out + err)
        else:
            t.ok(rc == 0 and "quota" not in out, "--check: no QUOTA, no quota line", out + err)

        env = {key: r.env[key] for key in ("HOME", "XDG_CACHE_HOME", "LC_ALL", "TZ")}
        with Screen([TERN, "-F", r.mailrc], env=env, width=110, height=30) as s:
            s.wait_for("synced")

            def find(subject):
                s.send("/")
                s.type(subject)
                s.send("Enter")

            find("pf 1")
            s.send("F")
            t.ok(waited(lambda: "\\Flagged" in (flags(k, "pf 1") or "")), "F flags the message on the server")
            find("pf 2")
            s.send("d")
            screen = s.wait_for("Moved 1 message to")
            t.ok("Moved 1 message to %s" % facts["trash"] in screen and "pf 2" in subjects(k, facts["trash"])
                 and "pf 2" not in subjects(k), "d moves the message to %s (its \\Trash folder)" % facts["trash"],
                 screen.splitlines()[-1])
            find("pf 3")
            s.send("s")
            s.wait_for("to folder:")
            s.type("Projects")
            s.send("Enter")
            s.wait_for("Moved 1 message to Projects")
            t.ok(waited(lambda: "pf 3" in subjects(k, "Projects") and "pf 3" not in subjects(k)),
                 "s moves the message (%s)" % ("MOVE" if " MOVE " in capability else
                                               "COPY, \\Deleted, UID EXPUNGE: no MOVE"))
            find("pf 4")
            s.send("C")
            s.wait_for("to folder:")
            s.type("Projects")
            s.send("Enter")
            s.wait_for("Copied 1 message to Projects")
            t.ok(waited(lambda: "pf 4" in subjects(k, "Projects") and "pf 4" in subjects(k)),
                 "C copies the message and keeps the original")
            s.send("l")
            s.wait_for("Limit to")
            s.send("C-u")
            s.type("~b zebra")
            s.send("Enter")
            end = time.time() + 10
            while True:
                screen = s.capture()
                rows = [line for line in screen.splitlines() if "pf " in line and "~b" not in line]
                if len(rows) == 1 or time.time() > end:
                    break
                time.sleep(0.1)
            t.ok(len(rows) == 1 and "pf 5" in rows[0], "l ~b: the server's body search finds the one message",
                 screen)
            s.send("l")
            s.wait_for("Limit to")
            s.send("C-u")
            s.type("all")
            s.send("Enter")
            k.deliver_smtp("pf arrived")
            screen = s.wait_for("pf arrived", 20)
            t.ok("pf arrived" in screen, "new mail shows up while the reader is open (%s)"
                 % ("IDLE" if " IDLE " in capability else "polling: no IDLE"))
            # the trash folder: d only marks \Deleted there, $ expunges
            s.send("c")
            s.wait_for("folder")
            s.type(facts["trash"])
            s.send("Enter")
            s.wait_for(re.compile(r"pf 2"))
            find("pf 2")
            s.send("d")
            s.wait_for("Marked 1 message deleted")
            s.send("$")
            s.wait_for("Expunge 1 deleted message?")
            s.send("Enter")
            s.wait_for("Expunged 1 message")
            t.ok(waited(lambda: "pf 2" not in subjects(k, facts["trash"])), "d and $ in %s expunge the message"
                 % facts["trash"])
            s.send("q")
            t.is_(s.exit_status(), 0, "quit")
    t.prefix = ""


SERVERS = {"dovecot": {"trash": "Trash"}, "cyrus": {"trash": "Trash"}}


def main(t):
    for row in matrix("imap"):
        server(t, row["imap_server"], SERVERS[row["imap_server"]], **row)
    for name, facts in PROFILES.items():
        server(t, name, facts, profile=name)


run(main)
