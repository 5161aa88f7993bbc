"""A TCP proxy on 127.0.0.1 that makes loopback look like a real link: a
one-way delay and a bandwidth limit in each direction, in userspace (no
tc, no namespaces), for benchmarks of slow links (issue 22).

    with Shaper(k.host, k.ports["imaps"], delay_ms=40, mbit=20) as link:
        ... point the client at 127.0.0.1:link.port ...
        link.bytes_down, link.bytes_up, link.turns

Each chunk read from one side is released to the other once it has
crossed the link: it leaves when the previous one has left plus its size
over the bandwidth (serialisation), and arrives delay_ms later. Both
directions are independent, as on a real full-duplex link. `turns` counts
the request/response round trips the client waited for: each time data
flows client to server after the server last spoke (and vice versa)
after a quiet moment, which is what a client that pipelines avoids.
"""

import heapq
import socket
import threading
import time


class _Direction:
    """One direction of one connection: a queue of (due, bytes) released
    by a sender thread."""

    def __init__(self, link, src, dst, name):
        self.link, self.src, self.dst, self.name = link, src, dst, name
        self.queue = []
        self.cv = threading.Condition()
        self.free_at = 0.0      # when the link is free to serialise the next chunk
        self.closed = False
        self.seq = 0

    def reader(self):
        try:
            while True:
                data = self.src.recv(65536)
                if not data:
                    break
                now = time.monotonic()
                self.link.note(self.name, len(data), now)
                start = max(now, self.free_at)
                self.free_at = start + len(data) * 8 / self.link.bits_per_s
                due = self.free_at + self.link.delay
                with self.cv:
                    heapq.heappush(self.queue, (due, self.seq, data))
                    self.seq += 1
                    self.cv.notify()
        except OSError:
            pass
        with self.cv:
            self.closed = True
            self.cv.notify()

    def sender(self):
        try:
            while True:
                with self.cv:
                    while not self.queue and not self.closed:
                        self.cv.wait()
                    if not self.queue:
                        break
                    due, _, data = self.queue[0]
                    wait = due - time.monotonic()
                    if wait > 0:
                        self.cv.wait(wait)
                        continue
                    heapq.heappop(self.queue)
                self.dst.sendall(data)
            self.dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


class Shaper:
    def __init__(self, host, port, delay_ms=40, mbit=20.0):
        self.target = (host, port)
        self.delay = delay_ms / 1000.0
        self.bits_per_s = mbit * 1e6
        self.lock = threading.Lock()
        self.bytes_up = self.bytes_down = 0
        self.turns = 0
        self._last = None        # direction of the last chunk
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.conns = []
        threading.Thread(target=self._accept, daemon=True).start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def reset_counts(self):
        with self.lock:
            self.bytes_up = self.bytes_down = self.turns = 0
            self._last = None

    def note(self, direction, n, now):
        with self.lock:
            if direction == "up":
                self.bytes_up += n
            else:
                self.bytes_down += n
            # a client waiting for the server's answer, then speaking again
            if direction == "up" and self._last == "down":
                self.turns += 1
            self._last = direction

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._start, args=(client,), daemon=True).start()

    def _start(self, client):
        # the TCP handshake takes one round trip before the server is reached
        with self.lock:
            self.turns += 1
        time.sleep(2 * self.delay)
        try:
            server = socket.create_connection(self.target)
        except OSError:
            client.close()
            return
        for s in (client, server):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.conns.append((client, server))
        for d in (_Direction(self, client, server, "up"), _Direction(self, server, client, "down")):
            threading.Thread(target=d.reader, daemon=True).start()
            threading.Thread(target=d.sender, daemon=True).start()

    def close(self):
        self.listener.close()
        for pair in self.conns:
            for s in pair:
                try:
                    s.close()
                except OSError:
                    pass
