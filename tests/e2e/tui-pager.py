#!/usr/bin/python3
"""e2e: reading messages in the pager (tmux, against the kit): a UTF-8
multipart message decoded, HTML through html-filter, the attachment list,
saving an attachment byte for byte (and never over a file without asking),
the boundary="\\"" message that overflows Debian's libetpan, hostile bytes
in a body, pipe, the raw view, \\Seen set by tern, and reading offline
from the body cache once the server is gone."""

import base64
import imaplib
import os
import ssl
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit                 # noqa: E402
from screen import Screen           # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun, TERN      # noqa: E402

BLOB = bytes((i * 37 + 11) % 256 for i in range(3000))


def messages():
    b64 = base64.encodebytes(BLOB).decode().replace("\n", "\r\n")
    return [
        "From: =?UTF-8?Q?J=C3=BCrgen?= <j@example.org>\r\nSubject: multipart greeting\r\n"
        "Date: Mon, 1 Jan 2035 00:00:01 +0000\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n--alt\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
        "Gr=C3=BC=C3=9Fe aus M=C3=BCnchen =E2=80=94 =E6=9D=B1=E4=BA=AC\r\n> quoted line\r\n--alt\r\n"
        "Content-Type: text/html; charset=utf-8\r\n\r\n<p>HTML ALTERNATIVE</p>\r\n--alt--\r\n",
        "From: web@example.org\r\nSubject: html only letter\r\nDate: Mon, 1 Jan 2035 00:00:02 +0000\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        "<html><body><p>Hello <b>rendered</b> world</p><script>evil()</script></body></html>\r\n",
        "From: files@example.org\r\nSubject: with attachment\r\nDate: Mon, 1 Jan 2035 00:00:03 +0000\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"mix\"\r\n\r\n--mix\r\n"
        "Content-Type: text/plain\r\n\r\nsee attached\r\n--mix\r\n"
        "Content-Type: application/octet-stream\r\n"
        "Content-Disposition: attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.bin\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n" + b64 + "--mix--\r\n",
        "From: overflow@example.org\r\nSubject: boundary quote\r\nDate: Mon, 1 Jan 2035 00:00:04 +0000\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"\\\"\"\r\n\r\n--\"\r\n"
        "Content-Type: text/plain\r\n\r\nstill readable text\r\n--\"--\r\n",
        "From: evil@example.org\r\nSubject: hostile body\r\nDate: Mon, 1 Jan 2035 00:00:05 +0000\r\n\r\n"
        "line one \x1b]2;HACKED\x07 \x1b[2J cleared? \u202eevil\r\n",
    ]


