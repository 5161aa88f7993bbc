#!/usr/bin/python3
"""e2e: commands tern runs inherit none of its descriptors (issue 15.4).
The header cache, its .wal, sockets and locks stay tern's: the password
command of a headless -H, and in the reader the editor, a pipe (|) and a
mailcap viewer each list /proc/$$/fd and see only 0, 1 and 2."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit                 # noqa: E402
from screen import Screen           # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun, TERN      # noqa: E402

# The command tern runs becomes (exec) a small program that lists its own
# descriptors: a shell in between opens some of its own (dash saves a
# redirected stdout on 10; a pipeline's pipes are open while it starts).
LISTER = """import os, sys
fds = []
for n in os.listdir("/proc/self/fd"):
    try:
        target = os.readlink("/proc/self/fd/" + n)
    except OSError:
        continue
    if not (target.startswith("/proc/") and target.endswith("/fd")):  # not the listing's own
        fds.append(int(n))
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(" ".join(str(n) for n in sorted(fds)))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
"""


def listing(path, seconds=10):
    import time
    end = time.time() + seconds
    while time.time() < end:
        if os.path.exists(path):
            return open(path).read().strip()
        time.sleep(0.05)
    return None


def main(t):
    with Kit() as k:
        c = k.imap("alice")
        c.append("INBOX", None, None, b"From: bob@example.org\r\nSubject: descriptors\r\n"
                 b"Date: Mon, 1 Jan 2035 00:00:01 +0000\r\nMIME-Version: 1.0\r\n"
                 b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
                 b"body text\r\n--b\r\nContent-Type: application/x-fd\r\n\r\nbytes\r\n--b--\r\n")
        c.logout()
        r = TernRun(k, "fds")
        out = os.path.join(r.home, "out")
        os.makedirs(out)
        lister = os.path.join(r.home, "lister.py")
        with open(lister, "w") as fp:
            fp.write(LISTER)
        LIST = "exec /usr/bin/python3 %s %%s" % lister
        f = {name: os.path.join(out, name) for name in ("password", "editor", "pipe", "mailcap")}
        r.global_("editor", LIST % f["editor"])
        r.account("acct", imap="imaps", password=False,
                  password_command="/usr/bin/python3 %s %s; echo secret" % (lister, f["password"]),
                  smtp="smtp://127.0.0.1:%d" % k.ports["submission"], **{"from": "alice@example.org"})
        r.write()
        with open(os.path.join(r.home, ".mailcap"), "w") as fp:
            fp.write("application/x-fd; %s\n" % (LIST % f["mailcap"]))

        rc, stdout, err = r.run("-H")
        t.ok(rc == 0 and "descriptors" in stdout, "-H with a password command works", err)
        t.is_(listing(f["password"]), "0 1 2", "the password command of -H sees only 0, 1, 2")
        if os.path.exists(f["password"]):
            os.unlink(f["password"])

        env = {key: r.env[key] for key in ("HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "LC_ALL", "TZ")}
        with Screen([TERN, "-F", r.mailrc], env=env, width=100, height=30) as s:
            s.wait_for("synced")
            t.is_(listing(f["password"]), "0 1 2", "the password command of the reader sees only 0, 1, 2")
            s.send("Enter")
            s.wait_for("body text")
            s.send("|")
            s.wait_for("Pipe to command:")
            s.type(LIST % f["pipe"])
            s.send("Enter")
            s.wait_for("Press Enter")
            s.send("Enter")
            t.is_(listing(f["pipe"]), "0 1 2", "a pipe command sees only 0, 1, 2")
            s.send("v")
            s.wait_for("attachments (")
            s.send("j", "j", "Enter")
            t.is_(listing(f["mailcap"]), "0 1 2", "a mailcap viewer sees only 0, 1, 2")
            s.wait_for("Press Enter")
            s.send("Enter", "q", "q")
            s.wait_for("synced")
            s.send("m")
            t.is_(listing(f["editor"]), "0 1 2", "the editor sees only 0, 1, 2")
            s.wait_for("compose")


run(main)
