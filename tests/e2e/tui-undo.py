#!/usr/bin/python3
"""e2e: taking back d and s, collapse-all, and the folder browser (issue
18, points 4 to 6), in tmux against the kit. d still moves a message to
the Trash at once, but its row stays, marked D, and u on it moves it back
from the Trash (by the uid the server gave it there); U takes back the
whole last move, s included; $ makes them final. Esc V on a scrolled
threaded index shows the collapsed threads from the top. The folder
browser has column headings and lists INBOX first, then by name; offline
it shows the folders the cache knows."""

import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit                 # noqa: E402
from screen import Screen           # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun, TERN      # noqa: E402


def subjects_in(k, folder):
    c = k.imap()
    c.select('"%s"' % folder, readonly=True)
    typ, data = c.search(None, "ALL")
    out = []
    for num in data[0].split():
        typ, msg = c.fetch(num, "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        out.append(msg[0][1].decode().split(":", 1)[1].strip())
    c.logout()
    return sorted(out)


def settled(k, folder, want, seconds=10):
    end = time.time() + seconds
    got = subjects_in(k, folder)
    while not want(got) and time.time() < end:
        time.sleep(0.2)
        got = subjects_in(k, folder)
    return got


def main(t):
    with Kit() as k:
        c = k.imap()
        # 20 threads of two: 40 rows, 20 once collapsed
        for i in range(20):
            mid = "<t%02d@example.org>" % i
            c.append("INBOX", "(\\Seen)", None, ("Message-ID: %s\r\nSubject: thread %02d\r\nFrom: a@example.org\r\n"
                                                 "Date: Mon, 1 Jan 2035 01:%02d:00 +0000\r\n\r\nx\r\n"
                                                 % (mid, i, i)).encode())
            c.append("INBOX", "(\\Seen)", None, ("Message-ID: <r%02d@example.org>\r\nIn-Reply-To: %s\r\n"
                                                 "References: %s\r\nSubject: Re: thread %02d\r\n"
                                                 "From: b@example.org\r\nDate: Mon, 1 Jan 2035 02:%02d:00 +0000\r\n"
                                                 "\r\ny\r\n" % (i, mid, mid, i, i)).encode())
        for name in ("Zeta", "Alpha", "Projects"):
            c.create(name)
            c.subscribe(name)
        c.logout()
        r = TernRun(k, "undo")
        r.global_("sort", "threads")
        r.account("acct", imap="imaps", timeout=3)
        env = {key: r.env[key] for key in ("HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "LC_ALL", "TZ")}

        def find(s, subject):
            s.send("/")
            s.type(subject)
            s.send("Enter")

        with Screen([TERN, "-F", r.mailrc], env=env, width=100, height=30) as s:
            s.wait_for("synced")
            # point 4: Esc V with the index scrolled to its end
            s.send("*")
            time.sleep(0.3)
            s.send("Escape", "V")
            screen = s.wait_for(re.compile(r"^ +1 .*thread 00", re.M), 5)
            rows = [line for line in screen.splitlines() if re.match(r"^ +\d+ ", line)]
            t.ok(len(rows) == 20 and rows[0].lstrip().startswith("1 "),
                 "Esc V on a scrolled index: the collapsed threads fill the screen from the first", screen)
            s.send("Escape", "V")
            s.wait_for("Re: thread")

            # point 5: d moves to the Trash at once; the row stays, u brings it back
            find(s, "~s ^Re:.thread.07")
            s.send("d")
            screen = s.wait_for("u brings it back")
            t.ok("Moved 1 message to Trash. u brings it back." in screen, "d says where it went and how back", screen)
            got = settled(k, "Trash", lambda x: "Re: thread 07" in x)
            t.ok("Re: thread 07" in got and "Re: thread 07" not in subjects_in(k, "INBOX"),
                 "d moved it to the Trash on the server at once", got)
            t.ok(re.search(r"^ +\d+ ..D .*Re: thread 07", screen, re.M) is not None,
                 "its row stays in the index, marked D", screen)
            s.send("k")
            s.send("u")
            s.wait_for("Brought 1 message back")
            got = settled(k, "INBOX", lambda x: "Re: thread 07" in x)
            t.ok("Re: thread 07" in got and "Re: thread 07" not in subjects_in(k, "Trash"),
                 "u moved it back from the Trash", got)
            screen = s.wait_for(re.compile(r"Msgs:40 "))
            t.ok(re.search(r"^ +\d+ (?!..D).*Re: thread 07", screen, re.M) is not None,
                 "and the index shows it again, not deleted", screen)

            # s and U: the whole last move, two messages at once
            find(s, "~s ^thread.10")
            s.send("t")
            find(s, "~s ^thread.11")
            s.send("t")
            s.send("\\;", "s")   # tmux reads a bare ; as its own command separator
            s.wait_for("to folder:")
            s.type("Projects")
            s.send("Enter")
            s.wait_for("Moved 2 messages to Projects")
            t.ok(len([x for x in settled(k, "Projects", lambda x: len(x) == 2) if x.startswith("thread 1")]) == 2,
                 "s moved the tagged messages", subjects_in(k, "Projects"))
            s.send("U")
            s.wait_for("Brought 2 messages back")
            got = settled(k, "INBOX", lambda x: "thread 10" in x and "thread 11" in x)
            t.ok("thread 10" in got and "thread 11" in got and not subjects_in(k, "Projects"),
                 "U brought both back from Projects", got)

            # $ makes a delete final: the row goes, the message stays in the Trash
            find(s, "~s ^Re:.thread.15")
            s.send("d")
            s.wait_for("u brings it back")
            s.send("$")
            screen = s.wait_for(re.compile(r"Msgs:39 "))
            t.ok("Re: thread 15" not in screen and "Re: thread 15" in subjects_in(k, "Trash"),
                 "$: the moved message leaves the index and stays in the Trash", screen)

            # point 6: the browser
            s.send("y")
            screen = s.wait_for("Projects")
            lines = screen.splitlines()
            t.ok("MESSAGES" in lines[0] and "UNSEEN" in lines[0] and "FOLDER" in lines[0],
                 "the folder browser has column headings", screen)
            names = [line.split()[-1] for line in lines[1:] if re.match(r"^ +\d+ ", line)]
            t.ok(names and names[0] == "INBOX" and names[1:] == sorted(names[1:]),
                 "INBOX first, then the folders by name", names)
            s.send("q")
            s.wait_for("synced")
            s.send("q")
            t.is_(s.exit_status(), 0, "tern quits")

        k.dovecot_stop()
        with Screen([TERN, "-F", r.mailrc], env=env, width=100, height=30) as s:
            s.wait_for("Msgs:", 20)
            s.send("y")
            screen = s.wait_for("as last seen", 30)
            names = [line.split()[-1] for line in screen.splitlines() if re.match(r"^ +\d+ ", line)]
            t.ok("offline: as last seen" in screen and names[:2] == ["INBOX", "Alpha"] and "Zeta" in names,
                 "offline, the browser lists the folders the cache knows", screen)
            s.send("q")
            s.send("q")
        k.dovecot_start()


run(main)
