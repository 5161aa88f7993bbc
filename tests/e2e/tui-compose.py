#!/usr/bin/python3
"""e2e: writing mail in the reader with a scripted editor: m with an
attachment, sent and found in the recipient's INBOX and in Sent; r sets
In-Reply-To and References and quotes; a draft left by a killed terminal
is offered for recovery on the next start and sends."""

import imaplib
import os
import ssl
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit                 # noqa: E402
from screen import Screen           # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun, TERN      # noqa: E402


def main(t):
    with Kit() as k:
        c = imaplib.IMAP4_SSL(k.host, k.ports["imaps"], ssl_context=ssl.create_default_context(cafile=k.ca_file))
        c.login("alice", "secret")
        c.append("INBOX", None, None, b"From: Bob Jones <bob@example.com>\r\nTo: alice@example.com\r\n"
                 b"Subject: lunch plans\r\nMessage-ID: <orig-1@example.com>\r\nReferences: <root-0@example.com>\r\n"
                 b"Date: Mon, 1 Jan 2035 12:00:00 +0000\r\n\r\nShall we eat at noon?\r\n")
        c.logout()
        r = TernRun(k, "compose")
        attachment = os.path.join(r.home, "notes.txt")
        with open(attachment, "w") as f:
            f.write("attached notes\n")
        editor = os.path.join(r.home, "editor.sh")
        with open(editor, "w") as f:
            f.write("#!/bin/sh\n"
                    "f=\"$1\"\n"
                    "case \"$(cat %s/mode)\" in\n"
                    "new) sed -i -e 's/^To: *$/To: Bob <bob@example.com>/' -e 's/^Subject: *$/Subject: written in tern/' \"$f\"\n"
                    "     sed -i '/^Subject:/a Attach: %s' \"$f\"\n"
                    "     printf 'Hello Bob, from the reader.\\n' >> \"$f\" ;;\n"
                    "reply) printf 'Noon is fine.\\n' >> \"$f\" ;;\n"
                    "crash) sed -i -e 's/^To: *$/To: bob@example.com/' -e 's/^Subject: *$/Subject: survived a crash/' \"$f\"\n"
                    "       printf 'Written before the crash.\\n' >> \"$f\"; sleep 60 ;;\n"
                    "esac\n" % (r.home, attachment))
        os.chmod(editor, 0o755)
        mode = os.path.join(r.home, "mode")
        r.global_("editor", editor)
        r.account("acct", imap="imaps", smtp="smtp://127.0.0.1:%d" % k.ports["submission"],
                  **{"from": "Alice <alice@example.com>"})
        env = {key: r.env[key] for key in ("HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "LC_ALL", "TZ")}

        with open(mode, "w") as f:
            f.write("new")
        with Screen([TERN, "-F", r.mailrc], env=env, width=110, height=30) as s:
            s.wait_for("synced")
            s.send("m")
            screen = s.wait_for("compose")
            t.ok("To: Bob <bob@example.com>" in screen and "Subject: written in tern" in screen and "notes.txt" in screen,
                 "m: the compose screen shows the edited headers and the attachment", screen)
            s.send("y")
            screen = s.wait_for("Sent.", 20)
            t.ok("Sent." in screen, "y sends", screen)
            got = k.wait_messages("bob", "written in tern")
            t.ok(got and "Hello Bob, from the reader." in got[0].get_body(("plain",)).get_content(),
                 "bob received it")
            names = [p.get_filename() for p in got[0].iter_attachments()] if got else []
            t.ok("notes.txt" in names, "with the attachment", names)
            t.ok(k.wait_messages("alice", "written in tern", "Sent"), "a copy is in Sent")

            with open(mode, "w") as f:
                f.write("reply")
            s.send("/")
            s.type("lunch")
            s.send("Enter", "r")
            screen = s.wait_for("compose")
            t.ok("To: Bob Jones <bob@example.com>" in screen and "Subject: Re: lunch plans" in screen,
                 "r: replies to the sender with Re:", screen)
            s.send("s")
            s.wait_for("Subject: Re: lunch plans")
            s.type(" at noon")
            s.send("Enter", "c")
            s.wait_for("Cc: ")
            s.type("alice@example.com")
            s.send("Enter")
            screen = s.wait_for("Subject: Re: lunch plans at noon")
            t.ok("Cc: alice@example.com" in screen, "s and c change Subject and Cc on the compose screen", screen)
            s.send("y")
            s.wait_for("Sent.", 20)
            got = k.wait_messages("bob", "Re: lunch plans at noon")
            t.ok(got and got[0]["Cc"] == "alice@example.com", "the changed headers are sent", got and dict(got[0]))
            t.ok(got and got[0]["In-Reply-To"] == "<orig-1@example.com>"
                 and "<root-0@example.com>" in str(got[0]["References"]) and "<orig-1@example.com>" in str(got[0]["References"]),
                 "In-Reply-To and References thread the reply", got and dict(got[0]))
            body = got[0].get_body(("plain",)).get_content() if got else ""
            t.ok("> Shall we eat at noon?" in body and "Noon is fine." in body and "wrote:" in body,
                 "the original is quoted under an attribution line", body)
            s.send("q")
            s.exit_status()

        # A killed terminal during the edit: the draft is offered next time.
        with open(mode, "w") as f:
            f.write("crash")
        s = Screen([TERN, "-F", r.mailrc], env=env, width=110, height=30)
        s.wait_for("synced")
        s.send("m")
        time.sleep(2)
        s.close()   # the terminal goes, tern with it
        drafts = os.path.join(r.env["XDG_DATA_HOME"], "tern", "drafts")
        t.ok(os.path.isdir(drafts) and os.listdir(drafts), "the draft survived", os.listdir(drafts) if os.path.isdir(drafts) else None)
        kept = [os.path.join(drafts, d, "account") for d in os.listdir(drafts) if d.endswith(".d")]
        t.ok(kept and open(kept[0]).read() == "acct", "with the account it is sent from (DRAFT.d/account)", kept)
        with Screen([TERN, "-F", r.mailrc], env=env, width=110, height=30) as s:
            screen = s.wait_for("Recover it?", 20)
            t.ok("was not sent. Recover it?" in screen, "the next start offers to recover it", screen)
            s.send("Enter")
            screen = s.wait_for("compose")
            t.ok("Subject: survived a crash" in screen, "the recovered draft is on the compose screen", screen)
            s.send("y")
            s.wait_for("Sent.", 20)
            t.ok(k.wait_messages("bob", "survived a crash"), "and it is sent")
            t.ok(not os.listdir(drafts), "the draft is gone once the message is in the outbox")
            s.send("q")
            t.is_(s.exit_status(), 0, "quit")

        # The SMTP server down: queued, shown, and sent by the worker's next check.
        with open(mode, "w") as f:
            f.write("new")
        r.lines.insert(0, 'check-interval "2"')
        r.write()
        k.smtp_stop()
        with Screen([TERN, "-F", r.mailrc], env=env, width=120, height=30) as s:
            s.wait_for("synced")
            s.send("m")
            s.wait_for("compose")
            s.send("y")
            screen = s.wait_for("queued in the outbox", 30)
            t.ok("Connection refused; queued in the" in screen and "(1 in the outbox)" in screen,
                 "SMTP down: the message is queued and the status line shows it", screen)
            k.smtp_start()
            screen = s.wait_for("Sent 1 message from the outbox", 30)
            t.ok("Sent 1 message from the outbox." in screen, "the worker sends it at its next check", screen)
            s.send("q")
            s.exit_status()
        got = k.wait_messages("bob", "written in tern")
        t.is_(len(got), 2, "delivered exactly once (the earlier one and this one)")


run(main)
