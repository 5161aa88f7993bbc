#!/usr/bin/python3
"""POP3 when things go wrong. The kit's Dovecot killed in the middle of
a large RETR: nothing deleted on the server, nothing half-written in new/,
and the next fetch completes. Tests named fake-* talk to a scripted POP3
server on 127.0.0.1 for what a real Dovecot will not do: a connection cut
in a RETR, no UIDL (with and without TOP), malformed UIDL and LIST
replies, response codes, a refused QUIT, APOP, STLS injection, silence."""

import base64
import hashlib
import os
import re
import socket
import ssl
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit, HOST, MAIL_UID, MAIL_GID       # noqa: E402
from tap import run                                   # noqa: E402
from tern import TernRun                              # noqa: E402

COUNTS = re.compile(r"^(\S+): (\d+) new, (\d+) stayed on the server, (\d+) removed from the server$", re.M)


def counts(out):
    m = COUNTS.search(out)
    return tuple(int(x) for x in m.groups()[1:]) if m else None


def local(t, sub="new", account="acct"):
    """Sorted bytes of the files in the account's Maildir sub/."""
    d = os.path.join(t.home, "data", "tern", account, sub)
    if not os.path.isdir(d):
        return []
    return sorted(open(os.path.join(d, n), "rb").read() for n in os.listdir(d))


def message(i, extra=b""):
    return (b"From: Sender %d <s%d@example.org>\nTo: alice@example.org\nSubject: fake message %d\n"
            b"Message-ID: <fake-%d@example.org>\n%s\nLine one of %d.\n.starts with a dot\n..two dots\n"
            b"\nlast line\n" % (i, i, i, i, extra, i))


