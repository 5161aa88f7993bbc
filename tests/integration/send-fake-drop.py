#!/usr/bin/python3
"""fake: the SMTP connection dropped in the middle of DATA while `tern -s`
sends (a scripted fake server, since a real one cannot be made to drop at
that point): tern exits 75, the message stays queued in the outbox, and a
later `tern --flush-outbox` through the kit's real server delivers it
exactly once, with one Sent copy."""

import importlib.util
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "kit"))
from kit import Kit                 # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun            # noqa: E402


def load(name):
    spec = importlib.util.spec_from_file_location(name.replace("-", "_"), os.path.join(HERE, name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fake = load("smtp-fake")            # FakeSMTP (its tests run only as __main__)
send = load("send")                 # find, outbox


def main(t):
    with Kit() as k:
        r = TernRun(k, "drop")
        f = fake.FakeSMTP(data_mode="drop-mid")
        # SMTP only for now: tls off (the fake speaks plain text) cannot go with imaps://
        r.account("main", smtp="smtp://127.0.0.1:%d" % f.port, tls="off",
                  **{"from": "Alice Example <alice@example.com>"})
        # megabytes, so the drop comes while tern is still writing
        body = "".join("line %06d of a text long enough to fill the socket buffers\n" % i
                       for i in range(60000)).encode()
        rc, out, err = r.run("-s", "Dropped mid-DATA", "bob@example.com", input=body)
        f.wait()
        t.ok(len(f.data) > 1000 and b"\r\n.\r\n" not in f.data, "fake-drop-mid: the server had part of the message",
             len(f.data))
        t.is_(rc, 75, "fake-drop-mid: tern -s exits 75 (temporary)")
        lines = [line for line in err.splitlines() if line.startswith("tern:")]
        t.ok(len(lines) == 1 and "account main, server smtp://" in lines[0] and "queued in the outbox" in lines[0],
             "one line names the account and server and says it is queued", err)
        queued = send.outbox(r)
        t.is_(len(queued), 1, "the message stays in the outbox")
        if queued:
            with open(os.path.join(r.env["XDG_DATA_HOME"], "tern", "outbox", "new", queued[0])) as fp:
                head = fp.read(2000)
            t.ok("Tern-State: queued" in head and "Subject: Dropped mid-DATA" in head, "queued, whole", head[:400])
        else:
            t.ok(False, "queued, whole")

        # The account fixed to the real server: delivered once.
        r.lines = []
        r.account("main", imap="imaps", smtp="smtp://127.0.0.1:%d" % k.ports["submission"],
                  **{"from": "Alice Example <alice@example.com>"})
        rc, out, err = r.run("--flush-outbox")
        t.ok(rc == 0 and "1 sent, 0 still in the outbox" in out, "--flush-outbox delivers it", out + err)
        rc, out, err = r.run("--flush-outbox")
        t.ok(rc == 0 and send.outbox(r) == [], "a second flush finds nothing", out + err)
        time.sleep(0.5)
        got = k.messages("bob", subject="Dropped mid-DATA")
        t.is_(len(got), 1, "delivered exactly once")
        text = got[0].get_content() if got else ""
        t.ok(text.replace("\r\n", "\n") == body.decode(), "the text arrives whole", (len(text), len(body)))
        t.is_(len(k.messages(folder="Sent", subject="Dropped mid-DATA")), 1, "one Sent copy")


run(main)
