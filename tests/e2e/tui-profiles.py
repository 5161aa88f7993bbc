#!/usr/bin/python3
"""e2e: tern against the kit's provider profiles (tests/kit/profiles.py:
Dovecot presenting the capabilities and folder layout of Gmail,
Outlook.com / Office 365, Yahoo and iCloud), each change checked from a
second session with imaplib: a cold and a cached sync (-H) after another
client changed the folder, then in the reader F (flag), d (to the
profile's trash by its \\Trash role: [Gmail]/Trash, Deleted Items,
Trash, Deleted Messages), s (move; iCloud has no MOVE), and new mail
arriving while the reader is open (IDLE, or polling where the profile
has no IDLE: Yahoo)."""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit                 # noqa: E402
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


def profile(t, name):
    facts = PROFILES[name]
    with Kit(profile=name) as k:
        t.prefix = name + ": "
        c = k.imap()
        for i in range(1, 7):
            c.append("INBOX", None, None, ("Subject: pf %d\r\nDate: Mon, 1 Jan 2035 00:00:0%d +0000\r\n\r\nx\r\n"
                                           % (i, i)).encode())
        c.create("Projects")
        c.subscribe("Projects")
        c.logout()
        r = TernRun(k, "profile")
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

        env = {key: r.env[key] for key in ("HOME", "XDG_CACHE_HOME", "LC_ALL", "TZ")}
        with Screen([TERN, "-F", r.mailrc], env=env, width=110, height=30) as s:
            s.wait_for("synced")
            s.send("/")
            s.type("pf 1")
            s.send("Enter")
            s.send("F")
            t.ok(waited(lambda: "\\Flagged" in (flags(k, "pf 1") or "")), "F flags the message on the server")
            s.send("/")
            s.type("pf 2")
            s.send("Enter")
            s.send("d")
            screen = s.wait_for("Moved 1 message to")
            t.ok("Moved 1 message to %s" % facts["trash"] in screen and "pf 2" in subjects(k, facts["trash"])
                 and "pf 2" not in subjects(k), "d moves the message to %s (its \\Trash folder)" % facts["trash"],
                 screen.splitlines()[-1])
            s.send("/")
            s.type("pf 3")
            s.send("Enter")
            s.send("s")
            s.wait_for("to folder:")
            s.type("Projects")
            s.send("Enter")
            s.wait_for("Moved 1 message to Projects")
            t.ok(waited(lambda: "pf 3" in subjects(k, "Projects") and "pf 3" not in subjects(k)),
                 "s moves the message (%s)" % ("MOVE" if " MOVE" in facts["capability"] else
                                               "COPY, \\Deleted, UID EXPUNGE: no MOVE"))
            k.deliver_smtp("pf arrived")
            screen = s.wait_for("pf arrived", 20)
            t.ok("pf arrived" in screen, "new mail shows up while the reader is open (%s)"
                 % ("IDLE" if facts["idle"] else "polling: no IDLE"))
            s.send("q")
            t.is_(s.exit_status(), 0, "quit")
    t.prefix = ""


def main(t):
    for name in PROFILES:
        profile(t, name)


run(main)
