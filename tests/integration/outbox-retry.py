#!/usr/bin/python3
"""Issue 17, point 3: the outbox never sends a message twice behind the
user's back. A message the server refused ("failed") stays readable in
the outbox, where the error says, and a later --flush-outbox leaves it
alone: only --retry-failed, or naming the entry, sends it again (once).
A queued entry keeps the reason it still waits; a flush that only stores
a Sent copy says so."""

import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "kit"))
from kit import Kit                 # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun            # noqa: E402


def outbox_dir(r):
    return os.path.join(r.env["XDG_DATA_HOME"], "tern", "outbox", "new")


def outbox(r):
    d = outbox_dir(r)
    return sorted(f for f in os.listdir(d) if f.endswith(".tern")) if os.path.isdir(d) else []


def account(r, k, **keys):
    r.lines = []
    keys.setdefault("from", "Alice Example <alice@example.com>")
    keys.setdefault("smtp", "smtp://127.0.0.1:%d" % k.ports["submission"])
    r.account("main", imap="imaps", **keys)


def main(t):
    with Kit() as k:
        r = TernRun(k, "retry")
        # refused for good: no credentials, 530
        account(r, k, user=None, password=False)
        for subject in ("Refused one", "Refused two"):
            rc, out, err = r.run("-s", subject, "bob@example.com", input=b"x\n")
            t.ok(rc == 77 and "kept in the outbox as " + outbox_dir(r) in err, "%s: 77, the file named" % subject, err)
        kept = outbox(r)
        t.is_(len(kept), 2, "both stay in the outbox")
        with open(os.path.join(outbox_dir(r), kept[0])) as f:
            text = f.read()
        t.ok("Tern-State: failed" in text and "Tern-Reason: the server requires authentication" in text
             and "Subject: Refused one" in text and "\nx\n" in text.replace("\r\n", "\n"),
             "the failed copy is readable: state, reason and the whole message", text[:600])

        account(r, k)   # fixed
        for attempt in range(2):
            rc, out, err = r.run("--flush-outbox")
            t.ok(rc == 0 and "0 sent, 2 still in the outbox (2 refused earlier, not sent again: "
                 "tern --flush-outbox --retry-failed)" in out, "flush %d leaves refused messages alone" % attempt,
                 out + err)
        time.sleep(0.5)
        t.is_(k.messages("bob", subject="Refused"), [], "nothing was sent behind the user's back")

        rc, out, err = r.run("--flush-outbox", kept[1])
        t.ok(rc == 0 and "1 sent, 0 still in the outbox" in out, "naming an entry sends that one", out + err)
        t.ok(len(k.wait_messages("bob", "Refused two")) == 1 and not k.messages("bob", subject="Refused one"),
             "only that one")
        rc, out, err = r.run("--flush-outbox", "no-such-entry.tern")
        t.ok(rc == 66 and "no such message in the outbox" in err, "an unknown entry: 66", out + err)
        rc, out, err = r.run("--flush-outbox", "--retry-failed")
        t.ok(rc == 0 and "1 sent, 0 still in the outbox" in out, "--retry-failed sends the rest", out + err)
        time.sleep(0.5)
        t.is_([len(k.messages("bob", subject=s)) for s in ("Refused one", "Refused two")], [1, 1],
              "each delivered exactly once")
        t.is_(outbox(r), [], "the outbox is empty")
        rc, out, err = r.run("--retry-failed")
        t.ok(rc == 64 and "--retry-failed goes with --flush-outbox" in err, "--retry-failed alone: usage", err)

        # queued: the last reason is kept
        k.smtp_stop()
        rc, out, err = r.run("-s", "While down", "bob@example.com", input=b"x\n")
        t.is_(rc, 75, "server down: 75")
        rc, out, err = r.run("--outbox", "--json")
        rows = json.loads(out) if rc == 0 else []
        t.ok(len(rows) == 1 and rows[0]["state"] == "queued" and "Connection refused" in (rows[0]["reason"] or ""),
             "a queued entry keeps its last reason", out + err)
        rc, out, err = r.run("--flush-outbox")
        t.ok(rc == 75 and "0 sent, 1 still in the outbox" in out, "a flush while down: 75, still queued", out + err)
        k.smtp_start()
        rc, out, err = r.run("--flush-outbox")
        t.ok(rc == 0 and "1 sent, 0 still in the outbox" in out, "and sent once the server is back", out + err)

        # a flush that only stores the Sent copy says so
        account(r, k, folder_sent="Sent Later")
        rc, out, err = r.run("-s", "Copy later", "bob@example.com", input=b"x\n")
        t.ok(rc == 0 and "Sent copy is pending" in err, "delivered, the copy pending", err)
        c = k.imap()
        c.create('"Sent Later"')
        c.logout()
        rc, out, err = r.run("--flush-outbox")
        t.ok(rc == 0 and out.strip() == "outbox: 0 sent, 1 Sent copy stored (delivered earlier), 0 still in the outbox",
             "the flush says it stored a copy, not that it sent", out + err)
        t.is_(len(k.messages("bob", subject="Copy later")), 1, "delivered once")


if __name__ == "__main__":
    run(main)
