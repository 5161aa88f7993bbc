#!/usr/bin/python3
"""e2e: local folders in the reader, with no mailrc at all. A Maildir made
by gen.py opened with tern -f PATH: the index, a message read, a flag
(F) and read/unread (N) written into the file names (:2,FRS), d marks
it deleted (T) and $ removes the file. An mbox opened from $MAIL (plain
`tern`): flags written back as mutt's Status/X-Status, d and $ rewrite
the file without that message, every other message kept byte for byte.
A message moved (s) from the Maildir to the mbox leaves the Maildir only
once it is in the mbox."""

import os
import sys
import tempfile
import time
import shutil

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
import gen                          # noqa: E402
from screen import Screen           # noqa: E402
from tap import run                 # noqa: E402
from tern import TERN               # noqa: E402


def files(maildir):
    """{unique name: (subdir, info)} of a Maildir's messages."""
    out = {}
    for sub in ("new", "cur"):
        for name in os.listdir(os.path.join(maildir, sub)):
            unique, _, info = name.partition(":2,")
            out[unique] = (sub, info)
    return out


def mbox_messages(path):
    """The messages of an mbox as lists of lines, "From " line first."""
    with open(path, "rb") as f:
        data = f.read()
    msgs = []
    for line in data.split(b"\n"):
        if line.startswith(b"From ") and (not msgs or msgs[-1][-1] == b""):
            msgs.append([line])
        elif msgs:
            msgs[-1].append(line)
    return msgs


def header(msg, name):
    for line in msg[1:]:
        if line == b"":
            break
        if line.lower().startswith(name.lower() + b":"):
            return line.split(b":", 1)[1].strip()
    return None


def until(cond, seconds=5):
    """Waits for cond() to hold (a file tern writes in the background)."""
    end = time.time() + seconds
    while not cond() and time.time() < end:
        time.sleep(0.05)