class FakePop:
    """A scripted POP3 server on 127.0.0.1, one session at a time, until
    stop(). Implicit TLS with the kit's valid certificate unless plain.
    messages: list of bytes (LF ends); what a session DELEtes is gone only
    after its QUIT. Knobs are attributes, read at each command:
      uidl       "ok", "err" (UIDL -ERR) or a list of raw reply lines
      list_lines None or a list of raw LIST reply lines
      top, capa  TOP works; the CAPA lines (None: CAPA -ERR)
      cut_retr   message number whose RETR stops halfway and closes
      quit_err   QUIT answers -ERR (and deletes nothing)
      pass_reply the PASS reply when not +OK
      apop       greet with this APOP timestamp and check APOP digests
      apop_refuse APOP answers a plain -ERR (no response code); "auth":
                 -ERR [AUTH] Bad login
    Everything the client sent is in .received (lines)."""

    def __init__(self, kit, messages, plain=False, password="secret"):
        self.messages = list(messages)
        self.password = password
        self.uidls = ["fake-uid-%03d" % (i + 1) for i in range(len(messages))]
        self.uidl = "ok"
        self.list_lines = None
        self.top = True
        self.capa = ["USER", "UIDL", "TOP", "RESP-CODES"]
        self.cut_retr = None
        self.quit_err = False
        self.pass_reply = None
        self.apop = None
        self.apop_refuse = False
        self.received = []
        self.sessions = 0
        self.ctx = None
        if not plain:
            self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.ctx.load_cert_chain(*kit.certs["valid"])
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((HOST, 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.stopped = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def stop(self):
        self.stopped = True
        try:
            socket.create_connection((HOST, self.port), timeout=1).close()
        except OSError:
            pass
        self.thread.join(5)
        self.sock.close()

    def _serve(self):
        while not self.stopped:
            conn, _ = self.sock.accept()
            if self.stopped:
                conn.close()
                return
            try:
                conn.settimeout(10)
                if self.ctx:
                    conn = self.ctx.wrap_socket(conn, server_side=True)
                self.sessions += 1
                self._session(conn)
            except (OSError, ssl.SSLError):
                pass
            finally:
                conn.close()

    @staticmethod
    def wire(data, header_only=False):
        if header_only:
            data = data.split(b"\n\n", 1)[0] + b"\n\n"
        lines = data.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        return b"".join((b"." + line if line.startswith(b".") else line) + b"\r\n" for line in lines)

    def _session(self, conn):
        f = conn.makefile("rb")
        send = conn.sendall
        if self.apop:
            send(b"+OK fake POP3 ready %s\r\n" % self.apop.encode())
        else:
            send(b"+OK fake POP3 ready\r\n")
        live = list(range(len(self.messages)))       # indexes into self.messages, by number - 1
        deleted = set()
        while True:
            line = f.readline()
            if not line:
                return
            self.received.append(line)
            word, _, arg = line.strip().partition(b" ")
            word = word.upper()
            if word == b"CAPA":
                if self.capa is None:
                    send(b"-ERR unknown command\r\n")
                else:
                    send(b"+OK\r\n" + b"".join(c.encode() + b"\r\n" for c in self.capa) + b".\r\n")
            elif word == b"USER":
                send(b"+OK\r\n")
            elif word == b"PASS":
                if self.pass_reply:
                    send(self.pass_reply.encode() + b"\r\n")
                else:
                    send(b"+OK logged in\r\n" if arg.decode() == self.password else
                         b"-ERR [AUTH] fake says no\r\n")
            elif word == b"AUTH" and arg.upper() == b"PLAIN":
                send(b"+ \r\n")
                answer = f.readline()
                self.received.append(answer)
                want = b"\0alice\0" + self.password.encode()
                send(b"+OK plain fine\r\n" if base64.b64decode(answer.strip() or b"=") == want else
                     b"-ERR [AUTH] fake says no to PLAIN\r\n")
            elif word == b"APOP":
                user, _, digest = arg.decode().partition(" ")
                want = hashlib.md5((self.apop + self.password).encode()).hexdigest()
                if self.apop_refuse == "auth":
                    send(b"-ERR [AUTH] Bad login\r\n")
                elif self.apop_refuse:
                    send(b"-ERR no APOP secret for this user\r\n")
                else:
                    send(b"+OK apop fine\r\n" if digest == want else b"-ERR [AUTH] bad digest\r\n")
            elif word == b"LIST":
                if self.list_lines is not None:
                    send(b"+OK\r\n" + b"".join(x.encode() + b"\r\n" for x in self.list_lines) + b".\r\n")
                else:
                    send(b"+OK\r\n" + b"".join(b"%d %d\r\n" % (n + 1, len(self.wire(self.messages[i])))
                                               for n, i in enumerate(live)) + b".\r\n")
            elif word == b"UIDL":
                if self.uidl == "err":
                    send(b"-ERR no UIDL here\r\n")
                elif self.uidl == "ok":
                    send(b"+OK\r\n" + b"".join(b"%d %s\r\n" % (n + 1, self.uidls[i].encode())
                                               for n, i in enumerate(live)) + b".\r\n")
                else:
                    send(b"+OK\r\n" + b"".join(x.encode() + b"\r\n" for x in self.uidl) + b".\r\n")
            elif word in (b"RETR", b"TOP"):
                n = int(arg.split()[0])
                if word == b"TOP" and not self.top:
                    send(b"-ERR no TOP\r\n")
                    continue
                data = self.wire(self.messages[live[n - 1]], header_only=word == b"TOP")
                if word == b"RETR" and self.cut_retr == n:
                    send(b"+OK\r\n" + data[:len(data) // 2])
                    conn.shutdown(socket.SHUT_RDWR)
                    return
                send(b"+OK\r\n" + data + b".\r\n")
            elif word == b"DELE":
                deleted.add(live[int(arg) - 1])
                send(b"+OK marked\r\n")
            elif word == b"QUIT":
                if self.quit_err:
                    send(b"-ERR [SYS/TEMP] could not delete\r\n")
                    return
                self.messages = [m for i, m in enumerate(self.messages) if i not in deleted]
                self.uidls = [u for i, u in enumerate(self.uidls) if i not in deleted]
                send(b"+OK bye\r\n")
                return
            else:
                send(b"-ERR unknown command\r\n")


def fake_run(t, k, fake, name, **keys):
    r = TernRun(k, name)
    r.account("acct", pop3="pop3s", port=fake.port, **keys)
    return r


def retr_count(fake):
    return sum(1 for line in fake.received if line.upper().startswith(b"RETR"))


def dele_count(fake):
    return sum(1 for line in fake.received if line.upper().startswith(b"DELE"))


def kill_in_retr(t, k):
    """The kit's Dovecot killed while a 64 MB message is being fetched."""
    k.generate("alice", 5)
    big = (b"From: Big <big@example.org>\nTo: alice@example.org\nSubject: a large one\n"
           b"Message-ID: <big@example.org>\n\n" + (b"x" * 75 + b"\n") * (64 * 1024 * 1024 // 76))
    name = "%d.M1P1Q1.big,S=%d:2," % (time.time() + 1000, len(big))
    path = os.path.join(k.maildir("alice"), "cur", name)
    with open(path, "wb") as f:
        f.write(big)
    os.chown(path, MAIL_UID, MAIL_GID)
    originals = sorted(open(os.path.join(k.maildir("alice"), sub, n), "rb").read()
                       for sub in ("new", "cur") for n in os.listdir(os.path.join(k.maildir("alice"), sub)))

    r = TernRun(k, "kill")
    r.account("acct", pop3="pop3s")                   # keep no: a move
    tmp = os.path.join(r.home, "data", "tern", "acct", "tmp")
    killed = []

    def killer():
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if any(os.path.getsize(os.path.join(tmp, n)) > 4 << 20 for n in os.listdir(tmp)):
                    k.dovecot_kill()
                    killed.append(True)
                    return
            except OSError:
                pass
            time.sleep(0.002)

    thread = threading.Thread(target=killer)
    thread.start()
    rc, out, err = r.run("--fetch")
    thread.join()
    t.ok(killed, "dovecot killed while the large message was in tmp/")
    t.is_(rc, 69, "killed in RETR: exit 69")
    t.ok("RETR: connection lost" in err, "killed in RETR: says so", err)
    t.is_(os.listdir(tmp), [], "killed in RETR: nothing left in tmp/")
    here = local(r)
    t.ok(all(m in originals for m in here) and len(here) < len(originals),
         "killed in RETR: new/ holds only whole messages (%d of %d)" % (len(here), len(originals)))
    k.dovecot_start()
    now = sorted(open(os.path.join(k.maildir("alice"), sub, n), "rb").read()
                 for sub in ("new", "cur") for n in os.listdir(os.path.join(k.maildir("alice"), sub)))
    t.ok(now == originals, "killed in RETR: nothing was deleted on the server")
    rc, out, err = r.run("--fetch")
    t.is_((rc, counts(out)), (0, (len(originals) - len(here), 0, len(originals))),
          "after the restart the fetch completes and removes everything")
    t.ok(local(r) == originals, "every message is here exactly once, byte for byte")


def main(t):
    with Kit() as k:
        kill_in_retr(t, k)

        msgs = [message(i) for i in range(1, 6)]

        # fake-retr-cut: the connection closes halfway through message 3.
        fake = FakePop(k, msgs)
        fake.cut_retr = 3
        r = fake_run(t, k, fake, "cut")
        rc, out, err = r.run("--fetch")
        t.ok(rc == 69 and "RETR: connection lost" in err, "fake-retr-cut: exit 69, says why", err)
        t.ok(local(r) == sorted(msgs[:2]) and local(r, "tmp") == [], "fake-retr-cut: two whole messages, no half")
        t.ok(len(fake.messages) == 5 and dele_count(fake) == 2, "fake-retr-cut: DELEs without QUIT delete nothing")
        fake.cut_retr = None
        fake.received = []
        rc, out, err = r.run("--fetch")
        t.is_((rc, counts(out)), (0, (3, 0, 5)), "fake-retr-cut: the next fetch completes")
        t.ok(local(r) == sorted(msgs) and fake.messages == [], "fake-retr-cut: each message once, server empty")
        t.is_(retr_count(fake), 3, "fake-retr-cut: the two already here are not downloaded again")
        fake.stop()

        # fake-no-uidl: UIDL -ERR, TOP works: header hash, never a DELE.
        fake = FakePop(k, msgs)
        fake.uidl = "err"
        fake.capa = ["USER", "TOP"]
        r = fake_run(t, k, fake, "nouidl")
        rc, out, err = r.run("--fetch")
        t.is_((rc, counts(out)), (0, (5, 5, 0)), "fake-no-uidl: all come, none removed (keep no)")
        t.ok("the server does not offer UIDL" in err and "hash of their headers" in err
             and "none is deleted" in err, "fake-no-uidl: warns", err)
        t.ok(local(r) == sorted(msgs), "fake-no-uidl: byte for byte")
        fake.messages.append(message(6))
        fake.uidls.append("x")
        rc, out, err = r.run("--fetch")
        t.is_((rc, counts(out)), (0, (1, 6, 0)), "fake-no-uidl: the next fetch brings only the new one")
        t.is_(dele_count(fake), 0, "fake-no-uidl: no DELE ever sent")
        fake.stop()

        # fake-no-uidl-no-top: neither UIDL nor TOP nor CAPA: every RETR compared.
        fake = FakePop(k, msgs)
        fake.uidl = "err"
        fake.top = False
        fake.capa = None
        r = fake_run(t, k, fake, "nouidl-notop")
        rc, out, err = r.run("--fetch")
        t.is_((rc, counts(out)), (0, (5, 5, 0)), "fake-no-uidl-no-top: all come")
        t.ok("refused UIDL" in err, "fake-no-uidl-no-top: warns with the server's words", err)
        rc, out, err = r.run("--fetch")
        t.ok(rc == 0 and counts(out) == (0, 5, 0) and len(local(r)) == 5 and local(r, "tmp") == [],
             "fake-no-uidl-no-top: a second fetch keeps nothing new", out + err)
        t.is_(dele_count(fake), 0, "fake-no-uidl-no-top: no DELE ever sent")
        fake.stop()

        # fake-malformed-uidl: each kind of broken listing falls back to hashing.
        for label, lines in (("a unique-id with a space", ["1 a", "2 b c", "3 c", "4 d", "5 e"]),
                             ("message 0", ["0 z", "1 a", "2 b", "3 c", "4 d", "5 e"]),
                             ("a duplicate unique-id", ["1 a", "2 a", "3 c", "4 d", "5 e"]),
                             ("a missing message", ["1 a", "2 b", "3 c", "4 d"]),
                             ("an unknown message", ["1 a", "2 b", "3 c", "4 d", "5 e", "9 z"]),
                             ("8-bit bytes", ["1 a", "2 b\u00e9", "3 c", "4 d", "5 e"])):
            fake = FakePop(k, msgs)
            fake.uidl = lines
            r = fake_run(t, k, fake, "baduidl-%d" % len(label))
            rc, out, err = r.run("--fetch")
            t.ok(rc == 0 and counts(out) == (5, 5, 0) and "hash of their headers" in err,
                 "fake-malformed-uidl (%s): falls back, downloads all" % label, out + err)
            t.is_(dele_count(fake), 0, "fake-malformed-uidl (%s): nothing deleted" % label)
            fake.stop()

        # fake-malformed-list: a protocol error, nothing written or deleted, no crash.
        for label, lines in (("message 0", ["0 100", "1 100"]),
                             ("a repeated number", ["1 100", "1 100"]),
                             ("no size", ["1", "2 100"]),
                             ("a huge number", ["4000000000 10"])):
            fake = FakePop(k, msgs)
            fake.list_lines = lines
            r = fake_run(t, k, fake, "badlist-%d" % len(label))
            rc, out, err = r.run("--fetch")
            t.ok(rc == 76 and "LIST reply is malformed" in err, "fake-malformed-list (%s): exit 76, says so"
                 % label, err)
            t.ok(local(r) == [] and dele_count(fake) == 0 and retr_count(fake) == 0,
                 "fake-malformed-list (%s): nothing downloaded or deleted" % label)
            fake.stop()

        # Response codes on PASS.
        fake = FakePop(k, msgs)
        fake.pass_reply = "-ERR [IN-USE] mailbox locked by another session"
        r = fake_run(t, k, fake, "inuse")
        rc, out, err = r.run("--fetch")
        t.ok(rc == 75 and "[IN-USE] mailbox locked" in err, "fake-in-use: exit 75 with the words", err)
        fake.pass_reply = "-ERR [AUTH] nope"
        rc, out, err = r.run("--fetch")
        t.ok(rc == 77 and "login refused for user alice: [AUTH] nope" in err, "fake-auth: exit 77", err)
        fake.stop()

        # fake-quit-refused: DELEs not carried out; the next session removes them.
        fake = FakePop(k, msgs)
        fake.quit_err = True
        r = fake_run(t, k, fake, "quiterr")
        rc, out, err = r.run("--fetch")
        t.ok(rc == 0 and counts(out) == (5, 5, 0) and "may still be on the server" in err,
             "fake-quit-refused: counted as staying, with a warning", out + err)
        fake.quit_err = False
        fake.received = []
        rc, out, err = r.run("--fetch")
        t.ok(rc == 0 and counts(out) == (0, 0, 5) and retr_count(fake) == 0 and fake.messages == [],
             "fake-quit-refused: the next fetch deletes them by UIDL, downloading nothing", out + err)
        fake.stop()

        # fake-apop: the greeting offers APOP and pop3-apop asks for it;
        # the password never travels.
        fake = FakePop(k, msgs)
        fake.apop = "<1896.697170952@fake.example>"
        r = fake_run(t, k, fake, "apop", pop3_keep="yes", pop3_apop="on")
        rc, out, err = r.run("--fetch")
        t.is_((rc, counts(out)), (0, (5, 5, 0)), "fake-apop: logged in with APOP")
        t.ok(any(line.startswith(b"APOP alice ") for line in fake.received)
             and not any(b"secret" in line for line in fake.received), "fake-apop: no PASS, no password sent")
        fake.apop_refuse = True
        fake.received = []
        rc, out, err = r.run("--fetch")
        t.ok(rc == 0 and any(line.startswith(b"PASS") for line in fake.received),
             "fake-apop: a plain APOP refusal falls back to USER/PASS", out + err)
        # fake-apop-auth-refused (issue 16): "-ERR [AUTH] Bad login" to APOP
        # while USER/PASS works: tern gave up with exit 77
        fake.apop_refuse = "auth"
        fake.received = []
        rc, out, err = r.run("--fetch")
        t.ok(rc == 0 and any(line.startswith(b"APOP") for line in fake.received)
             and any(line.startswith(b"PASS") for line in fake.received),
             "fake-apop-auth-refused: APOP refused with [AUTH], tern falls back to USER/PASS", out + err)
        rc, out, err = r.run("--test-account", "acct")
        t.ok("login: logged in as alice with USER/PASS" in out,
             "fake-apop-auth-refused: --test-account says USER/PASS worked", out + err)
        # without pop3-apop, a server whose CAPA lists USER gets USER/PASS
        # and no APOP at all
        r = fake_run(t, k, fake, "apop-off", pop3_keep="yes")
        fake.received = []
        rc, out, err = r.run("--fetch")
        t.ok(rc == 0 and not any(line.startswith(b"APOP") for line in fake.received)
             and any(line.startswith(b"PASS") for line in fake.received),
             "fake-apop: an APOP timestamp with CAPA USER: USER/PASS, no APOP tried", out + err)
        # APOP when it is all the server offers (CAPA without USER or SASL)
        fake.apop_refuse = False
        fake.capa = ["UIDL", "TOP", "RESP-CODES"]
        fake.received = []
        rc, out, err = r.run("--fetch")
        t.ok(rc == 0 and any(line.startswith(b"APOP alice ") for line in fake.received)
             and not any(line.startswith(b"PASS") for line in fake.received),
             "fake-apop: CAPA offers nothing but the APOP timestamp: APOP", out + err)
        fake.stop()

        # fake-sasl-plain: CAPA offers SASL PLAIN, which goes first.
        fake = FakePop(k, msgs)
        fake.capa = ["USER", "UIDL", "TOP", "SASL PLAIN LOGIN"]
        r = fake_run(t, k, fake, "sasl-plain", pop3_keep="yes")
        rc, out, err = r.run("--fetch")
        t.ok(rc == 0 and counts(out) == (5, 5, 0) and any(line.startswith(b"AUTH PLAIN") for line in fake.received)
             and not any(line.startswith((b"USER", b"PASS")) for line in fake.received),
             "fake-sasl-plain: logged in with AUTH PLAIN, no USER/PASS", out + err)
        fake.password = "other"
        rc, out, err = r.run("--fetch")
        t.ok(rc == 77 and "login refused for user alice" in err and "fake says no to PLAIN" in err,
             "fake-sasl-plain: a refusal names the user and gives the server's words, exit 77", out + err)
        fake.stop()

    # fake-stls-injection and fake-silent, over plain sockets.
    with Kit() as k:
        def serve_once(script):
            sock = socket.socket()
            sock.bind((HOST, 0))
            sock.listen(1)
            recorded = []

            def serve():
                conn, _ = sock.accept()
                conn.settimeout(10)
                try:
                    script(conn, conn.makefile("rb"), recorded)
                except OSError:
                    pass
                finally:
                    conn.close()
                    sock.close()
            threading.Thread(target=serve, daemon=True).start()
            return sock.getsockname()[1], recorded

        def inject(conn, f, rec):
            conn.sendall(b"+OK hi\r\n")
            while True:
                line = f.readline()
                rec.append(line)
                if not line:
                    return
                if line.upper().startswith(b"CAPA"):
                    conn.sendall(b"+OK\r\nSTLS\r\nUSER\r\n.\r\n")
                elif line.upper().startswith(b"STLS"):
                    conn.sendall(b"+OK begin TLS\r\n+OK injected\r\n")
                else:
                    conn.sendall(b"-ERR what\r\n")
        port, rec = serve_once(inject)
        r = TernRun(k, "inject")
        r.account("acct", pop3="pop3", port=port, password="InjectSecret")
        rc, out, err = r.run("--fetch")
        t.ok(rc == 77 and "after agreeing to STLS" in err, "fake-stls-injection: refused", err)
        t.ok(not any(b"InjectSecret" in line or line.upper().startswith((b"USER", b"PASS")) for line in rec),
             "fake-stls-injection: no credential sent")

        sock = socket.socket()
        sock.bind((HOST, 0))
        sock.listen(1)
        r = TernRun(k, "silent")
        r.account("acct", pop3="pop3s", port=sock.getsockname()[1], timeout=2)
        start = time.time()
        rc, out, err = r.run("--fetch", timeout=30)
        took = time.time() - start
        sock.close()
        t.is_(rc, 69, "fake-silent: exit 69")
        t.ok("did not answer for 2 s" in err, "fake-silent: says the server did not answer", err)
        t.ok(took < 20, "fake-silent: gives up instead of hanging (%.1f s)" % took)

        # A second fetch of the same account while one runs: refused, exit 75.
        hold = socket.socket()
        hold.bind((HOST, 0))
        hold.listen(1)
        r = TernRun(k, "twice")
        r.account("acct", pop3="pop3s", port=hold.getsockname()[1], timeout=5)
        first = r.popen("--fetch")
        md = os.path.join(r.home, "data", "tern", "acct", "tern-pop3-acct.journal")
        deadline = time.time() + 10
        while not os.path.exists(md) and time.time() < deadline:
            time.sleep(0.02)
        time.sleep(0.2)
        rc, out, err = r.run("--fetch")
        first.kill()
        first.wait()
        hold.close()
        t.ok(rc == 75 and "another tern is fetching account acct" in err, "a concurrent fetch: exit 75", err)


run(main)
