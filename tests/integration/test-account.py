#!/usr/bin/python3
"""tern --test-account against the kit: every diagnosis a user can meet,
each asserted on the step that failed, its advice and the exit code.

Covered: the happy paths (IMAP + SMTP with the test message found over
IMAP; POP3 + SMTP with it found over POP3 and nothing deleted; --json
parsed), implicit TLS configured on the STARTTLS port and the reverse for
IMAP (993/143), POP3 (995/110) and SMTP (465/587), a port of another
protocol, a server without STARTTLS, tls off, a wrong password over
IMAP, POP3 and SMTP (535), sending without AUTH (530 from the kit's
aiosmtpd), relay denied (550 5.7.1) and a 554 5.7.1 policy refusal (from
a fake SMTP server, test names say fake), untrusted, mismatched and
expired certificates, a port whose SYNs are dropped (a full listen
backlog on 127.0.0.1: the firewall case), connection refused, --no-send,
and an unknown account. The happy path runs on every server of the kit's
matrix (Dovecot and Cyrus for IMAP and POP3, aiosmtpd and Exim for SMTP).
fake-no-new-mail-notice: an IMAP server (scripted, in front of the kit's
Dovecot) that never tells a selected session about new mail, as some
real ones do; tern's receive step looked through one SELECT for 20 s
and blamed the spam folder (issue 16)."""

import json
import os
import re
import socket
import ssl
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit, HOST, free_ports, matrix   # noqa: E402
from tap import run                      # noqa: E402
from tern import TernRun                 # noqa: E402


def smtp_url(k, kind="submission"):
    return "%s://%s:%d" % ("smtp" if kind == "submission" else "smtps", HOST, k.ports[kind])


def test_json(t, r, *args):
    rc, out, err = r.run("--test-account", "--json", *args)
    try:
        doc = json.loads(out)
    except ValueError:
        t.ok(False, "--json prints one JSON document", out + err)
        return rc, None
    return rc, doc


def steps(doc, proto):
    for server in doc["accounts"][0]["servers"]:
        if server["protocol"] == proto:
            return {s["step"]: s for s in server["steps"]}
    return {}


def failed_step(doc):
    for server in doc["accounts"][0]["servers"]:
        for s in server["steps"]:
            if not s["ok"]:
                return server["protocol"], s
    return None, None


class FakeSubmission:
    """A plain-text SMTP server (tls off) for every connection, answering
    RCPT and the final dot as scripted: refusals aiosmtpd will not make."""

    def __init__(self, rcpt="250 2.1.5 ok", dot="250 2.0.0 queued"):
        self.rcpt, self.dot = rcpt, dot
        self.sock = socket.socket()
        self.sock.bind((HOST, 0))
        self.sock.listen(5)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        f = conn.makefile("rwb")
        try:
            f.write(b"220 fake.example ESMTP\r\n"); f.flush()
            in_data = False
            for raw in f:
                line = raw.decode("latin-1").rstrip("\r\n")
                if in_data:
                    if line == ".":
                        in_data = False
                        f.write((self.dot + "\r\n").encode())
                    else:
                        continue
                else:
                    verb = line.split(" ")[0].upper()
                    if verb == "EHLO":
                        f.write(b"250-fake.example\r\n250 SIZE 1000000\r\n")
                    elif verb == "RCPT":
                        f.write((self.rcpt + "\r\n").encode())
                    elif verb == "DATA":
                        in_data = True
                        f.write(b"354 go on\r\n")
                    elif verb == "QUIT":
                        f.write(b"221 bye\r\n"); f.flush()
                        break
                    else:
                        f.write(b"250 ok\r\n")
                f.flush()
        except OSError:
            pass
        finally:
            conn.close()

    def close(self):
        self.sock.close()


