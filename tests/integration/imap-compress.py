#!/usr/bin/python3
"""COMPRESS=DEFLATE (RFC 4978, issue 22): on every IMAP server of the
kit's matrix (Dovecot with imap_zlib, Cyrus), tern compresses by
default, lists exactly what it lists uncompressed, receives a fraction
of the bytes, says so with -v, and `compress off` turns it off. Scripted
servers (fake-*: no real one does these on purpose) check what a real
one rarely does: its first compressed bytes in the same packet as its OK,
a refusal, a corrupt deflate stream and an ended one (each a clean
one-line error naming the account, the server and the cause)."""

import os
import re
import shutil
import socket
import sys
import threading
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit, HOST, matrix   # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun            # noqa: E402

N = 400


def received(err):
    """(bytes received, bytes after inflating) from tern -v's last line."""
    m = re.search(r"IMAP (\d+) bytes received(?: \((\d+) inflated\))?", err)
    return (int(m.group(1)), int(m.group(2) or m.group(1))) if m else (None, None)


def real_servers(t):
    for row in matrix("imap"):
        with Kit(**row) as k:
            t.prefix = k.name + ": "
            k.generate("alice", N)
            on, off = TernRun(k, "on"), TernRun(k, "off")
            on.account("a", imap="imaps")
            off.account("a", imap="imaps", compress="off")
            off.run("-H")  # takes \Recent, which only one session sees
            off.run("-H")
            rc, listed, err = on.run("-v", "-H")
            shutil.rmtree(off.cache)
            rc2, listed_off, err_off = off.run("-v", "-H")
            t.ok(rc == 0 and listed.count("\n") == N, "compressed: a cold -H lists all %d messages" % N, err)
            t.ok("COMPRESS=DEFLATE" in err and "not compressed" in err_off,
                 "-v says the session is compressed, and not with compress off", err + err_off)
            t.ok(rc2 == 0 and listed == listed_off, "the same listing with compress off", err_off)
            wire, plain = received(err)
            wire_off, _ = received(err_off)
            t.ok(wire and wire_off and wire * 3 < wire_off and plain > wire * 3,
                 "a fraction of the bytes on the wire (%s compressed, inflating to %s; %s uncompressed)"
                 % (wire, plain, wire_off), err + err_off)
            k.generate("alice", 5, seed=9)  # new mail: the warm sync fetches it compressed
            rc, warm, err = on.run("-v", "-H")
            t.ok(rc == 0 and warm.count("\n") == N + 5 and "COMPRESS=DEFLATE" in err,
                 "a warm sync with new mail, compressed", err)
            rc, out, err = on.run("--test-account", "--no-send")
            t.ok("\u2713 compression: on (COMPRESS=DEFLATE)" in out, "--test-account: compression on", out + err)
            rc, out, err = off.run("--test-account", "--no-send")
            t.ok("\u2713 compression: off: compress off in the mailrc" in out, "--test-account: compress off", out)
    t.prefix = ""


# ---- scripted servers

HEADER = (b"From: Ana <ana@example.org>\r\nSubject: hello %d\r\n"
          b"Date: Tue, 1 Jul 2025 10:52:37 +0200\r\nMessage-ID: <m%d@example.org>\r\n\r\n")


