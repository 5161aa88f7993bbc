#!/usr/bin/python3
"""Sending through each submission server of the kit's matrix (aiosmtpd,
Exim) with the smtp module and
mime-build (driven by tests/integration/smtp-driver), then reading the
mail back over IMAP with Python's own reader: STARTTLS on 587-style and
implicit TLS on 465-style ports, headers decoded right, attachments byte
for byte, Bcc delivered but never in the header. The failures a real
server gives: 530 without credentials, 535 for a wrong password, 550 for
a recipient it will not take, an address with CR/LF (nothing sent), and
the server killed in the middle of DATA (a connection error, never
"accepted", and nothing delivered)."""

import email
import email.policy
import imaplib
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "kit"))
from kit import Kit, HOST, matrix, missing   # noqa: E402
from tap import run                  # noqa: E402

import importlib.util                # noqa: E402
_spec = importlib.util.spec_from_file_location("smtp_fake", os.path.join(HERE, "smtp-fake.py"))
smtp_fake = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(smtp_fake)
drive, driver_path = smtp_fake.drive, smtp_fake.driver_path

SUBJECT = "Réunion ✓ — 日本語の件名 and a long enough subject to need folding twice"
TEXT = ("Bonjour Bob,\n\nUne ligne très longue " + "é" * 120 + " fin.\n"
        "trailing spaces   \nFrom here on\n.\nbye\n")


def fetch(kit, user, message_id, seconds=10):
    """The raw messages in user's INBOX with this Message-ID, waited for
    up to `seconds` (Exim delivers after its 250, not before)."""
    end = time.time() + seconds
    while True:
        found = fetch_now(kit, user, message_id)
        if found or time.time() > end:
            return found
        time.sleep(0.1)


def fetch_now(kit, user, message_id):
    imap = imaplib.IMAP4(HOST, kit.ports["imap"], timeout=10)
    try:
        imap.login(user, kit.users[user])
        imap.select("INBOX")
        typ, data = imap.search(None, "HEADER", "Message-ID", '"%s"' % message_id)
        found = []
        for num in data[0].split():
            typ, parts = imap.fetch(num, "(RFC822)")
            found.append(parts[0][1])
        return found
    finally:
        imap.logout()


def inbox_count(kit, user):
    return len(os.listdir(os.path.join(kit.maildir(user), "new"))) + \
        len(os.listdir(os.path.join(kit.maildir(user), "cur")))


def send(kit, port_name, *extra, user="alice", password=None):
    mode = "--smtps" if port_name == "smtps" else "--starttls"
    args = ["--host", HOST, "--port", kit.ports[port_name], mode, "--ca", kit.ca_file, "--account", "work"]
    if user:
        args += ["--user", user, "--password", password or kit.users[user]]
    return drive(*(args + list(extra)))


def main(t):
    if missing():
        t.skip_all(missing())
    if driver_path() is None:
        t.skip_all("smtp-driver not built (make check builds it; or set SMTP_DRIVER)")
    with tempfile.TemporaryDirectory(prefix="tern-smtp-") as tmp:
        run_all(t, tmp)


