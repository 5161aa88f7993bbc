#!/usr/bin/python3
"""Issue 15.2: headless modes always end. Scripted servers on 127.0.0.1
(fake-*: no real server is this slow on purpose) trickle a reply one
byte at a time, quicker than the per-read timeout, so only the deadline
of the whole reply can end it: an IMAP greeting (tern --check), a POP3
message in RETR (tern --fetch: nothing half-written to the Maildir, the
message stays on the server) and the SMTP reply after the message's final
dot (tern -s: the message stays in the outbox, never reported sent). Each
ends within a bound derived from `timeout` (here 2 s: 2 x timeout plus
what the bytes earned at 1 KB/s) with one line naming the account, the
server and the cause. A bulk reply that keeps moving (a 3 MB RETR in
8 s) is not cut."""

import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit, HOST           # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun            # noqa: E402

TIMEOUT = 2        # the account's timeout
STEP = 0.5         # a byte every STEP seconds: under the per-read timeout
BOUND = 30         # far over 2 x TIMEOUT, far under for ever


class Fake:
    """A scripted server for any number of connections: script(conn, rfile)."""

    def __init__(self, script):
        self.script = script
        self.stop = threading.Event()
        self.sock = socket.socket()
        self.sock.bind((HOST, 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn):
        try:
            self.script(self, conn, conn.makefile("rb"))
        except OSError:
            pass
        finally:
            conn.close()

    def close(self):
        self.stop.set()
        self.sock.close()


def trickle(fake, conn, text):
    """text one byte every STEP seconds, then for ever, until the client goes."""
    for i in range(100000):
        if fake.stop.is_set():
            return
        conn.sendall(text[i:i + 1] if i < len(text) else b"x")
        time.sleep(STEP)


def timed(r, *args, stdin=b""):
    start = time.time()
    rc, out, err = r.run(*args, timeout=BOUND + 30, input=stdin)
    return rc, out, err, time.time() - start


def one_line(err, account, port, words):
    lines = [line for line in err.splitlines() if line.startswith("tern:") and "warning" not in line]
    return len(lines) == 1 and ("account %s" % account) in lines[0] and str(port) in lines[0] and words in lines[0]


def pop_script(retr):
    def script(fake, conn, f):
        conn.sendall(b"+OK fake POP3\r\n")
        for line in f:
            word = line.split(b" ")[0].strip().upper()
            if word == b"CAPA":
                conn.sendall(b"+OK\r\nUSER\r\nUIDL\r\nTOP\r\n.\r\n")
            elif word == b"STAT":
                conn.sendall(b"+OK 1 100\r\n")
            elif word == b"LIST":
                conn.sendall(b"+OK\r\n1 100\r\n.\r\n")
            elif word == b"UIDL":
                conn.sendall(b"+OK\r\n1 uid-one\r\n.\r\n")
            elif word == b"RETR":
                retr(fake, conn)
            elif word == b"DELE":
                fake.deleted = True
                conn.sendall(b"+OK\r\n")
            elif word == b"QUIT":
                conn.sendall(b"+OK bye\r\n")
                return
            else:
                conn.sendall(b"+OK\r\n")
    return script


def main(t):
    with Kit(users={}) as k:
        # IMAP: a greeting that never ends, a byte every half second
        fake = Fake(lambda fk, conn, f: trickle(fk, conn, b"* OK IMAP4rev1 "))
        r = TernRun(k, "fake-imap-trickle")
        r.account("acct", imap="imap", port=fake.port, tls="off", tls_ca_file=None, password="pw", timeout=TIMEOUT)
        rc, out, err, secs = timed(r, "--check")
        fake.close()
        t.ok(secs < BOUND, "fake-imap-trickle: --check ends (%.1f s)" % secs)
        t.ok(rc == 69 and one_line(err, "acct", fake.port, "too slow"),
             "fake-imap-trickle: exit 69, one line naming account, server and cause", err)

        # POP3: the message trickles in RETR
        fake = Fake(pop_script(lambda fk, conn: trickle(fk, conn, b"+OK\r\nSubject: slow\r\n\r\n")))
        fake.deleted = False
        r = TernRun(k, "fake-pop3-trickle")
        r.account("acct", pop3="pop3", pop3_port=fake.port, tls="off", tls_ca_file=None, password="pw",
                  timeout=TIMEOUT)
        rc, out, err, secs = timed(r, "--fetch")
        fake.close()
        t.ok(secs < BOUND, "fake-pop3-trickle: --fetch ends (%.1f s)" % secs)
        t.ok(rc == 69 and one_line(err, "acct", fake.port, "too slow"),
             "fake-pop3-trickle: exit 69, one line naming account, server and cause", err)
        md = os.path.join(r.home, "data", "tern", "acct")
        present = [n for sub in ("new", "cur", "tmp") if os.path.isdir(os.path.join(md, sub))
                   for n in os.listdir(os.path.join(md, sub))]
        t.is_(present, [], "fake-pop3-trickle: nothing half-written in the Maildir")
        t.ok(not fake.deleted, "fake-pop3-trickle: the message was not deleted on the server")

        # POP3: a big message that keeps coming is not cut
        big = b"".join(b"line %07d of a big message that keeps coming\r\n" % i for i in range(65000))

        def steady(fk, conn):
            conn.sendall(b"+OK\r\nSubject: big\r\n\r\n")
            for i in range(0, len(big), len(big) // 40):   # about 3 MB in 8 s, 40 pieces
                conn.sendall(big[i:i + len(big) // 40])
                time.sleep(0.2)
            conn.sendall(b".\r\n")
        fake = Fake(pop_script(steady))
        fake.deleted = False
        r = TernRun(k, "fake-pop3-steady")
        r.account("acct", pop3="pop3", pop3_port=fake.port, tls="off", tls_ca_file=None, password="pw",
                  timeout=TIMEOUT)
        rc, out, err, secs = timed(r, "--fetch")
        fake.close()
        t.ok(rc == 0, "fake-pop3-steady: a %d KB message over %.1f s (past 2 x timeout) arrives" %
             (len(big) // 1024, secs), err)

        # SMTP: the reply after the final dot trickles
        def smtp(fk, conn, f):
            conn.sendall(b"220 fake ESMTP\r\n")
            data = False
            for line in f:
                if data:
                    if line == b".\r\n":
                        trickle(fk, conn, b"250 queued as ")
                        return
                    continue
                word = line[:4].upper()
                if word in (b"EHLO", b"HELO"):
                    conn.sendall(b"250-fake\r\n250 8BITMIME\r\n")
                elif word == b"DATA":
                    conn.sendall(b"354 go\r\n")
                    data = True
                elif word == b"QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                else:
                    conn.sendall(b"250 ok\r\n")
        fake = Fake(smtp)
        r = TernRun(k, "fake-smtp-trickle")
        r.account("acct", user=None, password=False, smtp="smtp://127.0.0.1:%d" % fake.port, tls="off",
                  tls_ca_file=None, timeout=TIMEOUT, **{"from": "alice@example.com"})
        rc, out, err, secs = timed(r, "-s", "trickle", "bob@example.com", stdin=b"hello\n")
        fake.close()
        t.ok(secs < BOUND, "fake-smtp-trickle: -s ends (%.1f s)" % secs)
        first = [line for line in err.splitlines() if line.startswith("tern:")][:1] or [""]
        t.ok(rc == 75 and "account acct" in first[0] and str(fake.port) in first[0] and "too slow" in first[0]
             and "outbox" in first[0], "fake-smtp-trickle: exit 75 (queued), naming account, server, cause, outbox", err)
        box = os.path.join(r.home, "data", "tern", "outbox", "new")
        t.is_(len([n for n in os.listdir(box) if n.endswith(".tern")]) if os.path.isdir(box) else 0, 1,
              "fake-smtp-trickle: the message waits in the outbox")
        rc, out, err = r.run("--outbox")
        t.ok(out.startswith("queued"), "fake-smtp-trickle: queued (not failed, not reported sent)", out)


run(main)
