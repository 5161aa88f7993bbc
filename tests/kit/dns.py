"""A small DNS server on 127.0.0.1 for tern's discovery tests (UDP only,
Python stdlib only). It answers A, AAAA, MX and SRV questions from a
table; a name not in the table is NXDOMAIN, a known name without records
of the asked type is an empty NOERROR answer; a name mapped to "silent"
gets no answer at all (to test timeouts).

    with DnsServer({
        "_imaps._tcp.example.test": [("SRV", 0, 1, 993, "localhost")],
        "example.test": [("MX", 10, "aspmx.l.google.com")],
        "mail.example.test": [("A", "127.0.0.1")],
        "slow.test": "silent",
    }) as dns:
        env["TERN_RESOLVER"] = dns.address      # "127.0.0.1:PORT"
        ...
        dns.queries                             # [("example.test", "MX"), ...]
"""

import socket
import struct
import threading

TYPES = {"A": 1, "MX": 15, "AAAA": 28, "SRV": 33}
TYPE_NAMES = {v: k for k, v in TYPES.items()}


def _name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode("ascii")
    return out + b"\0"


def _rdata(record):
    kind = record[0]
    if kind == "A":
        return socket.inet_pton(socket.AF_INET, record[1])
    if kind == "AAAA":
        return socket.inet_pton(socket.AF_INET6, record[1])
    if kind == "MX":
        return struct.pack("!H", record[1]) + _name(record[2])
    if kind == "SRV":
        target = record[4]
        return struct.pack("!HHH", record[1], record[2], record[3]) + (b"\0" if target == "." else _name(target))
    raise ValueError("unknown record type %r" % (kind,))


class DnsServer:
    def __init__(self, records):
        self.records = {k.lower().rstrip("."): v for k, v in records.items()}
        self.queries = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.address = "127.0.0.1:%d" % self.port
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _answer(self, packet):
        if len(packet) < 12:
            return None
        ident, flags, qdcount = struct.unpack("!HHH", packet[:6])
        pos, labels = 12, []
        while pos < len(packet) and packet[pos] != 0:
            n = packet[pos]
            labels.append(packet[pos + 1:pos + 1 + n].decode("ascii", "replace"))
            pos += 1 + n
        pos += 1
        if qdcount != 1 or pos + 4 > len(packet):
            return None
        qtype, qclass = struct.unpack("!HH", packet[pos:pos + 4])
        question = packet[12:pos + 4]
        name = ".".join(labels).lower()
        self.queries.append((name, TYPE_NAMES.get(qtype, str(qtype))))
        entry = self.records.get(name)
        if entry == "silent":
            return None
        rd = flags & 0x0100
        if entry is None:
            head = struct.pack("!HHHHHH", ident, 0x8400 | rd | 3, 1, 0, 0, 0)
            return head + question
        answers = [r for r in entry if TYPES[r[0]] == qtype]
        body = b""
        for record in answers:
            rdata = _rdata(record)
            body += b"\xc0\x0c" + struct.pack("!HHIH", qtype, 1, 60, len(rdata)) + rdata
        head = struct.pack("!HHHHHH", ident, 0x8400 | rd, 1, len(answers), 0, 0)
        return head + question + body

    def _serve(self):
        self.sock.settimeout(0.2)
        while not self._stop:
            try:
                packet, peer = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            reply = self._answer(packet)
            if reply is not None:
                self.sock.sendto(reply, peer)

    def stop(self):
        self._stop = True
        self._thread.join(2)
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
