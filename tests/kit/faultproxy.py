"""A TCP proxy on 127.0.0.1 that breaks a connection on purpose, for
fault-injection tests (issue 9, part 2).

    with FaultProxy(k.host, k.ports["submission"]) as p:
        p.arm(after=120, direction="down", mode="reset")  # next connection only
        ... run tern against 127.0.0.1:p.port ...
        p.log      # [(direction, bytes)] of the last connection, as forwarded

After `after` bytes have gone through in `direction` ("up": client to
server, "down": server to client), the proxy forwards nothing more and:
  "close"  closes both sides (FIN), as a server or network that goes away
  "reset"  resets the client's side (RST), as a crashed peer or a firewall
  "stall"  keeps both sides open and silent, as a dead link (the client's
           timeout must end it); release() ends every stall.
  "pause"  holds that direction until release(), then forwards what was
           held and goes on, as a slow server (to act while a client
           waits for one reply).
With marker=b"UID STORE", the count starts at the start of the line in
which the client first sends that marker (both directions count from
there), so a fault can be aimed
at one command of a long session whatever came before it.
A connection made while nothing is armed passes through untouched, so the
next run of the client shows whether it recovers. Every connection's
bytes are kept in `log` (the last connection) for choosing fault points.
"""

import socket
import struct
import threading


class FaultProxy:
    def __init__(self, host, port):
        self.target = (host, port)
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.fault = None
        self.fired = False
        self.log = []
        self.marked = None  # (up, down) bytes of the last connection when its marker was sent
        self.connections = 0
        self.stop_event = threading.Event()
        self.release_event = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def arm(self, after, direction="down", mode="close", marker=None):
        """Breaks the next connection after `after` bytes in direction
        (counted from the client's first `marker` when given)."""
        assert direction in ("up", "down") and mode in ("close", "reset", "stall", "pause")
        with self.lock:
            self.fault = (after, direction, mode, marker)
            self.fired = False
        self.release_event.clear()

    def disarm(self):
        with self.lock:
            self.fault = None

    def release(self):
        """Ends every stalled connection (closes it)."""
        self.release_event.set()

    def close(self):
        self.stop_event.set()
        self.release_event.set()
        try:
            self.listener.close()
        except OSError:
            pass

    def total(self, direction):
        """Bytes forwarded in direction on the last connection."""
        return sum(len(b) for d, b in self.log if d == direction)

    def stream(self, direction):
        return b"".join(b for d, b in self.log if d == direction)

    # ---- internals
    def _accept(self):
        while not self.stop_event.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.target, timeout=10)
                server.settimeout(None)
            except OSError:
                client.close()
                continue
            with self.lock:
                fault, self.fault = self.fault, None  # one connection only
                self.connections += 1
                self.log = []
                self.marked = None
            conn = _Connection(self, client, server, fault)
            conn.start()


class _Connection:
    def __init__(self, proxy, client, server, fault):
        self.proxy = proxy
        self.client, self.server = client, server
        self.fault = fault
        self.counts = {"up": 0, "down": 0}
        self.marker = fault[3] if fault else None
        self.seen = b""  # the client's bytes so far, while looking for the marker
        self.broken = threading.Event()
        self.lock = threading.Lock()

    def start(self):
        for direction, src, dst in (("up", self.client, self.server), ("down", self.server, self.client)):
            threading.Thread(target=self._pump, args=(direction, src, dst), daemon=True).start()

    def _pump(self, direction, src, dst):
        try:
            while not self.broken.is_set():
                data = src.recv(65536)
                if not data:
                    break
                held = None
                with self.lock:
                    if self.broken.is_set():
                        break
                    if self.marker and direction == "up":
                        found = (self.seen + data).find(self.marker)
                        if found >= 0:  # the count starts at its line, in both directions
                            found = (self.seen + data).rfind(b"\n", 0, found) + 1
                            at = max(found - len(self.seen), 0)
                            before, data = data[:at], data[at:]
                            if before:
                                dst.sendall(before)
                                self.proxy.log.append((direction, before))
                            self.marker = None
                            self.counts = {"up": 0, "down": 0}
                            self.proxy.marked = (self.proxy.total("up"), self.proxy.total("down"))
                        else:
                            self.seen = (self.seen + data)[-4096:]
                    if self.fault and self.fault[1] == direction and not self.marker:
                        room = self.fault[0] - self.counts[direction]
                        if room <= len(data):
                            part = data[:max(room, 0)]
                            if part:
                                dst.sendall(part)
                                self.proxy.log.append((direction, part))
                            self.counts[direction] += len(part)
                            if self.fault[2] != "pause":
                                self._break()
                                return
                            self.fault, self.proxy.fired = None, True
                            held = data[len(part):]
                    if held is None:
                        dst.sendall(data)
                        self.proxy.log.append((direction, data))
                        self.counts[direction] += len(data)
                if held is not None:  # outside the lock: the other direction goes on
                    self.proxy.release_event.wait(120)
                    dst.sendall(held)
                    self.proxy.log.append((direction, held))
            # a clean end on one side: pass it on
            if not self.broken.is_set():
                try:
                    dst.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
        except OSError:
            pass

    def _break(self):
        self.broken.set()
        self.proxy.fired = True
        mode = self.fault[2]
        if mode == "stall":
            threading.Thread(target=self._stall_then_close, daemon=True).start()
            return
        if mode == "reset":  # a zero linger makes close() send RST
            self.client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        _shut([(self.server, socket.SHUT_RDWR),
               (self.client, socket.SHUT_RD if mode == "reset" else socket.SHUT_RDWR)])

    def _stall_then_close(self):
        self.proxy.release_event.wait(120)
        _shut([(self.client, socket.SHUT_RDWR), (self.server, socket.SHUT_RDWR)])


def _shut(pairs):
    """shutdown() then close() each (socket, how): shutdown wakes a pump
    blocked in recv() on it, which close() alone would not."""
    for s, how in pairs:
        try:
            s.shutdown(how)
        except OSError:
            pass
        try:
            s.close()
        except OSError:
            pass
