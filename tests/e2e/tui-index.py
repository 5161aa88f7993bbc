#!/usr/bin/python3
"""e2e: the reader in a real terminal (tmux) against the kit: the demo
INBOX index and status line, moving around, threads, hostile subjects
shown visibly (no escape reaches the terminal: the pane title stays),
resize, -e 'push <quit>', and a UI that answers keys while the server is
stalled (fake-stalled-server: a scripted server that never answers)."""

import os
import re
import time
import socket
import sys
import imaplib
import ssl

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit, HOST           # noqa: E402
from screen import Screen           # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun, TERN      # noqa: E402


def main(t):
    with Kit() as k:
        k.demo()
        ctx = ssl.create_default_context(cafile=k.ca_file)
        c = imaplib.IMAP4_SSL(k.host, k.ports["imaps"], ssl_context=ctx, timeout=10)
        c.login("alice", "secret")
        c.append("INBOX", None, None, (
            "From: =?UTF-8?B?RXZpbBtdMjtQV05FRAc=?= <evil@example.org>\r\n"
            "Subject: title \x1b]2;HACKED\x07 bidi \u202etxt.exe \x1b[31mred\r\n"
            "Date: Mon, 1 Jan 2035 00:00:00 +0000\r\n\r\nbody\r\n").encode())
        c.logout()
        r = TernRun(k, "tui")
        r.account("demo", imap="imaps")
        env = {key: r.env[key] for key in ("HOME", "XDG_CACHE_HOME", "LC_ALL", "TZ", "ASAN_OPTIONS")
               if key in r.env}

        with Screen([TERN, "-F", r.mailrc], env=env, width=120, height=30) as s:
            screen = s.wait_for("synced")
            t.ok("-*- tern: demo/INBOX [Msgs:301" in screen, "status line: account, folder, count", screen)
            t.ok("synced" in screen, "status line says synced", screen)
            rows = [line for line in screen.splitlines()[:28] if re.match(r"^ *\d+ ", line)]
            t.is_(len(rows), 28, "the index fills the screen")
            t.ok("^[]2;HACKED^G" in screen and "<U+202E>txt.exe" in screen and "^[[31mred" in screen,
                 "a hostile subject is shown visibly", screen)
            t.ok("HACKED" not in s.title(), "no escape sequence reached the terminal (title unchanged)", s.title())
            s.send("=")
            screen = s.wait_for("   1 ")
            first = [line for line in screen.splitlines() if re.match(r"^ *1 ", line)]
            t.ok(first, "= goes to the first message", screen)
            s.send("j", "j")
            s.send("?")
            screen = s.wait_for("Key bindings of the index")
            t.ok("next-entry" in screen and "<down>" in screen, "? shows the live bindings", screen)
            s.send("q")
            # the help screen has the index's status line too: wait for it to go
            end = time.time() + 20
            screen = s.capture()
            while "Key bindings" in screen and time.time() < end:
                time.sleep(0.05)
                screen = s.capture()
            t.ok("Key bindings" not in screen and "Msgs:" in screen, "q leaves the help screen", screen)
            s.send("o", "t")
            screen = s.wait_for("(threads)")
            t.ok("(threads)" in screen and ("├─>" in screen or "└─>" in screen),
                 "o t threads the index and draws the tree", screen)
            s.send("Escape", "V")
            end = time.time() + 20  # the status line's "(threads) " holds ") " already
            while time.time() < end and ("├─>" in screen or "└─>" in screen):
                time.sleep(0.05)
                screen = s.capture()
            collapsed = re.findall(r"\((\d+)\) ", screen)
            t.ok(collapsed and "├─>" not in screen and "└─>" not in screen,
                 "Esc V collapses every thread, showing its size", screen)
            s.send("Escape", "V")
            screen = s.wait_for("─>")
            t.ok("├─>" in screen or "└─>" in screen, "Esc V again expands them", screen)
            s.resize(80, 20)
            screen = s.wait_for("Msgs:")
            lines = screen.splitlines()
            t.ok(len(lines) <= 20 and all(len(line) <= 80 for line in lines) and "-*- tern" in lines[-2],
                 "after a resize the screen is redrawn to the new size", screen)
            s.send("Z")
            screen = s.wait_for("not bound")
            t.ok("Key Z is not bound" in screen, "an unbound key says so")
            s.send("q")
            t.is_(s.exit_status(), 0, "q quits with exit status 0")

        # Bindings and colours from the mailrc and -e.
        with Screen([TERN, "-F", r.mailrc, "-e", "bind index J last-entry", "-e", "color status red default bold"],
                    env=env, width=120, height=30) as s:
            s.wait_for("synced")
            s.send("=", "J")
            screen = s.wait_for(" 301 ")
            t.ok(re.search(r"^ *301 ", screen, re.M) is not None, "a key bound with -e 'bind ...' works", screen)
            s.send("?")
            s.wait_for("Key bindings")
            s.send("*")
            screen = s.wait_for("J           ")
            t.ok(re.search(r"^J +last-entry", screen, re.M) is not None, "? lists the user's binding (scrolled)", screen)
            s.send("q", "q")
            t.is_(s.exit_status(), 0, "quit")

        # push <quit> from -e: quits once the synced index is on screen.
        rc = None
        with Screen([TERN, "-F", r.mailrc, "-e", "push <quit>"], env=env) as s:
            rc = s.exit_status(30)
        t.is_(rc, 0, "tern -e 'push <quit>' exits 0 by itself")

    # fake-stalled-server: accepts, never greets. The UI must still answer.
    sock = socket.socket()
    sock.bind((HOST, 0))
    sock.listen(4)
    with Kit() as k:
        r = TernRun(k, "stalled")
        r.account("slow", imap="imap", port=sock.getsockname()[1], tls="off", timeout=60, tls_ca_file=None)
        env = {key: r.env[key] for key in ("HOME", "XDG_CACHE_HOME", "LC_ALL", "TZ")}
        with Screen([TERN, "-F", r.mailrc], env=env) as s:
            screen = s.wait_for("connecting")
            t.ok("connecting" in screen, "the status line shows the connection under way", screen)
            s.send("?")
            screen = s.wait_for("Key bindings of the index", 5)
            t.ok("Key bindings of the index" in screen, "keys are answered while the server is stalled")
            s.send("q", "C-g")
            screen = s.wait_for("Cancelled", 5)
            t.ok("Cancelled" in screen, "Ctrl-G cancels the stalled operation", screen)
            s.send("q")
            t.is_(s.exit_status(10), 0, "q quits while the server is stalled")
    sock.close()


run(main)
