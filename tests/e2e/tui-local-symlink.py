#!/usr/bin/python3
"""e2e (issue 15.3): a Maildir entry that is a symbolic link to another
file (here a stand-in for /etc/shadow) is listed saying it was not
opened, and Enter or h shows an error, never the file. The honest message
beside it reads as usual."""

import os
import sys
import tempfile
import shutil

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from screen import Screen           # noqa: E402
from tap import run                 # noqa: E402
from tern import TERN               # noqa: E402


def main(t):
    home = tempfile.mkdtemp(prefix="tern-symlink-")
    try:
        md = os.path.join(home, "Maildir")
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(md, sub))
        secret = os.path.join(home, "shadow")
        with open(secret, "w") as f:
            f.write("Subject: SHADOW-SUBJECT\n\nroot:SHADOW-HASH:19000:0:99999:7:::\n")
        with open(os.path.join(md, "cur", "1.1.h:2,S"), "w") as f:
            f.write("From: ana@example.org\nSubject: honest message\nDate: Mon, 1 Jan 2035 00:00:01 +0000\n\n"
                    "honest body\n")
        os.symlink(secret, os.path.join(md, "cur", "2.2.h:2,"))
        env = {"HOME": home, "LC_ALL": "C.UTF-8", "TZ": "UTC", "TERM": "xterm"}
        with Screen([TERN, "-f", md], env=env, width=120, height=20) as s:
            screen = s.wait_for("not opened")
            t.ok("symbolic link" in screen and "SHADOW" not in screen,
                 "the link is listed as not opened, and nothing of the file shows", screen)
            s.send("/")
            s.type("not opened")
            s.send("Enter", "Enter")
            screen = s.wait_for("in %s not opened:" % md)
            t.ok("in %s not opened: it is a symbolic link" % md in screen and "SHADOW" not in screen,
                 "Enter on it says why it is not opened, and shows nothing of the file", screen)
            s.send("h")
            screen = s.wait_for("in %s not opened:" % md)
            t.ok("symbolic link" in screen and "SHADOW" not in screen, "h on it does not show the file either",
                 screen)
            s.send("q")
            s.send("/")
            s.type("honest")
            s.send("Enter", "Enter")
            screen = s.wait_for("honest body")
            t.ok("honest body" in screen, "the honest message opens", screen)
            s.send("q", "q")
            s.exit_status()
    finally:
        shutil.rmtree(home, ignore_errors=True)


run(main)
