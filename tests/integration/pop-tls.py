#!/usr/bin/python3
"""POP3 connection security against every POP3 server of the kit's
matrix (Dovecot, Cyrus): every certificate rejection (pop3s:// and
pop3:// with STLS) exits 77 before any credential reaches the server
(Dovecot's log proves no login was tried; Cyrus logs only to syslog); a
wrong
password exits 77 with the server's own words; STLS is required on
pop3:// unless tls off; an unreachable server exits 69; nothing is
written to the Maildir or deleted when the session fails."""

import os
import poplib
import socket
import ssl
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit, HOST, matrix  # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun            # noqa: E402


def no_login_attempted(kit, user="alice"):
    """Dovecot (auth_verbose) logs every login attempt and names the user."""
    log = open(kit.dovecot_log).read()
    return ("user=<%s>" % user) not in log and "auth failed" not in log.lower()


def on_server(kit, user="alice"):
    """How many messages the server holds for user (POP3 STAT; the
    certificate is not checked: a variant presents a bad one)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    p = poplib.POP3_SSL(HOST, kit.ports["pop3s"], context=ctx, timeout=10)
    try:
        p.user(user)
        p.pass_(kit.users[user])
        return p.stat()[0]
    finally:
        p.quit()


def new_files(t, account="acct"):
    d = os.path.join(t.home, "data", "tern", account, "new")
    return os.listdir(d) if os.path.isdir(d) else []


def main(t):
    for server in matrix("pop3"):
        with Kit(**server) as k:
            t.prefix = k.name + ": "
            for cert, why in (("untrusted", "untrusted issuer: the certificate was issued by"),
                              ("wronghost", "host name mismatch: the certificate is for mail.example.org, not 127.0.0.1"),
                              ("expired", "the certificate expired on")):
                v = k.start_variant(cert)
                v.generate("alice", 3)
                for kind in ("pop3s", "pop3"):
                    r = TernRun(k, "%s-%s" % (cert, kind))
                    r.account("acct", pop3=kind, port=v.ports[kind], password="S3cret-%s" % cert)
                    rc, out, err = r.run("--fetch")
                    t.is_(rc, 77, "%s certificate over %s: exit 77" % (cert, kind))
                    t.ok(why in err, "%s over %s: says why in words" % (cert, kind), err)
                    t.ok(("account acct, server %s://127.0.0.1:%d:" % (kind, v.ports[kind])) in err,
                         "%s over %s: names account and server" % (cert, kind), err)
                    t.ok(len(err.strip().splitlines()) == 1 and out == "", "%s over %s: one line, no counts"
                         % (cert, kind), out + err)
                    t.is_(new_files(r), [], "%s over %s: nothing downloaded" % (cert, kind))
                time.sleep(0.3)
                if k.imap_server == "dovecot":
                    t.ok(no_login_attempted(v), "%s: no login reached the server" % cert)
                t.is_(on_server(v), 3, "%s: the server still has its 3 messages" % cert)

            # Pinning accepts an untrusted certificate.
            v = k.start_variant("untrusted")
            r = TernRun(k, "pin-ok")
            r.account("acct", pop3="pop3s", port=v.ports["pop3s"], pop3_keep="yes",
                      tls_fingerprint="sha256:" + k.cert_sha256("untrusted"))
            rc, out, err = r.run("--fetch")
            t.is_(rc, 0, "matching tls-fingerprint accepts the pinned certificate over POP3")

            # Wrong password: the server's words.
            k.generate("alice", 2)
            r = TernRun(k, "badpw")
            r.account("acct", pop3="pop3s", password="wrong-password")
            rc, out, err = r.run("--fetch")
            t.is_(rc, 77, "wrong password: exit 77")
            words = "[AUTH] Authentication failed." if k.imap_server == "dovecot" else "[AUTH]"
            t.ok("account acct, server pop3s://127.0.0.1:%d: login refused for user alice: %s"
                 % (k.ports["pop3s"], words) in err, "wrong password: the server's words, account and server", err)
            t.ok("wrong-password" not in err, "the password is not printed")
            r = TernRun(k, "badpw-stls")
            r.account("acct", pop3="pop3", password="wrong-password")
            rc, out, err = r.run("--fetch")
            t.ok(rc == 77 and words in err, "wrong password over STLS: exit 77", err)

            r = TernRun(k, "pwcmd")
            r.account("acct", pop3="pop3s", password=False, password_command="echo secret; echo ignored",
                      pop3_keep="yes")
            rc, out, err = r.run("--fetch")
            t.is_(rc, 0, "password-command: the first line of its output is the password")
            r = TernRun(k, "nopw")
            r.account("acct", pop3="pop3s", password=False)
            rc, out, err = r.run("--fetch", input=b"")
            t.ok(rc == 77 and "no password" in err, "no password and no terminal: exit 77", err)

            # Unreachable.
            free = socket.socket()
            free.bind((HOST, 0))
            port = free.getsockname()[1]
            free.close()
            r = TernRun(k, "refused")
            r.account("acct", pop3="pop3s", port=port)
            rc, out, err = r.run("--fetch")
            t.ok(rc == 69 and "cannot connect to 127.0.0.1 port %d: Connection refused" % port in err,
                 "connection refused: exit 69 and says so", err)

    t.prefix = ""

    # A server without TLS: pop3:// must refuse; tls off may log in.
    with Kit(tls=False) as k:
        k.generate("alice", 2)
        r = TernRun(k, "nostls")
        r.account("acct", pop3="pop3", tls_ca_file=None)
        rc, out, err = r.run("--fetch")
        t.is_(rc, 77, "STLS not offered: exit 77")
        t.ok("does not offer STLS" in err, "STLS not offered: says so", err)
        time.sleep(0.3)
        t.ok(no_login_attempted(k), "STLS not offered: no login reached the server")
        r = TernRun(k, "tlsoff")
        r.account("acct", pop3="pop3", tls_ca_file=None, tls="off", pop3_keep="yes")
        rc, out, err = r.run("--fetch")
        t.is_(rc, 0, "tls off logs in in plain text")
        t.ok("plain text" in err, "tls off is warned about", err)
        t.is_(len(new_files(r)), 2, "tls off: the messages came")


run(main)
