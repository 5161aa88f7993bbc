#!/usr/bin/python3
"""e2e: several accounts in one session: A switches between alice's and
bob's mailboxes, and an account whose server is stalled
(fake-stalled-server) does not hold up the others: each has its own
worker."""

import os
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit, HOST           # noqa: E402
from screen import Screen           # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun, TERN      # noqa: E402


def main(t):
    stalled = socket.socket()
    stalled.bind((HOST, 0))
    stalled.listen(4)
    with Kit() as k:
        k.generate("alice", 12)
        k.generate("bob", 5)
        r = TernRun(k, "accounts")
        r.account("alice", imap="imaps", user="alice")
        r.account("bob", imap="imaps", user="bob")
        r.account("slow", imap="imap", port=stalled.getsockname()[1], tls="off", tls_ca_file=None, timeout=60)
        env = {key: r.env[key] for key in ("HOME", "XDG_CACHE_HOME", "LC_ALL", "TZ")}
        with Screen([TERN, "-F", r.mailrc], env=env, width=110, height=30) as s:
            screen = s.wait_for("synced")
            t.ok("tern: alice/INBOX [Msgs:12" in screen, "opens the default account", screen)
            s.send("A")
            s.wait_for("Account")
            s.type("b")
            s.send("Tab", "Enter")
            screen = s.wait_for("bob/INBOX [Msgs:5")
            t.ok("tern: bob/INBOX [Msgs:5" in screen and "synced" in screen, "A switches to bob's INBOX", screen)
            s.send("A")
            s.wait_for("Account")
            s.type("slow")
            s.send("Enter")
            screen = s.wait_for("slow/INBOX")
            t.ok("connecting" in screen or "opening" in screen, "the stalled account is connecting", screen)
            s.send("A")
            s.wait_for("Account")
            s.type("alice")
            s.send("Enter")
            s.wait_for("alice/INBOX [Msgs:12", 10)
            screen = s.wait_for("synced", 10)
            t.ok("alice/INBOX [Msgs:12" in screen and "synced" in screen,
                 "back on alice at once, while slow's server is still stalled", screen)
            s.send("A")
            s.wait_for("Account")
            s.type("nosuch")
            s.send("Enter")
            screen = s.wait_for("No such account")
            t.ok("No such account." in screen, "an unknown account name is refused", screen)
            s.send("q")
            t.is_(s.exit_status(15), 0, "quit, even with a worker stuck on the stalled server")
    stalled.close()


run(main)