def main(t):
    home = tempfile.mkdtemp(prefix="tl", dir="/tmp")
    try:
        env = {"HOME": home, "XDG_CONFIG_HOME": os.path.join(home, "config"),
               "XDG_CACHE_HOME": os.path.join(home, "cache"), "XDG_DATA_HOME": os.path.join(home, "data"),
               "LC_ALL": "C.UTF-8", "TZ": "UTC", "MAIL": ""}
        if "ASAN_OPTIONS" in os.environ:
            env["ASAN_OPTIONS"] = os.environ["ASAN_OPTIONS"]
        maildir = os.path.join(home, "md")
        made = gen.generate(maildir, 12, seed=7)
        # the last three are new: in new/ without info
        for m in made[-3:]:
            os.rename(m.path, os.path.join(maildir, "new", os.path.basename(m.path).split(":")[0]))
        for m in made[:-3]:  # the rest read
            base = os.path.basename(m.path).split(":")[0]
            os.rename(m.path, os.path.join(maildir, "cur", base + ":2,S"))
        before = files(maildir)

        with Screen([TERN, "-f", maildir], env=env, width=120, height=30) as s:
            screen = s.wait_for("Msgs:12")
            t.ok("Msgs:12" in screen and maildir in screen, "tern -f MAILDIR with no mailrc: the index of 12", screen)
            t.ok("New:3" in screen or " N " in screen, "the three in new/ show as new", screen)
            s.send("=")          # the first (oldest) message
            s.send("F")
            first = [u for u in sorted(before) if before[u][0] == "cur"][0]
            until(lambda: "F" in files(maildir)[first][1])
            t.is_(files(maildir)[first], ("cur", "FS"), "F writes the flag into the file name (:2,FS)")
            s.send("F")
            until(lambda: files(maildir)[first][1] == "S")
            t.is_(files(maildir)[first], ("cur", "S"), "F again takes it away")
            s.send("*")          # the last: new
            s.send("Enter")
            screen = s.wait_for("Subject:")
            t.ok("Subject:" in screen, "Enter shows the message", screen)
            s.send("q")
            last = [u for u in before if before[u][0] == "new"]
            until(lambda: any(files(maildir)[u][0] == "cur" for u in last))
            read = [u for u in last if files(maildir)[u] == ("cur", "S")]
            t.is_(len(read), 1, "reading a new message moves it to cur/ marked seen (:2,S)")
            s.send("N")
            until(lambda: read and files(maildir)[read[0]] == ("cur", ""))
            t.ok(read and files(maildir)[read[0]] == ("cur", ""), "N marks it unread again (:2,)",
                 read and files(maildir)[read[0]])
            s.send("=")
            s.send("d")
            until(lambda: "T" in files(maildir)[first][1])
            t.is_(files(maildir)[first], ("cur", "ST"), "d marks the message trashed (:2,ST)")
            s.send("$")
            screen = s.wait_for("Expunge 1 deleted message?")
            s.send("y", "Enter")
            screen = s.wait_for("Msgs:11")
            t.ok(first not in files(maildir) and len(files(maildir)) == 11,
                 "$ removes that file and no other", sorted(files(maildir)))
            t.ok("Msgs:11" in screen, "the index has 11 left", screen)

            # move the (new) first message to an mbox that does not exist yet... it must exist
            mbox = os.path.join(home, "saved.mbox")
            open(mbox, "w").close()
            s.send("=")
            second = sorted(files(maildir))[0]
            s.send("s")
            s.wait_for("to folder:")
            s.type(mbox)
            s.send("Enter")
            screen = s.wait_for("Moved 1 message")
            t.ok("Moved 1 message" in screen, "s moves a message to a local mbox", screen)
            t.ok(second not in files(maildir), "the message left the Maildir")
            msgs = mbox_messages(mbox)
            t.is_(len(msgs), 1, "and is in the mbox")
            t.ok(msgs and header(msgs[0], b"Status") == b"RO", "with its read flag as Status: RO",
                 msgs and b"\n".join(msgs[0][:12]))
            s.send("q")
            t.is_(s.exit_status(), 0, "q quits with 0")

        # ---- an mbox from $MAIL, opened by plain `tern`
        mboxpath = os.path.join(home, "inbox.mbox")
        with open(mboxpath, "wb") as out:
            for i in range(6):
                body = ("From: Sender %d <s%d@example.org>\nTo: you@example.org\nSubject: mbox message %d\n"
                        "Message-ID: <mbox%d@example.org>\nDate: Mon, %d Jan 2024 10:00:00 +0000\n"
                        "Status: RO\n\nBody of %d.\nFrom the start of a line.\n\n" % (i, i, i, i, i + 1, i))
                out.write(b"From s%d@example.org Mon Jan  %d 10:00:00 2024\n" % (i, i + 1) + body.encode())
        original = mbox_messages(mboxpath)
        env2 = dict(env, MAIL=mboxpath)
        with Screen([TERN], env=env2, width=120, height=30) as s:
            screen = s.wait_for("Msgs:6")
            t.ok("Msgs:6" in screen and "mbox message 0" in screen, "plain tern with no mailrc opens $MAIL", screen)
            s.send("=")
            s.send("F")
            until(lambda: header(mbox_messages(mboxpath)[0], b"X-Status") == b"F")
            msgs = mbox_messages(mboxpath)
            t.is_(header(msgs[0], b"X-Status"), b"F", "F writes X-Status: F into the mbox")
            t.is_(header(msgs[0], b"Status"), b"RO", "and keeps Status: RO")
            t.ok(msgs[1:] == original[1:], "every other message is unchanged")
            s.send("j")
            s.send("d")
            until(lambda: header(mbox_messages(mboxpath)[1], b"X-Status") == b"D")
            t.is_(header(mbox_messages(mboxpath)[1], b"X-Status"), b"D", "d writes X-Status: D")
            s.send("$")
            s.wait_for("Expunge 1 deleted message?")
            s.send("y", "Enter")
            screen = s.wait_for("Msgs:5")
            msgs = mbox_messages(mboxpath)
            t.is_(len(msgs), 5, "$ rewrites the mbox without it")
            t.ok(msgs[1:] == original[2:] and b"mbox message 1" not in b"\n".join(sum(msgs, [])),
                 "the others are kept byte for byte")
            t.ok("Msgs:5" in screen and "mbox message 1" not in screen, "the index shows the 5 left", screen)
            s.send("q")
            t.is_(s.exit_status(), 0, "q quits with 0")

        # ---- no mailrc and no mailbox: the set-up (tui-setup.py) is
        # offered; given up with an empty address, one line, exit 66
        with Screen([TERN], env=dict(env, MAIL=""), width=120, height=10) as s:
            s.wait_for("Your mail address:")
            s.send("Enter")
            t.is_(s.exit_status(), 66, "no mailrc and no mailbox: exit 66")
            t.ok("no mailrc and no mailbox" in s.capture(), "and says why", s.capture())
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    run(main)
