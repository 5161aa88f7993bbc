#!/usr/bin/python3
"""tern --outbox [--json] against the kit: a message the server refused
(550 for an unknown user) is listed as failed with the server's reason, a
message queued while the SMTP server is down as queued, a delivered one
whose Sent copy is pending as awaiting its copy; hostile bytes in a
reason or subject never reach the output raw; an empty outbox is an empty
list. The claim: an entry another tern holds (its lock taken) is left
alone by --flush-outbox, and sent exactly once when released."""

import fcntl
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit                 # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun            # noqa: E402


def new_dir(r):
    return os.path.join(r.env["XDG_DATA_HOME"], "tern", "outbox", "new")


def entries(r):
    d = new_dir(r)
    return sorted(f for f in os.listdir(d) if f.endswith(".tern")) if os.path.isdir(d) else []


def main(t):
    with Kit() as k:
        r = TernRun(k, "outbox")
        r.account("main", imap="imaps", smtp="smtp://127.0.0.1:%d" % k.ports["submission"],
                  **{"from": "Alice <alice@example.com>"})

        rc, out, err = r.run("--outbox")
        t.ok(rc == 0 and out == "", "an empty outbox: exit 0, nothing listed", out + err)
        rc, out, err = r.run("--outbox", "--json")
        t.ok(rc == 0 and json.loads(out) == [], "an empty outbox in JSON is []", out + err)

        rc, out, err = r.run("-s", "Refused one", "nobody@example.com", input=b"to nobody\n")
        t.ok(rc != 0 and "nobody@example.com" in err, "550 for an unknown user: refused (%d)" % rc, err)
        k.smtp_stop()
        rc, out, err = r.run("-s", "Queued one", "bob@example.com", input=b"waits\n")
        t.is_(rc, 75, "SMTP down: queued (%s)" % err.strip())

        rc, out, err = r.run("--outbox")
        lines = out.splitlines()
        t.ok(rc == 0 and len(lines) == 2, "--outbox lists both, exit 0", out + err)
        f = lines[0].split("\t") if lines else []
        t.ok(len(f) == 6 and f[0] == "failed" and f[1] == "main" and f[3] == "nobody@example.com"
             and f[4] == "Refused one", "the refused one: failed, account, To, Subject", f)
        t.ok(len(f) == 6 and "550" in f[5] and "no such user here" in f[5], "with the server's reason", f)
        f = lines[1].split("\t") if len(lines) > 1 else []
        t.ok(len(f) == 6 and f[0] == "queued" and f[3] == "bob@example.com" and f[4] == "Queued one",
             "the other: queued", f)
        t.ok(len(f) == 6 and time.strptime(f[2], "%Y-%m-%d %H:%M"), "with its date", f)

        rc, out, err = r.run("--outbox", "--json")
        rows = json.loads(out) if rc == 0 else []
        t.is_([(x["state"], x["editable"], x["account"], x["to"], x["subject"]) for x in rows],
              [("failed", True, "main", "nobody@example.com", "Refused one"),
               ("queued", True, "main", "bob@example.com", "Queued one")], "--json: the same rows")
        t.ok(rows and "no such user here" in rows[0]["reason"] and rows[0]["date"] > 0 and rows[0]["file"].endswith(".tern"),
             "--json: reason, date (epoch seconds) and file", rows)

        # A delivered message with its Sent copy pending, and hostile bytes.
        with open(os.path.join(new_dir(r), "9999999999.000000001.1.000000000000.tern"), "wb") as fp:
            fp.write(b"Tern-Account: main\nTern-From: alice@example.com\nTern-To: bob@example.com\n"
                     b"Tern-State: sent\nTern-Reason: delivered, but \x1b]0;owned\x07 the copy \x1b[31mis pending\n\n"
                     b"To: bob@example.com\r\nSubject: =?UTF-8?Q?evil=1B[2J_subject?=\r\n"
                     b"Date: Mon, 1 Jan 2035 12:00:00 +0000\r\n\r\nbody\r\n")
        rc, out, err = r.run("--outbox")
        lines = out.splitlines()
        t.ok(len(lines) == 3 and lines[2].startswith("awaiting Sent copy\tmain\t"), "a delivered one awaits its Sent copy",
             out)
        t.ok("\x1b" not in out and "\x07" not in out and "evil" in out and "is pending" in out,
             "escape bytes in a reason or subject are sanitized", repr(out))
        rc, out, err = r.run("--outbox", "--json")
        rows = json.loads(out) if rc == 0 else []
        t.ok(len(rows) == 3 and rows[2]["editable"] is False and "\x1b" not in out, "--json: not editable, sanitized",
             out)
        os.unlink(os.path.join(new_dir(r), "9999999999.000000001.1.000000000000.tern"))

        rc, out, err = r.run("--outbox", "--all")
        t.is_(rc, 64, "--outbox --all is a usage error")

        # The claim: another tern holds the queued entry; a flush leaves it.
        k.smtp_start()
        queued = os.path.join(new_dir(r), entries(r)[1])
        lock = open(queued + ".lock", "w")
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        rc, out, err = r.run("--flush-outbox")
        t.ok("being sent or edited elsewhere" in err and os.path.exists(queued), "a claimed entry is left alone", err)
        t.is_(len(k.messages("bob", subject="Queued one")), 0, "and not sent")
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()
        rc, out, err = r.run("--flush-outbox")
        t.ok(not os.path.exists(queued), "released: --flush-outbox sends it", out + err)
        time.sleep(0.5)
        t.is_(len(k.messages("bob", subject="Queued one")), 1, "delivered exactly once")
        t.ok(not [f for f in os.listdir(new_dir(r)) if f.endswith(".lock")], "no lock file is left behind",
             os.listdir(new_dir(r)))
        rc, out, err = r.run("--outbox")
        t.ok(rc == 0 and len(out.splitlines()) == 1 and out.startswith("failed"), "only the refused one is left", out)


run(main)
