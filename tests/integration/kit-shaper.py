#!/usr/bin/python3
"""The kit's link shaper (tests/kit/shaper.py), which the slow-link
benchmarks rely on: a request and its answer take at least a round trip
(2 x the one-way delay), a bulk transfer takes at least its size over the
bandwidth, bytes and round trips are counted, and what goes through
arrives intact and in order."""

import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from shaper import Shaper           # noqa: E402
from tap import run                 # noqa: E402

PAYLOAD = bytes((i * 7 + 3) % 256 for i in range(1 << 20))


def echo_server():
    """A server that answers each line with the same line, and 'BULK'
    with PAYLOAD."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(4)

    def serve():
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            f = conn.makefile("rb")
            for line in f:
                conn.sendall(PAYLOAD if line == b"BULK\n" else line)
            conn.close()
    threading.Thread(target=serve, daemon=True).start()
    return sock


def main(t):
    server = echo_server()
    port = server.getsockname()[1]
    with Shaper("127.0.0.1", port, delay_ms=50, mbit=8) as link:
        c = socket.create_connection(("127.0.0.1", link.port))
        f = c.makefile("rb")
        c.sendall(b"hello\n")         # the connection is through: its own count is done
        f.readline()
        link.reset_counts()
        start = time.monotonic()
        for i in range(3):
            c.sendall(b"ping %d\n" % i)
            t.is_(f.readline(), b"ping %d\n" % i, "echo %d comes back intact" % i)
        took = time.monotonic() - start
        t.ok(0.3 <= took < 1.5, "three round trips at 50 ms each way take %.2f s (>= 0.3 s)" % took)
        t.is_(link.turns, 2, "the client waited twice after the first answer (turns counted)")
        start = time.monotonic()
        c.sendall(b"BULK\n")
        got = b""
        while len(got) < len(PAYLOAD):
            chunk = f.read1(65536)
            if not chunk:
                break
            got += chunk
        took = time.monotonic() - start
        t.ok(got == PAYLOAD, "1 MB arrives intact and in order")
        t.ok(took >= 1.0, "1 MB at 8 Mbit/s takes %.2f s (>= 1.05 s of serialisation)" % took)
        t.ok(link.bytes_down == len(PAYLOAD) + 3 * 7 and link.bytes_up == 3 * 7 + 5,
             "bytes counted each way (%d down, %d up)" % (link.bytes_down, link.bytes_up))
        c.close()
    server.close()


run(main)