def run_all(t, tmp):
    pdf = os.path.join(tmp, "report.bin")
    pdf_bytes = b"%PDF-1.7\n" + os.urandom(300000) + b"\r\n.\r\n\n.\nend"
    with open(pdf, "wb") as f:
        f.write(pdf_bytes)
    notes = os.path.join(tmp, "notes.txt")
    with open(notes, "wb") as f:
        f.write(b"line one\r\n.leading dot\r\nlast line without newline")

    for server in matrix("smtp"):
        with Kit(**server) as k:
            t.prefix = k.name + ": "
            # -- the good paths, read back over IMAP
            rc, r, out = send(k, "submission", "--from", "Zoë Ångström <alice@localhost>",
                              "--to", "Bob Example <bob@localhost>", "--bcc", "alice@localhost",
                              "--subject", SUBJECT, "--text", TEXT,
                              "--attach", pdf + "=Relatório final ✓.pdf", "--attach", notes)
            t.is_(rc, 0, "submission (STARTTLS): exit 0")
            t.ok(r.get("accepted") == "1" and r.get("code") == "250", "submission: accepted with 250", out)
            t.ok(r.get("tls", "").startswith("TLSv1."), "submission: over TLS (%s)" % r.get("tls"))
            t.is_(r.get("auth"), "PLAIN", "submission: AUTH PLAIN")
            t.is_(r.get("size-limit"), "33554432", "submission: SIZE limit from EHLO kept")
            mid = r.get("message-id", "")
            for user, role in (("bob", "To"), ("alice", "Bcc")):
                got = fetch(k, user, mid)
                t.is_(len(got), 1, "submission: delivered once to the %s recipient %s" % (role, user))
                if not got:
                    continue
                raw = got[0]
                msg = email.message_from_bytes(raw, policy=email.policy.default)
                t.is_(str(msg["Subject"]), SUBJECT, "%s copy: Subject decodes right" % role)
                t.is_(str(msg["From"]), "Zoë Ångström <alice@localhost>", "%s copy: From name decodes right" % role)
                # a field named Bcc, at any line start (not the letters bcc, which a
                # random Message-ID or boundary can hold)
                head = b"\n" + raw.replace(b"\r\n", b"\n").split(b"\n\n")[0].lower()
                t.ok(msg["Bcc"] is None and b"\nbcc:" not in head, "%s copy: no Bcc in the header" % role)
                t.ok(all(b < 128 for b in raw), "%s copy: the message is 7-bit" % role)
                body = msg.get_body(("plain",))
                t.is_(body.get_content().replace("\r\n", "\n"), TEXT, "%s copy: text decodes right" % role)
                atts = list(msg.iter_attachments())
                t.is_([a.get_filename() for a in atts], ["Relatório final ✓.pdf", "notes.txt"],
                      "%s copy: file names decode right" % role)
                if len(atts) == 2:
                    t.is_(atts[0].get_content_type(), "application/pdf", "%s copy: type from the extension" % role)
                    t.ok(atts[0].get_payload(decode=True) == pdf_bytes, "%s copy: 300 KB binary byte for byte" % role)
                    t.ok(atts[1].get_payload(decode=True) == open(notes, "rb").read(),
                         "%s copy: text file (CRLF, leading dot, no final newline) byte for byte" % role)

            rc, r, out = send(k, "smtps", "--from", "alice@localhost", "--to", "bob@localhost",
                              "--subject", "via smtps", "--text", "implicit TLS\n", "--attach", pdf)
            t.is_(rc, 0, "smtps (implicit TLS): exit 0")
            got = fetch(k, "bob", r.get("message-id", ""))
            t.ok(len(got) == 1 and list(email.message_from_bytes(got[0], policy=email.policy.default)
                                        .iter_attachments())[0].get_payload(decode=True) == pdf_bytes,
                 "smtps: delivered, attachment byte for byte", out)

            # -- refusals from the real server
            before = inbox_count(k, "bob")
            rc, r, out = send(k, "submission", "--from", "alice@localhost", "--to", "bob@localhost", "--text", "x",
                              user=None)
            t.is_(rc, 77, "no credentials: exit 77")
            t.ok(r.get("code") == "530" and r.get("stage") == "mail" and
                 "the server requires authentication: set user and password for account work" in r.get("explanation", ""),
                 "no credentials: 530 at MAIL FROM, explained", out)
            t.ok("5.7.0 Authentication required" in r.get("server", ""), "no credentials: the server's words shown")

            rc, r, out = send(k, "submission", "--from", "alice@localhost", "--to", "bob@localhost", "--text", "x",
                              password="wrong-password")
            t.is_(rc, 77, "wrong password: exit 77")
            t.ok(r.get("open") == "failed" and r.get("class") == "auth" and
                 "refused the password of user alice" in r.get("explanation", "") and
                 "535" in r.get("explanation", ""), "wrong password: 535 explained", out)
            rc, r, out = send(k, "smtps", "--from", "alice@localhost", "--to", "bob@localhost", "--text", "x",
                              password="wrong-password")
            t.ok(rc == 77 and "535" in r.get("explanation", ""), "wrong password over smtps: 535 explained", out)

            rc, r, out = send(k, "submission", "--from", "alice@localhost", "--to", "bob@localhost",
                              "--to", "nobody@localhost", "--text", "x")
            t.is_(rc, 69, "unknown recipient: exit 69")
            t.ok(r.get("code") == "550" and r.get("refused-rcpt") == "1" and
                 "no mailbox <nobody@localhost>: check the address" in r.get("explanation", "") and
                 "no such user here" in r.get("explanation", ""), "unknown recipient: 550 names it, with the server's words",
                 out)

            rc, r, out = send(k, "submission", "--from", "alice@localhost",
                              "--rcpt", "bob@localhost\r\nRCPT TO:<alice@localhost>", "--text", "x")
            t.is_(rc, 65, "CR/LF in an address: exit 65")
            t.ok(r.get("class") == "data" and "contains a line break" in r.get("explanation", ""),
                 "CR/LF in an address: refused, named", out)
            time.sleep(0.3)
            t.is_(inbox_count(k, "bob"), before, "refusals: nothing was delivered to bob")

            # -- the server killed in the middle of DATA
            big = os.path.join(tmp, "big.bin")
            with open(big, "wb") as f:
                f.write(os.urandom(3 << 20))
            before = inbox_count(k, "alice")
            proc = subprocess.Popen([driver_path(), "--host", HOST, "--port", str(k.ports["submission"]), "--starttls",
                                     "--ca", k.ca_file, "--user", "alice", "--password", "secret",
                                     "--from", "alice@localhost", "--to", "alice@localhost", "--text", "big one",
                                     "--attach", big, "--pause-in-data"],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            lines = []
            for line in proc.stdout:
                lines.append(line.decode())
                if line.startswith(b"in-data"):
                    break
            t.ok(lines and lines[-1].startswith("in-data"), "kill: the driver reached DATA", "".join(lines))
            k.smtp_kill()
            proc.stdin.write(b"go\n")
            proc.stdin.flush()
            proc.stdin = None  # closed by communicate's caller: nothing more to say
            rest, err = proc.communicate(timeout=60)
            out = "".join(lines) + rest.decode()
            fields = {}
            for line in out.splitlines():
                key, sep, value = line.partition(": ")
                if sep and key not in fields:
                    fields[key] = value
            t.is_(proc.returncode, 69, "kill: exit 69 (connection), not a crash")
            t.ok(fields.get("accepted") == "0" and fields.get("class") == "connection" and
                 fields.get("stage") == "message", "kill mid-DATA: a connection error at the message, not accepted",
                 out + err.decode())
            t.ok("not delivered" in fields.get("explanation", ""), "kill mid-DATA: says it was not delivered", out)
            k.smtp_start()
            time.sleep(0.3)
            t.is_(inbox_count(k, "alice"), before, "kill mid-DATA: nothing was delivered")
            rc, r, out = send(k, "submission", "--from", "alice@localhost", "--to", "alice@localhost",
                              "--text", "after the restart", "--attach", big)
            t.ok(rc == 0 and len(fetch(k, "alice", r.get("message-id", ""))) == 1,
                 "kill: after a restart the same 3 MB message goes through", out)


if __name__ == "__main__":
    run(main)