class FakeCompress:
    """An IMAP server offering COMPRESS=DEFLATE whose answer to it is
    mode: "ok" (its OK and the first compressed reply in one write),
    "no", "corrupt" (a deflate block of the reserved type after the OK)
    or "end" (the stream ended, BFINAL, after the OK)."""

    def __init__(self, mode):
        self.mode = mode
        self.compressed = False
        self.sock = socket.socket()
        self.sock.bind((HOST, 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def close(self):
        self.sock.close()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.settimeout(20)
            try:
                self._session(conn)
            except (OSError, zlib.error):
                pass
            finally:
                conn.close()

    def _session(self, conn):
        inflate = deflate = None
        pending = b""

        def send(data, flush=True):
            if deflate:
                data = deflate.compress(data) + (deflate.flush(zlib.Z_SYNC_FLUSH) if flush else b"")
            conn.sendall(data)

        def lines():
            nonlocal pending
            while True:
                while b"\r\n" in pending:
                    line, pending = pending.split(b"\r\n", 1)
                    yield line
                data = conn.recv(65536)
                if not data:
                    return
                pending += inflate.decompress(data) if inflate else data

        send(b"* OK [CAPABILITY IMAP4rev1 LITERAL+] fake ready\r\n")
        for line in lines():
            tag, _, rest = line.partition(b" ")
            cmd = rest.split(b" ")[0].upper()
            if cmd == b"CAPABILITY":
                send(b"* CAPABILITY IMAP4rev1 LITERAL+ COMPRESS=DEFLATE\r\n%s OK done\r\n" % tag)
            elif cmd == b"LOGIN":
                send(b"%s OK logged in\r\n" % tag)
            elif cmd == b"COMPRESS":
                if self.mode == "no":
                    send(b"%s NO not today\r\n" % tag)
                    continue
                deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
                inflate = zlib.decompressobj(-15)
                self.compressed = True
                if self.mode == "corrupt":
                    conn.sendall(b"%s OK go\r\n" % tag + b"\x06\x00\x00\xff\xff")
                elif self.mode == "end":
                    conn.sendall(b"%s OK go\r\n" % tag + deflate.flush(zlib.Z_FINISH))
                else:  # the OK and the first compressed bytes in one write
                    first = deflate.compress(b"* OK [ALERT] compressed from the start\r\n")
                    conn.sendall(b"%s OK go\r\n" % tag + first + deflate.flush(zlib.Z_SYNC_FLUSH))
            elif cmd == b"SELECT":
                send(b"* FLAGS (\\Seen)\r\n* 3 EXISTS\r\n* OK [UIDVALIDITY 5] x\r\n* OK [UIDNEXT 4] x\r\n"
                     b"%s OK [READ-WRITE] selected\r\n" % tag)
            elif cmd == b"FETCH":
                out = b""
                for seq in (3, 2, 1):
                    h = HEADER % (seq, seq)
                    out += (b"* %d FETCH (UID %d FLAGS (\\Seen) INTERNALDATE \"01-Jul-2025 10:52:37 +0200\" "
                            b"RFC822.SIZE 100 BODY[HEADER.FIELDS (DATE FROM)] {%d}\r\n" % (seq, seq, len(h))
                            + h + b")\r\n")
                send(out + b"%s OK fetched\r\n" % tag)
            elif cmd == b"LOGOUT":
                send(b"* BYE bye\r\n%s OK out\r\n" % tag)
                return
            else:
                send(b"%s OK fine\r\n" % tag)


def fakes(t):
    with Kit() as k:  # only for the CA file and a private HOME
        for mode, ok, what in (("ok", True, "fake-compress-ok-with-data: its first compressed bytes in the OK's "
                                "packet are inflated, the listing is right"),
                               ("no", True, "fake-compress-refused: a NO to COMPRESS, and the session goes on "
                                "uncompressed"),
                               ("corrupt", False, "fake-compress-corrupt: a corrupt deflate stream is a one-line "
                                "error naming the account, server and cause"),
                               ("end", False, "fake-compress-ended: a deflate stream the server ends is a "
                                "one-line error")):
            fake = FakeCompress(mode)
            r = TernRun(k, "fake-" + mode, env={"TERN_NO_CACHE": "1"})
            r.account("acct", imap="imap", port=fake.port, tls="off", tls_ca_file=None, timeout=5)
            rc, out, err = r.run("-v", "-H")
            fake.close()
            lines = [l for l in err.splitlines() if not l.startswith("tern: account acct, imap://")
                     and "bytes received" not in l and "warning" not in l]
            if ok:
                good = rc == 0 and out.count("hello") == 3 and ("compressed from the start" in err) == (mode == "ok")
            else:
                cause = "corrupt" if mode == "corrupt" else "ended its compressed stream"
                good = (rc != 0 and len(lines) == 1 and "account acct" in lines[0]
                        and "imap://127.0.0.1:%d" % fake.port in lines[0] and cause in lines[0])
            t.ok(good, what, "exit %d\nstdout: %s\nstderr: %s" % (rc, out, err))


def main(t):
    real_servers(t)
    fakes(t)


run(main)
