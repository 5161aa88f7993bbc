#!/usr/bin/python3
"""e2e: the reader told to end by a signal. A hangup (SIGHUP, as when an
SSH connection drops and tmux here is killed) or ^C (SIGINT) ends tern as
q does, without its questions: a flag change pressed while the worker was
still waiting for a message body (held by a proxy) reaches the server
instead of dying with tern (SIGHUP killed tern, and ncurses' own SIGINT
handler just exited). A hangup while a prompt is open ends tern too (the
terminal is gone: no key will come). SIGTERM restores the terminal before
tern ends, and tern ends by the signal (status 143, not ncurses' 1). ^C while a command
the message is piped to runs is the command's, as in a shell, and the
command starts with SIGPIPE as the default, not ignored."""

import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from faultproxy import FaultProxy   # noqa: E402
from kit import Kit                 # noqa: E402
from screen import Screen           # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun, TERN      # noqa: E402


def tern_pid(mailrc):
    """The pid of the tern reading mailrc (not the shell tmux runs it in)."""
    want = [TERN, "-F", mailrc]
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                if f.read().decode(errors="replace").split("\0")[:3] == want:
                    return int(pid)
        except OSError:
            pass
    return None


def ended(pid, seconds):
    end = time.time() + seconds
    while time.time() < end:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def flagged(k):
    c = k.imap()
    c.select("INBOX", readonly=True)
    typ, data = c.search(None, "FLAGGED")
    c.logout()
    return len(data[0].split())


def main(t):
    with Kit(tls=False) as k:
        c = k.imap()
        for i in range(3):
            c.append("INBOX", None, None, ("Subject: hup %d\r\n\r\nbody %d\r\n" % (i, i)).encode())
        c.logout()
        with FaultProxy(k.host, k.ports["imap"]) as p:
            r = TernRun(k, "hangup")
            r.account("acct", imap="imap", port=p.port, tls="off", tls_ca_file=None, timeout=30,
                      compress="off")  # the proxy finds commands in plain text
            env = {key: r.env[key] for key in ("HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "LC_ALL", "TZ")}
            journal = os.path.join(r.env["XDG_DATA_HOME"], "tern", "acct.journal")

            def held_flag(how):
                """F pressed while the body of the message opened is held in
                the proxy, then tern told to end: how the flag fares"""
                c = k.imap()
                c.select("INBOX")
                c.store("1:*", "-FLAGS", "\\Flagged")
                c.logout()
                p.arm(0, "down", "pause", marker=b"BODY.PEEK[]")  # for the connection about to be made
                s = Screen([TERN, "-F", r.mailrc], env=env, width=100, height=30)
                s.wait_for("synced")
                pid = tern_pid(r.mailrc)
                s.send("Enter")
                end = time.time() + 20
                while not p.fired and time.time() < end:
                    time.sleep(0.05)
                t.ok(p.fired and pid, "%s: the body of the message opened is held in the proxy" % how, (p.fired, pid))
                s.send("F")
                time.sleep(0.5)
                t.is_(flagged(k), 0, "%s: F waits behind the body fetch" % how)
                if how == "hangup":
                    s.close()  # tmux goes: SIGHUP
                else:
                    s.send("C-c")
                time.sleep(1)
                p.release()
                t.ok(pid and ended(pid, 60), "%s: tern ends" % how)
                journaled = os.path.exists(journal) and "store" in open(journal).read()
                t.ok(flagged(k) == 1 or journaled, "%s: the flag change pressed before it is not lost (%s)"
                     % (how, "on the server" if flagged(k) == 1 else "in the offline journal" if journaled else "lost"))
                if how != "hangup":
                    s.close()

            held_flag("hangup")
            held_flag("^C")

            # a hangup while a prompt waits for a line
            s = Screen([TERN, "-F", r.mailrc], env=env, width=100, height=30)
            s.wait_for("synced")
            pid = tern_pid(r.mailrc)
            s.send("c")
            screen = s.wait_for("folder")
            s.close()
            t.ok(pid and ended(pid, 20), "a hangup at a prompt ends tern too", (pid, screen))

            # SIGTERM: the terminal comes back as it was
            with Screen([TERN, "-F", r.mailrc], env=env, width=100, height=30) as s:
                screen = s.wait_for("synced")
                t.ok("acct/INBOX" in screen, "the index is on screen", screen)
                pid = tern_pid(r.mailrc)
                os.kill(pid, 15)
                t.is_(s.exit_status(30), 143, "SIGTERM ends tern by that signal")
                screen = s.capture()
                t.ok("acct/INBOX" not in screen and "hup 1" not in screen,
                     "and the terminal is restored (the index is gone from it)", screen)

            # ^C while a command the message is piped to runs stops that
            # command, not tern
            with Screen([TERN, "-F", r.mailrc], env=env, width=100, height=30) as s:
                s.wait_for("synced")
                pid = tern_pid(r.mailrc)
                s.send("|")
                s.wait_for("Pipe to command:")
                sigign = os.path.join(r.env["HOME"], "sigign")
                s.type("cat >/dev/null; grep SigIgn /proc/self/status > %s; echo piped-and-waiting; sleep 60" % sigign)
                s.send("Enter")
                s.wait_for("piped-and-waiting")
                s.send("C-c")
                screen = s.wait_for("Press Enter")
                s.send("Enter")
                screen = s.wait_for(re.compile(r"body \d"))
                t.ok(not ended(pid, 1), "^C in a piped command ends the command, not tern", screen)
                s.send("q")
                s.wait_for("synced")
                s.send("q")
                t.is_(s.exit_status(30), 0, "and tern then quits with 0")
                mask = int(open(sigign).read().split()[1], 16)
                t.is_(mask & (1 << 12), 0, "SIGPIPE is not ignored in a command tern runs (so its pipelines end quietly)")


run(main)
