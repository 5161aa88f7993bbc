#!/usr/bin/python3
"""IMAP connection security, the real-server part on every IMAP server of
the kit's matrix (Dovecot, Cyrus): every TLS rejection path stops before
any credential reaches the server (Dovecot's own log proves no login was
attempted; Cyrus logs only to syslog), STARTTLS is required on imap://,
PREAUTH is refused where TLS
must come first, and the good paths (STARTTLS, pinning, tls off) work.
Tests named fake-* talk to a scripted server on 127.0.0.1, for replies a
real Dovecot will not produce."""

import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit, HOST, matrix  # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun            # noqa: E402


def no_login_attempted(kit, user="alice"):
    """Dovecot (auth_verbose) logs every login attempt and names the user."""
    log = open(kit.dovecot_log).read()
    return ("user=<%s>" % user) not in log and "auth failed" not in log.lower()


def fake_server(script):
    """A one-connection scripted IMAP server. script(conn) talks to tern;
    everything tern sends is recorded. Returns (port, recorded list)."""
    sock = socket.socket()
    sock.bind((HOST, 0))
    sock.listen(1)
    recorded = []

    def serve():
        conn, _ = sock.accept()
        conn.settimeout(10)
        try:
            script(conn, recorded)
        except OSError:
            pass
        finally:
            conn.close()
            sock.close()
    threading.Thread(target=serve, daemon=True).start()
    return sock.getsockname()[1], recorded


def read_line(conn, recorded):
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(1)
        if not chunk:
            break
        data += chunk
    recorded.append(data)
    return data


