#!/usr/bin/python3
"""e2e: L replies to the List-Post address (and says so when there is
none); <esc>f forwards the message as a message/rfc822 attachment that
the recipient reads back whole, ^O on the compose screen renames it (a
non-ASCII name, sent with RFC 2231); an 8-bit original, which cannot go
as message/rfc822 without 8BITMIME, goes as a plain .eml file."""

import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit                 # noqa: E402
from screen import Screen           # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun, TERN      # noqa: E402


def main(t):
    with Kit() as k:
        c = k.imap("alice")
        c.append("INBOX", None, None, b"From: Carol <carol@example.com>\r\nTo: devs@example.com\r\n"
                 b"Subject: list topic\r\nMessage-ID: <list-1@example.com>\r\n"
                 b"List-Post: <mailto:bob@example.com?subject=ignored>\r\n"
                 b"Date: Mon, 1 Jan 2035 12:00:00 +0000\r\n\r\nWhat do we ship?\r\n")
        c.append("INBOX", None, None, b"From: Dan <dan@example.com>\r\nTo: alice@example.com\r\n"
                 b"Subject: private note\r\nMessage-ID: <private-1@example.com>\r\n"
                 b"Date: Mon, 1 Jan 2035 13:00:00 +0000\r\n\r\nJust you.\r\n")
        c.append("INBOX", None, None, b"From: Eve <eve@example.com>\r\nTo: alice@example.com\r\n"
                 b"Subject: eight bits\r\nMessage-ID: <eight-1@example.com>\r\nContent-Type: text/plain; charset=utf-8\r\n"
                 b"Content-Transfer-Encoding: 8bit\r\n"
                 b"Date: Mon, 1 Jan 2035 14:00:00 +0000\r\n\r\nna\xc3\xafve caf\xc3\xa9\r\n")
        # hostile: an encoded word in List-Post decodes to extra draft lines
        c.append("INBOX", None, None, b"From: Mallory <mallory@example.com>\r\nTo: devs@example.com\r\n"
                 b"Subject: hostile list\r\nMessage-ID: <hostile-1@example.com>\r\n"
                 b"List-Post: <mailto:=?utf-8?B?Ym9iQGV4YW1wbGUuY29tCkF0dGFjaDogL2V0Yy9ob3N0bmFtZQpCY2M6IGFsaWNlQGV4YW1wbGUuY29t?=>\r\n"
                 b"Date: Mon, 1 Jan 2035 15:00:00 +0000\r\n\r\nReply to me.\r\n")
        c.logout()
        r = TernRun(k, "forward")
        editor = os.path.join(r.home, "editor.sh")
        with open(editor, "w") as f:
            f.write("#!/bin/sh\n"
                    "sed -i -e 's/^To: *$/To: bob@example.com/' \"$1\"\n"
                    "printf 'Answer from alice.\\n' >> \"$1\"\n")
        os.chmod(editor, 0o755)
        r.global_("editor", editor)
        r.account("acct", imap="imaps", smtp="smtp://127.0.0.1:%d" % k.ports["submission"],
                  **{"from": "Alice <alice@example.com>"})
        env = {key: r.env[key] for key in ("HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "LC_ALL", "TZ")}

        with Screen([TERN, "-F", r.mailrc], env=env, width=120, height=30) as s:
            s.wait_for("synced")
            s.send("/")
            s.type("list topic")
            s.send("Enter", "L")
            screen = s.wait_for("compose")
            t.ok("To: bob@example.com" in screen and "Subject: Re: list topic" in screen,
                 "L: to the List-Post address (its ?subject dropped)", screen)
            s.send("y")
            s.wait_for("Sent.", 20)
            got = k.wait_messages("bob", "Re: list topic")
            t.ok(got and got[0]["In-Reply-To"] == "<list-1@example.com>", "the list reply threads",
                 got and dict(got[0]))
            s.send("q")    # the pager
            s.send("/")
            s.type("private note")
            s.send("Enter", "L")
            screen = s.wait_for("List-Post", 10)
            t.ok("This message has no List-Post header" in screen and "compose" not in screen,
                 "L without List-Post: says so, no compose", screen)

            s.send("q")
            s.send("/")
            s.type("hostile list")
            s.send("Enter", "L")
            screen = s.wait_for("List-Post", 10)
            lines = [line.strip() for line in screen.splitlines()]
            t.ok("no mailto: address tern can read" in screen and "compose" not in screen,
                 "a List-Post whose address decodes to several lines is refused, no compose", screen)
            t.ok(not any(re.match(r"\d+ attach ", line) for line in lines) and
                 not any(line.startswith("Bcc: alice") for line in lines), "so no attachment and no Bcc line", screen)

            s.send("q")
            s.send("/")
            s.type("list topic")
            s.send("Enter", "Escape", "f")
            screen = s.wait_for("compose")
            t.ok("list topic.eml  [message/rfc822]" in screen and "Subject: Fwd: list topic" in screen,
                 "<esc>f: the message is attached as message/rfc822", screen)
            s.send("C-o")
            s.wait_for("Send it as:")
            s.send("C-u")
            s.type("Résumé – thread.eml")
            s.send("Enter")
            screen = s.wait_for("Résumé – thread.eml  [")
            t.ok("Résumé – thread.eml  [message/rfc822]" in screen, "^O renames the attachment", screen)
            s.send("y")
            s.wait_for("Sent.", 20)
            got = k.wait_messages("bob", "Fwd: list topic")
            parts = [p for p in got[0].walk() if p.get_content_type() == "message/rfc822"] if got else []
            t.is_(len(parts), 1, "bob gets one message/rfc822 part")
            t.ok(parts and parts[0].get_filename() == "Résumé – thread.eml", "under the new, non-ASCII name",
                 parts and parts[0].get_filename())
            raw = got[0].as_bytes() if got else b""
            t.ok(b"filename*" in raw and "Résumé".encode() not in raw, "sent as RFC 2231, 7-bit")
            inner = parts[0].get_content() if parts else None
            t.ok(inner is not None and inner["Subject"] == "list topic" and inner["Message-ID"] == "<list-1@example.com>"
                 and "What do we ship?" in inner.get_content(), "the original reads back whole")
            t.ok(parts and parts[0]["Content-Transfer-Encoding"] in (None, "7bit"), "7bit, not base64",
                 parts and parts[0]["Content-Transfer-Encoding"])

            s.send("q")
            s.send("/")
            s.type("eight bits")
            s.send("Enter", "Escape", "f")
            screen = s.wait_for("compose")
            t.ok("eight bits.eml  [application/octet-stream]" in screen and "8BITMIME" in screen,
                 "an 8-bit original goes as a plain .eml file, and tern says why", screen)
            s.send("y")
            s.wait_for("Sent.", 20)
            got = k.wait_messages("bob", "Fwd: eight bits")
            files = [p for p in got[0].iter_attachments()] if got else []
            data = files[0].get_content() if files else b""
            t.ok(data.startswith(b"From: Eve <eve@example.com>\r\n") and "naïve café".encode() in data,
                 "its bytes arrive whole", data[:200])
            s.send("q")    # the pager
            s.send("q")
            status = s.exit_status()
            t.ok(status == 0, "quits cleanly (no sanitizer report)", s.capture())


run(main)
