#!/usr/bin/python3
"""e2e: the outbox screen (S). A message the kit's SMTP server refused
(550, unknown user) is listed as failed with the server's reason, one
queued while SMTP was down as queued; d deletes one after a question; r
sends the queued one now (delivered once, gone from the list); Enter
takes the failed one to the compose screen, q puts it back unchanged;
while another tern holds it (sending) it is not taken; e
fixes the recipient in the editor and y delivers it exactly once, the
outbox then empty. A delivered message awaiting its Sent copy is shown
but cannot be edited."""

import fcntl
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit                 # noqa: E402
from screen import Screen           # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun, TERN      # noqa: E402


def squeezed(screen):
    """The screen without white space: a reason wrapped over lines reads whole."""
    return "".join(screen.split())


REASON = squeezed("550 5.1.1 <nobody@example.com>: no such user here")


def main(t):
    with Kit() as k:
        r = TernRun(k, "outbox")
        editor = os.path.join(r.home, "editor.sh")
        with open(editor, "w") as f:
            f.write("#!/bin/sh\nsed -i -e 's/^To: .*nobody@example.com.*$/To: bob@example.com/' "
                    "-e 's/^Subject: .*/Subject: Refused one, fixed/' \"$1\"\n")
        os.chmod(editor, 0o755)
        r.global_("editor", editor)
        r.lines.insert(0, 'check-interval "3600"')   # only r sends, not the periodic retry
        r.account("acct", imap="imaps", smtp="smtp://127.0.0.1:%d" % k.ports["submission"],
                  **{"from": "Alice <alice@example.com>"})
        env = {key: r.env[key] for key in ("HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "LC_ALL", "TZ")}
        outbox = os.path.join(r.env["XDG_DATA_HOME"], "tern", "outbox", "new")

        def entries():
            return sorted(f for f in os.listdir(outbox) if f.endswith(".tern"))

        rc, out, err = r.run("-s", "Refused one", "-b", "alice@example.com", "nobody@example.com", input=b"first text\n")
        t.ok(rc != 0, "the kit refuses an unknown user (550)", err)
        rc, out, err = r.run("-s", "Unwanted", "nobody@example.com", input=b"delete me\n")
        k.smtp_stop()
        rc, out, err = r.run("-s", "Queued one", "bob@example.com", input=b"waits\n")
        t.is_(rc, 75, "SMTP down: queued")
        t.is_(len(entries()), 3, "three messages wait in the outbox")

        with Screen([TERN, "-F", r.mailrc], env=env, width=140, height=30) as s:
            s.wait_for("synced")
            s.send("S")
            screen = s.wait_for("outbox (3)")
            t.ok("failed" in screen and "To: nobody@example.com" in screen and "Refused one" in screen
                 and "queued" in screen and "Queued one" in screen,
                 "S lists every message with its state, To and Subject", screen)
            t.ok(REASON in squeezed(screen) and squeezed("no mailbox <nobody@example.com>") in squeezed(screen),
                 "a failed one shows the server's reason, whole (wrapped)", screen)

            s.send("j", "d")
            screen = s.wait_for("Delete the message to nobody@example.com?")
            s.send("Enter")
            screen = s.wait_for("outbox (2)")
            t.ok("Unwanted" not in screen and "Deleted from the outbox." in screen, "d deletes after a question", screen)
            t.is_(len(entries()), 2, "the file is gone")

            k.smtp_start()
            s.send("r")       # the cursor stayed on the second row: the queued one
            screen = s.wait_for("outbox (1)", 30)
            t.ok("Queued one" not in screen and "Sent." in screen, "r sends it now and it leaves the list", screen)
            t.is_(len(k.wait_messages("bob", "Queued one")), 1, "delivered once")

            s.send("k", "Enter")
            screen = s.wait_for("compose")
            t.ok("To: nobody@example.com" in screen and "Bcc: alice@example.com" in screen
                 and "Subject: Refused one" in screen and "Taken out of the outbox" in screen,
                 "Enter takes the failed one to the compose screen, Bcc recovered from the envelope", screen)
            t.is_(len(entries()), 0, "it left the outbox (its draft file is durable)")
            s.send("q")
            s.wait_for("back to the outbox")
            s.send("Enter")
            screen = s.wait_for("outbox (1)")
            t.ok("Back in the outbox, unchanged." in screen and REASON in squeezed(screen),
                 "q puts it back as it was, still failed with its reason", screen)
            drafts = os.path.join(r.env["XDG_DATA_HOME"], "tern", "drafts")
            t.ok(not [f for f in os.listdir(drafts) if f.endswith(".eml")], "its draft file went")

            # being sent elsewhere (its lock held, as a worker or --flush-outbox holds it): not taken
            lock = open(os.path.join(outbox, entries()[0]) + ".lock", "w")
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            s.send("e")
            screen = s.wait_for("being sent right now")
            t.ok("tern: compose" not in screen and len(entries()) == 1, "an entry being sent is not taken", screen)
            fcntl.flock(lock, fcntl.LOCK_UN)
            lock.close()

            s.send("e")
            s.wait_for("compose")
            s.send("e")       # the editor fixes the recipient
            screen = s.wait_for("To: bob@example.com")
            t.ok("Subject: Refused one, fixed" in screen, "e edits it", screen)
            s.send("y")
            screen = s.wait_for("The outbox is empty", 30)
            s.wait_for("Sent.", 20)
            got = k.wait_messages("bob", "Refused one, fixed")
            t.is_(len(got), 1, "the re-edited message is delivered")
            t.is_(len(k.wait_messages("alice", "Refused one, fixed")), 1, "to the Bcc too")
            t.ok(got and "first text" in got[0].get_body(("plain",)).get_content(), "with its text", got and str(got[0]))
            time.sleep(1)
            t.is_(len(k.messages("bob", subject="Refused one")), 1, "exactly once")
            t.is_(entries(), [], "the outbox is empty")

            # a delivered message whose Sent copy is pending: shown, not editable
            with open(os.path.join(outbox, "9999999999.000000001.1.000000000000.tern"), "wb") as fp:
                fp.write(b"Tern-Account: acct\nTern-From: alice@example.com\nTern-To: bob@example.com\n"
                         b"Tern-State: sent\nTern-Reason: delivered, but the Sent copy is pending: test\n\n"
                         b"To: bob@example.com\r\nSubject: Already gone\r\n\r\nbody\r\n")
            s.send("^L")
            screen = s.wait_for("Already gone")
            t.ok("awaiting Sent copy" in screen, "a delivered one awaits its Sent copy", screen)
            s.send("Enter")
            screen = s.wait_for("cannot be edited")
            t.ok("outbox (1)" in screen and "tern: compose" not in screen, "it is not offered for editing", screen)
            t.is_(len(entries()), 1, "and stays")

            s.send("q")
            screen = s.wait_for("synced")
            s.send("q")
            t.is_(s.exit_status(), 0, "quit")


run(main)