def main(t):
    for server in matrix("imap"):
        with Kit(**server) as k:
            t.prefix = k.name + ": "
            for cert, why in (("untrusted", "untrusted issuer: the certificate was issued by"),
                              ("wronghost", "host name mismatch: the certificate is for mail.example.org, not 127.0.0.1"),
                              ("expired", "the certificate expired on")):
                v = k.start_variant(cert)
                for kind in ("imaps", "imap"):
                    r = TernRun(k, "%s-%s" % (cert, kind))
                    r.account("acct", imap=kind, port=v.ports[kind], password="S3cret-%s" % cert)
                    rc, out, err = r.run("-H")
                    t.is_(rc, 77, "%s certificate over %s: exit 77" % (cert, kind))
                    t.ok(why in err, "%s over %s: says why in words" % (cert, kind), err)
                    t.ok(("account acct, server %s://127.0.0.1:%d:" % (kind, v.ports[kind])) in err,
                         "%s over %s: names account and server" % (cert, kind), err)
                    t.ok(len(err.strip().splitlines()) == 1, "%s over %s: one line" % (cert, kind), err)
                time.sleep(0.3)
                if k.imap_server == "dovecot":
                    t.ok(no_login_attempted(v), "%s: no login reached the server" % cert)

            # Pinning: a matching pin accepts an untrusted certificate; a wrong one refuses a valid one.
            v = k.start_variant("untrusted")
            r = TernRun(k, "pin-ok")
            r.account("acct", imap="imaps", port=v.ports["imaps"],
                      tls_fingerprint="sha256:" + k.cert_sha256("untrusted"))
            rc, out, err = r.run("-H")
            t.is_(rc, 0, "matching tls-fingerprint accepts the pinned certificate")
            r = TernRun(k, "pin-bad")
            r.account("acct", imap="imaps", tls_fingerprint="sha256:" + k.cert_sha256("expired"))
            rc, out, err = r.run("-H")
            t.is_(rc, 77, "pin mismatch: exit 77")
            t.ok("certificate pin mismatch: the server's certificate is sha256:%s" % k.cert_sha256("valid") in err,
                 "pin mismatch names both fingerprints", err)

            # Good paths on the real server.
            r = TernRun(k, "starttls")
            r.account("acct", imap="imap")
            rc, out, err = r.run("-H")
            t.is_(rc, 0, "imap:// with STARTTLS and a valid certificate works")
            r = TernRun(k, "imaps")
            r.account("acct", imap="imaps")
            rc, out, err = r.run("-H")
            t.is_(rc, 0, "imaps:// with a valid certificate works")
            r = TernRun(k, "noca")
            r.account("acct", imap="imaps", tls_ca_file=None)
            rc, out, err = r.run("-H")
            t.ok(rc == 77 and "untrusted issuer" in err, "without tls-ca-file the test CA is not trusted", err)

            r = TernRun(k, "badpw")
            r.account("acct", imap="imaps", password="wrong-password")
            rc, out, err = r.run("-H")
            t.is_(rc, 77, "wrong password: exit 77")
            t.ok("login refused for user alice:" in err and "account acct, server imaps://" in err,
                 "wrong password: the server's words, account and server", err)

            r = TernRun(k, "pwcmd")
            r.account("acct", imap="imaps", password=False, password_command="exit 3")
            rc, out, err = r.run("-H")
            t.ok(rc == 78 and 'password-command "exit 3" failed (exit status 3)' in err,
                 "a failing password-command is named", err)
            r = TernRun(k, "pwcmd-ok")
            r.account("acct", imap="imaps", password=False, password_command="echo secret; echo ignored")
            rc, out, err = r.run("-H")
            t.is_(rc, 0, "password-command: first line of its output is the password")

    t.prefix = ""

    # XOAUTH2 against Dovecot's oauth2 passdb: the token comes from
    # oauth2-token-command and is checked by the server.
    with Kit(oauth2_tokens={"tok-alice-123": "alice"}) as k:
        r = TernRun(k, "oauth-ok")
        r.account("acct", imap="imaps", password=False, oauth2_token_command="echo tok-alice-123")
        rc, out, err = r.run("-H")
        t.is_(rc, 0, "XOAUTH2 with a valid token from oauth2-token-command logs in")
        t.ok("user=<alice>" in open(k.dovecot_log).read() and "xoauth2" in open(k.dovecot_log).read().lower(),
             "the server saw an XOAUTH2 login for alice")
        r = TernRun(k, "oauth-bad")
        r.account("acct", imap="imaps", password=False, oauth2_token_command="echo tok-wrong")
        rc, out, err = r.run("-H")
        t.ok(rc == 77 and "login refused for user alice" in err, "XOAUTH2 with a refused token: exit 77", err)
        t.ok("tok-wrong" not in err, "the token is not printed", err)

    # A server without TLS at all: imap:// must refuse, tls off may log in.
    with Kit(tls=False) as k:
        r = TernRun(k, "nostarttls")
        r.account("acct", imap="imap", tls_ca_file=None)
        rc, out, err = r.run("-H")
        t.is_(rc, 77, "STARTTLS not offered: exit 77")
        t.ok("does not offer STARTTLS" in err, "STARTTLS not offered: says so", err)
        time.sleep(0.3)
        t.ok(no_login_attempted(k), "STARTTLS not offered: no login reached the server")
        r = TernRun(k, "tlsoff")
        r.account("acct", imap="imap", tls_ca_file=None, tls="off")
        rc, out, err = r.run("-H")
        t.is_(rc, 0, "tls off logs in in plain text")
        t.ok("plain text" in err, "tls off is warned about", err)

    # fake-preauth: PREAUTH where STARTTLS is required.
    def preauth(conn, rec):
        conn.sendall(b"* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n")
        while read_line(conn, rec):
            pass
    port, rec = fake_server(preauth)
    with Kit() as k:
        r = TernRun(k, "preauth")
        r.account("acct", imap="imap", port=port, password="PreauthSecret")
        rc, out, err = r.run("-H")
    t.is_(rc, 77, "fake-preauth: exit 77")
    t.ok("PREAUTH" in err and "refusing" in err, "fake-preauth: says why", err)
    t.ok(not any(b"PreauthSecret" in line or b"LOGIN" in line.upper() for line in rec),
         "fake-preauth: no credential sent", rec)

    # fake-starttls-injection: a command smuggled in after the STARTTLS OK.
    def inject(conn, rec):
        conn.sendall(b"* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n")
        while True:
            line = read_line(conn, rec)
            if not line:
                return
            tag = line.split(b" ")[0]
            if b"CAPABILITY" in line.upper():
                conn.sendall(b"* CAPABILITY IMAP4rev1 STARTTLS\r\n" + tag + b" OK done\r\n")
            elif b"STARTTLS" in line.upper():
                conn.sendall(tag + b" OK begin TLS\r\n* OK injected\r\n")
    port, rec = fake_server(inject)
    with Kit() as k:
        r = TernRun(k, "inject")
        r.account("acct", imap="imap", port=port, password="InjectSecret")
        rc, out, err = r.run("-H")
    t.ok(rc == 77 and "after agreeing to STARTTLS" in err, "fake-starttls-injection: refused", err)
    t.ok(not any(b"InjectSecret" in line for line in rec), "fake-starttls-injection: no credential sent")

    # fake-silent: a server that accepts and never speaks; timeout 2 s.
    sock = socket.socket()
    sock.bind((HOST, 0))
    sock.listen(1)
    with Kit() as k:
        r = TernRun(k, "silent")
        r.account("acct", imap="imaps", port=sock.getsockname()[1], timeout=2)
        start = time.time()
        rc, out, err = r.run("-H", timeout=30)
        took = time.time() - start
    sock.close()
    t.is_(rc, 69, "fake-silent: exit 69")
    t.ok("did not answer for 2 s" in err, "fake-silent: says the server did not answer", err)
    t.ok(took < 20, "fake-silent: tern gives up instead of hanging (%.1f s)" % took)

    # Connection refused.
    with Kit() as k:
        free = socket.socket()
        free.bind((HOST, 0))
        port = free.getsockname()[1]
        free.close()
        r = TernRun(k, "refused")
        r.account("acct", imap="imaps", port=port)
        rc, out, err = r.run("-H")
    t.ok(rc == 69 and "cannot connect to 127.0.0.1 port %d: Connection refused" % port in err,
         "connection refused: exit 69 and says so", err)


run(main)
