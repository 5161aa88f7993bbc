#!/usr/bin/python3
"""SMTP replies a real server will not produce on demand, from a scripted
fake server on 127.0.0.1 (tests named fake-*), sent through the smtp
module by tests/integration/smtp-driver: STARTTLS injection, connections
dropped in the middle of DATA and after the final dot, 552 with the EHLO
SIZE limit, 550 to MAIL FROM, 451 to RCPT (and the session going on after
RSET), 534, 554 and 421 greetings, XOAUTH2, LOGIN-only servers, a hostile
endless reply line, and addresses with CR/LF that must never reach the
wire. The fake records every line the client sends (decrypted under TLS),
so "nothing was sent" is checked, not assumed.

FakeSMTP is also used by smtp-tls.py."""

import base64
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "kit"))
from kit import HOST, Certs          # noqa: E402
from tap import run                 # noqa: E402


def driver_path():
    """The driver binary: $SMTP_DRIVER, else beside $TERN in the build tree."""
    path = os.environ.get("SMTP_DRIVER")
    if not path:
        tern = os.environ.get("TERN", "")
        path = os.path.join(os.path.dirname(tern), "tests", "integration", "smtp-driver")
    return path if os.access(path, os.X_OK) else None


def drive(*args, stdin=None, timeout=60):
    """Runs the driver; returns (exit code, {key: value} of its first
    report, whole output)."""
    proc = subprocess.run([driver_path()] + [str(a) for a in args], capture_output=True,
                          timeout=timeout, input=stdin)
    out = proc.stdout.decode("utf-8", "replace")
    fields = {}
    for line in out.splitlines():
        key, sep, value = line.partition(": ")
        if sep and key not in fields:
            fields[key] = value
    return proc.returncode, fields, out + proc.stderr.decode("utf-8", "replace")