def main(t):
    with Kit() as k:
        k.generate("alice", 20)
        ctx = ssl.create_default_context(cafile=k.ca_file)
        c = imaplib.IMAP4_SSL(k.host, k.ports["imaps"], ssl_context=ctx, timeout=10)
        c.login("alice", "secret")
        for m in messages():
            c.append("INBOX", None, None, m.encode())
        c.logout()
        r = TernRun(k, "pager")
        filt = os.path.join(r.home, "filter.sh")
        with open(filt, "w") as f:
            f.write("#!/bin/sh\necho FILTERED-BY-COMMAND\nsed -e 's/<[^>]*>//g'\n")
        os.chmod(filt, 0o755)
        r.global_("html-filter", filt)
        r.account("demo", imap="imaps")
        workdir = os.path.join(r.home, "work")
        os.makedirs(workdir)
        with open(os.path.join(r.home, ".mailcap"), "w") as f:
            f.write("application/octet-stream; cp %%s '%s/opened.bin'\n" % workdir)
        env = {key: r.env[key] for key in ("HOME", "XDG_CACHE_HOME", "LC_ALL", "TZ") if key in r.env}
        env["PAGER"] = "cat"

        def find(s, subject):
            s.send("/")
            s.type(subject)
            s.send("Enter")

        with Screen(["sh", "-c", "cd '%s' && exec '%s' -F '%s'" % (workdir, TERN, r.mailrc)], env=env,
                    width=110, height=30) as s:
            s.wait_for("synced")
            find(s, "multipart greeting")
            s.send("Enter")
            screen = s.wait_for("München")
            t.ok("Grüße aus München — 東京" in screen, "UTF-8 quoted-printable body decoded", screen)
            t.ok("HTML ALTERNATIVE" not in screen, "multipart/alternative shows the text/plain part")
            t.ok("From: Jürgen <j@example.org>" in screen and "Subject: multipart greeting" in screen,
                 "decoded headers shown", screen)
            s.send("q")
            s.wait_for("synced")

            find(s, "html only letter")
            s.send("Enter")
            screen = s.wait_for("FILTERED-BY-COMMAND")
            t.ok("FILTERED-BY-COMMAND" in screen and "Hello rendered world" in screen,
                 "text/html goes through html-filter", screen)
            t.ok("<b>" not in screen, "no tags are shown")
            s.send("H")
            screen = s.wait_for("raw,")
            t.ok("<b>rendered</b>" in screen and "(raw," in screen, "H shows the raw source", screen)
            s.send("q")
            s.wait_for("synced")

            find(s, "with attachment")
            s.send("v")
            screen = s.wait_for("attachments (")
            t.ok("application/octet-stream" in screen and "résumé.bin" in screen and "3 KB" in screen,
                 "the attachment list shows type, decoded name and size", screen)
            s.send("j", "j", "s")
            screen = s.wait_for("Save to file:")
            t.ok("Save to file: résumé.bin" in screen, "save suggests the sanitized name", screen)
            s.send("Enter")
            screen = s.wait_for("Saved")
            saved = os.path.join(workdir, "résumé.bin")
            t.ok(os.path.exists(saved) and open(saved, "rb").read() == BLOB,
                 "the saved attachment is byte-identical", screen)
            with open(saved, "wb") as f:
                f.write(b"mine")
            s.send("s")
            s.wait_for("Save to file:")
            s.send("Enter")
            screen = s.wait_for("Overwrite")
            t.ok("exists. Overwrite it?" in screen, "an existing file is not overwritten without asking", screen)
            s.type("no")
            s.send("Enter")
            s.wait_for("Not saved")
            t.is_(open(saved, "rb").read(), b"mine", "answering no keeps the existing file")
            s.send("Enter")   # open through ~/.mailcap
            opened = os.path.join(workdir, "opened.bin")
            for _ in range(100):
                if os.path.exists(opened):
                    break
                time.sleep(0.05)
            s.wait_for("Press Enter", 5)
            s.send("Enter")
            t.ok(os.path.exists(opened) and open(opened, "rb").read() == BLOB,
                 "Enter opens the attachment through the mailcap entry with its bytes")
            s.send("q")
            s.wait_for("see attached")
            s.send("q")
            s.wait_for("synced")

            s.send("c")
            s.wait_for("Open folder")
            s.type("Arch")
            s.send("Tab", "Enter")
            screen = s.wait_for("demo/Archive")
            t.ok("demo/Archive [Msgs:0" in screen, "c with Tab completion opens another folder", screen)
            s.send("c")
            s.wait_for("Open folder")
            s.type("INBOX")
            s.send("Enter")
            s.wait_for("demo/INBOX")
            s.wait_for("synced")

            find(s, "boundary quote")
            s.send("Enter")
            screen = s.wait_for("still readable")
            t.ok("still readable text" in screen and "boundary" in screen.lower(),
                 "the boundary=\"\\\"\" message shows its text and a note, no crash", screen)
            s.send("q")
            s.wait_for("synced")

            find(s, "hostile body")
            s.send("Enter")
            screen = s.wait_for("line one")
            t.ok("^[]2;HACKED^G" in screen and "^[[2J" in screen and "<U+202E>evil" in screen,
                 "escape sequences in a body are shown visibly", screen)
            t.ok("HACKED" not in s.title(), "the terminal title was not changed")
            s.send("|")
            s.wait_for("Pipe to command:")
            s.type("wc -c > '%s/piped'" % workdir)
            s.send("Enter")
            s.wait_for("Press Enter")
            s.send("Enter")
            s.wait_for("line one")
            piped = os.path.join(workdir, "piped")
            t.ok(os.path.exists(piped) and int(open(piped).read().split()[0]) > 50,
                 "| pipes the message to a command")
            s.send("q")
            s.wait_for("synced")
            s.send("q")
            t.is_(s.exit_status(), 0, "tern quits with 0")

        # \Seen was set by tern for what was read.
        c = imaplib.IMAP4_SSL(k.host, k.ports["imaps"], ssl_context=ctx, timeout=10)
        c.login("alice", "secret")
        c.select("INBOX", readonly=True)
        typ, data = c.search(None, '(SEEN SUBJECT "multipart greeting")')
        t.ok(data[0].split(), "reading a message set \\Seen on the server")
        c.logout()

        # Offline: the server is gone, the read message opens from the body cache.
        k.dovecot_stop()
        with Screen([TERN, "-F", r.mailrc], env=env, width=110, height=30) as s:
            screen = s.wait_for("offline")
            t.ok("Msgs:" in screen and "multipart greeting" in screen,
                 "offline: the cached index is shown", screen)
            find(s, "multipart greeting")
            s.send("Enter")
            screen = s.wait_for("München")
            t.ok("Grüße aus München" in screen, "offline: a message read before opens from the body cache", screen)
            s.send("q", "q")
            t.is_(s.exit_status(), 0, "offline: q quits")


run(main)
