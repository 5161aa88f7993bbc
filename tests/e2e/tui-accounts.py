#!/usr/bin/python3
"""e2e: several accounts in one session: A switches between alice's and
bob's mailboxes, and an account whose server is stalled
(fake-stalled-server) does not hold up the others: each has its own
worker."""

import imaplib
import os
import re
import socket
import ssl
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit, HOST           # noqa: E402
from screen import Screen           # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun, TERN      # noqa: E402


def subjects(k, user, folder="INBOX"):
    c = imaplib.IMAP4_SSL(k.host, k.ports["imaps"], ssl_context=ssl.create_default_context(cafile=k.ca_file))
    c.login(user, k.users[user])
    typ, data = c.select('"%s"' % folder, readonly=True)
    out = []
    if typ == "OK" and int(data[0]):
        typ, data = c.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        out = [i[1].decode().strip() for i in data if isinstance(i, tuple)]
    c.logout()
    return out


def main(t):
    stalled = socket.socket()
    stalled.bind((HOST, 0))
    stalled.listen(4)
    with Kit() as k:
        k.generate("alice", 12)
        k.generate("bob", 5)
        r = TernRun(k, "accounts")
        r.account("alice", imap="imaps", user="alice")
        r.account("bob", imap="imaps", user="bob")
        r.account("slow", imap="imap", port=stalled.getsockname()[1], tls="off", tls_ca_file=None, timeout=60)
        env = {key: r.env[key] for key in ("HOME", "XDG_CACHE_HOME", "LC_ALL", "TZ")}
        with Screen([TERN, "-F", r.mailrc], env=env, width=110, height=30) as s:
            screen = s.wait_for("synced")
            t.ok("tern: alice/INBOX [Msgs:12" in screen, "opens the default account", screen)
            s.send("A")
            s.wait_for("Account")
            s.type("b")
            s.send("Tab", "Enter")
            screen = s.wait_for(re.compile(r"bob/INBOX \[Msgs:5.*synced"))
            t.ok("tern: bob/INBOX [Msgs:5" in screen and "synced" in screen, "A switches to bob's INBOX", screen)
            s.send("A")
            s.wait_for("Account")
            s.type("slow")
            s.send("Enter")
            screen = s.wait_for("slow/INBOX")
            t.ok("connecting" in screen or "opening" in screen, "the stalled account is connecting", screen)
            s.send("A")
            s.wait_for("Account")
            s.type("alice")
            s.send("Enter")
            s.wait_for("alice/INBOX [Msgs:12", 10)
            screen = s.wait_for("synced", 10)
            t.ok("alice/INBOX [Msgs:12" in screen and "synced" in screen,
                 "back on alice at once, while slow's server is still stalled", screen)
            s.send("A")
            s.wait_for("Account")
            s.type("nosuch")
            s.send("Enter")
            screen = s.wait_for("No such account")
            t.ok("No such account." in screen, "an unknown account name is refused", screen)
            # Across accounts: alice's message to bob, moved and copied.
            c = imaplib.IMAP4_SSL(k.host, k.ports["imaps"], ssl_context=ssl.create_default_context(cafile=k.ca_file))
            c.login("alice", k.users["alice"])
            c.append("INBOX", None, None, b"Subject: travels between accounts\r\n\r\nx\r\n")
            c.append("INBOX", None, None, b"Subject: copied between accounts\r\n\r\nx\r\n")
            c.logout()
            s.send("A")
            s.wait_for("Account")
            s.type("alice")
            s.send("Enter")
            s.wait_for("Msgs:13", 15)
            s.wait_for("Msgs:14", 15)
            s.send("/")
            s.type("travels")
            s.send("Enter", "s")
            s.wait_for("to folder:")
            s.type("bob:INBOX")
            s.send("Enter")
            screen = s.wait_for("Moved 1 message to bob:INBOX", 20)
            t.ok("Moved 1 message to bob:INBOX." in screen, "s ACCOUNT:FOLDER moves to another account", screen)
            t.ok("Subject: travels between accounts" in subjects(k, "bob") and
                 "Subject: travels between accounts" not in subjects(k, "alice"),
                 "the message is in bob's INBOX and gone from alice's")
            s.send("/")
            s.type("copied between")
            s.send("Enter", "C")
            s.wait_for("to folder:")
            s.type("bob:Archive")
            s.send("Enter")
            screen = s.wait_for("Copied 1 message to bob:Archive", 20)
            t.ok("Subject: copied between accounts" in subjects(k, "bob", "Archive") and
                 "Subject: copied between accounts" in subjects(k, "alice"),
                 "C ACCOUNT:FOLDER copies and keeps the original", screen)
            s.send("q")
            t.is_(s.exit_status(15), 0, "quit, even with a worker stuck on the stalled server")
    stalled.close()


run(main)
