#!/usr/bin/python3
"""Hostile sizes from scripted servers on 127.0.0.1 (fake-*: no real
server sends these): a 4 GB literal in a FETCH BODY[] and in a LIST
reply; an endless line (no CRLF, megabytes) from an IMAP, a POP3 and an
SMTP server; a million untagged responses before a tagged reply. Each
run either works or ends in one line naming the account, the server and
the cause, and tern's peak memory (ru_maxrss of the child) stays far
below what the server announced or sent."""

import os
import socket
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit, HOST           # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun            # noqa: E402

# Far above tern's own needs, far below the gigabytes a naive client
# would take; sanitizer builds included.
RSS_LIMIT_MB = 400
ENDLESS = 48 << 20        # bytes of one line without CRLF
MILLION = 1000000
TIMES = []                # what each run took, for the diagnostics


class Fake:
    """A scripted server on 127.0.0.1 for one or more connections:
    script(conn, rfile) plays one session."""

    def __init__(self, script):
        self.script = script
        self.sock = socket.socket()
        self.sock.bind((HOST, 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.settimeout(20)
            try:
                self.script(conn, conn.makefile("rb"))
            except OSError:
                pass
            finally:
                conn.close()

    def close(self):
        self.sock.close()


def endless(conn, prefix):
    """prefix, then ENDLESS bytes and never a line end."""
    conn.sendall(prefix)
    chunk = b"x" * 65536
    for _ in range(ENDLESS // len(chunk)):
        conn.sendall(chunk)


def imap_script(on_command, greeting=b"* OK IMAP4rev1 ready\r\n"):
    """An IMAP session answering CAPABILITY, LOGIN and SELECT plainly and
    anything else with on_command(conn, tag, cmd) (None: OK)."""
    def script(conn, f):
        if greeting is None:
            return on_command(conn, None, b"GREETING")
        conn.sendall(greeting)
        for line in f:
            tag, _, rest = line.partition(b" ")
            cmd = rest.split(b" ")[0].strip().upper()
            if cmd == b"UID":
                cmd = rest.split(b" ")[1].strip().upper()
            if on_command(conn, tag, cmd):
                continue
            if cmd == b"CAPABILITY":
                conn.sendall(b"* CAPABILITY IMAP4rev1\r\n" + tag + b" OK done\r\n")
            elif cmd == b"SELECT" or cmd == b"EXAMINE":
                conn.sendall(b"* 1 EXISTS\r\n* OK [UIDVALIDITY 1] x\r\n* OK [UIDNEXT 2] x\r\n" +
                             tag + b" OK [READ-WRITE] done\r\n")
            elif cmd == b"LOGOUT":
                conn.sendall(b"* BYE bye\r\n" + tag + b" OK done\r\n")
                return
            else:
                conn.sendall(tag + b" OK done\r\n")
    return script


def run_tern(r, *args, stdin=b""):
    """(rc, out, err, peak RSS MB) of tern without a header cache."""
    rc, out, err, secs, rss = r.run_measured(*args, env={"TERN_NO_CACHE": "1"}, input=stdin)
    TIMES.append("%s: %.2f s, %.0f MB" % (os.path.basename(r.home), secs, rss))
    return rc, out, err, rss


def one_line_error(err, account, port, words):
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith("warning:")]
    return (len(lines) == 1 and ("account %s" % account) in lines[0] and str(port) in lines[0]
            and words in lines[0])


def imap_case(t, k, name, on_command, args=("-H",), words="", greeting=b"* OK IMAP4rev1 ready\r\n",
              works=False):
    fake = Fake(imap_script(on_command, greeting))
    r = TernRun(k, name)
    r.account("acct", imap="imap", port=fake.port, tls="off", tls_ca_file=None, password="pw")
    rc, out, err, rss = run_tern(r, *args)
    fake.close()
    if works is None:   # either is fine, but nothing in between
        t.ok(rc == 0 or one_line_error(err, "acct", fake.port, words),
             "%s: works, or refused in one line naming account, server and cause" % name, err[:2000])
    elif works:
        t.ok(rc == 0, "%s: works (%s)" % (name, err.strip()[:200]), err)
    else:
        t.ok(rc != 0 and one_line_error(err, "acct", fake.port, words),
             "%s: refused in one line naming account, server and cause" % name, err[:2000])
    t.ok(rss < RSS_LIMIT_MB, "%s: peak memory %.0f MB (< %d MB)" % (name, rss, RSS_LIMIT_MB))
    return rc, out, err, rss


def main(t):
    with Kit(users={}) as k:
        # (a) 4 GB literals: a body, an answer to LIST.
        def body_literal(conn, tag, cmd):
            if cmd == b"FETCH":
                conn.sendall(b"* 1 FETCH (UID 1 FLAGS () RFC822.SIZE 4294967296 "
                             b"BODY[HEADER.FIELDS (DATE FROM)] {4294967296}\r\n" + b"y" * 1000000)
                return True
            return False
        imap_case(t, k, "fake-literal-4g-fetch", body_literal, words="announced a literal of 4294967296 bytes")

        def list_literal(conn, tag, cmd):
            if cmd in (b"LIST", b"LSUB"):
                conn.sendall(b'* LIST () "/" {4294967296}\r\n' + b"z" * 1000000)
                return True
            return False
        imap_case(t, k, "fake-literal-4g-list", list_literal, args=("--check",),
                  words="announced a literal of 4294967296 bytes")

        # (b) endless lines: in the greeting, and in a tagged reply.
        def endless_greeting(conn, tag, cmd):
            endless(conn, b"* OK ")
            return True
        imap_case(t, k, "fake-imap-endless-greeting", endless_greeting, greeting=None,
                  words="line longer than")

        def endless_select(conn, tag, cmd):
            if cmd == b"SELECT":
                endless(conn, b"* OK [ALERT] ")
                return True
            return False
        imap_case(t, k, "fake-imap-endless-line", endless_select, words="line longer than")

        # (c) a million untagged responses before the tagged reply.
        def million_exists(conn, tag, cmd):
            if cmd == b"SELECT":
                conn.sendall(b"* 1 EXISTS\r\n" * MILLION + b"* OK [UIDVALIDITY 1] x\r\n" +
                             tag + b" OK [READ-WRITE] done\r\n")
                return True
            return False
        imap_case(t, k, "fake-imap-million-exists", million_exists, words="over 100000 untagged responses")

        def million_ok(conn, tag, cmd):
            if cmd == b"LOGIN":
                conn.sendall(b"* OK still thinking\r\n" * MILLION + tag + b" OK logged in\r\n")
                return True
            return False
        imap_case(t, k, "fake-imap-million-ok", million_ok, words="over 100000 untagged responses")

        # POP3: endless greeting, endless UIDL line.
        def pop_script(where):
            def script(conn, f):
                if where == "greeting":
                    return endless(conn, b"+OK ")
                conn.sendall(b"+OK ready\r\n")
                for line in f:
                    word = line.split(b" ")[0].strip().upper()
                    if word == b"CAPA":
                        conn.sendall(b"+OK\r\nUSER\r\nUIDL\r\nTOP\r\n.\r\n")
                    elif word == b"UIDL" and where == "uidl":
                        endless(conn, b"+OK\r\n1 ")
                        return
                    elif word == b"STAT":
                        conn.sendall(b"+OK 1 100\r\n")
                    elif word == b"LIST":
                        conn.sendall(b"+OK\r\n1 100\r\n.\r\n")
                    elif word == b"QUIT":
                        conn.sendall(b"+OK bye\r\n")
                        return
                    else:
                        conn.sendall(b"+OK\r\n")
            return script
        for where in ("greeting", "uidl"):
            name = "fake-pop3-endless-" + where
            fake = Fake(pop_script(where))
            r = TernRun(k, name)
            r.account("acct", pop3="pop3", pop3_port=fake.port, tls="off", tls_ca_file=None, password="pw")
            rc, out, err, rss = run_tern(r, "--fetch")
            fake.close()
            t.ok(rc != 0 and one_line_error(err, "acct", fake.port, "longer than"),
                 "%s: refused in one line naming account, server and cause" % name, err[:2000])
            t.ok(rss < RSS_LIMIT_MB, "%s: peak memory %.0f MB (< %d MB)" % (name, rss, RSS_LIMIT_MB))
            t.ok(not os.listdir(os.path.join(r.home, "data", "tern", "acct", "new"))
                 if os.path.isdir(os.path.join(r.home, "data", "tern", "acct", "new")) else True,
                 "%s: nothing half-downloaded in the Maildir" % name)

        # SMTP: endless EHLO reply; the message stays in the outbox.
        def smtp_script(conn, f):
            conn.sendall(b"220 fake ESMTP\r\n")
            f.readline()
            endless(conn, b"250-fake ")
        fake = Fake(smtp_script)
        r = TernRun(k, "fake-smtp-endless")
        r.account("acct", user="alice", password="pw", smtp="smtp://127.0.0.1:%d" % fake.port, tls="off",
                  tls_ca_file=None, **{"from": "alice@example.com"})
        rc, out, err, rss = run_tern(r, "-s", "endless", "bob@example.com", stdin=b"hello\n")
        fake.close()
        first = [line for line in err.splitlines() if line.startswith("tern:")][:1] or [""]
        first = first[0]
        t.ok(rc != 0 and "account acct" in first and str(fake.port) in first and "longer than" in first,
             "fake-smtp-endless: refused naming account, server and cause", err[:2000])
        t.ok(rss < RSS_LIMIT_MB, "fake-smtp-endless: peak memory %.0f MB (< %d MB)" % (rss, RSS_LIMIT_MB))
        box = os.path.join(r.home, "data", "tern", "outbox", "new")
        t.is_(len([n for n in os.listdir(box) if n.endswith(".tern")]), 1,
              "fake-smtp-endless: the message waits in the outbox")
        for line in TIMES:
            t.diag(line)


run(main)