class FakeSMTP:
    """A one-connection scripted SMTP server on 127.0.0.1.

    replies maps a verb (EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA, DOT for
    the reply to the final dot, RSET) to the reply text (CRLF added; a
    list for several lines) or to a function(line) returning it.
    data_mode: None, "drop-mid" (close once some message bytes came) or
    "drop-after-dot" (close after the final dot without a reply).
    tls: None, "implicit" or "starttls", with cert = (certfile, keyfile).
    """

    def __init__(self, greeting="220 fake.example ESMTP", ehlo=("AUTH PLAIN LOGIN", "SIZE 1000000"),
                 replies=None, data_mode=None, tls=None, cert=None, inject_after_starttls=None):
        self.greeting = greeting
        self.ehlo = list(ehlo)
        self.replies = {"EHLO": None, "AUTH": "235 2.7.0 ok", "MAIL": "250 2.1.0 ok", "RCPT": "250 2.1.5 ok",
                        "DATA": "354 go on", "DOT": "250 2.0.0 queued", "RSET": "250 2.0.0 reset",
                        "STARTTLS": "220 2.0.0 ready", "QUIT": "221 bye", "NOOP": "250 ok"}
        self.replies.update(replies or {})
        self.data_mode = data_mode
        self.tls = tls
        self.cert = cert
        self.inject = inject_after_starttls
        self.lines = []          # what the client sent, one str per line
        self.tls_lines = []      # the part of lines sent after TLS was up
        self.data = b""          # the message as the client sent it, before the dot
        self.handshake_done = False
        self.stopped = False
        self.sock = socket.socket()
        self.sock.bind((HOST, 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def wait(self):
        """Until the client is done (or, if it never came, 0.5 s)."""
        self.thread.join(30)

    def stop(self):
        """Stop waiting for a client that is not coming."""
        self.stopped = True

    # -- the connection

    def _ctx(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(*self.cert)
        return ctx

    def _send(self, text):
        self.conn.sendall(text.encode() if isinstance(text, str) else text)

    def _reply(self, verb, line):
        reply = self.replies.get(verb)
        if callable(reply):
            reply = reply(line)
        if reply is None:
            return
        if isinstance(reply, (list, tuple)):
            text = "".join("%s%s%s\r\n" % (r[:3], "-" if i + 1 < len(reply) else " ", r[4:])
                           for i, r in enumerate(reply))
        else:
            text = reply + "\r\n"
        self._send(text)

    def _line(self):
        while b"\n" not in self.buf:
            chunk = self.conn.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        text = line.rstrip(b"\r").decode("utf-8", "replace")
        self.lines.append(text)
        if self.handshake_done:
            self.tls_lines.append(text)
        return text

    def _serve(self):
        self.sock.settimeout(0.1)
        for _ in range(300):
            try:
                conn, _ = self.sock.accept()
                break
            except socket.timeout:
                if self.stopped:
                    break
            except OSError:
                break
        else:
            conn = None
        if self.stopped or conn is None:
            self.sock.close()
            return
        self.conn = conn
        self.buf = b""
        conn.settimeout(20)
        try:
            if self.tls == "implicit":
                self.conn = self._ctx().wrap_socket(conn, server_side=True)
                self.handshake_done = True
            self._send(self.greeting + "\r\n")
            while True:
                line = self._line()
                verb = line.split(" ")[0].split(":")[0].upper()
                if verb in ("EHLO", "HELO"):
                    if self.replies["EHLO"]:
                        self._reply("EHLO", line)
                        continue
                    ext = list(self.ehlo)
                    if self.tls == "starttls" and not self.handshake_done:
                        ext.append("STARTTLS")
                    self._send("".join("250%s%s\r\n" % ("-" if i < len(ext) else " ", t)
                                       for i, t in enumerate(["fake.example"] + ext)))
                elif verb == "STARTTLS":
                    if self.inject:
                        self._send(self.replies["STARTTLS"] + "\r\n" + self.inject)
                        # whatever comes now is recorded; then the client leaves
                        while True:
                            self._line()
                    self._reply("STARTTLS", line)
                    if self.replies["STARTTLS"].startswith("220"):
                        self.conn = self._ctx().wrap_socket(self.conn, server_side=True)
                        self.handshake_done = True
                elif verb == "AUTH":
                    reply = self.replies["AUTH"]
                    if isinstance(reply, str) and reply.startswith("334"):
                        self._reply("AUTH", line)  # LOGIN: user, then password
                        self._line()
                        self._send("334 UGFzc3dvcmQ6\r\n")
                        self._line()
                        self._send(self.replies.get("AUTH2", "235 2.7.0 ok") + "\r\n")
                    else:
                        self._reply("AUTH", line)
                elif verb == "DATA":
                    self._reply("DATA", line)
                    if not self.replies["DATA"].startswith("354"):
                        continue
                    data = self.buf
                    while b"\r\n.\r\n" not in data:
                        if self.data_mode == "drop-mid" and len(data) > 1000:
                            self.data = data
                            return
                        chunk = self.conn.recv(65536)
                        if not chunk:
                            raise EOFError
                        data += chunk
                    self.data, _, self.buf = data.partition(b"\r\n.\r\n")
                    self.lines.append("<data %d bytes>" % len(self.data))
                    if self.data_mode == "drop-after-dot":
                        return
                    self._reply("DOT", line)
                elif verb in self.replies:
                    self._reply(verb, line)
                    if verb == "QUIT":
                        return
                else:
                    self._send("500 5.5.2 unknown command\r\n")
        except (EOFError, OSError, ssl.SSLError):
            pass
        finally:
            try:
                self.conn.close()
            except OSError:
                pass
            self.sock.close()


def plain(fake, *extra):
    """Driver arguments for a plain-text (tls off) send through fake."""
    return ["--host", HOST, "--port", fake.port, "--plain", "--timeout", 5,
            "--from", "Alice <alice@example.org>", "--to", "bob@example.net",
            "--subject", "Hi", "--text", "Hello\n"] + list(extra)


def verbs(fake):
    return [line.split(" ")[0].split(":")[0].upper() for line in fake.lines]


def main(t):
    if driver_path() is None:
        t.skip_all("smtp-driver not built (make check builds it; or set SMTP_DRIVER)")

    # -- the good path in plain text, and what goes over the wire
    f = FakeSMTP()
    rc, r, out = drive(*plain(f, "--user", "alice", "--password", "s3cret"))
    f.wait()
    t.is_(rc, 0, "fake-plain: accepted, exit 0")
    t.is_(r.get("accepted"), "1", "fake-plain: accepted: 1")
    t.is_(verbs(f)[:5], ["EHLO", "AUTH", "MAIL", "RCPT", "DATA"], "fake-plain: EHLO, AUTH, MAIL, RCPT, DATA")
    t.ok(f.lines[0].startswith("EHLO [127.0.0.1]"), "fake-plain: EHLO names the address literal, not the host name",
         f.lines[0])
    auth = [l for l in f.lines if l.startswith("AUTH")]
    t.is_(auth, ["AUTH PLAIN " + base64.b64encode(b"\0alice\0s3cret").decode()], "fake-plain: AUTH PLAIN \\0user\\0pass")
    t.ok("MAIL FROM:<alice@example.org> SIZE=" in f.lines[2], "fake-plain: MAIL FROM with SIZE=", f.lines[2])
    t.ok(f.data.endswith(b"\r\nHello") and b"\n.\r\n" not in f.data, "fake-plain: data ends with the text, no extra "
         "blank line before the dot", repr(f.data[-40:]))

    # -- STARTTLS injection: data after the 220 in the same packet
    with tempfile.TemporaryDirectory(prefix="tsf") as certdir:
        certs = Certs(certdir)
        f = FakeSMTP(tls="starttls", cert=certs.files["valid"],
                     inject_after_starttls="250-injected\r\n250 AUTH PLAIN\r\n")
        rc, r, out = drive("--host", HOST, "--port", f.port, "--starttls", "--ca", certs.ca_file, "--timeout", 5,
                           "--user", "alice", "--password", "s3cret", "--from", "alice@example.org",
                           "--to", "bob@example.net", "--text", "x")
        f.wait()
        t.is_(rc, 77, "fake-starttls-injection: exit 77 (TLS)")
        t.ok("sent data after agreeing to STARTTLS" in r.get("explanation", ""),
             "fake-starttls-injection: says an injection was refused", out)
        t.is_(verbs(f), ["EHLO", "STARTTLS"], "fake-starttls-injection: nothing after STARTTLS (no handshake, no AUTH)")
        t.is_(r.get("secret-asked"), "0", "fake-starttls-injection: the password was never asked for")

        # -- STARTTLS refused by the server
        f = FakeSMTP(tls="starttls", cert=certs.files["valid"], replies={"STARTTLS": "454 4.7.0 TLS not available"})
        rc, r, out = drive("--host", HOST, "--port", f.port, "--starttls", "--ca", certs.ca_file, "--timeout", 5,
                           "--user", "alice", "--password", "s3cret", "--from", "alice@example.org",
                           "--to", "bob@example.net", "--text", "x")
        f.wait()
        t.is_(rc, 75, "fake-starttls-454: temporary, exit 75")
        t.ok("454" in r.get("explanation", "") and "AUTH" not in verbs(f), "fake-starttls-454: no AUTH in plain text",
             out)

        # -- XOAUTH2 over STARTTLS
        seen = []

        def xoauth2(line):
            seen.append(line)
            return "235 2.7.0 welcome"
        f = FakeSMTP(tls="starttls", cert=certs.files["valid"], ehlo=("AUTH PLAIN XOAUTH2",),
                     replies={"AUTH": xoauth2})
        rc, r, out = drive("--host", HOST, "--port", f.port, "--starttls", "--ca", certs.ca_file, "--timeout", 5,
                           "--user", "alice@example.org", "--oauth2", "ya29.token", "--from", "alice@example.org",
                           "--to", "bob@example.net", "--text", "x")
        f.wait()
        want = "AUTH XOAUTH2 " + base64.b64encode(b"user=alice@example.org\x01auth=Bearer ya29.token\x01\x01").decode()
        t.is_(rc, 0, "fake-xoauth2: accepted")
        t.is_(seen, [want], "fake-xoauth2: the SASL XOAUTH2 string, after TLS")
        t.is_(r.get("auth"), "XOAUTH2", "fake-xoauth2: mechanism reported")
        t.ok(f.tls_lines and f.tls_lines[0].startswith("EHLO"), "fake-xoauth2: EHLO again after STARTTLS")

        f = FakeSMTP(tls="starttls", cert=certs.files["valid"], ehlo=("AUTH XOAUTH2",),
                     replies={"AUTH": "535 5.7.8 token expired"})
        rc, r, out = drive("--host", HOST, "--port", f.port, "--starttls", "--ca", certs.ca_file, "--timeout", 5,
                           "--user", "alice", "--oauth2", "old", "--from", "alice@example.org",
                           "--to", "bob@example.net", "--text", "x")
        f.wait()
        t.ok(rc == 77 and "OAuth2 token of user alice" in r.get("explanation", ""),
             "fake-xoauth2-535: refused token explained", out)

        f = FakeSMTP(tls="starttls", cert=certs.files["valid"], ehlo=("AUTH PLAIN LOGIN",))
        rc, r, out = drive("--host", HOST, "--port", f.port, "--starttls", "--ca", certs.ca_file, "--timeout", 5,
                           "--user", "alice", "--oauth2", "tok", "--from", "alice@example.org",
                           "--to", "bob@example.net", "--text", "x")
        f.wait()
        t.ok(rc == 77 and "offers no XOAUTH2" in r.get("explanation", "") and "AUTH" not in verbs(f),
             "fake-xoauth2-not-offered: refused before any AUTH", out)

    # -- AUTH LOGIN when PLAIN is not offered
    f = FakeSMTP(ehlo=("AUTH LOGIN",), replies={"AUTH": "334 VXNlcm5hbWU6"})
    rc, r, out = drive(*plain(f, "--user", "alice", "--password", "s3cret"))
    f.wait()
    i = f.lines.index("AUTH LOGIN") if "AUTH LOGIN" in f.lines else -1
    t.ok(rc == 0 and i >= 0 and f.lines[i + 1] == base64.b64encode(b"alice").decode()
         and f.lines[i + 2] == base64.b64encode(b"s3cret").decode(), "fake-auth-login: LOGIN user, password", out)

    # -- 534: app password hint
    f = FakeSMTP(replies={"AUTH": "534 5.7.9 Application-specific password required"})
    rc, r, out = drive(*plain(f, "--user", "alice", "--password", "s3cret"))
    f.wait()
    t.is_(rc, 77, "fake-534: exit 77")
    t.ok("app password" in r.get("explanation", "") and "Application-specific" in r.get("explanation", ""),
         "fake-534: hints at an app password, with the server's words", out)
    t.ok("MAIL" not in verbs(f), "fake-534: no MAIL after a refused AUTH")

    # -- a user set but no AUTH offered
    f = FakeSMTP(ehlo=("SIZE 1000",))
    rc, r, out = drive(*plain(f, "--user", "alice", "--password", "s3cret"))
    f.wait()
    t.ok(rc == 77 and "offers no AUTH" in r.get("explanation", "") and r.get("secret-asked") == "0",
         "fake-no-auth-offered: refused, password never asked", out)

    # -- greetings
    f = FakeSMTP(greeting="554 5.7.1 no service for you")
    rc, r, out = drive(*plain(f))
    f.wait()
    t.ok(rc == 69 and r.get("class") == "server" and "no service for you" in r.get("explanation", ""),
         "fake-greeting-554: the server refused the session, in its words", out)
    t.is_(f.lines, [], "fake-greeting-554: nothing sent, not even QUIT")
    f = FakeSMTP(greeting="421 4.3.2 busy, later")
    rc, r, out = drive(*plain(f))
    f.wait()
    t.ok(rc == 75 and r.get("class") == "temporary", "fake-greeting-421: temporary", out)
    f = FakeSMTP(greeting="220 " + "x" * 20000)
    rc, r, out = drive(*plain(f))
    f.wait()
    t.ok(rc == 69 and "longer than 4096 bytes" in r.get("explanation", ""),
         "fake-huge-reply-line: the reply guard cuts an endless line", out)
    f = FakeSMTP(greeting="\r\n".join(["220-spam"] * 1500) + "\r\n220 ok")
    rc, r, out = drive(*plain(f))
    f.wait()
    t.ok(rc == 69 and "more than 1000 lines" in r.get("explanation", ""),
         "fake-endless-reply: the reply guard cuts an endless multi-line reply", out)

    # -- refusals decided on the number
    f = FakeSMTP(replies={"MAIL": "550 5.7.1 sender not allowed for this login"})
    rc, r, out = drive(*plain(f, "--user", "alice", "--password", "secret"))
    f.wait()
    t.is_(rc, 69, "fake-mail-550: exit 69 (server refusal)")
    t.ok("refused the sender <alice@example.org>: this login may not send as that From address" in r.get("explanation", ""),
         "fake-mail-550: explained as a sender refusal", out)
    t.ok(r.get("code") == "550" and r.get("server") == "5.7.1 sender not allowed for this login",
         "fake-mail-550: code and server text reported", out)
    t.ok("RSET" in verbs(f) and "RCPT" not in verbs(f), "fake-mail-550: no RCPT; RSET after the refusal")

    f = FakeSMTP(replies={"RCPT": lambda l: "451 4.3.0 try later" if "bob@" in l else "250 ok"})
    rc, r, out = drive(*plain(f, "--then-rcpt", "carol@example.net"))
    f.wait()
    t.ok(r.get("class") == "temporary" and r.get("stage") == "rcpt" and
         "cannot take mail for <bob@example.net> now" in r.get("explanation", ""),
         "fake-rcpt-451: temporary, names the recipient", out)
    t.ok("usable: 1" in out and "then-accepted: 1" in out and rc == 0,
         "fake-rcpt-451: after RSET the session sends the next message", out)
    t.is_([v for v in verbs(f) if v != "EHLO"],
          ["MAIL", "RCPT", "RSET", "MAIL", "RCPT", "DATA", "<DATA", "QUIT"],
          "fake-rcpt-451: MAIL, RCPT, RSET, then a whole transaction")

    f = FakeSMTP(replies={"RCPT": lambda l: "550 5.7.1 relaying denied" if "carol@" in l else "250 ok"})
    rc, r, out = drive(*plain(f, "--to", "carol@example.net", "--user", "alice", "--password", "secret"))
    f.wait()
    t.ok(rc == 69 and r.get("refused-rcpt") == "1" and
         "refused to relay to <carol@example.net>" in r.get("explanation", ""),
         "fake-rcpt-550: the second recipient is named as refused", out)
    t.ok("DATA" not in verbs(f), "fake-rcpt-550: no DATA once a recipient is refused")

    f = FakeSMTP(ehlo=("SIZE 2000",), replies={"MAIL": lambda l: "552 5.3.4 message too big"
                                                if "SIZE=" in l and int(l.split("SIZE=")[1]) > 2000 else "250 ok"})
    rc, r, out = drive(*plain(f, "--text", "x" * 900 + "\n" + "y" * 900 + "\n" + "z" * 900 + "\n"))
    f.wait()
    t.is_(rc, 69, "fake-552: exit 69")
    t.ok("too large for the server, which accepts at most 2000 bytes" in r.get("explanation", ""),
         "fake-552: names the EHLO SIZE limit", out)
    t.ok("DATA" not in verbs(f), "fake-552: refused at MAIL FROM, nothing uploaded")

    f = FakeSMTP(replies={"DOT": "554 5.6.0 message rejected as spam"})
    rc, r, out = drive(*plain(f))
    f.wait()
    t.ok(rc == 69 and r.get("stage") == "message" and "spam" in r.get("explanation", ""),
         "fake-dot-554: refusal after the data", out)

    f = FakeSMTP(replies={"DOT": "451 4.7.1 greylisted"})
    rc, r, out = drive(*plain(f))
    f.wait()
    t.ok(rc == 75 and r.get("accepted") == "0", "fake-dot-451: greylisting is temporary (keep queued)", out)

    f = FakeSMTP(replies={"MAIL": "530 5.7.0 Authentication required"})
    rc, r, out = drive(*plain(f, "--account", "work"))
    f.wait()
    t.ok(rc == 77 and "set user and password for account work" in r.get("explanation", ""),
         "fake-530: names the account to fix", out)

    # -- the connection lost in the middle of DATA, and after the dot
    big = tempfile.NamedTemporaryFile(prefix="tern-big-", suffix=".bin")
    big.write(os.urandom(300000))
    big.flush()
    f = FakeSMTP(data_mode="drop-mid")
    rc, r, out = drive(*plain(f, "--attach", big.name))
    f.wait()
    big.close()
    t.ok(rc == 69 and r.get("accepted") == "0" and r.get("class") == "connection",
         "fake-drop-mid-data: a connection error, not accepted", out)
    t.ok("not delivered" in r.get("explanation", "") or "connection lost" in r.get("explanation", ""),
         "fake-drop-mid-data: says so", out)
    f = FakeSMTP(data_mode="drop-after-dot")
    rc, r, out = drive(*plain(f))
    f.wait()
    t.ok(rc == 69 and r.get("accepted") == "0" and "may have been delivered" in r.get("explanation", ""),
         "fake-drop-after-dot: not accepted, and says the message may have arrived", out)

    # -- addresses with CR/LF: refused before anything is sent
    for name, args in (
            ("rcpt", ["--rcpt", "bob@example.net\r\nRCPT TO:<victim@example.com>"]),
            ("rcpt-lf", ["--rcpt", "bob@example.net", "--rcpt", "eve@example.net\nDATA"]),
            ("from", ["--envelope-from", "alice@example.org>\r\nRCPT TO:<victim@example.com"])):
        f = FakeSMTP()
        rc, r, out = drive(*plain(f, *args))
        f.wait()
        t.is_(rc, 65, "fake-crlf-%s: exit 65 (bad data)" % name)
        expl = r.get("explanation", "")
        t.ok("contains a line break" in expl and "\\n" in expl and "\n" not in expl,
             "fake-crlf-%s: names the address, escaped" % name, out)
        t.ok("MAIL" not in verbs(f) and "RCPT" not in verbs(f) and "DATA" not in verbs(f),
             "fake-crlf-%s: no MAIL, RCPT or DATA reached the server" % name, repr(f.lines))
    f = FakeSMTP()
    rc, r, out = drive(*plain(f, "--to", "Bob <bob@example.net\r\nBcc: victim@example.com>"))
    f.stop()
    f.wait()
    t.ok(rc == 65 and "build-error" in out, "fake-crlf-header: a header address with CR/LF is refused by the builder",
         out)
    t.is_(f.lines, [], "fake-crlf-header: not even a connection")

    # -- 8-bit raw message refused (no 8BITMIME)
    with tempfile.NamedTemporaryFile(suffix=".eml") as raw:
        raw.write("From: a@example.org\r\nSubject: x\r\n\r\nnaïve\r\n".encode())
        raw.flush()
        f = FakeSMTP()
        rc, r, out = drive(*plain(f, "--raw", raw.name))
        f.wait()
        t.ok(rc == 65 and "8-bit" in r.get("explanation", "") and "MAIL" not in verbs(f),
             "fake-8bit: an 8-bit raw message is refused before MAIL", out)


if __name__ == "__main__":
    run(main)
