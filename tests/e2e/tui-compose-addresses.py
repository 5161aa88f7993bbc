#!/usr/bin/python3
"""e2e, issue 17 point 1 in the reader: the index shows a sender whose
RFC 2047 name holds a comma as one name; r and g read the original's
address fields with the address parser (the encoded comma stays inside
the quoted name, each Cc address kept once, our own left out) and the
reply reaches every one of them; a To the parser cannot read is refused
on the compose screen with its text, and nothing is queued."""

import email.utils
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit, USERS          # noqa: E402
from screen import Screen           # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun, TERN      # noqa: E402


def main(t):
    with Kit(users=dict(USERS, carol="c4rol", dan="d4n")) as k:
        c = k.imap("alice")
        c.append("INBOX", None, None,
                 b"From: =?utf-8?q?Doe=2C_John?= <bob@example.com>\r\nTo: Alice <alice@example.com>\r\n"
                 b"Cc: \"Lima, Ana\" <carol@example.com>, =?utf-8?q?Dan=2C_D?= <dan@example.com>,\r\n"
                 b" alice@example.com, carol@example.com\r\n"
                 b"Subject: comma names\r\nMessage-ID: <comma-1@example.com>\r\n"
                 b"Date: Mon, 1 Jan 2035 12:00:00 +0000\r\n\r\nWho is on this?\r\n")
        c.logout()
        r = TernRun(k, "addresses")
        editor = os.path.join(r.home, "editor.sh")
        with open(editor, "w") as f:
            f.write("#!/bin/sh\n"
                    "case \"$(cat %s/mode)\" in\n"
                    "bad) sed -i -e 's/^To: *$/To: Bob <bob@example.com> junk here/' "
                    "-e 's/^Subject: *$/Subject: bad list/' \"$1\" ;;\n"
                    "*) printf 'Answer.\\n' >> \"$1\" ;;\n"
                    "esac\n" % r.home)
        os.chmod(editor, 0o755)
        mode = os.path.join(r.home, "mode")
        with open(mode, "w") as f:
            f.write("reply")
        r.global_("editor", editor)
        r.account("acct", imap="imaps", smtp="smtp://127.0.0.1:%d" % k.ports["submission"],
                  **{"from": "Alice <alice@example.com>"})
        env = {key: r.env[key] for key in ("HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "LC_ALL", "TZ")}

        with Screen([TERN, "-F", r.mailrc], env=env, width=140, height=30) as s:
            screen = s.wait_for("synced")
            t.ok("Doe, John" in screen, "the index shows the encoded name with its comma as one sender", screen)
            s.send("Enter")
            s.wait_for("Who is on this?")
            s.send("r")
            screen = s.wait_for("compose")
            t.ok('To: "Doe, John" <bob@example.com>' in screen, "r: the sender's name quoted, one address", screen)
            s.send("q")
            s.wait_for("Abort this message?")
            s.send("Enter")
            s.wait_for("Message aborted.")

            s.send("g")
            screen = s.wait_for("compose")
            t.ok('Cc: "Lima, Ana" <carol@example.com>, "Dan, D" <dan@example.com>' in screen,
                 "g: every other address once, names kept, ourselves left out", screen)
            s.send("y")
            s.wait_for("Sent.", 20)
            for user in ("bob", "carol", "dan"):
                t.ok(k.wait_messages(user, "Re: comma names"), "g: %s got the reply" % user)
            got = k.messages("bob", subject="Re: comma names")
            cc = sorted(a for _, a in email.utils.getaddresses([str(got[0]["Cc"])])) if got else []
            t.is_(cc, ["carol@example.com", "dan@example.com"], "the Cc header holds both")
            body = got[0].get_body(("plain",)).get_content() if got else ""
            t.ok("Doe, John wrote:" in body, "the attribution names the sender", body)

            with open(mode, "w") as f:
                f.write("bad")
            s.send("q")
            s.send("m")
            s.wait_for("compose")
            s.send("y")
            screen = s.wait_for("text after the address")
            t.ok("To: 'Bob <bob@example.com> junk here': text after the address: 'junk here'" in screen
                 and "compose" in screen, "a To the parser cannot read is refused with its text", screen)
            outbox = os.path.join(r.env["XDG_DATA_HOME"], "tern", "outbox", "new")
            t.ok(not os.path.isdir(outbox) or not os.listdir(outbox), "nothing was queued")
            s.send("t")
            s.wait_for("To: ")
            s.send("C-u")
            s.type('"Doe, John" <bob@example.com>, carol@example.com')
            s.send("Enter", "y")
            s.wait_for("Sent.", 20)
            t.ok(k.wait_messages("bob", "bad list") and k.wait_messages("carol", "bad list"),
                 "fixed with t, the list reaches both")
            s.send("q")
            s.exit_status()


run(main)
