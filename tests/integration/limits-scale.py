#!/usr/bin/python3
"""Many folders and many accounts against the kit's real Dovecot: 500
folders in --check, in -H -f of the last one and in the reader's folder
browser (y, then * to the last); 20 accounts in --check --all and in the
reader, switching to the last of them. Time and peak memory (ru_maxrss)
go to the TAP diagnostics; a test asserts no time."""

import imaplib
import os
import re
import ssl
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit                 # noqa: E402
from screen import Screen           # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun, TERN      # noqa: E402

FOLDERS = 500
ACCOUNTS = 20
RSS_LIMIT_MB = 400


def make_folders(k, user):
    ctx = ssl.create_default_context(cafile=k.ca_file)
    c = imaplib.IMAP4_SSL(k.host, k.ports["imaps"], ssl_context=ctx, timeout=30)
    c.login(user, k.users[user])
    for i in range(FOLDERS):
        name = "Box%03d" % i
        c.create(name)
        c.subscribe(name)
    c.append("Box%03d" % (FOLDERS - 1), None, None,
             b"From: a@example.com\r\nSubject: in the last folder\r\n\r\nhello\r\n")
    c.logout()


def main(t):
    users = {"user%02d" % i: "pw-%02d" % i for i in range(ACCOUNTS)}
    with Kit(users=users) as k:
        # ---- 500 folders
        make_folders(k, "user00")
        k.generate("user00", 20)
        r = TernRun(k, "folders")
        r.account("acct", imap="imaps", user="user00")
        rc, out, err, secs, rss = r.run_measured("--check")
        listed = re.findall(r"Box\d{3}", out)
        t.ok(rc == 0 and len(set(listed)) == FOLDERS, "--check lists all %d folders" % FOLDERS,
             err + out[-500:])
        t.ok(rss < RSS_LIMIT_MB, "--check with %d folders: peak memory %.0f MB" % (FOLDERS, rss))
        t.diag("--check, %d folders: %.2f s, %.0f MB" % (FOLDERS, secs, rss))
        rc, out, err, secs, rss = r.run_measured("-H", "-f", "Box%03d" % (FOLDERS - 1))
        t.ok(rc == 0 and "in the last folder" in out, "-H -f the 500th folder lists its message", err + out)
        t.diag("-H -f Box499: %.2f s, %.0f MB" % (secs, rss))

        env = {key: r.env[key] for key in ("HOME", "XDG_CACHE_HOME", "LC_ALL", "TZ")}
        with Screen([TERN, "-F", r.mailrc], env=env, width=110, height=30) as s:
            s.wait_for("synced")
            s.send("y")
            screen = s.wait_for("Box000", seconds=60)
            total = re.search(r"folders \(subscribed, (\d+)\)", screen)
            total = int(total.group(1)) if total else 0
            t.ok(total >= FOLDERS + 1, "the browser holds the %d folders and INBOX (%d)" % (FOLDERS, total), screen)
            s.send("*")
            screen = s.wait_for("\n%4d " % total)
            t.ok(re.search(r"^%4d " % total, screen, re.M), "* goes to the last folder", screen)
            s.send("=")
            time.sleep(0.5)
            screen = s.capture()
            t.ok(screen.splitlines()[1].startswith("   1 "), "= goes back to the first (under the headings)", screen)
            want = "Box%03d" % (FOLDERS - 1)
            pages = 0
            while not re.search(r"  %s$" % want, screen, re.M) and pages < 40:
                s.send("PageDown")
                time.sleep(0.2)
                screen = s.capture()
                pages += 1
            m = re.search(r"^ +(\d+) +(\d+) +\d+  %s$" % want, screen, re.M)
            t.ok(m and m.group(2) == "1", "PageDown reaches the 500th folder, its count shown", screen)
            s.send("=")
            time.sleep(0.5)
            s.send(*(["j"] * (int(m.group(1)) - 1 if m else 0)))
            s.send("Enter")
            screen = s.wait_for("in the last folder", seconds=30)
            t.ok("Box%03d" % (FOLDERS - 1) in screen, "Enter opens the 500th folder", screen)
            s.send("q")

        # ---- 20 accounts
        for i in range(ACCOUNTS):
            k.generate("user%02d" % i, 3 + i, seed=100 + i)
        r = TernRun(k, "accounts")
        for i in range(ACCOUNTS):
            r.account("acct%02d" % i, imap="imaps", user="user%02d" % i)
        rc, out, err, secs, rss = r.run_measured("--check", "--all")
        ok = all(re.search(r"acct%02d\b" % i, out) for i in range(ACCOUNTS))
        t.ok(rc == 0 and ok, "--check --all reports all %d accounts" % ACCOUNTS, err + out[-1500:])
        t.ok(rss < RSS_LIMIT_MB, "--check --all, %d accounts: peak memory %.0f MB" % (ACCOUNTS, rss))
        t.diag("--check --all, %d accounts: %.2f s, %.0f MB" % (ACCOUNTS, secs, rss))

        env = {key: r.env[key] for key in ("HOME", "XDG_CACHE_HOME", "LC_ALL", "TZ")}
        with Screen([TERN, "-F", r.mailrc], env=env, width=110, height=30) as s:
            screen = s.wait_for("synced")
            t.ok("acct00/INBOX [Msgs:23" in screen, "the reader opens the first of %d accounts" % ACCOUNTS, screen)
            for i in range(1, ACCOUNTS):
                s.send("A")
                s.wait_for("Account")
                s.type("acct%02d" % i)
                s.send("Enter")
                screen = s.wait_for("acct%02d/INBOX [Msgs:%d" % (i, 3 + i), seconds=30)
            t.ok("acct%02d/INBOX [Msgs:%d" % (ACCOUNTS - 1, ACCOUNTS + 2) in screen,
                 "A switches through all %d accounts, each with its own counts" % ACCOUNTS, screen)
            s.send("A")
            s.wait_for("Account")
            s.type("acct00")
            s.send("Enter")
            screen = s.wait_for("acct00/INBOX [Msgs:23")
            t.ok("acct00/INBOX" in screen, "and back to the first, with %d workers alive" % ACCOUNTS, screen)


run(main)
