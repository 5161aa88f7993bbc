#!/usr/bin/python3
"""Secrets never leave tern: after an IMAP sync, a send with -v (and one queued in
the outbox while the server is down), a POP3 fetch, an XOAUTH2 login and
failed logins with a wrong password and a wrong token, neither the
password nor the token (nor the base64 of an AUTH PLAIN or XOAUTH2 blob
that carries them) appears in any file under tern's HOME, XDG directories
and working directory (the mailrc that holds the password excepted), nor
in anything tern printed. And tern runs with core dumps off (RLIMIT_CORE
0), checked in /proc on a tern waiting for a silent server."""

import base64
import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit                 # noqa: E402
from tap import run                 # noqa: E402
from tern import TERN, TernRun      # noqa: E402

PASSWORD = "Sekr1t-pw-7c9e2b4f"
WRONG_PASSWORD = "Wr0ng-pw-51d0a8e3"
TOKEN = "tok-Oa2-5f1d8e3a9c"
WRONG_TOKEN = "tok-bad-0e7c44b1d2"


def needles():
    """The secrets as they could leak: plain, and inside the base64 of the
    SASL blobs sent for them."""
    found = {}
    for secret in (PASSWORD, WRONG_PASSWORD, TOKEN, WRONG_TOKEN):
        found[secret] = secret.encode()
    for user in ("alice",):
        for secret in (PASSWORD, WRONG_PASSWORD):
            blob = base64.b64encode(b"\0" + user.encode() + b"\0" + secret.encode())
            found["AUTH PLAIN blob of " + secret] = blob
        for token in (TOKEN, WRONG_TOKEN):
            blob = base64.b64encode(b"user=" + user.encode() + b"\x01auth=Bearer " + token.encode() + b"\x01\x01")
            found["XOAUTH2 blob of " + token] = blob
    return found


def scan(roots, skip):
    """[(path, what)] for every file under roots holding a secret."""
    hits, files = [], 0
    for root in roots:
        for dirpath, _, names in os.walk(root):
            for name in names:
                path = os.path.join(dirpath, name)
                if path in skip or os.path.islink(path) or not os.path.isfile(path):
                    continue
                files += 1
                with open(path, "rb") as f:
                    data = f.read()
                for what, needle in needles().items():
                    if needle in data:
                        hits.append((path, what))
    return hits, files


def main(t):
    users = {"alice": PASSWORD, "bob": "hunter2"}
    with Kit(users=users, oauth2_tokens={TOKEN: "alice"}) as k:
        k.generate("alice", 5)
        r = TernRun(k, "secrets")
        work = os.path.join(r.home, "cwd")
        os.makedirs(work)
        smtp = "smtp://127.0.0.1:%d" % k.ports["submission"]
        r.account("mail", imap="imaps", smtp=smtp, **{"from": "Alice <alice@example.com>"})
        r.account("pop", pop3="pop3s", pop3_keep="no")
        r.account("oauth", imap="imaps", password=False, oauth2_token_command="echo " + TOKEN)
        r.account("badpw", imap="imap", password=WRONG_PASSWORD)
        r.account("badtok", imap="imaps", password=False, oauth2_token_command="echo " + WRONG_TOKEN)
        r.account("badsmtp", imap="imaps", password=WRONG_PASSWORD,
                  smtp="smtp://127.0.0.1:%d" % k.ports["submission"], **{"from": "Alice <alice@example.com>"})
        printed = []

        def tern(*args, input=None, want=None, name=""):
            proc = subprocess.run([TERN, "-F", r.mailrc] + list(args), env=r.env, cwd=work,
                                  capture_output=True, timeout=120, input=input)
            printed.append((name, proc.stdout + proc.stderr))
            if want is not None:
                t.ok(proc.returncode == want, "%s: exit %d" % (name, want),
                     "exit %d: %s" % (proc.returncode, (proc.stdout + proc.stderr).decode("utf-8", "replace")))
            return proc

        tern("-A", "mail", "-H", want=0, name="IMAP sync")
        tern("-A", "mail", "-v", "-s", "hello", "bob@example.com", input=b"hi\n", want=0,
             name="send, verbose (-v: the SMTP dialogue on stderr)")
        k.smtp_stop()
        tern("-A", "mail", "-s", "queued", "bob@example.com", input=b"later\n", want=75,
             name="send while the server is down (queued in the outbox)")
        k.smtp_start()
        tern("-A", "pop", "--fetch", want=0, name="POP3 fetch with delete")
        tern("-A", "oauth", "-H", want=0, name="XOAUTH2 sync")
        tern("-A", "badpw", "-H", want=77, name="IMAP login with a wrong password (STARTTLS)")
        tern("-A", "badtok", "-H", want=77, name="XOAUTH2 with a refused token")
        tern("-A", "badsmtp", "-v", "-s", "refused", "bob@example.com", input=b"x\n", name="SMTP AUTH refused, verbose")
        outbox_files = [os.path.join(d, f) for d, _, fs in os.walk(r.home) for f in fs if "outbox" in d]
        t.ok(outbox_files, "the outbox holds the queued message (so it is scanned too)", outbox_files)

        hits, _ = scan([r.home], skip=set())
        t.ok((r.mailrc, PASSWORD) in hits, "the scan finds the password where it is written (the mailrc)", hits)
        hits, files = scan([r.home, work], skip={r.mailrc})
        t.ok(files >= 5, "tern wrote files to scan (%d)" % files)
        t.is_(hits, [], "no password, token or SASL blob in any file tern wrote (cache, outbox, Maildir, state, logs)")
        leaked = [(name, what) for name, out in printed for what, needle in needles().items() if needle in out]
        t.is_(leaked, [], "no password, token or SASL blob in anything tern printed")
        t.ok(any(b"alice" in out for name, out in printed if "wrong password" in name),
             "the failed login's message names the user (it is not silent)",
             [out for name, out in printed if "wrong password" in name])

        # Core dumps: a tern waiting for a server that never greets.
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        r.account("silent", imap="imaps", port=silent.getsockname()[1])
        proc = subprocess.Popen([TERN, "-F", r.mailrc, "-A", "silent", "-H"], env=r.env, cwd=work,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        limit = None
        for _ in range(50):
            time.sleep(0.1)
            try:
                with open("/proc/%d/limits" % proc.pid) as f:
                    for line in f:
                        if line.startswith("Max core file size"):
                            limit = line.split()[4:6]
                with open("/proc/%d/status" % proc.pid) as f:
                    status = f.read()
            except OSError:
                break
            if limit == ["0", "0"]:
                break
        proc.kill()
        proc.wait()
        silent.close()
        t.is_(limit, ["0", "0"], "tern runs with RLIMIT_CORE 0 (soft and hard): no core dump can hold a secret")


run(main)
