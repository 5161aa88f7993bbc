#!/usr/bin/python3
"""e2e: a POP3 account in the reader. Its folder is its local Maildir:
mail delivered by the kit's SMTP server is downloaded when the reader
opens and shows in the index; a message read shows its body; mail
delivered while the reader runs arrives within check-interval, announced
as new mail, once. With pop3-keep no the server is emptied (moved), with
pop3-keep yes it keeps every message (copied). A wrong password is one
line naming the account and the POP3 server, and the Maildir stays
readable."""

import os
import poplib
import ssl
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit                 # noqa: E402
from screen import Screen           # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun, TERN      # noqa: E402


def on_server(k, user="alice"):
    ctx = ssl.create_default_context(cafile=k.ca_file)
    p = poplib.POP3_SSL(k.host, k.ports["pop3s"], context=ctx, timeout=10)
    p.user(user)
    p.pass_(k.users[user])
    n = p.stat()[0]
    p.quit()
    return n


def wait_server(k, n):
    deadline = time.time() + 10
    while on_server(k) != n and time.time() < deadline:
        time.sleep(0.1)


def maildir_count(path):
    return sum(len(os.listdir(os.path.join(path, sub))) for sub in ("new", "cur"))


def env_of(r):
    return {key: r.env[key] for key in ("HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "LC_ALL", "TZ",
                                        "ASAN_OPTIONS") if key in r.env}


def main(t):
    with Kit() as k:
        k.deliver_smtp("first by smtp", body="Sent over SMTP: first by smtp.")
        k.deliver_smtp("second by smtp", body="Sent over SMTP: second by smtp.")
        wait_server(k, 2)

        # ---- pop3-keep yes: a copy
        r = TernRun(k, "keep")
        r.global_("check-interval", 2)
        r.account("isp", pop3="pop3s", pop3_keep="yes")
        maildir = os.path.join(r.home, "data", "tern", "isp")
        with Screen([TERN, "-F", r.mailrc], env=env_of(r), width=120, height=20) as s:
            screen = s.wait_for("Msgs:2")
            t.ok("Msgs:2" in screen and "first by smtp" in screen and "second by smtp" in screen,
                 "the POP3 account's folder shows the mail the server had", screen)
            t.ok("isp/INBOX" in screen, "named as the account's INBOX", screen)
            screen = s.wait_for("synced")
            t.ok("synced" in screen, "the status line says synced once the download is done", screen)
            t.is_(maildir_count(maildir), 2, "both were downloaded into the default Maildir")
            t.is_(on_server(k), 2, "pop3-keep yes: they stay on the server (a copy)")
            s.send("=", "Enter")
            screen = s.wait_for("Sent over SMTP")
            t.ok("Sent over SMTP: first by smtp." in screen, "Enter shows the body from the Maildir", screen)
            s.send("q")
            k.deliver_smtp("third by smtp", body="Sent over SMTP: third by smtp.")
            screen = s.wait_for("Msgs:3", 30)
            t.ok("Msgs:3" in screen and "third by smtp" in screen,
                 "mail delivered while the reader runs arrives within check-interval", screen)
            t.ok("New mail: 1 new message" in screen, "announced as new mail", screen)
            time.sleep(4.5)  # two more checks
            screen = s.capture()
            t.ok("Msgs:3" in screen and maildir_count(maildir) == 3, "and only once", screen)
            s.send("q")
            t.is_(s.exit_status(), 0, "q quits with 0")
        t.is_(on_server(k), 3, "pop3-keep yes: the server still has all 3")

        # ---- a wrong password: one line; the Maildir is still read
        r.lines = [line for line in r.lines if "password" not in line]
        r.lines.append('  password "wrong"')
        r.write()
        with Screen([TERN, "-F", r.mailrc], env=env_of(r), width=120, height=20) as s:
            screen = s.wait_for("pop3s://")
            t.ok("account isp, server pop3s://" in screen, "a refused login names the account and the server", screen)
            t.ok("Msgs:3" in screen, "the messages already downloaded are shown", screen)
            s.send("q")
            t.is_(s.exit_status(), 0, "q quits with 0")

        # ---- pop3-keep no: a move
        r2 = TernRun(k, "move")
        mine = os.path.join(r2.home, "Mail", "isp")
        r2.account("isp", pop3="pop3s", pop3_keep="no", maildir=mine)
        with Screen([TERN, "-F", r2.mailrc], env=env_of(r2), width=120, height=20) as s:
            screen = s.wait_for("Msgs:3")
            t.ok("Msgs:3" in screen, "pop3-keep no: the three arrive in the maildir the mailrc names", screen)
            t.is_(maildir_count(mine), 3, "and are in that Maildir")
            deadline = time.time() + 10
            while on_server(k) and time.time() < deadline:
                time.sleep(0.1)
            t.is_(on_server(k), 0, "pop3-keep no: the server is emptied (moved)")
            s.send("q")
            t.is_(s.exit_status(), 0, "q quits with 0")


if __name__ == "__main__":
    run(main)
