#!/usr/bin/python3
"""e2e: patterns in the reader: l limits the index (and l all undoes it),
/ searches with a pattern, T tags by pattern and ; applies an action to
the tagged; a bad pattern is refused with the spot named."""

import imaplib
import os
import re
import ssl
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit                 # noqa: E402
from screen import Screen           # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun, TERN      # noqa: E402


def main(t):
    with Kit() as k:
        ctx = ssl.create_default_context(cafile=k.ca_file)
        c = imaplib.IMAP4_SSL(k.host, k.ports["imaps"], ssl_context=ctx, timeout=10)
        c.login("alice", "secret")
        people = ["Ana Lima <ana@example.org>", "Bob Jones <bob@example.org>", "Carol White <carol@example.org>"]
        for i in range(30):
            body = "x" * (100 if i % 3 else 20000)
            if i in (4, 7, 22):
                body += "\r\nthe secret word is zanzibar\r\n"
            if i == 7:
                body += "Grüße aus München\r\n"
            c.append("INBOX", None, None, ("From: %s\r\nSubject: %s number %d\r\nDate: Mon, %d Jan 2035 10:00:00 +0000\r\n"
                                           "Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n"
                                           % (people[i % 3], "invoice" if i % 5 == 0 else "note", i, 1 + i % 28, body)).encode())
        c.logout()
        r = TernRun(k, "limit")
        r.account("acct", imap="imaps")
        env = {key: r.env[key] for key in ("HOME", "XDG_CACHE_HOME", "LC_ALL", "TZ")}
        with Screen([TERN, "-F", r.mailrc], env=env, width=110, height=40) as s:
            s.wait_for("synced")
            s.send("l")
            s.wait_for("Limit to")
            s.type("~f bob")
            s.send("Enter")
            screen = s.wait_for("limited to")
            rows = [line for line in screen.splitlines() if re.match(r"^ *\d+ ", line)]
            t.ok("(limited to 10: ~f bob)" in screen and len(rows) == 10 and all("Bob Jones" in line for line in rows),
                 "l ~f bob shows Bob's 10 messages only", screen)
            s.send("l")
            s.wait_for("Limit to")
            s.send("C-u")
            s.type("~s invoice ~z >10K")
            s.send("Enter")
            screen = s.wait_for("limited to 2")
            rows = [line for line in screen.splitlines() if re.match(r"^ *\d+ ", line)]
            t.ok(len(rows) == 2 and all("invoice" in line for line in rows),
                 "two conditions: subject and size (invoice 0 and 15)", screen)
            s.send("l")
            s.wait_for("Limit to")
            s.send("C-u")
            s.type("all")
            s.send("Enter")
            screen = s.wait_for("Msgs:30")
            t.ok("limited" not in screen, "l all shows everything again", screen)
            s.send("l")
            s.wait_for("Limit to")
            s.send("C-u")
            s.type("~s (invoice")
            s.send("Enter")
            screen = s.wait_for("column")
            t.ok(re.search(r"at column \d+ of \"~s \(invoice\"", screen) is not None,
                 "a bad pattern is refused, naming the spot", screen)
            s.send("l")
            s.wait_for("Limit to")
            s.send("C-u")
            s.type("~b zanzibar")
            s.send("Enter")
            screen = s.wait_for("limited to 3")
            rows = [line for line in screen.splitlines() if re.match(r"^ *\d+ ", line)]
            t.ok(len(rows) == 3 and all(re.search(r"number (4|7|22)$", line) for line in rows),
                 "l ~b searches the bodies on the server", screen)
            s.send("l")
            s.wait_for("Limit to")
            s.send("C-u")
            s.type("~s 'number 2' ~b zanzibar")
            s.send("Enter")
            screen = s.wait_for("limited to 1")
            t.ok("(limited to 1: ~s 'number 2' ~b zanzibar)" in screen and "number 22" in screen,
                 "a server part and a local part together", screen)
            s.send("l")
            s.wait_for("Limit to")
            s.send("C-u")
            s.type("~b München")
            s.send("Enter")
            screen = s.wait_for("~b München)")
            t.ok("(limited to 1: ~b München)" in screen and "number 7" in screen,
                 "a non-ASCII body search (a LITERAL+ literal)", screen)
            s.send("l")
            s.wait_for("Limit to")
            s.send("C-u")
            s.type("all")
            s.send("Enter")
            s.wait_for("Msgs:30")
            s.send("=", "/")
            s.wait_for("Search for")
            s.type("~f carol ~s invoice")
            s.send("Enter")
            screen = s.wait_for("Carol")
            cursor_line = [line for line in screen.splitlines() if "number 5" in line]
            t.ok(cursor_line and "Carol White" in cursor_line[0], "/ with a pattern finds Carol's invoice", screen)
            s.send("T")
            s.wait_for("Tag messages")
            s.type("~s invoice")
            s.send("Enter")
            screen = s.wait_for("Tagged")
            t.ok("Tagged 6 messages." in screen, "T tags the 6 invoices", screen)
            s.send("\\;", "F")
            screen = s.wait_for("Flag:6")
            t.ok("Flag:6" in screen, "; F flags all the tagged at once", screen)
            s.send("q")
            t.is_(s.exit_status(), 0, "quit")
        c = imaplib.IMAP4_SSL(k.host, k.ports["imaps"], ssl_context=ctx, timeout=10)
        c.login("alice", "secret")
        c.select("INBOX", readonly=True)
        typ, data = c.search(None, "FLAGGED")
        c.logout()
        t.is_(len(data[0].split()), 6, "the server has the 6 flags")


run(main)
