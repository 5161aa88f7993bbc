#!/usr/bin/python3
"""e2e: the sidebar (sidebar yes) lists the subscribed folders with their
unseen counts, and STATUS every check-interval brings new mail in another
folder into the sidebar and the status line."""

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
        k.generate("alice", 8)
        c = imaplib.IMAP4_SSL(k.host, k.ports["imaps"], ssl_context=ssl.create_default_context(cafile=k.ca_file))
        c.login("alice", "secret")
        c.create("Lists")
        c.subscribe("Lists")
        for i in range(3):
            c.append("Lists", None, None, ("Subject: list %d\r\n\r\nx\r\n" % i).encode())
        c.logout()
        r = TernRun(k, "sidebar")
        r.global_("sidebar", "yes")
        r.global_("check-interval", "2")
        r.account("acct", imap="imaps")
        env = {key: r.env[key] for key in ("HOME", "XDG_CACHE_HOME", "LC_ALL", "TZ")}
        with Screen([TERN, "-F", r.mailrc], env=env, width=120, height=30) as s:
            screen = s.wait_for("Lists 3", 15)
            t.ok(re.search(r"^INBOX +\d*│", screen, re.M) and re.search(r"^Lists +3│", screen, re.M),
                 "the sidebar lists the folders with unseen counts", screen)
            t.ok("(3 unseen in other folders)" in screen, "the status line counts the other folders", screen)
            c = imaplib.IMAP4_SSL(k.host, k.ports["imaps"], ssl_context=ssl.create_default_context(cafile=k.ca_file))
            c.login("alice", "secret")
            c.append("Lists", None, None, b"Subject: list new\r\n\r\nx\r\n")
            c.logout()
            screen = s.wait_for("Lists 4", 10)
            t.ok(re.search(r"^Lists +4│", screen, re.M) and "(4 unseen in other folders)" in screen,
                 "STATUS every check-interval updates the sidebar and status line", screen)
            s.send("q")
            t.is_(s.exit_status(), 0, "quit")


run(main)
