#!/usr/bin/python3
"""e2e: what the pager and the bottom row show (issue 18, points 7, 8, 9,
20), in tmux against the kit: long lines wrap at spaces with a URL kept
whole (mutt's smart_wrap); quote levels each get their colour (quoted,
quoted1, quoted2); an error wider than the screen is shown in full and M
shows it again with the other messages of the session; the pager's status
line gives no percentage while the message is still being fetched (the
server is held with SIGSTOP for that)."""

import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit                 # noqa: E402
from screen import Screen           # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun, TERN      # noqa: E402

URL = "https://example.org/archive/2035/long-path.html?q=1"
WIDTH = 60


def message(subject, body, n):
    return ("From: ann@example.org\r\nTo: alice@example.org\r\nSubject: %s\r\n"
            "Date: Mon, 1 Jan 2035 00:00:%02d +0000\r\n\r\n%s\r\n" % (subject, n, body)).encode()


def main(t):
    with Kit() as k:
        # the URL starts at column 40: a cut at 60 columns would split it
        wrap_body = "word " * 8 + URL + " and the text after it goes on."
        quote_body = "> level one\r\n> > level two\r\n> > > level three\r\nmy answer"
        c = k.imap()
        c.append("INBOX", None, None, message("wrap me", wrap_body, 1))
        c.append("INBOX", None, None, message("quote levels", quote_body, 2))
        c.append("INBOX", None, None, message("held back", "the body of the held message", 3))
        c.logout()
        r = TernRun(k, "text")
        r.account("acct", imap="imaps", timeout=20)
        env = {key: r.env[key] for key in ("HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "LC_ALL", "TZ")}

        def find(s, subject):
            s.send("/")
            s.type(subject)
            s.send("Enter")

        with Screen([TERN, "-F", r.mailrc], env=env, width=WIDTH, height=24) as s:
            s.wait_for("synced")
            find(s, "wrap me")
            s.send("Enter")
            screen = s.wait_for("text after")
            lines = screen.splitlines()
            t.ok(any(line.strip() == "word " * 7 + "word" or line.rstrip() == ("word " * 8).rstrip()
                     for line in lines), "a long line breaks at a space", screen)
            t.ok(any(line.startswith(URL) for line in lines), "the URL starts a line, whole", screen)
            t.ok(any(line.startswith("and the text after it") for line in lines) or
                 any(line.startswith(URL + " and the") for line in lines), "no word is cut in two", screen)
            s.send("q")
            s.wait_for("synced")

            find(s, "quote levels")
            s.send("Enter")
            s.wait_for("level three")
            colored = s._tmux("capture-pane", "-p", "-e").stdout
            seq = {}
            for line in colored.splitlines():
                for name in ("level one", "level two", "level three", "my answer"):
                    if name in line:
                        seq[name] = re.findall(r"\x1b\[[0-9;]*m", line.split(name)[0])
            t.ok(len(seq) == 4, "the four lines are on screen", colored)
            codes = [tuple(seq.get(name, [])) for name in ("level one", "level two", "level three")]
            t.ok(len(set(codes)) == 3, "three quote levels, three colours", codes)
            t.ok(all(codes) and tuple(seq.get("my answer", [])) not in codes,
                 "the unquoted answer is not in a quote colour", seq)
            s.send("q")
            s.wait_for("synced")

            # an error wider than the screen: a copy to a folder that is not there
            s.send("C")
            s.wait_for("to folder:")
            s.type("NoSuchFolderAnywhere")
            s.send("Enter")
            screen = s.wait_for(re.compile(r"NoSuchFolderAnywhere.*\n.*\S", re.S), 20)
            bottom = " ".join(line.strip() for line in screen.splitlines()[-4:])
            t.ok("account acct, server imaps://" in bottom and bottom.count("NoSuchFolderAnywhere") >= 1
                 and len(bottom) > WIDTH, "an error wider than the screen is shown whole, over several rows",
                 screen)
            t.ok(re.search(r"-\*- tern: acct/INBOX", screen), "the status line stays on screen above it", screen)
            s.send("j")
            s.send("M")
            screen = s.wait_for("Messages of this session")
            text = " ".join(line.strip() for line in screen.splitlines())
            t.ok(re.search(r"\d\d:\d\d:\d\d account acct, server imaps://", text) is not None
                 and "NoSuchFolderAnywhere" in text, "M shows the error again, whole, with its time", screen)
            t.ok("Copying..." in text, "and the notes before it", screen)
            s.send("q")
            screen = s.wait_for("synced")
            t.ok("Messages of this session" not in screen, "q leaves the message history", screen)

            # while the body is on its way, the status line gives no percentage
            pids = []
            for pid in k.pids():
                try:
                    os.kill(pid, signal.SIGSTOP)
                    pids.append(pid)
                except ProcessLookupError:
                    pass   # a login process that ended meanwhile
            try:
                find(s, "held back")
                s.send("Enter")
                screen = s.wait_for("Fetching the message", 10)
                status = [line for line in screen.splitlines() if "-*- tern:" in line]
                t.ok(status and "(fetching)" in status[0] and "%" not in status[0],
                     "the status line says fetching, not (100%), while the message is on its way", screen)
            finally:
                for pid in pids:
                    os.kill(pid, signal.SIGCONT)
            screen = s.wait_for("the body of the held message", 20)
            t.ok("(100%)" in screen, "once it is here, the percentage", screen)
            s.send("q")
            s.wait_for("synced")
            s.send("q")
            t.is_(s.exit_status(), 0, "tern quits with 0")


run(main)
