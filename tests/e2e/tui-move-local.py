#!/usr/bin/python3
"""e2e: moving and copying between local folders and IMAP folders, both
ways, with nothing lost. From a Maildir opened with -f: s to an IMAP
folder APPENDs the message there and removes the file only after the
server said OK; C copies and keeps it; a move to a folder the server
refuses leaves the file where it was. From the IMAP INBOX: s to a local
Maildir writes the file (durably) before the message is expunged on the
server; C to an mbox appends it there and keeps it on the server (and
to ISP:INBOX into the POP3 account's Maildir); a move
to a path that is no folder leaves the server's message alone."""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit                 # noqa: E402
from screen import Screen           # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun, TERN      # noqa: E402


def subjects(k, folder):
    c = k.imap()
    c.select(folder, readonly=True)
    typ, data = c.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    c.logout()
    out = []
    for item in data or []:
        if isinstance(item, tuple):
            out.append(item[1].decode("utf-8", "replace").split(":", 1)[1].strip())
    return out


def local_subjects(maildir):
    out = []
    for sub in ("new", "cur"):
        for name in os.listdir(os.path.join(maildir, sub)):
            with open(os.path.join(maildir, sub, name), "rb") as f:
                for line in f.read().split(b"\n"):
                    if line.lower().startswith(b"subject:"):
                        out.append(line.split(b":", 1)[1].strip().decode())
                        break
    return sorted(out)


def make_maildir(path, count):
    for sub in ("new", "cur", "tmp"):
        os.makedirs(os.path.join(path, sub), exist_ok=True)
    for i in range(count):
        with open(os.path.join(path, "cur", "%d.M%dP1.host:2,S" % (1700000000 + i, i)), "wb") as f:
            f.write(b"From: Local %d <l%d@example.org>\nTo: alice@example.org\nSubject: local %d\n"
                    b"Message-ID: <local%d@example.org>\nDate: Mon, %d Jan 2024 10:00:00 +0000\n\n"
                    b"Local body %d.\n" % (i, i, i, i, i + 1, i))


def wait(cond, seconds=10):
    end = time.time() + seconds
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.1)
    return cond()


def file_first(s, key, target):
    """s (move) or C (copy) the first message to target."""
    s.send("=", key)
    s.wait_for("to folder:")
    s.type(target)
    s.send("Enter")


def main(t):
    with Kit() as k:
        c = k.imap()
        c.create("Saved")
        c.subscribe("Saved")
        for i in range(3):
            c.append("INBOX", None, None, ("From: Server %d <s%d@example.org>\r\nTo: alice@example.org\r\n"
                                           "Subject: server %d\r\nMessage-ID: <server%d@example.org>\r\n"
                                           "Date: Mon, %d Feb 2024 10:00:00 +0000\r\n\r\nServer body %d.\r\n"
                                           % (i, i, i, i, i + 1, i)).encode())
        c.logout()
        r = TernRun(k, "mv")
        r.account("main", imap="imaps")
        isp = os.path.join(r.home, "isp")
        make_maildir(isp, 0)
        r.account("isp", pop3="pop3s", maildir=isp)
        env = {key: r.env[key] for key in ("HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "LC_ALL",
                                           "TZ", "ASAN_OPTIONS") if key in r.env}
        md = os.path.join(r.home, "md")
        make_maildir(md, 4)

        with Screen([TERN, "-F", r.mailrc, "-f", md], env=env, width=120, height=20) as s:
            screen = s.wait_for("Msgs:4")
            t.ok("Msgs:4" in screen and "local 0" in screen, "-f MAILDIR with a mailrc opens the Maildir", screen)
            file_first(s, "s", "Saved")
            screen = s.wait_for("Moved 1 message")
            t.ok("Moved 1 message to Saved." in screen, "s moves a local message to an IMAP folder", screen)
            t.is_(subjects(k, "Saved"), ["local 0"], "the server has it (APPEND)")
            t.is_(local_subjects(md), ["local 1", "local 2", "local 3"], "and its file is gone")
            file_first(s, "C", "Saved")
            screen = s.wait_for("Copied 1 message")
            t.ok("Copied 1 message to Saved." in screen, "C copies a local message to an IMAP folder", screen)
            t.is_(subjects(k, "Saved"), ["local 0", "local 1"], "the server has the copy")
            t.is_(local_subjects(md), ["local 1", "local 2", "local 3"], "and the file stays")
            file_first(s, "s", "NoSuchFolder")
            screen = s.wait_for("NoSuchFolder", 10)
            screen = s.wait_for("account main, server imaps://")
            t.ok("account main, server imaps://" in screen, "a move the server refuses says why", screen)
            t.is_(local_subjects(md), ["local 1", "local 2", "local 3"], "and nothing left the Maildir")
            s.send("q")
            t.is_(s.exit_status(), 0, "q quits with 0")

        mbox = os.path.join(r.home, "keep.mbox")
        open(mbox, "w").close()
        with Screen([TERN, "-F", r.mailrc], env=env, width=120, height=20) as s:
            screen = s.wait_for("synced")
            t.ok("Msgs:3" in screen, "the IMAP INBOX", screen)
            file_first(s, "s", md)
            screen = s.wait_for("Moved 1 message")
            t.ok("Moved 1 message to " + md in screen, "s moves an IMAP message to a local Maildir", screen)
            t.is_(local_subjects(md), ["local 1", "local 2", "local 3", "server 0"], "the Maildir has it")
            t.ok(wait(lambda: subjects(k, "INBOX") == ["server 1", "server 2"]), "and the server no longer",
                 subjects(k, "INBOX"))
            file_first(s, "C", mbox)
            screen = s.wait_for("Copied 1 message")
            t.ok("Copied 1 message to " + mbox in screen, "C copies an IMAP message to an mbox", screen)
            with open(mbox, "rb") as f:
                data = f.read()
            t.ok(data.startswith(b"From ") and b"Subject: server 1" in data and b"Server body 1." in data
                 and b"\r\n" not in data, "the mbox has it, with LF line ends", data[:300])
            t.is_(subjects(k, "INBOX"), ["server 1", "server 2"], "and the server keeps it")
            file_first(s, "C", "isp:INBOX")
            screen = s.wait_for("Copied 1 message to " + isp)
            t.is_(local_subjects(isp), ["server 1"], "C to POP3ACCOUNT:INBOX copies into that account's Maildir")
            file_first(s, "s", os.path.join(r.home, "nothing-here"))
            screen = s.wait_for("nothing-here:")
            t.ok("cannot open" in screen and "nothing-here" in screen, "a move to a path that is no folder says why",
                 screen)
            t.is_(subjects(k, "INBOX"), ["server 1", "server 2"], "and the server's message stays")
            s.send("q")
            t.is_(s.exit_status(), 0, "q quits with 0")


if __name__ == "__main__":
    run(main)
