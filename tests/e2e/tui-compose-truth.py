#!/usr/bin/python3
"""e2e: what writing mail keeps (issue 18, points 10 and 11), in tmux with
a scripted editor against the kit. A reply quotes the whole original (its
first paragraph too) with no empty "> " line first; a header the user
adds in the editor is sent, as mutt's edit_headers does; a forwarded
block names the Cc; and once a recalled draft is sent, its row leaves
the Drafts index at once, not ten seconds later."""

import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit                 # noqa: E402
from screen import Screen           # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun, TERN      # noqa: E402


def main(t):
    with Kit() as k:
        c = k.imap()
        c.append("INBOX", None, None, b"From: Bob Jones <bob@example.com>\r\nTo: alice@example.com\r\n"
                 b"Cc: Carol <carol@example.com>\r\nSubject: two paragraphs\r\nMessage-ID: <two@example.com>\r\n"
                 b"Date: Mon, 1 Jan 2035 12:00:00 +0000\r\n\r\nFirst paragraph.\r\n\r\nSecond paragraph.\r\n")
        c.logout()
        r = TernRun(k, "truth")
        editor = os.path.join(r.home, "editor.sh")
        with open(editor, "w") as f:
            f.write("#!/bin/sh\n"
                    "f=\"$1\"\n"
                    "m=$(cat %(home)s/mode)\n"
                    "cp \"$f\" %(home)s/seen-$m\n"
                    "case \"$m\" in\n"
                    "reply) sed -i '/^Subject:/a X-Mood: cheerful' \"$f\"; printf 'My answer.\\n' >> \"$f\" ;;\n"
                    "forward) sed -i 's/^To: *$/To: dave@example.com/' \"$f\" ;;\n"
                    "draft) sed -i -e 's/^To: *$/To: bob@example.com/' -e 's/^Subject: *$/Subject: kept aside/' \"$f\"\n"
                    "       printf 'A draft.\\n' >> \"$f\" ;;\n"
                    "esac\n" % {"home": r.home})
        os.chmod(editor, 0o755)
        mode = os.path.join(r.home, "mode")
        r.global_("editor", editor)
        r.account("acct", imap="imaps", smtp="smtp://127.0.0.1:%d" % k.ports["submission"],
                  **{"from": "Alice <alice@example.com>"})
        env = {key: r.env[key] for key in ("HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "LC_ALL", "TZ")}

        def set_mode(name):
            with open(mode, "w") as f:
                f.write(name)

        with Screen([TERN, "-F", r.mailrc], env=env, width=110, height=30) as s:
            s.wait_for("synced")
            set_mode("reply")
            s.send("/")
            s.type("two paragraphs")
            s.send("Enter", "r")
            s.wait_for("compose")
            draft = open(os.path.join(r.home, "seen-reply")).read()
            quote = draft.split("wrote:\n", 1)[1] if "wrote:\n" in draft else ""
            t.ok(quote.startswith("> First paragraph.\n"), "the quote starts with the first line, no empty '> '",
                 draft)
            t.ok("> Second paragraph." in quote, "and the whole original is quoted", draft)
            s.send("y")
            s.wait_for("Sent.", 20)
            got = k.wait_messages("bob", "Re: two paragraphs")
            t.ok(got and got[0]["X-Mood"] == "cheerful", "a header added in the editor is sent (edit_headers)",
                 got and dict(got[0]))

            set_mode("forward")
            s.send("f")
            s.wait_for("compose")
            draft = open(os.path.join(r.home, "seen-forward")).read()
            block = draft.split("----- Forwarded message from", 1)[1] if "Forwarded message from" in draft else ""
            t.ok(re.search(r"^To: alice@example.com\nCc: Carol <carol@example.com>\nSubject: two paragraphs$",
                           block, re.M), "the forwarded block names the Cc", draft)
            s.send("q")
            s.wait_for("Abort")
            s.send("Enter")
            s.wait_for("synced")

            # a recalled draft, sent: its row leaves the Drafts index at once
            set_mode("draft")
            s.send("m")
            s.wait_for("compose")
            s.send("P")
            s.wait_for("Postponed to", 20)
            s.send("R")
            s.wait_for("choose a draft", 20)
            s.wait_for("kept aside")
            s.send("R")
            s.wait_for("Recalled", 20)
            s.send("y")
            s.wait_for("Sent.", 20)
            start = time.time()
            screen = s.wait_for("Msgs:0 ", 20)
            t.ok("Msgs:0 " in screen and time.time() - start < 3 and "kept aside" not in screen,
                 "the sent draft's row leaves the Drafts index at once (%.1f s)" % (time.time() - start), screen)
            s.send("q")
            t.is_(s.exit_status(), 0, "quit")


run(main)
