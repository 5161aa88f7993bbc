#!/usr/bin/python3
"""e2e: the folder browser (y): folders with message and unseen counts,
create, rename, (un)subscribe, delete after typing yes, and Enter opens
a folder; every change checked with imaplib. Folders whose names hold a
tab or a newline (Dovecot lists them as Tab&AAk-Folder) are listed with
their counts, not dropped, and open."""

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


def folders(k):
    ctx = ssl.create_default_context(cafile=k.ca_file)
    c = imaplib.IMAP4_SSL(k.host, k.ports["imaps"], ssl_context=ctx, timeout=10)
    c.login("alice", "secret")
    typ, all_ = c.list()
    typ, subs = c.lsub()
    c.logout()
    name = lambda line: line.decode().rsplit(" ", 1)[-1].strip('"')
    return {name(x) for x in all_}, {name(x) for x in subs}


def main(t):
    with Kit() as k:
        k.generate("alice", 12)
        k.generate("alice", 7, folder="Lists")
        r = TernRun(k, "browser")
        r.account("acct", imap="imaps")
        env = {key: r.env[key] for key in ("HOME", "XDG_CACHE_HOME", "LC_ALL", "TZ")}
        with Screen([TERN, "-F", r.mailrc], env=env, width=110, height=30) as s:
            s.wait_for("synced")
            s.send("y")
            screen = s.wait_for("Lists")
            t.ok(re.search(r"^ +\d+ + 12 +\d+  INBOX$", screen, re.M) and re.search(r"^ +\d+ +7 +\d+  Lists$", screen, re.M),
                 "y lists the folders with their counts", screen)
            s.send("C")
            s.wait_for("Create folder:")
            s.type("Newbox")
            s.send("Enter")
            screen = s.wait_for(re.compile(r"^ +\d+ .*Newbox$", re.M))  # its row, not only the note
            all_, subs = folders(k)
            t.ok("Created Newbox." in screen and "Newbox" in all_ and "Newbox" in subs,
                 "C creates and subscribes a folder", screen)
            # move the cursor to Newbox
            rows = [line for line in screen.splitlines() if re.match(r"^ +\d+ ", line)]
            pos = next(i for i, line in enumerate(rows) if line.endswith("Newbox"))
            s.send(*(["j"] * pos))
            s.send("r")
            s.wait_for("Rename to:")
            s.send("C-u")
            s.type("Renamed")
            s.send("Enter")
            screen = s.wait_for("Renamed Newbox to Renamed")
            all_, subs = folders(k)
            t.ok("Renamed" in all_ and "Newbox" not in all_ and "Renamed" in subs,
                 "r renames, and the subscription follows", screen)
            s.send("u")
            s.wait_for("Unsubscribed from")
            all_, subs = folders(k)
            t.ok("Renamed" not in subs, "u unsubscribes")
            s.send("Tab")
            screen = s.wait_for("folders (all")
            t.ok(re.search(r"^ +\d+ u +0 +0  Renamed$", screen, re.M) is not None,
                 "Tab shows all folders, unsubscribed ones marked u", screen)
            rows = [line for line in screen.splitlines() if re.match(r"^ +\d+ ", line)]
            pos = next(i for i, line in enumerate(rows) if line.endswith("Renamed"))
            s.send("=")
            s.send("k", "k", "k", "k", "k", "k", "k", "k", "k", "k")
            s.send(*(["j"] * pos))
            s.send("d")
            s.wait_for("Delete folder Renamed")
            s.type("no")
            s.send("Enter")
            s.wait_for("Not deleted")
            t.ok("Renamed" in folders(k)[0], "d asks, and anything but yes keeps the folder")
            s.send("d")
            s.wait_for("Delete folder Renamed")
            s.type("yes")
            s.send("Enter")
            s.wait_for("Deleted Renamed")
            t.ok("Renamed" not in folders(k)[0], "typing yes deletes it")
            screen = s.capture()
            rows = [line for line in screen.splitlines() if re.match(r"^ +\d+ ", line)]
            pos = next(i for i, line in enumerate(rows) if line.endswith("Lists"))
            s.send("k", "k", "k", "k", "k", "k", "k", "k", "k", "k")
            s.send(*(["j"] * pos))
            s.send("Enter")
            screen = s.wait_for("acct/Lists [Msgs:7")
            t.ok("acct/Lists [Msgs:7" in screen, "Enter opens the folder", screen)
            s.send("q")
            t.is_(s.exit_status(), 0, "quit")
    odd_names(t)


def odd_names(t):
    """Names the worker once sent as tab-separated lines, and dropped."""
    with Kit() as k:
        k.generate("alice", 3)
        # Dovecot keeps names in modified UTF-7 on disk too: "Tab\tFolder"
        k.generate("alice", 4, folder="Tab&AAk-Folder", seed=2)
        k.generate("alice", 2, folder="New&AAo-Line", seed=3)
        r = TernRun(k, "oddnames")
        r.account("acct", imap="imaps")
        env = {key: r.env[key] for key in ("HOME", "XDG_CACHE_HOME", "LC_ALL", "TZ")}
        with Screen([TERN, "-F", r.mailrc], env=env, width=110, height=30) as s:
            s.wait_for("synced")
            s.send("y")
            screen = s.wait_for("Line")
            tab = re.search(r"^ +\d+ + 4 +\d+  Tab.Folder$", screen, re.M)
            newline = re.search(r"^ +\d+ + 2 +\d+  New.Line$", screen, re.M)
            t.ok(tab and newline, "folders named with a tab and a newline are listed with their counts", screen)
            rows = [line for line in screen.splitlines() if re.match(r"^ +\d+ ", line)]
            pos = next((i for i, line in enumerate(rows) if line.endswith("Folder") and "Tab" in line), 0)
            s.send(*(["j"] * pos))
            s.send("Enter")
            screen = s.wait_for("[Msgs:4")
            t.ok("[Msgs:4" in screen, "Enter opens the folder named with a tab", screen)
            s.send("q")
            t.is_(s.exit_status(), 0, "quit")


run(main)
