#!/usr/bin/python3
"""Scripted sending with tern's flags against the kit (each SMTP server of
its matrix: aiosmtpd, Exim), every result read
back over IMAP: attachments byte-identical, UTF-8 subject and file names,
Bcc delivered but absent from the header, one Sent copy; --dry-run; bad
input (newline in -s, bad address, unreadable attachment) is 65 with
nothing sent; 530 without credentials is 77 and the message stays in the
outbox until --flush-outbox; a server that is down queues (75) and the
flush delivers exactly once; a failing Sent APPEND keeps the copy and
never sends twice; mailto: URIs."""

import email.header
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit, matrix         # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun            # noqa: E402

BLOB = os.urandom(40000)


def outbox(r):
    d = os.path.join(r.env["XDG_DATA_HOME"], "tern", "outbox", "new")
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def account(r, k, name, **keys):
    keys.setdefault("from", "Alice Example <alice@example.com>")
    keys.setdefault("smtp", "smtp://127.0.0.1:%d" % k.ports["submission"])
    r.account(name, imap="imaps", **{key.replace("-", "_"): v for key, v in keys.items()})


def main(t):
    for server in matrix("smtp"):
        with Kit(**server) as k:
            t.prefix = k.name + ": "
            r = TernRun(k, "send")
            account(r, k, "main")
            work = os.path.join(r.home, "files")
            os.makedirs(work)
            bin_path = os.path.join(work, "data.bin")
            with open(bin_path, "wb") as f:
                f.write(BLOB)
            utf8_path = os.path.join(work, "résumé ü.txt")
            with open(utf8_path, "w") as f:
                f.write("plain text attachment\n")

            rc, out, err = r.run("-s", "Grüße aus München", "-a", bin_path, "-a", utf8_path, "-b", "bob@example.com",
                                 "alice@example.com", input="Hallo Welt — ünïcödé body\n".encode())
            t.is_(rc, 0, "sending with flags exits 0 (%s)" % err.strip())
            time.sleep(0.5)
            got = k.wait_messages("alice", "München")
            t.is_(len(got), 1, "the message arrived once")
            if got:
                m = got[0]
                t.is_(str(m["Subject"]), "Grüße aus München", "UTF-8 subject decoded right")
                t.ok("Bcc" not in m and "bob@example.com" not in str(m), "Bcc is not in the header")
                parts = [p for p in m.iter_attachments()]
                names = {p.get_filename(): p.get_content() for p in parts}
                t.ok(names.get("data.bin") == BLOB, "binary attachment byte-identical")
                t.ok(names.get("résumé ü.txt", b"").strip() in ("plain text attachment", b"plain text attachment"),
                     "UTF-8 file name decoded, content right", list(names))
                body = m.get_body(preferencelist=("plain",))
                t.ok(body and "ünïcödé" in body.get_content(), "UTF-8 body decoded")
            t.is_(len(k.wait_messages("bob", "München")), 1, "Bcc recipient got it")
            copies = k.messages(folder="Sent", subject="München")
            t.is_(len(copies), 1, "exactly one Sent copy")
            t.ok(copies and str(copies[0]["Bcc"]) == "bob@example.com", "the Sent copy keeps the Bcc (issue 17.6)",
                 copies and copies[0]["Bcc"])
            t.is_(outbox(r), [], "the outbox is empty after a send")

            rc, out, err = r.run("--dry-run", "-s", "Dry", "bob@example.com", input=b"text\n")
            t.ok(rc == 0 and "Subject: Dry" in out and "MIME-Version: 1.0" in out, "--dry-run prints the message")
            t.ok(not k.messages("bob", subject="Dry") and outbox(r) == [], "--dry-run sends nothing")

            rc, out, err = r.run("-s", "Evil\nBcc: victim@example.com", "bob@example.com", input=b"x\n")
            t.ok(rc == 65 and "header injection" in err, "newline in -s: exit 65", err)
            rc, out, err = r.run("-s", "x", "bob@example.com\r\nRCPT TO:<victim@example.com>", input=b"x\n")
            t.ok(rc == 65 and "header injection" in err, "newline in an address: exit 65", err)
            rc, out, err = r.run("-s", "x", "not-an-address", input=b"x\n")
            t.ok(rc == 65 and "bad address 'not-an-address'" in err, "bad address: exit 65", err)
            rc, out, err = r.run("-s", "x", "-a", "/nonexistent/file", "bob@example.com", input=b"x\n")
            t.ok(rc == 65 and "cannot read the attachment" in err, "unreadable attachment: exit 65", err)
            t.is_(outbox(r), [], "bad input leaves nothing in the outbox")

            rc, out, err = r.run("-s", "Via mailto", "mailto:bob@example.com?cc=alice%40example.com", input=b"hi\n")
            t.ok(rc == 0 and k.wait_messages("bob", "mailto") and k.wait_messages("alice", "mailto"), "a mailto: URI works", err)

            # 530: an account without credentials.
            r2 = TernRun(k, "nocreds")
            account(r2, k, "nocreds", user=None, password=False)
            rc, out, err = r2.run("-s", "Needs auth", "bob@example.com", input=b"x\n")
            t.ok(rc == 77 and "the server requires authentication: set user and password for account nocreds" in err,
                 "530 explained, exit 77", err)
            t.is_(len(outbox(r2)), 1, "the refused message stays in the outbox")
            t.ok("kept in the outbox as %s" % os.path.join(r2.env["XDG_DATA_HOME"], "tern", "outbox", "new") in err
                 and "--retry-failed" in err, "the error says where the message is kept and how to retry it", err)
            r2.lines = []
            account(r2, k, "nocreds")
            rc, out, err = r2.run("--flush-outbox")
            t.ok(rc == 0 and "0 sent, 1 still in the outbox (1 refused earlier, not sent again" in out
                 and len(outbox(r2)) == 1 and not k.messages("bob", subject="Needs auth"),
                 "a plain --flush-outbox does not send a refused message again", out + err)
            rc, out, err = r2.run("--flush-outbox", "--retry-failed")
            t.ok(rc == 0 and "1 sent, 0 still in the outbox" in out,
                 "after fixing the mailrc, --flush-outbox --retry-failed sends it", out + err)
            t.ok(len(k.wait_messages("bob", "Needs auth")) == 1 and outbox(r2) == [], "delivered once, the outbox empty")

            # The server down: queued (75), then delivered exactly once.
            k.smtp_stop()
            rc, out, err = r.run("-s", "While down", "bob@example.com", input=b"x\n")
            t.ok(rc == 75 and "queued in the outbox" in err, "server unreachable: exit 75, queued", err)
            t.ok("server smtp://127.0.0.1:%d:" % k.ports["submission"] in err and "imaps://" not in err,
                 "the error line names the SMTP server, not the IMAP one", err)
            t.is_(len(outbox(r)), 1, "the message waits in the outbox")
            k.smtp_start()
            rc, out, err = r.run("--flush-outbox")
            t.ok(rc == 0, "--flush-outbox after the restart exits 0", err)
            rc, out, err = r.run("--flush-outbox")
            time.sleep(0.5)
            t.is_(len(k.wait_messages("bob", "While down")), 1, "delivered exactly once")
            t.is_(len(k.messages(folder="Sent", subject="While down")), 1, "one Sent copy")

            # A Sent APPEND that fails keeps the copy, and never sends twice.
            r3 = TernRun(k, "nosent")
            account(r3, k, "nosent", folder_sent="Sent Later")
            rc, out, err = r3.run("-s", "Copy pending", "bob@example.com", input=b"x\n")
            t.ok(rc == 0 and "Sent copy is pending" in err, "a failing APPEND: exit 0 with a warning", err)
            t.is_(len(outbox(r3)), 1, "the copy is kept in the outbox")
            c = k.imap()
            c.create('"Sent Later"')
            c.logout()
            rc, out, err = r3.run("--flush-outbox")
            time.sleep(0.5)
            t.ok(rc == 0 and outbox(r3) == [], "--flush-outbox stores the copy and empties the outbox", out + err)
            t.is_(len(k.messages(folder="Sent Later", subject="Copy pending")), 1, "one copy in the Sent folder")
            t.is_(len(k.wait_messages("bob", "Copy pending")), 1, "and the message was not sent twice")

            # folder-sent none: no copy at all.
            r4 = TernRun(k, "nocopy")
            account(r4, k, "nocopy", folder_sent="none")
            rc, out, err = r4.run("-s", "No copy wanted", "bob@example.com", input=b"x\n")
            t.ok(rc == 0 and not k.messages(folder="Sent", subject="No copy wanted"), "folder-sent none keeps no copy")

    t.prefix = ""

    # A server with no Sent folder at all (issue 16: the copy waited as
    # "awaiting Sent copy" for ever): tern makes one and stores the copy.
    no_sent = "namespace inbox {\n  mailbox Sent {\n    special_use =\n    auto = no\n  }\n}\n"
    with Kit(extra_conf=no_sent) as k:
        c = k.imap()
        typ, listed = c.list()
        c.logout()
        t.ok(not any(b'"Sent"' in line or line.endswith(b" Sent") for line in listed),
             "the server has no Sent folder", listed)
        r = TernRun(k, "nosent")
        account(r, k, "main")
        rc, out, err = r.run("-s", "Where does the copy go", "alice@example.com", input=b"body\n")
        t.ok(rc == 0 and "pending" not in err and not outbox(r), "no Sent folder: sent, nothing left pending", err)
        t.is_(len(k.messages(folder="Sent", subject="Where does the copy go")), 1,
              "no Sent folder: tern made Sent and stored the copy there")

    # The same on Cyrus, which has CREATE-SPECIAL-USE (RFC 6154): the Sent
    # folder tern makes is marked \Sent for every client.
    if {"imap_server": "cyrus"} in matrix("imap"):
        import imaplib
        imaplib.Commands.setdefault("SETMETADATA", ("AUTH", "SELECTED"))
        with Kit(imap_server="cyrus") as k:
            c = k.imap()
            c._simple_command("SETMETADATA", "Sent", "(/private/specialuse NIL)")  # Cyrus protects \Sent
            typ, why = c.delete("Sent")
            typ, listed = c.list()
            c.logout()
            t.ok(not any(line.endswith(b" Sent") for line in listed), "cyrus: the Sent folder is gone", listed)
            r = TernRun(k, "nosent")
            account(r, k, "main")
            rc, out, err = r.run("-s", "Made with its role", "alice@example.com", input=b"body\n")
            c = k.imap()
            typ, listed = c.list()
            c.logout()
            t.ok(rc == 0 and not outbox(r) and any(line.lower().endswith(b" sent") and b"\\sent" in line.lower()
                                                   for line in listed),
                 "cyrus: tern made Sent with CREATE ... (USE (\\Sent)): the server lists it as \\Sent",
                 (err, listed))
            t.is_(len(k.messages(folder="Sent", subject="Made with its role")), 1, "cyrus: and stored the copy there")


if __name__ == "__main__":
    run(main)
