#!/usr/bin/python3
"""IMAP odds and ends: secrets never reach a file tern writes, folder names
in modified UTF-7 shown as UTF-8, a folder that does not exist, a hostile
server announcing a 4 GB literal (fake-huge-literal: a scripted server on
127.0.0.1, since Dovecot never does that), and a FETCH answered with data
and then a tagged NO (fake-fetch-no: legal, and what a server says when
another client expunged meanwhile; libetpan frees its fetch list on that
NO and tern freed it again, a crash: issue 16), and an [ALERT] (RFC 3501
7.1: it MUST be shown; Cyrus sends its motd file as one after login) on
stderr, sanitized."""

import imaplib
import os
import socket
import ssl
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit, HOST, matrix   # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun            # noqa: E402

PASSWORD = "Pw-that-must-never-be-on-disk-7731"


def main(t):
    with Kit(users={"alice": PASSWORD}) as k:
        k.generate("alice", 50)
        ctx = ssl.create_default_context(cafile=k.ca_file)
        c = imaplib.IMAP4_SSL(k.host, k.ports["imaps"], ssl_context=ctx, timeout=10)
        c.login("alice", PASSWORD)
        c.create("Entw&APw-rfe")         # Entwürfe
        c.subscribe("Entw&APw-rfe")
        c.append("Entw&APw-rfe", None, None, b"Subject: draft one\r\n\r\nx\r\n")
        c.logout()

        r = TernRun(k, "misc")
        r.account("acct", imap="imaps")
        rc, out, err = r.run("-H")
        t.is_(rc, 0, "-H exits 0")
        rc, out, err = r.run("--check")
        t.ok("Entwürfe" in out, "--check shows the modified UTF-7 name as UTF-8", out)
        rc, out, err = r.run("-H", "-f", "Entwürfe")
        t.ok(rc == 0 and "draft one" in out, "-f with the UTF-8 name opens the folder", out + err)
        rc, out, err = r.run("-H", "-f", "No Such Folder")
        t.ok(rc == 69 and "SELECT No Such Folder refused by the server:" in err and "account acct" in err,
             "a missing folder: exit 69 with the server's words", err)

        leaked = []
        for root, _, files in os.walk(r.home):
            for name in files:
                path = os.path.join(root, name)
                if path == r.mailrc:
                    continue
                with open(path, "rb") as f:
                    if PASSWORD.encode() in f.read():
                        leaked.append(path)
        t.ok(not leaked, "the password is in no file tern wrote", leaked)
        t.ok(PASSWORD not in out + err, "the password is in no output")

    # fake-huge-literal: logs in, then answers SELECT's FETCH with a 4 GB literal.
    sock = socket.socket()
    sock.bind((HOST, 0))
    sock.listen(1)

    def serve():
        conn, _ = sock.accept()
        conn.settimeout(10)
        f = conn.makefile("rb")
        conn.sendall(b"* OK IMAP4rev1 ready\r\n")
        try:
            for line in f:
                tag, _, rest = line.partition(b" ")
                cmd = rest.split(b" ")[0].strip().upper()
                if cmd == b"CAPABILITY":
                    conn.sendall(b"* CAPABILITY IMAP4rev1\r\n" + tag + b" OK done\r\n")
                elif cmd == b"LOGIN":
                    conn.sendall(tag + b" OK logged in\r\n")
                elif cmd == b"SELECT":
                    conn.sendall(b"* 1 EXISTS\r\n* OK [UIDVALIDITY 1] x\r\n" + tag + b" OK [READ-WRITE] done\r\n")
                elif cmd == b"FETCH":
                    conn.sendall(b"* 1 FETCH (UID 1 BODY[HEADER.FIELDS (SUBJECT)] {4294967296}\r\nSubject: x")
                else:
                    conn.sendall(tag + b" OK done\r\n")
        except OSError:
            pass
        conn.close()
    threading.Thread(target=serve, daemon=True).start()
    with Kit() as k:
        r = TernRun(k, "huge")
        r.account("acct", imap="imap", port=sock.getsockname()[1], tls="off", tls_ca_file=None)
        rc, out, err = r.run("-H", env={"TERN_NO_CACHE": "1"})
    sock.close()
    t.ok(rc != 0 and "announced a literal of 4294967296 bytes" in err,
         "fake-huge-literal: refused with a clear error, no 4 GB allocation", err)

    # fake-fetch-no: the first header FETCH gets one message's data and
    # "NO No matching messages"; after a fresh SELECT the second gets both.
    sock = socket.socket()
    sock.bind((HOST, 0))
    sock.listen(2)
    fetches = []

    def message(n):
        header = b"Subject: fetched %d\r\n\r\n" % n
        return (b"* %d FETCH (UID %d FLAGS (\\Seen) INTERNALDATE \"01-Jan-2024 10:00:00 +0000\" "
                b"RFC822.SIZE 100 BODY[HEADER.FIELDS (SUBJECT)] {%d}\r\n%s)\r\n" % (n, n, len(header), header))

    def serve_fetch_no():
        conn, _ = sock.accept()
        conn.settimeout(10)
        f = conn.makefile("rb")
        conn.sendall(b"* OK IMAP4rev1 ready\r\n")
        try:
            for line in f:
                tag, _, rest = line.partition(b" ")
                cmd = rest.split(b" ")[0].strip().upper()
                if cmd == b"CAPABILITY":
                    conn.sendall(b"* CAPABILITY IMAP4rev1 UIDPLUS\r\n" + tag + b" OK done\r\n")
                elif cmd == b"SELECT":
                    conn.sendall(b"* 2 EXISTS\r\n* OK [UIDVALIDITY 5] x\r\n* OK [UIDNEXT 3] x\r\n"
                                 + tag + b" OK [READ-WRITE] done\r\n")
                elif cmd == b"FETCH" and b"HEADER.FIELDS" in rest:
                    fetches.append(rest)
                    if len(fetches) == 1:
                        conn.sendall(message(1) + tag + b" NO No matching messages\r\n")
                    else:
                        conn.sendall(message(1) + message(2) + tag + b" OK done\r\n")
                elif cmd == b"LOGOUT":
                    conn.sendall(b"* BYE bye\r\n" + tag + b" OK done\r\n")
                    break
                else:
                    conn.sendall(tag + b" OK done\r\n")
        except OSError:
            pass
        conn.close()
    threading.Thread(target=serve_fetch_no, daemon=True).start()
    with Kit() as k:
        r = TernRun(k, "fetchno")
        r.account("acct", imap="imap", port=sock.getsockname()[1], tls="off", tls_ca_file=None)
        rc, out, err = r.run("-H", env={"TERN_NO_CACHE": "1"})
    sock.close()
    t.ok(rc == 0 and "fetched 1" in out and "fetched 2" in out and len(fetches) == 2,
         "fake-fetch-no: FETCH data then a tagged NO: tern syncs again and lists both messages",
         "exit %d, %d FETCHes: %s%s" % (rc, len(fetches), out, err[-3000:]))

    # [ALERT] from a real server: Cyrus's motd, with an escape and a BEL
    if {"imap_server": "cyrus"} in matrix("imap"):
        with Kit(imap_server="cyrus") as k:
            motd = os.path.join(k.cyrus_dir, "conf", "msg")
            os.makedirs(motd, exist_ok=True)
            with open(os.path.join(motd, "motd"), "w") as f:
                f.write("Maintenance tonight \x1b[31mat 22:00\x07\n")
            r = TernRun(k, "alert")
            r.account("acct", imap="imaps")
            rc, out, err = r.run("-H")
            t.ok(rc == 0 and "account acct: server alert: Maintenance tonight ^[[31mat 22:00^G" in err
                 and "\x1b" not in err and "\x07" not in err,
                 "cyrus: [ALERT] at login: on stderr once, sanitized", err)
            t.is_(err.count("server alert"), 1, "cyrus: the alert is shown once")


run(main)