class QuietImap:
    """fake-no-new-mail-notice: IMAPS on 127.0.0.1 answering SEARCH from
    the view its last SELECT took of the kit's INBOX (read with imaplib),
    so mail that arrives while a folder is selected stays unseen until
    the next SELECT. Mail shows up 1.5 s after the kit's server has it,
    as delivery takes a moment at real providers."""

    def __init__(self, kit):
        self.kit = kit
        self.selects = 0
        self.first_seen = {}
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(*kit.certs["valid"])
        self.sock = socket.socket()
        self.sock.bind((HOST, 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def view(self):
        c = self.kit.imap()
        typ, data = c.select("INBOX", readonly=True)
        if int(data[0]):
            typ, data = c.fetch("1:*", "(UID BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        else:
            data = []
        c.logout()
        found = {}
        for item in data:
            if isinstance(item, tuple):
                uid = int(re.search(rb"UID (\d+)", item[0]).group(1))
                m = re.search(rb"<[^>]*>", item[1])
                if m:
                    mid = m.group(0).decode()
                    self.first_seen.setdefault(mid, time.time())
                    if time.time() - self.first_seen[mid] >= 1.5:
                        found[mid] = uid
        return found

    def serve(self):
        while True:
            try:
                raw, _ = self.sock.accept()
                conn = self.ctx.wrap_socket(raw, server_side=True)
            except OSError:
                return
            threading.Thread(target=self.session, args=(conn,), daemon=True).start()

    def session(self, conn):
        conn.settimeout(30)
        f = conn.makefile("rb")
        view = {}
        conn.sendall(b"* OK IMAP4rev1 fake quiet server ready\r\n")
        try:
            for line in f:
                tag, _, rest = line.rstrip(b"\r\n").partition(b" ")
                words = rest.split(b" ")
                cmd = words[0].upper()
                if cmd == b"UID":
                    cmd = b"UID " + words[1].upper()
                if cmd == b"CAPABILITY":
                    conn.sendall(b"* CAPABILITY IMAP4rev1 LITERAL+ AUTH=PLAIN\r\n" + tag + b" OK done\r\n")
                elif cmd == b"STATUS":
                    conn.sendall(b"* STATUS INBOX (MESSAGES %d UNSEEN 0 RECENT 0)\r\n" % len(self.view())
                                 + tag + b" OK done\r\n")
                elif cmd == b"SELECT":
                    self.selects += 1
                    view = self.view()
                    conn.sendall(b"* %d EXISTS\r\n* OK [UIDVALIDITY 1] x\r\n" % len(view)
                                 + tag + b" OK [READ-WRITE] done\r\n")
                elif cmd == b"UID SEARCH":
                    m = re.search(rb'"(<[^>]*>)"', rest)
                    uid = view.get(m.group(1).decode()) if m else None
                    conn.sendall((b"* SEARCH %d\r\n" % uid if uid else b"* SEARCH\r\n") + tag + b" OK done\r\n")
                elif cmd == b"LOGOUT":
                    conn.sendall(b"* BYE bye\r\n" + tag + b" OK done\r\n")
                    break
                else:
                    conn.sendall(tag + b" OK done\r\n")
        except OSError:
            pass
        conn.close()

    def close(self):
        self.sock.close()


def matrix_happy(t):
    """The happy path on every server of the matrix: IMAP+SMTP and
    POP3+SMTP, the test message sent and found."""
    rows = [dict(r, smtp_server="aiosmtpd") for r in matrix("imap")]
    rows += [dict(r, imap_server="dovecot") for r in matrix("smtp") if r["smtp_server"] != "aiosmtpd"]
    for row in rows:
        with Kit(**row) as k:
            t.prefix = k.name + ": "
            r = TernRun(k, "matrix")
            r.account("main", imap="imaps", smtp=smtp_url(k), **{"from": "alice@localhost"})
            rc, out, err = r.run("--test-account")
            t.ok(rc == 0 and "\u2713 test message received: found in INBOX over IMAP" in out
                 and "\u2713 compression: on (COMPRESS=DEFLATE)" in out and "all 17 steps passed" in out,
                 "IMAP + SMTP: every step passes, compressed, the message is found", out + err)
            r = TernRun(k, "matrix-pop")
            r.account("main", pop3="pop3s", smtp=smtp_url(k, "smtps"), **{"from": "alice@localhost"})
            rc, out, err = r.run("--test-account")
            t.ok(rc == 0 and "found as POP3 message" in out and "logged in as alice with SASL PLAIN" in out,
                 "POP3 + SMTP: every step passes, SASL PLAIN, the message is found", out + err)
    t.prefix = ""


def main(t):
    matrix_happy(t)
    with Kit() as k:
        # fake-no-new-mail-notice (issue 16)
        fake = QuietImap(k)
        r = TernRun(k, "quiet")
        r.account("main", imap="imaps", port=fake.port, smtp=smtp_url(k), timeout=4, **{"from": "alice@localhost"})
        rc, out, err = r.run("--test-account")
        fake.close()
        t.ok(rc == 0 and "\u2713 test message received: found in INBOX over IMAP" in out and fake.selects >= 2,
             "fake-no-new-mail-notice: a fresh SELECT between looks finds the test message", out + err)
    with Kit() as k:

        # -- the happy path, IMAP + SMTP: every step, the message found
        r = TernRun(k, "happy")
        r.account("main", imap="imaps", smtp=smtp_url(k), **{"from": "alice@localhost"})
        rc, out, err = r.run("--test-account")
        t.is_(rc, 0, "happy path: exit 0")
        for text in ("\u2713 DNS: 127.0.0.1 is 127.0.0.1", "\u2713 TCP connect:", "\u2713 TLS: TLSv1.",
                     "issued by /CN=tern test CA", "(matches the host)", "\u2713 greeting: \"* OK",
                     "\u2713 capabilities: IMAP4rev1", "\u2713 login: logged in as alice",
                     "\u2713 INBOX: 0 messages", "\u2713 quota:", "\u2713 EHLO extensions:",
                     "AUTH: logged in as alice with PLAIN", "\u2713 test message: sent to <alice@localhost>",
                     "\u2713 compression: on (COMPRESS=DEFLATE)",
                     "\u2713 test message received: found in INBOX over IMAP", "all 17 steps passed"):
            t.ok(text in out, "happy path shows %r" % text, out + err)
        t.ok("\u2717" not in out and err == "", "happy path: no failed step, nothing on stderr", out + err)

        rc, doc = test_json(t, r, "main")
        t.is_(rc, 0, "--json happy path: exit 0")
        if doc:
            t.ok(doc["ok"] is True and doc["exit_code"] == 0, "--json: ok true, exit_code 0")
            acct = doc["accounts"][0]
            t.is_(acct["account"], "main", "--json: the account's name")
            t.is_([s["protocol"] for s in acct["servers"]], ["imap", "smtp"], "--json: one entry per server")
            imap = acct["servers"][0]
            t.is_((imap["host"], imap["port"], imap["security"]), (HOST, k.ports["imaps"], "tls"),
                  "--json: host, port, security")
            t.ok(imap["tls"]["name_match"] and imap["tls"]["verified"] and imap["tls"]["version"].startswith("TLSv1"),
                 "--json: tls details", imap["tls"])
            t.ok("QUOTA" in imap["capabilities"], "--json: capabilities")
            t.is_([s["step"] for s in imap["steps"]],
                  ["dns", "connect", "tls", "greeting", "capabilities", "login", "compress", "inbox", "quota"],
                  "--json: IMAP step names")
            smtp = steps(doc, "smtp")
            t.ok(smtp["receive"]["ok"] and "found in INBOX" in smtp["receive"]["detail"],
                 "--json: the test message was found", smtp.get("receive"))
            t.ok(all(s["advice"] is None and s["error_class"] is None for s in imap["steps"]),
                 "--json: no advice on passed steps")

        rc, out, err = r.run("--test-account", "--no-send")
        t.ok(rc == 0 and "test message" not in out, "--no-send: no test message, exit 0", out)
        rc, out, err = r.run("--test-account", "nosuch")
        t.is_(rc, 64, "an unknown account: exit 64")

        # -- POP3 + SMTP: found over POP3, nothing deleted
        k.generate("bob", 2)
        r = TernRun(k, "pop")
        r.account("pop", pop3="pop3s", user="bob", smtp=smtp_url(k, "smtps"), **{"from": "bob@localhost"})
        rc, out, err = r.run("--test-account")
        t.is_(rc, 0, "POP3 happy path: exit 0")
        t.ok("\u2713 messages: 2 messages" in out, "POP3: the message count", out)
        t.ok("found as POP3 message 3 of 3" in out and "nothing deleted" in out,
             "POP3: the test message found with TOP", out)
        box = k.maildir("bob")
        t.is_(len(os.listdir(os.path.join(box, "new"))) + len(os.listdir(os.path.join(box, "cur"))), 3,
              "POP3: all 3 messages still on the server")

        # -- implicit TLS on the STARTTLS port, and the reverse
        for proto, plain, implicit in (("imap", "imap", "imaps"), ("pop3", "pop3", "pop3s")):
            r = TernRun(k, "mix-" + implicit)
            r.account("a", **{proto: implicit, "port": k.ports[plain]})
            rc, doc = test_json(t, r)
            p, s = failed_step(doc) if doc else (None, None)
            t.is_(rc, 77, "%s:// on the %s port: exit 77" % (implicit, plain))
            t.ok(s and s["step"] == "tls" and "plain-text greeting arrived where a TLS handshake was expected"
                 in s["detail"] and ("write %s://" % plain) in s["advice"],
                 "%s:// on the %s port: says the port speaks plain text first, use %s://" % (implicit, plain, plain), s)
            r = TernRun(k, "mix-" + plain)
            r.account("a", **{proto: plain, "port": k.ports[implicit], "timeout": 2})
            rc, doc = test_json(t, r)
            p, s = failed_step(doc) if doc else (None, None)
            t.is_(rc, 77, "%s:// on the %s port: exit 77" % (plain, implicit))
            t.ok(s and s["step"] == "greeting" and "answers a TLS handshake" in s["detail"]
                 and ("write %s://" % implicit) in s["advice"],
                 "%s:// on the %s port: says the port wants TLS from the first byte" % (plain, implicit), s)
        r = TernRun(k, "mix-smtps")
        r.account("a", smtp="smtps://%s:%d" % (HOST, k.ports["submission"]), **{"from": "alice@example.com"})
        rc, out, err = r.run("--test-account")
        t.ok(rc == 77 and "\u2717 TLS: a plain-text greeting arrived where a TLS handshake was expected: \"220"
             in out and "write smtp://" in out and "smtps://127.0.0.1:465" in out,
             "smtps:// on the submission port: 465/587 mix-up explained, exit 77", out)
        r = TernRun(k, "mix-smtp")
        r.account("a", smtp="smtp://%s:%d" % (HOST, k.ports["smtps"]), timeout=30, **{"from": "alice@example.com"})
        started = time.monotonic()
        rc, out, err = r.run("--test-account")
        took = time.monotonic() - started   # shown when it fails
        t.ok(rc == 77 and "it answers a TLS handshake instead" in out and "write smtps://" in out,
             "smtp:// on the smtps port: wants TLS from the first byte, exit 77", out)
        t.ok("sent no greeting in 3 s;" in out, "and says so after a short wait, not the 30 s timeout (issue 17.5)",
             (took, out))

        # -- TLS bytes where a greeting belongs (fake: a server that opens with a TLS alert)
        alert = socket.socket()
        alert.bind((HOST, 0))
        alert.listen(5)

        def send_alert():
            while True:
                try:
                    c, _ = alert.accept()
                except OSError:
                    return
                c.sendall(b"\x15\x03\x03\x00\x02\x02\x46")
                time.sleep(0.2)
                c.close()
        threading.Thread(target=send_alert, daemon=True).start()
        r = TernRun(k, "fake-alert")
        r.account("a", pop3="pop3", port=alert.getsockname()[1])
        rc, out, err = r.run("--test-account")
        t.ok(rc == 77 and "\u2717 greeting: the server sent TLS data (or binary bytes) where a plain-text greeting "
             "was expected" in out and "write pop3s://" in out,
             "fake TLS alert instead of a greeting: the port wants TLS from the first byte", out)
        alert.close()

        # -- a port of another protocol
        r = TernRun(k, "other-proto")
        r.account("a", imap="imap", port=k.ports["pop3"])
        rc, out, err = r.run("--test-account")
        t.ok(rc == 76 and "\u2717 greeting: \"+OK" in out and "is a POP3 port, not IMAP" in out,
             "imap:// on the POP3 port: the greeting of another protocol", out)

        # -- a token for a POP3 server without SASL XOAUTH2
        r = TernRun(k, "pop-no-xoauth2")
        r.account("a", pop3="pop3s", password=False, oauth2_token_command="echo some-token")
        rc, out, err = r.run("--test-account")
        t.ok(rc == 77 and "does not offer SASL XOAUTH2 for POP3" in out,
             "a token for a POP3 server without XOAUTH2: says so, exit 77", out)

        # -- wrong passwords
        r = TernRun(k, "badpw")
        r.account("a", imap="imaps", password="wrong", smtp=smtp_url(k), **{"from": "alice@localhost"})
        rc, doc = test_json(t, r)
        t.is_(rc, 77, "wrong password: exit 77")
        if doc:
            imap, smtp = steps(doc, "imap"), steps(doc, "smtp")
            t.ok(not imap["login"]["ok"] and "login refused for user alice" in imap["login"]["detail"]
                 and "app password" in imap["login"]["advice"] and imap["login"]["error_class"] == "auth",
                 "wrong password over IMAP: login step, app password advice", imap.get("login"))
            t.ok(imap["tls"]["ok"] and "capabilities" not in imap, "wrong password: TLS passed before the login")
            t.ok(not smtp["auth"]["ok"] and "535" in smtp["auth"]["detail"] and "app password" in smtp["auth"]["advice"],
                 "wrong password over SMTP: 535 and the advice", smtp.get("auth"))
        r = TernRun(k, "badpw-pop")
        r.account("a", pop3="pop3", password="wrong")
        rc, out, err = r.run("--test-account")
        t.ok(rc == 77 and "\u2717 login: login refused for user alice" in out and "app password" in out,
             "wrong password over POP3: exit 77 with advice", out)

        # -- no AUTH: aiosmtpd answers 530 to MAIL
        r = TernRun(k, "noauth")
        r.account("a", smtp=smtp_url(k), password=False, **{"from": "alice@localhost"})
        rc, out, err = r.run("--test-account")
        t.is_(rc, 77, "sending without AUTH: exit 77")
        t.ok("AUTH: not tried" in out and "\u2717 test message: the server requires authentication" in out
             and "530" in out and "takes mail only after a login" in out,
             "sending without AUTH: 530 explained", out)

        # -- relay denied and policy refusals (fake server)
        fake = FakeSubmission(rcpt="550 5.7.1 <x>: Relay access denied")
        r = TernRun(k, "fake-relay")
        r.account("a", smtp="smtp://%s:%d" % (HOST, fake.port), password=False, tls="off",
                  **{"from": "alice@localhost"})
        rc, out, err = r.run("--test-account")
        t.ok(rc == 69 and "\u2717 test message: the server refused to relay" in out and "Relay access denied" in out
             and "refused by the server's policy" in out,
             "fake-relay: 550 5.7.1 relaying denied explained, exit 69", out)
        fake.close()
        fake = FakeSubmission(rcpt="553 5.1.8 sender not allowed")
        r = TernRun(k, "fake-553")
        r.account("a", smtp="smtp://%s:%d" % (HOST, fake.port), password=False, tls="off",
                  **{"from": "alice@localhost"})
        rc, out, err = r.run("--test-account")
        t.ok(rc == 69 and "the server will not relay: log in before sending" in out,
             "fake-553: 553 at RCPT explained as relaying", out)
        fake.close()
        fake = FakeSubmission(dot="554 5.7.1 Message rejected by policy")
        r = TernRun(k, "fake-policy")
        r.account("a", smtp="smtp://%s:%d" % (HOST, fake.port), password=False, tls="off",
                  **{"from": "alice@localhost"})
        rc, doc = test_json(t, r)
        p, s = failed_step(doc) if doc else (None, None)
        t.ok(rc == 69 and s and s["step"] == "send" and "554" in s["detail"] and "policy" in s["advice"],
             "fake-policy: 554 5.7.1 explained as a policy refusal", s)
        fake.close()

        # -- certificates
        for cert, want in (("untrusted", "not from a CA this machine trusts"),
                           ("wronghost", "the certificate is valid for mail.example.org, not for 127.0.0.1"),
                           ("expired", "the server's certificate expired on")):
            v = k.start_variant(cert)
            for proto, kind in (("imap", "imaps"), ("imap", "imap")):
                r = TernRun(k, "%s-%s" % (cert, kind))
                r.account("a", imap=kind, port=v.ports[kind])
                rc, doc = test_json(t, r)
                p, s = failed_step(doc) if doc else (None, None)
                t.is_(rc, 77, "%s certificate over %s: exit 77" % (cert, kind))
                t.ok(s and s["step"] == "tls" and want in s["advice"] and "issued by" in s["detail"],
                     "%s certificate over %s: TLS step with the certificate and advice" % (cert, kind), s)
                if cert == "untrusted":
                    pin = "tls-fingerprint sha256:%s" % k.cert_sha256("untrusted")
                    t.ok(s and pin in s["advice"], "untrusted over %s: the advice gives the fingerprint to pin "
                         "(issue 17.5)" % kind, s)
                if doc and cert == "wronghost":
                    tls = doc["accounts"][0]["servers"][0]["tls"]
                    t.ok(tls and tls["name_match"] is False and tls["verified"] is False,
                         "--json: name_match false for a mismatched certificate", tls)
            log = open(v.dovecot_log).read()
            t.ok("user=<alice>" not in log, "%s: no login reached the server" % cert)
            for kind, url in (("submission", "smtp"), ("smtps", "smtps")):
                r = TernRun(k, "%s-%s" % (cert, kind))
                r.account("a", smtp="%s://%s:%d" % (url, HOST, v.ports[kind]), **{"from": "alice@localhost"})
                rc, out, err = r.run("--test-account")
                t.ok(rc == 77 and "\u2717 TLS: TLSv1." in out and want in out and "AUTH" not in out,
                     "%s certificate over %s://: TLS step fails before AUTH, exit 77" % (cert, url), out)

        # -- the firewall case: SYNs dropped (full backlog), and refused
        black = socket.socket()
        black.bind((HOST, 0))
        black.listen(0)
        port = black.getsockname()[1]
        fillers = []
        for _ in range(3):
            c = socket.socket()
            c.setblocking(False)
            try:
                c.connect((HOST, port))
            except BlockingIOError:
                pass
            fillers.append(c)
        time.sleep(0.2)
        r = TernRun(k, "black")
        r.account("a", imap="imaps", port=port, timeout=2)
        start = time.time()
        rc, out, err = r.run("--test-account")
        t.ok(rc == 69 and "\u2717 TCP connect:" in out and "no answer after 2 s" in out
             and "firewall" in out, "a port that drops SYNs: connect timeout, firewall advice, exit 69", out)
        t.ok(time.time() - start < 15, "the timeout is the account's")
        for c in fillers:
            c.close()
        black.close()
        closed = free_ports(1)[0]
        r = TernRun(k, "refused")
        r.account("a", imap="imaps", port=closed)
        rc, out, err = r.run("--test-account")
        t.ok(rc == 69 and "Connection refused" in out and "nothing accepts connections on port %d" % closed in out
             and "IMAP is usually port 993 with imaps://" in out, "connection refused: check the port, exit 69", out)


    # -- a server without STARTTLS; tls off
    with Kit(tls=False) as k:
        r = TernRun(k, "nostarttls")
        r.account("a", imap="imap")
        rc, out, err = r.run("--test-account")
        t.ok(rc == 77 and "\u2717 TLS: the server does not offer STARTTLS" in out
             and "this port offers no STARTTLS: use the implicit TLS port (imaps://127.0.0.1:993)" in out,
             "no STARTTLS offered: exit 77, use the TLS port", out)
        t.ok("user=<alice>" not in open(k.dovecot_log).read(), "no STARTTLS: no login was sent")
        r = TernRun(k, "tlsoff")
        r.account("a", imap="imap", tls="off")
        rc, out, err = r.run("--test-account")
        t.ok(rc == 0 and "\u2713 TLS: not used: tls off" in out, "tls off: passes, says the password is in plain text",
             out)


run(main)
