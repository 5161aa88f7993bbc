#!/usr/bin/python3
"""e2e: with no password in the mailrc, tern asks for it on the terminal
(tmux), without echo, and then lists the folder; tern --test-account
asks once for all the servers of the account."""

import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit                 # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun, TERN      # noqa: E402

TMUX = os.environ.get("TMUX_BIN") or "tmux"


def main(t):
    with Kit(users={"alice": "Typed-At-Prompt-42"}) as k:
        k.generate("alice", 12)
        r = TernRun(k, "prompt")
        r.account("acct", imap="imaps", password=False)
        sock = os.path.join(tempfile.mkdtemp(prefix="tmx", dir="/tmp"), "s")
        env = " ".join("%s='%s'" % (key, r.env[key]) for key in ("HOME", "XDG_CACHE_HOME", "LC_ALL", "TZ"))
        cmd = "env %s '%s' -F '%s' -H; echo exit=$?; sleep 60" % (env, TERN, r.mailrc)
        tmux = [TMUX, "-S", sock, "-f", "/dev/null"]
        subprocess.run(tmux + ["new-session", "-d", "-x", "120", "-y", "40", cmd], check=True)
        try:
            def screen():
                return subprocess.run(tmux + ["capture-pane", "-p"], capture_output=True, text=True).stdout

            def wait_for(text, seconds=20):
                end = time.time() + seconds
                while time.time() < end:
                    s = screen()
                    if text in s:
                        return s
                    time.sleep(0.1)
                return screen()

            s = wait_for("Password for acct:")
            t.ok("Password for acct:" in s, "tern asks for the password on the terminal", s)
            subprocess.run(tmux + ["send-keys", "Typed-At-Prompt-42", "Enter"], check=True)
            s = wait_for("exit=")
            t.ok("exit=0" in s, "after the password, tern -H exits 0", s)
            t.is_(len([line for line in s.splitlines() if line[:6].strip().isdigit()]), 12,
                  "the twelve messages are listed")
            t.ok("Typed-At-Prompt-42" not in s, "the typed password is not echoed")
        finally:
            subprocess.run(tmux + ["kill-server"], capture_output=True)

        # --test-account: one prompt for the IMAP and the POP3 server
        r = TernRun(k, "test-account")
        r.account("acct", imap="imaps", pop3="pop3s", password=False)
        env = " ".join("%s='%s'" % (key, r.env[key]) for key in ("HOME", "XDG_CACHE_HOME", "LC_ALL", "TZ"))
        cmd = "env %s '%s' -F '%s' --test-account; echo exit=$?; sleep 60" % (env, TERN, r.mailrc)
        sock = os.path.join(tempfile.mkdtemp(prefix="tmx", dir="/tmp"), "s")
        tmux[2] = sock
        subprocess.run(tmux + ["new-session", "-d", "-x", "160", "-y", "50", cmd], check=True)
        try:
            s = wait_for("Password for acct:")
            subprocess.run(tmux + ["send-keys", "Typed-At-Prompt-42", "Enter"], check=True)
            s = wait_for("exit=", 60)
            t.ok("exit=0" in s and "all 16 steps passed" in s, "--test-account passes with the typed password", s)
            t.is_(s.count("Password for acct:"), 1, "--test-account asks for the password once")
        finally:
            subprocess.run(tmux + ["kill-server"], capture_output=True)

        def session(r, cmd):
            env = " ".join("%s='%s'" % (key, r.env[key]) for key in r.env if key.startswith(("HOME", "XDG_", "LC_", "TZ")))
            tmux[2] = os.path.join(tempfile.mkdtemp(prefix="tmx", dir="/tmp"), "s")
            subprocess.run(tmux + ["new-session", "-d", "-x", "120", "-y", "40",
                                   "env %s %s; echo exit=$?; sleep 60" % (env, cmd)], check=True)

        # the reader asks before it starts, and the typed password also logs
        # in to the SMTP server when the server offers AUTH
        r = TernRun(k, "reader")
        r.account("acct", imap="imaps", password=False, smtp="smtp://127.0.0.1:%d" % k.ports["submission"],
                  **{"from": "alice@localhost"})
        session(r, "'%s' -F '%s'" % (TERN, r.mailrc))
        try:
            s = wait_for("Password for acct:")
            t.ok("Password for acct:" in s, "the reader asks for the password before it starts", s)
            subprocess.run(tmux + ["send-keys", "Typed-At-Prompt-42", "Enter"], check=True)
            s = wait_for("Msgs:12")
            t.ok("Msgs:12" in s and "Typed-At-Prompt-42" not in s, "the reader logs in with the typed password", s)
        finally:
            subprocess.run(tmux + ["kill-server"], capture_output=True)

        session(r, "echo typed | '%s' -F '%s' -s 'Prompted send' alice@localhost" % (TERN, r.mailrc))
        try:
            s = wait_for("Password for acct:")
            subprocess.run(tmux + ["send-keys", "Typed-At-Prompt-42", "Enter"], check=True)
            s = wait_for("exit=", 30)
            t.ok("exit=0" in s, "tern -s with no password in the mailrc asks for it and logs in to SMTP", s)
            new = os.path.join(k.maildir("alice"), "new")
            t.ok(any("Prompted send" in open(os.path.join(new, f), errors="replace").read() for f in os.listdir(new)),
                 "the message was delivered")
        finally:
            subprocess.run(tmux + ["kill-server"], capture_output=True)


run(main)
