#!/usr/bin/python3
"""e2e: MIME as NeoMutt and Python's email package show it (issue 18,
points 14 to 19), in tmux against the kit, with the fixtures of
tests/fixtures/mime: a bounce's delivery status and a read receipt shown
as text; a forwarded message with a leading mbox From line, or sent
base64, shown with its headers, body and attachments (also in the
attachment list); a text attachment shown under its marker; a message
that starts with a UTF-8 byte-order mark read as a message, the mark
never reaching the terminal; RFC 5322 comments out of display names (the
index's sender, the pager's From)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit                 # noqa: E402
from screen import Screen           # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun, TERN      # noqa: E402

FIXTURES = os.path.join(os.environ.get("TERN_SRCDIR", "."), "tests", "fixtures", "mime")
ORDER = ["bounce-dsn.eml", "receipt-mdn.eml", "forward-from-line.eml", "forward-base64.eml",
         "text-attachment-only.eml", "text-attachment-mixed.eml", "bom.eml", "comments-name.eml"]


def main(t):
    with Kit() as k:
        c = k.imap()
        for i, name in enumerate(ORDER):
            data = open(os.path.join(FIXTURES, name), "rb").read()
            c.append("INBOX", "(\\Seen)", '"01-Jan-2035 00:%02d:00 +0000"' % i, data)
        c.logout()
        r = TernRun(k, "mime")
        r.account("acct", imap="imaps")
        env = {key: r.env[key] for key in ("HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "LC_ALL", "TZ")}

        with Screen([TERN, "-F", r.mailrc], env=env, width=110, height=40) as s:
            s.wait_for("synced")

            def show(subject, wait):
                s.send("=")
                s.send("/")
                s.type(subject)
                s.send("Enter", "Enter")
                return s.wait_for(wait)

            screen = show("Undelivered", "Diagnostic-Code")
            t.ok("Status: 5.1.1" in screen and "Final-Recipient: rfc822; nobody@example.net" in screen
                 and "Diagnostic-Code: smtp; 550 5.1.1 <nobody@example.net>: Recipient address rejected" in screen,
                 "a bounce shows its delivery status fields as text", screen)
            s.send("q")
            screen = show("Read: the plan", "Disposition:")
            t.ok("Disposition: manual-action/MDN-sent-manually; displayed" in screen,
                 "a read receipt shows its disposition fields", screen)
            s.send("q")

            screen = show("Minutes with a file", "forwarded message.")
            t.ok("From: Fred <fred@example.org>" in screen and "The body of the forwarded message." in screen
                 and "minutes.pdf (application/pdf" in screen and "From fred@example.org Mon" not in screen,
                 "a forwarded message after an mbox From line: its headers, body and attachment", screen)
            s.send("v")
            screen = s.wait_for("attachments (")
            t.ok("minutes.pdf" in screen and "message/rfc822" in screen, "its attachment is in the list", screen)
            s.send("q")
            s.wait_for("forwarded message.")
            s.send("q")

            screen = show("base64 enclosed", "Café inside")
            t.ok("Subject: Encoded inside" in screen and "Café inside a base64 message/rfc822." in screen
                 and "dot.png (image/png" in screen and "RGF0ZTog" not in screen,
                 "a forwarded message sent base64 is decoded and shown", screen)
            s.send("q")

            screen = show("nightly log", "backup finished")
            t.ok("[-- Attachment #1: nightly.log (text/plain" in screen and "backup finished: 42 files" in screen,
                 "a message that is a text attachment: its marker, then its text", screen)
            s.send("q")
            screen = show("a patch", "+new")
            t.ok("[-- Attachment #2: fix.diff (text/x-diff" in screen and "+++ b/x.c" in screen
                 and "NOT INLINE" not in screen, "an attached patch is shown; an attached HTML page only named",
                 screen)
            s.send("q")

            screen = show("starts with a BOM", "byte-order mark")
            lines = screen.splitlines()
            t.ok("From: Bo <bo@example.org>" in screen and "Text after a byte-order mark." in screen
                 and "Content-Type:" not in screen, "a message starting with a BOM is read as a message "
                 "(its chosen headers, not its source as text)", screen)
            t.ok("\ufeff" not in screen and not any(line.strip() in ("<U+FEFF>", "\ufeff") for line in lines),
                 "the mark is not shown", screen)
            s.send("q")

            screen = s.wait_for("comments in names")
            row = [line for line in screen.splitlines() if "comments in names" in line]
            t.ok(row and " Pete " in row[0] and "Pete(" not in row[0] and "wonderful" not in row[0],
                 "the index shows the sender as Pete, without the comment", screen)
            screen = show("comments in names", "Testing.")
            t.ok("From: Pete <pete@silly.test>" in screen, "the pager's From has no comments either", screen)
            s.send("q")
            s.send("q")
            t.is_(s.exit_status(), 0, "tern quits")


run(main)
